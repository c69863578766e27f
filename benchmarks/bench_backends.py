"""Benchmark (issue 18 s.1): the codegen backends against SymEngine LLVM, jax.jit and hand NumPy.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_backends.py [--repeats N]``.

Cases, on the extended Rosenbrock function (pairs) ``sum 100 (x_{2i+1} - x_{2i}^2)^2 +
(1 - x_{2i})^2``: gradient and Hessian at n = 10 on a batch of 10^4 points, the Hessian at
n = 100 on 10^3 points, gradient and Hessian at one point for n = 100 and 200. Contestants, all
in this process on the same points, every result checked equal to the NumPy backend's first:

* symtaylor ``backend="numpy"`` (the default), ``"numba"``, ``"numba"`` with ``parallel=True``,
  ``"jax"`` under ``jax.jit``, ``"array-api"`` on NumPy arrays;
* SymEngine ``Lambdify(..., backend='llvm')`` of the same exact gradient/Hessian (when
  ``symengine`` is installed);
* ``jax.jit(jax.vmap(jax.grad(f)))`` (``jax.hessian`` for the Hessian) of a hand-written
  ``jax.numpy`` objective, and a hand-written NumPy gradient/Hessian.

Prints the median time per call (median of the repeats, each timing enough calls for ~0.1 s),
the ratio (contestant / symtaylor numpy: > 1 means symtaylor's default is faster) and the build
time of each compiled contestant (compile call plus the first call, where Numba and JAX compile;
for symtaylor it includes the code generation, not the derivation, which all share). No disk
cache (``cache=False``): build times are real.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import sympy as sp

os.environ.setdefault("SYMTAYLOR_CACHE", "0")

from symtaylor.calculus import gradient, hessian
from symtaylor.codegen import compile_numpy


def _rosen(n: int):
    v = sp.symbols(f"x0:{n}")
    f = sum(100 * (v[2 * i + 1] - v[2 * i] ** 2) ** 2 + (1 - v[2 * i]) ** 2 for i in range(n // 2))
    return f, v


def _hand_grad(x):
    g = np.empty_like(x)
    xo, xe = x[..., 0::2], x[..., 1::2]
    d = xe - xo**2
    g[..., 0::2] = -400 * xo * d - 2 * (1 - xo)
    g[..., 1::2] = 200 * d
    return g


def _hand_hess(x):
    n = x.shape[-1]
    H = np.zeros(x.shape[:-1] + (n, n))
    xo, xe = x[..., 0::2], x[..., 1::2]
    i = np.arange(0, n, 2)
    H[..., i, i] = 1200 * xo**2 - 400 * xe + 2
    H[..., i, i + 1] = H[..., i + 1, i] = -400 * xo
    H[..., i + 1, i + 1] = 200
    return H


def _sync(fn):
    """``fn`` that waits for its result (JAX dispatches asynchronously)."""
    def run(arg):
        r = fn(arg)
        if hasattr(r, "block_until_ready"):
            r.block_until_ready()
        return r
    return run


def _time(fn, arg, repeats: int) -> float:
    fn = _sync(fn)
    fn(arg)
    t0 = time.perf_counter()
    fn(arg)
    one = max(time.perf_counter() - t0, 1e-7)
    number = max(1, int(0.1 / one))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn(arg)
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def _contestants(n: int, kind: str, batch: bool):
    f, v = _rosen(n)
    exprs = list(gradient(f, v)) if kind == "grad" else hessian(f, v)
    out = {}

    def build(label, make):
        t0 = time.perf_counter()
        try:
            fn = make()
        except Exception as exc:  # a missing peer is reported, not fatal
            print(f"    ({label}: {type(exc).__name__}: {str(exc)[:80]})")
            return
        out[label] = (fn, time.perf_counter() - t0)

    build("numpy", lambda: compile_numpy(exprs, v, cache=False))
    build("numba", lambda: compile_numpy(exprs, v, backend="numba", cache=False))
    if batch:
        build("numba parallel", lambda: compile_numpy(exprs, v, backend="numba",
                                                      parallel=True, cache=False))
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        build("jax (jit)", lambda: jax.jit(compile_numpy(exprs, v, backend="jax",
                                                         cache=False).function))

        def fj(x):
            xo, xe = x[0::2], x[1::2]
            return jnp.sum(100 * (xe - xo**2) ** 2 + (1 - xo) ** 2)

        d = jax.grad(fj) if kind == "grad" else jax.hessian(fj)
        build("jax.jit(vmap(grad/hessian))" if batch else "jax.jit(grad/hessian)",
              lambda: jax.jit(jax.vmap(d) if batch else d))
    except ImportError:
        print("    (jax not installed)")
    build("array-api (numpy)", lambda: compile_numpy(exprs, v, backend="array-api",
                                                     cache=False))
    try:
        import symengine as se

        flat = exprs if kind == "grad" else list(exprs)
        build("symengine llvm", lambda: se.Lambdify(list(v), flat, backend="llvm", cse=True))
    except ImportError:
        print("    (symengine not installed)")
    out["hand numpy"] = (_hand_grad if kind == "grad" else _hand_hess, 0.0)
    return out


def run_case(title: str, n: int, kind: str, points: int | None, repeats: int) -> None:
    print(f"\n{title}")
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(points, n) if points else (n,))
    cons = _contestants(n, kind, points is not None)
    ref_fn = cons["numpy"][0]
    ref = np.asarray(ref_fn(x))
    shape = ref.shape
    t_ref = None
    print(f"  {'contestant':32s} {'median':>12s} {'ratio':>7s} {'build s':>8s}  equal")
    for label, (fn, build) in cons.items():
        try:
            t0 = time.perf_counter()
            got = np.asarray(fn(x)).reshape(shape)
            build += time.perf_counter() - t0  # numba and jax compile on the first call
        except Exception as exc:
            print(f"  {label:32s} failed: {type(exc).__name__}: {str(exc)[:60]}")
            continue
        ok = np.allclose(got, ref, rtol=1e-12, atol=1e-9)
        t = _time(fn, x, repeats)
        if label == "numpy":
            t_ref = t
        ratio = t / t_ref if t_ref else float("nan")
        print(f"  {label:32s} {t * 1e6:10.1f}us {ratio:7.2f} {build:8.2f}  {ok}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    print("ratio = contestant time / symtaylor numpy time (> 1: symtaylor's default is faster)")
    run_case("gradient, n = 10, batch of 10^4 points", 10, "grad", 10_000, a.repeats)
    run_case("Hessian, n = 10, batch of 10^4 points", 10, "hess", 10_000, a.repeats)
    run_case("Hessian, n = 100, batch of 10^3 points", 100, "hess", 1_000, a.repeats)
    run_case("gradient, one point, n = 100", 100, "grad", None, a.repeats)
    run_case("Hessian, one point, n = 100", 100, "hess", None, a.repeats)
    run_case("gradient, one point, n = 200", 200, "grad", None, a.repeats)


if __name__ == "__main__":
    main()
