r"""The fast route of several-variable expansions at a rational point (issue 17).

The general engine (:meth:`symtaylor.series.engine._Engine.exact`) first evaluates every node of
the expression at the point in SymPy (``node.func(*values)``, with singularity checks), then
runs the truncated series in ``QQ[atoms]``. When the point is rational and every function's or
power's argument has a rational constant term there, the values are known exactly as
python-flint ``fmpq`` numbers without SymPy, and the only irrational constants that can appear
are the function values ``exp(c)``, ``sin(c)``/``cos(c)``, ``sinh(c)``/``cosh(c)`` and
``log(c)`` at those rational ``c`` (and the constant sub-expressions of the input). They become
the generators of the same polynomial ring ``QQ[atoms]`` (python-flint ``fmpq_mpoly``, in C)
that the general engine uses, the Taylor coefficients of each function are the same formal
polynomials in them (the same rules: :mod:`symtaylor.series.rules`), and the series arithmetic
is the same kernel (:mod:`symtaylor.series.kernel`). So the result, an
:class:`~symtaylor.series.engine._Exact`, is the same ring elements and converts to the same
SymPy coefficients; only the first pass is cheaper (3-5x at the origin).

Anything else (a symbolic or irrational point, a function argument whose constant term is
irrational or singular, ``f**g``, an unsupported function) returns ``None`` and the general
engine takes over.

Examples
--------
>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> e = _exact_multivariate(sp.exp(x * y) + sp.log(1 + x), (x, y), (sp.Integer(1),
...                         sp.Rational(1, 2)), 1)
>>> sorted(e.coefficients().items())
[((0, 0), log(2) + exp(1/2)), ((0, 1), exp(1/2)), ((1, 0), 1/2 + exp(1/2)/2)]
>>> _exact_multivariate(sp.exp(sp.exp(x)) * y, (x, y), (sp.Integer(1), sp.Integer(0)),
...                     2) is None   # exp's argument has the irrational constant term E
True
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sympy as sp
from flint import ctx, fmpq, fmpq_series

from ..series import engine as _engine
from ..series.domain import _Atoms, _ExactOps
from ..series.engine import _Exact
from ..series.kernel import Key, Series, _add, _compose, _mul, _pow_int, _split
from ..series.rules import _function_coeffs, _power_coeffs

__all__ = ["_exact_multivariate"]

#: enabled by default; tests switch it off to compare with the general engine
ENABLED = True


class _NotHere(Exception):
    """The expression leaves this route (the general engine takes over)."""


#: functions whose Taylor coefficients at a rational ``c`` are polynomials over QQ in the
#: function values at ``c`` (the generators); at ``c = 0`` the values are rational
_TRANSCENDENTAL = (sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh)
#: functions handled at ``c = 0`` only (rational coefficients there, FLINT series name)
_AT_ZERO_ONLY = {sp.atan: "atan", sp.atanh: "atanh", sp.asin: "asin", sp.asinh: "asinh",
                 sp.tan: "tan", sp.tanh: "tanh"}


def _rat(q: fmpq) -> sp.Rational:
    return sp.Rational(int(q.p), int(q.q))


@functools.lru_cache(maxsize=256)
def _zero_coeffs(name: str, n: int) -> tuple[fmpq, ...]:
    """``F^(k)(0)/k!``, ``k = 0..n``, of a FLINT series function (rational)."""
    saved = ctx.cap
    ctx.cap = max(saved, n + 1)
    try:
        c = getattr(fmpq_series([0, 1], prec=n + 1), name)().coeffs()
    finally:
        ctx.cap = saved
    return tuple(c[: n + 1]) + (fmpq(0),) * (n + 1 - len(c))


def _exact_multivariate(expr: sp.Expr, variables: Sequence[sp.Symbol],
                        point: Sequence[sp.Expr], order: int) -> _Exact | None:
    """The general engine's exact result for ``expr`` about a rational ``point``, or None when
    this route does not apply. ``expr`` is as the engine expands it (branches resolved,
    ``tan`` rewritten)."""
    if not ENABLED or not all(a.is_Rational for a in point):
        return None
    varset = frozenset(variables)
    if expr.free_symbols.isdisjoint(varset):
        return None
    try:
        return _Walk(tuple(variables), point, order).run(expr)
    except (_NotHere, ZeroDivisionError, ValueError):
        return None


class _Walk:
    def __init__(self, variables: tuple[sp.Symbol, ...], point: Sequence[sp.Expr],
                 order: int) -> None:
        self.variables, self.order = variables, order
        self.m = m = len(variables)
        self.zero: Key = (0,) * (m + 1)
        self.units = [tuple([1] + [int(j == i) for j in range(m)]) for i in range(m)]
        self.point = [fmpq(int(a.p), int(a.q)) for a in point]
        self.varset = frozenset(variables)

    def run(self, expr: sp.Expr) -> _Exact:
        order = self.order
        nodes = _engine._postorder(expr, self.varset)  # looked up: tests count walks
        index = {v: i for i, v in enumerate(self.variables)}
        atoms = _Atoms()
        # pass 1: rational values where they matter, the coefficient lists (SymPy constants
        # only where a generator appears), the constant sub-expressions scanned as atoms
        value: dict[sp.Expr, fmpq | None] = {}
        specs: dict[sp.Expr, tuple[str, Any]] = {}
        consts: dict[sp.Expr, None] = {}
        for node in nodes:
            if node.is_Symbol:
                value[node] = self.point[index[node]]
                continue
            argv = []
            for a in node.args:
                if a in value:
                    argv.append(value[a])
                else:
                    if not a.is_Rational:
                        if a.is_Number or a.has(sp.zoo, sp.oo, sp.nan):
                            raise _NotHere  # a Float, or a singular constant
                        consts[a] = None
                        atoms.scan(a)
                    argv.append(fmpq(int(a.p), int(a.q)) if a.is_Rational else None)
            value[node] = self._value(node, argv, specs, atoms)
        atoms.build()
        converted: dict[sp.Expr, list[Any]] = {}
        for node, (kind, data) in specs.items():
            if kind == "sympy":
                converted[node] = [atoms(d) for d in data]
            elif kind == "rational":
                one = atoms(sp.Integer(1))
                converted[node] = ([_Q(c) for c in data] if atoms.ring is None
                                   else [one * c for c in data])
        # pass 2: the series, as the general engine's _run
        const = {a: atoms(a) for a in consts}
        memo: dict[sp.Expr, Series] = {}
        zero = self.zero
        zero_c = atoms(sp.Integer(0))
        one_c = atoms(sp.Integer(1))
        for node in nodes:
            if node.is_Symbol:
                i = index[node]
                s: Series = {self.units[i]: one_c} if order >= 1 else {}
                if self.point[i] != 0:
                    s[zero] = atoms(sp.Rational(int(self.point[i].p), int(self.point[i].q)))
                memo[node] = s
                continue
            args = [memo[a] if a in memo else
                    {zero: const[a] if a in const else atoms(a)} for a in node.args]
            if node.is_Add:
                s = args[0]
                for a in args[1:]:
                    s = _add(s, a)
            elif node.is_Mul:
                s = args[0]
                for a in args[1:]:
                    s = _mul(s, a, order)
            elif node in specs and specs[node][0] == "int":
                s = _pow_int(args[0], specs[node][1], order, zero)
            else:
                _, p1 = _split(args[0], zero, zero_c)
                s = _compose(converted[node], p1, order, zero)
            memo[node] = s
        series = {k: v for k, v in memo[expr].items() if k[0] <= order and v}
        return _Exact(expr, series, atoms)

    def _value(self, node: sp.Expr, argv: list[fmpq | None],
               specs: dict[sp.Expr, tuple[str, Any]], atoms: _Atoms) -> fmpq | None:
        """The node's value at the point if rational (None if irrational), recording how its
        series is made; raises :class:`_NotHere` where the route does not apply."""
        n = self.order
        if node.is_Add:
            if any(v is None for v in argv):
                return None
            return sum(argv[1:], argv[0])
        if node.is_Mul:
            if any(v is None for v in argv):
                return None
            out = argv[0]
            for v in argv[1:]:
                out = out * v
            return out
        if node.is_Pow:
            ex = node.args[1]
            c = argv[0]
            if not ex.is_Rational or ex.free_symbols or c is None:
                raise _NotHere  # f**g, or an irrational base value
            if ex.is_Integer and ex >= 0:
                specs[node] = ("int", int(ex))
                return c ** int(ex)
            if c == 0:
                raise _NotHere  # a pole or branch point: the fallback decides
            if ex.is_Integer:
                coeffs = _power_coeffs(ex, _rat(c), n, _ExactOps)
                specs[node] = ("rational", [_fq(d) for d in coeffs])
                return c ** int(ex)
            if c < 0:
                raise _NotHere
            coeffs = _power_coeffs(ex, _rat(c), n, _ExactOps)
            if not coeffs[0].is_Rational:
                raise _NotHere  # c**r irrational: the general engine has the atoms for it
            specs[node] = ("rational", [_fq(d) for d in coeffs])
            return _fq(coeffs[0])
        if len(node.args) != 1:
            raise _NotHere
        c = argv[0]
        if c is None:
            raise _NotHere
        func = node.func
        if func in _TRANSCENDENTAL:
            if c == 0:
                name = func.__name__
                specs[node] = ("rational", list(_zero_coeffs(name, n)))
                return _zero_coeffs(name, 0)[0]
            ds = _function_coeffs(func, _rat(c), n, _ExactOps)
            for d in ds:
                atoms.scan(d)
            specs[node] = ("sympy", ds)
            return None
        if func is sp.log:
            if c <= 0:
                raise _NotHere  # log at 0 or of a negative value: the general engine decides
            if c == 1:
                specs[node] = ("rational", [fmpq(0)] + [fmpq((-1) ** (k + 1), k)
                                                        for k in range(1, n + 1)])
                return fmpq(0)
            ds = _function_coeffs(func, _rat(c), n, _ExactOps)
            for d in ds:
                atoms.scan(d)
            specs[node] = ("sympy", ds)
            return None
        name = _AT_ZERO_ONLY.get(func)
        if name is not None and c == 0:
            specs[node] = ("rational", list(_zero_coeffs(name, n)))
            return fmpq(0)
        raise _NotHere


def _fq(e: sp.Expr) -> fmpq:
    return fmpq(int(e.p), int(e.q))


def _Q(c: fmpq) -> Any:
    """An ``fmpq`` as the ring ``QQ`` element the general engine uses (``_Atoms`` without
    atoms: SymPy's ``QQ``)."""
    from sympy import QQ

    return QQ(int(c.p), int(c.q))
