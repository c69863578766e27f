"""Checking Taylor remainders: the Lagrange form ``f^(n+1)(xi)/(n+1)! (x - a)^(n+1)`` (or, in
several variables, ``sum_{|alpha| = n+1} D^alpha f(a + theta (x - a))/alpha! (x - a)^alpha``)
and claimed bounds of ``|f - T_n|`` over an interval, with the classic slips named (the order
``n`` for ``n + 1``, the derivative taken at ``a``, a missing factorial, powers of ``x``...)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import mpmath
import sympy as sp

from ..coerce import (
    ExprLike,
    NumberLike,
    OrderLike,
    PointLike,
    RegionLike,
    VariablesLike,
    as_order,
    as_point,
    as_region,
)
from ..errors import InputError, SymTaylorError
from ..series import taylor
from ..series.kernel import _multi_indices
from .answers import _answer_expr, _number, _setup
from .equality import _same
from .reading import notes_how_read
from .records import Mistake, Verdict, _point_text
from .slips import Slip, first_slip

__all__ = ["check_remainder", "check_remainder_bound"]

#: Names read as the intermediate point ``xi`` (one variable) or the fraction ``theta``.
_XI_NAMES = ("xi", "c", "zeta", "eta", "z", "xi_", "ξ", "ζ")
_THETA_NAMES = ("theta", "t", "tau", "θ")


def _intermediate(given: sp.Expr, syms: Sequence[sp.Symbol], known: set[sp.Symbol]
                  ) -> sp.Symbol | None:
    """The answer's intermediate-point symbol (the one symbol that is neither a variable nor
    a parameter of ``f``), or None; more than one is refused."""
    extra = sorted(given.free_symbols - set(syms) - known, key=lambda s: s.name)
    if len(extra) > 1:
        raise InputError(f"the answer has unexpected symbols {[str(s) for s in extra]}: write "
                         "the intermediate point as xi (one variable) or theta in (0, 1)")
    return extra[0] if extra else None


def _in_theta(e: sp.Expr, s: sp.Symbol | None, syms: Sequence[sp.Symbol],
              point: Sequence[sp.Expr], theta: sp.Symbol) -> sp.Expr:
    """``e`` with its intermediate point written as ``a + theta (x - a)``."""
    if s is None:
        return e
    if len(syms) == 1 and s.name not in _THETA_NAMES:
        (x,), (a,) = syms, point
        return e.xreplace({s: a + theta * (x - a)})
    return e.xreplace({s: theta})


def _remainder_slips(expr: sp.Expr, syms: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...],
                     order: int, theta: sp.Symbol) -> list[Slip]:
    """The classic wrong remainders, in the variables and ``theta``."""
    n1 = order + 1
    mid = {v: a + theta * (v - a) for v, a in zip(syms, point)}
    at_a = dict(zip(syms, point))

    def term(k: int, where: dict | None, fact: Any = None, power: int | None = None,
             shifted: bool = True) -> sp.Expr:
        """``sum_{|alpha| = k} D^alpha f(where)/fact(alpha) h^alpha`` with ``h = x - a``."""
        out = []
        for alpha in _multi_indices(len(syms), k):
            d = expr
            for v, j in zip(syms, alpha):
                if j:
                    d = sp.diff(d, v, j)
            if d == 0:
                continue
            d = d.xreplace(where) if where is not None else d
            den = math.prod(math.factorial(j) for j in alpha) if fact is None else fact
            p = alpha if power is None else tuple(power if j else 0 for j in alpha)
            mono = sp.Mul(*[((v - a) if shifted else v) ** j
                            for v, a, j in zip(syms, point, p)])
            out.append(d / den * mono)
        return sp.Add(*out)

    one = len(syms) == 1
    slips = [
        Slip("order", lambda: term(order, mid),
             f"that is the term of order {order}: the remainder of T_{order} has order "
             f"{n1} (f^({n1}), (x - a)^{n1}, {n1}!)"),
        Slip("at-expansion-point", lambda: term(n1, at_a),
             f"that is the next Taylor term (the derivative at a): the Lagrange remainder "
             f"takes f^({n1}) at an intermediate point xi between a and x"),
        Slip("at-x", lambda: term(n1, None),
             f"f^({n1}) is evaluated at x: the Lagrange remainder takes it at an intermediate "
             "point xi between a and x"),
        Slip("factorial", lambda: term(n1, mid, fact=1),
             f"forgot to divide by {n1}!" if one else "forgot to divide by alpha!"),
        Slip("factorial", lambda: term(n1, mid, fact=math.factorial(order)),
             f"divided by {order}! instead of {n1}!"),
        Slip("power", lambda: term(n1, mid, power=order) if one else None,
             f"the power of (x - a) is {order}, not {n1}"),
        Slip("powers-of-x", lambda: term(n1, mid, shifted=False)
             if any(a != 0 for a in point) else None,
             f"written in powers of x instead of x - a (about {_point_text(syms, point)})"),
        Slip("sign", lambda: -term(n1, mid), "sign error: the remainder is f - T_n"),
        Slip("order", lambda: term(n1 + 1, mid),
             f"that is the remainder of T_{n1}: T_{order} leaves f^({n1}) terms"),
    ]
    if not one:
        slips.append(Slip("multi-index-factorial", lambda: term(n1, mid, fact=math.factorial(n1)),
                          f"divided by {n1}! instead of the multi-index factorial alpha!"))
    return slips


@notes_how_read
def check_remainder(f: ExprLike, variables: VariablesLike, at: PointLike, order: OrderLike,
                    answer: Any) -> Verdict:
    """Check the Lagrange remainder ``R_n = f - T_n`` of the Taylor polynomial of total degree
    ``order`` about ``at``.

    The answer writes the intermediate point as a symbol: ``xi`` (or ``c``, ``ξ``) between
    ``a`` and ``x`` in one variable, or ``theta`` in ``(0, 1)`` with the point
    ``a + theta (x - a)`` (any number of variables). The exact remainder ``f - T_n`` (no
    intermediate point) is accepted too, with a note. The truth is
    :attr:`symtaylor.TaylorExpansion.remainder`.

    Recognised slips: the term of order ``n`` instead of ``n + 1``, the derivative at ``a``
    (the next Taylor term) or at ``x``, a missing ``1/(n+1)!`` or ``n!`` for ``(n+1)!``, the
    power ``n`` of ``x - a``, powers of ``x`` instead of ``x - a``, the sign, the remainder of
    ``T_{n+1}``, and in several variables ``(n+1)!`` for ``alpha!``.

    Examples
    --------
    >>> check_remainder("exp(x)", "x", 0, 2, "exp(xi)*x^3/6").correct
    True
    >>> check_remainder("exp(x)", "x", 0, 2, "x^3/6").reasons[0][:40]
    'that is the next Taylor term (the deriva'
    >>> check_remainder("cos(x)", "x", 0, 1, "-cos(c)*x^2/2").correct
    True
    """
    order = as_order(order, "order")
    expr, syms = _setup(f, variables)
    point = as_point(at, syms, exact=True)
    given = _answer_expr(answer, syms)
    t = taylor(expr, syms, at=point, order=order)
    params = (expr.free_symbols - set(syms)) | set().union(*(a.free_symbols for a in point))
    s = _intermediate(given, syms, params)
    theta = sp.Dummy("theta")
    expected = t.remainder
    want = _in_theta(expected, t.remainder_symbol, syms, point, theta)
    got = _in_theta(given, s, syms, point, theta)
    question = (f"Lagrange remainder of the order-{order} Taylor polynomial of {expr} about "
                f"{_point_text(syms, point)}")
    if _same(want, got):
        return Verdict(True, question, expected, given, derivation=t)
    if s is None and _same(expr - t.polynomial, given):
        return Verdict(True, question, expected, given, notes=(
            "this is f - T_n exactly; the Lagrange form is " + str(expected),), derivation=t)
    slip = first_slip(_remainder_slips(expr, syms, point, order, theta),
                      lambda c: _same(c, got), errors=(SymTaylorError, TypeError, ValueError))
    if slip is not None:
        mistake = slip.mistake("whole answer", expected, given)
    else:
        mistake = Mistake("whole answer", expected, given, None,
                          f"the remainder should be {expected}, not {given}")
    return Verdict(False, question, expected, given, (mistake,), derivation=t)


# -- bounds of the remainder ---------------------------------------------------------------------


def _sup_abs(e: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> tuple[sp.Expr, float]:
    """``max |e|`` on ``[lo, hi]``: exact when it is attained at an end (``e`` monotone in
    absolute value, sampled at 401 points with mpmath), else the sampled maximum."""
    best_end = max((abs(e.xreplace({x: v})) for v in (lo, hi)), key=lambda p: float(p))
    top = 0.0
    with mpmath.workdps(30):
        for i in range(201):
            v = sp.Rational(i, 200) * (hi - lo) + lo
            try:
                val = abs(float(sp.N(e.xreplace({x: v}), 20)))
            except (TypeError, ValueError):
                continue
            top = max(top, val)
    end_val = float(best_end)
    if top <= end_val * (1 + 1e-12):
        return best_end, end_val
    return sp.Float(top, 15), top


@notes_how_read
def check_remainder_bound(f: ExprLike, variables: VariablesLike, at: PointLike,
                          order: OrderLike, region: RegionLike, answer: NumberLike) -> Verdict:
    """Check a claimed bound of ``|f(x) - T_n(x)|`` for ``x`` in an interval (one variable).

    A claim is right when it is a valid bound: at least the certified maximum of
    ``|f - T_n|`` (:meth:`symtaylor.TaylorExpansion.certify`). The reference answer is the
    Lagrange bound ``max |f^(n+1)| r^(n+1)/(n+1)!`` over the hull of ``a`` and the interval
    (``r`` the largest ``|x - a|``); a valid bound much looser than it gets a note. A claim
    below the true maximum is wrong, with the slip that produced it when it is a classic one
    (``n!`` or ``(n+2)!`` for ``(n+1)!``, the power ``n`` or ``n + 2``, ``max |f^(n+1)|`` taken
    at ``a``, the order ``n`` for ``n + 1``).

    Examples
    --------
    >>> v = check_remainder_bound("exp(x)", "x", 0, 2, (-1/2, 1/2), "exp(1/2)/48")
    >>> v.correct
    True
    >>> check_remainder_bound("exp(x)", "x", 0, 2, (-1/2, 1/2), "1/48").kinds
    ('at-expansion-point',)
    """
    order = as_order(order, "order")
    expr, syms = _setup(f, variables)
    if len(syms) != 1:
        raise InputError("check_remainder_bound takes one variable")
    (x,) = syms
    (a,) = as_point(at, syms, exact=True)
    ((lo_f, hi_f),) = as_region(region, syms)
    claim = _number(answer, "the claimed bound")
    t = taylor(expr, syms, at=(a,), order=order)
    cert = t.certify([(lo_f, hi_f)], rtol=0.02)
    lo = min(sp.Rational(lo_f), a) if a.is_Rational else sp.Rational(lo_f)
    hi = max(sp.Rational(hi_f), a) if a.is_Rational else sp.Rational(hi_f)
    r = max(abs(sp.Rational(lo_f) - a), abs(sp.Rational(hi_f) - a))
    n1 = order + 1
    M, _ = _sup_abs(sp.diff(expr, x, n1), x, lo, hi)
    lagrange = M * r**n1 / sp.factorial(n1)
    question = (f"bound of |f - T_{order}| for {expr} about {x} = {a} on "
                f"[{lo_f:g}, {hi_f:g}]")
    cf = float(claim)
    if not cf >= cert.attained * (1 - 1e-12):
        slip = first_slip(_bound_slips(expr, x, a, lo, hi, r, order),
                          lambda c: _close_rel(float(c), cf), errors=(TypeError, ValueError))
        msg = (f"{claim} is not a bound: |f - T_{order}| reaches {cert.attained:.6g} on the "
               f"interval (the Lagrange bound is {lagrange} = {float(lagrange):.6g})")
        mistake = (Mistake("bound", lagrange, claim, None, msg) if slip is None
                   else Mistake("bound", lagrange, claim, slip.kind, f"{msg}: {slip.why}"))
        return Verdict(False, question, lagrange, claim, (mistake,), derivation=t)
    notes = [f"the true maximum of |f - T_{order}| is in [{cert.attained:.6g}, "
             f"{cert.upper:.6g}]"]
    if cf < cert.upper:
        notes.append("the claim is within the certified enclosure of the maximum: valid to "
                     "the precision of the certificate")
    loose = [Slip("factorial", lambda: M * r**n1, f"valid, but {n1}! is missing from the "
                                                  "Lagrange bound"),
             Slip("factorial", lambda: M * r**n1 / sp.factorial(order),
                  f"valid, but the Lagrange bound divides by {n1}!, not {order}!")]
    slip = first_slip(loose, lambda c: _close_rel(float(c), cf))
    if slip is not None:
        notes.append(f"{slip.why} (the Lagrange bound is {lagrange} = {float(lagrange):.6g})")
    elif cf > 10 * float(lagrange):
        notes.append(f"valid but loose: the Lagrange bound {lagrange} = {float(lagrange):.6g} "
                     "is much smaller")
    return Verdict(True, question, lagrange, claim, notes=tuple(notes), derivation=t)


def _close_rel(a: float, b: float, rtol: float = 1e-6) -> bool:
    return math.isfinite(a) and abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


def _bound_slips(expr: sp.Expr, x: sp.Symbol, a: sp.Expr, lo: sp.Expr, hi: sp.Expr,
                 r: sp.Expr, order: int) -> list[Slip]:
    """Classic wrong Lagrange bounds (values)."""
    n1 = order + 1

    def bound(k: int, power: int, fact: int, at_a: bool = False) -> sp.Expr:
        d = sp.diff(expr, x, k)
        m = abs(d.xreplace({x: a})) if at_a else _sup_abs(d, x, lo, hi)[0]
        return m * r**power / sp.factorial(fact)

    return [
        Slip("at-expansion-point", lambda: bound(n1, n1, n1, at_a=True),
             f"|f^({n1})| is taken at a, not maximised over the interval"),
        Slip("factorial", lambda: bound(n1, n1, n1 + 1), f"divided by {n1 + 1}!, not {n1}!"),
        Slip("power", lambda: bound(n1, n1 + 1, n1), f"r^{n1 + 1} instead of r^{n1}"),
        Slip("order", lambda: bound(n1 + 1, n1 + 1, n1 + 1),
             f"the bound of T_{n1}'s remainder: T_{order} leaves the order-{n1} term"),
    ]
