"""Fixtures of the embedding tests: a subscribed account with two dashboards over a
dataset, readers with and without a grant, and the service on a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.assets.dashboards import DashboardService
from sightgate.analytics.assets.versions import ContentBuilder
from sightgate.analytics.directory.model import AccountSubscription, User
from sightgate.analytics.embedding.service import EmbeddingService, IssuedUrl
from sightgate.bootstrap import Services
from tests.analytics.assets.dashboards.conftest import SALES_COLUMNS, Themes, add_data_set, arn
from tests.analytics.assets.dashboards.samples import small
from tests.analytics.conftest import ACCOUNT, ACTOR, register
from tests.analytics.provisioning.conftest import idp, linked

__all__ = ["idp", "linked"]  # fixtures of the identity-store tests

REQUEST_URL = "https://embed.example.test:8443"
VIEWER = sorted(STANDARD[ResourceType.DASHBOARD].viewer)
SALES = arn("dataset", "sales")


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Embed:
    """The service under test and what the tests need around it."""

    services: Services
    embedding: EmbeddingService
    dashboards: DashboardService
    clock: Clock

    def grant(self, dashboard_id: str, principal_arn: str) -> None:
        self.dashboards.update_permissions(
            ACCOUNT,
            dashboard_id,
            grant=[{"Principal": principal_arn, "Actions": VIEWER}],
            actor=ACTOR,
        )

    def revoke(self, dashboard_id: str, principal_arn: str) -> None:
        self.dashboards.update_permissions(
            ACCOUNT,
            dashboard_id,
            revoke=[{"Principal": principal_arn, "Actions": VIEWER}],
            actor=ACTOR,
        )

    def registered(self, user_arn: str, dashboard_id: str = "sales", **request: Any) -> IssuedUrl:
        return self.embedding.for_registered_user(
            ACCOUNT,
            {
                "UserArn": user_arn,
                "ExperienceConfiguration": {"Dashboard": {"InitialDashboardId": dashboard_id}},
                **request,
            },
            request_url=REQUEST_URL,
            actor=ACTOR,
        )

    def anonymous(self, *dashboard_ids: str, **request: Any) -> IssuedUrl:
        ids = dashboard_ids or ("sales",)
        body: dict[str, Any] = {
            "Namespace": "default",
            "AuthorizedResourceArns": [arn("dashboard", d) for d in ids],
            "ExperienceConfiguration": {"Dashboard": {"InitialDashboardId": ids[0]}},
            **request,
        }
        return self.embedding.for_anonymous_user(
            ACCOUNT, body, request_url=REQUEST_URL, actor=ACTOR
        )


def build(services: Services) -> Embed:
    """Two dashboards (``sales``, ``other``) over a dataset of the subscribed ACCOUNT."""
    add_data_set(services, ACCOUNT, "sales", SALES_COLUMNS)
    content = ContentBuilder(services.data.datasets, services.templates, Themes())
    dashboards = DashboardService(services.db, services.access, content)
    for dashboard_id in ("sales", "other"):
        dashboards.create(
            ACCOUNT, dashboard_id, {"Name": dashboard_id, "Definition": small(SALES)}, actor=ACTOR
        )
    clock = Clock()
    embedding = EmbeddingService(services.db, services.access, dashboards, clock=clock)
    return Embed(services, embedding, dashboards, clock)


@pytest.fixture
def embed(services: Services, account: AccountSubscription) -> Embed:
    return build(services)


@pytest.fixture
def reader(embed: Embed) -> User:
    """A reader who may view ``sales`` (not ``other``)."""
    user = register(embed.services.directory, "alice")
    embed.grant("sales", user.arn)
    return user


@pytest.fixture
def stranger(embed: Embed) -> User:
    """A reader with no grant."""
    return register(embed.services.directory, "mallory")
