"""What a definition check finds, and what a validation strategy does with it.

``STRICT`` (the default, as in QuickSight) refuses the write with the first problem as an
``InvalidParameterValueException`` naming its JSON path; ``LENIENT`` stores the
definition and reports every problem as the API's ``Errors``
(``[{Type, Message, ViolatedEntities: [{Path}]}]``). A definition that is not the
right shape at all (a list where an object goes, a visual with no id) is refused under
either strategy: there would be nothing to store it as.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sightgate.analytics.directory.model import parse_enum
from sightgate.platform.errors import ValidationError

MAX_ERRORS = 200
"""Problems reported per version under LENIENT (the model's ``EntityList`` holds 200)."""


class ErrorType(StrEnum):
    """The members of ``DashboardErrorType`` / ``AnalysisErrorType`` a check reports."""

    DATA_SET_NOT_FOUND = "DATA_SET_NOT_FOUND"
    """An undeclared ``DataSetIdentifier``, or a declared ``DataSetArn`` naming nothing."""
    COLUMN_REPLACEMENT_MISSING = "COLUMN_REPLACEMENT_MISSING"
    """A column the dataset does not have (nor a calculated field of the definition)."""
    PARAMETER_NOT_FOUND = "PARAMETER_NOT_FOUND"
    """A parameter name no ``ParameterDeclarations`` entry declares."""
    SOURCE_NOT_FOUND = "SOURCE_NOT_FOUND"
    """A filter, visual, sheet, field or layout element that is referenced but absent."""
    INTERNAL_FAILURE = "INTERNAL_FAILURE"
    """Anything else the definition gets wrong: a duplicate id, a calculated field that
    does not compile."""


class Strategy(StrEnum):
    """``ValidationStrategy.Mode``."""

    STRICT = "STRICT"
    LENIENT = "LENIENT"


@dataclass(frozen=True)
class Problem:
    """One problem: the JSON path of the member at fault and what is wrong with it."""

    type: ErrorType
    path: str
    message: str

    def to_json(self) -> dict[str, Any]:
        """The API's ``DashboardError`` / ``AnalysisError``."""
        return {
            "Type": self.type.value,
            "Message": f"{self.path}: {self.message}",
            "ViolatedEntities": [{"Path": self.path}],
        }


def parse_strategy(value: object) -> Strategy:
    """``ValidationStrategy`` ({"Mode": ...}) as a strategy; STRICT when not given."""
    if value is None:
        return Strategy.STRICT
    if not isinstance(value, dict):
        raise ValidationError("ValidationStrategy", "must be an object with Mode")
    return parse_enum(Strategy, value.get("Mode"), "ValidationStrategy.Mode")


def settle(problems: Sequence[Problem], strategy: Strategy) -> list[dict[str, Any]]:
    """Under STRICT, raise the first problem (``ValidationError`` on its path); under
    LENIENT, the problems as the API's ``Errors`` list (at most ``MAX_ERRORS``)."""
    if problems and strategy is Strategy.STRICT:
        first = problems[0]
        raise ValidationError(first.path, first.message)
    return [problem.to_json() for problem in problems[:MAX_ERRORS]]
