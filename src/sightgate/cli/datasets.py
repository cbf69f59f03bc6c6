"""``sightgate datasets``: SPICE datasets from the command line, and the ingestion runner
that ``serve`` and ``worker`` run in the background."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
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
    print_table,
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


# -- preview --------------------------------------------------------------------------


def _tags(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    tags: dict[str, str] = {}
    for value in values:
        key, sep, tag = value.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{value!r} is not KEY=VALUE", param_hint="--tag")
        tags[key] = tag
    return tags


@datasets_app.command("preview")
def preview(
    account_id: AccountIdOption,
    data_set_id: Annotated[str, typer.Option("--data-set-id", help="The dataset's id.")],
    as_user: Annotated[
        str | None, typer.Option("--as-user", help="Preview as this analytics user.")
    ] = None,
    namespace: Annotated[
        str, typer.Option("--namespace", help="The user's (or session's) namespace.")
    ] = "default",
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="KEY=VALUE session tag of an anonymous session (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows to show (1 to 10,000).")] = 20,
    explain: Annotated[
        bool, typer.Option("--explain", help="Also show the rules that matched and the SQL.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """What a user, or an anonymous session with these tags, sees of a dataset."""
    from sightgate.analytics.data.preview import PreviewRequest

    result = services().data.preview.preview(
        PreviewRequest(
            account_id=account_id,
            data_set_id=data_set_id,
            user_name=as_user,
            namespace=namespace,
            tags=_tags(tag),
            limit=limit,
            explain=explain,
        )
    )
    document: dict[str, Any] = {
        "Columns": [{"Name": c.name, "Type": c.type.value} for c in result.columns],
        "Rows": [[_json_cell(v) for v in row] for row in result.rows],
        "RowCount": result.row_count,
    }
    why = result.explanation
    if why is not None:
        document["Explain"] = {
            "MatchedRules": [{"Via": r.via, "Values": dict(r.values)} for r in why.matched_rules],
            "RestrictedColumns": list(why.restricted_columns),
            "Sql": why.sql,
            "Parameters": [_json_cell(v) for v in why.parameters],
        }
    if as_json:
        print_json(document)
        return
    names = [c["Name"] for c in document["Columns"]]
    print_table([dict(zip(names, row, strict=True)) for row in document["Rows"]], names)
    say(f"{result.row_count} row(s)")
    if why is not None:
        for rule in document["Explain"]["MatchedRules"]:
            say(f"rule via {rule['Via']}: {rule['Values']}")
        say(f"restricted columns: {', '.join(why.restricted_columns) or 'none'}")
        console().print(why.sql, markup=False, highlight=False)
        say(f"parameters: {document['Explain']['Parameters']}")


def _json_cell(value: object) -> Any:
    """A cell as JSON: dates and decimals as text, the rest as they are."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
