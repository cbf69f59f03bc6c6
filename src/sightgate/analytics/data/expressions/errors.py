"""The one error a calculated field can fail with, and where in its text it failed."""

from __future__ import annotations

from dataclasses import dataclass

from sightgate.platform.errors import ValidationError


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in an expression's text (what an author's editor shows)."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


class ExpressionError(ValidationError):
    """A calculated field that cannot be compiled: a syntax error, an unknown column or
    parameter, a type error, an unsupported function or a limit. The message names the
    problem and its position (``unsupported function 'foo' at 1:5``); never a cell value,
    since an expression only ever sees the columns' names and types."""

    def __init__(self, field: str, message: str, position: Position | None = None) -> None:
        super().__init__(field, f"{message} at {position}" if position else message)
        self.position = position
