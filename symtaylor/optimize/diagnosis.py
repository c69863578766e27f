"""Post-run checks: what :func:`minimize` may claim about the point a core stopped at.

A core says how its loop ended; these checks decide whether that may be called a minimum.
Success is a claim the run must be able to defend, so a successful ending is kept only when
every test below passes, and otherwise becomes a failure whose message says what was seen:

* finite ``x``, ``f`` and gradient at the end point;
* the first-order test ``||grad f|| <= gtol`` (the tolerance the result reports): a core that
  stopped at round-off level with a larger gradient (``slow_func`` at its singular point, a badly
  scaled valley) has not shown that it reached a stationary point, so it ends ``STALLED``,
  unless the gradient is below :func:`roundoff_floor`, the change of the gradient between
  neighbouring doubles at ``x`` (then the message gives that floor as the tolerance met);
* :func:`curvature`: the smallest Hessian eigenvalue at ``x``, at any size (the core's own
  decomposition when it has one; an ``eigh`` up to 400 variables, Lanczos above), compared
  with ``sqrt(eps) ||H||``: a scale-aware tolerance, so ``1e-50 (x - 1)**2`` is a convex
  problem and an eigenvalue ``-1e-11`` of a Hessian of norm ``1e5`` is round-off. A clearly
  negative one makes the point a ``SADDLE``;
* :func:`descent_probe`: f itself along ``-g`` and both ways along the eigenvector of the
  smallest eigenvalue, at the distances ``1e-3 .. 1`` times ``max(1, ||x||)``. Not a minimum when
  f falls at the first distance by more than a local minimum allows (``t ||g||`` plus the
  round-off of f: ``Heaviside(x)*10 + x**2`` at 0, ``x**4 - x**3`` at its inflection point,
  ``sign(x)*x**2``), or falls strictly at every distance (``x**3``, ``tanh(x)`` far left,
  ``exp(x)``): then ``SADDLE`` with the values seen;
* :func:`unbounded_below`: an iteration limit reached very far from ``x0`` while f kept falling;
* :func:`left_certified_box`: the iterates of a ``1/L`` run left the box ``L`` was certified on.

The probes cost a few evaluations of f (usually three: each direction stops at the first
distance where f does not fall); they are counted in ``nfev`` like every other evaluation.

Examples
--------
>>> import numpy as np
>>> from symtaylor.optimize.counting import Counted
>>> from symtaylor.optimize.result import CoreResult, Status
>>> p = Counted(f=lambda v: float(v[0]**2 - v[1]**2), grad=lambda v: 2 * v * [1, -1],
...             hess=lambda v: np.diag([2.0, -2.0]))
>>> out = CoreResult(np.zeros(2), 0.0, np.zeros(2), Status.GTOL, 0)
>>> d = diagnose(p, out, np.zeros(2), gtol=1e-8, second_order=True)
>>> d.status.name, d.hess_min_eig, p.nhev
('SADDLE', -2.0, 1)
>>> q = Counted(f=lambda v: float(v[0]**3), grad=lambda v: 3 * v**2,
...             hess=lambda v: np.array([[6.0 * v[0]]]))
>>> out = CoreResult(np.array([3e-5]), 2.7e-14, np.array([2.7e-9]), Status.GTOL, 9)
>>> d = diagnose(q, out, np.array([1.0]), gtol=1e-8, second_order=True)
>>> d.status.name, "larger decrease than a minimum allows" in d.message
('SADDLE', True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .counting import Counted
from .result import CoreResult, Status
from .stopping import EPS, finite, gradient_floor

__all__ = ["Curvature", "Diagnosis", "curvature", "descent_probe", "diagnose",
           "diagnose_least_squares",
           "first_order_check", "left_certified_box", "roundoff_floor", "second_order_check",
           "unbounded_below"]

# Above this many variables the smallest eigenvalue comes from Lanczos (a few Hessian-vector
# products through the dense Hessian) instead of a full eigh.
_EIGH_MAX = 400

# The distances of the descent probes, in units of max(1, ||x||).
_PROBES = (1e-3, 1e-2, 1e-1, 1.0)


@dataclass(frozen=True)
class Diagnosis:
    """The status and message a run may report, and the smallest Hessian eigenvalue seen."""

    status: Status
    message: str
    hess_min_eig: float | None = None


@dataclass(frozen=True)
class Curvature:
    """The smallest Hessian eigenvalue ``min_eig`` with its unit eigenvector ``v`` and the
    Hessian's norm ``norm`` (its largest absolute eigenvalue, or a bound on it)."""

    min_eig: float
    v: np.ndarray
    norm: float

    @property
    def tol(self) -> float:
        """``sqrt(eps) ||H||``: eigenvalues below it in size are round-off (scale-aware: no
        absolute floor, so a tiny but well-conditioned Hessian is positive definite)."""
        return math.sqrt(EPS) * self.norm


def _lanczos(H: np.ndarray) -> tuple[float, np.ndarray, float] | None:
    """``(lambda_min, v, ||H||)`` by Lanczos (SciPy's ``eigsh``), or None without SciPy or
    when it does not converge."""
    try:
        from scipy.sparse.linalg import ArpackError, eigsh
    except ImportError:  # pragma: no cover - SciPy is optional
        return None
    try:
        lo, vlo = eigsh(H, k=1, which="SA", tol=1e-10, maxiter=50 * H.shape[0])
        hi = eigsh(H, k=1, which="LM", tol=1e-6, return_eigenvectors=False,
                   maxiter=50 * H.shape[0])
    except (ArpackError, ValueError):
        return None
    return float(lo[0]), vlo[:, 0], float(abs(hi[0]))


def curvature(problem: Counted, out: CoreResult) -> Curvature | None:
    """The smallest Hessian eigenvalue at ``out.x`` with its eigenvector: from the core's own
    decomposition, else of its Hessian there, else of one evaluation now (``eigh`` up to 400
    variables, Lanczos above); None when the Hessian is not finite."""
    if out.eig is not None:
        w, V = out.eig
        return Curvature(float(w[0]), V[:, 0], float(max(abs(w[0]), abs(w[-1]))))
    H = out.hess if out.hess is not None else problem.hess(out.x)
    if not finite(H):
        return None
    H = np.asarray(H, dtype=float)
    if H.shape[0] > _EIGH_MAX:
        got = _lanczos(H)
        if got is not None:
            return Curvature(*got)
    w, V = np.linalg.eigh(H)
    return Curvature(float(w[0]), V[:, 0], float(max(abs(w[0]), abs(w[-1]))))


def roundoff_floor(problem: Counted, out: CoreResult) -> float:
    """``10 eps || |H| |x| ||``: how much the gradient changes between neighbouring doubles at
    ``x`` (ten ulps of every coordinate). A gradient below it cannot be made measurably
    smaller by any representable point: the first-order tolerance a run stopped at round-off
    level may claim instead of ``gtol`` (Meyer's f* = 87.9 has ``||g|| ~ 1e-2`` there; SciPy's
    trust-exact ends "A bad approximation caused failure" at 0.25)."""
    H = out.hess if out.hess is not None else problem.hess(out.x)
    return gradient_floor(H, out.x)


def first_order_check(out: CoreResult, g: np.ndarray | None, gtol: float,
                      problem: Counted | None = None) -> Diagnosis | None:
    """A successful ending whose end point is not finite or whose gradient is above ``gtol``
    (and, for a round-off ending, above its :func:`roundoff_floor`): the failure it really is
    (``NON_FINITE`` or ``STALLED``, saying what was seen); a round-off ending within the floor
    keeps its success with the floor in the message; None when the first-order claim holds (or
    the run did not claim success)."""
    if not out.status.success:
        return None
    if g is None or not finite(out.x, out.f, g):
        return Diagnosis(Status.NON_FINITE, f"{Status.NON_FINITE.message} (the run ended as "
                         f"{out.status.key}, but f = {float(out.f):.6g} and the gradient there "
                         "are not finite)")
    gn = float(np.linalg.norm(g))
    if gn <= gtol:
        return None
    if out.status is Status.ROUNDOFF and problem is not None and problem.hess is not None:
        floor = roundoff_floor(problem, out)
        if gn <= floor:
            return Diagnosis(out.status, f"{out.message} (||g|| = {gn:.3g} is above gtol = "
                             f"{gtol:.3g} but below its round-off floor here, {floor:.3g} = "
                             "10 eps || |H| |x| ||: no representable point is measurably more "
                             "stationary)")
    return Diagnosis(Status.STALLED, f"{Status.STALLED.message} (the run ended as "
                     f"{out.status.key}: {out.message}; but ||g|| = {gn:.3g} is above gtol = "
                     f"{gtol:.3g}, so this is not a verified stationary point)")


def descent_probe(fun: Callable[[np.ndarray], float], x: np.ndarray, f: float, d: np.ndarray,
                  slope: float, hnorm: float) -> str:
    """f along the unit direction ``d`` (``slope`` = ``g.d``) at the distances ``1e-3 .. 1``
    times ``max(1, ||x||)``; stops at the first distance where f does not fall. Returns what
    was seen when f falls at the first distance by more than a minimum allows (``h |g.d|``
    plus the round-off of f, ``16 eps (|f| + ||H|| h^2)``), or strictly at every distance;
    '' otherwise (a minimum, a flat valley, a degenerate minimum such as ``x**4``)."""
    scale = max(1.0, float(np.linalg.norm(x)))
    prev = f
    for i, t in enumerate(_PROBES):
        h = t * scale
        ft = fun(x + h * d)
        noise = 16.0 * EPS * (abs(f) + hnorm * h * h) + 1e-300
        if not (math.isfinite(ft) and ft < prev - noise):
            return ""
        if i == 0 and ft < f - h * abs(slope) - noise:
            return (f"f = {ft:.6g} at distance {h:.3g}, {f:.6g} here: a larger decrease than a "
                    "minimum allows")
        prev = ft
    return f"f falls at every distance up to {scale:.3g}: {prev:.6g} there, {f:.6g} here"


def _probe_all(fun: Callable[[np.ndarray], float], x: np.ndarray, f: float,
               g: np.ndarray | None, curv: Curvature) -> str:
    """:func:`descent_probe` along ``-g`` (when non-zero) and both ways along the eigenvector of
    the smallest eigenvalue; what the first one that finds a decrease saw, or ''."""
    directions = []
    gnorm = float(np.linalg.norm(g)) if g is not None else 0.0
    if g is not None and gnorm > 0:
        directions.append(("-g", -g / gnorm, -gnorm))
    v = curv.v
    slope = float(g @ v) if g is not None else 0.0
    directions += [("+v", v, slope), ("-v", -v, -slope)]
    prefetch = getattr(fun, "prefetch", None)
    if prefetch is not None:  # data on Dask: the first probe of every direction in one pass
        h = _PROBES[0] * max(1.0, float(np.linalg.norm(x)))
        prefetch([x + h * d for _, d, _ in directions])
    for name, d, s in directions:
        seen = descent_probe(fun, x, f, d, s, curv.norm)
        if seen:
            where = ("the steepest-descent direction" if name == "-g" else
                     f"the eigenvector of the smallest Hessian eigenvalue {curv.min_eig:.3g}")
            return f"along {where}: {seen}"
    return ""


def second_order_check(problem: Counted, out: CoreResult, message: str, g: np.ndarray | None,
                       *, probe: bool = True) -> Diagnosis:
    """The second-order check and (``probe``) the descent probes at ``out.x`` (see the module
    notes)."""
    status = out.status
    curv = curvature(problem, out)
    if curv is None:
        return Diagnosis(status, message)
    min_eig = curv.min_eig
    if not status.success:
        return Diagnosis(status, message, min_eig)
    gnorm = float(np.linalg.norm(g)) if g is not None else 0.0
    if min_eig < -curv.tol:
        return Diagnosis(Status.SADDLE, f"{Status.SADDLE.message} (the Hessian has a negative "
                         f"eigenvalue {min_eig:.3g} here, ||g|| = {gnorm:.3g})", min_eig)
    seen = _probe_all(problem.f, out.x, float(out.f), g if probe else None, curv) \
        if probe else ""
    if seen:
        return Diagnosis(Status.SADDLE, f"{Status.SADDLE.message} ({seen}; f has no minimum "
                         f"here, ||g|| = {gnorm:.3g})", min_eig)
    if abs(min_eig) <= curv.tol:
        message += (f"; note: the Hessian is singular here (smallest eigenvalue {min_eig:.3g}): "
                    "the minimum is not strict or the convergence only linear")
    return Diagnosis(status, message, min_eig)


def unbounded_below(problem: Counted, out: CoreResult, x0: np.ndarray, d: Diagnosis,
                    f_start: float | None) -> Diagnosis:
    """An iteration limit more than 100 times the size of ``x0`` away while f fell: a note;
    more than 1e8 times: ``DIVERGED`` (f is probably unbounded below). ``f_start`` is
    ``f(x0)`` when known (evaluated here otherwise)."""
    if d.status is not Status.MAX_ITER or not finite(out.x, out.f):
        return d
    far = float(np.linalg.norm(out.x - x0)) / max(1.0, float(np.linalg.norm(x0)))
    if not far > 100.0:
        return d
    if f_start is None:
        f_start = problem.f(x0)
    if out.f < f_start and far > 1e8:
        return Diagnosis(Status.DIVERGED, f"{Status.DIVERGED.message} (x moved {far:.3g} times "
                         f"the size of x0 away and f fell from {f_start:.6g} to "
                         f"{float(out.f):.6g} without converging: f is probably unbounded "
                         "below)", d.hess_min_eig)
    if out.f < f_start:
        return Diagnosis(d.status, d.message + f"; note: x moved {far:.3g} times the size of x0 "
                         "away while f kept decreasing: f may be unbounded below",
                         d.hess_min_eig)
    return d


def left_certified_box(d: Diagnosis, iterates: list[np.ndarray] | None,
                       box: tuple[np.ndarray, np.ndarray] | None) -> Diagnosis:
    """A note when some iterate left the box over which the step ``1/L`` was certified."""
    if box is None or not iterates:
        return d
    xs = np.array(iterates)
    if np.any(xs < box[0]) or np.any(xs > box[1]):
        return Diagnosis(d.status, d.message + "; note: the iterates left the box where L was "
                         "certified, so the step 1/L is not guaranteed there", d.hess_min_eig)
    return d


def diagnose(problem: Counted, out: CoreResult, x0: np.ndarray, *, gtol: float,
             second_order: bool, lower_bound: float | None = None,
             f_start: float | None = None, iterates: list[np.ndarray] | None = None,
             certified_box: tuple[np.ndarray, np.ndarray] | None = None) -> Diagnosis:
    """Every post-run check in turn (``second_order``: the curvature check and the descent
    probes; ``lower_bound``: a value f cannot go below, e.g. the constant of a sum of squares:
    reaching it is a global minimum and needs no probe)."""
    g = out.g if out.g is not None else (problem.grad(out.x) if finite(out.x) else None)
    d = first_order_check(out, g, gtol, problem) or Diagnosis(out.status, out.message)
    at_bound = lower_bound is not None and float(out.f) <= lower_bound
    if second_order and finite(out.x):
        d = second_order_check(problem, dataclasses.replace(out, status=d.status), d.message,
                               g, probe=not at_bound)
    d = unbounded_below(problem, out, x0, d, f_start)
    return left_certified_box(d, iterates, certified_box)


def diagnose_least_squares(problem: Counted, out: CoreResult, gtol: float = 0.0) -> Diagnosis:
    """What :func:`least_squares` may claim about the end point of ``lm`` or ``gauss-newton``
    (``f = ||r||^2``, gradient ``2 J^T r``, curvature from the Gauss–Newton matrix ``2 J^T J``,
    exact where the residuals vanish). A success is kept only with a finite sum of squares,
    ``||2 J^T r||`` within its scale-aware tolerance (:func:`first_order_tol`; ``gtol`` is a
    gradient norm there, so ``lm``, whose ``gtol`` is MINPACK's cosine, passes 0), and no
    decrease found by :func:`descent_probe` (skipped when every residual is exactly zero: a
    global minimum); otherwise the failure, with what was seen (``['x*y - 1', 'x - y']`` at
    the origin, ``exp(x)`` far left)."""
    from .gauss_newton import first_order_tol
    from .lm import _norm

    r, J, status = out.fvec, out.jac, out.status
    if not status.success or r is None or J is None:
        return Diagnosis(status, out.message)
    f = float(r @ r)
    if not (finite(r, J) and math.isfinite(f)):
        return Diagnosis(Status.NON_FINITE, f"{Status.NON_FINITE.message} (the run ended as "
                         f"{status.key}, but the sum of squares there is {f:.6g})")
    if not r.any():
        return Diagnosis(status, out.message)
    g = 2.0 * (J.T @ r)
    gn, tol = float(np.linalg.norm(g)), first_order_tol(J, r, gtol)
    if gn > tol:
        return Diagnosis(Status.STALLED, f"{Status.STALLED.message} (the run ended as "
                         f"{status.key}: {out.message}; but ||2 J^T r|| = {gn:.3g} is above its "
                         f"tolerance {tol:.3g} = max(gtol, 1e-8, 2e-6 ||J|| max(||r||, 1)))")
    # The probes look at ||r|| (the same order as ||r||^2, without its underflow: exp(x) far
    # left has ||r|| = 1e-162 and ||r||^2 = 0) along -J^T r and the Gauss-Newton matrix's
    # eigenvector of the smallest eigenvalue; the round-off allowance is that of ||r|| alone.
    w, V = np.linalg.eigh(J.T @ J)
    curv = Curvature(float(w[0]), V[:, 0], 0.0)
    rnorm = _norm(r)

    def sum_of_squares(x: np.ndarray) -> float:
        rt = np.asarray(problem.fun(x), dtype=float)
        return _norm(rt) if finite(rt) else math.inf

    seen = _probe_all(sum_of_squares, out.x, rnorm, (J.T @ r) / rnorm, curv)
    if seen:
        seen = seen.replace("Hessian", "Gauss-Newton matrix")
        return Diagnosis(Status.SADDLE, f"{Status.SADDLE.message} ({seen}; the sum of squares "
                         f"has no minimum here, ||2 J^T r|| = {gn:.3g})")
    return Diagnosis(status, out.message)
