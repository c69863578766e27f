"""SymPy's ``lambdify`` with sanitized names: the one door to it inside symtaylor.

``sympy.lambdify`` prints the names of the symbols it meets into Python source and ``exec``\\ s
it. A symbol's name is user data (``Symbol('a\\n__import__("os")...')`` is a legal SymPy symbol),
so before SymPy sees an expression every argument is swapped for a fresh ``Dummy`` (printed as a
generated, safe identifier), and an expression with any other free symbol is refused: its name
would be printed as it is. Internal numeric checks (mpmath reference values, grids) use this;
symtaylor's own NumPy code generator (:mod:`symtaylor.codegen`) has its own sanitizer.

Examples
--------
>>> import sympy as sp
>>> from symtaylor.lambdify import lambdify
>>> x = sp.Symbol('x\\nimport os')
>>> lambdify([x], x**2 + 1, "math")(3.0)
10.0
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sympy as sp

from .errors import CodegenError

__all__ = ["lambdify"]


def lambdify(args: Any, expr: Any, modules: Any = "numpy") -> Any:
    """``sympy.lambdify(args, expr, modules)`` with every argument renamed to a Dummy first.

    Parameters
    ----------
    args : Symbol or sequence of Symbols
        The arguments, in order (one Symbol gives a one-argument function).
    expr : SymPy expression, or a (nested) list/tuple/Matrix of them
        What to evaluate; its free symbols must all be among ``args``.
    modules : str or list
        As for :func:`sympy.lambdify` (``"math"``, ``"mpmath"``, ``"numpy"``, a list).

    Raises
    ------
    CodegenError
        If ``expr`` has a free symbol that is not an argument.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b")
    >>> lambdify([a, b], [a + b, a * b], "math")(2.0, 3.0)
    [5.0, 6.0]
    """
    syms = (args,) if isinstance(args, sp.Symbol) else tuple(args)
    dummies = tuple(sp.Dummy(f"a{i}") for i in range(len(syms)))
    swap = dict(zip(syms, dummies))
    renamed = _replace(expr, swap)
    left = {s for s in _free(renamed) if not isinstance(s, sp.Dummy)}
    if left:
        names = ", ".join(sorted(repr(s.name)[:40] for s in left))
        raise CodegenError(f"cannot evaluate: free symbols {names} are not arguments")
    call_args = dummies[0] if isinstance(args, sp.Symbol) else list(dummies)
    return sp.lambdify(call_args, renamed, modules=modules)


def _replace(expr: Any, swap: dict) -> Any:
    if isinstance(expr, sp.Basic | sp.MatrixBase):
        return expr.xreplace(swap)
    if isinstance(expr, Iterable) and not isinstance(expr, str):
        return type(expr)(_replace(e, swap) for e in expr) if isinstance(expr, tuple) else [
            _replace(e, swap) for e in expr]
    return expr


def _free(expr: Any) -> set:
    if isinstance(expr, sp.Basic | sp.MatrixBase):
        return set(expr.free_symbols)
    if isinstance(expr, Iterable) and not isinstance(expr, str):
        return set().union(*(_free(e) for e in expr)) if expr else set()
    return set()
