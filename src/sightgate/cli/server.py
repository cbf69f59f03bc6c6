"""``sightgate serve``, ``worker``, ``db`` and ``demo``: running sightgate."""

from __future__ import annotations

import signal
import socket
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sightgate.cli.datasets import ingestions_in_background
from sightgate.cli.shared import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    group,
    output,
    say,
    services,
    settings,
)

if TYPE_CHECKING:
    from sightgate.config import Settings

db_app = group("The store's schema.")
demo_app = group("The demo scenario.")
LISTEN_BACKLOG = 2048  # uvicorn's default
WORKER_APP = "sightgate.asgi:create"  # imported by each worker process, not by the parent
ONE_EMBEDDED_PROCESS = (
    "--workers needs PostgreSQL (SIGHTGATE_DATABASE_URL): the embedded store serves one process"
)
BALANCING_REUSE_PORT = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")
"""Whether sockets of one user bound to one port with ``SO_REUSEPORT`` share its new
connections: Linux hashes each to one of the listening sockets. Where the option exists
but does not balance (macOS and the BSDs give connections to one socket) and where it
does not exist (Windows), several server processes share one socket instead."""


def listen(host: str, port: int, processes: int = 1) -> list[socket.socket]:
    """Sockets listening on ``host:port`` for ``processes`` server processes, or a
    one-line error when the port cannot be had.

    Binding before the server starts means nothing claims to serve on a port that is
    taken, and a busy port is one clear error rather than a log line after "serving".
    The address family is chosen as uvicorn chooses it. The protocol is named
    (``IPPROTO_TCP``, as ``getaddrinfo`` gives it to asyncio's own servers): asyncio turns
    Nagle's algorithm off only on connections whose socket says so, and with it on, the
    second write of each response (uvicorn writes the head, then the body) waited for the
    client's delayed ACK: 40 ms a request (uvicorn's own ``--workers`` socket has the same
    fault: Kludex/uvicorn#3149).

    Several processes get a socket each where ``SO_REUSEPORT`` balances
    (``BALANCING_REUSE_PORT``), and the kernel spreads new connections over them. On one
    shared socket the process whose event loop wakes first accepts every connection
    waiting, so a client's keep-alive connections, opened together, all land on one
    process and stay there (docs/benchmarks.md). A plain bind first checks that nothing
    listens on the port: sockets with ``SO_REUSEPORT`` would silently join those another
    process of this user (another ``serve``) has there.
    """
    if processes == 1 or not BALANCING_REUSE_PORT:
        return [_bound(host, port, listening=True)]
    probe = _bound(host, port)
    port = probe.getsockname()[1]  # the one the kernel chose, if asked for port 0
    probe.close()
    sockets: list[socket.socket] = []
    try:
        while len(sockets) < processes:
            sockets.append(_bound(host, port, reuse_port=True, listening=True))
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _bound(
    host: str, port: int, *, reuse_port: bool = False, listening: bool = False
) -> socket.socket:
    """A TCP socket bound to ``host:port`` (see ``listen``), or a one-line error."""
    from sightgate.platform.errors import SightgateError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listening:
            sock.listen(LISTEN_BACKLOG)
    except OSError as error:
        sock.close()
        raise SightgateError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    return sock


def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind [env: SIGHTGATE_HOST]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [env: SIGHTGATE_PORT]")] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations first.")] = True,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Local-test mode: accept any well-formed AWS credentials for any account "
            "[env: SIGHTGATE_DEV_MODE]",
        ),
    ] = False,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="Also deliver events (provisioning) in this process; default: on for the "
            "embedded store, off with --database-url (run `sightgate worker` processes).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Server processes sharing the port; more than one needs PostgreSQL "
            "[env: SIGHTGATE_WORKERS]",
        ),
    ] = None,
    tls_cert: Annotated[
        Path | None,
        typer.Option(
            "--tls-cert",
            envvar="SIGHTGATE_TLS_CERT",
            exists=True,
            dir_okay=False,
            help="Serve HTTPS with this PEM certificate (chain); needs --tls-key. "
            "`sightgate tls make-cert` makes a local one [env: SIGHTGATE_TLS_CERT]",
        ),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option(
            "--tls-key",
            envvar="SIGHTGATE_TLS_KEY",
            exists=True,
            dir_okay=False,
            help="The certificate's PEM key [env: SIGHTGATE_TLS_KEY]",
        ),
    ] = None,
) -> None:
    """Run the HTTP server (HTTPS with --tls-cert and --tls-key)."""
    import uvicorn

    from sightgate.bootstrap import Services
    from sightgate.logs import configure_logging
    from sightgate.platform.dispatch import Dispatcher
    from sightgate.platform.errors import SightgateError
    from sightgate.store.migrate import upgrade

    configured = settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        dev_mode=dev or None,
        workers=workers,
    )
    if configured.workers > 1 and configured.resolved_database_url().startswith("sqlite"):
        raise SightgateError(ONE_EMBEDDED_PROCESS)
    if (tls_cert is None) != (tls_key is None):
        raise SightgateError("--tls-cert and --tls-key go together")
    tls: dict[str, Any] = (
        {"ssl_certfile": str(tls_cert), "ssl_keyfile": str(tls_key)} if tls_cert else {}
    )
    sockets = listen(configured.host, configured.port, configured.workers)
    configure_logging(configured.log_level, configured.log_format)
    running = Services.build(configured)
    if migrate:
        upgrade(running.db)
    store = running.db.engine.url.render_as_string(hide_password=True)
    in_process_worker = worker if worker is not None else configured.database_url is None
    processes = f"  processes: {configured.workers}" if configured.workers > 1 else ""
    say(
        f"sightgate serving on {'https' if tls else 'http'}://{configured.host}:"
        f"{sockets[0].getsockname()[1]}  "
        f"store: {store}"
        f"  provisioning worker: {'in this process' if in_process_worker else 'separate'}"
        f"{processes}"
    )
    stop = threading.Event()
    delivery = None
    background = ExitStack()
    if in_process_worker:
        dispatcher = Dispatcher(running.db, [running.provisioning.subscriber()])
        delivery = threading.Thread(
            target=dispatcher.run_forever,
            args=(stop, configured.event_poll_interval),
            name="sightgate-worker",
            daemon=True,
        )
        delivery.start()
        background.enter_context(ingestions_in_background(running, configured))
    try:
        if configured.workers > 1:
            if delivery is None:
                running.db.dispose()  # the workers have pools of their own
            run_workers(configured, sockets, **tls)
        else:
            from sightgate.app import create_app  # only here: workers build their own

            app = create_app(running, configured)
            config = uvicorn.Config(app, log_config=None, backlog=LISTEN_BACKLOG, **tls)
            uvicorn.Server(config).run(sockets=sockets)
    finally:
        for sock in sockets:
            sock.close()
        stop.set()
        background.close()
        if delivery is not None:
            delivery.join(timeout=10)


def run_workers(configured: Settings, sockets: list[socket.socket], **options: Any) -> None:
    """``configured.workers`` server processes answering on ``sockets`` (see ``listen``),
    until SIGINT/SIGTERM.

    uvicorn's supervisor spawns them, restarts one that dies, and on SIGTERM stops them
    all. Each imports the app from ``sightgate.asgi``, configured by the environment, so
    every option of this command is exported there first. The sockets are the ones this
    process bound: a busy port failed before anything started.
    """
    import os

    os.environ.update(configured.environment())
    supervise(WORKER_APP, sockets, configured.workers, factory=True, log_config=None, **options)


def supervise(app: str, sockets: list[socket.socket], workers: int, **options: Any) -> None:
    """uvicorn's supervisor running ``workers`` processes that import ``app`` (an import
    string) and answer on ``sockets``: one each when there are as many (``listen``), else
    all on all of them; ``options`` are more ``uvicorn.Config`` settings.

    A worker that cannot start stops the supervisor (every restart would fail alike),
    and then this command fails too, so a service manager sees it.
    """
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    from sightgate.cli.supervisor import SocketPerProcess
    from sightgate.platform.errors import SightgateError

    config = uvicorn.Config(app, workers=workers, backlog=LISTEN_BACKLOG, **options)
    own = len(sockets) == workers > 1
    supervisor = SocketPerProcess(config, sockets) if own else Multiprocess(config, sockets)
    supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        raise SightgateError("a server process failed to start: its error is logged above")


def worker(
    subscriber: Annotated[
        list[str] | None,
        typer.Option(help="Extra subscriber as module:factory (repeatable)."),
    ] = None,
    once: Annotated[bool, typer.Option(help="Deliver what is pending, then exit.")] = False,
    provisioning: Annotated[
        bool, typer.Option(help="Run the built-in provisioning subscriber.")
    ] = True,
    poll_interval: Annotated[
        float | None,
        typer.Option(
            help="Seconds between polls when idle [default: SIGHTGATE_EVENT_POLL_INTERVAL]."
        ),
    ] = None,
) -> None:
    """Deliver domain events to their subscribers (provisioning, and any --subscriber)."""
    from sightgate.logs import configure_logging
    from sightgate.platform.dispatch import Dispatcher, Subscriber, load_subscriber
    from sightgate.platform.errors import ValidationError

    configured = settings()
    configure_logging(configured.log_level, configured.log_format)
    running = services()
    subscribers: list[Subscriber] = []
    if provisioning:
        subscribers.append(running.provisioning.subscriber())
    subscribers.extend(load_subscriber(spec) for spec in subscriber or [])
    if not subscribers:
        raise ValidationError("subscriber", "no subscriber to run; pass --subscriber")
    dispatcher = Dispatcher(running.db, subscribers)
    if once:
        dispatcher.run_once()
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    interval = configured.event_poll_interval if poll_interval is None else poll_interval
    with ingestions_in_background(running, configured):
        dispatcher.run_forever(stop, interval)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    from sightgate.store.migrate import current_revision, upgrade

    running = services(check_schema=False)
    upgrade(running.db)
    say(f"schema at revision {current_revision(running.db)}")


@demo_app.command("load")
def demo_load(as_json: JsonOption = False) -> None:
    """Load the demo scenario (idempotent)."""
    from sightgate.demo.loader import load_demo

    summary = load_demo(services(), settings()).to_json()
    output(summary, as_json, list(summary))


@demo_app.command("app")
def demo_isv_app(
    port: Annotated[int, typer.Option(help="The example ISV app's port.")] = 8081,
    host: Annotated[str, typer.Option(help="The example ISV app's address.")] = "127.0.0.1",
) -> None:
    """Run the example ISV web app that embeds the demo's dashboards (its own origin)."""
    import uvicorn

    from sightgate.demo.isv_app.run import build, sightgate_endpoint

    # AWS (and sightgate) allow plain http in AllowedDomains for localhost only.
    loopback = host in ("127.0.0.1", "localhost", "::1")
    origin = f"http://{'localhost' if loopback else host}:{port}"
    app = build(services(), settings(), origin)
    say(f"demo SaaS app on {origin} (embedding from {sightgate_endpoint(settings())})")
    uvicorn.run(app, host=host, port=port, log_level="warning")
