"""Benchmark (issue 18 s.1): data-sum objectives against hand-written NumPy, in one run.

Run: ``python benchmarks/bench_data_sums.py [--quick] [--sizes 1e5,1e6] [--d 20]``.

The case: logistic regression ``sum_s log(1 + exp(z_s)) - y_s z_s`` with ``z_s = b . x_s``
(the problem of ``benchmarks/bench_dask.py``), compiled with ``compile_objective(...,
data=[x0, ..., x{d-1}, y], reduce="sum")``. One Newton pass needs f, the gradient and the
Hessian at one point. Contestants, on the same data and point, checked equal first:

* ``hand``: hand-written NumPy on the ``N x d`` matrix ``X`` (``z = X @ b``, ``f = sum(
  logaddexp(0, z) - y z)``, ``g = X.T @ (sigmoid(z) - y)``, ``H = X.T @ (X * w[:, None])``);
* ``bound``: the compiled objective with its data bound once (``obj.bind(*columns)``):
  ``value_and_grad`` then ``hess`` (two calls);
* ``bound fused``: ``value_grad_hess`` of the bound objective (one call, ``z`` computed once);
* ``columns fused``: ``obj.value_grad_hess(b, *columns)`` on the data columns as given
  (stacking them on every call: the per-chunk call of the Dask pass).

Timed in alternating blocks (order swapped every round) with one BLAS thread, the ratio is the
median of the per-round ratios contestant / hand (below 1: faster than hand-written NumPy).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("SYMTAYLOR_CACHE", "0")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from symtaylor.codegen import compile_objective  # noqa: E402


def paired(fns: dict[str, Callable[[], Any]], anchor: str, budget: float,
           rounds: int = 7) -> dict[str, tuple[float, float]]:
    """Median seconds per call of each function and the median per-round ratio to ``anchor``
    (all timed in one alternating loop, the order reversed every round)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    names = list(fns)
    start = time.perf_counter()
    r = 0
    while r < rounds or (time.perf_counter() - start < budget and r < 200):
        for k in (names if r % 2 else names[::-1]):
            t = time.perf_counter()
            fns[k]()
            times[k].append(time.perf_counter() - t)
        r += 1
    return {k: (statistics.median(v), statistics.median(
        a / b for a, b in zip(v, times[anchor]))) for k, v in times.items()}


def problem(d: int) -> tuple[sp.Expr, list[sp.Symbol], list[sp.Symbol]]:
    b = list(sp.symbols(f"b0:{d}", real=True))
    xs = list(sp.symbols(f"x0:{d}", real=True))
    y = sp.Symbol("y", real=True)
    z = sum(bi * xi for bi, xi in zip(b, xs))
    return sp.log(1 + sp.exp(z)) - y * z, b, [*xs, y]


def hand(b: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    z = X @ b
    p = 1 / (1 + np.exp(-z))
    f = float(np.sum(np.logaddexp(0, z) - y * z))
    g = X.T @ (p - y)
    w = p * (1 - p)
    return f, g, X.T @ (X * w[:, None])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e5,1e6")
    ap.add_argument("--d", type=int, default=20)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    d = a.d
    f, b, data = problem(d)
    t = time.perf_counter()
    obj = compile_objective(f, b, data=data, reduce="sum", name="logistic", cache=False)
    print(f"numpy {np.__version__}; logistic regression d = {d}: compile "
          f"{time.perf_counter() - t:.2f} s; medians per f+grad+Hessian evaluation")
    rng = np.random.default_rng(3)
    for n in (int(float(s)) for s in a.sizes.split(",")):
        run_size(obj, n, d, rng, a.quick)


def run_size(obj: Any, n: int, d: int, rng: np.random.Generator, quick: bool) -> None:
    X = rng.standard_normal((n, d))
    beta = np.linspace(-1, 1, d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta)))).astype(float)
    cols = [np.ascontiguousarray(c) for c in X.T] + [y]
    fit = obj.bind(*cols)
    x0 = rng.normal(size=d) * 0.3
    fns: dict[str, Callable[[], Any]] = {
        "hand": lambda: hand(x0, X, y),
        "bound": lambda: (fit.value_and_grad(x0), fit.hess(x0)),
    }
    if hasattr(fit, "value_grad_hess"):
        fns["bound fused"] = lambda: fit.value_grad_hess(x0)
        fns["columns fused"] = lambda: obj.value_grad_hess(x0, *cols)
    else:
        fns["columns"] = lambda: (obj.value_and_grad(x0, *cols), obj.hess(x0, *cols))
    ref = hand(x0, X, y)
    for k, fn in fns.items():
        got = fn()
        fv, gv, hv = (got[0][0], got[0][1], got[1]) if len(got) == 2 else got
        np.testing.assert_allclose(float(fv), ref[0], rtol=1e-10, err_msg=k)
        np.testing.assert_allclose(gv, ref[1], rtol=1e-9, atol=1e-9 * n, err_msg=k)
        np.testing.assert_allclose(hv, ref[2], rtol=1e-9, atol=1e-9 * n, err_msg=k)
    res = paired(fns, "hand", (1.5 if quick else 6.0) * max(1, n / 1e5) ** 0.5)
    print(f"\nN = {n:.0e}, d = {d} ({X.nbytes / 2**20:.0f} MB of data)")
    for k, (sec, ratio) in res.items():
        print(f"  {k:16s} {sec * 1e3:9.2f} ms  ratio vs hand {ratio:5.2f}", flush=True)

if __name__ == "__main__":
    main()
