"""Matching rest-json requests to operations by their modeled ``requestUri`` templates.

Templates look like ``/accounts/{AwsAccountId}/namespaces/{Namespace}/users/{UserName}``,
may end in a greedy label (``{Key+}``, which spans slashes) and may fix query parameters
(``/path?type=x``). Matching happens on the raw, still percent-encoded path, so a label
holding an encoded ``/`` (an ARN) stays one label; labels are decoded afterwards. When two
templates match, the one with more literal segments wins (``/users/{UserName}/groups``
before ``/users/{UserName}``; a fixed segment before a label at the same place).

Percent-decoding is strict: a ``%`` not followed by two hex digits, or escapes that do
not spell UTF-8 (``%FF``, an encoded surrogate ``%ED%A0%80``), raise ``EncodingError``
rather than becoming U+FFFD or staying literal, so a value is never silently altered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from sightgate.protocols.aws.models import ServiceSpec

_LABEL = re.compile(r"\{([^}]+)\}")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class EncodingError(ValueError):
    """A path segment or query component that is not percent-encoded UTF-8."""


def decode(component: str) -> str:
    """``component`` (ASCII, as a URI is) percent-decoded as UTF-8, or ``EncodingError``."""
    if not component.isascii():
        raise EncodingError("a character outside ASCII that is not percent-encoded")
    if _BAD_ESCAPE.search(component):
        raise EncodingError("a '%' not followed by two hexadecimal digits")
    try:
        return unquote(component, errors="strict")
    except UnicodeDecodeError:
        raise EncodingError("percent-escapes that are not UTF-8") from None


@dataclass(frozen=True)
class Route:
    """One operation's compiled template."""

    operation: str
    method: str
    template: str
    regex: re.Pattern[str]
    labels: tuple[tuple[str, str], ...]  # (regex group, label name)
    query: tuple[tuple[str, str | None], ...]  # fixed query parameters (value None: any)
    specificity: tuple[int, int, int, int]


@dataclass(frozen=True)
class RouteMatch:
    """A request matched to ``operation``: decoded label values and the fixed query keys."""

    operation: str
    labels: dict[str, str]
    bound_query_keys: frozenset[str]


def compile_route(operation: str, method: str, template: str) -> Route:
    """A route for ``template`` (``requestUri`` of the model)."""
    path, _, query_text = template.partition("?")
    pattern = ["^"]
    labels: list[tuple[str, str]] = []
    greedy = 0
    position = 0
    for match in _LABEL.finditer(path):
        pattern.append(re.escape(path[position : match.start()]))
        name = match.group(1)
        group = f"g{len(labels)}"
        if name.endswith("+"):
            greedy += 1
            pattern.append(f"(?P<{group}>.+)")
            name = name[:-1]
        else:
            pattern.append(f"(?P<{group}>[^/]+)")
        labels.append((group, name))
        position = match.end()
    pattern.append(re.escape(path[position:]) + "$")
    query: list[tuple[str, str | None]] = []
    for part in filter(None, query_text.split("&")):
        key, has_value, value = part.partition("=")
        query.append((key, value if has_value else None))
    literal_segments = sum(1 for segment in path.split("/") if segment and "{" not in segment)
    return Route(
        operation=operation,
        method=method.upper(),
        template=template,
        regex=re.compile("".join(pattern)),
        labels=tuple(labels),
        query=tuple(query),
        specificity=(-literal_segments, -len(query), greedy, -len(path)),
    )


def query_pairs(query_string: str) -> list[tuple[str, str]]:
    """Decoded (key, value) pairs of a raw query string, repeated keys kept in order;
    ``EncodingError`` for a component that is not percent-encoded UTF-8.

    ``+`` stays ``+``: AWS SDKs encode a space as ``%20``, and SigV4 canonicalisation
    re-encodes these pairs per RFC 3986.
    """
    pairs = []
    for part in query_string.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((decode(key), decode(value)))
    return pairs


class RestRouter:
    """Every operation of a rest-json service, most specific template first per method."""

    def __init__(self, spec: ServiceSpec) -> None:
        routes: dict[str, list[Route]] = {}
        for name in spec.operation_names:
            http = spec.operation(name).http
            route = compile_route(name, http.get("method", "POST"), http["requestUri"])
            routes.setdefault(route.method, []).append(route)
        self._routes = {m: sorted(rs, key=lambda r: r.specificity) for m, rs in routes.items()}

    def match(self, method: str, raw_path: str, query: list[tuple[str, str]]) -> RouteMatch | None:
        """The operation for ``method`` ``raw_path`` (percent-encoded) and decoded ``query``;
        ``EncodingError`` when a label of the matching route is not percent-encoded UTF-8."""
        present: dict[str, str] = {}
        for key, value in query:
            present.setdefault(key, value)
        for route in self._routes.get(method.upper(), ()):
            found = route.regex.match(raw_path)
            if found is None:
                continue
            if any(
                key not in present or (value is not None and present[key] != value)
                for key, value in route.query
            ):
                continue
            return RouteMatch(
                operation=route.operation,
                labels={name: decode(found.group(group)) for group, name in route.labels},
                bound_query_keys=frozenset(key for key, _ in route.query),
            )
        return None
