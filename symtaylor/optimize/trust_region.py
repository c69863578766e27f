"""Trust-region Newton: the subproblem solvers and the outer loop (numeric cores, no SymPy).

The model at ``x`` is ``m(p) = f + g.p + p.H.p/2`` trusted in the ball ``||p|| <= Delta``.

* :func:`exact_subproblem` solves the subproblem exactly (Moré & Sorensen 1983): the solution is
  ``p(lam) = -(H + lam I)^-1 g`` with ``lam >= max(0, -lambda_min)`` and
  ``lam (Delta - ||p||) = 0``.
  For the small ``n`` this is meant for, ``H`` is diagonalised once, so ``||p(lam)||`` is a sum of
  ``n`` terms and the secular equation ``1/Delta - 1/||p(lam)|| = 0`` is solved by safeguarded
  Newton steps to full precision; the *hard case* (``g`` orthogonal to the eigenspace of
  ``lambda_min``) adds the needed multiple of that eigenvector.
* :func:`dogleg_subproblem`: Powell's dogleg between the Cauchy point and the Newton step (for a
  positive definite ``H``; otherwise the Cauchy point along ``-g``, to the boundary when the
  curvature along ``-g`` is not positive).
* :func:`trust_region`: the outer loop (:func:`run_trust_region` on counted callables); the
  radius follows the ratio ``rho`` of actual to predicted decrease (shrunk to a quarter of the
  radius when ``rho < 1/4``, doubled when ``rho > 3/4`` and the step was on the boundary). It
  converges to points where the Hessian is positive semidefinite: at a saddle the exact step
  follows negative curvature.

The numeric dogleg here is :func:`dogleg_subproblem`; :func:`symtaylor.dogleg_step` is the
symbolic, exact step of :mod:`symtaylor.steps`.

Examples
--------
>>> import numpy as np
>>> H = np.array([[1.0, 0.0], [0.0, -2.0]]); g = np.array([1.0, 0.0])
>>> p, lam, boundary = exact_subproblem(g, H, 1.0)  # the hard case: g has no component along e2
>>> bool(boundary), round(float(np.linalg.norm(p)), 12), round(lam, 12)
(True, 1.0, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .counting import Counted
from .result import CoreResult, Status
from .run import Monitor
from .stopping import EPS as _EPS
from .stopping import gradient_floor, within_roundoff

__all__ = ["SUBPROBLEMS", "dogleg_subproblem", "exact_subproblem", "run_trust_region",
           "trust_region"]


def exact_subproblem(g: np.ndarray, H: np.ndarray, delta: float, *, eig: tuple | None = None,
                     rtol: float = 1e-12) -> tuple[np.ndarray, float, bool]:
    """Global minimizer of ``g.p + p.H.p/2`` over ``||p|| <= delta``.

    Returns ``(p, lam, on_boundary)``; ``eig`` may pass a precomputed ``np.linalg.eigh(H)``.
    """
    w, V = eig if eig is not None else np.linalg.eigh(H)
    gt = V.T @ g
    wmin = float(w[0])
    # the Hessian's own scale (no absolute floor of 1: at H = -3e-126, 1/x + x far out, a
    # floor made every shift >= 1e-12 and the steps 1e41 for a radius of 1e125)
    scale = max(float(np.max(np.abs(w))), 1e-300)
    if wmin > 0:
        y = -gt / w
        if math.sqrt(y @ y) <= delta:
            return V @ y, 0.0, False
    lo = max(0.0, -wmin)
    # Hard case: g has (numerically) no component along the eigenvectors of lambda_min.
    gnorm = math.sqrt(gt @ gt)
    mask = np.abs(w - wmin) <= 1e-10 * scale
    if wmin <= 0 and math.sqrt(gt[mask] @ gt[mask]) <= 1e-10 * max(gnorm, 1e-300):
        y = np.zeros_like(gt)
        rest = ~mask
        y[rest] = -gt[rest] / (w[rest] - wmin)
        ny = math.sqrt(y @ y)
        if ny <= delta:
            y[np.argmax(mask)] = math.sqrt(max(delta * delta - ny * ny, 0.0))
            return V @ y, -wmin, True
    # Secular equation 1/delta - 1/||p(lam)|| = 0 on (lo, hi): safeguarded Newton.
    hi = lo + gnorm / delta + scale
    lam = lo + max(1e-12 * scale, min(gnorm / delta, scale) * 1e-3) if wmin <= 0 else 0.0
    for _ in range(100):
        d = w + lam
        y = -gt / d
        ny = math.sqrt(y @ y)
        if not math.isfinite(ny):
            lam = 0.5 * (lam + hi) if lam > lo else lo + 0.5 * (hi - lo)
            continue
        if abs(ny - delta) <= rtol * delta:
            break
        if ny > delta:
            lo = max(lo, lam)
        else:
            hi = min(hi, lam)
        dny = -float(np.sum(y * y / d)) / ny          # d||p||/dlam
        new = lam + (ny / delta - 1.0) * ny / -dny if dny != 0 else 0.5 * (lo + hi)
        # Newton on 1/delta - 1/||p|| (Moré–Sorensen); bisect when it leaves the bracket.
        if not (lo < new < hi):
            new = 0.5 * (lo + hi)
        if new == lam:
            break
        lam = new
    return V @ y, lam, True


def dogleg_subproblem(g: np.ndarray, H: np.ndarray, delta: float, *, eig: tuple | None = None
                      ) -> tuple[np.ndarray, float, bool]:
    """Powell's dogleg step; returns ``(p, 0.0, on_boundary)`` like :func:`exact_subproblem`
    (``eig`` is accepted for the same signature, and not needed)."""
    gg = float(g @ g)
    gHg = float(g @ H @ g)
    gn = math.sqrt(gg)
    if gn == 0.0:
        return np.zeros_like(g), 0.0, False
    if gHg <= 0:
        return -delta * g / gn, 0.0, True
    pu = -(gg / gHg) * g
    try:
        L = np.linalg.cholesky(H)
        pb = -np.linalg.solve(L.T, np.linalg.solve(L, g))
    except np.linalg.LinAlgError:
        nu = math.sqrt(pu @ pu)
        return (pu if nu <= delta else delta * pu / nu), 0.0, nu >= delta
    if math.sqrt(pb @ pb) <= delta:
        return pb, 0.0, False
    nu = math.sqrt(pu @ pu)
    if nu >= delta:
        return delta * pu / nu, 0.0, True
    d = pb - pu
    a, b, c = d @ d, 2 * (pu @ d), pu @ pu - delta * delta
    tau = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    return pu + tau * d, 0.0, True



#: The subproblem solvers by name (``minimize(..., subproblem=name)``).
SUBPROBLEMS: dict[str, Callable[..., tuple[np.ndarray, float, bool]]] = {
    "exact": exact_subproblem,
    "dogleg": dogleg_subproblem,
}


def _newton_decrease(eig: tuple, g: np.ndarray) -> float | None:
    """The decrease ``g.H^-1 g / 2`` the Newton model predicts when ``H`` is positive
    semidefinite relative to its norm and ``g`` has no component along its null space; None
    otherwise."""
    w, V = eig
    wscale = float(np.max(np.abs(w)))
    if w[0] < -math.sqrt(_EPS) * wscale:
        return None
    gt = V.T @ g
    pos = w > _EPS * wscale
    if not np.all(np.abs(gt[~pos]) <= math.sqrt(_EPS) * float(np.max(np.abs(gt), initial=0.0))):
        return None  # a gradient component along a flat direction
    return 0.5 * float(np.sum(gt[pos] ** 2 / w[pos]))


def _newton_step(eig: tuple, g: np.ndarray) -> np.ndarray:
    """``-H^+ g`` over the eigenvalues above round-off (the Newton step on the range of H)."""
    w, V = eig
    gt = V.T @ g
    pos = w > _EPS * float(np.max(np.abs(w)))
    return -(V[:, pos] @ (gt[pos] / w[pos]))


def _newton_at_roundoff(eig: tuple, g: np.ndarray, f: float) -> bool:
    """The Hessian is positive semidefinite and the Newton model predicts a decrease below the
    round-off level of ``f`` (``100 eps |f|``): no further progress is possible."""
    pred = _newton_decrease(eig, g)
    return pred is not None and pred <= 100.0 * _EPS * max(abs(f), 1e-300)


def _done(g: np.ndarray, eig: tuple, f: float, nit: int, gtol: float, max_iter: int,
          fscale: float) -> Status | None:
    """The tests at the top of an iteration: ``GTOL`` (``||g|| <= gtol``, the Hessian positive
    semidefinite relative to its norm and, where the Newton decrease is defined, at most
    ``1e-12 fscale``, the scale of f: see :mod:`symtaylor.optimize.newton`), ``MAX_ITER``,
    ``ROUNDOFF`` (even the full Newton step would change f only at its round-off level); None
    to go on."""
    w = eig[0]
    wscale = float(np.max(np.abs(w)))
    if math.sqrt(g @ g) <= gtol and w[0] >= -math.sqrt(_EPS) * wscale:
        pred = _newton_decrease(eig, g)
        if pred is None or pred <= 1e-12 * fscale or not g.any():
            return Status.GTOL
    if nit >= max_iter:
        return Status.MAX_ITER
    if _newton_at_roundoff(eig, g, f):
        return Status.ROUNDOFF
    return None


def _ratio(f: float, ft: float, pred: float) -> float:
    """``rho``: actual over predicted decrease (a non-finite trial value: minus infinity)."""
    if not math.isfinite(ft):
        return -math.inf
    if pred <= 0:
        # No predicted decrease (round-off level): accept only a true decrease.
        return 1.0 if ft < f else -1.0
    return (f - ft) / pred


def _radius(rho: float, delta: float, boundary: bool, max_delta: float) -> float:
    """A quarter of ``delta`` after a poor step, twice it after a very good one on the
    boundary (up to ``max_delta``)."""
    if rho < 0.25:
        return 0.25 * delta
    if rho > 0.75 and boundary:
        return min(2.0 * delta, max_delta)
    return delta


def run_trust_region(problem: Counted, x0: np.ndarray, monitor: Monitor | None = None, *,
                     subproblem: str = "exact", delta0: float | None = None,
                     max_delta: float = 1e10, eta: float = 0.1, gtol: float = 1e-8,
                     xtol: float = 1e-15, max_iter: int = 1000) -> CoreResult:
    """The core behind :func:`trust_region`, on counted ``problem.f``/``.grad``/``.hess``.
    The result carries the Hessian at ``x`` and its eigen-decomposition."""
    solve = SUBPROBLEMS[subproblem]
    fun, grad, hess = problem.f, problem.grad, problem.hess
    x = np.array(x0, dtype=float)
    f = float(fun(x))
    g = np.asarray(grad(x), dtype=float)
    H = np.asarray(hess(x), dtype=float)
    f0 = f
    if not (math.isfinite(f) and np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
        return CoreResult(x, f, g, Status.NON_FINITE, 0, hess=H)
    eig = np.linalg.eigh(H)
    # delta0 = 1 (as SciPy's trust-exact): over MGH this needs fewer evaluations than the
    # length of the first Newton step, which a far start makes far too long.
    delta = min(1.0 if delta0 is None else delta0, max_delta)
    x_scale = max(1.0, float(np.max(np.abs(x))))
    nit = 0
    if monitor is not None:
        monitor(0, x, f, float(np.linalg.norm(g)), 0.0)
    g_roundoff = math.inf  # ||g|| before the last full step taken at round-off level
    while True:
        status = _done(g, eig, f, nit, gtol, max_iter, max(abs(f0), abs(f)))
        gn = math.sqrt(g @ g)
        if status is Status.ROUNDOFF and gn > gtol and gn < 0.5 * g_roundoff:
            # f can no longer see the decrease, the gradient can: the full Newton step while
            # it leaves f within its round-off and ||g|| keeps halving.
            p = _newton_step(eig, g)
            ft = float(fun(x + p))
            if within_roundoff(ft, f):
                g_roundoff = gn
                x, f = x + p, ft
                g = np.asarray(grad(x), dtype=float)
                H = np.asarray(hess(x), dtype=float)
                nit += 1
                if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
                    return CoreResult(x, f, g, Status.NON_FINITE, nit, hess=H)
                eig = np.linalg.eigh(H)
                if monitor is not None and monitor(nit, x, f, float(np.linalg.norm(g)),
                                                   math.sqrt(p @ p)):
                    return CoreResult(x, f, g, Status.CALLBACK, nit, hess=H, eig=eig)
                continue
        if status is not None:
            return CoreResult(x, f, g, status, nit, hess=H, eig=eig)
        g_roundoff = math.inf
        p, _, boundary = solve(g, H, delta, eig=eig)
        pred = -(g @ p + 0.5 * p @ H @ p)
        xt = x + p
        ft = float(fun(xt))
        rho = _ratio(f, ft, pred)
        delta = _radius(rho, delta, boundary, max_delta)
        if rho > eta:
            x, f = xt, ft
            g = np.asarray(grad(x), dtype=float)
            H = np.asarray(hess(x), dtype=float)
            nit += 1
            if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
                return CoreResult(x, f, g, Status.NON_FINITE, nit, hess=H)
            eig = np.linalg.eigh(H)
            x_scale = max(1.0, float(np.max(np.abs(x))))
            # f unbounded below: steps of the largest radius keep decreasing it without end.
            runaway = boundary and delta >= max_delta and f < f0 - 1e12 * max(1.0, abs(f0))
            if x_scale > 1e150 or f < -1e300 or runaway:
                return CoreResult(x, f, g, Status.DIVERGED, nit, hess=H, eig=eig)
            if monitor is not None and monitor(nit, x, f, float(np.linalg.norm(g)),
                                               math.sqrt(p @ p)):
                return CoreResult(x, f, g, Status.CALLBACK, nit, hess=H, eig=eig)
        if delta <= xtol * x_scale:
            # The radius collapsed. Converged to working precision if the Newton model predicts
            # no decrease above the round-off level of f; otherwise the run stalled.
            # (or the gradient is below the change between neighbouring doubles at x)
            done = _newton_at_roundoff(eig, g, f) or math.sqrt(g @ g) <= gradient_floor(H, x)
            status = Status.ROUNDOFF if done else Status.STALLED
            return CoreResult(x, f, g, status, nit, hess=H, eig=eig)


def trust_region(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    hess: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    *,
    subproblem: str = "exact",
    delta0: float | None = None,
    max_delta: float = 1e10,
    eta: float = 0.1,
    gtol: float = 1e-8,
    xtol: float = 1e-15,
    max_iter: int = 1000,
    monitor: Monitor | None = None,
) -> CoreResult:
    """Trust-region Newton from ``x0`` with the exact or dogleg subproblem.

    ``delta0`` defaults to 1; a rejected step shrinks the radius to a quarter, a very successful
    step on the boundary doubles it (up to ``max_delta``).
    Statuses: ``GTOL`` (||g|| <= gtol and H positive semidefinite); when the radius falls
    below ``xtol (1 + ||x||)``: ``ROUNDOFF`` (the Newton model predicts no decrease above the
    round-off level of f) or ``STALLED``; ``MAX_ITER``, ``NON_FINITE``, ``DIVERGED``,
    ``CALLBACK``.

    Examples
    --------
    >>> import numpy as np
    >>> out = trust_region(lambda v: float(v @ v), lambda v: 2 * v, lambda v: 2 * np.eye(2),
    ...                    np.array([3.0, 4.0]))
    >>> out.status.key, out.x.tolist(), out.nit, out.nhev
    ('gtol', [0.0, 0.0], 3, 4)
    """
    problem = Counted(f=fun, grad=grad, hess=hess)
    return problem.stamp(run_trust_region(
        problem, x0, monitor, subproblem=subproblem, delta0=delta0, max_delta=max_delta,
        eta=eta, gtol=gtol, xtol=xtol, max_iter=max_iter))
