"""The discovery endpoints: ServiceProviderConfig, ResourceTypes and Schemas (RFC 7644 §4)."""

from __future__ import annotations

from typing import Any

from sightgate.protocols.scim.errors import ScimError
from sightgate.protocols.scim.provider import MAX_COUNT
from sightgate.protocols.scim.schema import (
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    LIST_RESPONSE,
    RESOURCE_TYPE_SCHEMA,
    SCHEMAS,
    SPC_SCHEMA,
    USER_SCHEMA,
    schema_by_id,
)

MAX_PAYLOAD_BYTES = 8 * 1024 * 1024
MAX_BULK_OPERATIONS = 1000
DOCS = "https://github.com/sightgate/sightgate/blob/main/docs/scim.md"


def service_provider_config(base_url: str) -> dict[str, Any]:
    """What this provider supports."""
    return {
        "schemas": [SPC_SCHEMA],
        "documentationUri": DOCS,
        "patch": {"supported": True},
        "bulk": {
            "supported": True,
            "maxOperations": MAX_BULK_OPERATIONS,
            "maxPayloadSize": MAX_PAYLOAD_BYTES,
        },
        "filter": {"supported": True, "maxResults": MAX_COUNT},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "A token from `sightgate scim token create`",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }


def _resource_type(base_url: str, name: str) -> dict[str, Any]:
    user = name == "User"
    data: dict[str, Any] = {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": name,
        "name": name,
        "description": "User Account" if user else "Group",
        "endpoint": "/Users" if user else "/Groups",
        "schema": USER_SCHEMA if user else GROUP_SCHEMA,
        "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/{name}"},
    }
    if user:
        data["schemaExtensions"] = [{"schema": ENTERPRISE_SCHEMA, "required": False}]
    return data


RESOURCE_TYPES = ("User", "Group")  # User first: clients (and Entra's tests) expect it


def resource_types(base_url: str) -> dict[str, Any]:
    """Every resource type, as a ListResponse."""
    return _listed([_resource_type(base_url, n) for n in RESOURCE_TYPES])


def resource_type(base_url: str, name: str) -> dict[str, Any]:
    """One resource type by id."""
    if name not in RESOURCE_TYPES:
        raise ScimError(404, f"resource type {name!r} not found")
    return _resource_type(base_url, name)


def schemas(base_url: str) -> dict[str, Any]:
    """Every schema, as a ListResponse."""
    return _listed([s.to_json(base_url) for s in SCHEMAS])


def schema(base_url: str, schema_id: str) -> dict[str, Any]:
    """One schema by its URN."""
    found = schema_by_id(schema_id)
    if found is None:
        raise ScimError(404, f"schema {schema_id!r} not found")
    return found.to_json(base_url)


def _listed(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
