"""A dataset's output rows as one sqlglot tree: its ``LogicalTableMap`` planned over the
relations of its physical tables.

The same plan serves DIRECT_QUERY (rendered for PostgreSQL over the source's tables and
``CustomSql`` subqueries) and SPICE ingestion (rendered for DuckDB over staging tables),
so a dataset means the same rows in both modes.

Each logical table is a query whose output columns are known by name and type: its source
(a physical table, or a join of two logical tables), then each transform in order, every
transform wrapping the previous query as a subquery (both engines flatten these). Column
names are always quoted identifiers; calculated fields (``FilterOperation``,
``CreateColumnsOperation``, a join's ``OnClause``) are compiled by the expression
language, whose literals the query compiler binds later like every other value.

A join keeps both operands' columns; a right-hand column whose name the left side already
has is renamed ``name[alias]`` (the right logical table's alias), as QuickSight does, and
an ``OnClause`` names the columns by those output names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.spark import Spark

from sightgate.analytics.data.expressions import ExpressionScope, compile_expression
from sightgate.analytics.data.model import (
    CastColumnTypeOperation,
    ColumnType,
    CreateColumnsOperation,
    CustomSql,
    DataSet,
    FilterOperation,
    JoinInstruction,
    JoinType,
    LogicalTable,
    PhysicalTable,
    ProjectOperation,
    RenameColumnOperation,
    Transform,
)
from sightgate.platform.errors import ValidationError

Tables = Callable[[str, PhysicalTable], exp.Expr]
"""The relation of a physical table (an ``exp.Table`` or a query), given its id."""

_JOIN_TYPES: Mapping[JoinType, str] = {
    JoinType.INNER: "INNER",
    JoinType.LEFT: "LEFT OUTER",
    JoinType.RIGHT: "RIGHT OUTER",
    JoinType.OUTER: "FULL OUTER",
}

SQL_TYPES: Mapping[ColumnType, str] = {
    ColumnType.STRING: "TEXT",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.DECIMAL: "DOUBLE",
    ColumnType.DATETIME: "TIMESTAMP",
    ColumnType.BIT: "BIGINT",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.JSON: "JSON",
}
"""The SQL type a column of each QuickSight type is cast to (both engines know these)."""


@dataclass(frozen=True)
class Relation:
    """A query and its output columns, by name in output order."""

    select: exp.Select
    columns: Mapping[str, ColumnType]


def column(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference (never parsed from text)."""
    return exp.Column(
        this=exp.to_identifier(name, quoted=True),
        table=exp.to_identifier(table, quoted=True) if table else None,
    )


def source(relation: exp.Expr, alias: str) -> exp.Expr:
    """``relation`` as a FROM item named ``alias``: a table keeps its name, a query
    becomes a subquery."""
    if isinstance(relation, exp.Query):
        return relation.subquery(exp.to_identifier(alias, quoted=True), copy=False)
    return exp.alias_(relation, alias, table=True, quoted=True, copy=False)


def over(relation: Relation, projections: list[exp.Expr]) -> exp.Select:
    """``SELECT projections FROM (relation) AS "t"``."""
    return exp.select(*projections).from_(source(relation.select, "t"), copy=False)


def dataset_relation(data_set: DataSet, tables: Tables) -> exp.Select:
    """The dataset's output rows (its joins and transforms) over ``tables``."""
    return plan(data_set, tables).select


def plan(data_set: DataSet, tables: Tables) -> Relation:
    """The dataset's output rows and their columns (see ``dataset_relation``)."""
    return _Planner(data_set, tables).relation(root_logical_table(data_set), ())


def root_logical_table(data_set: DataSet) -> str:
    """The id of the logical table no join names: the dataset's output."""
    referenced = {
        operand
        for table in data_set.logical_tables.values()
        if table.join is not None
        for operand in (table.join.left_operand, table.join.right_operand)
    }
    roots = sorted(set(data_set.logical_tables) - referenced)
    if len(roots) != 1:
        found = ", ".join(roots) if roots else "none"
        raise ValidationError(
            "LogicalTableMap",
            f"exactly one logical table must be the dataset's output (one no join names); "
            f"found {found}",
        )
    return roots[0]


class _Planner:
    """Plans one dataset's logical tables (recursively through joins)."""

    def __init__(self, data_set: DataSet, tables: Tables) -> None:
        self.data_set = data_set
        self.tables = tables

    def relation(self, logical_id: str, path: tuple[str, ...]) -> Relation:
        if logical_id in path:
            raise ValidationError(
                "LogicalTableMap", f"logical table {logical_id!r} joins itself (a cycle)"
            )
        table = self.data_set.logical_tables.get(logical_id)
        if table is None:
            if logical_id in self.data_set.physical_tables:
                return self.physical(logical_id)
            raise ValidationError("LogicalTableMap", f"no logical table {logical_id!r}")
        relation = self.source(logical_id, table, (*path, logical_id))
        for transform in table.transforms:
            relation = apply(relation, transform)
        return relation

    def source(self, logical_id: str, table: LogicalTable, path: tuple[str, ...]) -> Relation:
        if table.physical_table_id is not None:
            return self.physical(table.physical_table_id)
        if table.join is not None:
            return self.join(table.join, path)
        if table.data_set_arn is not None:
            raise ValidationError(
                f"LogicalTableMap.{logical_id}.Source.DataSetArn",
                "a logical table whose source is another dataset is not supported yet",
            )
        raise ValidationError(f"LogicalTableMap.{logical_id}.Source", "a source is required")

    def physical(self, physical_id: str) -> Relation:
        table = self.data_set.physical_tables.get(physical_id)
        if table is None:
            raise ValidationError("PhysicalTableMap", f"no physical table {physical_id!r}")
        columns = table.columns if isinstance(table, CustomSql) else table.input_columns
        names = {c.name: c.type for c in columns}
        if len(names) != len(columns):
            raise ValidationError(f"PhysicalTableMap.{physical_id}", "column names must be unique")
        select = exp.select(*(column(name) for name in names)).from_(
            source(self.tables(physical_id, table), "t")
        )
        return Relation(select, names)

    def join(self, join: JoinInstruction, path: tuple[str, ...]) -> Relation:
        left = self.relation(join.left_operand, path)
        right = self.relation(join.right_operand, path)
        alias = self._alias(join.right_operand)
        # output name -> (side, the operand's own name)
        sides: dict[str, tuple[str, str]] = {name: ("l", name) for name in left.columns}
        types: dict[str, ColumnType] = dict(left.columns)
        for name, type_ in right.columns.items():
            output = name if name not in sides else f"{name}[{alias}]"
            if output in sides:
                raise ValidationError(
                    "JoinInstruction", f"column {output!r} occurs on both sides of the join"
                )
            sides[output] = ("r", name)
            types[output] = type_
        condition = compile_expression(
            join.on_clause,
            ExpressionScope(columns=types, allow_aggregates=False),
            field="JoinInstruction.OnClause",
        )
        if condition.type is not ColumnType.BOOLEAN or condition.is_window:
            raise ValidationError("JoinInstruction.OnClause", "must be a row-level condition")

        def qualify(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column) and not node.table and node.name in sides:
                side, name = sides[node.name]
                return column(name, side)
            return node

        on = condition.tree.copy().transform(qualify)
        select = (
            exp.select(
                *(
                    exp.alias_(column(name, side), output, quoted=True, copy=False)
                    for output, (side, name) in sides.items()
                )
            )
            .from_(source(left.select, "l"), copy=False)
            .join(source(right.select, "r"), on=on, join_type=_JOIN_TYPES[join.type], copy=False)
        )
        return Relation(select, types)

    def _alias(self, operand: str) -> str:
        table = self.data_set.logical_tables.get(operand)
        return table.alias if table is not None else operand


def apply(relation: Relation, transform: Transform) -> Relation:
    """``relation`` after one transform."""
    if isinstance(transform, ProjectOperation):
        return _project(relation, transform)
    if isinstance(transform, FilterOperation):
        return _filter(relation, transform)
    if isinstance(transform, CreateColumnsOperation):
        return _create_columns(relation, transform)
    if isinstance(transform, RenameColumnOperation):
        return _rename(relation, transform)
    if isinstance(transform, CastColumnTypeOperation):
        return _cast(relation, transform)
    _require(relation, transform.column_name, "TagColumnOperation")
    return relation  # tags are metadata: they change no value


def _require(relation: Relation, name: str, operation: str) -> None:
    if name not in relation.columns:
        raise ValidationError(f"{operation}.ColumnName", f"no column {name!r}")


def _project(relation: Relation, operation: ProjectOperation) -> Relation:
    for name in operation.projected_columns:
        _require(relation, name, "ProjectOperation")
    columns = {name: relation.columns[name] for name in operation.projected_columns}
    return Relation(over(relation, [column(name) for name in columns]), columns)


def _filter(relation: Relation, operation: FilterOperation) -> Relation:
    condition = compile_expression(
        operation.condition_expression,
        ExpressionScope(columns=relation.columns, allow_aggregates=False),
        field="FilterOperation.ConditionExpression",
    )
    if condition.type is not ColumnType.BOOLEAN or condition.is_window:
        raise ValidationError(
            "FilterOperation.ConditionExpression", "must be a row-level condition"
        )
    select = over(relation, [column(name) for name in relation.columns]).where(
        condition.tree, copy=False
    )
    return Relation(select, relation.columns)


def _create_columns(relation: Relation, operation: CreateColumnsOperation) -> Relation:
    for calculated in operation.columns:
        if calculated.column_name in relation.columns:
            raise ValidationError(
                "CreateColumnsOperation.ColumnName",
                f"column {calculated.column_name!r} already exists",
            )
        compiled = compile_expression(
            calculated.expression,
            ExpressionScope(columns=relation.columns, allow_aggregates=False),
            field="CreateColumnsOperation.Expression",
        )
        if compiled.is_window:
            raise ValidationError(
                "CreateColumnsOperation.Expression",
                f"column {calculated.column_name!r}: a table calculation cannot be a "
                "dataset column",
            )
        projections: list[exp.Expr] = [column(name) for name in relation.columns]
        projections.append(
            exp.alias_(compiled.tree, calculated.column_name, quoted=True, copy=False)
        )
        relation = Relation(
            over(relation, projections), {**relation.columns, calculated.column_name: compiled.type}
        )
    return relation


def _rename(relation: Relation, operation: RenameColumnOperation) -> Relation:
    _require(relation, operation.column_name, "RenameColumnOperation")
    new = operation.new_column_name
    if new != operation.column_name and new in relation.columns:
        raise ValidationError(
            "RenameColumnOperation.NewColumnName", f"column {new!r} already exists"
        )
    columns = {
        (new if name == operation.column_name else name): type_
        for name, type_ in relation.columns.items()
    }
    projections = [
        exp.alias_(column(name), new, quoted=True, copy=False)
        if name == operation.column_name
        else column(name)
        for name in relation.columns
    ]
    return Relation(over(relation, projections), columns)


def _cast(relation: Relation, operation: CastColumnTypeOperation) -> Relation:
    name = operation.column_name
    _require(relation, name, "CastColumnTypeOperation")
    cast = cast_column(
        column(name), relation.columns[name], operation.new_column_type, operation.format
    )
    projections = [
        exp.alias_(cast, name, quoted=True, copy=False) if other == name else column(other)
        for other in relation.columns
    ]
    return Relation(
        over(relation, projections), {**relation.columns, name: operation.new_column_type}
    )


def cast_column(
    value: exp.Expr, from_type: ColumnType, to_type: ColumnType, format_: str | None
) -> exp.Expr:
    """``value`` cast to ``to_type``; a ``format`` parses text into a DATETIME (or
    formats a DATETIME as text) with QuickSight's (Java) date pattern."""
    if format_ and from_type is ColumnType.STRING and to_type is ColumnType.DATETIME:
        parsed = exp.StrToTime(this=value, format=time_format(format_))
        return exp.Cast(this=parsed, to=exp.DataType.build(SQL_TYPES[to_type]))
    if format_ and from_type is ColumnType.DATETIME and to_type is ColumnType.STRING:
        return exp.TimeToStr(this=value, format=time_format(format_))
    return exp.Cast(this=value, to=exp.DataType.build(SQL_TYPES[to_type]))


def time_format(pattern: str) -> exp.Literal:
    """A Java date pattern (``yyyy-MM-dd'T'HH:mm:ss``) as sqlglot's neutral time format:
    pattern letters through sqlglot's own Java mapping, quoted text kept as text."""
    parts: list[str] = []
    for index, segment in enumerate(pattern.split("'")):
        if index % 2:  # inside quotes: literal text ('' is a quote)
            parts.append(segment.replace("%", "%%") if segment else "'")
        elif segment:
            converted = Spark.format_time(exp.Literal.string(segment))
            parts.append(converted.name if converted is not None else segment)
    return exp.Literal.string("".join(parts))
