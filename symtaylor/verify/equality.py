"""Equality of answers, with stated semantics: :func:`equivalent`.

Two expressions are *equivalent* when they take the same value at every point of the domain
where both are defined. By default the domain is the reals (``domain="real"``): each symbol
ranges over the real numbers (within its assumptions: a ``positive`` symbol over the positive
reals, an ``integer`` one over the integers), and a point counts where both sides evaluate to
finite real numbers. ``domain="complex"`` lets every symbol without a real assumption range
over the complex plane, with SymPy's principal branches.

How it is decided, in order:

1. exactly equal after SymPy's automatic simplification: equivalent;
2. 50-digit evaluation at a few sample points (negative, small, large and positive values, both
   signs for a symbol of unknown sign): a point where both sides are defined and differ (relative
   to the size of their terms) proves them different;
3. ``expand``, ``cancel`` and ``simplify`` of the difference reach ``0``: equivalent (these are
   identities of SymPy that hold for all complex values, hence where both sides are defined);
4. otherwise a denser grid of points decides: equal at every point where both are defined is
   taken as equivalent, a difference at one point as not; no point where both are defined:
   not equivalent.

Decimals are read as written (``0.99999999`` is ``99999999/10**8``), text through
:func:`symtaylor.parse_answer` (``I`` is the imaginary unit, ``e`` Euler's number, ``2x`` is
``2*x``, LaTeX accepted).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from typing import Any

import mpmath
import sympy as sp

from ..answer_parsing import exact_as_written, parse_answer
from ..coerce import ExprLike, as_expr
from ..errors import InputError
from ..parsing import clip

__all__ = ["equivalent"]

#: Working precision in digits, and the relative size below which a difference is zero.
_DPS = 50
_TINY = mpmath.mpf(10) ** (-(_DPS - 10))

#: Sample values of a real symbol of unknown sign: negative, small, large and positive.
_REAL_POOL = tuple(sp.Rational(p, q) for p, q in (
    (-1003, 7), (-37, 11), (-2, 1), (-1, 2), (-3, 7), (-1, 19), (1, 23), (2, 7), (1, 2),
    (1, 1), (2, 1), (3, 1), (19, 5), (2003, 6)))
#: The denser grid of step 4 (per symbol; all combinations for up to 3 symbols).
_GRID = tuple(sp.Rational(p, q) for p, q in (
    (-3, 1), (-2, 1), (-1, 2), (1, 3), (1, 2), (2, 1), (5, 2)))
_INT_POOL = tuple(sp.Integer(k) for k in (-3, -2, -1, 1, 2, 3, 5, 7))
_QUICK_POINTS = 12
_GRID_POINTS = 60


def equivalent(a: ExprLike | sp.MatrixBase, b: ExprLike | sp.MatrixBase, *,
               domain: str = "real") -> bool:
    """Whether two answers are equal wherever both are defined.

    Parameters
    ----------
    a, b : expression, text, LaTeX, number or Matrix
        Text and LaTeX are read by :func:`symtaylor.parse_answer` (decimals exactly as written,
        ``I`` the imaginary unit, ``e`` Euler's number). Matrices compare entry by entry.
    domain : {"real", "complex"}
        Where the symbols range. ``"real"``: real values (within each symbol's assumptions),
        comparing only at points where both sides are finite real numbers (complex-valued
        sides that agree at every finite point also count as equal). ``"complex"``: complex
        values for symbols not declared real, SymPy's principal branches.

    Returns
    -------
    bool

    Notes
    -----
    Decided exactly when SymPy can (the difference is ``0`` after ``expand``, ``cancel`` or
    ``simplify``); otherwise by 50-digit evaluation at negative, small, large and positive
    points, with both signs for each symbol of unknown sign. One point where both sides are
    defined and differ proves them different; agreement at every point is taken as equality.
    ``x`` and ``sqrt(x^2)`` differ at ``x = -1``; ``(a^b)^c`` and ``a^(b*c)`` at ``a = -2, b =
    2, c = 1/2`` (``2`` and ``-2``). ``(x^2 - 1)/(x + 1)`` and ``x - 1`` are equivalent (they
    agree wherever both are defined).

    Examples
    --------
    >>> equivalent("sin(x)^2 + cos(x)^2", "1")
    True
    >>> equivalent("x", "sqrt(x^2)"), equivalent("abs(x)", "sqrt(x^2)")
    (False, True)
    >>> equivalent("(a^b)^c", "a^(b*c)")
    False
    >>> equivalent("log(x*y)", "log(x) + log(y)")     # equal wherever both are real
    True
    >>> equivalent("log(x*y)", "log(x) + log(y)", domain="complex")  # x = y = -1: 0 vs 2*pi*I
    False
    >>> equivalent("0.99999999", "1"), equivalent("0.99999999", "99999999/10**8")
    (False, True)
    >>> equivalent("exp(I*pi)", "-1"), equivalent("sqrt(-1)", "I")
    (True, True)
    >>> equivalent(r"\\frac{x^2}{2}", "x^2/2")
    True
    >>> equivalent("x/10^45", "0")
    False
    """
    if not isinstance(domain, str) or domain not in ("real", "complex"):
        raise InputError(f"domain must be 'real' or 'complex', got {clip(repr(domain), 40)}")
    x, y = _value(a, "a"), _value(b, "b")
    if isinstance(x, sp.MatrixBase) or isinstance(y, sp.MatrixBase):
        if not (isinstance(x, sp.MatrixBase) and isinstance(y, sp.MatrixBase)):
            return False
        return _same_matrix(x, y, domain)
    return _same(x, y, domain)


def _value(v: Any, what: str) -> Any:
    if isinstance(v, str):
        return parse_answer(v)
    if isinstance(v, sp.MatrixBase):
        return exact_as_written(v)
    return exact_as_written(as_expr(v, what=what))


# -- the decision ------------------------------------------------------------------------------


def _same(a: sp.Expr, b: sp.Expr, domain: str = "real") -> bool:
    """Equivalence of two SymPy expressions (see the module docstring)."""
    a, b = (sp.Integer(v) if isinstance(v, int) else v for v in (a, b))  # a default 0
    d = a - b
    if d == 0:
        return True
    # every symbol of either side gets a value (those that cancel in a - b too)
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    if not syms:
        if d.is_zero is not None:
            return bool(d.is_zero)
        v = _points_verdict(a, b, [{}], domain)
        return v is True
    quick = _points_verdict(a, b, _quick_points(syms, domain), domain)
    if quick is False:
        return False
    for simplifier in _simplifiers(d):
        try:
            s = simplifier(d)
        except (TypeError, ValueError, NotImplementedError, RecursionError,
                ZeroDivisionError):  # pragma: no cover - SymPy's own failures
            continue
        if s == 0:
            return True
        if s.is_Number:
            return False
    dense = _points_verdict(a, b, _grid_points(syms, domain), domain)
    if dense is None:
        return bool(quick)
    return dense


#: Powers of sums with exponents above this are not expanded ((x - a)^6000: the grid decides).
_MAX_EXPAND_POWER = 40
#: Expressions larger than this (in operations) or with these functions skip ``simplify``.
_MAX_SIMPLIFY_OPS = 60
#: More symbols than this: no ``simplify`` either (slow; the grid of 60 points decides).
_MAX_SIMPLIFY_SYMBOLS = 3
_SLOW_TO_SIMPLIFY = (sp.Abs, sp.sign, sp.Piecewise, sp.floor, sp.ceiling, sp.Heaviside)


def _simplifiers(d: sp.Expr) -> tuple[Any, ...]:
    """The exact simplifications worth trying on ``d``: none on huge powers of sums (they
    would be multiplied out), no ``simplify`` on large expressions or on ``Abs``, ``sign``...
    (slow, and rarely conclusive): then the numeric grid decides."""
    if any(p.exp.is_Integer and abs(p.exp) > _MAX_EXPAND_POWER and p.base.is_Add
           for p in d.atoms(sp.Pow)):
        return ()
    if (sp.count_ops(d) > _MAX_SIMPLIFY_OPS or d.has(*_SLOW_TO_SIMPLIFY)
            or len(d.free_symbols) > _MAX_SIMPLIFY_SYMBOLS):
        return (sp.expand, sp.cancel)
    return (sp.expand, sp.cancel, sp.simplify)


def _same_matrix(a: sp.MatrixBase, b: sp.MatrixBase, domain: str = "real") -> bool:
    return a.shape == b.shape and all(_same(x, y, domain) for x, y in zip(a, b))


# -- sample points -----------------------------------------------------------------------------


def _pool(sym: sp.Symbol, domain: str) -> tuple[sp.Expr, ...]:
    if sym.is_integer:
        base = _INT_POOL
    else:
        base = _REAL_POOL
    if sym.is_positive or sym.is_nonnegative:
        return tuple(v for v in base if v > 0)
    if sym.is_negative or sym.is_nonpositive:
        return tuple(-v for v in base if v > 0)
    if domain == "complex" and not sym.is_real:
        return base + tuple(v + sp.I * w for v, w in zip(base[1::3], base[4::3]))
    return base


def _quick_points(syms: Sequence[sp.Symbol], domain: str) -> list[dict[sp.Symbol, sp.Expr]]:
    """A dozen points: every pool value once for one symbol; for several, the first point
    with every symbol positive, the second negative, then seeded random mixtures."""
    pools = [_pool(s, domain) for s in syms]
    if len(syms) == 1:
        return [{syms[0]: v} for v in pools[0]]
    rng = random.Random(20261202)
    points = [{s: _nearest(p, sp.Rational(19, 5)) for s, p in zip(syms, pools)},
              {s: _nearest(p, sp.Rational(-37, 11)) for s, p in zip(syms, pools)}]
    while len(points) < _QUICK_POINTS:
        points.append({s: rng.choice(p) for s, p in zip(syms, pools)})
    return points


def _nearest(pool: Sequence[sp.Expr], target: sp.Rational) -> sp.Expr:
    """The real pool value nearest ``target`` (positive 19/5, negative -37/11)."""
    return min((v for v in pool if v.is_real), key=lambda v: abs(float(v) - float(target)))


def _grid_points(syms: Sequence[sp.Symbol], domain: str) -> list[dict[sp.Symbol, sp.Expr]]:
    """The denser grid: all combinations of a few values (integers and halves of both signs,
    where branches of powers and roots differ) for up to 3 symbols, else seeded samples."""
    pools = []
    for s in syms:
        p = _pool(s, domain)
        grid = tuple(v for v in _GRID if v in p or (not s.is_integer and _admits(s, v)))
        pools.append(grid or p)
    if len(syms) <= 3:
        return [dict(zip(syms, combo)) for combo in itertools.product(*pools)]
    rng = random.Random(7)
    return [{s: rng.choice(p) for s, p in zip(syms, pools)} for _ in range(_GRID_POINTS)]


def _admits(sym: sp.Symbol, v: sp.Expr) -> bool:
    if sym.is_positive or sym.is_nonnegative:
        return bool(v > 0)
    if sym.is_negative or sym.is_nonpositive:
        return bool(v < 0)
    return True


def _points_verdict(a: sp.Expr, b: sp.Expr, points: list[dict[sp.Symbol, sp.Expr]],
                    domain: str) -> bool | None:
    """False: some point where both sides are defined tells them apart; True: they agree at
    every point compared (at least one); None: no point where both are defined.

    On the reals a point compares when both values are real; when no point has both real,
    the points where both are finite complex numbers compare instead (so that complex-valued
    but equal expressions are equal)."""
    real_seen = False
    complex_pairs: list[tuple[Any, Any, dict[sp.Symbol, sp.Expr]]] = []
    for sub in points:
        va, vb = _eval(a, sub), _eval(b, sub)
        if va is None or vb is None:
            continue
        if domain == "real" and not (_is_real(va) and _is_real(vb)):
            complex_pairs.append((va, vb, sub))
            continue
        real_seen = True
        if not _close(va, vb, a, b, sub):
            return False
    if real_seen:
        return True
    if not complex_pairs:
        return None
    return all(_close(va, vb, a, b, sub) for va, vb, sub in complex_pairs)


def _eval(e: sp.Expr, sub: dict[sp.Symbol, sp.Expr]) -> mpmath.mpc | None:
    """``e`` at the point, at 50 digits, as an mpmath complex; None where undefined."""
    try:
        v = e.xreplace(sub) if sub else e
        if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return None
        v = v.evalf(_DPS)
        if not v.is_number or v.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.AccumBounds):
            return None
        re_, im_ = v.as_real_imag()
        with mpmath.workdps(_DPS):
            out = mpmath.mpc(mpmath.mpf(sp.Float(re_, _DPS)), mpmath.mpf(sp.Float(im_, _DPS)))
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError, AttributeError,
            RecursionError):
        return None
    if not (mpmath.isfinite(out.real) and mpmath.isfinite(out.imag)):
        return None
    return out


def _is_real(v: mpmath.mpc) -> bool:
    return v.imag == 0 or abs(v.imag) <= _TINY * abs(v.real)


def _close(va: mpmath.mpc, vb: mpmath.mpc, a: sp.Expr, b: sp.Expr,
           sub: dict[sp.Symbol, sp.Expr]) -> bool:
    """Equal to 40 digits relative to the larger side, or else to the size of the terms (so
    that ``sin^2 + cos^2 - 1`` at 1e-60 counts as 0, and ``x/10^45`` does not)."""
    with mpmath.workdps(_DPS):
        diff = abs(va - vb)
        if diff <= _TINY * max(abs(va), abs(vb)):
            return True
        scale = mpmath.mpf(0)
        for t in sp.Add.make_args(a) + sp.Add.make_args(b):
            tv = _eval(t, sub)
            if tv is not None:
                scale += abs(tv)
        return bool(diff <= _TINY * scale)


def _approx_same(a: sp.Expr, b: sp.Expr, rel: float = 1e-6) -> bool:
    """Equal to about 6 digits at a few positive points (for the decimals note only)."""
    d = a - b
    syms = sorted(d.free_symbols, key=lambda s: s.name)
    rng = random.Random(7)
    for _ in range(3):
        sub = {s: sp.Rational(rng.randint(11, 97), rng.randint(23, 61)) for s in syms}
        try:
            dv, av = complex(sp.N(d.xreplace(sub), 30)), complex(sp.N(a.xreplace(sub)))
        except (TypeError, ValueError):
            return False
        if not abs(dv) <= rel * (1 + abs(av)):
            return False
    return True
