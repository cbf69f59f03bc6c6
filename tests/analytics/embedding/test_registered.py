"""Embed URLs for registered users: the URL the SDK accepts, who may get one, the one-time
code (single use, 5 minutes, hashed, compared in constant time), the session it opens,
and revocation, expiry and audit events."""

from __future__ import annotations

import hmac
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sightgate.analytics.directory.model import User, UserUpdate
from sightgate.analytics.embedding import codes
from sightgate.analytics.embedding.errors import (
    CodeRejectedError,
    SessionRejectedError,
    UnknownUserError,
)
from sightgate.analytics.embedding.events import (
    EMBED_SESSION_EXPIRED,
    EMBED_SESSION_OPENED,
    EMBED_SESSION_REVOKED,
    EMBED_URL_GENERATED,
)
from sightgate.analytics.embedding.sessions import SessionStatus
from sightgate.analytics.embedding.tables import embed_sessions
from sightgate.platform.errors import AccessDeniedError, NotFoundError, ValidationError
from tests.analytics.conftest import ACCOUNT, ACTOR, events_after, last_position, register
from tests.analytics.embedding.conftest import REQUEST_URL, Embed

# The SDK's own checks (amazon-quicksight-embedding-sdk 2.11.3, see the research note).
SDK_CONTROL = re.compile(r"^(https:\/\/[^/]+)\/(embedding|embed)\/([^/]+)\/[^?]+\?(.*)", re.I)
SDK_DASHBOARD = re.compile(r"^https:\/\/[^/]+\/embed\/[^/]+\/dashboards\/([\w-]+)(\?|$)", re.I)
SDK_VISUAL = re.compile(
    r"^https:\/\/[^/]+\/embed\/[^/]+\/dashboards\/([\w-]+)\/sheets\/([\w-]+)\/visuals\/([\w-]+)(\?|$)",
    re.I,
)


def code_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["code"][0]


def test_the_url_has_the_shape_the_sdk_accepts(embed: Embed, reader: User) -> None:
    issued = embed.registered(reader.arn)
    url = issued.url
    control = SDK_CONTROL.match(url)
    assert control is not None
    assert control[1] == REQUEST_URL and control[2] == "embed"
    assert control[3] == issued.session.session_id and re.fullmatch(r"[0-9a-f]{32}", control[3])
    dashboard = SDK_DASHBOARD.match(url)
    assert dashboard is not None and dashboard[1] == "sales"
    query = parse_qs(urlsplit(url).query)
    assert query["identityprovider"] == ["quicksight"] and query["isauthcode"] == ["true"]
    assert codes.is_secret(query["code"][0])
    assert code_of(url) not in repr(issued)
    assert issued.session.status_at(embed.clock()) is SessionStatus.PENDING
    assert issued.session.principal_arn == reader.arn


def test_the_public_url_wins_over_the_request(embed: Embed, reader: User) -> None:
    embed.embedding.public_url = "https://analytics.example.com/"
    url = embed.registered(reader.arn).url
    assert url.startswith("https://analytics.example.com/embed/")


def test_one_visual(embed: Embed, reader: User) -> None:
    experience = {
        "DashboardVisual": {
            "InitialDashboardVisualId": {
                "DashboardId": "sales",
                "SheetId": "sheet1",
                "VisualId": "kpi1",
            }
        }
    }
    issued = embed.registered(reader.arn, ExperienceConfiguration=experience)
    found = SDK_VISUAL.match(issued.url)
    assert found is not None and found.groups()[:3] == ("sales", "sheet1", "kpi1")
    experience["DashboardVisual"]["InitialDashboardVisualId"]["VisualId"] = "nope"
    with pytest.raises(NotFoundError):
        embed.registered(reader.arn, ExperienceConfiguration=experience)


@pytest.mark.parametrize("lifetime", [14, 601, 0, -5, True, "60"])
def test_a_lifetime_outside_15_to_600_is_refused(
    embed: Embed, reader: User, lifetime: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        embed.registered(reader.arn, SessionLifetimeInMinutes=lifetime)
    assert caught.value.field == "SessionLifetimeInMinutes"


def test_the_lifetime_defaults_to_600_minutes(embed: Embed, reader: User) -> None:
    default = embed.registered(reader.arn).session
    assert (default.expires_at - default.created_at).total_seconds() == 600 * 60
    short = embed.registered(reader.arn, SessionLifetimeInMinutes=15).session
    assert (short.expires_at - short.created_at).total_seconds() == 15 * 60


@pytest.mark.parametrize(
    "domains",
    [
        ["https://a.example.com", "https://b.example.com", "https://c.example.com", "https://d.io"],
        ["not a url"],
        ["https://example.com.*.example-1.co.uk"],
        ["http://example.com"],
        ["https://example.com/path"],
        [42],
    ],
)
def test_malformed_or_too_many_allowed_domains_are_refused(
    embed: Embed, reader: User, domains: list[Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        embed.registered(reader.arn, AllowedDomains=domains)
    assert caught.value.field.startswith("AllowedDomains")


def test_allowed_domains_bind_the_session(embed: Embed, reader: User) -> None:
    domains = ["https://*.isv.example", "https://app.example.com:8443"]
    session = embed.registered(reader.arn, AllowedDomains=domains).session
    assert session.allowed_domains == tuple(domains)
    assert session.allows_origin("https://eu.isv.example")
    assert session.allows_origin("https://app.example.com:8443")
    assert session.allows_origin("http://localhost:8081")
    assert not session.allows_origin("https://isv.example.evil.test")
    assert not session.allows_origin("https://app.example.com")
    assert session.frame_ancestors == (
        "https://*.isv.example",
        "https://app.example.com:8443",
        "http://localhost:*",
    )


def test_who_may_get_a_url(embed: Embed, reader: User, stranger: User) -> None:
    with pytest.raises(AccessDeniedError):
        embed.registered(stranger.arn)
    with pytest.raises(AccessDeniedError):
        embed.registered(reader.arn, "other")  # no grant on it
    with pytest.raises(NotFoundError) as caught:
        embed.registered(reader.arn, "no-such-dashboard")
    assert not isinstance(caught.value, UnknownUserError)
    with pytest.raises(UnknownUserError):
        embed.registered(reader.arn.replace("/alice", "/nobody"))
    with pytest.raises(UnknownUserError):  # another account's user
        embed.registered(reader.arn.replace(ACCOUNT, "444455556666"))
    embed.services.directory.users.update(
        ACCOUNT,
        "default",
        "alice",
        UserUpdate(email="alice@example.com", role="READER", active=False),
        actor=ACTOR,
    )
    with pytest.raises(AccessDeniedError) as denied:
        embed.registered(reader.arn)
    assert "deactivated" in denied.value.reason


def test_a_user_of_another_namespace_is_not_found_through_this_one(embed: Embed) -> None:
    directory = embed.services.directory
    directory.namespaces.create(ACCOUNT, "blue", actor=ACTOR, identity_store="QUICKSIGHT")
    blue = register(directory, "bob", namespace="blue")
    embed.grant("sales", blue.arn)
    assert embed.registered(blue.arn).session.namespace == "blue"
    with pytest.raises(UnknownUserError):
        embed.registered(blue.arn.replace("/blue/", "/default/"))


def test_a_code_opens_its_session_once(embed: Embed, reader: User) -> None:
    issued = embed.registered(reader.arn)
    session_id = issued.session.session_id
    opened = embed.embedding.redeem(session_id, code_of(issued.url))
    assert opened.session.status_at(embed.clock()) is SessionStatus.ACTIVE
    assert opened.secret not in repr(opened)
    with pytest.raises(CodeRejectedError) as again:
        embed.embedding.redeem(session_id, code_of(issued.url))
    assert again.value.reason == "spent code"
    assert embed.embedding.authenticate(session_id, opened.secret).session_id == session_id


def test_a_code_expires_after_5_minutes(embed: Embed, reader: User) -> None:
    issued = embed.registered(reader.arn)
    embed.clock.advance(minutes=5)
    with pytest.raises(CodeRejectedError) as caught:
        embed.embedding.redeem(issued.session.session_id, code_of(issued.url))
    assert caught.value.reason == "expired code"
    assert issued.session.status_at(embed.clock()) is SessionStatus.UNUSED


def test_forged_truncated_and_foreign_codes_open_nothing(embed: Embed, reader: User) -> None:
    first, second = embed.registered(reader.arn), embed.registered(reader.arn)
    code = code_of(first.url)
    session_id = first.session.session_id
    for presented in (codes.new_secret(), code[:-1], code + "A", "", code_of(second.url)):
        with pytest.raises(CodeRejectedError):
            embed.embedding.redeem(session_id, presented)
    for other_id in ("0" * 32, session_id[:-1], "../" + session_id):
        with pytest.raises(CodeRejectedError):
            embed.embedding.redeem(other_id, code)
    embed.embedding.redeem(session_id, code)  # none of that spent it


def test_codes_and_secrets_are_stored_hashed_and_compared_in_constant_time(
    embed: Embed, reader: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = embed.registered(reader.arn)
    code = code_of(issued.url)
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr("sightgate.analytics.embedding.codes.hmac.compare_digest", spy)
    opened = embed.embedding.redeem(issued.session.session_id, code)
    embed.embedding.authenticate(issued.session.session_id, opened.secret)
    assert compared == [
        (codes.digest(code), codes.digest(code)),
        (codes.digest(opened.secret), codes.digest(opened.secret)),
    ]
    with embed.services.db.read() as conn:
        row = conn.execute(embed_sessions.select()).mappings().one()
    stored = " ".join(str(value) for value in row.values())
    assert code not in stored and opened.secret not in stored
    assert row["code_hash"] == codes.digest(code)


def test_a_wrong_secret_or_an_unopened_session_is_refused(embed: Embed, reader: User) -> None:
    issued = embed.registered(reader.arn)
    session_id = issued.session.session_id
    with pytest.raises(SessionRejectedError):  # not opened yet: no secret matches
        embed.embedding.authenticate(session_id, codes.new_secret())
    with pytest.raises(SessionRejectedError):  # the code is not the secret
        embed.embedding.authenticate(session_id, code_of(issued.url))
    opened = embed.embedding.redeem(session_id, code_of(issued.url))
    with pytest.raises(SessionRejectedError):
        embed.embedding.authenticate(session_id, opened.secret[:-1])
    other = embed.registered(reader.arn)
    with pytest.raises(SessionRejectedError):
        embed.embedding.authenticate(other.session.session_id, opened.secret)


def test_a_revoked_session_is_refused_and_its_code_too(embed: Embed, reader: User) -> None:
    opened_url = embed.registered(reader.arn)
    opened = embed.embedding.redeem(opened_url.session.session_id, code_of(opened_url.url))
    pending = embed.registered(reader.arn)
    position = last_position(embed.services.db)
    for issued in (opened_url, pending):
        revoked = embed.embedding.revoke(issued.session.session_id, actor=ACTOR)
        assert revoked.status_at(embed.clock()) is SessionStatus.REVOKED
        embed.embedding.revoke(issued.session.session_id, actor=ACTOR)  # no second event
    with pytest.raises(SessionRejectedError):
        embed.embedding.authenticate(opened.session.session_id, opened.secret)
    with pytest.raises(CodeRejectedError):
        embed.embedding.redeem(pending.session.session_id, code_of(pending.url))
    types = [e.type for e in events_after(embed.services.db, position)]
    assert types == [EMBED_SESSION_REVOKED, EMBED_SESSION_REVOKED]
    with pytest.raises(NotFoundError):
        embed.embedding.revoke("f" * 32, actor=ACTOR)


def test_an_expired_session_is_refused_and_audited_once(embed: Embed, reader: User) -> None:
    issued = embed.registered(reader.arn, SessionLifetimeInMinutes=15)
    session_id = issued.session.session_id
    opened = embed.embedding.redeem(session_id, code_of(issued.url))
    other = embed.registered(reader.arn, SessionLifetimeInMinutes=15)
    embed.embedding.redeem(other.session.session_id, code_of(other.url))
    embed.clock.advance(minutes=15)
    position = last_position(embed.services.db)
    for _ in range(2):
        with pytest.raises(SessionRejectedError):
            embed.embedding.authenticate(session_id, opened.secret)
    with pytest.raises(SessionRejectedError):
        embed.embedding.viewer(opened.session)
    assert embed.embedding.expire_due() == 1  # the other one; the first was audited
    assert embed.embedding.expire_due() == 0
    expired = [e for e in events_after(embed.services.db, position)]
    assert [(e.type, e.aggregate_id) for e in expired] == [
        (EMBED_SESSION_EXPIRED, session_id),
        (EMBED_SESSION_EXPIRED, other.session.session_id),
    ]


def test_each_step_is_audited_without_secrets(embed: Embed, reader: User) -> None:
    position = last_position(embed.services.db)
    issued = embed.registered(reader.arn, AllowedDomains=["https://app.example.com"])
    opened = embed.embedding.redeem(issued.session.session_id, code_of(issued.url))
    embed.embedding.revoke(issued.session.session_id, actor=ACTOR)
    found = events_after(embed.services.db, position)
    assert [e.type for e in found] == [
        EMBED_URL_GENERATED,
        EMBED_SESSION_OPENED,
        EMBED_SESSION_REVOKED,
    ]
    generated = found[0]
    assert generated.scope == f"embed:{issued.session.session_id}"
    assert generated.payload["PrincipalArn"] == reader.arn
    assert generated.payload["AllowedDomains"] == ["https://app.example.com"]
    assert generated.actor == str(ACTOR)
    text = repr([e.to_json() for e in found])
    assert code_of(issued.url) not in text and opened.secret not in text


def test_generating_urls_leaves_the_accounts_epoch_alone(embed: Embed, reader: User) -> None:
    """Cached access decisions of the account stay valid: embedding changes no access."""
    from sightgate.analytics.access.epoch import read_epochs

    before = read_epochs(embed.services.db, [ACCOUNT])
    issued = embed.registered(reader.arn)
    embed.embedding.redeem(issued.session.session_id, code_of(issued.url))
    assert read_epochs(embed.services.db, [ACCOUNT]) == before


def test_sessions_are_listed_newest_first(embed: Embed, reader: User) -> None:
    first = embed.registered(reader.arn)
    embed.clock.advance(seconds=1)
    second = embed.registered(reader.arn)
    listed = embed.embedding.list(ACCOUNT)
    assert [s.session_id for s in listed] == [second.session.session_id, first.session.session_id]
    shown = listed[0].to_json(embed.clock())
    assert shown["Status"] == "PENDING" and shown["PrincipalArn"] == reader.arn
    with pytest.raises(NotFoundError):
        embed.embedding.list("444455556666")


def test_configured_domains_bind_sessions_that_name_none(embed: Embed, reader: User) -> None:
    assert not embed.registered(reader.arn).session.allows_origin("http://localhost:8081")
    embed.embedding.default_domains = ("https://app.example.com",)
    session = embed.registered(reader.arn).session
    assert session.allowed_domains == ("https://app.example.com",)
    assert session.allows_origin("https://app.example.com")
    named = embed.registered(reader.arn, AllowedDomains=["https://other.example.com"]).session
    assert named.allowed_domains == ("https://other.example.com",)  # run-time domains replace
    assert not named.allows_origin("https://app.example.com")


def test_a_url_costs_three_reads_and_one_write_transaction(embed: Embed, reader: User) -> None:
    from tests.analytics.access.test_authorizer import counted

    for _ in range(3):  # warm the authorizer's principal cache
        embed.registered(reader.arn)
    with counted(embed.services) as statements:
        embed.registered(reader.arn)
    statements = [s for s in statements if "pg_advisory_xact_lock" not in s]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    writes = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(reads) == 3, reads  # the principal's epochs, the dashboard, its grants
    assert [w.split("(")[0].split()[-1] for w in writes] == ["analytics_embed_sessions", "events"]
    assert len(statements) == 5
