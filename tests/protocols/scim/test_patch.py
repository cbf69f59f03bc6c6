"""PATCH semantics on canonical resources and group member operations (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from sightgate.protocols.scim.errors import ScimError
from sightgate.protocols.scim.patch import (
    MemberOp,
    Operation,
    apply_operations,
    parse_operations,
    split_member_operations,
)
from sightgate.protocols.scim.schema import ENTERPRISE, ENTERPRISE_SCHEMA, USER


def patched(doc: dict[str, Any], *ops: dict[str, Any]) -> dict[str, Any]:
    return apply_operations(doc, parse_operations({"Operations": list(ops)}), USER, ENTERPRISE)


def test_op_names_in_any_case_and_limits() -> None:
    ops = parse_operations({"operations": [{"op": "Add", "path": "title", "value": "x"}]})
    assert ops == [Operation("add", "title", "x")]
    with pytest.raises(ScimError) as caught:
        parse_operations({"Operations": [{"op": "add", "path": "title", "value": "x"}] * 1001})
    assert caught.value.scim_type == "tooMany"
    with pytest.raises(ScimError):
        parse_operations({"Operations": []})


def test_add_to_a_multi_valued_attribute_appends_without_duplicates() -> None:
    doc = {"userName": "u", "emails": [{"value": "a@x.org", "primary": True}]}
    result = patched(
        doc,
        {
            "op": "add",
            "path": "emails",
            "value": [{"value": "a@x.org", "primary": True}, {"value": "b@x.org"}],
        },
    )
    assert result["emails"] == [{"value": "a@x.org", "primary": True}, {"value": "b@x.org"}]
    assert doc["emails"] == [{"value": "a@x.org", "primary": True}]  # the input is not mutated


def test_a_new_primary_value_demotes_the_old_one() -> None:
    doc = {"userName": "u", "emails": [{"value": "a@x.org", "primary": True}]}
    result = patched(
        doc, {"op": "add", "path": "emails", "value": [{"value": "b@x.org", "primary": True}]}
    )
    assert [e.get("primary") for e in result["emails"]] == [False, True]


def test_filtered_replace_creates_the_value_when_nothing_matches() -> None:
    result = patched(
        {"userName": "u"},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "w@x.org"},
    )
    assert result["emails"] == [{"type": "work", "value": "w@x.org"}]


def test_filtered_replace_without_an_equality_filter_is_no_target() -> None:
    with pytest.raises(ScimError) as caught:
        patched(
            {"userName": "u"},
            {"op": "replace", "path": 'emails[value co "x"].type', "value": "home"},
        )
    assert caught.value.scim_type == "noTarget"


def test_remove_with_a_value_removes_only_those_values() -> None:
    doc = {"userName": "u", "emails": [{"value": "a@x.org"}, {"value": "b@x.org"}]}
    result = patched(doc, {"op": "remove", "path": "emails", "value": [{"value": "b@x.org"}]})
    assert result["emails"] == [{"value": "a@x.org"}]


def test_pathless_replace_with_dotted_and_urn_keys() -> None:
    result = patched(
        {"userName": "u", "name": {"familyName": "F"}},
        {
            "op": "replace",
            "value": {
                "name.givenName": "G",
                f"{ENTERPRISE_SCHEMA}:department": "D",
                "active": "False",
                "id": "ignored",
                "nonsense": "ignored",
            },
        },
    )
    assert result["name"] == {"familyName": "F", "givenName": "G"}
    assert result[ENTERPRISE_SCHEMA] == {"department": "D"}
    assert result["active"] is False
    assert "id" not in result and "nonsense" not in result


def test_manager_as_a_bare_id_string() -> None:
    result = patched(
        {"userName": "u"}, {"op": "add", "path": f"{ENTERPRISE_SCHEMA}:manager", "value": "m-1"}
    )
    assert result[ENTERPRISE_SCHEMA] == {"manager": {"value": "m-1"}}


def test_the_extension_urn_as_a_path_acts_like_a_complex_attribute() -> None:
    doc = {"userName": "u", ENTERPRISE_SCHEMA: {"department": "D", "division": "V"}}
    value = {"Department": "D2", "costCenter": "C", "nonsense": "ignored"}
    for op in ("add", "replace"):
        result = patched(doc, {"op": op, "path": ENTERPRISE_SCHEMA.upper(), "value": value})
        assert result[ENTERPRISE_SCHEMA] == {"department": "D2", "division": "V", "costCenter": "C"}
    assert ENTERPRISE_SCHEMA not in patched(doc, {"op": "remove", "path": ENTERPRISE_SCHEMA})
    with pytest.raises(ScimError) as caught:
        patched(doc, {"op": "add", "path": ENTERPRISE_SCHEMA, "value": "not an object"})
    assert caught.value.scim_type == "invalidValue"


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (
            {"op": "add", "path": "members", "value": [{"value": "a", "$ref": None}]},
            MemberOp("add", ("a",)),
        ),
        (
            {"op": "Remove", "path": "members", "value": [{"value": "a"}]},
            MemberOp("remove", ("a",)),
        ),
        ({"op": "remove", "path": "members"}, MemberOp("remove_all")),
        ({"op": "remove", "path": 'members[value eq "a"]'}, MemberOp("remove", ("a",))),
        (
            {"op": "remove", "path": 'members[value eq "a" or value eq "b"]'},
            MemberOp("remove", ("a", "b")),
        ),
        (
            {"op": "replace", "path": "members", "value": [{"value": "b"}]},
            MemberOp("replace", ("b",)),
        ),
        ({"op": "replace", "value": {"members": [{"value": "c"}]}}, MemberOp("replace", ("c",))),
    ],
)
def test_member_operations_become_set_operations(
    operation: dict[str, Any], expected: MemberOp
) -> None:
    member_ops, _ = split_member_operations(parse_operations({"Operations": [operation]}))
    assert member_ops == [expected]


def test_member_filters_other_than_value_eq_are_refused() -> None:
    with pytest.raises(ScimError) as caught:
        split_member_operations(
            parse_operations({"Operations": [{"op": "remove", "path": 'members[display co "a"]'}]})
        )
    assert caught.value.scim_type == "invalidPath"


def test_okta_rename_keeps_attribute_and_member_parts_apart() -> None:
    member_ops, others = split_member_operations(
        parse_operations(
            {
                "Operations": [
                    {"op": "replace", "value": {"id": "g", "displayName": "New"}},
                    {"op": "add", "path": "members", "value": [{"value": "u"}]},
                ]
            }
        )
    )
    assert member_ops == [MemberOp("add", ("u",))]
    assert others == [Operation("replace", None, {"id": "g", "displayName": "New"})]
