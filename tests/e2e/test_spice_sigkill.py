"""A server SIGKILLed during an ingestion: after the restart the previous version is still
the one served, the ingestion is FAILED ("the server stopped during the ingestion") and its
temporary files are gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import httpx

from sightgate.analytics.data.spice.versions import SpiceVersions
from sightgate.platform.db import Database
from tests.analytics.data.catalog.conftest import source_database  # noqa: F401 -- a fixture
from tests.e2e.aws.conftest import ACCOUNT, make_client, subscribe
from tests.e2e.helpers import cli_env, free_port, fresh_store, run_json
from tests.e2e.test_spice_api import rows_sql, source_request, spice_members, wait_for


@contextmanager
def server(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[str]]:
    """``sightgate serve --worker`` on ``port``, once /healthz answers."""
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sightgate", "serve", "--port", str(port), "--worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)


def served_rows(database_url: str, data_set_id: str) -> tuple[int, int]:
    """(version number, rows) of the version the dataset's queries read now."""
    db = Database(database_url)
    try:
        with db.read() as conn:
            version = SpiceVersions.current(conn, ACCOUNT, data_set_id)
    finally:
        db.dispose()
    assert version is not None
    with duckdb.connect(str(version.path), read_only=True) as duck:
        row = duck.execute("SELECT count(*) FROM data").fetchone()
    assert row is not None
    return version.number, int(row[0])


def test_sigkill_during_an_ingestion_keeps_the_previous_version(
    tmp_path: Path,
    source_database: dict[str, Any],  # noqa: F811
) -> None:
    with fresh_store() as database_url:
        data_dir = tmp_path / "data"
        env = cli_env(data_dir, database_url)
        store_url = database_url or f"sqlite:///{(data_dir / 'sightgate.db').resolve()}"
        port = free_port()
        log = tmp_path / "server.log"
        with server(env, port, log) as process:
            key = run_json(env, "keys", "create", "--account-id", ACCOUNT)
            qs = make_client(
                f"http://127.0.0.1:{port}",
                "quicksight",
                key_id=key["AccessKeyId"],
                secret=key["SecretAccessKey"],
                region="us-east-1",
                validate=True,
            )
            subscribe(qs, ACCOUNT, "acme")
            source = qs.create_data_source(**source_request(source_database, "warehouse"))["Arn"]
            created = qs.create_data_set(**spice_members("sales", source, rows_sql(500)))
            wait_for(qs, "sales", created["IngestionId"], "COMPLETED")
            updated = qs.update_data_set(
                **spice_members("sales", source, rows_sql(600, seconds_per_row=0.1))
            )
            killed = updated["IngestionId"]
            wait_for(qs, "sales", killed, "RUNNING")
            time.sleep(2.5)  # a heartbeat or so into the build
            building = list((data_dir / "spice").rglob(".*"))
            assert building, "the build writes temporary files"
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=15)

        assert served_rows(store_url, "sales") == (1, 500)
        with server(env, port, log):
            failed = wait_for(qs, "sales", killed, "FAILED", timeout=30)
            assert failed["ErrorInfo"]["Message"].startswith(
                "the server stopped during the ingestion"
            )
            assert served_rows(store_url, "sales") == (1, 500)
            assert not [p for p in (data_dir / "spice").rglob(".*") if p.exists()]
            # The dataset still ingests after the restart.
            qs.update_data_set(**spice_members("sales", source, rows_sql(700)))
            listed = qs.list_ingestions(AwsAccountId=ACCOUNT, DataSetId="sales")["Ingestions"]
            wait_for(qs, "sales", listed[0]["IngestionId"], "COMPLETED")
            assert served_rows(store_url, "sales") == (2, 700)
