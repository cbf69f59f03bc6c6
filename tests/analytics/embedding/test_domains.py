"""AllowedDomains: the examples AWS's user guide gives, matching origins, CSP sources."""

from __future__ import annotations

import pytest

from sightgate.analytics.embedding.domains import (
    frame_ancestors,
    origin_allowed,
    parse_allowed_domains,
    parse_domain,
)
from sightgate.platform.errors import ValidationError


@pytest.mark.parametrize(
    "value",
    [
        # valid in the user guide ("Allow listing domains at runtime")
        "https://example-1.com",
        "http://localhost",
        "https://www.アマゾンドメイン.jp",
        "https://*.sapp.amazon.com",
        # ports, a trailing slash, an address
        "http://localhost:8081",
        "https://app.example.com:8443/",
        "https://127.0.0.1:8443",
    ],
)
def test_valid_entries(value: str) -> None:
    assert parse_domain(value, "AllowedDomains[0]").text == value


@pytest.mark.parametrize(
    "value",
    [
        # invalid in the user guide
        "https://example.com.*.example-1.co.uk",
        "https://co.uk",
        "https://111.222.33.44.55:1234",
        "https://111.222.33.44.55",
        # and others
        "http://example.com",
        "ftp://example.com",
        "example.com",
        "https://",
        "https://*.com",
        "https://*.*.example.com",
        "https://*example.com",
        "https://com",
        "https://example.com/embed",
        "https://example.com?x=1",
        "https://example.com#f",
        "https://user:pw@example.com",
        "https://-bad.example.com",
        "https://example.com:0",
        "https://example.com:99999",
        "https://exa mple.com",
        "https://*.127.0.0.1",
        "",
        "https://" + "a" * 64 + ".com",
    ],
)
def test_invalid_entries(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_domain(value, "AllowedDomains[1]")
    assert caught.value.field == "AllowedDomains[1]"


def test_at_most_three() -> None:
    assert parse_allowed_domains(None) == ()
    three = ["https://a.example.com", "https://b.example.com", "https://c.example.com"]
    assert len(parse_allowed_domains(three)) == 3
    with pytest.raises(ValidationError) as caught:
        parse_allowed_domains([*three, "https://d.example.com"])
    assert caught.value.field == "AllowedDomains"


def test_matching_origins() -> None:
    domains = parse_allowed_domains(
        ["https://*.sapp.amazon.com", "https://www.アマゾンドメイン.jp", "https://app.io:8443"]
    )
    allowed = [
        "https://a.sapp.amazon.com",
        "https://a.b.sapp.amazon.com",
        "https://A.SAPP.amazon.com:443",
        "https://www.xn--ccke1fyb7fua8jd.jp",
        "https://www.アマゾンドメイン.jp",
        "https://app.io:8443",
        "http://localhost",
        "http://localhost:8081",
    ]
    refused = [
        "https://sapp.amazon.com",
        "https://evilsapp.amazon.com",
        "https://a.sapp.amazon.com.evil.io",
        "http://a.sapp.amazon.com",
        "https://a.sapp.amazon.com:8443",
        "https://app.io",
        "https://localhost",
        "http://127.0.0.1",
        "null",
        "",
    ]
    assert [o for o in allowed if not origin_allowed(domains, o)] == []
    assert [o for o in refused if origin_allowed(domains, o)] == []


def test_frame_ancestors_sources() -> None:
    domains = parse_allowed_domains(
        ["https://*.sapp.amazon.com", "https://www.アマゾンドメイン.jp", "http://localhost:8081"]
    )
    assert frame_ancestors(domains) == (
        "https://*.sapp.amazon.com",
        "https://www.xn--ccke1fyb7fua8jd.jp",
        "http://localhost:8081",
        "http://localhost:*",
    )
