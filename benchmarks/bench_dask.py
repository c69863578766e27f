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
* passes over the data per fit, counted twice and independently: the Dask computes during
  which chunks were generated (a local-scheduler callback, each one timed: the median seconds
  per pass) and chunks generated / chunks; symtaylor's own ``Result.data_passes`` beside them;
* symtaylor newton (default gtol 1e-8 and post-run checks; without the second-order check;
  gtol 1e-12 N, which leaves x within ~1e-11 of the optimum), l-bfgs, and dask-glm's newton
  (its default ``normalize=True`` spends one pass on the columns' mean and std; with
  ``normalize=False`` the Newton iteration alone) and lbfgs (``normalize=False``);
* peak traced memory (``tracemalloc``: the driver AND the scheduler's worker threads, which
  run in this process) during each fit, next to the size of one chunk and of the whole data.
* ``--cluster``: the Newton fit again on a LocalCluster of 2 worker processes, with the
  driver's own peak (the chunks live in the workers there).

``warm_start="chunk"`` (the first chunk fitted in memory with the same method, then the
full-data iteration from there; its read counts as 1/chunks of a pass): measured 2026-12-03,
N = 1e6 (4 chunks of 250000 rows = 40 MB, 160 MB never held; 2 shared cores, one run),
``passes`` = chunks generated / chunks (agrees with data_passes), median s/pass:

=========================================== ====== ======== ============================
fit                                         passes s/pass   x
=========================================== ====== ======== ============================
symtaylor newton (nit 7)                    9      0.82     ||g|| 1.5e-11
symtaylor newton, no 2nd-order check        8      0.82     same x
symtaylor newton, gtol 1e-12 N (nit 6)      8      0.77     8.8e-12 from newton's
symtaylor newton, warm start (nit 3)        5.25   0.87     6.7e-16 from newton's
  the same, gtol 1e-12 N                    5.25   0.81     the same x (nit 3)
  the same, gtol 1e-12 N, no check          4.25   0.80
symtaylor l-bfgs, gtol 1e-6 N (nit 9)       14     0.74     5.8e-6 from newton's
symtaylor l-bfgs, gtol 1e-10 N (nit 12)     42     0.69     2.4e-11
dask-glm newton (normalize=True)            8      1.08     2.2e-16 from newton's
dask-glm newton, normalize=False            7      1.20     0
dask-glm lbfgs, normalize=False             12     0.84     5.8e-6
=========================================== ====== ======== ============================

So with the warm start symtaylor's newton takes 5.25 passes against dask-glm newton's 7 (8
with its default normalisation): chunk 0.25 + x_warm and 3 iterates (f, gradient, Hessian in
one pass each) + 1 post-run probe pass; s/pass ratio (theirs / ours) 1.38 (normalize=False)
in this run. L-BFGS is NOT below dask-glm's lbfgs (14 vs 12); its warm start (13.25 passes
here) is now refused: the full-data fit restarts with an empty curvature memory, and a
review found unrepresentative chunks that cost it 2-3x the cold passes. Dask vs in-memory
coefficients at N = 2e5: 6.9e-18 (1.6e-14 with the warm start, 5.25 passes vs 9).
N = 1e7 (40 chunks; ``--only newton``, one run, 2026-12-03): warm-start newton 5.025 passes
(nit 3; 4.025 without the second-order check), x 2.3e-15 from the cold fit's, against
dask-glm newton's 7 (normalize=False) and 8; the cold fit 9 (8 at gtol 1e-12 N, 7 without
the check). s/pass: warm newton 2.73 vs dask-glm 2.93 / 2.89 (ratio 1.07); the cold fits'
6-11 s/pass in that run were taken while a test suite ran on the same 2 cores, so only the
later rows compare.

Without the warm start (measured 2026-12-02, N = 1e7, 40 chunks, 1.6 GB never held, load
average 3-3.6 from other jobs: times move by 2x between runs):

======================================== ====== ======== ===========================
fit                                      passes s/pass   x
======================================== ====== ======== ===========================
symtaylor newton (nit 7)                 9      6.6      ||g|| 1.3e-10
symtaylor newton, no 2nd-order check     8      9.5      same x
symtaylor newton, gtol 1e-12 N (nit 6)   8      5.6      7.9e-12 from newton's
  the same, no 2nd-order check           7      5.6
symtaylor l-bfgs (gtol 1e-10 N or 1e-6N) 14     5.6-9.8  4.3e-10 from newton's
dask-glm newton (normalize=True)         8      10.1     1.1e-16 from newton's
dask-glm newton, normalize=False         7      11.8     7e-18
dask-glm lbfgs                           11     8.3      4.1e-6
======================================== ====== ======== ===========================

Passes: symtaylor newton needs its iterations + 1 (x0 and every iterate, f, gradient and
Hessian together) + 1 (the post-run descent probes, three points in one pass); dask-glm's
newton evaluates the same iterates (x0..x6) and returns x7 unevaluated (its test is the step
length). From x0, at the issue's 1e-10 accuracy, symtaylor takes 8 passes (7 without the
probes) against dask-glm's 7; the warm start above is what makes it fewer. The probe pass:
its directions (-g and the eigenvectors of the smallest Hessian eigenvalue at the end point)
are known only after the last pass, so it cannot be fused into it without changing the
post-run checks (optimize/diagnosis.py). l-bfgs: 12 passes of f and g for 10 iterations,
+1 for the Hessian of the second-order check at the end point (its passes carry no Hessian),
+1 probe pass; at N = 1e6 with gtol 1e-10 N it needs 42-45 passes: f is at its round-off
level and the Wolfe search tries many points before the round-off step (a core matter,
optimize/quasi_newton.py). Driver peak traced memory 164-168 MB at 1e6 and at 1e7 (bounded by
chunks, not by N; the warm start holds one chunk, as a pass does); on the LocalCluster the
driver's peak was 4.3 MB (an earlier run).
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


class PassCounter:
    """Counts the Dask computes that read the data (a local-scheduler callback: a compute
    during which chunks were generated is a pass) and times each one."""

    def __init__(self, gen: Generator) -> None:
        from dask.callbacks import Callback

        self.gen = gen
        self.passes: list[tuple[float, int]] = []  # (seconds, chunks generated)
        counter = self

        class _Hook(Callback):
            def _start(self, dsk: Any) -> None:
                counter._t, counter._h = time.perf_counter(), counter.gen.calls

            def _finish(self, dsk: Any, state: Any, errored: bool) -> None:
                k = counter.gen.calls - counter._h
                if k:
                    counter.passes.append((time.perf_counter() - counter._t, k))

        self.hook = _Hook()


def measured(fn: Any, gen: Generator) -> dict[str, Any]:
    """What ``fn()`` returned and cost: wall seconds, the computes that read the data and
    their median seconds, chunks generated / chunks (the same count, measured apart), peak
    traced MB."""
    gen.hits.clear()
    counter = PassCounter(gen)
    tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    with counter.hook:
        out = fn()
    wall = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    secs = [t for t, _ in counter.passes]
    return {"out": out, "wall": wall, "computes": len(counter.passes),
            "reads": gen.calls / gen.nblocks, "median": float(np.median(secs)) if secs else 0.0,
            "peak": peak / 2**20}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=float, default=1e6)
    ap.add_argument("--d", type=int, default=20)
    ap.add_argument("--chunk", type=int, default=250_000)
    ap.add_argument("--small", type=float, default=2e5)
    ap.add_argument("--no-glm", action="store_true")
    ap.add_argument("--only", default="", help="run only the symtaylor fits whose label "
                    "contains this text (e.g. 'newton'; the first, 'symtaylor newton', always)")
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
    warm = minimize(f, b, x0, data=cols, warm_start="chunk")
    print(f"N = {small}, warm_start='chunk': |x_dask - x_memory|_max = "
          f"{np.max(np.abs(warm.x - ref.x)):.2e} (nit {warm.nit}, data_passes "
          f"{warm.data_passes} vs {got.data_passes} without)")

    # 2. the large fit: passes, time per pass, memory
    gen = Generator(n, d, chunk)
    A = gen.array()
    cols = {s: A[:, j] for j, s in enumerate(xs)} | {y: A[:, d]}
    whole = n * (d + 1) * 8 / 2**20
    print(f"\nN = {n:.0e}: {gen.nblocks} chunks, the whole data {whole:.0f} MB "
          f"(never held); one chunk {chunk * (d + 1) * 8 / 2**20:.0f} MB")
    rows = []
    results = {}
    fits = [("symtaylor newton", {"method": "newton"}),
            ("symtaylor newton, no 2nd-order check",
             {"method": "newton", "check_second_order": False}),
            # gtol 1e-12 N: x to ~1e-10 (the accuracy), still verified at the end
            ("symtaylor newton, gtol 1e-12 N", {"method": "newton", "gtol": 1e-12 * n}),
            ("symtaylor newton, gtol 1e-12 N, no check",
             {"method": "newton", "gtol": 1e-12 * n, "check_second_order": False}),
            # the first chunk fitted in memory first (one chunk read = 1/chunks of a pass)
            ("symtaylor newton, warm start", {"method": "newton", "warm_start": "chunk"}),
            ("symtaylor newton, warm, gtol 1e-12 N",
             {"method": "newton", "warm_start": "chunk", "gtol": 1e-12 * n}),
            ("symtaylor newton, warm, gtol 1e-12 N, no ch",
             {"method": "newton", "warm_start": "chunk", "gtol": 1e-12 * n,
              "check_second_order": False}),
            # gtol scaled with N (f is a sum over N samples): ||g|| <= 1e-8 on a sum of 1e7
            # terms is below what round-off lets L-BFGS reach
            ("symtaylor l-bfgs, gtol 1e-10 N", {"method": "l-bfgs", "gtol": 1e-10 * n}),
            # dask-glm's lbfgs stops on SciPy's factr (f's relative decrease below 2e-9):
            # its x is ~1e-5 from the optimum; this gtol stops at about that accuracy
            ("symtaylor l-bfgs, gtol 1e-6 N", {"method": "l-bfgs", "gtol": 1e-6 * n})]
    fits = [(label, kw) for label, kw in fits
            if label == "symtaylor newton" or args.only in label]
    for label, kw in fits:
        m = measured(lambda kw=kw: minimize(f, b, x0, data=cols, **kw), gen)
        r = m["out"]
        results[label] = r.x
        far = np.max(np.abs(r.x - results["symtaylor newton"]))
        rows.append((label, r.nit, m, f"data_passes {r.data_passes}, ||g|| = "
                     f"{r.grad_norm:.1e}, |x - newton|_max = {far:.1e}"))
    glm_note = ""
    if not args.no_glm:
        try:
            from dask_glm.algorithms import lbfgs, newton
            from dask_glm.families import Logistic
        except Exception as exc:  # not installed, or broken with this dask
            glm_note = f"dask-glm unavailable: {type(exc).__name__}: {exc}"
        else:
            Xd, yd = A[:, :d], A[:, d]
            # newton's default normalize=True spends one more pass on the columns' mean and
            # std; normalize=False is its Newton iteration alone (the data are standard
            # normal already)
            for label, fn in (("dask-glm newton (normalize=True, default)",
                               lambda: newton(Xd, yd, tol=1e-8, family=Logistic)),
                              ("dask-glm newton, normalize=False",
                               lambda: newton(Xd, yd, tol=1e-8, family=Logistic,
                                              normalize=False)),
                              ("dask-glm lbfgs, normalize=False",
                               lambda: lbfgs(Xd, yd, tol=1e-8, family=Logistic,
                                             normalize=False, max_iter=500))):
                try:
                    m = measured(fn, gen)
                except Exception as exc:
                    glm_note += f"{label} failed: {type(exc).__name__}: {exc}; "
                    continue
                xr = np.asarray(m["out"])
                results[label] = xr
                rows.append((label, "-", m, f"|x - symtaylor newton|_max = "
                             f"{np.max(np.abs(xr - results['symtaylor newton'])):.1e}"))
    print(f"\n{'fit':42s} {'nit':>4s} {'passes':>6s} {'reads':>6s} {'wall s':>7s} "
          f"{'median s/pass':>13s} {'peak MB':>8s}  note")
    for label, nit, m, note in rows:
        print(f"{label:42s} {nit!s:>4s} {m['computes']:6d} {m['reads']:6.1f} {m['wall']:7.1f} "
              f"{m['median']:13.2f} {m['peak']:8.0f}  {note}")
    print("(passes: Dask computes that read the data; reads: chunks generated / chunks)")
    by = {label: m for label, _, m, _ in rows}
    for ours, peer in (("symtaylor newton", "dask-glm newton (normalize=True, default)"),
                       ("symtaylor newton", "dask-glm newton, normalize=False"),
                       ("symtaylor newton, gtol 1e-12 N", "dask-glm newton, normalize=False"),
                       ("symtaylor newton, gtol 1e-12 N, no check",
                        "dask-glm newton, normalize=False"),
                       ("symtaylor newton, warm start", "dask-glm newton, normalize=False"),
                       ("symtaylor newton, warm, gtol 1e-12 N",
                        "dask-glm newton, normalize=False"),
                       ("symtaylor l-bfgs, gtol 1e-6 N", "dask-glm lbfgs, normalize=False")):
        if ours in by and peer in by:
            a, p = by[ours], by[peer]
            print(f"  {ours} vs {peer}: passes {a['reads']:.2f} vs {p['reads']:.2f}, median "
                  f"s/pass ratio (theirs / ours) {p['median'] / a['median']:.2f}")
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
