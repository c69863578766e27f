"""The one cache of the solvers: compiled derivations, bounded, least recently used out first.

Keyed by the exact expressions, variables and data symbols, so a second run on the same model
(another start, another method, new data for the same residual text) neither derives nor
compiles again. Every entry, whatever it holds, goes through :meth:`Cache.put`, the one
eviction.

Examples
--------
>>> c = Cache(size=2)
>>> c.cached("a", lambda: 1)[0], c.cached("a", lambda: 2)
(1, (1, 0.0))
>>> c.put("b", 2); c.put("c", 3)
>>> "a" in c, len(c)
(False, 2)
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["CACHE", "Cache", "cached", "clear_cache"]

_MISSING = object()


class Cache:
    """A bounded least-recently-used map ``key -> (value, seconds it took to build)``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored under ``key`` (now the most recently used), or ``default``."""
        hit = self._entries.get(key, _MISSING)
        if hit is _MISSING:
            return default
        self._entries.move_to_end(key)
        return hit[0]

    def put(self, key: Hashable, value: Any, seconds: float = 0.0) -> None:
        """Store ``value``; the least recently used entries leave beyond ``size``."""
        self._entries[key] = (value, seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def cached(self, key: Hashable, build: Callable[[], Any]) -> tuple[Any, float]:
        """``(value, seconds spent now)``: ``build()`` on a miss, timed; 0 s on a hit."""
        hit = self._entries.get(key, _MISSING)
        if hit is not _MISSING:
            self._entries.move_to_end(key)
            return hit[0], 0.0
        t = time.perf_counter()
        value = build()
        dt = time.perf_counter() - t
        self.put(key, value, dt)
        return value, dt

    def clear(self) -> None:
        self._entries.clear()


#: The solvers' cache of compiled derivations (64 models).
CACHE = Cache(size=64)


def cached(key: Hashable, build: Callable[[], Any]) -> tuple[Any, float]:
    """:meth:`Cache.cached` on :data:`CACHE`."""
    return CACHE.cached(key, build)


def clear_cache() -> None:
    """Forget every compiled derivation (the solvers then derive and compile again)."""
    CACHE.clear()
