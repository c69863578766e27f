"""Fits over Dask-backed data (issue 18, section 2): the in-memory answer, one pass per iteration.

Truth: the same fit with the data in memory (to 1e-10), SciPy on the in-memory problem, and
a counting wrapper around the per-chunk work (each chunk read once per pass, one pass per Newton
iteration). A ``LocalCluster`` with worker processes gives what the local scheduler gives.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

da = pytest.importorskip("dask.array")

from symtaylor import least_squares, minimize  # noqa: E402
from symtaylor.errors import InputError  # noqa: E402
from symtaylor.optimize import dask_data  # noqa: E402

D = 4
B = sp.symbols(f"b0:{D}", real=True)
XS = sp.symbols(f"x0:{D}", real=True)
Y = sp.Symbol("y", real=True)
Z = sum(b * x for b, x in zip(B, XS))
LOGISTIC = sp.log(1 + sp.exp(Z)) - Y * Z


def _logistic_data(n: int = 6000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, D))
    p = 1.0 / (1.0 + np.exp(-(X @ np.linspace(-1.0, 1.5, D))))
    return X, (rng.random(n) < p).astype(float)


def _columns(X: np.ndarray, y: np.ndarray, chunks: int | None = None) -> dict:
    cols = {s: X[:, j] for j, s in enumerate(XS)}
    cols[Y] = y
    if chunks is None:
        return cols
    return {s: da.from_array(v, chunks=chunks) for s, v in cols.items()}


X, YV = _logistic_data()
MEM = _columns(X, YV)
DASK = _columns(X, YV, chunks=1100)  # 6 blocks, the last one short


@pytest.mark.parametrize("method", ["newton", "trust-region", "l-bfgs"])
def test_logistic_regression_equals_in_memory(method):
    ref = minimize(LOGISTIC, list(B), np.zeros(D), method=method, data=MEM)
    got = minimize(LOGISTIC, list(B), np.zeros(D), method=method, data=DASK)
    assert ref.success and got.success
    assert np.max(np.abs(got.x - ref.x)) <= 1e-10
    assert abs(got.fun - ref.fun) <= 1e-10 * abs(ref.fun)
    assert got.data_passes is not None and ref.data_passes is None


def test_logistic_regression_equals_scipy_and_mean():
    scipy_opt = pytest.importorskip("scipy.optimize")

    def f(b):
        z = X @ b
        return float(np.sum(np.logaddexp(0.0, z) - YV * z))

    def g(b):
        return X.T @ (1.0 / (1.0 + np.exp(-(X @ b))) - YV)

    ref = scipy_opt.minimize(f, np.zeros(D), jac=g, method="BFGS", options={"gtol": 1e-10})
    got = minimize(LOGISTIC, list(B), np.zeros(D), data=DASK)
    assert np.max(np.abs(got.x - ref.x)) <= 1e-7
    mean = minimize(LOGISTIC, list(B), np.zeros(D), data=DASK, reduce="mean", gtol=1e-12)
    assert np.max(np.abs(mean.x - got.x)) <= 1e-10
    assert abs(mean.fun - got.fun / len(YV)) <= 1e-12


def _curve() -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, 4.0, 4000)
    return t, 3.0 * np.exp(-0.7 * t) + 0.5 + 0.02 * np.sin(40 * t)


A, K, C, T, YY = sp.symbols("a k c t yy", real=True)
MODEL = A * sp.exp(-K * T) + C - YY


@pytest.mark.parametrize("method", ["lm", "gauss-newton"])
def test_nonlinear_least_squares_equals_in_memory_and_scipy(method):
    t, y = _curve()
    x0 = [1.0, 0.1, 0.0] if method == "lm" else [2.0, 0.5, 0.3]
    ref = least_squares(MODEL, [A, K, C], x0, data={T: t, YY: y}, method=method)
    dd = {T: da.from_array(t, chunks=900), YY: da.from_array(y, chunks=900)}
    got = least_squares(MODEL, [A, K, C], x0, data=dd, method=method)
    assert ref.success and got.success, got.message
    assert np.max(np.abs(got.x - ref.x)) <= 1e-10
    assert abs(got.fun - ref.fun) <= 1e-10 * ref.fun
    assert abs(got.grad_norm) <= 1e-6
    np.testing.assert_allclose(got.residuals.compute(), ref.residuals, rtol=0, atol=1e-10)
    scipy_opt = pytest.importorskip("scipy.optimize")
    sp_ref = scipy_opt.least_squares(lambda p: p[0] * np.exp(-p[1] * t) + p[2] - y,
                                     [1.0, 0.1, 0.0], method="lm", xtol=1e-15, ftol=1e-15,
                                     gtol=1e-15)
    assert np.max(np.abs(got.x - sp_ref.x)) <= 1e-9


def test_one_pass_per_newton_iteration(monkeypatch):
    calls = []
    original = dask_data.ChunkPass.__call__

    def counting(self, *blocks, **kw):
        calls.append(blocks[0].shape[0])
        return original(self, *blocks, **kw)

    monkeypatch.setattr(dask_data.ChunkPass, "__call__", counting)
    seen = []

    def watch(state):
        seen.append(len(calls))

    r = minimize(LOGISTIC, list(B), np.zeros(D), data=DASK, callback=watch)
    nblocks = DASK[Y].numblocks[0]
    # every pass reads each chunk exactly once
    assert len(calls) == r.data_passes * nblocks
    assert sum(calls) == r.data_passes * len(YV)
    # between two iterations: one pass (f, gradient and Hessian at the new point together)
    per_iteration = np.diff(seen) // nblocks
    assert r.nit >= 4 and per_iteration.tolist() == [1] * r.nit
    # in all: x0 and each iterate once, and the post-run descent probes together in one pass
    assert r.data_passes == r.nit + 2
    # least squares: one pass per evaluation point (r^T r, J^T r, J^T J together)
    calls.clear()
    t, y = _curve()
    dd = {T: da.from_array(t, chunks=1000), YY: da.from_array(y, chunks=1000)}
    ls = least_squares(MODEL, [A, K, C], [1.0, 0.1, 0.0], data=dd)
    assert len(calls) == ls.data_passes * 4
    assert ls.data_passes <= ls.nfev + 1


def test_dataframe_columns():
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({s.name: v for s, v in MEM.items()})
    ddf = dd.from_pandas(frame, npartitions=3)
    ref = minimize(LOGISTIC, list(B), np.zeros(D), data=MEM)
    got = minimize(LOGISTIC, list(B), np.zeros(D), data={s.name: ddf[s.name] for s in MEM})
    assert np.max(np.abs(got.x - ref.x)) <= 1e-10
    whole = minimize(LOGISTIC, list(B), np.zeros(D), data=ddf)
    assert np.max(np.abs(whole.x - ref.x)) <= 1e-10


def test_bad_dask_data():
    with pytest.raises(InputError, match="every column as a Dask array"):
        minimize(LOGISTIC, list(B), np.zeros(D), data={**DASK, Y: YV})
    bad = YV.copy()
    bad[5] = np.nan
    with pytest.raises(InputError, match="non-finite"):
        minimize(LOGISTIC, list(B), np.zeros(D), data={**DASK, Y: da.from_array(bad, 1000)})
    with pytest.raises(InputError, match="different lengths"):
        minimize(LOGISTIC, list(B), np.zeros(D), data={**DASK, Y: da.zeros(10, chunks=5)})
    with pytest.raises(InputError, match="one-dimensional"):
        minimize(LOGISTIC, list(B), np.zeros(D), data={**DASK, Y: da.zeros((6000, 2))})


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        yield client


def test_local_cluster_equals_local_scheduler(cluster_client):
    # worker processes: the per-chunk function is pickled as expressions and compiled there
    local = minimize(LOGISTIC, list(B), np.zeros(D), data=DASK, method="newton")
    t, y = _curve()
    dd = {T: da.from_array(t, chunks=900), YY: da.from_array(y, chunks=900)}
    with cluster_client.as_current():
        on_cluster = minimize(LOGISTIC, list(B), np.zeros(D), data=DASK, method="newton")
        ls_cluster = least_squares(MODEL, [A, K, C], [1.0, 0.1, 0.0], data=dd)
    ls_local = least_squares(MODEL, [A, K, C], [1.0, 0.1, 0.0], data=dd)
    assert np.max(np.abs(on_cluster.x - local.x)) <= 1e-12
    assert on_cluster.nit == local.nit and on_cluster.data_passes == local.data_passes
    assert np.max(np.abs(ls_cluster.x - ls_local.x)) <= 1e-12


def _multistart_jobs() -> list[dict]:
    return [{"x0": [x0, y0]} for x0 in (-1.5, 0.3, 2.0) for y0 in (-1.0, 1.5)]


def test_map_fits_equals_a_loop():
    from symtaylor import map_fits

    f = "(x**2 - 1)**2 + (y - x)**2 / 2"
    jobs = _multistart_jobs()
    loop = [minimize(f, "x y", method="newton", **job) for job in jobs]
    fits = map_fits("minimize", jobs, f=f, variables="x y", method="newton")
    assert [r.x.tolist() for r in fits] == [r.x.tolist() for r in loop]
    assert [r.nit for r in fits] == [r.nit for r in loop]
    # a sweep over data sets with least_squares
    t = np.linspace(0, 1, 50)
    sweep = [{"data": {"t": t, "y": k * t + 1}} for k in (1.0, 2.0, 3.0)]
    ls = map_fits(least_squares, sweep, residuals="a + b*t - y", variables="a b", x0=[0, 0])
    assert np.allclose([r.x[1] for r in ls], [1.0, 2.0, 3.0], atol=1e-12)
    with pytest.raises(InputError, match="mapping"):
        map_fits("minimize", [[1.0]], f=f)
    with pytest.raises(InputError, match="minimize or least_squares"):
        map_fits(print, jobs, f=f)


def test_map_fits_on_a_cluster(cluster_client, capsys):
    from symtaylor import map_fits

    f = "(x**2 - 1)**2 + (y - x)**2 / 2"
    jobs = _multistart_jobs()
    loop = [minimize(f, "x y", method="trust-region", **job) for job in jobs]
    with cluster_client.as_current():
        fits = map_fits("minimize", jobs, f=f, variables="x y", method="trust-region")
    assert [r.x.tolist() for r in fits] == [r.x.tolist() for r in loop]
    assert [r.status for r in fits] == [r.status for r in loop]


class _Terminal:
    """A stand-in for stderr that says it is a terminal and keeps what is written."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


def test_progress_on_a_terminal_only(monkeypatch, capsys):
    from symtaylor.optimize import run

    f = "(1 - x)**2 + 100*(y - x**2)**2"
    monkeypatch.setattr(run, "AUTO_AFTER", 0.0)
    monkeypatch.setattr(run, "AUTO_EVERY", 0.0)
    # not a terminal (pytest's capture): the default stays quiet
    quiet = minimize(f, "x y", [-1.2, 1], method="bfgs")
    assert capsys.readouterr().err == ""
    term = _Terminal()
    monkeypatch.setattr(run.sys, "stderr", term)
    shown = minimize(f, "x y", [-1.2, 1], method="bfgs")
    lines = [ln for ln in term.text.splitlines() if "iter" in ln]
    assert len(lines) == shown.nit + 1 == quiet.nit + 1  # every iterate (thresholds at 0)
    last = lines[-1].split()
    assert int(last[1]) == shown.nit and float(last[4]) == pytest.approx(shown.fun, abs=1e-9)
    term.text = ""
    minimize(f, "x y", [-1.2, 1], method="bfgs", progress=False)
    assert term.text == ""
    # a short run on a terminal with the real thresholds (2 s) prints nothing
    monkeypatch.setattr(run, "AUTO_AFTER", 2.0)
    minimize(f, "x y", [-1.2, 1], method="newton")
    assert term.text == ""
    with pytest.raises(InputError, match="progress"):
        minimize(f, "x y", [-1.2, 1], progress="bars")


def test_task_progress_on_dask(capsys):
    from symtaylor import map_fits

    r = minimize(LOGISTIC, list(B), np.zeros(D), data=DASK, progress="tasks")
    err = capsys.readouterr().err
    assert r.success and err.count("Completed") >= r.data_passes
    fits = map_fits("minimize", [{"x0": [1.0]}, {"x0": [-1.0]}], f="x**2", variables="x",
                    progress=True)
    assert len(fits) == 2 and "Completed" in capsys.readouterr().err


def test_several_residuals_over_data():
    t = np.linspace(0.0, 2.0, 3001)
    y1, y2 = 2 * np.exp(-t) + 0.01 * np.cos(9 * t), np.sin(1.5 * t)
    a, k, w, tt, r1, r2 = sp.symbols("a k w t y1 y2")
    res = [a * sp.exp(-k * tt) - r1, sp.sin(w * tt) - r2]
    ref = least_squares(res, [a, k, w], [1, 0.5, 1.2], data={tt: t, r1: y1, r2: y2})
    dd = {s: da.from_array(v, chunks=700) for s, v in ((tt, t), (r1, y1), (r2, y2))}
    got = least_squares(res, [a, k, w], [1, 0.5, 1.2], data=dd)
    assert ref.success and got.success
    assert np.max(np.abs(got.x - ref.x)) <= 1e-10 and abs(got.fun - ref.fun) <= 1e-12
    np.testing.assert_allclose(got.residuals.compute(), ref.residuals, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["newton", "trust-region", "l-bfgs"])
def test_no_pass_repeats_a_point(monkeypatch, method):
    """No pass re-evaluates what an earlier one gave (the last points' results are kept by
    the bytes of x), and ``data_passes`` is the number of Dask computes that read the data."""
    from dask.callbacks import Callback

    passes = []
    original = dask_data._Passes.__call__

    def logged(self, x, what):
        passes.append((np.asarray(x, dtype=float).tobytes(), what))
        return original(self, x, what)

    monkeypatch.setattr(dask_data._Passes, "__call__", logged)
    computes = []
    with Callback(start=lambda dsk: computes.append(1)):
        r = minimize(LOGISTIC, list(B), np.zeros(D), method=method, data=DASK)
    assert r.success and r.data_passes == len(passes) == len(computes)
    gives = {"f": {"f"}, "fg": {"f", "fg"}, "fgh": {"f", "fg", "fgh"}}
    for i, (xb, what) in enumerate(passes):
        assert not any(xb == xe and what in gives[we] for xe, we in passes[:i]), (i, what)
    # in all: one pass per point the core asked for, the Hessian at the end point for
    # l-bfgs (its passes carry f and g only), and the post-run probes together in one pass
    points = {xb for xb, what in passes if what != "f"}
    assert r.data_passes == len(points) + (1 if method == "l-bfgs" else 0) + 1


@pytest.mark.parametrize("method", ["newton", "trust-region"])
def test_chunk_warm_start_equals_in_memory_in_fewer_passes(method):
    # independent truth: the in-memory fit from x0 (and SciPy's, test above); 4 blocks of 5000
    Xw, yw = _logistic_data(20000, seed=3)
    mem, dsk = _columns(Xw, yw), _columns(Xw, yw, chunks=5000)
    ref = minimize(LOGISTIC, list(B), np.zeros(D), method=method, data=mem)
    cold = minimize(LOGISTIC, list(B), np.zeros(D), method=method, data=dsk)
    warm = minimize(LOGISTIC, list(B), np.zeros(D), method=method, data=dsk,
                    warm_start="chunk")
    assert ref.success and cold.success and warm.success
    assert np.max(np.abs(warm.x - ref.x)) <= 1e-10
    assert abs(warm.fun - ref.fun) <= 1e-12 * abs(ref.fun)
    # the chunk read counts as its fraction of the data: 1 block of 4
    assert warm.data_passes % 1 == pytest.approx(0.25)
    assert warm.data_passes < cold.data_passes


def test_chunk_warm_start_reads_one_chunk_once():
    # the chunk generations are counted independently of data_passes: columns sliced from
    # one 2-D array whose blocks are generated (and counted) on demand
    Xw, yw = _logistic_data(20000, seed=4)
    full = np.column_stack([Xw, yw])
    hits: list[int] = []

    def block(block_info=None):
        i = block_info[None]["chunk-location"][0]
        hits.append(i)
        return full[i * 5000:(i + 1) * 5000]

    arr = da.map_blocks(block, chunks=((5000,) * 4, (D + 1,)), dtype=float,
                        meta=np.empty((0, 0)))
    cols = {s: arr[:, j] for j, s in enumerate((*XS, Y))}
    warm = minimize(LOGISTIC, list(B), np.zeros(D), data=cols, warm_start="chunk")
    assert warm.success
    assert warm.data_passes == pytest.approx(len(hits) / 4)
    ref = minimize(LOGISTIC, list(B), np.zeros(D), data=_columns(Xw, yw))
    assert np.max(np.abs(warm.x - ref.x)) <= 1e-10


def test_warm_start_refused():
    from symtaylor.errors import SolverError

    with pytest.raises(SolverError, match="warm_start"):
        minimize(LOGISTIC, list(B), np.zeros(D), data=DASK, warm_start="all")
    with pytest.raises(SolverError, match="Dask"):
        minimize(LOGISTIC, list(B), np.zeros(D), data=MEM, warm_start="chunk")
    # quasi-Newton: the full-data fit would restart with an empty curvature memory
    with pytest.raises(SolverError, match="Hessian"):
        minimize(LOGISTIC, list(B), np.zeros(D), method="l-bfgs", data=DASK,
                 warm_start="chunk")


def test_chunk_warm_start_fraction_is_rows_read():
    # unequal blocks: the chunk read counts as its rows over all rows (10 of 4000)
    Xw, yw = _logistic_data(4000, seed=7)
    cols = {s: da.from_array(c, chunks=((10, 3990),))
            for s, c in zip((*XS, Y), (*Xw.T, yw))}
    warm = minimize(LOGISTIC, list(B), np.zeros(D), data=cols, warm_start="chunk")
    assert warm.data_passes % 1 == pytest.approx(10 / 4000)
    ref = minimize(LOGISTIC, list(B), np.zeros(D), data=_columns(Xw, yw))
    assert np.max(np.abs(warm.x - ref.x)) <= 1e-10


def test_chunk_warm_start_keeps_x0_when_the_chunk_fit_fails():
    # f = b**2 x**2 - y b: the first block has x = 0, so its fit is unbounded below (b ->
    # inf); the warm start must not start the full fit there. Truth: b* = sum y / (2 sum x^2)
    b = sp.Symbol("b")
    xs_, ys_ = sp.symbols("u v")
    rng = np.random.default_rng(8)
    xv = np.concatenate([np.zeros(500), rng.normal(size=1500)])
    yv = np.ones(2000)
    cols = {xs_: da.from_array(xv, chunks=500), ys_: da.from_array(yv, chunks=500)}
    f = b**2 * xs_**2 - ys_ * b
    cold = minimize(f, [b], np.zeros(1), method="trust-region", data=cols)
    warm = minimize(f, [b], np.zeros(1), method="trust-region", data=cols,
                    warm_start="chunk")
    assert warm.success and cold.success
    assert warm.x[0] == pytest.approx(yv.sum() / (2 * (xv**2).sum()), rel=1e-10)
    assert warm.data_passes == pytest.approx(cold.data_passes + 0.25)
    # an empty first block: no warm start, the cold fit plus nothing read
    cols0 = {xs_: da.from_array(xv, chunks=((0, 2000),)),
             ys_: da.from_array(yv, chunks=((0, 2000),))}
    empty = minimize(f, [b], np.zeros(1), method="trust-region", data=cols0,
                     warm_start="chunk")
    assert empty.success and empty.x[0] == pytest.approx(warm.x[0], rel=1e-10)


def test_chunk_warm_start_on_sorted_data():
    # an unrepresentative first chunk (the rows sorted by label: all of it y = 0) moves only
    # the start: the fit still ends at the in-memory optimum from x0
    Xs, ys = _logistic_data(6000, seed=5)
    order = np.argsort(ys, kind="stable")
    Xs, ys = Xs[order], ys[order]
    assert not ys[:1000].any()
    ref = minimize(LOGISTIC, list(B), np.zeros(D), data=_columns(Xs, ys))
    warm = minimize(LOGISTIC, list(B), np.zeros(D), data=_columns(Xs, ys, chunks=1000),
                    warm_start="chunk")
    assert ref.success and warm.success
    assert np.max(np.abs(warm.x - ref.x)) <= 1e-10
