"""Just-in-time provisioning at sign-in: on for default only by default, switchable off."""

from __future__ import annotations

import pytest

from sightgate.analytics.directory.model import AccountSubscription, Role
from sightgate.analytics.provisioning.errors import NotProvisionedError
from sightgate.bootstrap import Services
from sightgate.platform.errors import AccessDeniedError
from tests.analytics.conftest import ACCOUNT, ACTOR
from tests.analytics.provisioning.conftest import NAMESPACED_RULES, Idp, analytics_user


def test_default_only_provisions_into_default_at_sign_in(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("newcomer", "qs-author-grp")
    assert analytics_user(services, user_id) is None  # the worker has not run
    user = services.jit.sign_in(ACCOUNT, user_id)
    assert user.namespace == "default" and user.role is Role.AUTHOR and user.active
    assert services.jit.sign_in(ACCOUNT, user_id).user_id == user.user_id


def test_default_only_does_not_provision_into_other_namespaces(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    services.provisioning.rules.set_text(
        ACCOUNT, NAMESPACED_RULES.replace("just_in_time_provisioning: false", ""), actor=ACTOR
    )
    user_id = idp.user("red", "qs-reader-grp", "red-customer-grp")
    with pytest.raises(NotProvisionedError, match="red-customer"):
        services.jit.sign_in(ACCOUNT, user_id)
    services.provisioning.rules.set_text(
        ACCOUNT,
        NAMESPACED_RULES.replace(
            "just_in_time_provisioning: false", "just_in_time_provisioning: all"
        ),
        actor=ACTOR,
    )
    assert services.jit.sign_in(ACCOUNT, user_id).namespace == "red-customer"


def test_jit_off_refuses_unprovisioned_users(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    services.provisioning.rules.set_text(ACCOUNT, "just_in_time_provisioning: false", actor=ACTOR)
    user_id = idp.user("internal", "qs-reader-grp")
    with pytest.raises(NotProvisionedError, match="off"):
        services.jit.sign_in(ACCOUNT, user_id)
    services.provisioning.service.reconcile(ACCOUNT)  # what the worker does
    assert services.jit.sign_in(ACCOUNT, user_id).user_name == "internal"


def test_users_outside_the_role_groups_are_denied(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("outsider", "red-customer-grp")
    with pytest.raises(AccessDeniedError, match="role group"):
        services.jit.sign_in(ACCOUNT, user_id)
    with pytest.raises(AccessDeniedError):
        services.jit.sign_in(ACCOUNT, "d-0000000000-no-such-user")
