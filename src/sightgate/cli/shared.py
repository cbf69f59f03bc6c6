"""What the command groups share: settings, services, options and output.

Modules that take long to import (SQLAlchemy, scim2-models, the services) are imported
inside the functions that need them, so ``sightgate --help`` and ``--version`` start
without them.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from sightgate.bootstrap import Services
    from sightgate.config import Settings
    from sightgate.platform.events import Actor

UNBOUNDED_WIDTH = 1_000_000
"""The console width when stdout is not a terminal: lines are never cut or folded."""

DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory [env: SIGHTGATE_DATA_DIR]")
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL [env: SIGHTGATE_DATABASE_URL]"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--identity-store-id",
        help="Identity store (d-...); optional when there is exactly one.",
    ),
]
AccountIdOption = Annotated[str, typer.Option("--account-id", help="Account id (12 digits).")]


def group(help_text: str) -> typer.Typer:
    """A command group that prints its help when called without a command."""
    return typer.Typer(help=help_text, no_args_is_help=True)


class _State:
    settings_overrides: dict[str, Any] = {}
    services: Services | None = None


def set_global_options(data_dir: Path | None, database_url: str | None) -> None:
    """Remember the root options for every later ``settings()`` of this invocation."""
    _State.services = None
    _State.settings_overrides = {
        k: v for k, v in {"data_dir": data_dir, "database_url": database_url}.items() if v
    }


def settings(**overrides: Any) -> Settings:
    """The settings: environment, then the root options, then ``overrides`` not None."""
    from sightgate.config import Settings

    values = {**_State.settings_overrides, **{k: v for k, v in overrides.items() if v is not None}}
    return Settings(**values)


def services(*, check_schema: bool = True) -> Services:
    """The services on the configured store.

    The embedded SQLite store is migrated on first use, so any command works on a fresh
    data directory; a server database (PostgreSQL) is migrated only by ``db upgrade``.
    """
    if _State.services is None:
        from sightgate.bootstrap import Services
        from sightgate.platform.errors import SightgateError
        from sightgate.store.migrate import is_current, upgrade

        configured = settings()
        built = Services.build(configured)
        if check_schema and not is_current(built.db):
            if configured.database_url:
                raise SightgateError(
                    "the store's schema is not current: run `sightgate db upgrade`"
                )
            upgrade(built.db)
        _State.services = built
    return _State.services


@cache
def cli_actor() -> Actor:
    """Who the audit trail names for changes made with the CLI."""
    from sightgate.platform.events import Actor

    return Actor("cli", "admin")


@cache
def console() -> Console:
    """stdout for people. When it is not a terminal the output is for copying and
    scripts, so nothing is cut or folded to fit a width (ids must stay whole)."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else UNBOUNDED_WIDTH)


def say(line: str) -> None:
    """Print one plain line (no markup, no highlighting, never wrapped)."""
    console().print(line, markup=False, highlight=False, soft_wrap=True)


def print_json(document: Any) -> None:
    """Print exactly one JSON document."""
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Print rows as a table of the named columns."""
    from rich.table import Table
    from rich.text import Text

    table = Table(*columns)
    for row in rows:
        table.add_row(*(Text(_cell(row.get(c))) for c in columns))
    console().print(table)


def _cell(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "" if value is None else str(value)


def output(document: Any, as_json: bool, columns: list[str], key: str | None = None) -> None:
    """Print a document as JSON, or as a table of its rows."""
    if as_json:
        print_json(document)
        return
    rows = document[key] if key else [document]
    print_table(rows, columns)


def resolve_store(explicit: str | None) -> str:
    """The named identity store, or the only one there is."""
    if explicit:
        return explicit
    from sightgate.platform.errors import ValidationError

    instances = services().instances.list()
    if len(instances) != 1:
        raise ValidationError(
            "identity-store-id",
            f"there are {len(instances)} identity stores; name one with --identity-store-id",
        )
    return instances[0].identity_store_id
