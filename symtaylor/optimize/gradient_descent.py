"""Gradient descent: a fixed step ``lr`` (a number, or ``1/L`` certified by
:func:`symtaylor.bounds.convergence_bounds`) or an Armijo backtracking line search from ``lr``.

A fixed step above ``2/L`` never converges; the core says so instead of running to the limit:
f rising for 50 consecutive iterations above its start, no decrease at all in ``max_iter``
iterations, or iterates alternating between two points end with the reason in the message.

Examples
--------
>>> import numpy as np
>>> from symtaylor.optimize.counting import Counted
>>> p = Counted(f=lambda v: float(v @ v), grad=lambda v: 2 * v)
>>> out = run_gradient_descent(p, np.array([1.0, -2.0]), None, lr=0.5, gtol=1e-8)
>>> out.status.key, out.nit, out.x.tolist()
('gtol', 1, [0.0, 0.0])
>>> run_gradient_descent(p, np.array([1.0]), None, lr=1.0, gtol=1e-8).status.key
'diverged'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..coerce import _show
from ..errors import InputError, SolverError
from ..latex import Row
from .counting import Counted
from .linesearch import armijo
from .result import CoreResult, Status
from .run import Monitor, silent
from .spec import Prepared
from .stopping import diverging, finite

__all__ = ["default_region", "learning_rate", "prepare", "run_gradient_descent"]

# Consecutive increases of f under a fixed gradient step that count as divergence.
_RISES = 50


def _armijo_step(problem: Counted, x: np.ndarray, f: float, g: np.ndarray, gn: float,
                 lr: float) -> np.ndarray | None:
    """The Armijo step along ``-g`` from the trial step ``lr``, shortened so that the first trial
    moves at most ``max(1, ||x||)``; None when there is none. (Without that cap one huge first
    trial can land on a plateau that merely has a lower f, as SciPy's ``test_cg_cornercase``
    shows: ``5*(1 - exp(3/4 - 3*x/2))**2/2`` from -0.5 jumped to x = 116, f = 2.5; capped, it
    reaches the minimum x = 1/2.)"""
    d = -g

    def phi(t: float) -> float:
        return problem.f(x + t * d)

    t0 = min(lr, max(1.0, float(np.linalg.norm(x))) / gn) if gn > 0 else lr
    ls = armijo(phi, f, -gn * gn, t0=t0)
    return ls.t * d if ls.ok else None


def _at_limit(x: np.ndarray, f: float, g: np.ndarray, f0: float, backs: tuple, lr: float,
              fixed: bool, max_iter: int, gtol: float) -> CoreResult:
    """How a run that used every iteration ended: converged after all, a fixed step that never
    decreased f, a 2-cycle, or the plain iteration limit."""
    gn = float(np.linalg.norm(g))
    if gn <= gtol:
        return CoreResult(x, f, g, Status.GTOL, max_iter)
    if fixed and max_iter > 0 and not f < f0:
        return CoreResult(x, f, g, Status.DIVERGED, max_iter,
                          f"with the fixed step lr = {lr:g}, f did not decrease in {max_iter} "
                          f"iterations (f = {f0:.6g} at the start, {f:.6g} now): the iterates "
                          "oscillate or grow; lr is too large here")
    x_back1, x_back2 = backs
    if fixed and max_iter >= 2:
        jump = float(np.linalg.norm(x - x_back1))
        if jump > 0 and float(np.linalg.norm(x - x_back2)) <= 1e-6 * jump:
            return CoreResult(x, f, g, Status.MAX_ITER, max_iter,
                              f"the iterates alternate between two points {x_back1.tolist()} "
                              f"and {x.tolist()}: the fixed step lr = {lr:g} is above 2/L near "
                              "the minimum; lower it, or use lr='1/L' or line_search='armijo'")
    return CoreResult(x, f, g, Status.MAX_ITER, max_iter)


def run_gradient_descent(problem: Counted, x0: np.ndarray, monitor: Monitor | None = None, *,
                         lr: float, line_search: str | None = None, gtol: float = 1e-8,
                         max_iter: int = 10000) -> CoreResult:
    """Gradient descent from ``x0`` on counted ``problem.f``/``.grad``."""
    record = monitor or silent
    x = np.array(x0, dtype=float)
    f, g = problem.f(x), problem.grad(x)
    gn = float(np.linalg.norm(g))
    record(0, x, f, gn, 0.0)
    fixed = line_search is None
    f0 = f_prev = f
    rises = 0
    x_back1 = x_back2 = x
    for k in range(1, max_iter + 1):
        if not finite(f, g):
            return CoreResult(x, f, g, Status.NON_FINITE, k - 1)
        if gn <= gtol:
            return CoreResult(x, f, g, Status.GTOL, k - 1)
        step = -lr * g if fixed else _armijo_step(problem, x, f, g, gn, lr)
        if step is None:
            return CoreResult(x, f, g, Status.LINE_SEARCH_FAILED, k - 1)
        x_back2, x_back1 = x_back1, x
        x = x + step
        f, g = problem.f(x), problem.grad(x)
        gn = float(np.linalg.norm(g))
        if not finite(f, g):
            return CoreResult(x, f, g, Status.NON_FINITE, k)
        if diverging(x, f) or (f > f0 and abs(f - f0) > 1e12 * max(1.0, abs(f0))):
            return CoreResult(x, f, g, Status.DIVERGED, k)
        if fixed:
            # A fixed step that keeps raising f is too large (it exceeds 2/L where the iterates
            # are): stop early instead of running to max_iter.
            rises = rises + 1 if f > f_prev else 0
            if rises >= _RISES and f > f0:
                return CoreResult(x, f, g, Status.DIVERGED, k,
                                  f"with the fixed step lr = {lr:g}, f rose in {rises} "
                                  f"consecutive iterations, from {f0:.6g} to {f:.6g}: lr is "
                                  "too large here")
            f_prev = f
        if record(k, x, f, gn, float(np.linalg.norm(step))):
            return CoreResult(x, f, g, Status.CALLBACK, k)
    return _at_limit(x, f, g, f0, (x_back1, x_back2), lr, fixed, max_iter, gtol)


def default_region(x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The box ``x0 +- max(1, |x0|)`` over which ``1/L`` is certified by default."""
    r = np.maximum(1.0, np.abs(x0))
    return x0 - r, x0 + r


def _one_over_L(problem: Any, x0: np.ndarray, region: Any) -> tuple[float, str]:
    """``1/L`` for ``problem`` (exact for a quadratic, else certified over ``region``)."""
    if problem.data:
        raise SolverError("lr='1/L' is not available with data=; give a number")
    from ..bounds import convergence_bounds

    reg = region
    if reg is None:
        lo, hi = default_region(x0)
        reg = {s: (float(a), float(b)) for s, a, b in zip(problem.variables, lo, hi)}
    try:
        cb = convergence_bounds(problem.expr, problem.variables)
        where = "exact (quadratic f)"
    except InputError:
        cb = convergence_bounds(problem.expr, problem.variables, region=reg)
        where = "certified over the region" + (" x0 +- max(1, |x0|)" if region is None else "")
    step = float(cb.optimal_step)
    if not (math.isfinite(step) and step > 0):
        raise SolverError(f"1/L is not a usable step here (L = {cb.L}); give lr= a number")
    return step, f"alpha = 1/L, L = {cb.L} {where}"


def learning_rate(problem: Any, lr: Any, line_search: str | None, x0: np.ndarray,
                  region: Any) -> tuple[float, str]:
    """The step as a float and how it was chosen (``lr``: a number, ``'1/L'`` or None)."""
    if line_search == "armijo":
        if lr is None:
            return 1.0, "first trial step of the Armijo line search"
        if isinstance(lr, str):
            raise SolverError("with line_search='armijo', lr is the first trial step: a number")
    if lr is None:
        lr = "1/L"
    if isinstance(lr, str):
        if lr.replace(" ", "").upper() != "1/L":
            raise SolverError(f"lr must be a positive number or '1/L', not {_show(lr)}")
        return _one_over_L(problem, x0, region)
    try:
        val = float(lr)
    except (TypeError, ValueError):
        raise SolverError(f"lr must be a positive number or '1/L', not {_show(lr)}") from None
    if not (math.isfinite(val) and val > 0):
        raise SolverError(f"lr must be a positive finite number, not {_show(lr)}")
    return val, "fixed step"


def prepare(problem: Any, x0: np.ndarray, options: Mapping[str, Any]) -> Prepared:
    """The registry hook: ``lr`` as a number (``1/L`` derived and certified here), the row
    that shows it, and the box ``1/L`` was certified over when it is the default one."""
    lr, line_search, region = options["lr"], options["line_search"], options["region"]
    step, how = learning_rate(problem, lr, line_search, x0, region)
    row = Row(r"\alpha", sp.Float(step, 10), note=how)
    default_box = region is None and lr in (None, "1/L") and line_search is None
    return Prepared({"lr": step, "line_search": line_search}, (row,),
                    default_region(x0) if default_box else None)
