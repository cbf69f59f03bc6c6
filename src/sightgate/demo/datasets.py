"""The demo's datasets: ``common-sales`` with the scenario's row-level rules, and the
per-customer copies ``red-sales`` and ``blue-sales`` (the blog's two designs).

Each is a SPICE dataset uploaded from a generated CSV in the data directory, as
``sightgate datasets upload`` would make it; the loader builds their first versions
itself, so the data is there when ``demo load`` returns. A dataset that exists is left
as it is.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sightgate.analytics.data.spice.ingestions import key_of
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.demo.sales import Row, sales_rows, write_csv
from sightgate.platform.errors import NotFoundError, SightgateError
from sightgate.platform.events import Actor

RULES_DATA_SET = "common-sales-rls-rules"


def load_datasets(
    services: Services, settings: Settings, scenario: dict[str, Any], actor: Actor
) -> list[str]:
    """Create whatever demo dataset is missing; the ids of those created."""
    from sightgate.analytics.data.spice.upload import upload_request

    account_id = str(scenario["analytics_account"]["aws_account_id"])
    folder = settings.data_dir / "demo"
    rows = list(sales_rows())
    common = scenario["datasets"]["common-sales"]
    security = common["row_level_security"]
    files: dict[str, Path] = {
        RULES_DATA_SET: _write_rules(folder / "common-sales-rls-rules.csv", security["rules"]),
        "common-sales": write_csv(folder / "common-sales.csv", rows),
        "red-sales": write_csv(folder / "red-sales.csv", _of(rows, "red_customer")),
        "blue-sales": write_csv(folder / "blue-sales.csv", _of(rows, "blue_customer")),
    }
    datasets = services.data.datasets
    created: list[str] = []
    queued = []
    for data_set_id, path in files.items():
        try:
            datasets.describe(account_id, data_set_id)
            continue
        except NotFoundError:
            pass
        request = upload_request(path, data_set_id, None, max_bytes=settings.spice_max_upload_bytes)
        if data_set_id == RULES_DATA_SET:
            request["UseAs"] = "RLS_RULES"
        if data_set_id == "common-sales":
            rules = datasets.describe(account_id, RULES_DATA_SET)
            request["RowLevelPermissionDataSet"] = {
                "Arn": rules.arn,
                "PermissionPolicy": security["policy"],
                "FormatVersion": "VERSION_1",
            }
        saved = datasets.create(account_id, request, actor=actor)
        created.append(data_set_id)
        if saved.ingestion is not None:
            queued.append(saved.ingestion)
    _build(services, settings, queued)
    return created


def _of(rows: Sequence[Row], customer: str) -> list[Row]:
    return [row for row in rows if row[0] == customer]


def _write_rules(path: Path, rules: Sequence[dict[str, str]]) -> Path:
    """The scenario's rules as a CSV; an empty cell means all values."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(name for rule in rules for name in rule))
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([rule.get(name) or "" for name in columns] for rule in rules)
    return path


def _build(services: Services, settings: Settings, queued: Sequence[Any]) -> None:
    """Build the queued ingestions in this process (a running server may take some)."""
    runner = services.data.ingestion_runner(settings)
    try:
        for ingestion in queued:
            claimed = runner.claim(key_of(ingestion))
            if claimed is None:
                continue  # a server's runner has it
            done = runner.run(claimed)
            if done.error is not None:
                raise SightgateError(
                    f"the demo dataset {done.data_set_id} could not be built: {done.error.message}"
                )
    finally:
        runner.close()
