"""Fixtures of the provisioning tests: an identity store, an Identity Center account linked
to it with the seed scenario's role groups, and a small IdP facade."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sightgate.analytics.directory.model import AccountSubscription, User
from sightgate.bootstrap import Services
from sightgate.identity.model import Email, GroupFields, UserFields
from sightgate.platform.dispatch import Dispatcher
from sightgate.platform.errors import NotFoundError
from sightgate.platform.events import Actor
from tests.analytics.conftest import ACCOUNT, subscribe

IDP = Actor("scim", "test-idp")
ROLE_GROUPS = {"ADMIN": "qs-admin-grp", "AUTHOR": "qs-author-grp", "READER": "qs-reader-grp"}
CUSTOMER_GROUPS = ("red-customer-grp", "blue-customer-grp")
NAMESPACED_RULES = """
namespace_rules:
  - group_pattern: "(?P<namespace>.+)-grp"
    only_groups: [red-customer-grp, blue-customer-grp]
    create_namespace: true
just_in_time_provisioning: false
"""


@dataclass
class Idp:
    """Changes an identity store the way an IdP would (through the identity services)."""

    services: Services
    store_id: str

    def group(self, name: str) -> str:
        found = self.services.identity.find_group(self.store_id, name)
        if found is not None:
            return found.group_id
        return self.services.identity.create_group(
            self.store_id, GroupFields(display_name=name), IDP
        ).group_id

    def user(self, name: str, *groups: str, email: str | None = None) -> str:
        emails = (Email(email, primary=True),) if email else ()
        user = self.services.identity.create_user(
            self.store_id, UserFields(user_name=name, emails=emails), IDP
        )
        for group in groups:
            self.join(user.user_id, group)
        return user.user_id

    def join(self, user_id: str, group: str) -> None:
        self.services.identity.add_members(self.store_id, self.group(group), [user_id], IDP)

    def leave(self, user_id: str, group: str) -> None:
        self.services.identity.remove_members(self.store_id, self.group(group), [user_id], IDP)

    def set_active(self, user_id: str, active: bool) -> None:
        from dataclasses import replace

        self.services.identity.update_user(
            self.store_id, user_id, lambda u: replace(u.fields(), active=active), IDP
        )

    def rename_user(self, user_id: str, name: str) -> None:
        from dataclasses import replace

        self.services.identity.update_user(
            self.store_id, user_id, lambda u: replace(u.fields(), user_name=name), IDP
        )

    def rename_group(self, old: str, new: str) -> None:
        self.services.identity.update_group(
            self.store_id, self.group(old), lambda g: GroupFields(display_name=new), IDP
        )

    def delete_user(self, user_id: str) -> None:
        self.services.identity.delete_user(self.store_id, user_id, IDP)

    def delete_group(self, name: str) -> None:
        self.services.identity.delete_group(self.store_id, self.group(name), IDP)


@pytest.fixture
def idp(services: Services, store_id: str) -> Idp:
    """The IdP facade over the test store."""
    return Idp(services, store_id)


@pytest.fixture
def linked(services: Services, store_id: str) -> AccountSubscription:
    """An IAM_IDENTITY_CENTER account linked to the test store, with the seed role groups."""
    arn = services.instances.get_by_identity_store(store_id).instance_arn
    return subscribe(
        services.directory,
        authentication_method="IAM_IDENTITY_CENTER",
        iam_identity_center_instance_arn=arn,
        admin_group=(ROLE_GROUPS["ADMIN"],),
        author_group=(ROLE_GROUPS["AUTHOR"],),
        reader_group=(ROLE_GROUPS["READER"],),
    )


def run_worker(services: Services) -> int:
    """Deliver every pending event to the provisioning subscriber."""
    return Dispatcher(services.db, [services.provisioning.subscriber()]).run_once()


def analytics_user(services: Services, identity_user_id: str) -> User | None:
    """The analytics user linked to an identity user, in whichever namespace."""
    from sightgate.analytics.directory import repository

    with services.db.read() as conn:
        found = repository.identity_source_users(conn, ACCOUNT, identity_user_id)
    assert len(found) <= 1
    return found[0] if found else None


def group_names(services: Services, user: User) -> set[str]:
    """The analytics groups a user is in."""
    page = services.directory.users.list_groups(ACCOUNT, user.namespace, user.user_name)
    return {g.group_name for g in page.items}


def namespace_exists(services: Services, name: str) -> bool:
    try:
        services.directory.namespaces.describe(ACCOUNT, name)
    except NotFoundError:
        return False
    return True
