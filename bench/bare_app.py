"""The baseline: a bare FastAPI endpoint on uvicorn, no database, no auth, no logging.

It answers ``GET /scim/v2/Users`` with an empty SCIM ListResponse, the same document a
user lookup that finds nothing returns, so the difference to sightgate's lookup is what
sightgate adds (auth, filter parsing, SQL, rendering, request logs), not the framework.
Run as ``python -m bench.bare_app --port N [--workers N]``; uvicorn's settings are those
of ``sightgate serve`` (default loop and HTTP implementation, one process unless
``--workers``) except the access log.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI

PATH = "/scim/v2/Users"
EMPTY_LIST = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 0,
    "startIndex": 1,
    "itemsPerPage": 0,
    "Resources": [],
}

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get(PATH, response_model=None)
async def list_users() -> dict[str, Any]:
    """An empty ListResponse, whatever the query."""
    return EMPTY_LIST


def main() -> None:
    """Serve the app on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    options: dict[str, Any] = {"access_log": False, "log_level": "warning"}
    if args.workers == 1:
        uvicorn.run(app, host="127.0.0.1", port=args.port, **options)
        return
    # As `sightgate serve --workers` runs them: the same sockets and supervisor. (uvicorn's
    # own multi-process socket leaves Nagle on, 40 ms a request: Kludex/uvicorn#3149.)
    from sightgate.cli.server import listen, supervise

    sockets = listen("127.0.0.1", args.port, args.workers)
    supervise("bench.bare_app:app", sockets, args.workers, **options)


if __name__ == "__main__":
    main()
