"""A Create/UpdateDataSet request's members, parsed into the data context's values, and
the columns its logical tables produce.

Pure: nothing here reads a store or a source. ``parse_request`` checks the shapes and
enums and answers a ``ParsedDataSet`` (the physical and logical tables, the security
settings, and the definition to store: the members as given, plus the ``LogicalTableMap``
QuickSight generates when none is given). ``output_columns`` runs the logical tables'
transforms over the physical tables' columns, with calculated columns typed by the
expression compiler. Every error is a ``ValidationError`` naming the member's path
(``LogicalTableMap.t1.DataTransforms[2].RenameColumnOperation.ColumnName``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sightgate.analytics.data.expressions import ExpressionScope, compile_expression
from sightgate.analytics.data.model import (
    CalculatedColumn,
    CastColumnTypeOperation,
    Column,
    ColumnLevelPermissionRule,
    ColumnType,
    CreateColumnsOperation,
    CustomSql,
    FileFormat,
    FilterOperation,
    FormatVersion,
    ImportMode,
    JoinInstruction,
    JoinType,
    LogicalTable,
    PermissionPolicy,
    PhysicalTable,
    ProjectOperation,
    RelationalTable,
    RenameColumnOperation,
    RowLevelPermissionDataSet,
    RowLevelPermissionTagConfiguration,
    S3Source,
    TagColumnOperation,
    TagRule,
    Transform,
    UploadSettings,
)
from sightgate.analytics.data.resources import member, one_of, optional_text, shown, text
from sightgate.platform.errors import ValidationError

MAX_PHYSICAL_TABLES = 32
LOCAL_FILES = "SightgateLocalFiles"
"""The S3Source member naming uploaded files (``sightgate datasets upload``). No API
request can carry it: the AWS layer keeps only the members of the operation's shape."""
MAX_LOGICAL_TABLES = 64
MAX_COLUMNS = 2048
MAX_TRANSFORMS = 2048
MAX_CALCULATED_COLUMNS = 256
_TABLE_ID_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")
E = TypeVar("E", bound=StrEnum)
_STORED_AS_GIVEN = (
    "Name",
    "ImportMode",
    "ColumnGroups",
    "FieldFolders",
    "RowLevelPermissionDataSet",
    "RowLevelPermissionTagConfiguration",
    "ColumnLevelPermissionRules",
    "DataSetUsageConfiguration",
    "UseAs",
)
"""Members Describe returns as given (beside the physical and logical table maps)."""
_REFUSED = {
    "DatasetParameters": "dataset parameters are not supported yet",
    "DataPrepConfiguration": "DataPrepConfiguration is not supported: use LogicalTableMap",
    "SemanticModelConfiguration": "SemanticModelConfiguration is not supported",
    "PerformanceConfiguration": "PerformanceConfiguration is not supported",
    "Tags": "tags on datasets are not supported yet",
    "FolderArns": "folders are not supported yet",
}
_TRANSFORMS = (
    "ProjectOperation",
    "FilterOperation",
    "CreateColumnsOperation",
    "RenameColumnOperation",
    "CastColumnTypeOperation",
    "TagColumnOperation",
)
_CAST_TYPES = (ColumnType.STRING, ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.DATETIME)
_TEXT_QUALIFIERS = {"DOUBLE_QUOTE": '"', "SINGLE_QUOTE": "'"}


@dataclass(frozen=True)
class ParsedDataSet:
    """A dataset request, checked in itself (not yet against its sources)."""

    name: str
    import_mode: ImportMode
    physical_tables: Mapping[str, PhysicalTable]
    logical_tables: Mapping[str, LogicalTable]
    row_level_permission_data_set: RowLevelPermissionDataSet | None
    row_level_permission_tag_configuration: RowLevelPermissionTagConfiguration | None
    column_level_permission_rules: tuple[ColumnLevelPermissionRule, ...]
    use_as: str | None
    definition: Mapping[str, Any]

    def with_physical_tables(self, tables: Mapping[str, PhysicalTable]) -> ParsedDataSet:
        """The same request with the physical tables' columns as the sources gave them."""
        return ParsedDataSet(
            self.name,
            self.import_mode,
            tables,
            self.logical_tables,
            self.row_level_permission_data_set,
            self.row_level_permission_tag_configuration,
            self.column_level_permission_rules,
            self.use_as,
            self.definition,
        )


def parse_request(request: Mapping[str, Any]) -> ParsedDataSet:
    """The members of a Create/UpdateDataSet request (or a stored definition)."""
    for name, reason in _REFUSED.items():
        if request.get(name):
            raise ValidationError(name, reason)
    name = text(request, "Name", "", max_length=128)
    import_mode = _enum(ImportMode, request.get("ImportMode"), "ImportMode")
    physical = _physical_tables(request.get("PhysicalTableMap"))
    given_logical = request.get("LogicalTableMap")
    logical_map = given_logical if given_logical is not None else _generated_logical_map(physical)
    logical = _logical_tables(logical_map)
    use_as = request.get("UseAs")
    if use_as is not None and use_as != "RLS_RULES":
        raise ValidationError("UseAs", "must be RLS_RULES")
    definition = {key: request[key] for key in _STORED_AS_GIVEN if request.get(key) is not None}
    definition["PhysicalTableMap"] = request["PhysicalTableMap"]
    definition["LogicalTableMap"] = logical_map
    return ParsedDataSet(
        name=name,
        import_mode=import_mode,
        physical_tables=physical,
        logical_tables=logical,
        row_level_permission_data_set=_rls(request.get("RowLevelPermissionDataSet")),
        row_level_permission_tag_configuration=_tag_configuration(
            request.get("RowLevelPermissionTagConfiguration")
        ),
        column_level_permission_rules=_cls_rules(request.get("ColumnLevelPermissionRules")),
        use_as=use_as,
        definition=definition,
    )


# -- physical tables -------------------------------------------------------------------


def _physical_tables(given: object) -> dict[str, PhysicalTable]:
    if not isinstance(given, dict) or not given:
        raise ValidationError("PhysicalTableMap", "must map table ids to at least one table")
    if len(given) > MAX_PHYSICAL_TABLES:
        raise ValidationError("PhysicalTableMap", f"must hold at most {MAX_PHYSICAL_TABLES} tables")
    tables: dict[str, PhysicalTable] = {}
    for table_id, entry in given.items():
        field = f"PhysicalTableMap.{_table_id(table_id, 'PhysicalTableMap')}"
        if not isinstance(entry, dict):
            raise ValidationError(field, "must be an object")
        kind, value = one_of(entry, ["RelationalTable", "CustomSql", "S3Source"], field)
        where = f"{field}.{kind}"
        if kind == "S3Source" and LOCAL_FILES in value:
            tables[table_id] = _uploaded(value, where)
            continue
        arn = text(value, "DataSourceArn", where, max_length=2048)
        if kind == "RelationalTable":
            tables[table_id] = RelationalTable(
                data_source_arn=arn,
                schema=optional_text(value, "Schema", where, max_length=256),
                name=text(value, "Name", where, max_length=256),
                input_columns=_columns(value, "InputColumns", where, required=True),
                catalog=optional_text(value, "Catalog", where, max_length=256),
            )
        elif kind == "CustomSql":
            tables[table_id] = CustomSql(
                data_source_arn=arn,
                name=text(value, "Name", where, max_length=128),
                sql_query=text(value, "SqlQuery", where, max_length=168_000),
                columns=_columns(value, "Columns", where, required=False),
            )
        else:
            tables[table_id] = S3Source(
                data_source_arn=arn,
                upload_settings=_upload_settings(value.get("UploadSettings"), where),
                input_columns=_columns(value, "InputColumns", where, required=True),
            )
    return tables


def _uploaded(value: Mapping[str, Any], where: str) -> S3Source:
    """An S3Source of files ``datasets upload`` put in place (``LOCAL_FILES``)."""
    files = value[LOCAL_FILES]
    if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
        raise ValidationError(f"{where}.{LOCAL_FILES}", "must list the uploaded files")
    given = value.get("UploadSettings")
    parquet = isinstance(given, dict) and given.get("Format") == FileFormat.PARQUET.value
    return S3Source(
        data_source_arn=None,
        upload_settings=UploadSettings(FileFormat.PARQUET)
        if parquet
        else _upload_settings(given, where),
        input_columns=_columns(value, "InputColumns", where, required=True),
        local_files=tuple(Path(f) for f in files),
    )


def _columns(
    container: Mapping[str, Any], name: str, field: str, *, required: bool
) -> tuple[Column, ...]:
    given = member(container, name, field, list, required)
    if given is None:
        return ()
    where = f"{field}.{name}"
    if len(given) > MAX_COLUMNS:
        raise ValidationError(where, f"must hold at most {MAX_COLUMNS} columns")
    columns: list[Column] = []
    seen: set[str] = set()
    for index, entry in enumerate(given):
        at = f"{where}[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(at, "must be an object with Name and Type")
        column_name = text(entry, "Name", at, max_length=128)
        if column_name in seen:
            raise ValidationError(f"{at}.Name", f"{shown(column_name)} is listed twice")
        seen.add(column_name)
        column_type = entry.get("Type")
        if column_type == "SEMISTRUCT":
            raise ValidationError(f"{at}.Type", "SEMISTRUCT columns are not supported")
        columns.append(Column(column_name, _enum(ColumnType, column_type, f"{at}.Type")))
    return tuple(columns)


def _upload_settings(given: object, field: str) -> UploadSettings:
    if given is None:
        return UploadSettings()
    where = f"{field}.UploadSettings"
    if not isinstance(given, dict):
        raise ValidationError(where, "must be an object")
    file_format = given.get("Format", "CSV")
    if file_format not in ("CSV", "TSV", "JSON"):
        raise ValidationError(
            f"{where}.Format", f"{shown(file_format)} is not one of CSV | TSV | JSON"
        )
    start = member(given, "StartFromRow", where, int, required=False)
    if start is not None and start < 1:
        raise ValidationError(f"{where}.StartFromRow", "must be at least 1")
    header = member(given, "ContainsHeader", where, bool, required=False)
    qualifier = given.get("TextQualifier", "DOUBLE_QUOTE")
    if qualifier not in _TEXT_QUALIFIERS:
        raise ValidationError(f"{where}.TextQualifier", "must be DOUBLE_QUOTE or SINGLE_QUOTE")
    default_delimiter = "\t" if file_format == "TSV" else ","
    delimiter = member(given, "Delimiter", where, str, required=False) or default_delimiter
    if len(delimiter) != 1:
        raise ValidationError(f"{where}.Delimiter", "must be one character")
    return UploadSettings(
        format=FileFormat(file_format),
        start_from_row=start or 1,
        contains_header=True if header is None else header,
        text_qualifier=_TEXT_QUALIFIERS[qualifier],
        delimiter=delimiter,
    )


# -- logical tables --------------------------------------------------------------------


def _generated_logical_map(physical: Mapping[str, PhysicalTable]) -> dict[str, Any]:
    """QuickSight's default: one logical table per physical table, under its id."""
    return {
        table_id: {"Alias": _alias(table_id, table), "Source": {"PhysicalTableId": table_id}}
        for table_id, table in physical.items()
    }


def _alias(table_id: str, table: PhysicalTable) -> str:
    name = table.name if isinstance(table, RelationalTable | CustomSql) else table_id
    return name[:64]


def _logical_tables(given: object) -> dict[str, LogicalTable]:
    if not isinstance(given, dict) or not given:
        raise ValidationError("LogicalTableMap", "must map table ids to at least one table")
    if len(given) > MAX_LOGICAL_TABLES:
        raise ValidationError("LogicalTableMap", f"must hold at most {MAX_LOGICAL_TABLES} tables")
    tables: dict[str, LogicalTable] = {}
    for table_id, entry in given.items():
        field = f"LogicalTableMap.{_table_id(table_id, 'LogicalTableMap')}"
        if not isinstance(entry, dict):
            raise ValidationError(field, "must be an object with Alias and Source")
        alias = text(entry, "Alias", field, max_length=64)
        source = member(entry, "Source", field, dict, required=True)
        kind, value = _source(source, f"{field}.Source")
        transforms = _transforms(entry.get("DataTransforms"), f"{field}.DataTransforms")
        if kind == "PhysicalTableId":
            tables[table_id] = LogicalTable(alias, physical_table_id=value, transforms=transforms)
        elif kind == "DataSetArn":
            raise ValidationError(
                f"{field}.Source.DataSetArn",
                "datasets built on other datasets are not supported yet: use the other "
                "dataset's physical tables",
            )
        else:
            tables[table_id] = LogicalTable(
                alias, join=_join(value, f"{field}.Source.JoinInstruction"), transforms=transforms
            )
    return tables


def _source(source: Mapping[str, Any], field: str) -> tuple[str, Any]:
    """The one member of a ``LogicalTableSource``: an id, an ARN, or a join."""
    names = [name for name, value in source.items() if value is not None]
    kinds = ("PhysicalTableId", "JoinInstruction", "DataSetArn")
    if len(names) != 1 or names[0] not in kinds:
        raise ValidationError(field, f"must set exactly one of {', '.join(kinds)}")
    kind = names[0]
    wanted = dict if kind == "JoinInstruction" else str
    return kind, member(source, kind, field, wanted, required=True)


def _join(given: Mapping[str, Any], field: str) -> JoinInstruction:
    return JoinInstruction(
        left_operand=text(given, "LeftOperand", field, max_length=64),
        right_operand=text(given, "RightOperand", field, max_length=64),
        type=_enum(JoinType, given.get("Type"), f"{field}.Type"),
        on_clause=text(given, "OnClause", field, max_length=512),
    )


def _transforms(given: object, field: str) -> tuple[Transform, ...]:
    if given is None:
        return ()
    if not isinstance(given, list) or not 1 <= len(given) <= MAX_TRANSFORMS:
        raise ValidationError(field, f"must list 1 to {MAX_TRANSFORMS} transforms")
    parsed: list[Transform] = []
    for index, entry in enumerate(given):
        at = f"{field}[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(at, "must be an object")
        kind, value = one_of(entry, _TRANSFORMS, at)
        parsed.append(_transform(kind, value, f"{at}.{kind}"))
    return tuple(parsed)


def _transform(kind: str, value: Mapping[str, Any], where: str) -> Transform:
    if kind == "ProjectOperation":
        names = member(value, "ProjectedColumns", where, list, required=True)
        if not names or not all(isinstance(n, str) for n in names):
            raise ValidationError(f"{where}.ProjectedColumns", "must list column names")
        return ProjectOperation(tuple(names))
    if kind == "FilterOperation":
        if any(
            value.get(k)
            for k in ("StringFilterCondition", "NumericFilterCondition", "DateFilterCondition")
        ):
            raise ValidationError(where, "only ConditionExpression filters are supported")
        return FilterOperation(text(value, "ConditionExpression", where, max_length=4096))
    if kind == "CreateColumnsOperation":
        given = member(value, "Columns", where, list, required=True)
        if not 1 <= len(given) <= MAX_CALCULATED_COLUMNS:
            raise ValidationError(
                f"{where}.Columns", f"must list 1 to {MAX_CALCULATED_COLUMNS} columns"
            )
        columns = []
        for index, entry in enumerate(given):
            at = f"{where}.Columns[{index}]"
            if not isinstance(entry, dict):
                raise ValidationError(at, "must be an object")
            columns.append(
                CalculatedColumn(
                    column_name=text(entry, "ColumnName", at, max_length=128),
                    column_id=text(entry, "ColumnId", at, max_length=64),
                    expression=text(entry, "Expression", at, max_length=250_000),
                )
            )
        return CreateColumnsOperation(tuple(columns))
    if kind == "RenameColumnOperation":
        return RenameColumnOperation(
            text(value, "ColumnName", where, max_length=128),
            text(value, "NewColumnName", where, max_length=128),
        )
    if kind == "CastColumnTypeOperation":
        new_type = _enum(ColumnType, value.get("NewColumnType"), f"{where}.NewColumnType")
        if new_type not in _CAST_TYPES:
            raise ValidationError(
                f"{where}.NewColumnType", "must be STRING, INTEGER, DECIMAL or DATETIME"
            )
        return CastColumnTypeOperation(
            text(value, "ColumnName", where, max_length=128),
            new_type,
            optional_text(value, "Format", where, max_length=32),
        )
    tags = member(value, "Tags", where, list, required=True)
    if not tags or not all(isinstance(tag, dict) for tag in tags):
        raise ValidationError(f"{where}.Tags", "must list tags")
    return TagColumnOperation(text(value, "ColumnName", where, max_length=128), tuple(tags))


# -- security --------------------------------------------------------------------------


def _rls(given: object) -> RowLevelPermissionDataSet | None:
    if given is None:
        return None
    field = "RowLevelPermissionDataSet"
    if not isinstance(given, dict):
        raise ValidationError(field, "must be an object")
    version = _enum(
        FormatVersion, given.get("FormatVersion", "VERSION_1"), f"{field}.FormatVersion"
    )
    namespace = optional_text(given, "Namespace", field, max_length=64)
    if version is FormatVersion.VERSION_2 and namespace is not None:
        raise ValidationError(
            f"{field}.Namespace", "must not be set with VERSION_2 (the rules' ARNs name it)"
        )
    status = given.get("Status", "ENABLED")
    if status not in ("ENABLED", "DISABLED"):
        raise ValidationError(f"{field}.Status", "must be ENABLED or DISABLED")
    return RowLevelPermissionDataSet(
        arn=text(given, "Arn", field, max_length=2048),
        permission_policy=_enum(
            PermissionPolicy, given.get("PermissionPolicy"), f"{field}.PermissionPolicy"
        ),
        format_version=version,
        namespace=namespace,
        enabled=status == "ENABLED",
    )


def _tag_configuration(given: object) -> RowLevelPermissionTagConfiguration | None:
    if given is None:
        return None
    field = "RowLevelPermissionTagConfiguration"
    if not isinstance(given, dict):
        raise ValidationError(field, "must be an object")
    rules_given = member(given, "TagRules", field, list, required=True)
    if not 1 <= len(rules_given) <= 50:
        raise ValidationError(f"{field}.TagRules", "must list 1 to 50 rules")
    rules: list[TagRule] = []
    for index, entry in enumerate(rules_given):
        at = f"{field}.TagRules[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(at, "must be an object")
        rules.append(
            TagRule(
                tag_key=text(entry, "TagKey", at, max_length=128),
                column_name=text(entry, "ColumnName", at, max_length=128),
                tag_multi_value_delimiter=optional_text(
                    entry, "TagMultiValueDelimiter", at, max_length=10
                ),
                match_all_value=optional_text(entry, "MatchAllValue", at, max_length=256),
            )
        )
    keys = {rule.tag_key for rule in rules}
    if len(keys) != len(rules):
        raise ValidationError(f"{field}.TagRules", "each TagKey may have one rule")
    configurations: list[tuple[str, ...]] = []
    for index, entry in enumerate(given.get("TagRuleConfigurations") or []):
        at = f"{field}.TagRuleConfigurations[{index}]"
        if not isinstance(entry, list) or not 1 <= len(entry) <= 50:
            raise ValidationError(at, "must list 1 to 50 tag keys")
        unknown = [key for key in entry if key not in keys]
        if unknown:
            raise ValidationError(at, f"{shown(unknown[0])} is not the TagKey of a TagRule")
        configurations.append(tuple(entry))
    status = given.get("Status", "ENABLED")
    if status not in ("ENABLED", "DISABLED"):
        raise ValidationError(f"{field}.Status", "must be ENABLED or DISABLED")
    return RowLevelPermissionTagConfiguration(
        tuple(rules), tuple(configurations), enabled=status == "ENABLED"
    )


def _cls_rules(given: object) -> tuple[ColumnLevelPermissionRule, ...]:
    if given is None:
        return ()
    field = "ColumnLevelPermissionRules"
    if not isinstance(given, list) or not given:
        raise ValidationError(field, "must list at least one rule")
    rules: list[ColumnLevelPermissionRule] = []
    for index, entry in enumerate(given):
        at = f"{field}[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(at, "must be an object with Principals and ColumnNames")
        principals = member(entry, "Principals", at, list, required=True)
        if not 1 <= len(principals) <= 100 or not all(isinstance(p, str) for p in principals):
            raise ValidationError(f"{at}.Principals", "must list 1 to 100 user or group ARNs")
        columns = member(entry, "ColumnNames", at, list, required=True)
        if not columns or not all(isinstance(c, str) for c in columns):
            raise ValidationError(f"{at}.ColumnNames", "must list at least one column name")
        rules.append(ColumnLevelPermissionRule(tuple(principals), tuple(columns)))
    return tuple(rules)


# -- output columns --------------------------------------------------------------------


def output_columns(
    physical: Mapping[str, PhysicalTable], logical: Mapping[str, LogicalTable]
) -> tuple[Column, ...]:
    """The columns of the dataset: its one root logical table (the one no join uses)
    after its transforms."""
    used: dict[str, str] = {}
    for table_id, table in logical.items():
        if table.join is not None:
            for side, operand in (
                ("LeftOperand", table.join.left_operand),
                ("RightOperand", table.join.right_operand),
            ):
                where = f"LogicalTableMap.{table_id}.Source.JoinInstruction.{side}"
                if operand not in logical:
                    raise ValidationError(
                        where, f"{shown(operand)} is not a logical table of LogicalTableMap"
                    )
                if operand in used:
                    raise ValidationError(
                        where, f"{shown(operand)} is joined twice (also by {used[operand]})"
                    )
                used[operand] = table_id
    roots = [table_id for table_id in logical if table_id not in used]
    if not roots:
        raise ValidationError("LogicalTableMap", "its joins form a cycle")
    if len(roots) > 1:
        raise ValidationError(
            "LogicalTableMap",
            "must join its tables into one: "
            + ", ".join(shown(root) for root in roots[:5])
            + " are not joined to each other",
        )
    planner = _Planner(physical, logical)
    columns = planner.columns(roots[0], ())
    unreached = [table_id for table_id in logical if table_id not in planner.visited]
    if unreached:
        raise ValidationError(
            f"LogicalTableMap.{unreached[0]}", "is not joined to the dataset's table (a cycle)"
        )
    return columns


class _Planner:
    """Walks the logical tables from the root, computing each one's columns."""

    def __init__(
        self, physical: Mapping[str, PhysicalTable], logical: Mapping[str, LogicalTable]
    ) -> None:
        self.physical = physical
        self.logical = logical
        self.visited: set[str] = set()

    def columns(self, table_id: str, path: tuple[str, ...]) -> tuple[Column, ...]:
        field = f"LogicalTableMap.{table_id}"
        if table_id in path:
            raise ValidationError(f"{field}.Source", "the joins form a cycle")
        self.visited.add(table_id)
        table = self.logical[table_id]
        if table.physical_table_id is not None:
            found = self.physical.get(table.physical_table_id)
            if found is None:
                raise ValidationError(
                    f"{field}.Source.PhysicalTableId",
                    f"{shown(table.physical_table_id)} is not a table of PhysicalTableMap",
                )
            columns = found.columns if isinstance(found, CustomSql) else found.input_columns
        else:
            assert table.join is not None
            columns = self._join(table.join, f"{field}.Source.JoinInstruction", (*path, table_id))
        for index, transform in enumerate(table.transforms):
            where = f"{field}.DataTransforms[{index}].{type(transform).__name__}"
            columns = _apply(transform, columns, where)
        return columns

    def _join(self, join: JoinInstruction, field: str, path: tuple[str, ...]) -> tuple[Column, ...]:
        left = self.columns(join.left_operand, path)
        right = self.columns(join.right_operand, path)
        clash = sorted({c.name for c in left} & {c.name for c in right})
        if clash:
            raise ValidationError(
                field,
                f"both sides have a column {shown(clash[0])}: rename it on one side "
                "(RenameColumnOperation) before the join",
            )
        joined = (*left, *right)
        _expression(join.on_clause, joined, f"{field}.OnClause", want=ColumnType.BOOLEAN)
        return joined


def _apply(transform: Transform, columns: tuple[Column, ...], where: str) -> tuple[Column, ...]:
    by_name = {column.name: column for column in columns}

    def existing(name: str, field: str) -> Column:
        if name not in by_name:
            raise ValidationError(field, f"{shown(name)} is not a column of this table")
        return by_name[name]

    if isinstance(transform, ProjectOperation):
        return tuple(
            existing(name, f"{where}.ProjectedColumns[{i}]")
            for i, name in enumerate(transform.projected_columns)
        )
    if isinstance(transform, FilterOperation):
        _expression(
            transform.condition_expression,
            columns,
            f"{where}.ConditionExpression",
            want=ColumnType.BOOLEAN,
        )
        return columns
    if isinstance(transform, CreateColumnsOperation):
        added: list[Column] = []
        for index, calculated in enumerate(transform.columns):
            at = f"{where}.Columns[{index}]"
            if calculated.column_name in by_name or any(
                c.name == calculated.column_name for c in added
            ):
                raise ValidationError(
                    f"{at}.ColumnName", f"{shown(calculated.column_name)} is taken"
                )
            compiled_type = _expression(calculated.expression, columns, f"{at}.Expression")
            added.append(Column(calculated.column_name, compiled_type))
        return (*columns, *added)
    if isinstance(transform, RenameColumnOperation):
        existing(transform.column_name, f"{where}.ColumnName")
        if (
            transform.new_column_name in by_name
            and transform.new_column_name != transform.column_name
        ):
            raise ValidationError(
                f"{where}.NewColumnName", f"{shown(transform.new_column_name)} is taken"
            )
        return tuple(
            Column(transform.new_column_name, c.type) if c.name == transform.column_name else c
            for c in columns
        )
    if isinstance(transform, CastColumnTypeOperation):
        existing(transform.column_name, f"{where}.ColumnName")
        return tuple(
            Column(c.name, transform.new_column_type) if c.name == transform.column_name else c
            for c in columns
        )
    existing(transform.column_name, f"{where}.ColumnName")
    return columns


def _expression(
    expression: str, columns: Sequence[Column], field: str, want: ColumnType | None = None
) -> ColumnType:
    """The type of a dataset expression (no aggregates, no parameters); ``want`` a type."""
    scope = ExpressionScope({c.name: c.type for c in columns}, allow_aggregates=False)
    compiled = compile_expression(expression, scope, field)
    if want is not None and compiled.type is not want:
        raise ValidationError(
            field, f"must be a {want.value} expression, not {compiled.type.value}"
        )
    return compiled.type


# -- small parts -----------------------------------------------------------------------


def _table_id(value: object, field: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 64 or not set(value) <= _TABLE_ID_CHARS:
        raise ValidationError(
            field, f"table id {shown(value, 70)} must be 1 to 64 letters, digits or '-'"
        )
    return value


def _enum(enum: type[E], value: object, field: str) -> E:
    if isinstance(value, str) and value in enum._value2member_map_:
        return enum(value)
    choices = " | ".join(item.value for item in enum)
    raise ValidationError(field, f"{shown(value, 40)} is not one of {choices}")
