"""The typed intermediate representation of a generated module: outputs, items, definitions.

A generated function writes :class:`_Output` arrays. An output is a list of items:

* :class:`_Entry`: one scalar value written to one position (two for the mirror pair of a
  symmetric matrix);
* :class:`_SliceGroup`: entries that are the same formula of different variables (the
  ``n - 2`` interior gradient entries of an extended Rosenbrock function), computed at once by
  the formula on slices ``x[..., a:b]``;
* :class:`_ProductGroup` (the data form): entries ``a_i * a_j * r`` whose data monomials differ
  but whose rest ``r`` is common (a logistic-regression Hessian), computed by one matrix product
  over the samples.

Items are written with named definitions, kept in order in :class:`_Definitions`:
:class:`_Temp` (``t3 = <expression>``, a CSE temporary), :class:`_Gather` (``x[..., I]``),
:class:`_DataGather` (``D[J]``, rows of the stacked data), :class:`_Expand` (a rerolled sum
given an axis for a group's members), :class:`_Sum` (``np.sum(<template>, axis=-1)``, a
rerolled sum) and :class:`_Dot` (``c*(x[..., I] @ D[J])``, the ``w.a`` of a linear model).
Each definition says which expressions it reads (:attr:`reads`; the table derives dependencies
from them, once, for ordering, inlining and data-dependence) and prints its right-hand side
(:meth:`emit`). Everything here is frozen: planning and CSE build new objects.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import ClassVar

import sympy as sp

from .printer import _MUL, _ArrayPrinter

# -- items of an output ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One value written to ``positions`` (flat indices into the output)."""

    positions: tuple[int, ...]
    expr: sp.Expr


@dataclass(frozen=True)
class _SliceGroup:
    """Entries that are one formula of different variables: ``expr`` is written with
    :class:`_Gather` definitions (slices of ``x``), member ``k`` goes to ``positions[k]``."""

    positions: tuple[tuple[int, ...], ...]
    expr: sp.Expr


@dataclass(frozen=True)
class _ProductGroup:
    """Entries ``sum_s D[i1, s]*...*D[im, s]*r[s]`` over the samples ``s``: member ``k`` has
    the data indices ``index[k]`` and goes to ``positions[k]``; ``expr`` is the common ``r``."""

    positions: tuple[tuple[int, ...], ...]
    expr: sp.Expr
    index: tuple[tuple[int, ...], ...]


_Item = _Entry | _SliceGroup | _ProductGroup


def _with_expr(item: _Item, expr: sp.Expr) -> _Item:
    return item if expr is item.expr else replace(item, expr=expr)


@dataclass(frozen=True)
class _Output:
    """One output array of a function: its shape per point, its items, and whether the items
    cover every position (``dense``: no zeros to fill first)."""

    shape: tuple[int, ...]
    items: tuple[_Item, ...]
    dense: bool = False

    def map_exprs(self, f: Callable[[sp.Expr], sp.Expr]) -> _Output:
        return replace(self, items=tuple(_with_expr(it, f(it.expr)) for it in self.items))


@dataclass(frozen=True)
class _Function:
    """A generated function: its name, docstring summary, outputs and vector arguments
    (``("x", variables)``, and ``("v", directions)`` for a Hessian-vector product)."""

    name: str
    summary: str
    outputs: tuple[_Output, ...]
    vectors: tuple[tuple[str, tuple[sp.Symbol, ...]], ...]

    @property
    def items(self) -> list[_Item]:
        return [it for o in self.outputs for it in o.items]


# -- definitions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """Where a function body is printed: the names of the point array and of the stacked
    data, whether it is the data form (a trailing samples axis), and the text of an index
    (a slice, or the name of an index constant).

    ``lead``: the body works entries first (outside the data form, see ``_Writer``):
    gathered slices are ``xt[I]`` of ``xt``, ``x`` with its last axis moved to the front (a
    view), the members of a group lead and the batch dimensions trail, so that every entry of
    the output, allocated as ``(entries, *batch)``, is written as one contiguous row (the
    result is that array's transposed view), and the rows of zeros a sparse output never
    writes are never touched (their pages are not faulted in).
    """

    x: str
    stack: str
    data: bool
    index: Callable[..., str]
    lead: bool = False
    one: bool = False  # (with lead) known to be one point: no batch dimensions


@dataclass(frozen=True)
class _Temp:
    """``t = expr``: a common subexpression."""

    expr: sp.Expr
    uses_x: ClassVar[bool] = False
    uses_data: ClassVar[bool] = False

    @property
    def reads(self) -> tuple[sp.Basic, ...]:
        return (self.expr,)

    def emit(self, pr: _ArrayPrinter, at: _Frame) -> str:
        return pr(self.expr)


@dataclass(frozen=True)
class _Gather:
    """``x[..., I]``: one variable of each member of a slice group (a slice when ``I`` is a
    progression)."""

    index: tuple[int, ...]
    reads: ClassVar[tuple[sp.Basic, ...]] = ()
    uses_x: ClassVar[bool] = True
    uses_data: ClassVar[bool] = False

    def emit(self, pr: _ArrayPrinter, at: _Frame) -> str:
        if at.lead:
            return f"xt[{at.index(self.index)}]"
        return f"{at.x}[..., {at.index(self.index)}{', None' if at.data else ''}]"


@dataclass(frozen=True)
class _DataGather:
    """``D[J]``: one data array of each member of a slice group (rows of the stacked data)."""

    index: tuple[int, ...]
    reads: ClassVar[tuple[sp.Basic, ...]] = ()
    uses_x: ClassVar[bool] = False
    uses_data: ClassVar[bool] = True

    def emit(self, pr: _ArrayPrinter, at: _Frame) -> str:
        return f"{at.stack}[{at.index(self.index)}]"


@dataclass(frozen=True)
class _Expand:
    """``s[..., None]``: the rerolled sum ``s`` (one value per point) given an axis for the
    members of the slice group it appears in."""

    source: sp.Symbol
    uses_x: ClassVar[bool] = False
    uses_data: ClassVar[bool] = False

    @property
    def reads(self) -> tuple[sp.Basic, ...]:
        return (self.source,)

    def emit(self, pr: _ArrayPrinter, at: _Frame) -> str:
        if at.lead:  # (members, *batch) against the batch: broadcasts as it is
            return pr.names[self.source]
        return f"{pr.names[self.source]}[..., {'None, :' if at.data else 'None'}]"


@dataclass(frozen=True)
class _Sum:
    """``np.sum(expr, axis=-1)``: a long sum rerolled; ``expr`` is the template of its terms
    written with :class:`_Gather` (and :class:`_DataGather`) definitions."""

    expr: sp.Expr
    uses_x: ClassVar[bool] = False
    uses_data: ClassVar[bool] = False

    @property
    def reads(self) -> tuple[sp.Basic, ...]:
        return (self.expr,)

    def emit(self, pr: _ArrayPrinter, at: _Frame) -> str:
        axis = -2 if at.data else (0 if at.lead else -1)
        return f"{pr.module}.sum({pr(self.expr)}, axis={axis})"


@dataclass(frozen=True)
class _Dot:
    """``c*(x[..., I] @ D[J])``: a rerolled sum ``c * sum_k x_{I_k} * a_{J_k}`` (data form)."""

    var_index: tuple[int, ...]
    data_index: tuple[int, ...]
    coeff: sp.Expr
    reads: ClassVar[tuple[sp.Basic, ...]] = ()
    uses_x: ClassVar[bool] = True
    uses_data: ClassVar[bool] = True

    def emit(self, pr: _ArrayPrinter, at: _Frame) -> str:
        c = "" if self.coeff == 1 else f"{pr.paren(self.coeff, _MUL)}*"
        xs, ds = at.index(self.var_index), at.index(self.data_index)
        return f"{c}({at.x}[..., {xs}] @ {at.stack}[{ds}])"


_Definition = _Temp | _Gather | _DataGather | _Expand | _Sum | _Dot


class _Definitions:
    """The named definitions of a module, in the order they were made: symbol -> definition.

    The one place dependencies are derived (from each definition's :attr:`reads`):
    :meth:`deps`, :meth:`needed` (what expressions need, dependencies first) and
    :meth:`reaches` (whether an expression depends on the variables or on data).
    """

    def __init__(self) -> None:
        self._defs: dict[sp.Symbol, _Definition] = {}
        self._memo: dict[str, dict[sp.Symbol, bool]] = {}
        self._rank: dict[sp.Symbol, int] = {}  # position in _defs, made when needed

    def __setitem__(self, s: sp.Symbol, d: _Definition) -> None:
        if s not in self._defs:
            self._rank = {}
        self._defs[s] = d
        self._memo.clear()

    def __getitem__(self, s: sp.Symbol) -> _Definition:
        return self._defs[s]

    def __contains__(self, s: object) -> bool:
        return s in self._defs

    def __len__(self) -> int:
        return len(self._defs)

    def __iter__(self) -> Iterator[sp.Symbol]:
        return iter(self._defs)

    def items(self) -> Iterable[tuple[sp.Symbol, _Definition]]:
        return self._defs.items()

    def deps(self, s: sp.Symbol) -> set[sp.Symbol]:
        """The definitions ``s`` reads directly."""
        return {t for e in self._defs[s].reads for t in e.free_symbols if t in self._defs}

    def needed(self, exprs: Iterable[sp.Basic]) -> list[sp.Symbol]:
        """Definitions the expressions need, dependencies first (iterative depth-first, in the
        order the definitions were made where the order is free)."""
        roots = {s for e in exprs for s in e.free_symbols if s in self._defs}
        return self._order(roots, set())

    def _order(self, roots: set[sp.Symbol], done: set[sp.Symbol]) -> list[sp.Symbol]:
        if not roots:
            return []
        if len(self._rank) != len(self._defs):
            self._rank = {s: i for i, s in enumerate(self._defs)}
        rank = self._rank
        order: list[sp.Symbol] = []
        done = set(done)
        for root in sorted(roots, key=rank.__getitem__):
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

    def reaches(self, e: sp.Basic, symbols: Container[sp.Basic], flag: str) -> bool:
        """Whether ``e`` (written with definitions) depends on one of ``symbols`` or on a
        definition whose ``flag`` (``"uses_x"`` or ``"uses_data"``) is set; memoised per flag
        (one flag goes with one set of symbols) until a definition changes."""
        memo = self._memo.setdefault(flag, {})
        free = e.free_symbols
        if any(s in symbols for s in free):
            return True
        roots = {s for s in free if s in self._defs}
        for s in self._order(roots - memo.keys(), set(memo)):  # dependencies first
            d = self._defs[s]
            memo[s] = getattr(d, flag) or any(
                t in symbols or memo.get(t, False) for r in d.reads for t in r.free_symbols)
        return any(memo[s] for s in roots)
