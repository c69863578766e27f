"""The solvers' input, prepared once before anything is compiled: data columns, the variables,
real symbols, folded constants and the start point.

Built on :mod:`symtaylor.coerce` (every user value goes through it); what is added here is what
only a numeric solver needs: callables of the variables and the data symbols, the check that
every free symbol is a variable or data, real symbols (so ``d|x|/dx = sign(x)``), irrational
constants folded to floats, and ``x0`` as a float array.

Examples
--------
>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> solver_variables([x**2 + y], None, ())
(x, y)
>>> start_point("1, 2", (x, y)).tolist()
[1.0, 2.0]
>>> fold_constants(sp.log(4) ** sp.Rational(2, 3) * x)
1.24...*x
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..coerce import (
    DataLike,
    as_data,
    as_point,
    as_real_array,
    as_variables,
    call_with_symbols,
)
from ..errors import InputError
from .cache import cached

__all__ = [
    "data_columns",
    "fold_constants",
    "free_symbols",
    "match_data",
    "realify",
    "solver_variables",
    "start_point",
    "with_data_args",
]


def data_columns(data: DataLike | None) -> tuple[tuple[sp.Symbol, ...], tuple[np.ndarray, ...]]:
    """The data symbols and columns: real, finite, one-dimensional, one non-zero length
    (complex, empty, mismatched or non-numeric columns are refused by coerce.as_data)."""
    if data is None:
        return (), ()
    columns = as_data(data)
    return tuple(columns), tuple(columns.values())


def with_data_args(fn: Any, variables: Any, data_syms: tuple[sp.Symbol, ...]) -> Any:
    """A callable that takes the data symbols too (``lambda a, b, x, y: a*exp(-b*x) - y`` with
    ``data={"x": ..., "y": ...}``) is called here with the variables' AND the data's symbols:
    matched by parameter name when every name is one of them, else positionally (variables
    first). Anything else is returned unchanged (parsing handles it)."""
    if not data_syms or variables is None or isinstance(fn, str | sp.Basic) \
            or not callable(fn) or isinstance(fn, Sequence | sp.MatrixBase):
        return fn
    syms = as_variables(variables)
    try:
        params = [q for q in inspect.signature(fn).parameters.values()
                  if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return fn
    everything = (*syms, *data_syms)
    if len(params) != len(everything):
        return fn  # e.g. a function of the variables only
    by_name = {v.name: v for v in everything}
    names = [q.name for q in params]
    args = [by_name[n] for n in names] if set(names) == set(by_name) else list(everything)
    return call_with_symbols(fn, args)


def solver_variables(exprs: Sequence[sp.Expr], variables: Any, data_syms: Sequence[sp.Symbol]
                     ) -> tuple[sp.Symbol, ...]:
    """The variables to optimize over (given, or the free symbols that are not data, sorted by
    name); every other free symbol must be data."""
    free = free_symbols(exprs)
    dnames = {s.name for s in data_syms}
    if variables is None:
        syms = tuple(sorted((s for s in free if s.name not in dnames), key=lambda s: s.name))
        if not syms:
            raise InputError("the expression has no variables to optimize over")
    else:
        syms = as_variables(variables, sp.Add(*exprs))
    clash = [s.name for s in syms if s.name in dnames]
    if clash:
        raise InputError(f"{clash} appear both as variables and as data")
    # Data symbols given by name must be the expression's own symbols.
    known = {s.name for s in syms} | dnames
    extra = sorted(s.name for s in free if s.name not in known)
    if extra:
        raise InputError(f"the expression contains {extra}, which are neither variables nor "
                         "data; substitute numbers for them or pass them in data=")
    return syms


def match_data(exprs: Sequence[sp.Expr], data_syms: tuple[sp.Symbol, ...]
                ) -> tuple[sp.Symbol, ...]:
    """Use the expressions' own symbol objects for data given by name (assumptions may differ)."""
    if not data_syms:
        return ()
    free = {s.name: s for s in free_symbols(exprs)}
    return tuple(free.get(s.name, s) for s in data_syms)


def free_symbols(exprs: Sequence[sp.Expr]) -> frozenset:
    """The free symbols of the expressions (cached: a large expression takes ~0.1 ms)."""
    key = ("free", tuple(exprs))
    return cached(key, lambda: frozenset().union(*(e.free_symbols for e in exprs)))[0]


def realify(exprs: list[sp.Expr], syms: tuple[sp.Symbol, ...], data_syms: tuple[sp.Symbol, ...]
             ) -> tuple[list[sp.Expr], tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """The solvers work over the reals: use real symbols, so that d|x|/dx = sign(x) rather than
    an expression in re(x) and im(x)."""
    sub = {s: sp.Symbol(s.name, real=True) for s in (*syms, *data_syms) if not s.is_real}
    if not sub:
        return exprs, syms, data_syms
    return ([e.xreplace(sub) for e in exprs], tuple(sub.get(s, s) for s in syms),
            tuple(sub.get(s, s) for s in data_syms))


def fold_constants(e: sp.Expr) -> sp.Expr:
    """Replace irrational constant subexpressions (``log(4)**(2/3)``, ``20**(1/3)``) by 17-digit
    Floats. Used before differentiating for the numeric solvers only: SymPy carries such
    constants through every derivative and common-subexpression pass at great cost, and the
    compiled code would round them to doubles anyway. Rationals stay exact."""
    memo: dict[sp.Basic, sp.Basic] = {}

    def walk(a: sp.Basic) -> sp.Basic:
        if a in memo:
            return memo[a]
        if not a.free_symbols:
            out = a if (a.is_Rational or a.is_Atom or not a.is_number) else sp.Float(a.evalf(17),
                                                                                      17)
        elif a.args:
            new_args = [walk(b) for b in a.args]
            out = a.func(*new_args) if any(x is not y for x, y in zip(new_args, a.args)) else a
        else:
            out = a
        memo[a] = out
        return out

    return walk(e)


def start_point(x0: Any, variables: tuple[sp.Symbol, ...]) -> np.ndarray:
    """``x0`` as a finite float array with one entry per variable (a scalar is repeated)."""
    if x0 is None:
        raise InputError("a starting point x0 is required")
    n = len(variables)
    if (type(x0) is tuple or type(x0) is list) and len(x0) == n \
            and all(type(v) is float or type(v) is int for v in x0):
        arr = np.array(x0, dtype=float)  # the common case, without the generic checks below
        if not np.isfinite(arr).all():
            raise InputError(f"x0 is not finite: {arr.tolist()}")
        return arr
    if isinstance(x0, np.ndarray) or (isinstance(x0, Sequence) and not isinstance(x0, str)
                                      and all(isinstance(v, int | float) for v in x0)):
        # complex entries are refused (their imaginary part would be dropped silently)
        arr = as_real_array(x0, "x0", ndim=None, finite=False).ravel()
        if arr.size == 1 and n > 1:
            arr = np.full(n, float(arr[0]))
    else:
        pt = as_point(x0, variables)
        try:
            arr = np.array([float(v) for v in pt])
        except TypeError:
            raise InputError(f"x0 must be numeric, got {pt}") from None
    if arr.size != n:
        raise InputError(f"x0 has {arr.size} entries but there are {n} variables {variables}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"x0 is not finite: {arr.tolist()}")
    return arr
