"""Numeric solvers that run compiled derivations: :func:`minimize` and :func:`least_squares`.

Derive once, compile once, iterate in NumPy. The facades coerce the input once, derive the
gradient and Hessian (or the Jacobian) exactly with :mod:`symtaylor.calculus`, compile them to
NumPy, and hand plain callables to the numeric cores; no SymPy runs inside the iteration loop.

Methods of :func:`minimize` (``method=``):

==================== ===============================================================
``gradient-descent`` fixed step ``lr`` (a number, or ``"1/L"`` from
                     :func:`symtaylor.bounds.convergence_bounds`); ``line_search="armijo"``
                     backtracks from ``lr`` instead
``newton``           exact Hessian, Armijo line search; an indefinite Hessian is replaced by
                     its eigenvalue-modified version ``V |Lambda| V^T`` and, at a stationary
                     point with negative curvature, the step follows the eigenvector of the
                     most negative eigenvalue, so it never stops at a saddle or a maximum
``trust-region``     exact subproblem (Moré–Sorensen, ``subproblem="exact"``, default) or
                     ``subproblem="dogleg"``; see :mod:`symtaylor.trust_region`
``bfgs``             inverse-Hessian BFGS, strong Wolfe line search
``l-bfgs``           limited memory (``memory=10`` pairs), strong Wolfe line search
==================== ===============================================================

:func:`least_squares` minimizes ``sum(r_i^2)`` with ``method="lm"`` (Levenberg–Marquardt after
MINPACK, :mod:`symtaylor.lm`) or ``"gauss-newton"`` (with an Armijo line search). With
``data={symbol: array}`` ONE residual expression ``model - y`` is evaluated over the data
(vectorised); its Jacobian is compiled once.

Every run returns a frozen :class:`Result` with a :class:`Status` whose members carry their
message. Failures (non-finite values, divergence, iteration limits, a failed line search, a
stationary point that is not a minimum) are reported in ``status``/``success``/``message``, never
raised and never silently called a success. Bad input raises :class:`~symtaylor.InputError`,
an unknown method or option :class:`~symtaylor.SolverError`.

Examples
--------
>>> r = minimize("theta1**2 + 10*theta2**2", "theta1 theta2", [5, 5], method="newton")
>>> r.success, r.nit, r.x.tolist()
(True, 1, [0.0, 0.0])
>>> r = least_squares(["10*(y - x**2)", "1 - x"], "x y", [-1.2, 1], method="lm")
>>> r.success, np.round(r.x, 10).tolist()
(True, [1.0, 1.0])
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .codegen import _short
from .coerce import (
    _show,
    as_flag,
    as_number,
    as_order,
    as_positive_int,
)
from .errors import InputError, SolverError
from .latex import Derivation, Row
from .optimize.cache import cached, clear_cache
from .optimize.counting import Counted
from .optimize.inputs import start_point as _x0
from .optimize.linesearch import armijo, wolfe
from .optimize.lm import run_lm
from .optimize.objective import Objective as _Objective
from .optimize.objective import SumOfSquares as _SumOfSquares
from .optimize.objective import build_objective as _objective
from .optimize.residuals import Residuals as _Residuals
from .optimize.residuals import build_residuals as _residuals
from .optimize.result import History, IterationState, Result, Status
from .optimize.stopping import at_roundoff, diverging, finite
from .optimize.trust_region import run_trust_region

__all__ = [
    "History",
    "IterationState",
    "Result",
    "Status",
    "clear_cache",
    "least_squares",
    "minimize",
]

_EPS = float(np.finfo(float).eps)


# -- compiled derivations (no SymPy after this point) -------------------------------------------

# Above this many entries the common-subexpression pass costs more (seconds, in SymPy) than it
# saves at run time (measured on the MGH Jacobians), so it is skipped.
_CSE_MAX = 150


def _cached(key: tuple, build: Callable[[], Any]) -> tuple[Any, float]:
    return cached(key, build)


# -- shared bookkeeping ------------------------------------------------------------------------


def _run_options(callback: Any, progress: Any, history: Any
                 ) -> tuple[Callable[[IterationState], Any] | None, bool | int, bool]:
    """``callback`` (None or a function), ``progress`` (a flag or every how many iterations)
    and ``history`` (a flag), checked."""
    if callback is not None and (not callable(callback) or isinstance(callback, sp.Basic)):
        raise InputError(f"callback must be a function or None, got {_show(callback)}")
    if not (progress is True or progress is False):
        progress = as_order(progress, "progress")
    return callback, progress, as_flag(history, "history")


class _Run:
    """Counts, history, callback, progress and the wall clock of one run."""

    def __init__(self, n: int, callback: Callable[[IterationState], Any] | None,
                 progress: bool | int, keep_history: bool) -> None:
        self.callback = callback
        self.every = int(progress) if not isinstance(progress, bool) else (10 if progress else 0)
        self.keep = keep_history
        self.xs: list[np.ndarray] = []
        self.fs: list[float] = []
        self.gs: list[float] = []
        self.steps: list[float] = []
        self.nfev = self.njev = self.nhev = 0
        self.t0 = time.perf_counter()

    def record(self, nit: int, x: np.ndarray, f: float, gnorm: float, step: float) -> bool:
        """Store one iterate; True when the callback asks to stop."""
        if self.keep:
            self.xs.append(np.array(x, dtype=float))
            self.fs.append(float(f))
            self.gs.append(float(gnorm))
            self.steps.append(float(step))
        if self.every and nit % self.every == 0:
            print(f"  iter {nit:6d}  f = {f: .10e}  |g| = {gnorm:.3e}  step = {step:.3e}",
                  file=sys.stderr)
        if self.callback is not None:
            return bool(self.callback(IterationState(nit, np.array(x), float(f), float(gnorm),
                                                     float(step))))
        return False

    def history(self) -> History | None:
        if not self.keep:
            return None
        return History(np.array(self.xs), np.array(self.fs), np.array(self.gs),
                       np.array(self.steps))


_finite, _at_roundoff, _diverging = finite, at_roundoff, diverging


_Obj = _Objective | _SumOfSquares


# -- minimization cores (plain NumPy) ------------------------------------------------------------


@dataclass
class _Out:
    x: np.ndarray
    f: float
    g: np.ndarray
    status: Status
    nit: int
    detail: str = ""


def _gd(obj: _Obj, x: np.ndarray, run: _Run, *, lr: float, line_search: str | None,
        gtol: float, max_iter: int) -> _Out:
    f, g = obj.f(x), obj.grad(x)
    run.nfev += 1
    run.njev += 1
    gn = float(np.linalg.norm(g))
    run.record(0, x, f, gn, 0.0)
    f0 = f_prev = f
    rises = 0
    x_back1 = x_back2 = x
    for k in range(1, max_iter + 1):
        if not _finite(f, g):
            return _Out(x, f, g, Status.NON_FINITE, k - 1)
        if gn <= gtol:
            return _Out(x, f, g, Status.GTOL, k - 1)
        if line_search == "armijo":
            d = -g

            def phi(t: float, x: np.ndarray = x, d: np.ndarray = d) -> float:
                run.nfev += 1
                return obj.f(x + t * d)

            ls = armijo(phi, f, -gn * gn, t0=lr)
            if not ls.ok:
                return _Out(x, f, g, Status.LINE_SEARCH_FAILED, k - 1)
            step = ls.t * d
        else:
            step = -lr * g
        x_back2, x_back1 = x_back1, x
        x = x + step
        f, g = obj.f(x), obj.grad(x)
        run.nfev += 1
        run.njev += 1
        gn = float(np.linalg.norm(g))
        if not _finite(f, g):
            return _Out(x, f, g, Status.NON_FINITE, k)
        if _diverging(x, f) or (f > f0 and abs(f - f0) > 1e12 * max(1.0, abs(f0))):
            return _Out(x, f, g, Status.DIVERGED, k)
        if line_search is None:
            # A fixed step that keeps raising f is too large (it exceeds 2/L where the iterates
            # are): stop early instead of running to max_iter.
            rises = rises + 1 if f > f_prev else 0
            if rises >= _RISES and f > f0:
                return _Out(x, f, g, Status.DIVERGED, k,
                            f"with the fixed step lr = {lr:g}, f rose in {rises} consecutive "
                            f"iterations, from {f0:.6g} to {f:.6g}: lr is too large here")
            f_prev = f
        if run.record(k, x, f, gn, float(np.linalg.norm(step))):
            return _Out(x, f, g, Status.CALLBACK, k)
    if gn <= gtol:
        return _Out(x, f, g, Status.GTOL, max_iter)
    if line_search is None and max_iter > 0 and not f < f0:
        return _Out(x, f, g, Status.DIVERGED, max_iter,
                    f"with the fixed step lr = {lr:g}, f did not decrease in {max_iter} "
                    f"iterations (f = {f0:.6g} at the start, {f:.6g} now): the iterates "
                    "oscillate or grow; lr is too large here")
    if line_search is None and max_iter >= 2:
        jump = float(np.linalg.norm(x - x_back1))
        if jump > 0 and float(np.linalg.norm(x - x_back2)) <= 1e-6 * jump:
            return _Out(x, f, g, Status.MAX_ITER, max_iter,
                        f"the iterates alternate between two points {x_back1.tolist()} and "
                        f"{x.tolist()}: the fixed step lr = {lr:g} is above 2/L near the "
                        "minimum; lower it, or use lr='1/L' or line_search='armijo'")
    return _Out(x, f, g, Status.MAX_ITER, max_iter)


# Consecutive increases of f under a fixed gradient step that count as divergence.
_RISES = 50


def _newton(obj: _Obj, x: np.ndarray, run: _Run, *, gtol: float, max_iter: int) -> _Out:
    f = obj.f(x)
    run.nfev += 1
    last = 0.0
    for k in range(max_iter + 1):
        g = obj.grad(x)
        H = obj.hess(x)
        run.njev += 1
        run.nhev += 1
        if not _finite(f, g, H):
            return _Out(x, f, g, Status.NON_FINITE, k)
        gn = float(np.linalg.norm(g))
        if run.record(k, x, f, gn, last) and k > 0:
            return _Out(x, f, g, Status.CALLBACK, k)
        w, V = np.linalg.eigh(H)
        wscale = max(1.0, float(np.max(np.abs(w))))
        neg = w[0] < -math.sqrt(_EPS) * wscale
        if gn <= gtol and not neg:
            return _Out(x, f, g, Status.GTOL, k)
        if k == max_iter:
            return _Out(x, f, g, Status.MAX_ITER, k)
        gt = V.T @ g
        if gn <= gtol or (neg and gn <= math.sqrt(_EPS) * wscale):
            # Stationary but with negative curvature: follow the eigenvector of lambda_min.
            v = V[:, 0] * (-1.0 if gt[0] > 0 else 1.0)
            t, fn = 1.0, math.inf
            for _ in range(60):
                fn = obj.f(x + t * v)
                run.nfev += 1
                if math.isfinite(fn) and fn < f + 1e-4 * 0.5 * t * t * w[0]:
                    break
                t *= 0.5
            else:
                return _Out(x, f, g, Status.SADDLE, k,
                            "no decrease along the negative-curvature direction")
            step = t * v
            x, f = x + step, fn
        else:
            # Eigenvalue modification: |lambda| floored at delta keeps the direction a descent
            # direction and exactly Newton's where H is positive definite.
            # Only eigenvalues at round-off level (or negative) are changed: a positive definite
            # but badly conditioned Hessian keeps its exact Newton step.
            tiny = _EPS * wscale
            if w[0] > tiny:
                wm = w
            else:
                wm = np.where(np.abs(w) > tiny, np.abs(w), math.sqrt(_EPS) * wscale)
            d = -V @ (gt / wm)
            dphi = float(g @ d)
            if dphi >= 0:
                d, dphi = -g, -gn * gn
            if not neg and _at_roundoff(f, dphi):
                return _Out(x, f, g, Status.ROUNDOFF, k)

            def phi(t: float, x: np.ndarray = x, d: np.ndarray = d) -> float:
                run.nfev += 1
                return obj.f(x + t * d)

            ls = armijo(phi, f, dphi, t0=1.0)
            if not ls.ok:
                return _Out(x, f, g, Status.LINE_SEARCH_FAILED, k)
            step = ls.t * d
            x, f = x + step, ls.phi
        if _diverging(x, f):
            return _Out(x, f, obj.grad(x), Status.DIVERGED, k + 1)
        last = float(np.linalg.norm(step))
    raise AssertionError("unreachable")  # pragma: no cover


def _qn(obj: _Obj, x: np.ndarray, run: _Run, *, gtol: float, max_iter: int,
        memory: int | None) -> _Out:
    """BFGS (``memory=None``, dense inverse Hessian) or L-BFGS (two-loop recursion)."""
    n = x.size
    f, g = obj.f(x), obj.grad(x)
    run.nfev += 1
    run.njev += 1
    if not _finite(f, g):
        return _Out(x, f, g, Status.NON_FINITE, 0)
    gn = float(np.linalg.norm(g))
    run.record(0, x, f, gn, 0.0)
    Hinv = np.eye(n) if memory is None else None
    S: list[np.ndarray] = []
    Y: list[np.ndarray] = []
    gamma = 1.0
    restarted = False
    for k in range(1, max_iter + 1):
        if gn <= gtol:
            return _Out(x, f, g, Status.GTOL, k - 1)
        if memory is None:
            d = -(Hinv @ g)
        else:
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
            d = -r
        dphi = float(g @ d)
        if not dphi < 0:
            d, dphi = -g, -gn * gn
        t0 = min(1.0, 1.0 / gn) if (k == 1 or restarted) else 1.0

        def phid(t: float, x: np.ndarray = x, d: np.ndarray = d) -> tuple[float, float]:
            xt = x + t * d
            ft, gt = obj.f(xt), obj.grad(xt)
            run.nfev += 1
            run.njev += 1
            phid.last = (xt, ft, gt)  # type: ignore[attr-defined]
            return ft, float(gt @ d)

        ls = wolfe(phid, f, dphi, t0=t0)
        if not ls.ok and _at_roundoff(f, dphi) and k > 1:
            # No acceptable step and a predicted decrease below the round-off level of f.
            return _Out(x, f, g, Status.ROUNDOFF, k - 1)
        if not ls.ok:
            if not restarted and (S or memory is None):
                # One restart from steepest descent before giving up.
                Hinv = np.eye(n) if memory is None else None
                S, Y, gamma, restarted = [], [], 1.0, True
                continue
            return _Out(x, f, g, Status.LINE_SEARCH_FAILED, k - 1)
        restarted = False
        xn = x + ls.t * d
        fn, gnew = obj.f(xn), obj.grad(xn)
        last = getattr(phid, "last", None)
        if last is not None and np.array_equal(last[0], xn):
            fn, gnew = last[1], last[2]
        s, y = xn - x, gnew - g
        x, f, g = xn, fn, gnew
        gn = float(np.linalg.norm(g))
        if not _finite(f, g):
            return _Out(x, f, g, Status.NON_FINITE, k)
        if _diverging(x, f):
            return _Out(x, f, g, Status.DIVERGED, k)
        ys = float(y @ s)
        if ys > 1e-10 * float(np.linalg.norm(y) * np.linalg.norm(s)):
            if memory is None:
                if k == 1:
                    Hinv = np.eye(n) * (ys / float(y @ y))
                rho = 1.0 / ys
                Hy = Hinv @ y
                Hinv = (Hinv - rho * (np.outer(s, Hy) + np.outer(Hy, s))
                        + (rho * rho * float(y @ Hy) + rho) * np.outer(s, s))
            else:
                S.append(s)
                Y.append(y)
                if len(S) > memory:
                    S.pop(0)
                    Y.pop(0)
                gamma = ys / float(y @ y)
        if run.record(k, x, f, gn, float(np.linalg.norm(s))):
            return _Out(x, f, g, Status.CALLBACK, k)
    return _Out(x, f, g, Status.GTOL if gn <= gtol else Status.MAX_ITER, max_iter)


def _tr(obj: _Obj, x: np.ndarray, run: _Run, *, gtol: float, max_iter: int,
        subproblem: str, delta0: float | None) -> _Out:
    if not isinstance(subproblem, str) or subproblem not in ("exact", "dogleg"):
        raise SolverError(f"subproblem must be 'exact' or 'dogleg', not {_show(subproblem)}")
    counted = Counted(f=obj.f, grad=obj.grad, hess=obj.hess)
    out = run_trust_region(counted, x, run.record, subproblem=subproblem, delta0=delta0,
                           gtol=gtol, max_iter=max_iter)
    run.nfev += counted.nfev
    run.njev += counted.njev
    run.nhev += counted.nhev
    return _Out(out.x, out.f, out.g, out.status, out.nit)


_METHODS = ("gradient-descent", "newton", "trust-region", "bfgs", "l-bfgs")
_ALIASES = {"gd": "gradient-descent", "gradient_descent": "gradient-descent",
            "trust-exact": "trust-region", "trust_region": "trust-region",
            "lbfgs": "l-bfgs", "l_bfgs": "l-bfgs", "dogleg": "trust-region"}


def _method(name: str, valid: Sequence[str], aliases: Mapping[str, str]) -> str:
    key = str(name).strip().lower()
    key = aliases.get(key, key)
    if key not in valid:
        raise SolverError(f"unknown method {_show(name)}; valid methods: {', '.join(valid)}")
    return key


def _short_text(expr: sp.Expr, limit: int = 120) -> str:
    """``expr`` as text of at most ``limit`` characters, cached (printing a large sum costs ms;
    codegen's ``_short`` prints only the head terms of huge expressions)."""
    text, _ = _cached(("text", expr, limit), lambda: _short(expr, limit))
    return text


def _derivation(title: str, rows: list[Row]) -> Derivation:
    return Derivation(title, tuple(rows))


_UPDATES = {
    "gradient-descent": r"x_k - \alpha \nabla f(x_k)",
    "newton": r"x_k - t_k \left(\nabla^2 f(x_k)\right)^{-1} \nabla f(x_k)",
    "trust-region": r"x_k + \arg\min_{\|p\| \le \Delta_k} m_k(p)",
    "bfgs": r"x_k - t_k H_k \nabla f(x_k)",
    "l-bfgs": r"x_k - t_k H_k \nabla f(x_k)",
}


def minimize(
    f: Any,
    variables: Any = None,
    x0: Any = None,
    method: str = "newton",
    *,
    lr: float | str | None = None,
    line_search: str | None = None,
    data: Mapping[Any, Any] | None = None,
    reduce: str = "sum",
    gtol: float = 1e-8,
    max_iter: int | None = None,
    subproblem: str = "exact",
    delta0: float | None = None,
    memory: int = 10,
    region: Mapping[Any, tuple[float, float]] | None = None,
    check_second_order: bool | None = None,
    callback: Callable[[IterationState], Any] | None = None,
    progress: bool | int = False,
    history: bool = True,
) -> Result:
    """Minimize ``f`` over ``variables`` from ``x0``.

    Parameters
    ----------
    f : expression, text or callable (see :func:`symtaylor.as_expr`).
    variables : the variables (default: free symbols that are not data, sorted by name).
    x0 : starting point (sequence, mapping, or text ``"1, 2"``).
    method : ``"newton"`` (default), ``"gradient-descent"``, ``"trust-region"``, ``"bfgs"``,
        ``"l-bfgs"`` (aliases: ``"trust-exact"``, ``"dogleg"``, ``"lbfgs"``, ``"gd"``).
    lr : gradient descent step: a number, or ``"1/L"`` (from
        :func:`~symtaylor.bounds.convergence_bounds`; over ``region``, default the box
        ``x0 +- max(1, |x0|)``). Default ``"1/L"``. With ``line_search="armijo"`` it is the first
        trial step (default 1).
    line_search : ``None`` (fixed step) or ``"armijo"`` (gradient descent only; the other
        methods always use their own line search or trust region).
    data : ``{symbol or name: 1-D array}``: ``f`` is then a per-sample expression in the data
        symbols and the objective is its ``reduce`` (``"sum"`` or ``"mean"``) over the samples.
    gtol : stop when ``||grad f||_2 <= gtol``.
    max_iter : iteration limit (default 10000 for gradient descent, else 1000).
    subproblem, delta0 : trust-region subproblem (``"exact"`` or ``"dogleg"``) and first radius.
    memory : L-BFGS pairs kept.
    check_second_order : compute the smallest Hessian eigenvalue at the end and refuse to
        call a saddle or maximum a minimum (default: on when there are at most 50 variables).
    callback : called with an :class:`IterationState` after every iteration; return True to stop.
    progress : True (every 10 iterations) or an int: print progress lines to stderr.
    history : keep the per-iteration :class:`History`.

    Returns
    -------
    Result

    Examples
    --------
    >>> r = minimize("x**4 - 2*x**2 + 1/2", "x", [2.0], method="newton")
    >>> r.success, round(float(r.x[0]), 12), r.nit < 10
    (True, 1.0, True)
    >>> g = minimize("x**4 - 2*x**2 + 1/2", "x", [2.0], method="gradient-descent", lr=0.01)
    >>> g.success, round(float(g.x[0]), 6), g.nit > r.nit
    (True, 1.0, True)
    >>> m = minimize("-x**2 - y**2", "x y", [0, 0], method="bfgs")
    >>> m.success, m.status.name
    (False, 'SADDLE')
    """
    name = _method(method, _METHODS, _ALIASES)
    if str(method).strip().lower() == "dogleg":
        subproblem = "dogleg"
    if not (line_search is None or (isinstance(line_search, str) and line_search == "armijo")):
        raise SolverError(f"line_search must be None or 'armijo', not {_show(line_search)}")
    if max_iter is None:
        max_iter = 10000 if name == "gradient-descent" else 1000
    max_iter = as_order(max_iter, "max_iter")
    memory = as_positive_int(memory, "memory")
    callback, progress, history = _run_options(callback, progress, history)
    if check_second_order is not None:
        check_second_order = as_flag(check_second_order, "check_second_order")
    if delta0 is not None:
        delta0 = float(as_number(delta0, "delta0"))
        if not delta0 > 0:
            raise SolverError(f"delta0 must be a positive number, not {delta0}")
    if not (isinstance(gtol, int | float) and gtol >= 0):
        raise SolverError(f"gtol must be a non-negative number, not {_show(gtol)}")
    obj = _objective(f, variables, data, reduce)
    syms = obj.variables
    x = _x0(x0, syms)
    n = x.size
    rows = obj.rows()
    detail = ""
    step_lr = None
    if name == "gradient-descent":
        step_lr, detail = _learning_rate(obj, lr, line_search, x, region)
        rows.append(Row(r"\alpha", sp.Float(step_lr, 10) if not isinstance(step_lr, sp.Expr)
                        else step_lr, note=detail))
    elif lr is not None:
        raise SolverError(f"lr applies to gradient-descent only (method {name!r})")
    run = _Run(n, callback, progress, history)
    old = np.seterr(all="ignore")
    try:
        if name == "gradient-descent":
            out = _gd(obj, x, run, lr=float(step_lr), line_search=line_search, gtol=gtol,
                      max_iter=max_iter)
        elif name == "newton":
            out = _newton(obj, x, run, gtol=gtol, max_iter=max_iter)
        elif name == "trust-region":
            out = _tr(obj, x, run, gtol=gtol, max_iter=max_iter, subproblem=subproblem,
                      delta0=delta0)
        else:
            out = _qn(obj, x, run, gtol=gtol, max_iter=max_iter,
                      memory=memory if name == "l-bfgs" else None)
        wall = time.perf_counter() - run.t0
        status, message = out.status, out.status.message
        if out.detail:
            message += f" ({out.detail})"
        min_eig = None
        if check_second_order is None:
            check_second_order = n <= 50
        if check_second_order and _finite(out.x):
            H = obj.hess(out.x)
            run.nhev += 1
            if _finite(H):
                w = np.linalg.eigvalsh(H)
                min_eig = float(w[0])
                tol = math.sqrt(_EPS) * max(1.0, float(np.max(np.abs(w))))
                if status.success and min_eig < -tol:
                    status = Status.SADDLE
                    message = (f"{Status.SADDLE.message} (the Hessian has a negative "
                               f"eigenvalue {min_eig:.3g} here, ||g|| = "
                               f"{float(np.linalg.norm(out.g)):.3g})")
                elif status.success and abs(min_eig) <= tol:
                    # (a sum of squares is bounded below and has no inflection-type trap worth
                    # the extra evaluations: MGH's singular minima would each pay two)
                    falls = "" if isinstance(obj, _SumOfSquares) else \
                        _falls_along_flat_direction(obj, out.x, float(out.f), H, run)
                    if falls:
                        status = Status.SADDLE
                        message = (f"{Status.SADDLE.message} (the Hessian is singular, smallest "
                                   f"eigenvalue {min_eig:.3g}, and f keeps decreasing along "
                                   f"its null direction: {falls}; f may be unbounded below "
                                   "or have no minimum)")
                    else:
                        message += (f"; note: the Hessian is singular here (smallest eigenvalue "
                                    f"{min_eig:.3g}): the minimum is not strict or the "
                                    "convergence only linear")
        if status is Status.MAX_ITER and _finite(out.x, out.f):
            far = float(np.linalg.norm(out.x - x)) / max(1.0, float(np.linalg.norm(x)))
            if far > 100.0:
                if run.keep and run.fs:
                    f_start = run.fs[0]
                else:
                    f_start = obj.f(x)
                    run.nfev += 1
                if out.f < f_start and far > 1e8:
                    status = Status.DIVERGED
                    message = (f"{Status.DIVERGED.message} (x moved {far:.3g} times the size of "
                               f"x0 away and f fell from {f_start:.6g} to {float(out.f):.6g} "
                               "without converging: f is probably unbounded below)")
                elif out.f < f_start:
                    message += (f"; note: x moved {far:.3g} times the size of x0 away while f "
                                "kept decreasing: f may be unbounded below")
        if name == "gradient-descent" and region is None and lr in (None, "1/L") \
                and line_search is None and run.keep and run.xs:
            lo, hi = _default_region(x)
            if np.any(np.array(run.xs) < lo) or np.any(np.array(run.xs) > hi):
                message += ("; note: the iterates left the box where L was certified, so the "
                            "step 1/L is not guaranteed there")
    finally:
        np.seterr(**old)
    rows.append(Row("x_{k+1}", _UPDATES[name]))
    g_final = out.g if out.g is not None else obj.grad(out.x)
    return Result(
        x=out.x, fun=float(out.f), grad_norm=float(np.linalg.norm(g_final)),
        success=status.success, status=status, message=message, nit=out.nit, nfev=run.nfev,
        njev=run.njev, nhev=run.nhev, history=run.history(),
        derivation=_derivation(f"{name} on f = {_short_text(obj.expr)}", rows), wall_time=wall,
        method=name, compile_time=obj.compile_time, hess_min_eig=min_eig, variables=syms,
    )


def _falls_along_flat_direction(obj: _Obj, x: np.ndarray, f: float, H: np.ndarray,
                                run: _Run) -> str:
    """At a stationary point with a singular Hessian, probe f along the null direction at the
    distances 1e-3 .. 1 (times max(1, |x|)) on both sides. A strict, monotone decrease at every
    distance means no minimum here (``x**3`` at 0, ``exp(x)`` far left): returns a description;
    '' otherwise (a flat valley, or a degenerate but genuine minimum such as ``x**4``)."""
    v = np.linalg.eigh(H)[1][:, 0]
    scale = max(1.0, float(np.linalg.norm(x)))
    floor = f - 16.0 * _EPS * max(abs(f), 1e-300)
    for sign in (1.0, -1.0):
        prev = floor
        for t in (1e-3, 1e-2, 1e-1, 1.0):
            ft = obj.f(x + sign * t * scale * v)
            run.nfev += 1
            if not (math.isfinite(ft) and ft < prev):
                break
            prev = ft
        else:
            return f"f = {prev:.6g} at distance {scale:.3g}, {f:.6g} here"
    return ""


def _default_region(x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r = np.maximum(1.0, np.abs(x0))
    return x0 - r, x0 + r


def _learning_rate(obj: _Obj, lr: Any, line_search: str | None, x0: np.ndarray,
                   region: Any) -> tuple[float, str]:
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
        if obj.data:
            raise SolverError("lr='1/L' is not available with data=; give a number")
        from .bounds import convergence_bounds

        reg = region
        if reg is None:
            lo, hi = _default_region(x0)
            reg = {s: (float(a), float(b)) for s, a, b in zip(obj.variables, lo, hi)}
        try:
            cb = convergence_bounds(obj.expr, obj.variables)
            where = "exact (quadratic f)"
        except InputError:
            cb = convergence_bounds(obj.expr, obj.variables, region=reg)
            where = "certified over the region" + (" x0 +- max(1, |x0|)" if region is None else "")
        step = float(cb.optimal_step)
        if not (math.isfinite(step) and step > 0):
            raise SolverError(f"1/L is not a usable step here (L = {cb.L}); give lr= a number")
        return step, f"alpha = 1/L, L = {cb.L} {where}"
    try:
        val = float(lr)
    except (TypeError, ValueError):
        raise SolverError(f"lr must be a positive number or '1/L', not {_show(lr)}") from None
    if not (math.isfinite(val) and val > 0):
        raise SolverError(f"lr must be a positive finite number, not {_show(lr)}")
    return val, "fixed step"


# -- least squares -------------------------------------------------------------------------------


def _gauss_newton(res: _Residuals, x: np.ndarray, run: _Run, *, ftol: float, xtol: float,
                  gtol: float, max_iter: int) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                       Status, int]:
    r = res.fun(x)
    run.nfev += 1
    f = float(r @ r)
    J = res.jac(x)
    run.njev += 1
    if not _finite(r, J):
        return x, r, J, Status.NON_FINITE, 0
    g = 2.0 * (J.T @ r)
    run.record(0, x, f, float(np.linalg.norm(g)), 0.0)
    for k in range(1, max_iter + 1):
        gn = float(np.linalg.norm(g))
        if f == 0.0:
            return x, r, J, Status.ZERO_RESIDUAL, k - 1
        if gn <= gtol:
            return x, r, J, Status.GTOL, k - 1
        p = np.linalg.lstsq(J, -r, rcond=None)[0]
        rp = r + J @ p
        prered = 1.0 - float(rp @ rp) / f       # relative reduction the full GN step predicts
        dphi = float(g @ p)
        if not dphi < 0:
            return x, r, J, Status.ROUNDOFF if dphi == 0 else Status.LINE_SEARCH_FAILED, k - 1

        def phi(t: float, x: np.ndarray = x, p: np.ndarray = p) -> float:
            rt = res.fun(x + t * p)
            run.nfev += 1
            return float(rt @ rt) if _finite(rt) else math.inf

        ls = armijo(phi, f, dphi, t0=1.0)
        if not ls.ok:
            # No decrease possible: converged to working precision if the model agrees.
            done = prered <= 1e3 * _EPS
            return x, r, J, Status.ROUNDOFF if done else Status.LINE_SEARCH_FAILED, k - 1
        step = ls.t * p
        x = x + step
        f_old, f = f, ls.phi
        r = res.fun(x)
        J = res.jac(x)
        run.njev += 1
        if not _finite(r, J):
            return x, r, J, Status.NON_FINITE, k
        g = 2.0 * (J.T @ r)
        sn = float(np.linalg.norm(step))
        if run.record(k, x, f, float(np.linalg.norm(g)), sn):
            return x, r, J, Status.CALLBACK, k
        # Tests on the FULL Gauss-Newton step: a line search that only crawls is not converged.
        # (floored at 10 eps: below that, the predicted reduction is round-off)
        conv_f = f_old - f <= max(ftol, 10 * _EPS) * f_old and prered <= max(ftol, 10 * _EPS)
        conv_x = float(np.linalg.norm(p)) <= max(xtol, 10 * _EPS) * (
            xtol + float(np.linalg.norm(x)))
        if conv_f and conv_x:
            return x, r, J, Status.FTOL_XTOL, k
        if conv_f:
            return x, r, J, Status.FTOL, k
        if conv_x:
            return x, r, J, Status.XTOL, k
    return x, r, J, Status.MAX_ITER, max_iter


_LSQ_METHODS = ("lm", "gauss-newton")
_LSQ_ALIASES = {"levenberg-marquardt": "lm", "gauss_newton": "gauss-newton", "gn": "gauss-newton"}


def least_squares(
    residuals: Any,
    variables: Any = None,
    x0: Any = None,
    data: Mapping[Any, Any] | None = None,
    method: str = "lm",
    *,
    ftol: float = 1e-15,
    xtol: float = 1e-15,
    gtol: float = 0.0,
    max_nfev: int | None = None,
    max_iter: int = 200,
    scale: bool = True,
    callback: Callable[[IterationState], Any] | None = None,
    progress: bool | int = False,
    history: bool = True,
) -> Result:
    """Minimize ``sum(r_i^2)`` over ``variables`` from ``x0``.

    Parameters
    ----------
    residuals : a list of expressions, or ONE expression in data symbols with ``data``.
    variables, x0 : as for :func:`minimize`.
    data : ``{symbol or name: 1-D array}`` (curve fitting: ``residuals = model - y``).
    method : ``"lm"`` (Levenberg–Marquardt, MINPACK logic) or ``"gauss-newton"``.
    ftol, xtol : relative reduction of the sum of squares / relative step below which the run
        has converged (MINPACK's tests for ``lm``).
    gtol : ``lm``: largest cosine between ``r`` and a Jacobian column (MINPACK); Gauss–Newton:
        gradient norm.
    max_nfev : ``lm`` evaluation budget (default ``200 (n + 1)``); max_iter : Gauss–Newton.
    scale : Moré's variable scaling in ``lm``.
    callback, progress, history : as for :func:`minimize`.

    Returns
    -------
    Result
        ``fun`` is ``sum(r_i^2)`` (the residual sum of squares, no 1/2), ``residuals`` the
        final residual vector, ``grad_norm`` the norm of ``2 J^T r``.

    Examples
    --------
    >>> import sympy as sp
    >>> b1, b2, x, y = sp.symbols("b1 b2 x y")
    >>> xs = np.linspace(0, 4, 20); ys = 3.0 * np.exp(-0.7 * xs)
    >>> r = least_squares(b1 * sp.exp(-b2 * x) - y, [b1, b2], [1, 0.1], data={x: xs, y: ys})
    >>> r.success, np.round(r.x, 10).tolist(), r.fun < 1e-20
    (True, [3.0, 0.7], True)
    """
    name = _method(method, _LSQ_METHODS, _LSQ_ALIASES)
    max_iter = as_order(max_iter, "max_iter")
    if max_nfev is not None:
        max_nfev = as_positive_int(max_nfev, "max_nfev")
    callback, progress, history = _run_options(callback, progress, history)
    scale = as_flag(scale, "scale")
    for label, v in (("ftol", ftol), ("xtol", xtol), ("gtol", gtol)):
        if not (isinstance(v, int | float) and v >= 0):
            raise SolverError(f"{label} must be a non-negative number, not {_show(v)}")
    res = _residuals(residuals, variables, data)
    x = _x0(x0, res.variables)
    run = _Run(x.size, callback, progress, history)
    with np.errstate(all="ignore"):
        if name == "lm":
            watch = history or callback is not None or progress
            counted = Counted(fun=res.fun, jac=res.jac)
            out = run_lm(counted, x, run.record if watch else None, ftol=ftol, xtol=xtol,
                         gtol=gtol, max_nfev=max_nfev, scale=scale)
            xf, r, J, status, nit = out.x, out.fvec, out.jac, out.status, out.nit
            run.nfev, run.njev = counted.nfev, counted.njev
        else:
            xf, r, J, status, nit = _gauss_newton(res, x, run, ftol=ftol, xtol=xtol,
                                                  gtol=gtol, max_iter=max_iter)
        wall = time.perf_counter() - run.t0
        fun = float(r @ r)
        if math.isfinite(fun):
            g = J.T @ r
            gnorm = 2.0 * math.sqrt(float(g @ g))
            if not math.isfinite(gnorm):
                gnorm = float(2.0 * np.linalg.norm(g))  # overflow in g @ g, or a nan in J
        else:
            fun = math.inf
            gnorm = float(2.0 * np.linalg.norm(J.T @ r)) if _finite(r, J) else math.nan
    samples = res.data[0].size if data is not None else None
    deriv, _ = _cached(("lsq-derivation", name, tuple(res.exprs), res.variables, samples),
                       lambda: _lsq_derivation(name, res, samples))
    return Result(
        x=xf, fun=fun, grad_norm=gnorm, success=status.success,
        status=status, message=status.message, nit=nit, nfev=run.nfev, njev=run.njev, nhev=0,
        history=run.history(), derivation=deriv, wall_time=wall,
        method=name, compile_time=res.compile_time, residuals=r, variables=res.variables,
    )


def _lsq_derivation(name: str, res: _Residuals, samples: int | None) -> Derivation:
    nres = len(res.exprs)
    title = f"{name} on {nres} residual{'s' if nres > 1 else ''}"
    if samples is not None:
        title += f" over {samples} samples"
    r_row, _ = _cached(("row", tuple(res.exprs)), lambda: sp.Matrix(res.exprs).T)
    rows = [Row("r", r_row), Row("J", res.jac_exprs),
            Row("x_{k+1}", r"x_k - \left(J^T J + \lambda_k D^T D\right)^{-1} J^T r"
                if name == "lm" else r"x_k - t_k \left(J^T J\right)^{-1} J^T r")]
    return Derivation(title, tuple(rows))

