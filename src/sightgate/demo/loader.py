"""Loads the demo scenario through the services; running it twice changes nothing.

So far it loads what exists of the product: the Identity Center instance, the identity
store's users, groups and memberships, and the analytics account subscribed with the
blog's role groups (users reach it through provisioning, a later step).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from sightgate.analytics.directory.model import SubscriptionRequest
from sightgate.bootstrap import Services
from sightgate.identity.model import GroupFields, InstanceType, UserFields
from sightgate.platform.errors import NotFoundError
from sightgate.platform.events import Actor

DEMO_ACTOR = Actor("demo", "loader")
DEMO_REGION = "us-east-1"


@dataclass(frozen=True)
class DemoSummary:
    """What the loader found and created."""

    identity_store_id: str
    instance_arn: str
    users_created: int
    groups_created: int
    memberships_created: int
    account_subscribed: bool

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "IdentityStoreId": self.identity_store_id,
            "InstanceArn": self.instance_arn,
            "UsersCreated": self.users_created,
            "GroupsCreated": self.groups_created,
            "MembershipsCreated": self.memberships_created,
            "AccountSubscribed": self.account_subscribed,
        }


def load_scenario_file() -> dict[str, Any]:
    """The scenario shipped inside the package."""
    text = resources.files("sightgate.demo").joinpath("scenario.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def load_demo(services: Services, scenario: dict[str, Any] | None = None) -> DemoSummary:
    """Create whatever of the scenario is missing."""
    scenario = scenario or load_scenario_file()
    account_id = str(scenario["analytics_account"]["aws_account_id"])
    instance_type = InstanceType(scenario["identity_center"]["instance_type"])
    existing = [i for i in services.instances.list(account_id) if i.type is instance_type]
    instance = (
        existing[0]
        if existing
        else services.instances.create(
            type_=instance_type,
            owner_account_id=account_id,
            actor=DEMO_ACTOR,
            name="sightgate demo",
        )
    )
    store_id = instance.identity_store_id
    identity = services.identity

    groups_created = 0
    group_ids: dict[str, str] = {}
    for name in scenario["groups"]:
        group = identity.find_group(store_id, name)
        if group is None:
            group = identity.create_group(store_id, GroupFields(display_name=name), DEMO_ACTOR)
            groups_created += 1
        group_ids[name] = group.group_id

    users_created = memberships_created = 0
    members: dict[str, list[str]] = {name: [] for name in group_ids}
    for entry in scenario["users"]:
        user = identity.find_user(store_id, entry["userName"])
        if user is None:
            user = identity.create_user(
                store_id, UserFields(user_name=entry["userName"]), DEMO_ACTOR
            )
            users_created += 1
        for group_name in entry.get("groups", []):
            members[group_name].append(user.user_id)
    for group_name, user_ids in members.items():
        added = identity.add_members(store_id, group_ids[group_name], user_ids, DEMO_ACTOR)
        memberships_created += len(added)
    return DemoSummary(
        identity_store_id=store_id,
        instance_arn=instance.instance_arn,
        users_created=users_created,
        groups_created=groups_created,
        memberships_created=memberships_created,
        account_subscribed=_subscribe(
            services, scenario["analytics_account"], instance.instance_arn
        ),
    )


def _subscribe(services: Services, account: dict[str, Any], instance_arn: str) -> bool:
    """Subscribe the analytics account with its role groups, unless it already is."""
    account_id = str(account["aws_account_id"])
    try:
        services.directory.accounts.describe(account_id)
        return False
    except NotFoundError:
        pass
    roles = account.get("role_groups", {})
    services.directory.accounts.create_subscription(
        account_id,
        SubscriptionRequest(
            account_name="sightgate-demo",
            notification_email="analytics-admin@example.com",
            authentication_method=account["authentication_method"],
            iam_identity_center_instance_arn=instance_arn,
            admin_group=tuple(roles.get("ADMIN", ())),
            author_group=tuple(roles.get("AUTHOR", ())),
            reader_group=tuple(roles.get("READER", ())),
        ),
        region=DEMO_REGION,
        actor=DEMO_ACTOR,
    )
    return True
