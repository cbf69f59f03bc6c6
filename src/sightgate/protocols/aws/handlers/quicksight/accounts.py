"""QuickSight account subscription and settings, and the step every QuickSight
operation on an account passes first (``QuickSightAccounts.enter``)."""

from __future__ import annotations

from sightgate.analytics.directory.accounts import AccountService
from sightgate.analytics.directory.model import (
    AccountSettingsUpdate,
    AccountSubscription,
    SubscriptionRequest,
)
from sightgate.platform.errors import ConflictError, NotFoundError
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.errors import access_denied
from sightgate.protocols.aws.handlers.registry import OK, Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_named_account, subscribing
from sightgate.protocols.aws.registry import AccountEntry


class QuickSightAccounts:
    """The dispatcher's ``AccountGate``: what every QuickSight operation on an account
    checks before its handler runs."""

    def __init__(self, accounts: AccountService) -> None:
        self.accounts = accounts

    def enter(self, ctx: RequestContext, *, subscribe: bool) -> None:
        """A call signed for another region than the account's is AccessDeniedException,
        worded as QuickSight words it outside an account's identity region.

        With ``subscribe``, in local-test mode the account is subscribed on first use, in
        the request's region, as LocalStack does. An unsubscribed account is otherwise
        left to the operation, which answers ResourceNotFoundException.
        """
        try:
            account = self.accounts.describe(ctx.account_id)
        except NotFoundError:
            if not (subscribe and ctx.dev_mode):
                return
            account = self._dev_subscription(ctx)
        if account.region != ctx.region:
            raise access_denied(
                ctx.service,
                f"Operation is being called from endpoint {ctx.region}, but your identity "
                f"region is {account.region}. Please use the {account.region} endpoint.",
            )

    def _dev_subscription(self, ctx: RequestContext) -> AccountSubscription:
        """Subscribe the caller's account in local-test mode; a concurrent first request
        may have done it already."""
        try:
            return self.accounts.create_subscription(
                ctx.account_id,
                SubscriptionRequest(
                    account_name=f"dev-{ctx.account_id}",
                    notification_email=f"dev-{ctx.account_id}@example.com",
                    authentication_method="IAM_AND_QUICKSIGHT",
                ),
                region=ctx.region,
                actor=ctx.actor,
            )
        except ConflictError:
            return self.accounts.describe(ctx.account_id)


# -- presenters --------------------------------------------------------------------------


def account_info_json(account: AccountSubscription) -> Output:
    """A QuickSight ``AccountInfo``."""
    return {
        "AccountName": account.account_name,
        "Edition": account.edition.value,
        "NotificationEmail": account.notification_email,
        "AuthenticationType": account.authentication_method.value,
        "AccountSubscriptionStatus": account.status,
        "IAMIdentityCenterInstanceArn": account.iam_identity_center_instance_arn,
    }


def account_settings_json(account: AccountSubscription) -> Output:
    """A QuickSight ``AccountSettings``."""
    return {
        "AccountName": account.account_name,
        "Edition": account.edition.value,
        "DefaultNamespace": account.default_namespace,
        "NotificationEmail": account.notification_email,
        "PublicSharingEnabled": account.public_sharing_enabled,
        "TerminationProtectionEnabled": account.termination_protection_enabled,
    }


# -- operations --------------------------------------------------------------------------


def create_account_subscription(
    accounts: AccountService, ctx: RequestContext, params: Params
) -> Output:
    """CreateAccountSubscription, in the request's region."""
    request = SubscriptionRequest(
        account_name=params["AccountName"],
        notification_email=params["NotificationEmail"],
        authentication_method=params["AuthenticationMethod"],
        edition=params.get("Edition") or "ENTERPRISE",
        iam_identity_center_instance_arn=params.get("IAMIdentityCenterInstanceArn"),
        admin_group=tuple(params.get("AdminGroup") or ()),
        author_group=tuple(params.get("AuthorGroup") or ()),
        reader_group=tuple(params.get("ReaderGroup") or ()),
        admin_pro_group=tuple(params.get("AdminProGroup") or ()),
        author_pro_group=tuple(params.get("AuthorProGroup") or ()),
        reader_pro_group=tuple(params.get("ReaderProGroup") or ()),
    )
    accounts.create_subscription(
        params["AwsAccountId"], request, region=ctx.region, actor=ctx.actor
    )
    return {"SignupResponse": {"IAMUser": False, "accountName": request.account_name}, **OK}


def describe_account_subscription(
    accounts: AccountService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeAccountSubscription."""
    return {"AccountInfo": account_info_json(accounts.describe(params["AwsAccountId"])), **OK}


def describe_account_settings(
    accounts: AccountService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeAccountSettings."""
    account = accounts.describe(params["AwsAccountId"])
    return {"AccountSettings": account_settings_json(account), **OK}


def update_account_settings(
    accounts: AccountService, ctx: RequestContext, params: Params
) -> Output:
    """UpdateAccountSettings."""
    accounts.update_settings(
        params["AwsAccountId"],
        AccountSettingsUpdate(
            default_namespace=params["DefaultNamespace"],
            notification_email=params.get("NotificationEmail"),
            termination_protection_enabled=params.get("TerminationProtectionEnabled"),
        ),
        actor=ctx.actor,
    )
    return OK


def delete_account_subscription(
    accounts: AccountService, ctx: RequestContext, params: Params
) -> Output:
    """DeleteAccountSubscription (refused while termination protection is on)."""
    accounts.delete_subscription(params["AwsAccountId"], actor=ctx.actor)
    return OK


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.directory.accounts,
    (
        Operation(
            "CreateAccountSubscription",
            create_account_subscription,
            subscribing,
            entry=AccountEntry.NONE,  # it creates the account, in the request's region
        ),
        Operation("DescribeAccountSubscription", describe_account_subscription, in_named_account),
        Operation("DescribeAccountSettings", describe_account_settings, in_named_account),
        Operation("UpdateAccountSettings", update_account_settings, in_named_account),
        Operation(
            "DeleteAccountSubscription",
            delete_account_subscription,
            in_named_account,
            entry=AccountEntry.EXISTING,  # deleting subscribes nothing, even in dev mode
        ),
    ),
)
