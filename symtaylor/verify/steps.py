"""Checking optimization steps: a Newton update and a gradient-descent update (as expressions,
or the next iterate from a point), with the classic slips named."""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..calculus import gradient, hessian
from ..coerce import (
    ExprLike,
    NumberLike,
    PointLike,
    VariablesLike,
    as_number,
    as_point,
)
from ..errors import InputError, SymTaylorError
from .answers import (
    _DECIMALS_NOTE,
    _answer_vector,
    _has_decimals,
    _setup,
)
from .equality import _approx_same, _same, _same_matrix
from .records import Mistake, Verdict

__all__ = ["check_gradient_step", "check_newton_step"]


# -- Newton steps --------------------------------------------------------------------------------


def check_newton_step(f: ExprLike, variables: VariablesLike, answer: Any,
                      damping: NumberLike = 0, at: PointLike | None = None,
                      tol: float | None = None) -> Verdict:
    """Check a Newton update ``x_next`` (expressions in the current variables), or, with
    ``at``, the next iterate from that point (numbers).

    With ``at`` and ``tol``, a numeric answer is accepted when every entry is within
    ``tol * (1 + |expected|)`` of the exact next iterate (for answers computed in floating
    point); otherwise equality is exact.

    The truth is :func:`symtaylor.newton_step`. Recognised slips, by name: the step's sign
    flipped (``x + H^-1 g``), the Hessian inverse missing (a gradient step ``x - c g``), the
    Hessian not inverted (``x - H g``), a factor 2 in the step, Newton's root-finding step on
    ``f`` instead of on ``f'`` (``x - f/f'``), the ratio upside down (``x - f''/f'``), the
    damping ignored; in one variable any other update ``x - f'/K`` is explained by the
    curvature ``K`` it used instead of ``f''``.

    Examples
    --------
    >>> check_newton_step("x**4 - 2*x**2 + 1/2", "x", "x + (4*x**3 - 4*x)/(12*x**2 - 4)").kinds
    ('sign',)
    >>> v = check_newton_step("x^2 + 10*y^2", "x, y", "0.8, -1.0", at=(1, 1))
    >>> v.correct, v.reasons
    (False, ('this is a gradient step x - (1/10) g: the Hessian inverse is missing',))
    >>> check_newton_step("x^2 + 10*y^2", "x, y", "0, 0", at=(1, 1)).correct
    True
    """
    from ..steps import newton_step

    expr, syms = _setup(f, variables)
    if not (isinstance(damping, str) and damping.strip() == "lambda"):  # lambda: steps' symbol
        damping = as_number(damping, "damping", symbolic=True, exact=isinstance(damping, str))
    if tol is not None:
        tol = float(as_number(tol, "tol"))
    step = newton_step(expr, syms, damping=damping)
    given = _answer_vector(answer, syms)
    x = sp.Matrix(syms)
    g = gradient(expr, syms)
    h = hessian(expr, syms)
    d = step.direction  # -(H + lambda I)^-1 g
    sub: dict[sp.Symbol, sp.Expr] = {}
    if at is not None:
        pt = as_point(at, syms, exact=True)
        sub = dict(zip(syms, pt))

    def here(m: sp.Matrix) -> sp.Matrix:
        return m.xreplace(sub).applyfunc(sp.simplify) if sub else m

    expected = here(step.update)
    if tol is not None and (not sub or not 0 <= tol < 1):
        raise InputError("tol needs a point (at=...) and must be in [0, 1)")

    def close(m: sp.Matrix, other: sp.Matrix) -> bool:
        if tol is None or m.free_symbols or other.free_symbols:
            return _same_matrix(m, other)
        return m.shape == other.shape and all(
            abs(float(a) - float(b)) <= tol * (1 + abs(float(a))) for a, b in zip(m, other))

    mistakes: list[Mistake] = []
    if given.shape != expected.shape:
        mistakes.append(Mistake("shape", expected.rows, given.rows, "shape",
                                f"the update has {expected.rows} entries (one per variable), "
                                f"not {given.rows}"))
    elif not close(expected, given):
        cands: list[tuple[str, sp.Matrix, str]] = [
            ("sign", x - d, "the step's sign is flipped: that is x + H^-1 g (it climbs toward a "
                            "maximum of the model)"),
            ("step-factor-2", x + 2 * d, "the step is twice the Newton step (the 1/2 of the "
                                         "quadratic model was dropped)"),
            ("step-factor-2", x + d / 2, "the step is half the Newton step (the 1/2 of the "
                                         "quadratic model was kept in the step)"),
            ("no-hessian-inverse", x - g, "this is a gradient step x - g (step 1): the Hessian "
                                          "inverse is missing"),
            ("hessian-not-inverted", x - h * g, "this is x - H g: the Hessian must be inverted "
                                                "(solve H d = -g)"),
        ]
        if damping != 0:
            plain = newton_step(expr, syms).update
            cands.append(("damping-ignored", plain, "this is the undamped Newton step: the "
                                                    "damping lambda*I was left out"))
        if len(syms) == 1:
            (s,) = syms
            cands.append(("root-finding", x - sp.Matrix([expr / g[0]]),
                          "this is x - f/f': Newton's root-finding step on f; minimization "
                          "applies it to f' (x - f'/f'')"))
            if h[0] != 0:
                cands.append(("inverted-ratio", x - sp.Matrix([h[0] / g[0]]),
                              "this is x - f''/f': the ratio is upside down (x - f'/f'')"))
        found = None
        for kind, cand, why in cands:
            try:
                c = here(cand)
            except (ZeroDivisionError, TypeError, ValueError):  # pragma: no cover
                continue
            if c.has(sp.zoo, sp.nan):
                continue
            if close(c, given):
                found = Mistake("whole answer", expected, given, kind, why)
                break
        gh, xh = here(g), here(x)
        if found is None and (not sub or len(syms) > 1):
            # x - c*g with a constant c: a gradient step with step c (at a point, in one
            # variable every answer is of that form, so it says nothing there)
            cs = [sp.simplify((xh[i] - given[i]) / gh[i]) for i in range(len(syms))
                  if gh[i] != 0]
            if (len(cs) > (1 if sub else 0) and not cs[0].free_symbols & set(syms)
                    and all(_same(c, cs[0]) for c in cs)):
                found = Mistake("whole answer", expected, given, "no-hessian-inverse",
                                f"this is a gradient step x - ({cs[0]}) g: the Hessian inverse "
                                "is missing")
        if found is None and len(syms) == 1 and damping == 0 and gh[0] != 0:
            # one variable: every update is x - f'/K; say which curvature K it used
            shift = sp.simplify(xh[0] - given[0])
            if shift != 0:
                curv = sp.simplify(gh[0] / shift)
                hh = here(h)[0]
                if not curv.has(sp.zoo, sp.nan) and sp.count_ops(curv) <= 3 * sp.count_ops(
                        hh) + 12:
                    found = Mistake(
                        "whole answer", expected, given, "wrong-curvature",
                        f"x_next should be {expected[0]}, not {given[0]}: it divides f' = "
                        f"{gh[0]} by {curv} instead of by f'' = {hh}")
        if found is not None:
            mistakes.append(found)
        else:
            for i, s in enumerate(syms):
                if not close(sp.Matrix([expected[i]]), sp.Matrix([given[i]])):
                    where = "x_next" if len(syms) == 1 else f"update of {s}"
                    mistakes.append(Mistake(where, expected[i], given[i], None,
                                            f"{where} should be {expected[i]}, not {given[i]}",
                                            i))
    if sub:
        pt = ", ".join(f"{k} = {v}" for k, v in sub.items())
        question = f"Newton step for {expr} from {pt}"
    else:
        question = f"Newton step for {expr}"
    if damping != 0:
        question += f" with damping {damping}"
    notes = (_DECIMALS_NOTE,) if (mistakes and tol is None and _has_decimals(answer)
                                  and expected.shape == given.shape
                                  and all(_approx_same(e, g) for e, g in zip(expected, given))
                                  ) else ()
    return Verdict(not mistakes, question, expected if expected.rows > 1 else expected[0],
                   given if given.rows > 1 else given[0], tuple(mistakes), notes,
                   derivation=step.derivation)


def check_gradient_step(f: ExprLike, variables: VariablesLike, answer: Any, lr: NumberLike,
                        at: PointLike | None = None) -> Verdict:
    """Check a gradient-descent update ``x - lr * grad f`` (expressions), or, with ``at``, the
    next iterate from that point (numbers).

    The truth is :func:`symtaylor.gradient_step`. Recognised slips: the step's sign flipped
    (``x + lr g``), the learning rate left out (``x - g``), the step reported instead of the
    new point (``-lr g``), a Newton step given instead.

    Examples
    --------
    >>> check_gradient_step("(x - 3)^2", "x", "0.6", lr="0.1", at=0).correct
    True
    >>> check_gradient_step("(x - 3)^2", "x", "-0.6", lr="0.1", at=0).reasons
    ("the step's sign is flipped: that is x + lr*g (gradient ascent)",)
    """
    from ..steps import gradient_step, newton_step

    expr, syms = _setup(f, variables)
    rate = as_number(lr, "lr", symbolic=True, exact=isinstance(lr, str | float))
    step = gradient_step(expr, syms, lr=rate)
    given = _answer_vector(answer, syms)
    x = sp.Matrix(syms)
    g = gradient(expr, syms)
    sub: dict[sp.Symbol, sp.Expr] = {}
    if at is not None:
        sub = dict(zip(syms, as_point(at, syms, exact=True)))

    def here(m: sp.Matrix) -> sp.Matrix:
        return m.xreplace(sub).applyfunc(sp.simplify) if sub else m

    expected = here(step.update)
    mistakes: list[Mistake] = []
    if given.shape != expected.shape:
        mistakes.append(Mistake("shape", expected.rows, given.rows, "shape",
                                f"the update has {expected.rows} entries (one per variable), "
                                f"not {given.rows}"))
    elif not _same_matrix(expected, given):
        cands: list[tuple[str, Any, str]] = [
            ("sign", lambda: x + rate * g, "the step's sign is flipped: that is x + lr*g "
                                           "(gradient ascent)"),
            ("lr-missing", lambda: x - g, "the learning rate is missing: that is x - g"),
            ("step-not-point", lambda: -rate * g, "that is the step -lr*g, not the new point "
                                                  "x - lr*g"),
            ("newton", lambda: newton_step(expr, syms).update,
             "that is a Newton step, not a gradient step"),
        ]
        for kind, make, why in cands:
            try:
                c = here(make())
            except SymTaylorError:
                continue
            if not c.has(sp.zoo, sp.nan) and _same_matrix(c, given):
                mistakes.append(Mistake("whole answer", expected, given, kind, why))
                break
        else:
            for i, s_ in enumerate(syms):
                if not _same(expected[i], given[i]):
                    where = "x_next" if len(syms) == 1 else f"update of {s_}"
                    mistakes.append(Mistake(where, expected[i], given[i], None,
                                            f"{where} should be {expected[i]}, not {given[i]}",
                                            i))
    question = f"gradient step with lr = {rate} for {expr}"
    if sub:
        question += " from " + ", ".join(f"{k} = {v}" for k, v in sub.items())
    return Verdict(not mistakes, question, expected if expected.rows > 1 else expected[0],
                   given if given.rows > 1 else given[0], tuple(mistakes),
                   derivation=step.derivation)
