"""Identifiers in the formats AWS uses, so clients that validate them accept ours."""

from __future__ import annotations

import re
import secrets
import uuid

from sightgate.platform.errors import ValidationError


def random_hex(length: int) -> str:
    """``length`` lowercase hex digits from the OS's CSPRNG."""
    return secrets.token_hex((length + 1) // 2)[:length]


def new_instance_id() -> str:
    """An Identity Center instance id: ``ssoins-`` and 16 hex digits."""
    return f"ssoins-{random_hex(16)}"


def instance_arn(instance_id: str) -> str:
    """The ARN of an Identity Center instance (global, no account or region)."""
    return f"arn:aws:sso:::instance/{instance_id}"


def new_identity_store_id() -> str:
    """An identity store id: ``d-`` and 10 hex digits."""
    return f"d-{random_hex(10)}"


def new_store_scoped_id(identity_store_id: str) -> str:
    """A user, group or membership id: the store's hex part, ``-``, and a UUID.

    This is the shape IdentityStore returns (``^([0-9a-f]{10}-|)<uuid>$``).
    """
    return f"{identity_store_id.removeprefix('d-')}-{uuid.uuid4()}"


def new_event_id() -> str:
    """A globally unique id for a domain event."""
    return str(uuid.uuid4())


_ACCOUNT_ID = re.compile(r"[0-9]{12}")


def validate_account_id(value: object, field: str = "AwsAccountId") -> str:
    """A 12-digit AWS account id: ASCII digits only, nothing before or after (no trailing
    newline, no other script's digits), or a ``ValidationError`` naming ``field``."""
    if not isinstance(value, str) or not _ACCOUNT_ID.fullmatch(value):
        raise ValidationError(field, "must be 12 digits")
    return value
