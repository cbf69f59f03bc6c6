"""Hostile values and the JSON text they are sent as.

Python's ``json`` cannot write some of what a hostile client sends (``1e400``, nesting
10,000 deep, a number of 10,000 digits), so generated documents may hold ``Raw`` JSON
fragments that ``encode`` writes verbatim. Strings are written with ``ensure_ascii``, so a
lone surrogate in a generated string reaches the server as the escape ``\\ud800``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class Raw:
    """A fragment of JSON text written as it is (possibly not valid JSON at all)."""

    text: str


def encode(value: Any) -> str:
    """``value`` as JSON text, ``Raw`` fragments inlined; non-finite floats as the
    ``NaN``/``Infinity`` tokens Python writes for them."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{encode(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(encode(v) for v in value) + "]"
    return json.dumps(value)


def as_text(value: Any) -> str:
    """``value`` where the wire wants text (a URI label, a query value, a header)."""
    return value if isinstance(value, str) else encode(value)


def deep_array(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# -- strings ------------------------------------------------------------------------------

TRICKY_CHARS = (
    "\ud800",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "\x00",
    "\x07",
    "\x1f",
    "\x7f",
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\u202e",  # right-to-left override
    "\u0301",  # combining accent
    "\uffff",
    "\U0001f600",
    "\u212a",  # Kelvin sign: NFKC-folds to "K"
    "ß",
    "'",
    '"',
    "\\",
    "%",
    "/",
    "?",
    "#",
    "&",
    "=",
    "*",
    "[",
    "]",
    "{",
    "}",
    " ",
    "\t",
    "\n",
    "\r",
)

INJECTIONS = (
    "x' OR 1=1 --",
    "'; DROP TABLE identity_users; --",
    '" or "1"="1',
    "%' OR '%'='",
    "\\x00",
    "../../../etc/passwd",
    "%2e%2e%2f",
    "${jndi:ldap://x/a}",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "null",
    "undefined",
    "NaN",
    "-0",
    "1e400",
)

tricky_text = st.text(
    alphabet=st.one_of(st.characters(codec=None), st.sampled_from(TRICKY_CHARS)), max_size=40
)
"""Short text of any code points, surrogates and control characters included."""


def huge(sizes: tuple[int, ...]) -> st.SearchStrategy[str]:
    """Text of one of ``sizes`` characters, past length limits (user names 128, ...)."""
    return st.builds(
        lambda chars, times: chars * times,
        st.sampled_from(("A", "é", "\u200b", "\ud800", "'", "%", "x" * 7)),
        st.sampled_from(sizes),
    )


def hostile(long_text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Empty, injection-like, tricky or ``long_text`` strings."""
    return st.one_of(
        st.just(""),
        st.sampled_from(INJECTIONS),
        tricky_text,
        long_text,
        st.sampled_from(TRICKY_CHARS),
    )


huge_text = huge((129, 257, 2049, 70_000, 300_000))
hostile_text = hostile(huge_text)
head_text = hostile(huge((129, 257, 2049)))
"""Hostile text that still fits a request head (the HTTP server refuses heads over 16 KiB
before the app sees them)."""


# -- numbers ------------------------------------------------------------------------------

RAW_NUMBERS = (
    "1e400",
    "-1e400",
    "1E+999999999",
    "-0",
    "-0.0",
    "0.0000000000000000000000000000001",
    "1" + "0" * 30,
    "9" * 401,
    "9" * 10_000,
    "NaN",
    "Infinity",
    "-Infinity",
    "1.7976931348623157e309",
    "00012",
    "0x1F",
    "1_000",
    "+1",
    ".5",
)

hostile_number = st.one_of(
    st.sampled_from(RAW_NUMBERS).map(Raw),
    st.sampled_from((-1, 0, 2**31, 2**63, -(2**63) - 1, 10**30)),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
)

# -- JSON values --------------------------------------------------------------------------

RAW_NESTING = (
    deep_array(63),
    deep_array(65),
    deep_array(1_000),
    deep_array(100_000),
    deep_object(65),
    deep_object(5_000),
    "[" * 10_000,  # never closed
)

scalar = st.one_of(
    st.none(),
    st.booleans(),
    hostile_number,
    tricky_text,
    st.sampled_from(INJECTIONS),
)

random_json = st.recursive(
    scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(tricky_text, children, max_size=4),
    ),
    max_leaves=12,
)
"""Any JSON value, hostile leaves included."""

wrong_value = st.one_of(
    scalar,
    huge_text,
    st.sampled_from(RAW_NESTING).map(Raw),
    st.just([]),
    st.just({}),
    random_json,
)
"""What a client may send where some other type belongs."""

RAW_BODIES = (
    b"",
    b"   ",
    b"null",
    b"[]",
    b'"a string"',
    b"123",
    b"{",
    b'{"a":1',
    b'{"a":1}}',
    b"{'a': 1}",
    b'{"a":1,}',
    b'{"a":1}{"b":2}',
    b"\xef\xbb\xbf{}",  # UTF-8 byte order mark
    b"\xff\xfe{\x00}\x00",  # UTF-16
    b'{"a":"\xc3"}',  # truncated UTF-8
    b'{"a":"\xed\xa0\x80"}',  # an encoded surrogate
    b'{"a":"\\ud800"}',
    b'{"a":"\\udc00\\ud800"}',
    b'{"a":"\\u12"}',
    b'{"a":1e400}',
    b'{"a":NaN}',
    b'{"a":Infinity}',
    b'{"a":-Infinity}',
    b'{"a":' + b"9" * 10_000 + b"}",
    b'{"a":1,"a":2}',
    b'{"\x00":1}',
    deep_array(100_000).encode(),
    deep_object(10_000).encode(),
    b"[" * 200_000,
    b"\x00" * 64,
)
"""Bodies that are no JSON document a handler could want."""

raw_body = st.sampled_from(RAW_BODIES)


def body_of(document: Any) -> bytes:
    """The bytes of a generated document (``encode`` writes ASCII except in ``Raw``)."""
    return encode(document).encode("utf-8", "surrogatepass")
