"""Checking step-size claims for gradient descent against ``L`` from
:func:`symtaylor.convergence_bounds`: a guaranteed-descent step ``0 < alpha < 2/L`` and the
largest safe step ``2/L``.

For a quadratic ``L`` is exact; otherwise it is certified over a region (an upper bound, with the
largest curvature actually attained as ``L_attained``), and the claims are judged against the
interval the two give.
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp

from ..bounds import ConvergenceBounds, convergence_bounds
from ..coerce import ExprLike, NumberLike, RegionLike, VariablesLike
from .answers import _number, _setup
from .equality import _same
from .reading import notes_how_read
from .records import Mistake, Verdict
from .slips import Slip, first_slip

__all__ = ["check_max_step", "check_step_size"]


# -- a step with guaranteed descent ---------------------------------------------------------------


@notes_how_read
def check_step_size(
    f: ExprLike,
    variables: VariablesLike,
    alpha: NumberLike,
    region: RegionLike | None = None,
) -> Verdict:
    """Check the claim "gradient descent with step ``alpha`` is guaranteed to decrease ``f``".

    The truth: ``0 < alpha < 2/L`` with ``L`` from :func:`symtaylor.convergence_bounds`
    (exact for quadratics, certified over ``region`` otherwise). For a quadratic, ``alpha >=
    2/L`` really fails along the top eigenvector; for a certified ``L`` (an upper bound), a step
    between ``2/L`` and ``2/L_attained`` is reported as not guaranteed. The notes compare
    ``alpha`` with the optimal step ``1/L``.

    Examples
    --------
    >>> v = check_step_size("theta1**2 + 10*theta2**2", "theta1, theta2", "0.15")
    >>> v.correct, v.reasons
    (False, ('alpha = 3/20 is not below 2/L = 1/10 (L = 20): gradient descent can diverge',))
    >>> v = check_step_size("theta1**2 + 10*theta2**2", "theta1, theta2", "0.075")
    >>> v.correct, v.notes
    (True, ('alpha = 3/40 is above 1/L = 1/20 but below 2/L = 1/10: descent is still guaranteed',))
    """
    expr, syms = _setup(f, variables)
    a = _number(alpha, "alpha")
    b = convergence_bounds(expr, syms, region=region)
    expected = sp.Interval.open(0, b.max_step)
    mistake = _step_size_mistake(a, b, expected)
    mistakes = () if mistake is None else (mistake,)
    notes = () if mistakes else (_step_size_note(a, b),)
    return Verdict(not mistakes, f"step size {a} for gradient descent on {expr}", expected, a,
                   mistakes, notes, derivation=b)


def _step_size_mistake(a: sp.Expr, b: ConvergenceBounds, expected: sp.Interval
                       ) -> Mistake | None:
    """Not positive, not below ``2/L`` (exact, or above ``2/L_attained``), or only below the
    attained ``2/L`` but not the certified one."""
    if not a > 0:
        return Mistake("step size", expected, a, "not-positive",
                       f"alpha = {a} is not positive: that is not a descent step")
    if not b.certified:
        if a < b.max_step:
            return None
        return Mistake("step size", expected, a, "not-below-2/L",
                       f"alpha = {a} is not below 2/L = {b.max_step} (L = {b.L}): gradient "
                       "descent can diverge")
    lo = 2 / b.L if b.L > 0 else math.inf
    hi = 2 / b.L_attained if b.L_attained else math.inf
    if float(a) >= hi:
        return Mistake("step size", expected, a, "not-below-2/L",
                       f"alpha = {a} is not below 2/L = {hi:.6g} (|f''| reaches "
                       f"{b.L_attained:.6g} in the region): gradient descent can diverge")
    if float(a) >= lo:
        return Mistake("step size", expected, a, "not-guaranteed",
                       f"alpha = {a} is not below the certified 2/L = {lo:.6g}: descent is not "
                       "guaranteed on the region")
    return None


def _step_size_note(a: sp.Expr, b: ConvergenceBounds) -> str:
    """A safe step compared with the optimal step ``1/L``."""
    if b.L == 0:
        return "L = 0 (f is linear): every alpha > 0 decreases f by alpha ||grad f||^2"
    opt, max_step = b.optimal_step, b.max_step
    o, m = (opt, max_step) if not b.certified else (f"{opt:.6g}", f"{max_step:.6g}")
    if a > opt:
        return f"alpha = {a} is above 1/L = {o} but below 2/L = {m}: descent is still guaranteed"
    if a == opt:
        return f"alpha = 1/L = {o} maximizes the guaranteed decrease"
    return (f"alpha = {a} is below 1/L = {o}: safe, but the guaranteed decrease is smaller than "
            "at 1/L")


# -- the largest safe step ------------------------------------------------------------------------


@notes_how_read
def check_max_step(
    f: ExprLike,
    variables: VariablesLike,
    claimed: NumberLike,
    region: RegionLike | None = None,
) -> Verdict:
    """Check a claimed *largest* step size with guaranteed descent ("alpha_max = ...").

    The truth is ``2/L`` (the descent lemma: ``f(x - alpha g) <= f(x) - alpha (1 - L alpha/2)
    ||g||^2``). Recognised slips: ``1/L`` (the optimal step, which maximizes the guaranteed
    decrease, is not the largest safe one), ``1/mu`` or ``2/mu`` (the smallest curvature
    instead of the largest), ``L`` or ``2L`` (the reciprocal forgotten). For a certified
    (non-quadratic) ``L``, the claim is compared with the certified interval
    ``[2/L_upper, 2/L_attained]``.

    Examples
    --------
    >>> v = check_max_step("theta1**2 + 10*theta2**2", "theta1, theta2", "1/20")
    >>> v.correct, v.kinds
    (False, ('one-over-L',))
    >>> v.expected, v.given
    (1/10, 1/20)
    """
    expr, syms = _setup(f, variables)
    c = _number(claimed, "the claimed step")
    b = convergence_bounds(expr, syms, region=region)
    if b.certified:
        expected, mistake = _max_step_certified(c, b)
    else:
        expected, mistake = _max_step_exact(c, b)
    mistakes = () if mistake is None else (mistake,)
    return Verdict(not mistakes, f"largest safe gradient step on {expr}", expected, c, mistakes,
                   derivation=b)


def _max_step_slips(c: sp.Expr, b: ConvergenceBounds) -> list[Slip]:
    """The classic wrong answers for ``2/L``: the optimal step, ``mu`` for ``L``, ``L`` for
    ``1/L``."""
    L, mu, max_step = b.L, b.mu, b.max_step
    return [
        Slip("one-over-L", lambda: 1 / L if L else None,
             f"{c} is 1/L, the step that maximizes the guaranteed decrease ||g||^2/(2L); the "
             f"largest step with guaranteed descent is 2/L = {max_step}"),
        Slip("used-mu", lambda: 2 / mu if mu else None,
             f"{c} is 2/mu with mu = {mu} the smallest curvature; the limit comes from the "
             f"largest, L = {L}: 2/L = {max_step}"),
        Slip("used-mu", lambda: 1 / mu if mu else None,
             f"{c} is 1/mu with mu = {mu} the smallest curvature; the largest safe step is "
             f"2/L = {max_step} (L = {L})"),
        Slip("hessian-2A", lambda: 4 / L if L else None,
             f"{c} is 2/L with L an eigenvalue of A in f = x^T A x; the Hessian is 2A: "
             f"2/L = {max_step}"),
        Slip("reciprocal", lambda: 2 * L, f"{c} is 2L: the bound is 2/L = {max_step}"),
        Slip("reciprocal", lambda: L, f"{c} is L: the bound is 2/L = {max_step}"),
    ]


def _max_step_exact(c: sp.Expr, b: ConvergenceBounds) -> tuple[Any, Mistake | None]:
    """The claim against the exact ``2/L`` (no largest step when ``L = 0``)."""
    if b.L == 0:
        return sp.oo, Mistake("step size", sp.oo, c, None,
                              f"L = 0 (f is linear): every step decreases f, there is no "
                              f"largest safe step (not {c})")
    if _same(c, b.max_step):
        return b.max_step, None
    slip = first_slip(_max_step_slips(c, b), lambda v: _same(c, v))
    if slip is not None:
        return b.max_step, slip.mistake("step size", b.max_step, c)
    return b.max_step, Mistake("step size", b.max_step, c, None,
                               f"the largest step with guaranteed descent is 2/L = "
                               f"{b.max_step} (L = {b.L}), not {c}")


def _max_step_certified(c: sp.Expr, b: ConvergenceBounds) -> tuple[Any, Mistake | None]:
    """The claim against the certified interval ``[2/L_upper, 2/L_attained]``."""
    lo = 2 / b.L
    hi = 2 / b.L_attained if b.L_attained else math.inf
    cf = float(c)
    expected = sp.Interval(lo, hi)
    if lo * (1 - 1e-12) <= cf <= hi * (1 + 1e-12):
        return expected, None
    if 0.5 * lo * (1 - 1e-9) <= cf <= 0.5 * hi * (1 + 1e-9):
        return expected, Mistake("step size", expected, c, "one-over-L",
                                 f"{c} is 1/L (L in [{b.L_attained:.6g}, {b.L:.6g}]): that "
                                 "maximizes the guaranteed decrease; the largest step with "
                                 f"guaranteed descent is 2/L in [{lo:.6g}, {hi:.6g}]")
    return expected, Mistake("step size", expected, c, None,
                             f"the largest step with guaranteed descent is 2/L in [{lo:.6g}, "
                             f"{hi:.6g}], not {c}")
