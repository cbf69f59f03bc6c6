"""Use cases of account subscriptions: create, describe, settings, delete, identity source.

An account id is any 12-digit id; the subscription makes it a QuickSight account with a
``default`` namespace, in the region it was created in (every ARN of the account's
resources carries that region).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sightgate.analytics.directory import events, repository
from sightgate.analytics.directory.errors import (
    TerminationProtectedError,
    translate_integrity_errors,
)
from sightgate.analytics.directory.identity_source import InstanceReader, serving_instance
from sightgate.analytics.directory.model import (
    ACCOUNT_CREATED,
    DEFAULT_NAMESPACE,
    AccountSettingsUpdate,
    AccountSubscription,
    AuthenticationMethod,
    Edition,
    SubscriptionRequest,
    validate_email_address,
    validate_instance_arn,
    validate_namespace_name,
    validate_region,
)
from sightgate.analytics.directory.namespaces import new_namespace
from sightgate.analytics.directory.roles import grant_role
from sightgate.platform.db import Database
from sightgate.platform.events import Actor
from sightgate.platform.ids import random_hex, validate_account_id
from sightgate.platform.uow import UnitOfWork

_SETTINGS = {
    "DefaultNamespace": "default_namespace",
    "NotificationEmail": "notification_email",
    "TerminationProtectionEnabled": "termination_protection_enabled",
}
_IDENTITY_SOURCE = {
    "AuthenticationMethod": "authentication_method",
    "IAMIdentityCenterInstanceArn": "iam_identity_center_instance_arn",
}


class AccountService:
    """CreateAccountSubscription, Describe/UpdateAccountSettings, DeleteAccountSubscription."""

    def __init__(self, db: Database, instances: InstanceReader) -> None:
        self.db = db
        self.instances = instances

    def create_subscription(
        self, account_id: str, request: SubscriptionRequest, *, region: str, actor: Actor
    ) -> AccountSubscription:
        """Subscribe an account, with its ``default`` namespace and role groups.

        ``ConflictError`` (field ``AwsAccountId``) when the account is subscribed already,
        (field ``AccountName``) when another account has the name in any letter case;
        ``AccessDeniedError`` when the Identity Center instance does not serve the account.
        """
        valid = request.validated()
        account_id = validate_account_id(account_id)
        if valid.iam_identity_center_instance_arn is not None:
            serving_instance(self.instances, valid.iam_identity_center_instance_arn, account_id)
        now = datetime.now(UTC)
        account = AccountSubscription(
            account_id=account_id,
            account_name=valid.account_name,
            edition=Edition(valid.edition),
            authentication_method=AuthenticationMethod(valid.authentication_method),
            notification_email=valid.notification_email,
            region=validate_region(region),
            directory_id=f"d-{random_hex(10)}",
            iam_identity_center_instance_arn=valid.iam_identity_center_instance_arn,
            status=ACCOUNT_CREATED,
            default_namespace=DEFAULT_NAMESPACE,
            termination_protection_enabled=True,
            public_sharing_enabled=False,
            created_at=now,
            updated_at=now,
        )
        namespace = new_namespace(account, DEFAULT_NAMESPACE)
        with (
            translate_integrity_errors(AwsAccountId=account_id, AccountName=valid.account_name),
            UnitOfWork(self.db, actor) as uow,
        ):
            repository.insert_account(uow.conn, account)
            uow.emit(events.account_event(events.ACCOUNT_SUBSCRIPTION_CREATED, account))
            repository.insert_namespace(uow.conn, namespace)
            uow.emit(events.namespace_event(events.NAMESPACE_CREATED, namespace))
            for role, group_names in valid.role_groups().items():
                for group_name in group_names:
                    grant_role(uow, namespace, role, group_name)
        return account

    def describe(self, account_id: str) -> AccountSubscription:
        """The subscription and settings (DescribeAccountSubscription and -Settings)."""
        with self.db.read() as conn:
            return repository.require_account(conn, account_id)

    def update_settings(
        self, account_id: str, update: AccountSettingsUpdate, *, actor: Actor
    ) -> AccountSubscription:
        """Change the default namespace (which must exist), e-mail or termination protection."""
        validate_namespace_name(update.default_namespace, "DefaultNamespace")
        with UnitOfWork(self.db, actor) as uow:
            current = repository.require_account(uow.conn, account_id, lock=True)
            default = repository.require_namespace(uow.conn, account_id, update.default_namespace)
            wanted = replace(
                current,
                default_namespace=default.name,
                notification_email=(
                    current.notification_email
                    if update.notification_email is None
                    else validate_email_address(update.notification_email, "NotificationEmail")
                ),
                termination_protection_enabled=(
                    current.termination_protection_enabled
                    if update.termination_protection_enabled is None
                    else update.termination_protection_enabled
                ),
            )
            changed = _changed(current, wanted, _SETTINGS)
            if not changed:
                return current
            wanted = replace(wanted, updated_at=datetime.now(UTC))
            repository.update_account(uow.conn, wanted)
            uow.emit(events.account_event(events.ACCOUNT_SETTINGS_UPDATED, wanted, changed))
        return wanted

    def delete_subscription(self, account_id: str, *, actor: Actor) -> None:
        """Delete the account and everything in it; refused while termination protection
        is on (``TerminationProtectedError``)."""
        with UnitOfWork(self.db, actor) as uow:
            account = repository.require_account(uow.conn, account_id, lock=True)
            if account.termination_protection_enabled:
                raise TerminationProtectedError(account_id)
            repository.delete_account(uow.conn, account_id)
            uow.emit(events.account_event(events.ACCOUNT_SUBSCRIPTION_DELETED, account))

    def set_identity_source(
        self, account_id: str, instance_arn: str, *, actor: Actor
    ) -> AccountSubscription:
        """Make an IAM Identity Center instance the account's identity source.

        QuickSight can only do this by deleting the account; here every namespace, user,
        group and asset stays. Users of other identity types keep working; provisioning
        reconciles identity-source users and groups with the new instance.
        ``AccessDeniedError`` when the instance does not serve the account.
        """
        arn = validate_instance_arn(instance_arn)
        serving_instance(self.instances, arn, account_id)
        with UnitOfWork(self.db, actor) as uow:
            current = repository.require_account(uow.conn, account_id, lock=True)
            wanted = replace(
                current,
                authentication_method=AuthenticationMethod.IAM_IDENTITY_CENTER,
                iam_identity_center_instance_arn=arn,
            )
            changed = _changed(current, wanted, _IDENTITY_SOURCE)
            if not changed:
                return current
            wanted = replace(wanted, updated_at=datetime.now(UTC))
            repository.update_account(uow.conn, wanted)
            uow.emit(events.account_event(events.ACCOUNT_IDENTITY_SOURCE_CHANGED, wanted, changed))
        return wanted


def _changed(
    before: AccountSubscription, after: AccountSubscription, members: dict[str, str]
) -> list[str]:
    """The API member names of the attributes that differ."""
    return [
        member
        for member, attribute in members.items()
        if getattr(before, attribute) != getattr(after, attribute)
    ]
