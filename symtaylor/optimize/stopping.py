"""Numeric tests the cores share: finite values, round-off-level decrease, divergence.

Examples
--------
>>> finite(1.0, np.array([0.0, 2.0])), finite(np.array([1.0, np.nan]))
(True, False)
>>> at_roundoff(1.0, -1e-20), diverging(np.array([1e200]), 0.0)
(True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["EPS", "at_roundoff", "diverging", "finite"]

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
