"""Benchmark: symtaylor's Hessian/gradient vs SymPy's, and certified L vs naive enclosures.

Run: ``python benchmarks/bench_calculus.py`` (add ``--quick`` to skip SymPy's Hessian at
n = 200, which takes minutes). Every timing starts from cold caches (symtaylor's and SymPy's).
Prints medians and RATIOS (anchor time / symtaylor time; > 1 means symtaylor is faster).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
from _timing import median_time
from sympy.core.cache import clear_cache

from symtaylor import calculus, convergence_bounds, gradient, hessian
from symtaylor.enclosure import enclose


def cold() -> None:
    clear_cache()
    calculus._gradient_cached.cache_clear()
    calculus._hessian_cached.cache_clear()
    calculus._TEMPLATES.clear()
    calculus._HESS_TEMPLATES.clear()
    calculus._HESS_SHAPES.clear()
    calculus._PLAIN_FREE.clear()


def timed(fn: Callable[[], Any], repeats: int) -> float:
    """Median over ``repeats`` runs, each from cold caches."""
    return median_time(fn, repeats, reset=cold)


def ext_rosenbrock(n: int):
    v = sp.symbols(f"x1:{n + 1}")
    f = sum(100 * (v[2 * i + 1] - v[2 * i] ** 2) ** 2 + (1 - v[2 * i]) ** 2 for i in range(n // 2))
    return f, v


def logistic(n_samples: int, n_weights: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    data = rng.integers(-20, 21, size=(n_samples, n_weights))
    labels = rng.choice([-1, 1], size=n_samples)
    w = sp.symbols(f"w1:{n_weights + 1}")
    terms = [sp.log(1 + sp.exp(-int(lab) * sum(sp.Rational(int(c), 10) * wi
                                               for c, wi in zip(row, w))))
             for row, lab in zip(data, labels)]
    return sp.Add(*terms) / n_samples, w, labels[:, None] * data / 10


def bench_hessian(quick: bool) -> None:
    print("Hessian of the extended Rosenbrock function (exact, SymPy Matrix)")
    print(f"{'n':>5} {'symtaylor s':>12} {'sympy.hessian s':>16} {'ratio':>8}")
    for n in (20, 60, 100, 200):
        f, v = ext_rosenbrock(n)
        ours = timed(lambda f=f, v=v: hessian(f, v), 5)
        if quick and n > 100:
            print(f"{n:>5} {ours:>12.4f} {'(skipped)':>16} {'':>8}")
            continue
        reps = 3 if n <= 60 else 1
        theirs = timed(lambda f=f, v=v: sp.hessian(f, v), reps)
        assert (hessian(f, v) - sp.hessian(f, v)).is_zero_matrix if n <= 20 else True
        print(f"{n:>5} {ours:>12.4f} {theirs:>16.3f} {theirs / ours:>8.1f}x")


def bench_gradient() -> None:
    print("\nGradient of a logistic loss written term by term (200 samples, 20 weights)")
    f, w, _ = logistic(200, 20)
    ours = timed(lambda: gradient(f, w), 3)
    theirs = timed(lambda: sp.Matrix([f]).jacobian(w), 1)
    print(f"symtaylor {ours:.3f} s   sympy jacobian {theirs:.3f} s   ratio {theirs / ours:.1f}x")


def bench_logistic_hessian() -> None:
    print("\nHessian of a logistic loss written term by term (30 samples, 10 weights)")
    f, w, _ = logistic(30, 10)
    ours = timed(lambda: hessian(f, w), 3)
    theirs = timed(lambda: sp.hessian(f, w), 1)
    print(f"symtaylor {ours:.3f} s   sympy.hessian {theirs:.3f} s   ratio {theirs / ours:.1f}x")


def bench_products() -> None:
    """Hessians of products of k linear factors (issue 17): ``prod (x_i + i + 1)`` is built by
    the product rule directly (SymPy's diff grew ~k^4: k = 50 ~30 s before); a product chained
    through shared variables, ``prod (x_i + x_{i+1} + 1)``, goes to SymPy's diff up to a work
    bound and is refused beyond it (UnsupportedFunctionError at once)."""
    from symtaylor.errors import UnsupportedFunctionError

    print("\nHessian of a product of k linear factors")
    for k in (50, 150, 300):
        xs = sp.symbols(f"x0:{k}")
        f = sp.Mul(*[xs[i] + i + 1 for i in range(k)])
        ours = timed(lambda f=f, xs=xs: hessian(f, xs), 1 if k > 150 else 3)
        ref = ""
        if k <= 50:
            theirs = timed(lambda f=f, xs=xs: [f.diff(xs[0]).diff(v) for v in xs], 1)
            ref = f"   SymPy diff, one Hessian row of {k}: {theirs:.3f} s"
        print(f"separable k={k:>4}: symtaylor {ours:.3f} s{ref}")
    for k in (20, 30, 60):
        xs = sp.symbols(f"x0:{k}")
        f = sp.Mul(*[xs[i] + xs[(i + 1) % k] + 1 for i in range(k)])
        t0 = time.perf_counter()
        try:
            cold()
            hessian(f, xs)
            what = "computed"
        except UnsupportedFunctionError:
            what = "refused"
        print(f"chained   k={k:>4}: {what} in {time.perf_counter() - t0:.3f} s")


def bench_bounds() -> None:
    print("\nCertified L for logistic regression (3 weights, 30 samples, box [-2, 2]^3)")
    f, w, a = logistic(30, 3, seed=3)
    region = {s: (-2, 2) for s in w}
    t0 = time.perf_counter()
    b = convergence_bounds(f, w, region=region)
    ours = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    big = 0.0
    for p in np.vstack([rng.uniform(-2, 2, size=(20000, 3)), np.zeros((1, 3))]):
        s = 1 / (1 + np.exp(-(a @ p)))
        big = max(big, np.linalg.eigvalsh((a.T * (s * (1 - s))) @ a / len(a))[-1])
    sampling = time.perf_counter() - t0
    # the naive certificate: interval-evaluate SymPy's raw Hessian over the whole box and
    # take Gershgorin discs (the dependency problem)
    cold()
    h = sp.hessian(f, w)
    t0 = time.perf_counter()
    rows = [[enclose(h[i, j], region).mag for j in range(3)] for i in range(3)]
    naive = max(sum(r) for r in rows)
    naive_t = time.perf_counter() - t0
    print(f"certified L = {b.L:.6g} in {ours:.2f} s ({b.boxes} boxes); sampled sup "
          f"(20000 points, {sampling:.2f} s) = {big:.6g}; L / sampled sup = {b.L / big:.4f}")
    print(f"naive interval Hessian + Gershgorin: {naive:.3g} ({naive_t:.2f} s), "
          f"overestimates by {naive / big:.3g}x; ours by {b.L / big:.3f}x")


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    bench_hessian(quick)
    bench_gradient()
    bench_logistic_hessian()
    bench_products()
    bench_bounds()
