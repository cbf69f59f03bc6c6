"""Every registered operation declares what it acts on, and the registry refuses one that
does not: access is structural, not a check each handler must remember."""

from __future__ import annotations

from typing import Any

import pytest

from sightgate.analytics.access.authorizer import (
    AccountResource,
    IdentitySource,
    IdentityStoreResource,
    InstanceResource,
)
from sightgate.protocols.aws import models
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.dispatch import AwsApi
from sightgate.protocols.aws.handlers import HANDLERS, OPERATIONS
from sightgate.protocols.aws.handlers.registry import Operation
from sightgate.protocols.aws.handlers.rules import in_named_account
from sightgate.protocols.aws.pagination import PageTokens
from sightgate.protocols.aws.registry import AccountEntry, Check, Route, Routes
from sightgate.protocols.aws.sigv4 import StaticCredentials

CALLER = "111122223333"
NAMED = "444455556666"
STORE = "d-1234567890"
INSTANCE = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
ARN = f"arn:aws:quicksight:us-east-1:{NAMED}:user/default/alice"
NAMING = {
    "AwsAccountId": NAMED,
    "IdentityStoreId": STORE,
    "InstanceArn": INSTANCE,
    "ResourceArn": ARN,
    "IAMIdentityCenterInstanceArn": INSTANCE,
}


def nothing(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return {}


def input_members(service: str, operation: str) -> set[str]:
    shape = models.service(service).operation(operation).input_shape
    assert shape is not None
    return set(shape.members)


def context(service: str, operation: str) -> RequestContext:
    return RequestContext(
        service, operation, CALLER, "AKID", "us-east-1", "req", False, PageTokens(b"k" * 32)
    )


def expected_checks(service: str, operation: str) -> list[Check]:
    """What the operation's input names, as the model says: its checks must be these."""
    members = input_members(service, operation)
    if "ResourceArn" in members:
        return [Check(AccountResource(NAMED), unseen=("Resource", ARN))]
    if "AwsAccountId" in members:
        checks = [Check(AccountResource(NAMED))]
        if "IAMIdentityCenterInstanceArn" in members:
            checks.append(Check(IdentitySource(INSTANCE)))
        return checks
    if "IdentityStoreId" in members:
        return [Check(IdentityStoreResource(STORE), unseen=("IdentityStore", STORE))]
    if "InstanceArn" in members:
        return [Check(InstanceResource(INSTANCE), unseen=("Instance", INSTANCE))]
    return [Check(AccountResource(CALLER))]


@pytest.mark.parametrize(("service", "operation"), OPERATIONS)
def test_every_operation_checks_what_its_input_names(service: str, operation: str) -> None:
    (registered,) = [
        op
        for handlers in HANDLERS
        if handlers.service == service
        for op in handlers.operations
        if op.name == operation
    ]
    members = input_members(service, operation)
    params = {name: value for name, value in NAMING.items() if name in members}

    checks = registered.access(context(service, operation), params)

    assert list(checks) == expected_checks(service, operation)


def test_every_quicksight_operation_but_subscribing_enters_its_account() -> None:
    entries = {
        op.name: op.entry
        for handlers in HANDLERS
        if handlers.service == "quicksight"
        for op in handlers.operations
    }
    assert entries.pop("CreateAccountSubscription") is AccountEntry.NONE
    assert entries.pop("DeleteAccountSubscription") is AccountEntry.EXISTING
    assert set(entries.values()) == {None}  # the service's default: SUBSCRIBED


def test_an_operation_cannot_be_registered_without_an_access_rule() -> None:
    with pytest.raises(TypeError):
        Route("quicksight", "DescribeUser", nothing)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Operation("DescribeUser", nothing)  # type: ignore[call-arg, arg-type]
    with pytest.raises(ValueError, match="no access rule"):
        Routes([Route("quicksight", "DescribeUser", nothing, None)])  # type: ignore[arg-type]


def test_unknown_and_duplicate_operations_are_refused() -> None:
    with pytest.raises(ValueError, match="no operation"):
        Routes([Route("quicksight", "DescribeNothing", nothing, in_named_account)])
    route = Route("quicksight", "DescribeUser", nothing, in_named_account)
    with pytest.raises(ValueError, match="twice"):
        Routes([route, route])


def test_routes_that_enter_an_account_need_the_account_gate() -> None:
    entering = Route(
        "quicksight", "DescribeUser", nothing, in_named_account, AccountEntry.SUBSCRIBED
    )
    with pytest.raises(ValueError, match="account gate"):
        AwsApi(
            [entering],
            StaticCredentials([]),
            authorizer=object(),  # type: ignore[arg-type]
            accounts=None,
            dev_mode=False,
            token_key=b"k" * 32,
        )
