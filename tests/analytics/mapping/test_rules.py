"""Rules files: parsing, validation on write, matching."""

from __future__ import annotations

import pytest

from sightgate.analytics.mapping.rules import (
    DEFAULT_RULES,
    JitMode,
    NamespaceRule,
    UnmatchedPolicy,
    parse_rules,
    parse_rules_text,
)
from sightgate.platform.errors import ValidationError

ISSUE_EXAMPLE = """
namespace_rules:
  - group: red-customer-grp
    namespace: red-customer
  - group_pattern: "(?P<namespace>.+)-grp"
    create_namespace: true
    only_groups: [red-customer-grp, blue-customer-grp]
unmatched_users: default
just_in_time_provisioning: false
"""


def test_the_issue_example_parses() -> None:
    rules = parse_rules_text(ISSUE_EXAMPLE)
    assert rules.namespace_rules[0] == NamespaceRule(
        group="red-customer-grp", namespace="red-customer"
    )
    assert rules.namespace_rules[1].create_namespace
    assert rules.unmatched_users is UnmatchedPolicy.DEFAULT
    assert rules.just_in_time_provisioning is JitMode.OFF
    assert rules.match("red-customer-grp") == ("red-customer", False)  # first match wins
    assert rules.match("blue-customer-grp") == ("blue-customer", True)
    assert rules.match("green-customer-grp") is None  # only_groups
    assert rules.match("qs-reader-grp") is None


def test_round_trip_through_the_document() -> None:
    rules = parse_rules_text(ISSUE_EXAMPLE)
    assert parse_rules(rules.to_document()) == rules


def test_defaults() -> None:
    assert parse_rules_text("") == DEFAULT_RULES
    assert DEFAULT_RULES.namespace_rules == ()
    assert DEFAULT_RULES.unmatched_users is UnmatchedPolicy.DEFAULT
    assert DEFAULT_RULES.just_in_time_provisioning is JitMode.DEFAULT_ONLY
    assert DEFAULT_RULES.allows_jit("default") and not DEFAULT_RULES.allows_jit("red")


@pytest.mark.parametrize(
    ("value", "mode"),
    [(True, JitMode.ALL), (False, JitMode.OFF), ("off", JitMode.OFF), ("all", JitMode.ALL)],
)
def test_jit_values(value: object, mode: JitMode) -> None:
    assert parse_rules({"just_in_time_provisioning": value}).just_in_time_provisioning is mode


def test_pattern_is_a_full_match() -> None:
    rules = parse_rules({"namespace_rules": [{"group_pattern": "(?P<namespace>.+)-grp"}]})
    assert rules.match("red-grp") == ("red", False)
    assert rules.match("red-grp-old") is None


def test_exact_names_match_in_any_letter_case() -> None:
    rules = parse_rules({"namespace_rules": [{"group": "Red-Grp", "namespace": "red"}]})
    assert rules.match("red-grp") == ("red", False)


def test_a_pattern_with_a_fixed_namespace() -> None:
    rules = parse_rules(
        {"namespace_rules": [{"group_pattern": "partner-.*", "namespace": "partners"}]}
    )
    assert rules.match("partner-acme") == ("partners", False)


def test_a_captured_name_that_is_no_namespace_name_does_not_match() -> None:
    rules = parse_rules({"namespace_rules": [{"group_pattern": "(?P<namespace>.+)-grp"}]})
    assert rules.match("red customer-grp") is None


@pytest.mark.parametrize(
    ("document", "field", "message"),
    [
        (
            {"namespace_rules": [{"group_pattern": "(unclosed"}]},
            "group_pattern",
            "regular expression",
        ),
        ({"namespace_rules": [{"group_pattern": ".+-grp"}]}, "group_pattern", "(?P<namespace>"),
        ({"namespace_rules": [{"group": "red-grp"}]}, "namespace_rules[0]", "needs a namespace"),
        ({"namespace_rules": [{"namespace": "red"}]}, "namespace_rules[0]", "exactly one"),
        (
            {"namespace_rules": [{"group": "a", "group_pattern": "b", "namespace": "c"}]},
            "namespace_rules[0]",
            "exactly one",
        ),
        ({"namespace_rules": [{"group": "a", "namespace": "bad name"}]}, "namespace", "letters"),
        ({"namespace_rules": [{"group": "a", "namespace": "b", "colour": 1}]}, "[0]", "unknown"),
        (
            {"namespace_rules": [{"group": "a", "namespace": "b", "only_groups": []}]},
            "only",
            "list",
        ),
        (
            {"namespace_rules": [{"group": "a", "namespace": "b", "create_namespace": "yes"}]},
            "create",
            "true",
        ),
        ({"unmatched_users": "drop"}, "unmatched_users", "default | skip"),
        ({"just_in_time_provisioning": "sometimes"}, "just_in_time", "default-only"),
        ({"namespace_rule": []}, "rules", "unknown"),
        ({"namespace_rules": "x"}, "namespace_rules", "list"),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_error(
    document: object, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_rules(document)
    assert field in raised.value.field
    assert message in raised.value.reason


def test_invalid_yaml_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="not valid YAML"):
        parse_rules_text("namespace_rules: [")
    with pytest.raises(ValidationError, match="mapping"):
        parse_rules_text("- a\n- b\n")
