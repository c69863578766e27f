"""Checking optimization steps: a Newton update and a gradient-descent update (as expressions,
or the next iterate from a point), with the classic slips named.

Both checkers share one shape: the exact update from :mod:`symtaylor.steps` (evaluated at the
point, when there is one), then :func:`_update_mistakes`: the shape, equality, the first
whole-answer diagnosis that explains the answer (a named :class:`~symtaylor.verify.slips.Slip`,
then for Newton the structural ones: a gradient step in disguise, the curvature actually used),
and otherwise the wrong entries one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import sympy as sp

from ..calculus import gradient, hessian
from ..coerce import ExprLike, NumberLike, PointLike, VariablesLike, as_number
from ..errors import InputError, SymTaylorError
from ..steps import gradient_step, newton_step
from .answers import _answer_vector, _At, _decimals_note, _setup
from .equality import _same, _same_matrix
from .reading import notes_how_read
from .records import LazyDerivation, Mistake, Verdict
from .slips import Slip, first_slip, part_score

__all__ = ["check_gradient_step", "check_newton_step"]

#: A comparison of two update vectors (exact, or within a tolerance).
_Close = Callable[[sp.Matrix, sp.Matrix], bool]
#: A whole-answer diagnosis: the mistake that explains the answer, or None.
_Diagnosis = Callable[[], Mistake | None]


# -- shared by both checkers ---------------------------------------------------------------------


def _update_mistakes(expected: sp.Matrix, given: sp.Matrix, syms: Sequence[sp.Symbol],
                     close: _Close, diagnoses: Iterable[_Diagnosis]) -> list[Mistake]:
    """The mistakes of an update: a wrong shape; else none if it is right; else the first
    whole-answer diagnosis that explains it; else each wrong entry."""
    if given.shape != expected.shape:
        return [Mistake("shape", expected.rows, given.rows, "shape",
                        f"the update has {expected.rows} entries (one per variable), "
                        f"not {given.rows}")]
    if close(expected, given):
        return []
    for diagnose in diagnoses:
        found = diagnose()
        if found is not None:
            return [found]
    out = []
    for i, s in enumerate(syms):
        if not close(sp.Matrix([expected[i]]), sp.Matrix([given[i]])):
            where = "x_next" if len(syms) == 1 else f"update of {s}"
            out.append(Mistake(where, expected[i], given[i], None,
                               f"{where} should be {expected[i]}, not {given[i]}", i))
    return out


def _named_slip(slips: Callable[[], Iterable[Slip]], expected: sp.Matrix, given: sp.Matrix,
                close: _Close, here: _At, errors: tuple[type[BaseException], ...]) -> _Diagnosis:
    """The diagnosis "the answer is exactly one of these slips (at the point)"."""
    def diagnose() -> Mistake | None:
        slip = first_slip(slips(), lambda c: close(c, given), prepare=here, errors=errors)
        return None if slip is None else slip.mistake("whole answer", expected, given)
    return diagnose


def _verdict(question: str, expected: sp.Matrix, given: sp.Matrix, mistakes: list[Mistake],
             notes: tuple[str, ...], derivation: Any, close: _Close = _same_matrix) -> Verdict:
    """A verdict on an update: one variable reads as a scalar, several as a column; ``score``
    is the share of right entries."""
    score = 1.0
    if mistakes:
        score = 0.0 if expected.shape != given.shape else part_score(
            sum(1 for i in range(expected.rows) if close(expected[i:i + 1, :], given[i:i + 1, :])),
            expected.rows)
    return Verdict(not mistakes, question, expected if expected.rows > 1 else expected[0],
                   given if given.rows > 1 else given[0], tuple(mistakes), notes,
                   derivation=derivation, score=score)


def _derivation(step: Any) -> Any:
    """The step's derivation record, built only when asked for (``explain()``): building it
    takes 0.1-0.5 s and the verdict does not depend on it (None when it cannot be built)."""
    return LazyDerivation(lambda: step.derivation)


# -- Newton steps --------------------------------------------------------------------------------


def _within(m: sp.Matrix, other: sp.Matrix, tol: float | None) -> bool:
    """Equal (exact), or for numbers with a ``tol``: every entry within ``tol * (1 + |m_i|)``."""
    if tol is None or m.free_symbols or other.free_symbols:
        return _same_matrix(m, other)
    return m.shape == other.shape and all(
        abs(float(a) - float(b)) <= tol * (1 + abs(float(a))) for a, b in zip(m, other))


def _newton_slips(expr: sp.Expr, syms: tuple[sp.Symbol, ...], g: sp.Matrix, h: sp.Matrix,
                  d: sp.Matrix, damping: Any) -> list[Slip]:
    """The named slips of a Newton step ``x + d`` (``d = -(H + lambda I)^-1 g``), most telling
    first."""
    x = sp.Matrix(syms)
    slips = [
        Slip("sign", lambda: x - d, "the step's sign is flipped: that is x + H^-1 g (it climbs "
                                    "toward a maximum of the model)"),
        Slip("step-factor-2", lambda: x + 2 * d, "the step is twice the Newton step (the 1/2 "
                                                 "of the quadratic model was dropped)"),
        Slip("step-factor-2", lambda: x + d / 2, "the step is half the Newton step (the 1/2 "
                                                 "of the quadratic model was kept in the step)"),
        Slip("no-hessian-inverse", lambda: x - g, "this is a gradient step x - g (step 1): the "
                                                  "Hessian inverse is missing"),
        Slip("hessian-not-inverted", lambda: x - h * g, "this is x - H g: the Hessian must be "
                                                        "inverted (solve H d = -g)"),
    ]
    if damping != 0:
        # built only when tried: with a singular undamped H this slip just does not apply
        slips.append(Slip("damping-ignored", lambda: newton_step(expr, syms).update,
                          "this is the undamped Newton step: the damping lambda*I was left out"))
    if len(syms) == 1:
        slips.append(Slip("root-finding", lambda: x - sp.Matrix([expr / g[0]]),
                          "this is x - f/f': Newton's root-finding step on f; minimization "
                          "applies it to f' (x - f'/f'')"))
        if h[0] != 0:
            slips.append(Slip("inverted-ratio", lambda: x - sp.Matrix([h[0] / g[0]]),
                              "this is x - f''/f': the ratio is upside down (x - f'/f'')"))
    return slips


def _gradient_step_in_disguise(expected: sp.Matrix, given: sp.Matrix, syms: Sequence[sp.Symbol],
                               g: sp.Matrix, here: _At) -> Mistake | None:
    """``x - c g`` with one constant ``c``: a gradient step with step ``c`` (at a point, in one
    variable every answer is of that form, so it says nothing there)."""
    if here and len(syms) == 1:
        return None
    gh, xh = here(g), here(sp.Matrix(syms))
    cs = [sp.simplify((xh[i] - given[i]) / gh[i]) for i in range(len(syms)) if gh[i] != 0]
    if (len(cs) > (1 if here else 0) and not cs[0].free_symbols & set(syms)
            and cs[0] != 0 and all(_same(c, cs[0]) for c in cs)):  # c = 0: no step at all
        return Mistake("whole answer", expected, given, "no-hessian-inverse",
                       f"this is a gradient step x - ({cs[0]}) g: the Hessian inverse is missing")
    return None


def _curvature_used(expected: sp.Matrix, given: sp.Matrix, syms: Sequence[sp.Symbol],
                    g: sp.Matrix, h: sp.Matrix, here: _At) -> Mistake | None:
    """One variable: every update is ``x - f'/K``; say which curvature ``K`` it used."""
    gh, xh = here(g), here(sp.Matrix(syms))
    if len(syms) != 1 or gh[0] == 0:
        return None
    shift = sp.simplify(xh[0] - given[0])
    if shift == 0:
        return None
    curv = sp.simplify(gh[0] / shift)
    hh = here(h)[0]
    if curv.has(sp.zoo, sp.nan) or sp.count_ops(curv) > 3 * sp.count_ops(hh) + 12:
        return None
    return Mistake("whole answer", expected, given, "wrong-curvature",
                   f"x_next should be {expected[0]}, not {given[0]}: it divides f' = {gh[0]} by "
                   f"{curv} instead of by f'' = {hh}")


def _damping(damping: NumberLike) -> Any:
    """The damping as a number, or the text ``"lambda"`` (the steps' symbol) as it is."""
    if isinstance(damping, str) and damping.strip() == "lambda":
        return damping
    return as_number(damping, "damping", symbolic=True, exact=isinstance(damping, str))


@notes_how_read
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
    expr, syms = _setup(f, variables)
    damping = _damping(damping)
    if tol is not None:
        tol = float(as_number(tol, "tol"))
    step = newton_step(expr, syms, damping=damping)
    given = _answer_vector(answer, syms)
    g, h = gradient(expr, syms), hessian(expr, syms)
    here = _At.read(at, syms)
    expected = here(step.update)
    if tol is not None and (not here or not 0 <= tol < 1):
        raise InputError("tol needs a point (at=...) and must be in [0, 1)")
    close = partial(_within, tol=tol)
    diagnoses = [
        _named_slip(lambda: _newton_slips(expr, syms, g, h, step.direction, damping), expected,
                    given, close, here, errors=(ZeroDivisionError, TypeError, ValueError)),
        lambda: _gradient_step_in_disguise(expected, given, syms, g, here),
    ]
    if damping == 0:
        diagnoses.append(lambda: _curvature_used(expected, given, syms, g, h, here))
    mistakes = _update_mistakes(expected, given, syms, close, diagnoses)
    question = f"Newton step for {expr}" + (f" from {here.text()}" if here else "")
    if damping != 0:
        question += f" with damping {damping}"
    notes = (_decimals_note(answer, zip(expected, given))
             if mistakes and tol is None and expected.shape == given.shape else ())
    return _verdict(question, expected, given, mistakes, notes, _derivation(step), close)


# -- gradient steps ------------------------------------------------------------------------------


@notes_how_read
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
    expr, syms = _setup(f, variables)
    rate = as_number(lr, "lr", symbolic=True, exact=isinstance(lr, str | float))
    step = gradient_step(expr, syms, lr=rate)
    given = _answer_vector(answer, syms)
    x = sp.Matrix(syms)
    g = gradient(expr, syms)
    here = _At.read(at, syms)
    expected = here(step.update)
    slips = [
        Slip("sign", lambda: x + rate * g, "the step's sign is flipped: that is x + lr*g "
                                           "(gradient ascent)"),
        Slip("lr-missing", lambda: x - g, "the learning rate is missing: that is x - g"),
        Slip("step-not-point", lambda: -rate * g, "that is the step -lr*g, not the new point "
                                                  "x - lr*g"),
        Slip("newton", lambda: newton_step(expr, syms).update,
             "that is a Newton step, not a gradient step"),
    ]
    diagnosis = _named_slip(lambda: slips, expected, given, _same_matrix, here,
                            errors=(SymTaylorError,))
    mistakes = _update_mistakes(expected, given, syms, _same_matrix, [diagnosis])
    question = f"gradient step with lr = {rate} for {expr}"
    if here:
        question += f" from {here.text()}"
    return _verdict(question, expected, given, mistakes, (), _derivation(step))
