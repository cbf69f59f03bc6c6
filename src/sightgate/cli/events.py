"""``sightgate events``: the event log, which is also the audit trail."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer

from sightgate.cli.shared import JsonOption, group, print_json, say, services

events_app = group("The event log (audit trail).")


@events_app.command("tail")
def events_tail(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many recent events.")] = 20,
    after: Annotated[int | None, typer.Option(help="Start after this position.")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new ones.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Print recent events (the audit trail); with --json, one JSON array."""
    from sightgate.platform.events import latest_events, read_events

    db = services().db
    with db.read() as conn:
        batch = (
            read_events(conn, after=after, limit=limit)
            if after is not None
            else latest_events(conn, limit=limit)
        )
    if as_json and not follow:
        print_json([e.to_json() for e in batch])
        return
    position = after or 0
    while True:
        for event in batch:
            if as_json:
                sys.stdout.write(json.dumps(event.to_json(), default=str) + "\n")
            else:
                say(
                    f"{event.position:>8} {event.occurred_at:%Y-%m-%d %H:%M:%S} "
                    f"{event.type:<36} {event.aggregate_id} by {event.actor}"
                )
        sys.stdout.flush()
        if not follow:
            return
        position = batch[-1].position if batch else position
        time.sleep(0.5)
        with db.read() as conn:
            batch = read_events(conn, after=position, limit=1000)
