"""Which e-mail provisioning gives an analytics user, now that the identity store keeps
any string as an e-mail value (RFC 7643 §4.1.2: it SHOULD be an address)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sightgate.analytics.mapping.truth import PLACEHOLDER_EMAIL_DOMAIN, view_of
from sightgate.identity.model import Email, User

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def user_with(*emails: Email) -> User:
    return User(
        user_name="jane",
        emails=emails,
        user_id="u-1",
        identity_store_id="d-1",
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        ((Email("work@example.com"), Email("home@example.com", primary=True)), "home@example.com"),
        ((Email("emailName357", primary=True), Email("jane@example.com")), "jane@example.com"),
        (
            (Email("not one"), Email("a@example.com"), Email("b@example.com", primary=True)),
            "b@example.com",
        ),
        ((Email("first@example.com"), Email("second@example.com")), "first@example.com"),
        ((Email("emailName357", primary=True), Email("also not")), None),
        ((), None),
    ],
)
def test_the_email_is_the_first_primary_address_else_the_first_address(
    emails: tuple[Email, ...], expected: str | None
) -> None:
    placeholder = f"u-1@{PLACEHOLDER_EMAIL_DOMAIN}"
    assert view_of(user_with(*emails)).email == (expected or placeholder)
