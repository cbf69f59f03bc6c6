"""A provisioning worker SIGKILLed in the middle of a burst of identity events, on
PostgreSQL: once a restarted worker has caught up, the analytics directory is exactly what
the identity store and the rules say, with no user or membership missing or doubled.

The burst (more than 10,000 outbox events) is written through the identity services
in-process, the way the SCIM endpoint writes (one event per user and per membership),
because that is the fastest way to fill the outbox; provisioning runs only in real
``sightgate worker`` processes. While the first worker runs, a second wave of IdP changes
(moves between customers, deactivations, role removals) lands on users it may or may not
have provisioned yet.

Every process of this test connects with ``synchronous_commit=off``: the fault is a
killed worker process, not a lost PostgreSQL server, so a commit is just as final for it
without waiting for the WAL flush, and the disk's flush latency (about 8 ms per event here,
a third of the worker's time) stays out of the test's runtime.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from sightgate.analytics.directory import tables as t
from sightgate.bootstrap import Services
from sightgate.identity.model import Email, GroupFields, UserFields
from sightgate.platform.events import Actor, read_events
from tests.e2e.provisioning.conftest import (
    Deployment,
    Scenario,
    deployment,
    measured,
    run_worker_once,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

IDP = Actor("scim", "burst-idp")
USERS = 2_040
TEAMS = 5
MIN_EVENTS = 10_000
CUSTOMERS = {"red-customer-grp": "red-customer", "blue-customer-grp": "blue-customer"}


def groups_of_burst_user(i: int) -> list[str]:
    """The identity groups of burst user number ``i`` (about 4 memberships each)."""
    if i % 25 == 0:
        groups = ["qs-admin-grp"]
    elif i % 5 == 1:
        groups = ["qs-author-grp"]
    else:
        groups = ["qs-reader-grp"]
        if i % 6 == 0:
            groups.append("qs-author-grp")  # the highest role wins
    if i % 97 == 5:
        groups += ["red-customer-grp", "blue-customer-grp"]  # a conflict: provisioned nowhere
    elif i % 10 < 4:
        groups.append("red-customer-grp")
    elif i % 10 < 8:
        groups.append("blue-customer-grp")
    return [*groups, f"team-{i % TEAMS}", "all-staff"]


def burst(services: Services, store_id: str, scenario: Scenario) -> dict[str, str]:
    """The IdP's initial load; returns the group ids by name."""
    identity = services.identity
    names = [*scenario.groups, *(f"team-{n}" for n in range(TEAMS)), "all-staff"]
    group_ids = {
        name: identity.create_group(store_id, GroupFields(display_name=name), IDP).group_id
        for name in names
    }
    members: dict[str, list[str]] = {name: [] for name in names}
    for i in range(USERS):
        name = f"burst-{i:05d}"
        user = identity.create_user(
            store_id,
            UserFields(
                user_name=name, emails=(Email(f"{name}@customers.example.com", primary=True),)
            ),
            IDP,
        )
        for group in groups_of_burst_user(i):
            members[group].append(user.user_id)
    for group, user_ids in members.items():
        for start in range(0, len(user_ids), 500):
            identity.add_members(store_id, group_ids[group], user_ids[start : start + 500], IDP)
    return group_ids


def second_wave(services: Services, store_id: str, group_ids: dict[str, str]) -> None:
    """IdP changes while the worker runs: 100 red users move to blue (added to blue first,
    so they pass through a conflict), 50 users are deactivated, 50 readers lose their
    only role group."""
    identity = services.identity
    by_name = {u.user_name: u.user_id for u in _all_users(services, store_id)}
    movers = [by_name[f"burst-{i:05d}"] for i in range(USERS) if i % 10 == 2 and i % 97 != 5]
    movers = movers[:100]
    identity.add_members(store_id, group_ids["blue-customer-grp"], movers, IDP)
    identity.remove_members(store_id, group_ids["red-customer-grp"], movers, IDP)
    for i in range(3, USERS, 42)[:50]:
        identity.update_user(
            store_id, by_name[f"burst-{i:05d}"], lambda u: replace(u.fields(), active=False), IDP
        )
    readers_only = [
        by_name[f"burst-{i:05d}"]
        for i in range(USERS)
        if groups_of_burst_user(i)[:2] == ["qs-reader-grp", "red-customer-grp"] and i % 4 == 3
    ][:50]
    identity.remove_members(store_id, group_ids["qs-reader-grp"], readers_only, IDP)


def _all_users(services: Services, store_id: str) -> list[UserFieldsView]:
    found: list[UserFieldsView] = []
    after: str | None = None
    while True:
        page = services.identity.list_users(store_id, limit=1000, after=after)
        found.extend(UserFieldsView(u.user_id, u.user_name, u.active) for u in page.items)
        if page.next_key is None:
            return found
        after = page.next_key


@dataclass(frozen=True)
class UserFieldsView:
    user_id: str
    user_name: str
    active: bool


@dataclass(frozen=True)
class Expected:
    """The directory the identity store and the rules call for."""

    users: set[tuple[str, str, str, str]]
    """(namespace, user name, role, identity-store user id) of every active analytics user"""
    memberships: set[tuple[str, str, str]]
    """(namespace, group name, user name) of every active user's memberships"""
    not_provisioned: set[str]
    """identity-store user ids that must have no active analytics user"""


def expected_directory(services: Services, store_id: str, scenario: Scenario) -> Expected:
    """Computed here from the identity store (read through its services) and the rules
    (role groups from the subscription, one namespace per customer group), independently
    of provisioning's own code."""
    identity = services.identity
    groups = {g.group_id: g.display_name for g in identity.list_groups(store_id, limit=1000).items}
    users = _all_users(services, store_id)
    groups_of: dict[str, set[str]] = {u.user_id: set() for u in users}
    for group_id, members in identity.members_of(store_id, list(groups)).items():
        for member in members:
            groups_of[member.user_id].add(groups[group_id])
    expected = Expected(set(), set(), set())
    for user in users:
        names = groups_of[user.user_id]
        role = scenario.role_of(names)
        customers = {CUSTOMERS[g] for g in names if g in CUSTOMERS}
        if not user.active or role is None or len(customers) > 1:
            expected.not_provisioned.add(user.user_id)
            continue
        namespace = customers.pop() if customers else "default"
        expected.users.add((namespace, user.user_name, role, user.user_id))
        expected.memberships.update((namespace, g, user.user_name) for g in names)
    return expected


@dataclass(frozen=True)
class Actual:
    users: list[tuple[str, str, str, bool, str | None, str]]
    """(namespace, name, role, active, identity-store user id, identity type), every row"""
    memberships: list[tuple[str, str, str]]
    groups: list[tuple[str, str, str | None]]


def analytics_directory(services: Services, account_id: str) -> Actual:
    """Every row of the account's analytics users, groups and memberships."""
    u, g, m, n = t.users, t.groups, t.group_memberships, t.namespaces
    with services.db.read() as conn:
        users = conn.execute(
            select(
                n.c.name,
                u.c.user_name,
                u.c.role,
                u.c.active,
                u.c.identity_store_user_id,
                u.c.identity_type,
            )
            .select_from(u)
            .join(n, n.c.namespace_id == u.c.namespace_id)
            .where(n.c.account_id == account_id)
        ).all()
        memberships = conn.execute(
            select(n.c.name, g.c.group_name, u.c.user_name)
            .select_from(m)
            .join(g, g.c.group_id == m.c.group_id)
            .join(u, u.c.user_id == m.c.user_id)
            .join(n, n.c.namespace_id == g.c.namespace_id)
            .where(n.c.account_id == account_id)
        ).all()
        groups = conn.execute(
            select(n.c.name, g.c.group_name, g.c.identity_store_group_id)
            .select_from(g)
            .join(n, n.c.namespace_id == g.c.namespace_id)
            .where(n.c.account_id == account_id)
        ).all()
    return Actual(
        [(r[0], r[1], r[2], bool(r[3]), r[4], r[5]) for r in users],
        [(r[0], r[1], r[2]) for r in memberships],
        [(r[0], r[1], r[2]) for r in groups],
    )


def identity_event_count(d: Deployment) -> int:
    with d.services.db.read() as conn:
        return len(
            [
                e
                for e in read_events(conn, limit=100_000, scope=d.store_id)
                if e.type.startswith("identity.")
            ]
        )


def test_killed_worker_resumes_and_the_directory_is_exact(
    tmp_path: Path, pg_url: str, scenario: Scenario
) -> None:
    url = make_url(pg_url).update_query_dict({"options": "-c synchronous_commit=off"})
    with deployment(tmp_path, scenario, database_url=url.render_as_string(False)) as d:
        d.subscribe(scenario)
        d.set_rules(scenario.rules_document(create_namespace=True))
        run_worker_once(d.env)  # the subscription and the rules: nothing to provision yet
        before = d.last_position()

        started = time.monotonic()
        group_ids = burst(d.services, d.store_id, scenario)
        measured("burst written to the outbox", time.monotonic() - started)
        burst_end = d.last_position()
        assert identity_event_count(d) >= MIN_EVENTS
        assert burst_end - before >= MIN_EVENTS

        started = time.monotonic()
        first = d.start_worker()
        second_wave(d.services, d.store_id, group_ids)
        wave_end = d.last_position()
        kill_at = before + (burst_end - before) * 2 // 5
        wait_for(lambda: d.cursor() >= kill_at, "the first worker to get going", 300, 0.1)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert first.returncode == -signal.SIGKILL
        d.workers.remove(first)
        killed_at = d.cursor()
        measured(
            f"first worker killed at cursor {killed_at - before} of ~{wave_end - before}",
            time.monotonic() - started,
        )
        assert kill_at <= killed_at < burst_end, "the kill came after the burst was handled"

        restarted = time.monotonic()
        d.start_worker()
        d.wait_caught_up(timeout=400)  # generous: correctness, not speed, is tested here
        assert d.cursor() >= wave_end
        measured("restarted worker caught up", time.monotonic() - restarted)
        for process in d.workers:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        assert d.cursor() == d.last_position()  # nothing left, nothing failed

        started = time.monotonic()
        assert d.reconcile_dry_run() == []
        measured("reconcile --dry-run of every burst user", time.monotonic() - started)

        expected = expected_directory(d.services, d.store_id, scenario)
        actual = analytics_directory(d.services, d.account_id)
        assert len(expected.users) > 1_500 and len(expected.not_provisioned) > 100

        # one analytics user per identity user, at most: no duplicate anywhere
        linked = Counter(user[4] for user in actual.users)
        assert max(linked.values()) == 1
        assert all(user[5] == "IAM_IDENTITY_CENTER" for user in actual.users)
        active = {(ns, name, role, uid) for ns, name, role, ok, uid, _ in actual.users if ok}
        assert active == expected.users  # none missing, none extra, right role and place
        inactive = {uid for *_, ok, uid, _ in actual.users if not ok}
        assert inactive <= expected.not_provisioned

        # memberships: exactly the identity ones for every active user, each once
        active_names = {(ns, name) for ns, name, *_ in active}
        memberships = [m for m in actual.memberships if (m[0], m[2]) in active_names]
        assert len(memberships) == len(set(memberships))
        assert set(memberships) == expected.memberships
        # every analytics group is one identity group, once per namespace
        assert Counter((ns, name) for ns, name, _ in actual.groups).most_common(1)[0][1] == 1
        assert all(group_ids[name] == gid for _, name, gid in actual.groups)

        # exactly-once effects across the kill: nobody registered twice, no group twice
        with d.services.db.read() as conn:
            effects = read_events(
                conn,
                after=before,
                limit=100_000,
                types=["analytics.UserRegistered", "analytics.GroupCreated"],
            )
        registered = Counter(
            e.payload["IdentityStoreUserId"]
            for e in effects
            if e.type == "analytics.UserRegistered"
        )
        assert set(registered.values()) == {1}
        created = Counter(
            (e.payload["Namespace"], e.payload["GroupName"])
            for e in effects
            if e.type == "analytics.GroupCreated"
        )
        assert set(created.values()) == {1}
