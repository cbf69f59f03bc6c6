"""SpiceService and the runner on both stores: queueing, building, versions, cancelling,
failing, recovering."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select, update

from sightgate.analytics.data.model import ImportMode, S3Source, UploadSettings
from sightgate.analytics.data.spice import ingestions as repository
from sightgate.analytics.data.spice import versions as versions_module
from sightgate.analytics.data.spice.model import IngestionStatus, RequestType
from sightgate.analytics.data.spice.runner import IngestionRunner
from sightgate.analytics.data.spice.service import SpiceService
from sightgate.analytics.data.spice.tables import ingestions, spice_versions
from sightgate.analytics.data.spice.versions import Layout, SpiceVersions
from sightgate.platform.db import Database
from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    QuotaExceededError,
    ValidationError,
)
from sightgate.platform.uow import UnitOfWork
from tests.analytics.conftest import ACCOUNT, ACTOR, last_position, types_after
from tests.analytics.data.spice.conftest import SALES_COLUMNS, Catalog, make_runner, write_sales


def current(db: Database, data_set_id: str) -> int | None:
    with db.read() as conn:
        version = SpiceVersions.current(conn, ACCOUNT, data_set_id)
    return version.number if version else None


def rows_of(db: Database, data_set_id: str) -> int:
    with db.read() as conn:
        version = SpiceVersions.current(conn, ACCOUNT, data_set_id)
    assert version is not None
    with duckdb.connect(str(version.path), read_only=True) as duck:
        row = duck.execute("SELECT count(*) FROM data").fetchone()
    assert row is not None
    return int(row[0])


def test_start_queues_in_the_callers_transaction(
    db: Database, spice: SpiceService, catalog: Catalog, tmp_path: Path
) -> None:
    data_set = catalog.upload("sales", write_sales(tmp_path / "s.csv", 3))
    position = last_position(db)
    with UnitOfWork(db, ACTOR) as uow:
        started = spice.start(uow, data_set, None, RequestType.INITIAL_INGESTION)
    assert started.status is IngestionStatus.QUEUED
    assert started.arn == f"{data_set.arn}/ingestion/{started.ingestion_id}"
    assert len(started.ingestion_id) == 36
    assert spice.describe(ACCOUNT, "sales", started.ingestion_id) == started
    assert types_after(db, position) == ["analytics.IngestionQueued"]

    other = catalog.upload("other", tmp_path / "s.csv")
    with pytest.raises(RuntimeError), UnitOfWork(db, ACTOR) as uow:
        spice.start(uow, other, "rolled-back", RequestType.EDIT)
        raise RuntimeError("the caller's transaction fails")
    with pytest.raises(NotFoundError):
        spice.describe(ACCOUNT, "other", "rolled-back")


def test_one_running_and_one_queued_per_dataset(
    db: Database, spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    catalog.upload("sales", write_sales(tmp_path / "s.csv", 3))
    first = spice.create(ACCOUNT, "sales", "first", None, actor=ACTOR)
    assert first.request_type is RequestType.FULL_REFRESH
    with pytest.raises(ConflictError):
        spice.create(ACCOUNT, "sales", "first", "FULL_REFRESH", actor=ACTOR)
    with pytest.raises(QuotaExceededError):
        spice.create(ACCOUNT, "sales", "second", None, actor=ACTOR)
    claimed = runner.claim(repository.key_of(first))
    assert claimed is not None and claimed.status is IngestionStatus.RUNNING
    second = spice.create(ACCOUNT, "sales", "second", "INCREMENTAL_REFRESH", actor=ACTOR)
    assert second.queued_behind == "first"
    assert spice.describe(ACCOUNT, "sales", "second").queued_behind == "first"
    # The second is not claimed while the first runs.
    with UnitOfWork(db, ACTOR) as uow:
        assert repository.claim_next(uow.conn, "other", datetime.now(UTC)) is None


def test_bad_requests(spice: SpiceService, catalog: Catalog, tmp_path: Path) -> None:
    catalog.upload("sales", write_sales(tmp_path / "s.csv", 3))
    catalog.add(
        "direct",
        {"t": S3Source(None, UploadSettings(), SALES_COLUMNS)},
        import_mode=ImportMode.DIRECT_QUERY,
    )
    with pytest.raises(NotFoundError):
        spice.create(ACCOUNT, "missing", "x", None, actor=ACTOR)
    with pytest.raises(ValidationError, match="only SPICE"):
        spice.create(ACCOUNT, "direct", "x", None, actor=ACTOR)
    with pytest.raises(ValidationError, match="IngestionType"):
        spice.create(ACCOUNT, "sales", "x", "EDIT", actor=ACTOR)
    with pytest.raises(ValidationError, match="IngestionId"):
        spice.create(ACCOUNT, "sales", "bad id!", None, actor=ACTOR)
    with pytest.raises(NotFoundError):
        spice.describe(ACCOUNT, "sales", "nope")
    with pytest.raises(NotFoundError):
        spice.list(ACCOUNT, "missing")


def test_an_ingestion_builds_a_version_and_the_next_one_replaces_it(
    db: Database, spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    path = write_sales(tmp_path / "s.csv", 10, bad=2)
    catalog.upload("sales", path)
    spice.create(ACCOUNT, "sales", "one", None, actor=ACTOR)
    position = last_position(db)
    done = runner.run_next()
    assert done is not None and done.status is IngestionStatus.COMPLETED, done
    assert (done.rows_ingested, done.rows_dropped, done.total_rows) == (10, 2, 10)
    assert done.size_bytes and done.size_bytes > 0
    assert done.seconds is not None
    assert current(db, "sales") == 1
    assert rows_of(db, "sales") == 10
    assert types_after(db, position) == ["analytics.IngestionCompleted"]
    with db.read() as conn:
        version = SpiceVersions.current(conn, ACCOUNT, "sales")
    assert version is not None and version.path.name == "1.duckdb" and version.row_count == 10
    with duckdb.connect(str(version.path), read_only=True) as duck:
        types = dict(
            duck.execute("SELECT column_name, column_type FROM (DESCRIBE data)").fetchall()
        )
    assert types == {
        "id": "BIGINT",
        "customer": "VARCHAR",
        "revenue": "DOUBLE",
        "sold": "TIMESTAMP",
    }

    write_sales(path, 4)
    spice.create(ACCOUNT, "sales", "two", None, actor=ACTOR)
    assert runner.run_next() is not None
    assert current(db, "sales") == 2 and rows_of(db, "sales") == 4
    assert sorted(p.name for p in version.path.parent.iterdir()) == ["1.duckdb", "2.duckdb"]
    assert runner.run_next() is None


def test_a_failed_ingestion_keeps_the_version_served(
    db: Database, spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    path = write_sales(tmp_path / "s.csv", 5)
    catalog.upload("sales", path)
    spice.create(ACCOUNT, "sales", "one", None, actor=ACTOR)
    runner.run_next()
    path.unlink()
    spice.create(ACCOUNT, "sales", "two", None, actor=ACTOR)
    failed = runner.run_next()
    assert failed is not None and failed.status is IngestionStatus.FAILED
    assert failed.error is not None and failed.error.type == "S3_UPLOADED_FILE_DELETED"
    assert str(path) in failed.error.message
    assert current(db, "sales") == 1 and rows_of(db, "sales") == 5
    directory = runner.versions.layout.data_set_dir(ACCOUNT, "sales")
    assert [p.name for p in directory.iterdir()] == ["1.duckdb"]


def test_input_over_the_limit_fails_before_reading(
    db: Database, spice: SpiceService, catalog: Catalog, layout: Layout, tmp_path: Path
) -> None:
    catalog.upload("sales", write_sales(tmp_path / "s.csv", 100))
    small = make_runner(db, layout, catalog, max_bytes=100)
    spice.create(ACCOUNT, "sales", "big", None, actor=ACTOR)
    failed = small.run_next()
    small.close()
    assert failed is not None and failed.status is IngestionStatus.FAILED
    assert failed.error is not None and failed.error.type == "DATA_SET_SIZE_LIMIT_EXCEEDED"
    assert "SIGHTGATE_SPICE_MAX_UPLOAD_BYTES" in failed.error.message


def test_malformed_rows_are_dropped_and_counted(
    db: Database, spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "id,customer,revenue,sold\n"
        "1,a,1.5,2024-01-01\n"
        "2,b\n"  # too few columns
        "3,c,2,2024-01-02,extra\n"  # too many
        '4,"d, quoted",3,not a date\n'  # a bad date
        '5,"O\'Reilly",4,2024-01-03\n'
    )
    catalog.upload("sales", path)
    spice.create(ACCOUNT, "sales", "one", None, actor=ACTOR)
    done = runner.run_next()
    assert done is not None and done.status is IngestionStatus.COMPLETED
    assert (done.rows_ingested, done.rows_dropped) == (2, 3)
    with db.read() as conn:
        version = SpiceVersions.current(conn, ACCOUNT, "sales")
    assert version is not None
    with duckdb.connect(str(version.path), read_only=True) as duck:
        assert duck.execute("SELECT customer FROM data ORDER BY id").fetchall() == [
            ("a",),
            ("O'Reilly",),
        ]


def test_tsv_json_and_parquet_files(
    db: Database, spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    from sightgate.analytics.data.model import FileFormat

    tsv = tmp_path / "s.tsv"
    tsv.write_text("id\tcustomer\trevenue\tsold\n1\ta,b\t2.5\t2024-01-01\n")
    json_file = tmp_path / "s.json"
    json_file.write_text(
        '[{"id": 1, "customer": "a", "revenue": 2.5, "sold": "2024-01-01"},'
        ' {"id": "x", "customer": "b", "revenue": 1, "sold": null}]'
    )
    parquet = tmp_path / "s.parquet"
    with duckdb.connect() as duck:
        duck.execute(
            "COPY (SELECT 1 AS id, 'a' AS customer, 2.5 AS revenue,"
            f" TIMESTAMP '2024-01-01' AS sold) TO '{parquet}' (FORMAT parquet)"
        )
    for name, path, kind, dropped in (
        ("tsv", tsv, FileFormat.TSV, 0),
        ("json", json_file, FileFormat.JSON, 1),
        ("parquet", parquet, FileFormat.PARQUET, 0),
    ):
        catalog.upload(name, path, settings=UploadSettings(format=kind))
        spice.create(ACCOUNT, name, "one", None, actor=ACTOR)
        done = runner.run_next()
        assert done is not None and done.status is IngestionStatus.COMPLETED, (name, done)
        assert (done.rows_ingested, done.rows_dropped) == (1, dropped), name


def _slow_file(path: Path) -> Path:
    """A file big enough that its build takes a while (a few seconds)."""
    return write_sales(path, 3_000_000)


def _wait(predicate: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_cancelling_a_running_ingestion_keeps_the_version(
    db: Database, spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    small = write_sales(tmp_path / "small.csv", 3)
    catalog.upload("sales", small)
    spice.create(ACCOUNT, "sales", "one", None, actor=ACTOR)
    runner.run_next()
    _slow_file(small)
    queued = spice.create(ACCOUNT, "sales", "two", None, actor=ACTOR)
    thread = threading.Thread(target=runner.run_next)
    thread.start()
    _wait(lambda: spice.describe(ACCOUNT, "sales", "two").status is IngestionStatus.RUNNING)
    cancelled = spice.cancel(ACCOUNT, "sales", "two", actor=ACTOR)
    assert cancelled.status is IngestionStatus.CANCELLED
    assert cancelled.error is not None and cancelled.error.type == "INGESTION_CANCELED"
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert spice.describe(ACCOUNT, "sales", queued.ingestion_id).status is IngestionStatus.CANCELLED
    assert current(db, "sales") == 1 and rows_of(db, "sales") == 3
    directory = runner.versions.layout.data_set_dir(ACCOUNT, "sales")
    assert [p.name for p in directory.iterdir()] == ["1.duckdb"]
    with pytest.raises(ValidationError, match="already finished"):
        spice.cancel(ACCOUNT, "sales", "two", actor=ACTOR)
    with pytest.raises(ValidationError, match="already finished"):
        spice.cancel(ACCOUNT, "sales", "one", actor=ACTOR)


def test_cancelling_a_queued_ingestion(
    spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    catalog.upload("sales", write_sales(tmp_path / "s.csv", 3))
    spice.create(ACCOUNT, "sales", "one", None, actor=ACTOR)
    assert spice.cancel(ACCOUNT, "sales", "one", actor=ACTOR).status is IngestionStatus.CANCELLED
    assert runner.run_next() is None
    with pytest.raises(NotFoundError):
        spice.cancel(ACCOUNT, "sales", "nope", actor=ACTOR)


def test_stopping_the_runner_fails_its_build(
    db: Database, spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    catalog.upload("sales", _slow_file(tmp_path / "s.csv"))
    spice.create(ACCOUNT, "sales", "one", None, actor=ACTOR)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run_forever, args=(stop,))
    thread.start()
    _wait(lambda: spice.describe(ACCOUNT, "sales", "one").status is IngestionStatus.RUNNING)
    stop.set()
    thread.join(timeout=30)
    failed = spice.describe(ACCOUNT, "sales", "one")
    assert failed.status is IngestionStatus.FAILED
    assert failed.error is not None and "server stopped" in failed.error.message
    assert current(db, "sales") is None


def _claimed_by(db: Database, runner: str, heartbeat: datetime) -> None:
    with db.write() as conn:
        conn.execute(
            update(ingestions).values(
                status="RUNNING", claimed_by=runner, heartbeat=heartbeat, started=heartbeat
            )
        )


def test_recovery_fails_ingestions_whose_runner_is_gone(
    db: Database, spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    import socket

    catalog.upload("sales", write_sales(tmp_path / "s.csv", 3))
    catalog.upload("other", write_sales(tmp_path / "o.csv", 3))
    catalog.upload("remote", write_sales(tmp_path / "r.csv", 3))
    for name in ("sales", "other", "remote"):
        spice.create(ACCOUNT, name, "one", None, actor=ACTOR)
    now = datetime.now(UTC)
    host = socket.gethostname()
    # A dead process of this host (recent heartbeat), and a restarted one with our pid.
    with db.write() as conn:
        for data_set_id, claimer, beat in (
            ("sales", f"{host}:999999:dead", now),
            ("other", f"{host}:{os.getpid()}:previous", now),
            ("remote", "elsewhere:1:x", now),
        ):
            conn.execute(
                update(ingestions)
                .where(ingestions.c.data_set_id == data_set_id)
                .values(status="RUNNING", claimed_by=claimer, heartbeat=beat, started=beat)
            )
    leftover = runner.versions.layout.build_path(ACCOUNT, "sales", "one")
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half")
    failed = runner.recover()
    assert sorted(i.data_set_id for i in failed) == ["other", "sales"]
    assert not leftover.exists()
    described = spice.describe(ACCOUNT, "sales", "one")
    assert described.status is IngestionStatus.FAILED
    assert described.error is not None
    assert described.error.message.startswith("the server stopped during the ingestion")
    assert spice.describe(ACCOUNT, "remote", "one").status is IngestionStatus.RUNNING
    # Another host's runner counts as gone once its heartbeat is stale.
    with db.write() as conn:
        conn.execute(
            update(ingestions)
            .where(ingestions.c.data_set_id == "remote")
            .values(heartbeat=now - timedelta(minutes=5))
        )
    assert [i.data_set_id for i in runner.recover()] == ["remote"]


def test_list_is_newest_first_and_paged(
    spice: SpiceService, catalog: Catalog, runner: IngestionRunner, tmp_path: Path
) -> None:
    catalog.upload("sales", write_sales(tmp_path / "s.csv", 3))
    for n in range(5):
        spice.create(ACCOUNT, "sales", f"i{n}", None, actor=ACTOR)
        runner.run_next()
    seen: list[str] = []
    after = None
    while True:
        page = spice.list(ACCOUNT, "sales", limit=2, after=after)
        seen.extend(i.ingestion_id for i in page.items)
        if page.next_key is None:
            break
        after = page.next_key
    assert seen == ["i4", "i3", "i2", "i1", "i0"]
    with pytest.raises(ValidationError):
        spice.list(ACCOUNT, "sales", after="garbage")


def test_superseded_versions_are_collected_after_the_grace_period(
    db: Database,
    spice: SpiceService,
    catalog: Catalog,
    runner: IngestionRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalog.upload("sales", write_sales(tmp_path / "s.csv", 3))
    for n in range(3):
        spice.create(ACCOUNT, "sales", f"i{n}", None, actor=ACTOR)
        runner.run_next()
    directory = runner.versions.layout.data_set_dir(ACCOUNT, "sales")
    stray = directory / "7.duckdb"
    stray.write_bytes(b"no row names me")
    assert runner.collect() == []  # within the grace period: readers may have them open
    monkeypatch.setattr(versions_module, "GRACE_PERIOD", timedelta(0))
    old = time.time() - 60
    os.utime(stray, (old, old))
    removed = runner.collect()
    assert sorted(p.name for p in removed) == ["1.duckdb", "2.duckdb", "7.duckdb"]
    assert [p.name for p in directory.iterdir()] == ["3.duckdb"]
    with db.read() as conn:
        assert conn.execute(select(spice_versions.c.number)).scalars().all() == [3]
    assert current(db, "sales") == 3
