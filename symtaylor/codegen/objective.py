"""Compiled objectives: :func:`compile_objective` (``f``, its gradient, Hessian and
Hessian-vector product with one CSE over all of them), its result :class:`CompiledObjective`,
:class:`BoundObjective` (the data form with its data arrays fixed) and :func:`to_scipy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
from .compiled import (
    BoundFunction,
    CompiledFunction,
    _compiled,
    _stack_data,
    _store,
    compile_numpy,
)
from .cse import _cse
from .emit import _function_source, _header, _hvp_through_hess, _module_source, _Source
from .ir import _Entry, _Function, _Output
from .module import _Module
from .plan import _Planner
from .prepare import _check_options, _coerce
from .text import _short, _vars_text

_Symbols = tuple[sp.Symbol, ...]

#: the generated functions after ``f``, as name suffixes (in the order of CompiledObjective)
_PARTS = ("grad", "hess", "value_and_grad", "hvp", "value_grad_hess")


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
    value_grad_hess : CompiledFunction
        Returns ``(f, grad, hess)`` computing their shared subexpressions once (one Newton
        step's worth; in the data form one pass over the samples).
    source : str
        The whole module (all six functions).
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
    value_grad_hess: CompiledFunction | None = field(default=None, repr=False)
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
        if not self._upper():  # a linear objective
            return sps.csr_array((n, n))
        vals = self.hess_values(x, *params)
        if np.ndim(vals) != 1:
            raise InputError("hess_sparse takes one point (x of shape (n,)); use hess for a batch")
        upper = [p for p, _ in self._upper()]
        rows = np.array([i for i, _ in upper], dtype=np.intp)
        cols = np.array([j for _, j in upper], dtype=np.intp)
        off = rows != cols
        data = np.concatenate([vals, vals[off]])
        r = np.concatenate([rows, cols[off]])
        c = np.concatenate([cols, rows[off]])
        return sps.csr_array((data, (r, c)), shape=(n, n))

    def _upper(self) -> tuple[tuple[tuple[int, int], sp.Expr], ...]:
        """:attr:`hess_upper`, derived on first use when the objective came from the disk
        cache (which stores the compiled code, not the Hessian's expressions)."""
        if self.hess_upper or not self.hess_nnz:
            return self.hess_upper
        upper = self._cache.get("hess_upper")
        if upper is None:
            syms = self._cache["symbols"][0]
            upper = self._cache["hess_upper"] = tuple(sorted(
                _derivatives(self.expression, syms)[1].items()))
        return upper

    @property
    def hess_values(self) -> CompiledFunction:
        """The structurally non-zero entries of the upper triangle of the Hessian, as a vector
        (in the order of ``hess_upper``); compiled on first use."""
        fn = self._cache.get("hess_values")
        if fn is None:
            f = self.f
            values = [e for _, e in self._upper()] or [sp.S.Zero]
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
            self.f, self.grad, self.hess, self.value_and_grad, self.hvp, self.value_grad_hess)))

    def export(self, path: str | Path) -> Path:
        """Write the module with all six functions to ``path``."""
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
    value_grad_hess: BoundFunction

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
    backend: str = "numpy",
    parallel: bool = False,
    cache: bool | None = None,
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
    backend : {"numpy", "numba", "jax", "array-api"}
        As for :func:`compile_numpy` (the data form is compiled by ``"numpy"`` only).
    parallel : bool
        ``backend="numba"``: threads over the batch.
    cache : bool, optional
        The on-disk cache (:mod:`symtaylor.codegen.diskcache`): a hit skips the derivation
        of the gradient and Hessian and the code generation. Default: on unless
        ``SYMTAYLOR_CACHE=0``.

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
    backend = check_backend(backend)
    shape, _, values, _, syms, ps, ds = _coerce(f, variables, params, data)
    if shape:
        raise InputError("compile_objective needs a scalar expression; use compile_numpy for a "
                         "vector or a matrix")
    if ds and backend != "numpy":
        raise InputError("data= is compiled by the numpy backend only")
    expr, real = _in_real_symbols(values[0], (syms, ps, ds))
    n = len(syms)
    key = None
    fnames = [name, *(f"{name}_{k}" for k in _PARTS)]
    if diskcache.enabled(cache):
        key = diskcache.key("compile_objective", backend, name, expr, real, (syms, ps, ds),
                            reduce, parallel)
        hit = diskcache.load(key)
        if hit is not None:
            return _from_cache(hit, expr, real, (syms, ps, ds), fnames, reduce)
    grad, hess = _derivatives(expr, real[0])
    if backend != "numpy":
        return _backend_objective(backend, expr, grad, hess, real, (syms, ps, ds), fnames,
                                  parallel, key)
    mod = _Module(*real, reduce, fnames)
    f_out, g_out, h_out = _outputs(mod, expr, grad, hess)
    hv_out, vsyms = _hvp_output(mod, h_out)
    hess_grouped = hv_out is None
    what = _short(expr, 60)
    xs = (("x", real[0]),)
    vars_txt = _vars_text(syms)
    funcs = [
        _Function(name, f"{what} at x = ({vars_txt}).", (f_out,), xs),
        _Function(f"{name}_grad", f"Gradient of {what}.", (g_out,), xs),
        _Function(f"{name}_hess", f"Hessian of {what} (only structural non-zeros computed).",
                  (h_out,), xs),
        _Function(f"{name}_value_and_grad", f"({what}, its gradient), sharing work.",
                  (f_out, g_out), xs),
        _Function(f"{name}_hvp", f"Hessian of {what} times the direction v.",
                  () if hv_out is None else (hv_out,), (*xs, ("v", vsyms))),
        _Function(f"{name}_value_grad_hess", f"({what}, its gradient, its Hessian), sharing "
                  "work.", (f_out, g_out, h_out), xs),
    ]
    kind = f" summed over data ({', '.join(map(str, ds))})" if ds else ""
    header = _header(name, mod.argnames, [
        f"{_short(expr, 100)}{kind}, with its gradient, Hessian and Hessian-vector product;",
        f"x[..., :] = ({vars_txt})."], mod.namer)
    bodies, whole = _sources(mod, funcs, hess_grouped, what)
    src = _module_source(header, whole)
    pattern = tuple(sorted({(i, j) for i, j in hess} | {(j, i) for i, j in hess}))
    sources = [_module_source(header, [body]) for body in bodies]
    meta = {"pattern": [list(p) for p in pattern], "sources": sources}
    ns = _store(key, src, name, mod.namer, meta)
    hdisp = sp.Matrix(n, n, lambda i, j: hess.get((min(i, j), max(i, j)), 0)) if n <= 12 else None
    displays_h = hdisp if hdisp is not None else f"Hessian of {what}"
    displays = [((), expr), ((n,), sp.Matrix(grad)), ((n, n), displays_h),
                (((), (n,)), (expr, sp.Matrix(grad))), ((n,), f"Hessian of {what} times v"),
                (((), (n,), (n, n)), (expr, sp.Matrix(grad), displays_h))]
    parts = [_compiled(fn.name, fsrc, ns, (syms, ps, ds), shp, disp)
             for fn, fsrc, (shp, disp) in zip(funcs, sources, displays)]
    return CompiledObjective(
        *parts[:5],
        value_grad_hess=parts[5],
        source=src,
        expression=expr,
        hess_nnz=len(pattern),
        hess_pattern=pattern,
        hess_upper=tuple(sorted(hess.items())),
        _cache={"reduce": reduce, "symbols": real},
    )


def _displays(expr: sp.Expr, grad: Any, hess: dict | None, n: int, what: str) -> list:
    hdisp = (sp.Matrix(n, n, lambda i, j: hess.get((min(i, j), max(i, j)), 0))
             if hess is not None and n <= 12 else f"Hessian of {what}")
    gmat = sp.Matrix([[g] for g in grad])  # the derivatives of compile_objective, SymPy already
    return [((), expr), ((n,), gmat), ((n, n), hdisp),
            (((), (n,)), (expr, gmat)), ((n,), f"Hessian of {what} times v"),
            (((), (n,), (n, n)), (expr, gmat, hdisp))]


def _from_cache(hit: Any, expr: sp.Expr, real: tuple, symbols: tuple, fnames: list[str],
                reduce: str) -> CompiledObjective:
    """A :class:`CompiledObjective` from a disk-cache entry: the compiled functions as stored
    (no code generation); the gradient's expressions derived again (cheap; shown by the
    solvers' derivations); above 12 variables the Hessian's only when asked for
    (:meth:`CompiledObjective._upper`), at most 12 (where they are shown) at once."""
    from ..calculus import gradient

    n = len(real[0])
    what = _short(expr, 60)
    pattern = tuple(tuple(p) for p in hit.meta["pattern"])
    hess = None
    if n <= 12:  # small: the Hessian is shown as a matrix, derive it as a fresh compile does
        grad, hess = _derivatives(expr, real[0])
    else:
        grad = list(gradient(expr, real[0]))
    parts = [_compiled(fn, fsrc, hit.namespace, symbols, shp, disp)
             for fn, fsrc, (shp, disp) in zip(fnames, hit.meta["sources"],
                                              _displays(expr, grad, hess, n, what))]
    return CompiledObjective(*parts[:5], value_grad_hess=parts[5] if len(parts) > 5 else None,
                             source=hit.source, expression=expr,
                             hess_nnz=len(pattern), hess_pattern=pattern,
                             hess_upper=tuple(sorted(hess.items())) if hess else (),
                             _cache={"reduce": reduce, "symbols": real})


def _backend_objective(backend: str, expr: sp.Expr, grad: list, hess: dict, real: tuple,
                       symbols: tuple, fnames: list[str], parallel: bool,
                       key: str | None) -> CompiledObjective:
    """f, gradient, Hessian, value-and-gradient and Hessian-vector product for a backend other
    than NumPy: one module, one CSE over all of them."""
    n = len(real[0])
    mod = _new_module(backend, real[0], real[1], fnames)
    hpos = sorted(hess)
    entries = [((), [()], [expr]), ((n,), [(i,) for i in range(n)], grad),
               ((n, n), [p for p in hpos], [hess[p] for p in hpos])]
    f_out, g_out, h_out = _backend_outputs(mod, entries, True)
    # the upper triangle mirrored (the planner's _output sees only the upper entries)
    h_items = tuple(_Entry((i * n + j,) if i == j else (i * n + j, j * n + i), it.expr)
                    for it in h_out.items for i, j in [divmod(it.positions[0], n)])
    h_out = _Output((n, n), h_items)
    hv_out, vsyms = _hvp_output(mod, h_out)
    what = _short(expr, 60)
    xs = [("x", real[0])]
    specs = [(fnames[0], f"{what} at x.", [f_out], xs),
             (fnames[1], f"Gradient of {what}.", [g_out], xs),
             (fnames[2], f"Hessian of {what}.", [h_out], xs),
             (fnames[3], f"({what}, its gradient).", [f_out, g_out], xs),
             (fnames[4], f"Hessian of {what} times v.", [hv_out], [*xs, ("v", vsyms)]),
             (fnames[5], f"({what}, its gradient, its Hessian).", [f_out, g_out, h_out], xs)]
    texts = [_backend_function(mod, backend, nm, summ, outs, vecs, parallel, key is not None)
             for nm, summ, outs, vecs in specs]
    src = _backend_module(backend, f"{fnames[0]}(x): {_short(expr, 100)}, with its gradient, "
                          f"Hessian and Hessian-vector product", texts)
    pattern = tuple(sorted({(i, j) for i, j in hess} | {(j, i) for i, j in hess}))
    ns = _store(key, src, fnames[0], mod.namer, {"pattern": [list(p) for p in pattern],
                                                "sources": [src] * 6})
    parts = [_compiled(fn, src, ns, symbols, shp, disp)
             for fn, (shp, disp) in zip(fnames, _displays(expr, grad, hess, n, what))]
    return CompiledObjective(*parts[:5], value_grad_hess=parts[5], source=src, expression=expr,
                             hess_nnz=len(pattern), hess_pattern=pattern,
                             hess_upper=tuple(sorted(hess.items())),
                             _cache={"reduce": "sum", "symbols": real})


def _in_real_symbols(expr: sp.Expr, groups: tuple[_Symbols, _Symbols, _Symbols]
                     ) -> tuple[sp.Expr, tuple[_Symbols, _Symbols, _Symbols]]:
    """``expr`` and the (variables, params, data) in real symbols of the same names.

    Differentiating in real symbols (the generated code is real anyway) makes ``|x|'`` the
    ``sign(x)`` it is for real ``x``, not SymPy's ``re``/``im`` form for a complex ``x``, and
    ``sign'`` a ``DiracDelta`` (compiled as its almost-everywhere value 0). Where a real symbol
    of the same name is already in use, the symbols are kept as given."""
    real = {s: sp.Symbol(s.name, real=True) for g in groups for s in g if not s.is_real}
    clash = {r for r in real.values()} & expr.free_symbols - set(real)
    if clash:
        real = {}
    syms, ps, ds = (tuple(real.get(s, s) for s in g) for g in groups)
    return (expr.xreplace(real) if real else expr), (syms, ps, ds)


def _outputs(mod: _Module, expr: sp.Expr, grad: list[sp.Expr],
             hess: dict[tuple[int, int], sp.Expr]) -> list[_Output]:
    """``f``, the gradient and the Hessian (upper triangle, mirrored) as outputs, planned and
    CSE'd together."""
    n = len(grad)
    hpos = sorted(hess)
    prepared = mod.prepare([expr, *grad, *(hess[p] for p in hpos)])
    fr, gr, hr = prepared[0], prepared[1 : n + 1], dict(zip(hpos, prepared[n + 1 :]))
    f_out = _Output((), (_Entry((0,), fr),), True)
    g_items = tuple(_Entry((i,), g) for i, g in enumerate(gr) if g != 0)
    g_out = _Output((n,), g_items, len(g_items) == n)
    h_items = tuple(_Entry((i * n + j,) if i == j else (i * n + j, j * n + i), h)
                    for (i, j), h in sorted(hr.items()) if h != 0)
    h_out = _Output((n, n), h_items, sum(len(it.positions) for it in h_items) == n * n)
    planner = _Planner(mod)
    return _cse(mod, [planner.plan(o) for o in (f_out, g_out, h_out)])


def _hvp_output(mod: _Module, h_out: _Output) -> tuple[_Output | None, _Symbols]:
    """``H v`` written out row by row from the CSE'd Hessian entries, and the direction's
    symbols ``v0, v1, ...``; no output (None) where the Hessian is computed in vectorised
    blocks (then ``H v`` is one batched matrix-vector product, :func:`_hvp_through_hess`)."""
    n = h_out.shape[0]
    vsyms = tuple(sp.Dummy(f"v{i}", real=True) for i in range(n))
    for i, s in enumerate(vsyms):
        mod.names[s] = mod.namer.fresh(f"v{i}")
    if any(not isinstance(it, _Entry) for it in h_out.items):
        return None, vsyms
    rows: dict[int, list[sp.Expr]] = {}
    for it in h_out.items:
        i, j = divmod(it.positions[0], n)
        rows.setdefault(i, []).append(it.expr * vsyms[j])
        if i != j:
            rows.setdefault(j, []).append(it.expr * vsyms[i])
    hv_out = _Output((n,), tuple(_Entry((i,), sp.Add(*rows[i])) for i in sorted(rows)),
                     len(rows) == n)
    return hv_out, vsyms


def _sources(mod: _Module, funcs: list[_Function], hess_grouped: bool,
             what: str) -> tuple[list[_Source], list[_Source]]:
    """The source of each function (standalone: an ``hvp`` through the Hessian carries the
    Hessian along), and the functions of the whole module."""
    bodies = [_function_source(mod, fn) for fn in funcs[:4]]
    vgh = _function_source(mod, funcs[5])
    if not hess_grouped:
        bodies.append(_function_source(mod, funcs[4]))
        bodies.append(vgh)
        return bodies, bodies
    hvp = _hvp_through_hess(mod, funcs[0].name, what)
    bodies.append(replace(bodies[2], text=bodies[2].text + "\n\n" + hvp.text))
    return [*bodies, vgh], [*bodies[:4], hvp, vgh]


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
