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
>>> out.status, np.round(out.x, 12).tolist()
('xtol', [2.0, 1.5])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

try:  # direct LAPACK calls: ~10x less overhead than numpy.linalg on these small matrices
    from scipy.linalg.lapack import dgeqrf as _geqrf
    from scipy.linalg.lapack import dgesdd as _gesdd
    from scipy.linalg.lapack import dgesvd as _gesvd
except ImportError:  # pragma: no cover - SciPy is optional
    _geqrf = _gesdd = _gesvd = None

# Up to this many Jacobian entries one SVD of J D^-1 is cheaper than QR followed by the SVD of R
# (measured on NIST-sized problems: 6x3 to 250x8).
_DIRECT_SVD = 640

__all__ = ["LMOutput", "levenberg_marquardt", "lm_parameter"]

_EPS = float(np.finfo(float).eps)
_DWARF = float(np.finfo(float).tiny)

#: Status keys (mapped to the public ``Status`` enum by ``symtaylor.solvers``).
#: ftol, xtol, ftol+xtol, gtol: converged (MINPACK info 1, 2, 3, 4); max_nfev (info 5);
#: ftol_roundoff, xtol_roundoff, gtol_roundoff (info 6, 7, 8); non_finite; callback; zero.


@dataclass(frozen=True)
class LMOutput:
    """What :func:`levenberg_marquardt` returns (plain NumPy; no SymPy)."""

    x: np.ndarray
    fvec: np.ndarray
    jac: np.ndarray
    status: str
    nit: int
    nfev: int
    njev: int


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


_LOWER: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _lower(n: int) -> tuple[np.ndarray, np.ndarray]:
    idx = _LOWER.get(n)
    if idx is None:
        idx = _LOWER[n] = np.tril_indices(n, -1)
    return idx


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
    monitor: Callable[[int, np.ndarray, float, float, float], bool] | None = None,
) -> LMOutput:
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
    monitor : called after each accepted step as ``monitor(nit, x, ||r||^2, ||J^T r||, ||p||)``;
        returning True stops the run (status ``"callback"``).

    Returns
    -------
    LMOutput
    """
    x = np.array(x0, dtype=float)
    n = x.size
    if max_nfev is None:
        max_nfev = 200 * (n + 1)
    f = np.asarray(fun(x), dtype=float).ravel()
    nfev, njev, nit = 1, 0, 0
    J = np.zeros((f.size, n))
    if not np.all(np.isfinite(f)):
        return LMOutput(x, f, J, "non_finite", 0, nfev, njev)
    fnorm = math.sqrt(f @ f)
    if monitor is not None:
        monitor(0, x, fnorm**2, math.nan, 0.0)
    par = 0.0
    diag = np.ones(n)
    delta = 0.0
    xnorm = 0.0
    first = True
    while True:
        if fnorm == 0.0:
            J = np.asarray(jac(x), dtype=float).reshape(f.size, n)
            njev += 1
            return LMOutput(x, f, J, "zero", nit, nfev, njev)
        J = jac(x)
        if J.shape != (f.size, n) or J.dtype != np.float64:
            J = np.asarray(J, dtype=float).reshape(f.size, n)
        njev += 1
        acnorm = np.sqrt(np.einsum("ij,ij->j", J, J))
        if not math.isfinite(acnorm.sum()) and not np.isfinite(J).all():
            # (an overflowing column norm of a finite J is caught by the second test)
            return LMOutput(x, f, J, "non_finite", nit, nfev, njev)
        if first:
            diag = np.where(acnorm > 0.0, acnorm, 1.0) if scale else np.ones(n)
            xnorm = float(np.linalg.norm(diag * x))
            delta = factor * xnorm if xnorm > 0.0 else factor
        # Cosine test (MINPACK's gnorm): the largest |J_j . r| / (||J_j|| ||r||).
        g = J.T @ f
        if acnorm.all():
            gnorm = float((np.abs(g) / acnorm).max()) / fnorm
        else:
            nz = acnorm > 0.0
            gnorm = float((np.abs(g[nz]) / acnorm[nz]).max() / fnorm) if nz.any() else 0.0
        if gnorm <= gtol:
            return LMOutput(x, f, J, "gtol", nit, nfev, njev)
        if scale:
            diag = np.maximum(diag, acnorm)
        s, c, V = _factor(J, diag, f)
        while True:
            par, y = lm_parameter(s, c, delta, par)
            z = V @ y
            p = z / diag
            pnorm = math.sqrt(z @ z)
            if first:
                delta = min(delta, pnorm)
            xt = x + p
            ft = fun(xt)
            if ft.ndim != 1 or ft.dtype != np.float64:
                ft = np.asarray(ft, dtype=float).ravel()
            nfev += 1
            ff = float(ft @ ft)  # nan or inf when a residual is not finite
            fnorm1 = math.sqrt(ff) if math.isfinite(ff) else math.inf
            actred = 1.0 - (fnorm1 / fnorm) ** 2 if 0.1 * fnorm1 < fnorm else -1.0
            sy = s * y
            temp1 = math.sqrt(sy @ sy) / fnorm
            temp2 = math.sqrt(par) * pnorm / fnorm
            prered = temp1**2 + temp2**2 / 0.5
            dirder = -(temp1**2 + temp2**2)
            ratio = actred / prered if prered != 0.0 else 0.0
            if ratio <= 0.25:
                temp = 0.5 if actred >= 0.0 else 0.5 * dirder / (dirder + 0.5 * actred)
                if 0.1 * fnorm1 >= fnorm or temp < 0.1:
                    temp = 0.1
                delta = temp * min(delta, pnorm / 0.1)
                par = par / temp
            elif par == 0.0 or ratio >= 0.75:
                delta = pnorm / 0.5
                par = 0.5 * par
            accepted = ratio >= 1e-4
            if accepted:
                x, f, fnorm = xt, ft, fnorm1
                dx = diag * x
                xnorm = math.sqrt(dx @ dx)
                nit += 1
                first = False
                if monitor is not None and monitor(nit, x, fnorm**2, math.sqrt(g @ g),
                                                   math.sqrt(p @ p)):
                    J = np.asarray(jac(x), dtype=float).reshape(f.size, n)
                    njev += 1
                    return LMOutput(x, f, J, "callback", nit, nfev, njev)
            conv_f = abs(actred) <= ftol and prered <= ftol and 0.5 * ratio <= 1.0
            conv_x = delta <= xtol * xnorm
            status = None
            if conv_f and conv_x:
                status = "ftol+xtol"
            elif conv_f:
                status = "ftol"
            elif conv_x:
                status = "xtol"
            elif nfev >= max_nfev:
                status = "max_nfev"
            elif abs(actred) <= _EPS and prered <= _EPS and 0.5 * ratio <= 1.0:
                status = "ftol_roundoff"
            elif delta <= _EPS * xnorm:
                status = "xtol_roundoff"
            elif gnorm <= _EPS:
                status = "gtol_roundoff"
            if status is not None:
                if accepted:
                    J = np.asarray(jac(x), dtype=float).reshape(f.size, n)
                    njev += 1
                return LMOutput(x, f, J, status, nit, nfev, njev)
            if accepted:
                break
