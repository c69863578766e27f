r"""Proof helpers shared by the analysis kinds (descent lemma, rates, quasi-Newton, finite
differences): rows whose check needs more than :func:`~symtaylor.derivations.checks.equal`.

- :func:`rearranged`: ``P => Q`` where ``Q`` is ``P`` with terms moved across (the two
  differences ``lhs - rhs`` agree exactly): exact, whatever the hypotheses behind ``P``.
- :func:`matrix_equal`: a matrix identity checked entry by entry after ``cancel(together(.))``
  (the route names the size of the generic matrices used).
- :func:`generic_vector`, :func:`generic_symmetric`: explicit symbol entries for identities of
  linear algebra checked at one small size (the route says which size).

Examples
--------
>>> import sympy as sp
>>> a, b, c = sp.symbols("a b c", real=True)
>>> rearranged(a - b <= c, a <= b + c, "move b across").check
'exact'
>>> generic_vector("s", 2).T
Matrix([[s_1, s_2]])
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from typing import Any

import sympy as sp

from ..errors import CertificationError
from .checks import UncheckedStepError
from .record import Row

__all__ = ["decimal_down", "decimal_up", "generic_symmetric", "generic_vector", "matrix_equal",
           "rearranged", "zero"]

_SAME_DIRECTION = {
    (sp.LessThan, sp.LessThan), (sp.StrictLessThan, sp.StrictLessThan),
    (sp.GreaterThan, sp.GreaterThan), (sp.StrictGreaterThan, sp.StrictGreaterThan),
}


def rearranged(premise: Any, conclusion: Any, why: str = "", *, chain: bool = False) -> Row:
    """``premise => conclusion`` for two inequalities of the same direction whose differences
    ``lhs - rhs`` are equal (terms moved from one side to the other): exact."""
    ok = (type(premise), type(conclusion)) in _SAME_DIRECTION and sp.expand(
        (premise.lhs - premise.rhs) - (conclusion.lhs - conclusion.rhs)) == 0
    if not ok:
        raise UncheckedStepError(f"{conclusion} is not a rearrangement of {premise} ({why})")
    return Row(premise, "=>", conclusion, why, "exact",
               "sympy.expand: both sides' differences lhs - rhs agree (terms moved across)",
               (), chain)


def _cancel(e: sp.Expr) -> sp.Expr:
    return sp.cancel(sp.together(e))


def _all_zero(entries: Any) -> str | None:
    """A route proving every entry zero, or None: exact arithmetic in the field of rational
    functions QQ(symbols) when the entries are rational functions, else cancel(together(.))."""
    from sympy.polys.fields import field
    from sympy.polys.polyerrors import CoercionFailed, GeneratorsError, PolynomialError

    entries = list(entries)
    syms = sorted(set().union(*(e.free_symbols for e in entries)), key=str)
    if syms:
        try:
            K = field(syms, sp.QQ)[0]
            if all(K.from_expr(e) == K.zero for e in entries):
                return "exact arithmetic in the field QQ(entries' symbols)"
            return None
        except (CoercionFailed, GeneratorsError, PolynomialError, ValueError, TypeError):
            pass
    if all(_cancel(e) == 0 for e in entries):
        return "sympy.cancel(together(.)) == 0"
    return None


def matrix_equal(lhs: Any, rhs: Any, why: str, value: sp.Matrix, target: sp.Matrix,
                 size: str, *, chain: bool = False) -> Row:
    """An ``=`` row between displayed sides ``lhs`` and ``rhs`` (LaTeX or SymPy) proved by
    ``value - target == 0`` entry by entry (exact rational-function arithmetic), on generic
    matrices of ``size`` (e.g. ``"2 x 2 with symbol entries"``)."""
    route = _all_zero(value - target) if value.shape == target.shape else None
    if route is None:
        raise UncheckedStepError(f"could not prove the matrix identity ({why})")
    # the shown sides stand for value and target: 'where' says so, so the row can be checked
    # again on its own (a test substitutes and compares)
    ls = sp.Symbol(lhs) if isinstance(lhs, str) else lhs
    rs = sp.Symbol(rhs) if isinstance(rhs, str) else rhs
    where = ((ls, value), (rs, target)) if ls != rs else ((ls, value - target + rs),)
    return Row(ls, "=", rs, why, "exact", f"{route}, entry by entry, generic {size}", where,
               chain)


def zero(lhs: Any, value: sp.Expr, why: str, route_detail: str, *, chain: bool = False) -> Row:
    """``lhs = 0`` where ``value`` (the expression ``lhs`` stands for) cancels to zero."""
    if _cancel(sp.expand(value)) != 0:
        raise UncheckedStepError(f"{value} is not zero ({why})")
    return Row(lhs, "=", sp.S.Zero, why, "exact",
               f"sympy.cancel(together(expand(.))) == 0, {route_detail}", (), chain)


def generic_vector(name: str, n: int) -> sp.Matrix:
    """A column of ``n`` real symbols ``name_1 ... name_n``."""
    return sp.Matrix([sp.Symbol(f"{name}_{i + 1}", real=True) for i in range(n)])


def generic_symmetric(name: str, n: int) -> sp.Matrix:
    """A symmetric ``n x n`` matrix of real symbols ``name_ij = name_ji``."""
    return sp.Matrix(n, n, lambda i, j: sp.Symbol(f"{name}_{min(i, j) + 1}{max(i, j) + 1}",
                                                  real=True))


def _decimal(v: float, digits: int, rounding: str) -> sp.Rational:
    if not math.isfinite(float(v)):  # 2/L with L ~ 1e-323 (a region of zero width)
        raise CertificationError(f"the bound {float(v)!r} is not finite: no decimal bound")
    d = Context(prec=digits, rounding=rounding).create_decimal(Decimal(float(v)))
    return sp.Rational(str(d))  # our own decimal text, exact


def decimal_up(v: float, digits: int = 6) -> sp.Rational:
    """The ``digits``-digit decimal at or above ``v``, as an exact Rational (an upper bound
    stays an upper bound when shown short).

    >>> decimal_up(12.000000000000014), decimal_down(0.16666666666666663)
    (120001/10000, 83333/500000)
    """
    return _decimal(v, digits, ROUND_CEILING)


def decimal_down(v: float, digits: int = 6) -> sp.Rational:
    """The ``digits``-digit decimal at or below ``v``, as an exact Rational."""
    return _decimal(v, digits, ROUND_FLOOR)


def eigenvalue_rows(H: sp.Matrix, name: str = "∇²f"
                    ) -> tuple[list[Row], list[sp.Expr]]:
    """Rows proving that each eigenvalue the engine found is a root of the characteristic
    polynomial ``p(lambda) = det(H - lambda I)``, and the eigenvalues (with multiplicity,
    ascending). A ``CRootOf`` eigenvalue is checked by exact polynomial division (its defining
    polynomial divides ``p``); the others by ``equal`` on ``p(lambda_i)``."""
    from ..bounds import _exact_eigs
    from .checks import define, equal

    lam = sp.Symbol("lambda")
    evs = _exact_eigs(H)
    if evs is None:
        raise UncheckedStepError("the eigenvalues of the Hessian are not available exactly")
    evs = sorted(evs, key=lambda e: float(sp.N(e, 30)))
    p = H.charpoly(lam).as_expr()
    P = sp.Function("p")
    rows: list[Row] = [define(P(lam), p, f"det({name} − λI), the characteristic polynomial")]
    seen: list[sp.Expr] = []
    for ev in evs:
        if ev in seen:
            continue
        seen.append(ev)
        if ev.has(sp.CRootOf):
            q = sp.minimal_polynomial(ev, lam)
            if sp.rem(sp.Poly(p, lam), sp.Poly(q, lam)) != 0:
                raise UncheckedStepError(f"{ev} is not a root of {p}")
            rows.append(Row(P(ev), "=", sp.S.Zero, "an eigenvalue (a real root of p)", "exact",
                            "sympy.rem(p, minimal polynomial of the root) == 0 (exact division)",
                            ((P(ev), p.subs(lam, ev)),)))
        else:
            rows.append(equal(P(ev), 0, "an eigenvalue (a root of p)",
                              where={P(ev): p.subs(lam, ev)}))
    return rows, evs


def implies_above(var: sp.Symbol, bound: sp.Expr, conclusion: Any, why: str = "") -> Row:
    """``var > bound => conclusion`` (a strict or weak inequality), proved by substituting
    ``var = bound + s`` with ``s > 0`` and factoring the difference into positive factors."""
    from .checks import _nonneg_factors

    s = sp.Dummy("s", positive=True)
    rel = type(conclusion)
    diff = (conclusion.lhs - conclusion.rhs).xreplace({var: bound + s})
    if rel in (sp.StrictLessThan, sp.LessThan):
        diff = -diff
    strict = rel in (sp.StrictLessThan, sp.StrictGreaterThan)
    diff = sp.factor(sp.cancel(sp.together(diff)))
    if rel not in (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan) or \
            not _nonneg_factors(diff, strict):
        raise UncheckedStepError(f"could not prove {var} > {bound} => {conclusion} ({why})")
    return Row(var > bound, "=>", conclusion, why, "exact",
               f"substitute {var} = {bound} + s, s > 0; the factored difference is "
               + ("positive" if strict else "nonnegative"))


def name_roots(rows: Any, roots: Any, name: str = r"\lambda") -> tuple[list[Row], list[Row]]:
    """Rows with every ``CRootOf`` among ``roots`` shown as a symbol ``name_i`` (the row's
    ``where`` maps the symbol back, so its check still holds), and ``~`` rows giving each
    named root to 12 digits."""
    import dataclasses

    from .checks import approx

    named: dict[Any, sp.Symbol] = {}
    for r in roots:
        if isinstance(r, sp.CRootOf) and r not in named:
            named[r] = sp.Symbol(f"{name}_{{{len(named) + 1}}}", real=True)
    if not named:
        return list(rows), []
    back = tuple((s, r) for r, s in named.items())

    def show(obj: Any) -> Any:
        return obj.xreplace(named) if isinstance(obj, sp.Basic | sp.MatrixBase) else obj

    out = []
    for row in rows:
        new = dataclasses.replace(row, lhs=show(row.lhs), rhs=show(row.rhs))
        if new.lhs is not row.lhs or new.rhs is not row.rhs:
            new = dataclasses.replace(new, where=tuple(row.where) + back)
        out.append(new)
    values = [approx(s, sp.Float(r.evalf(12), 12),
                     f"a real root of p (isolated exactly: {sp.sstr(r)})",
                     "CRootOf.evalf (isolating interval refined)") for r, s in named.items()]
    return out, values


def scaled(premise: Any, conclusion: Any, factor: sp.Expr, why: str = "") -> Row:
    """``premise => conclusion`` where the conclusion is the premise (an inequality) multiplied
    by a positive ``factor``: ``conclusion.lhs - conclusion.rhs == factor*(premise.lhs -
    premise.rhs)`` exactly, and ``factor > 0`` by SymPy's assumptions."""
    ok = (type(premise), type(conclusion)) in _SAME_DIRECTION and factor.is_positive and \
        sp.expand((conclusion.lhs - conclusion.rhs) - factor * (premise.lhs - premise.rhs)) == 0
    if not ok:
        raise UncheckedStepError(f"{conclusion} is not {factor} times {premise} ({why})")
    return Row(premise, "=>", conclusion, why, "exact",
               f"sympy.expand: the conclusion's difference is {factor} > 0 times the premise's")
