"""SCIM representations of users and groups, and the way back to domain values.

Incoming bodies are first *normalised* against the served schemas: attribute names are
matched in any letter case and rewritten to their canonical spelling, Entra's ``"True"``
and ``"False"`` strings become booleans, a bare string where a complex value belongs
(Entra's ``manager``, a member id) becomes ``{"value": ...}``, and attributes that no
schema defines are dropped (RFC 7644 §3.3 lets a provider ignore them). Everything after
that step works on canonical dicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sightgate.identity.filtering import SCIM_ISSUER
from sightgate.identity.model import (
    Email,
    Enterprise,
    ExternalId,
    Group,
    GroupFields,
    Name,
    User,
    UserFields,
)
from sightgate.protocols.scim.errors import invalid_value
from sightgate.protocols.scim.schema import (
    ENTERPRISE,
    ENTERPRISE_SCHEMA,
    GROUP,
    GROUP_SCHEMA,
    MULTI_VALUED_IN_EXTRA,
    USER,
    USER_SCHEMA,
    Attribute,
    Schema,
)

READ_ONLY_TOP_LEVEL = ("id", "meta", "schemas")
NAME_PARTS = {
    "formatted": "formatted",
    "familyName": "family_name",
    "givenName": "given_name",
    "middleName": "middle_name",
    "honorificPrefix": "honorific_prefix",
    "honorificSuffix": "honorific_suffix",
}
USER_SCALARS = {
    "displayName": "display_name",
    "nickName": "nick_name",
    "profileUrl": "profile_url",
    "title": "title",
    "userType": "user_type",
    "preferredLanguage": "preferred_language",
    "locale": "locale",
    "timezone": "timezone",
}
ENTERPRISE_SCALARS = {
    "employeeNumber": "employee_number",
    "costCenter": "cost_center",
    "organization": "organization",
    "division": "division",
    "department": "department",
}


# -- normalisation -----------------------------------------------------------------------


def normalize(body: Any, schema: Schema, extension: Schema | None = None) -> dict[str, Any]:
    """A canonical copy of a resource body (see the module docstring)."""
    if not isinstance(body, dict):
        raise invalid_value("the request body must be a JSON object")
    result: dict[str, Any] = {}
    for key, value in body.items():
        if not isinstance(key, str):
            continue
        if extension is not None and key.lower() == extension.id.lower():
            if value is not None:
                if not isinstance(value, dict):
                    raise invalid_value(f"{extension.id} must be an object")
                result[extension.id] = normalize(value, extension)
            continue
        if key.lower() == "externalid":
            result["externalId"] = _string(value, "externalId")
            continue
        attribute = schema.attribute(key)
        if attribute is not None:
            result[attribute.name] = normalize_value(attribute, value)
    return result


def normalize_value(attribute: Attribute, value: Any, *, element: bool = False) -> Any:
    """A canonical value for ``attribute`` (one element of it when ``element``)."""
    if value is None:
        return None
    if attribute.multi_valued and not element:
        items = value if isinstance(value, list) else [value]
        return [
            v
            for v in (normalize_value(attribute, item, element=True) for item in items)
            if v is not None
        ]
    if attribute.type == "complex":
        if isinstance(value, str | int) and not isinstance(value, bool) and attribute.sub("value"):
            value = {"value": str(value)}
        if not isinstance(value, dict):
            raise invalid_value(f"{attribute.name} must be an object")
        normalized: dict[str, Any] = {}
        for key, sub_value in value.items():
            sub = attribute.sub(key) if isinstance(key, str) else None
            if sub is None and isinstance(key, str) and key.lower() == "displayname":
                sub = attribute.sub("display")  # a member's "displayName" (Entra) is its display
            if sub is not None:
                normalized[sub.name] = normalize_value(sub, sub_value)
        return normalized
    if attribute.type == "boolean":
        return _boolean(value, attribute.name)
    return _string(value, attribute.name)


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"{name} must be a boolean")


def _string(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise invalid_value(f"{name} must be a string")


# -- users -------------------------------------------------------------------------------


def user_to_scim(user: User, base_url: str) -> dict[str, Any]:
    """The full SCIM representation of a user (before attribute projection)."""
    data: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "id": user.user_id,
        "userName": user.user_name,
    }
    scim_external = _scim_external_id(user.external_ids)
    if scim_external is not None:
        data["externalId"] = scim_external
    name = {scim: getattr(user.name, field) for scim, field in NAME_PARTS.items()}
    if any(v is not None for v in name.values()):
        data["name"] = _compact(name)
    for scim, field in USER_SCALARS.items():
        value = getattr(user, field)
        if value is not None:
            data[scim] = value
    data["active"] = user.active
    if user.emails:
        data["emails"] = [
            _compact({"value": e.value, "display": e.display, "type": e.type, "primary": e.primary})
            for e in user.emails
        ]
    for attribute in MULTI_VALUED_IN_EXTRA:
        if user.extra.get(attribute):
            data[attribute] = user.extra[attribute]
    enterprise = _compact(
        {scim: getattr(user.enterprise, f) for scim, f in ENTERPRISE_SCALARS.items()}
    )
    if user.enterprise.manager_id:
        enterprise["manager"] = {
            "value": user.enterprise.manager_id,
            "$ref": f"{base_url}/Users/{user.enterprise.manager_id}",
        }
    if enterprise:
        data["schemas"].append(ENTERPRISE_SCHEMA)
        data[ENTERPRISE_SCHEMA] = enterprise
    data["meta"] = _meta(
        "User", user.user_id, user.created_at, user.updated_at, user.version, base_url
    )
    return data


def user_fields_from_scim(data: dict[str, Any], current: User | None = None) -> UserFields:
    """Domain fields from a normalised SCIM user that replaces ``current`` (if any).

    Two things are kept from ``current`` rather than cleared: external ids of other issuers
    (the IdentityStore API's), and ``active`` when the body leaves it out — a PUT or a
    ``remove active`` must never re-activate a user the IdP deactivated.
    """
    user_name = data.get("userName")
    if not user_name:
        raise invalid_value("userName is required")
    name = data.get("name") or {}
    enterprise = data.get(ENTERPRISE_SCHEMA) or {}
    manager = enterprise.get("manager") or {}
    external = [e for e in (current.external_ids if current else ()) if e.issuer != SCIM_ISSUER]
    if data.get("externalId"):
        external.insert(0, ExternalId(SCIM_ISSUER, data["externalId"]))
    active = data.get("active")
    if active is None:
        active = current.active if current else True
    return UserFields(
        user_name=user_name,
        name=Name(**{field: name.get(scim) for scim, field in NAME_PARTS.items()}),
        **{field: data.get(scim) for scim, field in USER_SCALARS.items()},
        active=active,
        emails=tuple(
            Email(
                value=e.get("value") or "",
                type=e.get("type"),
                primary=bool(e.get("primary")),
                display=e.get("display"),
            )
            for e in data.get("emails") or []
        ),
        external_ids=tuple(external),
        enterprise=Enterprise(
            **{field: enterprise.get(scim) for scim, field in ENTERPRISE_SCALARS.items()},
            manager_id=manager.get("value"),
        ),
        extra={a: data[a] for a in MULTI_VALUED_IN_EXTRA if data.get(a)},
    )


# -- groups ------------------------------------------------------------------------------


def group_to_scim(
    group: Group, members: list[tuple[str, str]] | None, base_url: str
) -> dict[str, Any]:
    """A group's SCIM representation; ``members`` are (user id, display) or None to omit."""
    data: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": group.group_id,
        "displayName": group.display_name,
    }
    scim_external = _scim_external_id(group.external_ids)
    if scim_external is not None:
        data["externalId"] = scim_external
    if members is not None:
        data["members"] = [
            {
                "value": user_id,
                "$ref": f"{base_url}/Users/{user_id}",
                "type": "User",
                "display": display,
            }
            for user_id, display in members
        ]
    data["meta"] = _meta(
        "Group", group.group_id, group.created_at, group.updated_at, group.version, base_url
    )
    return data


def group_fields_from_scim(data: dict[str, Any], current: Group | None = None) -> GroupFields:
    """Domain fields from a normalised SCIM group (members are handled separately)."""
    display_name = data.get("displayName")
    if not display_name:
        raise invalid_value("displayName is required")
    keep = current.external_ids if current else ()
    external = [e for e in keep if e.issuer != SCIM_ISSUER]
    if data.get("externalId"):
        external.insert(0, ExternalId(SCIM_ISSUER, data["externalId"]))
    description = current.description if current else None
    return GroupFields(
        display_name=display_name, description=description, external_ids=tuple(external)
    )


def member_ids(data: dict[str, Any]) -> list[str] | None:
    """The member user ids of a normalised group body, or None when it names no members."""
    if data.get("members") is None:
        return None
    ids = []
    for member in data["members"]:
        value = member.get("value")
        if not value:
            raise invalid_value("every member needs a value (the user's id)")
        ids.append(value)
    return ids


# -- shared ------------------------------------------------------------------------------


def version_tag(version: int) -> str:
    """The weak ETag of a resource version (RFC 7644 §3.14)."""
    return f'W/"{version}"'


def _meta(
    resource_type: str, id_: str, created: datetime, modified: datetime, version: int, base_url: str
) -> dict[str, Any]:
    endpoint = "Users" if resource_type == "User" else "Groups"
    return {
        "resourceType": resource_type,
        "created": created.isoformat().replace("+00:00", "Z"),
        "lastModified": modified.isoformat().replace("+00:00", "Z"),
        "location": f"{base_url}/{endpoint}/{id_}",
        "version": version_tag(version),
    }


def _scim_external_id(values: tuple[ExternalId, ...]) -> str | None:
    return next((e.id for e in values if e.issuer == SCIM_ISSUER), None)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


USER_SCHEMAS = (USER, ENTERPRISE)
GROUP_SCHEMAS = (GROUP, None)
