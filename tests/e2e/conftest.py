"""A SCIM server process shared by a test module, with a fresh identity store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import cli_env, running_server
from tests.e2e.scim_client import ScimClient, new_store_client


@pytest.fixture(scope="module")
def scim_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    """(CLI environment, base URL) of a server on an embedded store."""
    env = cli_env(tmp_path_factory.mktemp("scim") / "data", None)
    with running_server(env) as base:
        yield env, base


@pytest.fixture
def scim(scim_server: tuple[dict[str, str], str]) -> Iterator[ScimClient]:
    """A client for a new, empty identity store on the shared server."""
    env, base = scim_server
    client = new_store_client(env, base)
    yield client
    client.close()


@pytest.fixture
def recorded() -> Path:
    """The folder of recorded IdP request bodies."""
    return Path(__file__).parent / "recorded"
