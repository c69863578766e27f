"""``symtaylor demo``: a short tour of the engine on built-in examples.

Each section derives something exactly, then checks it numerically by an independent route, so
the tour doubles as a smoke test of an installation. ``--only taylor,steps`` runs a subset.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..errors import InputError, NotAnalyticError
from ..lambdify import lambdify
from ._common import Output

NAME = "demo"
HELP = "a short showcase of the engine on built-in examples (the quick-start job)"
ORDER = 0

Section = Callable[[], tuple[list[str], dict[str, Any]]]


def _taylor() -> tuple[list[str], dict[str, Any]]:
    from ..taylor import taylor

    x = sp.Symbol("x")
    t = taylor(sp.sin(x), x, at=0, order=5)
    bound = t.remainder_bound((-0.5, 0.5))
    # the true worst error over the interval, at 50 digits on a fine grid
    with mpmath.workdps(50):  # restored even if this fails: never leave global precision
        poly = lambdify(x, t.polynomial, "mpmath")
        grid = [mpmath.mpf(k) / 400 - mpmath.mpf(1) / 2 for k in range(401)]
        true = float(max(abs(mpmath.sin(g) - poly(g)) for g in grid))
    lines = [
        f"T5[sin](x) at 0      = {t.polynomial}",
        f"Lagrange remainder    = {t.remainder}   ({t.remainder_symbol} between 0 and x)",
        f"certified |sin - T5| <= {bound:.4g} on [-1/2, 1/2]; true max {true:.4g} "
        f"(ratio {bound / true:.2f})",
    ]
    m = taylor("exp(x)*sin(y) + log(1 + x*y)", "x, y", at=(0, 0), order=3)
    lines.append(f"T3[exp(x) sin(y) + log(1+xy)] at (0,0) = {m.polynomial}")
    try:
        taylor("Abs(x)", "x", at=0, order=3)
        refused = "(not refused!)"
    except NotAnalyticError as exc:
        refused = str(exc)
    lines.append(f"Abs(x) at 0 is refused: {refused}")
    data = {"polynomial": str(t.polynomial), "bound": bound, "true_max_error": true,
            "multivariate": str(m.polynomial)}
    return lines, data


def _steps() -> tuple[list[str], dict[str, Any]]:
    from ..solvers import minimize
    from ..steps import gradient_step, newton_step

    f = "x**4 - 2*x**2 + 1/2"
    newton = newton_step(f, "x")
    grad = gradient_step(f, "x", lr=sp.Rational(1, 100))
    lines = [
        f"f(x) = {f}",
        f"Newton:             x -> {newton.update[0]}",
        f"gradient (lr=1/100): x -> {grad.update[0]}",
    ]
    runs = {}
    for method, opts in (("newton", {}), ("gradient-descent", {"lr": 0.01})):
        r = minimize(f, "x", x0=2.0, method=method, **opts)
        runs[method] = {"x": float(r.x[0]), "nit": r.nit, "success": r.success}
        lines.append(f"  {method:17s} from 2.0: x* = {r.x[0]:.12f} in {r.nit:3d} iterations "
                     f"({r.message})")
    q = newton_step("theta1**2 + 10*theta2**2", "theta1, theta2")
    lines.append(f"Newton on theta1^2 + 10 theta2^2 from (3, -2): {list(q.at([3, -2]))} "
                 "(the minimizer, in one step)")
    return lines, {"newton_update": str(newton.update[0]), "runs": runs}


def _bounds() -> tuple[list[str], dict[str, Any]]:
    from ..bounds import convergence_bounds

    q = convergence_bounds("theta1**2 + 10*theta2**2", "theta1, theta2")
    lines = [f"theta1^2 + 10 theta2^2: L = {q.L}, mu = {q.mu}, step < 2/L = {q.max_step}, "
             f"best 1/L = {q.optimal_step}, kappa = {q.condition_number}"]
    w0, w1 = sp.symbols("w0 w1")
    loss = (sp.log(1 + sp.exp(-(w0 + 2 * w1))) + sp.log(1 + sp.exp(w0 - w1))
            + (w0**2 + w1**2) / 10)
    region = {w0: (-2, 2), w1: (-2, 2)}
    c = convergence_bounds(loss, [w0, w1], region=region)
    # independent check: the largest Hessian eigenvalue on a grid never exceeds the certified L
    from ..calculus import hessian

    h = lambdify([w0, w1], hessian(loss, [w0, w1]), "numpy")
    grid = np.linspace(-2, 2, 41)
    sampled = max(np.linalg.eigvalsh(np.array(h(a, b), dtype=float)).max()
                  for a in grid for b in grid)
    lines.append(f"logistic loss on [-2,2]^2: certified L <= {c.L:.4f} (sampled max eigenvalue "
                 f"{sampled:.4f}), mu >= {c.mu:.4f}, safe step < {c.max_step:.4f}")
    return lines, {"quadratic": {"L": str(q.L), "mu": str(q.mu)},
                   "logistic": {"L": c.L, "mu": c.mu, "sampled_L": float(sampled)}}


def _codegen() -> tuple[list[str], dict[str, Any]]:
    from ..codegen import compile_objective

    n = 100
    xs = sp.symbols(f"x0:{n}")
    f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
    t0 = time.perf_counter()
    obj = compile_objective(f, xs, name="rosenbrock")
    compile_s = time.perf_counter() - t0
    x = np.random.default_rng(0).uniform(-1, 1, n)
    h = obj.hess(x)
    # hand-written Hessian of the chained Rosenbrock function, as the reference
    ref = np.zeros((n, n))
    idx = np.arange(n - 1)
    ref[idx, idx] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    ref[idx + 1, idx + 1] += 200
    ref[idx, idx + 1] = ref[idx + 1, idx] = -400 * x[:-1]
    err = float(np.max(np.abs(h - ref)))
    src = obj.hess.source.splitlines()
    start = next(i for i, ln in enumerate(src) if ln.startswith("def "))
    body = next((i for i, ln in enumerate(src) if i > start and "broadcast_shapes" in ln), start)
    picked = [src[start], "    ...", *src[body + 1:body + 16]]
    head = [ln if len(ln) <= 96 else ln[:93] + "..." for ln in picked]
    lines = [f"extended Rosenbrock, n = {n}: f, gradient, Hessian compiled in {compile_s:.2f} s; "
             f"max |H - hand-written H| = {err:.1e}",
             "generated code (NumPy only; structural zeros skipped, bands as slices):",
             *("    " + ln for ln in head)]
    return lines, {"n": n, "compile_seconds": compile_s, "max_abs_diff": err}


# NIST StRD Misra1a (https://www.itl.nist.gov/div898/strd/nls/data/misra1a.shtml), embedded so
# the showcase runs without the shared data folder: y = b1*(1 - exp(-b2*x)), 14 observations,
# start 1 and the certified parameter values.
_MISRA1A_X = (77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8, 378.4, 434.8, 477.3, 536.8, 593.1,
              689.1, 760.0)
_MISRA1A_Y = (10.07, 14.73, 17.94, 23.93, 29.61, 35.18, 40.02, 44.82, 50.76, 55.05, 61.01, 66.40,
              75.47, 81.78)
_MISRA1A_START = (500.0, 1e-4)
_MISRA1A_CERTIFIED = ("2.3894212918E+02", "5.5015643181E-04")


def _solvers() -> tuple[list[str], dict[str, Any]]:
    from ..problems import lre
    from ..solvers import least_squares

    b1, b2 = sp.symbols("b1 b2", real=True)
    xs, ys = sp.symbols("x y", real=True)
    model = b1 * (1 - sp.exp(-b2 * xs))
    data = {xs: np.array(_MISRA1A_X), ys: np.array(_MISRA1A_Y)}
    r = least_squares(model - ys, [b1, b2], _MISRA1A_START, data=data, method="lm")
    worst = min(lre(v, c) for v, c in zip(r.x, _MISRA1A_CERTIFIED))
    lines = [f"NIST StRD Misra1a: y = {model}, {len(_MISRA1A_X)} observations",
             f"  LM from start 1 {_MISRA1A_START}: {r.status.name}, {r.nfev} evaluations, "
             f"parameters {', '.join(f'{v:.10g}' for v in r.x)}",
             f"  agreement with the certified values: {worst:.1f} digits (LRE)"]
    return lines, {"problem": "Misra1a", "x": list(map(float, r.x)), "min_lre": worst}


def _finite_differences() -> tuple[list[str], dict[str, Any]]:
    from ..finite_diff import fd_error

    r = fd_error("exp(x)", "x", at=1, derivative=2)
    lines = [f"d2/dx2 exp(x) at 1 by the central difference: truncation {r.truncation_term} ...",
             f"  predicted optimal h* = {r.optimal_step:.3g}, "
             f"observed {r.observed_optimal_step:.3g}, smallest error {r.min_error:.2e}",
             "  (observed: a float64 scan of h against the 50-digit exact derivative)"]
    return lines, {"optimal_step": r.optimal_step, "observed": r.observed_optimal_step}


def _verify() -> tuple[list[str], dict[str, Any]]:
    from .. import verify

    v = verify.check_taylor("exp(x)", "x", at=0, order=3, answer="1 + x + x^2 + x^3")
    lines = ["is 1 + x + x^2 + x^3 the order-3 Taylor polynomial of exp(x) at 0? "
             + ("yes" if v.correct else "no")]
    lines += [f"  - {reason}" for reason in v.reasons]
    return lines, {"correct": v.correct, "reasons": list(v.reasons)}


SECTIONS: dict[str, tuple[str, Section]] = {
    "taylor": ("Taylor polynomials with certified remainders", _taylor),
    "steps": ("Closed-form steps from truncated Taylor models", _steps),
    "bounds": ("Convergence bounds: L, mu, safe step sizes", _bounds),
    "codegen": ("Compiled NumPy code", _codegen),
    "solvers": ("Solvers on certified reference problems", _solvers),
    "fd": ("Finite differences: truncation vs round-off", _finite_differences),
    "verify": ("Checking answers", _verify),
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--only", default=None,
                   help=f"comma-separated sections to run ({', '.join(SECTIONS)})")


def run(args: argparse.Namespace) -> Output:
    names = list(SECTIONS)
    if args.only:
        names = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in names if s not in SECTIONS]
        if unknown:
            raise InputError(f"unknown demo section(s) {unknown}; known: {list(SECTIONS)}")
    lines: list[str] = []
    data: dict[str, Any] = {}
    for name in names:
        title, section = SECTIONS[name]
        t0 = time.perf_counter()
        body, payload = section()
        took = time.perf_counter() - t0
        lines += [f"== {title} ({took:.1f} s) ==", *body, ""]
        data[name] = {**payload, "seconds": took}
    return Output("\n".join(lines).rstrip(), data)
