"""Checking least-squares steps: Gauss-Newton ``x - (J^T J)^-1 J^T r`` and Levenberg-Marquardt
``x - (J^T J + lambda D)^-1 J^T r`` (as expressions, or the next iterate from a point), with
the classic slips named (the sign, a gradient step, the full Newton step, ``J J^T``, the damping
left out, on ``I`` instead of ``diag(J^T J)`` or the other way, subtracted, squared...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from ..calculus import hessian, jacobian
from ..coerce import NumberLike, PointLike, VariablesLike
from ..errors import InputError, SymTaylorError
from ..steps import _least_squares, levenberg_marquardt_step, newton_step
from .answers import _answer_vector, _At, _decimals_note
from .equality import _same_matrix
from .reading import notes_how_read
from .records import Verdict
from .slips import Slip
from .steps import _damping, _derivation, _named_slip, _update_mistakes, _verdict

__all__ = ["check_gauss_newton_step", "check_lm_step"]

_ERRORS = (SymTaylorError, ZeroDivisionError, TypeError, ValueError,
           sp.matrices.exceptions.NonInvertibleMatrixError)


class _Problem:
    """The pieces of a least-squares step: residuals ``r``, Jacobian ``J``, ``J^T J``, ``J^T r``
    and the current point ``x`` as a column."""

    def __init__(self, residuals: Any, variables: VariablesLike, at: PointLike | None) -> None:
        rs, syms = _least_squares(residuals, variables)
        self.rs, self.syms = rs, syms
        self.at(_At.read(at, syms))

    def at(self, here: _At) -> None:
        """Evaluate the pieces at the point of the question (exact numbers: the slips are then
        cheap), or keep them symbolic."""
        if any(not a.is_number for a in here.point):
            raise InputError(f"the point must be numbers, got ({here.text()})")
        self.here = here
        self.r = here(sp.Matrix(self.rs))
        self.j = here(jacobian(self.rs, self.syms))
        self.jtj = (self.j.T * self.j).applyfunc(sp.expand)
        self.jtr = (self.j.T * self.r).applyfunc(sp.expand)
        self.x = here(sp.Matrix(self.syms))

    def engine_residuals(self) -> list[sp.Expr]:
        """The residuals for the engine: at a point, linearised there (``r(a) + J(a)(x - a)``
        has the same step from ``a`` and a constant Jacobian: the symbolic step is cheap)."""
        if not self.here:
            return self.rs
        h = sp.Matrix(self.syms) - self.x
        return list(self.r + self.j * h)

    def solve(self, a: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
        """``x - a^-1 b``, simplified."""
        return (self.x - a.LUsolve(b)).applyfunc(sp.cancel)

    def common_slips(self, a: sp.Matrix, what: str) -> list[Slip]:
        """Slips shared by both steps (``a`` is the right system matrix)."""
        x, jtr = self.x, self.jtr
        slips = [
            Slip("sign", lambda: (2 * x - self.solve(a, jtr)).applyfunc(sp.cancel),
                 f"the step's sign is flipped: x + ({what})^-1 J^T r (or r and J disagree in "
                 "sign: with r = model - data, J is the Jacobian of the model)"),
            Slip("no-hessian-inverse", lambda: x - jtr,
                 f"this is a gradient step x - J^T r on ||r||^2/2: ({what})^-1 is missing"),
            Slip("hessian-not-inverted", lambda: x - a * jtr,
                 f"this is x - ({what}) J^T r: the matrix must be inverted (solve "
                 f"({what}) d = -J^T r)"),
            Slip("step-factor-2", lambda: (x - 2 * a.LUsolve(jtr)).applyfunc(sp.cancel),
                 "the step is twice too long: the gradient 2 J^T r of ||r||^2 was used with "
                 "the Hessian approximation J^T J of ||r||^2/2"),
            Slip("step-factor-2", lambda: (x - a.LUsolve(jtr) / 2).applyfunc(sp.cancel),
                 "the step is half too long: the gradient J^T r of ||r||^2/2 was used with the "
                 "Hessian approximation 2 J^T J of ||r||^2"),
            Slip("step-not-point", lambda: (-a.LUsolve(jtr)).applyfunc(sp.cancel),
                 "that is the step d, not the new point x + d"),
        ]
        j = self.j
        if j.rows == j.cols:
            slips.append(Slip("transposed", lambda: self.solve(j * j.T + (a - self.jtj), jtr),
                              "J J^T instead of J^T J"))
            slips.append(Slip("transposed", lambda: self.solve(a, j * self.r),
                              "J r instead of J^T r"))
        return slips

    def newton(self, damping: Any = 0) -> sp.Matrix:
        """Newton's step on ``||r||^2/2`` (the full Hessian, with ``damping I``)."""
        half = sum((ri**2 for ri in self.rs), sp.S.Zero) / 2
        if not self.here:
            return newton_step(half, self.syms, damping=damping).update
        h = self.here(hessian(half, self.syms)) + damping * sp.eye(len(self.syms))
        return self.solve(h, self.jtr)


def _check(p: _Problem, expected_update: sp.Matrix, slips: Callable[[], list[Slip]],
           answer: Any, question: str, derivation: Any) -> Verdict:
    given = _answer_vector(answer, p.syms)
    here = p.here
    expected = here(expected_update)
    diagnosis = _named_slip(slips, expected, given, _same_matrix, here, errors=_ERRORS)
    mistakes = _update_mistakes(expected, given, p.syms, _same_matrix, [diagnosis])
    if here:
        question += f" from {here.text()}"
    notes = (_decimals_note(answer, zip(expected, given))
             if mistakes and expected.shape == given.shape else ())
    return _verdict(question, expected, given, mistakes, notes, derivation)


@notes_how_read
def check_gauss_newton_step(residuals: Any, variables: VariablesLike, answer: Any,
                            at: PointLike | None = None) -> Verdict:
    """Check a Gauss-Newton update ``x - (J^T J)^-1 J^T r`` for the residuals ``r`` (the
    minimizer of the linearised ``||r + J d||^2/2``), or, with ``at``, the next iterate.

    The truth is :func:`symtaylor.gauss_newton_step` (with ``at``, on the residuals
    linearised at the point, which have the same step from it). Recognised slips: the sign (or
    inconsistent signs of ``r`` and ``J``), a gradient step ``x - J^T r``, ``J^T J`` not
    inverted, a factor 2 in the step (the gradient of ``||r||^2`` with the Hessian of
    ``||r||^2/2``), the step instead of the point, Newton's step on ``||r||^2/2`` (the
    second-order terms ``sum r_i grad^2 r_i`` are what Gauss-Newton drops), and for square
    systems ``J J^T`` or ``J r``. ``score`` is the share of right entries.

    Examples
    --------
    >>> check_gauss_newton_step(["2*a + b - 3", "a - b", "a + 2*b - 4"], "a, b", "1, 4/3").correct
    True
    >>> check_gauss_newton_step(["x - 1", "x^2 - 2"], "x", "3/5", at=1).kinds
    ('sign',)
    """
    p = _Problem(residuals, variables, at)
    step = levenberg_marquardt_step(p.engine_residuals(), p.syms, 0)

    def slips() -> list[Slip]:
        out = p.common_slips(p.jtj, "J^T J")
        out.append(Slip("newton", lambda: p.newton(),
                        "that is Newton's step on ||r||^2/2 with the full Hessian J^T J + "
                        "sum r_i grad^2 r_i: Gauss-Newton keeps only J^T J"))
        return out

    return _check(p, step.update, slips, answer,
                  f"Gauss-Newton step for residuals ({', '.join(map(str, p.rs))})",
                  _derivation(step))


_SCALING_NAMES = {"identity": "I", "levenberg": "I", "marquardt": "diag(J^T J)"}


@notes_how_read
def check_lm_step(residuals: Any, variables: VariablesLike, damping: NumberLike, answer: Any,
                  scaling: str = "identity", at: PointLike | None = None) -> Verdict:
    """Check a Levenberg-Marquardt update ``x - (J^T J + damping D)^-1 J^T r`` with ``D = I``
    (``scaling="identity"``, Levenberg) or ``D = diag(J^T J)`` (``"marquardt"``), or, with
    ``at``, the next iterate.

    The truth is :func:`symtaylor.levenberg_marquardt_step` (with ``at``, on the residuals
    linearised there). Recognised slips, beyond those of
    :func:`check_gauss_newton_step`: the damping left out (the Gauss-Newton step), the damping
    on ``diag(J^T J)`` instead of ``I`` or the other way, the damping subtracted, squared
    (``lambda^2``: the augmented system stacks ``sqrt(lambda) I``), its value left out
    (``J^T J + D``), the large-damping limit ``x - J^T r/lambda``, and Newton's damped step.

    Examples
    --------
    >>> check_lm_step(["x - 1"], "x", 1, "(x + 1)/2").correct
    True
    >>> check_lm_step(["x - 1", "y"], "x, y", 1, "1, 0").kinds
    ('damping-ignored',)
    """
    p = _Problem(residuals, variables, at)
    lam = _damping(damping)
    if isinstance(lam, str):
        lam = sp.Symbol("lambda")
    if not isinstance(scaling, str) or scaling.strip().lower() not in _SCALING_NAMES:
        raise InputError(f"unknown scaling {scaling!r}; valid: {', '.join(_SCALING_NAMES)}")
    scaling = scaling.strip().lower()
    step = levenberg_marquardt_step(p.engine_residuals(), p.syms, lam, scaling=scaling)
    eye = sp.eye(len(p.syms))
    diag = sp.diag(*[p.jtj[i, i] for i in range(p.jtj.rows)])
    d, other = (eye, diag) if scaling != "marquardt" else (diag, eye)
    dname, oname = _SCALING_NAMES[scaling], ("diag(J^T J)" if scaling != "marquardt" else "I")
    a = p.jtj + lam * d

    def slips() -> list[Slip]:
        out = [Slip("damping-ignored", lambda: p.solve(p.jtj, p.jtr),
                    "this is the Gauss-Newton step: the damping lambda*D was left out")]
        if other != d:
            out.append(Slip("damping-scaling", lambda: p.solve(p.jtj + lam * other, p.jtr),
                            f"the damping is on {oname}, but this step damps with lambda*{dname}"))
        out += [
            Slip("damping-sign", lambda: p.solve(p.jtj - lam * d, p.jtr),
                 f"the damping is subtracted: the system is J^T J + lambda*{dname}"),
            Slip("damping-squared", lambda: p.solve(p.jtj + lam**2 * d, p.jtr),
                 f"lambda^2*{dname}: the damping enters once (the augmented least-squares form "
                 "stacks sqrt(lambda)*D^(1/2) under J)"),
        ]
        if lam != 1:
            out.append(Slip("damping-value", lambda: p.solve(p.jtj + d, p.jtr),
                            f"J^T J + {dname}: the damping's value lambda = {lam} is missing"))
        out.append(Slip("large-damping", lambda: p.x - p.jtr / lam,
                        "that is the large-damping limit x - J^T r/lambda: J^T J is missing"))
        out += p.common_slips(a, f"J^T J + lambda*{dname}")
        out.append(Slip("newton", lambda: p.newton(lam) if scaling != "marquardt" else None,
                        "that is damped Newton on ||r||^2/2 (the full Hessian): "
                        "Levenberg-Marquardt damps J^T J"))
        return out

    return _check(p, step.update, slips, answer,
                  f"Levenberg-Marquardt step (damping {lam}, D = {dname}) for residuals "
                  f"({', '.join(map(str, p.rs))})", _derivation(step))
