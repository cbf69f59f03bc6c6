"""Provisioning rules of one analytics account: which namespace an identity user lands in.

The rules are a value object parsed from a small YAML (or JSON) document and validated as a
whole when written, so a worker never meets a rule it cannot apply:

.. code-block:: yaml

    namespace_rules:                  # first match wins, per identity-store group
      - group: red-customer-grp       # an exact group name (any letter case) ...
        namespace: red-customer
      - group_pattern: "(?P<namespace>.+)-grp"   # ... or a full-match regular expression
        create_namespace: true
        only_groups: [red-customer-grp, blue-customer-grp]   # optional restriction
    unmatched_users: default          # or: skip
    just_in_time_provisioning: default-only   # or: false / off, true / all

A pattern names the namespace with its named group ``namespace`` unless the rule gives
``namespace`` itself. Patterns are matched with ``re.fullmatch`` against the group's
display name, so ``-grp`` cannot match ``red-grp-old``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

from sightgate.analytics.directory.model import (
    DEFAULT_NAMESPACE,
    name_key,
    validate_group_name,
    validate_namespace_name,
)
from sightgate.platform.errors import ValidationError

MAX_RULES = 1000
MAX_PATTERN_LENGTH = 1000


class UnmatchedPolicy(StrEnum):
    """What happens to a role-group member whose groups match no rule."""

    DEFAULT = "default"
    """They are provisioned into the account's ``default`` namespace."""
    SKIP = "skip"
    """They are not provisioned (an existing analytics user is deactivated)."""


class JitMode(StrEnum):
    """Whether sign-in may provision a user the worker has not provisioned yet."""

    OFF = "off"
    DEFAULT_ONLY = "default-only"
    """Only into the ``default`` namespace: QuickSight's own behaviour."""
    ALL = "all"
    """Into whichever namespace the rules give."""


@dataclass(frozen=True)
class NamespaceRule:
    """One rule: an exact group name or a full-match pattern, and where it leads."""

    group: str | None = None
    group_pattern: str | None = None
    namespace: str | None = None
    create_namespace: bool = False
    only_groups: tuple[str, ...] | None = None
    """The only groups this rule may match, in any letter case (``None``: any)."""

    def namespace_for(self, group_name: str) -> str | None:
        """The namespace this rule gives a group called ``group_name``, or ``None``.

        A pattern whose captured namespace is not a valid namespace name does not match.
        """
        if self.only_groups is not None and name_key(group_name) not in {
            name_key(name) for name in self.only_groups
        }:
            return None
        if self.group is not None:
            return self.namespace if name_key(self.group) == name_key(group_name) else None
        assert self.group_pattern is not None
        found = _compiled(self.group_pattern).fullmatch(group_name)
        if found is None:
            return None
        if self.namespace is not None:
            return self.namespace
        captured = found.group("namespace")
        try:
            return validate_namespace_name(captured)
        except ValidationError:
            return None

    def to_document(self) -> dict[str, Any]:
        """The rule as it appears in a rules file."""
        document: dict[str, Any] = {}
        if self.group is not None:
            document["group"] = self.group
        if self.group_pattern is not None:
            document["group_pattern"] = self.group_pattern
        if self.namespace is not None:
            document["namespace"] = self.namespace
        if self.create_namespace:
            document["create_namespace"] = True
        if self.only_groups is not None:
            document["only_groups"] = list(self.only_groups)
        return document


@dataclass(frozen=True)
class ProvisioningRules:
    """An account's rules; the defaults are those of an account that never set any."""

    namespace_rules: tuple[NamespaceRule, ...] = ()
    unmatched_users: UnmatchedPolicy = UnmatchedPolicy.DEFAULT
    just_in_time_provisioning: JitMode = JitMode.DEFAULT_ONLY
    version: int = 0
    """How often the rules were set (0: never); informational."""

    def match(self, group_name: str) -> tuple[str, bool] | None:
        """(namespace, create it when missing) of the first rule matching a group."""
        for rule in self.namespace_rules:
            namespace = rule.namespace_for(group_name)
            if namespace is not None:
                return namespace, rule.create_namespace
        return None

    def allows_jit(self, namespace: str) -> bool:
        """Whether sign-in may provision a user into ``namespace``."""
        if self.just_in_time_provisioning is JitMode.ALL:
            return True
        if self.just_in_time_provisioning is JitMode.DEFAULT_ONLY:
            return name_key(namespace) == DEFAULT_NAMESPACE
        return False

    def to_document(self) -> dict[str, Any]:
        """The rules as a JSON-ready document (the shape ``rules show`` prints)."""
        return {
            "namespace_rules": [rule.to_document() for rule in self.namespace_rules],
            "unmatched_users": self.unmatched_users.value,
            "just_in_time_provisioning": self.just_in_time_provisioning.value,
        }


DEFAULT_RULES = ProvisioningRules()


def parse_rules_text(text: str) -> ProvisioningRules:
    """Rules from YAML (JSON is YAML too); ``ValidationError`` naming what is wrong."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValidationError("rules", f"not valid YAML: {error}") from error
    if document is None:
        document = {}
    return parse_rules(document)


def parse_rules(document: object) -> ProvisioningRules:
    """Rules from a parsed document; every rule is checked, the first problem reported."""
    if not isinstance(document, Mapping):
        raise ValidationError("rules", "must be a mapping with namespace_rules, ...")
    unknown = set(document) - {
        "namespace_rules",
        "unmatched_users",
        "just_in_time_provisioning",
    }
    if unknown:
        raise ValidationError(
            "rules", f"unknown setting(s): {', '.join(sorted(map(str, unknown)))}"
        )
    raw_rules = document.get("namespace_rules") or []
    if not isinstance(raw_rules, Sequence) or isinstance(raw_rules, str):
        raise ValidationError("namespace_rules", "must be a list of rules")
    if len(raw_rules) > MAX_RULES:
        raise ValidationError("namespace_rules", f"at most {MAX_RULES} rules")
    rules = tuple(_parse_rule(index, raw) for index, raw in enumerate(raw_rules))
    return ProvisioningRules(
        namespace_rules=rules,
        unmatched_users=_parse_unmatched(document.get("unmatched_users", "default")),
        just_in_time_provisioning=_parse_jit(
            document.get("just_in_time_provisioning", JitMode.DEFAULT_ONLY.value)
        ),
    )


def rules_to_json(rules: ProvisioningRules) -> str:
    """The stored form of the rules (canonical JSON)."""
    return json.dumps(rules.to_document(), sort_keys=True)


def _parse_rule(index: int, raw: object) -> NamespaceRule:
    where = f"namespace_rules[{index}]"
    if not isinstance(raw, Mapping):
        raise ValidationError(where, "must be a mapping")
    unknown = set(raw) - {"group", "group_pattern", "namespace", "create_namespace", "only_groups"}
    if unknown:
        raise ValidationError(where, f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    group, pattern = raw.get("group"), raw.get("group_pattern")
    if (group is None) == (pattern is None):
        raise ValidationError(where, "needs exactly one of group or group_pattern")
    namespace = raw.get("namespace")
    if namespace is not None:
        namespace = validate_namespace_name(namespace, f"{where}.namespace")
    if group is not None:
        group = validate_group_name(group, f"{where}.group")
        if namespace is None:
            raise ValidationError(where, "a group rule needs a namespace")
    if pattern is not None:
        _check_pattern(f"{where}.group_pattern", pattern, needs_namespace_group=namespace is None)
    create = raw.get("create_namespace", False)
    if not isinstance(create, bool):
        raise ValidationError(f"{where}.create_namespace", "must be true or false")
    only = raw.get("only_groups")
    only_names: tuple[str, ...] | None = None
    if only is not None:
        if not isinstance(only, Sequence) or isinstance(only, str) or not only:
            raise ValidationError(f"{where}.only_groups", "must be a non-empty list of group names")
        only_names = tuple(validate_group_name(name, f"{where}.only_groups") for name in only)
    return NamespaceRule(
        group=group,
        group_pattern=pattern,
        namespace=namespace,
        create_namespace=create,
        only_groups=only_names,
    )


def _check_pattern(where: str, pattern: object, *, needs_namespace_group: bool) -> None:
    if not isinstance(pattern, str) or not pattern:
        raise ValidationError(where, "must be a non-empty string")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValidationError(where, f"at most {MAX_PATTERN_LENGTH} characters")
    try:
        compiled = _compiled(pattern)
    except re.error as error:
        raise ValidationError(where, f"not a regular expression: {error}") from error
    if needs_namespace_group and "namespace" not in compiled.groupindex:
        raise ValidationError(
            where, "needs a named group (?P<namespace>...) or the rule needs a namespace"
        )


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    """Compiled patterns, cached: rules are evaluated for every user of every event."""
    found = _PATTERNS.get(pattern)
    if found is None:
        found = re.compile(pattern)
        if len(_PATTERNS) < 10_000:
            _PATTERNS[pattern] = found
    return found


def _parse_unmatched(value: object) -> UnmatchedPolicy:
    if isinstance(value, str) and value in UnmatchedPolicy._value2member_map_:
        return UnmatchedPolicy(value)
    raise ValidationError("unmatched_users", f"{value!r} is not one of default | skip")


def _parse_jit(value: object) -> JitMode:
    if value is True:
        return JitMode.ALL
    if value is False:
        return JitMode.OFF
    if isinstance(value, str) and value in JitMode._value2member_map_:
        return JitMode(value)
    raise ValidationError(
        "just_in_time_provisioning",
        f"{value!r} is not one of default-only | off (false) | all (true)",
    )


__all__ = [
    "DEFAULT_RULES",
    "JitMode",
    "NamespaceRule",
    "ProvisioningRules",
    "UnmatchedPolicy",
    "parse_rules",
    "parse_rules_text",
    "rules_to_json",
]
