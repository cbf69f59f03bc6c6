"""Users: registration by identity type, updates, deletion, identity-source ownership."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from sightgate.analytics.directory import events as ev
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.errors import ManagedByIdentitySourceError
from sightgate.analytics.directory.model import (
    AccountSubscription,
    ExternalLogin,
    ExternalLoginProvider,
    IdentityType,
    Role,
    Source,
    Tag,
    UserRegistration,
    UserUpdate,
    iam_principal_id,
)
from sightgate.analytics.directory.services import Directory
from sightgate.bootstrap import Services
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.platform.events import PROVISIONING
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    REGION,
    account_instance_arn,
    events_after,
    last_position,
    register,
    subscribe,
    types_after,
)


def test_register_a_quicksight_user(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    before = last_position(db)
    user = register(
        directory,
        "Jane Doe",
        user_role="AUTHOR",
        custom_permissions_name="no-exports",
        tags=(Tag("team", "bi"),),
    )
    assert user == directory.users.describe(ACCOUNT, "default", "jane doe")
    assert user.arn == f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/Jane Doe"
    assert (user.email, user.role, user.identity_type) == (
        "Jane.Doe@example.com",
        Role.AUTHOR,
        IdentityType.QUICKSIGHT,
    )
    assert user.active is True
    assert user.source is Source.QUICKSIGHT_API
    assert user.custom_permissions_name == "no-exports"
    assert re.fullmatch(rf"user/{account.directory_id}/[0-9a-f-]{{36}}", user.principal_id)
    events = events_after(db, before)
    assert [e.type for e in events] == [ev.USER_REGISTERED, ev.RESOURCE_TAGGED]
    assert (events[0].aggregate_id, events[0].scope) == (user.user_id, ACCOUNT)
    assert events[0].payload["UserName"] == "Jane Doe"
    assert events[0].payload["Role"] == "AUTHOR"
    assert directory.tags.list_tags_for_resource(ACCOUNT, user.arn) == [Tag("team", "bi")]


def test_an_iam_user_is_named_after_the_iam_identity(
    directory: Directory, account: AccountSubscription
) -> None:
    pat = register(
        directory,
        "ignored",
        identity_type="IAM",
        iam_arn=f"arn:aws:iam::{ACCOUNT}:user/division/Pat",
    )
    assert pat.user_name == "Pat"
    assert pat.iam_arn == f"arn:aws:iam::{ACCOUNT}:user/division/Pat"
    assert re.fullmatch(r"federated/iam/AIDA[A-Z2-7]{17}", pat.principal_id)

    embed = register(
        directory,
        "ignored",
        identity_type="IAM",
        iam_arn=f"arn:aws:iam::{ACCOUNT}:role/EmbedRole",
        session_name="alice@example.com",
    )
    assert embed.user_name == "EmbedRole/alice@example.com"
    assert embed.arn.endswith(":user/default/EmbedRole/alice@example.com")
    assert re.fullmatch(r"federated/iam/AROA[A-Z2-7]{17}:alice@example.com", embed.principal_id)
    assert directory.users.describe(ACCOUNT, "default", "embedrole/ALICE@example.com") == embed


def test_an_iam_user_without_an_iam_arn_is_named_by_user_name(
    directory: Directory, account: AccountSubscription
) -> None:
    # IamArn is optional in RegisterUser's model and API reference.
    user = register(directory, "tfacctest", identity_type="IAM")

    assert (user.user_name, user.iam_arn, user.identity_type) == (
        "tfacctest",
        None,
        IdentityType.IAM,
    )
    assert user.arn == f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/tfacctest"
    # The principal id is the one of the account's IAM user of that name.
    assert user.principal_id == iam_principal_id(f"arn:aws:iam::{ACCOUNT}:user/tfacctest", None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"identity_type": "IAM", "user_name": None}, "UserName"),
        ({"identity_type": "IAM", "session_name": "s1"}, "SessionName"),
        ({"identity_type": "IAM", "iam_arn": "arn:aws:iam::111122223333:group/x"}, "IamArn"),
        ({"identity_type": "IAM", "iam_arn": "arn:aws:iam::999999999999:user/x"}, "IamArn"),
        ({"identity_type": "IAM", "iam_arn": "arn:aws:iam::111122223333:role/R"}, "SessionName"),
        (
            {
                "identity_type": "IAM",
                "iam_arn": "arn:aws:iam::111122223333:role/R",
                "session_name": "bad session",
            },
            "SessionName",
        ),
        (
            {
                "identity_type": "IAM",
                "iam_arn": "arn:aws:iam::111122223333:user/u",
                "session_name": "s1",
            },
            "SessionName",
        ),
        ({"iam_arn": "arn:aws:iam::111122223333:user/u"}, "IamArn"),
        ({"identity_type": "ROBOT"}, "IdentityType"),
        ({"identity_type": "IAM_IDENTITY_CENTER"}, "IdentityType"),  # not for this account
        ({"user_name": None}, "UserName"),
        ({"user_name": " "}, "UserName"),
        ({"user_name": "Ω"}, "UserName"),
        ({"user_name": "x" * 257}, "UserName"),
        ({"email": "nope"}, "Email"),
        ({"email": ""}, "Email"),
        ({"user_role": "RESTRICTED_READER"}, "UserRole"),
        ({"user_role": "BOSS"}, "UserRole"),
        ({"custom_permissions_name": "no exports"}, "CustomPermissionsName"),
        ({"identity_store_user_id": "u-1"}, "IdentityStoreUserId"),
        (
            {"external_login_federation_provider_type": "GOOGLE"},
            "ExternalLoginFederationProviderType",
        ),
        (
            {"external_login_federation_provider_type": "NONE"},
            "ExternalLoginFederationProviderType",
        ),
        ({"external_login_id": "x"}, "ExternalLoginFederationProviderType"),
        ({"external_login_federation_provider_type": "CUSTOM_OIDC"}, "CustomFederationProviderUrl"),
        (
            {
                "external_login_federation_provider_type": "COGNITO",
                "custom_federation_provider_url": "https://idp.example.com",
            },
            "CustomFederationProviderUrl",
        ),
        ({"tags": tuple(Tag(f"k{i}", "v") for i in range(51))}, "Tags"),
        ({"tags": (Tag("", "v"),)}, "TagKeys"),
        ({"tags": (Tag("k", "v" * 257),)}, "Tags"),
        ({"tags": (Tag("k", "a"), Tag("k", "b"))}, "Tags"),
        ({"tags": (Tag("k", "\udfff"),)}, "Tags"),
        ({"tags": (Tag("\ud800", "v"),)}, "TagKeys"),
        (
            {"external_login_federation_provider_type": "COGNITO", "external_login_id": "\ud800"},
            "ExternalLoginId",
        ),
    ],
)
def test_invalid_registrations_are_refused_naming_the_field(
    directory: Directory,
    db: Database,
    account: AccountSubscription,
    fields: dict[str, Any],
    field: str,
) -> None:
    before = last_position(db)
    with pytest.raises(ValidationError) as caught:
        register(directory, "jdoe", **fields)
    assert caught.value.field == field
    assert types_after(db, before) == []


def test_the_authentication_method_decides_the_identity_types(
    directory: Directory, services: Services
) -> None:
    subscribe(directory, authentication_method="IAM_ONLY")
    with pytest.raises(ValidationError) as caught:
        register(directory, "jdoe")
    assert caught.value.field == "IdentityType"

    subscribe(
        directory,
        OTHER_ACCOUNT,
        name="idc",
        authentication_method="IAM_IDENTITY_CENTER",
        iam_identity_center_instance_arn=account_instance_arn(services, OTHER_ACCOUNT),
        admin_group=("admins",),
    )
    linked = register(
        directory,
        "jdoe@example.com",
        account_id=OTHER_ACCOUNT,
        identity_type="IAM_IDENTITY_CENTER",
        identity_store_user_id="0123456789-6b8a4d6e-0000-4000-8000-000000000001",
    )
    assert linked.principal_id == "0123456789-6b8a4d6e-0000-4000-8000-000000000001"
    assert linked.identity_store_user_id == linked.principal_id
    with pytest.raises(ValidationError):
        register(directory, "other", account_id=OTHER_ACCOUNT)  # QUICKSIGHT


def test_external_logins(directory: Directory, account: AccountSubscription) -> None:
    cognito = register(
        directory,
        "c",
        external_login_federation_provider_type="COGNITO",
        external_login_id="eu-west-1:1234",
    )
    assert cognito.external_login == ExternalLogin(
        ExternalLoginProvider.COGNITO, "cognito-identity.amazonaws.com", "eu-west-1:1234"
    )
    oidc = register(
        directory,
        "o",
        external_login_federation_provider_type="CUSTOM_OIDC",
        custom_federation_provider_url="https://idp.example.com/oidc",
    )
    assert oidc.external_login == ExternalLogin(
        ExternalLoginProvider.CUSTOM_OIDC, "https://idp.example.com/oidc", None
    )
    assert directory.users.describe(ACCOUNT, "default", "o") == oidc
    cleared = directory.users.update(
        ACCOUNT,
        "default",
        "o",
        UserUpdate("o@example.com", "READER", external_login_federation_provider_type="NONE"),
        actor=ACTOR,
    )
    assert cleared.external_login is None


@pytest.mark.parametrize("other_case", ["jdoe", "JDOE", "jDoe"])
def test_registering_a_name_twice_is_a_conflict(
    directory: Directory, db: Database, account: AccountSubscription, other_case: str
) -> None:
    register(directory, "jdoe")
    before = last_position(db)
    with pytest.raises(ConflictError) as caught:
        register(directory, other_case, tags=(Tag("k", "v"),))
    assert (caught.value.field, caught.value.value) == ("UserName", other_case)
    assert types_after(db, before) == []


def test_registering_the_same_iam_identity_twice_is_a_conflict(
    directory: Directory, account: AccountSubscription
) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:user/Pat"
    register(directory, "x", identity_type="IAM", iam_arn=arn)
    with pytest.raises(ConflictError) as caught:
        register(directory, "x", identity_type="IAM", iam_arn=arn)
    assert caught.value.resource == "User"


def test_unknown_account_namespace_and_user_are_not_found(
    directory: Directory, account: AccountSubscription
) -> None:
    with pytest.raises(NotFoundError) as caught:
        register(directory, "jdoe", account_id=OTHER_ACCOUNT)
    assert caught.value.resource == "AccountSubscription"
    with pytest.raises(NotFoundError) as caught:
        register(directory, "jdoe", "tenant-x")
    assert caught.value.resource == "Namespace"
    with pytest.raises(NotFoundError) as caught:
        directory.users.describe(ACCOUNT, "default", "nobody")
    assert caught.value.resource == "User"
    for call in (
        lambda: directory.users.update(
            ACCOUNT, "default", "nobody", UserUpdate("a@example.com", "READER"), actor=ACTOR
        ),
        lambda: directory.users.delete(ACCOUNT, "default", "nobody", actor=ACTOR),
        lambda: directory.users.delete_by_principal_id(ACCOUNT, "default", "p", actor=ACTOR),
        lambda: directory.users.list_groups(ACCOUNT, "default", "nobody"),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_list_pages_in_name_order(directory: Directory, account: AccountSubscription) -> None:
    for name in ["carol", "Bob", "alice", "dave", "Eve"]:
        register(directory, name)
    names: list[str] = []
    after = None
    while True:
        page = directory.users.list(ACCOUNT, "default", limit=2, after=after)
        names.extend(u.user_name for u in page.items)
        if page.next_key is None:
            break
        after = page.next_key
    assert names == ["alice", "Bob", "carol", "dave", "Eve"]


def test_update_changes_fields_and_says_which(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    user = register(directory, "jdoe", custom_permissions_name="p1")
    before = last_position(db)
    updated = directory.users.update(
        ACCOUNT,
        "default",
        "JDOE",
        UserUpdate("new@example.com", "ADMIN_PRO", unapply_custom_permissions=True),
        actor=ACTOR,
    )
    assert (updated.email, updated.role, updated.custom_permissions_name) == (
        "new@example.com",
        Role.ADMIN_PRO,
        None,
    )
    assert (updated.user_id, updated.principal_id, updated.created_at) == (
        user.user_id,
        user.principal_id,
        user.created_at,
    )
    assert updated.updated_at > user.updated_at
    assert directory.users.describe(ACCOUNT, "default", "jdoe") == updated
    (event,) = events_after(db, before)
    assert event.type == ev.USER_UPDATED
    assert event.payload["Changed"] == ["Email", "Role", "CustomPermissionsName"]

    same = directory.users.update(
        ACCOUNT, "default", "jdoe", UserUpdate("new@example.com", "ADMIN_PRO"), actor=ACTOR
    )
    assert same == updated
    assert len(events_after(db, before)) == 1


@pytest.mark.parametrize(
    ("update", "field"),
    [
        (UserUpdate("x", "READER"), "Email"),
        (UserUpdate("a@example.com", "RESTRICTED_AUTHOR"), "Role"),
        (
            UserUpdate("a@example.com", "READER", custom_permissions_name="a b"),
            "CustomPermissionsName",
        ),
        (
            UserUpdate(
                "a@example.com",
                "READER",
                custom_permissions_name="p",
                unapply_custom_permissions=True,
            ),
            "UnapplyCustomPermissions",
        ),
        (
            UserUpdate("a@example.com", "READER", external_login_id="x"),
            "ExternalLoginFederationProviderType",
        ),
    ],
)
def test_invalid_updates_are_refused(
    directory: Directory,
    db: Database,
    account: AccountSubscription,
    update: UserUpdate,
    field: str,
) -> None:
    register(directory, "jdoe")
    before = last_position(db)
    with pytest.raises(ValidationError) as caught:
        directory.users.update(ACCOUNT, "default", "jdoe", update, actor=ACTOR)
    assert caught.value.field == field
    assert types_after(db, before) == []


def test_users_from_the_identity_source_are_read_only_through_the_api(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    registration = UserRegistration("QUICKSIGHT", "p@example.com", "READER", user_name="synced")
    user = directory.users.register(
        ACCOUNT, "default", registration, actor=ACTOR, source=Source.IDENTITY_SOURCE
    )
    assert user.source is Source.IDENTITY_SOURCE
    before = last_position(db)
    change = UserUpdate("q@example.com", "READER")
    with pytest.raises(ManagedByIdentitySourceError, match="identity provider"):
        directory.users.update(ACCOUNT, "default", "synced", change, actor=ACTOR)
    with pytest.raises(ManagedByIdentitySourceError):
        directory.users.delete(ACCOUNT, "default", "synced", actor=ACTOR)
    with pytest.raises(ManagedByIdentitySourceError):
        directory.users.delete_by_principal_id(ACCOUNT, "default", user.principal_id, actor=ACTOR)
    assert types_after(db, before) == []

    deactivated = directory.users.update(
        ACCOUNT,
        "default",
        "synced",
        UserUpdate("p@example.com", "READER", active=False),
        actor=PROVISIONING,
    )
    assert deactivated.active is False
    assert events_after(db, before)[-1].payload["Changed"] == ["Active"]
    directory.users.delete(ACCOUNT, "default", "synced", actor=PROVISIONING)
    with pytest.raises(ValidationError):
        directory.users.register(ACCOUNT, "default", registration, actor=ACTOR, source="IDP")


def test_delete_ends_memberships_and_tags_with_events(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    user = register(directory, "jdoe", tags=(Tag("k", "v"),))
    for group in ("a", "b"):
        directory.groups.create(ACCOUNT, "default", group, actor=ACTOR)
        directory.memberships.create(ACCOUNT, "default", group, "jdoe", actor=ACTOR)
    before = last_position(db)
    directory.users.delete(ACCOUNT, "default", "JDOE", actor=ACTOR)
    events = events_after(db, before)
    assert [e.type for e in events] == [
        ev.GROUP_MEMBERSHIP_DELETED,
        ev.GROUP_MEMBERSHIP_DELETED,
        ev.USER_DELETED,
    ]
    assert sorted(e.payload["GroupName"] for e in events[:2]) == ["a", "b"]
    assert events[2].aggregate_id == user.user_id
    assert directory.memberships.list(ACCOUNT, "default", "a").items == []
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.tags)).scalar_one() == 0
    again = register(directory, "jdoe")
    assert directory.tags.list_tags_for_resource(ACCOUNT, again.arn) == []


def test_delete_by_principal_id(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    user = register(directory, "jdoe")
    register(directory, "other")
    directory.users.delete_by_principal_id(ACCOUNT, "default", user.principal_id, actor=ACTOR)
    assert [u.user_name for u in directory.users.list(ACCOUNT, "default").items] == ["other"]
    assert events_after(db, 0)[-1].type == ev.USER_DELETED


def test_list_user_groups(directory: Directory, account: AccountSubscription) -> None:
    register(directory, "jdoe")
    register(directory, "other")
    for group in ("Sales", "admins", "Marketing"):
        directory.groups.create(ACCOUNT, "default", group, actor=ACTOR)
    for group in ("Sales", "admins"):
        directory.memberships.create(ACCOUNT, "default", group, "jdoe", actor=ACTOR)
    first = directory.users.list_groups(ACCOUNT, "default", "jdoe", limit=1)
    assert [g.group_name for g in first.items] == ["admins"]
    rest = directory.users.list_groups(ACCOUNT, "default", "jdoe", after=first.next_key)
    assert [g.group_name for g in rest.items] == ["Sales"]
    assert rest.next_key is None
    assert directory.users.list_groups(ACCOUNT, "default", "other").items == []
