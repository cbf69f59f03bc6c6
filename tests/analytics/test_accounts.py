"""Account subscriptions and settings, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from sightgate.analytics.directory import events as ev
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.errors import TerminationProtectedError
from sightgate.analytics.directory.model import (
    AccountSettingsUpdate,
    AccountSubscription,
    AuthenticationMethod,
    Edition,
    Role,
    SubscriptionRequest,
    Tag,
)
from sightgate.analytics.directory.services import Directory
from sightgate.bootstrap import Services
from sightgate.identity.model import InstanceType
from sightgate.platform.db import Database
from sightgate.platform.errors import (
    AccessDeniedError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    REGION,
    UNKNOWN_INSTANCE_ARN,
    account_instance_arn,
    events_after,
    last_position,
    register,
    subscribe,
    types_after,
)


def test_a_subscription_has_quicksight_defaults_and_a_default_namespace(
    directory: Directory, db: Database
) -> None:
    account = subscribe(directory)
    assert account == directory.accounts.describe(ACCOUNT)
    assert (account.account_name, account.edition, account.notification_email) == (
        "acme-analytics",
        Edition.ENTERPRISE,
        "ops@example.com",
    )
    assert account.authentication_method is AuthenticationMethod.IAM_AND_QUICKSIGHT
    assert account.status == "ACCOUNT_CREATED"
    assert account.region == REGION
    assert account.default_namespace == "default"
    assert account.termination_protection_enabled is True
    assert account.public_sharing_enabled is False
    assert account.iam_identity_center_instance_arn is None
    assert account.directory_id.startswith("d-") and len(account.directory_id) == 12

    default = directory.namespaces.describe(ACCOUNT, "default")
    assert default.arn == f"arn:aws:quicksight:{REGION}:{ACCOUNT}:namespace/default"
    assert types_after(db, 0) == [ev.ACCOUNT_SUBSCRIPTION_CREATED, ev.NAMESPACE_CREATED]
    assert {e.scope for e in events_after(db, 0)} == {ACCOUNT}


def test_identity_center_subscription_stores_its_role_groups_as_role_memberships(
    directory: Directory, db: Database, instance_arn: str
) -> None:
    account = subscribe(
        directory,
        authentication_method="IAM_IDENTITY_CENTER",
        iam_identity_center_instance_arn=instance_arn,
        admin_group=("QS-Admins",),
        author_group=("QS-Authors", "qs-authors"),  # the same group in another case
        reader_pro_group=("QS-ReaderPros",),
    )
    assert account.iam_identity_center_instance_arn == instance_arn
    assert directory.roles.list(ACCOUNT, "default", "ADMIN").items == ["QS-Admins"]
    assert directory.roles.list(ACCOUNT, "default", "AUTHOR").items == ["QS-Authors"]
    assert directory.roles.list(ACCOUNT, "default", "READER_PRO").items == ["QS-ReaderPros"]
    assert directory.roles.list(ACCOUNT, "default", "READER").items == []
    role_events = [e for e in events_after(db, 0) if e.type == ev.ROLE_MEMBERSHIP_CREATED]
    assert sorted((e.payload["Role"], e.payload["MemberName"]) for e in role_events) == [
        (Role.ADMIN, "QS-Admins"),
        (Role.AUTHOR, "QS-Authors"),
        (Role.READER_PRO, "QS-ReaderPros"),
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"authentication_method": "ACTIVE_DIRECTORY"}, "AuthenticationMethod"),
        ({"authentication_method": "LDAP"}, "AuthenticationMethod"),
        ({"edition": "PLATINUM"}, "Edition"),
        ({"name": "d-acme"}, "AccountName"),
        ({"name": "acme_analytics"}, "AccountName"),
        ({"name": "a" * 63}, "AccountName"),
        ({"notification_email": "not-an-address"}, "NotificationEmail"),
        ({"authentication_method": "IAM_IDENTITY_CENTER"}, "IAMIdentityCenterInstanceArn"),
        (
            {
                "authentication_method": "IAM_IDENTITY_CENTER",
                "iam_identity_center_instance_arn": "arn:aws:sso:::instance/nope",
                "admin_group": ("a",),
            },
            "IAMIdentityCenterInstanceArn",
        ),
        (
            {
                "authentication_method": "IAM_IDENTITY_CENTER",
                "iam_identity_center_instance_arn": UNKNOWN_INSTANCE_ARN,
            },
            "AdminGroup",
        ),
        (
            {"iam_identity_center_instance_arn": UNKNOWN_INSTANCE_ARN},
            "IAMIdentityCenterInstanceArn",
        ),
        ({"reader_group": ("readers",)}, "ReaderGroup"),
        (
            {
                "authentication_method": "IAM_IDENTITY_CENTER",
                "iam_identity_center_instance_arn": UNKNOWN_INSTANCE_ARN,
                "admin_group": ("Ω admins",),
            },
            "AdminGroup",
        ),
    ],
)
def test_invalid_subscriptions_are_refused_naming_the_field(
    directory: Directory, db: Database, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        subscribe(directory, **fields)
    assert caught.value.field == field
    assert types_after(db, 0) == []


def test_active_directory_is_refused_with_the_alternative(directory: Directory) -> None:
    with pytest.raises(ValidationError, match="IAM_IDENTITY_CENTER"):
        subscribe(directory, authentication_method="ACTIVE_DIRECTORY")


@pytest.mark.parametrize(("account_id", "region"), [("12345", REGION), (ACCOUNT, "moon-1")])
def test_account_id_and_region_are_checked(
    directory: Directory, account_id: str, region: str
) -> None:
    request = SubscriptionRequest("acme", "ops@example.com", "IAM_ONLY")
    with pytest.raises(ValidationError) as caught:
        directory.accounts.create_subscription(account_id, request, region=region, actor=ACTOR)
    assert caught.value.field == ("AwsAccountId" if account_id != ACCOUNT else "Region")


def test_subscribing_twice_is_a_conflict_without_events(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    before = last_position(db)
    with pytest.raises(ConflictError) as caught:
        subscribe(directory, name="another-name")
    assert caught.value.field == "AwsAccountId"
    assert types_after(db, before) == []


def test_account_names_are_unique_across_accounts_in_any_case(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    before = last_position(db)
    with pytest.raises(ConflictError) as caught:
        subscribe(directory, OTHER_ACCOUNT, name="ACME-Analytics")
    assert (caught.value.field, caught.value.value) == ("AccountName", "ACME-Analytics")
    assert types_after(db, before) == []
    with pytest.raises(NotFoundError):
        directory.accounts.describe(OTHER_ACCOUNT)


def test_an_unknown_account_is_not_found(directory: Directory) -> None:
    with pytest.raises(NotFoundError) as caught:
        directory.accounts.describe(OTHER_ACCOUNT)
    assert caught.value.resource == "AccountSubscription"
    with pytest.raises(NotFoundError):
        directory.accounts.delete_subscription(OTHER_ACCOUNT, actor=ACTOR)


def test_update_settings_changes_only_what_is_given(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR)
    before = last_position(db)
    updated = directory.accounts.update_settings(
        ACCOUNT,
        AccountSettingsUpdate(default_namespace="TENANT-A", termination_protection_enabled=False),
        actor=ACTOR,
    )
    assert updated.default_namespace == "tenant-a"  # the stored spelling
    assert updated.termination_protection_enabled is False
    assert updated.notification_email == account.notification_email
    assert directory.accounts.describe(ACCOUNT) == updated
    (event,) = events_after(db, before)
    assert event.type == ev.ACCOUNT_SETTINGS_UPDATED
    assert event.payload["Changed"] == ["DefaultNamespace", "TerminationProtectionEnabled"]

    again = directory.accounts.update_settings(
        ACCOUNT, AccountSettingsUpdate(default_namespace="tenant-a"), actor=ACTOR
    )
    assert again == updated
    assert len(events_after(db, before)) == 1  # nothing changed, nothing emitted


def test_update_settings_needs_an_existing_namespace_and_a_valid_email(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    before = last_position(db)
    with pytest.raises(NotFoundError):
        directory.accounts.update_settings(
            ACCOUNT, AccountSettingsUpdate(default_namespace="nope"), actor=ACTOR
        )
    with pytest.raises(ValidationError) as caught:
        directory.accounts.update_settings(
            ACCOUNT,
            AccountSettingsUpdate(default_namespace="default", notification_email="@"),
            actor=ACTOR,
        )
    assert caught.value.field == "NotificationEmail"
    assert types_after(db, before) == []


def test_termination_protection_refuses_deletion(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    before = last_position(db)
    with pytest.raises(TerminationProtectedError):
        directory.accounts.delete_subscription(ACCOUNT, actor=ACTOR)
    assert directory.accounts.describe(ACCOUNT) == account
    assert types_after(db, before) == []


def test_deleting_an_account_deletes_everything_in_it(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR)
    user = register(directory, "jdoe", "tenant-a")
    directory.groups.create(ACCOUNT, "tenant-a", "team", actor=ACTOR)
    directory.memberships.create(ACCOUNT, "tenant-a", "team", "jdoe", actor=ACTOR)
    directory.tags.tag_resource(ACCOUNT, user.arn, [Tag("team", "a")], actor=ACTOR)
    directory.accounts.update_settings(
        ACCOUNT,
        AccountSettingsUpdate(default_namespace="default", termination_protection_enabled=False),
        actor=ACTOR,
    )
    before = last_position(db)
    directory.accounts.delete_subscription(ACCOUNT, actor=ACTOR)
    assert types_after(db, before) == [ev.ACCOUNT_SUBSCRIPTION_DELETED]
    with pytest.raises(NotFoundError):
        directory.accounts.describe(ACCOUNT)
    with pytest.raises(NotFoundError):
        directory.users.describe(ACCOUNT, "tenant-a", "jdoe")
    with db.read() as conn:
        for table in (t.namespaces, t.users, t.groups, t.group_memberships, t.tags):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
    # The name is free again, and a new subscription starts empty.
    subscribe(directory)
    assert [n.name for n in directory.namespaces.list(ACCOUNT).items] == ["default"]


def test_set_identity_source_keeps_every_namespace_user_and_group(
    directory: Directory, db: Database, account: AccountSubscription, instance_arn: str
) -> None:
    directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR)
    register(directory, "jdoe", "tenant-a")
    directory.groups.create(ACCOUNT, "tenant-a", "team", actor=ACTOR)
    before = last_position(db)

    changed = directory.accounts.set_identity_source(ACCOUNT, instance_arn, actor=ACTOR)
    assert changed.authentication_method is AuthenticationMethod.IAM_IDENTITY_CENTER
    assert changed.iam_identity_center_instance_arn == instance_arn
    assert directory.accounts.describe(ACCOUNT) == changed
    assert directory.users.describe(ACCOUNT, "tenant-a", "jdoe").user_name == "jdoe"
    assert directory.groups.describe(ACCOUNT, "tenant-a", "team").group_name == "team"
    (event,) = events_after(db, before)
    assert event.type == ev.ACCOUNT_IDENTITY_SOURCE_CHANGED
    assert event.payload["IAMIdentityCenterInstanceArn"] == instance_arn
    assert event.payload["Changed"] == ["AuthenticationMethod", "IAMIdentityCenterInstanceArn"]

    assert directory.accounts.set_identity_source(ACCOUNT, instance_arn, actor=ACTOR) == changed
    assert len(events_after(db, before)) == 1
    with pytest.raises(ValidationError) as caught:
        directory.accounts.set_identity_source(ACCOUNT, "ssoins-1", actor=ACTOR)
    assert caught.value.field == "IAMIdentityCenterInstanceArn"


def test_update_settings_names_the_default_namespace_field(
    directory: Directory, account: AccountSubscription
) -> None:
    with pytest.raises(ValidationError) as caught:
        directory.accounts.update_settings(
            ACCOUNT, AccountSettingsUpdate(default_namespace="no/slash"), actor=ACTOR
        )
    assert caught.value.field == "DefaultNamespace"


# -- an account links only to an instance that serves it ---------------------------------


def _identity_center(arn: str) -> dict[str, Any]:
    return {
        "authentication_method": "IAM_IDENTITY_CENTER",
        "iam_identity_center_instance_arn": arn,
        "admin_group": ("admins",),
    }


@pytest.mark.parametrize("whose", ["another account's", "an unknown"])
def test_a_subscription_cannot_link_an_instance_that_does_not_serve_the_account(
    directory: Directory, services: Services, db: Database, whose: str
) -> None:
    arn = (
        account_instance_arn(services, OTHER_ACCOUNT)
        if whose == "another account's"
        else UNKNOWN_INSTANCE_ARN
    )
    before = last_position(db)
    with pytest.raises(AccessDeniedError) as caught:
        subscribe(directory, **_identity_center(arn))
    assert caught.value.reason == (
        f"the IAM Identity Center instance {arn} does not serve account {ACCOUNT}"
    )
    with pytest.raises(NotFoundError):
        directory.accounts.describe(ACCOUNT)
    assert last_position(db) == before


def test_identity_source_cannot_change_to_an_instance_that_does_not_serve_the_account(
    directory: Directory, services: Services, db: Database, account: AccountSubscription
) -> None:
    foreign = account_instance_arn(services, OTHER_ACCOUNT)
    before = last_position(db)
    with pytest.raises(AccessDeniedError):
        directory.accounts.set_identity_source(ACCOUNT, foreign, actor=ACTOR)
    assert directory.accounts.describe(ACCOUNT) == account
    assert last_position(db) == before


def test_an_organization_instance_serves_the_accounts_attached_to_it(
    directory: Directory, services: Services
) -> None:
    organization = services.instances.create(
        type_=InstanceType.ORGANIZATION, owner_account_id=OTHER_ACCOUNT, actor=ACTOR
    )
    with pytest.raises(AccessDeniedError):
        subscribe(directory, **_identity_center(organization.instance_arn))
    services.instances.add_account(organization.instance_id, ACCOUNT, actor=ACTOR)
    linked = subscribe(directory, **_identity_center(organization.instance_arn))
    assert linked.iam_identity_center_instance_arn == organization.instance_arn
