"""plan_user and plan_groups: the commands that make the directory match the identity
store, and the notes on what they cannot do — every command, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import get_args

from sightgate.analytics.directory.model import (
    Group,
    IdentityStore,
    IdentityType,
    Namespace,
    NamespaceStatus,
    Role,
    Source,
    User,
)
from sightgate.analytics.mapping.desired import IdentityUserView
from sightgate.analytics.mapping.rules import DEFAULT_RULES, parse_rules_text
from sightgate.analytics.mapping.truth import IdentitySnapshot
from sightgate.analytics.provisioning.commands import (
    AddMember,
    Command,
    CreateGroup,
    CreateNamespace,
    DeactivateUser,
    DeleteGroup,
    MoveUser,
    ReactivateUser,
    RegisterUser,
    RemoveMember,
    RenameGroup,
    RenameUser,
    UpdateUser,
)
from sightgate.analytics.provisioning.planner import (
    EXTRA_LINK,
    NOT_LINKED,
    AccountView,
    DirectoryView,
    plan_groups,
    plan_user,
)
from tests.analytics.provisioning.conftest import NAMESPACED_RULES

ACCOUNT = "111122223333"
STORE = "d-1234567890"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
ROLE_GROUPS = {Role.ADMIN: {"qs-admin-grp"}, Role.READER: {"qs-reader-grp"}}
READER_GRP = ("g-reader", "qs-reader-grp")
RED_GRP = ("g-red", "red-customer-grp")
BLUE_GRP = ("g-blue", "blue-customer-grp")


def namespace(name: str) -> Namespace:
    return Namespace(
        f"ns-{name}",
        ACCOUNT,
        name,
        f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:namespace/{name}",
        "eu-west-1",
        NamespaceStatus.CREATED,
        IdentityStore.QUICKSIGHT,
        WHEN,
    )


DEFAULT, RED, BLUE = namespace("default"), namespace("red-customer"), namespace("blue-customer")


def account(*namespaces: Namespace, rules_text: str | None = None) -> AccountView:
    rules = parse_rules_text(rules_text) if rules_text else DEFAULT_RULES
    return AccountView(ACCOUNT, STORE, rules, ROLE_GROUPS, namespaces or (DEFAULT,))


def identity(name: str = "u1", *groups: tuple[str, str], active: bool = True) -> IdentitySnapshot:
    return IdentitySnapshot(IdentityUserView("id-1", name, active, "u1@example.com"), dict(groups))


def user(
    name: str = "u1",
    ns: Namespace = DEFAULT,
    *,
    role: Role = Role.READER,
    active: bool = True,
    linked: str | None = "id-1",
    user_id: str = "user-1",
    email: str | None = None,
) -> User:
    return User(
        user_id=user_id,
        account_id=ACCOUNT,
        namespace=ns.name,
        user_name=name,
        arn=f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:user/{ns.name}/{name}",
        email=email or f"{name}@example.com",
        role=role,
        identity_type=IdentityType.IAM_IDENTITY_CENTER if linked else IdentityType.QUICKSIGHT,
        active=active,
        principal_id=linked or user_id,
        iam_arn=None,
        custom_permissions_name=None,
        external_login=None,
        identity_store_user_id=linked,
        source=Source.IDENTITY_SOURCE if linked else Source.QUICKSIGHT_API,
        created_at=WHEN,
        updated_at=WHEN,
    )


def group(name: str, ns: Namespace = DEFAULT, linked: str | None = None) -> Group:
    return Group(
        group_id=f"grp-{ns.name}-{name}",
        account_id=ACCOUNT,
        namespace=ns.name,
        group_name=name,
        arn=f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:group/{ns.name}/{name}",
        description=None,
        principal_id=f"p-{name}",
        identity_store_group_id=linked,
        source=Source.IDENTITY_SOURCE if linked else Source.QUICKSIGHT_API,
        created_at=WHEN,
        updated_at=WHEN,
    )


def provisioned(*groups: Group, member: User | None = None) -> DirectoryView:
    """A directory with ``member`` (default: user u1) in every one of ``groups``."""
    member = member or user()
    return DirectoryView((member,), groups, frozenset((g.group_id, member.user_id) for g in groups))


READER = group("qs-reader-grp", linked="g-reader")


def commands(
    snapshot: IdentitySnapshot | None,
    directory: DirectoryView,
    view: AccountView | None = None,
) -> list[Command]:
    return list(plan_user(view or account(), "id-1", snapshot, directory).commands)


def test_a_new_member_of_a_role_group_is_registered_with_groups_created_and_joined() -> None:
    assert commands(identity("u1", READER_GRP, RED_GRP), DirectoryView()) == [
        RegisterUser(
            account_id=ACCOUNT,
            namespace="default",
            identity_store_user_id="id-1",
            user_name="u1",
            role=Role.READER,
            email="u1@example.com",
        ),
        CreateGroup(
            account_id=ACCOUNT,
            namespace="default",
            group_name="qs-reader-grp",
            identity_store_group_id="g-reader",
        ),
        AddMember(
            account_id=ACCOUNT, namespace="default", group_name="qs-reader-grp", user_name="u1"
        ),
        CreateGroup(
            account_id=ACCOUNT,
            namespace="default",
            group_name="red-customer-grp",
            identity_store_group_id="g-red",
        ),
        AddMember(
            account_id=ACCOUNT, namespace="default", group_name="red-customer-grp", user_name="u1"
        ),
    ]


def test_nothing_to_do_plans_nothing() -> None:
    plan = plan_user(account(), "id-1", identity("u1", READER_GRP), provisioned(READER))
    assert plan.commands == () and plan.notes == ()
    assert plan.desired.provisioned and plan.user_name == "u1"


def test_an_existing_identity_group_of_another_member_is_joined() -> None:
    directory = DirectoryView((user(),), (READER,), frozenset())
    assert commands(identity("u1", READER_GRP), directory) == [
        AddMember(
            account_id=ACCOUNT, namespace="default", group_name="qs-reader-grp", user_name="u1"
        )
    ]


def test_an_identity_group_of_the_same_name_but_no_link_is_used() -> None:
    unlinked = replace(READER, identity_store_group_id="g-old")
    directory = DirectoryView((user(),), (unlinked,), frozenset())
    assert [c.kind for c in commands(identity("u1", READER_GRP), directory)] == ["add-member"]


def test_a_role_change_updates_the_user() -> None:
    got = commands(identity("u1", ("g-admin", "qs-admin-grp")), provisioned())
    assert got[0] == UpdateUser(
        account_id=ACCOUNT,
        namespace="default",
        identity_store_user_id="id-1",
        user_name="u1",
        role=Role.ADMIN,
        email="u1@example.com",
        previous_role=Role.READER,
        previous_email="u1@example.com",
    )
    assert got[0].detail == "role READER -> ADMIN"


def test_an_email_change_updates_the_user() -> None:
    got = commands(
        identity("u1", READER_GRP), provisioned(READER, member=user(email="old@x.example"))
    )
    assert [(c.kind, c.detail) for c in got] == [("update", "e-mail -> u1@example.com")]


def test_a_deactivated_user_back_in_a_role_group_is_reactivated() -> None:
    got = commands(identity("u1", READER_GRP), provisioned(READER, member=user(active=False)))
    assert len(got) == 1 and isinstance(got[0], ReactivateUser)
    assert (got[0].kind, got[0].detail) == ("reactivate", "reactivated")


def test_leaving_every_role_group_deactivates() -> None:
    got = commands(identity("u1", RED_GRP), provisioned())
    assert got == [
        DeactivateUser(
            account_id=ACCOUNT,
            namespace="default",
            identity_store_user_id="id-1",
            user_name="u1",
            role=Role.READER,
            email="u1@example.com",
            reason="not a member of any of the account's role groups",
        )
    ]


def test_deletion_deactivation_and_an_unlinked_account_deactivate() -> None:
    assert [c.detail for c in commands(None, provisioned())] == ["deleted from the identity store"]
    inactive = identity("u1", READER_GRP, active=False)
    assert [c.detail for c in commands(inactive, provisioned())] == [
        "deactivated in the identity store"
    ]
    unlinked = replace(account(), store_id=None)
    assert [c.detail for c in commands(identity("u1", READER_GRP), provisioned(), unlinked)] == [
        NOT_LINKED
    ]
    assert commands(None, provisioned(member=user(active=False))) == []  # already inactive


def test_extra_users_linked_to_the_same_identity_are_deactivated() -> None:
    extra = user("u1-copy", user_id="user-2")
    directory = DirectoryView((user(), extra), (READER,), frozenset({(READER.group_id, "user-1")}))
    got = commands(identity("u1", READER_GRP), directory)
    assert [(c.kind, c.name, c.detail) for c in got] == [("deactivate", "u1-copy", EXTRA_LINK)]


def test_a_rename_renames_the_user_and_their_memberships_follow() -> None:
    got = commands(identity("u2", READER_GRP), provisioned(READER))
    assert got == [
        RenameUser(
            account_id=ACCOUNT,
            namespace="default",
            identity_store_user_id="id-1",
            user_name="u1",
            new_name="u2",
        )
    ]


def test_a_rename_to_a_taken_name_is_a_note() -> None:
    other = user("u2", linked=None, user_id="user-9")
    directory = DirectoryView((user(), other), (READER,), frozenset({(READER.group_id, "user-1")}))
    plan = plan_user(account(), "id-1", identity("u2", READER_GRP), directory)
    assert plan.commands == () and plan.notes == ("cannot rename u1 to u2: taken",)


def test_a_customer_group_change_moves_the_user_into_the_groups_there() -> None:
    view = account(DEFAULT, RED, BLUE, rules_text=NAMESPACED_RULES)
    red_reader = group("qs-reader-grp", RED, "g-reader")
    red_red = group("red-customer-grp", RED, "g-red")
    got = commands(
        identity("u1", READER_GRP, BLUE_GRP),
        provisioned(red_reader, red_red, member=user(ns=RED)),
        view,
    )
    assert got[0] == MoveUser(
        account_id=ACCOUNT,
        namespace="red-customer",
        identity_store_user_id="id-1",
        user_name="u1",
        to_namespace="blue-customer",
    )
    assert [(c.kind, c.namespace, c.name) for c in got[1:]] == [
        ("create-group", "blue-customer", "blue-customer-grp"),
        ("add-member", "blue-customer", "u1"),
        ("create-group", "blue-customer", "qs-reader-grp"),
        ("add-member", "blue-customer", "u1"),
    ]


def test_a_rule_that_creates_its_namespace_plans_it_first() -> None:
    view = account(DEFAULT, rules_text=NAMESPACED_RULES)
    got = commands(identity("u1", READER_GRP, RED_GRP), DirectoryView(), view)
    assert got[0] == CreateNamespace(account_id=ACCOUNT, namespace="red-customer")
    assert (got[0].name, got[0].detail) == ("red-customer", "a rule creates it")
    assert isinstance(got[1], RegisterUser) and got[1].namespace == "red-customer"


def test_a_missing_namespace_its_rule_does_not_create_is_a_note() -> None:
    view = account(rules_text="namespace_rules: [{group: red-customer-grp, namespace: red}]")
    plan = plan_user(view, "id-1", identity("u1", READER_GRP, RED_GRP), DirectoryView())
    assert plan.commands == ()
    assert plan.notes == ("namespace red does not exist and its rule does not create it",)
    stays = plan_user(view, "id-1", identity("u1", READER_GRP, RED_GRP), provisioned(READER))
    assert [c.kind for c in stays.commands] == ["create-group", "add-member"]  # red-customer-grp
    assert stays.notes == plan.notes


def test_two_customer_namespaces_conflict_and_the_user_stays() -> None:
    view = account(DEFAULT, RED, BLUE, rules_text=NAMESPACED_RULES)
    snapshot = identity("u1", READER_GRP, RED_GRP, BLUE_GRP)
    newcomer = plan_user(view, "id-1", snapshot, DirectoryView())
    assert newcomer.commands == () and "not provisioned" in newcomer.notes[0]
    settled = plan_user(
        view,
        "id-1",
        snapshot,
        provisioned(group("qs-reader-grp", RED, "g-reader"), member=user(ns=RED)),
    )
    assert not any(isinstance(c, MoveUser) for c in settled.commands)
    assert "stays in red-customer" in settled.notes[0]


def test_a_user_name_taken_by_an_api_user_is_not_registered() -> None:
    directory = DirectoryView((user(linked=None, user_id="api"),), (), frozenset())
    plan = plan_user(account(), "id-1", identity("u1", READER_GRP), directory)
    assert plan.commands == () and "taken in namespace default" in plan.notes[0]


def test_a_move_to_a_namespace_where_the_name_is_taken_is_a_note() -> None:
    view = account(DEFAULT, RED, rules_text=NAMESPACED_RULES)
    taken = user("u1", RED, linked=None, user_id="api")
    directory = DirectoryView((user(), taken), (READER,), frozenset({(READER.group_id, "user-1")}))
    plan = plan_user(view, "id-1", identity("u1", READER_GRP, RED_GRP), directory)
    assert not any(isinstance(c, MoveUser) for c in plan.commands)
    assert plan.notes == ("cannot move u1 to red-customer: the name is taken there",)


def test_a_group_name_of_an_api_group_is_left_alone() -> None:
    directory = provisioned(READER)
    directory = replace(directory, groups=(READER, group("red-customer-grp")))
    plan = plan_user(account(), "id-1", identity("u1", READER_GRP, RED_GRP), directory)
    assert plan.commands == ()
    assert "managed through the API" in plan.notes[0]


def test_leaving_an_identity_group_removes_the_membership_but_not_api_ones() -> None:
    red = group("red-customer-grp", linked="g-red")
    api = group("api-grp")
    got = commands(identity("u1", READER_GRP), provisioned(READER, red, api))
    assert got == [
        RemoveMember(
            account_id=ACCOUNT, namespace="default", group_name="red-customer-grp", user_name="u1"
        )
    ]


def test_a_renamed_identity_group_is_renamed_with_the_user_plan() -> None:
    red = group("red-customer-grp", linked="g-red")
    got = commands(identity("u1", READER_GRP, ("g-red", "scarlet-grp")), provisioned(READER, red))
    assert got == [
        RenameGroup(
            account_id=ACCOUNT,
            namespace="default",
            group_name="red-customer-grp",
            new_name="scarlet-grp",
        )
    ]


def test_plan_groups_renames_and_deletes_and_respects_clashes_and_only() -> None:
    red = group("red-customer-grp", linked="g-red")
    blue = group("blue-customer-grp", linked="g-blue")
    api = group("navy-grp")
    groups = [READER, red, blue, api]
    names = {"g-reader": "qs-reader-grp", "g-red": "scarlet-grp", "g-blue": "navy-grp"}
    assert plan_groups(ACCOUNT, groups, names) == [
        RenameGroup(
            account_id=ACCOUNT,
            namespace="default",
            group_name="red-customer-grp",
            new_name="scarlet-grp",
        )
    ]  # blue -> navy-grp clashes with an API group: left alone
    gone = plan_groups(ACCOUNT, groups, {"g-reader": "qs-reader-grp"}, only="g-red")
    assert gone == [
        DeleteGroup(account_id=ACCOUNT, namespace="default", group_name="red-customer-grp")
    ]
    assert gone[0].detail == "the identity group is gone"


def test_commands_read_as_differences() -> None:
    register = commands(identity("u1", READER_GRP), DirectoryView())[0]
    assert register.to_json() == {
        "Kind": "register",
        "AwsAccountId": ACCOUNT,
        "Namespace": "default",
        "Name": "u1",
        "Detail": "as READER",
        "IdentityStoreUserId": "id-1",
    }
    assert register.describe() == "register u1: as READER"
    kinds = [member.kind for member in get_args(Command)]
    assert len(set(kinds)) == len(kinds) == 12
