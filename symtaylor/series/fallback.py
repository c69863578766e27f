r"""The SymPy fallback, and the verdict on analyticity.

Where the engine meets a singular constant term (``log`` or ``1/g`` or ``g**(1/3)`` with
``g_0 = 0``: a pole, a branch point, or a removable singularity like ``sin(x)/x``),
:func:`_fallback` expands along ``x_i = a_i + t h_i`` with SymPy's ``series`` in ``t`` (slower
but exact) from both sides. It accepts the result only if both one-sided expansions agree and
every power of ``t`` is a non-negative integer (with several variables, the ``t**k``
coefficient must be a homogeneous polynomial of degree ``k`` in the ``h_i``); otherwise the
function is not analytic there and :class:`~symtaylor.errors.NotAnalyticError` says why.
:func:`_check_real` refuses coefficients that are infinite or complex (``log(x)`` at ``-1``);
:func:`_check_continuous` refuses an expansion whose constant term is not the value of ``f`` at
or next to the point (``floor(cos(x))`` at 0, ``atan2(y, x)`` on its cut), where the one-sided
series agree although ``f`` jumps.

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


#: the probes' distance from the point, and how far their values may be from the limit there
_PROBE = sp.Rational(1, 10**20)
_JUMP = 1e-8
_DIGITS = 50


def _number(e: sp.Expr) -> complex | None:
    """A constant at 50 digits as a complex number (``None``: not a finite number)."""
    if _singular_value(e):
        return None
    try:
        v = complex(sp.N(e, _DIGITS))
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def _differs(value: sp.Expr, limit: sp.Expr, tol: float) -> bool:
    """Is ``value - limit`` certainly not zero (beyond ``tol`` relative to ``limit``)?"""
    d = value - limit
    if d == 0:
        return False
    syms = sorted(d.free_symbols, key=str)
    samples: list[dict] = [{}]
    if syms:  # parameters: different at generic values (two positive samples, both differ)
        samples = [{s: sp.Rational(7 + 4 * i, 13 + 6 * i + 2 * j) for j, s in enumerate(syms)}
                   for i in range(2)]
    for env in samples:
        dv, lv = _number(d.xreplace(env)), _number(limit.xreplace(env))
        if dv is None or lv is None or abs(dv) <= tol * max(1.0, abs(lv)):
            return False
    return True


def _directions(m: int) -> list[tuple[int, ...]]:
    """Unit steps along each axis and the two diagonals, both ways."""
    out = []
    for i in range(m):
        out.append(tuple(int(i == j) for j in range(m)))
    if m > 1:
        out.append((1,) * m)
        out.append(tuple((-1) ** j for j in range(m)))
    return out + [tuple(-e for e in d) for d in out]


def _check_continuous(expr: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence[sp.Expr],
                      coeffs: Mapping[tuple[int, ...], sp.Expr]) -> None:
    """Refuse an expansion whose constant term is not ``f``'s value at the point, or not its
    value next to the point: ``f`` is not continuous there although SymPy's one-sided series
    agree (``floor(cos(x))`` at 0: the series say 0, ``f(0) = 1``; ``atan2(y, x)`` on its cut:
    ``pi`` above the negative x-axis, ``-pi`` below). ``f(a)`` is evaluated exactly and
    compared at 50 digits; where ``f(a)`` is undefined (``sin(x)/x`` at 0) the expansion is
    that of the continuous extension. Next to a numeric point ``f`` is evaluated at 50 digits
    at ``a + 10**-20 d`` for the axis and diagonal directions ``d``, both ways, where a
    continuous ``f`` is within ``1e-8`` of the constant term."""
    c0 = coeffs.get((0,) * len(variables), sp.Integer(0))
    line = _Along(expr, variables, point)
    value = _substituted(expr, dict(zip(variables, point)))
    if value is not None and not _singular_value(value) and _differs(value, c0, 1e-40):
        raise line.not_analytic(
            f"it is not continuous there: f = {value} at the point, but its expansion starts "
            f"with {c0} (the limit next to it)")
    if expr.free_symbols - set(variables) or any(a.free_symbols for a in point):
        return
    limit = _number(c0)
    if limit is None:
        return
    for d in _directions(len(variables)):
        near = {v: a + _PROBE * e for v, a, e in zip(variables, point, d)}
        at = _substituted(expr, near)
        fv = None if at is None else _number(at)  # None: undefined (sin(x*y)/(x*y) on an axis)
        if fv is not None and abs(fv - limit) > _JUMP * max(1.0, abs(limit)):
            shown = sp.sstr(sp.Float(fv.real, 15) + sp.I * sp.Float(fv.imag, 15)
                            if fv.imag else sp.Float(fv.real, 15))
            step = ", ".join(f"{v} = {a}" + ("" if not e else " + 1e-20" if e > 0 else " - 1e-20")
                             for v, a, e in zip(variables, point, d))
            raise line.not_analytic(
                f"it is not continuous there: f is {shown} at {step}, but its expansion "
                f"starts with {c0}")


def _substituted(expr: sp.Expr, sub: dict) -> sp.Expr | None:
    """``expr`` at ``sub``, or None where it cannot be formed. Integrals, sums and products bind
    their own variables: there ``subs`` replaces only the free occurrences (``xreplace`` would
    rewrite a bound ``x`` too: ``Integral(x, (x, 1, 3), (y, 1, x))`` gave SymPy's bare
    "Invalid limits given")."""
    try:
        if expr.has(sp.Integral, sp.Sum, sp.Product):
            return expr.subs(sub)
        return expr.xreplace(sub)
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return None


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
