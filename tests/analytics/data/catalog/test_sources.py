"""Data sources: the connection test and its status, sealed credentials, permissions,
listing and search, and the connections handed to the query engine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.data import tables as t
from sightgate.analytics.data.model import DataSourceType, ResourceStatus
from sightgate.analytics.data.sources import DataSourceService
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.bootstrap import Services
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    REGION,
    events_after,
    last_position,
    register,
    subscribe,
)
from tests.analytics.data.catalog.conftest import PASSWORD, free_port, pg_request, s3_client

OWNER = sorted(STANDARD[ResourceType.DATASOURCE].owner)


def user_arn(name: str) -> str:
    return f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/{name}"


def closed_port_request(data_source_id: str, **extra: Any) -> dict[str, Any]:
    return pg_request(data_source_id, host="127.0.0.1", port=free_port(), database="x", **extra)


def stored_text(db: Database) -> str:
    """Everything stored about data sources and in the outbox, as one text."""
    with db.read() as conn:
        rows = [dict(r) for r in conn.execute(select(t.data_sources)).mappings()]
    return json.dumps(rows, default=str) + json.dumps(
        [e.payload for e in events_after(db, 0)], default=str
    )


# -- the connection test -----------------------------------------------------------------


def test_a_reachable_postgresql_source_is_created_successfully(
    sources: DataSourceService, account: AccountSubscription
) -> None:
    source = sources.create(ACCOUNT, pg_request("sales-db"), actor=ACTOR)
    assert source.status is ResourceStatus.CREATION_SUCCESSFUL
    assert source.error is None
    assert source.arn == f"arn:aws:quicksight:{REGION}:{ACCOUNT}:datasource/sales-db"
    described = sources.describe(ACCOUNT, "sales-db")
    assert described.status is ResourceStatus.CREATION_SUCCESSFUL
    assert described.ssl_disabled is True


def test_a_closed_port_is_creation_failed_naming_the_problem(
    sources: DataSourceService, account: AccountSubscription, db: Database
) -> None:
    source = sources.create(ACCOUNT, closed_port_request("down"), actor=ACTOR)
    assert source.status is ResourceStatus.CREATION_FAILED
    assert source.error is not None
    assert "refused" in source.error.message
    assert sources.describe(ACCOUNT, "down").error == source.error
    assert PASSWORD not in stored_text(db)


def test_ssl_is_required_unless_disabled(
    sources: DataSourceService, account: AccountSubscription
) -> None:
    """The test server has no SSL: requiring it (the default) fails, with the fix named."""
    request = pg_request("needs-ssl", disable_ssl=False)
    source = sources.create(ACCOUNT, request, actor=ACTOR)
    assert source.status is ResourceStatus.CREATION_FAILED
    assert source.error is not None and "DisableSsl" in source.error.message
    request.pop("SslProperties")
    assert sources.create(ACCOUNT, {**request, "DataSourceId": "x2"}, actor=ACTOR).error


def test_an_unknown_host_is_unknown_host(
    sources: DataSourceService, account: AccountSubscription
) -> None:
    request = pg_request("nowhere", host="no-such-host.invalid", port=5432, database="x")
    source = sources.create(ACCOUNT, request, actor=ACTOR)
    assert source.error is not None and source.error.type == "UNKNOWN_HOST"


def test_no_credentials_is_creation_failed_without_connecting(
    sources: DataSourceService, account: AccountSubscription
) -> None:
    request = closed_port_request("anonymous")
    request.pop("Credentials")
    source = sources.create(ACCOUNT, request, actor=ACTOR)
    assert source.status is ResourceStatus.CREATION_FAILED
    assert source.error is not None and source.error.type == "ACCESS_DENIED"


def test_update_tests_again_and_keeps_the_credentials(
    sources: DataSourceService, account: AccountSubscription
) -> None:
    sources.create(ACCOUNT, closed_port_request("moving"), actor=ACTOR)
    good = pg_request("moving")
    good.pop("Credentials")
    updated = sources.update(ACCOUNT, "moving", {**good, "Name": "renamed"}, actor=ACTOR)
    assert updated.status is ResourceStatus.UPDATE_SUCCESSFUL
    assert updated.name == "renamed"
    connection = sources.postgres(ACCOUNT, updated.arn)
    assert connection.password == PASSWORD
    assert PASSWORD not in repr(connection)
    broken = sources.update(
        ACCOUNT, "moving", {"Name": "renamed", **closed_port_request("moving")}, actor=ACTOR
    )
    assert broken.status is ResourceStatus.UPDATE_FAILED


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("type_", ["MYSQL", "ATHENA", "REDSHIFT", 7, None])
def test_unsupported_types_are_refused_by_name(
    sources: DataSourceService, account: AccountSubscription, type_: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        sources.create(ACCOUNT, {**pg_request("typed"), "Type": type_}, actor=ACTOR)
    assert caught.value.field == "Type"
    if isinstance(type_, str):
        assert type_ in caught.value.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"DataSourceId": "../etc"}, "DataSourceId"),
        ({"DataSourceId": "x" * 129}, "DataSourceId"),
        ({"Name": ""}, "Name"),
        ({"Name": "n" * 10_000}, "Name"),
        ({"DataSourceParameters": {"MySqlParameters": {}}}, "DataSourceParameters.MySqlParameters"),
        ({"DataSourceParameters": {}}, "DataSourceParameters"),
        (
            {
                "DataSourceParameters": {
                    "PostgreSqlParameters": {"Host": "h", "Port": 0, "Database": "d"}
                }
            },
            "DataSourceParameters.PostgreSqlParameters.Port",
        ),
        (
            {
                "DataSourceParameters": {
                    "PostgreSqlParameters": {"Host": "h", "Port": "5432", "Database": "d"}
                }
            },
            "DataSourceParameters.PostgreSqlParameters.Port",
        ),
        ({"Credentials": {"SecretArn": "arn:aws:secretsmanager:x"}}, "Credentials.SecretArn"),
        (
            {"Credentials": {"CredentialPair": {"Username": "u"}}},
            "Credentials.CredentialPair.Password",
        ),
        (
            {"Credentials": {"CopySourceArn": "arn:aws:quicksight:x:1:datasource/a"}},
            "Credentials.CopySourceArn",
        ),
        ({"VpcConnectionProperties": {"VpcConnectionArn": "arn"}}, "VpcConnectionProperties"),
        ({"Permissions": [{"Principal": user_arn("ghost"), "Actions": OWNER}]}, "Principal"),
    ],
)
def test_bad_members_are_refused_naming_them_and_nothing_is_written(
    sources: DataSourceService,
    account: AccountSubscription,
    db: Database,
    change: dict[str, Any],
    field: str,
) -> None:
    before = last_position(db)
    with pytest.raises(ValidationError) as caught:
        sources.create(ACCOUNT, {**closed_port_request("bad"), **change}, actor=ACTOR)
    assert caught.value.field == field
    assert PASSWORD not in caught.value.message
    assert sources.list(ACCOUNT).items == []
    assert last_position(db) == before


def test_a_taken_id_is_a_conflict(sources: DataSourceService, account: AccountSubscription) -> None:
    sources.create(ACCOUNT, closed_port_request("twice"), actor=ACTOR)
    with pytest.raises(ConflictError):
        sources.create(ACCOUNT, closed_port_request("twice"), actor=ACTOR)


def test_an_unsubscribed_account_has_no_data_sources(sources: DataSourceService) -> None:
    with pytest.raises(NotFoundError):
        sources.create(ACCOUNT, closed_port_request("a"), actor=ACTOR)


# -- credentials -------------------------------------------------------------------------


def test_credentials_are_sealed_bound_to_their_source(
    sources: DataSourceService, account: AccountSubscription, db: Database
) -> None:
    a = sources.create(ACCOUNT, closed_port_request("a"), actor=ACTOR)
    sources.create(ACCOUNT, {**closed_port_request("b"), "Credentials": None}, actor=ACTOR)
    assert PASSWORD not in stored_text(db)
    with db.write() as conn:  # a ciphertext moved to another row does not open there
        sealed = conn.execute(
            select(t.data_sources.c.credentials_sealed).where(
                t.data_sources.c.data_source_id == "a"
            )
        ).scalar_one()
        conn.execute(
            t.data_sources.update()
            .where(t.data_sources.c.data_source_id == "b")
            .values(credentials_sealed=sealed)
        )
    assert sources.postgres(ACCOUNT, a.arn).password == PASSWORD
    with pytest.raises(RuntimeError):
        sources.postgres(ACCOUNT, a.arn.replace("/a", "/b"))


def test_copy_source_arn_copies_another_sources_credentials(
    sources: DataSourceService, account: AccountSubscription
) -> None:
    original = sources.create(ACCOUNT, closed_port_request("original"), actor=ACTOR)
    request = pg_request("copy", Credentials={"CopySourceArn": original.arn})
    copy = sources.create(ACCOUNT, request, actor=ACTOR)
    assert copy.status is ResourceStatus.CREATION_SUCCESSFUL
    assert sources.postgres(ACCOUNT, copy.arn).password == PASSWORD


def test_connections_are_for_the_accounts_own_sources_only(
    services: Services, sources: DataSourceService, account: AccountSubscription
) -> None:
    subscribe(services.directory, OTHER_ACCOUNT, "other-analytics")
    source = sources.create(ACCOUNT, closed_port_request("mine"), actor=ACTOR)
    with pytest.raises(NotFoundError):
        sources.postgres(OTHER_ACCOUNT, source.arn)
    with pytest.raises(NotFoundError):
        sources.postgres(ACCOUNT, source.arn.replace(REGION, "us-west-2"))
    with pytest.raises(ValidationError):
        sources.s3(ACCOUNT, source.arn)


# -- permissions, deletion ---------------------------------------------------------------


def test_permissions_are_granted_on_create_and_removed_on_delete(
    services: Services, sources: DataSourceService, account: AccountSubscription, db: Database
) -> None:
    register(services.directory, "alice")
    request = closed_port_request(
        "shared", Permissions=[{"Principal": user_arn("alice"), "Actions": OWNER}]
    )
    sources.create(ACCOUNT, request, actor=ACTOR)
    _, permissions = sources.describe_permissions(ACCOUNT, "shared")
    assert [p.to_json() for p in permissions] == [
        {"Principal": user_arn("alice"), "Actions": OWNER}
    ]
    viewer = sorted(STANDARD[ResourceType.DATASOURCE].viewer)
    sources.update_permissions(
        ACCOUNT,
        "shared",
        grant=None,
        revoke=[{"Principal": user_arn("alice"), "Actions": sorted(set(OWNER) - set(viewer))}],
        actor=ACTOR,
    )
    _, permissions = sources.describe_permissions(ACCOUNT, "shared")
    assert [sorted(p.actions) for p in permissions] == [viewer]
    position = last_position(db)
    deleted = sources.delete(ACCOUNT, "shared", actor=ACTOR)
    assert deleted.status is ResourceStatus.DELETED
    assert [e.type for e in events_after(db, position)] == ["analytics.DataSourceDeleted"]
    sources.create(ACCOUNT, closed_port_request("shared"), actor=ACTOR)
    _, permissions = sources.describe_permissions(ACCOUNT, "shared")
    assert permissions == []  # a new source of the same id inherits nothing
    with pytest.raises(NotFoundError):
        sources.delete(ACCOUNT, "gone", actor=ACTOR)


def test_update_permissions_of_an_unknown_source_is_not_found(
    sources: DataSourceService, account: AccountSubscription
) -> None:
    with pytest.raises(NotFoundError):
        sources.update_permissions(ACCOUNT, "nope", grant=None, revoke=None, actor=ACTOR)


# -- listing and search ------------------------------------------------------------------


def test_list_pages_in_id_order(sources: DataSourceService, account: AccountSubscription) -> None:
    for name in ["c", "a", "b"]:
        sources.create(ACCOUNT, closed_port_request(name), actor=ACTOR)
    first = sources.list(ACCOUNT, limit=2)
    assert [s.data_source_id for s in first.items] == ["a", "b"]
    rest = sources.list(ACCOUNT, limit=2, after=first.next_key)
    assert [s.data_source_id for s in rest.items] == ["c"]
    assert rest.next_key is None


def test_search_by_name_and_by_owner(
    services: Services, sources: DataSourceService, account: AccountSubscription
) -> None:
    register(services.directory, "alice")
    register(services.directory, "bob")
    sources.create(ACCOUNT, {**closed_port_request("s1"), "Name": "Sales EU"}, actor=ACTOR)
    sources.create(
        ACCOUNT,
        {
            **closed_port_request("s2"),
            "Name": "Sales US",
            "Permissions": [{"Principal": user_arn("alice"), "Actions": OWNER}],
        },
        actor=ACTOR,
    )
    sources.create(
        ACCOUNT,
        {
            **closed_port_request("s3"),
            "Name": "Costs 100%_",
            "Permissions": [
                {"Principal": user_arn("alice"), "Actions": OWNER},
                {"Principal": user_arn("bob"), "Actions": OWNER},
            ],
        },
        actor=ACTOR,
    )

    def ids(name: str, operator: str, value: str) -> list[str]:
        filters = [{"Name": name, "Operator": operator, "Value": value}]
        return [s.data_source_id for s in sources.search(ACCOUNT, filters).items]

    assert ids("DATASOURCE_NAME", "StringEquals", "Sales EU") == ["s1"]
    assert ids("DATASOURCE_NAME", "StringLike", "sales") == ["s1", "s2"]
    assert ids("DATASOURCE_NAME", "StringLike", "%_") == ["s3"]  # wildcards are data
    assert ids("DIRECT_QUICKSIGHT_OWNER", "StringEquals", user_arn("alice")) == ["s2", "s3"]
    assert ids("DIRECT_QUICKSIGHT_SOLE_OWNER", "StringEquals", user_arn("alice")) == ["s2"]
    assert ids("DIRECT_QUICKSIGHT_VIEWER_OR_OWNER", "StringEquals", user_arn("bob")) == ["s3"]
    assert ids("DIRECT_QUICKSIGHT_OWNER", "StringEquals", user_arn("nobody")) == []
    with pytest.raises(ValidationError):
        ids("DIRECT_QUICKSIGHT_OWNER", "StringLike", user_arn("alice"))
    with pytest.raises(ValidationError):
        sources.search(ACCOUNT, [])


# -- S3 ----------------------------------------------------------------------------------


def s3_request(data_source_id: str, bucket: str, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "DataSourceId": data_source_id,
        "Name": data_source_id,
        "Type": "S3",
        "DataSourceParameters": {
            "S3Parameters": {"ManifestFileLocation": {"Bucket": bucket, "Key": key}}
        },
        "Credentials": {"CredentialPair": {"Username": "AKIAMOTO", "Password": PASSWORD}},
        **extra,
    }


def test_s3_sources_head_their_manifest(
    s3_sources: DataSourceService, account: AccountSubscription, s3_endpoint: str
) -> None:
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket="manifests")
    client.put_object(Bucket="manifests", Key="sales.json", Body=b'{"fileLocations": []}')
    found = s3_sources.create(ACCOUNT, s3_request("s3-ok", "manifests", "sales.json"), actor=ACTOR)
    assert found.type is DataSourceType.S3
    assert found.status is ResourceStatus.CREATION_SUCCESSFUL
    missing = s3_sources.create(
        ACCOUNT, s3_request("s3-missing", "manifests", "nope.json"), actor=ACTOR
    )
    assert missing.status is ResourceStatus.CREATION_FAILED
    assert missing.error is not None and "s3://manifests/nope.json" in missing.error.message
    connection = s3_sources.s3(ACCOUNT, found.arn)
    assert (connection.bucket, connection.key, connection.endpoint_url) == (
        "manifests",
        "sales.json",
        s3_endpoint,
    )
    assert PASSWORD not in repr(connection)
    with pytest.raises(ValidationError) as caught:
        s3_sources.create(
            ACCOUNT,
            s3_request(
                "s3-role",
                "manifests",
                "sales.json",
                DataSourceParameters={
                    "S3Parameters": {
                        "ManifestFileLocation": {"Bucket": "b", "Key": "k"},
                        "RoleArn": "arn:aws:iam::111122223333:role/r",
                    }
                },
            ),
            actor=ACTOR,
        )
    assert caught.value.field.endswith("RoleArn")
