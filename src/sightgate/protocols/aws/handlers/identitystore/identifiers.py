"""What IdentityStore's users and groups share: id members with ARNs, the single
attribute filter of its lists, and alternate identifiers."""

from __future__ import annotations

from typing import Any

from sightgate.identity.model import ExternalId
from sightgate.platform.errors import ValidationError
from sightgate.protocols.aws.handlers.registry import Output, Params


def resource_ids(store_id: str, kind: str, resource_id: str) -> Output:
    """The id members of a ``User``, ``Group`` or ``Membership``, with the ARN the model
    requires (``UserArn``: ``arn:aws:identitystore:::user/<id>``)."""
    return {
        "IdentityStoreId": store_id,
        f"{kind}Id": resource_id,
        f"{kind}Arn": f"arn:aws:identitystore:::{kind.lower()}/{resource_id}",
    }


def single_filter(params: Params, attribute: str) -> str | None:
    """The value of the one ``Filters`` entry a list takes (on ``attribute``), if any."""
    filters = params.get("Filters") or []
    if not filters:
        return None
    if len(filters) > 1 or str(filters[0]["AttributePath"]).lower() != attribute.lower():
        raise ValidationError("Filters", f"only one filter, on {attribute}, is supported")
    return str(filters[0]["AttributeValue"])


def external_id(identifier: dict[str, Any]) -> ExternalId:
    """The ``ExternalId`` of an ``AlternateIdentifier``."""
    external = identifier["ExternalId"]
    return ExternalId(external["Issuer"], external["Id"])


def unique_attribute(identifier: dict[str, Any]) -> tuple[str, Any]:
    """(path in lower case, value) of an ``AlternateIdentifier``'s ``UniqueAttribute``."""
    unique = identifier.get("UniqueAttribute")
    if not unique:
        raise ValidationError("AlternateIdentifier", "needs ExternalId or UniqueAttribute")
    return str(unique["AttributePath"]).lower(), unique["AttributeValue"]


def revision(params: Params) -> int | None:
    """The ``Revision`` an update expects, when it names one."""
    value = str(params.get("Revision") or "")
    return int(value) if value.isdigit() else None
