"""The fixed-point loop of a compiled update ``x -> x_next``, in NumPy alone.

:func:`symtaylor.iterate` runs :func:`fixed_point` and :func:`check_end`;
:meth:`symtaylor.Step.export_solver` copies this module's source into the standalone solver it
writes, so both run the same loop. The module imports only ``math`` and ``numpy``.

Stopping rules (in this order, after each accepted step ``s = ||x_{k+1} - x_k||``):

* ``non_finite``: the update (or ``f``) gave nan or inf; ``x`` is the last finite iterate;
* ``diverged``: ``|x|`` beyond ``1e150`` or ``|f|`` beyond ``1e300``;
* ``xtol``: the estimated distance to the fixed point, ``s q / (1 - q)`` with the observed
  contraction ``q = s_k / s_{k-1} < 1``, is at most ``xtol * max(1, ||x||)`` (and ``s`` itself at
  most ``sqrt(xtol) * max(1, ||x||)``), or ``s`` is at the round-off level of ``x``;
* ``f_change``: with ``ftol``, ``|f_k - f_{k+1}| <= ftol * max(|f_k|, |f_{k+1}|, 1)``;
* ``cycle``: ``x_{k+1} = x_{k-1}`` (to ``1e-9 s``) while ``s`` is not small, three times running;
* ``max_iter``; ``callback`` (the monitor returned True); ``stalled`` (adaptive damping found no
  decrease up to ``damping = 1e16``).

A convergence claim is then checked when the objective is known (:func:`check_end`): the
gradient must be small relative to the problem's scale (else ``slow``: the iterates stopped
moving, f is not stationary), the Hessian must have no negative eigenvalue and ``f`` must not
decrease along its flat directions (else ``saddle``).

Examples
--------
>>> out = fixed_point(lambda x: x / 2 + 1, np.array([0.0]))
>>> out["status"], round(float(out["x"][0]), 12)
('xtol', 2.0)
>>> fixed_point(lambda x: 1 - x, np.array([0.0]))["status"]
'cycle'
"""

import math

import numpy as np

FP_EPS = float(np.finfo(float).eps)
FP_HUGE_X = 1e150
FP_HUGE_F = 1e300
FP_DAMPING_MAX = 1e16


def _fp_norm(v):
    v = np.ravel(v)
    return math.sqrt(float(v @ v))


def _fp_finite(v):
    return bool(np.isfinite(v).all())


def _fp_list_dist(a, b):
    return math.dist(a, b)


def _fp_list_norm(a):
    return math.hypot(*a)


def _fp_array_dist(a, b):
    return _fp_norm(a - b)


def _fp_same(a):
    return a


def _fp_measures(n):
    """``(view, dist, norm)``: Python lists for a few variables (NumPy's per-call overhead on
    tiny arrays is several microseconds), arrays otherwise."""
    if n <= 32:
        return (lambda a: np.ravel(a).tolist()), _fp_list_dist, _fp_list_norm
    return _fp_same, _fp_array_dist, _fp_norm


def fixed_point(step, x0, objective=None, max_iter=1000, xtol=1e-12, ftol=None,
                damping=None, monitor=None, keep=True):
    """Iterate ``x <- step(x)`` from ``x0``.

    Parameters
    ----------
    step : callable
        ``step(x) -> x_next``; with ``damping``, ``step(x, lam)``.
    x0 : 1-D float array
    objective : callable or None
        ``objective(x) -> float``; evaluated each iteration only when something needs it
        (``keep``, ``ftol``, ``damping``, ``monitor``), and at the end.
    damping : None or (lam0, up, down)
        Adaptive damping: a step that does not lower ``f`` is refused and ``lam *= up``; an
        accepted step sets ``lam *= down``. Needs ``objective``.
    monitor : callable or None
        ``monitor(nit, x, f, s) -> bool``; True stops the run (status ``callback``).
    keep : bool
        Keep the iterates, ``f`` and the step lengths.

    Returns
    -------
    dict
        ``x, f, f0, status, detail, nit, nupdate, nfev, xs, fs, steps, damping``.
    """
    x = np.array(x0, dtype=float)
    need_f = objective is not None and (keep or ftol is not None or damping is not None
                                        or monitor is not None)
    nupdate = nfev = 0
    f = math.nan
    if objective is not None:
        f = float(objective(x))
        nfev += 1
    f0 = f
    xs, fs, steps = ([x.copy()], [f], [0.0]) if keep else ([], [], [])
    lam = None if damping is None else float(damping[0])
    if lam is not None and not (lam > 0 and math.isfinite(lam)):
        raise ValueError("the adaptive damping must start at a positive number")
    out = {"x": x, "f": f, "f0": f0, "status": "max_iter", "detail": "", "nit": 0}

    def done(status, detail, nit):
        out.update(x=x, f=f, status=status, detail=detail, nit=nit, nupdate=nupdate,
                   nfev=nfev, xs=xs, fs=fs, steps=steps, damping=lam)
        return out

    if not _fp_finite(x):
        return done("non_finite", "the start point is not finite", 0)
    if objective is not None and not math.isfinite(f):
        return done("non_finite", "f is not finite at the start point", 0)
    s_prev = math.inf
    view, dist, norm = _fp_measures(x.size)
    v = view(x)
    x_back = v_back = v_back2 = None  # x_{k-1}; views of x_{k-1}, x_{k-2}
    cycles = 0
    for nit in range(1, max_iter + 1):
        if lam is None:
            xn = np.asarray(step(x), dtype=float)
            nupdate += 1
            vn = view(xn)
            xnorm = norm(vn)
            if not math.isfinite(xnorm) and not _fp_finite(xn):
                return done("non_finite", f"the update gave nan or inf at iteration {nit}",
                            nit - 1)
            fn = math.nan
            if need_f:
                fn = float(objective(xn))
                nfev += 1
        else:
            for _ in range(200):  # at most ~16 decades up and back
                xn = np.asarray(step(x, lam), dtype=float)
                nupdate += 1
                fn = math.nan
                if _fp_finite(xn):
                    fn = float(objective(xn))
                    nfev += 1
                if math.isfinite(fn) and fn <= f:
                    lam = lam * damping[2]
                    break
                lam = lam * damping[1]
                if not lam <= FP_DAMPING_MAX * max(1.0, float(damping[0])):
                    return done("stalled", f"no damping up to {lam:.3g} lowered f at "
                                f"iteration {nit}", nit - 1)
            else:
                return done("stalled", f"no damping lowered f at iteration {nit}", nit - 1)
            vn = view(xn)
            xnorm = norm(vn)
        s = dist(vn, v)
        # ||x|| > 1e150 (or inf) whenever max |x| > 1e150
        if (not xnorm <= FP_HUGE_X and float(np.max(np.abs(xn))) > FP_HUGE_X) or (
                need_f and abs(fn) > FP_HUGE_F):
            x, f = xn, fn
            return done("diverged", f"|x| = {float(np.max(np.abs(xn))):.3g} at iteration "
                        f"{nit}", nit)
        if need_f and not math.isfinite(fn):
            return done("non_finite", f"f is not finite at iteration {nit}", nit - 1)
        f_back = f
        x_back, x, f = x, xn, fn
        v_back, v = v, vn
        if keep:
            xs.append(x.copy())
            fs.append(f)
            steps.append(s)
        if monitor is not None and monitor(nit, x, f, s):
            return done("callback", f"the callback asked to stop at iteration {nit}", nit)
        scale = max(1.0, xnorm)
        if s <= 4.0 * FP_EPS * scale:
            return done("xtol", "x_{k+1} = x_k to machine precision", nit)
        q = s / s_prev if nit >= 2 else 1.0  # no contraction seen after one step
        if q < 1.0 and s * q / (1.0 - q) <= xtol * scale and s <= math.sqrt(xtol) * scale:
            return done("xtol", f"estimated distance to the fixed point "
                        f"{s * q / (1.0 - q):.3g} (contraction {q:.3g})", nit)
        if ftol is not None and need_f and abs(f_back - f) <= ftol * max(
                abs(f_back), abs(f), 1.0):
            return done("f_change", f"|f_k - f_k+1| = {abs(f_back - f):.3g}", nit)
        if v_back2 is not None and dist(v, v_back2) <= 1e-9 * s:  # x_{k+1} = x_{k-1}
            cycles += 1
            if cycles >= 3:
                return done("cycle", f"period 2 between {np.array2string(x_back, precision=6)} "
                            f"and {np.array2string(x, precision=6)}", nit)
        else:
            cycles = 0
        v_back2 = v_back
        s_prev = s
    return done("max_iter", f"{max_iter} iterations", max_iter)


def check_end(x, f, f0, g0_norm, grad=None, hess=None, objective=None, max_n=200, rtol=1e-8):
    """Whether a converged ``x`` is a minimum: ``(ok, kind, detail, grad_norm, min_eig)``.

    ``kind`` is ``"slow"`` (f not stationary at ``x``) or ``"saddle"`` (a negative Hessian
    eigenvalue, or f decreasing along a flat direction) when ``ok`` is False. The gradient test
    is relative to the problem's scale: ``||g|| <= rtol * max(||g(x0)||, (|f| + |f0|) /
    max(1, ||x||))``. Directions of curvature below ``1e-8`` of the largest, or below
    ``1e-6 (|f| + |f0|) / max(1, ||x||)^2``, are flat: f is probed at ``x +- 1e-3 max(1, ||x||)``
    along them.
    """
    gn = math.nan
    min_eig = None
    if grad is None:
        return True, "", "", gn, min_eig
    g = np.asarray(grad(x), dtype=float)
    gn = _fp_norm(g)
    scale = max(1.0, _fp_norm(x))
    fscale = (abs(f) + abs(f0)) / scale if math.isfinite(f0) else abs(f) / scale
    gtol = rtol * max(g0_norm if math.isfinite(g0_norm) else 0.0, fscale)
    if not (math.isfinite(gn) and gn <= max(gtol, 1e-300)):
        return False, "slow", f"||grad f|| = {gn:.3g} at x, tolerance {gtol:.3g}", gn, min_eig
    if hess is None or x.size > max_n:
        return True, "", "", gn, min_eig
    h = np.asarray(hess(x), dtype=float)
    if not _fp_finite(h):
        return True, "", "the Hessian is not finite at x: second-order check skipped", gn, \
            min_eig
    if h.size == 1:
        w, v = h.reshape(1), np.ones((1, 1))
    else:
        w, v = np.linalg.eigh((h + h.T) / 2)
    min_eig = float(w[0])
    top = float(np.max(np.abs(w)))
    flat = max(1e-8 * top, 1e-6 * fscale / scale)
    if min_eig < -flat:
        return False, "saddle", f"smallest Hessian eigenvalue {min_eig:.3g}", gn, min_eig
    if objective is None:
        return True, "", "", gn, min_eig
    t = 1e-3 * scale
    floor = 16.0 * FP_EPS * max(abs(f), 1e-300)
    for i in [k for k in range(len(w)) if abs(w[k]) <= flat][:10]:
        for sign in (1.0, -1.0):
            ft = float(objective(x + sign * t * v[:, i]))
            if ft < f - floor:
                return False, "saddle", (f"f decreases along a flat direction of the Hessian "
                                         f"(by {f - ft:.3g} at distance {t:.3g})"), gn, min_eig
    return True, "", "", gn, min_eig
