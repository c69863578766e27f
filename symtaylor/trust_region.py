"""Compatibility shim: the trust-region core lives in
:mod:`symtaylor.optimize.trust_region` (the numeric dogleg is ``dogleg_subproblem`` there;
:func:`symtaylor.dogleg_step` is the symbolic step)."""

from __future__ import annotations

from .optimize.trust_region import (
    SUBPROBLEMS,
    dogleg_subproblem,
    exact_subproblem,
    trust_region,
)

__all__ = ["SUBPROBLEMS", "dogleg_subproblem", "exact_subproblem", "trust_region"]
