"""Compiled functions: :func:`compile_numpy`, its result :class:`CompiledFunction`, and
:class:`BoundFunction` (a data-form function with its data arrays fixed).

:func:`compile_numpy` is the pipeline in one place: coerce the input
(:mod:`~symtaylor.codegen.prepare`), name the symbols (:mod:`~symtaylor.codegen.module`), plan
the output (:mod:`~symtaylor.codegen.plan`), eliminate common subexpressions
(:mod:`~symtaylor.codegen.cse`), write the source (:mod:`~symtaylor.codegen.emit`) and load it
(:mod:`~symtaylor.codegen.load`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InputError
from . import diskcache
from .backends import _new_module, check_backend
from .backends import _outputs as _backend_outputs
from .backends import function_source as _backend_function
from .backends import module_source as _backend_module
from .cse import _cse
from .emit import _function_source, _header, _module_source
from .ir import _Function
from .load import _load
from .module import _Module
from .plan import _output, _Planner
from .prepare import _check_options, _coerce
from .text import _short, _vars_text


@dataclass(frozen=True, eq=False)
class CompiledFunction:
    """A compiled NumPy function; call it as ``fn(x, *params)``.

    Attributes
    ----------
    name : str
        The function's name in :attr:`source` (also ``fn.__name__``).
    source : str
        A standalone Python module (imports ``math`` and ``numpy`` only) defining ``name``.
    variables, params, data : tuple of Symbol
        ``x[..., i]`` is ``variables[i]``; parameters (then data arrays) follow ``x``.
    shape : tuple of int
        Output shape for one point (``()`` scalar, ``(n,)`` vector, ``(m, n)`` matrix).
    expression : object
        What was compiled (SymPy expression, list or Matrix), for display.
    """

    name: str
    source: str
    variables: tuple[sp.Symbol, ...]
    params: tuple[sp.Symbol, ...]
    data: tuple[sp.Symbol, ...]
    shape: tuple[int, ...]
    expression: Any = field(repr=False)
    function: Callable[..., Any] = field(repr=False)
    stacked: Callable[..., Any] | None = field(default=None, repr=False)

    @property
    def __name__(self) -> str:  # type: ignore[override]
        return self.name

    def bind(self, *data: Any) -> BoundFunction:
        """Fix the data arrays (the ``data=`` form): ``g = fn.bind(*arrays)`` is called as
        ``g(x, *params)`` and skips stacking the arrays on every call. The arrays are copied:
        later changes to them are not seen.

        Examples
        --------
        >>> import numpy as np
        >>> sse = compile_numpy("(a + b*t - y)^2", "a, b", data="t, y", name="sse")
        >>> g = sse.bind([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
        >>> float(g(np.array([1.0, 2.0]))), float(g(np.array([0.0, 0.0])))
        (0.0, 35.0)
        """
        return BoundFunction(self, _stack_data(self, data))

    def __call__(self, *args: Any) -> Any:
        try:
            return self.function(*args)
        except (ValueError, TypeError) as exc:
            sig = ", ".join(["x", *(s.name for s in (*self.params, *self.data))])
            raise InputError(f"{self.name}({sig}): {exc}") from None

    def __repr__(self) -> str:
        names = ", ".join(s.name for s in self.variables)
        extra = ", ".join(s.name for s in (*self.params, *self.data))
        return (f"CompiledFunction({self.name}(x[{names}]{', ' + extra if extra else ''}) -> "
                f"shape {self.shape}: {_short(self.expression)})")

    def latex(self) -> str:
        """LaTeX of what the function computes."""
        expr = self.expression
        if isinstance(expr, (list, tuple)):
            expr = sp.Matrix(expr)
        args = ", ".join(sp.latex(s) for s in self.variables)
        return rf"\operatorname{{{self.name}}}\left({args}\right) = {sp.latex(expr)}"

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def export(self, path: str | Path) -> Path:
        """Write :attr:`source` to ``path`` (a ``.py`` file) and return the path."""
        p = Path(path)
        p.write_text(self.source, encoding="utf-8")
        return p


def _stack_data(fn: CompiledFunction, data: Sequence[Any]) -> np.ndarray:
    if not fn.data or fn.stacked is None:
        raise InputError(f"{fn.name} has no data symbols to bind (compile with data=...)")
    if len(data) != len(fn.data):
        names = ", ".join(s.name for s in fn.data)
        raise InputError(f"{fn.name}.bind needs {len(fn.data)} data arrays ({names}), "
                         f"got {len(data)}")
    try:
        stacked = np.array(data)
        if stacked.dtype.kind != "c":
            stacked = stacked.astype(float)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{fn.name}.bind: data arrays must be 1-D of one length: {exc}") from None
    if stacked.dtype.kind == "c":  # (astype would drop the imaginary parts with a warning)
        raise InputError(f"{fn.name}.bind: the data arrays have complex values; the generated "
                         "code computes with real numbers only")
    if stacked.ndim != 2:
        raise InputError(f"{fn.name}.bind: data arrays must be 1-D of one length, got shape "
                         f"{stacked.shape[1:]}")
    stacked.setflags(write=False)
    return stacked


@dataclass(frozen=True, eq=False)
class BoundFunction:
    """A :class:`CompiledFunction` of the data form with its data arrays fixed (see
    :meth:`CompiledFunction.bind`); call it as ``g(x, *params)``."""

    compiled: CompiledFunction
    data: np.ndarray = field(repr=False)

    @property
    def __name__(self) -> str:  # type: ignore[override]
        return self.compiled.name

    def __call__(self, x: Any, *params: Any) -> Any:
        fn = self.compiled
        try:
            return fn.stacked(x, *params, self.data)  # type: ignore[misc]
        except (ValueError, TypeError) as exc:
            raise InputError(f"{fn.name}: {exc}") from None

    def __repr__(self) -> str:
        return f"BoundFunction({self.compiled.name}, N={self.data.shape[1]} samples)"

    def _repr_latex_(self) -> str:
        return self.compiled._repr_latex_()


def compile_numpy(
    exprs: Any,
    variables: Any = None,
    params: Any = (),
    name: str | None = None,
    *,
    data: Any = (),
    reduce: str = "sum",
    cse: bool = True,
    backend: str = "numpy",
    parallel: bool = False,
    cache: bool | None = None,
) -> CompiledFunction:
    """Compile a scalar, vector or matrix of expressions into a vectorised NumPy function.

    Parameters
    ----------
    exprs : expression, list of expressions, list of rows, or SymPy Matrix
        Strings are parsed safely. An ``n x 1`` Matrix is a vector.
    variables : Symbols, names or ``"x, y"``
        ``x[..., i]`` holds ``variables[i]``. Default: the free symbols sorted by name.
    params : Symbols or names, optional
        Extra arguments after ``x`` (numbers or arrays broadcast against the batch shape).
    name : str, optional
        The function's name in the generated source (default ``"f"``).
    data : Symbols or names, optional
        Data symbols: 1-D arrays of one length ``N`` passed after the params; every output
        entry is reduced over the samples (``reduce="sum"`` or ``"mean"``) with ``np.sum``.
    cse : bool
        Common-subexpression elimination (default on).
    backend : {"numpy", "numba", "jax", "array-api"}
        What the generated code runs on (see :mod:`symtaylor.codegen.backends`); each one but
        NumPy is an optional extra (``pip install 'symtaylor[jax]'``).
    parallel : bool
        ``backend="numba"`` only: the loop over the batch runs in threads (``numba.prange``).
    cache : bool, optional
        Use the on-disk cache of compiled modules (:mod:`symtaylor.codegen.diskcache`);
        default: on unless the environment sets ``SYMTAYLOR_CACHE=0``.

    Returns
    -------
    CompiledFunction
        ``fn(x, *params, *data)``: ``x`` of shape ``(k,)`` gives the shape of ``exprs``; ``x`` of
        shape ``(..., k)`` adds the leading batch dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> H = compile_numpy([["2", "x*y"], ["x*y", "exp(y)"]], "x, y", name="H")
    >>> H(np.array([1.0, 0.0]))
    array([[2., 0.],
           [0., 1.]])
    >>> H(np.zeros((5, 3, 2))).shape
    (5, 3, 2, 2)
    >>> r = compile_numpy("a*exp(b*t) - y", "a, b", params="t, y", name="residual")
    >>> r(np.array([2.0, 0.0]), np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0]))
    array([ 1.,  0., -1.])
    """
    name = _check_options(name, "f", reduce, cse)
    backend = check_backend(backend)
    shape, positions, values, display, syms, ps, ds = _coerce(exprs, variables, params, data)
    if len(shape) == 1 and not isinstance(display, sp.MatrixBase):
        display = values
    elif len(shape) == 2 and not isinstance(display, sp.MatrixBase):
        display = sp.Matrix(shape[0], shape[1], values)
    elif not shape:
        display = values[0]
    key = None
    if diskcache.enabled(cache):
        key = diskcache.key("compile_numpy", backend, name, shape, positions, values,
                            (syms, ps, ds), reduce, cse, parallel)
        hit = diskcache.load(key)
        if hit is not None:
            return _compiled(name, hit.source, hit.namespace, (syms, ps, ds), shape, display)
    if backend != "numpy":
        src, namer = _backend_source(backend, name, shape, positions, values, display,
                                     (syms, ps, ds), cse, parallel, key is not None)
        return _compiled(name, src, _store(key, src, name, namer), (syms, ps, ds), shape,
                         display)
    mod = _Module(syms, ps, ds, reduce, [name])
    out = _output(shape, positions, mod.prepare(values))
    out = _Planner(mod).plan(out, vectorise=cse)
    (out,) = _cse(mod, [out], enabled=cse)
    what = _short(display, 100)
    summary = f"{_short(display, 60)} as a function of x = ({_vars_text(syms)})."
    fn = _Function(name, summary, (out,), (("x", syms),))
    header = _header(name, mod.argnames, [f"{what} with x[..., :] = ({_vars_text(syms)})"],
                     mod.namer)
    src = _module_source(header, [_function_source(mod, fn)])
    return _compiled(name, src, _store(key, src, name, mod.namer), (syms, ps, ds), shape,
                     display)


def _store(key: str | None, source: str, label: str, namer: Any,
           meta: dict | None = None) -> Mapping[str, Any]:
    """Load generated source; with a cache key, write it to the disk cache first (and load it
    from there: Numba's ``cache=True`` needs a file)."""
    if key is None:
        return _load(source, label, namer)
    path = diskcache.store(key, source, label, namer.taken, meta or {})
    return _load(source, label, namer, filename=path)


def _backend_source(backend: str, name: str, shape: Any, positions: Any, values: Any,
                    display: Any, symbols: tuple, cse: bool, parallel: bool,
                    on_disk: bool) -> tuple[str, Any]:
    """The source of one function for a backend other than NumPy, and its namer."""
    syms, ps, ds = symbols
    if ds:
        raise InputError("data= is compiled by the numpy backend only; pass the data arrays "
                         "as params= (broadcast over the samples) for other backends")
    mod = _new_module(backend, syms, ps, [name])
    (out,) = _backend_outputs(mod, [(shape, positions, values)], cse, loops=True)
    what = f"{name}(x): {_short(display, 100)} with x[..., :] = ({_vars_text(syms)})"
    fsrc = _backend_function(mod, backend, name, f"{_short(display, 60)} at x.", [out],
                             [("x", syms)], parallel, on_disk)
    return _backend_module(backend, what, [fsrc]), mod.namer


def _compiled(name: str, source: str, namespace: Mapping[str, Any],
              symbols: tuple[tuple[sp.Symbol, ...], ...], shape: Any,
              display: Any) -> CompiledFunction:
    """The :class:`CompiledFunction` ``name`` of a loaded module (with its stacked-data twin
    where the data form has one); ``symbols`` are (variables, params, data)."""
    syms, ps, ds = symbols
    return CompiledFunction(name, source, syms, ps, ds, shape, display, namespace[name],
                            namespace.get(f"_{name}_stacked"))


