r"""The SymPy fallback, and the verdict on analyticity.

Where the engine meets a singular constant term (``log`` or ``1/g`` or ``g**(1/3)`` with
``g_0 = 0``: a pole, a branch point, or a removable singularity like ``sin(x)/x``),
:func:`_fallback` expands along ``x_i = a_i + t h_i`` with SymPy's ``series`` in ``t`` (slower
but exact) from both sides. It accepts the result only if both one-sided expansions agree and
every power of ``t`` is a non-negative integer (with several variables, the ``t**k``
coefficient must be a homogeneous polynomial of degree ``k`` in the ``h_i``); otherwise the
function is not analytic there and :class:`~symtaylor.errors.NotAnalyticError` says why.
:func:`_check_real` refuses coefficients that are infinite or complex (``log(x)`` at ``-1``).

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> sorted(_fallback(sp.sin(x) / x, [x], [sp.Integer(0)], 2, "a pole").items())
[((0,), 1), ((2,), -1/6)]
>>> _fallback(sp.Abs(x), [x], [sp.Integer(0)], 2, "a kink")
Traceback (most recent call last):
...
symtaylor.errors.NotAnalyticError: Abs(x) is not analytic at x = 0: the one-sided expansions ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp

from ..errors import NotAnalyticError
from .domain import _singular_value


def _where(variables: Sequence[sp.Symbol], point: Sequence[sp.Expr]) -> str:
    return ", ".join(f"{v} = {a}" for v, a in zip(variables, point))


class _Along:
    """The line ``x_i = a_i + t h_i`` (``h = 1`` for one variable), and how messages show it:
    in ``x - a`` (one variable) or in ``t`` along ``x_i = a_i + t*h_i`` (several)."""

    def __init__(self, expr: sp.Expr, variables: Sequence[sp.Symbol],
                 point: Sequence[sp.Expr]) -> None:
        self.t = t = sp.Dummy("t", real=True)
        m = len(variables)
        self.hs = [sp.Integer(1)] if m == 1 else [sp.Dummy(f"h{i}", real=True) for i in range(m)]
        self.expr = expr
        self.restricted = expr.xreplace({v: a + t * h
                                         for v, a, h in zip(variables, point, self.hs)})
        self.where = _where(variables, point)
        self.one = m == 1
        if self.one:
            self.shown: dict = {t: variables[0] - point[0]}
            self.along = ""
            self.sides = (f"x > {point[0]}", f"x < {point[0]}")
        else:
            self.shown = {t: sp.Symbol("t"),
                          **{h: sp.Symbol(f"h_{v}") for h, v in zip(self.hs, variables)}}
            self.along = " along " + ", ".join(
                f"{v} = {a + sp.Symbol('t') * sp.Symbol(f'h_{v}')}"
                for v, a in zip(variables, point))
            self.sides = ("t > 0", "t < 0")

    def show(self, ex: sp.Expr) -> str:
        return str(ex.xreplace(self.shown))

    def not_analytic(self, detail: str) -> NotAnalyticError:
        return NotAnalyticError(f"{self.expr} is not analytic at {self.where}: {detail}")


def _one_sided(line: _Along, order: int, direction: str, why: str) -> sp.Poly:
    """The expansion in ``t`` from one side, as a polynomial (refused if it is not one)."""
    t = line.t
    try:
        s = sp.series(line.restricted, t, 0, order + 1, dir=direction).removeO()
    except (NotImplementedError, ValueError, TypeError, sp.PoleError) as exc:
        raise NotAnalyticError(
            f"{line.expr} has no Taylor expansion at {line.where} that symtaylor can derive "
            f"({why}; series failed: {exc})"
        ) from None
    s = sp.expand(s)
    try:
        poly = sp.Poly(s, t)
    except sp.PolynomialError:
        poly = None
    if poly is None or any(c.has(t) for c in poly.coeffs()) or s.has(sp.log(t)):
        raise line.not_analytic(f"its expansion there{line.along} is {line.show(s)} "
                                "(needs non-negative integer powers only)")
    return poly


def _homogeneous(line: _Along, k: int, c: sp.Expr) -> dict[tuple[int, ...], sp.Expr]:
    """The ``t**k`` coefficient as ``{alpha: c_alpha}``: analytic means it is a homogeneous
    polynomial of degree ``k`` in the ``h_i``."""
    hs = line.hs
    try:
        hp = sp.Poly(sp.expand(c), *hs)
    except sp.PolynomialError:
        hp = None
    if hp is None or any(cc.has(*hs) or sum(mon) != k for mon, cc in hp.terms()):
        raise line.not_analytic(f"the coefficient of t**{k}{line.along} is {line.show(c)}, "
                                f"not a homogeneous polynomial of degree {k} in the h_i")
    return {tuple(monom): cc for monom, cc in hp.terms()}


def _fallback(expr: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence[sp.Expr],
              order: int, why: str) -> dict[tuple[int, ...], sp.Expr]:
    """The Taylor coefficients ``{alpha: c_alpha}`` by SymPy's ``series`` along a line, from
    both sides; ``why`` (the engine's reason to give up) goes into the error if that fails."""
    line = _Along(expr, variables, point)
    above, below = (_one_sided(line, order, d, why) for d in ("+", "-"))
    if sp.simplify(above.as_expr() - below.as_expr()) != 0:
        raise line.not_analytic(
            f"the one-sided expansions{line.along} differ ({line.show(above.as_expr())} for "
            f"{line.sides[0]}, {line.show(below.as_expr())} for {line.sides[1]})"
        )
    out: dict[tuple[int, ...], sp.Expr] = {}
    for (k,), c in above.terms():
        if k > order:
            continue
        if line.one:
            out[(k,)] = sp.simplify(c) if c.has(sp.Abs, sp.sign) else c
        else:
            out.update(_homogeneous(line, k, c))
    return {k: v for k, v in out.items() if v != 0}


def _complex_number(c: sp.Expr) -> bool:
    """A constant whose value is not real (``asin(pi/3)``, ``atanh(2)``)."""
    if c.free_symbols or c.is_Rational:
        return False
    if c.is_extended_real:
        return False
    try:
        v = complex(sp.N(c, 30))
    except (TypeError, ValueError):
        return False
    return abs(v.imag) > 1e-20 * max(1.0, abs(v.real))


def _check_real(expr: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence[sp.Expr],
                coeffs: Mapping[tuple[int, ...], sp.Expr]) -> None:
    """Refuse an expansion with infinite or complex coefficients: ``f`` is not analytic, or not
    real-valued, at the point."""
    if any(_singular_value(c) for c in coeffs.values()):
        raise NotAnalyticError(f"{expr} is not analytic at {_where(variables, point)}")
    if any(c.has(sp.I) or (sum(k) <= 1 and _complex_number(c))  # asin(pi/3) has no I in it
           for k, c in coeffs.items()):  # log(x) or sqrt(x) at x = -1
        raise NotAnalyticError(
            f"{expr} is not real-valued near {_where(variables, point)}: its expansion there "
            "has complex coefficients (expansions are over the reals)"
        )
