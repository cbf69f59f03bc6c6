"""Identity Center instances: types, ownership and deletion."""

from __future__ import annotations

import re

import pytest

from sightgate.bootstrap import Services
from sightgate.identity.model import GroupFields, InstanceType, UserFields
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.platform.events import Actor

ACTOR = Actor("test", "admin")


def test_instance_ids_have_the_aws_formats(services: Services) -> None:
    instance = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="111122223333", actor=ACTOR
    )
    assert re.fullmatch(r"arn:aws:sso:::instance/ssoins-[0-9a-f]{16}", instance.instance_arn)
    assert re.fullmatch(r"d-[0-9a-f]{10}", instance.identity_store_id)
    assert instance.account_ids == ("111122223333",)
    assert services.instances.get(instance.instance_arn) == instance
    assert services.instances.get_by_identity_store(instance.identity_store_id) == instance


def test_an_account_owns_at_most_one_account_instance(services: Services) -> None:
    services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="111122223333", actor=ACTOR
    )
    with pytest.raises(ConflictError):
        services.instances.create(
            type_=InstanceType.ACCOUNT, owner_account_id="111122223333", actor=ACTOR
        )
    assert len(services.instances.list()) == 1


def test_an_account_instance_serves_only_its_account(services: Services) -> None:
    instance = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="111122223333", actor=ACTOR
    )
    with pytest.raises(ValidationError):
        services.instances.add_account(instance.instance_id, "444455556666", ACTOR)


def test_an_organization_instance_serves_several_accounts(services: Services) -> None:
    org = services.instances.create(
        type_=InstanceType.ORGANIZATION, owner_account_id="999988887777", actor=ACTOR
    )
    services.instances.add_account(org.instance_id, "111122223333", ACTOR)
    updated = services.instances.add_account(org.instance_id, "444455556666", ACTOR)
    assert set(updated.account_ids) == {"999988887777", "111122223333", "444455556666"}
    assert [i.instance_id for i in services.instances.list("444455556666")] == [org.instance_id]
    assert services.instances.list("000000000000") == []


def test_bad_account_id_is_rejected(services: Services) -> None:
    with pytest.raises(ValidationError):
        services.instances.create(type_=InstanceType.ACCOUNT, owner_account_id="12", actor=ACTOR)


def test_deleting_an_instance_deletes_its_identity_store(services: Services) -> None:
    instance = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="111122223333", actor=ACTOR
    )
    store = instance.identity_store_id
    user = services.identity.create_user(store, UserFields(user_name="u"), ACTOR)
    group = services.identity.create_group(store, GroupFields(display_name="g"), ACTOR)
    services.identity.add_members(store, group.group_id, [user.user_id], ACTOR)
    services.instances.delete(instance.instance_id, ACTOR)
    with pytest.raises(NotFoundError):
        services.instances.get(instance.instance_id)
    with pytest.raises(NotFoundError):
        services.identity.list_users(store)
    # the account is free for a new account instance
    services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="111122223333", actor=ACTOR
    )
