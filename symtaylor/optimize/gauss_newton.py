"""Gauss–Newton for least squares with an Armijo line search (numeric core, no SymPy).

The step solves ``min ||r + J p||`` (``lstsq``, so a rank-deficient ``J`` is fine); the
convergence tests look at the FULL step: a line search that only crawls is not converged.

Examples
--------
>>> import numpy as np
>>> from symtaylor.optimize.counting import Counted
>>> p = Counted(fun=lambda v: np.array([10 * (v[1] - v[0]**2), 1 - v[0]]),
...             jac=lambda v: np.array([[-20 * v[0], 10.0], [-1.0, 0.0]]))
>>> out = run_gauss_newton(p, np.array([-1.2, 1.0]), None)
>>> out.status.key, out.x.tolist()
('zero', [1.0, 1.0])
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from .counting import Counted
from .linesearch import armijo
from .result import CoreResult, Status
from .run import Monitor, silent
from .stopping import EPS, finite

__all__ = ["first_order_tol", "run_gauss_newton"]


def _converged(f_old: float, f: float, prered: float, p: np.ndarray, x: np.ndarray,
               ftol: float, xtol: float) -> Status | None:
    """The relative-reduction and relative-step tests on the full Gauss–Newton step ``p``
    (floored at 10 eps: below that, the predicted reduction is round-off)."""
    conv_f = f_old - f <= max(ftol, 10 * EPS) * f_old and prered <= max(ftol, 10 * EPS)
    conv_x = float(np.linalg.norm(p)) <= max(xtol, 10 * EPS) * (xtol + float(np.linalg.norm(x)))
    if conv_f and conv_x:
        return Status.FTOL_XTOL
    if conv_f:
        return Status.FTOL
    if conv_x:
        return Status.XTOL
    return None


def first_order_tol(J: np.ndarray, r: np.ndarray, gtol: float = 0.0) -> float:
    """The scale-aware first-order tolerance of a least-squares end point on ``||2 J^T r||``:
    ``max(gtol, 1e-8, 2e-6 ||J||_F max(||r||, 1))`` (``gtol`` a gradient norm, as Gauss–Newton
    takes it; 1e-8 is minimize's default; the last term is MINPACK's cosine test made absolute:
    every NIST StRD and MGH fit that converges has ``||J^T r|| <= 2e-8 ||J|| ||r||``, every one
    that does not is above ``2e-6``)."""
    return max(gtol, 1e-8, 2e-6 * float(np.linalg.norm(J)) * max(float(np.linalg.norm(r)), 1.0))


def _budget(tally: list[int] | None, max_nfev: int) -> int:
    """Line-search trials left within ``max_nfev`` (at least 1, at most Armijo's 60)."""
    return 60 if tally is None else max(1, min(60, max_nfev - tally[0]))


def _out(x: np.ndarray, f: float, r: np.ndarray, J: np.ndarray, status: Status, nit: int
         ) -> CoreResult:
    return CoreResult(x, f, None, status, nit, fvec=r, jac=J)


def run_gauss_newton(problem: Counted, x0: np.ndarray, monitor: Monitor | None = None, *,
                     ftol: float = 1e-15, xtol: float = 1e-15, gtol: float = 0.0,
                     max_iter: int = 200, max_nfev: int | None = None) -> CoreResult:
    """Gauss–Newton from ``x0`` on counted ``problem.fun``/``.jac`` (``gtol`` bounds the
    gradient norm ``||2 J^T r||``; ``max_nfev`` the residual evaluations, read from the live
    tally: default no limit but ``max_iter``)."""
    record = monitor or silent
    tally = getattr(problem, "tally", None)
    if max_nfev is None:
        max_nfev = sys.maxsize
    x = np.array(x0, dtype=float)
    r, J = problem.fun(x), problem.jac(x)
    f = float(r @ r)
    if not finite(r, J):
        return _out(x, f, r, J, Status.NON_FINITE, 0)
    g = 2.0 * (J.T @ r)
    record(0, x, f, float(np.linalg.norm(g)), 0.0)
    for k in range(1, max_iter + 1):
        if not r.any():  # every residual exactly zero (not a sum of squares that underflows)
            return _out(x, f, r, J, Status.ZERO_RESIDUAL, k - 1)
        if tally is not None and tally[0] >= max_nfev:
            return _out(x, f, r, J, Status.MAX_FEV, k - 1)
        if float(np.linalg.norm(g)) <= gtol:
            return _out(x, f, r, J, Status.GTOL, k - 1)
        p = np.linalg.lstsq(J, -r, rcond=None)[0]
        rp = r + J @ p
        prered = 1.0 - float(rp @ rp) / f       # relative reduction the full GN step predicts
        dphi = float(g @ p)
        if not dphi < 0:
            return _out(x, f, r, J, Status.ROUNDOFF if dphi == 0 else Status.LINE_SEARCH_FAILED,
                        k - 1)
        last: list[Any] = [None]

        def phi(t: float, x: np.ndarray = x, p: np.ndarray = p, last: list = last) -> float:
            last[0] = rt = problem.fun(x + t * p)
            return float(rt @ rt) if finite(rt) else math.inf

        ls = armijo(phi, f, dphi, t0=1.0, max_iter=_budget(tally, max_nfev))
        if not ls.ok:
            if tally is not None and tally[0] >= max_nfev:
                return _out(x, f, r, J, Status.MAX_FEV, k - 1)
            # No decrease possible: converged to working precision if the model agrees, or
            # the gradient is already at its first-order tolerance (fun_trivial at x = 0).
            done = prered <= 1e3 * EPS or float(np.linalg.norm(g)) <= first_order_tol(J, r, gtol)
            return _out(x, f, r, J, Status.ROUNDOFF if done else Status.LINE_SEARCH_FAILED,
                        k - 1)
        step = ls.t * p
        x = x + step
        f_old, f = f, ls.phi
        r, J = last[0], problem.jac(x)  # the residuals of the accepted (last) trial
        if not finite(r, J):
            return _out(x, f, r, J, Status.NON_FINITE, k)
        g = 2.0 * (J.T @ r)
        if record(k, x, f, float(np.linalg.norm(g)), float(np.linalg.norm(step))):
            return _out(x, f, r, J, Status.CALLBACK, k)
        status = _converged(f_old, f, prered, p, x, ftol, xtol)
        if status is not None:
            return _out(x, f, r, J, status, k)
    return _out(x, f, r, J, Status.MAX_ITER, max_iter)
