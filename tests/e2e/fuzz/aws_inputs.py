"""Generated AWS requests from botocore's input shapes, serialized and signed here.

Values follow each member's shape (with its length, range and enum constraints), the
seeded resources' real names and ids, or hostile variations: wrong types, lengths past
the limits, lone surrogates, deep nesting in free-form documents. botocore's own
serializers would refuse most of that, so requests are written by hand (rest-json: URI
labels, query string, headers, JSON body; json-1.1: the body and ``X-Amz-Target``) and
then signed with botocore's real SigV4 signer, so they get past authentication.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.model import OperationModel, Shape, StructureShape
from hypothesis import strategies as st

from tests.e2e.fuzz.probe import FuzzRequest
from tests.e2e.fuzz.scim_inputs import header_value, url_part
from tests.e2e.fuzz.wire import (
    RAW_NESTING,
    Raw,
    as_text,
    body_of,
    hostile_number,
    hostile_text,
    huge,
    random_json,
    raw_body,
    wrong_value,
)

MAX_DEPTH = 4
"""Shapes nest deeper than a request needs; below this, structures are left empty."""

JSON_11 = "application/x-amz-json-1.1"


class Unsigned(FuzzRequest):
    """A request before signing, with the SigV4 service name to sign it for."""

    __slots__ = ("signing_name",)

    def __init__(
        self,
        signing_name: str,
        method: str,
        target: str,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
    ) -> None:
        super().__init__(method, target, headers, body)
        self.signing_name = signing_name


@dataclass(frozen=True)
class Signer:
    """Who signs: an access key, its secret, the region."""

    access_key_id: str
    secret_access_key: str
    region: str

    def sign(
        self, request: Unsigned, base_url: str, *, as_service: str | None = None
    ) -> FuzzRequest:
        """``request`` signed with botocore's SigV4 signer (for ``as_service`` instead of
        its own service, to forge a scope)."""
        aws = AWSRequest(
            method=request.method,
            url=base_url + request.target,
            data=request.body,
            headers=dict(request.headers),
        )
        credentials = Credentials(self.access_key_id, self.secret_access_key)
        SigV4Auth(credentials, as_service or request.signing_name, self.region).add_auth(aws)
        prepared = aws.prepare()
        headers = tuple((k, str(v)) for k, v in prepared.headers.items())
        return FuzzRequest(request.method, request.target, headers, request.body)


Known = Mapping[str, tuple[Any, ...]]
"""Real values by member name (``UserName``: the seeded users' names), so that some
requests reach the resources they name."""


def value_of(
    shape: Shape, name: str, known: Known, depth: int, hostile: bool
) -> st.SearchStrategy[Any]:
    """A value for member ``name``: a known one, one that fits ``shape``, or (when
    ``hostile``) one that does not."""
    fitting = typed(shape, known, depth, hostile)
    other = st.one_of(fitting, fitting, hostile_for(shape)) if hostile else fitting
    if name not in known:
        return other
    seeded = st.sampled_from(known[name])
    return st.integers(0, 9).flatmap(lambda n: seeded if n < 7 else other)


def hostile_for(shape: Shape) -> st.SearchStrategy[Any]:
    """What ``shape`` must refuse: wrong types, lengths or ranges past its limits."""
    limits = shape.metadata
    options: list[st.SearchStrategy[Any]] = [wrong_value, hostile_number]
    if shape.type_name == "string":
        options.append(hostile_text)
        if "max" in limits and limits["max"] < 300_000:
            options.append(huge((int(limits["max"]) + 1,)))
    if shape.type_name in ("integer", "long"):
        options.append(
            st.sampled_from(
                [limits[k] + d for k, d in (("min", -1), ("max", 1)) if k in limits] or [-1]
            )
        )
    return st.one_of(*options)


def typed(shape: Shape, known: Known, depth: int, hostile: bool) -> st.SearchStrategy[Any]:
    """A value of ``shape``'s type within its constraints (mostly)."""
    kind = shape.type_name
    limits = shape.metadata
    if kind == "structure":
        if limits.get("document"):
            return st.one_of(random_json, st.sampled_from(RAW_NESTING).map(Raw))
        return structure(shape, known, depth, hostile)  # type: ignore[arg-type]
    if kind == "list":
        item = value_of(shape.member, "", known, depth + 1, hostile)  # type: ignore[attr-defined]
        return st.lists(item, min_size=int(limits.get("min", 0)), max_size=3)
    if kind == "map":
        key = typed(shape.key, known, depth + 1, hostile)  # type: ignore[attr-defined]
        value = value_of(shape.value, "", known, depth + 1, hostile)  # type: ignore[attr-defined]
        return st.dictionaries(key.map(as_text), value, max_size=3)
    if kind == "string":
        if shape.enum:  # type: ignore[attr-defined]
            return st.sampled_from(shape.enum)  # type: ignore[attr-defined]
        low = int(limits.get("min", 1))
        high = max(low, min(int(limits.get("max", 32)), 32))
        return st.text("abcdefgXYZ0123456789-_.@", min_size=low, max_size=high)
    if kind in ("integer", "long"):
        return st.integers(int(limits.get("min", -(2**31))), int(limits.get("max", 2**31 - 1)))
    if kind == "boolean":
        return st.booleans()
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "timestamp":
        return st.integers(0, 2**32)
    if kind == "blob":
        return st.binary(max_size=32).map(lambda b: base64.b64encode(b).decode())
    return random_json


def structure(
    shape: StructureShape, known: Known, depth: int, hostile: bool
) -> st.SearchStrategy[Any]:
    """A structure: required members, optional ones sometimes, unknown ones too."""
    if depth > MAX_DEPTH:
        return st.just({})
    members = {
        name: value_of(member, name, known, depth + 1, hostile)
        for name, member in shape.members.items()
    }
    required = set(shape.required_members)
    return st.fixed_dictionaries(
        {name: members[name] for name in members if name in required},
        optional={
            **{name: members[name] for name in members if name not in required},
            "UnknownMember": random_json,
        },
    )


# -- serialization ------------------------------------------------------------------------

LABEL = re.compile(r"\{([^}+]+)(\+?)\}")


def rest_parts(
    operation: OperationModel, params: dict[str, Any]
) -> tuple[str, dict[str, str], bytes]:
    """(path and query, headers, body) of a rest-json call of ``params`` (members by name)."""
    shape = operation.input_shape
    assert shape is not None
    uri, _, fixed_query = operation.http["requestUri"].partition("?")
    by_wire = {m.serialization.get("name", n): n for n, m in shape.members.items()}

    def label(match: re.Match[str]) -> str:
        name = by_wire.get(match.group(1), match.group(1))
        text = as_text(params.get(name, ""))
        return url_part(text, safe="/" if match.group(2) else "")

    path = LABEL.sub(label, uri)
    query = [fixed_query] if fixed_query else []
    headers: dict[str, str] = {}
    document: dict[str, Any] = {}
    payload = shape.serialization.get("payload")
    body = b""
    for name, member in shape.members.items():
        if name not in params:
            continue
        value, wire = params[name], member.serialization.get("name", name)
        location = member.serialization.get("location")
        if name == payload:
            body = body_of(value)
        elif location == "querystring":
            query.extend(_query_pairs(wire, value))
        elif location == "header":
            headers[wire] = header_value(as_text(value))
        elif location is None:
            document[wire] = value
    if document:
        body = body_of(document)
    target = path + ("?" + "&".join(query) if query else "")
    return target, headers, body


def _query_pairs(wire: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{url_part(str(k))}={url_part(as_text(v))}" for k, v in value.items()]
    values = value if isinstance(value, list) else [value]
    return [f"{url_part(wire)}={url_part(as_text(v))}" for v in values]


def inputs(shape: StructureShape | None, known: Known) -> st.SearchStrategy[dict[str, Any]]:
    """An operation's input: half the time well-formed throughout (so that requests get
    past validation into the handlers), else with hostile members anywhere."""
    if shape is None:
        return st.just({})
    return st.booleans().flatmap(lambda hostile: structure(shape, known, 0, hostile))


@st.composite
def rest_request(
    draw: Callable[[st.SearchStrategy[Any]], Any], operation: OperationModel, known: Known
) -> Unsigned:
    """A rest-json request for ``operation``; sometimes with a broken body."""
    shape = operation.input_shape
    params = draw(inputs(shape, known))
    target, headers, body = rest_parts(operation, params)
    if draw(st.integers(0, 9)) == 0:
        body = draw(raw_body)
    headers["Content-Type"] = "application/json"
    signing_name = operation.service_model.signing_name
    return Unsigned(signing_name, operation.http["method"], target, tuple(headers.items()), body)


@st.composite
def json_request(
    draw: Callable[[st.SearchStrategy[Any]], Any], operation: OperationModel, known: Known
) -> Unsigned:
    """A json-1.1 request (``X-Amz-Target``); sometimes with a broken body."""
    shape = operation.input_shape
    params = draw(inputs(shape, known))
    body = draw(raw_body) if draw(st.integers(0, 9)) == 0 else body_of(params)
    service = operation.service_model
    headers = (
        ("X-Amz-Target", f"{service.metadata['targetPrefix']}.{operation.name}"),
        ("Content-Type", draw(st.sampled_from((JSON_11, JSON_11, JSON_11, "application/json")))),
    )
    return Unsigned(service.signing_name, "POST", "/", headers, body)
