"""Emission: the source of each generated function and of the whole module.

:func:`_function_source` writes one :class:`~symtaylor.codegen.ir._Function` of a planned,
CSE'd :class:`~symtaylor.codegen.module._Module`: the signature and docstring, the data-form
wrapper that stacks the data arrays once, the argument checks, the one-point dispatch, the
unpacking of ``x``, the definitions the outputs need (temporaries used once are printed in
place), the outputs, and the one-point twin on Python floats. Each part is written once,
knowing what the others use (``shape``, ``nd``, the data rows, the index constants): nothing
is patched afterwards. :func:`_module_source` joins the functions under a header with the
helpers and index constants they use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import sympy as sp

from .ir import (
    _Dot,
    _Entry,
    _Frame,
    _Function,
    _Gather,
    _Item,
    _Output,
    _ProductGroup,
    _SliceGroup,
    _Temp,
)
from .module import _Module
from .names import _Namer
from .printer import _ATOM, _ArrayPrinter, _PointPrinter
from .tables import _HELPER_NEEDS, _HELPERS
from .text import _comment, _cut, _docstring


@dataclass(frozen=True)
class _Source:
    """The source of one function (and its twins), the helpers and index constants it uses."""

    text: str
    helpers: frozenset[str]
    consts: tuple[str, ...]  # "_I0 = np.array([...])" lines


def _as_real(a: str, what: str | None = None, scalar: bool = False) -> list[str]:
    """Lines making the argument ``a`` real (the ``_real`` helper refuses complex values): a
    float64 array (or a float, where ``scalar``) passes as it is, on a check cheaper than the
    ``np.asarray`` it saves."""
    test = f"type({a}) is not np.ndarray or {a}.dtype is not _FLOAT"
    if scalar:
        test = f"type({a}) is not float and ({test})"
    return [f"    if {test}:", f"        {a} = _real({a}, {(what or a)!r})"]


def _function_source(mod: _Module, fn: _Function) -> _Source:
    """Source of one function (and its one-point or stacked-data twin)."""
    return _Writer(mod, fn).source()


class _Writer:
    """Writes one function of a module. The body (definitions and outputs) is written first;
    it records what it reads (``shape``, ``nd``, index constants), so that the lines before it
    define exactly that."""

    def __init__(self, mod: _Module, fn: _Function) -> None:
        self.mod, self.fn = mod, fn
        self.array = _ArrayPrinter(mod.names)  # the NumPy body
        self.point = _PointPrinter(mod.names)  # the one-point twin
        self.x = fn.vectors[0][0]
        # entries first, unless a dense output has slice groups: their arrays, computed from
        # strided slices of x, run along the members, and would be written across the rows
        lead = not mod.data and not any(
            o.dense and any(isinstance(it, _SliceGroup) for it in o.items) for o in fn.outputs)
        self.frame = _Frame(self.x, mod.stack_name, bool(mod.data), self.index, lead)
        self.uses: set[str] = set()  # "shape", "nd": bookkeeping the body reads
        self.consts: dict[str, None] = {}  # index constants the function uses, in order
        self.vec_names = [a for a, _ in fn.vectors]
        self.sig = ", ".join(self.vec_names + mod.argnames)
        self.pname = f"_{fn.name}_point"

    def index(self, idx: Sequence[int], array: bool = False) -> str:
        """The module's text for an index (:meth:`_Module.index_text`), noted if a constant."""
        text = self.mod.index_text(idx, array)
        if text.startswith("_I"):
            self.consts[text] = None
        return text

    def use(self, name: str) -> str:
        """``name`` (``shape`` or ``nd``), noted as read by the body."""
        self.uses.add(name)
        return name

    # -- the whole function -----------------------------------------------------------------

    def source(self) -> _Source:
        """The function's source, with the helpers and index constants it uses."""
        mod, fn = self.mod, self.fn
        items = fn.items
        needed = mod.defs.needed(it.expr for it in items)
        grouped = any(not isinstance(it, _Entry) for it in items) or any(
            not isinstance(mod.defs[s], _Temp) for s in needed)
        point_ok = not mod.data and not grouped
        kept = self._inline_single_use(needed, items)
        body, results = self._body(kept)
        twin = self._point_function(kept) if point_ok else []
        used = set().union(*(it.expr.free_symbols for it in items),
                           *(e.free_symbols for s in needed for e in mod.defs[s].reads))
        gathers = any(isinstance(mod.defs[s], _Gather) for s in kept)
        lead = [f"    xt = {self.x}.T if {self.x}.ndim < 3 else np.moveaxis({self.x}, -1, 0)"
                ] if gathers and self.frame.lead else []
        if gathers and not self.frame.lead and not mod.data:
            # one point: the same body entries first, x[I] and out[I] without the Ellipsis
            # (a batch keeps the batch-last layout, where the dense slices pay)
            batch_frame, self.frame = self.frame, replace(self.frame, lead=True, one=True)
            one, one_results = self._body(kept)
            self.frame = batch_frame
            lead = [f"    if {self._one_point('{}.ndim')}:  # one point: plain indices",
                    f"        xt = {self.x}", *("    " + ln for ln in one),
                    f"        return {', '.join(one_results)}"]
        lines = [*self._head(), *(self._stacking() if mod.data else []),
                 *self._checks(point_ok), *self._bookkeeping(used), *self._unpack(used),
                 *lead, *body, f"    return {', '.join(results)}", "", *twin]
        consts = tuple(f"{name} = np.array({text})" for text, name in mod.consts.items()
                       if name in self.consts)
        helpers = frozenset(self.array.helpers | self.point.helpers | {"_real"})
        return _Source("\n".join(lines), helpers, consts)

    def _head(self) -> list[str]:
        """``def name(x, ...):`` and the docstring."""
        mod, fn = self.mod, self.fn
        params, npar, k = mod.argnames, len(mod.params), len(mod.variables)
        shapes = ", ".join(str(o.shape) for o in fn.outputs)
        vs = [mod.name(s) for s in mod.variables]  # as the code names them
        held = ", ".join(vs if len(vs) <= 8 else [*vs[:3], "...", vs[-1]])
        lines = [f"def {fn.name}({self.sig}):", f'    """{_docstring(fn.summary)}', "",
                 f"    {self.vec_names[0]}: array (..., {k}) holding ({held})"]
        if len(self.vec_names) > 1:
            lines.append(f"    {self.vec_names[1]}: array (..., {k}), the direction")
        if npar:
            lines.append(f"    {', '.join(params[:npar])}: parameters, broadcast against the "
                         "batch dimensions")
        if mod.data:
            lines.append(f"    {', '.join(params[npar:])}: data arrays of one length N; the "
                         f"result is the {mod.reduce} over the N samples")
        lines.append(f"    Returns per point: shape {shapes}; a batch adds its leading dimensions.")
        lines.append('    """')
        return lines

    def _stacking(self) -> list[str]:
        """The data form: stack the data once, then call the body that works on the rows."""
        mod, name, stack = self.mod, self.fn.name, self.mod.stack_name
        npar = len(mod.params)
        ssig = ", ".join(self.vec_names + mod.argnames[:npar] + [stack])
        cols = f"({', '.join(mod.argnames[npar:])}{',' if len(mod.data) == 1 else ''})"
        first = mod.argnames[npar]
        # (the cheap tests first: a short call pays nothing for the blocks)
        return [f"    if type({first}) is np.ndarray and {first}.size >= _BLOCKS_FROM and "
                f"{self._one_point('np.ndim({})')}:",
                f"        blk = _long({cols})",
                "        if blk:  # long 1-D arrays: stacked and summed block by block",
                f"            return {self._blocked(cols)}",
                f"    {stack} = np.array([{', '.join(mod.argnames[npar:])}])  # (data, N)",
                *_as_real(stack, "data"),
                f"    if {stack}.ndim != 2:",
                "        raise ValueError(f'data arrays must be 1-D of one length, got "
                f"shape {{{stack}.shape[1:]}}')",
                f"    return _{name}_stacked({ssig})",
                "", "", f"def _{name}_stacked({ssig}):",
                f'    """{name} with the data arrays as the rows of {stack} '
                '(stacked once, reused)."""']

    def _one_point(self, ndim: str) -> str:
        """The test that the call is at one point (``ndim`` formats the ``ndim`` of a vector)."""
        mod = self.mod
        return " and ".join([f"{ndim.format(a)} == 1" for a in self.vec_names]
                            + [f"np.ndim({p}) == 0" for p in mod.argnames[:len(mod.params)]])

    def _blocked(self, data: str) -> str:
        """The call of the stacked function summed over blocks of the samples (``_blocked``)."""
        mod = self.mod
        self.array.helpers.update({"_blocked", "_blocks", "_long"})
        args = self.vec_names + mod.argnames[:len(mod.params)]
        return (f"_blocked(_{self.fn.name}_stacked, ({', '.join(args)},), {data}, blk, "
                f"{mod.reduce == 'mean'})")

    def _checks(self, point_ok: bool) -> list[str]:
        """Arguments made real and checked; one point goes to the Python-float twin."""
        mod, k = self.mod, len(self.mod.variables)
        lines = []
        for a in self.vec_names:
            lines += _as_real(a)
            lines.append(f"    if {a}.ndim == 0 or {a}.shape[-1] != {k}:")
            lines.append(f"        raise ValueError(f'{a} must have shape (..., {k}), "
                         f"got {{{a}.shape}}')")
        if not mod.data:  # (the data form converts its params after stacking the data)
            for p in mod.argnames:
                lines += _as_real(p, scalar=True)
        else:  # one point on many samples: block by block, each block's arrays in the cache
            stack = mod.stack_name
            lines += [f"    if {stack}.shape[1] >= _BLOCKS_FROM and "
                      f"{self._one_point('{}.ndim')}:",
                      f"        blk = _blocks({stack}.shape[0], {stack}.shape[1])",
                      "        if blk:",
                      f"            return {self._blocked(stack)}"]
        if point_ok:
            cond = " and ".join([f"{a}.ndim == 1" for a in self.vec_names]
                                + [f"np.ndim({p}) == 0" for p in mod.argnames])
            lines += [f"    if {cond}:  # one point: Python floats are ~10x faster",
                      "        try:",
                      f"            return {self.pname}({self.sig})",
                      "        except (ArithmeticError, ValueError):",
                      "            pass  # 1/0, log(-1), overflow: take the IEEE (NumPy) route"]
        return lines

    def _bookkeeping(self, used: set[sp.Basic]) -> list[str]:
        """The params given a samples axis, the data rows the body uses by name, and the
        ``nd`` / ``shape`` the body reads."""
        mod, x = self.mod, self.x
        if not mod.data:
            if "shape" not in self.uses:
                return []
            extra = "".join(f", {a}.shape[:-1]" for a in self.vec_names[1:])
            pshapes = "".join(f", np.shape({p})" for p in mod.argnames)
            if not extra and not pshapes:
                return [f"    shape = {x}.shape[:-1]"]
            return [f"    shape = np.broadcast_shapes({x}.shape[:-1]{extra}{pshapes})"]
        npar = len(mod.params)
        lines = []
        for p in mod.argnames[:npar]:
            lines += [*_as_real(p, scalar=True), f"    {p} = np.asarray({p})[..., None]"]
        lines += [f"    {mod.name(s)} = {mod.stack_name}[{i}]" for i, s in enumerate(mod.data)
                  if mod.sym(s) in used]
        if "nd" in self.uses:
            lines.append(f"    nd = {mod.stack_name}.shape[1:]")
        if "shape" in self.uses:
            lines.append(f"    shape = {x}.shape[:-1]")
        return lines

    def _unpack(self, used: set[sp.Basic]) -> list[str]:
        """``x0 = x[..., 0]``, ... for the variables the body uses (every direction entry)."""
        mod = self.mod
        unpack = "{a}[..., None, {i}]" if mod.data else "{a}[..., {i}]"
        return [f"    {mod.name(s)} = " + unpack.format(a=a, i=i)
                for a, syms in self.fn.vectors for i, s in enumerate(syms)
                if mod.sym(s) in used or a != self.x]

    # -- the body ------------------------------------------------------------------------------

    def _inline_single_use(self, needed: list[sp.Symbol], items: list[_Item]) -> list[sp.Symbol]:
        """Temporaries used once in this function are printed where they are used: a named
        array cannot be reused in place by NumPy (temporary elision), so every name costs a
        fresh allocation on large batches. Returns the definitions still to be written."""
        defs = self.mod.defs
        count: dict[sp.Basic, int] = {}
        for e in [*(r for s in needed for r in defs[s].reads), *(it.expr for it in items)]:
            for a in sp.preorder_traversal(e):
                if a in defs:
                    count[a] = count.get(a, 0) + 1
        kept = []
        for s in needed:
            d = defs[s]
            if count.get(s, 0) == 1 and isinstance(d, _Temp):
                self.array.inline[s] = self.point.inline[s] = d.expr
            elif count.get(s, 0) == 1 and isinstance(d, _Dot):
                self.array.inline[s] = d.emit(self.array, self.frame)
            else:
                kept.append(s)
        return kept

    def _body(self, kept: list[sp.Symbol]) -> tuple[list[str], list[str]]:
        """The definitions and the outputs (under ``np.errstate`` where a ``Piecewise``
        evaluates every branch), and the returned values."""
        mod = self.mod
        lines = [f"    {mod.names[s]} = {mod.defs[s].emit(self.array, self.frame)}" for s in kept]
        results = []
        products: dict[str, str] = {}  # matrix products over the samples, computed once
        outputs = self.fn.outputs
        for j, o in enumerate(outputs):
            oname = "out" if len(outputs) == 1 else f"out{j}"
            results.append(self._output(o, oname, lines, products))
        if self.array.piecewise:
            # np.select evaluates every branch: silence warnings from the branches not taken
            lines = ["    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):",
                     *("    " + ln for ln in lines)]
        return lines, results

    def _output(self, o: _Output, oname: str, lines: list[str], products: dict[str, str]) -> str:
        """Lines computing one output; returns the expression returned for it."""
        if not o.shape:
            lines.append(f"    {oname} = np.empty({self.use('shape')})")
            lines.append(f"    {oname}[...] = {self._reduced(o.items[0].expr)}")
            return f"{oname}[()]"
        whole = self._whole_product(o)
        if whole is not None:  # the output is one matrix product over the samples
            lines.append(f"    {oname} = {whole}")
            return oname
        alloc = "np.empty" if o.dense else "np.zeros"
        size = math.prod(o.shape)
        lead = self.frame.lead
        # entries first (outside the data form): (entries, *batch), each entry contiguous
        at = "" if lead else "..., "
        if self.frame.one:
            dims = f"{size}"
        elif lead:
            dims = f"({size},) + {self.use('shape')}"
        else:
            dims = f"{self.use('shape')} + ({size},)"
        lines.append(f"    {oname} = {alloc}({dims})")
        for it in o.items:
            if isinstance(it, _Entry):
                p0, *more = it.positions
                # (entries first, a row p as the view p:p+1: out[p] of one point is a float)
                first = f"{oname}[{p0}:{p0 + 1}]" if lead else f"{oname}[..., {p0}]"
                line = self._into(first, it.expr)
                if line is None:
                    targets = " = ".join(f"{oname}[{at}{p}]" for p in it.positions)
                    lines.append(f"    {targets} = {self._reduced(it.expr)}")
                    continue
                lines.append(line)
                lines += [f"    {oname}[{at}{p}] = {first}" for p in more]
                continue
            if isinstance(it, _SliceGroup) and all(len(p) == 1 for p in it.positions):
                idx = self.index([p[0] for p in it.positions])
                line = None if idx.startswith("_I") else self._into(f"{oname}[{at}{idx}]",
                                                                    it.expr)
                if line is not None:  # a slice is a view: computed straight into it
                    lines.append(line)
                    continue
            value = self._group_value(it, lines, products)
            if all(len(p) == 1 for p in it.positions):
                lines.append(f"    {oname}[{at}{self.index([p[0] for p in it.positions])}] = "
                             f"{value}")
                continue
            lines.append(f"    blk = {value}")
            for q in range(max(len(p) for p in it.positions)):
                # members with a q-th position (a matrix's diagonal has one, mirror pairs two)
                has = [k for k, p in enumerate(it.positions) if len(p) > q]
                part = "" if len(has) == len(it.positions) else f"[{at}{self.index(has)}]"
                lines.append(f"    {oname}[{at}{self.index([it.positions[k][q] for k in has])}]"
                             f" = blk{part}")
        if self.frame.one:
            return f"{oname}.reshape({o.shape})" if len(o.shape) > 1 else oname
        if lead:
            # the batch dimensions back in front: a view (each point's entries strided)
            back = (f"{oname}.T if {oname}.ndim < 3 else np.moveaxis({oname}, 0, -1)")
            if len(o.shape) > 1:
                return (f"({oname}.reshape({o.shape}) if {oname}.ndim == 1 else "
                        f"({back}).reshape({self.use('shape')} + {o.shape}))")
            return back
        if len(o.shape) > 1:
            return f"{oname}.reshape({self.use('shape')} + {o.shape})"
        return oname

    def _into(self, target: str, e: sp.Expr) -> str | None:
        """``np.add(a, b, out=target)`` (or ``np.subtract``) for a sum ``e = a + b`` outside the
        data form: its last operation writes into the output's view ``target``, saving the
        copy of a temporary (the same operations, in the same order, as ``target = e``)."""
        if self.mod.data or not e.is_Add or not self.mod.has_var(e):
            return None
        terms = sorted(e.args, key=lambda t: bool(t.is_Number))  # as the printer orders them
        last, rest = terms[-1], sp.Add(*terms[:-1])
        negated = (last.is_Number or last.is_Mul) and last.as_coeff_Mul()[0] < 0
        op, last = ("np.subtract", -last) if negated else ("np.add", last)
        return f"    {op}({self.array(rest)}, {self.array(last)}, out={target})"

    def _reduced(self, val: sp.Expr) -> str:
        """An entry's value; in the data form reduced over the samples."""
        mod = self.mod
        s = self.array(val)
        if not mod.data:
            return s
        red = "np.sum" if mod.reduce == "sum" else "np.mean"
        if mod.has_data(val):
            return f"{red}({s}, axis=-1)"
        full = f"np.broadcast_to({s}, {self.use('shape')} + (1,))"
        factor = f"{self.use('nd')}[0] * " if mod.reduce == "sum" else ""
        return f"{factor}{full}[..., 0]"

    def _per_sample(self, value: str) -> str:
        return value if self.mod.reduce == "sum" else f"{value} / {self.use('nd')}[0]"

    def _whole_product(self, o: _Output) -> str | None:
        """``sum_s D[i, s] r[s]`` for every ``i`` (a gradient) or ``sum_s D[i, s] D[j, s] r[s]``
        for every ``i, j`` (a Hessian), with data row ``i`` paired with variable ``i``: the whole
        output is ``r @ D[:n].T`` or ``(D[:n] * r) @ D[:n].T``, with no scatter."""
        mod = self.mod
        groups = [g for g in o.items if isinstance(g, _ProductGroup)]
        if not o.items or len(groups) != len(o.items):
            return None
        g = groups[0]
        n, m = o.shape[0], len(o.shape)
        if len(g.index[0]) != m or (m == 2 and o.shape[1] != n) or not mod.has_var(g.expr):
            return None  # without x the product has no batch dimensions: scatter instead
        got: set[int] = set()
        for h in groups:
            if h.expr != g.expr or len(h.index[0]) != m:
                return None
            for pos, idx in zip(h.positions, h.index):
                flat = idx[0] if m == 1 else idx[0] * n + idx[1]
                mirror = flat if m == 1 else idx[1] * n + idx[0]
                if set(pos) != {flat, mirror}:
                    return None
                got.update(pos)
        if got != set(range(n**m)):
            return None
        r = self.array.paren(g.expr, _ATOM - 1)
        d = f"{mod.stack_name}[0:{n}]" if len(mod.data) > n else mod.stack_name
        if m == 2:
            self.array.helpers.add("_gram")
        prod = f"{r} @ {d}.T" if m == 1 else f"_gram({d}, {r})"
        return prod if mod.reduce == "sum" else f"({prod}) / {self.use('nd')}[0]"

    def _group_value(self, g: _SliceGroup | _ProductGroup, lines: list[str],
                     products: dict[str, str]) -> str:
        """The values of a group's members, one per position along the last axis."""
        if isinstance(g, _SliceGroup):
            return self.array(g.expr)
        r = self.array.paren(g.expr, _ATOM - 1)
        d = self.mod.stack_name
        m = len(g.index[0])
        if m > 2:
            factors = " * ".join(f"{d}[{self.index([i[q] for i in g.index], True)}]"
                                 for q in range(m))
            return self._per_sample(f"np.sum({factors} * {r}[..., None, :], axis=-1)")
        if g.expr.is_Number:  # the same constant for every sample: no batch dimensions
            prod = f"{r} * {d}.sum(axis=-1)" if m == 1 else f"{r} * ({d} @ {d}.T)"
            batch = ""
        else:
            # sum_s D[i, s]*r[s] is (r @ D.T)[i]; sum_s D[i, s]*D[j, s]*r[s] a Gram matrix
            if m == 2:
                self.array.helpers.add("_gram")
            prod = f"{r} @ {d}.T" if m == 1 else f"_gram({d}, {r})"
            batch = "..., "
        name = products.get(prod)
        if name is None:
            name = products[prod] = self.mod.product_name(len(products))
            lines.append(f"    {name} = {prod}")
        if m == 1:
            return self._per_sample(f"{name}[{batch}{self.index([i[0] for i in g.index])}]")
        rows = self.index([i[0] for i in g.index], array=True)
        cols = self.index([i[1] for i in g.index], array=True)
        return self._per_sample(f"{name}[{batch}{rows}, {cols}]")

    # -- the one-point twin --------------------------------------------------------------------

    def _point_function(self, kept: list[sp.Symbol]) -> list[str]:
        """``_name_point``: the same function on Python floats (no groups, no data)."""
        mod, fn, point = self.mod, self.fn, self.point
        lines = ["", f"def {self.pname}({self.sig}):",
                 f'    """{fn.name} at one point, on Python floats."""']
        for a, syms in fn.vectors:
            names = [mod.name(s) for s in syms]
            lines.append(f"    {', '.join(names)}{',' if len(names) == 1 else ''} = {a}.tolist()")
        lines += [f"    {p} = float({p})" for p in mod.argnames]
        for s in kept:  # temporaries only (no groups on this path)
            d = mod.defs[s]
            if isinstance(d, _Temp):
                lines.append(f"    {mod.names[s]} = {point(d.expr)}")
        results = []
        for j, o in enumerate(fn.outputs):
            if not o.shape:
                results.append(f"np.float64({point(o.items[0].expr)})")
                continue
            oname = f"out{j}" if len(fn.outputs) > 1 else "out"
            lines += self._point_output(o, oname)
            results.append(oname)
        return [*lines, f"    return {', '.join(results)}", ""]

    def _point_output(self, o: _Output, oname: str) -> list[str]:
        """One output on Python floats: its entries in one ``np.array``, zeros elsewhere."""
        flat: list[tuple[int, str]] = []
        for it in o.items:
            s = self.point(it.expr)
            flat.extend((p, s) for p in it.positions)
        flat.sort()
        size = math.prod(o.shape)
        values = ",\n        ".join(s for _, s in flat)
        reshape = [f"    {oname} = {oname}.reshape{o.shape}"] if len(o.shape) > 1 else []
        if len(flat) == size:
            expr = f"np.array([\n        {values},\n    ], dtype=float)"
            if len(o.shape) > 1:
                expr += f".reshape{o.shape}"
            return [f"    {oname} = {expr}"]
        if not flat:  # every entry is a structural zero
            return [f"    {oname} = np.zeros({size})", *reshape]
        pos = self.index([p for p, _ in flat])
        return [f"    {oname} = np.zeros({size})",
                f"    {oname}[{pos}] = np.array((\n        {values},\n    ))", *reshape]


# -- the module ------------------------------------------------------------------------------------


def _module_source(header: str, bodies: Sequence[_Source]) -> str:
    """The header, the imports, the helpers and index constants used, and the functions."""
    used = set().union(*(b.helpers for b in bodies))
    needed = {n for h in used for n in _HELPER_NEEDS.get(h, ())}
    helpers = sorted(used | needed, key=lambda h: (h not in needed, h))  # what others use first
    consts = sorted({c for b in bodies for c in b.consts}, key=lambda c: int(c[2:c.index(" ")]))
    parts = [header.rstrip() + "\n\nimport math\n\nimport numpy as np\n"]
    if helpers:
        parts.append("\n\n".join(_HELPERS[h].rstrip("\n") for h in helpers))
    if consts:
        parts.append("# index constants (fancy indexing of entries that are not a slice)\n"
                     + "\n".join(consts))
    parts.extend(b.text for b in bodies)
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _header(name: str, args: Sequence[str], lines: Sequence[str], namer: _Namer) -> str:
    """The comment block that opens a generated module: ``# name(x, args): lines[0]``, the
    other lines, and which symbols the code names differently (all user text escaped)."""
    out = [f"# {name}({', '.join(['x', *args])}): {_comment(lines[0])}",
           *(f"# {_comment(t)}" for t in lines[1:])]
    if namer.renamed:
        pairs = [f"{ident} is {_comment(repr(_cut(orig, 40)))}"
                 for ident, orig in list(namer.renamed.items())[:12]]
        more = ", ..." if len(namer.renamed) > 12 else ""
        out.append(f"# symbols named differently in this code: {', '.join(pairs)}{more}")
    out.append("# Generated by symtaylor.codegen; needs only NumPy.")
    return "\n".join(out)


def _hvp_through_hess(mod: _Module, name: str, what: str) -> _Source:
    """``name_hvp`` as ``name_hess(x) @ v`` (one batched matrix-vector product), for a
    Hessian computed in vectorised blocks (its entries are not at hand to write ``H v``)."""
    sig = ", ".join(["x", "v", *mod.argnames])
    hargs = ", ".join(["x", *mod.argnames])
    text = (f'def {name}_hvp({sig}):\n    """Hessian of {_docstring(what)} times the '
            f'direction v (through {name}_hess)."""\n    v = _real(v, \'v\')\n'
            f"    return ({name}_hess({hargs}) @ v[..., None])[..., 0]\n")
    if mod.data:
        npar = len(mod.params)
        ssig = ", ".join(["x", "v", *mod.argnames[:npar], mod.stack_name])
        sargs = ", ".join(["x", *mod.argnames[:npar], mod.stack_name])
        text += (f'\n\ndef _{name}_hvp_stacked({ssig}):\n    """{name}_hvp with the data '
                 f'arrays as the rows of {mod.stack_name}."""\n'
                 "    v = _real(v, 'v')\n"
                 f"    return (_{name}_hess_stacked({sargs}) @ v[..., None])[..., 0]\n")
    return _Source(text, frozenset(), ())
