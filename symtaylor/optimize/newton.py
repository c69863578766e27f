"""Newton's method with the exact Hessian, globalised by a trust region that only acts when
the full Newton step fails, safe at saddles.

Each iteration first tries a Cholesky factorisation of ``H`` (as SciPy's ``trust-exact`` does):

* where it succeeds ``H`` is positive definite and the full Newton step is tried whenever it
  lies within the trust radius ``Delta`` (there is none, ``Delta = inf``, until a step has
  failed); it is taken when f falls by ``1e-4`` of the directional derivative, and then
  ``Delta`` grows to at least twice its length. The iteration costs one ``potrf``, one
  ``potrs`` and one f, no eigen-decomposition;
* where the full step fails (or is longer than ``Delta``), ``Delta`` becomes the minimizer of
  the quadratic through ``f``, its slope and the failed value (within ``[0.1, 0.5]`` of the
  step), and the run backtracks along the TRUST-REGION PATH ``p(lam) = -(H + lam I)^-1 g``
  instead of along the Newton line: the step of radius ``Delta`` (shifted Cholesky solves,
  Moré–Sorensen's iteration for ``lam``) is accepted when the decrease is at least a tenth of
  the model's, else ``Delta`` drops to a quarter and the same ``H`` is used again (one f per
  trial, no new Hessian). The radius then follows the usual rules (doubled after a very good
  step on the boundary, a quarter of the step after a poor one), except that after a step on
  the boundary along negative curvature (``p.H.p < 0``) whose ratio is within ``1e-3`` of 1
  it grows tenfold: the model is exact there and f may be unbounded below (``1/x + x`` from
  50 reaches DIVERGED in 106 iterations, 344 by doubling; MGH's counts are unchanged);
* where ``H`` has a negative eigenvalue (beyond ``sqrt(eps) ||H||``), ``H = V diag(w) V^T`` and
  the step is the exact Moré–Sorensen trust-region step on that decomposition
  (:func:`symtaylor.optimize.trust_region.exact_subproblem`, hard case included), backtracked
  in the same way; the first radius is SciPy trust-exact's (and Nocedal & Wright's) 1, or
  the length of the modified Newton step (eigenvalues replaced by ``|w|``) when that is
  shorter. (The modified Newton length alone, 18 on Box 3-D and 1.5 on Kowalik–Osborne, was
  rejected down to a sixteenth and cost each 2 to 3 iterations more than trust-exact.) The
  step always uses the negative curvature, so the method never stops at a saddle or a
  maximum (``SADDLE`` is reported only when no decrease is found there);
* where ``H`` is positive semidefinite only to round-off, eigenvalues at round-off level are
  replaced by ``sqrt(eps) ||H||`` and an Armijo line search runs along that direction. When
  that direction's decrement is at the round-off level of f it bounds nothing along the
  raised eigenvalues: the trust-region step on the unmodified ``H`` is tried, and the run ends
  ``ROUNDOFF`` only if that finds no decrease above round-off AND f fell only at round-off
  level in the last iteration (otherwise ``STALLED``: Osborne 1 from ``10 x0`` was a
  ``ROUNDOFF`` success at f = 0.0467 while f still fell by ~1e-7 per iteration).

Over the 41 Moré–Garbow–Hillstrom entries this needs fewer iterations (Hessians) than
SciPy's trust-exact, which counts its rejected steps (and evaluates a Hessian at each), on 40
(more only on Jennrich–Sampson, 10 against 9, where trust-exact fails at ||g|| = 5e-6) and
1066 in total against 2199 (``benchmarks/bench_mgh_newton.py``); the previous
line-search-only globalisation needed 1290 and lost on 10.

Convergence (``GTOL``) needs ``||g|| <= gtol`` and, where ``H`` is positive definite, a Newton
decrement ``g.H^-1 g / 2`` (the decrease the model still predicts) at most ``1e-12`` of
``max(|f(x0)|, |f|)``: the test is relative to the scale of f, so ``1e-50 (x - 1)**2`` is not
"converged" at its start, where the gradient is tiny only because f is. When the predicted
decrease falls below the round-off level of f the full Newton step is still taken while it
halves ``||g||`` and leaves f within ``1e4 eps |f|`` or, beyond that, within the measured spread
of f over neighbouring doubles of ``x`` (:func:`~symtaylor.optimize.stopping.f_noise`, 8 more
evaluations: Meyer's f = 87.9 has an evaluation error up to 5e-10 and its last step, +2.7e-10,
was refused by the fixed allowance of 2e-10, ending STALLED at ``||g||`` = 0.18; it now ends at
1.3e-3, f* to 2e-12) (f can no longer tell the line search anything, the gradient can);
``ROUNDOFF`` is reported only once it no longer does.

The result carries the Hessian at the final point (and its decomposition when one was made):
the post-run second-order check reuses them instead of evaluating again.

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
from .stopping import EPS, at_roundoff, diverging, f_noise, finite, within_roundoff
from .trust_region import exact_subproblem

__all__ = ["run_newton"]


try:  # direct LAPACK calls: far less overhead than numpy.linalg on small matrices
    from scipy.linalg.lapack import dpotrf as _potrf
    from scipy.linalg.lapack import dpotrs as _potrs
    from scipy.linalg.lapack import dtrtrs as _trtrs
except ImportError:  # pragma: no cover - SciPy is optional
    _potrf = _potrs = _trtrs = None

# Converged when the Newton decrement is at most this fraction of max(|f(x0)|, |f|).
_DECREMENT_RTOL = 1e-12
# A trust-region step is accepted when f falls by more than this fraction of the model's
# predicted decrease; a full Newton step when f falls by _C1 of its directional derivative.
_ETA = 0.1
_C1 = 1e-4
# After a step on the boundary with negative curvature along it (p.H.p < 0) and a ratio of
# actual to predicted decrease within _RHO_ACCURATE of 1 the radius grows by _GROW_NEGATIVE
# (otherwise doubles): 1/x + x from 50 (unbounded below for x < 0) took 344 doublings to
# DIVERGED.
_RHO_ACCURATE = 1e-3
_GROW_NEGATIVE = 10.0


def _cholesky_direction(H: np.ndarray, g: np.ndarray) -> np.ndarray | None:
    """``-H^-1 g`` by a Cholesky factorisation, or None when ``H`` is not (numerically)
    positive definite."""
    if _potrf is not None:
        c, info = _potrf(H, lower=0, clean=0, overwrite_a=0)
        if info != 0:
            return None
        d, info = _potrs(c, g, lower=0)
        if info != 0:
            return None
        # one step of iterative refinement (a matrix-vector product and a solve, O(n^2)):
        # the step is then accurate to the last bits even for a badly conditioned H
        r = H @ d - g
        if not finite(r):
            return None
        d = _potrs(c, r, lower=0)[0] - d
    else:  # pragma: no cover - without SciPy
        try:
            L = np.linalg.cholesky(H)
        except np.linalg.LinAlgError:
            return None
        d = -np.linalg.solve(L.T, np.linalg.solve(L, g))
    return d if finite(d) else None


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
        wm = np.where(np.abs(w) > tiny, np.abs(w), max(math.sqrt(EPS) * wscale, 1e-300))
    d = -V @ (gt / wm)
    dphi = float(g @ d)
    if not dphi < 0:
        d, dphi = -g, -gn * gn
    return d, dphi


def _converged(gn: float, gtol: float, dphi: float, fscale: float) -> bool:
    """``||g|| <= gtol`` and the Newton decrement ``-dphi / 2`` small relative to f's scale."""
    return gn <= gtol and -0.5 * dphi <= _DECREMENT_RTOL * fscale


def _shifted_solve(H: np.ndarray, g: np.ndarray, delta: float, lam: float
                   ) -> tuple[np.ndarray, float]:
    """For a positive definite ``H``: ``p = -(H + lam I)^-1 g`` with ``||p||`` within 10% of
    ``delta`` (``lam >= 0``; ``lam = 0`` when the Newton step is shorter), by Moré–Sorensen's
    Newton iteration on ``1/delta - 1/||p(lam)||`` from ``lam`` (a lower bound: it only grows
    as ``delta`` shrinks), a Cholesky factorisation per iteration (no eigen-decomposition);
    ``(p, lam)``."""
    i = np.diag_indices_from(H)
    p = -g
    for _ in range(30):
        Hl = H.copy()
        Hl[i] += lam
        c, info = _potrf(Hl, lower=0, clean=0, overwrite_a=1)
        if info != 0:  # pragma: no cover - H + lam I is positive definite for lam >= 0
            lam = 2.0 * lam + 1e-8 * float(np.max(np.abs(H)))
            continue
        p = -_potrs(c, g, lower=0)[0]
        pn = math.sqrt(float(p @ p))
        if abs(pn - delta) <= 0.1 * delta or (lam == 0.0 and pn <= delta):
            break
        q = _trtrs(c, p, lower=0, trans=1)[0]  # R^-T p, where H + lam I = R^T R
        lam = max(lam + (pn / math.sqrt(float(q @ q))) ** 2 * (pn - delta) / delta, 0.0)
    return p, lam


def _trust_step(problem: Counted, x: np.ndarray, f: float, g: np.ndarray, H: np.ndarray,
                eig: tuple | None, delta: float) -> tuple[np.ndarray, float, float] | None:
    """Backtracking along the trust-region path at the fixed ``H``: the (Moré–Sorensen) step
    of radius ``delta``, accepted when the decrease is more than ``_ETA`` of the model's;
    otherwise the radius drops to a quarter (of the step's length when that is shorter) and the
    subproblem is solved again at the same ``H`` (no new Hessian, one f each). With ``eig``
    (``H`` indefinite) the subproblem is solved exactly on the eigen-decomposition; without it
    (``H`` positive definite) by shifted Cholesky solves to 10% in the radius.
    ``(step, f there, the next radius)``, or None when the radius collapsed."""
    x_scale = max(1.0, float(np.max(np.abs(x))))
    lam = 0.0
    while delta > 1e-15 * x_scale:
        if eig is None:
            p, lam = _shifted_solve(H, g, delta, lam)
            boundary = lam > 0.0
        else:
            p, _, boundary = exact_subproblem(g, H, delta, eig=eig)
        pred = -float(g @ p + 0.5 * p @ H @ p)
        fn = problem.f(x + p)
        if not math.isfinite(fn):
            rho = -math.inf
        elif pred <= 0:
            rho = 1.0 if fn < f else -1.0
        else:
            rho = (f - fn) / pred
        pn = math.sqrt(float(p @ p))
        if rho > _ETA:
            if rho > 0.75 and boundary:
                # along negative curvature an accurate model keeps predicting more decrease
                # farther out: grow faster there (f may be unbounded below)
                accurate = abs(rho - 1.0) <= _RHO_ACCURATE and float(p @ H @ p) < 0
                delta *= _GROW_NEGATIVE if accurate else 2.0
            elif rho < 0.25:
                delta = 0.25 * pn
            return p, fn, delta
        delta = 0.25 * min(delta, pn)
    return None


def _failed_step_radius(f: float, fn: float, dphi: float, dn: float) -> float:
    """The radius after a full Newton step of length ``dn`` failed (``f(x + d) = fn``): the
    minimizer of the quadratic through ``f``, ``dphi`` and ``fn``, kept in ``[0.1, 0.5]`` of
    the step (a tenth where ``fn`` is not finite)."""
    if not math.isfinite(fn):
        return 0.1 * dn
    den = 2.0 * (fn - f - dphi)
    tq = -dphi / den if den > 0 else 0.25
    return min(max(tq, 0.1), 0.5) * dn


def run_newton(problem: Counted, x0: np.ndarray, monitor: Monitor | None = None, *,
               gtol: float = 1e-8, max_iter: int = 1000) -> CoreResult:
    """Newton's method from ``x0`` on counted ``problem.f``/``.grad``/``.hess``: one gradient
    and one Hessian per iterate (``nhev = nit + 1`` when it converges)."""
    record = monitor or silent
    x = np.array(x0, dtype=float)
    f = problem.f(x)
    fscale = abs(f)
    last = 0.0
    g_roundoff = math.inf  # ||g|| before the last full step taken at round-off level
    delta = math.inf  # the trust radius (see the module notes): none until a step fails
    fall = 0.0  # how much f fell in the last iteration (0 at the start)
    for k in range(max_iter + 1):
        g, H = problem.grad(x), problem.hess(x)
        if not finite(f, g, H):
            return CoreResult(x, f, g, Status.NON_FINITE, k, hess=H)
        gn = float(np.linalg.norm(g))
        if record(k, x, f, gn, last) and k > 0:
            return CoreResult(x, f, g, Status.CALLBACK, k, hess=H)
        fscale = max(fscale, abs(f))
        f_before = f
        d = _cholesky_direction(H, g)
        if d is not None and (dphi := float(g @ d)) < 0:
            if _converged(gn, gtol, dphi, fscale) or gn == 0.0:
                return CoreResult(x, f, g, Status.GTOL, k, hess=H)
            if k == max_iter:
                return CoreResult(x, f, g, Status.MAX_ITER, k, hess=H)
            if at_roundoff(f, dphi):
                if not gn < 0.5 * g_roundoff:
                    return CoreResult(x, f, g, Status.ROUNDOFF, k, hess=H)
                # f cannot see the decrease any more; the gradient can: the full step
                fn = problem.f(x + d)
                if not (within_roundoff(fn, f)
                        or within_roundoff(fn, f, f_noise(problem.f, x, f))):
                    return CoreResult(x, f, g, Status.ROUNDOFF, k, hess=H)
                g_roundoff = gn
                step, f = d, fn
            else:
                g_roundoff = math.inf
                dn = math.sqrt(float(d @ d))
                fn = math.nan
                if dn <= delta:  # the full Newton step, when it lies in the trust region
                    fn = problem.f(x + d)
                if math.isfinite(fn) and fn <= f + _C1 * dphi:
                    step, f = d, fn
                    if delta < math.inf:
                        delta = max(delta, 2.0 * dn)
                else:
                    if dn <= delta:
                        delta = _failed_step_radius(f, fn, dphi, dn)
                    eig = None if _potrf is not None else np.linalg.eigh(H)
                    found = _trust_step(problem, x, f, g, H, eig, delta)
                    if found is None:
                        # the trust-region path collapsed: an Armijo search on the Newton line
                        ls = armijo(lambda t, x=x, d=d: problem.f(x + t * d), f, dphi, t0=1.0)
                        if not ls.ok:
                            return CoreResult(x, f, g, Status.LINE_SEARCH_FAILED, k,
                                              "no decrease along the trust-region path or "
                                              "the Newton direction", hess=H, eig=eig)
                        found = ls.t * d, ls.phi, delta
                    step, f, delta = found
        else:
            found = _eigen_step(problem, x, f, g, gn, H, k, gtol, max_iter, delta, fall)
            if isinstance(found, CoreResult):
                return found
            step, f, delta = found
            g_roundoff = math.inf
        x_new = x + step
        if not np.any(x_new != x):  # the step is below the spacing of the doubles at x
            return CoreResult(x, f, g, Status.ROUNDOFF, k, "the step no longer changes x",
                              hess=H)
        x = x_new
        fall = f_before - f
        if diverging(x, f):
            return CoreResult(x, f, problem.grad(x), Status.DIVERGED, k + 1)
        last = float(np.linalg.norm(step))
    raise AssertionError("unreachable")  # pragma: no cover


def _first_radius(w: np.ndarray, gt: np.ndarray, wscale: float) -> float:
    """The first trust radius, at an indefinite ``H = V diag(w) V^T`` (``gt = V^T g``): 1 (as
    SciPy's trust-exact), or the length of the modified Newton step (eigenvalues replaced by
    ``|w|``, floored) when that is shorter."""
    wm = np.maximum(np.abs(w), max(math.sqrt(EPS) * wscale, 1e-300))
    delta = float(np.linalg.norm(gt / wm))
    return min(delta, 1.0) if math.isfinite(delta) and delta > 0 else 1.0


def _eigen_step(problem: Counted, x: np.ndarray, f: float, g: np.ndarray, gn: float,
                H: np.ndarray, k: int, gtol: float, max_iter: int, delta: float,
                fall: float = 0.0) -> tuple[np.ndarray, float, float] | CoreResult:
    """The step where ``H`` is not positive definite (see the module notes): ``(step, f
    there, the next trust radius)``, or how the run ends here (``fall``: how much f fell in
    the last iteration)."""
    w, V = eig = np.linalg.eigh(H)
    wscale = float(np.max(np.abs(w)))
    neg = w[0] < -math.sqrt(EPS) * wscale
    if gn <= gtol and not neg:
        return CoreResult(x, f, g, Status.GTOL, k, hess=H, eig=eig)
    if k == max_iter:
        return CoreResult(x, f, g, Status.MAX_ITER, k, hess=H, eig=eig)
    gt = V.T @ g
    if not neg:
        # positive semidefinite to round-off: the modified Newton step and a line search
        d, dphi = _modified_newton_direction(g, gn, w, V, gt, wscale)
        if not at_roundoff(f, dphi):
            ls = armijo(lambda t, x=x, d=d: problem.f(x + t * d), f, dphi, t0=1.0)
            if not ls.ok:
                return CoreResult(x, f, g, Status.LINE_SEARCH_FAILED, k, hess=H, eig=eig)
            return ls.t * d, ls.phi, delta
        if w[0] > EPS * wscale:  # no eigenvalue was raised: the Newton decrement itself
            return CoreResult(x, f, g, Status.ROUNDOFF, k, hess=H, eig=eig)
        # Eigenvalues at round-off level were raised to sqrt(eps) ||H||, so this decrement
        # is no bound on the decrease along them: f may still fall measurably there
        # (Osborne 1 from 10 x0: a decrement of 7e-16 at f = 0.0467, while f falls by 6e-8
        # along the exact null vector and fell by ~1e-7 per iteration before). The
        # trust-region step on the unmodified Hessian is tried; when it finds no decrease
        # above the round-off level of f, the run converged to machine precision only if f
        # also stopped falling: on a Hessian singular to round-off convergence is at best
        # linear, so a last decrease above round-off says the run is not done, only stuck.
        if delta == math.inf:
            delta = _first_radius(w, gt, wscale)
        found = _trust_step(problem, x, f, g, H, eig, delta)
        if found is not None and not at_roundoff(f, found[1] - f):
            return found
        if at_roundoff(f, fall):
            return CoreResult(x, f, g, Status.ROUNDOFF, k, "the Newton decrement is at the "
                              "round-off level of f and the trust-region path on the Hessian "
                              "(singular to round-off) finds no larger decrease", hess=H,
                              eig=eig)
        return CoreResult(x, f, g, Status.STALLED, k, "the Newton decrement is at the "
                          "round-off level of f but the Hessian is singular to round-off "
                          f"(smallest eigenvalue {w[0]:.3g}, largest {w[-1]:.3g}) and f fell by "
                          f"{fall:.3g} in the last iteration: f may still decrease along the "
                          f"directions the Hessian cannot resolve (||g|| = {gn:.3g})", hess=H,
                          eig=eig)
    if delta == math.inf:
        delta = _first_radius(w, gt, wscale)
    found = _trust_step(problem, x, f, g, H, eig, delta)
    if found is None:
        if gn > gtol:  # not stationary: f cannot show a decrease any more (round-off)
            return CoreResult(x, f, g, Status.ROUNDOFF, k, "no decrease along the "
                              "trust-region path at the round-off level of f (||g|| = "
                              f"{gn:.3g}, negative curvature)", hess=H, eig=eig)
        return CoreResult(x, f, g, Status.SADDLE, k,
                          "no decrease along the trust-region path despite negative curvature",
                          hess=H, eig=eig)
    return found
