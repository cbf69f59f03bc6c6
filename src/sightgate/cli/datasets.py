"""``sightgate datasets``: SPICE datasets from the command line, and the ingestion runner
that ``serve`` and ``worker`` run in the background."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sightgate.cli.shared import (
    AccountIdOption,
    JsonOption,
    cli_actor,
    console,
    group,
    print_json,
    say,
    services,
    settings,
)

if TYPE_CHECKING:
    from sightgate.analytics.data.spice.model import Ingestion, Progress
    from sightgate.bootstrap import Services
    from sightgate.config import Settings

WATCH_INTERVAL = 0.25
"""Seconds between two looks at an ingestion another process builds."""

datasets_app = group("SPICE datasets: upload files, see what a user sees.")


@contextmanager
def ingestions_in_background(running: Services, configured: Settings) -> Iterator[None]:
    """Build queued SPICE ingestions on a thread of this process for the block's
    duration; on exit the build in progress is stopped (its ingestion FAILED)."""
    runner = running.data.ingestion_runner(configured)
    stop = threading.Event()
    thread = threading.Thread(
        target=runner.run_forever, args=(stop,), name="sightgate-ingestions", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        runner.close()


@datasets_app.command("upload")
def upload(
    file: Annotated[Path, typer.Argument(help="A .csv, .tsv, .json (or .jsonl) or .parquet file.")],
    account_id: AccountIdOption,
    data_set_id: Annotated[str, typer.Option("--data-set-id", help="The dataset's id.")],
    name: Annotated[
        str | None, typer.Option("--name", help="The dataset's name [default: the file's].")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make FILE a SPICE dataset (or its next version), with a progress bar."""
    from sightgate.analytics.data.spice.upload import upload_request
    from sightgate.platform.errors import NotFoundError, SightgateError

    configured = settings()
    running = services()
    request = upload_request(file, data_set_id, name, max_bytes=configured.spice_max_upload_bytes)
    datasets = running.data.datasets
    try:
        datasets.describe(account_id, data_set_id)
    except NotFoundError:
        saved = datasets.create(account_id, request, actor=cli_actor())
    else:
        saved = datasets.update(account_id, data_set_id, request, actor=cli_actor())
    assert saved.ingestion is not None  # a SPICE dataset is always ingested
    queued = running.data.spice.describe(account_id, data_set_id, saved.ingestion.ingestion_id)
    runner = running.data.ingestion_runner(configured)
    try:
        done = _ingest(running, runner, queued, show=not as_json)
    finally:
        runner.close()
    if as_json:
        print_json(_summary(done))
    else:
        say(_line(done))
    if done.error is not None:
        raise SightgateError(f"the ingestion {done.status.value}: {done.error.message}")


def _ingest(running: Services, runner: Any, queued: Ingestion, *, show: bool) -> Ingestion:
    """Build the ingestion here (or, when a server's runner was faster, watch it)."""
    from rich.progress import BarColumn, TaskProgressColumn, TextColumn
    from rich.progress import Progress as Bar

    from sightgate.analytics.data.spice.ingestions import key_of

    bar = Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]} rows"),
        console=console(),
        disable=not show,
    )
    with bar:
        task = bar.add_task(f"ingesting {queued.data_set_id}", total=100, rows=0)

        def report(progress: Progress) -> None:
            completed = 100 * progress.fraction if progress.fraction is not None else None
            bar.update(task, completed=completed, rows=f"{progress.rows:,}")

        claimed = runner.claim(key_of(queued))
        if claimed is not None:
            done: Ingestion = runner.run(claimed, on_progress=report)
        else:
            done = _watch(running, queued, report)
        bar.update(task, completed=100, rows=f"{done.rows_ingested or 0:,}")
    return done


def _watch(running: Services, queued: Ingestion, report: Any) -> Ingestion:
    """Follow an ingestion another process builds until it has finished."""
    from sightgate.analytics.data.spice.model import Progress

    spice = running.data.spice
    while True:
        found = spice.describe(queued.account_id, queued.data_set_id, queued.ingestion_id)
        if found.status.finished:
            return found
        report(Progress(found.rows_ingested or 0, found.progress))
        time.sleep(WATCH_INTERVAL)


def _summary(ingestion: Ingestion) -> dict[str, Any]:
    return {
        "DataSetId": ingestion.data_set_id,
        "IngestionId": ingestion.ingestion_id,
        "IngestionStatus": ingestion.status.value,
        "RowsIngested": ingestion.rows_ingested,
        "RowsDropped": ingestion.rows_dropped,
        "IngestionSizeInBytes": ingestion.size_bytes,
        "IngestionTimeInSeconds": ingestion.seconds,
        "ErrorInfo": (
            {"Type": ingestion.error.type, "Message": ingestion.error.message}
            if ingestion.error
            else None
        ),
    }


def _line(ingestion: Ingestion) -> str:
    return (
        f"{ingestion.data_set_id}: {ingestion.status.value}, {ingestion.rows_ingested or 0:,} rows"
        f" ingested, {ingestion.rows_dropped or 0:,} dropped"
        f" ({ingestion.seconds if ingestion.seconds is not None else '?'} s)"
    )
