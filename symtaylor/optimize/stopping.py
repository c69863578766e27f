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

__all__ = ["EPS", "at_roundoff", "diverging", "f_noise", "finite", "gradient_floor",
           "within_roundoff"]

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


def within_roundoff(fn: float, f: float, noise: float = 0.0) -> bool:
    """``fn`` is finite and at most ``max(1e4 eps |f|, noise)`` above ``f``: no real increase,
    given the round-off of an f computed with cancellation (a sum of squares of small residuals
    of large data) or the measured variation ``noise`` of f at ``x`` (:func:`f_noise`). Used to
    accept a full step guided by the gradient alone once f cannot see the decrease any more
    (the step is then also required to lower ``||g||``)."""
    return math.isfinite(fn) and fn <= f + max(1e4 * EPS * max(abs(f), 1e-300), noise)


def f_noise(fun: Any, x: np.ndarray, f: float, samples: int = 8) -> float:
    """The spread (largest minus smallest) of f over ``x`` and ``samples`` points within 4 ulps
    of ``x`` in every coordinate (a fixed pattern, so a run is reproducible): how much f varies
    between representable neighbours of ``x``, its evaluation noise included. An increase
    within it is not measurable at ``x``; 0 when a value is not finite.

    >>> f_noise(lambda v: float(v @ v), np.array([3.0, 4.0]), 25.0) < 1e-13
    True
    """
    k = np.random.default_rng(0).integers(-4, 5, size=(samples, x.size))
    lo = hi = f
    for kj in k:
        fj = fun(x * (1.0 + EPS * kj))
        if not math.isfinite(fj):
            return 0.0
        lo, hi = min(lo, fj), max(hi, fj)
    return hi - lo


def gradient_floor(H: np.ndarray, x: np.ndarray) -> float:
    """``10 eps || |H| |x| ||``: how much the gradient changes between neighbouring doubles at
    ``x`` (ten ulps of every coordinate); 0 when ``H`` is not finite. A gradient below it
    cannot be made measurably smaller by any representable point."""
    if not finite(H):
        return 0.0
    return 10.0 * EPS * float(np.linalg.norm(np.abs(H) @ np.abs(x)))
