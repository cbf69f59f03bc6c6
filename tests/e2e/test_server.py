"""The real server process: health, readiness and the demo it serves."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from sqlalchemy import NullPool, create_engine, make_url, text

from sightgate import __version__
from sightgate.cli.server import BALANCING_REUSE_PORT
from sightgate.platform.db import Database, normalize_url
from tests.e2e.helpers import cli_env, free_port, run_cli, running_server
from tests.e2e.scim_client import CORE_USER

pytestmark = pytest.mark.e2e


def test_server_is_healthy_and_ready_with_the_demo_loaded(tmp_path: Path) -> None:
    """What `make run` gives a newcomer: health, and the demo provisioned into analytics."""
    env = cli_env(tmp_path / "data", None)
    assert run_cli(env, "demo", "load").returncode == 0
    key = json.loads(
        run_cli(env, "keys", "create", "--account-id", "111122223333", "--json").stdout
    )
    with running_server(env) as base:
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        ready = httpx.get(f"{base}/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "store": "sqlite"}
        assert "x-request-id" in ready.headers
        quicksight = boto3.client(
            "quicksight",
            endpoint_url=base,
            region_name="us-east-1",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        deadline = time.monotonic() + 30  # the embedded server provisions in the background
        roles: dict[str, str] = {}
        emails: dict[str, str] = {}
        while len(roles) < 10 and time.monotonic() < deadline:
            listed = quicksight.list_users(AwsAccountId="111122223333", Namespace="default")
            roles = {u["UserName"]: u["Role"] for u in listed["UserList"]}
            emails = {u["UserName"]: u["Email"] for u in listed["UserList"]}
            time.sleep(0.2)
        assert roles["internal-admin-1"] == "ADMIN"
        assert roles["internal-author-1"] == "AUTHOR"
        assert roles["red-customer-reader-1"] == "READER"
        assert len(roles) == 10
        assert emails["internal-admin-1"] == "amara.okafor@isv.example"
        assert emails["red-customer-reader-1"] == "sofia.rossi@red-customer.example"
    users = json.loads(run_cli(env, "users", "list", "--json").stdout)["Users"]
    assert len(users) == 10


def test_readyz_fails_when_migrations_are_pending(postgres_url: str, tmp_path: Path) -> None:
    """A server on a store whose schema is behind is alive but not ready."""
    db = Database(postgres_url)
    with db.engine.begin() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        env = cli_env(tmp_path / "data", postgres_url)
        with running_server(env, "--no-migrate") as base:
            assert httpx.get(f"{base}/healthz").status_code == 200
            ready = httpx.get(f"{base}/readyz")
            assert ready.status_code == 503
            assert ready.json()["store"] == "migrations pending"
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        db.dispose()


def test_readyz_fails_when_the_store_is_unreachable(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", "postgresql://nobody@127.0.0.1:1/none")
    with running_server(env, "--no-migrate") as base:
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["store"] == "unreachable"


def test_logs_are_json_lines_without_credentials(tmp_path: Path) -> None:
    """Request logs are structured and never carry the Authorization header."""
    import subprocess
    import sys
    import time

    from tests.e2e.helpers import free_port

    env = cli_env(tmp_path / "data", None)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sightgate", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(
                    f"http://127.0.0.1:{port}/healthz", headers={"Authorization": "Bearer s3cr3t"}
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("message") == "request"]
    assert requests and requests[0]["path"] == "/healthz" and requests[0]["status"] == 200
    assert "s3cr3t" not in stderr


def test_a_busy_port_is_one_error_line_and_nothing_claims_to_serve(tmp_path: Path) -> None:
    """ "serving on" is printed once the port is ours; a taken port is one line, status 1."""
    env = cli_env(tmp_path / "data", None)
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = run_cli(env, "serve", "--port", str(port))
    assert result.returncode == 1
    assert "serving on" not in result.stdout
    [line] = result.stderr.splitlines()
    assert line == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"


def _median_ms(base: str, requests: int = 21) -> float:
    """The median time of sequential requests on one keep-alive connection."""
    with httpx.Client(base_url=base) as http:
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            assert http.get("/healthz").status_code == 200
            times.append(1000 * (time.perf_counter() - started))
    return sorted(times)[requests // 2]


def test_answers_do_not_wait_for_the_clients_delayed_ack(tmp_path: Path) -> None:
    """With Nagle's algorithm on, the body of each answer (written after its head) waited
    for the client's delayed ACK: every request on a kept-alive connection took 40 ms."""
    with running_server(cli_env(tmp_path / "data", None)) as base:
        assert _median_ms(base) < 20


def test_the_root_is_a_landing_page_and_there_is_no_empty_openapi(tmp_path: Path) -> None:
    """GET / says what this is and where to go; the AWS API still answers POST /."""
    env = cli_env(tmp_path / "data", None)
    with running_server(env) as base:
        page = httpx.get(f"{base}/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        for needle in ("sightgate", __version__, "/healthz", "/readyz"):
            assert needle in page.text
        assert f"{base}/scim/&lt;IdentityStoreId&gt;/v2" in page.text
        assert f"--endpoint-url {base}" in page.text
        assert f'href="{base}/healthz"' in page.text
        assert "<script" not in page.text
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert httpx.get(f"{base}{path}").status_code == 404, path
        aws = httpx.post(
            f"{base}/",
            headers={"X-Amz-Target": "AWSIdentityStore.ListUsers"},
            content=b"{}",
        )
        assert aws.status_code in {400, 403}
        assert "__type" in aws.json()


def test_the_landing_page_escapes_the_host(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", None)
    with running_server(env) as base:
        page = httpx.get(f"{base}/", headers={"Host": "<b>evil</b>"})
    assert "<b>evil</b>" not in page.text


# -- several server processes (`serve --workers N`) ------------------------------------------

ONE_EMBEDDED_PROCESS = (
    "error: --workers needs PostgreSQL (SIGHTGATE_DATABASE_URL): the embedded store serves "
    "one process"
)


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of its own, never migrated: what a first `serve` meets."""
    from tests.conftest import PG_ENTRY_URL

    if not PG_ENTRY_URL:
        pytest.skip("SIGHTGATE_TEST_DATABASE_URL is not set")
    entry = make_url(normalize_url(PG_ENTRY_URL))
    name = f"sightgate_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(entry, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield entry.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _children(pid: int) -> dict[int, str]:
    """The live child processes of ``pid`` (from /proc), with their command lines."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # exited meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] not in {"Z", "X"}:
            found[int(entry.name)] = command
    return found


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in {"Z", "X"}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve_process() -> int:
    """The `sightgate serve` this test started (a child of the test process)."""
    [pid] = [p for p, command in _children(os.getpid()).items() if " serve " in command]
    return pid


def _workers_started(serve: int, count: int, log_path: Path) -> list[int]:
    """The server processes of ``serve``, once ``count`` have finished starting."""
    deadline = time.monotonic() + 60
    while log_path.read_text().count("Application startup complete") < count:
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.1)
    return [p for p, command in _children(serve).items() if "multiprocessing.spawn" in command]


def _scim_store(env: dict[str, str], base: str) -> tuple[str, str]:
    """A new identity store's SCIM URL and bearer token, issued by the CLI."""
    store = json.loads(
        run_cli(
            env, "instances", "create", "--type", "ACCOUNT", "--account-id", "111122223333",
            "--json",
        ).stdout
    )  # fmt: skip
    issued = json.loads(
        run_cli(
            env, "scim", "token", "create", "--identity-store-id", store["IdentityStoreId"],
            "--base-url", base, "--json",
        ).stdout
    )  # fmt: skip
    return issued["url"], issued["token"]


async def _create_users(url: str, token: str, count: int, concurrency: int) -> list[int]:
    """POST ``count`` users from ``concurrency`` clients, a new connection per request."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {token}"}
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as http:

        async def create(n: int) -> int:
            async with gate:
                body = {"schemas": [CORE_USER], "userName": f"worker.user{n:04d}@example.com"}
                return (await http.post("/Users", json=body)).status_code

        return await asyncio.gather(*(create(n) for n in range(count)))


def test_workers_share_the_port_and_all_stop_on_sigterm(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    """`serve --workers 2`: the parent migrates a fresh store, two processes answer
    concurrent SCIM requests between them, and SIGTERM stops every one promptly."""
    env = cli_env(tmp_path / "data", empty_postgres_url)
    log_path = tmp_path / "server.log"
    with running_server(env, "--workers", "2", log_path=log_path) as base:
        assert httpx.get(f"{base}/readyz").json() == {"status": "ok", "store": "postgresql"}
        serve = _serve_process()
        workers = _workers_started(serve, 2, log_path)
        assert len(workers) == 2
        url, token = _scim_store(env, base)
        before = {pid: _cpu_seconds(pid) for pid in workers}
        statuses = asyncio.run(_create_users(url, token, 300, concurrency=16))
        assert statuses == [201] * 300
        used = {pid: _cpu_seconds(pid) - before[pid] for pid in workers}
        assert all(seconds > 0.05 for seconds in used.values()), used  # both answered
        listed = httpx.get(
            f"{url}/Users", params={"count": "1"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert listed.json()["totalResults"] == 300
        assert _median_ms(base) < 20  # the shared socket keeps Nagle off in every worker

        os.kill(serve, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(map(_is_running, [serve, *workers])):
            assert time.monotonic() < deadline, "a server process outlived SIGTERM by 10 s"
            time.sleep(0.1)
    log = log_path.read_text()
    assert log.count("Running upgrade  -> 0001") == 1  # migrated once, by the parent
    assert "Traceback" not in log


def _tcp_sockets(pid: int, port: int, state: str) -> set[int]:
    """The inodes of ``pid``'s TCP sockets on local ``port`` in ``state`` (from /proc;
    ``0A`` listening, ``01`` established)."""
    owned = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            owned.add(int(target[8:-1]))
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == state and int(fields[9]) in owned:
                found.add(int(fields[9]))
    return found


@pytest.mark.skipif(not BALANCING_REUSE_PORT, reason="SO_REUSEPORT does not balance here")
def test_each_worker_has_a_socket_of_its_own_and_connections_spread(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    """With SO_REUSEPORT each process listens on a socket of its own and the kernel spreads
    new connections over them: keep-alive connections opened together reach both (on
    one shared socket they used to land on one process, which kept them)."""
    env = cli_env(tmp_path / "data", empty_postgres_url)
    log_path = tmp_path / "server.log"
    with running_server(env, "--workers", "2", log_path=log_path) as base:
        workers = _workers_started(_serve_process(), 2, log_path)
        port = int(base.rsplit(":", 1)[1])
        listening = [_tcp_sockets(pid, port, "0A") for pid in workers]
        assert [len(inodes) for inodes in listening] == [1, 1]
        assert listening[0] != listening[1]
        connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        try:
            for conn in connections:
                conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            for conn in connections:
                assert conn.recv(4096).startswith(b"HTTP/1.1 200")
            served = [len(_tcp_sockets(pid, port, "01")) for pid in workers]
        finally:
            for conn in connections:
                conn.close()
    assert sum(served) == 16 and min(served) > 0, served  # all on one: a chance of 2 ** -15


@pytest.mark.skipif(not BALANCING_REUSE_PORT, reason="SO_REUSEPORT does not balance here")
def test_a_worker_that_dies_is_replaced_on_its_own_socket(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    """The supervisor replaces a killed process with one on the same socket, which the
    parent kept open: no socket is left without a process to accept on it."""
    env = cli_env(tmp_path / "data", empty_postgres_url)
    log_path = tmp_path / "server.log"
    with running_server(env, "--workers", "2", log_path=log_path) as base:
        serve = _serve_process()
        workers = _workers_started(serve, 2, log_path)
        port = int(base.rsplit(":", 1)[1])
        before = {pid: _tcp_sockets(pid, port, "0A") for pid in workers}
        os.kill(workers[0], signal.SIGKILL)
        replaced = _workers_started(serve, 3, log_path)  # the third start-up: the new one
        [new] = set(replaced) - set(workers)
        assert _tcp_sockets(new, port, "0A") == before[workers[0]]
        assert _tcp_sockets(workers[1], port, "0A") == before[workers[1]]
        for _ in range(20):  # new connections, hashed over both sockets
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200


def test_a_busy_port_is_one_error_line_with_workers_too(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    """Sockets with SO_REUSEPORT would join another listener's: a plain bind checks first,
    so a port taken by anything (another `serve --workers` included) is one line."""
    env = cli_env(tmp_path / "data", empty_postgres_url)
    port = free_port()
    for reuse_port in (False, True):
        with socket.socket() as taken:
            if reuse_port:
                taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            taken.bind(("127.0.0.1", port))
            taken.listen()
            result = run_cli(env, "serve", "--port", str(port), "--workers", "2")
        assert result.returncode == 1
        assert "serving on" not in result.stdout
        [line] = result.stderr.splitlines()
        assert line == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_every_serve_option_reaches_the_workers(
    empty_postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Options given on the command line, not in the environment, configure the workers
    too: the store (--database-url), the data directory (the server secret) and --dev."""
    monkeypatch.chdir(tmp_path)  # where a worker without --data-dir would put .sightgate
    data_dir = tmp_path / "data"
    env = cli_env(data_dir, None)
    del env["SIGHTGATE_DATA_DIR"]
    log_path = tmp_path / "server.log"
    options = ("--database-url", empty_postgres_url, "--data-dir", str(data_dir), "--dev")
    with running_server(env, "--workers", "2", *options, log_path=log_path) as base:
        _workers_started(_serve_process(), 2, log_path)
        for _ in range(10):
            assert httpx.get(f"{base}/readyz").json()["store"] == "postgresql"
    assert log_path.read_text().count("LOCAL-TEST MODE") == 2  # each worker's app is --dev
    assert (data_dir / "secret.key").exists()
    assert not (tmp_path / ".sightgate").exists()


def test_with_workers_one_dispatcher_runs_in_the_parent_when_asked(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    """`--worker` with `--workers 2` delivers events in one place, not once per worker:
    exactly one LISTEN connection; without `--worker` (the default) none."""
    env = cli_env(tmp_path / "data", empty_postgres_url)
    engine = create_engine(normalize_url(empty_postgres_url), poolclass=NullPool)
    database = make_url(normalize_url(empty_postgres_url)).database

    def listeners() -> int:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = :name AND query LIKE 'LISTEN%'"
                    ),
                    {"name": database},
                ).scalar_one()
            )

    try:
        for args, expected in ((("--worker",), 1), ((), 0)):
            log_path = tmp_path / f"server{expected}.log"
            with running_server(env, "--workers", "2", *args, log_path=log_path):
                _workers_started(_serve_process(), 2, log_path)
                deadline = time.monotonic() + 10
                while listeners() != expected and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(1)  # a second dispatcher would have connected by now
                assert listeners() == expected, args
    finally:
        engine.dispose()


def test_a_worker_that_cannot_start_fails_the_command(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    """A server secret the workers refuse (too short) stops `serve` with status 1."""
    env = cli_env(tmp_path / "data", empty_postgres_url)
    secret = tmp_path / "short.key"
    secret.write_text("short\n")
    env["SIGHTGATE_SECRET_KEY_FILE"] = str(secret)
    result = run_cli(env, "serve", "--port", str(free_port()), "--workers", "2")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "error: a server process failed to start: its error is logged above"
    )
    assert "the server secret must be at least 32 characters" in result.stderr


@pytest.mark.parametrize("how", ["option", "environment"])
def test_workers_are_refused_on_the_embedded_store(tmp_path: Path, how: str) -> None:
    """SQLite's writer lock and the in-process dispatcher are per process: one line, exit 1."""
    env = cli_env(tmp_path / "data", None)
    args = ["serve", "--port", str(free_port())]
    if how == "option":
        args += ["--workers", "2"]
    else:
        env["SIGHTGATE_WORKERS"] = "2"
    result = run_cli(env, *args)
    assert result.returncode == 1
    assert "serving on" not in result.stdout
    assert result.stderr.splitlines() == [ONE_EMBEDDED_PROCESS]
