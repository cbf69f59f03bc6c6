"""Access keys of the AWS-compatible API: an access key id and a secret, for one account.

Unlike a SCIM token's, the secret cannot be kept as a hash: SigV4 signatures are HMACs
keyed with the secret itself, so the verifier must have it to recompute them. It is kept
encrypted at rest instead, in the platform's secret box (``platform/secretbox.py``: Fernet
under a key derived from the server secret for this purpose), so a copy of the database
alone reveals no secret. The plaintext is ``<access key id>:<secret>``: a ciphertext moved to
another key's row does not decrypt as that key's secret. Secrets never appear in events,
logs or ``repr``.

A key may be created for any 12-digit account, subscribed or not: the subscription itself
is created through the API, with such a key.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.repository import utc
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError
from sightgate.platform.events import Actor, DomainEvent
from sightgate.platform.ids import validate_account_id
from sightgate.platform.secretbox import SealedError, SecretBox
from sightgate.platform.uow import UnitOfWork

ACCESS_KEY_CREATED = "analytics.AccessKeyCreated"
ACCESS_KEY_DELETED = "analytics.AccessKeyDeleted"

_ID_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
_ACCESS_KEY_ID = re.compile(r"AKIA[A-Z0-9]{16}")
_PURPOSE = "sightgate access-key secrets v1"


@dataclass(frozen=True)
class Credential:
    """What the SigV4 verifier needs: the secret to recompute signatures, and the account
    the key acts for."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    account_id: str


@dataclass(frozen=True)
class IssuedKey:
    """A new key. This is the only time the secret is handed out."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    account_id: str
    created_at: datetime


@dataclass(frozen=True)
class AccessKey:
    """A key's metadata, for listings (never its secret)."""

    access_key_id: str
    account_id: str
    created_at: datetime


class AccessKeyDecryptionError(RuntimeError):
    """A stored secret does not decrypt with this server's secret: a misconfiguration
    (processes with different server secrets), not a client error."""


class AccessKeyService:
    """Create, look up, list and delete access keys.

    ``server_secret`` is called on first use only, so processes that never touch keys
    never create the secret file.
    """

    def __init__(self, db: Database, server_secret: Callable[[], bytes]) -> None:
        self.db = db
        self._box = SecretBox(server_secret, _PURPOSE)

    def create(self, account_id: str, *, actor: Actor) -> IssuedKey:
        """A new key for an account: ``AKIA`` and 16 characters, and a 40-character secret."""
        validate_account_id(account_id)
        access_key_id = "AKIA" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))
        secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
        created_at = datetime.now(UTC)
        ciphertext = self._box.seal(f"{access_key_id}:{secret}".encode())
        with UnitOfWork(self.db, actor) as uow:
            uow.conn.execute(
                insert(t.access_keys).values(
                    access_key_id=access_key_id,
                    account_id=account_id,
                    secret_ciphertext=ciphertext,
                    created_at=created_at,
                )
            )
            uow.emit(_event(ACCESS_KEY_CREATED, access_key_id, account_id))
        return IssuedKey(access_key_id, secret, account_id, created_at)

    def lookup(self, access_key_id: str) -> Credential | None:
        """The credential of a key id, or None for an unknown (or malformed) one."""
        if not isinstance(access_key_id, str) or not _ACCESS_KEY_ID.fullmatch(access_key_id):
            return None
        k = t.access_keys
        with self.db.read() as conn:
            row = conn.execute(
                select(k.c.account_id, k.c.secret_ciphertext).where(
                    k.c.access_key_id == access_key_id
                )
            ).first()
        if row is None:
            return None
        try:
            plaintext = self._box.open(row.secret_ciphertext).decode()
        except SealedError as error:
            raise AccessKeyDecryptionError(
                f"the secret of access key {access_key_id} does not decrypt with this server's "
                "secret key: every server process must use the same SIGHTGATE_SECRET_KEY"
            ) from error
        key_id, _, secret = plaintext.partition(":")
        if key_id != access_key_id:
            raise AccessKeyDecryptionError(f"the stored secret of {access_key_id} is another key's")
        return Credential(access_key_id, secret, row.account_id)

    def list(self, account_id: str | None = None) -> list[AccessKey]:
        """Every key, or one account's, oldest first."""
        k = t.access_keys
        query = select(k.c.access_key_id, k.c.account_id, k.c.created_at)
        if account_id is not None:
            query = query.where(k.c.account_id == validate_account_id(account_id))
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(k.c.created_at, k.c.access_key_id)).all()
        return [AccessKey(row.access_key_id, row.account_id, utc(row.created_at)) for row in rows]

    def delete(self, access_key_id: str, *, actor: Actor) -> None:
        """Delete a key: requests signed with it are refused from then on."""
        k = t.access_keys
        with UnitOfWork(self.db, actor) as uow:
            account_id = uow.conn.execute(
                delete(k).where(k.c.access_key_id == access_key_id).returning(k.c.account_id)
            ).scalar_one_or_none()
            if account_id is None:
                raise NotFoundError("AccessKey", access_key_id)
            uow.emit(_event(ACCESS_KEY_DELETED, access_key_id, account_id))


def _event(type_: str, access_key_id: str, account_id: str) -> DomainEvent:
    """An event about a key: its id and account, never its secret."""
    return DomainEvent(
        type_,
        "AccessKey",
        access_key_id,
        account_id,
        {"AccessKeyId": access_key_id, "AwsAccountId": account_id},
    )
