"""The seed scenario (the blog post), role groups only, end to end on the embedded store.

The operator creates the ACCOUNT instance and a SCIM token with the CLI; the ISV
subscribes the analytics account with boto3 (IAM_IDENTITY_CENTER, the scenario's role
groups); the IdP pushes groups, users and memberships over SCIM; ``sightgate worker``
provisions; the ISV sees the result through ListUsers/ListGroups. Then the lifecycle:
a user joins, leaves (deactivated, removed from groups, deleted) and comes back.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.provisioning.conftest import (
    Deployment,
    Scenario,
    deployment,
    measured,
    run_worker_once,
    wait_for,
)

pytestmark = pytest.mark.e2e


def assert_seed_directory(d: Deployment, scenario: Scenario) -> dict[str, Any]:
    """Every scenario user is in ``default`` with the right role, identity type and
    groups, and every identity group is an analytics group there; returns the users."""
    users = d.list_users("default")
    assert set(users) == set(scenario.users)
    for name, groups in scenario.users.items():
        user = users[name]
        assert user["Role"] == scenario.role_of(groups), name
        assert user["IdentityType"] == "IAM_IDENTITY_CENTER"
        assert user["Active"] is True
        assert user["PrincipalId"] == d.user_ids[name]  # the identity-store user id
        assert user["Email"] == f"{name}@customers.example.com"
        assert user["Arn"] == f"arn:aws:quicksight:us-east-1:{d.account_id}:user/default/{name}"
    assert d.group_names("default") == set(scenario.groups)
    for group in scenario.groups:
        expected = {name for name, groups in scenario.users.items() if group in groups}
        assert d.members_of("default", group) == expected, group
    assert d.groups_of("default", "red-customer-reader-1") == {"qs-reader-grp", "red-customer-grp"}
    for name, groups in scenario.users.items():
        decision = d.principal("default", name)
        assert decision.allowed, decision.reason
        assert decision.role.value == scenario.role_of(groups)
        assert {g.name for g in decision.groups} == set(groups)
    return users


def in_default(d: Deployment, name: str) -> dict[str, Any] | None:
    user: dict[str, Any] | None = d.list_users("default").get(name)
    return user


def test_seed_scenario_with_a_background_worker(tmp_path: Any, scenario: Scenario) -> None:
    with deployment(tmp_path, scenario) as d:
        d.subscribe(scenario)
        d.start_worker()
        d.push_scenario(scenario)
        pushed = time.monotonic()
        wait_for(
            lambda: len(d.list_users("default")) == len(scenario.users),
            "every scenario user in ListUsers",
        )
        measured("seed push (10 users, 5 groups) -> all in ListUsers", time.monotonic() - pushed)
        d.wait_caught_up()
        assert_seed_directory(d, scenario)

        # -- lifecycle.join: in the IdP only; nothing else to do --------------------------
        name = scenario.join_user
        d.create_user(name)
        first, *rest = scenario.join_groups
        d.add_members(first, name)
        sent = time.monotonic()
        wait_for(lambda: in_default(d, name), f"{name} in ListUsers")
        measured(
            "join: SCIM add to qs-reader-grp answered -> user in ListUsers", time.monotonic() - sent
        )
        for group in rest:
            d.add_members(group, name)
        sent = time.monotonic()
        wait_for(
            lambda: d.groups_of("default", name) == set(scenario.join_groups),
            f"{name} in {scenario.join_groups}",
        )
        measured(
            "join: SCIM add to red-customer-grp answered -> in ListUserGroups",
            time.monotonic() - sent,
        )
        joined = in_default(d, name)
        assert joined is not None
        assert joined["Role"] == "READER" and joined["Active"] is True
        assert joined["IdentityType"] == "IAM_IDENTITY_CENTER"
        assert name in d.members_of("default", "red-customer-grp")
        decision = d.principal("default", name)
        assert decision.allowed
        assert {g.name for g in decision.groups} == set(scenario.join_groups)

        # -- lifecycle.leave, Okta's way: PATCH active false ------------------------------
        assert scenario.leave_user == name
        d.set_active(name, False)
        sent = time.monotonic()
        denied = d.access("default", name)  # at once, before any worker ran
        assert not denied.allowed and denied.reason == "deactivated in the identity store"
        wait_for(lambda: d.describe_user("default", name)["Active"] is False, "deactivation")
        measured(
            "leave (active false) answered -> DescribeUser Active false", time.monotonic() - sent
        )
        assert name in d.list_users("default")  # deactivated, never deleted
        assert not d.access("default", name).allowed

        # reactivation restores the same analytics user
        d.set_active(name, True)
        wait_for(lambda: d.describe_user("default", name)["Active"] is True, "reactivation")
        back = d.describe_user("default", name)
        assert back["PrincipalId"] == joined["PrincipalId"] and back["Arn"] == joined["Arn"]
        assert back["Role"] == "READER"
        assert d.groups_of("default", name) == set(scenario.join_groups)
        assert d.access("default", name).allowed

        # -- leave by losing the groups (the blog's "delete the IdP group access") --------
        for group in scenario.join_groups:
            d.remove_member(group, name)
            if group == scenario.role_groups["READER"][0]:
                denied = d.access("default", name)
                assert not denied.allowed
                assert denied.reason == "not a member of any of the account's role groups"
        wait_for(lambda: d.describe_user("default", name)["Active"] is False, "deactivation")
        assert not d.access("default", name).allowed
        for group in scenario.join_groups:
            d.add_members(group, name)
        wait_for(
            lambda: (
                d.describe_user("default", name)["Active"] is True
                and d.groups_of("default", name) == set(scenario.join_groups)
            ),
            "reactivation with the groups",
        )
        assert d.describe_user("default", name)["PrincipalId"] == joined["PrincipalId"]
        assert d.access("default", name).allowed

        # -- leave by DELETE (Entra's hard delete) -----------------------------------------
        d.delete_user(name)
        denied = d.access("default", name)
        assert not denied.allowed and denied.reason == "deleted from the identity store"
        wait_for(lambda: d.describe_user("default", name)["Active"] is False, "deactivation")
        assert d.list_users("default")[name]["Active"] is False  # kept, with its assets

        d.wait_caught_up()
        assert d.reconcile_dry_run() == []
        assert_seed_directory_unchanged(d, scenario)


def assert_seed_directory_unchanged(d: Deployment, scenario: Scenario) -> None:
    """The lifecycle of one user touched nobody else."""
    users = d.list_users("default")
    for name, groups in scenario.users.items():
        assert users[name]["Active"] is True and users[name]["Role"] == scenario.role_of(groups)


def test_seed_scenario_pushed_then_worker_once(tmp_path: Any, scenario: Scenario) -> None:
    """No worker while the IdP pushes: nothing is provisioned yet, but the access check
    already follows the identity store; ``worker --once`` then provisions everything."""
    with deployment(tmp_path, scenario) as d:
        d.subscribe(scenario)
        d.push_scenario(scenario)
        assert d.list_users("default") == {}
        admin = d.services.access.principals.identity_user(
            d.account_id, d.user_ids["internal-admin-1"]
        )
        assert admin.allowed and admin.role is not None and admin.role.value == "ADMIN"
        with pytest.raises(ClientError) as missing:
            d.describe_user("default", "internal-admin-1")
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"

        run_worker_once(d.env)
        assert_seed_directory(d, scenario)

        # join, then leave by DELETE, each followed by one `worker --once`
        name = scenario.join_user
        d.create_user(name)
        for group in scenario.join_groups:
            d.add_members(group, name)
        run_worker_once(d.env)
        joined = d.describe_user("default", name)
        assert joined["Role"] == "READER" and joined["Active"] is True
        assert d.groups_of("default", name) == set(scenario.join_groups)

        d.delete_user(name)
        assert not d.access("default", name).allowed
        run_worker_once(d.env)
        assert d.describe_user("default", name)["Active"] is False

        # The IdP re-creates the user under the same name: a new identity-store user. The
        # old analytics user stays linked to the deleted one, so the name is taken and the
        # new one is not provisioned; a conflict event says so (docs/provisioning.md).
        again = d.create_user(name)
        for group in scenario.join_groups:
            d.add_members(group, name)
        run_worker_once(d.env)
        assert d.describe_user("default", name)["Active"] is False
        conflicts = [
            e
            for e in d.events("analytics.ProvisioningConflict")
            if e["Payload"]["IdentityStoreUserId"] == again
        ]
        assert conflicts and "is taken in namespace default" in conflicts[-1]["Payload"]["Reason"]

        assert d.reconcile_dry_run() == []
