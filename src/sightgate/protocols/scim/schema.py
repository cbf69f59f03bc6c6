"""The SCIM schemas sightgate serves, as data: the single source for /Schemas and parsing.

Request bodies are normalised against these definitions (attribute names matched in any
letter case, as RFC 7643 §2.1 requires), and the discovery endpoints render them, so what
we publish is exactly what we accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


@dataclass(frozen=True)
class Attribute:
    """One attribute definition (RFC 7643 §7)."""

    name: str
    type: str = "string"
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    description: str = ""
    sub_attributes: tuple[Attribute, ...] = ()
    reference_types: tuple[str, ...] = ()
    canonical_values: tuple[str, ...] = ()

    def sub(self, name: str) -> Attribute | None:
        """The sub-attribute called ``name`` in any letter case."""
        lowered = name.lower()
        return next((a for a in self.sub_attributes if a.name.lower() == lowered), None)

    def to_json(self) -> dict[str, Any]:
        """The attribute as the /Schemas endpoint shows it."""
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "multiValued": self.multi_valued,
            "description": self.description or self.name,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        }
        if self.sub_attributes:
            data["subAttributes"] = [a.to_json() for a in self.sub_attributes]
        if self.reference_types:
            data["referenceTypes"] = list(self.reference_types)
        if self.canonical_values:
            data["canonicalValues"] = list(self.canonical_values)
        return data


@dataclass(frozen=True)
class Schema:
    """A resource schema or schema extension."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...] = field(default=())

    def attribute(self, name: str) -> Attribute | None:
        """The attribute called ``name`` in any letter case."""
        lowered = name.lower()
        return next((a for a in self.attributes if a.name.lower() == lowered), None)

    def to_json(self, base_url: str) -> dict[str, Any]:
        """The schema as the /Schemas endpoint shows it."""
        return {
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": [a.to_json() for a in self.attributes],
            "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{self.id}"},
        }


def _multi(name: str, value_type: str = "string", *, description: str = "") -> Attribute:
    """A multi-valued complex attribute with the canonical value/display/type/primary."""
    return Attribute(
        name,
        "complex",
        multi_valued=True,
        description=description,
        sub_attributes=(
            Attribute("value", value_type),
            Attribute("display"),
            Attribute("type"),
            Attribute("primary", "boolean"),
        ),
    )


ID = Attribute("id", case_exact=True, mutability="readOnly", returned="always", uniqueness="server")
EXTERNAL_ID = Attribute(
    "externalId", case_exact=True, description="Identifier in the provisioning client"
)

USER = Schema(
    USER_SCHEMA,
    "User",
    "User Account",
    (
        Attribute(
            "userName",
            required=True,
            uniqueness="server",
            description="Unique identifier for the user",
        ),
        Attribute(
            "name",
            "complex",
            sub_attributes=tuple(
                Attribute(n)
                for n in (
                    "formatted",
                    "familyName",
                    "givenName",
                    "middleName",
                    "honorificPrefix",
                    "honorificSuffix",
                )
            ),
        ),
        Attribute("displayName"),
        Attribute("nickName"),
        Attribute("profileUrl", "reference", reference_types=("external",)),
        Attribute("title"),
        Attribute("userType"),
        Attribute("preferredLanguage"),
        Attribute("locale"),
        Attribute("timezone"),
        Attribute("active", "boolean"),
        Attribute(
            "password",
            case_exact=True,
            mutability="writeOnly",
            returned="never",
            description="Accepted and discarded: sign-in is the IdP's job",
        ),
        _multi("emails"),
        _multi("phoneNumbers"),
        _multi("ims"),
        _multi("photos", "reference"),
        Attribute(
            "addresses",
            "complex",
            multi_valued=True,
            sub_attributes=(
                *(
                    Attribute(n)
                    for n in (
                        "formatted",
                        "streetAddress",
                        "locality",
                        "region",
                        "postalCode",
                        "country",
                        "type",
                    )
                ),
                Attribute("primary", "boolean"),
            ),
        ),
        _multi("entitlements"),
        _multi("roles"),
        _multi("x509Certificates", "binary"),
    ),
)

ENTERPRISE = Schema(
    ENTERPRISE_SCHEMA,
    "EnterpriseUser",
    "Enterprise User",
    (
        Attribute("employeeNumber"),
        Attribute("costCenter"),
        Attribute("organization"),
        Attribute("division"),
        Attribute("department"),
        Attribute(
            "manager",
            "complex",
            sub_attributes=(
                Attribute("value", case_exact=True),
                Attribute("$ref", "reference", reference_types=("User",)),
                Attribute("displayName", mutability="readOnly"),
            ),
        ),
    ),
)

GROUP = Schema(
    GROUP_SCHEMA,
    "Group",
    "Group",
    (
        Attribute("displayName", required=True, uniqueness="server"),
        Attribute(
            "members",
            "complex",
            multi_valued=True,
            sub_attributes=(
                Attribute("value", case_exact=True, mutability="immutable"),
                Attribute("$ref", "reference", mutability="immutable", reference_types=("User",)),
                # Members are users only (no nested groups); saying so lets clients send
                # the one type we return (RFC 7643 §8.7.1 lists "User" and "Group").
                Attribute("type", mutability="immutable", canonical_values=("User",)),
                Attribute("display", mutability="readOnly"),
            ),
        ),
    ),
)

SCHEMAS = (USER, ENTERPRISE, GROUP)
COMMON = (ID, EXTERNAL_ID)
"""Attributes every resource has (RFC 7643 §3.1); not listed in the schemas themselves."""

MULTI_VALUED_IN_EXTRA = (
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "x509Certificates",
)
"""User attributes kept as JSON values: no rule of ours looks inside them."""


def schema_by_id(schema_id: str) -> Schema | None:
    """A served schema by its URN (exact, as RFC 7644 §4 addresses them)."""
    return next((s for s in SCHEMAS if s.id == schema_id), None)
