"""The ingestion runner: claims QUEUED ingestions and builds them in the background.

It runs in ``sightgate serve`` (embedded store) and in ``sightgate worker``, on a thread of
its own, one build at a time. A claim names the runner (``host:pid:token``); while a build
runs, a second thread beats the ingestion's heartbeat every ``HEARTBEAT_INTERVAL``
seconds with the rows staged so far, and stops the build when the ingestion is no longer
its own (cancelled). Recovery, at start-up and every ``RECOVERY_INTERVAL``, fails the
RUNNING ingestions whose runner is gone: its heartbeat is older than ``STALE_AFTER``, or
its process no longer exists on this host. Old versions are collected as often.

An idle runner sleeps until a commit that wrote events (a queued ingestion writes one)
rings ``Database.new_events``, or ``poll_interval`` passes.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sightgate.analytics.data.model import ErrorInfo
from sightgate.analytics.data.query.ports import DataSetLookup
from sightgate.analytics.data.spice import ingestions as repository
from sightgate.analytics.data.spice.build import (
    Build,
    BuildFailed,
    BuildLimits,
    BuildResult,
    BuildStopped,
)
from sightgate.analytics.data.spice.ingestions import Key, key_of
from sightgate.analytics.data.spice.model import STOPPED_SERVER, Ingestion, Progress
from sightgate.analytics.data.spice.staging import SpiceSources
from sightgate.analytics.data.spice.versions import SpiceVersions, fsync_file
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError
from sightgate.platform.events import SYSTEM
from sightgate.platform.uow import UnitOfWork

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 2.0
STALE_AFTER = 30.0
"""Seconds without a heartbeat after which a RUNNING ingestion's runner counts as gone."""
RECOVERY_INTERVAL = 15.0
PROGRESS_INTERVAL = 0.2
"""Seconds between two progress reports to an ``on_progress`` callback."""
DATA_SET_DELETED = ErrorInfo("DATA_SET_DELETED", "the dataset was deleted")
UNEXPECTED = ErrorInfo("INTERNAL_SERVICE_ERROR", "the ingestion failed unexpectedly")

_live: set[str] = set()
"""The runners of this process (recovery never fails their ingestions)."""

ProgressCallback = Callable[[Progress], None]


def runner_name() -> str:
    """``host:pid:token``: the token tells a restarted process with a reused pid (pid 1
    in a container) from the one that claimed."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class IngestionRunner:
    """Claims and builds ingestions; ``run_forever`` on a thread, ``stop`` from another."""

    def __init__(
        self,
        db: Database,
        versions: SpiceVersions,
        data_sets: DataSetLookup,
        sources: SpiceSources,
        limits: BuildLimits,
        *,
        poll_interval: float = 1.0,
    ) -> None:
        self.db = db
        self.versions = versions
        self.data_sets = data_sets
        self.sources = sources
        self.limits = limits
        self.poll_interval = poll_interval
        self.name = runner_name()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._build: Build | None = None
        _live.add(self.name)

    def run_forever(self, stop: threading.Event) -> None:
        """Run ingestions until ``stop`` is set; a build running then is stopped and
        its ingestion FAILED (the server stopped during it)."""
        watcher = threading.Thread(
            target=self._stop_on, args=(stop,), name="sightgate-spice-stop", daemon=True
        )
        watcher.start()
        bell = self.db.new_events
        next_upkeep = 0.0
        while not stop.is_set():
            seen = bell.rings
            try:
                if _monotonic() >= next_upkeep:
                    self.recover()
                    self.collect()
                    next_upkeep = _monotonic() + RECOVERY_INTERVAL
                if self.run_next() is None:
                    bell.wait(seen, min(self.poll_interval, RECOVERY_INTERVAL))
            except Exception:  # the store may be away for a while: keep trying
                log.exception("running ingestions failed; retrying")
                stop.wait(max(self.poll_interval, 1.0))

    def stop(self) -> None:
        """Stop the build that runs now (its ingestion FAILED), and run no other."""
        self._stopping.set()
        with self._lock:
            if self._build is not None:
                self._build.stop()

    def _stop_on(self, stop: threading.Event) -> None:
        stop.wait()
        self.stop()
        self.db.new_events.ring()

    def run_next(self) -> Ingestion | None:
        """Claim the oldest QUEUED ingestion and build it; None when nothing waits."""
        if self._stopping.is_set():
            return None
        with UnitOfWork(self.db, SYSTEM) as uow:
            claimed = repository.claim_next(uow.conn, self.name, _now())
        return self.run(claimed) if claimed is not None else None

    def claim(self, key: Key) -> Ingestion | None:
        """Claim one QUEUED ingestion for this runner (``datasets upload`` builds its
        own); None when another runner has it, or it is no longer QUEUED."""
        with UnitOfWork(self.db, SYSTEM) as uow:
            return repository.claim(uow.conn, key, self.name, _now())

    def run(self, ingestion: Ingestion, on_progress: ProgressCallback | None = None) -> Ingestion:
        """Build a claimed ingestion and record how it ended; the ingestion then."""
        key = key_of(ingestion)
        try:
            data_set = self.data_sets.by_arn(ingestion.account_id, ingestion.data_set_arn)
        except NotFoundError:
            self._fail(key, DATA_SET_DELETED)
            return self._read(key, ingestion)
        build = Build(
            data_set, ingestion.ingestion_id, self.versions.layout, self.sources, self.limits
        )
        done = threading.Event()
        beating = threading.Thread(
            target=self._beat,
            args=(key, build, done, on_progress),
            name="sightgate-spice-heartbeat",
            daemon=True,
        )
        with self._lock:
            self._build = build
        if self._stopping.is_set():
            build.stop()
        beating.start()
        try:
            self._finish(key, build)
        finally:
            done.set()
            beating.join()
            with self._lock:
                self._build = None
            self.versions.layout.remove_build_files(*key)
        return self._read(key, ingestion)

    def _finish(self, key: Key, build: Build) -> None:
        try:
            result = build.run()
        except BuildStopped:
            if self._stopping.is_set():
                self._fail(key, STOPPED_SERVER)
            return  # otherwise it was cancelled: CANCELLED already
        except BuildFailed as failure:
            self._fail(key, failure.info)
            return
        except Exception:
            log.exception("ingestion %s failed", key[2])
            self._fail(key, UNEXPECTED)
            return
        self._publish(key, result)

    def _publish(self, key: Key, result: BuildResult) -> None:
        """The new version, the dataset's current number and COMPLETED: one commit."""
        fsync_file(result.path)  # before the transaction: it may take a while
        size = result.path.stat().st_size
        with UnitOfWork(self.db, SYSTEM) as uow:
            now = _now()
            completed = repository.complete(
                uow.conn,
                key,
                self.name,
                now,
                rows=result.rows,
                dropped=result.rows_dropped,
                size=size,
            )
            if not completed:
                return  # cancelled (or the dataset deleted) meanwhile: keep what is served
            version = self.versions.publish(
                uow.conn,
                account_id=key[0],
                data_set_id=key[1],
                ingestion_id=key[2],
                build=result.path,
                row_count=result.rows,
                now=now,
            )
            ingestion = repository.read(uow.conn, key)
            if ingestion is not None:
                uow.emit(
                    repository.event(
                        repository.INGESTION_COMPLETED,
                        ingestion,
                        VersionNumber=version.number,
                        RowsIngested=result.rows,
                        RowsDropped=result.rows_dropped,
                    )
                )

    def _fail(self, key: Key, error: ErrorInfo) -> None:
        with UnitOfWork(self.db, SYSTEM) as uow:
            for failed in repository.fail(uow.conn, [key], _now(), error, runner=self.name):
                uow.emit(
                    repository.event(repository.INGESTION_FAILED, failed, ErrorType=error.type)
                )

    def _beat(
        self, key: Key, build: Build, done: threading.Event, on_progress: ProgressCallback | None
    ) -> None:
        """Beat the heartbeat (and report progress) until ``done``; stop the build when
        the ingestion stops being this runner's."""
        next_beat = _monotonic() + HEARTBEAT_INTERVAL
        interval = PROGRESS_INTERVAL if on_progress else HEARTBEAT_INTERVAL
        while not done.wait(interval):
            progress = build.progress()
            if on_progress is not None:
                on_progress(progress)
            if _monotonic() < next_beat:
                continue
            next_beat = _monotonic() + HEARTBEAT_INTERVAL
            try:
                with UnitOfWork(self.db, SYSTEM) as uow:
                    ours = repository.beat(
                        uow.conn, key, self.name, _now(), progress.rows, progress.fraction
                    )
            except Exception:  # a missed beat is retried; recovery allows for several
                log.warning("heartbeat of ingestion %s failed", key[2], exc_info=True)
                continue
            if not ours:
                build.stop()

    def recover(self) -> list[Ingestion]:
        """Fail the RUNNING ingestions whose runner is gone; the ones failed."""
        now = _now()
        with UnitOfWork(self.db, SYSTEM) as uow:
            keys = set(repository.stale(uow.conn, now - timedelta(seconds=STALE_AFTER)))
            keys.update(k for k, runner in repository.claims(uow.conn) if _gone(runner))
            failed = repository.fail(uow.conn, sorted(keys), now, STOPPED_SERVER)
            for ingestion in failed:
                uow.emit(
                    repository.event(
                        repository.INGESTION_FAILED, ingestion, ErrorType=STOPPED_SERVER.type
                    )
                )
        for ingestion in failed:
            log.warning("ingestion %s failed: its runner is gone", ingestion.ingestion_id)
            self.versions.layout.remove_build_files(*key_of(ingestion))
        return failed

    def collect(self) -> list[Path]:
        """Remove superseded versions and stray files past their grace period."""
        with UnitOfWork(self.db, SYSTEM) as uow:
            return self.versions.collect(uow.conn, _now())

    def _read(self, key: Key, fallback: Ingestion) -> Ingestion:
        with self.db.read() as conn:
            return repository.read(conn, key) or fallback

    def close(self) -> None:
        """Forget this runner (its claims may be recovered by another of the process)."""
        _live.discard(self.name)


def _gone(runner: str) -> bool:
    """Whether the runner that claimed is known to be gone: its process (on this host)
    no longer exists, or it is this process under a name no live runner has."""
    host, _, rest = runner.partition(":")
    pid_text, _, _token = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host's: only its heartbeat tells
    pid = int(pid_text)
    if pid == os.getpid():
        return runner not in _live
    return not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) is gone too
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _now() -> datetime:
    return datetime.now(UTC)


def _monotonic() -> float:
    return time.monotonic()
