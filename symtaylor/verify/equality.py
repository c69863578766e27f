"""Equality of answers: exact first (``simplify`` of the difference), then 50-digit numbers at
random rational points before two expressions are called different; :func:`equivalent`."""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from ..coerce import ExprLike, as_expr

__all__ = ["equivalent"]

#: Random points tried, and the working precision in digits.
_POINTS = 6
_DPS = 50



def _sample_value(rng: random.Random, sym: sp.Symbol) -> sp.Rational:
    v = sp.Rational(rng.randint(11, 97), rng.randint(23, 61))  # in (0.18, 4.2), generic
    if sym.is_negative or sym.is_nonpositive:
        return -v
    return v


def _numeric_witness(d: sp.Expr, scale: sp.Expr) -> bool | None:
    """True: ``d`` is non-zero at some random point (50 digits); False: zero at every point
    tried; None: no point where ``d`` evaluates to a finite real number."""
    syms = sorted(d.free_symbols, key=lambda s: s.name)
    rng = random.Random(20261201)
    tried = ok = 0
    points = _POINTS if syms else 1
    tiny = sp.Float(10) ** (-(_DPS - 10))
    while tried < 3 * points and ok < points:
        tried += 1
        sub = {s: _sample_value(rng, s) for s in syms}
        try:
            with mpmath.workdps(_DPS):
                dv = sp.N(d.xreplace(sub), _DPS)
                sv = sp.N(scale.xreplace(sub), _DPS)
        except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
            continue
        if not (dv.is_number and sv.is_number) or dv.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            continue
        # relative to the size of the terms, so that tiny coefficients still count
        if not (dv.is_extended_real and sv.is_extended_real):
            if dv.is_extended_real is False and abs(sp.im(dv)) > tiny * abs(sv):
                return True  # an imaginary part that does not cancel is a difference too
            continue
        ok += 1
        if abs(dv) > tiny * abs(sv):
            return True
    return False if ok else None


def _approx_same(a: sp.Expr, b: sp.Expr, rel: float = 1e-6) -> bool:
    """Equal to about 6 digits at a few random points (for the decimals note only)."""
    d = a - b
    syms = sorted(d.free_symbols, key=lambda s: s.name)
    rng = random.Random(7)
    for _ in range(3):
        sub = {s: _sample_value(rng, s) for s in syms}
        try:
            dv, av = complex(sp.N(d.xreplace(sub), 30)), complex(sp.N(a.xreplace(sub)))
        except (TypeError, ValueError):
            return False
        if not abs(dv) <= rel * (1 + abs(av)):
            return False
    return True


def equivalent(a: ExprLike, b: ExprLike) -> bool:
    """Whether two expressions are equal for all values of their symbols.

    The difference is evaluated at 50 digits at random rational points (positive unless a
    symbol is declared negative): a value that is not zero relative to the size of their terms
    proves the two different. Otherwise ``expand``, ``cancel`` and ``simplify`` try to reach
    ``0``; when they are inconclusive, zero at every sampled point is taken as equal.

    Examples
    --------
    >>> equivalent("sin(x)^2 + cos(x)^2", "1")
    True
    >>> equivalent("log(x*y)", "log(x) + log(y)")     # true for the positive points sampled
    True
    >>> equivalent("x/6", "0.1666666*x")
    False
    >>> equivalent("x/10^45", "0")
    False
    """
    return _same(as_expr(a, exact=True, what="a"), as_expr(b, exact=True, what="b"))


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    d = a - b
    if d == 0:
        return True
    if d.is_Number:
        return False
    # the scale is the size of the terms, so that a cancellation to zero inside one side
    # (sin^2 + cos^2 - 1) is measured against the terms it cancelled
    terms = sp.Add.make_args(a) + sp.Add.make_args(b)
    witness = _numeric_witness(d, sp.Add(*[abs(t) for t in terms]))
    if witness:
        return False
    for simplifier in (sp.expand, sp.cancel, sp.simplify):
        try:
            s = simplifier(d)
        except (TypeError, ValueError, NotImplementedError, RecursionError):  # pragma: no cover
            continue
        if s == 0:
            return True
        if s.is_Number:
            return False
    # simplify is inconclusive and no point tells them apart: equal at 50 digits everywhere
    # we looked (None: no point where the difference is a real number; then say different)
    return witness is False


def _same_matrix(a: sp.Matrix, b: sp.Matrix) -> bool:
    return a.shape == b.shape and all(_same(x, y) for x, y in zip(a, b))
