"""The secret box: what it seals opens only under the same secret and purpose."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sightgate.platform.secretbox import SealedError, SecretBox

SECRET = b"a server secret of enough bytes"


def test_sealed_values_open_and_are_not_readable() -> None:
    box = SecretBox(SECRET, "test purpose")
    sealed = box.seal(b"hunter2")
    assert b"hunter2" not in sealed.encode() and sealed.isascii()
    assert box.open(sealed) == b"hunter2"
    assert box.seal(b"hunter2") != sealed  # a fresh IV each time


@pytest.mark.parametrize(
    "other",
    [SecretBox(SECRET, "another purpose"), SecretBox(b"another server secret!!", "test purpose")],
)
def test_another_purpose_or_secret_cannot_open_it(other: SecretBox) -> None:
    sealed = SecretBox(SECRET, "test purpose").seal(b"hunter2")
    with pytest.raises(SealedError):
        other.open(sealed)


def _truncated(sealed: str) -> str:
    return sealed[:-2]


def _one_character_changed(sealed: str) -> str:
    return sealed[:10] + ("B" if sealed[10] == "A" else "A") + sealed[11:]


def _not_ascii(sealed: str) -> str:
    return "é" + sealed


@pytest.mark.parametrize("mangle", [_truncated, _one_character_changed, _not_ascii])
def test_tampered_or_foreign_text_is_refused(mangle: Callable[[str], str]) -> None:
    box = SecretBox(SECRET, "test purpose")
    with pytest.raises(SealedError):
        box.open(mangle(box.seal(b"hunter2")))


def test_the_secret_is_read_on_first_use_and_must_be_long_enough() -> None:
    calls: list[int] = []

    def secret() -> bytes:
        calls.append(1)
        return b"short"

    box = SecretBox(secret, "test purpose")
    assert calls == []
    with pytest.raises(ValueError, match="at least 16 bytes"):
        box.seal(b"x")
