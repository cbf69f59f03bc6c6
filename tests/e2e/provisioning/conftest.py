"""A whole sightgate deployment for one test, driven the way its users drive it.

- the operator: the real CLI (``instances create``, ``scim token create``, ``keys create``,
  ``provisioning rules set``, ``provisioning reconcile``, ``events tail``);
- the IdP: a SCIM client (``ScimClient``) against a real ``sightgate serve`` process;
- the ISV: boto3 QuickSight clients signed with a key from ``sightgate keys create``;
- provisioning: real ``sightgate worker`` processes (in the background, or ``--once``).

The test process also opens the same store in-process, only to *read*: the subscriber's
cursor (``cursor_states``), the outbox's last position, and who a user is now
(``PrincipalReader``; a third process reading the same committed state as the servers).

The seed scenario is the project's copy, ``seed-scenario.yaml`` beside this file.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from pydantic import SecretStr
from sqlalchemy import func, select, text

from sightgate.analytics.principals.model import UserPrincipal
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.platform.db import Database, metadata
from sightgate.platform.dispatch import cursor_states
from sightgate.platform.errors import NotFoundError
from sightgate.platform.events import events_table
from tests.e2e.aws.conftest import make_client
from tests.e2e.helpers import cli_env, run_cli, run_json, running_server
from tests.e2e.scim_client import ScimClient

SCENARIO_FILE = Path(__file__).with_name("seed-scenario.yaml")
REGION = "us-east-1"
SUBSCRIBER = "analytics.provisioning"
ROLE_ORDER = ("ADMIN", "AUTHOR", "READER")
SERVER_SECRET = "provisioning e2e server secret, shared by every process"
T = TypeVar("T")


# -- the seed scenario -----------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """No such analytics user: nothing to allow."""

    reason: str
    allowed: bool = False


@dataclass(frozen=True)
class Scenario:
    """``seed-scenario.yaml`` as the tests need it."""

    account_id: str
    authentication_method: str
    role_groups: dict[str, tuple[str, ...]]
    groups: tuple[str, ...]
    users: dict[str, tuple[str, ...]]
    join_user: str
    join_groups: tuple[str, ...]
    leave_user: str
    namespace_rules: tuple[dict[str, Any], ...]
    just_in_time_provisioning: object
    expected_namespaces: dict[str, str]

    def role_of(self, groups: tuple[str, ...] | list[str] | set[str]) -> str | None:
        """The highest role the role groups among ``groups`` give (None: not a member)."""
        for role in ROLE_ORDER:
            if set(self.role_groups.get(role, ())) & set(groups):
                return role
        return None

    def rules_document(self, *, create_namespace: bool) -> str:
        """The namespaced variant's rules as a rules file; ``create_namespace`` adds
        ``create_namespace: true`` to each rule (the scenario itself does not say it)."""
        rules = [
            {**rule, "create_namespace": True} if create_namespace else dict(rule)
            for rule in self.namespace_rules
        ]
        return yaml.safe_dump(
            {
                "namespace_rules": rules,
                "just_in_time_provisioning": self.just_in_time_provisioning,
            },
            sort_keys=False,
        )


def load_scenario(path: Path = SCENARIO_FILE) -> Scenario:
    """Parse the scenario file."""
    document = yaml.safe_load(path.read_text())
    account = document["analytics_account"]
    lifecycle = document["lifecycle"]
    variant = document["namespaced_variant"]
    return Scenario(
        account_id=str(account["aws_account_id"]),
        authentication_method=account["authentication_method"],
        role_groups={role: tuple(names) for role, names in account["role_groups"].items()},
        groups=tuple(document["groups"]),
        users={u["userName"]: tuple(u["groups"]) for u in document["users"]},
        join_user=lifecycle["join"]["userName"],
        join_groups=tuple(lifecycle["join"]["groups"]),
        leave_user=lifecycle["leave"]["userName"],
        namespace_rules=tuple(variant["namespace_rules"]),
        just_in_time_provisioning=variant["just_in_time_provisioning"],
        expected_namespaces=dict(variant["expected_namespaces"]),
    )


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    """The seed scenario (the copy inside the project)."""
    return load_scenario()


# -- waiting ---------------------------------------------------------------------------------


def wait_for(
    predicate: Callable[[], T], what: str, timeout: float = 30.0, interval: float = 0.02
) -> T:
    """Poll ``predicate`` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# -- worker processes ------------------------------------------------------------------------


def start_worker(env: dict[str, str], log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """``sightgate worker ARGS`` in the background, its output in ``log_path``."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "sightgate", "worker", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Stop a worker the way an operator does (SIGTERM), killing it if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_worker_once(env: dict[str, str]) -> None:
    """``sightgate worker --once``: deliver everything pending, then exit."""
    result = run_cli(env, "worker", "--once")
    assert result.returncode == 0, result.stderr


# -- one deployment --------------------------------------------------------------------------


@dataclass
class Deployment:
    """Servers, a store, an identity store with its SCIM token, and an ISV access key."""

    env: dict[str, str]
    urls: list[str]
    account_id: str
    instance_arn: str
    store_id: str
    scim: ScimClient
    key_id: str
    secret: str
    services: Services
    log_dir: Path
    group_ids: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    # -- the ISV (boto3) -------------------------------------------------------------------

    def client(self, service: str, server: int = 0) -> Any:
        """A boto3 client of ``service`` against server number ``server``."""
        return make_client(
            self.urls[server], service, key_id=self.key_id, secret=self.secret, region=REGION
        )

    def subscribe(self, scenario: Scenario, server: int = 0) -> None:
        """CreateAccountSubscription linked to the instance, with the scenario's groups."""
        response = self.client("quicksight", server).create_account_subscription(
            AwsAccountId=self.account_id,
            AccountName="isv-analytics",
            NotificationEmail="ops@isv.example.com",
            Edition="ENTERPRISE",
            AuthenticationMethod=scenario.authentication_method,
            IAMIdentityCenterInstanceArn=self.instance_arn,
            AdminGroup=list(scenario.role_groups["ADMIN"]),
            AuthorGroup=list(scenario.role_groups["AUTHOR"]),
            ReaderGroup=list(scenario.role_groups["READER"]),
        )
        assert response["Status"] == 200

    def list_users(self, namespace: str = "default", server: int = 0) -> dict[str, Any]:
        """Every analytics user of ``namespace`` by name, through ListUsers (all pages)."""
        qs = self.client("quicksight", server)
        found: dict[str, Any] = {}
        token: str | None = None
        while True:
            extra = {"NextToken": token} if token else {}
            page = qs.list_users(
                AwsAccountId=self.account_id, Namespace=namespace, MaxResults=100, **extra
            )
            found.update({u["UserName"]: u for u in page["UserList"]})
            token = page.get("NextToken")
            if not token:
                return found

    def group_names(self, namespace: str = "default", server: int = 0) -> set[str]:
        """The analytics groups of ``namespace`` (ListGroups)."""
        page = self.client("quicksight", server).list_groups(
            AwsAccountId=self.account_id, Namespace=namespace, MaxResults=100
        )
        assert "NextToken" not in page
        return {g["GroupName"] for g in page["GroupList"]}

    def groups_of(self, namespace: str, user_name: str, server: int = 0) -> set[str]:
        """The analytics groups a user is in (ListUserGroups)."""
        page = self.client("quicksight", server).list_user_groups(
            AwsAccountId=self.account_id, Namespace=namespace, UserName=user_name, MaxResults=100
        )
        return {g["GroupName"] for g in page["GroupList"]}

    def members_of(self, namespace: str, group_name: str, server: int = 0) -> set[str]:
        """The members of an analytics group (ListGroupMemberships)."""
        page = self.client("quicksight", server).list_group_memberships(
            AwsAccountId=self.account_id,
            Namespace=namespace,
            GroupName=group_name,
            MaxResults=100,
        )
        return {m["MemberName"] for m in page["GroupMemberList"]}

    def describe_user(self, namespace: str, user_name: str, server: int = 0) -> dict[str, Any]:
        """DescribeUser's ``User``."""
        user: dict[str, Any] = self.client("quicksight", server).describe_user(
            AwsAccountId=self.account_id, Namespace=namespace, UserName=user_name
        )["User"]
        return user

    # -- the IdP (SCIM) --------------------------------------------------------------------

    def create_group(self, name: str) -> str:
        self.group_ids[name] = self.scim.create_group(name)["id"]
        return self.group_ids[name]

    def create_user(self, user_name: str) -> str:
        local = user_name.replace(" ", ".")
        self.user_ids[user_name] = self.scim.create_user(
            user_name,
            name={"givenName": user_name.split("-")[0], "familyName": user_name},
            displayName=user_name,
            emails=[{"value": f"{local}@customers.example.com", "type": "work", "primary": True}],
            active=True,
        )["id"]
        return self.user_ids[user_name]

    def add_members(self, group: str, *user_names: str) -> None:
        """PATCH add members (Okta's and Entra's way of pushing membership)."""
        response = self.scim.patch(
            f"/Groups/{self.group_ids[group]}",
            {
                "op": "add",
                "path": "members",
                "value": [{"value": self.user_ids[u]} for u in user_names],
            },
        )
        assert response.status_code == 204, response.text

    def remove_member(self, group: str, user_name: str) -> None:
        response = self.scim.patch(
            f"/Groups/{self.group_ids[group]}",
            {"op": "remove", "path": f'members[value eq "{self.user_ids[user_name]}"]'},
        )
        assert response.status_code == 204, response.text

    def set_active(self, user_name: str, active: bool) -> None:
        """PATCH ``active`` (Okta deactivates this way, never with DELETE)."""
        response = self.scim.patch(
            f"/Users/{self.user_ids[user_name]}",
            {"op": "replace", "value": {"active": active}},
        )
        assert response.status_code in (200, 204), response.text

    def delete_user(self, user_name: str) -> None:
        response = self.scim.request("DELETE", f"/Users/{self.user_ids[user_name]}")
        assert response.status_code == 204, response.text

    def push_scenario(self, scenario: Scenario) -> None:
        """The IdP's first push: every group, every user, then each group's members."""
        for group in scenario.groups:
            self.create_group(group)
        for user_name in scenario.users:
            self.create_user(user_name)
        for group in scenario.groups:
            members = [u for u, groups in scenario.users.items() if group in groups]
            self.add_members(group, *members)

    # -- the operator (CLI) ----------------------------------------------------------------

    def set_rules(self, document: str) -> dict[str, Any]:
        path = self.log_dir / "rules.yaml"
        path.write_text(document)
        stored: dict[str, Any] = run_json(
            self.env,
            "provisioning",
            "rules",
            "set",
            "--account-id",
            self.account_id,
            "--file",
            str(path),
        )
        return stored

    def reconcile_dry_run(self) -> list[dict[str, Any]]:
        """``provisioning reconcile --dry-run --json``'s differences (every linked account)."""
        report = run_json(self.env, "provisioning", "reconcile", "--dry-run")
        assert report["DryRun"] is True
        assert self.account_id in report["Accounts"]
        differences: list[dict[str, Any]] = report["Differences"]
        return differences

    def events(self, *types: str) -> list[dict[str, Any]]:
        """``events tail --json`` (the last 10,000), only ``types`` when given."""
        tail: list[dict[str, Any]] = run_json(self.env, "events", "tail", "--limit", "10000")
        return [e for e in tail if not types or e["Type"] in types]

    # -- workers ---------------------------------------------------------------------------

    def start_worker(self, *args: str) -> subprocess.Popen[bytes]:
        number = len(self.workers)
        process = start_worker(self.env, self.log_dir / f"worker-{number}.log", *args)
        self.workers.append(process)
        return process

    def worker_logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.log_dir.glob("worker-*.log")))

    def cursor(self) -> int:
        """The provisioning subscriber's cursor (0 before its first delivery)."""
        for state in cursor_states(self.services.db):
            if state.subscriber == SUBSCRIBER:
                assert state.last_error is None, state.last_error
                return state.position
        return 0

    def last_position(self) -> int:
        with self.services.db.read() as conn:
            return int(conn.execute(select(func.max(events_table.c.position))).scalar() or 0)

    def wait_caught_up(self, timeout: float = 60.0) -> None:
        """Until the running workers have handled every event in the outbox."""
        for process in self.workers:
            assert process.poll() is None, self.worker_logs()
        wait_for(
            lambda: self.cursor() >= self.last_position(),
            "the workers to handle every event",
            timeout,
            interval=0.1,
        )

    # -- in-process reads ------------------------------------------------------------------

    def principal(self, namespace: str, user_name: str) -> UserPrincipal:
        """Who the user is now, read in this (third) process on the same store."""
        return self.services.access.principals.user(self.account_id, namespace, user_name)

    def access(self, namespace: str, user_name: str) -> UserPrincipal | Refused:
        """``principal``, or a refusal when there is no such analytics user."""
        try:
            return self.principal(namespace, user_name)
        except NotFoundError as error:
            return Refused(error.message)


def truncate_all(database_url: str) -> None:
    """Empty every table of a PostgreSQL store (a fresh start for one test)."""
    database = Database(database_url)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    database.dispose()


@contextmanager
def deployment(
    tmp_path: Path, scenario: Scenario, *, database_url: str | None = None, servers: int = 1
) -> Iterator[Deployment]:
    """``servers`` server processes on one store (embedded SQLite unless ``database_url``),
    the account's ACCOUNT instance, a SCIM token for its store (given to the IdP, pointed
    at the first server) and an access key of the analytics account.

    The servers run with ``--no-worker`` (on the embedded store ``serve`` would otherwise
    deliver events itself): provisioning is done by the ``sightgate worker`` processes
    each test starts, so a test knows exactly which process provisions and when."""
    data_dir = tmp_path / "data"
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    env = cli_env(data_dir, database_url)
    env["SIGHTGATE_SECRET_KEY"] = SERVER_SECRET  # one secret for every process
    with ExitStack() as stack:
        urls = [
            stack.enter_context(
                running_server(env, "--no-worker", log_path=log_dir / f"server-{n}.log")
            )
            for n in range(servers)
        ]
        instance = run_json(
            env, "instances", "create", "--type", "ACCOUNT", "--account-id", scenario.account_id
        )
        store_id = instance["IdentityStoreId"]
        issued = run_json(
            env, "scim", "token", "create", "--identity-store-id", store_id, "--base-url", urls[0]
        )
        key = run_json(env, "keys", "create", "--account-id", scenario.account_id)
        services = Services.build(
            Settings(
                data_dir=data_dir,
                database_url=database_url,
                secret_key=SecretStr(SERVER_SECRET),
            )
        )
        stack.callback(services.db.dispose)
        scim = ScimClient(issued["url"], issued["token"], store_id)
        stack.callback(scim.close)
        found = Deployment(
            env=env,
            urls=urls,
            account_id=scenario.account_id,
            instance_arn=instance["InstanceArn"],
            store_id=store_id,
            scim=scim,
            key_id=key["AccessKeyId"],
            secret=key["SecretAccessKey"],
            services=services,
            log_dir=log_dir,
        )
        try:
            yield found
        finally:
            for process in found.workers:
                stop_worker(process)


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    """The session's PostgreSQL database, emptied for this test."""
    truncate_all(postgres_url)
    return postgres_url


def measured(label: str, seconds: float) -> None:
    """Report a measured duration (shown with ``pytest -s``)."""
    print(f"[measured] {label}: {seconds * 1000:.0f} ms")
