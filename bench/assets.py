"""Assets at scale: "which dashboards may this user see" through folders, one permission
decision, and the seed's common dashboard rendered against its queries run directly.

A fresh, migrated store gets one account with 5,000 API users, 1,000 groups, 5,000
folders four levels deep (125 roots, three children each), 50,000 dashboards (each in a
leaf folder, one in ten also in a second folder anywhere) and 200,000 grants: a group
and a user on every folder (10,000; the group's role viewer, contributor or owner),
three groups on every dashboard (150,000) and users for the rest (owners). Everything is
bulk-inserted with SQLAlchemy Core into the real tables (``analytics_folders``, the
closure table ``analytics_folder_paths``, ``analytics_folder_members``,
``analytics_dashboards``, ``analytics_resource_permissions``); the services are the real
ones, called in this process (no HTTP).

- **visible**: ``Authorizer.visible(principal, DASHBOARD, DescribeDashboard)`` for users
  in 20 groups (what ``SearchDashboards``' ``QUICKSIGHT_VIEWER_OR_OWNER`` asks), checked
  against the loader's own bookkeeping; and ``DashboardService.search`` with that filter
  (its first page of 100, as the API answers);
- **decision**: ``Authorizer.authorize_user`` with DescribeDashboard, warm (the pair
  decided before: one epoch read) and cold (a fresh authorizer: the principal and the
  grants through folders);
- **render**: a second store with the demo loaded (``sightgate demo load``: the seed's
  users through the identity store, ``common-sales`` as a SPICE upload with its row
  rules, the folders and dashboards), ``DashboardRenderer.render`` of
  ``common-dashboard`` as ``red-customer-reader-1`` against the sheet's four visual
  queries written by hand (with the reader's row filter) on a raw DuckDB connection to
  the same SPICE file, interleaved, answers compared. Twice: as a viewer gets it again
  (the engine keeps a SPICE statement's answer for the version, so only the reads, the
  decision and the sheet's bookkeeping remain), and with the kept answers forgotten
  before each render (the first view after an ingestion: every query runs).

Targets (issue 12): visible < 50 ms for a user in 20 groups (judged by the search's p99),
decision p99 <= 1 ms warm, render <= 1.2x the direct queries (p50; the uncached render's
ratio is reported beside it).
"""

from __future__ import annotations

import gc
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from sqlalchemy import Table, insert, text

from bench.authorization import DirectoryRows, figures
from bench.data import _READER_CONFIG as READER_CONFIG
from bench.harness import busy_cpu_seconds, code_version, machine, table
from bench.scim_provisioning import DEFAULT_POSTGRES_URL, fresh_store
from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.access.authorizer import Authorizer
from sightgate.analytics.access.epoch import epochs_statement
from sightgate.analytics.access.permissions import Resource
from sightgate.analytics.access.tables import resource_permissions
from sightgate.analytics.assets import tables as folder_tables
from sightgate.analytics.assets.dashboard_tables import dashboards
from sightgate.analytics.assets.visuals.render import DashboardRenderer
from sightgate.analytics.directory import arns, repository
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.model import SubscriptionRequest
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.demo.loader import load_demo
from sightgate.platform.events import Actor
from sightgate.store.migrate import upgrade

NAME = "assets"
ACCOUNT = "111122223333"
REGION = "us-east-1"
NAMESPACE = "default"
VIEW = "quicksight:DescribeDashboard"
ACTOR = Actor("bench", "loader")
CHUNK = 10_000
SEARCH_TARGET_MS = 50.0
WARM_P99_TARGET_MS = 1.0
RENDER_RATIO_TARGET = 1.2
FOLDER_ROLES = ("viewer", "viewer", "contributor", "owner")
"""The roles of the group grant on each folder, drawn in these proportions."""


@dataclass(frozen=True)
class Config:
    """Sizes of one run; ``quick()`` is the smoke-test size."""

    users: int = 5_000
    groups: int = 1_000
    roots: int = 125
    children: int = 3
    levels: int = 4
    dashboards: int = 50_000
    grants: int = 200_000
    measured_users: int = 20
    measured_groups: int = 20
    visible_rounds: int = 5
    decision_pairs: int = 1_000
    warm_rounds: int = 5
    render_rounds: int = 30
    seed: int = 12

    @classmethod
    def quick(cls) -> Config:
        """A tenth of the assets, fewer samples."""
        return cls(
            users=1_000,
            groups=100,
            roots=13,
            dashboards=5_000,
            grants=20_000,
            measured_users=10,
            visible_rounds=3,
            decision_pairs=300,
            warm_rounds=3,
            render_rounds=10,
        )

    @property
    def folders(self) -> int:
        return sum(self.roots * self.children**level for level in range(self.levels))


# -- the data ----------------------------------------------------------------------------


@dataclass
class Loaded:
    """What the loader wrote, as far as the measurements need it."""

    user_names: list[str]
    measured: list[int]
    dashboard_arns: list[str]
    visible: dict[int, set[int]]
    """Dashboard indexes each measured user may describe, by the loader's bookkeeping."""
    rows: dict[str, int]
    seconds: dict[str, float]


def _ids(rng: random.Random, count: int) -> list[str]:
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def _insert(services: Services, target: Table, rows: Iterator[dict[str, Any]]) -> int:
    """Core ``executemany`` in chunks of ``CHUNK``, one transaction each; rows written."""
    written, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            with services.db.write() as conn:
                conn.execute(insert(target), chunk)
            written, chunk = written + len(chunk), []
    if chunk:
        with services.db.write() as conn:
            conn.execute(insert(target), chunk)
        written += len(chunk)
    return written


def load(services: Services, config: Config, postgresql: bool) -> Loaded:
    """Subscribe the account through the service, then bulk-insert everything else."""
    rng = random.Random(config.seed)  # noqa: S311 -- reproducible data, not a secret
    request = SubscriptionRequest("bench-assets", "ops@example.com", "IAM_AND_QUICKSIGHT")
    account = services.directory.accounts.create_subscription(
        ACCOUNT, request, region=REGION, actor=ACTOR
    )
    with services.db.read() as conn:
        ns = repository.require_namespace(conn, ACCOUNT, NAMESPACE)
    now = datetime.now(UTC)
    rows: dict[str, int] = {}
    seconds: dict[str, float] = {}

    def timed(name: str, target: Table, produce: Callable[[], Iterator[dict[str, Any]]]) -> None:
        started = time.perf_counter()
        rows[name] = _insert(services, target, produce())
        seconds[name] = round(time.perf_counter() - started, 1)

    user_ids, group_ids = _ids(rng, config.users), _ids(rng, config.groups)
    user_names = [f"user{i:05d}" for i in range(config.users)]
    group_names = [f"group{i:04d}" for i in range(config.groups)]
    measured = list(range(0, config.users, config.users // config.measured_users))
    measured = measured[: config.measured_users]
    groups_of = [
        rng.sample(range(config.groups), config.measured_groups if i in measured else 2)
        for i in range(config.users)
    ]

    directory = DirectoryRows(
        ns.namespace_id,
        account.directory_id,
        now,
        user_ids,
        group_ids,
        user_names,
        group_names,
        groups_of,
    )

    timed("users", t.users, directory.users)
    timed("groups", t.groups, directory.groups)
    timed("memberships", t.group_memberships, directory.memberships)

    tree = _Tree.grow(config, rng)
    folder_arns = [f"arn:aws:quicksight:{REGION}:{ACCOUNT}:folder/f-{n:05d}" for n in tree.ids]
    folder_rows = _ids(rng, len(tree.ids))

    def folders() -> Iterator[dict[str, Any]]:
        for n, parent in enumerate(tree.parents):
            yield {
                "id": folder_rows[n],
                "account_id": ACCOUNT,
                "folder_id": f"f-{n:05d}",
                "arn": folder_arns[n],
                "name": f"folder {n}",
                "folder_type": "SHARED",
                "sharing_model": "ACCOUNT",
                "parent_id": folder_rows[parent] if parent is not None else None,
                "parent_key": folder_rows[parent] if parent is not None else "",
                "created": now,
                "updated": now,
            }

    def paths() -> Iterator[dict[str, Any]]:
        for n in tree.ids:
            for distance, above in enumerate(tree.chain(n)):
                yield {
                    "folder_id": folder_rows[n],
                    "ancestor_id": folder_rows[above],
                    "ancestor_arn": folder_arns[above],
                    "distance": distance,
                }

    timed("folders", folder_tables.folders, folders)
    timed("folder_paths", folder_tables.folder_paths, paths)

    dashboard_arns = [
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dashboard/d-{n:06d}"
        for n in range(config.dashboards)
    ]
    leaves = tree.leaves
    holders = [
        sorted({leaves[n % len(leaves)], *([rng.choice(tree.ids)] if n % 10 == 0 else [])})
        for n in range(config.dashboards)
    ]

    def dashboard_rows() -> Iterator[dict[str, Any]]:
        for n, dashboard_arn in enumerate(dashboard_arns):
            yield {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "account_id": ACCOUNT,
                "dashboard_id": f"d-{n:06d}",
                "arn": dashboard_arn,
                "name": f"Dashboard {n}",
                "latest_version": 1,
                "published_version": 1,
                "link_permissions": None,
                "created": now,
                "updated": now,
                "published": now,
            }

    def member_rows() -> Iterator[dict[str, Any]]:
        for n, held_by in enumerate(holders):
            for folder in held_by:
                yield {
                    "folder_id": folder_rows[folder],
                    "member_type": "DASHBOARD",
                    "member_id": f"d-{n:06d}",
                    "member_arn": dashboard_arns[n],
                    "created": now,
                }

    timed("dashboards", dashboards, dashboard_rows)
    timed("folder_members", folder_tables.folder_members, member_rows)

    grants = _Grants.draw(config, tree, rng)

    def grant_rows() -> Iterator[dict[str, Any]]:
        for kind, principal, resource, actions in grants.rows:
            is_folder = kind.startswith("folder")
            to_group = kind.endswith("group")
            yield {
                "resource_arn": (folder_arns if is_folder else dashboard_arns)[resource],
                "principal_arn": (
                    arns.group_arn(REGION, ACCOUNT, NAMESPACE, group_names[principal])
                    if to_group
                    else arns.user_arn(REGION, ACCOUNT, NAMESPACE, user_names[principal])
                ),
                "account_id": ACCOUNT,
                "resource_type": "folder" if is_folder else "dashboard",
                "actions": actions,
                "updated_at": now,
                "user_id": None if to_group else user_ids[principal],
                "group_id": group_ids[principal] if to_group else None,
                "namespace_id": None,
            }

    timed("grants", resource_permissions, grant_rows)
    if postgresql:
        # What autovacuum does after a bulk insert (since PostgreSQL 13 inserts trigger it
        # too), which this machine's server has off: statistics for the planner, and the
        # visibility map without which an index-only scan still reads every table row.
        started = time.perf_counter()
        autocommit = services.db.maintenance_engine.execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
            # and the load's dirty pages written now, not by a checkpoint mid-measurement
            conn.execute(text("CHECKPOINT"))
        seconds["vacuum_analyze"] = round(time.perf_counter() - started, 1)
    visible = {user: grants.visible_to(user, groups_of[user], tree, holders) for user in measured}
    return Loaded(user_names, measured, dashboard_arns, visible, rows, seconds)


@dataclass(frozen=True)
class _Tree:
    """Folders by index: roots first, then each level's children in order."""

    parents: list[int | None]

    @classmethod
    def grow(cls, config: Config, rng: random.Random) -> _Tree:
        parents: list[int | None] = [None] * config.roots
        level = list(range(config.roots))
        for _ in range(config.levels - 1):
            below = []
            for parent in level:
                for _ in range(config.children):
                    below.append(len(parents))
                    parents.append(parent)
            level = below
        return cls(parents)

    @property
    def ids(self) -> list[int]:
        return list(range(len(self.parents)))

    @property
    def leaves(self) -> list[int]:
        inner = {p for p in self.parents if p is not None}
        return [n for n in self.ids if n not in inner]

    def chain(self, folder: int) -> list[int]:
        """The folder and its ancestors, nearest first."""
        found: list[int] = []
        current: int | None = folder
        while current is not None:
            found.append(current)
            current = self.parents[current]
        return found


GrantRow = tuple[str, int, int, list[str]]
"""(``folder-group`` | ``folder-user`` | ``dashboard-group`` | ``dashboard-user``,
principal index, resource index, sorted actions)."""


@dataclass(frozen=True)
class _Grants:
    rows: list[GrantRow]

    @classmethod
    def draw(cls, config: Config, tree: _Tree, rng: random.Random) -> _Grants:
        folder_sets = STANDARD[ResourceType.FOLDER]
        dashboard_sets = STANDARD[ResourceType.DASHBOARD]
        roles = {
            "viewer": sorted(folder_sets.viewer),
            "contributor": sorted(folder_sets.contributor or ()),
            "owner": sorted(folder_sets.owner),
        }
        rows: list[GrantRow] = []
        for folder in tree.ids:
            role = rng.choice(FOLDER_ROLES)
            rows.append(("folder-group", rng.randrange(config.groups), folder, roles[role]))
            rows.append(("folder-user", rng.randrange(config.users), folder, roles["owner"]))
        viewer, owner = sorted(dashboard_sets.viewer), sorted(dashboard_sets.owner)
        for n in range(config.dashboards):
            for group in rng.sample(range(config.groups), 3):
                rows.append(("dashboard-group", group, n, viewer))
        taken: set[tuple[int, int]] = set()
        n = 0
        while len(rows) < config.grants:
            user = rng.randrange(config.users)
            if (user, n) not in taken:
                taken.add((user, n))
                rows.append(("dashboard-user", user, n, owner))
                n = (n + 1) % config.dashboards
        return cls(rows)

    def visible_to(
        self, user: int, groups: list[int], tree: _Tree, holders: list[list[int]]
    ) -> set[int]:
        """What the loader granted the user, worked out without SQL."""
        mine = set(groups)
        seeing: set[int] = set()  # folders whose grants reach the user with DescribeFolder
        found: set[int] = set()
        for kind, principal, resource, actions in self.rows:
            reaches = principal in mine if kind.endswith("group") else principal == user
            if not reaches or "quicksight:Describe" + kind.split("-")[0].title() not in actions:
                continue
            (seeing if kind.startswith("folder") else found).add(resource)
        for n, held_by in enumerate(holders):
            if any(seeing.intersection(tree.chain(folder)) for folder in held_by):
                found.add(n)
        return found


# -- measuring ---------------------------------------------------------------------------


def measure(services: Services, data: Loaded, config: Config) -> dict[str, Any]:
    """The visible and search timings, then the decisions, warm and cold."""
    authorizer = services.access.authorizer
    search, visible = [], []
    visible_counts = []
    for _ in range(config.visible_rounds):
        for user in data.measured:
            name = data.user_names[user]
            started = time.perf_counter()
            principal = authorizer.user(ACCOUNT, NAMESPACE, name)
            found = authorizer.visible(principal, ResourceType.DASHBOARD, VIEW)
            visible.append(time.perf_counter() - started)
            wanted = sorted(data.dashboard_arns[n] for n in data.visible[user])
            assert found == wanted, f"visible disagrees with the loader for {name}"
            visible_counts.append(len(found))
            filters = [
                {
                    "Name": "QUICKSIGHT_VIEWER_OR_OWNER",
                    "Operator": "StringEquals",
                    "Value": arns.user_arn(REGION, ACCOUNT, NAMESPACE, name),
                }
            ]
            started = time.perf_counter()
            page = services.dashboards.search(ACCOUNT, filters, limit=100)
            search.append(time.perf_counter() - started)
            assert [d.arn for d in page.items] == wanted[:100], f"search disagrees for {name}"
    rng = random.Random(config.seed + 1)  # noqa: S311
    pairs = []
    for i in range(config.decision_pairs):
        user = data.measured[i % len(data.measured)]
        seen = sorted(data.visible[user])
        index = rng.choice(seen) if i % 2 == 0 and seen else rng.randrange(config.dashboards)
        pairs.append((user, index))
    cold_authorizer = Authorizer(
        services.db, authorizer.principals, authorizer.permissions, authorizer.instances
    )
    cold = _decisions(cold_authorizer, data, pairs)  # every pair for the first time
    warm: list[float] = []
    round_trips: list[float] = []
    with _EpochRoundTrip(services, authorizer, data) as baseline:
        for _ in range(config.warm_rounds):
            warm += _decisions(cold_authorizer, data, pairs)
            round_trips += [baseline.time(user) for user, _ in pairs]
    return {
        "visible": {
            **figures(visible),
            "dashboards_seen": {"min": min(visible_counts), "max": max(visible_counts)},
        },
        "search": figures(search),
        "decision_cold": figures(cold),
        "decision_warm": figures(warm),
        "epoch_round_trip": figures(round_trips),
    }


class _EpochRoundTrip:
    """The baseline of a warm decision: the one statement it runs (the epochs of the
    user's scopes) sent by the bare driver (psycopg or sqlite3) on a connection of its
    own, with none of our code or SQLAlchemy's around it."""

    def __init__(self, services: Services, authorizer: Authorizer, data: Loaded) -> None:
        engine = services.db.engine
        self.scopes = {
            user: authorizer.user(ACCOUNT, NAMESPACE, data.user_names[user]).scopes
            for user in data.measured
        }
        self.statements = {
            count: epochs_statement(count).compile(dialect=engine.dialect)
            for count in {len(scopes) for scopes in self.scopes.values()}
        }
        url = engine.url
        if url.get_backend_name() == "sqlite":
            self.conn: Any = sqlite3.connect(str(url.database), isolation_level=None)
        else:
            plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(plain, autocommit=True)

    def __enter__(self) -> _EpochRoundTrip:
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.close()

    def time(self, user: int) -> float:
        scopes = self.scopes[user]
        compiled = self.statements[len(scopes)]
        params = compiled.construct_params({f"s{i}": scope for i, scope in enumerate(scopes)})
        order = compiled.positiontup  # qmark (SQLite) binds by position
        bound = params if order is None else [params[name] for name in order]
        started = time.perf_counter()
        self.conn.execute(compiled.string, bound).fetchone()
        return time.perf_counter() - started


def _decisions(authorizer: Authorizer, data: Loaded, pairs: list[tuple[int, int]]) -> list[float]:
    samples = []
    for user, index in pairs:
        target = Resource(ACCOUNT, ResourceType.DASHBOARD, data.dashboard_arns[index])
        started = time.perf_counter()
        name = data.user_names[user]
        decision = authorizer.authorize_user(ACCOUNT, NAMESPACE, name, VIEW, target)
        samples.append(time.perf_counter() - started)
        assert decision.allowed == (index in data.visible[user]), (user, index)
    return samples


# -- rendering the seed's common dashboard -------------------------------------------------

READER = "red-customer-reader-1"
READER_CUSTOMER = "red_customer"
"""The reader's row rule in the demo (red-customer-grp -> red_customer), bound as ``?``."""
DIRECT_QUERIES = {
    "total-revenue": "SELECT sum(revenue) FROM data WHERE customer = ?",
    "revenue-by-region": (
        "SELECT region, sum(revenue) FROM data WHERE customer = ? GROUP BY 1 ORDER BY 2 DESC"
    ),
    "revenue-by-month": (
        "SELECT date_trunc('month', order_date), sum(revenue) FROM data "
        "WHERE customer = ? GROUP BY 1 ORDER BY 1"
    ),
    "orders-by-product": (
        "SELECT product, count(product), sum(quantity), sum(revenue) FROM data "
        "WHERE customer = ? GROUP BY 1 ORDER BY 4 DESC"
    ),
}
"""The common dashboard's four visuals (the demo's sales template), written by hand."""


def render(config: Config, workdir: Path) -> dict[str, Any]:
    """The demo on a fresh embedded store; the render and the direct queries alternate."""
    settings = Settings(data_dir=workdir / "demo")
    services = Services.build(settings)
    try:
        upgrade(services.db)
        load_demo(services, settings)
        renderer = services.renderer
        common = services.dashboards.describe(ACCOUNT, "common-dashboard").version
        [declared] = common.content.definition["DataSetIdentifierDeclarations"]
        spice = services.data.datasets.by_arn(ACCOUNT, declared["DataSetArn"]).spice_version
        assert spice is not None
        # Opened as the engine opens it: DuckDB refuses a second connection to a file
        # with other settings (bench/data.py's reader settings).
        direct = duckdb.connect(str(spice.path), read_only=True, config=dict(READER_CONFIG))
        answers_kept = services.data.queries.answers

        def uncached(renderer: DashboardRenderer, direct: duckdb.DuckDBPyConnection) -> Answers:
            answers_kept.clear()
            return _ours(renderer, direct)

        runs: dict[Callable[..., Answers], list[float]] = {_ours: [], uncached: [], _direct: []}
        try:
            for round_number in range(config.render_rounds + 1):  # the first warms up
                order = list(runs)  # in a different order each round, the same every run
                random.Random(round_number).shuffle(order)  # noqa: S311
                answers = {}
                for run_one in order:
                    started = time.perf_counter()
                    answers[run_one] = run_one(renderer, direct)
                    if round_number:
                        runs[run_one].append(time.perf_counter() - started)
                assert _same(answers[_ours], answers[_direct]), "the render disagrees"
                assert _same(answers[uncached], answers[_direct]), "the render disagrees"
        finally:
            direct.close()
    finally:
        services.db.dispose()
    mine, fresh, baseline = (figures(runs[f]) for f in (_ours, uncached, _direct))
    return {
        "user": READER,
        "rows": spice.row_count,
        "ours": mine,
        "ours_uncached": fresh,
        "direct": baseline,
        "ratio_p50": round(mine["p50_ms"] / baseline["p50_ms"], 3),
        "ratio_p50_uncached": round(fresh["p50_ms"] / baseline["p50_ms"], 3),
    }


Answers = dict[str, list[list[Any]]]


def _ours(renderer: DashboardRenderer, _: duckdb.DuckDBPyConnection) -> Answers:
    sheet = renderer.render(ACCOUNT, "common-dashboard", READER)
    return {v.visual_id: [list(row) for row in v.rows] for v in sheet.visuals}


def _direct(_: DashboardRenderer, direct: duckdb.DuckDBPyConnection) -> Answers:
    return {
        visual: [list(row) for row in direct.execute(sql, [READER_CUSTOMER]).fetchall()]
        for visual, sql in DIRECT_QUERIES.items()
    }


def _same(ours: Answers, direct: Answers) -> bool:
    """Equal visual by visual, numbers to the cent, dates as dates."""

    def normal(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, int | float) or type(value).__name__ == "Decimal":
            return round(float(value), 2)
        return value

    return all(
        [[normal(v) for v in row] for row in ours[visual]]
        == [[normal(v) for v in row] for row in rows]
        for visual, rows in direct.items()
    )


# -- the run -----------------------------------------------------------------------------


def run(
    config: Config, store_kind: str = "sqlite", postgres_url: str = DEFAULT_POSTGRES_URL
) -> dict[str, Any]:
    """Load a fresh store, measure, render, and return every figure."""
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="sightgate-bench-assets-") as temporary,
        fresh_store(store_kind, Path(temporary), postgres_url) as store,
    ):
        workdir = Path(temporary)
        (workdir / "data").mkdir()
        services = Services.build(Settings(data_dir=workdir / "data", database_url=store.url))
        try:
            upgrade(services.db)
            print(f"assets: loading {store_kind} store ...", flush=True)
            data = load(services, config, store_kind == "postgresql")
            print(f"assets: loaded in {sum(data.seconds.values()):.0f} s", flush=True)
            gc.collect()
            gc.freeze()
            busy, own, began = busy_cpu_seconds(), time.process_time(), time.perf_counter()
            measured = measure(services, data, config)
            print("assets: rendering the demo's common dashboard ...", flush=True)
            rendered = render(config, workdir)
            busy, own = busy_cpu_seconds() - busy, time.process_time() - own
            elapsed = time.perf_counter() - began
        finally:
            gc.unfreeze()
            services.db.dispose()
    return {
        "name": NAME,
        "store": store_kind,
        "machine": machine(),
        "code": code_version(),
        "config": {**asdict(config), "folders": config.folders},
        "setup": {"rows": data.rows, "seconds": data.seconds},
        "measuring": {
            "elapsed_s": round(elapsed, 1),
            "own_cpu_s": round(own, 1),
            # Everything else the machine did meanwhile (PostgreSQL's backends included).
            "other_cpu_s": round(max(0.0, busy - own), 1),
        },
        **measured,
        "render": rendered,
        "seconds": round(time.perf_counter() - started, 1),
        "targets": [
            {
                "name": f"search, user in {config.measured_groups} groups, p99 < "
                f"{SEARCH_TARGET_MS:g} ms",
                "passed": measured["search"]["p99_ms"] < SEARCH_TARGET_MS,
            },
            {
                "name": f"decision warm p99 <= {WARM_P99_TARGET_MS:g} ms",
                "passed": measured["decision_warm"]["p99_ms"] <= WARM_P99_TARGET_MS,
            },
            {
                "name": f"render / direct queries p50 <= {RENDER_RATIO_TARGET:g}",
                "passed": rendered["ratio_p50"] <= RENDER_RATIO_TARGET,
            },
        ],
    }


def report(result: dict[str, Any]) -> str:
    """The figures as a table, then the targets."""
    rows = []
    for label, key in (
        ("visible (Authorizer.visible)", "visible"),
        ("SearchDashboards (first page)", "search"),
        ("decision, cold", "decision_cold"),
        ("decision, warm", "decision_warm"),
        ("  its statement, bare driver", "epoch_round_trip"),
    ):
        f = result[key]
        rows.append([label, f["count"], f["p50_ms"], f["p99_ms"], f["max_ms"]])
    rendered = result["render"]
    for label, f in (
        ("render common-dashboard", rendered["ours"]),
        ("render, no answers kept", rendered["ours_uncached"]),
        ("its queries on DuckDB directly", rendered["direct"]),
    ):
        rows.append([label, f["count"], f["p50_ms"], f["p99_ms"], f["max_ms"]])
    seen = result["visible"]["dashboards_seen"]
    lines = [
        f"assets on {result['store']}: {result['config']['dashboards']:,} dashboards in "
        f"{result['config']['folders']:,} folders, {result['setup']['rows']['grants']:,} grants; "
        f"a measured user sees {seen['min']:,}-{seen['max']:,} dashboards",
        table(["measurement", "count", "p50 ms", "p99 ms", "max ms"], rows),
        f"render / direct p50: {rendered['ratio_p50']}x "
        f"(no answers kept: {rendered['ratio_p50_uncached']}x)",
        f"machine: other CPU while measuring {result['measuring']['other_cpu_s']} s "
        f"of {result['measuring']['elapsed_s']} s",
    ]
    lines += [f"  {'PASS' if t['passed'] else 'MISS'} {t['name']}" for t in result["targets"]]
    return "\n".join(lines)
