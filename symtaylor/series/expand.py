r"""The exact expansion: the fast route when it applies, SymPy's ``series`` when it does not.

:func:`_expand_core` resolves branches (``Max(x, 0)`` at ``1/2`` is ``x``), rewrites ``tan`` and
friends as quotients, runs the engine's exact route and converts its ring elements to SymPy
expressions; where the engine meets a singular constant term it hands over to the fallback,
which also delivers the verdict on analyticity. A one-variable expansion whose constants all
stay rational runs first through FLINT's truncated series in C
(:mod:`symtaylor.engines.flint_series`); the coefficients are the same either way.

Examples
--------
>>> x = sp.Symbol("x")
>>> e = _expand_core(sp.exp(x), (x,), (sp.Integer(0),), 2)
>>> sorted(e.coefficients.items()), e.method
([((0,), 1), ((1,), 1), ((2,), 1/2)], 'series-arithmetic')
>>> _expand_core(sp.sin(x) / x, (x,), (sp.Integer(0),), 2)[1]
'sympy-series'
"""

from __future__ import annotations

from typing import NamedTuple

import sympy as sp

from ..engines.flint_mseries import _exact_multivariate
from ..engines.flint_series import _flint_coefficients
from .engine import _Engine, _Exact, _Singular
from .fallback import _check_continuous, _fallback
from .rewrite import _resolve_branches, _rewrite


class _Expanded(NamedTuple):
    """An exact expansion: ``{alpha: c_alpha}``, the route taken, and (fast route) the series
    as the engine built it, which certification reuses."""

    coefficients: dict[tuple[int, ...], sp.Expr]
    method: str
    exact: _Exact | None


def _expand_core(expr: sp.Expr, variables: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...],
                 order: int) -> _Expanded:
    if len(variables) == 1:
        fast = _flint_coefficients(expr, variables[0], point[0], order)
        if fast is not None:
            return _Expanded(fast, "series-arithmetic", None)
    engine = _Engine(variables, order)
    expr = _resolve_branches(expr, variables, point)
    try:
        rewritten = _rewrite(expr)
        exact = None if len(variables) == 1 else _exact_multivariate(
            rewritten, variables, point, order)
        if exact is None:
            exact = engine.exact(rewritten, point)
    except _Singular as exc:
        coeffs = _fallback(expr, variables, point, order, str(exc))
        _check_continuous(expr, variables, point, coeffs)
        return _Expanded(coeffs, "sympy-series", None)
    return _Expanded(exact.coefficients(), "series-arithmetic", exact)
