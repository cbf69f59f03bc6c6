"""Dashboards: versions and the published one, definitions kept member for member,
STRICT and LENIENT, themes, folders, permissions, link sharing, search through groups,
folders and namespaces, and nothing half-written on a refusal."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.access.permissions import Resource, ResourcePermission
from sightgate.analytics.assets import dashboard_tables as t
from sightgate.analytics.assets.dashboards import DashboardService
from sightgate.analytics.directory.model import Tag
from sightgate.bootstrap import Services
from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
)
from tests.analytics.assets.dashboards.conftest import CUSTOMERS, SALES, THEIR_SALES, arn
from tests.analytics.assets.dashboards.samples import large, small, with_value
from tests.analytics.conftest import ACCOUNT, ACTOR, OTHER_ACCOUNT, last_position, register

DASHBOARD = STANDARD[ResourceType.DASHBOARD]
FOLDER = STANDARD[ResourceType.FOLDER]


def create(
    dashboards: DashboardService, dashboard_id: str, definition: Any = None, **members: Any
) -> Any:
    tags = members.pop("tags", ())
    request = {"Name": members.pop("Name", dashboard_id.title()), **members}
    request["Definition"] = small(SALES) if definition is None else definition
    return dashboards.create(ACCOUNT, dashboard_id, request, tags=tags, actor=ACTOR)


def count(services: Services, table: Any) -> int:
    with services.db.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_a_large_definition_comes_back_member_for_member(
    dashboards: DashboardService,
) -> None:
    definition = large(SALES, CUSTOMERS)
    saved = create(dashboards, "sales", definition, VersionDescription="first")
    assert saved.version.arn == arn("dashboard", "sales") + "/version/1"
    described = dashboards.describe(ACCOUNT, "sales")
    assert described.dashboard.published_version == 1
    assert described.version.content.definition == definition
    assert described.version.content.data_set_arns == [SALES, CUSTOMERS]
    assert described.version.content.errors == []
    assert described.version.content.sheets == [
        {"SheetId": "overview", "Name": "Overview"},
        {"SheetId": "details", "Name": "Details"},
    ]
    assert described.version.description == "first"


def test_strict_refuses_at_the_path_and_writes_nothing(
    catalog: Services, dashboards: DashboardService
) -> None:
    before = last_position(catalog.db)
    broken = with_value(
        large(SALES), "f_gone", "Sheets", 0, "FilterControls", 0, "Dropdown", "SourceFilterId"
    )
    with pytest.raises(ValidationError) as refused:
        create(
            dashboards,
            "sales",
            broken,
            Permissions=[
                {
                    "Principal": arn("user", "default", "nobody"),
                    "Actions": ["quicksight:DescribeDashboard"],
                }
            ],
        )
    assert refused.value.field == "Definition.Sheets[0].FilterControls[0].Dropdown.SourceFilterId"
    with pytest.raises(ValidationError):  # a bad principal, after the definition passed
        create(
            dashboards,
            "sales",
            Permissions=[
                {"Principal": arn("user", "default", "nobody"), "Actions": sorted(DASHBOARD.viewer)}
            ],
        )
    with pytest.raises(NotFoundError):  # the folder, once the rows are written
        create(dashboards, "sales", tags=[Tag("k", "v")], FolderArns=[arn("folder", "gone")])
    assert count(catalog, t.dashboards) == count(catalog, t.dashboard_versions) == 0
    assert count(catalog, t.dashboard_tags) == 0
    assert last_position(catalog.db) == before


def test_lenient_stores_and_reports_errors(dashboards: DashboardService) -> None:
    broken = with_value(
        small(SALES),
        "nope",
        "Sheets",
        0,
        "Visuals",
        1,
        "KPIVisual",
        "ChartConfiguration",
        "FieldWells",
        "Values",
        0,
        "NumericalMeasureField",
        "Column",
        "ColumnName",
    )
    create(dashboards, "sales", broken, ValidationStrategy={"Mode": "LENIENT"})
    version = dashboards.describe(ACCOUNT, "sales").version
    assert version.content.definition == broken
    [error] = version.content.errors
    assert error["Type"] == "COLUMN_REPLACEMENT_MISSING"
    assert error["ViolatedEntities"] == [
        {
            "Path": "Definition.Sheets[0].Visuals[1].KPIVisual.ChartConfiguration.FieldWells"
            ".Values[0].NumericalMeasureField.Column.ColumnName"
        }
    ]


def test_datasets_of_another_account_or_none_are_not_found(dashboards: DashboardService) -> None:
    for data_set in (THEIR_SALES, arn("dataset", "gone"), "not-an-arn"):
        with pytest.raises(ValidationError) as refused:
            create(dashboards, "sales", small(data_set))
        assert refused.value.field == "Definition.DataSetIdentifierDeclarations[0].DataSetArn"


def test_versions_publish_and_delete(dashboards: DashboardService) -> None:
    create(dashboards, "sales")
    second = large(SALES)
    updated = dashboards.update(
        ACCOUNT, "sales", {"Name": "Sales v2", "Definition": second}, actor=ACTOR
    )
    assert updated.version.number == 2 and updated.dashboard.name == "Sales v2"
    assert dashboards.describe(ACCOUNT, "sales").version.number == 1  # published stays
    assert (
        dashboards.describe(ACCOUNT, "sales", alias_name="$LATEST").version.content.definition
        == second
    )
    assert dashboards.describe(ACCOUNT, "sales", version_number=2).version.number == 2
    with pytest.raises(NotFoundError):
        dashboards.describe(ACCOUNT, "sales", version_number=3)
    with pytest.raises(NotFoundError):
        dashboards.describe(ACCOUNT, "sales", alias_name="mine")
    dashboards.publish(ACCOUNT, "sales", 2, actor=ACTOR)
    assert dashboards.describe(ACCOUNT, "sales").version.number == 2
    dashboards.update(
        ACCOUNT, "sales", {"Name": "Sales v3", "Definition": small(SALES)}, actor=ACTOR
    )
    _, page = dashboards.versions(ACCOUNT, "sales", limit=2)
    assert [v.number for v in page.items] == [1, 2] and page.next_key == "2"
    _, rest = dashboards.versions(ACCOUNT, "sales", after=page.next_key)
    assert [v.number for v in rest.items] == [3]
    with pytest.raises(ValidationError):
        dashboards.delete(ACCOUNT, "sales", version_number=2, actor=ACTOR)  # published
    dashboards.delete(ACCOUNT, "sales", version_number=1, actor=ACTOR)
    _, left = dashboards.versions(ACCOUNT, "sales")
    assert [v.number for v in left.items] == [2, 3]
    with pytest.raises(NotFoundError):
        dashboards.publish(ACCOUNT, "sales", 1, actor=ACTOR)
    # an update that fails leaves no version behind
    with pytest.raises(ValidationError):
        dashboards.update(
            ACCOUNT,
            "sales",
            {"Name": "x", "Definition": small(arn("dataset", "gone"))},
            actor=ACTOR,
        )
    assert dashboards.describe(ACCOUNT, "sales", alias_name="$LATEST").version.number == 3


def test_a_taken_id_conflicts(dashboards: DashboardService) -> None:
    create(dashboards, "sales")
    with pytest.raises(ConflictError):
        create(dashboards, "sales")
    with pytest.raises(ValidationError):
        create(dashboards, "bad id")


def test_themes_built_in_or_the_accounts_own(dashboards: DashboardService) -> None:
    create(dashboards, "a", ThemeArn="arn:aws:quicksight::aws:theme/MIDNIGHT")
    create(dashboards, "b", ThemeArn=arn("theme", "red"))
    assert dashboards.describe(ACCOUNT, "b").version.content.theme_arn == arn("theme", "red")
    for missing in (
        "arn:aws:quicksight::aws:theme/NEON",
        arn("theme", "blue"),
        arn("theme", "red", account=OTHER_ACCOUNT),
    ):
        with pytest.raises(NotFoundError):
            create(dashboards, "c", ThemeArn=missing)


def test_folder_arns_put_the_dashboard_in_its_folder_in_the_same_transaction(
    catalog: Services, dashboards: DashboardService
) -> None:
    folder = catalog.folders.create(ACCOUNT, "team", actor=ACTOR, name="Team")
    create(dashboards, "sales", FolderArns=[folder.arn])
    members = catalog.folders.members(ACCOUNT, "team").items
    assert [m.member_arn for m in members] == [arn("dashboard", "sales")]
    with pytest.raises(NotFoundError):
        create(dashboards, "other", FolderArns=[arn("folder", "team", account=OTHER_ACCOUNT)])
    with pytest.raises(ValidationError):
        create(dashboards, "other", FolderArns=[folder.arn, folder.arn])
    assert count(catalog, t.dashboards) == 1
    dashboards.delete(ACCOUNT, "sales", actor=ACTOR)
    assert catalog.folders.members(ACCOUNT, "team").items == []
    assert count(catalog, t.dashboard_versions) == 0


def test_search_through_a_group_a_folder_and_direct_grants(
    catalog: Services, dashboards: DashboardService
) -> None:
    directory = catalog.directory
    register(directory, "reader")
    register(directory, "owner", user_role="AUTHOR")
    register(directory, "outsider")
    directory.groups.create(ACCOUNT, "default", "red", actor=ACTOR)
    directory.memberships.create(ACCOUNT, "default", "red", "reader", actor=ACTOR)
    reader, owner = arn("user", "default", "reader"), arn("user", "default", "owner")
    group = arn("group", "default", "red")
    folder = catalog.folders.create(
        ACCOUNT,
        "red-folder",
        actor=ACTOR,
        name="Red",
        permissions=[ResourcePermission(group, FOLDER.viewer)],
    )
    owners = [{"Principal": owner, "Actions": sorted(DASHBOARD.owner)}]
    create(
        dashboards,
        "by-group",
        Permissions=[*owners, {"Principal": group, "Actions": sorted(DASHBOARD.viewer)}],
    )
    create(dashboards, "by-folder", FolderArns=[folder.arn], Permissions=owners)
    create(
        dashboards,
        "direct",
        Permissions=[*owners, {"Principal": reader, "Actions": sorted(DASHBOARD.viewer)}],
    )
    create(dashboards, "unshared", Permissions=owners)
    create(dashboards, "alone")

    def ids(name: str, value: str, operator: str = "StringEquals") -> list[str]:
        page = dashboards.search(ACCOUNT, [{"Name": name, "Operator": operator, "Value": value}])
        return [d.dashboard_id for d in page.items]

    assert ids("QUICKSIGHT_VIEWER_OR_OWNER", reader) == ["by-folder", "by-group", "direct"]
    assert ids("QUICKSIGHT_USER", reader) == ["by-folder", "by-group", "direct"]
    assert ids("DIRECT_QUICKSIGHT_VIEWER_OR_OWNER", reader) == ["direct"]
    assert ids("QUICKSIGHT_OWNER", reader) == []
    assert ids("QUICKSIGHT_OWNER", owner) == ["by-folder", "by-group", "direct", "unshared"]
    assert ids("DIRECT_QUICKSIGHT_SOLE_OWNER", owner) == [
        "by-folder",
        "by-group",
        "direct",
        "unshared",
    ]
    assert ids("QUICKSIGHT_VIEWER_OR_OWNER", group) == ["by-folder", "by-group"]
    assert ids("QUICKSIGHT_VIEWER_OR_OWNER", arn("user", "default", "outsider")) == []
    assert ids("QUICKSIGHT_VIEWER_OR_OWNER", arn("user", "default", "nobody")) == []
    assert ids("DASHBOARD_NAME", "By-Group") == ["by-group"]
    assert ids("DASHBOARD_NAME", "by-", "StringLike") == ["by-folder", "by-group"]
    # the membership goes: the group's dashboards go with it, at once
    directory.memberships.delete(ACCOUNT, "default", "red", "reader", actor=ACTOR)
    assert ids("QUICKSIGHT_VIEWER_OR_OWNER", reader) == ["direct"]
    # and the authorizer agrees with the search
    user = catalog.access.authorizer.user(ACCOUNT, "default", "reader")
    assert catalog.access.authorizer.visible(
        user, ResourceType.DASHBOARD, "quicksight:DescribeDashboard"
    ) == [arn("dashboard", "direct")]
    with pytest.raises(ValidationError):
        dashboards.search(
            ACCOUNT, [{"Name": "FOLDER_NAME", "Operator": "StringEquals", "Value": "x"}]
        )


def test_search_pages_in_sql_and_a_co_owner_is_no_sole_owner(
    catalog: Services, dashboards: DashboardService
) -> None:
    """The principal filter is a subquery of the page's one statement (no bound ARN
    list); pages follow the id order; a second owner takes a dashboard out of
    DIRECT_QUICKSIGHT_SOLE_OWNER, a viewer does not."""
    register(catalog.directory, "owner", user_role="AUTHOR")
    register(catalog.directory, "other", user_role="AUTHOR")
    owner, other = arn("user", "default", "owner"), arn("user", "default", "other")
    owners = [{"Principal": owner, "Actions": sorted(DASHBOARD.owner)}]
    for n in range(5):
        create(dashboards, f"d{n}", Permissions=owners)
    dashboards.update_permissions(
        ACCOUNT, "d1", grant=[{"Principal": other, "Actions": sorted(DASHBOARD.owner)}], actor=ACTOR
    )
    dashboards.update_permissions(
        ACCOUNT,
        "d2",
        grant=[{"Principal": other, "Actions": sorted(DASHBOARD.viewer)}],
        actor=ACTOR,
    )

    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    def pages(name: str, value: str) -> list[list[str]]:
        filters = [{"Name": name, "Operator": "StringEquals", "Value": value}]
        found, after = [], None
        while True:
            statements.clear()
            event.listen(catalog.db.engine, "before_cursor_execute", record)
            try:
                page = dashboards.search(ACCOUNT, filters, limit=2, after=after)
            finally:
                event.remove(catalog.db.engine, "before_cursor_execute", record)
            paged = [s for s in statements if "analytics_grant_actions" in s]
            assert len(paged) == 1 and "analytics_dashboards" in paged[0], statements
            found.append([d.dashboard_id for d in page.items])
            if page.next_key is None:
                return found
            after = page.next_key

    assert pages("QUICKSIGHT_OWNER", owner) == [["d0", "d1"], ["d2", "d3"], ["d4"]]
    assert pages("DIRECT_QUICKSIGHT_SOLE_OWNER", owner) == [["d0", "d2"], ["d3", "d4"]]
    assert pages("DIRECT_QUICKSIGHT_SOLE_OWNER", other) == [[]]
    assert pages("QUICKSIGHT_VIEWER_OR_OWNER", other) == [["d1", "d2"]]


def test_namespaces_isolate(catalog: Services, dashboards: DashboardService) -> None:
    directory = catalog.directory
    directory.namespaces.create(ACCOUNT, "blue", actor=ACTOR)
    register(directory, "pat")
    register(directory, "pat", namespace="blue")
    directory.groups.create(ACCOUNT, "default", "team", actor=ACTOR)
    directory.groups.create(ACCOUNT, "blue", "team", actor=ACTOR)
    directory.memberships.create(ACCOUNT, "default", "team", "pat", actor=ACTOR)
    directory.memberships.create(ACCOUNT, "blue", "team", "pat", actor=ACTOR)
    shared = [{"Principal": arn("group", "default", "team"), "Actions": sorted(DASHBOARD.viewer)}]
    create(dashboards, "default-only", Permissions=shared)
    create(
        dashboards,
        "namespace-wide",
        Permissions=[{"Principal": arn("namespace", "blue"), "Actions": sorted(DASHBOARD.viewer)}],
    )

    def seen(user_arn: str) -> list[str]:
        page = dashboards.search(
            ACCOUNT,
            [{"Name": "QUICKSIGHT_VIEWER_OR_OWNER", "Operator": "StringEquals", "Value": user_arn}],
        )
        return [d.dashboard_id for d in page.items]

    assert seen(arn("user", "default", "pat")) == ["default-only"]
    assert seen(arn("user", "blue", "pat")) == ["namespace-wide"]


def test_permissions_and_link_sharing(catalog: Services, dashboards: DashboardService) -> None:
    register(catalog.directory, "reader")
    reader = arn("user", "default", "reader")
    namespace = arn("namespace", "default")
    create(
        dashboards,
        "sales",
        LinkSharingConfiguration={
            "Permissions": [{"Principal": namespace, "Actions": ["quicksight:DescribeDashboard"]}]
        },
    )
    found = dashboards.describe_permissions(ACCOUNT, "sales")
    assert found.permissions == []
    assert [p.to_json() for p in found.link_permissions] == [
        {"Principal": namespace, "Actions": ["quicksight:DescribeDashboard"]}
    ]
    after = dashboards.update_permissions(
        ACCOUNT,
        "sales",
        grant=[{"Principal": reader, "Actions": sorted(DASHBOARD.viewer)}],
        grant_link=[{"Principal": namespace, "Actions": ["quicksight:QueryDashboard"]}],
        revoke_link=[{"Principal": namespace, "Actions": ["quicksight:DescribeDashboard"]}],
        actor=ACTOR,
    )
    assert [p.principal for p in after.permissions] == [reader]
    assert [p.to_json() for p in after.link_permissions] == [
        {"Principal": namespace, "Actions": ["quicksight:QueryDashboard"]}
    ]
    with pytest.raises(ValidationError):
        dashboards.update_permissions(
            ACCOUNT,
            "sales",
            grant_link=[{"Principal": reader, "Actions": ["quicksight:DescribeDashboard"]}],
            actor=ACTOR,
        )
    with pytest.raises(ValidationError):
        dashboards.update_permissions(
            ACCOUNT,
            "sales",
            grant=[{"Principal": reader, "Actions": ["quicksight:DescribeDataSet"]}],
            actor=ACTOR,
        )
    decision = catalog.access.authorizer.authorize(
        catalog.access.authorizer.user(ACCOUNT, "default", "reader"),
        "quicksight:DescribeDashboard",
        Resource(ACCOUNT, ResourceType.DASHBOARD, arn("dashboard", "sales")),
    )
    assert decision.allowed
    dashboards.delete(ACCOUNT, "sales", actor=ACTOR)
    create(dashboards, "sales")  # created again under the same id: no old grants
    assert dashboards.describe_permissions(ACCOUNT, "sales").permissions == []


def test_tags_on_dashboards(dashboards: DashboardService) -> None:
    create(dashboards, "sales", tags=[Tag("customer", "red")])
    target = arn("dashboard", "sales")
    dashboards.tags.tag_resource(ACCOUNT, target, [Tag("tier", "gold")], actor=ACTOR)
    assert dashboards.tags.list_tags_for_resource(ACCOUNT, target) == [
        Tag("customer", "red"),
        Tag("tier", "gold"),
    ]
    dashboards.tags.untag_resource(ACCOUNT, target, ["customer"], actor=ACTOR)
    assert dashboards.tags.list_tags_for_resource(ACCOUNT, target) == [Tag("tier", "gold")]
    with pytest.raises(NotFoundError):
        dashboards.tags.list_tags_for_resource(OTHER_ACCOUNT, target)


def test_source_template_with_the_customers_dataset(
    catalog: Services, dashboards: DashboardService
) -> None:
    template_definition = {
        "DataSetConfigurations": [
            {
                "Placeholder": "sales",
                "DataSetSchema": {
                    "ColumnSchemaList": [
                        {"Name": "region", "DataType": "STRING"},
                        {"Name": "revenue", "DataType": "DECIMAL"},
                    ]
                },
                "ColumnGroupSchemaList": [],
            }
        ],
        "Sheets": small(SALES)["Sheets"],
    }
    template = catalog.templates.create(
        ACCOUNT, "base", {"Name": "Base", "Definition": template_definition}, actor=ACTOR
    )
    template_arn = arn("template", "base")
    source = {
        "SourceTemplate": {
            "Arn": template_arn,
            "DataSetReferences": [{"DataSetPlaceholder": "sales", "DataSetArn": SALES}],
        }
    }
    saved = dashboards.create(ACCOUNT, "red", {"Name": "Red", "SourceEntity": source}, actor=ACTOR)
    assert template is not None
    assert saved.version.content.source_entity_arn == template_arn
    assert saved.version.content.data_set_arns == [SALES]
    assert saved.version.content.definition["DataSetIdentifierDeclarations"] == [
        {"Identifier": "sales", "DataSetArn": SALES}
    ]
    wrong = {
        "SourceTemplate": {
            "Arn": template_arn,
            "DataSetReferences": [{"DataSetPlaceholder": "other", "DataSetArn": SALES}],
        }
    }
    with pytest.raises(ValidationError):
        dashboards.create(ACCOUNT, "blue", {"Name": "Blue", "SourceEntity": wrong}, actor=ACTOR)
    with pytest.raises(ValidationError):
        dashboards.create(
            ACCOUNT,
            "blue",
            {"Name": "Blue", "SourceEntity": source, "Definition": small(SALES)},
            actor=ACTOR,
        )
