"""Response serialization from an operation's output shape.

Handlers return dicts keyed by member name with plain Python values; this module puts each
member where the model says (status code, header, JSON body under its ``locationName``)
and converts values the way botocore's parsers read them back: timestamps as epoch
seconds, blobs as base64. Members the shape does not declare are dropped, so presenters
shared with the CLI may carry extra keys; ``None`` members are omitted, as AWS omits them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from botocore.model import OperationModel, Shape

from sightgate.protocols.aws.inputs import parse_timestamp

REQUEST_ID_MEMBER = "RequestId"


def serialize_json_output(
    operation: OperationModel, output: Mapping[str, Any]
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a json-1.1 result: everything is in the body."""
    shape = operation.output_shape
    body = _to_json(shape, output) if shape is not None else {}
    return 200, {}, json.dumps(body).encode()


def serialize_rest_output(
    operation: OperationModel, output: Mapping[str, Any], request_id: str
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a rest-json result.

    QuickSight outputs bind a ``Status`` member to the HTTP status code; without one the
    operation's modeled ``responseCode`` (default 200) is used. ``RequestId`` is filled in
    when the output shape declares it and the handler did not set it.
    """
    status = int(operation.http.get("responseCode", 200))
    shape = operation.output_shape
    headers: dict[str, str] = {}
    if shape is None:
        return status, headers, b"{}"
    values = dict(output)
    if REQUEST_ID_MEMBER in shape.members and values.get(REQUEST_ID_MEMBER) is None:
        values[REQUEST_ID_MEMBER] = request_id
    body_values: dict[str, Any] = {}
    for name, member in shape.members.items():
        value = values.get(name)
        if value is None:
            continue
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "statusCode":
            status = int(value)
        elif location == "header":
            headers[wire_name] = _header_text(member, value)
        elif location == "headers":
            for key, item in dict(value).items():
                headers[f"{wire_name}{key}"] = str(item)
        else:
            body_values[name] = value
    payload = shape.serialization.get("payload")
    if payload:
        return status, headers, _payload_bytes(shape.members[payload], body_values.get(payload))
    return status, headers, json.dumps(_to_json(shape, body_values)).encode()


def _payload_bytes(member: Shape, value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if member.type_name == "string":
        return str(value).encode()
    return json.dumps(_to_json(member, value)).encode()


def _header_text(member: Shape, value: Any) -> str:
    kind = member.type_name
    if kind == "timestamp":
        return format_datetime(parse_timestamp(value).astimezone(UTC), usegmt=True)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "list":
        return ",".join(_header_text(member.member, item) for item in value)  # type: ignore[attr-defined]
    if kind == "blob":
        return base64.b64encode(value).decode()
    if kind == "string" and member.serialization.get("jsonvalue"):
        return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()
    return str(value)


def _to_json(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:  # type: ignore[attr-defined]
            return value
        result: dict[str, Any] = {}
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            item = value.get(name)
            if item is not None and member.serialization.get("location") is None:
                result[member.serialization.get("name", name)] = _to_json(member, item)
        return result
    if kind == "list":
        return [_to_json(shape.member, item) for item in value]  # type: ignore[attr-defined]
    if kind == "map":
        return {str(k): _to_json(shape.value, v) for k, v in value.items()}  # type: ignore[attr-defined]
    if kind == "timestamp":
        return _epoch(value)
    if kind == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()
    if kind in ("float", "double"):
        return float(value)
    if kind in ("integer", "long"):
        return int(value)
    return value


def _epoch(value: Any) -> float:
    """Epoch seconds, the json protocols' timestamp format (botocore parses floats)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.timestamp()
    return parse_timestamp(value).timestamp()
