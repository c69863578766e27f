"""What a solver run returns: :class:`Status`, :class:`History`, :class:`IterationState`,
:class:`Result`, and :class:`CoreResult`, the one record every numeric core hands back.

The public records are frozen; ``Status`` members carry their own ``success`` and ``message``
(the optimistix pattern), so a core reports *how* a run ended with one value and the facades
turn it into a :class:`Result` without a table of status strings.

Examples
--------
>>> Status.GTOL.success, Status.MAX_ITER.key
(True, 'max_iter')
>>> Status.SADDLE.message.startswith("stopped at a stationary point that is NOT a minimum")
True
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..latex import Derivation, display

__all__ = ["CoreResult", "History", "IterationState", "Result", "Status"]


class Status(enum.Enum):
    """How a run ended. Each member carries ``.success`` and ``.message``."""

    GTOL = ("gtol", True, "converged: the gradient norm is below gtol")
    FTOL = ("ftol", True, "converged: the relative reduction of the sum of squares (actual and "
            "predicted) is below ftol")
    XTOL = ("xtol", True, "converged: the relative change of x is below xtol")
    FTOL_XTOL = ("ftol+xtol", True, "converged: both the ftol and the xtol tests hold")
    ZERO_RESIDUAL = ("zero", True, "converged: the residuals are exactly zero")
    ROUNDOFF = ("roundoff", True, "converged to machine precision: the predicted relative "
                "reduction is below machine epsilon, no further improvement is possible")
    MAX_ITER = ("max_iter", False, "iteration limit reached before convergence; raise max_iter, "
                "or try a second-order method (newton, trust-region) or a better start")
    MAX_FEV = ("max_nfev", False, "function-evaluation budget exhausted before convergence; raise "
               "max_nfev or try a better start")
    NON_FINITE = ("non_finite", False, "a non-finite value (nan or inf) appeared in f, the "
                  "gradient, the Hessian or the Jacobian; start closer, rescale the problem, "
                  "or use a line search / trust region")
    DIVERGED = ("diverged", False, "diverged: f or x grew without bound; if lr is fixed, lower "
                "it (lr='1/L' or line_search='armijo'); otherwise f may be unbounded below")
    LINE_SEARCH_FAILED = ("line_search", False, "the line search found no acceptable step; the "
                          "gradient may be inaccurate, f non-smooth, or x already optimal to "
                          "machine precision (check grad_norm)")
    STALLED = ("stalled", False, "stalled: the step (trust radius) shrank to machine precision "
               "without meeting the convergence tests; try another method or start")
    SADDLE = ("saddle", False, "stopped at a stationary point that is NOT a minimum (a saddle, "
              "a maximum, or a flat point f keeps decreasing from); start elsewhere or use "
              "newton/trust-region, which follow negative curvature")
    CALLBACK = ("callback", False, "stopped by the callback")
    # fixed-point iteration of a closed-form update (symtaylor.iterate)
    CYCLE = ("cycle", False, "caught in a 2-cycle: x_{k+1} = x_{k-1} != x_k, the update jumps "
             "back and forth without converging; start elsewhere, or damp the step")
    F_CHANGE = ("f_change", True, "converged: the relative change of f between iterates is "
                "below ftol")
    SLOW = ("slow", False, "the iterates stopped moving but f is not stationary there (the "
            "gradient is not small): progress is slow, not finished; raise the step size, "
            "or use a second-order step")

    def __init__(self, key: str, success: bool, message: str) -> None:
        self.key = key
        self.success = success
        self.message = message

    def __repr__(self) -> str:
        return f"<Status.{self.name}: {self.message!r}>"


@dataclass(frozen=True)
class History:
    """Per-iteration record: iterates ``x`` (shape ``(nit + 1, n)``), ``f``, ``grad_norm`` and
    ``step`` (the length of the step that led to the iterate; 0 for the start)."""

    x: np.ndarray
    f: np.ndarray
    grad_norm: np.ndarray
    step: np.ndarray

    def __len__(self) -> int:
        return len(self.f)

    def __repr__(self) -> str:
        return f"History({len(self)} iterates)"


@dataclass(frozen=True)
class IterationState:
    """What the ``callback`` sees after each iteration (return True to stop)."""

    nit: int
    x: np.ndarray
    f: float
    grad_norm: float
    step: float


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`minimize` or :func:`least_squares`.

    Attributes
    ----------
    x : final iterate; fun : f there (for least squares ``sum(r_i^2)``, no 1/2 factor);
    grad_norm : 2-norm of the gradient of ``fun`` there;
    success, status, message : how it ended (``message`` is ``status.message`` plus details);
    nit : iterations; nfev, njev, nhev : evaluations of f (residuals), gradient (Jacobian),
    Hessian; history : :class:`History`; derivation : the exact derivation that was compiled;
    wall_time : seconds in the iteration (compile time excluded, see ``compile_time``);
    method : the method; hess_min_eig : smallest Hessian eigenvalue at ``x`` (second-order check,
    when computed); residuals : final residual vector (least squares); data_passes : passes
    over the data (data given as Dask arrays: one pass evaluates f, gradient and Hessian, or
    ``J^T J`` and ``J^T r``, at one point; None for in-memory data).
    """

    x: np.ndarray
    fun: float
    grad_norm: float
    success: bool
    status: Status
    message: str
    nit: int
    nfev: int
    njev: int
    nhev: int
    history: History | None = field(repr=False)
    derivation: Derivation = field(repr=False)
    wall_time: float
    method: str = ""
    compile_time: float = 0.0
    hess_min_eig: float | None = None
    residuals: np.ndarray | None = field(default=None, repr=False)
    variables: tuple[sp.Symbol, ...] = field(default=(), repr=False)
    data_passes: int | float | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        x = np.array2string(np.asarray(self.x), precision=8, separator=", ", threshold=8)
        return (f"Result(method={self.method!r}, success={self.success}, "
                f"status={self.status.name}, "
                f"x={x}, fun={self.fun:.10g}, grad_norm={self.grad_norm:.3g}, nit={self.nit}, "
                f"nfev={self.nfev}, njev={self.njev}, nhev={self.nhev}, "
                f"wall_time={self.wall_time:.3g}s)")

    def latex(self) -> str:
        """The derivation that was compiled, then the final point."""
        names = self.variables or tuple(sp.Symbol(f"x_{i + 1}") for i in range(len(self.x)))
        pts = ", ".join(f"{sp.latex(v)} = {float(c):.10g}" for v, c in zip(names, self.x))
        tail = rf"&\text{{{self.method}: {self.status.key}, }} {pts}, \; f = {self.fun:.10g}"
        body = self.derivation.latex()
        end = "\n\\end{align*}"
        if body.endswith(end):  # the final point as the block's last line (math mode)
            return body[: -len(end)] + " \\\\\n" + tail + end
        return "\\begin{align*}\n" + tail + end

    def _repr_latex_(self) -> str:
        return display(self.latex())


@dataclass(frozen=True)
class CoreResult:
    """What every numeric core returns (plain NumPy; no SymPy).

    ``x`` the final iterate, ``f`` the objective there (least squares: ``||r||^2``), ``g`` its
    gradient (None when the core did not compute it there), ``status`` how the run ended,
    ``nit`` the iterations, ``detail`` words added to ``status.message``. Where the core
    evaluated them AT ``x`` it also hands back the Hessian ``hess`` and its decomposition
    ``eig = (w, V)`` (so the second-order check evaluates and decomposes nothing again), or the
    residuals ``fvec`` and Jacobian ``jac``. ``nfev``, ``njev``, ``nhev`` are filled in by the
    counting wrapper (:mod:`symtaylor.optimize.counting`), never by the cores.
    """

    x: np.ndarray
    f: float
    g: np.ndarray | None
    status: Status
    nit: int
    detail: str = ""
    hess: np.ndarray | None = field(default=None, repr=False)
    eig: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    fvec: np.ndarray | None = field(default=None, repr=False)
    jac: np.ndarray | None = field(default=None, repr=False)
    nfev: int = 0
    njev: int = 0
    nhev: int = 0

    @property
    def message(self) -> str:
        """``status.message``, with ``detail`` in parentheses when there is one."""
        return f"{self.status.message} ({self.detail})" if self.detail else self.status.message
