"""The compiled residuals of :func:`least_squares`: ``r(x)`` and its Jacobian as NumPy callables.

:func:`build_residuals` parses and checks the residuals once, derives the Jacobian exactly and
compiles both (cached). A list of residuals is compiled in a canonical order, shared with
:func:`minimize` on ``sum(r_i^2)``, and read back in the user's order; with ``data=`` ONE
residual expression in data symbols is vectorised over the samples. A front-end cache entry
(same residual text, variables and data names) skips parsing on a repeated fit; only the data
arrays are checked again.

Examples
--------
>>> import numpy as np
>>> res = build_residuals(["10*(y - x**2)", "1 - x"], "x y", None)
>>> res.fun(np.array([0.5, 0.0])).tolist(), res.jac(np.array([0.5, 0.0])).tolist()
([-2.5, 0.5], [[-10.0, 10.0], [-1.0, 0.0]])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..calculus import jacobian
from ..codegen import compile_numpy
from ..coerce import DataLike, as_exprs
from .cache import CACHE, cached
from .inputs import (
    data_columns,
    fold_constants,
    match_data,
    realify,
    solver_variables,
    with_data_args,
)

__all__ = ["CSE_MAX", "Residuals", "build_residuals", "compile_residuals"]

# Above this many entries the common-subexpression pass costs more (seconds, in SymPy) than it
# saves at run time (measured on the MGH Jacobians), so it is skipped.
CSE_MAX = 150


@dataclass
class Residuals:
    """Compiled residuals: ``fun(x)`` (shape ``(m,)``) and ``jac(x)`` (``(m, n)``), with the
    expressions, variables, data columns and exact Jacobian they came from."""

    exprs: list[sp.Expr]
    variables: tuple[sp.Symbol, ...]
    data: tuple[np.ndarray, ...]
    jac_exprs: sp.Matrix
    compile_time: float
    _r: Callable[..., np.ndarray]
    _j: Callable[..., np.ndarray]
    m: int
    #: (expressions, variables, data symbols) as compiled: what a Dask worker compiles again
    prepared: tuple = ()

    def __post_init__(self) -> None:
        # Plain closures (no method lookups, no copies when the shapes are already right): the
        # LM loop calls them once per evaluation.
        r, j, data, m, n = self._r, self._j, self.data, self.m, len(self.variables)

        def fun(x: np.ndarray) -> np.ndarray:
            out = r(x, *data)
            if out.shape == (m,):
                return out
            out = np.asarray(out, dtype=float)
            return out.reshape(m) if out.size == m else np.broadcast_to(out, (m,))

        def jac(x: np.ndarray) -> np.ndarray:
            out = j(x, *data)
            if out.shape == (m, n):
                return out
            out = np.asarray(out, dtype=float)
            return out.reshape(m, n) if out.size == m * n else np.broadcast_to(out, (m, n))

        self.fun = fun
        self.jac = jac


def compile_residuals(exprs: list[sp.Expr], syms: tuple[sp.Symbol, ...],
                      data_syms: tuple[sp.Symbol, ...]) -> tuple:
    """``(J, r, j)``: the exact Jacobian and the compiled residual and Jacobian functions."""
    J = jacobian(exprs, syms)
    if data_syms and len(exprs) == 1:
        # The curve-fitting form: one residual over the samples, r (N,) and J (N, n).
        rc = compile_numpy(exprs[0], syms, params=data_syms, name="residual")
        jc = compile_numpy(list(J), syms, params=data_syms, name="jacobian")
    else:
        rc = compile_numpy(exprs, syms, params=data_syms, name="residuals",
                           cse=len(exprs) <= CSE_MAX)
        jc = compile_numpy(J, syms, params=data_syms, name="jacobian", cse=len(J) <= CSE_MAX)
    return J, rc.function, jc.function


def front_key(obj: Any) -> Any:
    """A hashable key for text, SymPy input, or a list/tuple of them; ``None`` when ``obj`` is
    anything else (a callable, an array...), which then takes the slow path every time."""
    if obj is None or isinstance(obj, str | sp.Basic):
        return obj
    if type(obj) in (list, tuple):
        keys = tuple(front_key(v) for v in obj)
        if all(k is not None for k in keys):
            return (type(obj).__name__, keys)
    return None


def data_arrays(data: DataLike) -> tuple[np.ndarray, ...]:
    """The data columns as float arrays, checked (see :func:`data_columns`)."""
    return data_columns(data)[1]


def build_residuals(residuals: Any, variables: Any, data: Any) -> Residuals:
    # Front-end cache: the same residuals, variables and data names as a previous call (the
    # usual case when fitting again from another start or to new data) skip the parsing,
    # variable checks and derivation look-ups; only the data arrays are checked again.
    fkey = None
    if data is None or (isinstance(data, Mapping) and data):
        rk, vk = front_key(residuals), front_key(variables)
        if rk is not None and (vk is not None or variables is None):
            dk = None if data is None else tuple(front_key(k) for k in data)
            if dk is None or all(k is not None for k in dk):
                fkey = ("front", rk, vk, dk)
                hit = CACHE.get(fkey)
                if hit is not None:
                    # compiled earlier: no compile time in this run
                    return hit(data_arrays(data) if data is not None else (), 0.0)
    build, compile_time = _residuals_builder(residuals, variables, data)
    if fkey is not None:
        CACHE.put(fkey, build)
    return build(data_columns(data)[1], compile_time)


def _residuals_builder(residuals: Any, variables: Any, data: Any
                       ) -> tuple[Callable[[tuple[np.ndarray, ...], float], Residuals], float]:
    """Parse, check and compile (cached): ``(build, seconds spent compiling now)`` with
    ``build(arrays, compile_time) -> Residuals``."""
    data_syms, _ = data_columns(data)
    exprs = as_exprs(with_data_args(residuals, variables, data_syms), variables)
    data_syms = match_data(exprs, data_syms)
    syms = solver_variables(exprs, variables, data_syms)

    def prepare() -> tuple:
        es, sy, ds = realify(list(exprs), syms, data_syms)
        return [fold_constants(e) for e in es], sy, ds

    (exprs2, syms2, data2), dt0 = cached(("prepare", tuple(exprs), syms, data_syms), prepare)
    n, k = len(syms2), len(exprs2)
    if not data2:
        # Compiled in a canonical order (shared with minimize on sum(r_i^2)), used in the user's.
        order = sorted(range(k), key=lambda i: sp.default_sort_key(exprs2[i]))
        canon = tuple(exprs2[i] for i in order)
        (Jc, rcc, jcc), dt = cached(("residuals", canon, syms2, ()),
                                     lambda: compile_residuals(list(canon), syms2, ()))
        if order == list(range(k)):
            return (lambda arrays, ct: Residuals(exprs2, syms, (), Jc, ct, rcc, jcc, k)), dt0 + dt
        inv = np.argsort(order)
        J = sp.Matrix([list(Jc.row(int(i))) for i in inv])

        def r_user(x: np.ndarray) -> np.ndarray:
            return np.asarray(rcc(x))[inv]

        def j_user(x: np.ndarray) -> np.ndarray:
            return np.asarray(jcc(x))[inv]

        return (lambda arrays, ct: Residuals(exprs2, syms, (), J, ct, r_user, j_user, k)), \
            dt0 + dt
    (J, rc, jc), dt = cached(("residuals", tuple(exprs2), syms2, data2),
                              lambda: compile_residuals(exprs2, syms2, data2))

    def build(arrays: tuple[np.ndarray, ...], ct: float) -> Residuals:
        N = arrays[0].size
        if k == 1:
            r_fn, j_fn = rc, jc  # (N,) and (N, n); a constant is broadcast by fun/jac
        else:
            # Every residual expression broadcast over the samples: (N, k) and (N, k, n).
            def r_fn(x: np.ndarray, *p: np.ndarray) -> np.ndarray:
                return np.broadcast_to(rc(x, *p), (N, k)).T

            def j_fn(x: np.ndarray, *p: np.ndarray) -> np.ndarray:
                return np.broadcast_to(jc(x, *p), (N, k, n)).transpose(1, 0, 2)

        return Residuals(exprs2, syms, arrays, J, ct, r_fn, j_fn, N * k,
                         (tuple(exprs2), syms2, data2))

    return build, dt0 + dt
