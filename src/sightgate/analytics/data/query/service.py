"""The query engine's one entry point: what a viewer may see of a dataset, and the answer
to a logical query as that viewer.

Every query, whatever asks it (a visual, a preview, the CLI), runs the same way:

1. the dataset's rows as one relation: a SPICE dataset's current version file (table
   ``data``), or a DIRECT_QUERY dataset's plan over its source's tables;
2. row security: the viewer's row rules (their own and their groups' now, read from the
   rules dataset) and, for an anonymous session, its tag rules, as one ``WHERE``;
3. column security: only the columns the viewer may see are selected, so the query can
   name no other (an unknown and a hidden column fail alike);
4. the logical query compiled over that, rendered with every value bound, and run on the
   dataset's engine with the query time and row limits.

The rules of a SPICE rules dataset are read once per version (versions are immutable) and
kept indexed by principal; a DIRECT_QUERY rules dataset (or a very large one) is read per
query, filtered to the viewer in the query. Memberships are the viewer's as given
(``UserPrincipal.groups`` are current), so a membership change counts from the next query.

On a SPICE dataset what steps 1 to 4 produce (the SQL text and its bound values) is a
pure function of its inputs: the version file and its columns, the columns the viewer
sees, the viewer's row rules and tags (the inputs of the ``WHERE``, values included) and
the logical query (values typed). That tuple keys a small LRU of rendered statements, so a
repeated query (a dashboard drawn again) skips building, compiling and rendering trees. A
new version, another rule, another column rule or another parameter value is another key:
an entry is only found by a query whose SQL and values it equals. The viewer's checks and
the lookup of their rules still run on every query.

The same key also keeps the statement's answer (up to ``RESULT_CACHE_ROWS`` rows): the
version file is immutable, so the same SQL and values over it give the same rows, unless
the SQL asks for the time (``now()`` in a calculated field), whose answers are never
kept. Viewers whose row conditions or visible columns differ have different keys, so an
answer is never shared between them; a new ingestion, rule or column rule is a new key,
and who may query the dataset at all is decided before the engine is asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from sqlglot import exp

from sightgate.analytics.data.model import (
    AnonymousViewer,
    Column,
    ColumnType,
    DataSet,
    Explanation,
    FormatVersion,
    ImportMode,
    LogicalQuery,
    MatchedRule,
    PermissionPolicy,
    QueryResult,
    RowLevelPermissionDataSet,
    RowLevelPermissionTagConfiguration,
    S3Source,
    Value,
)
from sightgate.analytics.data.query.compile import (
    Engine,
    Rendered,
    bound,
    compile_query,
    render,
)
from sightgate.analytics.data.query.engines import DuckDBReader, Limits, PostgresRunner, Rows
from sightgate.analytics.data.query.plan import Relation, column, over, plan
from sightgate.analytics.data.query.ports import DataSetLookup, SourceConnections
from sightgate.analytics.data.query.relations import postgres_table
from sightgate.analytics.data.query.security import (
    PrincipalKeys,
    RuleIndex,
    RuleRow,
    Viewer,
    principal_columns,
    principal_keys,
    rule_filter,
    tag_filter,
    visible_columns,
)
from sightgate.config import Settings
from sightgate.platform.errors import AccessDeniedError, StateConflictError, ValidationError
from sightgate.platform.execution import Cost, Execution
from sightgate.platform.lru import Lru

SPICE_TABLE = "data"
"""The table of a SPICE version file."""

RULES_CACHE_ROWS = 200_000
"""Largest SPICE rules dataset kept indexed in memory; a larger one is read per query."""
RULES_CACHE_VERSIONS = 32
"""Rules versions kept indexed (least recently used first out)."""
STATEMENT_CACHE_SIZE = 1024
"""Rendered statements kept (least recently used first out; a few KB each)."""
RESULT_CACHE_SIZE = 512
"""Answers of SPICE statements kept (least recently used first out)."""
RESULT_CACHE_ROWS = 2_000
"""Largest answer kept: a visual's aggregate is small, a long table is read again."""
VOLATILE = (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime, exp.Rand)
"""What makes a statement's answer change while its version file does not (``now()``)."""


@dataclass(frozen=True)
class _Target:
    """Where a dataset's rows are: a ``SELECT`` of some of its columns (built when asked:
    a cached statement needs none), the engine it is written for, and how a query of it
    runs."""

    select: Callable[[Sequence[str]], exp.Select]
    engine: Engine
    fetch: Callable[[Rendered, Limits], Rows]
    cache_key: tuple[str, int, str] | None
    """(ARN, version, file) of a SPICE version small enough to keep indexed."""
    statement_key: tuple[object, ...] | None
    """What the relation's SQL depends on (a SPICE version and its columns); None: the
    statements over it are not cached."""


@dataclass(frozen=True)
class _RowSecurity:
    """The inputs of a viewer's row condition, hashable: the rules that apply to them
    under the policy, and an anonymous session's tag rules and tags."""

    rules: tuple[tuple[RuleRow, ...], PermissionPolicy] | None
    tags: tuple[RowLevelPermissionTagConfiguration, tuple[tuple[str, str], ...]] | None

    def condition(self, viewer: Viewer, types: dict[str, ColumnType]) -> exp.Expr | None:
        """The condition (None: no row security applies)."""
        conditions: list[exp.Expr] = []
        if self.rules is not None:
            conditions.append(rule_filter(*self.rules, types))
        if self.tags is not None and isinstance(viewer, AnonymousViewer):
            conditions.append(tag_filter(self.tags[0], viewer, types)[0])
        return exp.and_(*conditions, copy=False) if conditions else None


@dataclass(frozen=True)
class _Statement:
    """A query rendered for its engine, and the columns it answers."""

    rendered: Rendered
    columns: tuple[Column, ...]
    deterministic: bool
    """The same version file always gives the same answer (no ``now()``)."""


class QueryService:
    """Answers logical queries on datasets for viewers (see the module docstring)."""

    def __init__(
        self,
        lookup: DataSetLookup,
        connections: SourceConnections,
        settings: Settings,
        executor: Execution,
        *,
        duckdb: DuckDBReader | None = None,
        postgres: PostgresRunner | None = None,
    ) -> None:
        self.lookup = lookup
        self.connections = connections
        self.executor = executor
        self.limits = Limits(settings.query_timeout_ms, settings.query_row_limit)
        self.duckdb = duckdb or DuckDBReader()
        self.postgres = postgres or PostgresRunner(max_idle=settings.query_workers)
        self._rules: Lru[tuple[object, ...], RuleIndex] = Lru(RULES_CACHE_VERSIONS)
        self._statements: Lru[tuple[object, ...], _Statement] = Lru(STATEMENT_CACHE_SIZE)
        self.answers: Lru[tuple[object, ...], tuple[tuple[Value, ...], ...]] = Lru(
            RESULT_CACHE_SIZE
        )
        """SPICE statements' answers (the module docstring)."""

    def columns(self, viewer: Viewer, data_set: DataSet) -> tuple[Column, ...]:
        """The dataset's schema as ``viewer`` sees it (restricted columns left out)."""
        _check_viewer(viewer, data_set)
        return visible_columns(data_set, viewer)

    def run(
        self,
        viewer: Viewer,
        data_set: DataSet,
        query: LogicalQuery,
        *,
        explain: bool = False,
        rules_sets: DataSetLookup | None = None,
    ) -> QueryResult:
        """The answer to ``query`` on ``data_set`` as ``viewer`` may see it; with
        ``explain``, why (the rules that matched, the hidden columns, the SQL).
        ``rules_sets`` looks up the rules dataset instead of ``lookup``: a caller running
        several queries at once (a sheet's visuals) reads it once for all of them."""
        _check_viewer(viewer, data_set)
        visible = visible_columns(data_set, viewer)
        target = self._target(data_set)
        security, matched = self._row_security(viewer, data_set, explain, rules_sets or self.lookup)
        key = (
            None
            if target.statement_key is None
            else (target.statement_key, visible, security, _query_key(query))
        )
        statement = None if key is None else self._statements.get(key)
        if statement is None:
            statement = self._statement(viewer, data_set, visible, target, security, query)
            if key is not None:
                self._statements.put(key, statement)
        rendered = statement.rendered
        rows = self._rows(key if statement.deterministic else None, target, rendered)
        explanation = None
        if explain:
            shown = {c.name for c in visible}
            explanation = Explanation(
                matched_rules=matched,
                restricted_columns=tuple(
                    c.name for c in data_set.output_columns if c.name not in shown
                ),
                sql=rendered.sql,
                parameters=tuple(rendered.parameters.values()),
            )
        return QueryResult(statement.columns, rows, explanation)

    async def run_async(
        self, viewer: Viewer, data_set: DataSet, query: LogicalQuery, *, explain: bool = False
    ) -> QueryResult:
        """``run`` for adapters on an event loop: on the analytical executor, where a
        slow query holds up nothing but other queries."""
        call = partial(self.run, viewer, data_set, query, explain=explain)
        return await self.executor.run(call, Cost.ANALYTICAL)

    def _statement(
        self,
        viewer: Viewer,
        data_set: DataSet,
        visible: tuple[Column, ...],
        target: _Target,
        security: _RowSecurity,
        query: LogicalQuery,
    ) -> _Statement:
        """Steps 1 to 4 of the module docstring: the query over the rows the viewer may see,
        rendered with every value bound."""
        select = target.select([c.name for c in visible])
        condition = security.condition(viewer, {c.name: c.type for c in data_set.output_columns})
        if condition is not None:
            select = select.where(condition, copy=False)
        secured = Relation(select, {c.name: c.type for c in visible})
        compiled = compile_query(query, secured, max_rows=self.limits.row_limit + 1)
        deterministic = compiled.tree.find(*VOLATILE) is None
        rendered = render(compiled.tree, target.engine, query.parameters, copy=False)
        return _Statement(rendered, compiled.columns, deterministic)

    def _rows(self, key: tuple[object, ...] | None, target: _Target, rendered: Rendered) -> Rows:
        """The statement's answer: kept for a cacheable ``key`` (a SPICE version file is
        immutable, and the key holds everything else the answer depends on, so an entry
        is only found by a query that would get the same rows), else fetched."""
        kept = None if key is None else self.answers.get(key)
        if kept is not None:
            return list(kept)
        rows = target.fetch(rendered, self.limits)
        if key is not None and len(rows) <= RESULT_CACHE_ROWS:
            self.answers.put(key, tuple(rows))
        return rows

    # -- where the rows are -----------------------------------------------------------

    def _target(self, data_set: DataSet) -> _Target:
        if data_set.import_mode is ImportMode.SPICE:
            return self._spice(data_set)
        return self._direct(data_set)

    def _spice(self, data_set: DataSet) -> _Target:
        version = data_set.spice_version
        if version is None:
            raise StateConflictError(
                f"dataset {data_set.data_set_id} has no SPICE data yet: its first ingestion "
                "has not completed"
            )
        columns = data_set.output_columns

        def select(names: Sequence[str]) -> exp.Select:
            # the version's table holds exactly the output columns: no subquery needed
            table = exp.Table(this=exp.to_identifier(SPICE_TABLE, quoted=True))
            return exp.select(*(column(name) for name in names)).from_(
                exp.alias_(table, "t", table=True, quoted=True, copy=False), copy=False
            )

        def fetch(rendered: Rendered, limits: Limits) -> Rows:
            return self.duckdb.fetch(version.path, rendered.sql, rendered.parameters, limits)

        small = version.row_count <= RULES_CACHE_ROWS
        key = (data_set.arn, version.number, str(version.path)) if small else None
        statement_key = (Engine.DUCKDB, data_set.arn, version.number, str(version.path), columns)
        return _Target(select, Engine.DUCKDB, fetch, key, statement_key)

    def _direct(self, data_set: DataSet) -> _Target:
        sources = {
            table.data_source_arn
            for table in data_set.physical_tables.values()
            if not isinstance(table, S3Source)
        }
        if any(isinstance(t, S3Source) for t in data_set.physical_tables.values()):
            raise ValidationError(
                "ImportMode", "a dataset of S3 files can only be imported into SPICE"
            )
        if len(sources) != 1:
            raise ValidationError(
                "PhysicalTableMap", "a DIRECT_QUERY dataset reads exactly one data source"
            )
        (arn,) = sources
        connection = self.connections.postgres(data_set.account_id, arn)
        planned = plan(data_set, postgres_table)
        missing = [c.name for c in data_set.output_columns if c.name not in planned.columns]
        if missing:
            raise ValidationError(
                "OutputColumns", f"column {missing[0]!r} is not an output of the dataset's tables"
            )
        relation = Relation(planned.select, {c.name: c.type for c in data_set.output_columns})

        def fetch(rendered: Rendered, limits: Limits) -> Rows:
            return self.postgres.fetch(connection, rendered.sql, rendered.parameters, limits)

        def select(names: Sequence[str]) -> exp.Select:
            return over(relation, [column(name) for name in names])

        return _Target(select, Engine.POSTGRES, fetch, None, None)

    # -- row security -----------------------------------------------------------------

    def _row_security(
        self, viewer: Viewer, data_set: DataSet, explain: bool, rules_sets: DataSetLookup
    ) -> tuple[_RowSecurity, tuple[MatchedRule, ...]]:
        """The viewer's row rules and tag rules (read now), and with ``explain`` what
        matched."""
        matched: list[MatchedRule] = []
        rules: tuple[tuple[RuleRow, ...], PermissionPolicy] | None = None
        rls = data_set.row_level_permission_data_set
        if rls is not None and rls.enabled:
            keys = principal_keys(viewer, rls)
            rows: tuple[RuleRow, ...] = ()
            if keys.user is not None or keys.groups:
                found = self._rule_index(data_set, rls, keys, rules_sets).for_viewer(keys)
                rows = found.rows
                if explain:
                    matched.extend(found.matched())
            rules = (rows, rls.permission_policy)
        tagged: tuple[RowLevelPermissionTagConfiguration, tuple[tuple[str, str], ...]] | None
        tagged = None
        config = data_set.row_level_permission_tag_configuration
        if config is not None and config.enabled and isinstance(viewer, AnonymousViewer):
            tagged = (config, tuple(sorted(viewer.tags.items())))
            if explain:
                types = {c.name: c.type for c in data_set.output_columns}
                matched.extend(tag_filter(config, viewer, types)[1])
        return _RowSecurity(rules, tagged), tuple(matched)

    def _rule_index(
        self,
        data_set: DataSet,
        rls: RowLevelPermissionDataSet,
        keys: PrincipalKeys,
        rules_sets: DataSetLookup,
    ) -> RuleIndex:
        """The rules of ``data_set``'s rules dataset that may concern ``keys``: the whole
        indexed version when it is cached (or small enough to be), else the rows naming
        the viewer, read now."""
        rules_set = rules_sets.by_arn(data_set.account_id, rls.arn)
        target = self._target(rules_set)
        names = [c.name for c in rules_set.output_columns]
        if target.cache_key is None:
            index = self._read_rules(target, names, rls.format_version, keys)
        else:
            key = (*target.cache_key, rls.format_version, tuple(names))
            cached = self._rules.get(key)
            if cached is None:
                cached = self._read_rules(target, names, rls.format_version, None)
                self._rules.put(key, cached)
            index = cached
        index.check(data_set)
        return index

    def _read_rules(
        self,
        target: _Target,
        names: list[str],
        version: FormatVersion,
        keys: PrincipalKeys | None,
    ) -> RuleIndex:
        """A system read of a rules dataset (no security of its own applies): all its
        rows, or with ``keys`` only those naming the viewer or their groups."""
        index = RuleIndex(names, version)
        select = target.select(names)
        if keys is not None:
            user, group = principal_columns(version)
            terms: list[exp.Expr] = []
            if user in names and keys.user is not None:
                terms.append(exp.EQ(this=column(user), expression=bound(keys.user)))
            if group in names and keys.groups:
                terms.append(
                    exp.In(this=column(group), expressions=[bound(g) for g in keys.groups])
                )
            select = select.where(exp.or_(*terms, copy=False) if terms else exp.false(), copy=False)
        rendered = render(select, target.engine, {}, copy=False)
        limit = RULES_CACHE_ROWS if keys is None else self.limits.row_limit
        for row in target.fetch(rendered, Limits(self.limits.timeout_ms, limit)):
            index.add(row)
        return index


def _query_key(query: LogicalQuery) -> tuple[object, ...]:
    """Everything of ``query`` its statement depends on, values typed (``_exact``)."""
    return (
        tuple(query.fields),
        tuple(
            (p.expression, p.operator, _exact(p.values), p.on_aggregate) for p in query.predicates
        ),
        tuple(query.conditions),
        tuple(query.sort),
        query.limit,
        tuple(sorted((name, _exact(value)) for name, value in query.parameters.items())),
    )


def _exact(value: object) -> object:
    """``value`` as a key equal to another only for the same type and value: Python
    finds ``1 == 1.0 == True``, but they bind (and compare in SQL) differently."""
    if isinstance(value, tuple):
        return (tuple, tuple(_exact(item) for item in value))
    return (type(value), repr(value))


def _check_viewer(viewer: Viewer, data_set: DataSet) -> None:
    if viewer.account_id != data_set.account_id:
        raise AccessDeniedError("the viewer is not of the dataset's account")
    if not isinstance(viewer, AnonymousViewer) and not viewer.allowed:
        raise AccessDeniedError(viewer.reason)
