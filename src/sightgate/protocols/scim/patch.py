"""SCIM PATCH (RFC 7644 §3.5.2) on canonical resource dicts, plus group member operations.

User attributes and group attributes are patched in memory on the resource's canonical
dict, under the service's row lock, then stored as a whole (one small row). Group
*membership* is never patched this way: member operations are turned into set operations
(``MemberOp``) that the identity store applies in the database, so a PATCH touching one
member of a 50,000-member group never reads or rewrites the member list.

Leniency for real IdPs: op names in any case (Entra's ``Add``), a filtered path that
matches nothing under add/replace creates the value when the filter is a conjunction of
``eq`` tests (Entra's ``emails[type eq "work"].value``), and ``remove`` with a value
removes only the listed values (Entra's member removal).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from scim2_models import InvalidPathException, Path
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from sightgate.protocols.scim.errors import (
    ScimError,
    invalid_path,
    invalid_syntax,
    invalid_value,
    mutability,
    no_target,
)
from sightgate.protocols.scim.resources import READ_ONLY_TOP_LEVEL, normalize_value
from sightgate.protocols.scim.schema import EXTERNAL_ID, Attribute, Schema

Op = Literal["add", "replace", "remove"]
MAX_OPERATIONS = 1000


@dataclass(frozen=True)
class Operation:
    """One PATCH operation, with its op name normalised."""

    op: Op
    path: str | None
    value: Any


@dataclass(frozen=True)
class MemberOp:
    """A set operation on a group's members: add, remove, replace, or remove_all."""

    kind: Literal["add", "remove", "replace", "remove_all"]
    user_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """Where a path points: an attribute, maybe inside the extension, maybe filtered."""

    attribute: Attribute
    extension: str | None = None
    sub: Attribute | None = None
    value_filter: Any = None


def parse_operations(body: Any) -> list[Operation]:
    """The operations of a PatchOp body, or an invalidSyntax/invalidValue error."""
    if not isinstance(body, dict):
        raise invalid_syntax("a PATCH body must be a PatchOp object")
    raw = next(
        (v for k, v in body.items() if isinstance(k, str) and k.lower() == "operations"), None
    )
    if not isinstance(raw, list) or not raw:
        raise invalid_syntax("a PatchOp needs a non-empty Operations list")
    if len(raw) > MAX_OPERATIONS:
        raise ScimError(400, f"at most {MAX_OPERATIONS} operations per PATCH", "tooMany")
    operations = []
    for item in raw:
        if not isinstance(item, dict):
            raise invalid_syntax("each operation must be an object")
        fields = {k.lower(): v for k, v in item.items() if isinstance(k, str)}
        op = str(fields.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise invalid_value(f"op must be add, replace or remove, not {fields.get('op')!r}")
        path = fields.get("path") or None
        if path is not None and not isinstance(path, str):
            raise invalid_path("path must be a string")
        if op != "remove" and "value" not in fields:
            raise invalid_value(f"{op} needs a value")
        operations.append(Operation(op, path, fields.get("value")))  # type: ignore[arg-type]
    return operations


# -- resource attributes -----------------------------------------------------------------


def apply_operations(
    doc: dict[str, Any], operations: list[Operation], schema: Schema, extension: Schema | None
) -> dict[str, Any]:
    """A patched copy of ``doc`` (a canonical resource without meta)."""
    patched = copy.deepcopy(doc)
    for operation in operations:
        if operation.path is None:
            _apply_pathless(patched, operation, schema, extension)
        elif extension is not None and operation.path.lower() == extension.id.lower():
            _apply_extension(patched, operation.op, operation.value, schema, extension)
        else:
            target = resolve(operation.path, schema, extension)
            _apply(patched, operation.op, target, operation.value)
    return patched


def _apply_pathless(
    doc: dict[str, Any], operation: Operation, schema: Schema, extension: Schema | None
) -> None:
    if operation.op == "remove":
        raise no_target("remove needs a path")
    if not isinstance(operation.value, dict):
        raise invalid_value(f"{operation.op} without a path needs an object value")
    for key, value in operation.value.items():
        if not isinstance(key, str) or key.lower() in READ_ONLY_TOP_LEVEL:
            continue  # Okta re-sends the id with every group rename; read-only keys are ignored
        if extension is not None and key.lower() == extension.id.lower():
            _apply_extension(doc, operation.op, value, schema, extension)
            continue
        try:
            target = resolve(key, schema, extension)
        except ScimError as error:
            if error.scim_type != "invalidPath":
                raise
            continue  # an unknown attribute in a path-less value is ignored (RFC 7644 §3.3)
        _apply(doc, operation.op, target, value)


def _apply_extension(
    doc: dict[str, Any], op: Op, value: Any, schema: Schema, extension: Schema
) -> None:
    """An operation on the extension as a whole: its URN is the path, or a path-less key.

    RFC 7644's path grammar only names attributes, but clients (scim2-tester, and
    scim2-models' own ``Path``) also address a whole extension by its URN. It then acts
    like a complex attribute (RFC 7644 §3.5.2.1 and §3.5.2.3): add and replace set the
    attributes listed and leave the others; remove clears the extension.
    """
    if op == "remove":
        doc.pop(extension.id, None)
        return
    if not isinstance(value, dict):
        raise invalid_value(f"{extension.id} must be an object")
    for key, sub_value in value.items():
        if not isinstance(key, str):
            continue
        try:
            target = resolve(f"{extension.id}:{key}", schema, extension)
        except ScimError as error:
            if error.scim_type != "invalidPath":
                raise
            continue  # an unknown attribute is ignored, as in a path-less value (RFC 7644 §3.3)
        _apply(doc, op, target, sub_value)


def resolve(path: str, schema: Schema, extension: Schema | None) -> Target:
    """The target of a PATCH path, or invalidPath/mutability errors."""
    try:
        ast = Path(path).ast
    except InvalidPathException as error:
        raise invalid_path(f"{path!r}: {error}") from error
    value_filter = None
    sub_name: str | None = None
    if isinstance(ast, ValuePath):
        value_filter = ast.val_filter
        sub_name = ast.sub_attr
        ast = ast.attr_path
    if not isinstance(ast, AttrPath):
        raise invalid_path(f"{path!r} is not an attribute path")
    container: Schema = schema
    extension_id: str | None = None
    if ast.uri:
        if extension is not None and ast.uri.lower() == extension.id.lower():
            container, extension_id = extension, extension.id
        elif ast.uri.lower() != schema.id.lower():
            raise invalid_path(f"unknown schema {ast.uri!r}")
    if ast.attr.lower() in READ_ONLY_TOP_LEVEL and extension_id is None:
        raise mutability(f"{ast.attr} is read-only")
    attribute = (
        EXTERNAL_ID
        if ast.attr.lower() == "externalid" and extension_id is None
        else container.attribute(ast.attr)
    )
    if attribute is None:
        raise invalid_path(f"unknown attribute {ast.attr!r}")
    sub_name = sub_name or ast.sub_attr
    sub = None
    if sub_name is not None:
        sub = attribute.sub(sub_name)
        if sub is None:
            raise invalid_path(f"unknown attribute {attribute.name}.{sub_name}")
    if value_filter is not None and not attribute.multi_valued:
        raise invalid_path(f"{attribute.name} is not multi-valued; it takes no filter")
    for checked in (attribute, sub):
        if checked is not None and checked.mutability == "readOnly":
            raise mutability(f"{checked.name} is read-only")
    return Target(attribute, extension_id, sub, value_filter)


def _apply(doc: dict[str, Any], op: Op, target: Target, value: Any) -> None:
    holder = doc.setdefault(target.extension, {}) if target.extension else doc
    attribute = target.attribute
    name = attribute.name
    if op == "remove":
        _remove(holder, target, value)
    elif attribute.multi_valued:
        _set_multi(holder, op, target, value)
    elif target.sub is not None:
        current = holder.get(name) or {}
        current[target.sub.name] = normalize_value(target.sub, value)
        holder[name] = current
    elif attribute.type == "complex":
        incoming = normalize_value(attribute, value)
        holder[name] = {**(holder.get(name) or {}), **(incoming or {})}
    else:
        holder[name] = normalize_value(attribute, value)
    if target.extension and not holder:
        del doc[target.extension]


def _set_multi(holder: dict[str, Any], op: Op, target: Target, value: Any) -> None:
    attribute = target.attribute
    items: list[dict[str, Any]] = holder.get(attribute.name) or []
    if target.value_filter is None and target.sub is None:
        incoming = normalize_value(attribute, value)
        items = incoming if op == "replace" else items + [v for v in incoming if v not in items]
        holder[attribute.name] = _one_primary(items, incoming)
        return
    matches = [
        i for i in items if target.value_filter is None or matches_filter(i, target.value_filter)
    ]
    if target.sub is not None:
        new_value = normalize_value(target.sub, value)
        if not matches:
            items.append({**_created_from(target), target.sub.name: new_value})
        for item in matches:
            item[target.sub.name] = new_value
    else:
        replacement = normalize_value(attribute, value if isinstance(value, list) else [value])
        if not matches:
            items.extend({**_created_from(target), **r} for r in replacement)
        for item in matches:
            if op == "replace":
                item.clear()
            for r in replacement:
                item.update(r)
    holder[attribute.name] = items


def _created_from(target: Target) -> dict[str, Any]:
    """The element a filtered add/replace creates when nothing matched (Entra's habit)."""
    equalities = _equalities(target.value_filter)
    if equalities is None:
        raise no_target(f"no value of {target.attribute.name} matches the path filter")
    return equalities


def _equalities(node: Any) -> dict[str, Any] | None:
    if (
        isinstance(node, Comparison)
        and node.op is CompareOperator.eq
        and not node.attr_path.sub_attr
    ):
        return {node.attr_path.attr: node.value}
    if isinstance(node, LogicalExpr) and node.op is LogicalOperator.and_:
        merged: dict[str, Any] = {}
        for term in node.terms:
            part = _equalities(term)
            if part is None:
                return None
            merged.update(part)
        return merged
    return None


def _one_primary(
    items: list[dict[str, Any]], incoming: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Only one value may be primary (RFC 7643 §2.4): the newest primary wins."""
    newest = next((i for i in reversed(incoming) if i.get("primary") is True), None)
    if newest is not None:
        for item in items:
            if item is not newest and item.get("primary") is True and item != newest:
                item["primary"] = False
    return items


def _remove(holder: dict[str, Any], target: Target, value: Any) -> None:
    name = target.attribute.name
    if name not in holder:
        return
    if not target.attribute.multi_valued:
        if target.sub is not None and isinstance(holder[name], dict):
            holder[name].pop(target.sub.name, None)
        else:
            holder.pop(name)
        return
    items: list[dict[str, Any]] = holder[name]
    if target.value_filter is not None:
        selected = [i for i in items if matches_filter(i, target.value_filter)]
    elif value is not None:
        listed = normalize_value(target.attribute, value)
        selected = [i for i in items if any(_same_value(i, v) for v in listed)]
    else:
        selected = list(items)
    if target.sub is not None:
        for item in selected:
            item.pop(target.sub.name, None)
    else:
        items = [i for i in items if not any(i is s for s in selected)]
    holder[name] = items
    if not holder[name]:
        holder.pop(name)


def _same_value(item: dict[str, Any], listed: dict[str, Any]) -> bool:
    if "value" in listed:
        return bool(item.get("value") == listed["value"])
    return item == listed


# -- in-memory filter evaluation (for value paths on one resource) ----------------------


def matches_filter(item: dict[str, Any], node: Any) -> bool:
    """Whether one element of a multi-valued attribute matches a value-path filter."""
    if isinstance(node, LogicalExpr):
        combine: Callable[[Any], bool] = all if node.op is LogicalOperator.and_ else any
        return combine(matches_filter(item, term) for term in node.terms)
    if isinstance(node, Not):
        return not matches_filter(item, node.expr)
    if isinstance(node, Present):
        return _field(item, node.attr_path.attr) not in (None, "", [])
    if isinstance(node, Comparison):
        return _compare(_field(item, node.attr_path.attr), node.op, node.value)
    raise invalid_path("unsupported filter in path")


def _field(item: dict[str, Any], name: str) -> Any:
    lowered = name.lower()
    return next((v for k, v in item.items() if k.lower() == lowered), None)


def _compare(actual: Any, op: CompareOperator, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.lower(), expected.lower()
    if op is CompareOperator.eq:
        return bool(actual == expected)
    if op is CompareOperator.ne:
        return bool(actual != expected)
    if actual is None:
        return False
    if op is CompareOperator.co:
        return isinstance(actual, str) and str(expected) in actual
    if op is CompareOperator.sw:
        return isinstance(actual, str) and actual.startswith(str(expected))
    if op is CompareOperator.ew:
        return isinstance(actual, str) and actual.endswith(str(expected))
    try:
        if op is CompareOperator.gt:
            return bool(actual > expected)
        if op is CompareOperator.ge:
            return bool(actual >= expected)
        if op is CompareOperator.lt:
            return bool(actual < expected)
        return bool(actual <= expected)
    except TypeError:
        return False


# -- group members -----------------------------------------------------------------------


def split_member_operations(
    operations: list[Operation],
) -> tuple[list[MemberOp], list[Operation]]:
    """Member changes as set operations, and the remaining attribute operations."""
    member_ops: list[MemberOp] = []
    others: list[Operation] = []
    for operation in operations:
        if operation.path is None:
            if operation.op != "remove" and isinstance(operation.value, dict):
                rest = {}
                for key, value in operation.value.items():
                    if isinstance(key, str) and key.lower() == "members":
                        member_ops.append(MemberOp(operation.op, _member_values(value)))
                    else:
                        rest[key] = value
                others.append(Operation(operation.op, None, rest))
            else:
                others.append(operation)
            continue
        if not operation.path.lower().startswith("members"):
            others.append(operation)
            continue
        member_ops.append(_member_op(operation))
    return member_ops, others


def _member_op(operation: Operation) -> MemberOp:
    path = operation.path or ""
    try:
        ast = Path(path).ast
    except InvalidPathException as error:
        raise invalid_path(f"{path!r}: {error}") from error
    if isinstance(ast, AttrPath) and ast.attr.lower() == "members" and ast.sub_attr is None:
        if operation.op == "remove":
            if operation.value is None:
                return MemberOp("remove_all")
            return MemberOp("remove", _member_values(operation.value))
        return MemberOp(operation.op, _member_values(operation.value))
    if (
        isinstance(ast, ValuePath)
        and ast.attr_path.attr.lower() == "members"
        and ast.sub_attr is None
        and operation.op == "remove"
    ):
        return MemberOp("remove", _filtered_member_ids(ast.val_filter))
    raise invalid_path(f"{path!r}: members are changed with add, remove or replace on 'members'")


def _member_values(value: Any) -> tuple[str, ...]:
    """The user ids of a member operation's value: ``members`` is multi-valued, so the
    value is a list (RFC 7644 §3.5.2.1), of ``{"value": id}`` objects (or bare ids)."""
    if not isinstance(value, list):
        raise invalid_value('members takes a list of {"value": "<user id>"} objects')
    ids = []
    for item in value:
        if isinstance(item, str):
            ids.append(item)
        elif isinstance(item, dict):
            member_id = _field(item, "value")
            if not isinstance(member_id, str) or not member_id:
                raise invalid_value("each member needs a string value (the user's id)")
            ids.append(member_id)
        else:
            raise invalid_value("each member must be an object with a value")
    return tuple(ids)


def _filtered_member_ids(node: Any) -> tuple[str, ...]:
    """User ids named by ``members[value eq "a" or value eq "b"]``."""
    if (
        isinstance(node, Comparison)
        and node.op is CompareOperator.eq
        and node.attr_path.attr.lower() == "value"
    ):
        return (str(node.value),)
    if isinstance(node, LogicalExpr) and node.op is LogicalOperator.or_:
        return tuple(i for term in node.terms for i in _filtered_member_ids(term))
    raise invalid_path('member filters must be value eq "..." (joined by or)')
