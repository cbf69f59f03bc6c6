"""sync_user and the subscriber on both stores: join, role change, move, rename, leave,
reactivation, group sync, conflicts, idempotency."""

from __future__ import annotations

from sightgate.analytics.directory.model import (
    AccountSubscription,
    IdentityType,
    Role,
    Source,
)
from sightgate.analytics.mapping.truth import PLACEHOLDER_EMAIL_DOMAIN
from sightgate.analytics.provisioning.events import (
    PROVISIONING_APPLIED,
    PROVISIONING_CONFLICT,
)
from sightgate.bootstrap import Services
from sightgate.platform.errors import NotFoundError
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    events_after,
    last_position,
    register,
    subscribe,
)
from tests.analytics.provisioning.conftest import (
    NAMESPACED_RULES,
    Idp,
    analytics_user,
    group_names,
    namespace_exists,
    run_worker,
)


def test_join_registers_the_user_with_role_groups_and_email(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    admin = idp.user("internal-admin-1", "qs-admin-grp", email="admin1@isv.example")
    reader = idp.user("red-customer-reader-1", "qs-reader-grp", "red-customer-grp")
    run_worker(services)

    user = analytics_user(services, admin)
    assert user is not None
    assert (user.namespace, user.user_name, user.role) == (
        "default",
        "internal-admin-1",
        Role.ADMIN,
    )
    assert user.identity_type is IdentityType.IAM_IDENTITY_CENTER
    assert user.source is Source.IDENTITY_SOURCE
    assert user.identity_store_user_id == admin == user.principal_id
    assert user.email == "admin1@isv.example" and user.active

    red = analytics_user(services, reader)
    assert red is not None and red.role is Role.READER and red.namespace == "default"
    assert red.email == f"{reader}@{PLACEHOLDER_EMAIL_DOMAIN}"
    assert group_names(services, red) == {"qs-reader-grp", "red-customer-grp"}
    group = services.directory.groups.describe(ACCOUNT, "default", "red-customer-grp")
    assert group.source is Source.IDENTITY_SOURCE
    assert group.identity_store_group_id == idp.group("red-customer-grp")


def test_sync_user_twice_changes_nothing_the_second_time(
    services: Services, idp: Idp, linked: AccountSubscription, store_id: str
) -> None:
    user_id = idp.user("u1", "qs-author-grp", "red-customer-grp")
    first = services.provisioning.service.sync_user(ACCOUNT, store_id, user_id)
    assert [d.kind for d in first.changes][:1] == ["register"]
    position = last_position(services.db)
    second = services.provisioning.service.sync_user(ACCOUNT, store_id, user_id)
    assert second.changes == ()
    assert events_after(services.db, position) == []
    run_worker(services)  # the events of both syncs and of the IdP: nothing left to do
    assert services.provisioning.service.reconcile(ACCOUNT, dry_run=True) == []


def test_the_highest_role_wins_and_follows_changes(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("u1", "qs-reader-grp")
    run_worker(services)
    idp.join(user_id, "qs-admin-grp")
    run_worker(services)
    user = analytics_user(services, user_id)
    assert user is not None and user.role is Role.ADMIN
    idp.leave(user_id, "qs-admin-grp")
    run_worker(services)
    user = analytics_user(services, user_id)
    assert user is not None and user.role is Role.READER


def test_role_memberships_of_other_namespaces_count_too(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("pro", "pro-authors")
    run_worker(services)
    assert analytics_user(services, user_id) is None
    services.directory.namespaces.create(ACCOUNT, "extra", actor=ACTOR)
    services.directory.roles.create(ACCOUNT, "extra", "AUTHOR_PRO", "pro-authors", actor=ACTOR)
    run_worker(services)  # a role membership change reconciles the account
    user = analytics_user(services, user_id)
    assert user is not None and user.role is Role.AUTHOR_PRO


def test_customer_group_change_moves_the_user(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    services.provisioning.rules.set_text(ACCOUNT, NAMESPACED_RULES, actor=ACTOR)
    user_id = idp.user("c1", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    assert namespace_exists(services, "red-customer")  # the rule creates it
    assert not namespace_exists(services, "blue-customer")
    user = analytics_user(services, user_id)
    assert user is not None and user.namespace == "red-customer"
    assert group_names(services, user) == {"qs-reader-grp", "red-customer-grp"}

    idp.leave(user_id, "red-customer-grp")
    idp.join(user_id, "blue-customer-grp")
    run_worker(services)
    moved = analytics_user(services, user_id)
    assert moved is not None and moved.namespace == "blue-customer"
    assert moved.user_id == user.user_id  # the same user, moved
    assert moved.arn.endswith(":user/blue-customer/c1")
    assert group_names(services, moved) == {"qs-reader-grp", "blue-customer-grp"}
    red_members = services.directory.memberships.list(ACCOUNT, "red-customer", "qs-reader-grp")
    assert red_members.items == []
    types = [e.type for e in events_after(services.db, 0)]
    assert "analytics.UserMoved" in types


def test_rules_changes_move_existing_users(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    red = idp.user("red-customer-reader-1", "qs-reader-grp", "red-customer-grp")
    internal = idp.user("internal-admin-1", "qs-admin-grp")
    run_worker(services)
    assert {analytics_user(services, u).namespace for u in (red, internal)} == {"default"}  # type: ignore[union-attr]
    services.provisioning.rules.set_text(ACCOUNT, NAMESPACED_RULES, actor=ACTOR)
    run_worker(services)
    assert analytics_user(services, red).namespace == "red-customer"  # type: ignore[union-attr]
    assert analytics_user(services, internal).namespace == "default"  # type: ignore[union-attr]


def test_missing_namespace_without_create_keeps_the_user_out_until_it_exists(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    services.provisioning.rules.set_text(
        ACCOUNT,
        "namespace_rules: [{group: red-customer-grp, namespace: red}]\n",
        actor=ACTOR,
    )
    user_id = idp.user("c1", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    assert analytics_user(services, user_id) is None
    conflicts = [e for e in events_after(services.db, 0) if e.type == PROVISIONING_CONFLICT]
    assert conflicts and "does not exist" in conflicts[-1].payload["Reason"]
    services.directory.namespaces.create(ACCOUNT, "red", actor=ACTOR)
    run_worker(services)
    user = analytics_user(services, user_id)
    assert user is not None and user.namespace == "red"


def test_renames_follow_the_identity_store(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("old-name", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    group_before = services.directory.groups.describe(ACCOUNT, "default", "red-customer-grp")
    idp.rename_user(user_id, "new-name")
    idp.rename_group("red-customer-grp", "crimson-customer-grp")
    run_worker(services)
    user = analytics_user(services, user_id)
    assert user is not None and user.user_name == "new-name"
    renamed = services.directory.groups.describe(ACCOUNT, "default", "crimson-customer-grp")
    assert renamed.group_id == group_before.group_id
    assert group_names(services, user) == {"qs-reader-grp", "crimson-customer-grp"}


def test_a_renamed_group_without_members_is_renamed_too(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("u", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    idp.leave(user_id, "red-customer-grp")
    idp.rename_group("red-customer-grp", "scarlet-grp")
    run_worker(services)
    services.directory.groups.describe(ACCOUNT, "default", "scarlet-grp")


def test_leaving_deactivates_and_rejoining_reactivates(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("leaver", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    idp.leave(user_id, "qs-reader-grp")
    run_worker(services)
    user = analytics_user(services, user_id)
    assert user is not None and not user.active  # deactivated, not deleted
    applied = [e for e in events_after(services.db, 0) if e.type == PROVISIONING_APPLIED]
    assert "role group" in applied[-1].payload["Reason"]
    assert applied[-1].payload["Provisioned"] is False

    idp.join(user_id, "qs-author-grp")
    run_worker(services)
    back = analytics_user(services, user_id)
    assert back is not None and back.active and back.role is Role.AUTHOR
    assert back.user_id == user.user_id


def test_identity_deactivation_and_deletion_deactivate(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    first = idp.user("first", "qs-reader-grp")
    second = idp.user("second", "qs-reader-grp")
    run_worker(services)
    idp.set_active(first, False)
    idp.delete_user(second)
    run_worker(services)
    assert not analytics_user(services, first).active  # type: ignore[union-attr]
    assert not analytics_user(services, second).active  # type: ignore[union-attr]
    idp.set_active(first, True)
    run_worker(services)
    assert analytics_user(services, first).active  # type: ignore[union-attr]


def test_deleted_identity_groups_are_deleted(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("u", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    idp.delete_group("red-customer-grp")
    run_worker(services)
    try:
        services.directory.groups.describe(ACCOUNT, "default", "red-customer-grp")
        raise AssertionError("the group should be gone")
    except NotFoundError:
        pass
    user = analytics_user(services, user_id)
    assert user is not None and group_names(services, user) == {"qs-reader-grp"}


def test_two_customer_groups_conflict_and_the_user_stays(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    services.provisioning.rules.set_text(ACCOUNT, NAMESPACED_RULES, actor=ACTOR)
    newcomer = idp.user("both", "qs-reader-grp", "red-customer-grp", "blue-customer-grp")
    settled = idp.user("settled", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    assert analytics_user(services, newcomer) is None
    idp.join(settled, "blue-customer-grp")
    run_worker(services)
    user = analytics_user(services, settled)
    assert user is not None and user.namespace == "red-customer" and user.active
    conflicts = {
        e.payload["UserName"]: e.payload
        for e in events_after(services.db, 0)
        if e.type == PROVISIONING_CONFLICT
    }
    assert conflicts["both"]["Namespaces"] == ["blue-customer", "red-customer"]
    assert "not provisioned" in conflicts["both"]["Reason"]
    assert "stays in red-customer" in conflicts["settled"]["Reason"]
    # a persisting conflict is recorded once, not at every reconcile
    before = last_position(services.db)
    services.provisioning.service.reconcile(ACCOUNT)
    assert [e.type for e in events_after(services.db, before)] == []


def test_skip_policy_deactivates_unmatched_users(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    internal = idp.user("internal-admin-1", "qs-admin-grp")
    run_worker(services)
    services.provisioning.rules.set_text(
        ACCOUNT, NAMESPACED_RULES + "unmatched_users: skip\n", actor=ACTOR
    )
    run_worker(services)
    assert not analytics_user(services, internal).active  # type: ignore[union-attr]


def test_a_group_name_taken_by_an_api_group_is_left_alone(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    services.directory.groups.create(ACCOUNT, "default", "red-customer-grp", actor=ACTOR)
    user_id = idp.user("u", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    user = analytics_user(services, user_id)
    assert user is not None  # provisioned; the API-managed group is not touched
    assert group_names(services, user) == {"qs-reader-grp"}
    conflicts = [e for e in events_after(services.db, 0) if e.type == PROVISIONING_CONFLICT]
    assert "managed through the API" in conflicts[-1].payload["Reason"]


def test_a_user_name_taken_by_an_api_user_is_a_conflict(
    services: Services, idp: Idp, store_id: str
) -> None:
    # an account that had QuickSight users before it switched to Identity Center
    subscribe(services.directory)
    register(services.directory, "taken")
    arn = services.instances.get_by_identity_store(store_id).instance_arn
    services.directory.accounts.set_identity_source(ACCOUNT, arn, actor=ACTOR)
    services.directory.roles.create(ACCOUNT, "default", "READER", "qs-reader-grp", actor=ACTOR)
    taken = idp.user("taken", "qs-reader-grp")
    free = idp.user("free", "qs-reader-grp")
    run_worker(services)
    assert analytics_user(services, taken) is None
    assert analytics_user(services, free) is not None
    api_user = services.directory.users.describe(ACCOUNT, "default", "taken")
    assert api_user.source is Source.QUICKSIGHT_API and api_user.identity_store_user_id is None
    conflicts = [e for e in events_after(services.db, 0) if e.type == PROVISIONING_CONFLICT]
    assert "taken" in conflicts[-1].payload["Reason"]


def test_accounts_not_linked_to_the_store_are_left_alone(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    subscribe(services.directory, OTHER_ACCOUNT, name="other-analytics")
    idp.user("u", "qs-reader-grp")
    run_worker(services)
    assert services.directory.users.list(OTHER_ACCOUNT, "default").items == []
