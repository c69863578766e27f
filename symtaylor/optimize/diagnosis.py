"""Post-run checks: what :func:`minimize` may claim about the point a core stopped at.

A core says how its loop ended; these checks decide whether that may be called a minimum:

* :func:`second_order_check`: the smallest Hessian eigenvalue at ``x`` (from the core's own final
  Hessian and decomposition when it has them: nothing is evaluated or decomposed twice). A
  negative one turns a success into ``SADDLE``; a singular Hessian sends the run to
* :func:`falls_along_flat_direction`: f probed along the null direction; a strict, monotone
  decrease on one side (``x**3`` at 0, ``exp(x)`` far left) means no minimum here;
* :func:`unbounded_below`: an iteration limit reached very far from ``x0`` while f kept falling;
* :func:`left_certified_box`: the iterates of a ``1/L`` run left the box ``L`` was certified on.

Examples
--------
>>> import numpy as np
>>> from symtaylor.optimize.counting import Counted
>>> from symtaylor.optimize.result import CoreResult, Status
>>> p = Counted(f=lambda v: float(v[0]**2 - v[1]**2), hess=lambda v: np.diag([2.0, -2.0]))
>>> out = CoreResult(np.zeros(2), 0.0, np.zeros(2), Status.GTOL, 0)
>>> d = diagnose(p, out, np.zeros(2), second_order=True)
>>> d.status.name, d.hess_min_eig, p.nhev
('SADDLE', -2.0, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .counting import Counted
from .result import CoreResult, Status
from .stopping import EPS, finite

__all__ = ["Diagnosis", "diagnose", "falls_along_flat_direction", "left_certified_box",
           "second_order_check", "unbounded_below"]


@dataclass(frozen=True)
class Diagnosis:
    """The status and message a run may report, and the smallest Hessian eigenvalue seen."""

    status: Status
    message: str
    hess_min_eig: float | None = None


def falls_along_flat_direction(problem: Counted, x: np.ndarray, f: float, v: np.ndarray
                               ) -> str:
    """At a stationary point with a singular Hessian, probe f along the null direction ``v``
    at the distances 1e-3 .. 1 (times max(1, |x|)) on both sides. A strict, monotone decrease
    at every distance means no minimum here (``x**3`` at 0, ``exp(x)`` far left): returns a
    description; '' otherwise (a flat valley, or a degenerate but genuine minimum such as
    ``x**4``)."""
    scale = max(1.0, float(np.linalg.norm(x)))
    floor = f - 16.0 * EPS * max(abs(f), 1e-300)
    for sign in (1.0, -1.0):
        prev = floor
        for t in (1e-3, 1e-2, 1e-1, 1.0):
            ft = problem.f(x + sign * t * scale * v)
            if not (math.isfinite(ft) and ft < prev):
                break
            prev = ft
        else:
            return f"f = {prev:.6g} at distance {scale:.3g}, {f:.6g} here"
    return ""


def _eig(problem: Counted, out: CoreResult) -> tuple[np.ndarray, np.ndarray] | None:
    """The eigen-decomposition of the Hessian at ``out.x``: the core's own when it has one,
    else of its Hessian there, else of one evaluation now; None when it is not finite."""
    if out.eig is not None:
        return out.eig
    H = out.hess if out.hess is not None else problem.hess(out.x)
    return np.linalg.eigh(H) if finite(H) else None


def second_order_check(problem: Counted, out: CoreResult, message: str, *,
                       bounded_below: bool = False) -> Diagnosis:
    """The second-order check at ``out.x`` (see the module notes); ``bounded_below`` skips
    the flat-direction probe (a sum of squares has no inflection-type trap worth the extra
    evaluations: MGH's singular minima would each pay two)."""
    status = out.status
    eig = _eig(problem, out)
    if eig is None:
        return Diagnosis(status, message)
    w, V = eig
    min_eig = float(w[0])
    tol = math.sqrt(EPS) * max(1.0, float(np.max(np.abs(w))))
    if status.success and min_eig < -tol:
        gnorm = float(np.linalg.norm(out.g))
        return Diagnosis(Status.SADDLE, f"{Status.SADDLE.message} (the Hessian has a negative "
                         f"eigenvalue {min_eig:.3g} here, ||g|| = {gnorm:.3g})", min_eig)
    if status.success and abs(min_eig) <= tol:
        falls = "" if bounded_below else \
            falls_along_flat_direction(problem, out.x, float(out.f), V[:, 0])
        if falls:
            return Diagnosis(Status.SADDLE, f"{Status.SADDLE.message} (the Hessian is singular, "
                             f"smallest eigenvalue {min_eig:.3g}, and f keeps decreasing along "
                             f"its null direction: {falls}; f may be unbounded below or have "
                             "no minimum)", min_eig)
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


def diagnose(problem: Counted, out: CoreResult, x0: np.ndarray, *, second_order: bool,
             bounded_below: bool = False, f_start: float | None = None,
             iterates: list[np.ndarray] | None = None,
             certified_box: tuple[np.ndarray, np.ndarray] | None = None) -> Diagnosis:
    """Every post-run check in turn (``second_order``: run the second-order check)."""
    d = Diagnosis(out.status, out.message)
    if second_order and finite(out.x):
        d = second_order_check(problem, out, d.message, bounded_below=bounded_below)
    d = unbounded_below(problem, out, x0, d, f_start)
    return left_certified_box(d, iterates, certified_box)
