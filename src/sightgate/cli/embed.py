"""``sightgate embed sessions``: the embed sessions of an account, and revoking one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from sightgate.cli.shared import AccountIdOption, JsonOption, cli_actor, group, output, services

embed_app = group("Embedded dashboards: embed sessions.")
sessions_app = group("Embed sessions (one per generated embed URL).")
embed_app.add_typer(sessions_app, name="sessions")

COLUMNS = ["SessionId", "Status", "PrincipalArn", "DashboardId", "CreatedAt", "ExpiresAt"]


@sessions_app.command("list")
def list_sessions(
    account_id: AccountIdOption,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """The account's newest embed sessions, in every state (PENDING, ACTIVE, UNUSED,
    EXPIRED, REVOKED); session tags by key only."""
    now = datetime.now(UTC)
    found = services().embedding.list(account_id, limit=limit)
    rows = []
    for session in found:
        row = session.to_json(now)
        row["DashboardId"] = session.experience.dashboard_id
        rows.append(row)
    output({"Sessions": rows}, as_json, COLUMNS, key="Sessions")


@sessions_app.command("revoke")
def revoke_session(
    session_id: Annotated[str, typer.Option("--session-id", help="The session (32 hex digits).")],
    as_json: JsonOption = False,
) -> None:
    """End a session (or an embed URL not yet opened) for good: its page gets no more
    data. Revoking it again changes nothing."""
    revoked = services().embedding.revoke(session_id, actor=cli_actor())
    row = revoked.to_json(datetime.now(UTC))
    row["DashboardId"] = revoked.experience.dashboard_id
    output(row, as_json, COLUMNS)
