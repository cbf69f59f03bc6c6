"""The IdentityStore API's model of a user's attributes: attribute operations applied to
``UserFields``.

IdentityStore's ``UpdateUser`` takes ``AttributeOperation``s: an ``AttributePath`` naming
an attribute of its ``User`` (``displayName``, ``name.givenName``, ``emails``, ...) and an
``AttributeValue`` that replaces it; no value removes it. The same attributes, as
``CreateUser``'s members (``DisplayName``, ``Emails``, ...), make a new user's fields.
Values come in the API's case (``{"Value": ..., "Primary": true}``); paths and keys are
matched in any letter case, as before. What is not named keeps its value: ``active``,
external ids and the enterprise attributes have their own ways in (SCIM, the CLI).
The result is checked by the identity model's own rules (``UserFields.validated``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sightgate.identity.model import Email, Name, UserFields
from sightgate.platform.errors import ValidationError

_SCALARS = {
    "username": "user_name",
    "displayname": "display_name",
    "nickname": "nick_name",
    "profileurl": "profile_url",
    "title": "title",
    "usertype": "user_type",
    "preferredlanguage": "preferred_language",
    "locale": "locale",
    "timezone": "timezone",
}
_NAME_PARTS = {
    "formatted": "formatted",
    "familyname": "family_name",
    "givenname": "given_name",
    "middlename": "middle_name",
    "honorificprefix": "honorific_prefix",
    "honorificsuffix": "honorific_suffix",
}
# Multi-valued attributes kept in ``UserFields.extra`` under their SCIM names, with the
# sub-attributes of the API's ``Address`` and ``PhoneNumber`` (stored in SCIM case).
_EXTRA: dict[str, tuple[str, tuple[str, ...]]] = {
    "addresses": (
        "addresses",
        (
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
            "formatted",
            "type",
            "primary",
        ),
    ),
    "phonenumbers": ("phoneNumbers", ("value", "type", "primary")),
}
_EMAIL_KEYS = ("value", "type", "primary")


@dataclass(frozen=True)
class AttributeOperation:
    """One ``AttributeOperation``: ``value`` None (or left out) removes the attribute."""

    path: str
    value: Any = None


def apply_operations(current: UserFields, operations: Iterable[AttributeOperation]) -> UserFields:
    """``current`` with each operation applied in order, validated by the identity model;
    ``ValidationError`` naming the path for an unknown attribute or a value of the wrong
    kind (nothing is half-applied: the caller stores the result or nothing)."""
    fields = current
    for operation in operations:
        fields = _apply(fields, operation)
    return fields.validated()


def fields_from_members(members: Mapping[str, Any]) -> UserFields:
    """A new user's fields from ``CreateUser``'s members (``UserName``, ``Emails``, ...);
    members that are no attribute (``IdentityStoreId``) are ignored."""
    operations = [
        AttributeOperation(name, value)
        for name, value in members.items()
        if value is not None and _is_attribute(name)
    ]
    return apply_operations(UserFields(user_name=""), operations)


def _is_attribute(name: str) -> bool:
    key = name.lower()
    return key in _SCALARS or key in _EXTRA or key in ("name", "emails")


def _apply(fields: UserFields, operation: AttributeOperation) -> UserFields:
    path = operation.path
    key = path.lower() if isinstance(path, str) else ""
    value = operation.value
    if key in _SCALARS:
        if key == "username" and value is None:
            raise ValidationError(path, "a user's userName cannot be removed")
        scalar: dict[str, Any] = {_SCALARS[key]: _string(path, value)}
        return replace(fields, **scalar)
    if key == "name":
        return replace(fields, name=_name(path, value))
    if key.startswith("name.") and key[5:] in _NAME_PARTS:
        return replace(
            fields, name=replace(fields.name, **{_NAME_PARTS[key[5:]]: _string(path, value)})
        )
    if key == "emails":
        return replace(fields, emails=_emails(path, value))
    if key in _EXTRA:
        attribute, keys = _EXTRA[key]
        extra = {k: v for k, v in fields.extra.items() if k != attribute}
        values = _values(path, value, keys)
        if values:
            extra[attribute] = values
        return replace(fields, extra=extra)
    raise ValidationError("AttributePath", f"{path!r} is not an attribute of a user")


def _string(path: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(path, "must be a string")
    return value


def _name(path: str, value: Any) -> Name:
    if value is None:
        return Name()
    parts = _object(path, value, tuple(_NAME_PARTS))
    return Name(**{_NAME_PARTS[k.lower()]: _string(f"{path}.{k}", v) for k, v in parts.items()})


def _emails(path: str, value: Any) -> tuple[Email, ...]:
    return tuple(
        Email(
            value=entry.get("value") or "",
            type=entry.get("type"),
            primary=bool(entry.get("primary")),
        )
        for entry in _values(path, value, _EMAIL_KEYS)
    )


def _values(path: str, value: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """A multi-valued attribute's entries, keys in their canonical (SCIM) spelling."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(path, "must be a list")
    entries = []
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        entry = _object(where, item, keys)
        for name, member in entry.items():
            if name == "primary" and not isinstance(member, bool):
                raise ValidationError(f"{where}.{name}", "must be true or false")
            if name != "primary" and not isinstance(member, str):
                raise ValidationError(f"{where}.{name}", "must be a string")
        entries.append(entry)
    return entries


def _object(path: str, value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """An object's members by canonical key (of ``keys``, matched in any case), nulls left
    out; an unknown member is a ``ValidationError``."""
    if not isinstance(value, dict):
        raise ValidationError(path, "must be an object")
    canonical = {k.lower(): k for k in keys}
    found: dict[str, Any] = {}
    for name, member in value.items():
        key = canonical.get(name.lower()) if isinstance(name, str) else None
        if key is None:
            raise ValidationError(path, f"has no member {name!r}")
        if member is not None:
            found[key] = member
    return found
