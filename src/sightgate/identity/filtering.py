"""SCIM 2.0 filters (RFC 7644 §3.4.2.2) compiled to SQL over the identity tables.

A filter becomes one SQLAlchemy Core condition, so a list query filters, counts and pages
in the database instead of loading rows into Python. Values are always bound parameters.

Semantics worth knowing:

* Attribute names and schema URNs are case-insensitive. String comparisons are too, except
  for caseExact attributes (``id``, ``externalId``, ``manager.value``, ``members.value``).
  ``userName``, group ``displayName`` and ``emails.value`` compare their stored
  ``unique_key`` (NFKC + casefold), so ``eq`` uses the unique index. Other strings compare
  ``lower(column)`` with ``value.lower()``; SQLite's ``lower()`` folds ASCII letters only,
  so there a non-ASCII letter in another case does not match. ``gt``/``lt`` on strings
  follow the database's collation.
* Every comparison is two-valued, never SQL NULL: ``eq``, ``co``, ``gt`` … are false for a
  missing value, ``ne`` is true for it. ``not (title eq "x")`` therefore includes users
  without a title, the exact complement of ``title eq "x"``.
* ``eq null`` means "not present" and ``ne null`` means ``pr``; ``pr`` on a string also
  requires it to be non-empty.
* Multi-valued attributes (``emails``, ``members``) and ``externalId`` live in other tables
  and compile to ``EXISTS``. A comparison matches when some value matches, except ``ne``,
  which matches when no value equals the operand. A value path such as
  ``emails[type eq "work" and value co "@x"]`` is one ``EXISTS``, so all its conditions
  hold for the same e-mail.
* ``phoneNumbers``, ``addresses``, ``ims``, ``photos``, ``entitlements``, ``roles``,
  ``x509Certificates`` (kept as JSON), ``groups`` and ``password`` cannot be filtered on:
  ``FilterError("filtering on X is not supported")``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum, auto
from functools import partial
from typing import Any

from scim2_models import InvalidFilterException, InvalidPathException, Path, ScimFilter
from scim2_models.path import (
    STRING_OPERATORS,
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    exists,
    func,
    not_,
    or_,
    true,
)
from sqlalchemy.types import TypeEngine

from sightgate.identity import tables as t
from sightgate.identity.model import unique_key
from sightgate.identity.repository import GROUP, USER
from sightgate.platform.errors import ValidationError
from sightgate.platform.lru import Lru

SCIM_ISSUER = "scim"
"""The issuer under which the SCIM adapter stores a resource's ``externalId``."""

MAX_FILTER_LENGTH = 4_096
"""Longest filter text accepted; IdPs send one to three short terms."""
MAX_FILTER_COMPARISONS = 50
"""Most comparisons (``eq``, ``co``, ``pr``, …, inside value paths too) in one filter:
each may cost a pass over the store's rows, so a filter's cost is bounded by its size."""
MAX_FILTER_VALUE_PATHS = 10
"""Most value paths (``emails[…]``) in one filter; each is a correlated subquery."""
FILTER_SHAPES_KEPT = 512
"""Compiled filter shapes kept per process: an IdP sends a handful (``userName eq``,
``externalId eq``, ``displayName eq``); more distinct ones are compiled again."""

_USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
_ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"

# Entra's test collection sends unquoted values (``userName sw O``); quote such bare words,
# leaving true/false/null, numbers and already quoted values alone.
_BARE_VALUE = re.compile(
    r"(?i)(\s(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+)(?![\"(])"
    r"(?!(?:true|false|null)(?=[\s)\]]|$))(?!-?\d+(?:\.\d+)?(?=[\s)\]]|$))([^\s)\]]+)"
)
# The filter IdPs send on nearly every request, ``attr[.sub] op "string"`` (Okta's and
# Entra's ``userName eq "..."``), is read without the grammar, which costs more than the
# whole lookup it serves; anything else (and any doubt: escapes, URNs) takes the parser.
_SIMPLE_COMPARISON = re.compile(
    r" *([A-Za-z][\w-]*)(?:\.([A-Za-z][\w-]*))? +((?i:eq|ne|co|sw|ew|gt|ge|lt|le))"
    r' +"([^"\\\x00-\x1f]*)" *',
    re.ASCII,
)
# Neither can be sent to PostgreSQL as text.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class FilterError(ValidationError):
    """A filter this store cannot evaluate: bad syntax, attribute, operator or value."""

    def __init__(self, message: str) -> None:
        super().__init__("filter", message)


class _Kind(Enum):
    """How values of a column compare."""

    TEXT = auto()  # case-insensitive: lower() on both sides
    KEY = auto()  # case-insensitive, stored already folded by unique_key()
    EXACT = auto()  # caseExact string
    BOOLEAN = auto()
    DATETIME = auto()


_STRING_KINDS = frozenset({_Kind.TEXT, _Kind.KEY, _Kind.EXACT})


@dataclass(frozen=True)
class _Leaf:
    """A single value stored in one column of the row being filtered."""

    column: Column[Any]
    kind: _Kind


@dataclass(frozen=True)
class _Rows:
    """Values stored as rows of another table, linked to the filtered row."""

    link: ColumnElement[bool]

    def exists(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """Whether some linked row meets ``condition`` (correlated to the outer query)."""
        return exists().where(self.link, condition)


@dataclass(frozen=True)
class _Related:
    """An attribute whose values are one column of linked rows."""

    rows: _Rows
    leaf: _Leaf


@dataclass(frozen=True)
class _Scope:
    """The attributes a filter may name, keyed by lower-case ``attr`` or ``attr.sub``."""

    name: str  # what its compiled shapes are kept under
    attrs: Mapping[str, _Leaf | _Related]
    core_urn: str | None = None
    extension: frozenset[str] = frozenset()  # attributes of the enterprise schema
    value_paths: Mapping[str, tuple[_Rows, _Scope]] = field(default_factory=dict)
    unsupported: frozenset[str] = frozenset()


def _text(column: Column[Any]) -> _Leaf:
    return _Leaf(column, _Kind.TEXT)


_EMAILS = _Rows(t.user_emails.c.user_id == t.users.c.user_id)
_USER_EXTERNAL_IDS = _Rows(
    and_(
        t.external_ids.c.resource_id == t.users.c.user_id,
        t.external_ids.c.identity_store_id == t.users.c.identity_store_id,
        t.external_ids.c.resource_type == USER,
        t.external_ids.c.issuer == SCIM_ISSUER,
    ),
)
_GROUP_EXTERNAL_IDS = _Rows(
    and_(
        t.external_ids.c.resource_id == t.groups.c.group_id,
        t.external_ids.c.identity_store_id == t.groups.c.identity_store_id,
        t.external_ids.c.resource_type == GROUP,
        t.external_ids.c.issuer == SCIM_ISSUER,
    ),
)
_MEMBERS = _Rows(t.memberships.c.group_id == t.groups.c.group_id)
_USER_KEYS = frozenset({"id", "username"})
_GROUP_KEYS = frozenset({"id", "displayname"})

_EMAIL_VALUE = _Leaf(t.user_emails.c.value_key, _Kind.KEY)
_EMAIL_TYPE = _text(t.user_emails.c.type)
_EMAIL_DISPLAY = _text(t.user_emails.c.display)
_EMAIL_PRIMARY = _Leaf(t.user_emails.c.is_primary, _Kind.BOOLEAN)
_EXTERNAL_ID = _Leaf(t.external_ids.c.external_id, _Kind.EXACT)
_MEMBER_VALUE = _Leaf(t.memberships.c.user_id, _Kind.EXACT)

_u = t.users.c
_USERS = _Scope(
    name="users",
    attrs={
        "id": _Leaf(_u.user_id, _Kind.EXACT),
        "externalid": _Related(_USER_EXTERNAL_IDS, _EXTERNAL_ID),
        "username": _Leaf(_u.user_name_key, _Kind.KEY),
        "displayname": _text(_u.display_name),
        "nickname": _text(_u.nick_name),
        "title": _text(_u.title),
        "usertype": _text(_u.user_type),
        "preferredlanguage": _text(_u.preferred_language),
        "locale": _text(_u.locale),
        "timezone": _text(_u.timezone),
        "profileurl": _text(_u.profile_url),
        "active": _Leaf(_u.active, _Kind.BOOLEAN),
        "name.formatted": _text(_u.formatted_name),
        "name.familyname": _text(_u.family_name),
        "name.givenname": _text(_u.given_name),
        "name.middlename": _text(_u.middle_name),
        "name.honorificprefix": _text(_u.honorific_prefix),
        "name.honorificsuffix": _text(_u.honorific_suffix),
        "employeenumber": _text(_u.employee_number),
        "costcenter": _text(_u.cost_center),
        "organization": _text(_u.organization),
        "division": _text(_u.division),
        "department": _text(_u.department),
        "manager": _Leaf(_u.manager_id, _Kind.EXACT),
        "manager.value": _Leaf(_u.manager_id, _Kind.EXACT),
        "meta.created": _Leaf(_u.created_at, _Kind.DATETIME),
        "meta.lastmodified": _Leaf(_u.updated_at, _Kind.DATETIME),
        "emails": _Related(_EMAILS, _EMAIL_VALUE),
        "emails.value": _Related(_EMAILS, _EMAIL_VALUE),
        "emails.type": _Related(_EMAILS, _EMAIL_TYPE),
        "emails.display": _Related(_EMAILS, _EMAIL_DISPLAY),
        "emails.primary": _Related(_EMAILS, _EMAIL_PRIMARY),
    },
    core_urn=_USER_URN,
    extension=frozenset(
        {"employeenumber", "costcenter", "organization", "division", "department", "manager"}
    ),
    value_paths={
        "emails": (
            _EMAILS,
            _Scope(
                "users.emails",
                {
                    "value": _EMAIL_VALUE,
                    "type": _EMAIL_TYPE,
                    "display": _EMAIL_DISPLAY,
                    "primary": _EMAIL_PRIMARY,
                },
            ),
        )
    },
    unsupported=frozenset(
        {
            "phonenumbers",
            "addresses",
            "ims",
            "photos",
            "entitlements",
            "roles",
            "x509certificates",
            "groups",
            "password",
        }
    ),
)

_g = t.groups.c
_GROUPS = _Scope(
    name="groups",
    attrs={
        "id": _Leaf(_g.group_id, _Kind.EXACT),
        "externalid": _Related(_GROUP_EXTERNAL_IDS, _EXTERNAL_ID),
        "displayname": _Leaf(_g.display_name_key, _Kind.KEY),
        "meta.created": _Leaf(_g.created_at, _Kind.DATETIME),
        "meta.lastmodified": _Leaf(_g.updated_at, _Kind.DATETIME),
        "members": _Related(_MEMBERS, _MEMBER_VALUE),
        "members.value": _Related(_MEMBERS, _MEMBER_VALUE),
    },
    core_urn=_GROUP_URN,
    value_paths={"members": (_MEMBERS, _Scope("groups.members", {"value": _MEMBER_VALUE}))},
)


# -- public API --------------------------------------------------------------------------


def parse_filter(text: str) -> FilterNode:
    """The syntax tree of a filter; ``FilterError`` if it is not one.

    Strict RFC syntax first; if that fails, once more with bare-word values quoted, which
    Microsoft Entra's test collection relies on. Errors always describe ``text`` itself.
    """
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError(
            f"the filter is {len(text)} characters long; the limit is {MAX_FILTER_LENGTH}"
        )
    simple = _SIMPLE_COMPARISON.fullmatch(text)
    if simple:
        attr, sub_attr, op, value = simple.groups()
        return Comparison(AttrPath(attr, sub_attr), CompareOperator(op.lower()), value)
    try:
        node = ScimFilter(text).ast
    except InvalidFilterException as error:
        quoted = _BARE_VALUE.sub(lambda m: m.group(1) + json.dumps(m.group(2)), text)
        if quoted == text:
            raise FilterError(str(error)) from error
        try:
            node = ScimFilter(quoted).ast
        except InvalidFilterException:
            raise FilterError(str(error)) from error
    _check_cost(node)
    return node


def _check_cost(node: FilterNode) -> None:
    """Refuse a filter with more comparisons or value paths than the budget allows.

    Iterative: the tree is already bounded in depth by the parser, not in breadth.
    """
    comparisons = value_paths = 0
    pending: list[FilterNode] = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, Comparison | Present):
            comparisons += 1
        elif isinstance(current, Not):
            pending.append(current.expr)
        elif isinstance(current, LogicalExpr):
            pending.extend(current.terms)
        elif isinstance(current, ValuePath):
            value_paths += 1
            pending.append(current.val_filter)
    if comparisons > MAX_FILTER_COMPARISONS:
        raise FilterError(
            f"the filter has {comparisons} comparisons; the limit is {MAX_FILTER_COMPARISONS}"
        )
    if value_paths > MAX_FILTER_VALUE_PATHS:
        raise FilterError(
            f"the filter has {value_paths} value paths; the limit is {MAX_FILTER_VALUE_PATHS}"
        )


def is_key_lookup(text: str, resource_type: str) -> bool:
    """Whether a filter is one ``eq`` on a key the store looks up by index (``id``, a
    user's ``userName``, a group's ``displayName``), so it selects at most one row.

    Read without the grammar, like the common comparison in ``parse_filter``: this decides
    where a request runs, before anything else is done with it.
    """
    simple = _SIMPLE_COMPARISON.fullmatch(text)
    if not simple or simple.group(2) is not None or simple.group(3).lower() != "eq":
        return False
    keys = _USER_KEYS if resource_type == USER else _GROUP_KEYS
    return simple.group(1).lower() in keys


@dataclass(frozen=True)
class BoundFilter:
    """A filter as a condition whose operands are bound parameters, and their values.

    Filters that differ only in their values (``userName eq "a"``, ``userName eq "b"``)
    have one ``shape`` and share one ``condition`` object: it is compiled once per
    process, and a statement built on it can be kept and run again with other
    ``params`` (building a statement costs more than the lookup it runs).
    """

    shape: FilterNode
    """The filter with each value replaced by its ``_Operand``: a cache key."""
    condition: ColumnElement[bool]
    params: Mapping[str, Any]


def user_filter(scim_filter: str | FilterNode) -> BoundFilter:
    """A filter (its text, or the tree ``parse_filter`` made of it) on ``identity_users``
    rows and their e-mails and external ids."""
    return _bound(_USERS, scim_filter)


def group_filter(scim_filter: str | FilterNode) -> BoundFilter:
    """A filter on ``identity_groups`` rows and their members and external ids."""
    return _bound(_GROUPS, scim_filter)


def user_sort_column(attr_path: str) -> ColumnElement[Any]:
    """What to ORDER BY for a SCIM ``sortBy`` on users; the caller picks the direction.

    Case-insensitive attributes sort case-insensitively (RFC 7644 §3.4.2.3).
    ``ValidationError`` (field ``sortBy``) for multi-valued or unknown attributes.
    """
    return _sort_column(_USERS, attr_path)


def group_sort_column(attr_path: str) -> ColumnElement[Any]:
    """What to ORDER BY for a SCIM ``sortBy`` on groups (see ``user_sort_column``)."""
    return _sort_column(_GROUPS, attr_path)


# -- compilation -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Operand:
    """What stands for a comparison's value in a filter's shape: the value's place among
    the filter's values, and what of the value decides the SQL (its type; for a string,
    whether it is empty)."""

    index: int
    type: type
    empty: bool


_Prepare = Callable[[Any], Any]
"""Checks a value and turns it into what is bound (a folded key, a LIKE pattern, a UTC
datetime); raises ``FilterError`` for a value its type cannot take."""


@dataclass(frozen=True)
class _Shape:
    """A compiled shape: the condition, and how each bound parameter gets its value."""

    condition: ColumnElement[bool]
    binds: tuple[tuple[str, int, _Prepare], ...]  # (parameter, operand index, prepare)

    def params(self, values: list[Any]) -> dict[str, Any]:
        return {name: prepare(values[index]) for name, index, prepare in self.binds}


_SHAPES: Lru[tuple[str, FilterNode], _Shape] = Lru(FILTER_SHAPES_KEPT)


def _bound(scope: _Scope, scim_filter: str | FilterNode) -> BoundFilter:
    """A filter bound to its values, its shape compiled once (an error never is kept)."""
    node = parse_filter(scim_filter) if isinstance(scim_filter, str) else scim_filter
    values: list[Any] = []
    shape = _Shaper(values).visit(node)
    key = (scope.name, shape)
    compiled = _SHAPES.get(key)
    if compiled is None:
        binder = _Binder(values)
        compiled = _Shape(_Compiler(scope, binder).visit(shape), tuple(binder.binds))
        params = compiled.params(values)  # the values' own checks, before keeping it
        _SHAPES.put(key, compiled)
        return BoundFilter(shape, compiled.condition, params)
    return BoundFilter(shape, compiled.condition, compiled.params(values))


class _Shaper(FilterVisitor[FilterNode]):
    """The filter with each value but null replaced by an ``_Operand``, collected in
    ``values`` in the order of the tree."""

    def __init__(self, values: list[Any]) -> None:
        self.values = values

    def visit_comparison(self, node: Comparison) -> FilterNode:
        if node.value is None:
            return node
        operand = _Operand(len(self.values), type(node.value), node.value == "")
        self.values.append(node.value)
        return replace(node, value=operand)

    def visit_present(self, node: Present) -> FilterNode:
        return node

    def visit_not(self, node: Not) -> FilterNode:
        return replace(node, expr=self.visit(node.expr))

    def visit_logical_expr(self, node: LogicalExpr) -> FilterNode:
        return replace(node, terms=tuple(self.visit(term) for term in node.terms))

    def visit_value_path(self, node: ValuePath) -> FilterNode:
        if node.sub_attr is not None:  # said here, where the node still has its values
            raise FilterError(f"'{node}' is a PATCH path, not a filter")
        return replace(node, val_filter=self.visit(node.val_filter))


class _Binder:
    """The bound parameters of one compilation; the values, for its error messages."""

    def __init__(self, values: list[Any]) -> None:
        self.values = values
        self.binds: list[tuple[str, int, _Prepare]] = []

    def value(self, operand: _Operand) -> Any:
        return self.values[operand.index]

    def bind(
        self, operand: _Operand, type_: TypeEngine[Any], prepare: _Prepare
    ) -> BindParameter[Any]:
        name = f"filter_{len(self.binds)}"
        self.binds.append((name, operand.index, prepare))
        return bindparam(name, type_=type_)


class _Compiler(FilterVisitor[ColumnElement[bool]]):
    """Turns a filter's shape into a condition over the rows of one scope."""

    def __init__(self, scope: _Scope, binder: _Binder, prefix: str = "") -> None:
        self.scope = scope
        self.binder = binder
        self.prefix = prefix  # the enclosing value path, for error messages

    def visit_comparison(self, node: Comparison) -> ColumnElement[bool]:
        name = self.prefix + str(node.attr_path)
        target = _resolve(self.scope, node.attr_path, name)
        compare = partial(_compare, binder=self.binder, name=name, operand=node.value)
        if isinstance(target, _Leaf):
            return compare(target, op=node.op)
        if node.op is CompareOperator.ne or (node.op is CompareOperator.eq and node.value is None):
            # Universal: no value equals the operand / no value is present.
            inverse = CompareOperator.eq if node.op is CompareOperator.ne else CompareOperator.ne
            return not_(target.rows.exists(compare(target.leaf, op=inverse)))
        return target.rows.exists(compare(target.leaf, op=node.op))

    def visit_present(self, node: Present) -> ColumnElement[bool]:
        name = self.prefix + str(node.attr_path)
        target = _resolve(self.scope, node.attr_path, name)
        if isinstance(target, _Leaf):
            return _present(target)
        return target.rows.exists(_present(target.leaf))

    def visit_not(self, node: Not) -> ColumnElement[bool]:
        return not_(self.visit(node.expr))

    def visit_logical_expr(self, node: LogicalExpr) -> ColumnElement[bool]:
        combine = and_ if node.op is LogicalOperator.and_ else or_
        return combine(*(self.visit(term) for term in node.terms))

    def visit_value_path(self, node: ValuePath) -> ColumnElement[bool]:
        name = self.prefix + str(node.attr_path)
        key = _key(self.scope, node.attr_path, name)
        if key in self.scope.unsupported:
            raise FilterError(f"filtering on {node.attr_path.attr} is not supported")
        if key not in self.scope.value_paths:
            raise FilterError(f"'{name}' is not a multi-valued attribute that can be filtered")
        rows, inner = self.scope.value_paths[key]
        return rows.exists(_Compiler(inner, self.binder, f"{name}.").visit(node.val_filter))


def _key(scope: _Scope, path: AttrPath, name: str) -> str:
    """The scope's key for a path, checking its schema URN."""
    head = path.attr.lower()
    if path.uri is not None:
        expected = _ENTERPRISE_URN if head in scope.extension else scope.core_urn
        if expected is None or path.uri.lower() != expected.lower():
            raise FilterError(f"unknown attribute '{name}'")
    return head if path.sub_attr is None else f"{head}.{path.sub_attr.lower()}"


def _resolve(scope: _Scope, path: AttrPath, name: str) -> _Leaf | _Related:
    key = _key(scope, path, name)
    if path.attr.lower() in scope.unsupported:
        raise FilterError(f"filtering on {path.attr} is not supported")
    target = scope.attrs.get(key)
    if target is not None:
        return target
    if any(known.startswith(f"{key}.") for known in scope.attrs):
        raise FilterError(f"'{name}' is a complex attribute: name one of its sub-attributes")
    raise FilterError(f"unknown attribute '{name}'")


def _present(leaf: _Leaf) -> ColumnElement[bool]:
    present = leaf.column.is_not(None)
    return and_(present, leaf.column != "") if leaf.kind in _STRING_KINDS else present


def _compare(
    leaf: _Leaf, *, op: CompareOperator, binder: _Binder, name: str, operand: _Operand | None
) -> ColumnElement[bool]:
    """A comparison that is never SQL NULL, so ``not`` is its exact complement."""
    if operand is None:
        if op is CompareOperator.eq:
            return not_(_present(leaf))
        if op is CompareOperator.ne:
            return _present(leaf)
        raise FilterError(f"'{name}' can be compared with null only by eq or ne")
    condition = _condition(leaf, op, binder, name, operand)
    if not leaf.column.nullable:
        return condition
    if op is CompareOperator.ne:
        return or_(leaf.column.is_(None), condition)
    return and_(leaf.column.is_not(None), condition)


def _condition(
    leaf: _Leaf, op: CompareOperator, binder: _Binder, name: str, operand: _Operand
) -> ColumnElement[bool]:
    """The comparison on a non-NULL column value; what the operand's type decides is
    checked here, what its content decides by the ``_Prepare`` of its parameter."""
    column = leaf.column
    if leaf.kind is _Kind.BOOLEAN:
        if op not in (CompareOperator.eq, CompareOperator.ne):
            raise FilterError(f"'{name}' is a boolean: {op.value} does not apply")
        if operand.type is not bool:
            raise FilterError(f"'{name}' expects true or false, got {_show(binder.value(operand))}")
        value = binder.bind(operand, column.type, _as_is)
        return column == value if op is CompareOperator.eq else column != value
    if leaf.kind is _Kind.DATETIME:
        if op in STRING_OPERATORS:
            raise FilterError(f"'{name}' is a dateTime: {op.value} does not apply")
        return _order(column, op, binder.bind(operand, column.type, partial(_datetime, name)))
    if operand.type is not str:
        raise FilterError(f"'{name}' expects a string, got {_show(binder.value(operand))}")
    storable = partial(_storable, name)
    if leaf.kind is _Kind.EXACT:
        if op in STRING_OPERATORS:
            return _exact_match(column, op, binder, operand, storable)
        return _order(column, op, binder.bind(operand, column.type, storable))
    fold: Callable[[str], str] = unique_key if leaf.kind is _Kind.KEY else str.lower
    expression = column if leaf.kind is _Kind.KEY else func.lower(column)
    if op in STRING_OPERATORS:
        pattern = partial(_like_pattern, op, fold, storable)
        return expression.like(binder.bind(operand, String(), pattern), escape="\\")
    return _order(expression, op, binder.bind(operand, String(), lambda v: fold(storable(v))))


def _order(
    expression: ColumnElement[Any], op: CompareOperator, operand: BindParameter[Any]
) -> ColumnElement[bool]:
    match op:
        case CompareOperator.eq:
            return expression == operand
        case CompareOperator.ne:
            return expression != operand
        case CompareOperator.gt:
            return expression > operand
        case CompareOperator.ge:
            return expression >= operand
        case CompareOperator.lt:
            return expression < operand
        case _:
            return expression <= operand


def _like_pattern(
    op: CompareOperator, fold: Callable[[str], str], storable: _Prepare, value: str
) -> str:
    escaped = fold(storable(value)).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {
        CompareOperator.co: f"%{escaped}%",
        CompareOperator.sw: f"{escaped}%",
        CompareOperator.ew: f"%{escaped}",
    }[op]


def _exact_match(
    column: Column[Any],
    op: CompareOperator,
    binder: _Binder,
    operand: _Operand,
    storable: _Prepare,
) -> ColumnElement[bool]:
    """Case-sensitive co/sw/ew; not LIKE, which ignores ASCII case on SQLite."""
    if op is CompareOperator.co and operand.empty:
        return true()
    text = binder.bind(operand, column.type, storable)
    if op is CompareOperator.sw:
        return func.substr(column, 1, binder.bind(operand, Integer(), len)) == text
    if op is CompareOperator.ew:
        length = binder.bind(operand, Integer(), len)
        return func.substr(column, func.length(column) - length + 1) == text
    return func.replace(column, text, "") != column


def _as_is(value: Any) -> Any:
    return value


def _storable(name: str, value: str) -> str:
    """A string operand the store can take (a number or boolean against a string is a
    type error, RFC 7644 §3.4.2.2, refused before: ``_condition``)."""
    if _UNSTORABLE.search(value):
        raise FilterError(f"'{name}': the value contains a NUL or an unpaired surrogate")
    return value


def _datetime(name: str, value: Any) -> datetime:
    """A UTC datetime (SQLite stores times without their offset, all in UTC).

    ``fromisoformat`` accepts offsets, ``Z`` and fractions longer than microseconds
    (truncated), e.g. Entra's ``2015-10-10T14:38:21.8617979-07:00``; no offset means UTC.
    """
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise FilterError(
            f"'{name}' expects a dateTime such as 2015-10-10T14:38:21Z, got {_show(value)}"
        ) from None


def _show(value: Any) -> str:
    return json.dumps(value, default=str)


def _sort_column(scope: _Scope, attr_path: str) -> ColumnElement[Any]:
    try:
        path = Path(attr_path).ast
    except InvalidPathException:
        raise ValidationError("sortBy", f"{attr_path!r} is not an attribute path") from None
    if not isinstance(path, AttrPath):
        raise ValidationError("sortBy", f"{attr_path!r} is not an attribute path")
    if path.attr.lower() in scope.unsupported:
        raise ValidationError("sortBy", f"sorting by {path.attr} is not supported")
    try:
        target = _resolve(scope, path, attr_path)
    except FilterError as error:
        raise ValidationError("sortBy", error.reason) from None
    if not isinstance(target, _Leaf):
        raise ValidationError("sortBy", f"sorting by {attr_path} is not supported")
    return func.lower(target.column) if target.kind is _Kind.TEXT else target.column
