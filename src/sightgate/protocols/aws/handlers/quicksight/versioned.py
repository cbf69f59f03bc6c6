"""The QuickSight operations templates and themes share (``VersionedAssets``): versions,
deletion, permissions and aliases, with the outputs both shapes have.

``ListTemplateAliases`` and ``ListThemeAliases`` take their page size as ``max-result``
(singular), as their models say; the input parser reads it into ``MaxResults`` like
every other list's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sightgate.analytics.access.permissions import ResourcePermission, parse_permissions
from sightgate.analytics.assets.versioned import Alias, Asset, Saved, Version, VersionedAssets
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_request
from sightgate.protocols.aws.handlers.registry import OK, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_named_account

S = TypeVar("S")
ACCEPTED: Output = {"Status": 202}


def saved_json(saved: Saved, id_field: str) -> Output:
    """What Create/Update of a versioned asset answers."""
    return {
        "Arn": saved.asset.arn,
        "VersionArn": saved.version.arn,
        id_field: saved.asset.asset_id,
        "CreationStatus": saved.version.status,
        **ACCEPTED,
    }


def version_summary_json(version: Version) -> Output:
    """A ``TemplateVersionSummary`` / ``ThemeVersionSummary``."""
    return {
        "Arn": version.arn,
        "VersionNumber": version.number,
        "CreatedTime": version.created,
        "Status": version.status,
        "Description": version.description,
    }


def alias_json(alias: Alias, version_member: str) -> Output:
    """A ``TemplateAlias`` / ``ThemeAlias``."""
    return {"AliasName": alias.name, "Arn": alias.arn, version_member: alias.version_number}


def list_versions(
    assets: VersionedAssets, ctx: RequestContext, params: Params, list_member: str
) -> Output:
    """ListTemplateVersions / ListThemeVersions."""
    limit, after = page_request(ctx)
    _, page = assets.versions(
        params["AwsAccountId"], params[assets.kind.id_field], limit=limit, after=after
    )
    return {
        list_member: [version_summary_json(v) for v in page.items],
        **next_token(ctx, page),
        **OK,
    }


def delete_asset(assets: VersionedAssets, ctx: RequestContext, params: Params) -> Output:
    """DeleteTemplate / DeleteTheme (``version-number`` deletes one version)."""
    id_field = assets.kind.id_field
    asset = assets.delete(
        params["AwsAccountId"],
        params[id_field],
        version_number=params.get("VersionNumber"),
        actor=ctx.actor,
    )
    return {"Arn": asset.arn, id_field: asset.asset_id, **OK}


def permissions_output(
    assets: VersionedAssets, asset: Asset, permissions: list[ResourcePermission]
) -> Output:
    """Describe/Update*Permissions."""
    noun = assets.kind.noun
    return {
        assets.kind.id_field: asset.asset_id,
        f"{noun}Arn": asset.arn,
        "Permissions": [p.to_json() for p in permissions],
        **OK,
    }


def describe_permissions(assets: VersionedAssets, ctx: RequestContext, params: Params) -> Output:
    """DescribeTemplatePermissions / DescribeThemePermissions."""
    asset, permissions = assets.describe_permissions(
        params["AwsAccountId"], params[assets.kind.id_field]
    )
    return permissions_output(assets, asset, permissions)


def update_permissions(assets: VersionedAssets, ctx: RequestContext, params: Params) -> Output:
    """UpdateTemplatePermissions / UpdateThemePermissions."""
    kind = assets.kind.resource_type

    def parsed(member: str) -> list[ResourcePermission]:
        return parse_permissions(kind, params.get(member), member)

    asset, permissions = assets.update_permissions(
        params["AwsAccountId"],
        params[assets.kind.id_field],
        grant=parsed("GrantPermissions"),
        revoke=parsed("RevokePermissions"),
        actor=ctx.actor,
    )
    return permissions_output(assets, asset, permissions)


def _version_member(assets: VersionedAssets) -> str:
    return f"{assets.kind.noun}VersionNumber"


def create_alias(assets: VersionedAssets, ctx: RequestContext, params: Params) -> Output:
    """CreateTemplateAlias / CreateThemeAlias."""
    member = _version_member(assets)
    alias = assets.create_alias(
        params["AwsAccountId"],
        params[assets.kind.id_field],
        params["AliasName"],
        params[member],
        actor=ctx.actor,
    )
    return {f"{assets.kind.noun}Alias": alias_json(alias, member), **OK}


def update_alias(assets: VersionedAssets, ctx: RequestContext, params: Params) -> Output:
    """UpdateTemplateAlias / UpdateThemeAlias."""
    member = _version_member(assets)
    alias = assets.update_alias(
        params["AwsAccountId"],
        params[assets.kind.id_field],
        params["AliasName"],
        params[member],
        actor=ctx.actor,
    )
    return {f"{assets.kind.noun}Alias": alias_json(alias, member), **OK}


def describe_alias(assets: VersionedAssets, ctx: RequestContext, params: Params) -> Output:
    """DescribeTemplateAlias / DescribeThemeAlias."""
    alias = assets.describe_alias(
        params["AwsAccountId"], params[assets.kind.id_field], params["AliasName"]
    )
    return {f"{assets.kind.noun}Alias": alias_json(alias, _version_member(assets)), **OK}


def delete_alias(assets: VersionedAssets, ctx: RequestContext, params: Params) -> Output:
    """DeleteTemplateAlias / DeleteThemeAlias."""
    id_field = assets.kind.id_field
    alias = assets.delete_alias(
        params["AwsAccountId"], params[id_field], params["AliasName"], actor=ctx.actor
    )
    return {
        id_field: params[id_field],
        "AliasName": alias.name,
        "Arn": alias.arn,
        **OK,
    }


def list_aliases(assets: VersionedAssets, ctx: RequestContext, params: Params) -> Output:
    """ListTemplateAliases / ListThemeAliases (page size from ``max-result``)."""
    limit, after = page_request(ctx)
    page = assets.aliases(
        params["AwsAccountId"], params[assets.kind.id_field], limit=limit, after=after
    )
    noun, member = assets.kind.noun, _version_member(assets)
    return {
        f"{noun}AliasList": [alias_json(a, member) for a in page.items],
        **next_token(ctx, page),
        **OK,
    }


def shared_operations(
    noun: str, assets_of: Callable[[S], VersionedAssets]
) -> tuple[Operation[S], ...]:
    """``List<noun>Versions``, ``Delete<noun>``, its permissions and aliases, each run on
    the ``VersionedAssets`` of the module's service."""

    def on_assets(
        run: Callable[[VersionedAssets, RequestContext, Params], Output],
    ) -> Callable[[S, RequestContext, Params], Output]:
        return lambda service, ctx, params: run(assets_of(service), ctx, params)

    def versions(assets: VersionedAssets, ctx: RequestContext, params: Params) -> Output:
        return list_versions(assets, ctx, params, f"{noun}VersionSummaryList")

    runs: dict[str, Callable[[VersionedAssets, RequestContext, Params], Output]] = {
        f"List{noun}Versions": versions,
        f"Delete{noun}": delete_asset,
        f"Describe{noun}Permissions": describe_permissions,
        f"Update{noun}Permissions": update_permissions,
        f"Create{noun}Alias": create_alias,
        f"Update{noun}Alias": update_alias,
        f"Describe{noun}Alias": describe_alias,
        f"Delete{noun}Alias": delete_alias,
        f"List{noun}Aliases": list_aliases,
    }
    return tuple(Operation(name, on_assets(run), in_named_account) for name, run in runs.items())
