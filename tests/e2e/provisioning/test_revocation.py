"""Revocation across processes on PostgreSQL: two ``sightgate serve`` and two
``sightgate worker`` processes on one database.

Once the SCIM call that takes a user's access away has returned, no access decision
anywhere may allow that user. The servers have no HTTP endpoint that runs the access
check (``PrincipalReader``), so the test makes the decisions in a third process, itself,
on the same database, continuously while the call is in flight; it checks over HTTP that
both servers already serve the committed identity state that the check reads; and it
checks that the asynchronous side (the analytics user's ``Active`` flag, which the workers
set) reaches both servers' DescribeUser within a bounded time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.provisioning.conftest import Deployment, Scenario, deployment, measured, wait_for
from tests.e2e.scim_client import ScimClient

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
PROPAGATION_BOUND = 10.0  # seconds from the SCIM response to Active false on both servers


def everyone_provisioned(d: Deployment, scenario: Scenario) -> bool:
    return all(set(d.list_users("default", s)) >= set(scenario.users) for s in (0, 1))


def revoke(d: Deployment, name: str, how: str, call: Callable[[], None]) -> None:
    """Run ``call`` (a SCIM request that takes ``name``'s access away) while this process
    keeps deciding on ``name``; after it returns, every decision must deny at once."""
    assert d.access("default", name).allowed
    samples: list[tuple[float, bool]] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            began = time.monotonic()
            samples.append((began, d.access("default", name).allowed))

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(samples) >= 5, "the probe to decide a few times")
        sent = time.monotonic()
        call()
        returned = time.monotonic()
        denied = d.access("default", name)
        identity_user = d.services.access.principals.identity_user(d.account_id, d.user_ids[name])
        # The asynchronous side, while the probe goes on deciding through the whole window
        # in which the workers have not yet deactivated the analytics user.
        wait_for(
            lambda: all(d.describe_user("default", name, s)["Active"] is False for s in (0, 1)),
            f"DescribeUser Active false on both servers ({how})",
            timeout=PROPAGATION_BOUND,
        )
        measured(
            f"revocation ({how}): SCIM response -> Active false on both servers",
            time.monotonic() - returned,
        )
        wait_for(
            lambda: sum(1 for began, _ in samples if began >= returned) >= 5,
            "a few decisions after the response",
        )
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not denied.allowed, denied
    assert not identity_user.allowed, identity_user
    assert any(ok for began, ok in samples if began < sent), "the probe never saw the user in"
    after = [ok for began, ok in samples if began >= returned]
    assert not any(after), f"allowed {sum(after)} time(s) after the SCIM call returned ({how})"


def test_revocation_holds_in_every_process_once_the_scim_call_returns(
    tmp_path: Path, pg_url: str, scenario: Scenario
) -> None:
    with (
        ExitStack() as stack,
        deployment(tmp_path, scenario, database_url=pg_url, servers=2) as d,
    ):
        d.subscribe(scenario, server=1)
        d.start_worker()
        d.start_worker()
        d.push_scenario(scenario)  # to server 1
        wait_for(lambda: everyone_provisioned(d, scenario), "the scenario on both servers")
        d.wait_caught_up()
        second = ScimClient(f"{d.urls[1]}/scim/{d.store_id}/v2", d.scim.token, d.store_id)
        stack.callback(second.close)
        identitystore = [d.client("identitystore", s) for s in (0, 1)]

        # propagation of a join, SCIM on server 1 -> ListUsers on server 2
        name = scenario.join_user
        d.create_user(name)
        for group in scenario.join_groups:
            d.add_members(group, name)
        sent = time.monotonic()
        wait_for(
            lambda: (
                name in d.list_users("default", 1)
                and d.groups_of("default", name, 1) == set(scenario.join_groups)
            ),
            f"{name} on server 2",
        )
        measured(
            "join on PostgreSQL: SCIM (server 1) -> ListUsers (server 2)", time.monotonic() - sent
        )

        # 1. removed from the last role group, SCIM to server 1
        reader = "red-customer-reader-1"
        reader_group = scenario.role_groups["READER"][0]
        assert scenario.users[reader] == (reader_group, "red-customer-grp")
        revoke(d, reader, "last role group removed", lambda: d.remove_member(reader_group, reader))
        for client in identitystore:  # both servers already serve what the check reads
            found = client.is_member_in_groups(
                IdentityStoreId=d.store_id,
                MemberId={"UserId": d.user_ids[reader]},
                GroupIds=[d.group_ids[reader_group]],
            )["Results"]
            assert [r["MembershipExists"] for r in found] == [False]

        # 2. deactivated (Okta), SCIM to server 1
        internal = "internal-reader-1"
        revoke(d, internal, "PATCH active false", lambda: d.set_active(internal, False))
        for client in (d.scim, second):
            assert client.http.get(f"/Users/{d.user_ids[internal]}").json()["active"] is False

        # 3. deleted (Entra's hard delete), SCIM to server 2
        blue = "blue-customer-reader-1"

        def delete_on_server_2() -> None:
            response = second.request("DELETE", f"/Users/{d.user_ids[blue]}")
            assert response.status_code == 204, response.text

        revoke(d, blue, "DELETE on server 2", delete_on_server_2)
        for client in (d.scim, second):
            assert client.http.get(f"/Users/{d.user_ids[blue]}").status_code == 404

        d.wait_caught_up()
        assert all(process.poll() is None for process in d.workers)
        assert d.reconcile_dry_run() == []
        revoked = {reader, internal, blue}
        for s in (0, 1):
            users = d.list_users("default", s)
            assert {u for u, user in users.items() if not user["Active"]} == revoked
            assert len(users) == len(scenario.users) + 1
