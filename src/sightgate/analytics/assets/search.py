"""SearchFolders' filters as values: what each one asks, checked before anything is read.

Filters are combined with AND. The principal filters name a user or group ARN and ask
which folders its grants reach: ``QUICKSIGHT_*`` count grants passed down from parent
folders and (for a user) through their groups and namespace, as the authorizer decides;
``DIRECT_*`` count only grants to exactly that ARN on the folder itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sightgate.analytics.access.actions import PREFIX
from sightgate.analytics.directory.model import parse_enum
from sightgate.platform.errors import ValidationError

MAX_FILTERS = 100
VIEW = PREFIX + "DescribeFolder"
OWN = PREFIX + "UpdateFolderPermissions"
"""The action that makes a principal an owner: only the owner role may change permissions."""


class FilterName(StrEnum):
    """``FolderFilterAttribute``."""

    PARENT_FOLDER_ARN = "PARENT_FOLDER_ARN"
    FOLDER_NAME = "FOLDER_NAME"
    QUICKSIGHT_OWNER = "QUICKSIGHT_OWNER"
    QUICKSIGHT_VIEWER_OR_OWNER = "QUICKSIGHT_VIEWER_OR_OWNER"
    DIRECT_QUICKSIGHT_OWNER = "DIRECT_QUICKSIGHT_OWNER"
    DIRECT_QUICKSIGHT_VIEWER_OR_OWNER = "DIRECT_QUICKSIGHT_VIEWER_OR_OWNER"
    DIRECT_QUICKSIGHT_SOLE_OWNER = "DIRECT_QUICKSIGHT_SOLE_OWNER"


class Operator(StrEnum):
    """``FilterOperator``: ``StringLike`` is a substring match, for ``FOLDER_NAME`` only."""

    STRING_EQUALS = "StringEquals"
    STRING_LIKE = "StringLike"


@dataclass(frozen=True)
class PrincipalFilter:
    """Folders whose grants give ``principal_arn`` the ``action``; ``direct`` counts only
    grants to that ARN on the folder itself; ``sole`` also wants no other principal with
    the action there."""

    principal_arn: str
    action: str
    direct: bool
    sole: bool = False


@dataclass(frozen=True)
class FolderQuery:
    """The parsed filters: ``parents`` holds one entry per PARENT_FOLDER_ARN filter (None
    asks for root folders); ``names`` (name, substring?) per FOLDER_NAME filter."""

    parents: tuple[str | None, ...] = ()
    names: tuple[tuple[str, bool], ...] = ()
    principals: tuple[PrincipalFilter, ...] = ()


_PRINCIPAL_FILTERS = {
    FilterName.QUICKSIGHT_OWNER: (OWN, False, False),
    FilterName.QUICKSIGHT_VIEWER_OR_OWNER: (VIEW, False, False),
    FilterName.DIRECT_QUICKSIGHT_OWNER: (OWN, True, False),
    FilterName.DIRECT_QUICKSIGHT_VIEWER_OR_OWNER: (VIEW, True, False),
    FilterName.DIRECT_QUICKSIGHT_SOLE_OWNER: (OWN, True, True),
}


def parse_filters(filters: Sequence[Any]) -> FolderQuery:
    """The API's ``FolderSearchFilter`` list as a query (1 to 100 filters)."""
    if not isinstance(filters, list | tuple) or not 1 <= len(filters) <= MAX_FILTERS:
        raise ValidationError("Filters", f"must hold 1 to {MAX_FILTERS} filters")
    parents: list[str | None] = []
    names: list[tuple[str, bool]] = []
    principals: list[PrincipalFilter] = []
    for index, entry in enumerate(filters):
        where = f"Filters[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(where, "must be an object with Operator, Name and Value")
        name = parse_enum(FilterName, entry.get("Name"), f"{where}.Name")
        operator = parse_enum(
            Operator, entry.get("Operator") or "StringEquals", f"{where}.Operator"
        )
        value = entry.get("Value") or ""
        if not isinstance(value, str):
            raise ValidationError(f"{where}.Value", "must be a string")
        if operator is Operator.STRING_LIKE and name is not FilterName.FOLDER_NAME:
            raise ValidationError(f"{where}.Operator", "StringLike is for FOLDER_NAME only")
        if name is FilterName.PARENT_FOLDER_ARN:
            parents.append(value or None)
        elif name is FilterName.FOLDER_NAME:
            if not value:
                raise ValidationError(f"{where}.Value", "a FOLDER_NAME filter needs a value")
            names.append((value, operator is Operator.STRING_LIKE))
        else:
            if not value:
                raise ValidationError(f"{where}.Value", f"{name} needs a user or group ARN")
            action, direct, sole = _PRINCIPAL_FILTERS[name]
            principals.append(PrincipalFilter(value, action, direct, sole))
    return FolderQuery(tuple(parents), tuple(names), tuple(principals))
