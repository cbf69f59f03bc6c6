"""Loads the demo scenario through the services; running it twice changes nothing.

So far it loads what exists of the product: the Identity Center instance, the identity
store's users (with names and e-mails), groups and memberships, the analytics account
subscribed with the blog's role groups (users reach it through provisioning), the
datasets with generated rows (``demo/datasets.py``), and the dashboards in their shared
folders with a theme per customer (``demo/assets.py``, which provisions the account first
so the folders can be shared with its groups).

A store loaded by an older demo, whose users had no names or e-mails, gets them on the
next load; whatever a user already has is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from importlib import resources
from typing import Any

import yaml

from sightgate.analytics.directory.model import SubscriptionRequest
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.demo.assets import load_assets
from sightgate.demo.datasets import load_datasets
from sightgate.identity.model import Email, GroupFields, InstanceType, Name, User, UserFields
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
    users_updated: int
    groups_created: int
    memberships_created: int
    account_subscribed: bool
    data_sets_created: tuple[str, ...] = ()
    folders_created: tuple[str, ...] = ()
    dashboards_created: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "IdentityStoreId": self.identity_store_id,
            "InstanceArn": self.instance_arn,
            "UsersCreated": self.users_created,
            "UsersUpdated": self.users_updated,
            "GroupsCreated": self.groups_created,
            "MembershipsCreated": self.memberships_created,
            "AccountSubscribed": self.account_subscribed,
            "DataSetsCreated": list(self.data_sets_created),
            "FoldersCreated": list(self.folders_created),
            "DashboardsCreated": list(self.dashboards_created),
        }


def load_scenario_file() -> dict[str, Any]:
    """The scenario shipped inside the package."""
    text = resources.files("sightgate.demo").joinpath("scenario.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def load_demo(
    services: Services, settings: Settings, scenario: dict[str, Any] | None = None
) -> DemoSummary:
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

    users_created = users_updated = memberships_created = 0
    members: dict[str, list[str]] = {name: [] for name in group_ids}
    for entry in scenario["users"]:
        demo = _user_fields(entry)
        user = identity.find_user(store_id, demo.user_name)
        if user is None:
            user = identity.create_user(store_id, demo, DEMO_ACTOR)
            users_created += 1
        elif _filled_in(user, demo) != user.fields():
            user = identity.update_user(
                store_id, user.user_id, partial(_filled_in, demo=demo), DEMO_ACTOR
            )
            users_updated += 1
        for group_name in entry.get("groups", []):
            members[group_name].append(user.user_id)
    for group_name, user_ids in members.items():
        added = identity.add_members(store_id, group_ids[group_name], user_ids, DEMO_ACTOR)
        memberships_created += len(added)
    subscribed = _subscribe(services, scenario["analytics_account"], instance.instance_arn)
    data_sets = tuple(load_datasets(services, settings, scenario, DEMO_ACTOR))
    assets = load_assets(services, scenario, DEMO_ACTOR)
    return DemoSummary(
        identity_store_id=store_id,
        instance_arn=instance.instance_arn,
        users_created=users_created,
        users_updated=users_updated,
        groups_created=groups_created,
        memberships_created=memberships_created,
        account_subscribed=subscribed,
        data_sets_created=data_sets,
        folders_created=assets.folders_created,
        dashboards_created=assets.dashboards_created,
    )


def _user_fields(entry: dict[str, Any]) -> UserFields:
    """A scenario user: user name, display name, given and family name, one e-mail."""
    name = entry.get("name", {})
    email = entry.get("email")
    return UserFields(
        user_name=entry["userName"],
        display_name=entry.get("displayName"),
        name=Name(given_name=name.get("givenName"), family_name=name.get("familyName")),
        emails=(Email(value=email, type="work", primary=True),) if email else (),
    )


def _filled_in(user: User, demo: UserFields) -> UserFields:
    """The user's fields with the demo's display name, name and e-mail where the user has
    none (as an older demo left them); never overwrites what is there."""
    current = user.fields()
    return replace(
        current,
        display_name=current.display_name or demo.display_name,
        name=current.name if current.name != Name() else demo.name,
        emails=current.emails or demo.emails,
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
