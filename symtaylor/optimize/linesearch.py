"""Line searches on ``phi(t) = f(x + t d)``: Armijo backtracking and the strong Wolfe search.

Numeric cores (plain floats and NumPy callables, no SymPy), used by the cores of
:mod:`symtaylor.optimize` (newton, quasi-Newton, gradient descent, Gauss–Newton).

* :func:`armijo`: backtracking from ``t0`` with safeguarded quadratic interpolation until
  ``phi(t) <= phi(0) + c1 t phi'(0)`` (sufficient decrease).
* :func:`wolfe`: bracketing and zoom (Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
  Algorithms 3.5 and 3.6) with cubic interpolation, for the strong Wolfe conditions
  ``phi(t) <= phi(0) + c1 t phi'(0)`` and ``|phi'(t)| <= c2 |phi'(0)|``.

Both return a :class:`LineSearchResult`; ``ok`` is False when no acceptable step was found
(the caller reports it: a line search failure is a status, not an exception).

Examples
--------
>>> phi = lambda t: (t - 2.0) ** 2
>>> armijo(phi, 4.0, -4.0, t0=1.0).t
1.0
>>> r = wolfe(lambda t: ((t - 2.0) ** 2, 2 * (t - 2.0)), 4.0, -4.0, t0=1.0)
>>> r.ok, abs(r.t - 2.0) < 1e-12 or r.t == 1.0
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LineSearchResult", "armijo", "wolfe"]


@dataclass(frozen=True)
class LineSearchResult:
    """Step ``t`` with ``phi(t)`` (and ``phi'(t)`` for Wolfe, else nan); ``nfev`` evaluations
    of ``phi``; ``ngev`` of ``phi'``; ``ok`` False when the search failed."""

    t: float
    phi: float
    dphi: float
    nfev: int
    ngev: int
    ok: bool


def armijo(phi: Callable[[float], float], phi0: float, dphi0: float, *, t0: float = 1.0,
           c1: float = 1e-4, shrink: float = 0.5, min_step: float = 1e-16,
           max_iter: int = 60) -> LineSearchResult:
    """Backtracking line search for sufficient decrease (``dphi0 < 0`` required).

    The trial step is the minimizer of the quadratic through ``phi(0)``, ``phi'(0)`` and
    ``phi(t)``, kept within ``[0.1 t, shrink t]``; non-finite values just shrink the step.
    """
    t = t0
    nfev = 0
    for _ in range(max_iter):
        ft = phi(t)
        nfev += 1
        if math.isfinite(ft) and ft <= phi0 + c1 * t * dphi0:
            return LineSearchResult(t, ft, math.nan, nfev, 0, True)
        if math.isfinite(ft):
            den = 2.0 * (ft - phi0 - dphi0 * t)
            tq = -dphi0 * t * t / den if den > 0 else shrink * t
            t = min(max(tq, 0.1 * t), shrink * t)
        else:
            t *= 0.1
        if t < min_step:
            break
    return LineSearchResult(t, math.nan, math.nan, nfev, 0, False)


def _cubic_min(a: float, fa: float, da: float, b: float, fb: float, db: float) -> float | None:
    """Minimizer of the cubic interpolating ``f, f'`` at ``a`` and ``b`` (None if none)."""
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    rad = d1 * d1 - da * db
    if rad < 0 or not math.isfinite(rad):
        return None
    d2 = math.copysign(math.sqrt(rad), b - a)
    den = db - da + 2.0 * d2
    if den == 0:
        return None
    t = b - (b - a) * (db + d2 - d1) / den
    return t if math.isfinite(t) else None


def wolfe(phi_dphi: Callable[[float], tuple[float, float]], phi0: float, dphi0: float, *,
          t0: float = 1.0, c1: float = 1e-4, c2: float = 0.9, t_max: float = 1e10,
          max_iter: int = 40) -> LineSearchResult:
    """Strong Wolfe line search (bracketing, then zoom with cubic interpolation).

    ``phi_dphi(t)`` returns ``(phi(t), phi'(t))``; ``dphi0 < 0`` is required.
    """
    nfev = 0
    t_prev, f_prev, d_prev = 0.0, phi0, dphi0
    t = t0
    for i in range(max_iter):
        ft, dt = phi_dphi(t)
        nfev += 1
        if not (math.isfinite(ft) and math.isfinite(dt)):
            # Stepped into a region where f is not defined or overflows: shrink towards t_prev.
            t = t_prev + 0.1 * (t - t_prev)
            continue
        if ft > phi0 + c1 * t * dphi0 or (i > 0 and ft >= f_prev):
            return _zoom(phi_dphi, phi0, dphi0, t_prev, f_prev, d_prev, t, ft, dt, c1, c2,
                         nfev, max_iter)
        if abs(dt) <= -c2 * dphi0:
            return LineSearchResult(t, ft, dt, nfev, nfev, True)
        if dt >= 0:
            return _zoom(phi_dphi, phi0, dphi0, t, ft, dt, t_prev, f_prev, d_prev, c1, c2,
                         nfev, max_iter)
        t_new = min(2.0 * t if i else 4.0 * t, t_max)
        tc = _cubic_min(t_prev, f_prev, d_prev, t, ft, dt)
        if tc is not None and 1.1 * t < tc < t_new:
            t_new = tc
        t_prev, f_prev, d_prev = t, ft, dt
        if t >= t_max:
            break
        t = t_new
    return LineSearchResult(t_prev, f_prev, d_prev, nfev, nfev, t_prev > 0 and f_prev < phi0)


def _zoom(phi_dphi: Callable[[float], tuple[float, float]], phi0: float, dphi0: float,
          lo: float, flo: float, dlo: float, hi: float, fhi: float, dhi: float,
          c1: float, c2: float, nfev: int, max_iter: int) -> LineSearchResult:
    for _ in range(max_iter):
        a, b = min(lo, hi), max(lo, hi)
        t = _cubic_min(lo, flo, dlo, hi, fhi, dhi)
        width = b - a
        if t is None or not (a + 0.1 * width <= t <= b - 0.1 * width):
            t = 0.5 * (a + b)
        ft, dt = phi_dphi(t)
        nfev += 1
        if not (math.isfinite(ft) and math.isfinite(dt)):
            # No usable value at t: make it the far end (nan slope -> bisection next time).
            hi, fhi, dhi = t, math.inf, math.nan
            continue
        if ft > phi0 + c1 * t * dphi0 or ft >= flo:
            hi, fhi, dhi = t, ft, dt
        else:
            if abs(dt) <= -c2 * dphi0:
                return LineSearchResult(t, ft, dt, nfev, nfev, True)
            if dt * (hi - lo) >= 0:
                hi, fhi, dhi = lo, flo, dlo
            lo, flo, dlo = t, ft, dt
        if abs(hi - lo) <= 1e-14 * max(1.0, abs(lo)):
            break
    # Return the best point with sufficient decrease, if any (a weak but safe step).
    ok = lo > 0 and flo <= phi0 + c1 * lo * dphi0
    return LineSearchResult(lo, flo, dlo, nfev, nfev, ok)
