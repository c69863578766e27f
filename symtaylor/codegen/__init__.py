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

import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..errors import CodegenError, InputError
from ..parsing import as_expr
from .load import _load
from .names import _GENERATOR_NAMES, _Namer  # noqa: F401 - _GENERATOR_NAMES: tests
from .prepare import _check_options, _coerce, _nodes, _realify, _rename
from .printer import _ATOM, _MUL, _ArrayPrinter, _PointPrinter
from .tables import _HELPERS
from .text import _comment, _cut, _docstring, _short, _vars_text

__all__ = [
    "BoundFunction",
    "BoundObjective",
    "CompiledFunction",
    "CompiledObjective",
    "compile_numpy",
    "compile_objective",
    "to_scipy",
]


# -- the generator ------------------------------------------------------------------------------
#
# Outputs are planned before CSE. An output is a list of items: an _Entry is one scalar value
# written to one position (two for the mirror pair of a symmetric matrix); a _Group is many
# entries computed by one vectorised NumPy expression:
# * "gather": entries that are the same formula of different variables (the n - 2 interior
#   gradient entries of an extended Rosenbrock function) become one template evaluated on
#   slices ``x[..., a:b]``; a long sum is rerolled the same way into ``np.sum(template, -1)``;
# * "mono" (the data form): entries ``a_i * a_j * r`` whose data monomials differ but whose rest
#   ``r`` is common (a logistic-regression Hessian) become one matrix product over the samples,
#   ``((D * r) @ D.T)[i, j]`` with ``D`` the stacked data arrays.
# Groups are used where NumPy's per-call overhead is repaid; small outputs keep one entry per
# line and get the Python-float fast path for one point.

_GROUP_MIN = 4  # members of a group
_GATHER_MIN_OUTPUT = 24  # entries (or terms of a sum) before rerolling pays for one point
_SUM_MIN_DATA = 8  # terms of a sum rerolled in the data form (no one-point path to lose there)
_DATA_SLOT0 = 10_000  # canonical slots of data symbols follow those of the variables

_CANON: list[sp.Dummy] = []


def _canon(k: int) -> sp.Dummy:
    while len(_CANON) <= k:
        _CANON.append(sp.Dummy(f"s{len(_CANON)}", real=True))
    return _CANON[k]


@dataclass
class _Entry:
    positions: list[int]
    expr: sp.Expr


@dataclass
class _Group:
    kind: str  # "gather" or "mono"
    positions: list[list[int]]  # per member
    expr: sp.Expr  # template in slot symbols (gather) or the common rest r (mono)
    index: list[tuple[int, ...]]  # per member: variable indices (gather) / data indices (mono)
    slots: tuple[sp.Symbol, ...] = ()  # gather: the symbols standing for x[..., index[:, k]]


@dataclass
class _Out:
    shape: tuple[int, ...]
    items: list[_Entry | _Group]
    dense: bool = False


@dataclass
class _Func:
    name: str
    summary: str
    outputs: list[_Out]
    vectors: list[tuple[str, tuple[sp.Symbol, ...]]]  # x (and v for hvp)


def _progression(idx: Sequence[int]) -> tuple[int, int, int] | None:
    if len(idx) < 2:
        return None
    step = idx[1] - idx[0]
    if step <= 0 or any(b - a != step for a, b in itertools.pairwise(idx)):
        return None
    return idx[0], idx[-1] + 1, step


class _Module:
    """Prepared expressions, their plan, the CSE'd definitions, and the printer of functions."""

    def __init__(
        self,
        variables: tuple[sp.Symbol, ...],
        params: tuple[sp.Symbol, ...],
        data: tuple[sp.Symbol, ...],
        reduce: str,
        functions: Iterable[str] = (),
    ) -> None:
        self.variables, self.params, self.data, self.reduce = variables, params, data, reduce
        allsyms = (*variables, *params, *data)
        if len(set(allsyms)) != len(allsyms):
            raise InputError(f"a symbol appears twice among variables, params and data: {allsyms}")
        self.allsyms = allsyms
        # every identifier of the module comes from the namer; the functions (and their
        # one-point and stacked-data twins) are module-level names no symbol may take
        self.namer = _Namer(f"{p}{f}{q}" for f in functions
                            for p, q in (("", ""), ("_", "_point"), ("_", "_stacked")))
        self.names: dict[sp.Basic, str] = {}
        self.real: dict[sp.Symbol, sp.Symbol] = {}
        self.defs: dict[sp.Symbol, tuple[str, Any]] = {}  # symbol -> (kind, payload), in order
        self.consts: dict[str, str] = {}  # index constants: text -> name
        self.stack_name = ""
        self.product_names: list[str] = []  # prod0, prod1, ...: shared by the functions
        self.sum_cache: dict[sp.Expr, sp.Expr] = {}
        self._has_data: dict[sp.Symbol, bool] = {}
        self._expanded: dict[sp.Symbol, sp.Symbol] = {}

    # -- preparing -------------------------------------------------------------------------

    def prepare(self, exprs: list[sp.Expr]) -> list[sp.Expr]:
        # SymPy objects already (as_expr ran in the facades); numbers go through as_expr too
        exprs = [e if isinstance(e, sp.Basic) else as_expr(e) for e in exprs]
        exprs, back = _realify(exprs, self.allsyms)
        for r, s in back.items():
            self.real[s] = r
        for s in self.allsyms:
            key = self.real.get(s, s)
            if key not in self.names:
                self.names[key] = self.namer.symbol(s.name)
        self.argnames = [self.names[self.real.get(s, s)] for s in (*self.params, *self.data)]
        if self.data and not self.stack_name:
            self.stack_name = self.namer.fresh("D")  # the stacked data arrays
        self.var_index = {self.real.get(s, s): i for i, s in enumerate(self.variables)}
        self.data_index = {self.real.get(s, s): i for i, s in enumerate(self.data)}
        known = set(self.names)
        for e in exprs:
            extra = e.free_symbols - known
            if extra:
                raise CodegenError(
                    f"expression {e} has symbol(s) {', '.join(sorted(map(str, extra)))} that are "
                    "neither variables nor params; pass them in params= (or data=)"
                )
        return exprs

    def new_symbol(self, base: str) -> sp.Symbol:
        """A placeholder for a generated definition, printed as a fresh name like ``base``.

        A plain Symbol, not a Dummy (SymPy's cache then serves rebuilt expressions again): it
        cannot equal a symbol of the expressions, which were all named first (so the name is
        not theirs) and made real (this one has no assumptions)."""
        s = sp.Symbol(self.namer.fresh(base))
        self.names[s] = s.name
        return s

    def stack(self) -> str:
        """The name of the stacked data arrays (``D``), claimed on first use."""
        if not self.stack_name:
            self.stack_name = self.namer.fresh("D")
        return self.stack_name

    # -- planning ----------------------------------------------------------------------------

    def plan(self, out: _Out, vectorise: bool = True) -> None:
        if not vectorise:
            return
        # long sums anywhere (f of a chain, the w.a of a linear model) become np.sum / @
        min_terms = _SUM_MIN_DATA if self.data else _GATHER_MIN_OUTPUT
        for it in out.items:
            if isinstance(it, _Entry):
                it.expr = self._reroll_all(it.expr, min_terms)
        entries = [it for it in out.items if isinstance(it, _Entry)]
        if self.data:
            out.items = self._plan_mono(entries)
        elif not self.params and len(entries) >= _GATHER_MIN_OUTPUT:
            # array parameters would not broadcast against gathered slices
            out.items = self._plan_gather(entries)

    def _template(self, e: sp.Expr) -> tuple[sp.Expr, tuple[tuple[int, ...], tuple[int, ...]]]:
        """``e`` with its variables (and data symbols), in index order, renamed to slots."""
        free = e.free_symbols
        vi = tuple(sorted(self.var_index[s] for s in free if s in self.var_index))
        di = tuple(sorted(self.data_index[s] for s in free if s in self.data_index))
        swap = {self._var_sym(i): _canon(k) for k, i in enumerate(vi)}
        swap.update({self._data_sym(i): _canon(_DATA_SLOT0 + k) for k, i in enumerate(di)})
        return _rename(e, swap), (vi, di)

    def _var_sym(self, i: int) -> sp.Symbol:
        s = self.variables[i]
        return self.real.get(s, s)

    def _buckets(self, exprs: list[tuple[Any, sp.Expr]]) -> dict[Any, list]:
        buckets: dict[Any, list] = {}
        for tag, e in exprs:
            tmpl, idx = self._template(e)
            key = (tmpl, len(idx[0]), len(idx[1]), tag[0])
            buckets.setdefault(key, []).append((tag, idx, e))
        for members in buckets.values():  # index order makes slices (views) of x
            members.sort(key=lambda m: m[1])
        return buckets

    def _gather_group(self, tmpl: sp.Expr, members: list) -> _Group:
        nv, ndat = len(members[0][1][0]), len(members[0][1][1])
        swap = {}
        for j in range(nv):
            s = self.new_symbol(f"g{len(self.defs)}_{j}")
            self.defs[s] = ("gather", [m[1][0][j] for m in members])
            swap[_canon(j)] = s
        for j in range(ndat):
            s = self.new_symbol(f"g{len(self.defs)}_d{j}")
            self.defs[s] = ("dgather", [m[1][1][j] for m in members])
            swap[_canon(_DATA_SLOT0 + j)] = s
            self.stack()
        # a rerolled sum has the shape of one point: give it an axis for the group's members
        for s in tmpl.free_symbols:
            if s in self.defs and self.defs[s][0] in ("sum", "dot"):
                e = self._expanded.get(s)
                if e is None:
                    e = self._expanded[s] = self.new_symbol(f"{self.names[s]}_b")
                    self.defs[e] = ("expand", s)
                swap[s] = e
        return _Group("gather", [m[0][1] for m in members], _rename(tmpl, swap),
                      [m[1][0] for m in members], tuple(swap.values()))

    def _plan_gather(self, entries: list[_Entry]) -> list[_Entry | _Group]:
        buckets = self._buckets([((len(e.positions), e.positions), e.expr) for e in entries])
        items: list[_Entry | _Group] = []
        for (tmpl, _, _, _), members in buckets.items():
            if len(members) >= _GROUP_MIN:
                items.append(self._gather_group(tmpl, members))
            else:
                items.extend(_Entry(m[0][1], m[2]) for m in members)
        return items

    def _reroll_all(self, e: sp.Expr, min_terms: int) -> sp.Expr:
        big = {a for a in _nodes(e) if a.is_Add and len(a.args) >= min_terms}
        if not big:
            return e
        for a in big:
            if a not in self.sum_cache:
                self.sum_cache[a] = self._reroll_sum(a)
        return _rename(e, {a: self.sum_cache[a] for a in big})

    def _reroll_sum(self, e: sp.Expr) -> sp.Expr:
        """A long sum of same-shaped terms -> ``np.sum(template(x[..., a:b]), -1)`` per shape;
        in the data form ``c * w.a`` becomes ``c * (x[..., I] @ D[J])``."""
        buckets = self._buckets([((0, None), t) for t in e.args])
        params = {self.real.get(p, p) for p in self.params}
        parts = []
        for (tmpl, nv, ndat, _), members in buckets.items():
            if len(members) < _GROUP_MIN or tmpl.free_symbols & params:
                parts.extend(m[2] for m in members)
                continue
            r = self.new_symbol(f"sum{len(self.defs)}")
            coeff, rest = tmpl.as_coeff_Mul()
            if self.data and nv == 1 and ndat == 1 and rest == _canon(0) * _canon(_DATA_SLOT0):
                self.stack()
                self.defs[r] = ("dot", ([m[1][0][0] for m in members],
                                        [m[1][1][0] for m in members], coeff))
            else:
                self.defs[r] = ("sum", self._gather_group(tmpl, members))
            parts.append(r)
        return sp.Add(*parts)

    def _split_monomial(self, e: sp.Expr) -> tuple[dict[int, int], sp.Expr]:
        """``e = prod(data_k ** p_k) * rest`` with the largest such data monomial."""
        terms = sp.Add.make_args(e)
        monos: list[dict[int, int]] = []
        for t in terms:
            m: dict[int, int] = {}
            for f in sp.Mul.make_args(t):
                base, p = (f.base, f.exp) if f.is_Pow else (f, sp.S.One)
                if base in self.data_index and p.is_Integer and p > 0:
                    m[self.data_index[base]] = m.get(self.data_index[base], 0) + int(p)
            monos.append(m)
        common = {k: min(m.get(k, 0) for m in monos) for k in monos[0]}
        common = {k: p for k, p in common.items() if p > 0}
        if not common:
            return {}, e
        div = sp.Mul(*(self._data_sym(k) ** p for k, p in common.items()))
        rest = sp.Add(*(t / div for t in terms))
        return common, rest

    def _data_sym(self, k: int) -> sp.Symbol:
        s = self.data[k]
        return self.real.get(s, s)

    def _plan_mono(self, entries: list[_Entry]) -> list[_Entry | _Group]:
        if len(entries) < _GROUP_MIN:
            return list(entries)
        by_rest: dict[tuple, list] = {}
        for e in entries:
            mono, rest = self._split_monomial(e.expr)
            by_rest.setdefault((rest, len(e.positions)), []).append((e, mono))
        items: list[_Entry | _Group] = []
        for (rest, _), members in by_rest.items():
            if len(members) < _GROUP_MIN or not members[0][1]:
                items.extend(m[0] for m in members)
                continue
            keys = set().union(*(m[1] for m in members))
            common = {k: min(m[1].get(k, 0) for m in members) for k in keys}
            common = {k: p for k, p in common.items() if p > 0}
            varying = []
            for _, mono in members:
                ms: list[int] = []
                for k in sorted(mono):
                    ms.extend([k] * (mono[k] - common.get(k, 0)))
                varying.append(tuple(ms))
            r = rest * sp.Mul(*(self._data_sym(k) ** p for k, p in common.items()))
            sizes: dict[int, list[int]] = {}
            for i, v in enumerate(varying):
                sizes.setdefault(len(v), []).append(i)
            for m, which in sizes.items():
                if m == 0 or len(which) < _GROUP_MIN or not (self.has_data(r) or r.is_Number):
                    items.extend(members[i][0] for i in which)
                    continue
                self.stack()
                items.append(_Group("mono", [members[i][0].positions for i in which], r,
                                    [varying[i] for i in which]))
        return items

    # -- CSE ---------------------------------------------------------------------------------

    def cse(self, outputs: list[_Out], enabled: bool = True) -> None:
        """One common-subexpression elimination over every expression of every output."""
        holders: list[Any] = []
        exprs: list[sp.Expr] = []
        for o in outputs:
            for it in o.items:
                holders.append(it)
                exprs.append(it.expr)
        for kind, payload in list(self.defs.values()):
            if kind == "sum":
                holders.append(payload)
                exprs.append(payload.expr)
        if enabled and exprs:
            # temporaries t0, t1, ... claimed as drawn; plain Symbols, as in new_symbol (SymPy's
            # CSE is ~1.7x slower with Dummies)
            names = self.namer.counter("t")
            temps, reduced = sp.cse(exprs, symbols=(sp.Symbol(n) for n in names), order="none")
        else:
            temps, reduced = [], exprs
        for h, r in zip(holders, reduced):
            h.expr = r
        for s, d in temps:
            self.names[s] = s.name
            self.defs[s] = ("expr", d)
        self._exp_powers(holders)
        self._has_data = {}

    def _exp_powers(self, holders: list[Any]) -> None:
        """``exp(k*u)`` (|k| = 2..4) becomes ``t**k`` where a temporary ``t = exp(+-u)`` exists:
        SymPy writes ``exp(u)**2`` as ``exp(2*u)``, which CSE cannot see (a logistic Hessian's
        ``s*(1 - s)`` would cost a second ``np.exp``)."""
        known: dict[tuple[sp.Expr, int], sp.Symbol] = {}
        for s, (kind, d) in self.defs.items():
            if kind == "expr" and isinstance(d, sp.exp):
                c, u = d.args[0].as_coeff_Mul()
                if c in (1, -1):
                    known[(u, int(c))] = s
        if not known:
            return
        exprs = [h.expr for h in holders] + [d for k, d in self.defs.values() if k == "expr"]
        swap = {}
        for a in _nodes(*exprs):
            if isinstance(a, sp.exp):
                c, u = a.args[0].as_coeff_Mul()
                if c.is_Integer and 2 <= abs(c) <= 4:
                    k, sgn = int(abs(c)), int(c) // int(abs(c))
                    if (u, sgn) in known:
                        swap[a] = known[(u, sgn)] ** k
                    elif (u, -sgn) in known:
                        swap[a] = known[(u, -sgn)] ** -k
        if not swap:
            return
        memo: dict = {}
        for h in holders:
            h.expr = _rename(h.expr, swap, memo)
        for s, (kind, d) in list(self.defs.items()):
            if kind == "expr":
                self.defs[s] = ("expr", _rename(d, swap, memo))

    def deps(self, s: sp.Symbol) -> set:
        kind, payload = self.defs[s]
        if kind in ("expr", "expand"):
            return payload.free_symbols & self.defs.keys()
        if kind == "sum":
            return payload.expr.free_symbols & self.defs.keys()
        return set()

    def needed(self, exprs: list[sp.Expr]) -> list[sp.Symbol]:
        """Definitions the expressions need, dependencies first (iterative depth-first)."""
        order: list[sp.Symbol] = []
        done: set[sp.Symbol] = set()
        rank = {s: i for i, s in enumerate(self.defs)}
        roots = sorted({s for e in exprs for s in e.free_symbols if s in self.defs},
                       key=rank.__getitem__)
        for root in roots:
            if root in done:
                continue
            stack: list[tuple[sp.Symbol, bool]] = [(root, False)]
            while stack:
                s, expanded = stack.pop()
                if s in done:
                    continue
                if expanded:
                    done.add(s)
                    order.append(s)
                    continue
                stack.append((s, True))
                for t in sorted(self.deps(s) - done, key=rank.__getitem__, reverse=True):
                    stack.append((t, False))
        return order

    def has_var(self, e: sp.Expr) -> bool:
        """Whether ``e`` (written with definitions) depends on the variables ``x``."""
        stack, seen = [e], set()
        while stack:
            a = stack.pop()
            for s in a.free_symbols:
                if s in self.var_index:
                    return True
                if s in self.defs and s not in seen:
                    seen.add(s)
                    kind, payload = self.defs[s]
                    if kind in ("gather", "dot"):
                        return True
                    if kind in ("expr", "expand"):
                        stack.append(payload)
                    elif kind == "sum":
                        stack.append(payload.expr)
        return False

    def has_data(self, e: sp.Expr) -> bool:
        """Whether ``e`` (written with definitions) depends on a data symbol."""
        if not self.data:
            return False
        for s in e.free_symbols:
            if s in self.data_index:
                return True
            if s in self.defs:
                hit = self._has_data.get(s)
                if hit is None:
                    kind, payload = self.defs[s]
                    if kind in ("dgather", "dot"):
                        hit = True
                    elif kind == "expr":
                        hit = self.has_data(payload)
                    elif kind == "sum":
                        hit = self.has_data(payload.expr)
                    elif kind == "expand":
                        hit = self.has_data(payload)
                    else:
                        hit = False
                    self._has_data[s] = hit
                if hit:
                    return True
        return False

    # -- printing ----------------------------------------------------------------------------

    def index_text(self, idx: Sequence[int], array: bool = False) -> str:
        prog = None if array else _progression(idx)
        if prog is not None:
            a, b, step = prog
            return f"{a}:{b}" if step == 1 else f"{a}:{b}:{step}"
        text = "[" + ", ".join(map(str, idx)) + "]"
        name = self.consts.get(text)
        if name is None:
            name = self.consts[text] = f"_I{len(self.consts)}"  # "_": never a symbol's name
            self.namer.taken.add(name)
        return name

    def print_function(self, fn: _Func) -> tuple[str, set[str], list[str]]:
        """Source of one function (and its one-point twin), helpers used, constants used."""
        items = [it for o in fn.outputs for it in o.items]
        need = self.needed([it.expr for it in items])
        grouped = any(isinstance(it, _Group) for it in items) or any(
            self.defs[s][0] != "expr" for s in need)
        np_pr = _ArrayPrinter(self.names)
        pt_pr = _PointPrinter(self.names)
        need_all = need
        need = self._inline_single_use(need, items, np_pr, pt_pr, fn.vectors[0][0])
        lines: list[str] = []
        params = self.argnames
        vec_names = [a for a, _ in fn.vectors]
        sig = ", ".join(vec_names + params)
        npar = len(self.params)
        k = len(self.variables)
        point_ok = not self.data and not grouped
        pname = f"_{fn.name}_point"
        shapes = ", ".join(str(o.shape) for o in fn.outputs)
        vs = [self._name(s) for s in self.variables]  # as the code names them
        held = ", ".join(vs if len(vs) <= 8 else [*vs[:3], "...", vs[-1]])
        lines += [f"def {fn.name}({sig}):", f'    """{_docstring(fn.summary)}', "",
                  f"    {vec_names[0]}: array (..., {k}) holding ({held})"]
        if len(vec_names) > 1:
            lines.append(f"    {vec_names[1]}: array (..., {k}), the direction")
        if npar:
            lines.append(f"    {', '.join(params[:npar])}: parameters, broadcast against the "
                         "batch dimensions")
        if self.data:
            lines.append(f"    {', '.join(params[npar:])}: data arrays of one length N; the "
                         f"result is the {self.reduce} over the N samples")
        lines.append(f"    Returns per point: shape {shapes}; a batch adds its leading dimensions.")
        lines.append('    """')
        stacked_sig = ", ".join(vec_names + params[:npar] + [self.stack_name])
        if self.data:  # stack the data once, then the body that works on the stacked rows
            cols = ", ".join(params[npar:])
            stack = self.stack_name
            lines.append(f"    {stack} = np.array([{cols}])  # (data, N)")
            lines += _as_real(stack, "data")
            lines.append(f"    if {stack}.ndim != 2:")
            lines.append("        raise ValueError(f'data arrays must be 1-D of one length, got "
                         f"shape {{{stack}.shape[1:]}}')")
            lines.append(f"    return _{fn.name}_stacked({stacked_sig})")
            lines += ["", "", f"def _{fn.name}_stacked({stacked_sig}):",
                      f'    """{fn.name} with the data arrays as the rows of {stack} '
                      '(stacked once, reused)."""']
        for a in vec_names:
            lines += _as_real(a)
            lines.append(f"    if {a}.ndim == 0 or {a}.shape[-1] != {k}:")
            lines.append(f"        raise ValueError(f'{a} must have shape (..., {k}), "
                         f"got {{{a}.shape}}')")
        if not self.data:  # (the data form converts its params after stacking the data)
            for p in params:
                lines += _as_real(p, scalar=True)
        if point_ok:
            cond = " and ".join([f"{a}.ndim == 1" for a in vec_names]
                                + [f"np.ndim({p}) == 0" for p in params])
            lines.append(f"    if {cond}:  # one point: Python floats are ~10x faster")
            lines.append("        try:")
            lines.append(f"            return {pname}({sig})")
            lines.append("        except (ArithmeticError, ValueError):")
            lines.append("            pass  # 1/0, log(-1), overflow: take the IEEE (NumPy) route")
        xs = fn.vectors[0][0]
        used_syms = set().union(*(it.expr.free_symbols for it in items), *(
            self.defs[s][1].free_symbols if self.defs[s][0] == "expr" else
            self.defs[s][1].expr.free_symbols if self.defs[s][0] == "sum" else set()
            for s in need_all))
        unpack_at = -1
        if self.data:
            for p in params[:npar]:
                lines += [*_as_real(p, scalar=True), f"    {p} = np.asarray({p})[..., None]"]
            unpack_at = len(lines)  # rows of the stacked data the body uses by name
            lines.append(f"    nd = {self.stack_name}.shape[1:]")
            lines.append(f"    shape = {xs}.shape[:-1]")
            unpack = "{a}[..., None, {i}]"
        else:
            pshapes = "".join(f", np.shape({p})" for p in params)
            extra_vec = "".join(f", {a}.shape[:-1]" for a in vec_names[1:])
            lines.append(f"    shape = np.broadcast_shapes({xs}.shape[:-1]{extra_vec}{pshapes})")
            unpack = "{a}[..., {i}]"
        for a, syms in fn.vectors:
            for i, s in enumerate(syms):
                name = self._name(s)
                if self.real.get(s, s) in used_syms or (a != xs):
                    lines.append("    " + f"{name} = " + unpack.format(a=a, i=i))
        body_start = len(lines)
        for s in need:
            kind, payload = self.defs[s]
            if kind == "expr":
                lines.append(f"    {self.names[s]} = {np_pr(payload)}")
            elif kind == "gather":
                extra = ", None" if self.data else ""
                lines.append(f"    {self.names[s]} = {xs}[..., {self.index_text(payload)}{extra}]")
            elif kind == "expand":
                axes = "None, :" if self.data else "None"
                lines.append(f"    {self.names[s]} = {self.names[payload]}[..., {axes}]")
            elif kind == "dgather":
                lines.append(f"    {self.names[s]} = {self.stack_name}[{self.index_text(payload)}]")
            elif kind == "dot":
                lines.append(f"    {self.names[s]} = {self._dot_text(np_pr, payload, xs)}")
            else:  # a rerolled sum
                axis = -2 if self.data else -1
                lines.append(f"    {self.names[s]} = np.sum({np_pr(payload.expr)}, axis={axis})")
        results = []
        products: dict[str, str] = {}  # matrix products over the samples, computed once
        for j, o in enumerate(fn.outputs):
            oname = "out" if len(fn.outputs) == 1 else f"out{j}"
            results.append(oname)
            size = math.prod(o.shape)
            if not o.shape:
                lines.append(f"    {oname} = np.empty(shape)")
                lines.append(f"    {oname}[...] = {self._reduced(np_pr, o.items[0].expr)}")
                results[-1] = f"{oname}[()]"
                continue
            whole = self._whole_product(np_pr, o)
            if whole is not None:  # the output is one matrix product over the samples
                lines.append(f"    {oname} = {whole}")
                if len(o.shape) > 1:
                    results[-1] = oname
                continue
            alloc = "np.empty" if o.dense else "np.zeros"
            lines.append(f"    {oname} = {alloc}(shape + ({size},))")
            for it in o.items:
                if isinstance(it, _Entry):
                    targets = " = ".join(f"{oname}[..., {p}]" for p in it.positions)
                    lines.append(f"    {targets} = {self._reduced(np_pr, it.expr)}")
                    continue
                value = self._group_value(np_pr, it, lines, products)
                npos = len(it.positions[0])
                if npos == 1:
                    pos = self.index_text([p[0] for p in it.positions])
                    lines.append(f"    {oname}[..., {pos}] = {value}")
                else:
                    lines.append(f"    blk = {value}")
                    for q in range(npos):
                        pos = self.index_text([p[q] for p in it.positions])
                        lines.append(f"    {oname}[..., {pos}] = blk")
            if len(o.shape) > 1:
                results[-1] = f"{oname}.reshape(shape + {o.shape})"
        if np_pr.piecewise:
            # np.select evaluates every branch: silence warnings from the branches not taken
            body = ["    " + ln for ln in lines[body_start:]]
            lines[body_start:] = [
                "    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):", *body
            ]
        lines.append(f"    return {', '.join(results)}")
        lines.append("")
        for var in ("nd", "shape"):  # drop bookkeeping the body does not use
            at = [i for i, ln in enumerate(lines) if ln.startswith(f"    {var} = ")]
            rest = "\n".join(ln for ln in lines[at[0] + 1:] if "raise ValueError" not in ln) if at \
                else ""
            if at and not re.search(rf"\b{var}\b", rest):
                del lines[at[0]]
                if at[0] < unpack_at:
                    unpack_at -= 1
        if self.data:
            body = "\n".join(lines[unpack_at:])
            rows = [f"    {a} = {self.stack_name}[{i}]" for i, a in enumerate(params[npar:])
                    if re.search(rf"\b{a}\b", body)]
            lines[unpack_at:unpack_at] = rows
        if point_ok:
            lines += self._point_function(fn, pname, sig, need, pt_pr)
        helpers = np_pr.helpers | pt_pr.helpers | {"_real"}
        text_all = "\n".join(lines)
        consts = [f"{name} = np.array({text})" for text, name in self.consts.items()
                  if re.search(rf"\b{name}\b", text_all)]
        return "\n".join(lines), helpers, consts

    def _inline_single_use(self, need: list[sp.Symbol], items: list[Any], np_pr: _ArrayPrinter,
                           pt_pr: _PointPrinter, xs: str) -> list[sp.Symbol]:
        """Temporaries used once in this function are printed where they are used: a named
        array cannot be reused in place by NumPy (temporary elision), so every name costs a
        fresh allocation on large batches. Returns the definitions still to be written."""
        count: dict[sp.Symbol, int] = {}

        def refs(e: sp.Basic) -> None:
            for a in sp.preorder_traversal(e):
                if a in self.defs:
                    count[a] = count.get(a, 0) + 1

        for s in need:
            kind, payload = self.defs[s]
            if kind in ("expr", "expand"):
                refs(payload)
            elif kind == "sum":
                refs(payload.expr)
        for it in items:
            refs(it.expr)
        keep = []
        for s in need:
            kind, payload = self.defs[s]
            if count.get(s, 0) == 1 and kind == "expr":
                np_pr.inline[s] = pt_pr.inline[s] = payload
            elif count.get(s, 0) == 1 and kind == "dot":
                np_pr.inline[s] = self._dot_text(np_pr, payload, xs)
            else:
                keep.append(s)
        return keep

    def _dot_text(self, pr: _ArrayPrinter, payload: Any, xs: str) -> str:
        vi, di, coeff = payload
        c = "" if coeff == 1 else f"{pr.paren(coeff, _MUL)}*"
        return (f"{c}({xs}[..., {self.index_text(vi)}] @ "
                f"{self.stack_name}[{self.index_text(di)}])")

    def _point_function(self, fn: _Func, pname: str, sig: str, need: list[sp.Symbol],
                        pt_pr: _PointPrinter) -> list[str]:
        lines = ["", f"def {pname}({sig}):", f'    """{fn.name} at one point, on Python floats."""']
        for a, syms in fn.vectors:
            names = [self._name(s) for s in syms]
            lines.append(f"    {', '.join(names)}{',' if len(names) == 1 else ''} = {a}.tolist()")
        for p in self.argnames:
            lines.append(f"    {p} = float({p})")
        for s in need:
            lines.append(f"    {self.names[s]} = {pt_pr(self.defs[s][1])}")
        results = []
        for j, o in enumerate(fn.outputs):
            if not o.shape:
                results.append(f"np.float64({pt_pr(o.items[0].expr)})")
                continue
            flat: list[tuple[int, str]] = []
            for it in o.items:
                s = pt_pr(it.expr)
                flat.extend((p, s) for p in it.positions)
            flat.sort()
            size = math.prod(o.shape)
            oname = f"out{j}" if len(fn.outputs) > 1 else "out"
            values = ",\n        ".join(s for _, s in flat)
            if len(flat) == size:
                expr = f"np.array([\n        {values},\n    ], dtype=float)"
                if len(o.shape) > 1:
                    expr += f".reshape{o.shape}"
                lines.append(f"    {oname} = {expr}")
            elif not flat:  # every entry is a structural zero
                lines.append(f"    {oname} = np.zeros({size})")
                if len(o.shape) > 1:
                    lines.append(f"    {oname} = {oname}.reshape{o.shape}")
            else:
                pos = self.index_text([p for p, _ in flat])
                lines.append(f"    {oname} = np.zeros({size})")
                lines.append(f"    {oname}[{pos}] = np.array((\n        {values},\n    ))")
                if len(o.shape) > 1:
                    lines.append(f"    {oname} = {oname}.reshape{o.shape}")
            results.append(oname)
        lines.append(f"    return {', '.join(results)}")
        lines.append("")
        return lines

    def _whole_product(self, pr: _ArrayPrinter, o: _Out) -> str | None:
        """``sum_s D[i, s] r[s]`` for every ``i`` (a gradient) or ``sum_s D[i, s] D[j, s] r[s]``
        for every ``i, j`` (a Hessian), with data row ``i`` paired with variable ``i``: the whole
        output is ``r @ D[:n].T`` or ``(D[:n] * r) @ D[:n].T``, with no scatter."""
        if not o.items or not all(isinstance(g, _Group) and g.kind == "mono" for g in o.items):
            return None
        g = o.items[0]
        n, m = o.shape[0], len(o.shape)
        if len(g.index[0]) != m or (m == 2 and o.shape[1] != n) or not self.has_var(g.expr):
            return None  # without x the product has no batch dimensions: scatter instead
        got: set[int] = set()
        for h in o.items:
            if h.expr != g.expr or len(h.index[0]) != m:  # type: ignore[union-attr]
                return None
            for pos, idx in zip(h.positions, h.index):  # type: ignore[union-attr]
                flat = idx[0] if m == 1 else idx[0] * n + idx[1]
                mirror = flat if m == 1 else idx[1] * n + idx[0]
                if set(pos) != {flat, mirror}:
                    return None
                got.update(pos)
        if got != set(range(n**m)):
            return None
        r = pr.paren(g.expr, _ATOM - 1)
        d = f"{self.stack_name}[0:{n}]" if len(self.data) > n else self.stack_name
        if m == 2:
            pr.helpers.add("_gram")
        prod = f"{r} @ {d}.T" if m == 1 else f"_gram({d}, {r})"
        return prod if self.reduce == "sum" else f"({prod}) / nd[0]"

    def _group_value(self, pr: _ArrayPrinter, g: _Group, lines: list[str],
                     products: dict[str, str]) -> str:
        if g.kind == "gather":
            return pr(g.expr)
        r = pr.paren(g.expr, _ATOM - 1)
        d = self.stack_name
        m = len(g.index[0])
        if m <= 2:
            if g.expr.is_Number:  # the same constant for every sample: no batch dimensions
                prod = f"{r} * {d}.sum(axis=-1)" if m == 1 else f"{r} * ({d} @ {d}.T)"
                batch = ""
            else:
                # sum_s D[i, s]*r[s] is (r @ D.T)[i]; sum_s D[i, s]*D[j, s]*r[s] a Gram matrix
                if m == 2:
                    pr.helpers.add("_gram")
                prod = f"{r} @ {d}.T" if m == 1 else f"_gram({d}, {r})"
                batch = "..., "
            name = products.get(prod)
            if name is None:
                k = len(products)
                if k == len(self.product_names):
                    self.product_names.append(self.namer.fresh(f"prod{k}"))
                name = products[prod] = self.product_names[k]
                lines.append(f"    {name} = {prod}")
            if m == 1:
                value = f"{name}[{batch}{self.index_text([i[0] for i in g.index])}]"
            else:
                rows = self.index_text([i[0] for i in g.index], array=True)
                cols = self.index_text([i[1] for i in g.index], array=True)
                value = f"{name}[{batch}{rows}, {cols}]"
        else:
            factors = " * ".join(f"{d}[{self.index_text([i[q] for i in g.index], True)}]"
                                 for q in range(m))
            value = f"np.sum({factors} * {r}[..., None, :], axis=-1)"
        return value if self.reduce == "sum" else f"{value} / nd[0]"

    def _name(self, s: sp.Symbol) -> str:
        return self.names[self.real.get(s, s)]

    def _reduced(self, pr: _ArrayPrinter, val: sp.Expr) -> str:
        s = pr(val)
        if not self.data:
            return s
        red = "np.sum" if self.reduce == "sum" else "np.mean"
        if self.has_data(val):
            return f"{red}({s}, axis=-1)"
        full = f"np.broadcast_to({s}, shape + (1,))"
        factor = "nd[0] * " if self.reduce == "sum" else ""
        return f"{factor}{full}[..., 0]"


def _as_real(a: str, what: str | None = None, scalar: bool = False) -> list[str]:
    """Lines making the argument ``a`` real (the ``_real`` helper refuses complex values): a
    float64 array (or a float, where ``scalar``) passes as it is, on a check cheaper than the
    ``np.asarray`` it saves."""
    test = f"type({a}) is not np.ndarray or {a}.dtype is not _FLOAT"
    if scalar:
        test = f"type({a}) is not float and ({test})"
    return [f"    if {test}:", f"        {a} = _real({a}, {(what or a)!r})"]


def _module_source(header: str, bodies: list[tuple[str, set[str], list[str]]]) -> str:
    helpers = sorted(set().union(*(h for _, h, _ in bodies)))
    consts = sorted({c for _, _, cs in bodies for c in cs}, key=lambda c: int(c[2:c.index(" ")]))
    parts = [header.rstrip() + "\n\nimport math\n\nimport numpy as np\n"]
    if helpers:
        parts.append("\n\n".join(_HELPERS[h].rstrip("\n") for h in helpers))
    if consts:
        parts.append("# index constants (fancy indexing of entries that are not a slice)\n"
                     + "\n".join(consts))
    parts.extend(b for b, _, _ in bodies)
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



def _outputs(shape: tuple[int, ...], positions: list, values: list[sp.Expr]) -> _Out:
    """Entries of one output: zeros dropped, a symmetric matrix's mirror pair shares a value."""
    if not shape:
        return _Out((), [_Entry([0], values[0])], True)
    strides = [math.prod(shape[i + 1:]) for i in range(len(shape))]
    flat = {sum(a * b for a, b in zip(p, strides)): v for p, v in zip(positions, values)}
    flat = {f: v for f, v in flat.items() if v != 0}
    symmetric = len(shape) == 2 and shape[0] == shape[1] and all(
        flat.get((f % shape[1]) * shape[1] + f // shape[1], 0) == v for f, v in flat.items())
    items: list[_Entry | _Group] = []
    for f, v in sorted(flat.items()):
        i, j = divmod(f, shape[-1]) if len(shape) == 2 else (0, 0)
        if symmetric:
            if i > j:
                continue
            items.append(_Entry([f] if i == j else [f, j * shape[1] + i], v))
        else:
            items.append(_Entry([f], v))
    dense = sum(len(it.positions) for it in items) == math.prod(shape)
    return _Out(shape, items, dense)


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
    out = _outputs(shape, positions, mod.prepare(values))
    mod.plan(out, vectorise=cse)
    mod.cse([out], enabled=cse)
    what = _short(display, 100)
    summary = f"{_short(display, 60)} as a function of x = ({_vars_text(syms)})."
    fn = _Func(name, summary, [out], [("x", syms)])
    header = _header(name, mod.argnames, [f"{what} with x[..., :] = ({_vars_text(syms)})"],
                     mod.namer)
    src = _module_source(header, [mod.print_function(fn)])
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
    f_out = _Out((), [_Entry([0], fr)], True)
    g_out = _Out((n,), [_Entry([i], g) for i, g in enumerate(gr) if g != 0])
    g_out.dense = len(g_out.items) == n
    h_items: list[_Entry | _Group] = []
    for (i, j), h in sorted(hr.items()):
        if h != 0:
            h_items.append(_Entry([i * n + j] if i == j else [i * n + j, j * n + i], h))
    h_out = _Out((n, n), h_items, sum(len(it.positions) for it in h_items) == n * n)
    for o in (f_out, g_out, h_out):
        mod.plan(o)
    mod.cse([f_out, g_out, h_out])
    vsyms = tuple(sp.Dummy(f"v{i}", real=True) for i in range(n))
    for i, s in enumerate(vsyms):
        mod.names[s] = mod.namer.fresh(f"v{i}")
    hess_grouped = any(isinstance(it, _Group) for it in h_out.items)
    rows: dict[int, list[sp.Expr]] = {}
    if not hess_grouped:  # H v written out row by row from the CSE'd entries
        for it in h_out.items:
            i, j = divmod(it.positions[0], n)
            rows.setdefault(i, []).append(it.expr * vsyms[j])
            if i != j:
                rows.setdefault(j, []).append(it.expr * vsyms[i])
    hv_out = _Out((n,), [_Entry([i], sp.Add(*rows[i])) for i in sorted(rows)], len(rows) == n)
    xs = [("x", tuple(rsyms))]
    vars_txt = _vars_text(syms)
    what = _short(display, 60)
    funcs = [
        _Func(name, f"{what} at x = ({vars_txt}).", [f_out], xs),
        _Func(f"{name}_grad", f"Gradient of {what}.", [g_out], xs),
        _Func(f"{name}_hess", f"Hessian of {what} (only structural non-zeros computed).",
              [h_out], xs),
        _Func(f"{name}_value_and_grad", f"({what}, its gradient), sharing work.",
              [f_out, g_out], xs),
        _Func(f"{name}_hvp", f"Hessian of {what} times the direction v.", [hv_out],
              [*xs, ("v", vsyms)]),
    ]
    kind = f" summed over data ({', '.join(map(str, ds))})" if ds else ""
    header = _header(name, mod.argnames, [
        f"{_short(display, 100)}{kind}, with its gradient, Hessian and Hessian-vector product;",
        f"x[..., :] = ({vars_txt})."], mod.namer)
    bodies = [mod.print_function(fn) for fn in funcs[:4]]
    if hess_grouped:  # vectorised Hessian blocks: H v as one batched matrix-vector product
        sig = ", ".join(["x", "v", *mod.argnames])
        hargs = ", ".join(["x", *mod.argnames])
        text = (f'def {name}_hvp({sig}):\n    """Hessian of {_docstring(what)} times the '
                f'direction v (through {name}_hess)."""\n    v = _real(v, \'v\')\n'
                f"    return ({name}_hess({hargs}) @ v[..., None])[..., 0]\n")
        if ds:
            npar = len(ps)
            ssig = ", ".join(["x", "v", *mod.argnames[:npar], mod.stack_name])
            sargs = ", ".join(["x", *mod.argnames[:npar], mod.stack_name])
            text += (f'\n\ndef _{name}_hvp_stacked({ssig}):\n    """{name}_hvp with the data '
                     f'arrays as the rows of {mod.stack_name}."""\n'
                     "    v = _real(v, 'v')\n"
                     f"    return (_{name}_hess_stacked({sargs}) @ v[..., None])[..., 0]\n")
        bodies.append((bodies[2][0] + "\n\n" + text, bodies[2][1], bodies[2][2]))
        whole = [*bodies[:4], (text, set(), [])]
    else:
        bodies.append(mod.print_function(funcs[4]))
        whole = bodies
    src = _module_source(header, whole)
    ns = _load(src, name, mod.namer)
    hdisp = sp.Matrix(n, n, lambda i, j: hess.get((min(i, j), max(i, j)), 0)) if n <= 12 else None

    def make(fn: _Func, shp: tuple[int, ...], disp: Any) -> CompiledFunction:
        mod_src = _module_source(header, [bodies[funcs.index(fn)]])
        return CompiledFunction(fn.name, mod_src, syms, ps, ds, shp, disp, ns[fn.name],
                                ns.get(f"_{fn.name}_stacked"))

    pattern = tuple(sorted({(i, j) for i, j in hess} | {(j, i) for i, j in hess}))
    return CompiledObjective(
        f=make(funcs[0], (), expr),
        grad=make(funcs[1], (n,), sp.Matrix(grad)),
        hess=make(funcs[2], (n, n), hdisp if hdisp is not None else f"Hessian of {what}"),
        value_and_grad=make(funcs[3], ((), (n,)), (expr, sp.Matrix(grad))),
        hvp=make(funcs[4], (n,), f"Hessian of {what} times v"),
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
