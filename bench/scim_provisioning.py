"""SCIM provisioning as Okta does it, against a real ``sightgate serve``.

Phases, all over HTTP from concurrent clients in this process (or forked ones):

1. create_groups: ``POST /Groups`` for every group;
2. provision: per user, Okta's sequence: ``GET /Users?filter=userName eq "x"`` (finds
   nothing), ``POST /Users``, then ``PATCH /Groups/{id}`` adding the user to its groups;
3. rounds of baseline and lookup, alternating: the bare FastAPI endpoint
   (``bench.bare_app``) and then sightgate answer the same lookups, once driven by httpx
   and once by the lean client; the ratio is the median of the rounds' ratios;
4. single-user requests (``GET /Users/{id}``, a ``userName eq`` filter that finds one,
   ``PATCH /Users/{id}``) with the provisioned users stored, then again after a direct
   bulk load up to ``stored_users``, by one client and by ``concurrency`` clients (those
   once driven by httpx and once, the same requests, by the lean client).

The server's peak memory is its VmHWM from ``/proc`` after all phases.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, NullPool, create_engine, func, make_url, select, text

from bench import bare_app
from bench.harness import (
    Client,
    Job,
    JobSource,
    Load,
    Reply,
    ServerProcess,
    code_version,
    free_port,
    in_one_process,
    machine,
    run_command,
    run_phase,
    sightgate_argv,
    table,
)
from sightgate.identity import repository
from sightgate.identity.filtering import SCIM_ISSUER
from sightgate.identity.model import Email, ExternalId, Name, User
from sightgate.platform.db import Database, normalize_url
from sightgate.platform.events import Actor, event_cursors_table, events_table
from sightgate.platform.ids import new_store_scoped_id
from sightgate.platform.uow import UnitOfWork

NAME = "scim_provisioning"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ACCOUNT_ID = "111122223333"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

LOOKUP_RATIO_TARGET = 0.25
SINGLE_USER_P99_TARGET_MS = 50.0
MEMORY_TARGET_MB = 300.0


@dataclass(frozen=True)
class Config:
    """Sizes of one run; ``quick()`` is the smoke-test size."""

    users: int = 10_000
    groups: int = 1_000
    groups_per_user: int = 2
    stored_users: int = 100_000
    concurrency: int = 8
    lookups: int = 5_000
    lookup_processes: int = 2
    rounds: int = 3
    single_requests: int = 1_500
    warmup: int = 200
    phase_time_limit: float = 600.0
    analyze_interval: float = 30.0
    serve_args: tuple[str, ...] = ()
    """Extra ``sightgate serve`` options, e.g. ``--no-worker``."""

    @property
    def server_processes(self) -> int:
        """The ``--workers`` of ``serve_args``: the baseline runs as many processes."""
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("--workers", type=int, default=1)
        return int(parser.parse_known_args(list(self.serve_args))[0].workers)

    @classmethod
    def quick(cls) -> Config:
        """Small enough to finish in well under a minute."""
        return cls(
            users=1_000,
            groups=100,
            stored_users=10_000,
            lookups=1_000,
            rounds=1,
            single_requests=300,
            warmup=100,
            phase_time_limit=60.0,
            analyze_interval=10.0,
        )


# -- the store ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """A fresh, empty store: the environment that points ``sightgate`` at it, and its URL."""

    kind: str
    env: Mapping[str, str]
    url: str
    admin: Engine | None = None
    database: str | None = None

    def backend_pids(self) -> list[int]:
        """PostgreSQL backend processes connected to this store's database."""
        if self.admin is None:
            return []
        with self.admin.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.database},
            )
            return [int(row[0]) for row in rows]

    def autovacuum(self) -> bool | None:
        """Whether PostgreSQL's autovacuum (and so its automatic ANALYZE) is on."""
        if self.admin is None:
            return None
        with self.admin.connect() as conn:
            return bool(conn.execute(text("SHOW autovacuum")).scalar_one() == "on")


@contextmanager
def stand_in_autovacuum(store: Store, interval: float) -> Iterator[bool]:
    """ANALYZE the store every ``interval`` s when PostgreSQL's autovacuum is off.

    Without statistics the planner answers a ``userName eq`` lookup by walking the
    primary key index (the ``ORDER BY id LIMIT`` of the result window) and filtering every
    row, so the lookup grows with the store. A production server has autovacuum on and
    analyses tables as they grow; this stands in for it where a test server has it off.
    Yields whether it runs.
    """
    if store.autovacuum() is not False:
        yield False
        return
    stop = threading.Event()

    def analyze() -> None:
        engine = create_engine(normalize_url(store.url), poolclass=NullPool)
        try:
            while not stop.wait(interval):
                with engine.connect() as conn:
                    conn.execute(text("ANALYZE"))
                    conn.commit()
        finally:
            engine.dispose()

    thread = threading.Thread(target=analyze, name="stand-in-autovacuum", daemon=True)
    thread.start()
    try:
        yield True
    finally:
        stop.set()
        thread.join(timeout=60)


@contextmanager
def fresh_store(kind: str, workdir: Path, postgres_url: str) -> Iterator[Store]:
    """An empty store of ``kind``; a PostgreSQL database is created and dropped again."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGHTGATE_")}
    env["SIGHTGATE_DATA_DIR"] = str(workdir / "data")
    if kind == "sqlite":
        yield Store(kind, env, f"sqlite:///{workdir / 'data' / 'sightgate.db'}")
        return
    entry = make_url(normalize_url(postgres_url))
    name = f"sightgate_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(entry, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = entry.set(database=name).render_as_string(hide_password=False)
    try:
        yield Store(kind, {**env, "SIGHTGATE_DATABASE_URL": url}, url, admin, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bulk_load(store: Store, store_id: str, count: int) -> tuple[list[tuple[str, str]], float]:
    """Insert ``count`` users directly (setup, not measured); their (id, userName) and seconds.

    Rows go through the repository in large transactions, without domain events: the
    point is a store of the wanted size, quickly, in the shape the services write.
    """
    db = Database(store.url)
    actor = Actor("bench", "loader")
    loaded: list[tuple[str, str]] = []
    started = time.perf_counter()
    try:
        for chunk in range(0, count, 5_000):
            with UnitOfWork(db, actor) as uow:
                for i in range(chunk, min(chunk + 5_000, count)):
                    user = _stored_user(store_id, i)
                    repository.insert_user(uow.conn, user)
                    loaded.append((user.user_id, user.user_name))
        if store.kind == "postgresql":
            # A store grown to this size over time has statistics (autovacuum analyses
            # it); a bulk load has none until autovacuum comes by, mid-measurement.
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
    finally:
        db.dispose()
    return loaded, time.perf_counter() - started


def wait_for_delivery(store: Store, time_limit: float) -> float:
    """Wait until every event subscriber has caught up with the outbox; the seconds waited.

    After the provisioning phase, the in-process provisioning worker (SQLite) still has
    its events to work through; measuring lookups meanwhile would measure both. A store
    with no subscriber yet (PostgreSQL, whose worker this benchmark does not start) has
    nothing to wait for.
    """
    db = Database(store.url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < time_limit:
            with db.read() as conn:
                newest = conn.execute(select(func.max(events_table.c.position))).scalar() or 0
                behind = conn.execute(
                    select(func.count()).where(event_cursors_table.c.position < newest)
                ).scalar_one()
            if not behind:
                break
            time.sleep(0.5)
    finally:
        db.dispose()
    return time.perf_counter() - started


def _stored_user(store_id: str, i: int) -> User:
    now = datetime.now(UTC)
    user_name = f"stored.user{i:06d}@example.com"
    return User(
        user_name=user_name,
        display_name=f"Stored User {i}",
        name=Name(given_name="Stored", family_name=f"User {i}"),
        locale="en-US",
        emails=(Email(value=user_name, type="work", primary=True),),
        external_ids=(ExternalId(SCIM_ISSUER, f"00u-stored-{i:06d}"),),
        user_id=new_store_scoped_id(store_id),
        identity_store_id=store_id,
        created_at=now,
        updated_at=now,
        version=1,
    )


# -- request bodies and jobs -------------------------------------------------------------


def _user_body(i: int) -> dict[str, Any]:
    """The body Okta sends for a new user (without the password it may also send)."""
    user_name = f"okta.user{i:06d}@example.com"
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "externalId": f"00u-okta-{i:06d}",
        "name": {"givenName": "Okta", "familyName": f"User {i}"},
        "displayName": f"Okta User {i}",
        "locale": "en-US",
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "active": True,
    }


def _is_empty_list(response: Reply) -> bool:
    return bool(response.json().get("totalResults") == 0)


def _is_one_user(response: Reply) -> bool:
    return bool(response.json().get("totalResults") == 1)


def _lookup_params(user_name: str) -> dict[str, str]:
    return {"filter": f'userName eq "{user_name}"'}


def lookup_jobs(count: int, prefix: str) -> JobSource:
    """Lookups of user names nobody has: an IdP's check before it creates a user."""
    return partial(_lookup_jobs, count, prefix)


def _lookup_jobs(count: int, prefix: str, index: int, processes: int) -> Iterator[Job]:
    for n in range(index, count, processes):

        async def job(client: Client, n: int = n) -> None:
            await client.request(
                "lookup",
                "GET",
                "/Users",
                params=_lookup_params(f"{prefix}.absent{n:07d}@example.com"),
                expect=200,
                check=_is_empty_list,
            )

        yield job


def group_jobs(count: int, group_ids: list[str | None]) -> Iterator[Job]:
    """``POST /Groups`` for each group; ids land in ``group_ids`` by position."""
    for g in range(count):

        async def job(client: Client, g: int = g) -> None:
            body = {"schemas": [GROUP_SCHEMA], "displayName": f"Okta Group {g:04d}"}
            created = await client.request("create_group", "POST", "/Groups", json=body, expect=201)
            if created is not None and created.status_code == 201:
                group_ids[g] = created.json()["id"]

        yield job


def provision_jobs(
    config: Config, group_ids: list[str], users: list[tuple[str, str] | None]
) -> Iterator[Job]:
    """Okta's sequence for one user per job: lookup, create, add to groups."""
    step = max(1, config.groups // config.groups_per_user)
    for i in range(config.users):

        async def job(client: Client, i: int = i) -> None:
            body = _user_body(i)
            found = await client.request(
                "lookup",
                "GET",
                "/Users",
                params=_lookup_params(body["userName"]),
                expect=200,
                check=_is_empty_list,
            )
            if found is None or found.status_code != 200:
                return
            created = await client.request("create_user", "POST", "/Users", json=body, expect=201)
            if created is None or created.status_code != 201:
                return
            user_id = created.json()["id"]
            users[i] = (user_id, body["userName"])
            member = {"op": "add", "path": "members", "value": [{"value": user_id}]}
            for j in range(config.groups_per_user):
                group_id = group_ids[(i + j * step) % len(group_ids)]
                await client.request(
                    "add_member",
                    "PATCH",
                    f"/Groups/{group_id}",
                    json={"schemas": [PATCH_SCHEMA], "Operations": [member]},
                    expect=204,
                )

        yield job


def single_user_jobs(users: list[tuple[str, str]], count: int, seed: int) -> JobSource:
    """Interleaved reads by id, lookups that find one, and one-attribute PATCHes."""
    return in_one_process(_single_user_jobs(users, count, seed))


def _single_user_jobs(users: list[tuple[str, str]], count: int, seed: int) -> Iterator[Job]:
    rng = random.Random(seed)  # noqa: S311 -- a reproducible choice of users, not a secret
    for n in range(count):
        user_id, user_name = rng.choice(users)

        async def job(
            client: Client, n: int = n, uid: str = user_id, name: str = user_name
        ) -> None:
            if n % 3 == 0:
                await client.request("get_user", "GET", f"/Users/{uid}", expect=200)
            elif n % 3 == 1:
                await client.request(
                    "filter_user",
                    "GET",
                    "/Users",
                    params=_lookup_params(name),
                    expect=200,
                    check=_is_one_user,
                )
            else:
                operation = {"op": "replace", "path": "displayName", "value": f"Renamed {n}"}
                body = {"schemas": [PATCH_SCHEMA], "Operations": [operation]}
                await client.request("patch_user", "PATCH", f"/Users/{uid}", json=body, expect=204)

        yield job


# -- the run -----------------------------------------------------------------------------


def run(
    config: Config, store_kind: str, postgres_url: str = DEFAULT_POSTGRES_URL
) -> dict[str, Any]:
    """Run every phase on a fresh store; the results as a JSON-ready document."""
    started_at = datetime.now(UTC)
    with (
        tempfile.TemporaryDirectory(prefix="sightgate-bench-") as tmp,
        fresh_store(store_kind, Path(tmp), postgres_url) as store,
        stand_in_autovacuum(store, config.analyze_interval) as analyzing,
    ):
        result = _run(config, store, Path(tmp))
        result["setup"]["postgresql_autovacuum"] = store.autovacuum()
        result["setup"]["stand_in_analyze_every_s"] = config.analyze_interval if analyzing else None
    result["started_at"] = started_at.isoformat(timespec="seconds")
    result["duration_s"] = round((datetime.now(UTC) - started_at).total_seconds(), 1)
    return result


def _run(config: Config, store: Store, workdir: Path) -> dict[str, Any]:
    phases: list[dict[str, Any]] = []
    setup: dict[str, Any] = {"load_average_at_start": [round(v, 2) for v in os.getloadavg()]}

    def phase(name: str, load: Load, jobs: JobSource, processes: int = 1) -> dict[str, Any]:
        _log(f"phase {name} (concurrency {load.concurrency}, {load.client}) ...")
        result = run_phase(name, load, jobs, processes=processes)
        _log(
            f"  {result['requests']:,} requests in {result['elapsed_s']} s: "
            f"{result['requests_per_s']:,} req/s, {result['errors']} errors, "
            f"other CPU {result['other_cpu_s']} s"
        )
        for sample in result["error_samples"]:
            _log(f"  error: {sample}")
        phases.append(result)
        return result

    def single_users(
        name: str, load: Load, users: list[tuple[str, str]], seed: int
    ) -> dict[str, dict[str, Any]]:
        """The same single-user requests driven by httpx and by the lean client: on a
        machine the load generator shares, httpx's CPU per request (more than the
        server's) lengthens every queue, so only the lean phase shows the server's own
        latency under ``concurrency`` clients."""
        count = config.single_requests
        return {
            "httpx": phase(f"{name}/httpx", load, single_user_jobs(users, count, seed)),
            "lean": phase(
                f"{name}/lean", replace(load, client="lean"), single_user_jobs(users, count, seed)
            ),
        }

    def lookups(name: str, load: Load, prefix: str) -> dict[str, dict[str, Any]]:
        """The same lookups driven by httpx (as IdPs do) and by the lean client."""
        jobs = lookup_jobs(config.lookups, prefix)
        return {
            "httpx": phase(f"{name}/httpx", load, jobs, config.lookup_processes),
            "lean": phase(f"{name}/lean", replace(load, client="lean"), jobs),
        }

    store_id, port, issued = _prepare(store)
    headers = {"Authorization": f"Bearer {issued['token']}", "Accept": "application/scim+json"}
    bare_port = free_port()
    bare_argv = [sys.executable, "-m", "bench.bare_app", "--port", str(bare_port)]
    bare = ServerProcess(
        "bare FastAPI endpoint",
        [*bare_argv, "--workers", str(config.server_processes)],
        port=bare_port,
        health_path=bare_app.PATH,
        log_path=workdir / "bare.log",
    )
    server = ServerProcess(
        "sightgate serve",
        sightgate_argv("serve", "--port", str(port), "--no-migrate", *config.serve_args),
        port=port,
        health_path="/readyz",
        log_path=workdir / "server.log",
        env=store.env,
    )
    # Both servers run all along; an idle one costs nothing, and it lets the baseline and
    # our lookups alternate, so a burst of other work on the machine hits both alike.
    with bare, server:
        setup["server_banner"] = server.banner()
        bare_load = Load(
            f"{bare.base_url}/scim/v2", headers, config.concurrency, config.phase_time_limit, bare
        )
        load = Load(
            issued["url"],
            headers,
            config.concurrency,
            config.phase_time_limit,
            server,
            database_pids=store.backend_pids if store.admin is not None else None,
        )
        one_client = replace(load, concurrency=1)
        run_phase("warmup", bare_load, lookup_jobs(config.warmup, "warmup"))
        run_phase("warmup", load, lookup_jobs(config.warmup, "warmup"))

        maybe_groups: list[str | None] = [None] * config.groups
        phase("create_groups", load, in_one_process(group_jobs(config.groups, maybe_groups)))
        group_ids = [g for g in maybe_groups if g is not None]
        if not group_ids:
            raise RuntimeError(f"no group was created:\n{server.log_tail()}")

        maybe_users: list[tuple[str, str] | None] = [None] * config.users
        provision = phase(
            "provision", load, in_one_process(provision_jobs(config, group_ids, maybe_users))
        )
        provisioned = [u for u in maybe_users if u is not None]
        provision["users_per_s"] = round(len(provisioned) / provision["elapsed_s"], 1)
        if not provisioned:
            raise RuntimeError(f"no user was created:\n{server.log_tail()}")

        _log("waiting for the event subscribers to catch up ...")
        setup["delivery_wait_s"] = round(wait_for_delivery(store, config.phase_time_limit), 1)
        _log(f"  caught up after {setup['delivery_wait_s']} s")
        stored = len(provisioned)
        rounds: list[tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]] = []
        for n in range(1, config.rounds + 1):
            rounds.append(
                (
                    lookups(f"baseline_lookup #{n}", bare_load, f"baseline{n}"),
                    lookups(f"lookup@{stored} #{n}", load, f"lookup{n}"),
                )
            )
        baseline_memory = bare.memory()
        bare.stop()

        count = config.single_requests
        phase(f"single_user@{stored} c=1", one_client, single_user_jobs(provisioned, count, 1))
        single_users(f"single_user@{stored}", load, provisioned, 2)

        extra = max(0, config.stored_users - stored)
        _log(f"bulk-loading {extra:,} users directly into the store ...")
        loaded, seconds = bulk_load(store, store_id, extra)
        setup["bulk_load"] = {"users": extra, "seconds": round(seconds, 1)}
        _log(f"  {extra:,} users in {seconds:.1f} s")
        everyone = provisioned + loaded
        stored = len(everyone)
        lookups(f"lookup@{stored}", load, "lookup-large")
        unloaded = phase(
            f"single_user@{stored} c=1", one_client, single_user_jobs(everyone, count, 3)
        )
        under_load = single_users(f"single_user@{stored}", load, everyone, 4)
        server_memory = server.memory()

    setup["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    comparison = {client: _compare(rounds, client) for client in ("httpx", "lean")}
    peak = server_memory["peak_rss_mb"] or 0.0
    # Of several processes (--workers) each is judged: the target is a process's size.
    largest = server_memory["largest_process_peak_rss_mb"] or 0.0
    p99 = {client: _max_p99(under_load[client]) for client in under_load}
    p99_unloaded = _max_p99(unloaded)
    ratio = {client: comparison[client]["ratio_median"] for client in comparison}
    return {
        "benchmark": NAME,
        "store": store.kind,
        "machine": machine(),
        "code": code_version(),
        "config": asdict(config),
        "setup": setup,
        "phases": phases,
        "baseline": {
            "what": "bare FastAPI endpoint on uvicorn returning an empty ListResponse",
            "processes": config.server_processes,
            "server_memory": baseline_memory,
        },
        "lookup_vs_baseline": comparison,
        "ratios": {
            "lookup_throughput_vs_baseline_httpx": ratio["httpx"],
            "lookup_throughput_vs_baseline_lean": ratio["lean"],
            "server_cpu_per_lookup_vs_baseline": comparison["lean"]["cpu_ratio_median"],
            "peak_memory_vs_baseline": _ratio(peak, baseline_memory["peak_rss_mb"]),
        },
        "server_memory": server_memory,
        "targets": [
            _target(
                "lookup throughput vs bare endpoint, httpx clients (client-bound baseline)",
                f">= {LOOKUP_RATIO_TARGET:.0%}",
                f"{ratio['httpx']:.1%}",
                ratio["httpx"] >= LOOKUP_RATIO_TARGET,
            ),
            _target(
                "lookup throughput vs bare endpoint, lean clients (server-bound)",
                f">= {LOOKUP_RATIO_TARGET:.0%}",
                f"{ratio['lean']:.1%}",
                ratio["lean"] >= LOOKUP_RATIO_TARGET,
            ),
            _target(
                f"single-user p99, {stored:,} users stored, {config.concurrency} httpx clients "
                "(client-bound: the load generator shares the cores)",
                f"< {SINGLE_USER_P99_TARGET_MS:.0f} ms",
                f"{p99['httpx']:.1f} ms",
                p99["httpx"] < SINGLE_USER_P99_TARGET_MS,
            ),
            _target(
                f"single-user p99, {stored:,} users stored, {config.concurrency} lean clients "
                "(server-bound)",
                f"< {SINGLE_USER_P99_TARGET_MS:.0f} ms",
                f"{p99['lean']:.1f} ms",
                p99["lean"] < SINGLE_USER_P99_TARGET_MS,
            ),
            _target(
                f"single-user p99, {stored:,} users stored, one client",
                f"< {SINGLE_USER_P99_TARGET_MS:.0f} ms",
                f"{p99_unloaded:.1f} ms",
                p99_unloaded < SINGLE_USER_P99_TARGET_MS,
            ),
            _target(
                "server peak memory (VmHWM), largest process",
                f"< {MEMORY_TARGET_MB:.0f} MB",
                f"{largest:.0f} MB ({peak:.0f} MB over {server_memory['processes']} processes)",
                largest < MEMORY_TARGET_MB,
            ),
        ],
    }


def _compare(
    rounds: list[tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]], client: str
) -> dict[str, Any]:
    """Baseline and our lookups per round, and the median of the per-round ratios."""
    pairs = [(base[client], ours[client]) for base, ours in rounds]
    ratios = [o["requests_per_s"] / b["requests_per_s"] for b, o in pairs]
    cpu = [
        o["server_cpu_ms_per_request"] / b["server_cpu_ms_per_request"]
        for b, o in pairs
        if o["server_cpu_ms_per_request"] and b["server_cpu_ms_per_request"]
    ]
    return {
        "baseline_requests_per_s": [b["requests_per_s"] for b, _ in pairs],
        "lookup_requests_per_s": [o["requests_per_s"] for _, o in pairs],
        "baseline_p50_ms": [b["kinds"]["lookup"]["p50_ms"] for b, _ in pairs],
        "baseline_p99_ms": [b["kinds"]["lookup"]["p99_ms"] for b, _ in pairs],
        "lookup_p50_ms": [o["kinds"]["lookup"]["p50_ms"] for _, o in pairs],
        "lookup_p99_ms": [o["kinds"]["lookup"]["p99_ms"] for _, o in pairs],
        "baseline_server_cpu_ms_per_request": [b["server_cpu_ms_per_request"] for b, _ in pairs],
        "lookup_server_cpu_ms_per_request": [o["server_cpu_ms_per_request"] for _, o in pairs],
        "ratios": [round(r, 3) for r in ratios],
        "ratio_median": round(statistics.median(ratios), 3),
        "cpu_ratio_median": round(statistics.median(cpu), 2) if cpu else None,
    }


def _prepare(store: Store) -> tuple[str, int, dict[str, Any]]:
    """Migrate, create an instance and a SCIM token with the CLI: (store id, port, token)."""
    run_command(sightgate_argv("db", "upgrade"), store.env)
    instance = json.loads(
        run_command(
            sightgate_argv(
                "instances", "create", "--type", "ACCOUNT", "--account-id", ACCOUNT_ID, "--json"
            ),
            store.env,
        )
    )
    store_id = str(instance["IdentityStoreId"])
    port = free_port()
    issued = json.loads(
        run_command(
            sightgate_argv(
                "scim", "token", "create", "--identity-store-id", store_id,
                "--description", "benchmark", "--base-url", f"http://127.0.0.1:{port}", "--json",
            ),
            store.env,
        )
    )  # fmt: skip
    return store_id, port, issued


def _log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def _max_p99(phase: dict[str, Any]) -> float:
    return max(float(kind["p99_ms"]) for kind in phase["kinds"].values())


def _ratio(ours: float | None, baseline: float | None) -> float | None:
    return round(ours / baseline, 2) if ours and baseline else None


def _target(name: str, target: str, measured: str, passed: bool) -> dict[str, Any]:
    return {"name": name, "target": target, "measured": measured, "passed": passed}


# -- the report --------------------------------------------------------------------------


def report(result: dict[str, Any]) -> str:
    """The result as readable tables."""
    m, setup, code = result["machine"], result["setup"], result.get("code", {})
    lines = [
        f"SCIM provisioning benchmark: store {result['store']}, {result['started_at']}, "
        f"{result['duration_s']} s",
        f"machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gib']} GiB, "
        f"Python {m['python']}; load average at start {setup['load_average_at_start']}",
        f"code: {(code.get('commit') or '?')[:12]}"
        f"{' with uncommitted changes in src' if code.get('src_modified') else ''}; "
        f"server: {setup.get('server_banner')}",
        "",
        table(
            [
                "phase",
                "client",
                "conc",
                "requests",
                "errors",
                "seconds",
                "req/s",
                "srv CPU ms/req",
                "client CPU s",
                "db CPU s",
                "other CPU s",
                "srv RSS MB",
            ],
            [
                [
                    p["name"],
                    f"{p['client']} x{p['client_processes']}",
                    p["concurrency"],
                    p["requests"],
                    p["errors"],
                    p["elapsed_s"],
                    p["requests_per_s"],
                    p["server_cpu_ms_per_request"],
                    p["client_cpu_s"],
                    p["database_cpu_s"],
                    p["other_cpu_s"],
                    p["server_memory"]["rss_mb"],
                ]
                for p in result["phases"]
            ],
        ),
        "",
        table(
            ["phase", "request", "count", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"],
            [
                [
                    p["name"],
                    kind,
                    *(k[f] for f in ("count", "errors", "p50_ms", "p90_ms", "p99_ms", "max_ms")),
                ]
                for p in result["phases"]
                for kind, k in p["kinds"].items()
            ],
        ),
        "",
    ]
    base, ratios = result["baseline"], result["ratios"]
    for client, c in result["lookup_vs_baseline"].items():
        lines.append(
            f"{client} clients, per round: baseline {c['baseline_requests_per_s']} req/s, "
            f"lookup {c['lookup_requests_per_s']} req/s, ratio {c['ratios']}"
        )
    bulk = setup.get("bulk_load", {})
    provision = next(p for p in result["phases"] if p["name"] == "provision")
    lines += [
        f"provisioning: {result['config']['users']:,} users in {provision['elapsed_s']} s: "
        f"{provision['users_per_s']} users/s, {provision['requests_per_s']} req/s",
        f"baseline server ({base.get('processes', 1)} worker process(es)) peak RSS: "
        f"{base['server_memory']['peak_rss_mb']} MB; sightgate server peak RSS (VmHWM, "
        f"summed over its {result['server_memory'].get('processes', 1)} processes): "
        f"{result['server_memory']['peak_rss_mb']} MB",
        f"lookup throughput vs baseline: {ratios['lookup_throughput_vs_baseline_httpx']:.1%} "
        f"(httpx), {ratios['lookup_throughput_vs_baseline_lean']:.1%} (lean); "
        f"server CPU per lookup {ratios['server_cpu_per_lookup_vs_baseline']}x the baseline's",
        f"setup: bulk load of {bulk.get('users', 0):,} users took {bulk.get('seconds', 0)} s",
        "",
        table(
            ["target", "wanted", "measured", "verdict"],
            [
                [t["name"], t["target"], t["measured"], "PASS" if t["passed"] else "FAIL"]
                for t in result["targets"]
            ],
        ),
    ]
    return "\n".join(lines)
