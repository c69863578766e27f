"""Backends beyond NumPy: the same prepared, CSE'd program printed for Numba, JAX or the array
API standard.

``compile_numpy(..., backend=...)`` and ``compile_objective(..., backend=...)`` come here for
``"numba"``, ``"jax"`` and ``"array-api"``. The expressions are prepared (real, stable forms)
and CSE'd by the same :class:`~symtaylor.codegen.module._Module` and
:func:`~symtaylor.codegen.cse._cse` as the NumPy default, then printed entry by entry:

* ``"jax"``: a ``jax.numpy`` function (``jnp.stack`` of the entries) that ``jax.jit``,
  ``jax.vmap`` and ``jax.grad`` accept; the source imports only ``math`` and ``jax.numpy``.
  JAX computes in float32 unless ``jax.config.update("jax_enable_x64", True)`` was called:
  compiling with x64 off warns (:class:`~symtaylor.errors.PrecisionWarning`);
* ``"array-api"``: code against the array API standard, the namespace taken from the argument
  (``array_api_compat.array_namespace(x)``), so NumPy, array-api-strict, PyTorch and JAX arrays
  give arrays of their own library; imports only ``math`` and ``array_api_compat``;
* ``"numba"``: one ``@numba.njit(cache=True)`` kernel looping over the flattened batch with
  every temporary a scalar (fused, no temporaries arrays), ``parallel=True`` on request
  (``numba.prange``); a NumPy wrapper broadcasts the parameters and shapes the output.

Every identifier comes from the module's :class:`~symtaylor.codegen.names._Namer` (the
backends' own names are reserved in it first) and the source runs only through
:func:`~symtaylor.codegen.load._load`. A backend whose library is missing raises
:class:`~symtaylor.errors.OptionalDependencyError` naming the extra to install.

Examples
--------
>>> import numpy as np
>>> from symtaylor.codegen import compile_numpy
>>> fn = compile_numpy(["x*y", "sin(x)"], "x, y", backend="array-api", cache=False)
>>> fn(np.array([[2.0, 3.0], [0.0, 1.0]]))
array([[6.        , 0.90929743],
       [0.        , 0.        ]])
>>> [ln for ln in fn.source.splitlines() if ln.startswith(("import", "from"))]
['import math', 'from array_api_compat import array_namespace']
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import sympy as sp

from ..errors import (
    InputError,
    OptionalDependencyError,
    PrecisionWarning,
    UnsupportedFunctionError,
)
from .cse import _cse
from .ir import _Output, _Temp
from .module import _Module, _progression
from .printer import _POW, Printed, _fold, _PointPrinter, _Printer
from .tables import _NUMPY_FOLDS, _NUMPY_FUNCTIONS
from .text import _comment, _docstring

BACKENDS = ("numpy", "numba", "jax", "array-api")

#: backend -> (modules it needs, the extra that installs them)
_NEEDS = {
    "numba": (("numba",), "numba"),
    "jax": (("jax",), "jax"),
    "array-api": (("array_api_compat",), "array-api"),
}

#: names the backends' generated code uses itself (reserved before any symbol is named)
_BACKEND_NAMES = ("xp", "jnp", "numba", "array_namespace", "zero", "i", "j", "zeroed", "xb",
                  "vb", "n", "batch", "size", "res", "kern")


def check_backend(backend: Any) -> str:
    """The backend name, checked: known, and its library importable (else
    :class:`OptionalDependencyError` naming the extra)."""
    if not (isinstance(backend, str) and backend in BACKENDS):
        raise InputError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got "
                         f"{_comment(repr(backend)[:40])}")
    if backend == "numpy":
        return backend
    modules, extra = _NEEDS[backend]
    for m in modules:
        if importlib.util.find_spec(m) is None:
            raise OptionalDependencyError(
                f"backend={backend!r} needs the {m} package: pip install 'symtaylor[{extra}]'")
    if backend == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            warnings.warn(
                "JAX computes in float32 unless x64 is enabled: the backend='jax' function "
                "returns float32 results (about 7 digits); for float64 call "
                "jax.config.update('jax_enable_x64', True) before compiling and calling it",
                PrecisionWarning, stacklevel=3)
    return backend


# -- printers ------------------------------------------------------------------------------------

# The functions every array backend has (array API names; NumPy/JAX spellings in _JAX_NAMES).
_ARRAY_FUNCTIONS = {
    "sin": "xp.sin({0})", "cos": "xp.cos({0})", "tan": "xp.tan({0})",
    "sec": "1/xp.cos({0})", "csc": "1/xp.sin({0})", "cot": "1/xp.tan({0})",
    "asin": "xp.asin({0})", "acos": "xp.acos({0})", "atan": "xp.atan({0})",
    "atan2": "xp.atan2({0}, {1})", "sinh": "xp.sinh({0})", "cosh": "xp.cosh({0})",
    "tanh": "xp.tanh({0})", "asinh": "xp.asinh({0})", "acosh": "xp.acosh({0})",
    "atanh": "xp.atanh({0})", "exp": "xp.exp({0})", "log": "xp.log({0})",
    "Abs": "xp.abs({0})", "sign": "xp.sign({0})", "floor": "xp.floor({0})",
    "ceiling": "xp.ceil({0})", "expm1": "xp.expm1({0})", "log1p": "xp.log1p({0})",
    "log2": "xp.log2({0})", "log10": "xp.log10({0})", "Sqrt": "xp.sqrt({0})",
    "hypot": "xp.hypot({0}, {1})", "logaddexp": "xp.logaddexp({0}, {1})",
    "exp2": "2.0**({0})", "fma": "({0})*({1}) + ({2})",
    "Heaviside": "xp.where({0} > 0, zero + 1.0, xp.where({0} < 0, zero, zero + {1}))",
    "isnan": "xp.isnan({0})", "isinf": "xp.isinf({0})",
    "Sigmoid": "(1/(1 + xp.exp(xp.minimum(-({0}), 709.0))))",
    "SigmoidOfMinus": "(1/(1 + xp.exp(xp.minimum({0}, 709.0))))",
    "SigmoidDerivative": "(xp.exp(-xp.abs({0}))/(1 + xp.exp(-xp.abs({0})))**2)",
}
_JAX_NAMES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
              "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh"}
_JAX_FUNCTIONS = {k: v.replace("xp.", "jnp.").replace(f"jnp.{k}(", f"jnp.{_JAX_NAMES[k]}(")
                  if k in _JAX_NAMES else v.replace("xp.", "jnp.")
                  for k, v in _ARRAY_FUNCTIONS.items()}

# Numba: scalars in a loop; math where it has the function, NumPy ufuncs on scalars otherwise.
_NUMBA_FUNCTIONS = {k: v for k, v in _NUMPY_FUNCTIONS.items()
                    if not v.startswith("_") and k not in ("Heaviside", "Cbrt", "arg")}
_NUMBA_FUNCTIONS.update({
    "erf": "math.erf({0})", "erfc": "math.erfc({0})", "gamma": "math.gamma({0})",
    "factorial": "math.gamma({0} + 1)", "loggamma": "math.lgamma({0})",
    "Heaviside": "(1.0 if ({0}) > 0 else (0.0 if ({0}) < 0 else ({1})))",
    "Sigmoid": "(1/(1 + math.exp(min(-({0}), 709.0))))",
    "SigmoidOfMinus": "(1/(1 + math.exp(min({0}, 709.0))))",
    "SigmoidDerivative": "(math.exp(-abs({0}))/(1 + math.exp(-abs({0})))**2)",
})


class _XPPrinter(_Printer):
    """Array API arrays (``xp`` is the namespace of the argument)."""

    module = "xp"
    functions: ClassVar = _ARRAY_FUNCTIONS
    backend: ClassVar[str] = "array-api"

    def p(self, e: sp.Basic) -> Printed:
        if e not in self.names and isinstance(e, sp.Function) and \
                type(e).__name__ not in self.functions and type(e).__name__ != "DiracDelta" \
                and not hasattr(self, "_" + type(e).__name__):
            raise UnsupportedFunctionError(
                f"the function {type(e).__name__} has no counterpart in the {self.backend!r} "
                f"backend of symtaylor.codegen (use backend='numpy'); supported: "
                f"{', '.join(sorted(self.functions))}")
        return super().p(e)

    def power(self, base: sp.Expr, exp: sp.Expr) -> Printed:
        return f"{self.paren(base, _POW)}**{self.paren(exp, _POW)}", _POW

    def nary(self, op: str, printed: list[str]) -> str:
        fold = _NUMPY_FOLDS[op].replace("np.", f"{self.module}.")
        return _fold(fold, printed)

    def negation(self, s: str) -> str:
        return f"{self.module}.logical_not({s})"

    def conditional(self, cond: str, a: str, b: str) -> str:
        return f"{self.module}.where({cond}, {_arr(a)}, {_arr(b)})"

    def select(self, pairs: list[tuple[str, str]], default: str) -> str:
        out = _arr(default)
        for val, cond in reversed(pairs):
            out = f"{self.module}.where({cond}, {_arr(val)}, {out})"
        return out


def _arr(s: str) -> str:
    """A printed constant as an array of the batch's shape and dtype (``where`` of the array
    API takes at most one Python scalar)."""
    try:
        float(s)
    except ValueError:
        if not s.startswith(("math.", "-math.")):
            return s
    return f"(zero + {s})"


class _JaxPrinter(_XPPrinter):
    module = "jnp"
    functions: ClassVar = _JAX_FUNCTIONS
    backend: ClassVar[str] = "jax"


class _NumbaPrinter(_XPPrinter):
    """Scalars inside a Numba loop: ``math``/NumPy scalar functions, conditional expressions."""

    module = "np"
    functions: ClassVar = _NUMBA_FUNCTIONS
    backend: ClassVar[str] = "numba"

    def nary(self, op: str, printed: list[str]) -> str:
        if op in ("Min", "Max"):
            return _fold(_NUMPY_FOLDS[op], printed)  # np.minimum on scalars keeps nan
        word = {"And": "and", "Or": "or", "Xor": "!="}[op]
        return "(" + f" {word} ".join(f"({s})" for s in printed) + ")"

    # Python scalars in the loop: the one-point printer's logic (not, if/else)
    negation = _PointPrinter.negation
    conditional = _PointPrinter.conditional
    select = _PointPrinter.select


_PRINTERS = {"array-api": _XPPrinter, "jax": _JaxPrinter, "numba": _NumbaPrinter}


# -- the module ------------------------------------------------------------------------------------


def _new_module(backend: str, syms: tuple, ps: tuple, functions: Sequence[str]) -> _Module:
    mod = _Module(syms, ps, (), "sum", [*functions, *(f"_{f}_kernel" for f in functions)])
    mod.namer.taken.update(_BACKEND_NAMES)
    mod.backend = backend  # type: ignore[attr-defined]
    return mod


@dataclass(frozen=True)
class _LoopGroup:
    """Numba: entries that are one formula of different variables, evaluated in an inner loop
    over the members: slot ``j`` of the template ``expr`` reads ``x[i, index[j][t]]`` and the
    value goes to ``positions[m][t]`` for each of the entries' mirror positions ``m``."""

    positions: tuple[tuple[int, ...], ...]  # per mirror slot, per member
    index: tuple[tuple[int, ...], ...]  # per template slot, per member
    expr: sp.Expr


_LOOP_MIN_ENTRIES = 48  # an output with fewer entries stays straight-line code
_LOOP_MIN_MEMBERS = 8  # a template with fewer members stays straight-line code


def _loop_groups(mod: _Module, out: _Output) -> tuple[_Output, list[_LoopGroup]]:
    """Entries of ``out`` bucketed by template (the planner's): big buckets become loop groups,
    so the Numba kernel of an n = 1000 Hessian is a few loops, not 3000 lines (build time)."""
    from .plan import _Planner

    if len(out.items) < _LOOP_MIN_ENTRIES or mod.params:
        return out, []
    planner = _Planner(mod)
    buckets: dict[Any, list] = {}
    for it in out.items:
        tmpl, (vi, _) = planner._template(it.expr)
        buckets.setdefault((tmpl, len(vi), len(it.positions)), []).append((it, vi))
    keep, groups = [], []
    for (tmpl, _, _), members in buckets.items():
        if len(members) < _LOOP_MIN_MEMBERS:
            keep.extend(m[0] for m in members)
            continue
        groups.append(_LoopGroup(tuple(zip(*(m[0].positions for m in members))),
                                 tuple(zip(*(m[1] for m in members))), tmpl))
    return replace(out, items=tuple(keep)), groups


def _outputs(mod: _Module, shapes_values: Sequence[tuple[tuple[int, ...], list, list]],
             cse: bool, loops: bool = False) -> list[_Output]:
    """Outputs of entries (no vectorised groups: every backend evaluates entry by entry), one
    CSE over all of them; with ``loops`` (Numba's ``compile_numpy``), big same-template
    buckets become :class:`_LoopGroup` items (kept out of the shared CSE: their slots are loop
    variables)."""
    from .plan import _output

    flat = [v for _, _, vals in shapes_values for v in vals]
    prepared = mod.prepare(flat)
    outs, k = [], 0
    for shape, pos, vals in shapes_values:
        outs.append(_output(shape, pos, prepared[k:k + len(vals)]))
        k += len(vals)
    groups: list[list[_LoopGroup]] = [[] for _ in outs]
    if loops and getattr(mod, "backend", None) in ("numba", "jax"):
        outs, groups = map(list, zip(*(_loop_groups(mod, o) for o in outs))) if outs else ([], [])
    outs = _cse(mod, outs, enabled=cse)
    return [replace(o, items=(*o.items, *g)) for o, g in zip(outs, groups)]


def _header(backend: str, what: str) -> str:
    imports = {"jax": "import math\n\nimport jax.numpy as jnp\n",
               "array-api": "import math\n\nfrom array_api_compat import array_namespace\n",
               "numba": "import math\n\nimport numba\nimport numpy as np\n"}[backend]
    needs = {"jax": "JAX", "array-api": "array-api-compat and an array library",
             "numba": "Numba and NumPy"}[backend]
    return (f"# {_comment(what)}\n# Generated by symtaylor.codegen (backend {backend!r}); needs "
            f"only {needs}.\n\n" + imports)


def _temps(mod: _Module, outputs: Sequence[_Output]) -> list[sp.Symbol]:
    needed = mod.defs.needed(it.expr for o in outputs for it in o.items)
    for s in needed:
        if not isinstance(mod.defs[s], _Temp):  # pragma: no cover - no planner here
            raise InputError("internal error: a grouped definition in a backend module")
    return needed


def _array_function(mod: _Module, backend: str, name: str, summary: str,
                    outputs: Sequence[_Output], vectors: Sequence[tuple[str, tuple]]) -> str:
    """A jax / array-API function: unpack x, temporaries, entries stacked on the last axis."""
    pr = _PRINTERS[backend](mod.names)
    args = [a for a, _ in vectors] + list(mod.argnames)
    x = vectors[0][0]
    lines = [f"def {name}({', '.join(args)}):", f'    """{_docstring(summary)}"""']
    if backend == "jax":
        lines += [f"    {a} = jnp.asarray({a})" for a, _ in vectors]
        lines.append(f"    zero = jnp.zeros({x}.shape[:-1], dtype={x}.dtype)")
        stack, reshape = "jnp.stack", "jnp.reshape"
    else:
        lines.append(f"    xp = array_namespace({', '.join(args)})")
        lines += [f"    {a} = xp.asarray({a})" for a in args]
        lines.append(f"    zero = xp.zeros({x}.shape[:-1], dtype={x}.dtype)")
        stack, reshape = "xp.stack", "xp.reshape"
    if mod.argnames:
        ns = "jnp" if backend == "jax" else "xp"
        parts = ", ".join(f"{ns}.asarray({p}, dtype={x}.dtype)" for p in mod.argnames)
        lines.append(f"    zero = {ns}.broadcast_arrays(zero, {parts})[0]")
    for a, syms in vectors:
        for i, s in enumerate(syms):
            lines.append(f"    {mod.name(s)} = {a}[..., {i}]")
    for s in _temps(mod, outputs):
        lines.append(f"    {mod.names[s]} = {pr(mod.defs[s].expr)}")
    results = []
    consts: list[str] = []
    for o in outputs:
        size = math.prod(o.shape)
        if backend == "jax" and o.shape and (any(isinstance(it, _LoopGroup) for it in o.items)
                                             or (size > 256 and len(_written(o)) < size)):
            # scatters: traced fast (the stack of a 100x100 Hessian took 7.9 s to build) but
            # slower than one stack at run time on CPU (2.4x on a 10x10 Hessian batch)
            r = mod.namer.fresh("res")
            lines += _jax_scatter(mod, o, r, x, pr, consts)
            results.append(r if len(o.shape) == 1 else f"{reshape}({r}, zero.shape + {o.shape})")
            continue
        vals = ["zero"] * size
        for it in o.items:
            v = f"({pr(it.expr)}) + zero"
            for p in it.positions:
                vals[p] = v
        if not o.shape:
            results.append(vals[0])
            continue
        body = f"{stack}([{', '.join(vals)}], axis=-1)"
        if len(o.shape) > 1:
            body = f"{reshape}({body}, zero.shape + {o.shape})"
        results.append(body)
    lines.append(f"    return {', '.join(results)}")
    if consts:
        lines = [*consts, "", "", *lines]
    return "\n".join(lines) + "\n"


def _index_text(mod: _Module, values: Sequence[int], consts: list[str], base: str,
                module: str, var: str = "") -> str:
    """An index for member ``var`` of a loop (Numba: ``a + s*k``) or for all members at once
    (JAX: a slice ``a:b:s``); a module-level index array when no progression."""
    values = tuple(values)
    prog = _progression(values) if len(values) > 1 else (values[0], values[0] + 1, 1)
    if prog is not None:
        a, b, step = prog
        if var:
            return f"{a} + {step}*{var}" if a else f"{step}*{var}"
        return f"{a}:{b}" if step == 1 else f"{a}:{b}:{step}"
    nm = mod.namer.fresh(f"{base}{len(consts)}")
    dtype = ", dtype=np.int64" if module == "np" else ""  # JAX: its default integer
    consts.append(f"{nm} = {module}.array({list(values)!r}{dtype})")
    return f"{nm}[{var}]" if var else nm


def _jax_scatter(mod: _Module, o: _Output, r: str, x: str, pr: _Printer,
                 consts: list[str]) -> list[str]:
    """JAX: a sparse output (or one with loop groups) as zeros and scatters: the straight
    entries in one ``.at[..., P].set(stack)``, each group evaluated on gathered slices of ``x``
    (its template's own CSE) and set at its positions (tracing a ``jnp.stack`` of 10^4 mostly
    zero entries took 7.9 s for an n = 100 Hessian)."""

    size = math.prod(o.shape)
    # a float output for integer x too (entries of a sparse Hessian are floats)
    out = [f"    {r} = jnp.zeros(zero.shape + ({size},), dtype=jnp.result_type({x}.dtype, 1.0))"]
    pos, vals = [], []
    for it in o.items:
        if isinstance(it, _LoopGroup):
            continue
        v = f"({pr(it.expr)}) + zero"
        for p in it.positions:
            pos.append(p)
            vals.append(v)
    if pos:
        at = _index_text(mod, sorted(pos), consts, "_pos", "jnp")
        order = sorted(range(len(pos)), key=pos.__getitem__)
        stacked = ", ".join(vals[k] for k in order)
        out.append(f"    {r} = {r}.at[..., {at}].set(jnp.stack([{stacked}], axis=-1))")
    for g in (it for it in o.items if isinstance(it, _LoopGroup)):
        slots = [f"{x}[..., {_index_text(mod, idx, consts, '_idx', 'jnp')}]" for idx in g.index]
        temps, body = _template_lines(mod, g, slots, _JaxPrinter, "    ")
        val = mod.namer.fresh("val")
        out += [*temps, f"    {val} = ({body}) + zero[..., None]"]
        for p in g.positions:
            out.append(f"    {r} = {r}.at[..., {_index_text(mod, p, consts, '_pos', 'jnp')}]"
                       f".set({val})")
    return out


def _numba_function(mod: _Module, name: str, summary: str, outputs: Sequence[_Output],
                    vectors: Sequence[tuple[str, tuple]], parallel: bool, cache: bool) -> str:
    """A Numba kernel over the flattened batch and its NumPy wrapper."""
    vec = [a for a, _ in vectors]
    params = list(mod.argnames)
    outs = [mod.namer.fresh(f"res{j}") for j in range(len(outputs))]
    sizes = [max(1, math.prod(o.shape)) for o in outputs]
    # outputs with entries no item writes (a sparse Hessian): zeroed in the kernel when small,
    # allocated zeroed when large (see below)
    sparse = [len(_written(o)) < size for o, size in zip(outputs, sizes)]
    flag = ["zeroed"] if any(sparse) else []
    kern = f"_{name}_kernel"
    k = len(vectors[0][1])
    loop = "numba.prange" if parallel else "range"
    lines = [f"@numba.njit(cache={cache}, parallel={parallel}, error_model='numpy')",
             f"def {kern}({', '.join(vec + params + outs + flag)}):",
             f"    for i in {loop}({vec[0]}.shape[0]):"]
    temps = _temps(mod, outputs)
    # scalars read from x: those the straight-line entries and temporaries use (loop groups
    # read theirs in their loops)
    used = set().union(*(it.expr.free_symbols for o in outputs for it in o.items
                         if not isinstance(it, _LoopGroup)),
                       *(mod.defs[t].expr.free_symbols for t in temps))
    for a, syms in vectors:
        for i, s in enumerate(syms):
            if mod.sym(s) in used or a != vec[0]:
                lines.append(f"        {mod.name(s)} = {a}[i, {i}]")
    # parameters are broadcast to the batch by the wrapper: element i is read in place
    body_names = dict(mod.names)
    for s in mod.allsyms[len(mod.variables):]:
        body_names[mod.sym(s)] = f"{mod.name(s)}[i]"
    pr = _NumbaPrinter(body_names)
    for s in temps:
        lines.append(f"        {mod.names[s]} = {pr(mod.defs[s].expr)}")
    consts: list[str] = []  # module-level index arrays of the loop groups (Numba constants)
    for o, r, size, sp_ in zip(outputs, outs, sizes, sparse):
        if sp_:
            # Unwritten entries: a small output is allocated with np.empty and zeroed here row
            # by row (a reused heap block; np.zeros page-faults fresh pages on every call: 1.4x
            # the kernel's time on a 10x10 Hessian batch of 10^4); a large one (mmapped anyway)
            # comes zeroed from np.zeros, whose untouched pages of a sparse output cost nothing
            # (numba 0.7x SymEngine LLVM on the 100x100 Hessian batch of 10^3).
            lines.append("        if not zeroed:")
            lines.append(f"            for j in range({size}):")
            lines.append(f"                {r}[i, j] = 0.0")
        for it in o.items:
            if isinstance(it, _LoopGroup):
                lines += _loop_lines(mod, it, r, vec[0], consts)
                continue
            v = pr(it.expr)
            lines.append(f"        {' = '.join(f'{r}[i, {p}]' for p in it.positions)} = {v}")
    if consts:
        lines = [*consts, "", "", *lines]
    lines += ["", "", f"def {name}({', '.join(vec + params)}):", f'    """{_docstring(summary)}"""']
    for a in vec:
        lines.append(f"    {a} = np.asarray({a}, dtype=np.float64)")
        lines.append(f"    if {a}.ndim == 0 or {a}.shape[-1] != {k}:")
        lines.append(f"        raise ValueError(f'{a} must have shape (..., {k}), got "
                     f"{{{a}.shape}}')")
    if not params:  # one point: no broadcasting (the wrapper's cost is most of the call)
        cond = " and ".join(f"{a}.ndim == 1" for a in vec)
        lines.append(f"    if {cond}:")
        for r, size in zip(outs, sizes):
            lines.append(f"        {r} = np.empty((1, {size}))")
        one = [f"{a}.reshape(1, {k})" for a in vec] + outs + (["False"] if flag else [])
        lines.append(f"        {kern}({', '.join(one)})")
        one = [f"{r}[0, 0]" if not o.shape else
               (f"{r}[0]" if len(o.shape) == 1 else f"{r}.reshape({o.shape})")
               for o, r in zip(outputs, outs)]
        lines.append(f"        return {', '.join(one)}")
    shapes = ", ".join([f"{a}.shape[:-1]" for a in vec] + [f"np.shape({p})" for p in params])
    lines.append(f"    batch = np.broadcast_shapes({shapes})")
    lines.append("    n = math.prod(batch)")
    for a in vec:
        lines.append(f"    {a} = np.ascontiguousarray(np.broadcast_to({a}, batch + ({k},))"
                     f".reshape(n, {k}))")
    for p in params:
        lines.append(f"    {p} = np.ascontiguousarray(np.broadcast_to(np.asarray({p}, "
                     f"dtype=np.float64), batch).reshape(n))")
    if flag:  # beyond 16 MB glibc maps fresh pages anyway: take them zeroed, touch few
        lines.append(f"    zeroed = n * {max(s_ for s_, sp_ in zip(sizes, sparse) if sp_)} "
                     f">= {2 ** 21}")
    for r, size, sp_ in zip(outs, sizes, sparse):
        alloc = (f"np.zeros((n, {size})) if zeroed else np.empty((n, {size}))" if sp_
                 else f"np.empty((n, {size}))")
        lines.append(f"    {r} = {alloc}")
    lines.append(f"    {kern}({', '.join(vec + params + outs + flag)})")
    results = []
    for o, r in zip(outputs, outs):
        results.append(f"{r}.reshape(batch)[()]" if not o.shape
                       else f"{r}.reshape(batch + {o.shape})")
    lines.append(f"    return {', '.join(results)}")
    return "\n".join(lines) + "\n"


def _written(o: _Output) -> set[int]:
    """The flat positions the items of ``o`` assign."""
    out: set[int] = set()
    for it in o.items:
        for p in it.positions:
            out.update(p if isinstance(it, _LoopGroup) else (p,))
    return out


def _template_lines(mod: _Module, g: _LoopGroup, slots: Sequence[str], printer: type,
                    indent: str) -> tuple[list[str], str]:
    """A group's template, slot ``j`` printed as ``slots[j]``, after its own CSE: the lines
    ``u0 = ...``, ... and the printed template."""
    from .plan import _canon

    names: dict[sp.Basic, str] = {_canon(j): s for j, s in enumerate(slots)}
    temps, (body,) = sp.cse([g.expr], symbols=(sp.Symbol(nm) for nm in mod.namer.counter("u")),
                            order="none")
    pr = printer(names)
    lines = []
    for sym, d in temps:
        names[sym] = sym.name
        lines.append(f"{indent}{sym.name} = {pr(d)}")
    return lines, pr(body)


def _loop_lines(mod: _Module, g: _LoopGroup, res: str, x: str, consts: list[str]) -> list[str]:
    """The inner loop of a :class:`_LoopGroup` (its own CSE over the template), its index
    arrays appended to ``consts``."""

    t = mod.namer.fresh("k")

    def at(values: tuple[int, ...], base: str) -> str:
        return _index_text(mod, values, consts, base, "np", t)

    out = [f"        for {t} in range({len(g.positions[0])}):"]
    temps, body = _template_lines(mod, g, [f"{x}[i, {at(idx, '_idx')}]" for idx in g.index],
                                  _NumbaPrinter, "            ")
    val = mod.namer.fresh("val")
    out += [*temps, f"            {val} = {body}"]
    for pos in g.positions:
        out.append(f"            {res}[i, {at(pos, '_pos')}] = {val}")
    return out


def function_source(mod: _Module, backend: str, name: str, summary: str,
                    outputs: Sequence[_Output], vectors: Sequence[tuple[str, tuple]],
                    parallel: bool = False, cache: bool = False) -> str:
    if backend == "numba":
        return _numba_function(mod, name, summary, outputs, vectors, parallel, cache)
    return _array_function(mod, backend, name, summary, outputs, vectors)


def module_source(backend: str, what: str, functions: Sequence[str]) -> str:
    return _header(backend, what) + "\n\n" + "\n\n".join(functions)
