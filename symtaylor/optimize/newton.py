"""Newton's method with the exact Hessian and an Armijo line search, safe at saddles.

Each iteration diagonalises ``H = V diag(w) V^T`` once:

* where ``H`` is positive definite the step is Newton's, exactly (a badly conditioned but
  positive definite Hessian keeps it); only eigenvalues that are negative or at round-off level
  are replaced, by ``|w|`` floored at ``sqrt(eps) max|w|`` (the eigenvalue modification), so
  the direction is always a descent direction;
* at a stationary point with negative curvature the step follows the eigenvector of the most
  negative eigenvalue, so the method never stops at a saddle or a maximum.

The result carries the Hessian at the final point and its decomposition: the post-run
second-order check reuses them instead of evaluating again.

Examples
--------
>>> import numpy as np
>>> from symtaylor.optimize.counting import Counted
>>> p = Counted(f=lambda v: float(v[0]**2 + 10*v[1]**2), grad=lambda v: np.array([2*v[0], 20*v[1]]),
...             hess=lambda v: np.diag([2.0, 20.0]))
>>> out = run_newton(p, np.array([5.0, 5.0]), None)
>>> out.status.key, out.nit, out.x.tolist(), p.nhev
('gtol', 1, [0.0, 0.0], 2)
"""

from __future__ import annotations

import math

import numpy as np

from .counting import Counted
from .linesearch import armijo
from .result import CoreResult, Status
from .run import Monitor, silent
from .stopping import EPS, at_roundoff, diverging, finite

__all__ = ["run_newton"]


def _negative_curvature_step(problem: Counted, x: np.ndarray, f: float, w: np.ndarray,
                             v: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Along the eigenvector ``v`` of ``lambda_min = w[0] < 0`` (oriented downhill): the
    longest of ``1, 1/2, 1/4, ...`` with ``f(x + t v) < f + 1e-4 t^2 lambda_min / 2``;
    ``(step, f there)``, or None when 60 halvings find no decrease."""
    t = 1.0
    for _ in range(60):
        fn = problem.f(x + t * v)
        if math.isfinite(fn) and fn < f + 1e-4 * 0.5 * t * t * w[0]:
            return t * v, fn
        t *= 0.5
    return None


def _modified_newton_direction(g: np.ndarray, gn: float, w: np.ndarray, V: np.ndarray,
                               gt: np.ndarray, wscale: float) -> tuple[np.ndarray, float]:
    """``(d, g.d)``: the Newton direction with eigenvalues at round-off level or negative
    replaced by ``|w|`` floored at ``sqrt(eps) wscale``; ``-g`` if that is not downhill."""
    # Only eigenvalues at round-off level (or negative) are changed: a positive definite but
    # badly conditioned Hessian keeps its exact Newton step.
    tiny = EPS * wscale
    if w[0] > tiny:
        wm = w
    else:
        wm = np.where(np.abs(w) > tiny, np.abs(w), math.sqrt(EPS) * wscale)
    d = -V @ (gt / wm)
    dphi = float(g @ d)
    if dphi >= 0:
        d, dphi = -g, -gn * gn
    return d, dphi


def run_newton(problem: Counted, x0: np.ndarray, monitor: Monitor | None = None, *,
               gtol: float = 1e-8, max_iter: int = 1000) -> CoreResult:
    """Newton's method from ``x0`` on counted ``problem.f``/``.grad``/``.hess``: one gradient
    and one Hessian per iterate (``nhev = nit + 1`` when it converges)."""
    record = monitor or silent
    x = np.array(x0, dtype=float)
    f = problem.f(x)
    last = 0.0
    for k in range(max_iter + 1):
        g, H = problem.grad(x), problem.hess(x)
        if not finite(f, g, H):
            return CoreResult(x, f, g, Status.NON_FINITE, k, hess=H)
        gn = float(np.linalg.norm(g))
        if record(k, x, f, gn, last) and k > 0:
            return CoreResult(x, f, g, Status.CALLBACK, k, hess=H)
        w, V = eig = np.linalg.eigh(H)
        wscale = max(1.0, float(np.max(np.abs(w))))
        neg = w[0] < -math.sqrt(EPS) * wscale
        if gn <= gtol and not neg:
            return CoreResult(x, f, g, Status.GTOL, k, hess=H, eig=eig)
        if k == max_iter:
            return CoreResult(x, f, g, Status.MAX_ITER, k, hess=H, eig=eig)
        gt = V.T @ g
        if gn <= gtol or (neg and gn <= math.sqrt(EPS) * wscale):
            # Stationary but with negative curvature: follow the eigenvector of lambda_min.
            found = _negative_curvature_step(problem, x, f, w,
                                             V[:, 0] * (-1.0 if gt[0] > 0 else 1.0))
            if found is None:
                return CoreResult(x, f, g, Status.SADDLE, k,
                                  "no decrease along the negative-curvature direction",
                                  hess=H, eig=eig)
            step, f = found
        else:
            d, dphi = _modified_newton_direction(g, gn, w, V, gt, wscale)
            if not neg and at_roundoff(f, dphi):
                return CoreResult(x, f, g, Status.ROUNDOFF, k, hess=H, eig=eig)
            ls = armijo(lambda t, x=x, d=d: problem.f(x + t * d), f, dphi, t0=1.0)
            if not ls.ok:
                return CoreResult(x, f, g, Status.LINE_SEARCH_FAILED, k, hess=H, eig=eig)
            step, f = ls.t * d, ls.phi
        x = x + step
        if diverging(x, f):
            return CoreResult(x, f, problem.grad(x), Status.DIVERGED, k + 1)
        last = float(np.linalg.norm(step))
    raise AssertionError("unreachable")  # pragma: no cover
