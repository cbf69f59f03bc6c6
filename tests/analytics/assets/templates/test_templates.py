"""Templates: versions and aliases, definitions stored as given, and a template made
into each customer's dashboard definition; bad input refused with nothing written."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.access.permissions import ResourcePermission
from sightgate.analytics.assets.dashboard_tables import analyses
from sightgate.analytics.assets.template_tables import templates as t
from sightgate.analytics.assets.templates import TemplateService
from sightgate.analytics.directory.model import Tag
from sightgate.bootstrap import Services
from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    StateConflictError,
    ValidationError,
)
from tests.analytics.assets.templates.conftest import (
    SALES_DEFINITION,
    arn,
    definition,
    sales_schema,
)
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    last_position,
    register,
    subscribe,
    types_after,
)

TEMPLATE = STANDARD[ResourceType.TEMPLATE]


def create(
    templates: TemplateService,
    template_id: str = "sales",
    tags: tuple[Tag, ...] = (),
    **request: Any,
) -> Any:
    given = {"Name": "Sales", "Definition": definition(), **request}
    return templates.create(ACCOUNT, template_id, given, actor=ACTOR, tags=tags)


def rows(services: Services) -> dict[str, int]:
    with services.db.read() as conn:
        return {
            table.name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
            for table in (t.assets, t.versions, t.aliases, t.tags)
        }


def refs(**by_placeholder: str) -> list[dict[str, str]]:
    return [
        {"DataSetPlaceholder": name, "DataSetArn": arn("dataset", data_set)}
        for name, data_set in by_placeholder.items()
    ]


def test_a_definition_is_stored_as_given_and_versions_follow_updates(
    templates: TemplateService, services: Services
) -> None:
    position = last_position(services.db)
    saved = create(templates, VersionDescription="first")
    assert saved.asset.arn == arn("template", "sales")
    assert saved.version.arn == arn("template", "sales", "version", "1")
    assert saved.version.status == "CREATION_SUCCESSFUL"
    assert types_after(services.db, position) == ["analytics.TemplateCreated"]

    changed = definition(Sheets=[{"SheetId": "other", "Name": "Other"}])
    updated = templates.update(
        ACCOUNT, "sales", {"Definition": changed, "Name": "Sales v2"}, actor=ACTOR
    )
    assert updated.version.number == 2 and updated.version.status == "UPDATE_SUCCESSFUL"
    asset, latest = templates.describe(ACCOUNT, "sales")
    assert (asset.name, asset.latest_version, latest.number) == ("Sales v2", 2, 2)
    assert latest.values["definition"] == changed
    _, first = templates.describe(ACCOUNT, "sales", version_number=1)
    assert first.values["definition"] == SALES_DEFINITION  # member for member, nothing added
    assert first.description == "first"
    _, page = templates.assets.versions(ACCOUNT, "sales", limit=1)
    assert [v.number for v in page.items] == [1] and page.next_key == "1"
    _, rest = templates.assets.versions(ACCOUNT, "sales", after=page.next_key)
    assert [v.number for v in rest.items] == [2] and rest.next_key is None
    with pytest.raises(NotFoundError):
        templates.describe(ACCOUNT, "sales", version_number=3)


def test_templates_are_listed_in_id_order_a_page_at_a_time(templates: TemplateService) -> None:
    for template_id in ("c", "a", "b"):
        create(templates, template_id)
    page = templates.assets.page(ACCOUNT, limit=2)
    assert [a.asset_id for a in page.items] == ["a", "b"]
    assert [a.asset_id for a in templates.assets.page(ACCOUNT, after=page.next_key).items] == ["c"]


def test_aliases_name_versions_and_latest_is_always_the_newest(
    templates: TemplateService,
) -> None:
    create(templates)
    templates.update(ACCOUNT, "sales", {"Definition": definition()}, actor=ACTOR)
    alias = templates.assets.create_alias(ACCOUNT, "sales", "prod", 1, actor=ACTOR)
    assert alias.arn == arn("template", "sales", "alias", "prod")
    assert templates.describe(ACCOUNT, "sales", alias_name="prod")[1].number == 1
    assert templates.describe(ACCOUNT, "sales", alias_name="$LATEST")[1].number == 2
    with pytest.raises(ValidationError, match=r"\$PUBLISHED"):
        templates.describe(ACCOUNT, "sales", alias_name="$PUBLISHED")
    with pytest.raises(ConflictError):
        templates.assets.create_alias(ACCOUNT, "sales", "prod", 2, actor=ACTOR)
    with pytest.raises(NotFoundError):
        templates.assets.create_alias(ACCOUNT, "sales", "next", 9, actor=ACTOR)
    for reserved in ("$LATEST", "$PUBLISHED", "bad/name", ""):
        with pytest.raises(ValidationError):
            templates.assets.create_alias(ACCOUNT, "sales", reserved, 1, actor=ACTOR)
    templates.assets.update_alias(ACCOUNT, "sales", "prod", 2, actor=ACTOR)
    assert templates.assets.describe_alias(ACCOUNT, "sales", "prod").version_number == 2
    templates.assets.create_alias(ACCOUNT, "sales", "beta", 1, actor=ACTOR)
    assert [a.name for a in templates.assets.aliases(ACCOUNT, "sales").items] == ["beta", "prod"]
    templates.assets.delete_alias(ACCOUNT, "sales", "beta", actor=ACTOR)
    with pytest.raises(NotFoundError):
        templates.describe(ACCOUNT, "sales", alias_name="beta")
    with pytest.raises(NotFoundError):
        templates.assets.update_alias(ACCOUNT, "sales", "beta", 1, actor=ACTOR)


def test_deleting_versions_keeps_numbers_and_aliases_whole(
    templates: TemplateService, services: Services
) -> None:
    create(templates)
    with pytest.raises(StateConflictError, match="only version"):
        templates.assets.delete(ACCOUNT, "sales", version_number=1, actor=ACTOR)
    templates.update(ACCOUNT, "sales", {"Definition": definition()}, actor=ACTOR)
    templates.assets.create_alias(ACCOUNT, "sales", "prod", 2, actor=ACTOR)
    with pytest.raises(StateConflictError, match="prod"):
        templates.assets.delete(ACCOUNT, "sales", version_number=2, actor=ACTOR)
    templates.assets.update_alias(ACCOUNT, "sales", "prod", 1, actor=ACTOR)
    after = templates.assets.delete(ACCOUNT, "sales", version_number=2, actor=ACTOR)
    assert after.latest_version == 1
    assert templates.describe(ACCOUNT, "sales")[1].number == 1
    again = templates.update(ACCOUNT, "sales", {"Definition": definition()}, actor=ACTOR)
    assert again.version.number == 3  # number 2 named other content: never reused
    with pytest.raises(NotFoundError):
        templates.assets.delete(ACCOUNT, "sales", version_number=2, actor=ACTOR)


def test_deleting_a_template_takes_its_versions_aliases_tags_and_permissions(
    templates: TemplateService, services: Services
) -> None:
    user = register(services.directory, "author")
    owner = ResourcePermission(user.arn, TEMPLATE.owner)
    create(templates, Permissions=[owner.to_json()], tags=(Tag("customer", "red"),))
    templates.assets.create_alias(ACCOUNT, "sales", "prod", 1, actor=ACTOR)
    _, granted = templates.assets.describe_permissions(ACCOUNT, "sales")
    assert granted == [owner]
    assert templates.assets.list_tags_for_resource(ACCOUNT, arn("template", "sales")) == [
        Tag("customer", "red")
    ]
    position = last_position(services.db)
    templates.assets.delete(ACCOUNT, "sales", actor=ACTOR)
    assert types_after(services.db, position) == ["analytics.TemplateDeleted"]
    assert set(rows(services).values()) == {0}
    assert (
        services.access.permissions.describe(templates.assets._resource(create(templates).asset))
        == []
    )
    assert templates.describe(ACCOUNT, "sales")[1].number == 1


def test_permissions_are_granted_and_revoked_with_unknown_principals_refused(
    templates: TemplateService, services: Services
) -> None:
    user = register(services.directory, "viewer")
    create(templates)
    viewer = ResourcePermission(user.arn, TEMPLATE.viewer)
    _, after = templates.assets.update_permissions(ACCOUNT, "sales", grant=[viewer], actor=ACTOR)
    assert after == [viewer]
    _, after = templates.assets.update_permissions(ACCOUNT, "sales", revoke=[viewer], actor=ACTOR)
    assert after == []
    before = rows(services)
    stranger = arn("user", "default", "nobody")
    with pytest.raises(ValidationError, match="is not a user, group or namespace"):
        create(
            templates,
            "other",
            Permissions=[{"Principal": stranger, "Actions": sorted(TEMPLATE.viewer)}],
        )
    with pytest.raises(ValidationError):
        create(
            templates,
            "other",
            Permissions=[{"Principal": user.arn, "Actions": ["quicksight:DescribeDashboard"]}],
        )
    assert rows(services) == before


def test_tags_are_set_replaced_and_removed_by_arn(templates: TemplateService) -> None:
    created = create(templates).asset
    tags = templates.assets
    tags.tag_resource(ACCOUNT, created.arn, [Tag("a", "1"), Tag("b", "2")], actor=ACTOR)
    tags.tag_resource(ACCOUNT, created.arn, [Tag("a", "9")], actor=ACTOR)
    tags.untag_resource(ACCOUNT, created.arn, ["b", "absent"], actor=ACTOR)
    assert tags.list_tags_for_resource(ACCOUNT, created.arn) == [Tag("a", "9")]
    with pytest.raises(NotFoundError):
        tags.list_tags_for_resource(OTHER_ACCOUNT, created.arn)
    with pytest.raises(NotFoundError):
        tags.tag_resource(ACCOUNT, arn("template", "nope"), [Tag("a", "1")], actor=ACTOR)


def test_one_template_becomes_each_customers_dashboard_definition(
    templates: TemplateService,
) -> None:
    create(templates)
    template_arn = arn("template", "sales")
    red = templates.dashboard_definition(ACCOUNT, template_arn, refs(sales="red-sales"))
    blue = templates.dashboard_definition(ACCOUNT, template_arn, refs(sales="blue-sales"))
    assert red["DataSetIdentifierDeclarations"] == [
        {"Identifier": "sales", "DataSetArn": arn("dataset", "red-sales")}
    ]
    assert blue["DataSetIdentifierDeclarations"] == [
        {"Identifier": "sales", "DataSetArn": arn("dataset", "blue-sales")}
    ]
    expected = {k: v for k, v in SALES_DEFINITION.items() if k != "DataSetConfigurations"}
    for made in (red, blue):
        assert {k: v for k, v in made.items() if k != "DataSetIdentifierDeclarations"} == expected
    red["Sheets"][0]["Name"] = "changed by the caller"
    assert templates.describe(ACCOUNT, "sales")[1].values["definition"] == SALES_DEFINITION


def test_a_version_or_alias_arn_picks_the_version(templates: TemplateService) -> None:
    create(templates)
    templates.update(
        ACCOUNT, "sales", {"Definition": definition(Sheets=[{"SheetId": "v2"}])}, actor=ACTOR
    )
    templates.assets.create_alias(ACCOUNT, "sales", "prod", 1, actor=ACTOR)
    base = arn("template", "sales")

    def sheet(template_arn: str) -> str:
        made = templates.dashboard_definition(ACCOUNT, template_arn, refs(sales="red-sales"))
        return str(made["Sheets"][0]["SheetId"])

    assert sheet(base) == "v2"
    assert sheet(f"{base}/version/1") == "overview"
    assert sheet(f"{base}/alias/prod") == "overview"
    with pytest.raises(NotFoundError):
        sheet(f"{base}/alias/none")


@pytest.mark.parametrize(
    ("references", "field", "message"),
    [
        ([], "DataSetReferences", "no DataSetReference for the placeholder(s) sales"),
        (
            refs(sales="red-sales", extra="blue-sales"),
            "DataSetReferences[1].DataSetPlaceholder",
            "no placeholder 'extra'",
        ),
        (
            refs(sales="red-sales") + refs(sales="blue-sales"),
            "DataSetReferences[1].DataSetPlaceholder",
            "given twice",
        ),
        (refs(sales="nowhere"), "DataSetReferences[0].DataSetArn", "names no dataset"),
        (refs(sales="no-revenue"), "DataSetReferences[0].DataSetArn", "no column 'revenue'"),
        (refs(sales="text-revenue"), "DataSetReferences[0].DataSetArn", "requires DECIMAL"),
        ([{"DataSetPlaceholder": "sales"}], "DataSetReferences[0].DataSetArn", "non-blank"),
    ],
)
def test_references_that_do_not_match_the_placeholders_are_refused(
    templates: TemplateService, references: list[dict[str, str]], field: str, message: str
) -> None:
    create(templates)
    with pytest.raises(ValidationError) as refused:
        templates.dashboard_definition(ACCOUNT, arn("template", "sales"), references)
    assert refused.value.field == f"SourceEntity.SourceTemplate.{field}"
    assert message in refused.value.reason


def test_another_accounts_template_or_a_bad_arn_names_nothing(
    templates: TemplateService, services: Services
) -> None:
    create(templates)
    subscribe(services.directory, OTHER_ACCOUNT, "other")
    with pytest.raises(NotFoundError):
        templates.dashboard_definition(OTHER_ACCOUNT, arn("template", "sales"), [])
    with pytest.raises(NotFoundError):
        templates.describe(OTHER_ACCOUNT, "sales")
    with pytest.raises(ValidationError):
        templates.dashboard_definition(ACCOUNT, arn("dashboard", "sales"), [])


def test_strict_refuses_an_undeclared_identifier_and_lenient_reports_it(
    templates: TemplateService, services: Services
) -> None:
    dangling = definition(
        CalculatedFields=[{"DataSetIdentifier": "ghost", "Name": "x", "Expression": "1"}]
    )
    with pytest.raises(ValidationError) as refused:
        create(templates, Definition=dangling)
    assert refused.value.field == "Definition.CalculatedFields[0].DataSetIdentifier"
    assert set(rows(services).values()) == {0}
    saved = create(templates, Definition=dangling, ValidationStrategy={"Mode": "LENIENT"})
    path = "Definition.CalculatedFields[0].DataSetIdentifier"
    assert saved.version.values["errors"] == [
        {
            "Type": "DATA_SET_NOT_FOUND",
            "Message": f"{path}: no dataset is declared as 'ghost'",
            "ViolatedEntities": [{"Path": path}],
        }
    ]
    assert templates.describe(ACCOUNT, "sales")[1].values["definition"] == dangling


def test_a_column_outside_the_placeholders_schema_is_a_template_error(
    templates: TemplateService,
) -> None:
    unknown = definition()
    bar = unknown["Sheets"][0]["Visuals"][0]["BarChartVisual"]
    wells = bar["ChartConfiguration"]["FieldWells"]["BarChartAggregatedFieldWells"]
    wells["Category"][0]["CategoricalDimensionField"]["Column"]["ColumnName"] = "planet"
    with pytest.raises(ValidationError, match="planet"):
        create(templates, Definition=unknown)
    saved = create(templates, Definition=unknown, ValidationStrategy={"Mode": "LENIENT"})
    assert [e["Type"] for e in saved.version.values["errors"]] == ["SOURCE_NOT_FOUND"]


@pytest.mark.parametrize(
    ("request_members", "field"),
    [
        ({"Definition": definition(DataSetConfigurations=[])}, "Definition.DataSetConfigurations"),
        (
            {"Definition": definition(DataSetConfigurations=[{"Placeholder": "a"}] * 2)},
            "Definition.DataSetConfigurations[1].Placeholder",
        ),
        (
            {
                "Definition": definition(
                    DataSetConfigurations=[
                        {
                            "Placeholder": "sales",
                            "DataSetSchema": {
                                "ColumnSchemaList": [
                                    *sales_schema()["ColumnSchemaList"],
                                    {"Name": "region"},
                                ]
                            },
                        }
                    ]
                )
            },
            "Definition.DataSetConfigurations[0].DataSetSchema.ColumnSchemaList[2].Name",
        ),
        ({"Definition": None}, "Definition"),
        ({"SourceEntity": {"SourceTemplate": {"Arn": "nope"}}}, "Definition"),
        ({"Name": ""}, "Name"),
        ({"VersionDescription": "x" * 513}, "VersionDescription"),
        ({"ValidationStrategy": {"Mode": "SLOPPY"}}, "ValidationStrategy.Mode"),
    ],
)
def test_bad_requests_are_refused_naming_the_member_and_write_nothing(
    templates: TemplateService, services: Services, request_members: dict[str, Any], field: str
) -> None:
    position = last_position(services.db)
    with pytest.raises(ValidationError) as refused:
        create(templates, **request_members)
    assert refused.value.field == field
    assert set(rows(services).values()) == {0}
    assert types_after(services.db, position) == []


def test_bad_ids_and_taken_ids_are_refused(templates: TemplateService) -> None:
    create(templates)
    with pytest.raises(ConflictError):
        create(templates)
    for bad in ("", "a/b", "x" * 513, "é"):
        with pytest.raises(ValidationError):
            create(templates, bad)
    with pytest.raises(NotFoundError):
        templates.update(ACCOUNT, "missing", {"Definition": definition()}, actor=ACTOR)


def test_a_template_copies_another_templates_version(templates: TemplateService) -> None:
    create(templates)
    templates.update(
        ACCOUNT, "sales", {"Definition": definition(Sheets=[{"SheetId": "v2"}])}, actor=ACTOR
    )
    source = arn("template", "sales", "version", "1")
    copied = create(
        templates, "copy", Definition=None, SourceEntity={"SourceTemplate": {"Arn": source}}
    )
    assert copied.version.values["definition"] == SALES_DEFINITION
    assert copied.version.values["source_entity_arn"] == source
    with pytest.raises(NotFoundError):
        create(
            templates,
            "copy2",
            Definition=None,
            SourceEntity={"SourceTemplate": {"Arn": arn("template", "sales", "version", "7")}},
        )


def test_a_template_from_an_analysis_makes_its_datasets_placeholders(
    templates: TemplateService, services: Services
) -> None:
    analysis = copy.deepcopy(SALES_DEFINITION)
    del analysis["DataSetConfigurations"]
    body: dict[str, Any] = {
        "DataSetIdentifierDeclarations": [
            {"Identifier": "red", "DataSetArn": arn("dataset", "red-sales")}
        ],
        **_renamed(analysis, "sales", "red"),
    }
    _store_analysis(services, "red-analysis", body)
    source = {
        "SourceAnalysis": {
            "Arn": arn("analysis", "red-analysis"),
            "DataSetReferences": refs(sales="red-sales"),
        }
    }
    saved = create(templates, Definition=None, SourceEntity=source)
    made = saved.version.values["definition"]
    assert made["DataSetConfigurations"] == [
        {
            "Placeholder": "sales",
            "DataSetSchema": {
                "ColumnSchemaList": [
                    {"Name": "region", "DataType": "STRING"},
                    {"Name": "customer", "DataType": "STRING"},
                    {"Name": "revenue", "DataType": "DECIMAL"},
                    {"Name": "order_date", "DataType": "DATETIME"},
                ]
            },
            "ColumnGroupSchemaList": [],
        }
    ]
    assert {k: v for k, v in made.items() if k != "DataSetConfigurations"} == analysis
    blue = templates.dashboard_definition(ACCOUNT, saved.asset.arn, refs(sales="blue-sales"))
    assert blue["DataSetIdentifierDeclarations"][0]["DataSetArn"] == arn("dataset", "blue-sales")
    wrong = {
        "SourceAnalysis": {**source["SourceAnalysis"], "DataSetReferences": refs(x="blue-sales")}
    }
    with pytest.raises(ValidationError, match="uses no dataset"):
        create(templates, "t2", Definition=None, SourceEntity=wrong)
    with pytest.raises(NotFoundError):
        missing = {"SourceAnalysis": {**source["SourceAnalysis"], "Arn": arn("analysis", "none")}}
        create(templates, "t3", Definition=None, SourceEntity=missing)


def _renamed(document: Any, old: str, new: str) -> Any:
    if isinstance(document, dict):
        return {
            k: (new if k == "DataSetIdentifier" and v == old else _renamed(v, old, new))
            for k, v in document.items()
        }
    if isinstance(document, list):
        return [_renamed(item, old, new) for item in document]
    return document


def _store_analysis(services: Services, analysis_id: str, body: dict[str, Any]) -> None:
    """An analysis row as the analysis service stores one (its own tests cover that)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    with services.db.write() as conn:
        conn.execute(
            insert(analyses).values(
                id=f"row-{analysis_id}",
                account_id=ACCOUNT,
                analysis_id=analysis_id,
                arn=arn("analysis", analysis_id),
                name=analysis_id,
                status="CREATION_SUCCESSFUL",
                data_set_arns=[d["DataSetArn"] for d in body["DataSetIdentifierDeclarations"]],
                definition=body,
                errors=[],
                created=now,
                updated=now,
            )
        )
