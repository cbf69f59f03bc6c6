"""Starting the ISV app: where sightgate is, which key the app signs with, and who may
sign in, all from sightgate's own settings and the seed scenario."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette

from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.demo.isv_app.app import create_app
from sightgate.demo.isv_app.backend import Backend, Credentials
from sightgate.demo.loader import load_scenario_file
from sightgate.platform.events import Actor

ACTOR = Actor("demo", "isv-app")
SDK_PATH = Path("node_modules") / "amazon-quicksight-embedding-sdk" / "dist"
CHECKOUT = Path(__file__).resolve().parents[4]
"""The source checkout (an editable install), whose ``npm install`` the app also looks in."""
KEY_ID_ENV = "SIGHTGATE_DEMO_ACCESS_KEY_ID"
SECRET_ENV = "SIGHTGATE_DEMO_SECRET_ACCESS_KEY"  # noqa: S105 (a variable's name)


def sightgate_endpoint(settings: Settings) -> str:
    """The server's URL: the public one, else the bind address, https when the server
    serves TLS (SIGHTGATE_TLS_CERT, as ``make run`` sets it)."""
    if settings.public_url:
        return settings.resolved_public_url()
    scheme = "https" if os.environ.get("SIGHTGATE_TLS_CERT") else "http"
    return f"{scheme}://{settings.host}:{settings.port}"


def credentials(services: Services, account_id: str) -> tuple[Credentials, Callable[[], None]]:
    """The key in the environment, else a new one issued for the app; and what to do when
    the app stops (delete the key it issued, so restarts leave no keys behind)."""
    key_id, secret = os.environ.get(KEY_ID_ENV), os.environ.get(SECRET_ENV)
    if key_id and secret:
        return Credentials(key_id, secret), lambda: None
    issued = services.access_keys.create(account_id, actor=ACTOR)
    return (
        Credentials(issued.access_key_id, issued.secret_access_key),
        lambda: services.access_keys.delete(issued.access_key_id, actor=ACTOR),
    )


def build(services: Services, settings: Settings, origin: str) -> Starlette:
    """The app for the seed scenario's users, signing with its own key."""
    scenario = load_scenario_file()
    account_id = str(scenario["analytics_account"]["aws_account_id"])
    users = [
        (str(u["userName"]), str(u.get("displayName", u["userName"]))) for u in scenario["users"]
    ]
    cert = os.environ.get("SIGHTGATE_TLS_CERT")
    key, forget_key = credentials(services, account_id)
    backend = Backend(
        sightgate_endpoint(settings), account_id, key, origin=origin, verify=cert or True
    )
    return create_app(backend, users, sdk_dir(), on_stop=forget_key)


def sdk_dir() -> Path:
    """The npm package's ``dist``: under the working directory, else the checkout's."""
    here = SDK_PATH.resolve()
    return here if here.exists() else CHECKOUT / SDK_PATH
