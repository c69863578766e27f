r"""The exact expansion: the fast route when it applies, SymPy's ``series`` when it does not.

:func:`_expand_core` resolves branches (``Max(x, 0)`` at ``1/2`` is ``x``), rewrites ``tan`` and
friends as quotients, runs the engine's exact route and converts its ring elements to SymPy
expressions; where the engine meets a singular constant term it hands over to the fallback,
which also delivers the verdict on analyticity.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> coeffs, method = _expand_core(sp.exp(x), (x,), (sp.Integer(0),), 2)
>>> sorted(coeffs.items()), method
([((0,), 1), ((1,), 1), ((2,), 1/2)], 'series-arithmetic')
>>> _expand_core(sp.sin(x) / x, (x,), (sp.Integer(0),), 2)[1]
'sympy-series'
"""

from __future__ import annotations

import sympy as sp

from .engine import _Engine, _Singular
from .fallback import _fallback
from .rewrite import _resolve_branches, _rewrite


def _expand_core(expr: sp.Expr, variables: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...],
                 order: int) -> tuple[dict[tuple[int, ...], sp.Expr], str]:
    engine = _Engine(variables, order)
    expr = _resolve_branches(expr, variables, point)
    try:
        series, atoms = engine.exact(_rewrite(expr), point)
    except _Singular as exc:
        return _fallback(expr, variables, point, order, str(exc)), "sympy-series"
    coeffs = {}
    for key, c in series.items():
        v = atoms.to_expr(c)
        if v != 0:
            coeffs[key[1:]] = v
    return coeffs, "series-arithmetic"
