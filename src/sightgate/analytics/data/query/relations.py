"""Physical tables as relations of one engine's SQL: a ``RelationalTable`` is its quoted
name, a ``CustomSql`` is the author's query parsed by sqlglot into a subquery.

A ``CustomSql`` must be one read-only query. It is refused when it is anything else (a
second statement, DML or DDL anywhere in it, ``SELECT ... INTO``, ``FOR UPDATE``, a
placeholder) or calls a function that reaches outside the query (server files, large
objects, other databases, settings such as the statement time limit, sessions). That is a
first line only: the engines run every query read-only and time-limited, and a data
source's credentials should be a role that can read only what the datasets need.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from sightgate.analytics.data.model import CustomSql, PhysicalTable, RelationalTable
from sightgate.analytics.data.query.compile import VERBATIM
from sightgate.platform.errors import ValidationError

_REFUSED_NODES: tuple[type[exp.Expr], ...] = (
    exp.DML,
    exp.DDL,
    exp.Command,
    exp.Into,
    exp.Lock,
    exp.Placeholder,
    exp.Parameter,
    exp.Copy,
)
_REFUSED_FUNCTIONS = frozenset(
    {
        "set_config",
        "pg_read_file",
        "pg_read_binary_file",
        "pg_stat_file",
        "pg_ls_dir",
        "pg_sleep",
        "pg_sleep_for",
        "pg_sleep_until",
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_notify",
        "query_to_xml",
        "query_to_xml_and_xmlschema",
        "table_to_xml",
        "database_to_xml",
        "cursor_to_xml",
    }
)
_REFUSED_PREFIXES = ("lo_", "dblink", "pg_ls_", "pg_advisory", "pg_logical_", "pg_file")


def postgres_table(physical_id: str, table: PhysicalTable) -> exp.Expr:
    """The relation of a DIRECT_QUERY dataset's physical table on PostgreSQL."""
    if isinstance(table, RelationalTable):
        return exp.Table(
            this=exp.to_identifier(table.name, quoted=True),
            db=exp.to_identifier(table.schema, quoted=True) if table.schema else None,
        )
    if isinstance(table, CustomSql):
        return custom_sql(table.sql_query, "postgres", f"PhysicalTableMap.{physical_id}")
    raise ValidationError(
        f"PhysicalTableMap.{physical_id}",
        "an S3 source can only be imported into SPICE, not queried directly",
    )


def custom_sql(text: str, dialect: str, field: str) -> exp.Query:
    """The author's query as a tree marked verbatim; ``ValidationError`` when it is not
    one read-only query (module docstring)."""
    name = f"{field}.CustomSql.SqlQuery"
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except SqlglotError as error:
        first = str(error).splitlines()[0] if str(error) else "cannot be read"
        raise ValidationError(name, f"not a query sightgate can read: {first}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ValidationError(name, "must be exactly one SELECT query")
    query = statements[0]
    for node in query.walk():
        if isinstance(node, _REFUSED_NODES):
            raise ValidationError(name, f"must only read ({node.key.upper()} is not allowed)")
        if isinstance(node, exp.Func):
            function = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if function in _REFUSED_FUNCTIONS or function.startswith(_REFUSED_PREFIXES):
                raise ValidationError(name, f"function {function} is not allowed")
    query.meta[VERBATIM] = True
    return query
