"""Reading untrusted JSON text: bounded nesting, valid Unicode, finite numbers.

``json.loads`` accepts documents that later break us in ways that surface as 500s:
nesting deep enough to exhaust the recursion limit (ours or the parser's), strings with
lone surrogates (``"\\ud800"``, which no database can store and no encoder can write),
``NaN``/``Infinity`` and integers too long for ``int()``. Every protocol adapter reads
request bodies through :func:`loads`, and answers :class:`JsonTextError` in its own shape.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted; real requests use fewer than ten."""

MAX_NUMBER_DIGITS = 400
"""Longest number literal accepted (Python refuses to parse ints past 4,300 digits)."""


class JsonTextError(ValueError):
    """The text is not JSON we accept; the message says why, without echoing the input."""


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``raw`` as JSON, refusing what cannot be stored or answered safely."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise JsonTextError(f"the text is not UTF-8 (byte {error.start})") from None
    try:
        document = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except JsonTextError:
        raise
    except RecursionError:
        raise JsonTextError(f"the document is nested deeper than {max_depth} levels") from None
    except ValueError as error:
        raise JsonTextError(f"the text is not valid JSON: {error}") from None
    check_document(document, max_depth)
    return document


def check_document(document: Any, max_depth: int = MAX_DEPTH) -> None:
    """Refuse nesting past ``max_depth`` and any string (key or value) holding a lone
    surrogate; iterative, so a deep document cannot exhaust the stack here."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_string(value)
        elif isinstance(value, dict | list):
            if depth >= max_depth:
                raise JsonTextError(f"the document is nested deeper than {max_depth} levels")
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_string(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def has_surrogate(value: str) -> bool:
    """Whether ``value`` holds a UTF-16 surrogate code point (never valid in UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_string(value: str) -> None:
    if has_surrogate(value):
        raise JsonTextError("a string holds a lone surrogate (\\ud800-\\udfff), not a character")


def _refuse_constant(name: str) -> Any:
    raise JsonTextError(f"{name} is not a JSON number")


def _parse_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_DIGITS:
        raise JsonTextError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return int(literal)


def _parse_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_DIGITS:
        raise JsonTextError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise JsonTextError("a number is too large to represent")
    return value
