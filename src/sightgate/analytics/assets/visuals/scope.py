"""The names a visual's expressions may use on its dataset: the dataset's columns as the
viewer sees them (column-level security applied, so a hidden column is as unknown as a
missing one), the definition's ``CalculatedFields`` for the dataset's identifier, and the
declared parameters.

A calculated field is compiled by substitution: ``{X}`` (or the bare name ``X``) in any
expression of the visual becomes ``(X's expression)``, recursively, so the engine compiles
one expression per field and the field's aggregation is whatever the text says. Each
calculated field is compiled on its own first, so an error names the field it is in; an
unsupported function or calculation level makes the visual ``unsupported``.
"""

from __future__ import annotations

from collections.abc import Mapping

from lark import Token

from sightgate.analytics.data.expressions import (
    CompiledExpression,
    ExpressionError,
    ExpressionScope,
    compile_expression,
)
from sightgate.analytics.data.expressions.grammar import parse
from sightgate.analytics.data.model import ColumnType
from sightgate.platform.errors import ValidationError

from .model import UnsupportedError

_UNSUPPORTED_MARKS = ("unsupported function", "is not supported")


class FieldScope:
    """One dataset identifier's columns, calculated fields and parameters, for one viewer."""

    def __init__(
        self,
        identifier: str,
        visible: Mapping[str, ColumnType],
        calculated: Mapping[str, str],
        parameters: Mapping[str, ColumnType],
        unsupported_parameters: Mapping[str, str] | None = None,
    ) -> None:
        self.identifier = identifier
        self.unsupported_parameters = unsupported_parameters or {}
        self.visible = visible
        self.calculated = calculated
        self.parameters = parameters
        self._expanded: dict[str, str] = {}
        self._expanding: list[str] = []

    def has(self, name: str) -> bool:
        """Whether ``name`` is a column the viewer sees or a calculated field."""
        return name in self.calculated or name in self.visible

    def column(self, ref: object, where: str) -> str:
        """The expression for a ``ColumnIdentifier`` of this dataset."""
        if not isinstance(ref, Mapping):
            raise ValidationError(where, "a column needs DataSetIdentifier and ColumnName")
        identifier, name = ref.get("DataSetIdentifier"), ref.get("ColumnName")
        if not isinstance(name, str) or not isinstance(identifier, str):
            raise ValidationError(where, "a column needs DataSetIdentifier and ColumnName")
        if identifier != self.identifier:
            raise ValidationError(
                where,
                f"column {name!r} is of dataset {identifier!r}, not the visual's "
                f"{self.identifier!r}",
            )
        return self.reference(name, where)

    def reference(self, name: str, where: str) -> str:
        """The expression naming column or calculated field ``name``."""
        if name in self.calculated:
            return f"({self._calculated(name)})"
        if name not in self.visible or "{" in name or "}" in name:
            raise ValidationError(where, f"column {name!r} is not in dataset {self.identifier!r}")
        return "{" + name + "}"

    def expand(self, text: str, where: str) -> str:
        """``text`` with every calculated field it names replaced by its expression."""
        tree = parse(text, where)
        edits: list[tuple[int, int, str]] = []
        for node in tree.iter_subtrees():
            if node.data not in ("field", "name"):
                continue
            token = node.children[0]
            assert isinstance(token, Token)
            name = str(token)[1:-1] if node.data == "field" else str(token)
            if name in self.calculated:
                assert token.start_pos is not None and token.end_pos is not None
                edits.append((token.start_pos, token.end_pos, f"({self._calculated(name)})"))
        for start, end, replacement in sorted(edits, reverse=True):
            text = text[:start] + replacement + text[end:]
        return text

    def compile(self, text: str, where: str) -> CompiledExpression:
        """``text`` (already expanded) compiled against the viewer's columns; a parameter
        whose value could not be computed makes it unsupported."""
        scope = ExpressionScope(columns=self.visible, parameters=self.parameters)
        try:
            compiled = compile_expression(text, scope, field=where)
        except ExpressionError as error:
            if any(mark in error.reason for mark in _UNSUPPORTED_MARKS):
                raise UnsupportedError(error.message) from None
            raise
        for name in sorted(compiled.parameters):
            if name in self.unsupported_parameters:
                raise UnsupportedError(f"{where}: {self.unsupported_parameters[name]}")
        return compiled

    def _calculated(self, name: str) -> str:
        done = self._expanded.get(name)
        if done is not None:
            return done
        where = f"CalculatedFields.{name}"
        if name in self._expanding:
            raise ValidationError(where, "the calculated field refers to itself")
        self._expanding.append(name)
        try:
            expanded = self.expand(self.calculated[name], where)
            self.compile(expanded, where)
        finally:
            self._expanding.pop()
        self._expanded[name] = expanded
        return expanded
