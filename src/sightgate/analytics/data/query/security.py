"""Row- and column-level security as values and tree rewrites (no I/O).

**Row rules** (``RowLevelPermissionDataSet``): the rules dataset names principals —
``UserName``/``GroupName`` resolved in the rule's namespace (``VERSION_1``; default
"default"), or ``UserARN``/``GroupARN`` (``VERSION_2``) — and has one more column per
restricted dataset column. A row applies to a viewer when its user cell is the viewer or
its group cell is one of the viewer's groups now. In a restricted column, NULL or "" means
all values and a comma-separated cell lists several (spaces are kept: values match
exactly, case-sensitively). The columns of one row combine with AND, the viewer's rows
with OR; duplicate rows count once; more than ``MAX_RULES`` rows for one viewer is an
error. ``GRANT_ACCESS``: the viewer sees the rows some rule allows, and none without a
rule. ``DENY_ACCESS`` (AWS keeps it for old datasets): the viewer sees the rows no rule
matches, everything without a rule, and nothing under a rule whose cells are all empty.

Rules are indexed by principal once per rules version (``RuleIndex``), so a viewer's
predicate costs a few dictionary lookups and one node per distinct value: rows that
restrict a single column merge into one ``IN`` list per column.

**Tag rules** (``RowLevelPermissionTagConfiguration``) apply to anonymous sessions: each
tag rule maps a session tag to a column (its value split by ``TagMultiValueDelimiter``,
``MatchAllValue`` meaning all values). ``TagRuleConfigurations`` lists sets of tag keys:
a set applies only when the session has every key in it; the rules of one set AND, the
applicable sets OR; no applicable set (a missing tag) means no rows.

**Column rules** (``ColumnLevelPermissionRules``): a restricted column is visible only to
the user or group ARNs of a rule that names it; anonymous sessions never see one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from sightgate.analytics.data.model import (
    AnonymousViewer,
    Column,
    ColumnType,
    DataSet,
    FormatVersion,
    MatchedRule,
    PermissionPolicy,
    RowLevelPermissionDataSet,
    RowLevelPermissionTagConfiguration,
    Value,
)
from sightgate.analytics.data.query.compile import bound
from sightgate.analytics.data.query.plan import column
from sightgate.analytics.principals.model import UserPrincipal
from sightgate.platform.errors import QuotaExceededError, ValidationError

Viewer = UserPrincipal | AnonymousViewer

MAX_RULES = 999
"""Most distinct rule rows that may apply to one viewer (AWS's documented limit)."""

DEFAULT_NAMESPACE = "default"

_PRINCIPAL_COLUMNS: Mapping[FormatVersion, tuple[str, str]] = {
    FormatVersion.VERSION_1: ("UserName", "GroupName"),
    FormatVersion.VERSION_2: ("UserARN", "GroupARN"),
}


# -- row rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    """One rule: the restricted columns' cells as written, and the value sets of those
    it restricts (a cell that is not empty)."""

    cells: tuple[tuple[str, str | None], ...]
    restricted: tuple[tuple[str, frozenset[str]], ...]


@dataclass(frozen=True)
class ViewerRules:
    """The rules that apply to one viewer, and who they came through (for explain)."""

    rows: tuple[RuleRow, ...]
    via: tuple[str, ...]

    def matched(self) -> tuple[MatchedRule, ...]:
        return tuple(
            MatchedRule(via, dict(row.cells)) for via, row in zip(self.via, self.rows, strict=True)
        )


@dataclass(frozen=True)
class PrincipalKeys:
    """How a viewer is named in a rules dataset: the user cell and group cells that are
    theirs (empty: the viewer cannot match any rule)."""

    user: str | None
    groups: tuple[str, ...]


def principal_columns(version: FormatVersion) -> tuple[str, str]:
    """The user and group column names of a rules dataset of ``version``."""
    return _PRINCIPAL_COLUMNS[version]


def principal_keys(viewer: Viewer, rls: RowLevelPermissionDataSet) -> PrincipalKeys:
    """The viewer's names in rules of ``rls``'s format: VERSION_1 names count only in the
    rule's namespace; anonymous sessions have none."""
    if isinstance(viewer, AnonymousViewer):
        return PrincipalKeys(None, ())
    if rls.format_version is FormatVersion.VERSION_2:
        return PrincipalKeys(viewer.arn, tuple(group.arn for group in viewer.groups))
    if viewer.namespace != (rls.namespace or DEFAULT_NAMESPACE):
        return PrincipalKeys(None, ())
    return PrincipalKeys(viewer.user_name, tuple(group.name for group in viewer.groups))


def rule_columns(columns: Sequence[str], version: FormatVersion) -> tuple[str, ...]:
    """The restricted columns of a rules dataset with ``columns``: all but the principal
    columns (``ValidationError`` when it has neither principal column)."""
    user, group = principal_columns(version)
    if user not in columns and group not in columns:
        raise ValidationError(
            "RowLevelPermissionDataSet",
            f"the rules dataset needs a {user} or {group} column ({version})",
        )
    return tuple(name for name in columns if name not in (user, group))


def _cell(value: Value) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text or None


def rule_row(cells: Iterable[tuple[str, Value]]) -> RuleRow:
    """A rule from its restricted columns' cells."""
    raw = tuple((name, _cell(value)) for name, value in cells)
    restricted = tuple((name, frozenset(cell.split(","))) for name, cell in raw if cell is not None)
    return RuleRow(raw, restricted)


class RuleIndex:
    """The rows of one rules dataset version, indexed by the principal they name."""

    def __init__(self, columns: Sequence[str], version: FormatVersion) -> None:
        self.restricted = rule_columns(columns, version)
        self._user_column, self._group_column = principal_columns(version)
        self._positions = {name: index for index, name in enumerate(columns)}
        self.by_user: dict[str, list[RuleRow]] = {}
        self.by_group: dict[str, list[RuleRow]] = {}
        self._rules: dict[tuple[tuple[str, str | None], ...], RuleRow] = {}

    def add(self, row: Sequence[Value]) -> None:
        """Index one row of the rules dataset (cells in ``columns`` order). Equal rules
        are one object, so a viewer's duplicates are found by identity."""
        cells = tuple((name, _cell(row[self._positions[name]])) for name in self.restricted)
        rule = self._rules.get(cells)
        if rule is None:
            rule = self._rules[cells] = rule_row(cells)
        principals = ((self._user_column, self.by_user), (self._group_column, self.by_group))
        for principal, index in principals:
            position = self._positions.get(principal)
            key = _cell(row[position]) if position is not None else None
            if key is not None:
                index.setdefault(key, []).append(rule)

    def check(self, data_set: DataSet) -> None:
        """``ValidationError`` unless every restricted column is a column of
        ``data_set`` (the dataset these rules secure)."""
        known = {c.name for c in data_set.output_columns}
        for name in self.restricted:
            if name not in known:
                raise ValidationError(
                    "RowLevelPermissionDataSet",
                    f"the rules dataset's column {name!r} is not a column of the dataset",
                )

    def for_viewer(self, keys: PrincipalKeys) -> ViewerRules:
        """The distinct rules naming the viewer or one of their groups."""
        seen: dict[int, tuple[RuleRow, str]] = {}
        if keys.user is not None:
            for rule in self.by_user.get(keys.user, ()):
                seen.setdefault(id(rule), (rule, f"user {keys.user}"))
        for group in keys.groups:
            for rule in self.by_group.get(group, ()):
                seen.setdefault(id(rule), (rule, f"group {group}"))
            if len(seen) > MAX_RULES:
                break
        if len(seen) > MAX_RULES:
            raise QuotaExceededError("row-level rule", MAX_RULES, "user")
        found = seen.values()
        return ViewerRules(tuple(r for r, _ in found), tuple(via for _, via in found))


def rule_filter(
    rules: Sequence[RuleRow], policy: PermissionPolicy, types: Mapping[str, ColumnType]
) -> exp.Expr:
    """The condition on the dataset's rows that ``rules`` (one viewer's) mean under
    ``policy`` (module docstring); ``types`` are the dataset's column types."""
    allowed = _any_rule(rules, types)
    if policy is PermissionPolicy.GRANT_ACCESS:
        return allowed if allowed is not None else exp.false()
    if allowed is None:  # no rule: nothing is denied
        return exp.true()
    # a row whose cell is NULL matches no deny rule: NULL counts as not matched
    return exp.not_(
        exp.Coalesce(this=exp.paren(allowed, copy=False), expressions=[exp.false()]), copy=False
    )


def _any_rule(rules: Sequence[RuleRow], types: Mapping[str, ColumnType]) -> exp.Expr | None:
    """OR over the rules (None when there is none), rules restricting the same columns
    merged first (``_merge``)."""
    if not rules:
        return None
    by_columns: dict[tuple[str, ...], list[dict[str, frozenset[str]]]] = {}
    for rule in rules:
        restricted = rule.restricted
        if not restricted:
            return exp.true()  # a rule with only empty cells allows every row
        by_columns.setdefault(tuple(n for n, _ in restricted), []).append(dict(restricted))
    terms = [
        exp.and_(*(_member(name, row[name], types) for name in names), copy=False)
        for names, rows in by_columns.items()
        for row in _merge(names, rows)
    ]
    return exp.or_(*terms, copy=False)


def _merge(
    names: tuple[str, ...], rows: list[dict[str, frozenset[str]]]
) -> list[dict[str, frozenset[str]]]:
    """Rules on the same columns that differ in one column only, as one rule:
    ``(A and x in S1) or (A and x in S2)`` is ``A and x in S1 | S2``. The column merged
    on is the one that leaves the fewest rules (all of them, for one column)."""
    best = rows
    for merged_name in names:
        others = tuple(n for n in names if n != merged_name)
        merged: dict[tuple[frozenset[str], ...], set[str]] = {}
        for row in rows:
            merged.setdefault(tuple(row[n] for n in others), set()).update(row[merged_name])
        if len(merged) < len(best):
            best = [
                {**dict(zip(others, key, strict=True)), merged_name: frozenset(values)}
                for key, values in merged.items()
            ]
    return best


def _member(name: str, values: Iterable[str], types: Mapping[str, ColumnType]) -> exp.Expr:
    """``name`` is one of ``values`` (compared as text; a number column's text form)."""
    this: exp.Expr = column(name)
    if types.get(name, ColumnType.STRING) is not ColumnType.STRING:
        this = exp.Cast(this=this, to=exp.DataType.build("TEXT"))
    ordered = sorted(values)
    if len(ordered) == 1:
        return exp.EQ(this=this, expression=bound(ordered[0]))
    return exp.In(this=this, expressions=[bound(value) for value in ordered])


# -- tag rules ----------------------------------------------------------------------------


def tag_filter(
    config: RowLevelPermissionTagConfiguration,
    viewer: AnonymousViewer,
    types: Mapping[str, ColumnType],
) -> tuple[exp.Expr, tuple[MatchedRule, ...]]:
    """The condition an anonymous session's tags give under ``config``, and the tags that
    applied (module docstring)."""
    rules_by_key: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for rule in config.tag_rules:
        if rule.column_name not in types:
            raise ValidationError(
                "RowLevelPermissionTagConfiguration",
                f"tag rule column {rule.column_name!r} is not a column of the dataset",
            )
        rules_by_key.setdefault(rule.tag_key, []).append(
            (rule.column_name, rule.tag_multi_value_delimiter, rule.match_all_value)
        )
    sets = config.tag_rule_configurations or (tuple(rules_by_key),)
    terms: list[exp.Expr] = []
    matched: dict[str, MatchedRule] = {}
    for keys in sets:
        unknown = [key for key in keys if key not in rules_by_key]
        if unknown:
            raise ValidationError(
                "RowLevelPermissionTagConfiguration",
                f"tag rule configuration names tag key {unknown[0]!r}, which no tag rule has",
            )
        if not keys or any(key not in viewer.tags for key in keys):
            continue
        parts: list[exp.Expr] = []
        for key in keys:
            value = viewer.tags[key]
            for name, delimiter, match_all in rules_by_key[key]:
                values = value.split(delimiter) if delimiter else [value]
                if match_all is not None and match_all in values:
                    continue
                parts.append(_member(name, set(values), types))
                matched.setdefault(key, MatchedRule(f"tag {key}", {name: value}))
        terms.append(exp.and_(*parts, copy=False) if parts else exp.true())
    return (exp.or_(*terms, copy=False) if terms else exp.false()), tuple(matched.values())


# -- column rules -------------------------------------------------------------------------


def hidden_columns(data_set: DataSet, viewer: Viewer) -> frozenset[str]:
    """The restricted columns ``viewer`` may not see."""
    allowed: dict[str, set[str]] = {}
    for rule in data_set.column_level_permission_rules:
        for name in rule.column_names:
            allowed.setdefault(name, set()).update(rule.principals)
    if isinstance(viewer, AnonymousViewer):
        return frozenset(allowed)
    principals = {viewer.arn, *(group.arn for group in viewer.groups)}
    return frozenset(name for name, who in allowed.items() if not who & principals)


def visible_columns(data_set: DataSet, viewer: Viewer) -> tuple[Column, ...]:
    """The dataset's schema as ``viewer`` sees it."""
    hidden = hidden_columns(data_set, viewer)
    return tuple(c for c in data_set.output_columns if c.name not in hidden)
