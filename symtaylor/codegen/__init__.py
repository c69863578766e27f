"""Compile exact expressions into fast, vectorised, standalone NumPy code.

:func:`compile_numpy` turns a scalar, a vector or a matrix of SymPy expressions into a Python
function of an array ``x`` whose last axis holds the variables: ``x`` of shape ``(k,)`` is one
point and gives an output of shape ``()``, ``(n,)`` or ``(m, n)``; ``x`` of shape ``(..., k)``
is a batch and gives ``(...,)``, ``(..., n)`` or ``(..., m, n)`` (batch dimensions lead, as
``np.linalg`` expects). Parameters are passed after ``x`` and broadcast against the batch
dimensions, so data arrays of shape ``(N,)`` turn a residual into a vector of ``N`` residuals.

:func:`compile_objective` compiles ``f``, its gradient and its Hessian together, with one
common-subexpression elimination (CSE) over all of them, into ``.f``, ``.grad``, ``.hess``,
``.value_and_grad`` and ``.hvp``; with ``data=`` the expression is a per-sample term whose sum
(or mean) over data arrays is the objective, reduced with ``np.sum`` in the generated code.

How the generated code is fast
------------------------------
* CSE across all outputs of a bundle; each function computes only the temporaries it needs.
* One point (``x.ndim == 1``, scalar parameters) runs a second, straight-line body on Python
  floats and the ``math`` module, which is ~10x cheaper per operation than NumPy scalars; the
  rare IEEE cases Python refuses (``1/0``, ``log(-1)``, overflow) fall back to the NumPy body, so
  both paths give the same answers.
* Structural zeros of a matrix (sparse Hessians) produce no code: the output starts as zeros
  and only the non-zero entries are written; a symmetric matrix computes each pair once.

Semantics
---------
``Piecewise`` becomes ``np.select`` (a conditional expression on one point), ``Abs``, ``sign``,
``Min``/``Max``, ``floor``, ``Mod`` and the elementary functions map to their NumPy
counterparts. Variables are real numbers: ``re(x)``/``im(x)`` of a variable become ``x``/``0``.
``DiracDelta`` terms, which differentiating ``sign``, ``Heaviside`` or a ``Piecewise`` jump
brings, are compiled as ``0``: the generated derivative is the *almost-everywhere* derivative
(exact except on the measure-zero set where the function is not differentiable).
``Heaviside(t, h0)`` is the step ``np.heaviside(t, h0)`` (``h0 = 1/2`` by default, as in SymPy).
A function without a NumPy counterpart raises :class:`~symtaylor.errors.UnsupportedFunctionError`
naming it. Inputs are real numbers: complex arrays (or parameters, or data) are refused with an
:class:`~symtaylor.errors.InputError` instead of losing their imaginary parts.

Names
-----
Generated source never contains a name or a text as the user wrote it. Every identifier comes
from one sanitizer (``_Namer``): ASCII, a valid identifier, not a keyword, soft keyword or builtin,
not a name the generated code uses itself (``np``, ``x``, ``out``, ``t0``, the function names),
unique (names are ASCII, so also after the NFKC normalisation Python applies to identifiers).
Safe names are kept (``theta1``, ``b1``); others get a readable fallback (``x`` is ``x_1``, ``θ``
is ``theta``, full-width ``ｘ`` is ``x`` or ``x_2``) and the header lists them. Expressions in
comments and docstrings are escaped (line breaks, quotes, backslashes, no ``coding:`` cookie).
Before it runs, the module's symbol tables are checked to hold only the names the sanitizer
issued: a name that reached the source any other way is a :class:`CodegenError`, never code.

Examples
--------
>>> import numpy as np
>>> fn = compile_numpy(["x*y", "sin(x)"], "x, y", name="demo")
>>> fn(np.array([2.0, 3.0]))
array([6.        , 0.90929743])
>>> fn(np.array([[2.0, 3.0], [0.0, 1.0]])).shape
(2, 2)
>>> print(fn.source.splitlines()[0])
# demo(x): [x*y, sin(x)] with x[..., :] = (x, y)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InputError
from .cse import _cse
from .emit import _function_source, _header, _hvp_through_hess, _module_source
from .ir import _Entry, _Function, _Output
from .load import _load
from .module import _Module
from .names import _GENERATOR_NAMES, _Namer  # noqa: F401 - _GENERATOR_NAMES: tests
from .plan import _output, _Planner
from .prepare import _check_options, _coerce
from .text import _short, _vars_text

__all__ = [
    "BoundFunction",
    "BoundObjective",
    "CompiledFunction",
    "CompiledObjective",
    "compile_numpy",
    "compile_objective",
    "to_scipy",
]


# -- public objects ------------------------------------------------------------------------------


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
    shape, positions, values, display, syms, ps, ds = _coerce(exprs, variables, params, data)
    if len(shape) == 1 and not isinstance(display, sp.MatrixBase):
        display = values
    elif len(shape) == 2 and not isinstance(display, sp.MatrixBase):
        display = sp.Matrix(shape[0], shape[1], values)
    elif not shape:
        display = values[0]
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
    ns = _load(src, name, mod.namer)
    return CompiledFunction(name, src, syms, ps, ds, shape, display, ns[name],
                            ns.get(f"_{name}_stacked"))


@dataclass(frozen=True, eq=False)
class CompiledObjective:
    """``f``, its gradient and Hessian compiled together (one CSE over all of them).

    Attributes
    ----------
    f, grad, hess : CompiledFunction
        Shapes per point ``()``, ``(n,)``, ``(n, n)``.
    value_and_grad : CompiledFunction
        Returns ``(f, grad)`` computing their shared subexpressions once.
    hvp : CompiledFunction
        ``hvp(x, v, *params)``: Hessian-vector product ``H(x) v`` without forming ``H``.
    source : str
        The whole module (all five functions).
    hess_nnz : int
        Structurally non-zero Hessian entries (only those are computed).
    """

    f: CompiledFunction
    grad: CompiledFunction
    hess: CompiledFunction
    value_and_grad: CompiledFunction
    hvp: CompiledFunction
    source: str = field(repr=False)
    expression: sp.Expr = field(repr=False)
    hess_nnz: int = 0
    hess_pattern: tuple[tuple[int, int], ...] = field(default=(), repr=False)
    hess_upper: tuple[tuple[tuple[int, int], sp.Expr], ...] = field(default=(), repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        n = len(self.f.variables)
        return (f"CompiledObjective({self.f.name}: {_short(self.expression)}; n={n}, "
                f"Hessian non-zeros={self.hess_nnz}/{n * n})")

    def latex(self) -> str:
        return self.f.latex()

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def hess_sparse(self, x: Any, *params: Any) -> Any:
        """The Hessian at one point as a ``scipy.sparse.csr_array`` (needs SciPy).

        Only the structural non-zeros are computed, by a function compiled on first use
        (``hess_values``, the upper triangle in :attr:`hess_pattern` order): no ``n x n``
        array is formed, so this scales to Hessians too large to hold densely.

        Examples
        --------
        >>> import numpy as np
        >>> xs = ", ".join(f"x{i}" for i in range(5))
        >>> f = " + ".join(f"(x{i + 1} - x{i}^2)^2" for i in range(4))
        >>> H = compile_objective(f, xs).hess_sparse(np.ones(5))
        >>> H.nnz, H.shape, float(H[0, 0]), float(H[0, 1])
        (13, (5, 5), 8.0, -4.0)
        """
        import scipy.sparse as sps

        n = len(self.f.variables)
        if not self.hess_upper:  # a linear objective
            return sps.csr_array((n, n))
        vals = self.hess_values(x, *params)
        if np.ndim(vals) != 1:
            raise InputError("hess_sparse takes one point (x of shape (n,)); use hess for a batch")
        upper = [p for p, _ in self.hess_upper]
        rows = np.array([i for i, _ in upper], dtype=np.intp)
        cols = np.array([j for _, j in upper], dtype=np.intp)
        off = rows != cols
        data = np.concatenate([vals, vals[off]])
        r = np.concatenate([rows, cols[off]])
        c = np.concatenate([cols, rows[off]])
        return sps.csr_array((data, (r, c)), shape=(n, n))

    @property
    def hess_values(self) -> CompiledFunction:
        """The structurally non-zero entries of the upper triangle of the Hessian, as a vector
        (in the order of ``hess_upper``); compiled on first use."""
        fn = self._cache.get("hess_values")
        if fn is None:
            f = self.f
            values = [e for _, e in self.hess_upper] or [sp.S.Zero]
            syms, ps, ds = self._cache.get("symbols", (f.variables, f.params, f.data))
            fn = compile_numpy(values, syms, ps, f"{f.name}_hess_values",
                               data=ds, reduce=self._cache.get("reduce", "sum"))
            self._cache["hess_values"] = fn
        return fn

    def bind(self, *data: Any) -> BoundObjective:
        """Fix the data arrays of the ``data=`` form once: ``f``, ``grad``, ``hess``,
        ``value_and_grad`` and ``hvp`` of the result take ``x`` (``x, v``) and the params only,
        and skip stacking the data on every call. The arrays are copied.

        Examples
        --------
        >>> import numpy as np
        >>> ls = compile_objective("(a + b*t - y)^2", "a, b", data="t, y")
        >>> fit = ls.bind([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
        >>> fit.grad(np.array([0.0, 0.0])), fit.hess(np.array([0.0, 0.0]))
        (array([-18., -26.]), array([[ 6.,  6.],
               [ 6., 10.]]))
        """
        stacked = _stack_data(self.f, data)
        return BoundObjective(*(BoundFunction(fn, stacked) for fn in (
            self.f, self.grad, self.hess, self.value_and_grad, self.hvp)))

    def export(self, path: str | Path) -> Path:
        """Write the module with all five functions to ``path``."""
        p = Path(path)
        p.write_text(self.source, encoding="utf-8")
        return p


@dataclass(frozen=True, eq=False)
class BoundObjective:
    """A :class:`CompiledObjective` with its data arrays fixed (:meth:`CompiledObjective.bind`).
    """

    f: BoundFunction
    grad: BoundFunction
    hess: BoundFunction
    value_and_grad: BoundFunction
    hvp: BoundFunction

    def __repr__(self) -> str:
        return f"BoundObjective({self.f.compiled.name}, N={self.f.data.shape[1]} samples)"


def _derivatives(expr: sp.Expr, syms: tuple[sp.Symbol, ...]) -> tuple[list, dict]:
    try:  # the fast, sparse-aware derivatives of symtaylor.calculus
        from ..calculus import gradient, hessian

        grad = list(gradient(expr, syms))
        hmat = hessian(expr, syms)
    except ImportError:  # pragma: no cover - calculus is part of the package
        grad = [sp.diff(expr, s) for s in syms]
        hmat = sp.Matrix(len(syms), len(syms), lambda i, j: sp.diff(grad[i], syms[j]))
    n = len(syms)
    hess = {}
    for i in range(n):
        for j in range(i, n):
            h = hmat[i, j]
            if h != 0:
                hess[(i, j)] = h
    return grad, hess


def compile_objective(
    f: Any,
    variables: Any = None,
    params: Any = (),
    name: str | None = None,
    *,
    data: Any = (),
    reduce: str = "sum",
) -> CompiledObjective:
    """Compile a scalar objective with its gradient, Hessian and Hessian-vector product.

    Parameters
    ----------
    f : str, SymPy expression, number or callable
    variables : Symbols, names or ``"x, y"``
    params : Symbols or names, optional
        Passed after ``x`` (``hvp`` takes ``x, v`` first).
    name : str, optional
        Base name of the generated functions (default ``"objective"``).
    data : Symbols or names, optional
        The "sum over data" form: ``f`` is the term of one sample written with data symbols;
        the compiled objective is ``sum_s f(x; data_s)`` (or the mean, ``reduce="mean"``),
        with the data given as 1-D arrays after the params and the sum done by ``np.sum``.
        Never write such sums out term by term: SymPy then needs minutes per Hessian.

    Examples
    --------
    >>> import numpy as np
    >>> obj = compile_objective("(1 - x)^2 + 100*(y - x^2)^2", "x, y", name="rosen")
    >>> obj.grad(np.array([1.0, 1.0]))
    array([0., 0.])
    >>> obj.hess(np.array([1.0, 1.0]))
    array([[ 802., -400.],
           [-400.,  200.]])
    >>> fx, gx = obj.value_and_grad(np.array([0.0, 0.0]))
    >>> float(fx), gx
    (1.0, array([-2.,  0.]))
    >>> obj.hvp(np.array([1.0, 1.0]), np.array([1.0, 0.0]))
    array([ 802., -400.])

    Least squares over data (a line through three points), as a sum of per-sample terms:

    >>> ls = compile_objective("(a + b*t - y)^2", "a, b", data="t, y")
    >>> t, y = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0])
    >>> float(ls.f(np.array([1.0, 2.0]), t, y)), ls.grad(np.array([0.0, 0.0]), t, y)
    (0.0, array([-18., -26.]))
    """
    name = _check_options(name, "objective", reduce)
    shape, _, values, display, syms, ps, ds = _coerce(f, variables, params, data)
    if shape:
        raise InputError("compile_objective needs a scalar expression; use compile_numpy for a "
                         "vector or a matrix")
    # differentiate in real symbols of the same names (the generated code is real anyway):
    # |x|' is sign(x), not SymPy's re/im form for a complex x, and sign' is DiracDelta (a.e. 0)
    real = {s: sp.Symbol(s.name, real=True) for s in (*syms, *ps, *ds) if not s.is_real}
    clash = {r for r in real.values()} & values[0].free_symbols - set(real)
    if clash:  # a real symbol of the same name is already in use: keep the symbols as given
        real = {}
    rsyms, rps, rds = ([real.get(s, s) for s in group] for group in (syms, ps, ds))
    expr = values[0].xreplace(real) if real else values[0]
    display = expr
    grad, hess = _derivatives(expr, tuple(rsyms))
    n = len(syms)
    hpos = sorted(hess)
    fnames = [name, *(f"{name}_{k}" for k in ("grad", "hess", "value_and_grad", "hvp"))]
    mod = _Module(tuple(rsyms), tuple(rps), tuple(rds), reduce, fnames)
    prepared = mod.prepare([expr, *grad, *(hess[p] for p in hpos)])
    fr, gr, hr = prepared[0], prepared[1 : n + 1], dict(zip(hpos, prepared[n + 1 :]))
    f_out = _Output((), (_Entry((0,), fr),), True)
    g_items = tuple(_Entry((i,), g) for i, g in enumerate(gr) if g != 0)
    g_out = _Output((n,), g_items, len(g_items) == n)
    h_items = tuple(_Entry((i * n + j,) if i == j else (i * n + j, j * n + i), h)
                    for (i, j), h in sorted(hr.items()) if h != 0)
    h_out = _Output((n, n), h_items, sum(len(it.positions) for it in h_items) == n * n)
    planner = _Planner(mod)
    f_out, g_out, h_out = _cse(mod, [planner.plan(o) for o in (f_out, g_out, h_out)])
    vsyms = tuple(sp.Dummy(f"v{i}", real=True) for i in range(n))
    for i, s in enumerate(vsyms):
        mod.names[s] = mod.namer.fresh(f"v{i}")
    hess_grouped = any(not isinstance(it, _Entry) for it in h_out.items)
    rows: dict[int, list[sp.Expr]] = {}
    if not hess_grouped:  # H v written out row by row from the CSE'd entries
        for it in h_out.items:
            i, j = divmod(it.positions[0], n)
            rows.setdefault(i, []).append(it.expr * vsyms[j])
            if i != j:
                rows.setdefault(j, []).append(it.expr * vsyms[i])
    hv_out = _Output((n,), tuple(_Entry((i,), sp.Add(*rows[i])) for i in sorted(rows)),
                     len(rows) == n)
    xs = (("x", tuple(rsyms)),)
    vars_txt = _vars_text(syms)
    what = _short(display, 60)
    funcs = [
        _Function(name, f"{what} at x = ({vars_txt}).", (f_out,), xs),
        _Function(f"{name}_grad", f"Gradient of {what}.", (g_out,), xs),
        _Function(f"{name}_hess", f"Hessian of {what} (only structural non-zeros computed).",
                  (h_out,), xs),
        _Function(f"{name}_value_and_grad", f"({what}, its gradient), sharing work.",
                  (f_out, g_out), xs),
        _Function(f"{name}_hvp", f"Hessian of {what} times the direction v.", (hv_out,),
                  (*xs, ("v", vsyms))),
    ]
    kind = f" summed over data ({', '.join(map(str, ds))})" if ds else ""
    header = _header(name, mod.argnames, [
        f"{_short(display, 100)}{kind}, with its gradient, Hessian and Hessian-vector product;",
        f"x[..., :] = ({vars_txt})."], mod.namer)
    bodies = [_function_source(mod, fn) for fn in funcs[:4]]
    if hess_grouped:  # vectorised Hessian blocks: H v as one batched matrix-vector product
        hvp = _hvp_through_hess(mod, name, what)
        hess_src = bodies[2]
        bodies.append(replace(hess_src, text=hess_src.text + "\n\n" + hvp.text))
        whole = [*bodies[:4], hvp]
    else:
        bodies.append(_function_source(mod, funcs[4]))
        whole = bodies
    src = _module_source(header, whole)
    ns = _load(src, name, mod.namer)
    hdisp = sp.Matrix(n, n, lambda i, j: hess.get((min(i, j), max(i, j)), 0)) if n <= 12 else None

    def make(k: int, shp: tuple[int, ...], disp: Any) -> CompiledFunction:
        fn = funcs[k]
        mod_src = _module_source(header, [bodies[k]])
        return CompiledFunction(fn.name, mod_src, syms, ps, ds, shp, disp, ns[fn.name],
                                ns.get(f"_{fn.name}_stacked"))

    pattern = tuple(sorted({(i, j) for i, j in hess} | {(j, i) for i, j in hess}))
    return CompiledObjective(
        f=make(0, (), expr),
        grad=make(1, (n,), sp.Matrix(grad)),
        hess=make(2, (n, n), hdisp if hdisp is not None else f"Hessian of {what}"),
        value_and_grad=make(3, ((), (n,)), (expr, sp.Matrix(grad))),
        hvp=make(4, (n,), f"Hessian of {what} times v"),
        source=src,
        expression=expr,
        hess_nnz=len(pattern),
        hess_pattern=pattern,
        hess_upper=tuple(sorted(hess.items())),
        _cache={"reduce": reduce, "symbols": (rsyms, rps, rds)},
    )


def to_scipy(
    f: Any, variables: Any = None, params: Any = ()
) -> tuple[CompiledFunction, CompiledFunction, CompiledFunction]:
    """``(fun, jac, hess)`` for ``scipy.optimize.minimize`` (params go in ``args=``).

    Examples
    --------
    >>> from scipy.optimize import minimize
    >>> fun, jac, hess = to_scipy("(1 - x)^2 + 100*(y - x^2)^2", "x, y")
    >>> res = minimize(fun, [-1.2, 1.0], jac=jac, hess=hess, method="trust-exact",
    ...                options={"gtol": 1e-10})
    >>> res.success, [round(float(v), 6) for v in res.x]
    (True, [1.0, 1.0])
    """
    obj = compile_objective(f, variables, params)
    return obj.f, obj.grad, obj.hess
