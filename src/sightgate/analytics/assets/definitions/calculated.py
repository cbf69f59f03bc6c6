"""The definition's calculated fields compiled by the data context's expression compiler,
each over its dataset's columns, the calculated fields it uses, and the parameters.

A calculated field may use others of the same dataset, so they are compiled in
dependency order (the ``{name}`` references in their text); a cycle, or a field whose
dependency failed, is reported once, at the root cause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sightgate.analytics.assets.definitions.data_sets import DeclaredDataSet
from sightgate.analytics.assets.definitions.inventory import CalculatedField, Inventory
from sightgate.analytics.assets.definitions.problems import ErrorType, Problem
from sightgate.analytics.data.expressions import (
    ExpressionError,
    ExpressionScope,
    compile_expression,
)
from sightgate.analytics.data.model import ColumnType

_REFERENCE = re.compile(r"\{([^{}]+)\}")
MAX_CHAIN = 100
"""How many calculated fields may build on one another (a guard for the recursion)."""


def check_calculated(found: Inventory, data_sets: Mapping[str, DeclaredDataSet]) -> list[Problem]:
    """A problem per calculated field that does not compile (its path's ``Expression``
    and the compiler's message); fields of an undeclared or missing dataset are left to
    the reference checks."""
    problems: list[Problem] = []
    by_data_set: dict[str, dict[str, CalculatedField]] = {}
    for field in found.calculated:
        by_data_set.setdefault(field.data_set, {}).setdefault(field.name, field)
    for identifier, fields in by_data_set.items():
        declared = data_sets.get(identifier)
        if declared is None or declared.columns is None:
            continue
        problems.extend(_compile_all(fields, declared.columns, found.parameters))
    return sorted(problems, key=lambda p: _order(found, p))


def _order(found: Inventory, problem: Problem) -> int:
    for index, field in enumerate(found.calculated):
        if problem.path.startswith(field.path + "."):
            return index
    return len(found.calculated)


def _compile_all(
    fields: Mapping[str, CalculatedField],
    columns: Mapping[str, ColumnType],
    parameters: Mapping[str, ColumnType],
) -> list[Problem]:
    scope: dict[str, ColumnType] = dict(columns)
    state: dict[str, str] = {}  # name -> "visiting" | "done" | "failed"
    problems: list[Problem] = []

    def visit(name: str, depth: int = 0) -> bool:
        """Compile ``name`` after its dependencies; whether it compiled."""
        if state.get(name) == "done":
            return True
        if state.get(name) in ("visiting", "failed"):
            if state[name] == "visiting":
                field = fields[name]
                problems.append(
                    Problem(
                        ErrorType.INTERNAL_FAILURE,
                        f"{field.path}.Expression",
                        f"calculated field {name!r} depends on itself",
                    )
                )
                state[name] = "failed"
            return False
        field = fields[name]
        if depth > MAX_CHAIN:
            problems.append(
                Problem(
                    ErrorType.INTERNAL_FAILURE,
                    f"{field.path}.Expression",
                    f"calculated fields build on each other more than {MAX_CHAIN} deep",
                )
            )
            state[name] = "failed"
            return False
        state[name] = "visiting"
        for used in _REFERENCE.findall(field.expression):
            if used in fields and used != name and not visit(used, depth + 1):
                if state[name] == "visiting":
                    state[name] = "failed"
                return False
        if state[name] != "visiting":
            return False
        try:
            compiled = compile_expression(
                field.expression,
                ExpressionScope(columns=scope, parameters=parameters),
                f"{field.path}.Expression",
            )
        except ExpressionError as error:
            problems.append(Problem(ErrorType.INTERNAL_FAILURE, error.field, error.reason))
            state[name] = "failed"
            return False
        scope[name] = compiled.type
        state[name] = "done"
        return True

    for name in fields:
        visit(name)
    return problems
