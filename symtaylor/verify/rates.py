"""Checking claims about gradient descent's speed: the contraction factor per step for a given
step size, the condition number ``kappa = L/mu`` and the step ``2/(L + mu)`` that minimises the
contraction, all against ``L`` and ``mu`` from :func:`symtaylor.convergence_bounds`.

For a quadratic with Hessian eigenvalues ``lambda_i`` the error ``x_k - x*`` is multiplied by
``I - alpha H`` each step, so the contraction factor of ``||x - x*||`` is exactly
``max_i |1 - alpha lambda_i| = max(|1 - alpha mu|, |1 - alpha L|)``: ``1 - mu/L`` for
``alpha = 1/L``, ``(kappa - 1)/(kappa + 1)`` for ``alpha = 2/(L + mu)``. Its square is the
contraction of ``f - f*``. Answers may name ``L``, ``mu`` and ``kappa``: they are replaced by
their values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sympy as sp

from ..bounds import ConvergenceBounds, convergence_bounds
from ..coerce import ExprLike, NumberLike, RegionLike, VariablesLike
from ..errors import InputError
from .answers import _answer_expr, _setup
from .equality import _same
from .reading import notes_how_read
from .records import Mistake, Verdict
from .slips import Slip, first_slip

__all__ = ["check_condition_number", "check_optimal_step", "check_rate"]

#: Symbol names an answer may use for the constants.
_NAMES = {"L": "L", "mu": "mu", "μ": "mu", "m": "mu", "kappa": "kappa", "κ": "kappa",
          "k": "kappa"}


def _value(text: Any, b: ConvergenceBounds, what: str) -> sp.Expr:
    """A number, possibly written with ``L``, ``mu`` and ``kappa`` (replaced by their values);
    ``inf``/``oo`` is infinity."""
    if text is None:
        raise InputError(f"no {what} given")
    if isinstance(text, str) and text.strip().lower() in ("inf", "infinity", "oo", "∞"):
        return sp.oo
    e = _answer_expr(text, (), what)
    consts = {"L": b.L, "mu": b.mu, "kappa": b.condition_number}
    sub = {}
    for s in e.free_symbols:
        name = _NAMES.get(s.name)
        if name is None:
            raise InputError(f"the {what} has the unknown symbol {s.name}; use numbers, L, mu "
                             "or kappa")
        if consts[name] is None:
            raise InputError(f"{s.name} is not defined here (f is not strongly convex)")
        sub[s] = consts[name]
    e = e.xreplace(sub)
    if not e.is_number:
        raise InputError(f"the {what} must be a number, got {text!r}")
    return sp.nsimplify(e) if e.is_Float else e


def _bounds(f: ExprLike, variables: VariablesLike, region: RegionLike | None
            ) -> tuple[sp.Expr, ConvergenceBounds]:
    expr, syms = _setup(f, variables)
    return expr, convergence_bounds(expr, syms, region=region)


def _close(a: Any, b: Any, certified: bool) -> bool:
    """Equal (exact), or for certified (float) constants within the certificate's 6%."""
    if a is None or b is None:
        return False
    if not certified and isinstance(a, sp.Basic) and isinstance(b, sp.Basic):
        return _same(a, b) if a != sp.oo else b == sp.oo
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if math.isinf(fa) or math.isinf(fb):
        return fa == fb
    return abs(fa - fb) <= (0.06 if certified else 1e-12) * max(abs(fa), abs(fb), 1e-300)


def _eigs(b: ConvergenceBounds) -> list[Any]:
    """The Hessian's eigenvalues (exact for quadratics), else ``[mu, L]``."""
    if not b.certified:
        from ..bounds import _exact_eigs

        evs = _exact_eigs(b.hessian)
        if evs is not None:
            return evs
    return [b.mu, b.L]


def _contraction(alpha: Any, evs: Sequence[Any]) -> Any:
    vals = [abs(1 - alpha * e) for e in evs]
    return max(vals, key=lambda v: float(v)) if vals else sp.Integer(1)


def _slip_check(c: sp.Expr, slips: list[Slip], certified: bool) -> Slip | None:
    return first_slip(slips, lambda v: _close(v, c, certified),
                      errors=(ZeroDivisionError, TypeError, ValueError))


@notes_how_read
def check_rate(f: ExprLike, variables: VariablesLike, lr: NumberLike, answer: NumberLike,
               region: RegionLike | None = None) -> Verdict:
    """Check the contraction factor of gradient descent with step ``lr`` on ``f``: the factor
    ``max |1 - lr*lambda|`` by which ``||x - x*||`` shrinks per step (its square, the factor of
    ``f - f*``, is accepted too, with a note).

    ``lr`` may be a number or written with ``L`` and ``mu`` (``"1/L"``, ``"2/(L + mu)"``); so
    may the answer (``"1 - mu/L"``, ``"(kappa - 1)/(kappa + 1)"``). For a non-quadratic ``f``
    give a ``region``: the constants are certified there and numbers are compared to 6%.

    Recognised slips: ``1 - L/mu`` for ``1 - mu/L``, ``kappa`` inverted, the rate of the other
    classic step (``1 - mu/L`` for ``2/(L + mu)`` and the other way), the accelerated rate
    ``(sqrt(kappa) - 1)/(sqrt(kappa) + 1)`` or ``1 - 1/sqrt(kappa)``, only one end of the
    spectrum (``1 - lr*mu`` when ``|1 - lr*L|`` is larger, ``1 - lr*L`` without the absolute
    value), ``kappa``, ``1/kappa`` or ``mu/L`` for the rate.

    Examples
    --------
    >>> check_rate("x^2 + 10*y^2", "x, y", "1/L", "9/10").correct
    True
    >>> check_rate("x^2 + 10*y^2", "x, y", "2/(L + mu)", "1 - mu/L").kinds
    ('other-step',)
    >>> check_rate("x^2 + 10*y^2", "x, y", "1/L", "1 - L/mu").kinds
    ('inverted-ratio',)
    """
    expr, b = _bounds(f, variables, region)
    alpha = _value(lr, b, "lr")
    if not alpha.is_positive:
        raise InputError(f"lr must be positive, got {alpha}")
    c = _value(answer, b, "rate")
    cert = b.certified
    evs = _eigs(b)
    rho = _contraction(alpha, evs)
    if not cert:
        rho = sp.simplify(rho)
    question = f"contraction factor of gradient descent with lr = {alpha} on {expr}"
    notes: list[str] = []
    if float(rho) >= 1:
        notes.append(f"rho = {rho} >= 1: gradient descent with this step does not converge "
                     f"(lr >= 2/L = {b.max_step})")
    if _close(rho, c, cert):
        return Verdict(True, question, rho, c, notes=tuple(notes), derivation=b)
    if _close(rho**2, c, cert):
        notes.append(f"{c} = rho^2 is the contraction of f - f*; the iterates' error "
                     f"||x - x*|| shrinks by rho = {rho}")
        return Verdict(True, question, rho, c, notes=tuple(notes), derivation=b)
    L, mu, kappa = b.L, b.mu, b.condition_number
    slips = _rate_slips(alpha, L, mu, kappa, cert)
    slip = _slip_check(c, slips, cert)
    line = f"the contraction factor is max|1 - lr*lambda| = {rho}, not {c}"
    mistake = (Mistake("rate", rho, c, None, line) if slip is None
               else Mistake("rate", rho, c, slip.kind, f"{line}: {slip.why}"))
    return Verdict(False, question, rho, c, (mistake,), tuple(notes), derivation=b)


def _rate_slips(alpha: Any, L: Any, mu: Any, kappa: Any, certified: bool) -> list[Slip]:
    sqrt = (lambda v: math.sqrt(v)) if certified else sp.sqrt
    one_over_L = _close(alpha, 1 / L, certified) if L else False
    optimal = _close(alpha, 2 / (L + mu), certified) if L and mu is not None else False
    out = [Slip("inverted-ratio", lambda: 1 - L / mu if mu else None,
                "1 - L/mu: the ratio is upside down (1 - mu/L)")]
    if kappa is not None:
        out += [
            Slip("inverted-ratio", lambda: (kappa + 1) / (kappa - 1) if kappa != 1 else None,
                 "(kappa + 1)/(kappa - 1) is upside down: (kappa - 1)/(kappa + 1) < 1"),
            Slip("inverted-ratio", lambda: 1 - kappa, "1 - kappa: kappa = L/mu is inverted "
                                                      "(1 - 1/kappa)"),
        ]
        if not one_over_L:
            out.append(Slip("other-step", lambda: 1 - mu / L,
                            "1 - mu/L is the contraction for lr = 1/L, not for this step"))
        if not optimal:
            out.append(Slip("other-step", lambda: (kappa - 1) / (kappa + 1),
                            "(kappa - 1)/(kappa + 1) is the contraction for lr = 2/(L + mu), not "
                            "for this step"))
        out += [
            Slip("accelerated", lambda: (sqrt(kappa) - 1) / (sqrt(kappa) + 1),
                 "(sqrt(kappa) - 1)/(sqrt(kappa) + 1) is the heavy-ball rate (momentum), not "
                 "plain gradient descent"),
            Slip("accelerated", lambda: 1 - 1 / sqrt(kappa),
                 "1 - 1/sqrt(kappa) is Nesterov's accelerated rate, not plain gradient descent"),
            Slip("kappa", lambda: kappa, "that is kappa = L/mu itself, not a contraction factor"),
            Slip("kappa", lambda: 1 / kappa, "that is 1/kappa = mu/L; the factor is 1 - mu/L "
                                             "for lr = 1/L"),
        ]
    if mu is not None:
        out += [
            Slip("one-end", lambda: 1 - alpha * mu,
                 "1 - lr*mu uses only the smallest curvature: the factor is max(|1 - lr*mu|, "
                 "|1 - lr*L|)"),
            Slip("one-end", lambda: 1 - alpha * L,
                 "1 - lr*L without the absolute value: the factor is max(|1 - lr*mu|, "
                 "|1 - lr*L|)"),
            Slip("one-end", lambda: abs(1 - alpha * L),
                 "|1 - lr*L| uses only the largest curvature: the factor is max(|1 - lr*mu|, "
                 "|1 - lr*L|)"),
        ]
    return out


@notes_how_read
def check_condition_number(f: ExprLike, variables: VariablesLike, answer: NumberLike,
                           region: RegionLike | None = None) -> Verdict:
    """Check the condition number ``kappa = L/mu`` of ``f`` (the ratio of the largest to the
    smallest eigenvalue of the Hessian; certified over ``region`` for a non-quadratic ``f``).

    Recognised slips: ``mu/L`` (inverted), ``sqrt(kappa)`` (the condition number of ``J`` or of
    ``H^(1/2)``, not of ``H``), ``kappa^2``, the ratio of the Hessian's diagonal entries
    instead of its eigenvalues, ``L - mu``, ``L`` alone. ``mu <= 0``: ``kappa`` is not defined
    (``mu = 0``: ``oo`` is accepted).

    Examples
    --------
    >>> check_condition_number("x^2 + 10*y^2", "x, y", "10").correct
    True
    >>> check_condition_number("x^2 + 10*y^2", "x, y", "1/10").kinds
    ('inverted-ratio',)
    >>> check_condition_number("2*x^2 + 2*x*y + 2*y^2", "x, y", "1").kinds
    ('diagonal',)
    """
    expr, b = _bounds(f, variables, region)
    c = _value(answer, b, "condition number")
    cert = b.certified
    question = f"condition number L/mu of {expr}"
    kappa = b.condition_number
    if kappa is None:
        if b.mu is not None and not cert and b.mu == 0 and c == sp.oo:
            return Verdict(True, question, sp.oo, c, notes=("mu = 0: f is convex but not "
                                                            "strongly convex",), derivation=b)
        why = (f"mu = {b.mu}: f is not strongly convex, so kappa = L/mu is not defined"
               if b.mu is not None and b.mu != 0 else
               "mu = 0: f is not strongly convex, kappa is infinite")
        expected = sp.oo if b.mu == 0 else None
        return Verdict(False, question, expected, c, (Mistake("condition number", expected, c,
                                                              "not-strongly-convex", why),),
                       derivation=b)
    if _close(kappa, c, cert):
        return Verdict(True, question, kappa, c, derivation=b)
    L, mu = b.L, b.mu
    sqrt = (lambda v: math.sqrt(v)) if cert else sp.sqrt
    slips = [
        Slip("inverted-ratio", lambda: mu / L, "mu/L is inverted: kappa = L/mu >= 1"),
        Slip("sqrt-kappa", lambda: sqrt(kappa), "sqrt(L/mu) is the condition number of J (or "
                                                "of H^(1/2)), not of the Hessian"),
        Slip("kappa-squared", lambda: kappa**2, "(L/mu)^2: the eigenvalues are not squared"),
        Slip("diagonal", lambda: _diagonal_ratio(b), "that is the ratio of the Hessian's "
                                                     "diagonal entries: kappa uses its "
                                                     "eigenvalues"),
        Slip("difference", lambda: L - mu, "L - mu: kappa is the ratio L/mu"),
        Slip("L-only", lambda: L, "that is L alone: kappa = L/mu"),
    ]
    slip = _slip_check(c, slips, cert)
    line = f"kappa = L/mu = {L}/{mu} = {kappa}, not {c}"
    mistake = (Mistake("condition number", kappa, c, None, line) if slip is None
               else Mistake("condition number", kappa, c, slip.kind, f"{line}: {slip.why}"))
    return Verdict(False, question, kappa, c, (mistake,), derivation=b)


def _diagonal_ratio(b: ConvergenceBounds) -> Any:
    if b.certified:
        return None
    h = b.hessian
    if h.is_diagonal():
        return None
    d = [abs(h[i, i]) for i in range(h.rows)]
    return max(d) / min(d) if min(d) != 0 else None


@notes_how_read
def check_optimal_step(f: ExprLike, variables: VariablesLike, answer: NumberLike,
                       region: RegionLike | None = None) -> Verdict:
    """Check the step ``2/(L + mu)``: the fixed step that minimises gradient descent's
    contraction factor ``max |1 - alpha lambda|`` (to ``(kappa - 1)/(kappa + 1)``).

    Recognised slips: ``1/L`` (best guaranteed decrease, not best contraction), ``2/L`` (the
    limit of stability), ``1/mu``, ``2/mu``, ``1/(L + mu)``, ``2/(L - mu)``, ``(L + mu)/2``
    (not inverted), and ``4/(L + mu)`` (the eigenvalues of ``A`` in ``f = x^T A x``, whose
    Hessian is ``2A``).

    Examples
    --------
    >>> check_optimal_step("x^2 + 10*y^2", "x, y", "1/11").correct
    True
    >>> check_optimal_step("x^2 + 10*y^2", "x, y", "1/20").kinds
    ('one-over-L',)
    """
    expr, b = _bounds(f, variables, region)
    c = _value(answer, b, "step")
    cert = b.certified
    L, mu = b.L, b.mu
    question = f"step minimising gradient descent's contraction on {expr}"
    if mu is None or not mu > 0:
        raise InputError(f"mu = {mu}: f is not strongly convex, there is no optimal fixed step "
                         "2/(L + mu)")
    best = 2 / (L + mu)
    if _close(best, c, cert):
        return Verdict(True, question, best, c, notes=(
            f"the contraction is then (kappa - 1)/(kappa + 1) = {b.rate_optimal}",),
            derivation=b)
    slips = [
        Slip("one-over-L", lambda: 1 / L, "1/L maximizes the guaranteed decrease; the best "
                                          "contraction needs 2/(L + mu)"),
        Slip("two-over-L", lambda: 2 / L, "2/L is the limit of stability, not the best step"),
        Slip("used-mu", lambda: 1 / mu, "1/mu uses only the smallest curvature"),
        Slip("used-mu", lambda: 2 / mu, "2/mu uses only the smallest curvature"),
        Slip("factor-2", lambda: 1 / (L + mu), "1/(L + mu): the 2 is missing"),
        Slip("sign", lambda: 2 / (L - mu) if L != mu else None, "2/(L - mu): it is L + mu"),
        Slip("reciprocal", lambda: (L + mu) / 2, "(L + mu)/2 must be inverted: 2/(L + mu)"),
        Slip("hessian-2A", lambda: 4 / (L + mu),
             "4/(L + mu) uses the eigenvalues of A in f = x^T A x; the Hessian is 2A"),
    ]
    slip = _slip_check(c, slips, cert)
    line = f"the best fixed step is 2/(L + mu) = {best} (L = {L}, mu = {mu}), not {c}"
    mistake = (Mistake("step size", best, c, None, line) if slip is None
               else Mistake("step size", best, c, slip.kind, f"{line}: {slip.why}"))
    return Verdict(False, question, best, c, (mistake,), derivation=b)
