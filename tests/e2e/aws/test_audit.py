"""The audit trail records API changes with the access key that made them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.aws.conftest import (
    REGION,
    AwsServer,
    Key,
    error_of,
    register,
    unique,
)
from tests.e2e.helpers import run_json

pytestmark = pytest.mark.e2e

USER_REGISTERED = "analytics.UserRegistered"  # analytics/directory/events.py


def recent_events(server: AwsServer) -> list[dict[str, Any]]:
    """``sightgate events tail --json`` (the last 200 events)."""
    events: list[dict[str, Any]] = run_json(server.env, "events", "tail", "--limit", "200")
    return events


def test_register_user_is_audited_with_the_access_key(
    aws_server: AwsServer, qs: Any, key: Key, subscribed: str
) -> None:
    namespace = unique("audited")
    qs.create_namespace(AwsAccountId=subscribed, Namespace=namespace, IdentityStore="QUICKSIGHT")
    user = register(qs, subscribed, namespace, "audited-user", role="AUTHOR")
    # A refused registration leaves no event behind.
    error_of(lambda: register(qs, subscribed, namespace, "AUDITED-USER"))

    events = recent_events(aws_server)

    registered = [
        e for e in events if e["Type"] == USER_REGISTERED and e["Payload"]["Namespace"] == namespace
    ]
    assert len(registered) == 1
    event = registered[0]
    assert event["Actor"] == f"aws:{key.access_key_id}"
    assert event["Scope"] == subscribed
    assert event["AggregateType"] == "User"
    assert event["Payload"]["UserName"] == "audited-user"
    assert event["Payload"]["Arn"] == user["Arn"]
    assert event["Payload"]["PrincipalId"] == user["PrincipalId"]
    assert event["Payload"]["Role"] == "AUTHOR"
    assert event["Payload"]["Source"] == "QUICKSIGHT_API"
    assert key.secret_access_key not in str(events)
    # Everything the key did is attributed to it, in commit order.
    mine = [e for e in events if e["Actor"] == f"aws:{key.access_key_id}"]
    types = [e["Type"] for e in mine]
    assert types.index("analytics.NamespaceCreated") < types.index(USER_REGISTERED)
    positions = [e["Position"] for e in events]
    assert positions == sorted(positions)


def test_identity_store_changes_are_audited_with_the_access_key(
    aws_server: AwsServer, key: Key
) -> None:
    sso = aws_server.client("sso-admin", key)
    ids = aws_server.client("identitystore", key)
    arn = sso.create_instance(Name="audited")["InstanceArn"]
    store = sso.describe_instance(InstanceArn=arn)["IdentityStoreId"]
    user_id = ids.create_user(IdentityStoreId=store, UserName="audited", DisplayName="A")["UserId"]

    events = recent_events(aws_server)

    created = [e for e in events if e["AggregateId"] == user_id]
    assert [e["Actor"] for e in created] == [f"aws:{key.access_key_id}"]
    assert created[0]["Scope"] == store
    instance = [e for e in events if e["Type"] == "identity.InstanceCreated"]
    assert instance[-1]["Actor"] == f"aws:{key.access_key_id}"
    assert instance[-1]["Payload"]["InstanceArn"] == arn


def test_tagging_is_audited(aws_server: AwsServer, qs: Any, key: Key, subscribed: str) -> None:
    resource = f"arn:aws:quicksight:{REGION}:{subscribed}:namespace/default"
    qs.tag_resource(ResourceArn=resource, Tags=[{"Key": "audit", "Value": "yes"}])
    qs.untag_resource(ResourceArn=resource, TagKeys=["audit"])

    events = recent_events(aws_server)

    tagged = [e for e in events if e["Type"] == "analytics.ResourceTagged"]
    untagged = [e for e in events if e["Type"] == "analytics.ResourceUntagged"]
    assert tagged[-1]["Payload"] == {"ResourceArn": resource, "Tags": {"audit": "yes"}}
    assert untagged[-1]["Payload"] == {"ResourceArn": resource, "TagKeys": ["audit"]}
    assert {tagged[-1]["Actor"], untagged[-1]["Actor"]} == {f"aws:{key.access_key_id}"}
