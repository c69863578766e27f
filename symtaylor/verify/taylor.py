"""Checking a Taylor polynomial: coefficient by coefficient in powers of ``x - a``, with the
classic slips named (a missing ``1/k!``, a sign, a wrong derivative value, another order or
expansion point)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sympy as sp

from ..coerce import ExprLike, OrderLike, PointLike, VariablesLike, as_order, as_point
from ..errors import InputError, SymTaylorError
from ..series import taylor  # the Taylor engine (derivation layer)
from .answers import _answer_expr, _decimals_note, _setup
from .equality import _same
from .reading import notes_how_read
from .records import Mistake, Verdict, _monomial, _point_text
from .slips import Slip, derivative_slips, first_slip, part_score

__all__ = ["check_taylor"]


def _shifted_coefficients(
    poly_expr: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence[sp.Expr],
    allowed: set[sp.Symbol],
) -> dict[tuple[int, ...], sp.Expr]:
    """Coefficients of an answer as a polynomial in ``h_i = x_i - a_i``."""
    hs = sp.symbols(f"_h0:{len(variables)}")
    shifted = sp.expand(poly_expr.xreplace({v: a + h for v, a, h in zip(variables, point, hs)}))
    extra = shifted.free_symbols - set(hs) - allowed
    if extra:
        raise InputError(f"the answer has unexpected symbols {sorted(map(str, extra))} "
                         f"(variables: {', '.join(map(str, variables))})")
    try:
        poly = sp.Poly(shifted, *hs)
    except sp.PolynomialError as exc:
        raise InputError(f"the answer {poly_expr} is not a polynomial in "
                         f"{', '.join(map(str, variables))}") from exc
    if any(c.has(*hs) for c in poly.coeffs()):  # pragma: no cover - Poly guarantees this
        raise InputError(f"the answer {poly_expr} is not a polynomial")
    return {m: sp.nsimplify(c) if c.is_Float else c for m, c in poly.terms() if c != 0}


def _dname(variables: Sequence[sp.Symbol], point: Sequence[sp.Expr], m: tuple[int, ...]) -> str:
    """``f''(0)`` (one variable) or ``d^2f/dx dy(0, 1)``."""
    at = ", ".join(map(str, point))
    if len(variables) == 1:
        k = m[0]
        return ("f" + "'" * k if k <= 3 else f"f^({k})") + f"({at})"
    parts = " ".join(f"d{v}" + (f"^{k}" if k > 1 else "") for v, k in zip(variables, m) if k)
    return f"d^{sum(m)}f/{parts}({at})"


def _fact_text(m: tuple[int, ...]) -> str:
    return "*".join(f"{k}!" for k in m if k > 1)


def _candidate_points(given: sp.Expr, syms: Sequence[sp.Symbol],
                      point: Sequence[sp.Expr]) -> list[tuple[sp.Expr, ...]]:
    """Expansion points a person may have used instead: the origin, the negated point, and
    any ``x - b`` visible in the answer."""
    cands: list[tuple[sp.Expr, ...]] = []
    zero = tuple(sp.Integer(0) for _ in syms)
    if tuple(point) != zero:
        cands.append(zero)
    neg = tuple(-a for a in point)
    if neg != tuple(point) and neg not in cands:
        cands.append(neg)
    if len(syms) == 1:
        (x,) = syms
        for node in sp.preorder_traversal(given):
            if isinstance(node, sp.Add) and x in node.free_symbols:
                b = x - node
                if not b.free_symbols & {x} and b.is_number and (b,) != tuple(point) \
                        and (b,) not in cands:
                    cands.append((b,))
    return cands[:4]


@notes_how_read
def check_taylor(
    f: ExprLike,
    variables: VariablesLike,
    at: PointLike,
    order: OrderLike,
    answer: Any,
) -> Verdict:
    """Check a Taylor polynomial of ``f`` about ``at`` of total degree ``order``.

    Each coefficient of the answer (as a polynomial in ``x - a``) is compared with the one
    derived by :func:`symtaylor.taylor`. A wrong coefficient is explained when it matches a
    classic slip: a missing ``1/k!`` (or ``1/alpha!``), dividing by it twice, a sign error, a
    term beyond the order, or a derivative value that is off (the message says which value the
    answer implies and what the derivative really is). The answer as a whole is also compared
    with the Taylor polynomials about other points (the origin, ``-a``, any ``x - b`` written
    in the answer) and of neighbouring orders.

    Parameters
    ----------
    f : expression or text
    variables : the variables (text ``"x, y"`` or Symbols)
    at : the expansion point (a scalar applies to every variable)
    order : total degree
    answer : expression or text

    Returns
    -------
    Verdict
        ``mistakes[i].key`` is the multi-index of a wrong coefficient (``None`` for a
        diagnosis of the whole answer).

    Raises
    ------
    InputError
        Malformed input, or an answer that is not a polynomial in the variables.

    Examples
    --------
    >>> check_taylor("sin(x)", "x", 0, 3, "x - x^3/6").correct
    True
    >>> check_taylor("sin(x)", "x", 0, 2, "x - x^2/2").reasons
    ("coefficient of x**2 should be 0, not -1/2 (that needs f''(0) = -1, but f''(0) = 0)",)
    >>> print(check_taylor("exp(x)", "x", 1, 1, "1 + x").reasons[0])
    this is the Taylor polynomial about x = 0, not about x = 1
    """
    order = as_order(order, "order")
    expr, syms = _setup(f, variables)
    point = as_point(at, syms, exact=True)
    given_expr = _answer_expr(answer, syms)
    expansion = taylor(expr, syms, at=point, order=order)
    allowed = (expr.free_symbols - set(syms)) | set().union(*(a.free_symbols for a in point))
    given = _shifted_coefficients(given_expr, syms, point, allowed)
    top = max((sum(m) for m in given), default=0)
    wide = taylor(expr, syms, at=point, order=top) if top > order else expansion
    expected = {m: c for m, c in expansion.coefficients.items() if c != 0}
    mistakes: list[Mistake] = []
    parts = sorted(set(expected) | set(given), key=lambda t: (sum(t), [-e for e in t]))
    for m in parts:
        want = expected.get(m, sp.Integer(0))
        got = given.get(m, sp.Integer(0))
        if sum(m) > order or not _same(want, got):
            mistakes.append(_coefficient_mistake(m, want, got, expr, syms, point, order))
    whole: list[Mistake] = []
    score = part_score(len(parts) - len(mistakes), len(parts))
    if mistakes:
        powers = _powers_mistake(syms, point, expansion.polynomial, given_expr)
        if powers is not None:  # the coefficients are right, written in the wrong basis
            whole, mistakes, score = [powers], [], 0.5
        else:
            found = (_order_mistake(order, given_expr, given, expected, wide, mistakes)
                     or _point_mistake(expr, syms, point, order, given_expr))
            whole = [found] if found is not None else []
    return Verdict(
        not (mistakes or whole),
        f"Taylor polynomial of order {order} of {expr} about {_point_text(syms, point)}",
        expansion.polynomial,
        given_expr,
        tuple(whole + mistakes),
        _decimals_note(answer, [(expansion.polynomial, given_expr)]) if whole or mistakes
        else (),
        derivation=expansion,
        score=score,
    )


# -- the diagnoses -------------------------------------------------------------------------------


def _coefficient_slips(m: tuple[int, ...], want: sp.Expr, fact: int) -> list[Slip]:
    """The slips that give a wrong coefficient ``D^m f(a) / m!`` (``want``, ``fact = m!``)."""
    if want == 0:
        return []
    slips = []
    if fact > 1:
        slips += [Slip("factorial", lambda: want * fact, f"forgot to divide by {_fact_text(m)}"),
                  Slip("double-factorial", lambda: want / fact,
                       f"divided by {_fact_text(m)} twice")]
    total = math.factorial(sum(m))
    if sum(1 for k in m if k) > 1 and total != fact:
        alpha = "*".join(f"{k}!" for k in m if k)
        slips += [Slip("multi-index-factorial", lambda: want * fact / total,
                       f"divided by {sum(m)}! instead of the multi-index factorial "
                       f"alpha! = {alpha}"),
                  Slip("multi-index-factorial", lambda: want * total / fact,
                       f"the mixed term counted {total // fact} times: its coefficient is "
                       f"D^alpha f / alpha! with alpha! = {alpha}")]
    slips.append(Slip("sign", lambda: -want, "sign error"))
    return slips


def _coefficient_mistake(m: tuple[int, ...], want: sp.Expr, got: sp.Expr, expr: sp.Expr,
                         syms: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...], order: int
                         ) -> Mistake:
    """What is wrong with the coefficient ``got`` of the multi-index ``m`` (``want`` is right):
    a term beyond the order, a named slip, or the derivative value it implies."""
    mono = _monomial(syms, point, m)
    if sum(m) > order:
        return Mistake(f"coefficient of {mono}", sp.Integer(0), got, "beyond-order",
                       f"term {got*mono} has degree {sum(m)} > {order}: drop it", m)
    label = "the constant term" if sum(m) == 0 else f"coefficient of {mono}"
    line = f"{label} should be {want}, not {got}"
    fact = math.prod(math.factorial(k) for k in m)
    slip = first_slip(_coefficient_slips(m, want, fact), lambda c: _same(got, c))
    if slip is None and len(syms) == 1 and sum(m) >= 1:
        slip = first_slip(derivative_slips(expr, syms[0], sum(m), fact), lambda c: _same(got, c),
                          prepare=lambda c: c.xreplace({syms[0]: point[0]}),
                          errors=(TypeError, ValueError, ZeroDivisionError))
    if slip is not None:
        return Mistake(label, want, got, slip.kind, f"{line} ({slip.why})", m)
    if sum(m) >= 1:
        name = _dname(syms, point, m)
        return Mistake(label, want, got, "derivative-value",
                       f"{line} (that needs {name} = {sp.simplify(got * fact)}, but {name} = "
                       f"{sp.simplify(want * fact)})", m)
    return Mistake(label, want, got, None, line, m)


def _order_mistake(order: int, given_expr: sp.Expr, given: dict, expected: dict, wide: Any,
                   mistakes: list[Mistake]) -> Mistake | None:
    """The Taylor polynomial of another order (``wide`` is the expansion up to the answer's
    degree)?"""
    degrees = {sum(m.key) for m in mistakes}
    top = max((sum(m) for m in given), default=0)
    if top > order and all(_same(given.get(m, sp.S.Zero), wide.coefficients[m])
                           for m in set(given) | set(wide.coefficients) if sum(m) <= top):
        return Mistake(
            "whole answer", None, given_expr, "order",
            f"this is the Taylor polynomial of order {top}, not {order}: drop the terms of "
            f"degree above {order}")
    if order >= 1 and degrees == {order} and all(
            sum(m) != order for m in given) and any(sum(m) == order for m in expected):
        return Mistake(
            "whole answer", None, given_expr, "order",
            f"this is the Taylor polynomial of order {order - 1}: the degree-{order} terms "
            "are missing")
    return None


def _powers_mistake(syms: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...],
                    polynomial: sp.Expr, given_expr: sp.Expr) -> Mistake | None:
    """The right coefficients written in powers of ``x`` instead of ``x - a``?"""
    if all(a == 0 for a in point):
        return None
    back = given_expr.xreplace({v: v - a for v, a in zip(syms, point)})
    if not _same(sp.expand(back), sp.expand(polynomial)):
        return None
    hs = ", ".join(f"({v} - {a})" if a != 0 else str(v) for v, a in zip(syms, point))
    xs = ", ".join(str(v) for v, a in zip(syms, point) if a != 0)
    return Mistake("whole answer", None, given_expr, "powers-of-x",
                   f"the coefficients are right but written in powers of {xs} instead of "
                   f"powers of {hs} (the expansion is about {_point_text(syms, point)})")


def _point_mistake(expr: sp.Expr, syms: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...],
                   order: int, given_expr: sp.Expr) -> Mistake | None:
    """The Taylor polynomial about another point (see :func:`_candidate_points`)?"""
    here = _point_text(syms, point)
    slips = [Slip("expansion-point",
                  lambda b=b: taylor(expr, syms, at=b, order=order).polynomial,
                  f"this is the Taylor polynomial about {_point_text(syms, b)}, not about {here}",
                  b)
             for b in _candidate_points(given_expr, syms, point)]
    slip = first_slip(slips, lambda other: _same(other, given_expr), errors=(SymTaylorError,))
    return None if slip is None else slip.mistake("whole answer", None, given_expr)
