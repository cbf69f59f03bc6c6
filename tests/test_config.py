"""Settings: what another process needs to rebuild them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from sightgate.config import Settings


def test_the_environment_rebuilds_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve --workers` configures its workers only through SIGHTGATE_* variables, so
    every setting, given any way, must survive the trip (secrets, flags, paths)."""
    for name in [n for n in os.environ if n.startswith("SIGHTGATE_")]:
        monkeypatch.delenv(name)
    given = Settings(
        data_dir=Path("/srv/sightgate"),
        database_url="postgresql://app@db:5432/sightgate",
        host="0.0.0.0",  # noqa: S104 -- a value to copy, nothing binds it
        port=9090,
        workers=3,
        public_url="https://sightgate.example/",
        log_level="DEBUG",
        log_format="text",
        dev_mode=True,
        namespace_limit=7,
        secret_key=SecretStr("s" * 40),
        secret_key_file=Path("/run/secrets/sightgate"),
        statement_timeout_ms=0,
        in_place=False,
        event_poll_interval=0.25,
        s3_endpoint_url="http://minio:9000",
        s3_region="eu-central-1",
        spice_dir=Path("/srv/spice"),
        spice_max_upload_bytes=12345,
        query_timeout_ms=5000,
        query_row_limit=500,
        query_workers=3,
        embed_allowed_domains="https://app.example.com,https://*.isv.example",
    )
    assert set(given.model_fields_set) == set(Settings.model_fields)  # every field is given
    for name, value in given.environment().items():
        monkeypatch.setenv(name, value)
    assert Settings() == given


def test_unset_settings_stay_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unset optional setting is left out, so the other process applies its default."""
    for name in [n for n in os.environ if n.startswith("SIGHTGATE_")]:
        monkeypatch.delenv(name)
    exported = Settings().environment()
    assert "SIGHTGATE_DATABASE_URL" not in exported
    assert "SIGHTGATE_SECRET_KEY" not in exported
    assert exported["SIGHTGATE_DEV_MODE"] == "false"
