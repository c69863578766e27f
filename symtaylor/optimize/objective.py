"""The compiled objective of :func:`minimize`: ``f``, its gradient and Hessian as NumPy callables.

:func:`build_objective` parses and checks ``f`` once, derives exactly and compiles (cached):

* in general through :func:`symtaylor.codegen.compile_objective` (one CSE over f, gradient and
  Hessian; a sum or mean over data happens in the generated code): :class:`Objective`;
* for a sum of squares ``c + sum_i w_i r_i^2`` (at least two), from the compiled residuals, their
  Jacobian and the residual Hessians' non-zero entries: :class:`SumOfSquares` (far cheaper to
  derive than the Hessian of the expanded sum, and it shares the residuals' compiled Jacobian
  with :func:`least_squares` on the same residuals).

Examples
--------
>>> import numpy as np
>>> obj = build_objective("(x - 1)**2 + 10*(y - x**2)**2", "x y", None, "sum")
>>> type(obj).__name__, obj.f(np.array([1.0, 1.0])), obj.grad(np.zeros(2)).tolist()
('SumOfSquares', 0.0, [-2.0, 0.0])
>>> type(build_objective("x**4 - 2*x**2", "x", None, "sum")).__name__
'Objective'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..calculus import hessian
from ..codegen import compile_numpy, compile_objective
from ..coerce import _show, as_expr
from ..errors import SolverError
from ..latex import Row
from .cache import cached
from .inputs import (
    data_columns,
    fold_constants,
    match_data,
    realify,
    solver_variables,
    with_data_args,
)
from .residuals import CSE_MAX, compile_residuals

__all__ = ["Objective", "Problem", "SumOfSquares", "build_objective", "squares"]


class Objective:
    """Compiled ``f``, gradient and Hessian (summed or averaged over data): the callables the
    numeric cores use. Built by :func:`symtaylor.codegen.compile_objective` (one CSE over f, its
    gradient and Hessian; the data reduction happens in the generated code)."""

    def __init__(self, expr: sp.Expr, variables: tuple[sp.Symbol, ...],
                 data: tuple[np.ndarray, ...], compiled: Any, compile_time: float) -> None:
        self.expr = expr
        self.variables = variables
        self.data = data
        self.compile_time = compile_time
        self.prepared: tuple = (expr, variables, ())
        self._c = compiled
        self._f, self._g, self._h = compiled.f.function, compiled.grad.function, \
            compiled.hess.function

    def f(self, x: np.ndarray) -> float:
        return float(self._f(x, *self.data))

    def grad(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._g(x, *self.data), dtype=float)

    def hess(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._h(x, *self.data), dtype=float)

    def rows(self) -> list[Row]:
        rows = [Row(r"\nabla f", self._c.grad.expression.T)]
        h = self._c.hess.expression
        if isinstance(h, sp.MatrixBase):
            rows.append(Row(r"\nabla^2 f", h))
        return rows


class SumOfSquares:
    """``f = c + sum_i w_i r_i(x)^2`` with its gradient ``2 J^T W r`` and Hessian
    ``2 (J^T W J + sum_i w_i r_i Hess r_i)`` assembled from the compiled residuals, their
    Jacobian and the structurally non-zero entries of the residual Hessians. Deriving these is far
    cheaper than the Hessian of the expanded sum (each residual is differentiated on its own)."""

    def __init__(self, expr: sp.Expr, variables: tuple[sp.Symbol, ...], const: float,
                 weights: np.ndarray, compiled: tuple, compile_time: float) -> None:
        self.expr = expr
        self.variables = variables
        self.data = ()
        self.compile_time = compile_time
        self.const = const
        self.w = weights
        (self.residuals, self.jac_exprs, rc, jc, hc, self._ridx, self._pos) = compiled
        self._r, self._j = rc, jc
        self._hv = hc.function if hc is not None else None
        self._x: np.ndarray | None = None
        self._rv = self._jv = None

    def _at(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if self._x is None or not np.array_equal(self._x, x):
            self._x = np.array(x, dtype=float)
            self._rv = np.asarray(self._r(x), dtype=float)
            self._jv = None
        return self._rv, self._jv  # type: ignore[return-value]

    def _jac(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, J = self._at(x)
        if J is None:
            J = self._jv = np.asarray(self._j(x), dtype=float)
        return r, J

    def f(self, x: np.ndarray) -> float:
        r, _ = self._at(x)
        return float(self.const + r @ (self.w * r))

    def grad(self, x: np.ndarray) -> np.ndarray:
        r, J = self._jac(x)
        return 2.0 * (J.T @ (self.w * r))

    def hess(self, x: np.ndarray) -> np.ndarray:
        r, J = self._jac(x)
        n = len(self.variables)
        H = (J.T * self.w) @ J
        if self._hv is not None:
            wr = (self.w * r)[self._ridx]
            S = np.bincount(self._pos, weights=wr * np.asarray(self._hv(x), dtype=float),
                            minlength=n * n).reshape(n, n)
            H = H + S + S.T - np.diag(np.diag(S))
        return 2.0 * H

    def rows(self) -> list[Row]:
        r_row, _ = cached(("row", self.residuals), lambda: sp.Matrix(self.residuals).T)
        return [Row("f", r"c + \sum_i w_i r_i^2", note=f"{len(self.residuals)} squared residuals"),
                Row("r", r_row), Row("J", self.jac_exprs),
                Row(r"\nabla f", r"2 J^T W r"),
                Row(r"\nabla^2 f", r"2 \left(J^T W J + \sum_i w_i r_i \nabla^2 r_i\right)")]


def squares(expr: sp.Expr) -> tuple[sp.Expr, list[tuple[sp.Expr, sp.Expr]]] | None:
    """``expr = c + sum_i w_i r_i^2`` with numbers ``w_i > 0``: ``(c, [(w_i, r_i)])``; None when
    ``expr`` is not such a sum of at least two squares."""
    terms = expr.args if expr.is_Add else (expr,)
    const, out = sp.S.Zero, []
    for t in terms:
        if not t.free_symbols:
            const += t
            continue
        c, rest = t.as_coeff_Mul()
        if not (c.is_positive and rest.is_Pow and rest.exp.is_Integer and rest.exp > 0
                and rest.exp % 2 == 0):
            return None
        out.append((c, rest.base ** (rest.exp // 2)))
    if len(out) < 2:
        return None
    # A canonical order, so that least_squares and minimize on the same residuals share one
    # compiled Jacobian.
    out.sort(key=lambda cr: sp.default_sort_key(cr[1]))
    return const, out


def compile_residual_hessians(residuals: tuple[sp.Expr, ...], J: sp.Matrix,
                                syms: tuple[sp.Symbol, ...]) -> tuple:
    n = len(syms)
    index = {v: j for j, v in enumerate(syms)}
    entries, ridx, pos = [], [], []
    for i, r in enumerate(residuals):
        # only the variables in r: O(k^2) entries per residual of k variables, not O(n^2)
        local = sorted((v for v in r.free_symbols if v in index), key=index.__getitem__)
        if all(J[i, index[v]].is_number for v in local):
            continue  # an affine residual has no curvature
        Hi = hessian(r, tuple(local))
        for a, va in enumerate(local):
            for b in range(a, len(local)):
                if Hi[a, b] != 0:
                    entries.append(Hi[a, b])
                    ridx.append(i)
                    pos.append(index[va] * n + index[local[b]])
    hc = compile_numpy(entries, syms, name="residual_hessians",
                       cse=len(entries) <= CSE_MAX) if entries else None
    return hc, np.array(ridx, dtype=int), np.array(pos, dtype=int)


def compile_squares(residuals: tuple[sp.Expr, ...], syms: tuple[sp.Symbol, ...]
                     ) -> tuple[tuple, float]:
    """The residuals, their Jacobian and the residual Hessians compiled (cached), with the
    seconds spent now."""
    (J, rc, jc), dt = cached(("residuals", residuals, syms, ()),
                             lambda: compile_residuals(list(residuals), syms, ()))
    (hc, ridx, pos), dt2 = cached(("residual_hessians", residuals, syms),
                                  lambda: compile_residual_hessians(residuals, J, syms))
    return (residuals, J, rc, jc, hc, ridx, pos), dt + dt2


#: What the minimization cores evaluate (``f``, ``grad``, ``hess``) and the facade shows.
Problem = Objective | SumOfSquares


def build_objective(f: Any, variables: Any, data: Any, reduce: str) -> Problem:
    """``f`` parsed, checked and compiled (cached): a :class:`SumOfSquares` when ``f`` is one,
    else an :class:`Objective` (``reduce``: ``"sum"`` or ``"mean"`` over the data)."""
    data_syms, arrays = data_columns(data)
    expr = as_expr(with_data_args(f, variables, data_syms), variables)
    data_syms = match_data([expr], data_syms)
    syms = solver_variables([expr], variables, data_syms)
    if not isinstance(reduce, str) or reduce not in ("sum", "mean"):
        raise SolverError(f"reduce must be 'sum' or 'mean', not {_show(reduce)}")

    def prepare() -> tuple:
        (e,), sy, ds = realify([expr], syms, data_syms)
        e = fold_constants(e)
        return e, sy, ds, (None if ds else squares(e))

    (expr2, syms2, data2, sq), dt0 = cached(("prepare", expr, syms, data_syms), prepare)
    if sq is not None:
        const, pairs = sq
        compiled, dt = compile_squares(tuple(r for _, r in pairs), syms2)
        w = np.array([float(c) for c, _ in pairs])
        return SumOfSquares(expr2, syms2, float(const), w, compiled, dt0 + dt)
    compiled, dt = cached(("objective", expr2, syms2, data2, reduce),
                           lambda: compile_objective(expr2, syms2, data=data2, reduce=reduce,
                                                     name="f"))
    dt += dt0
    obj = Objective(expr2, syms2, arrays, compiled, dt)
    obj.prepared = (expr2, syms2, data2)  # what a Dask worker compiles again (dask_data)
    return obj
