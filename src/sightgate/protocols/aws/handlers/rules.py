"""The access rules operations declare: what a request acts on, as authorizer targets.

A rule reads only the request (its context and validated input), never the store; the
authorizer decides. Decisions about an account are pure (no statement); those about an
identity store or instance read the instance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sightgate.analytics.access.authorizer import (
    AccountResource,
    IdentitySource,
    IdentityStoreResource,
    InstanceResource,
)
from sightgate.platform.errors import ValidationError
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.registry import Params
from sightgate.protocols.aws.registry import Check

_QUICKSIGHT_ARN = re.compile(r"arn:[^:]+:quicksight:[^:]*:(?P<account>[0-9]{12}):.+", re.DOTALL)


def in_named_account(ctx: RequestContext, params: Params) -> Sequence[Check]:
    """QuickSight: the account the URI's ``AwsAccountId`` names."""
    return (Check(AccountResource(params["AwsAccountId"])),)


def by_resource_arn(ctx: RequestContext, params: Params) -> Sequence[Check]:
    """QuickSight operations addressed by ``ResourceArn``: the ARN's account. Another
    account's ARN names nothing the caller can see (not found, as the service says)."""
    arn = params["ResourceArn"]
    found = _QUICKSIGHT_ARN.fullmatch(arn)
    if found is None:
        raise ValidationError(
            "ResourceArn", "must be a QuickSight ARN (arn:aws:quicksight:<region>:<account>:…)"
        )
    return (Check(AccountResource(found["account"]), unseen=("Resource", arn)),)


def subscribing(ctx: RequestContext, params: Params) -> Sequence[Check]:
    """CreateAccountSubscription: the account, and the Identity Center instance it links
    to, which must serve that account (the service checks it again)."""
    checks = [Check(AccountResource(params["AwsAccountId"]))]
    if params.get("IAMIdentityCenterInstanceArn"):
        checks.append(Check(IdentitySource(params["IAMIdentityCenterInstanceArn"])))
    return checks


def in_store(ctx: RequestContext, params: Params) -> Sequence[Check]:
    """IdentityStore: the store ``IdentityStoreId`` names, which must serve the caller's
    account; another account's store is not found, exactly as if it did not exist."""
    store_id = params["IdentityStoreId"]
    return (Check(IdentityStoreResource(store_id), unseen=("IdentityStore", store_id)),)


def on_instance(ctx: RequestContext, params: Params) -> Sequence[Check]:
    """SSO Admin: the instance ``InstanceArn`` names, which must serve the caller's
    account; another account's instance is not found."""
    arn = params["InstanceArn"]
    return (Check(InstanceResource(arn), unseen=("Instance", arn)),)


def own_account(ctx: RequestContext, params: Params) -> Sequence[Check]:
    """Operations that name nothing but act in the caller's account (ListInstances,
    CreateInstance, ListIdentityStores)."""
    return (Check(AccountResource(ctx.account_id)),)
