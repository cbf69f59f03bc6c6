"""The QuickSight operations datasets and data sources share: Search* and the
Describe/Update*Permissions pair, whose outputs differ only in their members' names.
Each module registers them with ``operations`` and its ``CatalogShape``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

from sightgate.analytics.access.permissions import ResourcePermission
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import page_request, summaries
from sightgate.protocols.aws.handlers.registry import OK, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_named_account


class _HasArn(Protocol):
    @property
    def arn(self) -> str: ...


R = TypeVar("R", bound=_HasArn)
S = TypeVar("S", bound="CatalogService[Any]")


class CatalogService(Protocol[R]):
    """What ``DataSetService`` and ``DataSourceService`` both answer."""

    def search(
        self, account_id: str, filters: object, /, *, limit: int = 100, after: str | None = None
    ) -> Page[R]: ...

    def describe_permissions(
        self, account_id: str, resource_id: str, /
    ) -> tuple[R, list[ResourcePermission]]: ...

    def update_permissions(
        self,
        account_id: str,
        resource_id: str,
        /,
        *,
        grant: Sequence[Any] | None,
        revoke: Sequence[Any] | None,
        actor: Actor,
    ) -> tuple[R, list[ResourcePermission]]: ...


@dataclass(frozen=True)
class CatalogShape(Generic[R]):
    """How one kind's outputs name things: ``noun`` (``DataSet``, ``DataSource``) makes
    ``<noun>Id``, ``<noun>Arn`` and ``<noun>Summaries``; ``id_of`` reads a resource's id."""

    noun: str
    id_of: Callable[[R], str]
    summary_json: Callable[[R], Output]

    @property
    def id_field(self) -> str:
        return f"{self.noun}Id"

    def identity(self, resource: R) -> Output:
        """``<noun>Arn`` and ``<noun>Id``, as the permissions operations answer them."""
        return {f"{self.noun}Arn": resource.arn, self.id_field: self.id_of(resource)}


def permissions_json(permissions: list[ResourcePermission]) -> list[Output]:
    """``ResourcePermission`` entries."""
    return [p.to_json() for p in permissions]


def search(
    service: CatalogService[R], ctx: RequestContext, params: Params, *, shape: CatalogShape[R]
) -> Output:
    """SearchDataSets / SearchDataSources."""
    limit, after = page_request(ctx)
    page = service.search(params["AwsAccountId"], params["Filters"], limit=limit, after=after)
    return {**summaries(ctx, page, f"{shape.noun}Summaries", shape.summary_json), **OK}


def describe_permissions(
    service: CatalogService[R], ctx: RequestContext, params: Params, *, shape: CatalogShape[R]
) -> Output:
    """DescribeDataSetPermissions / DescribeDataSourcePermissions."""
    resource, permissions = service.describe_permissions(
        params["AwsAccountId"], params[shape.id_field]
    )
    return {**shape.identity(resource), "Permissions": permissions_json(permissions), **OK}


def update_permissions(
    service: CatalogService[R], ctx: RequestContext, params: Params, *, shape: CatalogShape[R]
) -> Output:
    """UpdateDataSetPermissions / UpdateDataSourcePermissions (the permissions after the
    change are not part of the answer, as in QuickSight)."""
    resource, _ = service.update_permissions(
        params["AwsAccountId"],
        params[shape.id_field],
        grant=params.get("GrantPermissions"),
        revoke=params.get("RevokePermissions"),
        actor=ctx.actor,
    )
    return {**shape.identity(resource), **OK}


def operations(shape: CatalogShape[Any], service_type: type[S]) -> tuple[Operation[S], ...]:
    """``Search<noun>s``, ``Describe<noun>Permissions`` and ``Update<noun>Permissions``
    in the named account; ``service_type`` (the module's service) only types them, so
    they sit in its ``Handlers`` beside its other operations."""
    noun = shape.noun
    return (
        Operation(f"Search{noun}s", partial(search, shape=shape), in_named_account),
        Operation(
            f"Describe{noun}Permissions",
            partial(describe_permissions, shape=shape),
            in_named_account,
        ),
        Operation(
            f"Update{noun}Permissions", partial(update_permissions, shape=shape), in_named_account
        ),
    )
