"""What every benchmark needs: server processes, a load generator, statistics, machine facts.

Servers run as separate processes so their memory and CPU can be read from ``/proc``
without counting the load generator. The load generator is asyncio in this process (or in
forked ones, for jobs that keep no state here), with a fixed number of concurrent clients
and a deadline per phase; a client is httpx or the lean socket client (see
``LeanClient`` for why both).
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import os
import platform
import socket
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote, urlencode

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000  # targets say "MB": decimal megabytes


# -- the machine -------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, cores, memory and Python version: the context every figure needs."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kb = _proc_status_kb(Path("/proc/meminfo"), "MemTotal")
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb * 1024 / 2**30, 1) if memory_kb else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
    }


def code_version() -> dict[str, Any]:
    """The commit measured, and whether ``src`` had uncommitted changes (read-only git)."""

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    status = git("status", "--porcelain", "--", "src", "pyproject.toml")
    return {
        "commit": git("rev-parse", "HEAD"),
        "src_modified": bool(status) if status is not None else None,
    }


def _proc_status_kb(path: Path, key: str) -> int | None:
    """A ``Key:   123 kB`` value from a /proc status-style file, in kB."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def busy_cpu_seconds() -> float:
    """CPU time all cores spent on anything but idling (and waiting for I/O) since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (all its threads); None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_of(pids: Iterable[int]) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := process_cpu_seconds(pid)) is not None}


def process_tree(pid: int) -> list[int]:
    """``pid`` and every live process descended from it (a server's workers), from /proc."""
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        parents[int(fields[1])].append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(parents.get(current, []))
    return tree


# -- server processes --------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """A server in its own process, measured through ``/proc/<pid>``.

    Output goes to a log file, not a pipe: nobody reads the pipe during a run, and a full
    pipe would stall the server mid-benchmark.
    """

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        port: int,
        health_path: str,
        log_path: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = argv
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.health_path = health_path
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The server's process id."""
        if self._process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self._process.pid

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> None:
        """Start the process and return once its health path answers 200."""
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.argv,
                # Wide enough that rich does not wrap the server's banner line in the log.
                env={**(self.env if self.env is not None else os.environ), "COLUMNS": "1000"},
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                answer = httpx.get(f"{self.base_url}{self.health_path}", timeout=1, trust_env=False)
                if answer.status_code == 200:
                    self._settle(deadline)
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}")
            time.sleep(0.1)

    def _settle(self, deadline: float) -> None:
        """Wait until the server's processes are idle.

        Of several worker processes the first answers the health check while the others
        are still starting (seconds of CPU importing), which would land in the first phase.
        """
        previous = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            current = self.cpu_seconds()
            if current - previous < 0.05:
                return
            previous = current

    def stop(self) -> None:
        """Terminate the process (kill it if it does not exit within 15 s)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)

    def memory(self) -> dict[str, float | None]:
        """Peak (VmHWM) and current (VmRSS) resident memory in MB, from /proc.

        A server of several processes (``--workers``) reports the sums over them: an
        upper bound of its peak, since each process peaks at its own time.
        """
        peaks, currents = [], []
        for pid in process_tree(self.pid):
            status = Path(f"/proc/{pid}/status")
            peaks.append(_proc_status_kb(status, "VmHWM"))
            currents.append(_proc_status_kb(status, "VmRSS"))

        def total(values: list[int | None]) -> float | None:
            known = [v for v in values if v is not None]
            return round(sum(known) * 1024 / MB, 1) if known else None

        largest = max((v for v in peaks if v is not None), default=None)
        return {
            "peak_rss_mb": total(peaks),
            "rss_mb": total(currents),
            "processes": len(peaks),
            "largest_process_peak_rss_mb": total([largest]),
        }

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far (all its threads and processes)."""
        return sum(_cpu_of(process_tree(self.pid)).values())

    def banner(self) -> str | None:
        """The server's first line that says where it serves (it names the store, worker)."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return None
        return next((line.strip() for line in lines if "serving on" in line), None)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's output, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def run_command(argv: list[str], env: Mapping[str, str], timeout: float = 300) -> str:
    """Run a setup command; its stdout, or an error with its stderr."""
    result = subprocess.run(
        argv, env=dict(env), cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[2:])} failed: {result.stderr.strip()}")
    return result.stdout


def sightgate_argv(*args: str) -> list[str]:
    """The ``sightgate`` command run by this interpreter (the venv's)."""
    return [sys.executable, "-m", "sightgate", *args]


# -- statistics --------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Recorder:
    """Latencies (seconds) and failures per request kind."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        """Record one request; failures keep a few samples for the report."""
        self.latencies[kind].append(seconds)
        if not ok:
            self.errors[kind] += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{kind}: {detail}"[:300])

    def merge(self, other: Recorder) -> None:
        """Add another recorder's measurements (from a load-generator process)."""
        for kind, values in other.latencies.items():
            self.latencies[kind].extend(values)
        for kind, count in other.errors.items():
            self.errors[kind] += count
        self.error_samples.extend(other.error_samples[: 5 - len(self.error_samples)])

    def __getstate__(self) -> dict[str, Any]:
        # defaultdict(lambda) cannot be pickled; send plain dicts between processes.
        return {
            "latencies": dict(self.latencies),
            "errors": dict(self.errors),
            "error_samples": self.error_samples,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.latencies = defaultdict(list, state["latencies"])
        self.errors = defaultdict(int, state["errors"])
        self.error_samples = state["error_samples"]

    def kinds(self, elapsed: float) -> dict[str, dict[str, Any]]:
        """Count, errors, rate and latency percentiles (ms) of each kind."""
        result: dict[str, dict[str, Any]] = {}
        for kind, values in self.latencies.items():
            ordered = sorted(values)
            result[kind] = {
                "count": len(ordered),
                "errors": self.errors.get(kind, 0),
                "requests_per_s": round(len(ordered) / elapsed, 1) if elapsed else None,
                "mean_ms": round(1000 * sum(ordered) / len(ordered), 2),
                "p50_ms": round(1000 * percentile(ordered, 0.50), 2),
                "p90_ms": round(1000 * percentile(ordered, 0.90), 2),
                "p99_ms": round(1000 * percentile(ordered, 0.99), 2),
                "max_ms": round(1000 * ordered[-1], 2),
            }
        return result


# -- load generation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A response as the jobs see it, whichever client fetched it."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.content)

    @property
    def text(self) -> str:
        """The body as text (for error reports)."""
        return self.content.decode(errors="replace")


class Client(ABC):
    """An HTTP client that times every request under a kind name."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    async def request(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        expect: int,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        check: Callable[[Reply], bool] | None = None,
    ) -> Reply | None:
        """Send one request and record it; None when it failed at the transport level."""
        started = time.perf_counter()
        try:
            reply = await self.send(method, url, params, json)
        except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            self.recorder.add(kind, time.perf_counter() - started, False, repr(error))
            return None
        elapsed = time.perf_counter() - started
        ok = reply.status_code == expect and (check is None or check(reply))
        detail = "" if ok else f"{reply.status_code} {reply.text[:200]}"
        self.recorder.add(kind, elapsed, ok, detail)
        return reply

    @abstractmethod
    async def send(
        self, method: str, url: str, params: Mapping[str, str] | None, payload: Any
    ) -> Reply:
        """Send a request relative to the base URL and read the whole response."""


class HttpxClient(Client):
    """httpx.AsyncClient, shared by all clients of a process: what the issue asks for."""

    def __init__(self, recorder: Recorder, http: httpx.AsyncClient) -> None:
        super().__init__(recorder)
        self.http = http

    async def send(
        self, method: str, url: str, params: Mapping[str, str] | None, payload: Any
    ) -> Reply:
        """One request through httpx."""
        response = await self.http.request(method, url, params=params, json=payload)
        return Reply(response.status_code, response.content)


class LeanClient(Client):
    """HTTP/1.1 over one keep-alive socket with asyncio streams, nothing else.

    httpx costs about 0.7 ms of CPU per request here, three times what the bare endpoint
    costs the server, so an httpx-driven baseline measures httpx. This client costs a
    few tens of microseconds, which lets a phase show what the server itself can do. It
    understands only what our two servers send: Content-Length bodies.
    """

    def __init__(self, recorder: Recorder, base_url: str, headers: Mapping[str, str]) -> None:
        super().__init__(recorder)
        parsed = httpx.URL(base_url)
        self.host = parsed.host
        self.port = parsed.port or 80
        self.base_path = parsed.path.rstrip("/")
        self.header_lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(
        self, method: str, url: str, params: Mapping[str, str] | None, payload: Any
    ) -> Reply:
        """One request on the connection (opened on first use, reopened after an error)."""
        target = self.base_path + url + (f"?{urlencode(params, quote_via=quote)}" if params else "")
        body = json.dumps(payload).encode() if payload is not None else b""
        head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += self.header_lines
        if body:
            head += f"Content-Type: application/scim+json\r\nContent-Length: {len(body)}\r\n"
        try:
            if self.streams is None:
                self.streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self.streams
            writer.write(head.encode() + b"\r\n" + body)
            response_head = await reader.readuntil(b"\r\n\r\n")
            lines = response_head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            content = await reader.readexactly(length) if length else b""
        except BaseException:
            await self.close()
            raise
        return Reply(status, content)

    async def close(self) -> None:
        """Close the socket."""
        streams, self.streams = self.streams, None
        if streams is not None:
            streams[1].close()


Job = Callable[[Client], Awaitable[None]]
JobSource = Callable[[int, int], Iterable[Job]]
"""``source(index, count)``: the jobs of load-generator process ``index`` of ``count``."""


def in_one_process(jobs: Iterable[Job]) -> JobSource:
    """A source for jobs that must run in this process (they record results in memory)."""

    def source(index: int, count: int) -> Iterable[Job]:
        if count != 1:
            raise ValueError("these jobs must run in one process")
        return jobs

    return source


@dataclass(frozen=True)
class Load:
    """Where and how hard to drive a phase."""

    base_url: str
    headers: Mapping[str, str]
    concurrency: int
    time_limit: float
    server: ServerProcess
    client: Literal["httpx", "lean"] = "httpx"
    database_pids: Callable[[], list[int]] | None = None
    """The database server's processes serving us (PostgreSQL backends), to count their CPU."""


def run_phase(name: str, load: Load, jobs: JobSource, *, processes: int = 1) -> dict[str, Any]:
    """Run the jobs with ``load.concurrency`` clients until done or out of time.

    A job is one client's unit of work (a single request, or the several requests an IdP
    sends for one user); clients take the next job as soon as they finish one, so the
    server always has ``concurrency`` requests in flight. The server's CPU time and the
    load generator's are measured too: on a small machine they compete for cores, and the
    report should show how much.

    With ``processes`` > 1 the clients are split over that many forked processes, each
    with its share of the jobs: one Python process running httpx cannot saturate a bare
    uvicorn endpoint, so a baseline driven by one process would measure the client.
    Jobs that write into this process's memory need ``processes=1``.
    """
    recorder = Recorder()
    server_cpu = load.server.cpu_seconds()
    db_cpu = _cpu_of(load.database_pids()) if load.database_pids else {}
    busy = busy_cpu_seconds()
    if processes == 1:
        part = _run_part(load, jobs(0, 1), time.perf_counter() + load.time_limit)
        parts = [part]
    else:
        parts = _run_forked(load, jobs, processes)
    server_cpu = load.server.cpu_seconds() - server_cpu
    busy = busy_cpu_seconds() - busy
    db_cpu_s = (
        sum(cpu - db_cpu.get(pid, 0.0) for pid, cpu in _cpu_of(load.database_pids()).items())
        if load.database_pids
        else 0.0
    )
    client_cpu = sum(p.client_cpu for p in parts)
    elapsed = max(p.finished for p in parts) - min(p.started for p in parts)
    for part in parts:
        recorder.merge(part.recorder)
    kinds = recorder.kinds(elapsed)
    requests = sum(k["count"] for k in kinds.values())
    return {
        "name": name,
        "concurrency": load.concurrency,
        "client": load.client,
        "client_processes": processes,
        "elapsed_s": round(elapsed, 2),
        "stopped_at_time_limit": any(p.stopped for p in parts),
        "requests": requests,
        "errors": sum(k["errors"] for k in kinds.values()),
        "error_samples": recorder.error_samples,
        "requests_per_s": round(requests / elapsed, 1),
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_ms_per_request": round(1000 * server_cpu / requests, 3) if requests else None,
        "database_cpu_s": round(db_cpu_s, 2) if load.database_pids else None,
        "client_cpu_s": round(client_cpu, 2),
        # Everything else the machine did meanwhile (other processes, the kernel's share of
        # loopback traffic): near zero on a quiet machine, large when something competes.
        "other_cpu_s": round(max(0.0, busy - server_cpu - client_cpu - db_cpu_s), 2),
        "kinds": kinds,
        "server_memory": load.server.memory(),
    }


@dataclass
class _Part:
    """What one load-generator process measured (times are CLOCK_MONOTONIC, system-wide)."""

    recorder: Recorder
    started: float
    finished: float
    client_cpu: float
    stopped: bool


def _run_part(load: Load, jobs: Iterable[Job], deadline: float) -> _Part:
    recorder = Recorder()
    cpu = time.process_time()
    started = time.perf_counter()
    stopped = asyncio.run(_drive(load, iter(jobs), recorder, deadline))
    finished = time.perf_counter()
    return _Part(recorder, started, finished, time.process_time() - cpu, stopped)


def _run_forked(load: Load, jobs: JobSource, processes: int) -> list[_Part]:
    """Run the phase in forked children (fork: jobs need not be picklable, results are)."""
    context = multiprocessing.get_context("fork")
    deadline = time.perf_counter() + load.time_limit
    children = []
    for index in range(processes):
        share = load.concurrency // processes + (index < load.concurrency % processes)
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_child,
            args=(
                sender,
                replace(load, concurrency=max(1, share)),
                jobs,
                index,
                processes,
                deadline,
            ),
        )
        child.start()
        sender.close()
        children.append((child, receiver))
    parts = []
    for child, receiver in children:
        try:
            parts.append(receiver.recv())
        except EOFError as error:
            raise RuntimeError(f"load generator {child.pid} died") from error
        child.join()
    return parts


def _child(
    sender: Connection,
    load: Load,
    jobs: JobSource,
    index: int,
    processes: int,
    deadline: float,
) -> None:
    sender.send(_run_part(load, jobs(index, processes), deadline))
    sender.close()


async def _drive(load: Load, jobs: Iterator[Job], recorder: Recorder, deadline: float) -> bool:
    stopped = False

    async def worker(client: Client) -> None:
        nonlocal stopped
        for job in jobs:  # one shared iterator: each job runs exactly once
            if time.perf_counter() > deadline:
                stopped = True
                return
            await job(client)

    if load.client == "lean":
        clients = [
            LeanClient(recorder, load.base_url, load.headers) for _ in range(load.concurrency)
        ]
        try:
            await asyncio.gather(*(worker(c) for c in clients))
        finally:
            for client in clients:
                await client.close()
        return stopped
    limits = httpx.Limits(
        max_connections=load.concurrency, max_keepalive_connections=load.concurrency
    )
    async with httpx.AsyncClient(
        base_url=load.base_url,
        headers=dict(load.headers),
        limits=limits,
        timeout=60,
        trust_env=False,  # only ever 127.0.0.1: no proxy from the environment
    ) as http:
        shared = HttpxClient(recorder, http)
        await asyncio.gather(*(worker(shared) for _ in range(load.concurrency)))
    return stopped


# -- reporting ---------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain-text table with right-aligned numbers."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: list[str], raw: list[Any] | None = None) -> str:
        parts = []
        for i, value in enumerate(values):
            numeric = raw is not None and isinstance(raw[i], int | float)
            parts.append(value.rjust(widths[i]) if numeric else value.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(c, r) for c, r in zip(cells, rows, strict=True)]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
