"""Derivative code checked against central differences at the analysed step, with an error
estimate per entry: :func:`fd_check_gradient`, :func:`fd_check_hessian`.

The ``fd_`` prefix is the name: :mod:`symtaylor.verify` has ``check_gradient`` and
``check_hessian`` for formulas (is this gradient right?); these check numeric code (does this
function compute its formula?).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..coerce import _show, as_flag, as_number, as_real_array
from ..errors import InputError
from ..latex import display
from .stencils import EPS, stencil

__all__ = ["CheckStatus", "DerivativeCheck", "fd_check_gradient", "fd_check_hessian"]


class CheckStatus(enum.Enum):
    """Outcome of a derivative check; each member carries its message."""

    AGREES = "the derivative agrees with finite differences within the error estimate"
    DISAGREES = "the derivative differs from finite differences by more than the error estimate"
    NOT_FINITE = "a function or derivative value is not finite at the point"

    @property
    def message(self) -> str:
        return self.value


@dataclass(frozen=True)
class DerivativeCheck:
    """A gradient or Hessian given as code, compared with finite differences at a point.

    Attributes
    ----------
    kind : str
        ``"gradient"`` or ``"hessian"``.
    x : numpy.ndarray
        The point.
    analytic : numpy.ndarray
        The derivative the code returned.
    finite_difference : numpy.ndarray
        The central-difference estimate (step from the truncation/round-off analysis).
    error_estimate : numpy.ndarray
        Estimated error of ``finite_difference``: Richardson estimate of the truncation part
        plus the round-off model ``eps * sum|w| * |f| / h``.
    discrepancy : numpy.ndarray
        ``|analytic - finite_difference|``.
    tolerance : numpy.ndarray
        ``safety * error_estimate + 4 eps |analytic|``: the allowance per entry.
    step : numpy.ndarray
        The step used per coordinate.
    status : CheckStatus
    suspects : tuple of tuple of int
        Indices of the entries that exceed their tolerance (worst first).
    """

    kind: str
    x: np.ndarray
    analytic: np.ndarray
    finite_difference: np.ndarray
    error_estimate: np.ndarray
    discrepancy: np.ndarray
    tolerance: np.ndarray
    step: np.ndarray
    status: CheckStatus
    suspects: tuple[tuple[int, ...], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is CheckStatus.AGREES

    def __bool__(self) -> bool:
        return self.ok

    @property
    def max_discrepancy(self) -> float:
        """Largest ``|analytic - finite_difference|`` (like ``scipy.optimize.check_grad``)."""
        return float(np.max(self.discrepancy)) if self.discrepancy.size else 0.0

    @property
    def message(self) -> str:
        msg = self.status.message
        if self.suspects:
            worst = self.suspects[0]
            msg += (f"; worst entry {list(worst)}: code {float(self.analytic[worst]):.17g}, "
                    f"finite difference {float(self.finite_difference[worst]):.17g} "
                    f"+- {float(self.error_estimate[worst]):.2g}")
        return msg

    def __repr__(self) -> str:
        return (f"DerivativeCheck({self.kind}: {self.status.name}, max discrepancy "
                f"{self.max_discrepancy:.3g}, max error estimate "
                f"{float(np.max(self.error_estimate)):.3g}; {self.message})")

    def latex(self) -> str:
        mark = r"\checkmark" if self.ok else r"\times"
        disc = sp.latex(sp.Float(self.max_discrepancy, 3))
        est = sp.latex(sp.Float(float(np.max(self.error_estimate)), 3))
        return (rf"{mark}\quad \max |\text{{{self.kind}}} - D_h| = {disc}"
                rf"\quad (\text{{error estimate }} {est})")

    def _repr_latex_(self) -> str:
        return display(self.latex())


def _central_step() -> tuple[float, float]:
    """Unit-scale optimal step of the central first difference and its round-off factor.

    With ``|f'''| ~ |f|`` the analysis gives ``h* = (d eps S / (p |C|))^(1/(p+d)) = (3 eps)^(1/3)``.
    """
    st = stencil(1, "central", 2)
    S = st.abs_weight_sum
    h_rel = float((EPS * S / (2 * abs(st.leading_coefficient))) ** sp.Rational(1, 3))
    return h_rel, float(S)


def _directional_differences(
    fun: Callable[[np.ndarray], Any], x: np.ndarray, steps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central differences of ``fun`` along each axis at ``h`` and ``2h`` and the max |fun|."""
    n = x.size
    d_h, d_2h, scale = [], [], []
    for i in range(n):
        hi = steps[i]
        vals = {}
        for m in (2, 1, -1, -2):
            xp = x.copy()
            xp[i] = x[i] + m * hi
            try:
                vals[m] = np.asarray(fun(xp), dtype=float)
            except InputError:  # complex or non-numeric output: refused, not a nan
                raise
            except (ValueError, ArithmeticError):  # e.g. math.log outside its domain
                vals[m] = np.full(np.shape(vals.get(1, 0.0)), np.nan)
        d_h.append((vals[1] - vals[-1]) / (2 * hi))
        d_2h.append((vals[2] - vals[-2]) / (4 * hi))
        # Round-off scale: |f| for a scalar; for a vector (a gradient differentiated for the
        # Hessian) the largest entry, because an entry that is a small difference of large
        # terms carries the rounding of those terms, not eps*|entry|.
        big = np.maximum(np.max(np.abs(vals[1])), np.max(np.abs(vals[-1])))
        scale.append(np.full(np.shape(vals[1]), big))
    return np.array(d_h), np.array(d_2h), np.array(scale)


def _richardson(
    fun: Callable[[np.ndarray], Any], x: np.ndarray, steps: np.ndarray, S: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central differences at ``steps`` with truncation (Richardson) and round-off estimates."""
    with np.errstate(all="ignore"):
        d_h, d_2h, scale = _directional_differences(fun, x, steps)
        hh = steps.reshape((-1,) + (1,) * (d_h.ndim - 1))
        # D(2h) - D(h) ~ (4 - 1) C h^2 f3 for the second-order central difference.
        trunc = np.abs(d_2h - d_h) / 3.0
        roundoff = float(EPS) * S * scale / hh
    return d_h, trunc, roundoff


def _check(
    kind: str,
    fun: Callable[[np.ndarray], Any],
    analytic: np.ndarray,
    x: np.ndarray,
    step: float | Sequence[float] | None,
    safety: float,
    transpose: bool,
    refine: bool = True,
) -> DerivativeCheck:
    """Central differences of ``fun`` at the analysed (or given) steps against ``analytic``."""
    h_rel, S = _central_step()
    steps = _first_steps(x, step, h_rel)
    d_h, trunc, roundoff = _richardson(fun, x, steps, S)
    if step is None and refine:
        better = _rebalanced_steps(x, steps, trunc, roundoff)
        if better is not None:
            steps = better
            d_h, trunc, roundoff = _richardson(fun, x, steps, S)
    estimate = trunc + roundoff
    fd = d_h.T if transpose else d_h
    est = estimate.T if transpose else estimate
    if analytic.shape != fd.shape:
        raise InputError(
            f"the {kind} has shape {analytic.shape}, expected {fd.shape} for a point of size "
            f"{x.size}"
        )
    disc = np.abs(analytic - fd)
    tol = safety * est + 4 * float(EPS) * np.abs(analytic)
    status, bad = _status(analytic, fd, disc, tol)
    return DerivativeCheck(kind, x.copy(), analytic, fd, est, disc, tol, steps, status, bad)


def _first_steps(x: np.ndarray, step: float | Sequence[float] | None, h_rel: float
                 ) -> np.ndarray:
    """The unit-scale optimum ``h_rel * max(1, |x_i|)``, or the steps given (checked)."""
    if step is None:
        steps = h_rel * np.maximum(1.0, np.abs(x))
    else:
        given = as_real_array(step, "step", ndim=None, finite=False)
        try:
            steps = np.broadcast_to(given, x.shape).copy()
        except ValueError:
            raise InputError(f"step has shape {given.shape}, expected a number or "
                             f"{x.size} numbers") from None
        if not np.all(np.isfinite(steps) & (steps > 0)):
            raise InputError(f"step must be positive and finite, got {_show(step)}")
    # Make x + h exactly representable so the step in the denominator is the true one.
    return (x + steps) - x


def _rebalanced_steps(x: np.ndarray, steps: np.ndarray, trunc: np.ndarray,
                      roundoff: np.ndarray) -> np.ndarray | None:
    """Steps re-balanced where truncation clearly dominates, or None if it dominates nowhere.

    The unit-scale step assumed ``|f3| ~ |f|`` (``f3`` = third derivative). Where truncation
    clearly dominates, re-balance with the measured ``|C f3|`` (``A = trunc/h^2``,
    ``B = roundoff*h``): ``h* = (B / (2A))^(1/3)``, the closed form of the analysis for
    ``d = 1, p = 2``.
    """
    axes = tuple(range(1, trunc.ndim))
    t_i = np.max(trunc, axis=axes) if axes else trunc
    r_i = np.max(roundoff, axis=axes) if axes else roundoff
    better = np.isfinite(t_i) & np.isfinite(r_i) & (t_i > 10 * r_i)
    if not np.any(better):
        return None
    A = t_i / steps**2
    B = r_i * steps
    with np.errstate(all="ignore"):
        h_new = np.cbrt(B / (2 * A))
    h_new = np.where(better, np.clip(h_new, steps / 1000, steps), steps)
    return (x + h_new) - x


def _status(analytic: np.ndarray, fd: np.ndarray, disc: np.ndarray, tol: np.ndarray
            ) -> tuple[CheckStatus, tuple[tuple[int, ...], ...]]:
    """The outcome and the entries over their tolerance, worst (relative to it) first."""
    if not (np.all(np.isfinite(fd)) and np.all(np.isfinite(analytic))):
        return CheckStatus.NOT_FINITE, ()
    over = np.argwhere(disc > tol)
    bad = tuple(sorted((tuple(int(i) for i in idx) for idx in over),
                       key=lambda idx: -float(disc[idx] / max(tol[idx], 1e-300))))
    return (CheckStatus.DISAGREES if bad else CheckStatus.AGREES), bad


def _as_x(x: Any) -> np.ndarray:
    arr = as_real_array(x, "the point x", ndim=None, finite=False).reshape(-1)
    if not np.all(np.isfinite(arr)) or arr.size == 0:
        raise InputError(f"the point must be non-empty and finite, got {_show(x)}")
    return arr


def _values(value: Any, what: str) -> np.ndarray:
    """Derivative values given or returned by the user's code: real (complex refused, its
    imaginary part would be dropped), possibly not finite (then reported, not refused)."""
    return as_real_array(value, what, ndim=None, finite=False, allow_empty=True)


def _scalar(value: Any) -> float:
    """The value of the user's objective at a point: one real number (nan allowed)."""
    if type(value) is float:
        return value
    arr = _values(value, "fun(x)")
    if arr.size != 1:
        raise InputError(f"fun(x) must return one number, got shape {arr.shape}")
    return float(arr.reshape(-1)[0])


def _callable(fn: Any, what: str) -> None:
    if not callable(fn) or isinstance(fn, sp.Basic):
        raise InputError(f"{what} must be a Python function of a NumPy array, got "
                         f"{_show(fn)} (for an expression use symtaylor.compile_numpy first)")


def _safety(safety: Any) -> float:
    v = float(as_number(safety, "safety"))
    if not v > 0:
        raise InputError(f"safety must be positive, got {v}")
    return v


def fd_check_gradient(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], Any] | Any,
    x: Sequence[float],
    step: float | Sequence[float] | None = None,
    safety: float = 10.0,
    refine: bool = True,
) -> DerivativeCheck:
    """Check gradient code against central differences of ``fun``, with an error estimate.

    Like :func:`scipy.optimize.check_grad`, but the step is the analysed optimum
    ``(3 eps)^(1/3) max(1, |x_i|)`` of the central difference, and every entry comes with an
    error estimate (Richardson for truncation + the round-off model), so "agrees" means
    "within what finite differences can resolve", not "below an arbitrary threshold".

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float`` for a 1-D float array ``x``.
    grad : callable or array
        ``grad(x) -> array`` (or the gradient values themselves).
    x : sequence of float
        The point.
    step : float or sequence, optional
        Override the per-coordinate step.
    safety : float
        Entries agree when ``|grad - D_h| <= safety * estimate + 4 eps |grad|``.
    refine : bool
        Where the first pass shows truncation clearly dominating (third derivative much larger than
        ``|f|``), redo that coordinate at the step re-balanced with the measured third derivative.

    Examples
    --------
    >>> import numpy as np
    >>> fun = lambda v: (1 - v[0])**2 + 100*(v[1] - v[0]**2)**2
    >>> grad = lambda v: np.array([-2*(1 - v[0]) - 400*v[0]*(v[1] - v[0]**2),
    ...                            200*(v[1] - v[0]**2)])
    >>> fd_check_gradient(fun, grad, [-1.2, 1.0]).ok
    True
    >>> wrong = lambda v: np.array([-2*(1 - v[0]) - 400*v[0]*(v[1] - v[0]**2),
    ...                             100*(v[1] - v[0]**2)])
    >>> c = fd_check_gradient(fun, wrong, [-1.2, 1.0])
    >>> c.status.name, c.suspects
    ('DISAGREES', ((1,),))
    """
    _callable(fun, "fun")
    refine = as_flag(refine, "refine")
    xa = _as_x(x)
    safety = _safety(safety)
    g = _values(grad(xa.copy()) if callable(grad) else grad, "grad").reshape(-1)
    return _check("gradient", lambda v: _scalar(fun(v)), g, xa, step, safety, False, refine)


def fd_check_hessian(
    grad: Callable[[np.ndarray], Any],
    hess: Callable[[np.ndarray], Any] | Any,
    x: Sequence[float],
    step: float | Sequence[float] | None = None,
    safety: float = 10.0,
    refine: bool = True,
) -> DerivativeCheck:
    """Check Hessian code against central differences of the gradient, with an error estimate.

    Column ``j`` of the finite-difference Hessian is ``(g(x + h e_j) - g(x - h e_j)) / 2h``
    with the analysed step; the error estimate and tolerance are as in :func:`fd_check_gradient`.
    Check the gradient first: this compares the Hessian with the gradient code you give.

    Examples
    --------
    >>> import numpy as np
    >>> grad = lambda v: np.array([-2*(1 - v[0]) - 400*v[0]*(v[1] - v[0]**2),
    ...                            200*(v[1] - v[0]**2)])
    >>> hess = lambda v: np.array([[2 - 400*v[1] + 1200*v[0]**2, -400*v[0]],
    ...                            [-400*v[0], 200.0]])
    >>> fd_check_hessian(grad, hess, [-1.2, 1.0]).ok
    True
    """
    _callable(grad, "grad")
    refine = as_flag(refine, "refine")
    xa = _as_x(x)
    n = xa.size
    safety = _safety(safety)
    H = _values(hess(xa.copy()) if callable(hess) else hess, "hess")
    if H.shape != (n, n):
        raise InputError(f"the Hessian has shape {H.shape}, expected {(n, n)}")
    return _check("hessian", lambda v: _values(grad(v), "grad").reshape(-1), H, xa,
                  step, safety, True, refine)
