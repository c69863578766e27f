"""Benchmark (issue 18 s.2): logistic regression on Dask-backed data, symtaylor vs dask-glm.

Run: ``python benchmarks/bench_dask.py [--n 1e7] [--d 20] [--chunk 250000] [--small 200000]``
(``OPENBLAS_NUM_THREADS=1`` on a shared machine). Needs ``symtaylor[dask]``; dask-glm is
optional (``pip install dask-glm``: it is reported as unavailable otherwise).

The data (``N x (d + 1)``: d standard normal features and a 0/1 label drawn from the logistic
model with coefficients ``linspace(-1, 1, d)``) is generated chunk by chunk from a per-chunk
seed, inside the graph: no process ever holds all of it, and every pass over the data
generates its chunks again (the same numbers each time). Every chunk generation is counted,
so ``passes = chunks generated / number of chunks`` is measured the same way for both sides.

Reported, in one run on the local threaded scheduler:

* coefficients: symtaylor's Dask fit vs its in-memory fit on ``--small`` samples (the same
  generated data, computed into memory), and the largest difference to dask-glm's Newton and
  L-BFGS at size N;
* passes over the data per fit and wall time per pass: symtaylor newton (default post-run
  checks, and ``check_second_order=False``), symtaylor l-bfgs, dask-glm newton and lbfgs;
* peak traced memory (``tracemalloc``: the driver AND the scheduler's worker threads, which
  run in this process) during each fit, next to the size of one chunk and of the whole data.
* ``--cluster``: the Newton fit again on a LocalCluster of 2 worker processes, with the
  driver's own peak (the chunks live in the workers there).

Measured (2 shared cores, other jobs running: times move by 2x between runs; chunks of 250000
rows = 40 MB): N = 1e7 (40 chunks, 1.6 GB never held): symtaylor newton 7 iterations, 9 passes
(8 without the second-order check; the post-run descent probes share one pass), 19.6 s/pass;
dask-glm newton 8 passes, 13.9 s/pass, same x to 1e-16; symtaylor l-bfgs 14 passes, 13.7
s/pass, x within 4e-10 of Newton's; dask-glm lbfgs 11 passes, 10.8 s/pass, x within 4e-6;
peak traced 244 MB for every fit (241 MB at N = 1e6: bounded by chunks, not by N). N = 1e6:
newton 9 passes (0.8-1.1 s/pass) vs dask-glm 8 (0.6-1.4 s/pass); on the LocalCluster the
driver's peak is 4.3 MB. Dask vs in-memory coefficients at N = 2e5: 3e-17. symtaylor's pass
computes the Hessian with the generated code's per-entry sums (210 for d = 20), dask-glm's
with one BLAS ``X^T W X``: per pass symtaylor is up to 1.4x slower at d = 20.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from typing import Any

import numpy as np
import sympy as sp


class Generator:
    """Chunk ``i`` of the data, generated from the seed ``(seed, i)``; counts its calls."""

    def __init__(self, n: int, d: int, chunk: int, seed: int = 7) -> None:
        self.n, self.d, self.chunk, self.seed = n, d, chunk, seed
        self.hits: list[int] = []  # list.append is atomic (threads); a list pickles
        self.beta = np.linspace(-1.0, 1.0, d)

    def block(self, block_info: Any = None) -> np.ndarray:
        i = block_info[None]["chunk-location"][0]
        lo = i * self.chunk
        m = min(self.chunk, self.n - lo)
        self.hits.append(i)
        rng = np.random.default_rng([self.seed, i])
        X = rng.standard_normal((m, self.d))
        p = 1.0 / (1.0 + np.exp(-(X @ self.beta)))
        y = (rng.random(m) < p).astype(float)
        return np.column_stack([X, y])

    def array(self) -> Any:
        import dask.array as da

        rows = [self.chunk] * (self.n // self.chunk)
        if self.n % self.chunk:
            rows.append(self.n % self.chunk)
        return da.map_blocks(self.block, chunks=(tuple(rows), (self.d + 1,)), dtype=float,
                             meta=np.empty((0, 0)))

    @property
    def calls(self) -> int:
        return len(self.hits)

    @property
    def nblocks(self) -> int:
        return -(-self.n // self.chunk)


def problem(d: int) -> tuple[sp.Expr, list[sp.Symbol], list[sp.Symbol], sp.Symbol]:
    b = list(sp.symbols(f"b0:{d}", real=True))
    xs = list(sp.symbols(f"x0:{d}", real=True))
    y = sp.Symbol("y", real=True)
    z = sum(bi * xi for bi, xi in zip(b, xs))
    return sp.log(1 + sp.exp(z)) - y * z, b, xs, y


def measured(fn: Any, gen: Generator) -> tuple[Any, float, float, float]:
    """``(result, wall seconds, passes, peak traced MB)`` of ``fn()``."""
    gen.hits.clear()
    tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, wall, gen.calls / gen.nblocks, peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=float, default=1e6)
    ap.add_argument("--d", type=int, default=20)
    ap.add_argument("--chunk", type=int, default=250_000)
    ap.add_argument("--small", type=float, default=2e5)
    ap.add_argument("--no-glm", action="store_true")
    ap.add_argument("--cluster", action="store_true",
                    help="also run newton on a LocalCluster of 2 worker processes")
    args = ap.parse_args()
    import dask

    from symtaylor import minimize

    n, d, chunk, small = int(args.n), args.d, args.chunk, int(args.small)
    dask.config.set(scheduler="threads")
    f, b, xs, y = problem(d)
    x0 = np.zeros(d)
    print(f"logistic regression, d = {d}, chunks of {chunk} rows "
          f"({chunk * (d + 1) * 8 / 2**20:.0f} MB); dask {dask.__version__}")

    # 1. coefficients: Dask-backed vs in memory on the same (small) data
    gs = Generator(small, d, min(chunk, small // 4))
    A = gs.array()
    cols = {s: A[:, j] for j, s in enumerate(xs)} | {y: A[:, d]}
    t0 = time.perf_counter()
    mem = A.compute()
    mem_cols = {s: mem[:, j].copy() for j, s in enumerate(xs)} | {y: mem[:, d].copy()}
    ref = minimize(f, b, x0, data=mem_cols)
    t_mem = time.perf_counter() - t0
    got = minimize(f, b, x0, data=cols)
    print(f"\nN = {small}: |x_dask - x_memory|_max = {np.max(np.abs(got.x - ref.x)):.2e} "
          f"(newton, nit {got.nit} / {ref.nit}; in-memory fit incl. compile {t_mem:.1f} s)")

    # 2. the large fit: passes, time per pass, memory
    gen = Generator(n, d, chunk)
    A = gen.array()
    cols = {s: A[:, j] for j, s in enumerate(xs)} | {y: A[:, d]}
    whole = n * (d + 1) * 8 / 2**20
    print(f"\nN = {n:.0e}: {gen.nblocks} chunks, the whole data {whole:.0f} MB "
          f"(never held); one chunk {chunk * (d + 1) * 8 / 2**20:.0f} MB")
    rows = []
    results = {}
    for label, kw in (("symtaylor newton", {"method": "newton"}),
                      ("symtaylor newton, no 2nd-order check",
                       {"method": "newton", "check_second_order": False}),
                      # gtol scaled with N (f is a sum over N samples): ||g|| <= 1e-8 on a
                      # sum of 1e7 terms is below what round-off lets L-BFGS reach
                      ("symtaylor l-bfgs", {"method": "l-bfgs", "gtol": 1e-10 * n})):
        r, wall, passes, peak = measured(lambda kw=kw: minimize(f, b, x0, data=cols, **kw), gen)
        results[label] = r.x
        far = np.max(np.abs(r.x - results["symtaylor newton"]))
        rows.append((label, r.nit, passes, wall, peak,
                     f"||g|| = {r.grad_norm:.1e}, |x - newton|_max = {far:.1e}"))
    glm_note = ""
    if not args.no_glm:
        try:
            from dask_glm.algorithms import lbfgs, newton
            from dask_glm.families import Logistic
        except Exception as exc:  # not installed, or broken with this dask
            glm_note = f"dask-glm unavailable: {type(exc).__name__}: {exc}"
        else:
            Xd, yd = A[:, :d], A[:, d]
            for label, fn in (("dask-glm newton",
                               lambda: newton(Xd, yd, tol=1e-8, family=Logistic)),
                              ("dask-glm lbfgs",
                               lambda: lbfgs(Xd, yd, tol=1e-8, family=Logistic,
                                             normalize=False, max_iter=500))):
                try:
                    r, wall, passes, peak = measured(fn, gen)
                except Exception as exc:
                    glm_note += f"{label} failed: {type(exc).__name__}: {exc}; "
                    continue
                xr = np.asarray(r)
                results[label] = xr
                rows.append((label, "-", passes, wall, peak,
                             f"|x - symtaylor|_max = "
                             f"{np.max(np.abs(xr - results['symtaylor newton'])):.1e}"))
    print(f"\n{'fit':40s} {'nit':>4s} {'passes':>7s} {'wall s':>8s} {'s/pass':>7s} "
          f"{'peak MB':>8s}  note")
    for label, nit, passes, wall, peak, note in rows:
        print(f"{label:40s} {nit!s:>4s} {passes:7.1f} {wall:8.1f} {wall / passes:7.2f} "
              f"{peak:8.0f}  {note}")
    base = rows[0]
    for label, _, passes, wall, *_ in rows[1:]:
        print(f"  {label}: passes ratio to symtaylor newton {passes / base[2]:.2f}, "
              f"time per pass ratio {(wall / passes) / (base[3] / base[2]):.2f}")
    if glm_note:
        print(glm_note)
    if args.cluster:
        cluster_run(f, b, xs, y, x0, gen, results["symtaylor newton"])


def cluster_run(f: Any, b: Any, xs: Any, y: Any, x0: np.ndarray, gen: Generator,
                x_local: np.ndarray) -> None:
    """The same Newton fit on a LocalCluster of 2 worker processes: the driver's own peak
    (tracemalloc, this process only: the chunks live in the workers)."""
    import resource

    from distributed import Client, LocalCluster

    from symtaylor import minimize

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        A = gen.array()
        cols = {s: A[:, j] for j, s in enumerate(xs)} | {y: A[:, -1]}
        minimize(f, b, x0, data=cols, method="newton", max_iter=1)  # workers compile
        tracemalloc.start()
        t0 = time.perf_counter()
        r = minimize(f, b, x0, data=cols, method="newton")
        wall = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nLocalCluster (2 worker processes): newton nit {r.nit}, {r.data_passes} passes, "
          f"{wall:.1f} s ({wall / r.data_passes:.2f} s/pass), |x - local|_max = "
          f"{np.max(np.abs(r.x - x_local)):.1e}; driver peak traced {peak / 2**20:.1f} MB "
          f"(one chunk {gen.chunk * (gen.d + 1) * 8 / 2**20:.0f} MB), driver max RSS "
          f"{rss:.0f} MB over the whole script")


if __name__ == "__main__":
    main()
