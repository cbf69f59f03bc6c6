"""The process caches' bounded map: the least recently used entry is forgotten first."""

from __future__ import annotations

import threading

from sightgate.platform.lru import Lru


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now "b" is the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_putting_a_key_again_replaces_its_value_and_counts_as_use() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b")) == (10, None)


def test_a_bound_of_zero_keeps_nothing_and_clear_forgets_everything() -> None:
    empty: Lru[str, int] = Lru(0)
    empty.put("a", 1)
    assert empty.get("a") is None
    cache: Lru[str, int] = Lru(3)
    cache.put("a", 1)
    cache.clear()
    assert cache.get("a") is None and len(cache) == 0


def test_threads_sharing_one_never_exceed_the_bound() -> None:
    cache: Lru[int, int] = Lru(50)

    def fill(offset: int) -> None:
        for key in range(offset, offset + 2_000):
            cache.put(key, key)
            cache.get(key - 1)

    threads = [threading.Thread(target=fill, args=(n * 10_000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 50
