"""Input preparation: what the facades accept, turned into real SymPy expressions to compile.

:func:`_coerce` takes the expressions (text, SymPy, lists, matrices, a callable of the
variables) apart into an output shape and its entries; :func:`_realify` makes the symbols real
(``re(x)`` is ``x``), evaluates what SymPy left unevaluated for complex symbols and drops
``DiracDelta`` terms; :func:`_check` refuses what cannot be compiled; :func:`_rename` is a
memoised ``xreplace``; :func:`_check_options` checks ``name=``, ``reduce=`` and ``cse=``.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..errors import CodegenError, InputError, UnsupportedFunctionError
from ..parsing import _call, as_expr, as_variables
from .names import _BUILTINS, _GENERATOR_NAMES
from .text import _comment, _cut

_UNEVALUATED = (sp.Derivative, sp.Integral, sp.Sum, sp.Product, sp.Subs, sp.Limit)
_BAD = (*_UNEVALUATED, type(sp.zoo), type(sp.nan), type(sp.I))


def _nodes(*exprs: sp.Basic) -> set[sp.Basic]:
    """The distinct subtrees of the expressions, each visited once (``Basic.has`` and
    ``preorder_traversal`` walk a shared subtree again at every occurrence)."""
    seen: set[sp.Basic] = set()
    stack = list(exprs)
    while stack:
        a = stack.pop()
        if a not in seen:
            seen.add(a)
            stack.extend(a.args)
    return seen


def _scan(*exprs: sp.Basic) -> set[type]:
    """Types of every node of the expressions, in one pass."""
    return {type(a) for a in _nodes(*exprs)}


def _found(kinds: set[type], *classes: type) -> bool:
    return any(issubclass(k, classes) for k in kinds)


def _realify(exprs: list[sp.Expr], symbols: Sequence[sp.Symbol]) -> tuple[list[sp.Expr], dict]:
    """Prepare expressions for real floats: non-real symbols become real ones of the same name
    (``re(x)`` becomes ``x``; ``Derivative(sign(x), x)``, left unevaluated by SymPy for a complex
    ``x``, is evaluated) and ``DiracDelta`` terms are dropped (the a.e. derivative)."""
    for e in exprs:
        if not isinstance(e, sp.Expr):
            raise CodegenError(f"{e} is not a numeric expression (a {type(e).__name__})")
    nodes = _nodes(*exprs)  # one pass over all of them: they share most subtrees
    present = {a for a in nodes if isinstance(a, sp.Symbol)}
    swap = {}
    for s in symbols:
        if not s.is_real:
            r = sp.Symbol(s.name, real=True)
            swap[s] = r if r not in present else sp.Dummy(s.name, real=True)
    memo: dict = {}
    if swap.keys() & present:
        exprs = [_rename(e, swap, memo) for e in exprs]
        nodes = _nodes(*exprs)
    if any(isinstance(a, sp.Derivative) for a in nodes):
        exprs = [e.doit() if _found(_scan(e), sp.Derivative) else e for e in exprs]
        nodes = _nodes(*exprs)
    deltas = {a: sp.S.Zero for a in nodes if isinstance(a, sp.DiracDelta)}
    if deltas:
        memo = {}
        exprs = [_rename(e, deltas, memo) for e in exprs]
        nodes = _nodes(*exprs)
    kinds = {type(a) for a in nodes}
    if _found(kinds, *_BAD):
        for e in exprs:
            _check(e)
    return exprs, {v: k for k, v in swap.items()}


def _check(e: sp.Basic, kinds: set[type] | None = None) -> sp.Expr:
    if not isinstance(e, sp.Expr):
        raise CodegenError(f"{e} is not a numeric expression (a {type(e).__name__})")
    if kinds is None:
        kinds = _scan(e)
    if _found(kinds, type(sp.zoo), type(sp.nan)):
        raise CodegenError(f"expression {e} is undefined (contains zoo or nan)")
    for bad in _UNEVALUATED:
        if _found(kinds, bad):
            raise UnsupportedFunctionError(
                f"expression contains an unevaluated {bad.__name__}: {e}; call .doit() first, "
                "or declare the variables real"
            )
    if _found(kinds, type(sp.I)):
        raise CodegenError(f"expression {e} is complex; codegen compiles real expressions")
    return e


def _rename(e: sp.Expr, swap: Mapping[sp.Basic, sp.Basic], memo: dict | None = None) -> sp.Expr:
    """``e.xreplace(swap)``, each shared subtree rebuilt once, without re-running ``Min``/``Max``'s
    costly simplification (the result is the same function, maybe less simplified)."""
    if memo is None:
        memo = {}
    hit = memo.get(e)
    if hit is not None:
        return hit
    if e in swap:
        out = swap[e]
    elif not e.args:
        out = e
    else:
        args = [_rename(a, swap, memo) for a in e.args]
        if all(a is b for a, b in zip(args, e.args)):
            out = e
        elif isinstance(e, (sp.Min, sp.Max)):
            out = e.func(*args, evaluate=False)
        else:
            out = e.func(*args)
    memo[e] = out
    return out


def _shape_and_entries(
    exprs: Any, variables: Any
) -> tuple[tuple[int, ...], list[tuple[int, ...]], list[Any], Any]:
    """Coerce exprs to (output shape, positions, raw entries, display object)."""
    if callable(exprs) and not isinstance(exprs, (sp.Basic, sp.MatrixBase, str)):
        value = _call(exprs, variables)  # called with the variables' symbols
        if isinstance(value, (sp.MatrixBase, sp.NDimArray, sp.Tuple, np.ndarray, list, tuple)):
            return _shape_and_entries(value, variables)
        return (), [()], [value], value
    if isinstance(exprs, sp.Tuple):
        exprs = list(exprs.args)
    if isinstance(exprs, sp.NDimArray):
        if exprs.rank() == 0:  # a scalar in an array of shape ()
            return _shape_and_entries(exprs[()], variables)
        if exprs.rank() > 2:
            raise InputError(f"expected a scalar, a vector or a matrix, got an array of shape "
                             f"{exprs.shape}")
        exprs = sp.Matrix(exprs) if exprs.rank() == 2 else exprs.tolist()
    if isinstance(exprs, sp.MatrixBase):
        m, n = exprs.shape
        if m == 0 or n == 0:
            raise InputError(f"empty matrix of expressions (shape {m}x{n})")
        if n == 1:
            return (m,), [(i,) for i in range(m)], list(exprs), exprs
        nz = exprs.todok()  # structural zeros never reach the generator
        pos = sorted(nz)
        return (m, n), pos, [nz[p] for p in pos], exprs
    if isinstance(exprs, np.ndarray):
        exprs = exprs.tolist()
    if isinstance(exprs, (list, tuple)):
        if not exprs:
            raise InputError("empty list of expressions")
        if all(isinstance(r, (list, tuple)) for r in exprs):
            widths = {len(r) for r in exprs}
            if len(widths) != 1:
                raise InputError("rows of the matrix of expressions have different lengths")
            n = widths.pop()
            m = len(exprs)
            raw = [v for r in exprs for v in r]
            return (m, n), [(i, j) for i in range(m) for j in range(n)], raw, exprs
        return (len(exprs),), [(i,) for i in range(len(exprs))], list(exprs), exprs
    return (), [()], [exprs], exprs


def _coerce(exprs: Any, variables: Any, params: Any, data: Any) -> tuple[Any, ...]:
    shape, positions, raw, display = _shape_and_entries(exprs, variables)
    if variables is None:
        free: set[sp.Basic] = set()
        for r in raw:
            free |= as_expr(r).free_symbols
        variables = sorted(free, key=lambda s: s.name) or None
        if variables is None:
            raise InputError("no variables: pass variables=...")
    syms = as_variables(variables)
    names = {s.name: s for s in syms}
    ps = as_variables(params) if _given(params) else ()
    ds = as_variables(data) if _given(data) else ()
    table = {**names, **{s.name: s for s in ps}, **{s.name: s for s in ds}}
    values = [as_expr(r, None, table) if isinstance(r, str) else as_expr(r, syms) for r in raw]
    return shape, positions, values, display, syms, ps, ds


def _given(v: Any) -> bool:
    return v is not None and not (isinstance(v, (tuple, list, str)) and len(v) == 0)


def _shown(value: Any) -> str:
    """A user's option for an error message: text quoted, cut and escaped; others by type."""
    if isinstance(value, str):
        return _comment(repr(_cut(value, 40)))
    if isinstance(value, bool | int | float):
        return repr(value)
    return f"a {type(value).__name__} value"


def _check_options(name: Any, default: str, reduce: Any, cse: Any = True) -> str:
    """Check ``reduce`` and ``cse``; return the checked function name (``default`` for None
    or "")."""
    if not (isinstance(reduce, str) and reduce in ("sum", "mean")):
        raise InputError(f"reduce must be 'sum' or 'mean', got {_shown(reduce)}")
    if not isinstance(cse, bool | np.bool_):
        raise InputError(f"cse must be True or False, got {_shown(cse)}")
    return _check_name(default if name is None or (isinstance(name, str) and not name) else name)


def _check_name(name: Any) -> str:
    """A function name given by the user: an ASCII identifier that is not a keyword, a builtin,
    a name the generated code uses, or private (``_...`` names are the generator's helpers)."""
    if not (isinstance(name, str) and name.isascii() and name.isidentifier()) or (
            keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _BUILTINS
            or name in _GENERATOR_NAMES or name.startswith("_")):
        raise InputError(f"name {_shown(name)} is not a usable function name; use an ASCII "
                         "identifier such as 'f' or 'rosen' (not a keyword, a builtin, 'np', "
                         "'x', 'out', or a name starting with '_')")
    return name
