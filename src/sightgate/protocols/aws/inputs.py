"""Request parsing and validation against an operation's input shape.

The result is a dict keyed by member *name* (``UserName``), whatever the wire spelling
(``locationName``, URI label, query key, header) was, with values converted to Python
types: timestamps to aware ``datetime``, blobs to ``bytes``, numbers to ``int``/``float``.
Validation follows the model the way AWS's own frontends do: every violation is collected
and reported in one message ("2 validation errors detected: Value null at 'userName'
failed to satisfy constraint: Member must not be null; ..."), member paths in lowerCamel
with list items as ``name.N.member``. Members the shape does not declare are ignored, as
AWS ignores them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.model import OperationModel, Shape, StructureShape

from sightgate.platform import jsontext
from sightgate.platform.jsontext import JsonTextError
from sightgate.protocols.aws import errors, models

_MISSING = object()
_MAX_SHOWN = 80


def decode_json_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body; an empty body is ``{}``.

    Read with ``jsontext``: a document nested too deep, a string with a lone surrogate or a
    number that cannot be stored is a SerializationException (400), never a 500 later.
    """
    if not raw.strip():
        return {}
    try:
        document = jsontext.loads(raw)
    except JsonTextError as error:
        raise errors.serialization_error(f"the request body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise errors.serialization_error(
            f"the request body must be a JSON object, not {type(document).__name__}"
        )
    return document


def parse_json_input(service: str, operation: OperationModel, body: bytes) -> dict[str, Any]:
    """The input of a json-1.1 call: every member is in the JSON body."""
    document = decode_json_body(body)
    shape = operation.input_shape
    if shape is None:
        return {}
    return _validated(service, shape, _by_member_name(shape, document), operation)


def parse_rest_input(
    service: str,
    operation: OperationModel,
    labels: Mapping[str, str],
    query: Sequence[tuple[str, str]],
    headers: Sequence[tuple[str, str]],
    body: bytes,
    bound_query_keys: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The input of a rest-json call from its URI labels, query string, headers and body.

    ``labels`` are already URL-decoded and keyed by label name; ``bound_query_keys`` are
    query keys the URI template itself fixes (never input). Header names are lowercase.
    """
    shape = operation.input_shape
    if shape is None:
        return {}
    payload_member = shape.serialization.get("payload")
    document: dict[str, Any] = {} if payload_member else decode_json_body(body)
    raw: dict[str, Any] = {}
    claimed = set(bound_query_keys)
    for name, member in shape.members.items():
        if member.serialization.get("location") == "querystring" and member.type_name != "map":
            claimed.add(member.serialization.get("name", name))
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if name == payload_member:
            raw[name] = _payload(member, body)
        elif location == "uri":
            if wire_name in labels:
                raw[name] = _from_text(member, labels[wire_name], "querystring")
        elif location == "querystring":
            value = _from_query(member, wire_name, query, claimed)
            if value is not _MISSING:
                raw[name] = value
        elif location == "header":
            values = [v for k, v in headers if k == wire_name.lower()]
            if values:
                raw[name] = _from_header(member, ",".join(values))
        elif location == "headers":
            prefix = wire_name.lower()
            found = {k[len(prefix) :]: v for k, v in headers if k.startswith(prefix)}
            if found:
                raw[name] = found
        elif location is None and wire_name in document:
            raw[name] = document[wire_name]
    return _validated(service, shape, raw, operation)


# -- wire text to values -----------------------------------------------------------------


def _payload(member: Shape, body: bytes) -> Any:
    if member.type_name == "blob":
        return body
    if member.type_name == "string":
        return body.decode("utf-8", errors="replace")
    return decode_json_body(body) if body.strip() else None


def _from_query(
    member: Shape, key: str, query: Sequence[tuple[str, str]], claimed: set[str]
) -> Any:
    if member.type_name == "map":
        # A querystring map collects every parameter no other member (or the URI) claims.
        value_shape = member.value  # type: ignore[attr-defined]
        collected: dict[str, Any] = {}
        for k, v in query:
            if k in claimed:
                continue
            if value_shape.type_name == "list":
                collected.setdefault(k, []).append(v)
            else:
                collected.setdefault(k, v)
        return collected or _MISSING
    values = [v for k, v in query if k == key]
    if not values:
        return _MISSING
    if member.type_name == "list":
        return [_from_text(member.member, v, "querystring") for v in values]  # type: ignore[attr-defined]
    return _from_text(member, values[0], "querystring")


def _from_header(member: Shape, text: str) -> Any:
    if member.type_name == "list":
        return [
            _from_text(member.member, part.strip(), "header")  # type: ignore[attr-defined]
            for part in text.split(",")
            if part.strip()
        ]
    if member.type_name == "string" and member.serialization.get("jsonvalue"):
        try:
            return jsontext.loads(base64.b64decode(text))
        except (JsonTextError, binascii.Error):
            return text
    return _from_text(member, text, "header")


def _from_text(shape: Shape, text: str, where: str) -> Any:
    """A scalar from URI/query/header text; unconvertible text is returned unchanged so the
    type check reports it against the member."""
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
        if kind == "boolean":
            return {"true": True, "false": False}.get(text.lower(), text)
        if kind == "timestamp":
            return parse_timestamp(text)
        if kind == "blob":
            return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return text
    return text


def parse_timestamp(value: Any) -> datetime:
    """Epoch seconds (number or text), ISO 8601, or an HTTP date, as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"{value!r} is not a timestamp") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- validation --------------------------------------------------------------------------


def _by_member_name(shape: StructureShape, document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` (keyed by JSON name) keyed by member name; undeclared keys dropped."""
    found: dict[str, Any] = {}
    for name, member in shape.members.items():
        wire_name = member.serialization.get("name", name)
        if wire_name in document:
            found[name] = document[wire_name]
    return found


def _validated(
    service: str, shape: StructureShape, raw: dict[str, Any], operation: OperationModel
) -> dict[str, Any]:
    _check_own_errors(service, shape, raw, operation)
    problems: list[str] = []
    result = _check_members(shape, raw, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise errors.validation_error(
            service, f"{count} validation {noun} detected: " + "; ".join(problems)
        )
    return result


def _check_own_errors(
    service: str, shape: StructureShape, raw: Mapping[str, Any], operation: OperationModel
) -> None:
    """A member whose bad value the operation answers with an error of its own, named
    ``<Member>InvalidException`` among the errors it declares (QuickSight's
    ``SessionLifetimeInMinutesInvalidException``), is checked first, with that code."""
    declared = {error.name for error in operation.error_shapes}
    for name, member in shape.members.items():
        code = f"{name}InvalidException"
        if code not in declared or raw.get(name) is None:
            continue
        problems: list[str] = []
        _check(member, raw[name], _camel(name), problems)
        if problems:
            spec = models.service(service)
            raise errors.AwsError(code, "; ".join(problems), spec.error_status(code, 400))


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > _MAX_SHOWN:
        text = text[:_MAX_SHOWN] + "..."
    return f"'{text}'"


def _problem(problems: list[str], shape: Shape, value: Any, path: str, constraint: str) -> None:
    shown = "" if shape.metadata.get("sensitive") else f" {_shown(value)}"
    problems.append(f"Value{shown} at '{path}' failed to satisfy constraint: {constraint}")


def _check_members(
    shape: StructureShape, raw: Mapping[str, Any], path: str, problems: list[str]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    required = set(shape.required_members)
    for name, member in shape.members.items():
        member_path = f"{path}.{_camel(name)}" if path else _camel(name)
        value = raw.get(name)
        if value is None:
            if name in required:
                problems.append(
                    f"Value null at '{member_path}' failed to satisfy constraint: "
                    "Member must not be null"
                )
            continue
        result[name] = _check(member, value, member_path, problems)
    if shape.metadata.get("union") and len(result) != 1:
        _problem(problems, shape, None, path or "input", "Member must have exactly one member set")
    return result


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> Any:
    """``value`` converted to ``shape``'s Python type, with constraint violations appended to
    ``problems`` (the value is still returned so sibling members are checked too)."""
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:  # type: ignore[attr-defined]
            return value
        if not isinstance(value, dict):
            _problem(problems, shape, value, path, "Member must be a structure")
            return value
        return _check_members(shape, _by_member_name(shape, value), path, problems)  # type: ignore[arg-type]
    if kind == "list":
        if not isinstance(value, list):
            _problem(problems, shape, value, path, "Member must be a list")
            return value
        _check_length(shape, value, len(value), path, problems)
        member = shape.member  # type: ignore[attr-defined]
        return [
            _check(member, item, f"{path}.{index}.member", problems)
            for index, item in enumerate(value, 1)
        ]
    if kind == "map":
        if not isinstance(value, dict):
            _problem(problems, shape, value, path, "Member must be a map")
            return value
        _check_length(shape, value, len(value), path, problems)
        key_shape, value_shape = shape.key, shape.value  # type: ignore[attr-defined]
        return {
            _check(key_shape, key, path, problems): _check(
                value_shape, item, f"{path}.{key}", problems
            )
            for key, item in value.items()
        }
    if kind == "string":
        if shape.serialization.get("jsonvalue"):  # a JSON document carried in a header
            return value
        if not isinstance(value, str):
            _problem(problems, shape, value, path, "Member must be a string")
            return value
        _check_string(shape, value, path, problems)
        return value
    if kind in ("integer", "long"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            _problem(problems, shape, value, path, f"Member must be of type {kind}")
            return value
        _check_range(shape, value, path, problems)
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            _problem(problems, shape, value, path, f"Member must be of type {kind}")
            return value
        _check_range(shape, value, path, problems)
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            _problem(problems, shape, value, path, "Member must be of type boolean")
        return value
    if kind == "timestamp":
        try:
            return parse_timestamp(value)
        except (ValueError, OverflowError, OSError):
            _problem(problems, shape, value, path, "Member must be a timestamp")
            return value
    if kind == "blob":
        if isinstance(value, bytes):
            data = value
        else:
            try:
                data = base64.b64decode(str(value), validate=True)
            except (ValueError, binascii.Error):
                _problem(problems, shape, value, path, "Member must be base64-encoded binary")
                return value
        _check_length(shape, data, len(data), path, problems)
        return data
    return value


def _check_string(shape: Shape, value: str, path: str, problems: list[str]) -> None:
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        _problem(
            problems, shape, value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]"
        )
        return
    _check_length(shape, value, len(value), path, problems)
    pattern = shape.metadata.get("pattern")
    if pattern:
        compiled = models.compiled_pattern(pattern)
        if compiled is not None and compiled.search(value) is None:
            _problem(
                problems,
                shape,
                value,
                path,
                f"Member must satisfy regular expression pattern: {pattern}",
            )


def _check_length(shape: Shape, value: Any, length: int, path: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and length < low:
        _problem(
            problems, shape, value, path, f"Member must have length greater than or equal to {low}"
        )
    if high is not None and length > high:
        _problem(
            problems, shape, value, path, f"Member must have length less than or equal to {high}"
        )


def _check_range(shape: Shape, value: float, path: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        _problem(
            problems, shape, value, path, f"Member must have value greater than or equal to {low}"
        )
    if high is not None and value > high:
        _problem(
            problems, shape, value, path, f"Member must have value less than or equal to {high}"
        )
