"""The mapping's own event: an account's namespace rules were replaced."""

from __future__ import annotations

from typing import Any

from sightgate.platform.events import DomainEvent

RULES_SET = "analytics.ProvisioningRulesSet"


def rules_set_event(account_id: str, version: int, document: dict[str, Any]) -> DomainEvent:
    """An account's provisioning rules were replaced."""
    return DomainEvent(
        RULES_SET,
        "ProvisioningRules",
        account_id,
        account_id,
        {"AwsAccountId": account_id, "Version": version, "Rules": document},
    )
