"""Access keys: issued once, stored encrypted, looked up for SigV4; the server secret."""

from __future__ import annotations

import dataclasses
import json
import re
import stat
from pathlib import Path

import pydantic
import pytest
from sqlalchemy import select, update

from sightgate.analytics import access_keys as ak
from sightgate.analytics.directory import tables as t
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from tests.analytics.conftest import ACCOUNT, ACTOR, OTHER_ACCOUNT, events_after


def test_a_new_key_looks_like_an_aws_key_and_hides_its_secret(services: Services) -> None:
    issued = services.access_keys.create(ACCOUNT, actor=ACTOR)
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", issued.access_key_id)
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", issued.secret_access_key)
    assert issued.account_id == ACCOUNT
    assert issued.secret_access_key not in repr(issued)


def test_lookup_returns_the_credential_for_sigv4(services: Services) -> None:
    issued = services.access_keys.create(ACCOUNT, actor=ACTOR)
    credential = services.access_keys.lookup(issued.access_key_id)
    assert credential == ak.Credential(issued.access_key_id, issued.secret_access_key, ACCOUNT)
    assert [f.name for f in dataclasses.fields(ak.Credential)] == [
        "access_key_id",
        "secret_access_key",
        "account_id",
    ]
    assert issued.secret_access_key not in repr(credential)


@pytest.mark.parametrize("key_id", ["AKIAAAAAAAAAAAAAAAAA", "akia", "", "AKIA' OR 1=1 --"])
def test_unknown_or_malformed_keys_are_none(services: Services, key_id: str) -> None:
    services.access_keys.create(ACCOUNT, actor=ACTOR)
    assert services.access_keys.lookup(key_id) is None


def test_the_secret_is_stored_encrypted_and_never_in_events(
    services: Services, db: Database
) -> None:
    issued = services.access_keys.create(ACCOUNT, actor=ACTOR)
    with db.read() as conn:
        row = conn.execute(select(t.access_keys)).mappings().one()
    assert issued.secret_access_key not in json.dumps(dict(row), default=str)
    events = events_after(db, 0)
    assert [e.type for e in events] == [ak.ACCESS_KEY_CREATED]
    assert events[0].payload == {"AccessKeyId": issued.access_key_id, "AwsAccountId": ACCOUNT}
    assert issued.secret_access_key not in json.dumps(events[0].to_json())
    services.access_keys.delete(issued.access_key_id, actor=ACTOR)
    assert issued.secret_access_key not in json.dumps([e.to_json() for e in events_after(db, 0)])


def test_keys_need_no_subscription_but_a_valid_account_id(services: Services) -> None:
    with pytest.raises(NotFoundError):
        services.directory.accounts.describe(OTHER_ACCOUNT)
    assert services.access_keys.create(OTHER_ACCOUNT, actor=ACTOR).account_id == OTHER_ACCOUNT
    with pytest.raises(ValidationError) as caught:
        services.access_keys.create("12345", actor=ACTOR)
    assert caught.value.field == "AwsAccountId"


def test_list_and_delete(services: Services, db: Database) -> None:
    first = services.access_keys.create(ACCOUNT, actor=ACTOR)
    second = services.access_keys.create(OTHER_ACCOUNT, actor=ACTOR)
    listed = services.access_keys.list()
    assert {k.access_key_id for k in listed} == {first.access_key_id, second.access_key_id}
    assert [k.access_key_id for k in services.access_keys.list(ACCOUNT)] == [first.access_key_id]
    assert all(not hasattr(k, "secret_access_key") for k in listed)

    services.access_keys.delete(first.access_key_id, actor=ACTOR)
    assert services.access_keys.lookup(first.access_key_id) is None
    assert events_after(db, 0)[-1].type == ak.ACCESS_KEY_DELETED
    assert events_after(db, 0)[-1].scope == ACCOUNT
    with pytest.raises(NotFoundError):
        services.access_keys.delete(first.access_key_id, actor=ACTOR)
    assert services.access_keys.lookup(second.access_key_id) is not None


def test_another_server_secret_cannot_read_the_secrets(services: Services, db: Database) -> None:
    issued = services.access_keys.create(ACCOUNT, actor=ACTOR)
    other = ak.AccessKeyService(db, lambda: b"another server secret of enough length!!")
    with pytest.raises(ak.AccessKeyDecryptionError, match="SIGHTGATE_SECRET_KEY"):
        other.lookup(issued.access_key_id)


def test_a_ciphertext_moved_to_another_key_is_refused(services: Services, db: Database) -> None:
    first = services.access_keys.create(ACCOUNT, actor=ACTOR)
    second = services.access_keys.create(ACCOUNT, actor=ACTOR)
    k = t.access_keys
    with db.write() as conn:
        stolen = conn.execute(
            select(k.c.secret_ciphertext).where(k.c.access_key_id == first.access_key_id)
        ).scalar_one()
        conn.execute(
            update(k)
            .where(k.c.access_key_id == second.access_key_id)
            .values(secret_ciphertext=stolen)
        )
    with pytest.raises(ak.AccessKeyDecryptionError):
        services.access_keys.lookup(second.access_key_id)


def test_the_server_secret_file_is_created_once_with_owner_only_access(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    secret = settings.server_secret()
    path = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secret) >= 32
    assert Settings(data_dir=tmp_path / "data").server_secret() == secret
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no draft left behind
    explicit = Settings(data_dir=tmp_path, secret_key_file=tmp_path / "k" / "s.key")
    assert explicit.server_secret() != secret
    assert (tmp_path / "k" / "s.key").exists()


def test_the_server_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGHTGATE_SECRET_KEY", "s" * 32)
    settings = Settings(data_dir=tmp_path)
    assert settings.server_secret() == b"s" * 32
    assert not (tmp_path / "secret.key").exists()
    monkeypatch.setenv("SIGHTGATE_SECRET_KEY", "short")
    with pytest.raises(pydantic.ValidationError):
        Settings(data_dir=tmp_path)


def test_a_short_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("short\n")
    with pytest.raises(ValueError, match="at least 32"):
        Settings(data_dir=tmp_path).server_secret()
