"""The statements of a SCIM search, built once per shape of search and kept.

Building a ``SELECT`` with its filter, order and window costs more CPU than running the
index lookup it asks for (an absent ``userName eq`` lookup: about a third of its server
CPU, docs/benchmarks.md), and an IdP's searches come in a handful of shapes: Okta's and
Entra's ``userName eq "…"`` on nearly every request. So the statements of a search are
kept per resource type, filter shape (``filtering.BoundFilter``), sort attribute and
direction, and each search runs them with its own values bound: the store, the filter's
operands, the window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scim2_models.path import FilterNode
from sqlalchemy import ColumnElement, Integer, Select, Table, bindparam, func, select

from sightgate.identity import filtering
from sightgate.identity import tables as t
from sightgate.platform.lru import Lru

SEARCH_STATEMENTS_KEPT = 256
"""Search shapes kept per process (each a pair of statements); others are built again."""


@dataclass(frozen=True)
class SearchStatements:
    """A search's window and count statements, and the filter's values to bind to them.

    Both bind ``store_id``; the window also binds ``window_offset`` and ``window_count``.
    """

    window: Select[Any]
    count: Select[Any]
    params: Mapping[str, Any]


@dataclass(frozen=True)
class _Resource:
    name: str
    table: Table
    key: ColumnElement[Any]  # the last sort key, so a window's order is total
    compile_filter: Callable[[str], filtering.BoundFilter]
    sort_column: Callable[[str], ColumnElement[Any]]


_USERS = _Resource(
    "users", t.users, t.users.c.user_id, filtering.user_filter, filtering.user_sort_column
)
_GROUPS = _Resource(
    "groups", t.groups, t.groups.c.group_id, filtering.group_filter, filtering.group_sort_column
)
_KEPT: Lru[tuple[str, FilterNode | None, str | None, bool], tuple[Select[Any], Select[Any]]] = Lru(
    SEARCH_STATEMENTS_KEPT
)


def user_search(
    search_filter: str | None, sort_by: str | None, descending: bool
) -> SearchStatements:
    """The statements of a search of one store's users (see the module docstring)."""
    return _statements(_USERS, search_filter, sort_by, descending)


def group_search(
    search_filter: str | None, sort_by: str | None, descending: bool
) -> SearchStatements:
    """The statements of a search of one store's groups."""
    return _statements(_GROUPS, search_filter, sort_by, descending)


def _statements(
    resource: _Resource, search_filter: str | None, sort_by: str | None, descending: bool
) -> SearchStatements:
    bound = resource.compile_filter(search_filter) if search_filter else None
    key = (resource.name, bound.shape if bound else None, sort_by, descending)
    kept = _KEPT.get(key)
    if kept is None:
        kept = _build(resource, bound, sort_by, descending)
        _KEPT.put(key, kept)
    window, count = kept
    return SearchStatements(window, count, bound.params if bound else {})


def _build(
    resource: _Resource,
    bound: filtering.BoundFilter | None,
    sort_by: str | None,
    descending: bool,
) -> tuple[Select[Any], Select[Any]]:
    """The window and count statements of a search shape (raises for a bad ``sort_by``)."""
    order = []
    if sort_by:
        column = resource.sort_column(sort_by)
        order.append(column.desc() if descending else column.asc())
    table = resource.table
    query = select(table).where(table.c.identity_store_id == bindparam("store_id"))
    if bound is not None:
        query = query.where(bound.condition)
    window = (
        query.order_by(*order, resource.key)
        .offset(bindparam("window_offset", type_=Integer))
        .limit(bindparam("window_count", type_=Integer))
    )
    return window, select(func.count()).select_from(query.subquery())
