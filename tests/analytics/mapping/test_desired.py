"""desired_state: who is provisioned, where, with which role and groups (no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sightgate.analytics.directory.model import Role
from sightgate.analytics.mapping.desired import (
    ROLE_ORDER,
    IdentityUserView,
    desired_state,
    highest_role,
)
from sightgate.analytics.mapping.rules import DEFAULT_RULES, parse_rules

SCENARIO_PATH = Path("/work/shared/scenarios/seed-scenario.yaml")
PACKAGED = Path(__file__).resolve().parents[3] / "src/sightgate/demo/scenario.yaml"


def _scenario() -> dict[str, Any]:
    path = SCENARIO_PATH if SCENARIO_PATH.exists() else PACKAGED
    data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    return data


SCENARIO = _scenario()
ROLE_GROUPS = {
    Role(role): set(groups) for role, groups in SCENARIO["analytics_account"]["role_groups"].items()
}
USERS = {u["userName"]: u["groups"] for u in SCENARIO["users"]}
NAMESPACED = parse_rules(
    {k: v for k, v in SCENARIO["namespaced_variant"].items() if k != "expected_namespaces"}
)


def user(name: str, *, active: bool = True) -> IdentityUserView:
    return IdentityUserView(f"id-{name}", name, active, f"{name}@example.com")


@pytest.mark.parametrize("name", sorted(USERS))
def test_seed_scenario_role_groups_only_puts_everyone_in_default(name: str) -> None:
    desired = desired_state(user(name), USERS[name], ROLE_GROUPS, DEFAULT_RULES, None)
    assert desired.provisioned and desired.active
    assert desired.namespace == "default"
    assert desired.groups == frozenset(USERS[name])
    expected = {"admin": Role.ADMIN, "author": Role.AUTHOR, "reader": Role.READER}
    assert desired.role is next(role for key, role in expected.items() if key in name)


@pytest.mark.parametrize(
    ("name", "namespace"), sorted(SCENARIO["namespaced_variant"]["expected_namespaces"].items())
)
def test_namespaced_variant_expectations(name: str, namespace: str) -> None:
    desired = desired_state(user(name), USERS[name], ROLE_GROUPS, NAMESPACED, None)
    assert desired.provisioned
    assert desired.namespace == namespace
    assert "red-customer-grp" in desired.reason or namespace != "red-customer"


def test_namespaced_variant_for_every_seed_user() -> None:
    for name, groups in USERS.items():
        desired = desired_state(user(name), groups, ROLE_GROUPS, NAMESPACED, None)
        expected = (
            "red-customer" if "red" in name else "blue-customer" if "blue" in name else "default"
        )
        assert desired.namespace == expected, name


def test_the_highest_role_wins() -> None:
    groups = {Role.ADMIN: {"a"}, Role.AUTHOR: {"b"}, Role.READER_PRO: {"c"}, Role.ADMIN_PRO: {"d"}}
    assert highest_role(["b", "c"], groups) is Role.AUTHOR
    assert highest_role(["b", "a"], groups) is Role.ADMIN
    assert highest_role(["a", "d"], groups) is Role.ADMIN_PRO
    assert highest_role(["C"], groups) is Role.READER_PRO  # any letter case
    assert highest_role(["x"], groups) is None
    assert set(ROLE_ORDER) == set(Role)


def test_role_group_names_match_in_any_letter_case() -> None:
    desired = desired_state(user("u"), ["QS-Reader-Grp"], ROLE_GROUPS, DEFAULT_RULES, None)
    assert desired.role is Role.READER


def test_not_in_a_role_group_is_not_provisioned() -> None:
    desired = desired_state(user("u"), ["red-customer-grp"], ROLE_GROUPS, DEFAULT_RULES, "default")
    assert not desired.provisioned and not desired.active
    assert "role group" in desired.reason


def test_deleted_and_deactivated_users_are_not_provisioned() -> None:
    gone = desired_state(None, [], ROLE_GROUPS, DEFAULT_RULES, "default")
    assert not gone.provisioned and "deleted" in gone.reason
    inactive = desired_state(
        user("u", active=False), ["qs-admin-grp"], ROLE_GROUPS, DEFAULT_RULES, "default"
    )
    assert not inactive.provisioned and "deactivated" in inactive.reason


def test_skip_policy_leaves_unmatched_users_out() -> None:
    rules = parse_rules({**NAMESPACED.to_document(), "unmatched_users": "skip"})
    internal = desired_state(user("internal-admin-1"), ["qs-admin-grp"], ROLE_GROUPS, rules, None)
    assert not internal.provisioned and "skip" in internal.reason
    red = desired_state(user("r"), ["qs-reader-grp", "red-customer-grp"], ROLE_GROUPS, rules, None)
    assert red.namespace == "red-customer"


def test_two_namespaces_without_a_current_one_is_not_provisioned() -> None:
    groups = ["qs-reader-grp", "red-customer-grp", "blue-customer-grp"]
    desired = desired_state(user("both"), groups, ROLE_GROUPS, NAMESPACED, None)
    assert not desired.provisioned
    assert desired.conflict == ("blue-customer", "red-customer")
    assert "several namespaces" in desired.reason


def test_two_namespaces_keep_the_user_where_they_are() -> None:
    groups = ["qs-reader-grp", "red-customer-grp", "blue-customer-grp"]
    desired = desired_state(user("both"), groups, ROLE_GROUPS, NAMESPACED, "red-customer")
    assert desired.provisioned and desired.namespace == "red-customer"
    assert desired.conflict == ("blue-customer", "red-customer")
    assert "stays in red-customer" in desired.reason


def test_two_groups_to_the_same_namespace_are_no_conflict() -> None:
    rules = parse_rules(
        {
            "namespace_rules": [
                {"group": "red-customer-grp", "namespace": "red"},
                {"group": "red-admins", "namespace": "RED", "create_namespace": True},
            ]
        }
    )
    desired = desired_state(
        user("r"), ["qs-reader-grp", "red-customer-grp", "red-admins"], ROLE_GROUPS, rules, None
    )
    assert desired.provisioned and desired.conflict is None
    assert desired.namespace is not None and desired.namespace.lower() == "red"
    assert desired.create_namespace


def test_first_matching_rule_wins_per_group() -> None:
    rules = parse_rules(
        {
            "namespace_rules": [
                {"group": "red-customer-grp", "namespace": "crimson"},
                {"group_pattern": "(?P<namespace>.+)-grp"},
            ]
        }
    )
    desired = desired_state(
        user("r"), ["red-customer-grp"], {Role.READER: {"red-customer-grp"}}, rules, None
    )
    assert desired.namespace == "crimson"


def test_user_names_analytics_cannot_carry_are_not_provisioned() -> None:
    desired = desired_state(user("用户"), ["qs-reader-grp"], ROLE_GROUPS, DEFAULT_RULES, None)
    assert not desired.provisioned and "user name" in desired.reason


def test_groups_analytics_cannot_name_are_left_out() -> None:
    desired = desired_state(user("u"), ["qs-reader-grp", "组"], ROLE_GROUPS, DEFAULT_RULES, None)
    assert desired.groups == frozenset({"qs-reader-grp"})
