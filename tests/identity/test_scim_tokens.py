"""SCIM bearer tokens: issued once, stored hashed, accepted only by their own store."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from sightgate.bootstrap import Services
from sightgate.identity import tables as t
from sightgate.identity.model import InstanceType
from sightgate.identity.scim_tokens import (
    SCIM_TOKEN_CREATED,
    SCIM_TOKEN_REVOKED,
    IssuedToken,
    ScimToken,
    TokenStatus,
)
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.platform.events import Actor, read_events

ACTOR = Actor("test", "admin")


def _secret(issued: IssuedToken) -> str:
    return issued.token.split("_", 2)[2]


def _set(db: Database, token_id: str, **values: object) -> None:
    with db.write() as conn:
        conn.execute(
            update(t.scim_tokens).where(t.scim_tokens.c.token_id == token_id).values(**values)
        )


def _other_store(services: Services) -> str:
    return services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="444455556666", actor=ACTOR
    ).identity_store_id


def test_a_new_token_authenticates_for_its_store(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR, description="okta")
    assert issued.token.startswith(f"sgscim_{issued.token_id}_")
    assert len(_secret(issued)) == 43
    assert issued.expires_at - issued.created_at == timedelta(days=365)
    assert issued.token not in repr(issued)

    token = services.scim_tokens.authenticate(store_id, issued.token)
    assert token is not None
    assert (token.token_id, token.identity_store_id, token.description) == (
        issued.token_id,
        store_id,
        "okta",
    )
    assert token.status_at(datetime.now(UTC)) is TokenStatus.ACTIVE
    assert str(token.actor) == f"scim:{issued.token_id}"


def test_a_token_of_one_store_is_refused_by_another(services: Services, store_id: str) -> None:
    other = _other_store(services)
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    assert services.scim_tokens.authenticate(other, issued.token) is None
    assert services.scim_tokens.authenticate("d-0000000000", issued.token) is None
    assert services.scim_tokens.authenticate(store_id, issued.token) is not None


def test_a_revoked_token_is_refused(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    revoked = services.scim_tokens.revoke(store_id, issued.token_id, actor=ACTOR)
    assert revoked.revoked_at is not None
    assert services.scim_tokens.authenticate(store_id, issued.token) is None
    again = services.scim_tokens.revoke(store_id, issued.token_id, actor=ACTOR)
    assert again.revoked_at == revoked.revoked_at
    [listed] = services.scim_tokens.list(store_id)
    assert listed.status_at(datetime.now(UTC)) is TokenStatus.REVOKED
    with services.db.read() as conn:
        events = read_events(conn, types=[SCIM_TOKEN_REVOKED])
    assert len(events) == 1  # revoking again changed nothing


def test_an_expired_token_is_refused(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    _set(services.db, issued.token_id, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert services.scim_tokens.authenticate(store_id, issued.token) is None
    [listed] = services.scim_tokens.list(store_id)
    assert listed.status_at(datetime.now(UTC)) is TokenStatus.EXPIRED


def test_malformed_and_forged_tokens_are_refused(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    secret = _secret(issued)
    forged_secret = ("A" if secret[0] != "A" else "B") + secret[1:]
    other_id = "0123456789abcdef" if issued.token_id != "0123456789abcdef" else "fedcba9876543210"
    candidates = [
        f"sgscim_{issued.token_id}_{forged_secret}",  # right id, wrong secret
        f"sgscim_{other_id}_{secret}",  # right secret, unknown id
        issued.token[:-1],  # truncated
        issued.token + "A",
        issued.token.upper(),
        f" {issued.token}",
        f"{issued.token}\n",
        f"Bearer {issued.token}",
        secret,
        issued.token_id,
        "",
        "sgscim_",
        "sgscim__",
        "x" * 10_000,
        issued.token + "A" * 10_000,
        "sgscim_" + "é" * 16 + "_" + secret,
        issued.token[:-1] + "é",
        "sgscim_" + "\uff11" * 16 + "_" + secret,  # fullwidth digits are not hex
        "\x00" * 67,
        "🔑" * 67,
    ]
    for candidate in candidates:
        assert services.scim_tokens.authenticate(store_id, candidate) is None, candidate[:80]
    assert services.scim_tokens.authenticate(store_id, issued.token) is not None


def test_only_the_hash_of_the_secret_is_stored(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    secret = _secret(issued)
    with services.db.read() as conn:
        row = conn.execute(select(t.scim_tokens)).mappings().one()
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in str(value) for value in row.values())


def test_listing_never_shows_the_secret(services: Services, store_id: str) -> None:
    first = services.scim_tokens.create(store_id, actor=ACTOR, description="first")
    second = services.scim_tokens.create(store_id, actor=ACTOR)
    services.scim_tokens.create(_other_store(services), actor=ACTOR)
    listed = services.scim_tokens.list(store_id)
    assert [token.token_id for token in listed] == [first.token_id, second.token_id]
    rendered = repr(listed)
    for issued in (first, second):
        assert _secret(issued) not in rendered
        assert hashlib.sha256(_secret(issued).encode()).hexdigest() not in rendered


def test_events_name_the_token_but_never_its_secret(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    services.scim_tokens.revoke(store_id, issued.token_id, actor=ACTOR)
    with services.db.read() as conn:
        events = read_events(conn, types=[SCIM_TOKEN_CREATED, SCIM_TOKEN_REVOKED])
    assert [e.type for e in events] == [SCIM_TOKEN_CREATED, SCIM_TOKEN_REVOKED]
    for event in events:
        assert (event.scope, event.aggregate_id, event.actor) == (
            store_id,
            issued.token_id,
            "test:admin",
        )
        assert event.payload["TokenId"] == issued.token_id
        assert event.payload["ExpiresAt"] == issued.expires_at.isoformat()
    document = json.dumps([e.to_json() for e in events])
    secret = _secret(issued)
    assert secret not in document
    assert hashlib.sha256(secret.encode()).hexdigest() not in document


def _authenticate_and_record(services: Services, store_id: str, token: str) -> ScimToken:
    found = services.scim_tokens.authenticate(store_id, token)
    assert found is not None
    return services.scim_tokens.record_use(found)


def test_last_use_is_recorded_at_most_once_a_minute(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    first = _authenticate_and_record(services, store_id, issued.token)
    assert first.last_used_at is not None
    second = _authenticate_and_record(services, store_id, issued.token)
    assert second.last_used_at == first.last_used_at
    [stored] = services.scim_tokens.list(store_id)
    assert stored.last_used_at == first.last_used_at

    _set(services.db, issued.token_id, last_used_at=first.last_used_at - timedelta(minutes=2))
    third = _authenticate_and_record(services, store_id, issued.token)
    assert third.last_used_at is not None
    assert third.last_used_at > first.last_used_at
    [stored] = services.scim_tokens.list(store_id)
    assert stored.last_used_at == third.last_used_at


def test_authenticating_never_writes(services: Services, store_id: str) -> None:
    """The check is a pure read (the SCIM transport may run it on the event loop)."""
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    assert services.scim_tokens.authenticate(store_id, issued.token) is not None
    [stored] = services.scim_tokens.list(store_id)
    assert stored.last_used_at is None


@pytest.mark.parametrize(
    "expires_in",
    [timedelta(minutes=59), timedelta(days=5 * 365 + 1), timedelta(0), timedelta(days=-1)],
)
def test_lifetime_must_be_between_an_hour_and_five_years(
    services: Services, store_id: str, expires_in: timedelta
) -> None:
    with pytest.raises(ValidationError) as raised:
        services.scim_tokens.create(store_id, actor=ACTOR, expires_in=expires_in)
    assert raised.value.field == "expires_in"
    assert services.scim_tokens.list(store_id) == []


def test_lifetime_bounds_are_inclusive(services: Services, store_id: str) -> None:
    for expires_in in (timedelta(hours=1), timedelta(days=5 * 365)):
        issued = services.scim_tokens.create(store_id, actor=ACTOR, expires_in=expires_in)
        assert issued.expires_at - issued.created_at == expires_in


def test_description_is_trimmed_and_bounded(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR, description="  okta  ")
    [token] = services.scim_tokens.list(store_id)
    assert token.token_id == issued.token_id and token.description == "okta"
    for bad in ("   ", "x" * 256):
        with pytest.raises(ValidationError):
            services.scim_tokens.create(store_id, actor=ACTOR, description=bad)


def test_unknown_store_or_token_is_not_found(services: Services, store_id: str) -> None:
    with pytest.raises(NotFoundError) as raised:
        services.scim_tokens.create("d-0000000000", actor=ACTOR)
    assert raised.value.resource == "IdentityStore"
    with pytest.raises(NotFoundError):
        services.scim_tokens.list("d-0000000000")
    for token_id in ("0123456789abcdef", "not-a-token-id", "", "é" * 16):
        with pytest.raises(NotFoundError):
            services.scim_tokens.revoke(store_id, token_id, actor=ACTOR)


def test_a_token_cannot_be_revoked_through_another_store(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    with pytest.raises(NotFoundError):
        services.scim_tokens.revoke(_other_store(services), issued.token_id, actor=ACTOR)
    assert services.scim_tokens.authenticate(store_id, issued.token) is not None


def test_deleting_an_instance_deletes_its_tokens(services: Services, store_id: str) -> None:
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    other = services.scim_tokens.create(_other_store(services), actor=ACTOR)
    instance = services.instances.get_by_identity_store(store_id)
    services.instances.delete(instance.instance_id, ACTOR)
    with services.db.read() as conn:
        remaining = conn.execute(select(t.scim_tokens.c.token_id)).scalars().all()
    assert remaining == [other.token_id]
    assert services.scim_tokens.authenticate(store_id, issued.token) is None
