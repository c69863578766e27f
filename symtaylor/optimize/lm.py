"""Levenberg–Marquardt for nonlinear least squares, after MINPACK's ``lmder``/``lmpar``.

This is the numeric core behind ``least_squares(..., method="lm")``: it takes plain NumPy
callables ``fun(x) -> r`` (shape ``(m,)``) and ``jac(x) -> J`` (shape ``(m, n)``) and knows
nothing about SymPy, so it can be tested and reused alone.

The algorithm is Moré's (1978, "The Levenberg–Marquardt algorithm: implementation and theory"):

* variables are scaled by ``D = diag(d)``, ``d_j`` the largest column norm of ``J`` seen so far;
* each step solves the trust-region problem ``min ||r + J p||`` subject to ``||D p|| <= Delta``
  through the Levenberg–Marquardt parameter ``par``: ``(J^T J + par D^2) p = -J^T r``, with
  ``par`` found by Moré's safeguarded Newton iteration on ``||D p(par)|| - Delta`` (stopping
  when it is within 10% of ``Delta``, at most 10 iterations, exactly as ``lmpar``);
* ``Delta`` is updated from the ratio of actual to predicted reduction with MINPACK's rules
  (including the interpolated shrink factor when the step increased the residual);
* the stopping tests are MINPACK's ``ftol``/``xtol``/``gtol`` tests (info 1-4) and its
  round-off tests (info 6-8).

Where the implementation differs from the Fortran: the linear algebra. ``J D^-1`` is reduced
by a Householder QR (LAPACK) to ``R`` and then ``R = U S V^T`` by an SVD of the small ``n x n``
factor, so every trial ``par`` costs ``O(n)`` instead of a Givens ``qrsolv``; rank deficiency
(``nsing`` in ``lmpar``) becomes a cut-off on the singular values. The Newton correction of
``par`` is the same quantity, written in the singular basis.

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 1, 8); y = 2.0 * np.exp(-1.5 * t)
>>> fun = lambda b: b[0] * np.exp(-b[1] * t) - y
>>> jac = lambda b: np.column_stack([np.exp(-b[1] * t), -b[0] * t * np.exp(-b[1] * t)])
>>> out = levenberg_marquardt(fun, jac, np.array([1.0, 0.0]))
>>> out.status.key, np.round(out.x, 12).tolist(), out.nfev
('xtol', [2.0, 1.5], 7)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from .counting import Counted
from .result import CoreResult, Status
from .run import Monitor
from .stopping import EPS as _EPS

try:  # direct LAPACK calls: ~10x less overhead than numpy.linalg on these small matrices
    from scipy.linalg.lapack import dgeqrf as _geqrf
    from scipy.linalg.lapack import dgesdd as _gesdd
    from scipy.linalg.lapack import dgesvd as _gesvd
except ImportError:  # pragma: no cover - SciPy is optional
    _geqrf = _gesdd = _gesvd = None

# Up to this many Jacobian entries one SVD of J D^-1 is cheaper than QR followed by the SVD of R
# (measured on NIST-sized problems: 6x3 to 250x8).
_DIRECT_SVD = 640

__all__ = ["levenberg_marquardt", "lm_parameter", "run_lm"]

_DWARF = float(np.finfo(float).tiny)

# MINPACK's info codes as statuses: ftol, xtol, ftol+xtol, gtol (info 1-4: converged),
# max_nfev (5); the round-off tests ftol and gtol at machine precision (6, 8) are ROUNDOFF, the
# radius at machine precision without convergence (7) is STALLED.


def lm_parameter(s: np.ndarray, c: np.ndarray, delta: float, par: float
                 ) -> tuple[float, np.ndarray]:
    """Moré's ``lmpar`` in the singular basis of the scaled Jacobian ``J D^-1 = U S V^T``.

    Parameters
    ----------
    s : singular values (descending), ``c = U^T r``, ``delta`` the radius, ``par`` the
        previous Levenberg–Marquardt parameter (a starting guess).

    Returns
    -------
    par, y : the parameter and the step in the singular basis, ``D p = V y``, with
        ``||y||`` within 10% of ``delta`` or ``par = 0`` and ``||y|| <= 1.1 delta``.

    Examples
    --------
    >>> import numpy as np
    >>> par, y = lm_parameter(np.array([2.0, 1.0]), np.array([4.0, 1.0]), 0.5, 0.0)
    >>> bool(par > 0), bool(abs(np.linalg.norm(y) - 0.5) <= 0.05)
    (True, True)
    """
    n = s.size
    # Gauss–Newton direction; singular values below the cut-off count as zero (lmpar's nsing).
    # (s is in descending order, so full rank means the last one is above the cut-off.)
    cut = (float(s[0]) if n else 0.0) * _EPS * max(n, 1)
    full = n > 0 and float(s[-1]) > cut
    if full:
        y = -c / s
    else:
        keep = s > cut
        y = np.zeros_like(s)
        y[keep] = -c[keep] / s[keep]
    yy = float(y @ y)
    dxnorm = math.sqrt(yy)
    fp = dxnorm - delta
    if fp <= 0.1 * delta:
        return 0.0, y
    sc = s * c
    # Lower bound from the Newton step at par = 0 (only with full rank), upper from ||D^-1 J^T r||.
    if full:
        ys = y / s
        parl = fp / (delta * (float(ys @ ys) / yy))
    else:
        parl = 0.0
    gnorm = math.sqrt(float(sc @ sc))
    paru = gnorm / delta
    if paru == 0.0:
        paru = _DWARF / min(delta, 0.1)
    par = min(max(par, parl), paru)
    if par == 0.0:
        par = gnorm / dxnorm
    s2 = s * s
    for it in range(1, 11):
        if par == 0.0:
            par = max(_DWARF, 0.001 * paru)
        den = s2 + par
        y = -sc / den
        yy = float(y @ y)
        dxnorm = math.sqrt(yy)
        prev = fp
        fp = dxnorm - delta
        if abs(fp) <= 0.1 * delta or (parl == 0.0 and fp <= prev < 0.0) or it == 10:
            break
        if dxnorm == 0.0:
            break
        parc = fp / (delta * (float((y / den) @ y) / yy))
        if fp > 0.0:
            parl = max(parl, par)
        elif fp < 0.0:
            paru = min(paru, par)
        par = max(parl, par + parc)
    return par, y


@lru_cache(maxsize=64)
def _lower(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The indices below the diagonal of an ``n x n`` matrix."""
    return np.tril_indices(n, -1)


def _factor(J: np.ndarray, diag: np.ndarray, r: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``s, c = U^T r`` and ``V`` for ``a = J D^-1 = U S V^T`` (QR first when ``a`` is tall)."""
    m, n = J.shape
    if _gesvd is not None and m * n <= _DIRECT_SVD:
        # Small: one SVD of the tall matrix (one LAPACK call beats QR + SVD up to ~600 entries).
        a = np.empty((m, n), order="F")
        np.divide(J, diag, out=a)
        u, s, vt, info = _gesvd(a, full_matrices=0, overwrite_a=1)
        if info == 0:
            return s, r @ u, vt.T
    if _geqrf is not None and m > n:
        ar = np.empty((m, n + 1), order="F")
        np.divide(J, diag, out=ar[:, :n])  # the scaled Jacobian, written in place
        ar[:, n] = r
        qr, _, _, info = _geqrf(ar, overwrite_a=1)
        if info == 0:
            R = qr[:n, :n]
            R[_lower(n)] = 0.0  # the Householder vectors below the diagonal
            u, s, vt, info = _gesvd(R, overwrite_a=1)
            if info == 0:
                return s, u.T @ qr[:n, n], vt.T
    a = J / diag
    if m > n:
        # QR of [a | r] without forming Q: the last column's top n entries are Q^T r.
        rr = np.linalg.qr(np.column_stack((a, r)), mode="r")
        u, s, vt = np.linalg.svd(rr[:n, :n])
        c = u.T @ rr[:n, n]
    else:
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        c = u.T @ r
    return s, c, vt.T



def _vector(v: object) -> np.ndarray:
    """A residual vector as a 1-D float64 array (no copy when it already is one)."""
    if type(v) is np.ndarray and v.ndim == 1 and v.dtype == np.float64:
        return v
    return np.asarray(v, dtype=float).ravel()


def _matrix(J: object, m: int, n: int) -> np.ndarray:
    """A Jacobian as an ``(m, n)`` float64 array (no copy when it already is one)."""
    if type(J) is np.ndarray and J.shape == (m, n) and J.dtype == np.float64:
        return J
    return np.asarray(J, dtype=float).reshape(m, n)


def _initial_scaling(acnorm: np.ndarray, x: np.ndarray, scale: bool, factor: float
                     ) -> tuple[np.ndarray, float, float]:
    """``(d, ||D x||, Delta_0)``: the column norms of the first Jacobian (zeros read as 1) or
    ones, and the first radius ``factor ||D x||`` (``factor`` at ``x = 0``)."""
    diag = np.where(acnorm > 0.0, acnorm, 1.0) if scale else np.ones(x.size)
    xnorm = float(np.linalg.norm(diag * x))
    return diag, xnorm, factor * xnorm if xnorm > 0.0 else factor


def _norm(v: np.ndarray) -> float:
    """``||v||`` without underflow or overflow of ``v.v`` (a residual of 1e-162 has norm 1e-162,
    not 0: MINPACK's ``enorm`` scales for the same reason)."""
    s = math.sqrt(v @ v)
    if 1e-150 < s < 1e150:
        return s
    m = float(np.max(np.abs(v))) if v.size else 0.0
    if m == 0.0 or not math.isfinite(m):
        return m if m == 0.0 else math.inf
    u = v / m
    return m * math.sqrt(u @ u)


def _cosine(g: np.ndarray, acnorm: np.ndarray, fnorm: float) -> float:
    """MINPACK's ``gnorm``: the largest ``|J_j . r| / (||J_j|| ||r||)`` over non-zero columns."""
    if acnorm.all():
        return float((np.abs(g) / acnorm).max()) / fnorm
    nz = acnorm > 0.0
    return float((np.abs(g[nz]) / acnorm[nz]).max() / fnorm) if nz.any() else 0.0


def _trial(fnorm: float, ft: np.ndarray, sy: np.ndarray, par: float, pnorm: float,
           delta: float) -> tuple[float, float, float, float, float, float]:
    """What a trial step earned and what follows, as in ``lmder``: ``(||r(x + p)||, actred,
    prered, ratio)`` and the new radius ``delta`` and parameter ``par`` (shrunk, with the
    interpolated factor when the step increased the residual, below ``ratio = 1/4``; grown
    above 3/4 or at ``par = 0``). One function, not two: this runs once per trial step."""
    fnorm1 = _norm(ft) if np.isfinite(ft).all() else math.inf
    actred = 1.0 - (fnorm1 / fnorm) ** 2 if 0.1 * fnorm1 < fnorm else -1.0
    temp1 = math.sqrt(sy @ sy) / fnorm
    temp2 = math.sqrt(par) * pnorm / fnorm
    prered = temp1**2 + temp2**2 / 0.5
    dirder = -(temp1**2 + temp2**2)
    ratio = actred / prered if prered != 0.0 else 0.0
    if ratio <= 0.25:
        temp = 0.5 if actred >= 0.0 else 0.5 * dirder / (dirder + 0.5 * actred)
        if 0.1 * fnorm1 >= fnorm or temp < 0.1:
            temp = 0.1
        delta, par = temp * min(delta, pnorm / 0.1), par / temp
    elif par == 0.0 or ratio >= 0.75:
        delta, par = pnorm / 0.5, 0.5 * par
    return fnorm1, actred, prered, ratio, delta, par


def _stop(actred: float, prered: float, ratio: float, delta: float, xnorm: float,
          gnorm: float, nfev: int, ftol: float, xtol: float, max_nfev: int) -> Status | None:
    """MINPACK's convergence (info 1-3), budget (5) and round-off (6-8) tests, in its order."""
    conv_f = abs(actred) <= ftol and prered <= ftol and 0.5 * ratio <= 1.0
    conv_x = delta <= xtol * xnorm
    if conv_f and conv_x:
        return Status.FTOL_XTOL
    if conv_f:
        return Status.FTOL
    if conv_x:
        return Status.XTOL
    if nfev >= max_nfev:
        return Status.MAX_FEV
    if abs(actred) <= _EPS and prered <= _EPS and 0.5 * ratio <= 1.0:
        return Status.ROUNDOFF
    if delta <= _EPS * xnorm:
        return Status.STALLED
    if gnorm <= _EPS:
        return Status.ROUNDOFF
    return None


def _out(x: np.ndarray, f: np.ndarray, J: np.ndarray, status: Status, nit: int) -> CoreResult:
    return CoreResult(x, float(f @ f), None, status, nit, fvec=f, jac=J)


def run_lm(problem: Counted, x0: np.ndarray, monitor: Monitor | None = None, *,
           ftol: float = 1e-13, xtol: float = 1e-13, gtol: float = 0.0,
           max_nfev: int | None = None, factor: float = 100.0, scale: bool = True
           ) -> CoreResult:
    """The core behind :func:`levenberg_marquardt`, on counted ``problem.fun``/``.jac`` (the
    evaluation budget is read from the count)."""
    x = np.array(x0, dtype=float)
    if max_nfev is None:
        max_nfev = 200 * (x.size + 1)
    f = _vector(problem.fun(x))
    if not np.all(np.isfinite(f)):
        return _out(x, f, np.zeros((f.size, x.size)), Status.NON_FINITE, 0)
    if monitor is not None:
        monitor(0, x, math.sqrt(f @ f) ** 2, math.nan, 0.0)  # as reported later: ||r||**2
    return _iterate(problem, x, f, monitor, ftol, xtol, gtol, max_nfev, factor, scale)


def _iterate(problem: Counted, x: np.ndarray, f: np.ndarray, monitor: Monitor | None,
             ftol: float, xtol: float, gtol: float, max_nfev: int, factor: float, scale: bool
             ) -> CoreResult:
    """The ``lmder`` iteration from ``x`` with finite residuals ``f`` there."""
    fun, jac, tally = problem.fun, problem.jac, problem.tally
    m, n = f.size, x.size
    fnorm = _norm(f)
    par, nit, first = 0.0, 0, True
    diag, delta, xnorm = np.ones(n), 0.0, 0.0
    while True:
        if fnorm == 0.0:  # every residual exactly zero (the norm does not underflow)
            return _out(x, f, _matrix(jac(x), m, n), Status.ZERO_RESIDUAL, nit)
        J = _matrix(jac(x), m, n)
        acnorm = np.sqrt(np.einsum("ij,ij->j", J, J))
        if not math.isfinite(acnorm.sum()) and not np.isfinite(J).all():
            # (an overflowing column norm of a finite J is caught by the second test)
            return _out(x, f, J, Status.NON_FINITE, nit)
        if first:
            diag, xnorm, delta = _initial_scaling(acnorm, x, scale, factor)
        g = J.T @ f
        gnorm = _cosine(g, acnorm, fnorm)
        if gnorm <= gtol:
            return _out(x, f, J, Status.GTOL, nit)
        if scale:
            diag = np.maximum(diag, acnorm)
        s, c, V = _factor(J, diag, f)
        while True:  # trial steps from x with this Jacobian until one is accepted
            par, y = lm_parameter(s, c, delta, par)
            z = V @ y
            p = z / diag
            pnorm = math.sqrt(z @ z)
            if first:
                delta = min(delta, pnorm)
            xt = x + p
            ft = fun(xt)
            if type(ft) is not np.ndarray or ft.ndim != 1 or ft.dtype != np.float64:
                ft = _vector(ft)  # (the check inline: this runs once per trial step)
            fnorm1, actred, prered, ratio, delta, par = _trial(fnorm, ft, s * y, par, pnorm,
                                                               delta)
            accepted = ratio >= 1e-4
            if accepted:
                x, f, fnorm = xt, ft, fnorm1
                dx = diag * x
                xnorm = math.sqrt(dx @ dx)
                nit += 1
                first = False
                if monitor is not None and monitor(nit, x, fnorm**2, 2.0 * math.sqrt(g @ g),
                                                   math.sqrt(p @ p)):
                    return _out(x, f, _matrix(jac(x), m, n), Status.CALLBACK, nit)
            status = _stop(actred, prered, ratio, delta, xnorm, gnorm, tally[0], ftol,
                           xtol, max_nfev)
            if status is not None:
                return _out(x, f, _matrix(jac(x), m, n) if accepted else J, status, nit)
            if accepted:
                break


def levenberg_marquardt(
    fun: Callable[[np.ndarray], np.ndarray],
    jac: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    *,
    ftol: float = 1e-13,
    xtol: float = 1e-13,
    gtol: float = 0.0,
    max_nfev: int | None = None,
    factor: float = 100.0,
    scale: bool = True,
    monitor: Monitor | None = None,
) -> CoreResult:
    """Minimize ``||fun(x)||^2`` from ``x0`` (MINPACK ``lmder`` logic, see the module notes).

    Parameters
    ----------
    fun, jac : residual vector and its Jacobian as NumPy callables.
    x0 : starting point, shape ``(n,)``.
    ftol : stop when both the actual and predicted relative reductions of ``||r||^2`` are at
        most ``ftol``.
    xtol : stop when the relative change of the (scaled) iterate is at most ``xtol``.
    gtol : stop when the largest cosine between ``r`` and a column of ``J`` is at most ``gtol``.
    max_nfev : budget of residual evaluations (default ``200 (n + 1)``).
    factor : initial radius ``factor * ||D x0||`` (MINPACK's ``factor``).
    scale : Moré's variable scaling (MINPACK ``mode = 1``); ``False`` uses ``D = I``.
    monitor : called after each accepted step as ``monitor(nit, x, ||r||^2, 2 ||J^T r||,
        ||p||)`` (the gradient of ``||r||^2`` at the previous iterate); returning True stops the
        run (``Status.CALLBACK``).

    Returns
    -------
    CoreResult
        with the final residuals ``fvec`` and Jacobian ``jac``, and the evaluation counts.
    """
    problem = Counted(fun=fun, jac=jac)
    return problem.stamp(run_lm(problem, x0, monitor, ftol=ftol, xtol=xtol, gtol=gtol,
                                max_nfev=max_nfev, factor=factor, scale=scale))
