"""The folder tree: nesting, names, types, membership, deletion, and bad input refused
with nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from sightgate.analytics.access.actions import PREFIX
from sightgate.analytics.assets import tables as t
from sightgate.analytics.assets.events import FOLDER_CREATED
from sightgate.analytics.assets.folders import FolderService
from sightgate.analytics.assets.model import FolderType, MemberType
from sightgate.analytics.data import tables as data_tables
from sightgate.analytics.directory.model import Tag
from sightgate.bootstrap import Services
from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    QuotaExceededError,
    StateConflictError,
    ValidationError,
)
from tests.analytics.assets.conftest import (
    FOLDER,
    arn,
    bare_asset,
    grant,
    make,
    stored_dashboards,
)
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    events_after,
    last_position,
    register,
    subscribe,
)


def count(services: Services, table: object) -> int:
    with services.db.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_a_folder_three_levels_deep_describes_its_path_root_first(
    folders: FolderService,
) -> None:
    root = make(folders, "root")
    child = make(folders, "child", root)
    leaf = make(folders, "leaf", child)

    described = folders.describe(ACCOUNT, "leaf")
    assert described.path == (root.arn, child.arn)
    assert described.arn == arn("folder", "leaf") == leaf.arn
    assert described.folder_type is FolderType.SHARED
    assert folders.describe(ACCOUNT, "root").path == ()
    assert [f.folder_id for f in folders.list(ACCOUNT).items] == ["child", "leaf", "root"]
    page = folders.list(ACCOUNT, limit=2)
    assert page.next_key == "leaf"
    assert [f.path for f in page.items] == [(root.arn,), (root.arn, child.arn)]


def test_sibling_names_are_unique_and_the_same_name_may_live_elsewhere(
    folders: FolderService,
) -> None:
    root = make(folders, "a", name="Sales")
    with pytest.raises(ConflictError) as clash:
        make(folders, "b", name="Sales")
    assert clash.value.field == "Name"
    make(folders, "c", root, name="Sales")  # under another parent
    with pytest.raises(ConflictError):
        make(folders, "d", root, name="Sales")
    with pytest.raises(ConflictError) as taken:
        make(folders, "a", name="Other")
    assert taken.value.field == "FolderId"
    make(folders, "unnamed-1", name=None)
    make(folders, "unnamed-2", name=None)

    renamed = folders.update(ACCOUNT, "c", "Sales 2024", actor=ACTOR)
    assert renamed.name == "Sales 2024" and renamed.path == (root.arn,)
    make(folders, "e", root, name="Other")
    with pytest.raises(ConflictError):
        folders.update(ACCOUNT, "e", "Sales 2024", actor=ACTOR)  # c is its sibling
    assert folders.describe(ACCOUNT, "e").name == "Other"
    assert folders.update(ACCOUNT, "a", "Sales 2024", actor=ACTOR).name == "Sales 2024"


def test_a_parent_must_be_a_folder_of_the_same_account(
    services: Services, folders: FolderService
) -> None:
    subscribe(services.directory, OTHER_ACCOUNT, name="other")
    foreign = folders.create(OTHER_ACCOUNT, "theirs", actor=ACTOR)
    for parent in (
        foreign.arn,
        arn("folder", "missing"),
        foreign.arn.replace(OTHER_ACCOUNT, ACCOUNT),
    ):
        with pytest.raises(NotFoundError):
            folders.create(ACCOUNT, "mine", actor=ACTOR, parent_arn=parent)
    with pytest.raises(ValidationError):
        folders.create(ACCOUNT, "mine", actor=ACTOR, parent_arn="not an arn")
    assert [f.folder_id for f in folders.list(ACCOUNT).items] == []


def test_a_folder_cannot_be_its_own_ancestor(folders: FolderService) -> None:
    """Folders never move (UpdateFolder renames only) and a parent must exist before its
    child, so the only way to a cycle would be naming the folder being created."""
    with pytest.raises(NotFoundError):
        folders.create(ACCOUNT, "loop", actor=ACTOR, parent_arn=arn("folder", "loop"))


def test_folder_paths_stop_at_ten_ancestors(folders: FolderService) -> None:
    parent = make(folders, "level-0")
    for level in range(1, 11):
        parent = make(folders, f"level-{level}", parent)
    assert len(parent.path) == 10
    with pytest.raises(QuotaExceededError):
        make(folders, "level-11", parent)


def test_ids_names_and_enums_are_checked(folders: FolderService) -> None:
    for bad_id in ("", "has space", "x" * 901, "ünï"):
        with pytest.raises(ValidationError) as caught:
            folders.create(ACCOUNT, bad_id, actor=ACTOR)
        assert caught.value.field == "FolderId"
    for bad_name in ("", "x" * 201, "tab\there"):
        with pytest.raises(ValidationError):
            folders.create(ACCOUNT, "ok", actor=ACTOR, name=bad_name)
    with pytest.raises(ValidationError):
        folders.create(ACCOUNT, "ok", actor=ACTOR, folder_type="PERSONAL")
    with pytest.raises(ValidationError):
        folders.create(ACCOUNT, "ok", actor=ACTOR, sharing_model="EVERYONE")
    with pytest.raises(NotFoundError):
        folders.create("999999999999", "ok", actor=ACTOR)


def test_restricted_trees_are_one_boundary(services: Services, folders: FolderService) -> None:
    stored_dashboards(services, "secret")
    restricted = make(folders, "vault", folder_type="RESTRICTED")
    inner = make(folders, "inner", restricted)
    assert inner.folder_type is FolderType.RESTRICTED
    with pytest.raises(ValidationError):
        make(folders, "shared-inside", restricted, folder_type="SHARED")
    shared = make(folders, "open")
    with pytest.raises(ValidationError):
        make(folders, "restricted-inside", shared, folder_type="RESTRICTED")
    with pytest.raises(ValidationError):
        make(folders, "model", shared, sharing_model="NAMESPACE")

    folders.add_member(ACCOUNT, "inner", "DASHBOARD", "secret", actor=ACTOR)
    folders.add_member(ACCOUNT, "vault", "DASHBOARD", "secret", actor=ACTOR)  # same tree
    with pytest.raises(ValidationError):
        folders.add_member(ACCOUNT, "open", "DASHBOARD", "secret", actor=ACTOR)


def test_the_owner_role_is_refused_on_restricted_folders(
    services: Services, folders: FolderService
) -> None:
    register(services.directory, "alice")
    alice = arn("user", "default", "alice")
    with pytest.raises(ValidationError):
        make(folders, "vault", folder_type="RESTRICTED", permissions=[grant(alice, FOLDER.owner)])
    assert folders.list(ACCOUNT).items == []
    make(folders, "vault", folder_type="RESTRICTED", permissions=[grant(alice, FOLDER.viewer)])
    with pytest.raises(ValidationError):
        folders.update_permissions(
            ACCOUNT,
            "vault",
            grant=[grant(alice, frozenset({PREFIX + "DeleteFolder"}))],
            actor=ACTOR,
        )
    assert FOLDER.contributor is not None
    updated = folders.update_permissions(
        ACCOUNT, "vault", grant=[grant(alice, FOLDER.contributor)], actor=ACTOR
    )
    assert updated.permissions[0].actions == FOLDER.contributor


def test_only_an_empty_folder_is_deleted_and_its_grants_go_with_it(
    services: Services, folders: FolderService
) -> None:
    register(services.directory, "alice")
    alice = arn("user", "default", "alice")
    root = make(folders, "root", permissions=[grant(alice, FOLDER.owner)])
    make(folders, "child", root)
    stored_dashboards(services, "d1")
    folders.add_member(ACCOUNT, "root", "DASHBOARD", "d1", actor=ACTOR)

    with pytest.raises(StateConflictError):
        folders.delete(ACCOUNT, "root", actor=ACTOR)
    folders.delete(ACCOUNT, "child", actor=ACTOR)
    with pytest.raises(StateConflictError):
        folders.delete(ACCOUNT, "root", actor=ACTOR)
    folders.remove_member(ACCOUNT, "root", "DASHBOARD", "d1", actor=ACTOR)
    folders.delete(ACCOUNT, "root", actor=ACTOR)
    with pytest.raises(NotFoundError):
        folders.describe(ACCOUNT, "root")
    again = make(folders, "root")
    assert folders.describe_permissions(ACCOUNT, "root").permissions == []
    assert again.row_id != root.row_id
    assert count(services, t.folder_paths) == 1


def test_members_are_listed_and_found_by_resource(
    services: Services, folders: FolderService
) -> None:
    make(folders, "a")
    make(folders, "b")
    stored_dashboards(services, "d1")
    services.analyses.create(ACCOUNT, "a1", bare_asset("a1"), actor=ACTOR)
    folders.add_member(ACCOUNT, "a", "DASHBOARD", "d1", actor=ACTOR)
    folders.add_member(ACCOUNT, "b", "DASHBOARD", "d1", actor=ACTOR)
    added = folders.add_member(ACCOUNT, "a", "ANALYSIS", "a1", actor=ACTOR)
    assert added.member_arn == arn("analysis", "a1")
    with pytest.raises(ConflictError):
        folders.add_member(ACCOUNT, "a", "DASHBOARD", "d1", actor=ACTOR)

    members = folders.members(ACCOUNT, "a").items
    assert [(m.member_type, m.member_id) for m in members] == [
        (MemberType.ANALYSIS, "a1"),
        (MemberType.DASHBOARD, "d1"),
    ]
    assert folders.folders_for_resource(ACCOUNT, arn("dashboard", "d1")).items == [
        arn("folder", "a"),
        arn("folder", "b"),
    ]
    assert folders.folders_for_resource(ACCOUNT, arn("dashboard", "d2")).items == []
    with pytest.raises(NotFoundError):
        folders.folders_for_resource(ACCOUNT, arn("dashboard", "d1", account=OTHER_ACCOUNT))

    with pytest.raises(NotFoundError):
        folders.remove_member(ACCOUNT, "a", "DASHBOARD", "d9", actor=ACTOR)
    with pytest.raises(ValidationError):
        folders.add_member(ACCOUNT, "a", "WORKBOOK", "x", actor=ACTOR)
    with pytest.raises(NotFoundError):
        folders.add_member(ACCOUNT, "missing", "DASHBOARD", "x", actor=ACTOR)
    for member_type in ("DASHBOARD", "ANALYSIS"):  # a folder holds only what exists
        with pytest.raises(NotFoundError, match=member_type.capitalize()):
            folders.add_member(ACCOUNT, "b", member_type, "d2", actor=ACTOR)
    assert [m.member_id for m in folders.members(ACCOUNT, "b").items] == ["d1"]


def test_datasets_and_data_sources_must_exist_in_the_account(
    services: Services, folders: FolderService
) -> None:
    make(folders, "data")
    for member_type in ("DATASET", "DATASOURCE"):
        with pytest.raises(NotFoundError):
            folders.add_member(ACCOUNT, "data", member_type, "sales", actor=ACTOR)
    subscribe(services.directory, OTHER_ACCOUNT, name="other")
    now = datetime.now(UTC)
    with services.db.write() as conn:
        for owner in (OTHER_ACCOUNT, ACCOUNT):
            conn.execute(
                insert(data_tables.data_sets).values(
                    account_id=owner,
                    data_set_id="sales" if owner == ACCOUNT else "theirs",
                    arn=arn("dataset", "sales", account=owner),
                    name="Sales",
                    import_mode="SPICE",
                    definition={},
                    output_columns=[],
                    created=now,
                    updated=now,
                )
            )
    with pytest.raises(NotFoundError):  # another account's dataset is no member here
        folders.add_member(ACCOUNT, "data", "DATASET", "theirs", actor=ACTOR)
    member = folders.add_member(ACCOUNT, "data", "DATASET", "sales", actor=ACTOR)
    assert member.member_arn == arn("dataset", "sales")


def test_a_create_that_fails_leaves_nothing_behind(
    services: Services, folders: FolderService
) -> None:
    before = last_position(services.db)
    with pytest.raises(ValidationError):
        make(folders, "half", permissions=[grant(arn("user", "default", "nobody"), FOLDER.viewer)])
    with pytest.raises(ValidationError):
        make(folders, "half", tags=[Tag("k", "v"), Tag("k", "w")])
    assert count(services, t.folders) == 0
    assert count(services, t.folder_paths) == 0
    assert last_position(services.db) == before


def test_namespaces_are_not_folder_principals(folders: FolderService) -> None:
    with pytest.raises(ValidationError) as caught:
        make(folders, "f", permissions=[grant(arn("namespace", "default"), FOLDER.viewer)])
    assert "namespace" in caught.value.reason


def test_every_change_is_an_event_of_the_account(
    services: Services, folders: FolderService
) -> None:
    register(services.directory, "alice")
    stored_dashboards(services, "d1")
    before = last_position(services.db)
    root = make(
        folders, "root", permissions=[grant(arn("user", "default", "alice"), FOLDER.viewer)]
    )
    folders.add_member(ACCOUNT, "root", "DASHBOARD", "d1", actor=ACTOR)
    folders.remove_member(ACCOUNT, "root", "DASHBOARD", "d1", actor=ACTOR)
    folders.update(ACCOUNT, "root", "renamed", actor=ACTOR)
    folders.delete(ACCOUNT, "root", actor=ACTOR)
    found = events_after(services.db, before)
    assert [e.type for e in found] == [
        FOLDER_CREATED,
        "analytics.ResourcePermissionsUpdated",
        "analytics.FolderMembershipCreated",
        "analytics.FolderMembershipDeleted",
        "analytics.FolderUpdated",
        "analytics.FolderDeleted",
    ]
    assert {e.scope for e in found} == {ACCOUNT}
    assert found[0].payload["Arn"] == root.arn


def test_tags_are_kept_with_the_folder_and_go_with_it(
    services: Services, folders: FolderService
) -> None:
    tagged = make(folders, "tagged", tags=[Tag("customer", "red")])
    tags = folders.tags
    tags.tag_resource(
        ACCOUNT, tagged.arn, [Tag("tier", "gold"), Tag("customer", "blue")], actor=ACTOR
    )
    assert tags.list_tags_for_resource(ACCOUNT, tagged.arn) == [
        Tag("customer", "blue"),
        Tag("tier", "gold"),
    ]
    tags.untag_resource(ACCOUNT, tagged.arn, ["tier", "absent"], actor=ACTOR)
    assert tags.list_tags_for_resource(ACCOUNT, tagged.arn) == [Tag("customer", "blue")]
    with pytest.raises(QuotaExceededError):
        tags.tag_resource(ACCOUNT, tagged.arn, [Tag(f"k{i}", "v") for i in range(50)], actor=ACTOR)
    assert len(tags.list_tags_for_resource(ACCOUNT, tagged.arn)) == 1
    with pytest.raises(NotFoundError):
        tags.list_tags_for_resource(ACCOUNT, arn("folder", "missing"))
    with pytest.raises(NotFoundError):
        tags.list_tags_for_resource(OTHER_ACCOUNT, tagged.arn)
    folders.delete(ACCOUNT, "tagged", actor=ACTOR)
    assert count(services, t.folder_tags) == 0


def test_a_deleted_asset_leaves_its_folders_so_a_namesake_inherits_nothing(
    services: Services, folders: FolderService
) -> None:
    from tests.analytics.data.catalog.conftest import free_port, pg_request

    make(folders, "data")
    sources = services.data.sources
    request = pg_request("sales-db", host="127.0.0.1", port=free_port(), database="x")
    sources.create(ACCOUNT, request, actor=ACTOR)
    folders.add_member(ACCOUNT, "data", "DATASOURCE", "sales-db", actor=ACTOR)
    assert [m.member_id for m in folders.members(ACCOUNT, "data").items] == ["sales-db"]
    sources.delete(ACCOUNT, "sales-db", actor=ACTOR)
    assert folders.members(ACCOUNT, "data").items == []
    sources.create(ACCOUNT, request, actor=ACTOR)  # the same id again: in no folder
    assert folders.members(ACCOUNT, "data").items == []
