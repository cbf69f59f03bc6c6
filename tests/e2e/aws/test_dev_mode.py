"""``sightgate serve --dev``: made-up credentials work, the rules still hold."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.e2e.aws.conftest import (
    AwsServer,
    code_of,
    create_namespace,
    error_of,
    make_client,
    register,
    user_names,
)

pytestmark = pytest.mark.e2e

DEV_ACCOUNT = "123456789012"
SECOND_ACCOUNT = "210987654321"


DEV_SECRET = "test"


def dev_client(
    server: AwsServer, service: str, *, secret: str = DEV_SECRET, validate: bool = True
) -> Any:
    """A client with LocalStack-style credentials (AKID ``test``, any secret)."""
    return make_client(
        server.url, service, key_id="test", secret=secret, region="us-east-1", validate=validate
    )


@pytest.fixture(scope="module")
def dev_qs(dev_server: AwsServer) -> Any:
    """A QuickSight client with AKID/secret ``test``/``test``."""
    return dev_client(dev_server, "quicksight")


def test_any_credentials_and_auto_subscription(dev_server: AwsServer, dev_qs: Any) -> None:
    listed = dev_qs.list_users(AwsAccountId=DEV_ACCOUNT, Namespace="default")

    assert listed["Status"] == 200
    assert listed["UserList"] == []
    info = dev_qs.describe_account_subscription(AwsAccountId=DEV_ACCOUNT)["AccountInfo"]
    assert info["AccountSubscriptionStatus"] == "ACCOUNT_CREATED"
    assert info["AuthenticationType"] == "IAM_AND_QUICKSIGHT"
    # Another made-up secret for the same key works just as well.
    other_secret = dev_client(dev_server, "quicksight", secret="anything-at-all")
    user = register(other_secret, DEV_ACCOUNT, "default", "dev-alice")
    assert user["Arn"] == f"arn:aws:quicksight:us-east-1:{DEV_ACCOUNT}:user/default/dev-alice"
    assert user_names(dev_qs, DEV_ACCOUNT, "default") == ["dev-alice"]


def test_validation_still_applies(dev_server: AwsServer, dev_qs: Any) -> None:
    lax = dev_client(dev_server, "quicksight", validate=False)
    dev_qs.list_users(AwsAccountId=DEV_ACCOUNT, Namespace="default")  # subscribed on first use

    codes = [
        code_of(
            lambda: lax.register_user(
                AwsAccountId=DEV_ACCOUNT,
                Namespace="default",
                IdentityType="QUICKSIGHT",
                UserName="god",
                Email="god@example.com",
                UserRole="GOD",
            )
        ),
        code_of(
            lambda: lax.register_user(
                AwsAccountId=DEV_ACCOUNT,
                Namespace="default",
                IdentityType="QUICKSIGHT",
                UserName="no-email",
                UserRole="READER",
            )
        ),
        code_of(
            lambda: dev_qs.register_user(
                AwsAccountId=DEV_ACCOUNT,
                Namespace="default",
                IdentityType="QUICKSIGHT",
                UserName="bad-email",
                Email="bad-email",
                UserRole="READER",
            )
        ),
        code_of(lambda: dev_qs.list_users(AwsAccountId=DEV_ACCOUNT, Namespace="ghost")),
        code_of(
            lambda: dev_qs.list_users(
                AwsAccountId=DEV_ACCOUNT, Namespace="default", NextToken="forged"
            )
        ),
    ]

    assert codes == [
        "InvalidParameterValueException",
        "InvalidParameterValueException",
        "InvalidParameterValueException",
        "ResourceNotFoundException",
        "InvalidNextTokenException",
    ]
    names = user_names(dev_qs, DEV_ACCOUNT, "default")
    assert {"god", "no-email", "bad-email"}.isdisjoint(names)


def test_a_second_account_sees_nothing_of_the_first(dev_qs: Any) -> None:
    create_namespace(dev_qs, DEV_ACCOUNT, "dev-tenant")
    register(dev_qs, DEV_ACCOUNT, "dev-tenant", "first-only")
    dev_qs.create_group(AwsAccountId=DEV_ACCOUNT, Namespace="dev-tenant", GroupName="firsts")

    assert user_names(dev_qs, SECOND_ACCOUNT, "default") == []
    namespaces = dev_qs.list_namespaces(AwsAccountId=SECOND_ACCOUNT)["Namespaces"]
    assert [n["Name"] for n in namespaces] == ["default"]
    codes = [
        code_of(lambda: dev_qs.list_users(AwsAccountId=SECOND_ACCOUNT, Namespace="dev-tenant")),
        code_of(
            lambda: dev_qs.describe_user(
                AwsAccountId=SECOND_ACCOUNT, Namespace="dev-tenant", UserName="first-only"
            )
        ),
        code_of(
            lambda: dev_qs.delete_group(
                AwsAccountId=SECOND_ACCOUNT, Namespace="dev-tenant", GroupName="firsts"
            )
        ),
        # In dev mode an ARN's account is the caller's, as AwsAccountId is in a URI.
        code_of(
            lambda: dev_qs.list_tags_for_resource(
                ResourceArn=f"arn:aws:quicksight:us-east-1:{SECOND_ACCOUNT}:namespace/dev-tenant"
            )
        ),
    ]
    assert codes == ["ResourceNotFoundException"] * 4
    assert user_names(dev_qs, DEV_ACCOUNT, "dev-tenant") == ["first-only"]


def test_namespaces_stay_isolated_in_dev_mode(dev_qs: Any) -> None:
    for name in ("dev-a", "dev-b"):
        create_namespace(dev_qs, DEV_ACCOUNT, name)
    register(dev_qs, DEV_ACCOUNT, "dev-a", "only-in-a")

    error = error_of(
        lambda: dev_qs.describe_user(
            AwsAccountId=DEV_ACCOUNT, Namespace="dev-b", UserName="only-in-a"
        )
    )

    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    assert user_names(dev_qs, DEV_ACCOUNT, "dev-b") == []


def test_dev_mode_still_wants_a_sigv4_header(dev_server: AwsServer) -> None:
    response = httpx.get(
        f"{dev_server.url}/accounts/{DEV_ACCOUNT}/namespaces/default/users", timeout=30
    )

    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_identity_center_works_with_made_up_credentials(dev_server: AwsServer) -> None:
    sso = dev_client(dev_server, "sso-admin")
    ids = dev_client(dev_server, "identitystore")

    arn = sso.create_instance(Name="dev")["InstanceArn"]
    store = sso.describe_instance(InstanceArn=arn)["IdentityStoreId"]
    user_id = ids.create_user(IdentityStoreId=store, UserName="dev-user", DisplayName="Dev")[
        "UserId"
    ]

    assert ids.describe_user(IdentityStoreId=store, UserId=user_id)["UserName"] == "dev-user"
    assert [s["IdentityStoreId"] for s in ids.list_identity_stores()["IdentityStores"]] == [store]


def test_concurrent_first_requests_all_succeed(dev_server: AwsServer) -> None:
    clients = [dev_client(dev_server, "quicksight") for _ in range(12)]
    for client in clients:  # connections open, so the first-use requests go out together
        client.list_users(AwsAccountId=DEV_ACCOUNT, Namespace="default")
    start = threading.Barrier(len(clients), timeout=60)

    def first_use(job: tuple[int, str]) -> str:
        index, account = job
        start.wait()
        try:
            clients[index].list_users(AwsAccountId=account, Namespace="default")
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "ok"

    accounts = [f"3000000000{n:02d}" for n in range(10)]
    jobs = [(i, account) for account in accounts for i in range(len(clients))]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        results = list(pool.map(first_use, jobs))

    assert results == ["ok"] * len(jobs)
