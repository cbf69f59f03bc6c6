"""SIGHTGATE_EMBED_ALLOWED_DOMAINS: checked when read, and handed on to worker processes."""

from __future__ import annotations

import pydantic
import pytest

from sightgate.config import Settings


def test_configured_domains_are_checked_and_survive_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "SIGHTGATE_EMBED_ALLOWED_DOMAINS", " https://app.example.com, https://*.isv.example ,"
    )
    settings = Settings()
    domains = ("https://app.example.com", "https://*.isv.example")
    assert settings.resolved_embed_allowed_domains() == domains
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    assert Settings().resolved_embed_allowed_domains() == domains
    assert Settings(embed_allowed_domains=None).resolved_embed_allowed_domains() == ()


def test_a_malformed_configured_domain_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings(embed_allowed_domains="https://app.example.com,http://evil.example")
    assert "only localhost may be allowed over http" in str(caught.value)
