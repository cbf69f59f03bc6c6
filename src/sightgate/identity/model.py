"""The identity store's domain: entities, value objects and their invariants. No I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from email_validator import EmailNotValidError, validate_email

from sightgate.platform.errors import ValidationError
from sightgate.platform.jsontext import JsonTextError, check_document, has_surrogate

MAX_NAME_LENGTH = 128  # IdentityStore's limit for UserName
MAX_STRING_LENGTH = 1024  # IdentityStore's limit for most other strings
MAX_MULTI_VALUES = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InstanceType(StrEnum):
    """An organization instance serves several accounts; an account instance exactly one."""

    ORGANIZATION = "ORGANIZATION"
    ACCOUNT = "ACCOUNT"


class InstanceStatus(StrEnum):
    """Lifecycle of an instance, as IAM Identity Center reports it."""

    ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Instance:
    """An Identity Center instance and the identity store it owns."""

    instance_id: str
    instance_arn: str
    identity_store_id: str
    type: InstanceType
    owner_account_id: str
    name: str | None
    status: InstanceStatus
    created_at: datetime
    account_ids: tuple[str, ...]


@dataclass(frozen=True)
class ExternalId:
    """An identifier of this resource in an external system (an IdP)."""

    issuer: str
    id: str


@dataclass(frozen=True)
class Name:
    """The parts of a person's name."""

    formatted: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    middle_name: str | None = None
    honorific_prefix: str | None = None
    honorific_suffix: str | None = None


@dataclass(frozen=True)
class Email:
    """One e-mail address of a user."""

    value: str
    type: str | None = None
    primary: bool = False
    display: str | None = None


@dataclass(frozen=True)
class Enterprise:
    """The enterprise extension of RFC 7643 §4.3."""

    employee_number: str | None = None
    cost_center: str | None = None
    organization: str | None = None
    division: str | None = None
    department: str | None = None
    manager_id: str | None = None


@dataclass(frozen=True)
class UserFields:
    """Everything about a user that a client can set.

    ``extra`` keeps the multi-valued attributes that need no rules of their own
    (phoneNumbers, addresses, ims, photos, entitlements, roles, x509Certificates), as
    JSON-ready values keyed by their SCIM attribute name.
    """

    user_name: str
    display_name: str | None = None
    name: Name = field(default_factory=Name)
    nick_name: str | None = None
    profile_url: str | None = None
    title: str | None = None
    user_type: str | None = None
    preferred_language: str | None = None
    locale: str | None = None
    timezone: str | None = None
    active: bool = True
    emails: tuple[Email, ...] = ()
    external_ids: tuple[ExternalId, ...] = ()
    enterprise: Enterprise = field(default_factory=Enterprise)
    extra: dict[str, Any] = field(default_factory=dict)

    def validated(self) -> UserFields:
        """This value with normalised strings, or a ``ValidationError`` naming the field."""
        scalars: dict[str, Any] = {
            name: _optional_string(name, getattr(self, name))
            for name in (
                "display_name",
                "nick_name",
                "profile_url",
                "title",
                "user_type",
                "preferred_language",
                "locale",
                "timezone",
            )
        }
        name_parts = {
            part: _optional_string(f"name.{part}", getattr(self.name, part))
            for part in Name.__dataclass_fields__
        }
        enterprise = {
            part: _optional_string(f"enterprise.{part}", getattr(self.enterprise, part))
            for part in Enterprise.__dataclass_fields__
        }
        _check_count("emails", self.emails)
        _check_extra(self.extra)
        return replace(
            self,
            user_name=validate_user_name(self.user_name),
            name=Name(**name_parts),
            enterprise=Enterprise(**enterprise),
            emails=tuple(_validated_email(e) for e in self.emails),
            external_ids=validate_external_ids(self.external_ids),
            **scalars,
        )


@dataclass(frozen=True, kw_only=True)
class User(UserFields):
    """A user of an identity store."""

    user_id: str
    identity_store_id: str
    created_at: datetime
    updated_at: datetime
    version: int

    def fields(self) -> UserFields:
        """The client-settable part of this user."""
        return UserFields(**{name: getattr(self, name) for name in UserFields.__dataclass_fields__})


@dataclass(frozen=True)
class GroupFields:
    """Everything about a group that a client can set."""

    display_name: str
    description: str | None = None
    external_ids: tuple[ExternalId, ...] = ()

    def validated(self) -> GroupFields:
        """This value with normalised strings, or a ``ValidationError`` naming the field."""
        return GroupFields(
            display_name=_identifier("display_name", self.display_name, MAX_STRING_LENGTH),
            description=_optional_string("description", self.description),
            external_ids=validate_external_ids(self.external_ids),
        )


@dataclass(frozen=True, kw_only=True)
class Group(GroupFields):
    """A group of an identity store."""

    group_id: str
    identity_store_id: str
    created_at: datetime
    updated_at: datetime
    version: int

    def fields(self) -> GroupFields:
        """The client-settable part of this group."""
        return GroupFields(self.display_name, self.description, self.external_ids)


@dataclass(frozen=True)
class Membership:
    """A user's membership in a group."""

    membership_id: str
    identity_store_id: str
    group_id: str
    user_id: str


def unique_key(value: str) -> str:
    """The case-insensitive form under which user and group names must be unique."""
    return unicodedata.normalize("NFKC", value).casefold()


def validate_user_name(value: str) -> str:
    """A user name: 1 to 128 printable characters, no outer whitespace."""
    return _identifier("user_name", value, MAX_NAME_LENGTH)


def is_email_address(value: str) -> bool:
    """Whether ``value`` is a syntactically valid e-mail address (deliverability is not
    checked). Stored e-mails need not be one (RFC 7643 §4.1.2 only says SHOULD); whoever
    sends mail, or needs an address, asks this."""
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return False
    return True


def validate_external_ids(values: tuple[ExternalId, ...]) -> tuple[ExternalId, ...]:
    """External ids: non-empty issuer and id, no duplicates."""
    _check_count("external_ids", values)
    cleaned = tuple(
        ExternalId(
            issuer=_required_string("external_ids.issuer", e.issuer, MAX_STRING_LENGTH),
            id=_required_string("external_ids.id", e.id, MAX_STRING_LENGTH),
        )
        for e in values
    )
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError("external_ids", "the same issuer and id appear twice")
    return cleaned


def _validated_email(email: Email) -> Email:
    value = _required_string("emails.value", email.value, MAX_STRING_LENGTH)
    return Email(
        value=value,
        type=_optional_string("emails.type", email.type),
        primary=email.primary,
        display=_optional_string("emails.display", email.display),
    )


def _required_string(name: str, value: object, max_length: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, "must be a string")
    cleaned = value.strip()
    if not cleaned:
        raise ValidationError(name, "must not be empty")
    if len(cleaned) > max_length:
        raise ValidationError(name, f"must be at most {max_length} characters")
    if _CONTROL.search(cleaned):
        raise ValidationError(name, "must not contain control characters")
    if has_surrogate(cleaned):
        raise ValidationError(name, "must not contain lone surrogates (U+D800 to U+DFFF)")
    return cleaned


def _identifier(name: str, value: object, max_length: int) -> str:
    """A name people tell apart by sight (user names, group names): a required string of
    printable characters and spaces only. Format characters (category Cf: zero-width
    spaces, bidi overrides), line separators and other invisibles are refused, as RFC 8264's
    IdentifierClass refuses them, so ``al\u200bice`` cannot pass for ``alice``."""
    cleaned = _required_string(name, value, max_length)
    hidden = next((c for c in cleaned if not c.isprintable() and c != " "), None)
    if hidden is not None:
        label = unicodedata.name(hidden, unicodedata.category(hidden))
        raise ValidationError(
            name,
            f"must not contain U+{ord(hidden):04X} ({label}): only printable characters "
            "and spaces are allowed",
        )
    return cleaned


def _check_extra(extra: dict[str, Any]) -> None:
    """The stored-as-given attributes hold only text a database can store."""
    try:
        check_document(extra)
    except JsonTextError as error:
        raise ValidationError("extra", str(error)) from None


def _optional_string(name: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return _required_string(name, value, MAX_STRING_LENGTH)


def _check_count(name: str, values: tuple[object, ...]) -> None:
    if len(values) > MAX_MULTI_VALUES:
        raise ValidationError(name, f"at most {MAX_MULTI_VALUES} values")
