"""QuickSight shared folders: the tree, its members, its permissions, searches.

``CreateFolderMembership``, ``DeleteFolderMembership`` and ``UpdateFolderPermissions``
carry ``Status`` in the body (their models say so); the serializer puts it there.
"""

from __future__ import annotations

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.permissions import ResourcePermission, parse_permissions
from sightgate.analytics.assets.folders import FolderPermissions, FolderService
from sightgate.analytics.assets.model import Folder
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_of, page_request, summaries
from sightgate.protocols.aws.handlers.quicksight.tags import tags_of
from sightgate.protocols.aws.handlers.registry import OK, Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import by_resource_arn, in_named_account


def summary_json(folder: Folder) -> Output:
    """A ``FolderSummary``."""
    return {
        "Arn": folder.arn,
        "FolderId": folder.folder_id,
        "Name": folder.name,
        "FolderType": folder.folder_type.value,
        "CreatedTime": folder.created,
        "LastUpdatedTime": folder.updated,
        "SharingModel": folder.sharing_model.value,
    }


def folder_json(folder: Folder) -> Output:
    """A ``Folder``: the summary and ``FolderPath``, the ancestors root first (left out
    for a root folder, as the model's list holds at least one ARN)."""
    return {**summary_json(folder), "FolderPath": list(folder.path) or None}


def _permissions(params: Params, member: str) -> list[ResourcePermission]:
    return parse_permissions(ResourceType.FOLDER, params.get(member), member)


def create_folder(folders: FolderService, ctx: RequestContext, params: Params) -> Output:
    """CreateFolder."""
    folder = folders.create(
        params["AwsAccountId"],
        params["FolderId"],
        actor=ctx.actor,
        name=params.get("Name"),
        folder_type=params.get("FolderType"),
        sharing_model=params.get("SharingModel"),
        parent_arn=params.get("ParentFolderArn"),
        permissions=_permissions(params, "Permissions"),
        tags=tags_of(params),
    )
    return {"Arn": folder.arn, "FolderId": folder.folder_id, **OK}


def describe_folder(folders: FolderService, ctx: RequestContext, params: Params) -> Output:
    """DescribeFolder."""
    folder = folders.describe(params["AwsAccountId"], params["FolderId"])
    return {"Folder": folder_json(folder), **OK}


def list_folders(folders: FolderService, ctx: RequestContext, params: Params) -> Output:
    """ListFolders."""
    limit, after = page_request(ctx)
    page = folders.list(params["AwsAccountId"], limit=limit, after=after)
    return {**summaries(ctx, page, "FolderSummaryList", summary_json), **OK}


def search_folders(folders: FolderService, ctx: RequestContext, params: Params) -> Output:
    """SearchFolders (the principal filters are the authorizer's answers)."""
    limit, after = page_request(ctx)
    page = folders.search(params["AwsAccountId"], params["Filters"], limit=limit, after=after)
    return {**summaries(ctx, page, "FolderSummaryList", summary_json), **OK}


def update_folder(folders: FolderService, ctx: RequestContext, params: Params) -> Output:
    """UpdateFolder (renames)."""
    folder = folders.update(
        params["AwsAccountId"], params["FolderId"], params["Name"], actor=ctx.actor
    )
    return {"Arn": folder.arn, "FolderId": folder.folder_id, **OK}


def delete_folder(folders: FolderService, ctx: RequestContext, params: Params) -> Output:
    """DeleteFolder (empty folders only)."""
    folder = folders.delete(params["AwsAccountId"], params["FolderId"], actor=ctx.actor)
    return {"Arn": folder.arn, "FolderId": folder.folder_id, **OK}


def create_folder_membership(folders: FolderService, ctx: RequestContext, params: Params) -> Output:
    """CreateFolderMembership."""
    member = folders.add_member(
        params["AwsAccountId"],
        params["FolderId"],
        params["MemberType"],
        params["MemberId"],
        actor=ctx.actor,
    )
    return {
        "FolderMember": {"MemberId": member.member_id, "MemberType": member.member_type.value},
        **OK,
    }


def delete_folder_membership(folders: FolderService, ctx: RequestContext, params: Params) -> Output:
    """DeleteFolderMembership."""
    folders.remove_member(
        params["AwsAccountId"],
        params["FolderId"],
        params["MemberType"],
        params["MemberId"],
        actor=ctx.actor,
    )
    return OK


def list_folder_members(folders: FolderService, ctx: RequestContext, params: Params) -> Output:
    """ListFolderMembers."""
    limit, after = page_request(ctx)
    page = folders.members(params["AwsAccountId"], params["FolderId"], limit=limit, after=after)
    return {
        "FolderMemberList": [
            {"MemberId": m.member_id, "MemberArn": m.member_arn} for m in page.items
        ],
        **next_token(ctx, page),
        **OK,
    }


def list_folders_for_resource(
    folders: FolderService, ctx: RequestContext, params: Params
) -> Output:
    """ListFoldersForResource (the ARN arrives with its ``/`` as ``%2F``, decoded by the
    router)."""
    limit, after = page_request(ctx)
    page = folders.folders_for_resource(
        params["AwsAccountId"], params["ResourceArn"], limit=limit, after=after
    )
    return {"Folders": list(page.items), **next_token(ctx, page), **OK}


def _permissions_output(ctx: RequestContext, found: FolderPermissions) -> Output:
    entries, token = page_of(ctx, found.permissions, key=lambda p: p.principal)
    return {
        "FolderId": found.folder.folder_id,
        "Arn": found.folder.arn,
        "Permissions": [p.to_json() for p in entries],
        **token,
        **OK,
    }


def describe_folder_permissions(
    folders: FolderService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeFolderPermissions (``namespace`` keeps that namespace's principals)."""
    found = folders.describe_permissions(
        params["AwsAccountId"], params["FolderId"], namespace=params.get("Namespace")
    )
    return _permissions_output(ctx, found)


def describe_folder_resolved_permissions(
    folders: FolderService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeFolderResolvedPermissions: the folder's own and its ancestors' grants."""
    found = folders.resolved_permissions(
        params["AwsAccountId"], params["FolderId"], namespace=params.get("Namespace")
    )
    return _permissions_output(ctx, found)


def update_folder_permissions(
    folders: FolderService, ctx: RequestContext, params: Params
) -> Output:
    """UpdateFolderPermissions."""
    found = folders.update_permissions(
        params["AwsAccountId"],
        params["FolderId"],
        grant=_permissions(params, "GrantPermissions"),
        revoke=_permissions(params, "RevokePermissions"),
        actor=ctx.actor,
    )
    return {
        "FolderId": found.folder.folder_id,
        "Arn": found.folder.arn,
        "Permissions": [p.to_json() for p in found.permissions],
        **OK,
    }


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.folders,
    (
        Operation("CreateFolder", create_folder, in_named_account),
        Operation("DescribeFolder", describe_folder, in_named_account),
        Operation("ListFolders", list_folders, in_named_account),
        Operation("SearchFolders", search_folders, in_named_account),
        Operation("UpdateFolder", update_folder, in_named_account),
        Operation("DeleteFolder", delete_folder, in_named_account),
        Operation("CreateFolderMembership", create_folder_membership, in_named_account),
        Operation("DeleteFolderMembership", delete_folder_membership, in_named_account),
        Operation("ListFolderMembers", list_folder_members, in_named_account),
        # Checked on the ARN's account; the service finds nothing for an ARN of another
        # account than AwsAccountId's.
        Operation("ListFoldersForResource", list_folders_for_resource, by_resource_arn),
        Operation("DescribeFolderPermissions", describe_folder_permissions, in_named_account),
        Operation(
            "DescribeFolderResolvedPermissions",
            describe_folder_resolved_permissions,
            in_named_account,
        ),
        Operation("UpdateFolderPermissions", update_folder_permissions, in_named_account),
    ),
)
