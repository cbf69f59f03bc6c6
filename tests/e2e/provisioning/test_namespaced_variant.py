"""The seed scenario's ``namespaced_variant`` (the forum thread): one namespace per
customer, derived from the customer group's name, set with ``provisioning rules set`` and
applied by ``sightgate worker --once`` after each IdP change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.provisioning.conftest import Deployment, Scenario, deployment, run_worker_once

pytestmark = pytest.mark.e2e
CUSTOMERS = ("red-customer", "blue-customer")


def namespace_of(scenario: Scenario, user_name: str) -> str:
    """Where the variant puts a scenario user: their customer's namespace, else default."""
    customers = {g.removesuffix("-grp") for g in scenario.users[user_name]} & set(CUSTOMERS)
    assert len(customers) <= 1
    return customers.pop() if customers else "default"


def not_found(call: Any) -> bool:
    try:
        call()
    except ClientError as error:
        return bool(error.response["Error"]["Code"] == "ResourceNotFoundException")
    return False


def conflicts_of(d: Deployment, user_name: str) -> list[dict[str, Any]]:
    """The ``analytics.ProvisioningConflict`` payloads about one identity user."""
    return [
        e["Payload"]
        for e in d.events("analytics.ProvisioningConflict")
        if e["Payload"]["IdentityStoreUserId"] == d.user_ids[user_name]
    ]


def test_one_namespace_per_customer(tmp_path: Path, scenario: Scenario) -> None:
    with deployment(tmp_path, scenario) as d:
        d.subscribe(scenario)
        stored = d.set_rules(scenario.rules_document(create_namespace=True))
        assert stored["Rules"]["just_in_time_provisioning"] == "off"
        assert stored["Rules"]["namespace_rules"][0]["only_groups"] == [
            "red-customer-grp",
            "blue-customer-grp",
        ]
        d.push_scenario(scenario)
        run_worker_once(d.env)

        # -- where everyone landed (expected_namespaces, and the rest of the users) --------
        for user_name, namespace in scenario.expected_namespaces.items():
            assert namespace_of(scenario, user_name) == namespace
        by_namespace = {ns: d.list_users(ns) for ns in ("default", *CUSTOMERS)}
        for ns, users in by_namespace.items():
            expected = {u for u in scenario.users if namespace_of(scenario, u) == ns}
            assert set(users) == expected, ns
            for name, user in users.items():
                assert user["Role"] == scenario.role_of(scenario.users[name])
                assert user["IdentityType"] == "IAM_IDENTITY_CENTER" and user["Active"]
                assert user["Arn"].endswith(f":user/{ns}/{name}")
                assert d.access(ns, name).allowed
        for customer in CUSTOMERS:  # created by the rule, not by the ISV
            described = d.client("quicksight").describe_namespace(
                AwsAccountId=d.account_id, Namespace=customer
            )["Namespace"]
            assert described["Name"] == customer and described["CreationStatus"] == "CREATED"
            assert d.group_names(customer) == {"qs-reader-grp", f"{customer}-grp"}
        assert d.group_names("default") == {"qs-admin-grp", "qs-author-grp", "qs-reader-grp"}
        assert d.members_of("red-customer", "red-customer-grp") == {
            "red-customer-reader-1",
            "red-customer-reader-2",
        }

        # -- each customer's users are invisible from the other's namespace ------------------
        qs = d.client("quicksight")
        for mine, theirs in (CUSTOMERS, reversed(CUSTOMERS)):
            for name in by_namespace[theirs]:
                assert not_found(
                    lambda n=name, ns=mine: qs.describe_user(
                        AwsAccountId=d.account_id, Namespace=ns, UserName=n
                    )
                )
                assert not d.access(mine, name).allowed
            assert not_found(
                lambda ns=mine, t=theirs: qs.describe_group(
                    AwsAccountId=d.account_id, Namespace=ns, GroupName=f"{t}-grp"
                )
            )
            assert not set(d.members_of(mine, "qs-reader-grp")) & set(by_namespace[theirs])
        assert not set(by_namespace["default"]) & {
            u for u in scenario.users if namespace_of(scenario, u) != "default"
        }

        # -- a user moved between customer groups moves namespace -----------------------------
        mover = "red-customer-reader-2"
        before = by_namespace["red-customer"][mover]
        d.add_members("blue-customer-grp", mover)
        d.remove_member("red-customer-grp", mover)
        assert d.access("red-customer", mover).reason == (
            "the identity store now places the user in namespace blue-customer"
        )
        run_worker_once(d.env)
        assert mover not in d.list_users("red-customer")
        moved = d.describe_user("blue-customer", mover)
        assert moved["PrincipalId"] == before["PrincipalId"]  # the same user, moved
        assert moved["Arn"].endswith(f":user/blue-customer/{mover}") and moved["Active"]
        assert d.groups_of("blue-customer", mover) == {"qs-reader-grp", "blue-customer-grp"}
        assert d.members_of("red-customer", "red-customer-grp") == {"red-customer-reader-1"}
        assert d.access("blue-customer", mover).allowed
        assert not d.access("red-customer", mover).allowed
        moves = [
            e["Payload"]
            for e in d.events("analytics.UserMoved")
            if e["Payload"]["IdentityStoreUserId"] == d.user_ids[mover]
        ]
        assert [(m["FromNamespace"], m["Namespace"]) for m in moves] == [
            ("red-customer", "blue-customer")
        ]

        # -- in both customer groups: not moved, and a conflict event says why -----------------
        torn = "blue-customer-reader-1"
        d.add_members("red-customer-grp", torn)
        run_worker_once(d.env)
        assert d.describe_user("blue-customer", torn)["Active"] is True
        assert torn not in d.list_users("red-customer")
        assert d.access("blue-customer", torn).allowed  # stays where they are
        (conflict,) = conflicts_of(d, torn)
        assert conflict["Namespaces"] == ["blue-customer", "red-customer"]
        assert conflict["CurrentNamespace"] == "blue-customer"
        assert "map to several namespaces" in conflict["Reason"]
        assert "stays in blue-customer" in conflict["Reason"]

        # a new user in both customer groups is provisioned nowhere
        d.create_user("purple-customer-reader-1")
        for group in ("qs-reader-grp", "red-customer-grp", "blue-customer-grp"):
            d.add_members(group, "purple-customer-reader-1")
        run_worker_once(d.env)
        for ns in ("default", *CUSTOMERS):
            assert "purple-customer-reader-1" not in d.list_users(ns)
        (conflict,) = conflicts_of(d, "purple-customer-reader-1")
        assert conflict["CurrentNamespace"] is None
        assert conflict["Reason"].endswith("not provisioned")

        assert d.reconcile_dry_run() == []


def test_rules_without_create_namespace_wait_for_the_namespace(
    tmp_path: Path, scenario: Scenario
) -> None:
    """The scenario's rules as written (no ``create_namespace``): customer users are not
    placed until the namespace exists; once the ISV creates it, the worker places them."""
    with deployment(tmp_path, scenario) as d:
        d.subscribe(scenario)
        d.set_rules(scenario.rules_document(create_namespace=False))
        d.push_scenario(scenario)
        run_worker_once(d.env)
        assert set(d.list_users("default")) == {
            u for u in scenario.users if namespace_of(scenario, u) == "default"
        }
        (conflict,) = conflicts_of(d, "red-customer-reader-1")
        assert "namespace red-customer does not exist" in conflict["Reason"]
        d.client("quicksight").create_namespace(
            AwsAccountId=d.account_id, Namespace="red-customer", IdentityStore="QUICKSIGHT"
        )
        run_worker_once(d.env)
        assert set(d.list_users("red-customer")) == {
            "red-customer-reader-1",
            "red-customer-reader-2",
        }
        for name in ("blue-customer-reader-1", "blue-customer-reader-2"):
            assert all(name not in d.list_users(ns) for ns in ("default", "red-customer"))
        assert d.reconcile_dry_run() == []
