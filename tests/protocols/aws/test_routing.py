"""rest-json routing by the modeled URI templates."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.model import ServiceModel

from sightgate.protocols.aws import models
from sightgate.protocols.aws.routing import RestRouter, compile_route, query_pairs


def synthetic_spec(operations: dict[str, tuple[str, str]]) -> models.ServiceSpec:
    """A spec over a made-up rest-json model with the given (method, requestUri)s."""
    model: dict[str, Any] = {
        "metadata": {
            "protocol": "rest-json",
            "apiVersion": "2020-01-01",
            "serviceId": "Synthetic",
            "endpointPrefix": "synthetic",
            "signatureVersion": "v4",
        },
        "operations": {
            name: {"name": name, "http": {"method": method, "requestUri": uri}}
            for name, (method, uri) in operations.items()
        },
        "shapes": {},
    }
    real = models.service("quicksight")
    return models.ServiceSpec(
        name="quicksight",
        model=ServiceModel(model, "synthetic"),
        validation_error=real.validation_error,
        invalid_token_error=real.invalid_token_error,
        exists_error=real.exists_error,
        precondition_error=real.precondition_error,
        internal_error=real.internal_error,
    )


def test_every_quicksight_operation_routes_to_itself() -> None:
    spec = models.service("quicksight")
    router = RestRouter(spec)

    for name in spec.operation_names:
        http = spec.operation(name).http
        path, _, query = http["requestUri"].partition("?")
        sample = re.sub(r"\{[^}]+\}", "label-1", path)
        match = router.match(http["method"], sample, query_pairs(query))
        assert match is not None and match.operation == name, (name, http)


def test_more_literal_segments_win() -> None:
    router = RestRouter(
        synthetic_spec(
            {
                "ByName": ("GET", "/things/{Name}"),
                "Latest": ("GET", "/things/latest"),
                "Parts": ("GET", "/things/{Name}/parts"),
            }
        )
    )

    assert router.match("GET", "/things/latest", []).operation == "Latest"  # type: ignore[union-attr]
    assert router.match("GET", "/things/x", []).operation == "ByName"  # type: ignore[union-attr]
    assert router.match("GET", "/things/x/parts", []).operation == "Parts"  # type: ignore[union-attr]
    assert router.match("POST", "/things/x", []) is None
    assert router.match("GET", "/things/x/", []) is None


def test_greedy_labels_and_fixed_query_parameters() -> None:
    router = RestRouter(
        synthetic_spec(
            {
                "GetObject": ("GET", "/b/{Bucket}/{Key+}"),
                "GetVersions": ("GET", "/b/{Bucket}/{Key+}?versions"),
                "GetTagged": ("GET", "/b/{Bucket}/{Key+}?view=tags"),
            }
        )
    )

    plain = router.match("GET", "/b/my%20bucket/a/b%2Fc.txt", [])
    versions = router.match("GET", "/b/bkt/a/b", [("versions", ""), ("max", "3")])
    tagged = router.match("GET", "/b/bkt/a", [("view", "tags")])
    other_view = router.match("GET", "/b/bkt/a", [("view", "all")])

    assert plain is not None and plain.operation == "GetObject"
    assert plain.labels == {"Bucket": "my bucket", "Key": "a/b/c.txt"}
    assert versions is not None and versions.operation == "GetVersions"
    assert versions.bound_query_keys == frozenset({"versions"})
    assert tagged is not None and tagged.operation == "GetTagged"
    assert other_view is not None and other_view.operation == "GetObject"


def test_an_encoded_slash_stays_inside_a_plain_label() -> None:
    route = compile_route("Op", "GET", "/resources/{ResourceArn}/tags")

    assert route.regex.match("/resources/arn%3Aaws%3Aqs%3A%3A1%3Adashboard%2Fd/tags")
    assert not route.regex.match("/resources/arn/dashboard/tags")


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        ("a=1&b=x%20y&a=2", [("a", "1"), ("b", "x y"), ("a", "2")]),
        ("flag&c=%2B+", [("flag", ""), ("c", "++")]),
        ("", []),
    ],
)
def test_query_pairs(raw: str, pairs: list[tuple[str, str]]) -> None:
    assert query_pairs(raw) == pairs
