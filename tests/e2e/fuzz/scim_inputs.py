"""Generated SCIM requests: every endpoint and method, plausible documents with hostile
values, PATCH operations, filters from a small grammar plus garbage, hostile query strings
and headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from tests.e2e.fuzz.probe import FuzzRequest
from tests.e2e.fuzz.wire import (
    body_of,
    head_text,
    hostile_number,
    hostile_text,
    huge_text,
    random_json,
    raw_body,
    tricky_text,
    wrong_value,
)
from tests.e2e.scim_client import CORE_GROUP, CORE_USER, ENTERPRISE, PATCH_OP

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class ScimTargets:
    """What the fuzzed requests aim at: a store with a user and a group (and its token),
    and a second store whose token must not work on the first."""

    store_id: str
    token: str
    user_id: str
    group_id: str
    other_store_id: str
    other_token: str


def maybe_hostile(normal: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``normal``, else hostile text or a value of the wrong type."""
    return st.one_of(normal, normal, hostile_text, wrong_value)


def url_part(text: str, safe: str = "", limit: int = 600) -> str:
    """``text`` percent-encoded as UTF-8 (lone surrogates as the bytes they would be),
    cut to ``limit`` characters so that a whole request head stays under 16 KiB."""
    encoded = quote(text.encode("utf-8", "surrogatepass"), safe=safe)[:limit]
    escape = encoded.rfind("%", len(encoded) - 2)
    return encoded[:escape] if escape >= 0 else encoded


def header_value(text: str) -> str:
    """``text`` reduced to what HTTP/1.1 lets a client put in a header field."""
    return "".join(c for c in text if 0x20 <= ord(c) <= 0xFF and c != "\x7f").strip()


header_text = head_text.map(header_value)

# -- resources ----------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9._-]{0,20}", fullmatch=True)
short_text = st.one_of(names, tricky_text)


def ids(t: ScimTargets) -> st.SearchStrategy[str]:
    """Resource ids: the seeded ones, unknown ones, hostile text."""
    return st.one_of(
        st.sampled_from((t.user_id, t.group_id)),
        st.uuids().map(str),
        hostile_text,
    )


def multi_valued(**members: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A multi-valued complex attribute (emails, addresses, ...), or something else."""
    item = st.fixed_dictionaries(
        {},
        optional={
            **members,
            "type": maybe_hostile(st.sampled_from(("work", "home", "other"))),
            "primary": maybe_hostile(st.booleans()),
        },
    )
    return maybe_hostile(st.lists(item, max_size=3))


def user_document(t: ScimTargets) -> st.SearchStrategy[dict[str, Any]]:
    """A User as an IdP might send it, each attribute possibly hostile or mistyped."""
    return st.fixed_dictionaries(
        {"schemas": maybe_hostile(st.sampled_from(([CORE_USER], [CORE_USER, ENTERPRISE])))},
        optional={
            "userName": maybe_hostile(names),
            "name": maybe_hostile(
                st.fixed_dictionaries(
                    {},
                    optional={
                        k: maybe_hostile(short_text)
                        for k in ("givenName", "familyName", "formatted", "middleName")
                    },
                )
            ),
            **{
                k: maybe_hostile(short_text)
                for k in ("displayName", "nickName", "title", "locale", "timezone", "profileUrl")
            },
            "active": maybe_hostile(st.booleans()),
            "externalId": maybe_hostile(short_text),
            "emails": multi_valued(value=maybe_hostile(names.map(lambda n: f"{n}@example.com"))),
            "phoneNumbers": multi_valued(value=maybe_hostile(st.just("+1 555 0100"))),
            "addresses": multi_valued(
                streetAddress=maybe_hostile(short_text), country=maybe_hostile(short_text)
            ),
            "groups": wrong_value,
            "id": maybe_hostile(ids(t)),
            "meta": random_json,
            ENTERPRISE: maybe_hostile(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "employeeNumber": maybe_hostile(short_text),
                        "department": maybe_hostile(short_text),
                        "manager": maybe_hostile(
                            st.fixed_dictionaries({"value": maybe_hostile(ids(t))})
                        ),
                    },
                )
            ),
            "urn:example:unknown": random_json,
        },
    )


def members(t: ScimTargets) -> st.SearchStrategy[Any]:
    return maybe_hostile(
        st.lists(
            st.fixed_dictionaries(
                {"value": maybe_hostile(ids(t))},
                optional={
                    "type": maybe_hostile(st.sampled_from(("User", "Group"))),
                    "$ref": hostile_text,
                    "display": hostile_text,
                },
            ),
            max_size=4,
        )
    )


def group_document(t: ScimTargets) -> st.SearchStrategy[dict[str, Any]]:
    """A Group as an IdP might send it, each attribute possibly hostile or mistyped."""
    return st.fixed_dictionaries(
        {"schemas": maybe_hostile(st.just([CORE_GROUP]))},
        optional={
            "displayName": maybe_hostile(names),
            "members": members(t),
            "externalId": maybe_hostile(short_text),
            "id": maybe_hostile(ids(t)),
        },
    )


# -- filters and PATCH paths --------------------------------------------------------------

ATTRIBUTES = (
    "userName",
    "displayName",
    "emails",
    "emails.value",
    "emails.type",
    "name.familyName",
    "active",
    "externalId",
    "id",
    "meta.lastModified",
    "meta.created",
    "meta.resourceType",
    "members",
    "members.value",
    "title",
    f"{CORE_USER}:userName",
    f"{ENTERPRISE}:employeeNumber",
    f"{ENTERPRISE}:manager.value",
    "groups.value",
    "unknownAttr",
    "userName.x.y",
    "urn:nope:Thing:attr",
)
COMPARISONS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Sw", "xx", "==", "")


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


filter_value = st.one_of(
    st.one_of(names, tricky_text, huge_text, st.sampled_from(("x' OR 1=1 --", "%", "_"))).map(
        quoted
    ),
    st.sampled_from(
        (
            "true",
            "false",
            "null",
            "1e400",
            "-0",
            "9" * 10_000,
            "1" + "0" * 30,
            '"2011-05-13T04:42:34Z"',
            '"not a date"',
            "\"x' OR 1=1 --",  # unterminated
            "x' OR 1=1 --",
            "'single'",
        )
    ),
)
attribute = st.one_of(st.sampled_from(ATTRIBUTES), tricky_text)
comparison = st.one_of(
    st.builds(
        lambda a, op, v: f"{a} {op} {v}", attribute, st.sampled_from(COMPARISONS), filter_value
    ),
    attribute.map(lambda a: f"{a} pr"),
)
grammar_filter = st.recursive(
    comparison,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"{a} and {b}", inner, inner),
        st.builds(lambda a, b: f"{a} or {b}", inner, inner),
        inner.map(lambda a: f"not ({a})"),
        inner.map(lambda a: f"({a})"),
        st.builds(lambda a, f: f"{a}[{f}]", st.sampled_from(("emails", "members")), inner),
    ),
    max_leaves=6,
)
garbage_filter = st.one_of(
    hostile_text,
    grammar_filter.map(lambda f: f"({f}"),
    grammar_filter.map(lambda f: f"{f})"),
    grammar_filter.map(lambda f: f"emails[{f}"),
    grammar_filter.map(lambda f: f"{f}]"),
    comparison.map(lambda c: " or ".join([c] * 400)),
    comparison.map(lambda c: "(" * 500 + c + ")" * 500),
    comparison.map(lambda c: "not (" * 300 + c + ")" * 300),
    st.sampled_from(("userName eq", "eq eq eq", "and", "not", "()", "[]", 'userName eq "a" and')),
)
scim_filter = st.one_of(grammar_filter, grammar_filter, garbage_filter)

patch_path = st.one_of(
    st.sampled_from(ATTRIBUTES),
    st.sampled_from(
        (
            "name.givenName",
            'emails[type eq "work"].value',
            'addresses[type eq "work"].locality',
            f"{ENTERPRISE}:manager",
            ENTERPRISE,
            "schemas",
            "meta",
            "members[value eq",
            'members[value eq "x"]]',
            "a..b",
            "]",
            "",
        )
    ),
    st.builds(lambda a, f: f"{a}[{f}]", st.sampled_from(("members", "emails")), scim_filter),
    hostile_text,
)


def patch_document(t: ScimTargets) -> st.SearchStrategy[dict[str, Any]]:
    """A PatchOp with wrong ops, paths and values among the right ones."""
    value = st.one_of(
        random_json,
        wrong_value,
        members(t),
        st.fixed_dictionaries({"members": members(t)}),
        user_document(t),
        st.just({"active": False}),
    )
    operation = st.fixed_dictionaries(
        {
            "op": maybe_hostile(
                st.sampled_from(("add", "replace", "remove", "Add", "REPLACE", "delete", "move"))
            )
        },
        optional={"path": maybe_hostile(patch_path), "value": value},
    )
    operations = st.one_of(
        st.lists(operation, max_size=4),
        operation.map(lambda op: [op] * 1001),
        wrong_value,
    )
    return st.fixed_dictionaries(
        {"schemas": maybe_hostile(st.just([PATCH_OP]))},
        optional={"Operations": operations},
    )


# -- lists, searches, bulk ----------------------------------------------------------------

NUMBERS_AS_TEXT = (
    "1",
    "0",
    "-1",
    "-999999",
    "1" + "0" * 30,
    "9" * 10_000,
    "1e400",
    "Infinity",
    "-Infinity",
    "NaN",
    "abc",
    "",
    "1.5",
    " 1",
    "0x10",
    "2147483648",
    "9223372036854775808",
    "١٢",  # Arabic-Indic digits
)
number_text = st.one_of(st.sampled_from(NUMBERS_AS_TEXT), st.integers().map(str))
attribute_list = st.one_of(
    st.lists(attribute, max_size=4).map(",".join), hostile_text, st.just(",,,")
)
sort_order = st.one_of(st.sampled_from(("ascending", "descending", "ASC", "")), hostile_text)

query_parameters = st.fixed_dictionaries(
    {},
    optional={
        "filter": scim_filter,
        "startIndex": number_text,
        "count": number_text,
        "attributes": attribute_list,
        "excludedAttributes": attribute_list,
        "sortBy": attribute,
        "sortOrder": sort_order,
        "x-unknown": hostile_text,
    },
)

search_document = st.fixed_dictionaries(
    {"schemas": maybe_hostile(st.just([SEARCH_REQUEST]))},
    optional={
        "filter": maybe_hostile(scim_filter),
        "startIndex": st.one_of(st.integers(), hostile_number, wrong_value),
        "count": st.one_of(st.integers(), hostile_number, wrong_value),
        "attributes": maybe_hostile(st.lists(attribute, max_size=4)),
        "excludedAttributes": maybe_hostile(st.lists(attribute, max_size=4)),
        "sortBy": maybe_hostile(attribute),
        "sortOrder": maybe_hostile(sort_order),
    },
)


def bulk_document(t: ScimTargets) -> st.SearchStrategy[dict[str, Any]]:
    """A BulkRequest mixing plausible and hostile operations (bulkId references too)."""
    path = st.one_of(
        st.sampled_from(
            (
                "/Users",
                "/Groups",
                f"/Users/{t.user_id}",
                f"/Groups/{t.group_id}",
                "/Users/bulkId:u1",
                "/Groups/bulkId:missing",
                "/Bulk",
                "/Me",
                "Users",
                "",
            )
        ),
        hostile_text,
    )
    data = st.one_of(
        user_document(t),
        group_document(t),
        patch_document(t),
        st.just({"schemas": [CORE_GROUP], "displayName": "g", "members": [{"value": "bulkId:u1"}]}),
        random_json,
    )
    operation = st.fixed_dictionaries(
        {"method": maybe_hostile(st.sampled_from(("POST", "PUT", "PATCH", "DELETE", "GET")))},
        optional={
            "path": path,
            "bulkId": maybe_hostile(st.sampled_from(("u1", "g1", ""))),
            "data": data,
            "version": maybe_hostile(st.sampled_from(('W/"1"', "*"))),
        },
    )
    return st.fixed_dictionaries(
        {"schemas": maybe_hostile(st.just([BULK_REQUEST]))},
        optional={
            "failOnErrors": st.one_of(st.integers(), hostile_number, wrong_value),
            "Operations": st.one_of(st.lists(operation, max_size=4), wrong_value),
        },
    )


def body(t: ScimTargets) -> st.SearchStrategy[bytes]:
    """Any request body: plausible documents of every kind, random JSON, broken text."""
    return st.one_of(
        st.one_of(
            user_document(t),
            group_document(t),
            patch_document(t),
            search_document,
            bulk_document(t),
            random_json,
        ).map(body_of),
        raw_body,
    )


# -- paths and headers --------------------------------------------------------------------

ETAGS = (
    "*",
    'W/"1"',
    '"1"',
    'W/"0"',
    'W/"-1"',
    'W/"abc"',
    'W/"1e400"',
    'W/"' + "9" * 5_000 + '"',
    '"' + "9" * 5_000 + '"',
    'W/"1", W/"2"',
    "W/",
    '"',
)
etag = st.one_of(st.sampled_from(ETAGS), header_text)
CONTENT_TYPES = (
    "application/scim+json",
    "application/json",
    "application/json; charset=utf-16",
    "text/plain",
    "application/xml",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "",
)


def endpoint_path(t: ScimTargets) -> st.SearchStrategy[str]:
    """Every SCIM endpoint below ``/v2/``, about a seeded or a hostile resource."""
    resource = st.one_of(ids(t).map(url_part), st.sampled_from(("", ".", "..", "%2e%2e", "%00")))
    return st.one_of(
        st.sampled_from(
            (
                "Users",
                "Groups",
                ".search",
                "Users/.search",
                "Groups/.search",
                "Bulk",
                "ServiceProviderConfig",
                "ResourceTypes",
                "ResourceTypes/User",
                "ResourceTypes/Nope",
                "Schemas",
                f"Schemas/{CORE_USER}",
                "Schemas/urn:nope",
                "Me",
                "users/",
                "serviceConfiguration",
            )
        ),
        resource.map(lambda r: f"Users/{r}"),
        resource.map(lambda r: f"Groups/{r}"),
        resource.map(lambda r: f"Users/{r}/extra"),
        hostile_text.map(lambda s: url_part(s, safe="/")),
    )


def store_path(t: ScimTargets) -> st.SearchStrategy[str]:
    """``/scim/{store}/v2``, mostly for the seeded store."""
    other = st.one_of(st.just(t.other_store_id), hostile_text.map(url_part))
    return st.one_of(st.just(t.store_id), st.just(t.store_id), other).map(
        lambda store: f"/scim/{store}/v2"
    )


def query_string(parameters: dict[str, str]) -> str:
    pairs = [f"{url_part(k)}={url_part(v)}" for k, v in parameters.items()]
    return "?" + "&".join(pairs) if pairs else ""


def authorization(t: ScimTargets, *, valid: bool) -> st.SearchStrategy[str | None]:
    """An Authorization header: the store's bearer token, or (``valid=False``) none, a
    forged one, another store's, another scheme's."""
    forged = st.one_of(
        st.none(),
        st.just(f"Bearer {t.other_token}"),
        st.just(f"Bearer {t.token[:-1]}{'A' if t.token[-1] != 'A' else 'B'}"),
        st.just(f"Bearer {t.token}x"),
        st.sampled_from(("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer " * 50)),
        st.just("Bearer " + "A" * 5_000),
        header_text.map(lambda s: f"Bearer {s}"),
        header_text,
    )
    return st.just(f"Bearer {t.token}") if valid else forged


@st.composite
def scim_request(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    t: ScimTargets,
    *,
    valid_token: bool = True,
    methods: tuple[str, ...] = METHODS,
    endpoints: st.SearchStrategy[str] | None = None,
    bodies: st.SearchStrategy[bytes] | None = None,
) -> FuzzRequest:
    """A request to a SCIM endpoint, with the store's token or (``valid_token=False``)
    with none or a forged one."""
    method = draw(st.sampled_from(methods))
    endpoint = draw(endpoints if endpoints is not None else endpoint_path(t))
    store = draw(store_path(t)) if valid_token else f"/scim/{t.store_id}/v2"
    target = f"{store}/{endpoint}{query_string(draw(query_parameters))}"
    headers: list[tuple[str, str]] = []
    credentials = draw(authorization(t, valid=valid_token))
    if credentials is not None:
        headers.append(("Authorization", credentials))
    headers.append(("Content-Type", draw(st.sampled_from(CONTENT_TYPES))))
    conditions = st.lists(st.sampled_from(("If-Match", "If-None-Match", "Accept")), max_size=2)
    headers.extend((name, draw(etag)) for name in draw(conditions))
    sent_body = draw(bodies if bodies is not None else body(t)) if method != "GET" else b""
    return FuzzRequest(method, target, tuple((k, header_value(v)) for k, v in headers), sent_body)
