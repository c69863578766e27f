"""Compatibility shim: the solvers live in :mod:`symtaylor.optimize`.

``from symtaylor.solvers import minimize`` keeps working; new code imports from
:mod:`symtaylor.optimize` (or :mod:`symtaylor`).
"""

from __future__ import annotations

from .optimize import (
    History,
    IterationState,
    Result,
    Status,
    clear_cache,
    least_squares,
    minimize,
)

__all__ = [
    "History",
    "IterationState",
    "Result",
    "Status",
    "clear_cache",
    "least_squares",
    "minimize",
]
