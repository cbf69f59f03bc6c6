"""A definition's ``ParameterDeclarations`` and the values a viewer gives them.

Each parameter's value is, in order: the value given for it; else its
``DefaultValues.StaticValues`` (all of them when ``MULTI_VALUED``, the first otherwise);
else nothing (NULL, or no values). A value given explicitly as nothing (``None`` or an
empty list: the viewer cleared the control) takes ``ValueWhenUnset``: its
``CustomValue``, NULL for ``NULL``, the default for ``RECOMMENDED_VALUE``. A
``DynamicValue`` or ``RollingDate`` default (per-user values from a dataset, a date
expression) is not computed: a visual that uses such a parameter without a value given
answers ``unsupported``.

Values given as text (a URL, the CLI) are read as the parameter's type; a value that is
not of it is a ``ValidationError`` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sightgate.analytics.data.model import ColumnType, Value
from sightgate.analytics.data.query.compile import coerce
from sightgate.platform.errors import ValidationError

from .model import UnsupportedError
from .times import to_datetime

KINDS: Mapping[str, ColumnType] = {
    "StringParameterDeclaration": ColumnType.STRING,
    "IntegerParameterDeclaration": ColumnType.INTEGER,
    "DecimalParameterDeclaration": ColumnType.DECIMAL,
    "DateTimeParameterDeclaration": ColumnType.DATETIME,
}

ParameterValue = Value | tuple[Value, ...]


@dataclass(frozen=True)
class Parameter:
    name: str
    type: ColumnType
    multi: bool
    value: ParameterValue
    unsupported: str | None = None
    """Why the value could not be computed (a dynamic default)."""

    def values(self) -> tuple[Value, ...]:
        """The value(s) as a tuple, NULLs left out."""
        given = self.value if isinstance(self.value, tuple) else (self.value,)
        return tuple(v for v in given if v is not None)

    def require(self) -> ParameterValue:
        """The value, or ``UnsupportedError`` when it could not be computed."""
        if self.unsupported is not None:
            raise UnsupportedError(self.unsupported)
        return self.value


def resolve(declarations: object, given: Mapping[str, Any]) -> dict[str, Parameter]:
    """Every declared parameter with its value (module docstring)."""
    parameters: dict[str, Parameter] = {}
    for index, declaration in enumerate(declarations if isinstance(declarations, list) else []):
        where = f"ParameterDeclarations.{index}"
        kind, body = _variant(declaration, where)
        name = body.get("Name")
        if not isinstance(name, str):
            raise ValidationError(where, "a parameter needs a Name")
        type_ = KINDS[kind]
        multi = body.get("ParameterValueType") == "MULTI_VALUED"
        parameters[name] = _parameter(name, type_, multi, body, given)
    unknown = sorted(set(given) - set(parameters))
    if unknown:
        raise ValidationError("Parameters", f"no parameter {unknown[0]!r} is declared")
    return parameters


def _variant(declaration: object, where: str) -> tuple[str, Mapping[str, Any]]:
    if isinstance(declaration, Mapping) and len(declaration) == 1:
        ((kind, body),) = declaration.items()
        if kind in KINDS and isinstance(body, Mapping):
            return kind, body
    raise ValidationError(where, f"one of {', '.join(KINDS)} is required")


def _parameter(
    name: str, type_: ColumnType, multi: bool, body: Mapping[str, Any], given: Mapping[str, Any]
) -> Parameter:
    where = f"Parameters.{name}"
    if name in given and not _unset(given[name]):
        return Parameter(name, type_, multi, _typed(given[name], type_, multi, where))
    defaults = body.get("DefaultValues")
    if name in given:
        unset = body.get("ValueWhenUnset")
        if isinstance(unset, Mapping):
            if "CustomValue" in unset:
                return Parameter(
                    name, type_, multi, _typed(unset["CustomValue"], type_, multi, where)
                )
            if unset.get("ValueWhenUnsetOption") != "RECOMMENDED_VALUE":
                return Parameter(name, type_, multi, () if multi else None)
    if isinstance(defaults, Mapping):
        if "StaticValues" in defaults:
            return Parameter(
                name, type_, multi, _typed(defaults["StaticValues"], type_, multi, where)
            )
        for dynamic in ("DynamicValue", "RollingDate"):
            if dynamic in defaults:
                return Parameter(
                    name,
                    type_,
                    multi,
                    () if multi else None,
                    f"parameter {name!r}: a {dynamic} default is not supported",
                )
    return Parameter(name, type_, multi, () if multi else None)


def _unset(value: object) -> bool:
    return value is None or (
        isinstance(value, Sequence) and not isinstance(value, str) and not value
    )


def _typed(value: object, type_: ColumnType, multi: bool, where: str) -> ParameterValue:
    items = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    typed = tuple(_one(item, type_, where) for item in items)
    if multi:
        return typed
    if len(typed) > 1:
        raise ValidationError(where, "the parameter takes one value")
    return typed[0] if typed else None


def _one(value: object, type_: ColumnType, where: str) -> Value:
    if value is None:
        return None
    if type_ is ColumnType.DATETIME:
        return to_datetime(value, where)
    if not isinstance(value, str | int | float | bool):
        raise ValidationError(where, f"a value is not a {type_}")
    return coerce(value, type_, where)
