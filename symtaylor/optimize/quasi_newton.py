"""Quasi-Newton methods with a strong Wolfe line search: BFGS (a dense inverse-Hessian
approximation) and L-BFGS (the last ``memory`` pairs, two-loop recursion).

Both start with the steepest-descent step scaled to length at most 1, skip an update whose
curvature ``y.s`` is not clearly positive, and restart once from steepest descent when the line
search fails before giving up.

Examples
--------
>>> import numpy as np
>>> from symtaylor.optimize.counting import Counted
>>> p = Counted(f=lambda v: float((v[0] - 1)**2 + 4 * v[1]**2),
...             grad=lambda v: np.array([2 * (v[0] - 1), 8 * v[1]]))
>>> for memory in (None, 5):
...     out = run_quasi_newton(p, np.array([3.0, 1.0]), None, memory=memory, gtol=1e-10)
...     print(out.status.key, np.round(out.x, 9).tolist())
gtol [1.0, 0.0]
gtol [1.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .counting import Counted
from .linesearch import wolfe
from .result import CoreResult, Status
from .run import Monitor, silent
from .stopping import at_roundoff, diverging, finite, within_roundoff

__all__ = ["run_quasi_newton"]

# Full steps taken in a row where f is at round-off level (guided by ||g|| alone) at most.
_ROUNDOFF_STEPS = 10


def _two_loop(g: np.ndarray, S: list[np.ndarray], Y: list[np.ndarray], gamma: float
              ) -> np.ndarray:
    """L-BFGS's ``H g`` from the stored pairs (two-loop recursion, ``H_0 = gamma I``)."""
    q = g.copy()
    alphas = []
    for s, y in zip(reversed(S), reversed(Y)):
        a = (s @ q) / (y @ s)
        alphas.append(a)
        q -= a * y
    r = gamma * q
    for (s, y), a in zip(zip(S, Y), reversed(alphas)):
        b = (y @ r) / (y @ s)
        r += s * (a - b)
    return r


def _bfgs_update(Hinv: np.ndarray, s: np.ndarray, y: np.ndarray, ys: float, first: bool
                 ) -> np.ndarray:
    """The BFGS update of the inverse Hessian (scaled by ``y.s / y.y`` before the first)."""
    if first:
        Hinv = np.eye(s.size) * (ys / float(y @ y))
    rho = 1.0 / ys
    Hy = Hinv @ y
    return (Hinv - rho * (np.outer(s, Hy) + np.outer(Hy, s))
            + (rho * rho * float(y @ Hy) + rho) * np.outer(s, s))


class _Memory:
    """What a quasi-Newton run learns about the curvature: ``Hinv`` (BFGS) or the last
    ``memory`` pairs ``(s, y)`` and the scale ``gamma`` (L-BFGS)."""

    def __init__(self, n: int, memory: int | None) -> None:
        self.n, self.memory = n, memory
        self.reset()

    def reset(self) -> None:
        self.Hinv = np.eye(self.n) if self.memory is None else None
        self.S: list[np.ndarray] = []
        self.Y: list[np.ndarray] = []
        self.gamma = 1.0

    def direction(self, g: np.ndarray) -> np.ndarray:
        if self.memory is None:
            return -(self.Hinv @ g)
        return -_two_loop(g, self.S, self.Y, self.gamma)

    def update(self, s: np.ndarray, y: np.ndarray, first: bool) -> None:
        ys = float(y @ s)
        if not ys > 1e-10 * float(np.linalg.norm(y) * np.linalg.norm(s)):
            return  # no clearly positive curvature along s: keep what we have
        if self.memory is None:
            self.Hinv = _bfgs_update(self.Hinv, s, y, ys, first)
            return
        self.S.append(s)
        self.Y.append(y)
        if len(self.S) > self.memory:
            self.S.pop(0)
            self.Y.pop(0)
        self.gamma = ys / float(y @ y)


def _line_search(problem: Counted, x: np.ndarray, f: float, d: np.ndarray, dphi: float,
                 t0: float) -> tuple[Any, float, np.ndarray]:
    """The strong Wolfe search along ``d``: ``(result, f, g at the step)`` (the last trial's
    values are reused when the search ended there, as it usually does)."""
    last: list[Any] = [None]

    def phid(t: float) -> tuple[float, float]:
        xt = x + t * d
        ft, gt = problem.f(xt), problem.grad(xt)
        last[0] = (xt, ft, gt)
        return ft, float(gt @ d)

    ls = wolfe(phid, f, dphi, t0=t0)
    if not ls.ok:
        return ls, f, d
    xn = x + ls.t * d
    if last[0] is not None and np.array_equal(last[0][0], xn):
        return ls, last[0][1], last[0][2]
    return ls, problem.f(xn), problem.grad(xn)


def _roundoff_step(problem: Counted, x: np.ndarray, f: float, g: np.ndarray, gn: float,
                   d: np.ndarray, gamma: float
                   ) -> tuple[float, np.ndarray | None, np.ndarray]:
    """A step when f is at round-off level, guided by the gradient: the first of the full
    step ``d``, ``d/2``, ``d/4`` and the scaled gradient step ``-gamma g`` (the curvature
    scale ``s.y / y.y`` of the memory) that keeps f within its round-off
    (``within_roundoff``) and lowers ``||g||``: ``(f, g, step)`` there, else ``(f, None, d)``.
    A quasi-Newton direction built far from the minimiser can overshoot this close to it
    (l-bfgs on a 3-variable quadratic: ||g|| 7.7e-10 -> 2.0e-9 along d, gtol 1e-10)."""
    for step in (d, 0.5 * d, 0.25 * d, -gamma * g):
        xn = x + step
        fn = problem.f(xn)
        if not within_roundoff(fn, f):
            continue
        gnew = problem.grad(xn)
        if finite(gnew) and float(np.linalg.norm(gnew)) < gn:
            return fn, gnew, step
    return f, None, d


def run_quasi_newton(problem: Counted, x0: np.ndarray, monitor: Monitor | None = None, *,
                     memory: int | None, gtol: float = 1e-8, max_iter: int = 1000
                     ) -> CoreResult:
    """BFGS (``memory=None``) or L-BFGS from ``x0`` on counted ``problem.f``/``.grad``."""
    record = monitor or silent
    x = np.array(x0, dtype=float)
    f, g = problem.f(x), problem.grad(x)
    if not finite(f, g):
        return CoreResult(x, f, g, Status.NON_FINITE, 0)
    gn = float(np.linalg.norm(g))
    record(0, x, f, gn, 0.0)
    mem = _Memory(x.size, memory)
    restarted = False
    roundoff_steps = 0
    for k in range(1, max_iter + 1):
        if gn <= gtol:
            return CoreResult(x, f, g, Status.GTOL, k - 1)
        d = mem.direction(g)
        dphi = float(g @ d)
        if not dphi < 0:
            d, dphi = -g, -gn * gn
        t0 = min(1.0, 1.0 / gn) if (k == 1 or restarted) else 1.0
        ls, fn, gnew = _line_search(problem, x, f, d, dphi, t0)
        t = ls.t
        if not ls.ok and at_roundoff(f, dphi) and k > 1:
            # No acceptable step and a predicted decrease below the round-off level of f:
            # f cannot guide the search any more, the gradient can (the full step is taken
            # while it lowers ||g|| and leaves f within its round-off).
            fn, gnew, d = _roundoff_step(problem, x, f, g, gn, d, mem.gamma)
            t = 1.0
            roundoff_steps += 1
            if gnew is None or roundoff_steps > _ROUNDOFF_STEPS:
                return CoreResult(x, f, g, Status.ROUNDOFF, k - 1)
        elif not ls.ok:
            if not restarted and (mem.S or memory is None):
                mem.reset()  # one restart from steepest descent before giving up
                restarted = True
                continue
            return CoreResult(x, f, g, Status.LINE_SEARCH_FAILED, k - 1)
        restarted = False
        if ls.ok:
            roundoff_steps = 0
        xn = x + t * d
        s, y = xn - x, gnew - g
        x, f, g = xn, fn, gnew
        gn = float(np.linalg.norm(g))
        if not finite(f, g):
            return CoreResult(x, f, g, Status.NON_FINITE, k)
        if diverging(x, f):
            return CoreResult(x, f, g, Status.DIVERGED, k)
        mem.update(s, y, first=k == 1)
        if record(k, x, f, gn, float(np.linalg.norm(s))):
            return CoreResult(x, f, g, Status.CALLBACK, k)
    return CoreResult(x, f, g, Status.GTOL if gn <= gtol else Status.MAX_ITER, max_iter)
