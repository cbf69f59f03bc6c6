"""An account linked to an instance that does not serve it reads nothing from that store.

The services refuse such a link now; this covers a link written before they did (or an
account later detached from an organization instance): provisioning and access decisions
must treat it as no link at all, and reconcile takes back what was copied.
"""

from __future__ import annotations

from sqlalchemy import update

from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.bootstrap import Services
from tests.analytics.conftest import ACTOR, OTHER_ACCOUNT, subscribe
from tests.analytics.provisioning.conftest import ROLE_GROUPS, Idp, run_worker


def _link_behind_the_services_back(services: Services, account_id: str, arn: str) -> None:
    with services.db.engine.begin() as conn:
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.account_id == account_id)
            .values(authentication_method="IAM_IDENTITY_CENTER", identity_center_instance_arn=arn)
        )


def test_a_foreign_link_provisions_nobody_and_lets_nobody_in(
    services: Services, idp: Idp, store_id: str, linked: AccountSubscription
) -> None:
    victim_arn = services.instances.get_by_identity_store(store_id).instance_arn
    subscribe(services.directory, OTHER_ACCOUNT, name="intruder")
    _link_behind_the_services_back(services, OTHER_ACCOUNT, victim_arn)
    services.directory.roles.create(
        OTHER_ACCOUNT, "default", "ADMIN", ROLE_GROUPS["ADMIN"], actor=ACTOR
    )

    admin = idp.user("victim-admin", ROLE_GROUPS["ADMIN"], email="admin@victim.example")
    run_worker(services)
    services.provisioning.service.reconcile(OTHER_ACCOUNT)

    assert [
        u.user_name for u in services.directory.users.list(linked.account_id, "default").items
    ] == ["victim-admin"]
    assert services.directory.users.list(OTHER_ACCOUNT, "default").items == []
    assert services.directory.groups.list(OTHER_ACCOUNT, "default").items == []
    assert not services.access.principals.identity_user(OTHER_ACCOUNT, admin).allowed
