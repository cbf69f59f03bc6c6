"""Input parsing/validation and output serialization on a made-up model using every binding
the three real models use and the ones they might (headers, greedy labels, payload-free
bodies with locationNames, unions, blobs, timestamps)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.model import OperationModel, ServiceModel

from sightgate.protocols.aws import inputs, outputs
from sightgate.protocols.aws.errors import AwsError

STRING = {"type": "string"}
MODEL: dict[str, Any] = {
    "metadata": {
        "protocol": "rest-json",
        "apiVersion": "2020-01-01",
        "serviceId": "Synthetic",
        "endpointPrefix": "synthetic",
        "signatureVersion": "v4",
    },
    "operations": {
        "PutThing": {
            "name": "PutThing",
            "http": {"method": "POST", "requestUri": "/things/{Name}/{Path+}?mode=x"},
            "input": {"shape": "PutThingInput"},
            "output": {"shape": "PutThingOutput"},
        }
    },
    "shapes": {
        "String": STRING,
        "Short": {"type": "string", "max": 3},
        "Secret": {"type": "string", "min": 8, "sensitive": True},
        "Count": {"type": "integer", "min": 1, "max": 10},
        "Ratio": {"type": "double", "max": 1.0},
        "Flag": {"type": "boolean"},
        "Time": {"type": "timestamp"},
        "Bytes": {"type": "blob", "max": 4},
        "Strings": {"type": "list", "member": {"shape": "String"}, "max": 2},
        "Children": {"type": "list", "member": {"shape": "Child"}},
        "Labels": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
        "Child": {
            "type": "structure",
            "required": ["Tag"],
            "members": {"Tag": {"shape": "Short", "locationName": "tag"}},
        },
        "Choice": {
            "type": "structure",
            "union": True,
            "members": {"A": {"shape": "String"}, "B": {"shape": "Count"}},
        },
        "PutThingInput": {
            "type": "structure",
            "required": ["Name", "Path", "Count"],
            "members": {
                "Name": {"shape": "String", "location": "uri", "locationName": "Name"},
                "Path": {"shape": "String", "location": "uri", "locationName": "Path"},
                "Since": {"shape": "Time", "location": "querystring", "locationName": "since"},
                "Ids": {"shape": "Strings", "location": "querystring", "locationName": "id"},
                "Extra": {"shape": "Labels", "location": "querystring"},
                "Trace": {"shape": "String", "location": "header", "locationName": "X-Trace"},
                "Flags": {"shape": "Strings", "location": "header", "locationName": "X-Flags"},
                "Meta": {"shape": "Labels", "location": "headers", "locationName": "x-meta-"},
                "Doc": {
                    "shape": "String",
                    "location": "header",
                    "locationName": "X-Doc",
                    "jsonvalue": True,
                },
                "Count": {"shape": "Count", "locationName": "count"},
                "Ratio": {"shape": "Ratio"},
                "Enabled": {"shape": "Flag"},
                "Data": {"shape": "Bytes"},
                "When": {"shape": "Time"},
                "Child": {"shape": "Child"},
                "Children": {"shape": "Children"},
                "Choice": {"shape": "Choice"},
                "Password": {"shape": "Secret"},
            },
        },
        "PutThingOutput": {
            "type": "structure",
            "members": {
                "Status": {"shape": "Count", "location": "statusCode"},
                "ETag": {"shape": "String", "location": "header", "locationName": "ETag"},
                "Modified": {
                    "shape": "Time",
                    "location": "header",
                    "locationName": "Last-Modified",
                },
                "Meta": {"shape": "Labels", "location": "headers", "locationName": "x-meta-"},
                "When": {"shape": "Time", "locationName": "when"},
                "Data": {"shape": "Bytes"},
                "Children": {"shape": "Children"},
                "RequestId": {"shape": "String"},
            },
        },
    },
}
OPERATION: OperationModel = ServiceModel(MODEL, "synthetic").operation_model("PutThing")
LABELS = {"Name": "thing", "Path": "a/b"}


def parse(
    body: dict[str, Any] | bytes,
    query: list[tuple[str, str]] | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return inputs.parse_rest_input(
        "quicksight",
        OPERATION,
        LABELS,
        query or [],
        headers or [],
        raw,
        frozenset({"mode"}),
    )


def problems(body: dict[str, Any], **kwargs: Any) -> str:
    with pytest.raises(AwsError) as caught:
        parse(body, **kwargs)
    assert caught.value.code == "InvalidParameterValueException"
    return caught.value.message


def test_every_location_is_parsed_into_member_names() -> None:
    doc = base64.b64encode(json.dumps({"k": [1]}).encode()).decode()
    result = parse(
        {
            "count": 3,
            "Ratio": 1,
            "Enabled": False,
            "Data": base64.b64encode(b"ab").decode(),
            "When": 1767225600,
            "Child": {"tag": "x"},
            "Children": [{"tag": "y"}],
            "Choice": {"B": 2},
            "Undeclared": "ignored",
        },
        query=[
            ("mode", "x"),
            ("since", "2026-01-01T00:00:00Z"),
            ("id", "1"),
            ("id", "2"),
            ("other", "o"),
        ],
        headers=[
            ("x-trace", "t-1"),
            ("x-flags", "a, b"),
            ("x-meta-color", "blue"),
            ("x-doc", doc),
        ],
    )

    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert result == {
        "Name": "thing",
        "Path": "a/b",
        "Since": moment,
        "Ids": ["1", "2"],
        "Extra": {"other": "o"},
        "Trace": "t-1",
        "Flags": ["a", "b"],
        "Meta": {"color": "blue"},
        "Doc": {"k": [1]},
        "Count": 3,
        "Ratio": 1.0,
        "Enabled": False,
        "Data": b"ab",
        "When": moment,
        "Child": {"Tag": "x"},
        "Children": [{"Tag": "y"}],
        "Choice": {"B": 2},
    }


def test_violations_are_all_reported_with_aws_paths() -> None:
    message = problems(
        {
            "Child": {"tag": "long"},
            "Children": [{"tag": "ok"}, {}],
            "Ratio": 1.5,
            "Enabled": "yes",
            "Data": base64.b64encode(b"12345").decode(),
            "When": "yesterday",
            "Choice": {"A": "a", "B": 1},
        },
        query=[("id", "1"), ("id", "2"), ("id", "3")],
    )

    assert message.startswith("9 validation errors detected: ")
    for expected in (
        "Value null at 'count' failed to satisfy constraint: Member must not be null",
        "Value 'long' at 'child.tag' failed to satisfy constraint: "
        "Member must have length less than or equal to 3",
        "Value null at 'children.2.member.tag' failed to satisfy constraint",
        "Value '1.5' at 'ratio' failed to satisfy constraint: "
        "Member must have value less than or equal to 1.0",
        "Value 'yes' at 'enabled' failed to satisfy constraint: Member must be of type boolean",
        "at 'data' failed to satisfy constraint: Member must have length less than or equal to 4",
        "Value 'yesterday' at 'when' failed to satisfy constraint: Member must be a timestamp",
        "at 'choice' failed to satisfy constraint: Member must have exactly one member set",
        "at 'ids' failed to satisfy constraint: Member must have length less than or equal to 2",
    ):
        assert expected in message, expected


def test_bad_query_text_is_reported_against_its_member() -> None:
    message = problems({"count": 1}, query=[("since", "soon")])

    assert "Value 'soon' at 'since' failed to satisfy constraint: Member must be a timestamp" in (
        message
    )


def test_sensitive_values_are_not_echoed() -> None:
    message = problems({"count": 1, "Password": "short"})

    assert "Value at 'password' failed to satisfy constraint" in message
    assert "short" not in message


def test_an_integer_valued_float_is_an_integer_and_a_string_is_not() -> None:
    assert parse({"count": 2.0})["Count"] == 2
    assert "Member must be of type integer" in problems({"count": "2"})


def test_output_members_go_to_status_headers_and_body() -> None:
    status, headers, body = outputs.serialize_rest_output(
        OPERATION,
        {
            "Status": 202,
            "ETag": "e1",
            "Modified": datetime(2026, 1, 1, tzinfo=UTC),
            "Meta": {"color": "red"},
            "When": "2026-01-01T00:00:01+00:00",
            "Data": b"\x00\x01",
            "Children": [{"Tag": "x", "Undeclared": 1}],
            "Undeclared": "dropped",
            "RequestId": None,
        },
        "req-1",
    )

    assert status == 202
    assert headers == {
        "ETag": "e1",
        "Last-Modified": "Thu, 01 Jan 2026 00:00:00 GMT",
        "x-meta-color": "red",
    }
    assert json.loads(body) == {
        "when": 1767225601.0,
        "Data": "AAE=",
        "Children": [{"tag": "x"}],
        "RequestId": "req-1",
    }


def test_output_without_status_uses_the_modeled_response_code() -> None:
    status, _, body = outputs.serialize_rest_output(OPERATION, {}, "req-2")

    assert status == 200
    assert json.loads(body) == {"RequestId": "req-2"}


def test_empty_and_non_object_bodies() -> None:
    assert inputs.decode_json_body(b"  ") == {}
    with pytest.raises(AwsError) as caught:
        inputs.decode_json_body(b'"text"')
    assert caught.value.code == "SerializationException"
