r"""Rewrites applied to an expression before the engine expands it.

* :func:`_resolve_branches`: near a numeric point away from their kinks and jumps, ``Max``/``Min``
  are one of their arguments, ``sign``/``Heaviside``/``floor``/``ceiling`` are constants and
  ``atan2`` is an ``atan``; they are replaced by that, so the fast route applies (``Max(x, 0)``
  at ``x = 1/2`` is ``x``).
  At a kink they are kept, and the fallback's one-sided expansions decide.
* :func:`_rewrite`: ``tan``, ``cot``, ``sec``, ``csc``, ``tanh``, ``coth`` as quotients of
  ``sin``/``cos`` (``sinh``/``cosh``): two cheap compositions and a reciprocal instead of high
  derivatives of ``tan``.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> _resolve_branches(sp.Max(x, 0) * sp.sign(x - 1), [x], [sp.Rational(1, 2)])
-x
>>> _resolve_branches(sp.Max(x, 0), [x], [sp.Integer(0)])     # at the kink: kept
Max(0, x)
>>> _rewrite(sp.tan(x) + sp.sec(x))
sin(x)/cos(x) + 1/cos(x)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import sympy as sp

_REWRITES = {
    sp.tan: lambda u: sp.sin(u) / sp.cos(u),
    sp.cot: lambda u: sp.cos(u) / sp.sin(u),
    sp.sec: lambda u: 1 / sp.cos(u),
    sp.csc: lambda u: 1 / sp.sin(u),
    sp.tanh: lambda u: sp.sinh(u) / sp.cosh(u),
    sp.coth: lambda u: sp.cosh(u) / sp.sinh(u),
}


def _rewrite(expr: sp.Expr) -> sp.Expr:
    """Quotients of sin/cos (sinh/cosh) for the series engine: two cheap compositions and a
    reciprocal instead of high derivatives of tan."""
    if not expr.has(*_REWRITES):
        return expr
    return expr.replace(lambda e: e.func in _REWRITES and len(e.args) == 1,
                        lambda e: _REWRITES[e.func](e.args[0]))


_BRANCHED = (sp.Max, sp.Min, sp.sign, sp.Heaviside, sp.floor, sp.ceiling, sp.atan2)

Value = Callable[[sp.Expr], "float | None"]


def _active_branch(node: sp.Expr, value: Value) -> sp.Expr:
    """The one argument of ``Max``/``Min`` that wins near the point (``node`` if it is a tie)."""
    vals = [value(a) for a in node.args]
    if any(v is None for v in vals):
        return node
    best = max(vals) if isinstance(node, sp.Max) else min(vals)
    winners = [a for a, v in zip(node.args, vals) if abs(v - best) <= 1e-20]
    others = [v for v in vals if abs(v - best) > 1e-20]
    gap = min((abs(v - best) for v in others), default=math.inf)
    if len(winners) == 1 and gap > 1e-12 * max(1.0, abs(best)):
        return winners[0]
    return node


def _local_constant(node: sp.Expr, value: Value) -> sp.Expr:
    """``sign``/``Heaviside``/``floor``/``ceiling`` as the constant they are near the point
    (``node`` at a jump)."""
    v = value(node.args[0])
    if v is None:
        return node
    if isinstance(node, sp.sign | sp.Heaviside) and abs(v) > 1e-12:
        return sp.Integer(1 if v > 0 else (-1 if isinstance(node, sp.sign) else 0))
    if isinstance(node, sp.floor | sp.ceiling) and abs(v - round(v)) > 1e-12:
        return sp.Integer(math.floor(v) if isinstance(node, sp.floor) else math.ceil(v))
    return node


def _atan2_branch(node: sp.Expr, value: Value) -> sp.Expr:
    """``atan2(y, x)`` as ``atan`` on the half-plane that holds the point: ``atan(y/x)`` for
    ``x > 0``, ``+-pi/2 - atan(x/y)`` for ``y > 0`` or ``y < 0``. On its cut (``y = 0``,
    ``x < 0``) and at the origin it is kept: the fallback and the continuity check decide."""
    yv, xv = value(node.args[0]), value(node.args[1])
    if yv is None or xv is None:
        return node
    yy, xx = node.args
    if xv > 1e-12:
        return sp.atan(yy / xx)
    if abs(yv) > 1e-12:
        return (1 if yv > 0 else -1) * sp.pi / 2 - sp.atan(xx / yy)
    return node


def _resolve_branches(expr: sp.Expr, variables: Sequence[sp.Symbol],
                      point: Sequence[sp.Expr]) -> sp.Expr:
    """Away from their kinks and jumps, ``Max``/``Min`` are one of their arguments and
    ``sign``/``Heaviside``/``floor``/``ceiling`` are constant near a numeric point: replace
    them by that (``Max(x, 0)`` at ``x = 1/2`` is ``x``). At a kink they are kept, and the
    one-sided expansions decide."""
    if not expr.has(*_BRANCHED) or any(p.free_symbols for p in point):
        return expr
    at = dict(zip(variables, point))

    def value(e: sp.Expr) -> float | None:
        try:
            v = complex(sp.N(e.xreplace(at), 30))
        except (TypeError, ValueError):
            return None
        return v.real if v.imag == 0 and math.isfinite(v.real) else None

    def resolve(node: sp.Expr) -> sp.Expr:
        if node.free_symbols.isdisjoint(variables):
            return node
        if isinstance(node, sp.Max | sp.Min):
            return _active_branch(node, value)
        if isinstance(node, sp.atan2):
            return _atan2_branch(node, value)
        return _local_constant(node, value)

    return expr.replace(lambda e: isinstance(e, _BRANCHED), resolve)
