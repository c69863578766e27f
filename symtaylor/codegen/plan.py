"""Planning: the outputs of a module as items, vectorised where NumPy's overhead is repaid.

:func:`_output` turns the entries of a scalar, vector or matrix into an
:class:`~symtaylor.codegen.ir._Output` of :class:`~symtaylor.codegen.ir._Entry` items
(structural zeros dropped, the mirror pair of a symmetric matrix sharing one value).
:class:`_Planner` then groups entries, before CSE:

* entries that are the same formula of different variables (the ``n - 2`` interior gradient
  entries of an extended Rosenbrock function) become one
  :class:`~symtaylor.codegen.ir._SliceGroup` evaluated on slices ``x[..., a:b]``; a long sum is
  rerolled the same way into ``np.sum(template, -1)`` (a :class:`~symtaylor.codegen.ir._Sum`),
  or in the data form ``c * w.a`` into ``c * (x[..., I] @ D[J])`` (a
  :class:`~symtaylor.codegen.ir._Dot`);
* in the data form, entries ``a_i * a_j * r`` whose data monomials differ but whose rest ``r``
  is common (a logistic-regression Hessian) become one
  :class:`~symtaylor.codegen.ir._ProductGroup`, a matrix product over the samples.

Small outputs keep one entry per line and get the Python-float fast path for one point.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import sympy as sp

from .ir import (
    _DataGather,
    _Dot,
    _Entry,
    _Expand,
    _Gather,
    _Item,
    _Output,
    _ProductGroup,
    _SliceGroup,
    _Sum,
)
from .module import _Module
from .prepare import _nodes, _rename

_GROUP_MIN = 4  # members of a group
_GATHER_MIN_OUTPUT = 24  # entries (or terms of a sum) before rerolling pays for one point
_SUM_MIN_DATA = 8  # terms of a sum rerolled in the data form (no one-point path to lose there)
_DATA_SLOT0 = 10_000  # canonical slots of data symbols follow those of the variables

_CANON: list[sp.Dummy] = []


def _canon(k: int) -> sp.Dummy:
    """The ``k``-th slot symbol of templates (shared by every module: templates compare)."""
    while len(_CANON) <= k:
        _CANON.append(sp.Dummy(f"s{len(_CANON)}", real=True))
    return _CANON[k]


def _output(shape: tuple[int, ...], positions: list, values: list[sp.Expr]) -> _Output:
    """Entries of one output: zeros dropped, a symmetric matrix's mirror pair shares a value."""
    if not shape:
        return _Output((), (_Entry((0,), values[0]),), True)
    strides = [math.prod(shape[i + 1:]) for i in range(len(shape))]
    flat = {sum(a * b for a, b in zip(p, strides)): v for p, v in zip(positions, values)}
    flat = {f: v for f, v in flat.items() if v != 0}
    symmetric = len(shape) == 2 and shape[0] == shape[1] and all(
        flat.get((f % shape[1]) * shape[1] + f // shape[1], 0) == v for f, v in flat.items())
    items: list[_Item] = []
    for f, v in sorted(flat.items()):
        i, j = divmod(f, shape[-1]) if len(shape) == 2 else (0, 0)
        if symmetric:
            if i > j:
                continue
            items.append(_Entry((f,) if i == j else (f, j * shape[1] + i), v))
        else:
            items.append(_Entry((f,), v))
    dense = sum(len(it.positions) for it in items) == math.prod(shape)
    return _Output(shape, tuple(items), dense)


class _Planner:
    """Groups the entries of a module's outputs (one planner per module: rerolled sums are
    shared by all its outputs)."""

    def __init__(self, mod: _Module) -> None:
        self.mod = mod
        self.sum_cache: dict[sp.Expr, sp.Expr] = {}
        self._expanded: dict[sp.Symbol, sp.Symbol] = {}
        self._gathers: dict[tuple[int, ...], sp.Symbol] = {}

    def plan(self, out: _Output, vectorise: bool = True) -> _Output:
        if not vectorise:
            return out
        mod = self.mod
        # long sums anywhere (f of a chain, the w.a of a linear model) become np.sum / @
        min_terms = _SUM_MIN_DATA if mod.data else _GATHER_MIN_OUTPUT
        entries = [_Entry(it.positions, self._reroll_all(it.expr, min_terms))
                   for it in out.items if isinstance(it, _Entry)]
        items: list[_Item] = list(entries)
        if mod.data:
            items = self._plan_mono(entries)
        elif not mod.params and len(entries) >= _GATHER_MIN_OUTPUT:
            # array parameters would not broadcast against gathered slices
            items = self._plan_gather(entries)
        return replace(out, items=tuple(items))

    # -- templates: one formula of different variables ------------------------------------------

    def _template(self, e: sp.Expr) -> tuple[sp.Expr, tuple[tuple[int, ...], tuple[int, ...]]]:
        """``e`` with its variables (and data symbols), in index order, renamed to slots."""
        mod = self.mod
        free = e.free_symbols
        vi = tuple(sorted(mod.var_index[s] for s in free if s in mod.var_index))
        di = tuple(sorted(mod.data_index[s] for s in free if s in mod.data_index))
        swap = {mod.var_sym(i): _canon(k) for k, i in enumerate(vi)}
        swap.update({mod.data_sym(i): _canon(_DATA_SLOT0 + k) for k, i in enumerate(di)})
        return _rename(e, swap), (vi, di)

    def _buckets(self, exprs: list[tuple[Any, sp.Expr]]) -> dict[Any, list]:
        """``(tag, expr)`` pairs by template: key (template, #variables, #data, tag[0]) ->
        members ``(tag, (variable indices, data indices), expr)`` in index order."""
        buckets: dict[Any, list] = {}
        for tag, e in exprs:
            tmpl, idx = self._template(e)
            key = (tmpl, len(idx[0]), len(idx[1]), tag[0])
            buckets.setdefault(key, []).append((tag, idx, e))
        for members in buckets.values():  # index order makes slices (views) of x
            members.sort(key=lambda m: m[1])
        return buckets

    def _gathered(self, tmpl: sp.Expr, members: list) -> sp.Expr:
        """The template with its slots replaced by gathered definitions (``x[..., I]``,
        ``D[J]``), evaluated for all members at once."""
        mod = self.mod
        nv, ndat = len(members[0][1][0]), len(members[0][1][1])
        swap = {}
        for j in range(nv):
            idx = tuple(m[1][0][j] for m in members)
            s = self._gathers.get(idx)
            if s is None:  # one name per slice: the CSE then shares work on it across groups
                s = self._gathers[idx] = mod.new_symbol(f"g{len(mod.defs)}_{j}")
                mod.defs[s] = _Gather(idx)
            swap[_canon(j)] = s
        for j in range(ndat):
            s = mod.new_symbol(f"g{len(mod.defs)}_d{j}")
            mod.defs[s] = _DataGather(tuple(m[1][1][j] for m in members))
            swap[_canon(_DATA_SLOT0 + j)] = s
            mod.stack()
        # a rerolled sum has the shape of one point: give it an axis for the group's members
        for s in tmpl.free_symbols:
            if s in mod.defs and isinstance(mod.defs[s], _Sum | _Dot):
                e = self._expanded.get(s)
                if e is None:
                    e = self._expanded[s] = mod.new_symbol(f"{mod.names[s]}_b")
                    mod.defs[e] = _Expand(s)
                swap[s] = e
        return _rename(tmpl, swap)

    def _plan_gather(self, entries: list[_Entry]) -> list[_Item]:
        buckets = self._buckets([((len(e.positions), e.positions), e.expr) for e in entries])
        items: list[_Item] = []
        for (tmpl, _, _, _), members in buckets.items():
            if len(members) >= _GROUP_MIN:
                items.append(_SliceGroup(tuple(m[0][1] for m in members),
                                         self._gathered(tmpl, members)))
            else:
                items.extend(_Entry(m[0][1], m[2]) for m in members)
        return items

    # -- long sums ---------------------------------------------------------------------------------

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
        mod = self.mod
        buckets = self._buckets([((0, None), t) for t in e.args])
        params = {mod.sym(p) for p in mod.params}
        parts = []
        for (tmpl, nv, ndat, _), members in buckets.items():
            if len(members) < _GROUP_MIN or tmpl.free_symbols & params:
                parts.extend(m[2] for m in members)
                continue
            r = mod.new_symbol(f"sum{len(mod.defs)}")
            coeff, rest = tmpl.as_coeff_Mul()
            if mod.data and nv == 1 and ndat == 1 and rest == _canon(0) * _canon(_DATA_SLOT0):
                mod.stack()
                mod.defs[r] = _Dot(tuple(m[1][0][0] for m in members),
                                   tuple(m[1][1][0] for m in members), coeff)
            else:
                mod.defs[r] = _Sum(self._gathered(tmpl, members))
            parts.append(r)
        return sp.Add(*parts)

    # -- data monomials times a common rest ----------------------------------------------------

    def _split_monomial(self, e: sp.Expr) -> tuple[dict[int, int], sp.Expr]:
        """``e = prod(data_k ** p_k) * rest`` with the largest such data monomial."""
        mod = self.mod
        terms = sp.Add.make_args(e)
        monos: list[dict[int, int]] = []
        for t in terms:
            m: dict[int, int] = {}
            for f in sp.Mul.make_args(t):
                base, p = (f.base, f.exp) if f.is_Pow else (f, sp.S.One)
                if base in mod.data_index and p.is_Integer and p > 0:
                    m[mod.data_index[base]] = m.get(mod.data_index[base], 0) + int(p)
            monos.append(m)
        common = {k: min(m.get(k, 0) for m in monos) for k in monos[0]}
        common = {k: p for k, p in common.items() if p > 0}
        if not common:
            return {}, e
        div = sp.Mul(*(mod.data_sym(k) ** p for k, p in common.items()))
        rest = sp.Add(*(t / div for t in terms))
        return common, rest

    def _plan_mono(self, entries: list[_Entry]) -> list[_Item]:
        if len(entries) < _GROUP_MIN:
            return list(entries)
        # by the rest alone: a symmetric matrix's diagonal (one position each) and its mirror
        # pairs (two) join one group, so that the whole output can be one Gram product (the
        # Hessian of a logistic regression in d = 3 has 3 + 3 such entries)
        by_rest: dict[sp.Expr, list] = {}
        for e in entries:
            mono, rest = self._split_monomial(e.expr)
            by_rest.setdefault(rest, []).append((e, mono))
        items: list[_Item] = []
        for rest, members in by_rest.items():
            if len(members) < _GROUP_MIN or not members[0][1]:
                items.extend(m[0] for m in members)
                continue
            items.extend(self._product_groups(rest, members))
        return items

    def _product_groups(self, rest: sp.Expr, members: list) -> list[_Item]:
        """Members ``(entry, monomial)`` sharing ``rest``: the monomials' common part joins
        the rest, the varying parts (by degree) index the matrix product."""
        mod = self.mod
        keys = set().union(*(m[1] for m in members))
        common = {k: min(m[1].get(k, 0) for m in members) for k in keys}
        common = {k: p for k, p in common.items() if p > 0}
        varying = []
        for _, mono in members:
            ms: list[int] = []
            for k in sorted(mono):
                ms.extend([k] * (mono[k] - common.get(k, 0)))
            varying.append(tuple(ms))
        r = rest * sp.Mul(*(mod.data_sym(k) ** p for k, p in common.items()))
        sizes: dict[int, list[int]] = {}
        for i, v in enumerate(varying):
            sizes.setdefault(len(v), []).append(i)
        items: list[_Item] = []
        for m, which in sizes.items():
            if m == 0 or len(which) < _GROUP_MIN or not (mod.has_data(r) or r.is_Number):
                items.extend(members[i][0] for i in which)
                continue
            mod.stack()
            items.append(_ProductGroup(tuple(members[i][0].positions for i in which), r,
                                       tuple(varying[i] for i in which)))
        return items
