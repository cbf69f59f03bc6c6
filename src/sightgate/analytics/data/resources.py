"""What data sources and datasets share: their ids and ARNs, member checks, the rows
of their tables (read, locked, deleted, searched), the Update*Permissions use case, and
the Search* filters (by name, or by the principals their permissions are granted to).

Ids are ``[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}``: within every model pattern, usable as an
ARN's last segment, and (never starting with a dot) safe as a file name, which SPICE
versions are stored under.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    RowMapping,
    Table,
    and_,
    delete,
    false,
    select,
)

from sightgate.analytics.access.actions import PREFIX, ResourceType
from sightgate.analytics.access.authorizer import Authorizer
from sightgate.analytics.access.permissions import (
    Grantee,
    PermissionService,
    Resource,
    ResourcePermission,
    among,
    parse_permissions,
)
from sightgate.analytics.directory import arns, repository
from sightgate.analytics.directory.repository import page_rows
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.uow import UnitOfWork

_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
_ARN = re.compile(
    r"arn:aws:quicksight:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"(?P<kind>datasource|dataset)/(?P<id>[A-Za-z0-9_-][A-Za-z0-9._-]{0,127})"
)


def validate_id(value: object, field: str) -> str:
    """A data source or dataset id, or a ``ValidationError`` naming ``field``."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValidationError(
            field, "must be 1 to 128 letters, digits, '.', '_' or '-', not starting with '.'"
        )
    return value


def resource_arn(region: str, account_id: str, kind: ResourceType, resource_id: str) -> str:
    """``arn:aws:quicksight:<region>:<account>:<datasource|dataset>/<id>``."""
    return f"arn:aws:quicksight:{region}:{account_id}:{kind.value}/{resource_id}"


def id_in_arn(arn: object, kind: ResourceType, account_id: str, region: str) -> str | None:
    """The id an ARN of ``kind`` names in this account and region, or None (malformed,
    another kind, another account or region: all name nothing this account has)."""
    found = _ARN.fullmatch(arn) if isinstance(arn, str) else None
    if found is None or found["kind"] != kind.value:
        return None
    if found["account"] != account_id or found["region"] != region:
        return None
    return found["id"]


def shown(value: object, limit: int = 120) -> str:
    """A caller's value for an error message: quoted, cut short."""
    text = value if isinstance(value, str) else type(value).__name__
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def member(container: Mapping[str, Any], name: str, field: str, kind: type, required: bool) -> Any:
    """``container[name]`` checked to be a ``kind`` (``ValidationError`` naming the path)."""
    value = container.get(name)
    if value is None:
        if required:
            raise ValidationError(f"{field}.{name}" if field else name, "is required")
        return None
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise ValidationError(f"{field}.{name}" if field else name, f"must be a {kind.__name__}")
    return value


def text(container: Mapping[str, Any], name: str, field: str, *, max_length: int) -> str:
    """A required string member of 1 to ``max_length`` characters."""
    value = optional_text(container, name, field, max_length=max_length)
    if value is None:
        raise ValidationError(f"{field}.{name}" if field else name, "is required")
    return value


def optional_text(
    container: Mapping[str, Any], name: str, field: str, *, max_length: int
) -> str | None:
    """A string member of 1 to ``max_length`` characters, or None when absent."""
    value = member(container, name, field, str, required=False)
    if value is not None and not 1 <= len(value) <= max_length:
        raise ValidationError(
            f"{field}.{name}" if field else name, f"must be 1 to {max_length} characters"
        )
    return str(value) if value is not None else None


def one_of(container: Mapping[str, Any], names: Sequence[str], field: str) -> tuple[str, Any]:
    """The one member of a union structure that is set, and its value."""
    given = [name for name in container if container.get(name) is not None]
    if len(given) != 1:
        raise ValidationError(field, f"must set exactly one of {', '.join(names)}")
    name = given[0]
    if name not in names:
        raise ValidationError(
            f"{field}.{name}", f"is not supported (supported: {', '.join(names)})"
        )
    value = container[name]
    if not isinstance(value, dict):
        raise ValidationError(f"{field}.{name}", "must be an object")
    return name, value


# -- rows of a catalog table --------------------------------------------------------


@dataclass(frozen=True)
class CatalogRows:
    """The rows of one catalog table (``data_sets``, ``data_sources``), keyed by account
    and ``id_column``; ``noun`` names the resource in ``NotFoundError``."""

    table: Table
    id_column: Column[Any]
    noun: str

    def key(self, account_id: str, resource_id: str) -> tuple[Any, ...]:
        """The conditions that pick one resource's row."""
        return self.table.c.account_id == account_id, self.id_column == resource_id

    def row(
        self, conn: Connection, account_id: str, resource_id: str | None, *, lock: bool = False
    ) -> RowMapping | None:
        """The resource's row (locked ``FOR UPDATE`` when ``lock``), or None."""
        if resource_id is None:
            return None
        query = select(self.table).where(*self.key(account_id, resource_id))
        return conn.execute(query.with_for_update() if lock else query).mappings().first()

    def require(
        self, conn: Connection, account_id: str, resource_id: str, *, lock: bool = False
    ) -> RowMapping:
        """The resource's row of an existing account, or ``NotFoundError``."""
        repository.require_account(conn, account_id)
        row = self.row(conn, account_id, resource_id, lock=lock)
        if row is None:
            raise NotFoundError(self.noun, resource_id)
        return row

    def delete(self, conn: Connection, account_id: str, resource_id: str) -> RowMapping:
        """Deletes the resource's row and returns it, or ``NotFoundError``."""
        row = (
            conn.execute(
                delete(self.table)
                .where(*self.key(account_id, resource_id))
                .returning(*self.table.c)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(self.noun, resource_id)
        return row

    def search(
        self,
        conn: Connection,
        account_id: str,
        search: SearchFilter,
        *,
        name_attribute: str,
        principals: PrincipalFilter,
        limit: int,
        after: str | None,
    ) -> tuple[list[RowMapping], str | None]:
        """One page of the rows a Search* filter matches: by name when it filters on
        ``name_attribute``, else by the principal permissions reach."""
        repository.require_account(conn, account_id)
        condition = search_condition(
            conn, account_id, search, self.table, name_attribute, principals
        )
        query = select(self.table).where(self.table.c.account_id == account_id, condition)
        return page_rows(conn, query, self.id_column, limit, after)


class _HasArn(Protocol):
    @property
    def arn(self) -> str: ...


_Resource = TypeVar("_Resource", bound=_HasArn)


def update_permissions(
    db: Database,
    permissions: PermissionService,
    kind: ResourceType,
    account_id: str,
    locked: Callable[[Connection], _Resource],
    *,
    grant: Sequence[Any] | None,
    revoke: Sequence[Any] | None,
    actor: Actor,
) -> tuple[_Resource, list[ResourcePermission]]:
    """Update*Permissions: both lists checked first, then revoke and grant under the
    resource's row, which ``locked`` reads ``FOR UPDATE``."""
    granted = parse_permissions(kind, grant, "GrantPermissions")
    revoked = parse_permissions(kind, revoke, "RevokePermissions")
    with UnitOfWork(db, actor) as uow:
        resource = locked(uow.conn)
        after = permissions.update(
            Resource(account_id, kind, resource.arn),
            grant=granted,
            revoke=revoked,
            actor=actor,
            uow=uow,
        )
    return resource, after


# -- search filters ----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilter:
    """One Search* filter: ``name`` is the attribute (``DATASET_NAME``,
    ``QUICKSIGHT_VIEWER_OR_OWNER`` ...), ``operator`` StringEquals or StringLike."""

    name: str
    operator: str
    value: str


def parse_filters(
    filters: object, name_attribute: str, principal_attributes: Sequence[str]
) -> SearchFilter:
    """The one filter a Search* request may carry, checked."""
    if not isinstance(filters, list) or len(filters) != 1 or not isinstance(filters[0], dict):
        raise ValidationError("Filters", "must hold exactly one filter")
    entry = filters[0]
    name = entry.get("Name")
    operator = entry.get("Operator")
    value = entry.get("Value")
    allowed = [name_attribute, *principal_attributes]
    if name not in allowed:
        raise ValidationError("Filters[0].Name", f"must be one of {' | '.join(allowed)}")
    if operator not in ("StringEquals", "StringLike"):
        raise ValidationError("Filters[0].Operator", "must be StringEquals or StringLike")
    if name != name_attribute and operator != "StringEquals":
        raise ValidationError("Filters[0].Operator", f"{name} takes StringEquals only")
    if not isinstance(value, str) or not 1 <= len(value) <= 1024:
        raise ValidationError("Filters[0].Value", "must be 1 to 1024 characters")
    return SearchFilter(name, operator, value)


class PrincipalFilter:
    """Which resources a principal-based search filter matches, asked of the resource
    permissions for that principal's grants (``DIRECT_*``: granted to the principal
    itself; ``QUICKSIGHT_*`` on a user: also through their groups, namespace and
    folders): never a scan of every resource."""

    def __init__(
        self, permissions: PermissionService, authorizer: Authorizer, resource_type: ResourceType
    ) -> None:
        self.permissions = permissions
        self.authorizer = authorizer
        self.resource_type = resource_type
        self.viewer_action = f"{PREFIX}Describe{_noun(resource_type)}"
        self.owner_action = f"{PREFIX}Update{_noun(resource_type)}Permissions"

    def condition(
        self, conn: Connection, account_id: str, search: SearchFilter, arn: Column[Any]
    ) -> ColumnElement[bool]:
        """The filter as a condition on the ``arn`` column: among the resources the
        principal's grants reach, as a subquery (the ARNs never reach Python)."""
        direct = search.name.startswith("DIRECT_")
        owner = "OWNER" in search.name and "VIEWER" not in search.name
        action = self.owner_action if owner else self.viewer_action
        grantee = self._grantee(conn, account_id, search.value, direct=direct)
        if grantee is None:
            return false()
        reached = self.permissions.visible_statement(
            grantee, self.resource_type, action, inherited=not direct
        )
        matched = among(arn, reached)
        if search.name == "DIRECT_QUICKSIGHT_SOLE_OWNER":
            only = self.permissions.held_only_by(arn, search.value, self.owner_action)
            return and_(matched, only)
        return matched

    def _grantee(
        self, conn: Connection, account_id: str, principal_arn: str, *, direct: bool
    ) -> Grantee | None:
        """Whose grants count: the user (with their groups and namespace unless
        ``direct``), the group or the namespace ``principal_arn`` names; None when it
        names nothing of the account."""
        try:
            parsed = arns.parse_arn(principal_arn)
            if parsed.account_id != account_id:
                return None
            namespace = repository.require_namespace(conn, account_id, parsed.namespace)
            if parsed.type is arns.ResourceType.NAMESPACE:
                return Grantee(account_id, namespace_id=namespace.namespace_id)
            name = parsed.name or ""
            if parsed.type is arns.ResourceType.GROUP:
                group = repository.require_group(conn, namespace, name)
                return Grantee(account_id, group_ids=(group.group_id,))
            if direct:
                return Grantee(
                    account_id, user_id=repository.require_user(conn, namespace, name).user_id
                )
            user = self.authorizer.user(account_id, parsed.namespace, name)
        except (NotFoundError, ValidationError):
            return None
        return Grantee.of(user) if user.allowed else None


def search_condition(
    conn: Connection,
    account_id: str,
    search: SearchFilter,
    table: Table,
    name_attribute: str,
    principals: PrincipalFilter,
) -> ColumnElement[bool]:
    """What a Search* filter asks of ``table``'s rows: the name, when it filters on
    ``name_attribute``; else an ARN among those the principal's permissions reach (a
    subquery, so the page is filtered, ordered and cut in one statement)."""
    if search.name == name_attribute:
        return name_condition(table.c.name, search)
    return principals.condition(conn, account_id, search, table.c.arn)


def name_condition(column: Any, search: SearchFilter) -> ColumnElement[bool]:
    """``StringEquals``: the name is the value; ``StringLike``: it contains the value
    (in any letter case), as the Search* operations document."""
    if search.operator == "StringEquals":
        return and_(column == search.value)
    return and_(column.icontains(search.value, autoescape=True))


def _noun(resource_type: ResourceType) -> str:
    return {
        ResourceType.DATASET: "DataSet",
        ResourceType.DATASOURCE: "DataSource",
        ResourceType.DASHBOARD: "Dashboard",
        ResourceType.ANALYSIS: "Analysis",
    }[resource_type]
