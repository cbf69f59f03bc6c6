"""Encrypting what must be read back: one server secret, a key per purpose.

Some secrets cannot be stored as hashes because we need them again: SigV4 recomputes
signatures with the access key's secret; data sources log in with their passwords;
NextTokens must be opaque yet carry a position. Each use gets its own key, derived
(HKDF-SHA256) from the server secret with a purpose label, so a ciphertext of one purpose
never decrypts as another's. Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``)
authenticates as it encrypts: a changed byte fails to decrypt rather than decrypting to
something else.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_BYTES = 16


class SealedError(ValueError):
    """A ciphertext that is not ours: forged, truncated, or sealed under another secret."""


class SecretBox:
    """Seal and open bytes for one ``purpose`` under a server secret.

    ``secret`` may be a callable, called on first use only (so a process that never seals
    anything never creates the secret file).
    """

    def __init__(self, secret: bytes | Callable[[], bytes], purpose: str) -> None:
        self._secret = secret
        self._purpose = purpose.encode()
        self._fernet: Fernet | None = None

    def seal(self, plaintext: bytes) -> str:
        """The ASCII (URL-safe base64) ciphertext of ``plaintext``."""
        return self._cipher().encrypt(plaintext).decode("ascii")

    def open(self, ciphertext: str) -> bytes:
        """The plaintext ``seal`` sealed; ``SealedError`` for anything else."""
        if not ciphertext.isascii():
            raise SealedError("not a sealed value")
        try:
            return self._cipher().decrypt(ciphertext.encode("ascii"))
        except InvalidToken:
            raise SealedError("not a sealed value of this server and purpose") from None

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            secret = self._secret() if callable(self._secret) else self._secret
            if len(secret) < MIN_SECRET_BYTES:
                raise ValueError(f"the server secret must be at least {MIN_SECRET_BYTES} bytes")
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=self._purpose).derive(
                secret
            )
            self._fernet = Fernet(base64.urlsafe_b64encode(key))
        return self._fernet
