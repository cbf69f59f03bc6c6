"""Datasets: parsed, checked against their sources and the catalog, stored as given with
their output columns, and nothing half-written when anything is wrong."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.data.datasets import DataSetService
from sightgate.analytics.data.model import (
    Column,
    ColumnType,
    CustomSql,
    ImportMode,
    JoinType,
    RelationalTable,
    SpiceVersion,
)
from sightgate.analytics.data.services import Data
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.bootstrap import Services
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    REGION,
    last_position,
    register,
    subscribe,
    types_after,
)
from tests.analytics.data.catalog.conftest import canary_rows, free_port, pg_request

SALES_COLUMNS = [
    {"Name": "id", "Type": "INTEGER"},
    {"Name": "region", "Type": "STRING"},
    {"Name": "customer", "Type": "STRING"},
    {"Name": "revenue", "Type": "DECIMAL"},
    {"Name": "order_date", "Type": "DATETIME"},
]
OWNER = sorted(STANDARD[ResourceType.DATASET].owner)


def arn(kind: str, resource_id: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{resource_id}"


SOURCE = arn("datasource", "warehouse")


def relational(
    name: str = "sales", columns: list[dict[str, str]] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "RelationalTable": {
            "DataSourceArn": SOURCE,
            "Schema": "public",
            "Name": name,
            "InputColumns": SALES_COLUMNS if columns is None else columns,
            **extra,
        }
    }


def request(data_set_id: str = "sales", **members: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "DataSetId": data_set_id,
        "Name": f"data set {data_set_id}",
        "ImportMode": "DIRECT_QUERY",
        "PhysicalTableMap": {"sales": relational()},
    }
    return {**base, **members}


@pytest.fixture
def datasets(
    data: Data, account: AccountSubscription, source_database: dict[str, Any]
) -> DataSetService:
    """The dataset service, with a reachable PostgreSQL source ``warehouse``."""
    created = data.sources.create(
        ACCOUNT,
        pg_request(
            "warehouse",
            host=source_database["host"],
            port=source_database["port"],
            database=source_database["database"],
        ),
        actor=ACTOR,
    )
    assert created.error is None
    return data.datasets


def refused(datasets: DataSetService, db: Database, given: dict[str, Any]) -> ValidationError:
    """The ValidationError creating ``given`` fails with; nothing was written."""
    before = last_position(db)
    with pytest.raises(ValidationError) as caught:
        datasets.create(ACCOUNT, given, actor=ACTOR)
    assert datasets.list(ACCOUNT).items == [] or all(
        d.data_set_id != given.get("DataSetId") for d in datasets.list(ACCOUNT).items
    )
    assert types_after(db, before) == []
    return caught.value


# -- creation and description ------------------------------------------------------------


def test_a_relational_dataset_is_stored_as_given_with_its_output_columns(
    datasets: DataSetService, db: Database
) -> None:
    given = request()
    before = last_position(db)
    saved = datasets.create(ACCOUNT, copy.deepcopy(given), actor=ACTOR)
    assert saved.ingestion is None  # DIRECT_QUERY: nothing to ingest
    data_set = datasets.describe(ACCOUNT, "sales")
    assert data_set.arn == arn("dataset", "sales")
    assert data_set.output_columns[:2] == (
        Column("id", ColumnType.INTEGER),
        Column("region", ColumnType.STRING),
    )
    assert data_set.definition["PhysicalTableMap"] == given["PhysicalTableMap"]
    # No LogicalTableMap given: one logical table per physical table, as QuickSight does.
    assert data_set.definition["LogicalTableMap"] == {
        "sales": {"Alias": "sales", "Source": {"PhysicalTableId": "sales"}}
    }
    assert "DataSetId" not in data_set.definition
    assert types_after(db, before) == ["analytics.DataSetCreated"]
    found = datasets.by_arn(ACCOUNT, data_set.arn)
    table = found.physical_tables["sales"]
    assert isinstance(table, RelationalTable) and table.name == "sales"
    assert found.import_mode is ImportMode.DIRECT_QUERY


def test_transforms_shape_the_output_columns(datasets: DataSetService) -> None:
    logical = {
        "main": {
            "Alias": "main",
            "Source": {"PhysicalTableId": "sales"},
            "DataTransforms": [
                {"RenameColumnOperation": {"ColumnName": "customer", "NewColumnName": "client"}},
                {"CastColumnTypeOperation": {"ColumnName": "id", "NewColumnType": "STRING"}},
                {
                    "CreateColumnsOperation": {
                        "Columns": [
                            {
                                "ColumnName": "double",
                                "ColumnId": "d",
                                "Expression": "{revenue} * 2",
                            },
                            {
                                "ColumnName": "label",
                                "ColumnId": "l",
                                "Expression": "concat({region}, '-', {client})",
                            },
                        ]
                    }
                },
                {"FilterOperation": {"ConditionExpression": "{revenue} > 0"}},
                {
                    "TagColumnOperation": {
                        "ColumnName": "region",
                        "Tags": [{"ColumnGeographicRole": "STATE"}],
                    }
                },
                {"ProjectOperation": {"ProjectedColumns": ["client", "id", "double", "label"]}},
            ],
        }
    }
    datasets.create(ACCOUNT, request(LogicalTableMap=logical), actor=ACTOR)
    columns = datasets.describe(ACCOUNT, "sales").output_columns
    assert [(c.name, c.type) for c in columns] == [
        ("client", ColumnType.STRING),
        ("id", ColumnType.STRING),
        ("double", ColumnType.DECIMAL),
        ("label", ColumnType.STRING),
    ]


def test_a_join_combines_both_sides(datasets: DataSetService) -> None:
    physical = {
        "sales": relational(),
        "customers": relational(
            "customers",
            [{"Name": "customer_id", "Type": "STRING"}, {"Name": "segment", "Type": "STRING"}],
        ),
    }
    logical = {
        "s": {"Alias": "s", "Source": {"PhysicalTableId": "sales"}},
        "c": {"Alias": "c", "Source": {"PhysicalTableId": "customers"}},
        "joined": {
            "Alias": "joined",
            "Source": {
                "JoinInstruction": {
                    "LeftOperand": "s",
                    "RightOperand": "c",
                    "Type": "LEFT",
                    "OnClause": "{customer} = {customer_id}",
                }
            },
        },
    }
    datasets.create(
        ACCOUNT, request(PhysicalTableMap=physical, LogicalTableMap=logical), actor=ACTOR
    )
    found = datasets.describe(ACCOUNT, "sales")
    assert [c.name for c in found.output_columns][-2:] == ["customer_id", "segment"]
    join = found.logical_tables["joined"].join
    assert join is not None and join.type is JoinType.LEFT


def test_custom_sql_columns_are_learnt_from_the_source(
    datasets: DataSetService, source_database: dict[str, Any]
) -> None:
    physical = {
        "q": {
            "CustomSql": {
                "DataSourceArn": SOURCE,
                "Name": "by region",
                "SqlQuery": (
                    "SELECT region, sum(revenue) AS total, count(*) AS n FROM sales GROUP BY region"
                ),
            }
        }
    }
    datasets.create(ACCOUNT, request(PhysicalTableMap=physical), actor=ACTOR)
    found = datasets.describe(ACCOUNT, "sales")
    assert [(c.name, c.type) for c in found.output_columns] == [
        ("region", ColumnType.STRING),
        ("total", ColumnType.DECIMAL),
        ("n", ColumnType.INTEGER),
    ]
    table = found.physical_tables["q"]
    assert isinstance(table, CustomSql) and len(table.columns) == 3
    assert found.definition["PhysicalTableMap"]["q"]["CustomSql"]["Columns"][1] == {
        "Name": "total",
        "Type": "DECIMAL",
    }


def test_a_spice_dataset_starts_its_first_ingestion(
    services: Services, datasets: DataSetService
) -> None:
    started: list[tuple[str, str]] = []

    class Recorder:
        arn = "arn:ingestion"
        ingestion_id = "first"

    class Starter:
        def start(
            self, uow: Any, data_set: Any, ingestion_id: str | None, request_type: str
        ) -> Recorder:
            started.append((data_set.data_set_id, request_type))
            return Recorder()

    spice_datasets = DataSetService(
        services.db,
        services.access.permissions,
        services.access.authorizer,
        services.data.sources,
        spice=Starter(),
    )
    saved = spice_datasets.create(ACCOUNT, request(ImportMode="SPICE"), actor=ACTOR)
    assert saved.ingestion is not None and saved.ingestion.ingestion_id == "first"
    spice_datasets.update(ACCOUNT, "sales", request(ImportMode="SPICE"), actor=ACTOR)
    assert started == [("sales", "INITIAL_INGESTION"), ("sales", "EDIT")]


# -- bad input: the sources --------------------------------------------------------------


def test_a_table_missing_at_the_source_is_refused(datasets: DataSetService, db: Database) -> None:
    error = refused(datasets, db, request(PhysicalTableMap={"t": relational("no_such_table")}))
    assert error.field == "PhysicalTableMap.t.RelationalTable.Name"
    assert "no_such_table" in error.message


def test_a_column_missing_at_the_source_is_refused(datasets: DataSetService, db: Database) -> None:
    columns = [*SALES_COLUMNS, {"Name": "margin", "Type": "DECIMAL"}]
    error = refused(datasets, db, request(PhysicalTableMap={"t": relational(columns=columns)}))
    assert error.field == "PhysicalTableMap.t.RelationalTable.InputColumns[5].Name"
    assert "margin" in error.message


@pytest.mark.parametrize(
    "query",
    [
        "SELEC region FROM sales",
        "SELECT nope FROM sales",
        "SELECT 1; DELETE FROM canary",
        "DELETE FROM canary",
        "SELECT * FROM sales; DROP TABLE canary",
        "SELECT pg_read_file('/etc/passwd')",  # prepared, never run
    ],
)
def test_custom_sql_the_source_refuses_is_refused_and_never_runs(
    datasets: DataSetService, db: Database, source_database: dict[str, Any], query: str
) -> None:
    physical = {"q": {"CustomSql": {"DataSourceArn": SOURCE, "Name": "q", "SqlQuery": query}}}
    given = request(PhysicalTableMap=physical)
    if "pg_read_file" in query:
        datasets.create(ACCOUNT, given, actor=ACTOR)  # valid SQL; it is only prepared here
    else:
        error = refused(datasets, db, given)
        assert error.field == "PhysicalTableMap.q.CustomSql.SqlQuery"
    assert canary_rows(source_database) == 1


def test_custom_sql_columns_must_be_returned_by_the_query(
    datasets: DataSetService, db: Database
) -> None:
    physical = {
        "q": {
            "CustomSql": {
                "DataSourceArn": SOURCE,
                "Name": "q",
                "SqlQuery": "SELECT region FROM sales",
                "Columns": [{"Name": "revenue", "Type": "DECIMAL"}],
            }
        }
    }
    error = refused(datasets, db, request(PhysicalTableMap=physical))
    assert error.field == "PhysicalTableMap.q.CustomSql.Columns[0].Name"


@pytest.mark.parametrize(
    "source_arn",
    [
        arn("datasource", "warehouse", OTHER_ACCOUNT),
        arn("datasource", "unknown"),
        arn("datasource", "warehouse").replace(REGION, "us-west-2"),
        "not an arn",
        "x" * 2000,
    ],
)
def test_data_sources_of_other_accounts_or_none_are_refused_alike(
    services: Services, datasets: DataSetService, db: Database, source_arn: str
) -> None:
    subscribe(services.directory, OTHER_ACCOUNT, "other-analytics")
    physical = {
        "t": {"RelationalTable": {**relational()["RelationalTable"], "DataSourceArn": source_arn}}
    }
    error = refused(datasets, db, request(PhysicalTableMap=physical))
    assert error.field == "PhysicalTableMap.t.RelationalTable.DataSourceArn"
    assert f"is not a data source of account {ACCOUNT}" in error.message


def test_an_unreachable_source_is_refused_naming_it(
    data: Data, datasets: DataSetService, db: Database
) -> None:
    data.sources.create(
        ACCOUNT, pg_request("down", host="127.0.0.1", port=free_port(), database="x"), actor=ACTOR
    )
    physical = {
        "t": {
            "RelationalTable": {
                **relational()["RelationalTable"],
                "DataSourceArn": arn("datasource", "down"),
            }
        }
    }
    error = refused(datasets, db, request(PhysicalTableMap=physical))
    assert error.field == "PhysicalTableMap.t.RelationalTable.DataSourceArn"
    assert "refused" in error.message


def test_direct_query_reads_one_postgresql_source(
    data: Data, datasets: DataSetService, db: Database, source_database: dict[str, Any]
) -> None:
    data.sources.create(
        ACCOUNT,
        pg_request(
            "second",
            host=source_database["host"],
            port=source_database["port"],
            database=source_database["database"],
        ),
        actor=ACTOR,
    )
    customers = relational(
        "customers",
        [{"Name": "customer_id", "Type": "STRING"}, {"Name": "segment", "Type": "STRING"}],
    )
    customers["RelationalTable"]["DataSourceArn"] = arn("datasource", "second")
    physical = {"sales": relational(), "customers": customers}
    logical = {
        "s": {"Alias": "s", "Source": {"PhysicalTableId": "sales"}},
        "c": {"Alias": "c", "Source": {"PhysicalTableId": "customers"}},
        "j": {
            "Alias": "j",
            "Source": {
                "JoinInstruction": {
                    "LeftOperand": "s",
                    "RightOperand": "c",
                    "Type": "INNER",
                    "OnClause": "{customer} = {customer_id}",
                }
            },
        },
    }
    error = refused(datasets, db, request(PhysicalTableMap=physical, LogicalTableMap=logical))
    assert error.field == "ImportMode"
    datasets.create(
        ACCOUNT,
        request(PhysicalTableMap=physical, LogicalTableMap=logical, ImportMode="SPICE"),
        actor=ACTOR,
    )


# -- bad input: the definition -----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"DataSetId": "../x"}, "DataSetId"),
        ({"ImportMode": "LIVE"}, "ImportMode"),
        ({"PhysicalTableMap": {}}, "PhysicalTableMap"),
        ({"PhysicalTableMap": {"bad id!": relational()}}, "PhysicalTableMap"),
        ({"PhysicalTableMap": {"t": {"SaaSTable": {}}}}, "PhysicalTableMap.t.SaaSTable"),
        (
            {"PhysicalTableMap": {"t": relational(columns=[{"Name": "id", "Type": "SEMISTRUCT"}])}},
            "PhysicalTableMap.t.RelationalTable.InputColumns[0].Type",
        ),
        (
            {
                "PhysicalTableMap": {
                    "t": relational(columns=[{"Name": "id", "Type": "INTEGER"}] * 2)
                }
            },
            "PhysicalTableMap.t.RelationalTable.InputColumns[1].Name",
        ),
        ({"PhysicalTableMap": {"a": relational(), "b": relational()}}, "LogicalTableMap"),
        (
            {"LogicalTableMap": {"l": {"Alias": "l", "Source": {"PhysicalTableId": "nope"}}}},
            "LogicalTableMap.l.Source.PhysicalTableId",
        ),
        (
            {
                "LogicalTableMap": {
                    "l": {"Alias": "l", "Source": {"DataSetArn": arn("dataset", "x")}}
                }
            },
            "LogicalTableMap.l.Source.DataSetArn",
        ),
        (
            {
                "LogicalTableMap": {
                    "l": {
                        "Alias": "l",
                        "Source": {"PhysicalTableId": "sales"},
                        "DataTransforms": [
                            {"RenameColumnOperation": {"ColumnName": "nope", "NewColumnName": "x"}}
                        ],
                    }
                }
            },
            "LogicalTableMap.l.DataTransforms[0].RenameColumnOperation.ColumnName",
        ),
        (
            {
                "LogicalTableMap": {
                    "l": {
                        "Alias": "l",
                        "Source": {"PhysicalTableId": "sales"},
                        "DataTransforms": [
                            {
                                "CreateColumnsOperation": {
                                    "Columns": [
                                        {
                                            "ColumnName": "x",
                                            "ColumnId": "x",
                                            "Expression": "frobnicate({id})",
                                        }
                                    ]
                                }
                            }
                        ],
                    }
                }
            },
            "LogicalTableMap.l.DataTransforms[0].CreateColumnsOperation.Columns[0].Expression",
        ),
        (
            {
                "LogicalTableMap": {
                    "l": {
                        "Alias": "l",
                        "Source": {"PhysicalTableId": "sales"},
                        "DataTransforms": [
                            {
                                "CreateColumnsOperation": {
                                    "Columns": [
                                        {
                                            "ColumnName": "x",
                                            "ColumnId": "x",
                                            "Expression": "{margin} + 1",
                                        }
                                    ]
                                }
                            }
                        ],
                    }
                }
            },
            "LogicalTableMap.l.DataTransforms[0].CreateColumnsOperation.Columns[0].Expression",
        ),
        (
            {
                "LogicalTableMap": {
                    "l": {
                        "Alias": "l",
                        "Source": {"PhysicalTableId": "sales"},
                        "DataTransforms": [
                            {"FilterOperation": {"ConditionExpression": "{revenue} + 1"}}
                        ],
                    }
                }
            },
            "LogicalTableMap.l.DataTransforms[0].FilterOperation.ConditionExpression",
        ),
        (
            {
                "LogicalTableMap": {
                    "l": {
                        "Alias": "l",
                        "Source": {"PhysicalTableId": "sales"},
                        "DataTransforms": [
                            {
                                "ProjectOperation": {
                                    "ProjectedColumns": ["id", "'; DROP TABLE canary; --"]
                                }
                            }
                        ],
                    }
                }
            },
            "LogicalTableMap.l.DataTransforms[0].ProjectOperation.ProjectedColumns[1]",
        ),
        (
            {
                "ColumnLevelPermissionRules": [
                    {"Principals": [arn("user", "default/alice")], "ColumnNames": ["margin"]}
                ]
            },
            "ColumnLevelPermissionRules[0].ColumnNames[0]",
        ),
        (
            {
                "ColumnLevelPermissionRules": [
                    {
                        "Principals": [arn("user", "default/alice", OTHER_ACCOUNT)],
                        "ColumnNames": ["revenue"],
                    }
                ]
            },
            "ColumnLevelPermissionRules[0].Principals[0]",
        ),
        (
            {
                "RowLevelPermissionTagConfiguration": {
                    "TagRules": [{"TagKey": "c", "ColumnName": "margin"}]
                }
            },
            "RowLevelPermissionTagConfiguration.TagRules[0].ColumnName",
        ),
        (
            {
                "RowLevelPermissionTagConfiguration": {
                    "TagRules": [{"TagKey": "c", "ColumnName": "customer"}],
                    "TagRuleConfigurations": [["d"]],
                }
            },
            "RowLevelPermissionTagConfiguration.TagRuleConfigurations[0]",
        ),
        (
            {
                "RowLevelPermissionDataSet": {
                    "Arn": arn("dataset", "nope"),
                    "PermissionPolicy": "GRANT_ACCESS",
                }
            },
            "RowLevelPermissionDataSet.Arn",
        ),
        (
            {
                "RowLevelPermissionDataSet": {
                    "Arn": arn("dataset", "sales"),
                    "PermissionPolicy": "GRANT_ACCESS",
                }
            },
            "RowLevelPermissionDataSet.Arn",
        ),
        (
            {
                "RowLevelPermissionDataSet": {
                    "Arn": arn("dataset", "r"),
                    "PermissionPolicy": "GRANT_ACCESS",
                    "FormatVersion": "VERSION_2",
                    "Namespace": "default",
                }
            },
            "RowLevelPermissionDataSet.Namespace",
        ),
        ({"UseAs": "OTHER"}, "UseAs"),
        ({"DatasetParameters": [{}]}, "DatasetParameters"),
        ({"Name": "n" * 100_000}, "Name"),
    ],
)
def test_bad_definitions_are_refused_naming_the_member(
    datasets: DataSetService, db: Database, change: dict[str, Any], field: str
) -> None:
    error = refused(datasets, db, request(**change))
    assert error.field == field
    assert len(error.message) < 1000


# -- row-level security ------------------------------------------------------------------


def rules_request(data_set_id: str, table: str, columns: list[str]) -> dict[str, Any]:
    return request(
        data_set_id,
        UseAs="RLS_RULES",
        PhysicalTableMap={"r": relational(table, [{"Name": c, "Type": "STRING"} for c in columns])},
    )


def test_rules_datasets_must_name_principals_and_only_columns_the_dataset_has(
    datasets: DataSetService, db: Database
) -> None:
    datasets.create(
        ACCOUNT, rules_request("rules", "rules", ["UserName", "GroupName", "customer"]), actor=ACTOR
    )
    datasets.create(ACCOUNT, rules_request("no-user", "rules_no_user", ["customer"]), actor=ACTOR)
    datasets.create(
        ACCOUNT, rules_request("extra", "rules_extra", ["UserName", "planet"]), actor=ACTOR
    )

    def rls(rules_id: str, **extra: Any) -> dict[str, Any]:
        return {
            "RowLevelPermissionDataSet": {
                "Arn": arn("dataset", rules_id),
                "PermissionPolicy": "GRANT_ACCESS",
                **extra,
            }
        }

    assert "UserName" in refused(datasets, db, request(**rls("no-user"))).message
    assert "planet" in refused(datasets, db, request(**rls("extra"))).message
    assert (
        "UserARN"
        in refused(datasets, db, request(**rls("rules", FormatVersion="VERSION_2"))).message
    )
    error = refused(datasets, db, request(**rls("rules", Namespace="nowhere")))
    assert error.field == "RowLevelPermissionDataSet.Namespace"
    datasets.create(ACCOUNT, request(**rls("rules", Namespace="default")), actor=ACTOR)
    found = datasets.describe(ACCOUNT, "sales")
    assert found.row_level_permission_data_set is not None
    assert found.row_level_permission_data_set.arn == arn("dataset", "rules")
    summaries = {d.data_set_id: d for d in datasets.list(ACCOUNT).items}
    assert summaries["rules"].use_as == "RLS_RULES"


# -- update, delete, permissions, listing, search ----------------------------------------


def test_update_replaces_the_definition_and_keeps_permissions(
    services: Services, datasets: DataSetService
) -> None:
    register(services.directory, "alice")
    alice = arn("user", "default/alice")
    created = datasets.create(
        ACCOUNT, request(Permissions=[{"Principal": alice, "Actions": OWNER}]), actor=ACTOR
    ).data_set
    narrower = request(PhysicalTableMap={"sales": relational(columns=SALES_COLUMNS[:2])})
    updated = datasets.update(ACCOUNT, "sales", narrower, actor=ACTOR).data_set
    assert [c.name for c in updated.output_columns] == ["id", "region"]
    assert updated.created == created.created
    described = datasets.describe(ACCOUNT, "sales")
    assert described.definition["PhysicalTableMap"] == narrower["PhysicalTableMap"]
    _, permissions = datasets.describe_permissions(ACCOUNT, "sales")
    assert [p.principal for p in permissions] == [alice]
    with pytest.raises(NotFoundError):
        datasets.update(ACCOUNT, "nope", narrower, actor=ACTOR)


def test_a_bad_update_changes_nothing(datasets: DataSetService, db: Database) -> None:
    datasets.create(ACCOUNT, request(), actor=ACTOR)
    before = last_position(db)
    with pytest.raises(ValidationError):
        datasets.update(
            ACCOUNT, "sales", request(PhysicalTableMap={"t": relational("nope")}), actor=ACTOR
        )
    assert (
        datasets.describe(ACCOUNT, "sales").definition["PhysicalTableMap"]
        == request()["PhysicalTableMap"]
    )
    assert types_after(db, before) == []


def test_delete_removes_the_dataset_and_its_grants(
    services: Services, datasets: DataSetService
) -> None:
    register(services.directory, "alice")
    alice = arn("user", "default/alice")
    datasets.create(
        ACCOUNT, request(Permissions=[{"Principal": alice, "Actions": OWNER}]), actor=ACTOR
    )
    datasets.delete(ACCOUNT, "sales", actor=ACTOR)
    with pytest.raises(NotFoundError):
        datasets.describe(ACCOUNT, "sales")
    with pytest.raises(NotFoundError):
        datasets.by_arn(ACCOUNT, arn("dataset", "sales"))
    datasets.create(ACCOUNT, request(), actor=ACTOR)
    assert datasets.describe_permissions(ACCOUNT, "sales")[1] == []
    with pytest.raises(ConflictError):
        datasets.create(ACCOUNT, request(), actor=ACTOR)


def test_search_by_name_and_through_groups(services: Services, datasets: DataSetService) -> None:
    directory = services.directory
    register(directory, "alice")
    register(directory, "bob")
    directory.groups.create(ACCOUNT, "default", "analysts", actor=ACTOR)
    directory.memberships.create(ACCOUNT, "default", "analysts", "bob", actor=ACTOR)
    viewer = sorted(STANDARD[ResourceType.DATASET].viewer)
    datasets.create(ACCOUNT, request("eu", Name="Sales EU"), actor=ACTOR)
    datasets.create(
        ACCOUNT,
        request(
            "us",
            Name="Sales US",
            Permissions=[
                {"Principal": arn("user", "default/alice"), "Actions": OWNER},
                {"Principal": arn("group", "default/analysts"), "Actions": viewer},
            ],
        ),
        actor=ACTOR,
    )

    def ids(name: str, value: str, operator: str = "StringEquals") -> list[str]:
        found = datasets.search(ACCOUNT, [{"Name": name, "Operator": operator, "Value": value}])
        return [d.data_set_id for d in found.items]

    assert ids("DATASET_NAME", "sales", "StringLike") == ["eu", "us"]
    assert ids("DATASET_NAME", "Sales EU") == ["eu"]
    assert ids("QUICKSIGHT_VIEWER_OR_OWNER", arn("user", "default/bob")) == ["us"]
    assert ids("DIRECT_QUICKSIGHT_VIEWER_OR_OWNER", arn("user", "default/bob")) == []
    assert ids("QUICKSIGHT_OWNER", arn("user", "default/bob")) == []
    assert ids("QUICKSIGHT_OWNER", arn("user", "default/alice")) == ["us"]
    assert ids("DIRECT_QUICKSIGHT_SOLE_OWNER", arn("user", "default/alice")) == ["us"]
    assert ids("DIRECT_QUICKSIGHT_VIEWER_OR_OWNER", arn("group", "default/analysts")) == ["us"]
    page = datasets.list(ACCOUNT, limit=1)
    assert [d.data_set_id for d in page.items] == ["eu"] and page.next_key is not None


def test_lookups_carry_the_current_spice_version(
    services: Services, datasets: DataSetService
) -> None:
    version = SpiceVersion(3, Path("/spice/3.duckdb"), row_count=10, size_bytes=4096)
    asked: list[tuple[str, str]] = []

    def current(conn: Any, account_id: str, data_set_id: str) -> SpiceVersion | None:
        asked.append((account_id, data_set_id))
        return version

    with_versions = DataSetService(
        services.db,
        services.access.permissions,
        services.access.authorizer,
        services.data.sources,
        versions=current,
    )
    datasets.create(ACCOUNT, request(ImportMode="SPICE"), actor=ACTOR)
    assert with_versions.by_arn(ACCOUNT, arn("dataset", "sales")).spice_version == version
    assert with_versions.describe(ACCOUNT, "sales").spice_version == version
    assert datasets.describe(ACCOUNT, "sales").spice_version is None
    assert asked == [(ACCOUNT, "sales")] * 2


def test_spice_datasets_queue_an_ingestion_in_the_same_transaction(
    datasets: DataSetService, db: Database
) -> None:
    before = last_position(db)
    saved = datasets.create(ACCOUNT, request(ImportMode="SPICE"), actor=ACTOR)
    assert saved.ingestion is not None
    assert (
        saved.ingestion.arn == f"{arn('dataset', 'sales')}/ingestion/{saved.ingestion.ingestion_id}"
    )
    assert "analytics.DataSetCreated" in types_after(db, before)
    datasets.delete(ACCOUNT, "sales", actor=ACTOR)  # its ingestions go with it
    with pytest.raises(NotFoundError):
        datasets.describe(ACCOUNT, "sales")
