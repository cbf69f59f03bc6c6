"""An account cannot make another account's Identity Center instance its identity source.

The attack: with account C's own access key, CreateAccountSubscription for C naming
account B's instance ARN (an identifier, not a secret: it is in events and in
DescribeAccountSubscription). Were it accepted, provisioning would copy B's users and
groups into C and keep doing so. Played end to end on the real server with boto3, with B
provisioning normally beside it as the control.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest

from tests.e2e.aws.conftest import OTHER_ACCOUNT, AwsServer, error_of, status_of

pytestmark = pytest.mark.e2e

INTRUDER = "777788889999"


@dataclass(frozen=True)
class Tenant:
    """An account with its own Identity Center instance and clients."""

    account_id: str
    qs: Any
    ids: Any
    instance_arn: str
    store_id: str
    admins_group_id: str


def _tenant(server: AwsServer, account_id: str) -> Tenant:
    key = server.new_key(account_id)
    sso = server.client("sso-admin", key)
    arn = str(sso.create_instance(Name=f"idc-{account_id}")["InstanceArn"])
    store = str(sso.describe_instance(InstanceArn=arn)["IdentityStoreId"])
    ids = server.client("identitystore", key)
    group = str(ids.create_group(IdentityStoreId=store, DisplayName="admins")["GroupId"])
    return Tenant(account_id, server.client("quicksight", key), ids, arn, store, group)


def _subscribe(tenant: Tenant, instance_arn: str) -> dict[str, Any]:
    response: dict[str, Any] = tenant.qs.create_account_subscription(
        AwsAccountId=tenant.account_id,
        AccountName=f"acct-{tenant.account_id}",
        NotificationEmail=f"ops-{tenant.account_id}@example.com",
        Edition="ENTERPRISE",
        AuthenticationMethod="IAM_IDENTITY_CENTER",
        IAMIdentityCenterInstanceArn=instance_arn,
        AdminGroup=["admins"],
    )
    return response


def _add_admin(tenant: Tenant, user_name: str) -> None:
    user_id = tenant.ids.create_user(
        IdentityStoreId=tenant.store_id,
        UserName=user_name,
        DisplayName=user_name.title(),
        Name={"GivenName": user_name, "FamilyName": "Example"},
        Emails=[{"Value": f"{user_name}@example.com", "Primary": True}],
    )["UserId"]
    tenant.ids.create_group_membership(
        IdentityStoreId=tenant.store_id,
        GroupId=tenant.admins_group_id,
        MemberId={"UserId": user_id},
    )


def _user_names(tenant: Tenant) -> set[str]:
    users = tenant.qs.list_users(AwsAccountId=tenant.account_id, Namespace="default")["UserList"]
    return {u["UserName"] for u in users}


def _wait_for_user(tenant: Tenant, user_name: str) -> None:
    deadline = time.monotonic() + 15
    while user_name not in _user_names(tenant):
        assert time.monotonic() < deadline, f"{user_name} was never provisioned"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def victim(aws_server: AwsServer) -> Tenant:
    """Account B, subscribed with its own instance and one provisioned admin."""
    tenant = _tenant(aws_server, OTHER_ACCOUNT)
    _add_admin(tenant, "victim-admin-1")
    assert _subscribe(tenant, tenant.instance_arn)["Status"] == 200
    _wait_for_user(tenant, "victim-admin-1")
    return tenant


@pytest.fixture(scope="module")
def intruder(aws_server: AwsServer) -> Tenant:
    """Account C, with an instance of its own and nothing else yet."""
    return _tenant(aws_server, INTRUDER)


def test_subscribing_with_another_accounts_instance_is_access_denied(
    victim: Tenant, intruder: Tenant
) -> None:
    for arn in (victim.instance_arn, "arn:aws:sso:::instance/ssoins-00000000000000ff"):
        error = error_of(partial(_subscribe, intruder, arn))
        assert error.response["Error"]["Code"] == "AccessDeniedException"
        assert status_of(error) in (401, 403)
        assert error.response["Error"]["Message"] == (
            f"access denied: the IAM Identity Center instance {arn} "
            f"does not serve account {INTRUDER}"
        )
    missing = error_of(lambda: intruder.qs.describe_account_subscription(AwsAccountId=INTRUDER))
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_victims_later_users_never_reach_the_intruder(victim: Tenant, intruder: Tenant) -> None:
    assert _subscribe(intruder, intruder.instance_arn)["Status"] == 200
    _add_admin(intruder, "intruder-admin-1")
    _wait_for_user(intruder, "intruder-admin-1")

    _add_admin(victim, "victim-admin-2")
    _wait_for_user(victim, "victim-admin-2")  # provisioning has run past the change

    assert _user_names(intruder) == {"intruder-admin-1"}
    groups = intruder.qs.list_groups(AwsAccountId=INTRUDER, Namespace="default")["GroupList"]
    assert {g["GroupName"] for g in groups} == {"admins"}
    assert {g["Arn"].split(":")[4] for g in groups} == {INTRUDER}
