"""Fixtures of the analytics tests: a subscribed account, and helpers to read events."""

from __future__ import annotations

from typing import Any

import pytest

from sightgate.analytics.directory.model import (
    AccountSubscription,
    SubscriptionRequest,
    User,
    UserRegistration,
)
from sightgate.analytics.directory.services import Directory
from sightgate.bootstrap import Services
from sightgate.identity.model import InstanceType
from sightgate.platform.db import Database
from sightgate.platform.events import Actor, StoredEvent, read_events

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
REGION = "eu-west-1"
ACTOR = Actor("test", "admin")
UNKNOWN_INSTANCE_ARN = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
"""Well-formed, but no instance has it: refused wherever an account links to it."""


def events_after(db: Database, position: int) -> list[StoredEvent]:
    """Every event after ``position``, oldest first."""
    with db.read() as conn:
        return read_events(conn, after=position, limit=100_000)


def types_after(db: Database, position: int) -> list[str]:
    """The types of the events after ``position``."""
    return [e.type for e in events_after(db, position)]


def last_position(db: Database) -> int:
    """The position of the newest event (0 when there is none)."""
    found = events_after(db, 0)
    return found[-1].position if found else 0


def subscribe(
    directory: Directory, account_id: str = ACCOUNT, name: str = "acme-analytics", **fields: Any
) -> AccountSubscription:
    """Subscribe an account with IAM_AND_QUICKSIGHT unless ``fields`` say otherwise."""
    values: dict[str, Any] = {
        "account_name": name,
        "notification_email": "ops@example.com",
        "authentication_method": "IAM_AND_QUICKSIGHT",
        **fields,
    }
    request = SubscriptionRequest(**values)
    return directory.accounts.create_subscription(account_id, request, region=REGION, actor=ACTOR)


def register(
    directory: Directory,
    name: str,
    namespace: str = "default",
    account_id: str = ACCOUNT,
    **fields: Any,
) -> User:
    """Register a QUICKSIGHT reader called ``name`` unless ``fields`` say otherwise."""
    values: dict[str, Any] = {
        "identity_type": "QUICKSIGHT",
        "email": name if "@" in name else f"{name.replace(' ', '.')}@example.com",
        "user_role": "READER",
        "user_name": name,
        **fields,
    }
    registration = UserRegistration(**values)
    return directory.users.register(account_id, namespace, registration, actor=ACTOR)


def account_instance_arn(services: Services, account_id: str = ACCOUNT) -> str:
    """The ARN of a new ACCOUNT instance of Identity Center owned by ``account_id``."""
    instance = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id=account_id, actor=ACTOR
    )
    return instance.instance_arn


@pytest.fixture
def instance_arn(services: Services) -> str:
    """An ACCOUNT instance serving ``ACCOUNT``."""
    return account_instance_arn(services)


@pytest.fixture
def directory(services: Services) -> Directory:
    """The analytics directory's services over the test store."""
    return services.directory


@pytest.fixture
def account(directory: Directory) -> AccountSubscription:
    """A subscribed IAM_AND_QUICKSIGHT account (with its ``default`` namespace)."""
    return subscribe(directory)
