"""Timing shared by the benchmark scripts: the median of repeated runs, each after ``reset``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(fn: Callable[[], Any], repeats: int,
                reset: Callable[[], None] = lambda: None) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs, calling ``reset()`` (untimed) first."""
    times = []
    for _ in range(repeats):
        reset()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
