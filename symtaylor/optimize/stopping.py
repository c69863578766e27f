"""Numeric tests the cores share: finite values, round-off-level decrease, divergence.

Examples
--------
>>> finite(1.0, np.array([0.0, 2.0])), finite(np.array([1.0, np.nan]))
(True, False)
>>> at_roundoff(1.0, -1e-20), diverging(np.array([1e200]), 0.0)
(True, True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["EPS", "at_roundoff", "diverging", "finite", "gradient_floor", "within_roundoff"]

EPS = float(np.finfo(float).eps)


def finite(*vals: Any) -> bool:
    """Every entry of every value is finite."""
    return all(bool(np.all(np.isfinite(v))) for v in vals)


def at_roundoff(f: float, dphi: float) -> bool:
    """The model predicts a decrease (``-dphi``, the directional derivative along a Newton-like
    step) that is below the round-off level of ``f``: no further progress is possible."""
    return abs(dphi) <= 100.0 * EPS * max(abs(f), 1e-300)


def diverging(x: np.ndarray, f: float) -> bool:
    """``x`` or ``f`` beyond any meaningful size (the run is leaving for infinity)."""
    return bool(np.max(np.abs(x)) > 1e150) or f < -1e300 or abs(f) > 1e300


def within_roundoff(fn: float, f: float) -> bool:
    """``fn`` is finite and at most ``1e4 eps |f|`` above ``f``: no real increase, given the
    round-off of an f computed with cancellation (a sum of squares of small residuals of large
    data). Used to accept a full step guided by the gradient alone once f cannot see the
    decrease any more (the step is then also required to lower ``||g||``)."""
    return math.isfinite(fn) and fn <= f + 1e4 * EPS * max(abs(f), 1e-300)


def gradient_floor(H: np.ndarray, x: np.ndarray) -> float:
    """``10 eps || |H| |x| ||``: how much the gradient changes between neighbouring doubles at
    ``x`` (ten ulps of every coordinate); 0 when ``H`` is not finite. A gradient below it
    cannot be made measurably smaller by any representable point."""
    if not finite(H):
        return 0.0
    return 10.0 * EPS * float(np.linalg.norm(np.abs(H) @ np.abs(x)))
