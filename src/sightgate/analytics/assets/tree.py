"""How grants pass down folders, as SQL over the closure table: what the access module's
``FolderTree`` port asks (it sits below this package and cannot read these tables)."""

from __future__ import annotations

from sqlalchemy import Connection, Select, delete, select

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.assets.model import MEMBER_TYPES
from sightgate.analytics.assets.tables import folder_members, folder_paths, folders


class FolderPaths:
    """``FolderTree`` over ``analytics_folder_paths``: no recursion, one join per question."""

    def reach(self, resource_type: ResourceType) -> Select[tuple[str, str]] | None:
        """(``folder_arn``, ``resource_arn``): for folders, each ancestor and descendant
        (distance at least 1); for assets, each folder holding the asset, or above one."""
        paths = folder_paths.c
        if resource_type is ResourceType.FOLDER:
            return (
                select(paths.ancestor_arn.label("folder_arn"), folders.c.arn.label("resource_arn"))
                .select_from(folder_paths.join(folders, folders.c.id == paths.folder_id))
                .where(paths.distance > 0)
            )
        member_type = MEMBER_TYPES.get(resource_type)
        if member_type is None:
            return None
        members = folder_members.c
        return (
            select(paths.ancestor_arn.label("folder_arn"), members.member_arn.label("resource_arn"))
            .select_from(folder_members.join(folder_paths, paths.folder_id == members.folder_id))
            .where(members.member_type == member_type.value)
        )

    def forget(self, conn: Connection, resource_arn: str) -> None:
        """Remove a deleted asset's memberships (a deleted folder is empty already)."""
        conn.execute(delete(folder_members).where(folder_members.c.member_arn == resource_arn))
