"""The folders' domain events.

Every event's ``scope`` is the account id, so each one moves the account's access epoch:
a folder created under a shared parent, a membership added or removed, a folder deleted
all change what someone may see, and a cached decision must not survive them
(``sightgate.analytics.access.epoch``). Permission changes on folders are the access
module's ``ResourcePermissionsUpdated``.
"""

from __future__ import annotations

from typing import Any

from sightgate.analytics.assets.model import Folder, FolderMember
from sightgate.platform.events import DomainEvent

FOLDER_CREATED = "analytics.FolderCreated"
FOLDER_UPDATED = "analytics.FolderUpdated"
FOLDER_DELETED = "analytics.FolderDeleted"
FOLDER_MEMBERSHIP_CREATED = "analytics.FolderMembershipCreated"
FOLDER_MEMBERSHIP_DELETED = "analytics.FolderMembershipDeleted"


def folder_event(type_: str, folder: Folder, **extra: Any) -> DomainEvent:
    """An event about a folder; ``extra`` adds members (a rename's ``PreviousName``)."""
    payload: dict[str, Any] = {
        "FolderId": folder.folder_id,
        "Arn": folder.arn,
        "Name": folder.name,
        "FolderType": folder.folder_type.value,
        "SharingModel": folder.sharing_model.value,
        "ParentFolderArn": folder.parent_arn,
        **extra,
    }
    return DomainEvent(type_, "Folder", folder.row_id, folder.account_id, payload)


def membership_event(type_: str, folder: Folder, member: FolderMember) -> DomainEvent:
    """An event about one asset in a folder; its aggregate is the folder."""
    return DomainEvent(
        type_,
        "Folder",
        folder.row_id,
        folder.account_id,
        {
            "FolderId": folder.folder_id,
            "FolderArn": folder.arn,
            "MemberType": member.member_type.value,
            "MemberId": member.member_id,
            "MemberArn": member.member_arn,
        },
    )
