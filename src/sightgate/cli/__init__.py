"""The ``sightgate`` command: server, worker, store and identity administration.

Every command that prints data accepts ``--json`` and then prints exactly one JSON
document. Errors are one line on stderr: exit status 2 for a usage error (click's
convention), 1 for any other.

Each command group lives in its own module and imports what it needs inside its
commands, so starting the CLI (and ``--help``) loads no store, service or SQL code.
"""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from sightgate.cli import analytics, dashboards, datasets, events, identity, scim, server, tls
from sightgate.cli.access import access_app
from sightgate.cli.embed import embed_app
from sightgate.cli.shared import DatabaseUrlOption, DataDirOption, set_global_options

app = typer.Typer(
    help="sightgate: embedded analytics with an identity store fed by SCIM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
app.command()(server.serve)
app.command()(server.worker)
for sub, name in (
    (server.db_app, "db"),
    (server.demo_app, "demo"),
    (identity.instances_app, "instances"),
    (identity.users_app, "users"),
    (identity.groups_app, "groups"),
    (events.events_app, "events"),
    (scim.scim_app, "scim"),
    (analytics.accounts_app, "accounts"),
    (analytics.keys_app, "keys"),
    (analytics.provisioning_app, "provisioning"),
    (datasets.datasets_app, "datasets"),
    (dashboards.dashboards_app, "dashboards"),
    (access_app, "access"),
    (embed_app, "embed"),
    (tls.tls_app, "tls"),
):
    app.add_typer(sub, name=name)


def _print_version(wanted: bool) -> None:
    """``--version``: the installed package's version, then exit."""
    if wanted:
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("sightgate")
        except PackageNotFoundError:  # run from a source tree that was never installed
            from sightgate import __version__ as installed
        sys.stdout.write(f"sightgate {installed}\n")
        raise typer.Exit()


@app.callback()
def root(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Options shared by every command."""
    set_global_options(data_dir, database_url)


def _click_class(name: str) -> type[Exception]:
    """One of click's exception classes, as the click that typer runs on defines it.

    typer 0.29 vendors click (``typer._click``) and raises its own copies, which are not
    ``click.ClickException``; older typers raise click's. ``typer.BadParameter`` is public
    in both and derives from ``UsageError`` and ``ClickException``, so its bases name
    the right classes for any typer in range.
    """
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


CLICK_ERROR = _click_class("ClickException")
USAGE_ERROR = _click_class("UsageError")


def _fail(message: str, status: int) -> NoReturn:
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    sys.exit(status)


def main() -> None:
    """Entry point: run the CLI, turning every expected error into one line on stderr."""
    from sightgate.platform.errors import SightgateError

    try:
        status = app(prog_name="sightgate", standalone_mode=False)
    except USAGE_ERROR as error:
        if type(error).__name__ == "NoArgsIsHelpError":  # click >= 8.2: the help is the message
            sys.stderr.write(f"{error.format_message()}\n")  # type: ignore[attr-defined]
            sys.exit(2)
        context = getattr(error, "ctx", None)
        command = context.command_path if context is not None else "sightgate"
        _fail(f"{error.format_message()} (see '{command} --help')", 2)  # type: ignore[attr-defined]
    except CLICK_ERROR as error:
        _fail(error.format_message(), getattr(error, "exit_code", 1))  # type: ignore[attr-defined]
    except typer.Abort:
        _fail("aborted", 130)
    except SightgateError as error:
        _fail(error.message, 1)
    except Exception as error:
        from sqlalchemy.exc import OperationalError  # loaded by then if the store failed

        if isinstance(error, OperationalError):
            _fail(f"the store is not reachable: {error.orig}", 1)
        raise
    sys.exit(status if isinstance(status, int) else 0)
