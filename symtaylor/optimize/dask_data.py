"""Data that outgrows one machine: :func:`minimize` and :func:`least_squares` on Dask arrays.

When ``data=`` holds Dask arrays (or Dask DataFrame columns), nothing is brought into one
process: every evaluation the solver asks for is ONE fused pass over the data. Each chunk runs
the compiled NumPy objective on its samples and returns its partial sums, packed in one vector:

* :func:`minimize`: ``f``, the gradient and (for the methods that use it, ``newton`` and
  ``trust-region``) the Hessian;
* :func:`least_squares`: ``r^T r``, ``J^T r`` and ``J^T J``;

and Dask's tree reduction adds them across chunks and workers. The pass at a point serves
every later request at that point (a Newton line search that accepts the full step has the
gradient and Hessian at the new point already), so a Newton iteration reads the data once.
The cores run unchanged: minimization gets ``f``, ``grad``, ``hess``; Levenberg–Marquardt and
Gauss–Newton get the *compressed* problem ``r_c = [R^{-T} J^T r, sqrt(r^T r - |R^{-T} J^T r|^2)]``,
``J_c = [R; 0]`` with ``R^T R = J^T J`` (Cholesky, or the eigen-decomposition when ``J^T J`` is
singular), which has the same sum of squares, gradient ``J^T r``, Gauss–Newton matrix ``J^T J``,
column norms and linear model ``|r + J p|^2`` (up to a constant) as the ``N x n`` problem, so
MINPACK's iterations are those of the full problem.

Workers: the per-chunk function (:class:`ChunkPass`) pickles as its exact SymPy expressions
and is compiled again on a worker by :mod:`symtaylor.codegen` (once per process, cached): no
source text travels, and nothing a worker receives is executed as code.

Examples
--------
>>> import dask.array as da, numpy as np
>>> from symtaylor import minimize
>>> t = da.linspace(0, 1, 1000, chunks=250)
>>> y = 2 + 3 * t
>>> r = minimize("(a + b*t - y)**2", "a b", [0, 0], data={"t": t, "y": y})
>>> r.success, np.round(r.x, 10).tolist(), r.data_passes <= r.nit + 4
(True, [2.0, 3.0], True)
"""

from __future__ import annotations

import math
import sys
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..coerce import _as_symbol, _show
from ..errors import InputError, OptionalDependencyError
from .cache import cached

__all__ = ["ChunkPass", "DaskObjective", "DaskResiduals", "dask_columns", "first_chunk",
           "is_dask_data"]

_LOCK = threading.Lock()


def _is_dask(v: Any) -> bool:
    return hasattr(v, "__dask_graph__") and callable(getattr(v, "__dask_graph__", None))


def is_dask_data(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame or a mapping with a Dask array or column in it."""
    if data is None:
        return False
    if isinstance(data, Mapping):
        return any(_is_dask(v) for v in data.values())
    return _is_dask(data) and hasattr(data, "columns")


def _dask_array_module() -> Any:
    try:
        import dask.array as da
    except ImportError:
        raise OptionalDependencyError("data given as Dask arrays needs Dask: pip install "
                                      "'symtaylor[dask]'") from None
    return da


def dask_columns(data: Any) -> tuple[tuple[sp.Symbol, ...], tuple[Any, ...]]:
    """The data symbols and the columns as 1-D real Dask arrays with one block structure
    (rechunked to the first column's chunks where their sizes are known; columns of one
    DataFrame share their partitions). Every column must be a Dask array or Series: a mix with
    in-memory arrays is refused (give ``da.from_array(a, chunks=...)``)."""
    da = _dask_array_module()
    if not isinstance(data, Mapping):  # a Dask DataFrame: its columns by name
        data = {str(c): data[c] for c in data.columns}
    if not data:
        raise InputError("data must be a non-empty mapping {symbol or name: array}")
    syms: list[sp.Symbol] = []
    cols: list[Any] = []
    for k, v in data.items():
        s = _as_symbol(k, what="data")
        if any(o.name == s.name for o in syms):
            raise InputError(f"data gives the column {s.name} twice")
        if not _is_dask(v):
            raise InputError(f"data[{s.name}] is {_show(v)}, but other columns are Dask "
                             "arrays: give every column as a Dask array (da.from_array)")
        if not isinstance(v, da.Array):
            to_array = getattr(v, "to_dask_array", None)
            if to_array is None:
                raise InputError(f"data[{s.name}] is a Dask collection that is not an array "
                                 f"or a DataFrame column: {type(v).__name__}")
            v = to_array()
        if v.ndim != 1:
            raise InputError(f"data[{s.name}] must be one-dimensional, got shape {v.shape}")
        if v.dtype.kind not in "biuf":
            raise InputError(f"data[{s.name}] must be real numbers, got dtype {v.dtype}")
        syms.append(s)
        cols.append(v)
    first = cols[0]
    known = all(not any(math.isnan(c) for c in a.chunks[0]) for a in cols)
    if known:
        lengths = {a.shape[0] for a in cols}
        if len(lengths) != 1:
            raise InputError(f"data columns have different lengths {sorted(lengths)}")
        if first.shape[0] == 0:
            raise InputError("data columns are empty")
        cols = [a if a.chunks == first.chunks else a.rechunk(first.chunks) for a in cols]
    elif len({a.numblocks for a in cols}) != 1:
        raise InputError("data columns of unknown chunk sizes must have one number of blocks "
                         "(columns of one DataFrame do)")
    return tuple(syms), tuple(cols)


def first_chunk(cols: tuple[Any, ...]) -> tuple[tuple[np.ndarray, ...], float]:
    """The first row block of every column computed into memory (in one compute, so columns
    sliced from one 2-D array read its chunk once) and the fraction of the data that is: its
    rows over all rows when the row count is known (Dask arrays), otherwise (a DataFrame's
    columns of unknown length) one block of ``numblocks``. A warm start fits on it before
    the full-data passes."""
    import dask

    blocks = tuple(np.asarray(b, dtype=float).reshape(-1)
                   for b in dask.compute(*[c.blocks[0] for c in cols]))
    total = cols[0].shape[0]
    if isinstance(total, (int, np.integer)) and total > 0:
        return blocks, blocks[0].size / float(total)
    return blocks, 1.0 / cols[0].numblocks[0]


class ChunkPass:
    """The work of one pass on one chunk: partial sums packed as ``[n_samples, non-finite
    data values, f, g (n), H (n*n)]`` (``kind="minimize"``; H only with ``what="fgh"``) or
    ``[n_samples, non-finite, r^T r, J^T r (n), J^T J (n*n)]`` (``kind="least-squares"``).

    Picklable: it is its exact expressions, variables and data symbols, compiled on first use
    in each process (through the solvers' cache, so the driver's compilation is reused in its
    own process)."""

    def __init__(self, kind: str, exprs: tuple[sp.Expr, ...], variables: tuple[sp.Symbol, ...],
                 data: tuple[sp.Symbol, ...]) -> None:
        self.kind, self.exprs, self.variables, self.data = kind, exprs, variables, data
        self._fn: Any = None

    def __reduce__(self) -> tuple:
        return (ChunkPass, (self.kind, self.exprs, self.variables, self.data))

    def __dask_tokenize__(self) -> Any:
        return ("symtaylor-chunk-pass", self.kind, sp.srepr(self.exprs), self.variables,
                self.data)

    def compiled(self) -> Any:
        if self._fn is None:
            with _LOCK:
                if self._fn is None:
                    self._fn = self._compile()
        return self._fn

    def _compile(self) -> Any:
        syms, ds = self.variables, self.data
        if self.kind == "minimize":
            from ..codegen import compile_objective

            (expr,) = self.exprs
            return cached(("objective", expr, syms, ds, "sum"),
                          lambda: compile_objective(expr, syms, data=ds, reduce="sum",
                                                    name="f"))[0]
        from .residuals import compile_residuals

        return cached(("residuals", self.exprs, syms, ds),
                      lambda: compile_residuals(list(self.exprs), syms, ds))[0]

    def size(self, what: str, points: int = 1) -> int:
        n = len(self.variables)
        if what == "f":
            return 2 + points
        return 2 + 1 + n + (n * n if what in ("fgh", "lsq") else 0)

    def __call__(self, *blocks: np.ndarray, x: np.ndarray, what: str,
                 check: bool) -> np.ndarray:
        # contiguous: the generated code runs ~2x faster on them than on strided columns
        # (column slices of a 2-D chunk), more than the copy costs
        cols = [np.ascontiguousarray(b, dtype=float).reshape(-1) for b in blocks]
        nc = cols[0].size
        if any(c.size != nc for c in cols):
            raise InputError("data columns have blocks of different lengths "
                             f"{sorted({c.size for c in cols})}")
        out = np.zeros((1, self.size(what, len(np.atleast_2d(x)))))
        out[0, 0] = nc
        if nc == 0:
            return out
        if check:
            out[0, 1] = sum(int(c.size - np.count_nonzero(np.isfinite(c))) for c in cols)
        n = len(self.variables)
        fn = self.compiled()
        with np.errstate(all="ignore"):
            if what == "f":  # several points (the post-run probes), f only
                for i, xi in enumerate(np.atleast_2d(x)):
                    out[0, 2 + i] = fn.f.function(xi, *cols)
                return out
            if self.kind == "minimize":
                if what == "fgh" and fn.value_grad_hess is not None:
                    # one call: the chunk's columns stacked once, the linear predictor once
                    f, g, H = fn.value_grad_hess.function(x, *cols)
                    out[0, 3 + n:] = np.asarray(H).reshape(-1)
                else:
                    f, g = fn.value_and_grad.function(x, *cols)
                    if what == "fgh":
                        out[0, 3 + n:] = np.asarray(fn.hess.function(x, *cols)).reshape(-1)
                out[0, 2] = f
                out[0, 3:3 + n] = g
                return out
            _, rc, jc = fn
            k = len(self.exprs)
            r = np.asarray(rc(x, *cols), dtype=float)
            J = np.asarray(jc(x, *cols), dtype=float)
            if k == 1:
                r, J = np.broadcast_to(r, (nc,)), np.broadcast_to(J, (nc, n))
            else:
                r = np.broadcast_to(r, (nc, k)).reshape(-1)
                J = np.broadcast_to(J, (nc, k, n)).reshape(-1, n)
            out[0, 2] = r @ r
            out[0, 3:3 + n] = J.T @ r
            out[0, 3 + n:] = (J.T @ J).reshape(-1)
        return out


class _Passes:
    """Runs fused passes over the columns (one Dask graph per pass: a block-wise
    :class:`ChunkPass`, then a tree sum) and counts them. The first pass also counts the
    samples and refuses non-finite data (the in-memory path refuses it up front)."""

    def __init__(self, kernel: ChunkPass, cols: tuple[Any, ...], tasks: bool = False) -> None:
        self.kernel, self.cols, self.count, self.N = kernel, cols, 0, 0
        self.tasks = tasks

    def __call__(self, x: np.ndarray, what: str) -> np.ndarray:
        da = _dask_array_module()
        nb = self.cols[0].numblocks[0]
        size = self.kernel.size(what, len(np.atleast_2d(x)))
        check = self.count == 0
        parts = da.map_blocks(self.kernel, *self.cols, x=np.array(x, dtype=float), what=what,
                              check=check, chunks=((1,) * nb, (size,)), new_axis=[1],
                              dtype=float, meta=np.empty((0, 0)),
                              name=f"symtaylor-pass-{uuid.uuid4().hex}")
        total = parts.sum(axis=0, split_every=8)
        vals = np.asarray(_compute(total, self.tasks), dtype=float)
        self.count += 1
        if check:
            self.N = int(vals[0])
            if vals[1]:
                raise InputError(f"the data has {int(vals[1])} non-finite values (nan or inf)")
            if self.N == 0:
                raise InputError("data columns are empty")
        return vals[2:]


def _compute(obj: Any, tasks: bool) -> Any:
    """``obj.compute()``; with ``tasks`` the cluster's task progress is shown (a
    ``distributed`` progress bar under a Client, else ``dask.diagnostics.ProgressBar``)."""
    if not tasks:
        return obj.compute()
    client = _client()
    if client is not None:
        from distributed import progress

        fut = client.compute(obj)
        progress(fut)
        return fut.result()
    from dask.diagnostics import ProgressBar

    with ProgressBar(out=sys.stderr):
        return obj.compute()


def _client() -> Any:
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


class _PointCache:
    """The last points' pass results, keyed by the exact bytes of x, least recently used
    first out: up to ``keep`` points and ``floats`` numbers in all (a point with a Hessian
    holds n*n of them). A line search that gives up and steps again from a point it tried
    earlier (L-BFGS at the round-off level of f: a dozen trials, then the full step again)
    finds it here instead of in another pass."""

    def __init__(self, keep: int = 64, floats: int = 4_000_000) -> None:
        self.keep, self.floats, self.items = keep, floats, {}
        self.held = 0

    @staticmethod
    def _size(value: Any) -> int:
        return sum(np.size(v) for v in value if v is not None)

    def get(self, x: np.ndarray) -> Any:
        key = np.asarray(x, dtype=float).tobytes()
        hit = self.items.pop(key, None)
        if hit is not None:
            self.items[key] = hit  # most recently used last
        return hit

    def put(self, x: np.ndarray, value: Any) -> None:
        key = np.asarray(x, dtype=float).tobytes()
        old = self.items.pop(key, None)
        if old is not None:
            self.held -= self._size(old)
        self.items[key] = value
        self.held += self._size(value)
        while len(self.items) > 1 and (len(self.items) > self.keep
                                       or self.held > self.floats):
            self.held -= self._size(self.items.pop(next(iter(self.items))))


class DaskObjective:
    """``f``, ``grad``, ``hess`` of ``sum`` (or ``mean``) over Dask-backed data, each point
    evaluated in one fused pass (with the Hessian when ``hessian=True``, else when asked).
    Stands in for :class:`~symtaylor.optimize.objective.Objective` in the cores."""

    def __init__(self, template: Any, cols: tuple[Any, ...], reduce: str, hessian: bool,
                 tasks: bool = False) -> None:
        expr, syms, ds = template.prepared
        self.expr, self.variables, self.compile_time = template.expr, template.variables, \
            template.compile_time
        self.data = cols
        self._template = template
        self._passes = _Passes(ChunkPass("minimize", (expr,), syms, ds), cols, tasks)
        self._mean = reduce == "mean"
        self._what = "fgh" if hessian else "fg"
        self._cache = _PointCache()
        self.extra_passes = 0.0  # data read outside the passes (a warm start's chunk)

    @property
    def passes(self) -> int | float:
        """Passes over the data: the fused passes, plus the fraction of it read into memory
        for a warm start (chunks read / chunks)."""
        if self.extra_passes:
            return self._passes.count + self.extra_passes
        return self._passes.count

    def prefetch(self, points: list[np.ndarray]) -> None:
        """f at several points in ONE pass (the post-run descent probes); later requests
        for f there are served from the cache."""
        todo = [p for p in points if self._cache.get(p) is None]
        if len(todo) < 2:
            return
        vals = self._passes(np.array(todo, dtype=float), "f")
        if self._mean:
            vals = vals / self._passes.N
        for p, v in zip(todo, vals):
            self._cache.put(p, (float(v), None, None))

    def _at(self, x: np.ndarray, need_h: bool, need_g: bool = True
            ) -> tuple[float, np.ndarray, np.ndarray | None]:
        hit = self._cache.get(x)
        if hit is not None and (not need_g or hit[1] is not None) \
                and (not need_h or hit[2] is not None):
            return hit
        what = "fgh" if need_h else self._what
        vals = self._passes(x, what)
        n = len(self.variables)
        if self._mean:
            vals = vals / self._passes.N
        f, g = float(vals[0]), vals[1:1 + n].copy()
        H = vals[1 + n:].reshape(n, n).copy() if what == "fgh" else None
        out = (f, g, H)
        self._cache.put(x, out)
        return out

    def f(self, x: np.ndarray) -> float:
        return self._at(x, False, False)[0]

    def grad(self, x: np.ndarray) -> np.ndarray:
        return self._at(x, False)[1]

    def hess(self, x: np.ndarray) -> np.ndarray:
        H = self._at(x, True)[2]
        assert H is not None
        return H

    def rows(self) -> list:
        return self._template.rows()


def _compress(ss: float, Jtr: np.ndarray, JtJ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(r_c, J_c)`` of ``n + 1`` rows with ``|r_c|^2 = ss``, ``J_c^T r_c = J^T r`` and
    ``J_c^T J_c = J^T J``."""
    n = Jtr.size
    if not (np.all(np.isfinite(JtJ)) and np.all(np.isfinite(Jtr)) and math.isfinite(ss)):
        return np.full(n + 1, np.nan), np.full((n + 1, n), np.nan)
    A = 0.5 * (JtJ + JtJ.T)
    try:
        L = np.linalg.cholesky(A)
        R = L.T
        rt = np.linalg.solve(L, Jtr)
    except np.linalg.LinAlgError:
        w, V = np.linalg.eigh(A)
        tol = max(float(w[-1]), 0.0) * n * np.finfo(float).eps
        keep = w > tol
        s = np.sqrt(np.where(keep, w, 0.0))
        R = s[:, None] * V.T
        rt = np.where(keep, (V.T @ Jtr) / np.where(keep, s, 1.0), 0.0)
    last = math.sqrt(max(ss - float(rt @ rt), 0.0))
    return np.append(rt, last), np.vstack([R, np.zeros((1, n))])


class DaskResiduals:
    """The compressed residuals (``fun``, ``jac``: ``n + 1`` rows, see :func:`_compress`) of
    a least-squares fit over Dask-backed data, each point one fused pass for ``r^T r``,
    ``J^T r`` and ``J^T J``. Stands in for :class:`~symtaylor.optimize.residuals.Residuals`."""

    def __init__(self, template: Any, cols: tuple[Any, ...], tasks: bool = False) -> None:
        exprs, syms, ds = template.prepared
        self.exprs, self.variables = template.exprs, template.variables
        self.jac_exprs, self.compile_time = template.jac_exprs, template.compile_time
        self.data = cols
        self._kernel = ChunkPass("least-squares", tuple(exprs), syms, ds)
        self._passes = _Passes(self._kernel, cols, tasks)
        self._cache = _PointCache()
        self.m = len(syms) + 1

    @property
    def passes(self) -> int:
        return self._passes.count

    @property
    def samples(self) -> int:
        return self._passes.N

    def _at(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hit = self._cache.get(x)
        if hit is None:
            n = len(self.variables)
            vals = self._passes(x, "lsq")
            hit = _compress(float(vals[0]), vals[1:1 + n], vals[1 + n:].reshape(n, n))
            self._cache.put(x, hit)
        return hit

    def fun(self, x: np.ndarray) -> np.ndarray:
        return self._at(x)[0].copy()

    def jac(self, x: np.ndarray) -> np.ndarray:
        return self._at(x)[1].copy()

    def residuals_at(self, x: np.ndarray) -> Any:
        """The residuals at ``x`` as a lazy Dask array, in the in-memory order (each residual
        expression over all samples, one after the other)."""
        da = _dask_array_module()
        kernel, xs = self._kernel, np.array(x, dtype=float)
        k = len(self.exprs)

        def block(*blocks: np.ndarray, which: int) -> np.ndarray:
            cols = [np.ascontiguousarray(b, dtype=float).reshape(-1) for b in blocks]
            _, rc, _ = kernel.compiled()
            r = np.asarray(rc(xs, *cols), dtype=float)
            nc = cols[0].size
            if k == 1:
                return np.broadcast_to(r, (nc,)).copy()
            return np.broadcast_to(r, (nc, k))[:, which].copy()

        parts = [da.map_blocks(block, *self.data, which=i, chunks=self.data[0].chunks,
                               dtype=float, meta=np.empty((0,))) for i in range(k)]
        return parts[0] if k == 1 else da.concatenate(parts)
