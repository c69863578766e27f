"""Benchmark symtaylor.codegen against hand-written NumPy and sympy.lambdify, in one run.

Run: ``python benchmarks/bench_codegen.py`` (add ``--quick`` for fewer repeats; name
``rosenbrock``, ``pairs``, ``logistic`` or ``compile`` to run only those parts).

Anchors, timed in the same run as the compiled code:
* hand-written vectorised NumPy gradient and Hessian of the extended Rosenbrock function
  (batch-aware, ``x`` of shape ``(..., n)``, the way a careful NumPy programmer writes them),
  chained (SciPy's ``rosen``) and in pairs (the cases and hand code of ``bench_backends.py``)
  and of a logistic-regression loss (``X @ w``, ``(X.T * c) @ X``);
* ``sympy.lambdify`` with its defaults (no CSE) on the same Hessian;
* compile time of the Hessian of extended Rosenbrock n = 200 (target < 5 s).

Compiled code and anchor are timed in alternating blocks; times are medians per call and the
ratio is the median of the per-round ratios compiled / anchor (below 1: the compiled code is
faster), which a busy machine affects much less than two separate medians. Results are checked
against the anchors before timing.
"""

from __future__ import annotations

import os

# one BLAS thread: on a 2-core machine shared with other jobs, threaded BLAS makes the ratios
# depend on the load; both sides run under the same setting
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from symtaylor.calculus import hessian  # noqa: E402
from symtaylor.codegen import compile_numpy, compile_objective  # noqa: E402

QUICK = "--quick" in sys.argv


def paired_times(mine: Callable[..., Any], margs: tuple, anchor: Callable[..., Any],
                 aargs: tuple, budget: float = 1.5) -> tuple[float, float, float]:
    """Seconds per call of both functions and the median of their per-round ratios.

    The two are timed in alternating blocks (order swapped every round), so that a busy
    machine slows both alike; each block makes enough calls to last ~2 ms."""
    mine(*margs), anchor(*aargs)
    t = time.perf_counter()
    anchor(*aargs)
    per = max(time.perf_counter() - t, 1e-7)
    k = max(1, int(2e-3 / per))
    budget = budget / 4 if QUICK else budget
    tm: list[float] = []
    ta: list[float] = []
    start = time.perf_counter()
    while len(tm) < 7 or (time.perf_counter() - start < budget and len(tm) < 500):
        pair = [(mine, margs, tm), (anchor, aargs, ta)]
        for fn, args, out in (pair if len(tm) % 2 else pair[::-1]):
            t = time.perf_counter()
            for _ in range(k):
                fn(*args)
            out.append((time.perf_counter() - t) / k)
    ratio = statistics.median(a / b for a, b in zip(tm, ta))
    return statistics.median(tm), statistics.median(ta), ratio


def fmt(sec: float) -> str:
    return f"{sec * 1e6:10.1f} us" if sec < 1e-2 else f"{sec * 1e3:10.2f} ms"


ROWS: list[tuple[str, float, float, float, str, str]] = []


def compare(label: str, mine: Callable, anchor: Callable, args: tuple, anchor_args: tuple,
            target: str, anchor_name: str = "hand-written") -> None:
    a, b = mine(*args), anchor(*anchor_args)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * np.max(np.abs(b)))
    tm, ta, ratio = paired_times(mine, args, anchor, anchor_args)
    ROWS.append((label, tm, ta, ratio, target, anchor_name))
    print(f"{label:46s} compiled {fmt(tm)}  {anchor_name} {fmt(ta)}  ratio {ratio:6.2f}"
          f"  (target {target})", flush=True)


# -- extended Rosenbrock --------------------------------------------------------------------------


def rosen_grad_np(x: np.ndarray) -> np.ndarray:
    xm, xm_m1, xm_p1 = x[..., 1:-1], x[..., :-2], x[..., 2:]
    der = np.zeros_like(x)
    der[..., 1:-1] = 200 * (xm - xm_m1**2) - 400 * (xm_p1 - xm**2) * xm - 2 * (1 - xm)
    der[..., 0] = -400 * x[..., 0] * (x[..., 1] - x[..., 0] ** 2) - 2 * (1 - x[..., 0])
    der[..., -1] = 200 * (x[..., -1] - x[..., -2] ** 2)
    return der


def rosen_hess_np(x: np.ndarray) -> np.ndarray:
    n = x.shape[-1]
    h = np.zeros((*x.shape, n))
    d = np.empty_like(x)
    d[..., 0] = 1200 * x[..., 0] ** 2 - 400 * x[..., 1] + 2
    d[..., -1] = 200
    d[..., 1:-1] = 202 + 1200 * x[..., 1:-1] ** 2 - 400 * x[..., 2:]
    off = -400 * x[..., :-1]
    i = np.arange(n)
    h[..., i, i] = d
    h[..., i[:-1], i[1:]] = off
    h[..., i[1:], i[:-1]] = off
    return h


def rosenbrock(n: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    xs = sp.symbols(f"x0:{n}")
    return sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)), xs


def bench_rosenbrock() -> None:
    rng = np.random.default_rng(0)
    for n in (10, 100):
        f, xs = rosenbrock(n)
        obj = compile_objective(f, xs)
        x1 = rng.uniform(-1, 1, n)
        xb = rng.uniform(-1, 1, (10_000, n))
        compare(f"rosenbrock n={n} gradient, one point", obj.grad, rosen_grad_np, (x1,), (x1,),
                "<= 1.5")
        compare(f"rosenbrock n={n} gradient, batch 1e4", obj.grad, rosen_grad_np, (xb,), (xb,),
                "<= 1.2")
        compare(f"rosenbrock n={n} Hessian, one point", obj.hess, rosen_hess_np, (x1,), (x1,),
                "<= 1.5")
        nb = 10_000 if n <= 10 else 1000  # 1e4 Hessians of n=100 would need 800 MB
        compare(f"rosenbrock n={n} Hessian, batch {nb:.0e}", obj.hess, rosen_hess_np,
                (xb[:nb],), (xb[:nb],), "<= 1.2")
        # sympy.lambdify with its defaults (no CSE) on the same Hessian
        hmat = hessian(f, xs)
        lam = sp.lambdify(xs, hmat, "numpy")
        compare(f"rosenbrock n={n} Hessian vs lambdify, one point", obj.hess,
                lambda x, lam=lam: np.asarray(lam(*x), dtype=float), (x1,), (x1,),
                ">= 3x faster (ratio <= 0.33)", "lambdify")


# the cases of benchmarks/bench_backends.py (Rosenbrock in pairs), paired against its hand NumPy


def pairs(n: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    v = sp.symbols(f"x0:{n}")
    return sum(100 * (v[2 * i + 1] - v[2 * i] ** 2) ** 2 + (1 - v[2 * i]) ** 2
               for i in range(n // 2)), v


# the hand-written pairs gradient/Hessian bench_backends.py times too (one copy)
from bench_backends import _hand_grad as pairs_grad_np  # noqa: E402
from bench_backends import _hand_hess as pairs_hess_np  # noqa: E402


def bench_pairs() -> None:
    from symtaylor.calculus import gradient

    rng = np.random.default_rng(0)
    for n, kind, points in [(10, "gradient", 10_000), (10, "Hessian", 10_000),
                            (100, "Hessian", 1000), (100, "gradient", None),
                            (100, "Hessian", None), (200, "gradient", None)]:
        f, v = pairs(n)
        exprs = list(gradient(f, v)) if kind == "gradient" else hessian(f, v)
        fn = compile_numpy(exprs, v)
        x = rng.uniform(-2, 2, (points, n) if points else (n,))
        where = f"batch {points:.0e}" if points else "one point"
        compare(f"pairs n={n} {kind}, {where}", fn,
                pairs_grad_np if kind == "gradient" else pairs_hess_np, (x,), (x,), "<= 1.0")


def bench_compile_time() -> None:
    # each measurement on its own symbols: symtaylor.calculus caches derivatives
    f, xs = rosenbrock(200)
    t = time.perf_counter()
    h = hessian(f, xs)
    t_diff = time.perf_counter() - t
    fn = compile_numpy(h, xs, name="hess200")
    t_total = time.perf_counter() - t
    ys = sp.symbols("y0:200")
    g = f.xreplace(dict(zip(xs, ys)))
    t2 = time.perf_counter()
    compile_objective(g, ys)
    t_bundle = time.perf_counter() - t2
    x = np.linspace(-1, 1, 200)
    np.testing.assert_allclose(fn(x), rosen_hess_np(x), rtol=1e-12)
    print(f"compile time, Hessian of ext. Rosenbrock n=200: {t_total:.2f} s "
          f"(derivation {t_diff:.2f} s; target < 5 s); whole bundle f/grad/hess/hvp: "
          f"{t_bundle:.2f} s", flush=True)


# -- logistic regression (the data form) ---------------------------------------------------


def bench_logistic() -> None:
    d, n_samples = 20, 200
    rng = np.random.default_rng(1)
    A = rng.normal(size=(n_samples, d))
    labels = rng.choice([-1.0, 1.0], size=n_samples)
    ws, a_s, b = sp.symbols(f"w0:{d}"), sp.symbols(f"a0:{d}"), sp.Symbol("b")
    z = sum(wi * ai for wi, ai in zip(ws, a_s))
    term = sp.log(1 + sp.exp(-b * z))
    t = time.perf_counter()
    obj = compile_objective(term, ws, data=[*a_s, b], name="logistic")
    took = time.perf_counter() - t
    print(f"logistic d={d}: compile (per-sample form, data symbols) {took:.2f} s")
    cols = [np.ascontiguousarray(c) for c in A.T] + [labels]
    # the hand-written functions close over A; the compiled ones get the data bound once too
    fit = obj.bind(*cols)

    def grad_np(w: np.ndarray) -> np.ndarray:
        s = 1 / (1 + np.exp(labels * (w @ A.T)))
        return -(labels * s) @ A

    def hess_np(w: np.ndarray) -> np.ndarray:
        s = 1 / (1 + np.exp(labels * (w @ A.T)))
        c = s * (1 - s)
        if w.ndim == 1:
            return (A.T * c) @ A
        return np.einsum("...n,ni,nj->...ij", c, A, A, optimize=True)

    w1 = rng.normal(size=d) * 0.3
    wb = rng.normal(size=(10_000, d)) * 0.3
    compare(f"logistic d={d}, N={n_samples} gradient, one point", fit.grad, grad_np,
            (w1,), (w1,), "<= 1.5")
    compare(f"logistic d={d}, N={n_samples} Hessian, one point", fit.hess, hess_np,
            (w1,), (w1,), "<= 1.5")
    compare(f"logistic d={d}, N={n_samples} gradient, batch 1e4", fit.grad, grad_np,
            (wb,), (wb,), "<= 1.2")
    # 1e4 Hessians would need (1e4, 20, 200) intermediates (320 MB) on both sides: 1e3 points
    compare(f"logistic d={d}, N={n_samples} Hessian, batch 1e3", fit.hess, hess_np,
            (wb[:1000],), (wb[:1000],), "<= 1.2")
    # unbound calls stack the 21 data arrays on every call (np.array of 21 x 200)
    compare(f"logistic d={d} gradient, one point, unbound", obj.grad, grad_np,
            (w1, *cols), (w1,), "(info)")
    # lambdify (default, no CSE) of the per-sample Hessian, broadcast over the samples
    hmat = hessian(term, ws)
    lam = sp.lambdify([*ws, *a_s, b], hmat, "numpy")

    def hess_lambdify(w: np.ndarray) -> np.ndarray:
        entries = lam(*w, *cols)
        return np.array([[np.sum(np.broadcast_to(e, labels.shape)) for e in row]
                         for row in entries])

    compare(f"logistic d={d} Hessian vs lambdify, one point", fit.hess, hess_lambdify, (w1,),
            (w1,), ">= 3x faster (ratio <= 0.33)", "lambdify")


if __name__ == "__main__":
    print(f"numpy {np.__version__}, sympy {sp.__version__}; medians per call")
    only = [a for a in sys.argv[1:] if not a.startswith("--")]  # e.g. "logistic"
    for bench in (bench_compile_time, bench_rosenbrock, bench_pairs, bench_logistic):
        if not only or any(o in bench.__name__ for o in only):
            bench()
    print("\nsummary (ratio = compiled / anchor):")
    for label, _, _, ratio, target, anchor in ROWS:
        print(f"  {label:46s} {ratio:6.2f}  vs {anchor:12s} target {target}")
