"""A page of results with the key to ask for the next one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Page(Generic[T]):
    """``next_key`` is the sort key after which the next page starts; None on the last page."""

    items: Sequence[T]
    next_key: str | None


def clamp_limit(limit: int) -> int:
    """Keep page sizes between 1 and ``MAX_PAGE_SIZE``."""
    return max(1, min(limit, MAX_PAGE_SIZE))
