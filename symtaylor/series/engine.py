r"""The series engine: one expression expanded about a point, exactly or in balls.

:class:`_Engine` walks the expression tree children first (:func:`_postorder`) and builds each
node's truncated series from its children's with the kernel (:mod:`symtaylor.series.kernel`):
sums and products directly, a function ``F(g)`` as the composition of ``F``'s Taylor
coefficients at ``g_0`` (:mod:`symtaylor.series.rules`) with ``g - g_0``, ``f**g`` as
``exp(g log f)``. The same walk serves both coefficient domains
(:mod:`symtaylor.series.domain`):

* :meth:`_Engine.exact`: exact coefficients in ``QQ[atoms]``. It raises :class:`_Singular` where
  a constant term is singular (``log`` or ``1/g`` or ``g**(1/3)`` with ``g_0 = 0``); the caller
  then falls back to SymPy (:mod:`symtaylor.series.fallback`).
* :meth:`_Engine.balls`: ``arb`` balls. With the variables' centres as balls over a box, the
  order-``k`` coefficients enclose ``D^alpha f(xi)/alpha!`` for every ``xi`` in the box: the
  Lagrange remainder terms certification needs.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> engine = _Engine([x], 3)
>>> sorted(engine.exact(sp.exp(x), [sp.Integer(1)]).coefficients().items())
[((0,), E), ((1,), E), ((2,), E/2), ((3,), E/6)]
>>> from flint import arb
>>> balls = engine.balls(sp.exp(x), [(0.0, 0.5)])   # e**xi / 3!, xi in [0, 1/2]
>>> balls[(3, 3)].contains(arb(0.25).exp() / 6), balls[(3, 3)].upper() < 0.275
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp
from flint import arb

from ..errors import CertificationError
from .domain import (
    _Atoms,
    _ball,
    _BallOps,
    _ExactOps,
    _is_zero,
    _mpf,
    _singular_value,
    _Unbounded,
)
from .kernel import Key, Series, _add, _compose, _mul, _pow_int, _split
from .rules import RULES, _function_coeffs, _power_coeffs


class _Singular(Exception):
    """The fast route met a singular constant term; the caller falls back to ``series``."""


@dataclass(frozen=True)
class _Exact:
    """The exact route's result: ``series`` (ring elements of ``atoms``) of ``expr``, the
    expression as the engine expanded it (branches resolved, ``tan`` rewritten)."""

    expr: sp.Expr
    series: Series
    atoms: _Atoms

    def coefficients(self) -> dict[tuple[int, ...], sp.Expr]:
        """``{alpha: c_alpha}`` as SymPy expressions (zeros dropped)."""
        out = {}
        for key, c in self.series.items():
            v = self.atoms.to_expr(c)
            if v != 0:
                out[key[1:]] = v
        return out

    def mp_coefficients(self) -> dict[tuple[int, ...], Any]:
        """``{alpha: c_alpha}`` as mpmath numbers at the working precision, cheaply: the ring
        elements (polynomials in a few constants) are evaluated, instead of ``evalf`` on large
        coefficient expressions."""
        vals = [_mpf(a) for a in self.atoms.index]
        return {key[1:]: self.atoms.to_mp(c, vals) for key, c in self.series.items()}


def _postorder(expr: sp.Expr, variables: frozenset) -> list[sp.Expr]:
    """The distinct subexpressions that depend on the variables, children first."""
    seen: set = set()
    out: list[sp.Expr] = []
    stack: list[tuple[sp.Expr, bool]] = [(expr, False)]
    depends: dict[sp.Basic, bool] = {}
    while stack:
        node, done = stack.pop()
        if done:
            out.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        if node.is_Symbol:
            continue
        for a in node.args:
            if a not in seen and _depends(a, variables, depends):
                stack.append((a, False))
    return out


#: classes whose free symbols are those of their arguments (``Basic.free_symbols``)
_PLAIN_FREE: dict[type, bool] = {}


def _depends(e: sp.Basic, variables: frozenset, memo: dict[sp.Basic, bool]) -> bool:
    """``not e.free_symbols.isdisjoint(variables)``, memoised over shared subtrees (SymPy
    recomputes ``free_symbols`` from the leaves on every call)."""
    known = memo.get(e)
    if known is not None:
        return known
    if e.is_Symbol:
        out = e in variables
    elif not e.args:
        out = not e.free_symbols.isdisjoint(variables)
    else:
        cls = type(e)
        plain = _PLAIN_FREE.get(cls)
        if plain is None:
            owner = next(c for c in cls.__mro__ if "free_symbols" in c.__dict__)
            plain = _PLAIN_FREE[cls] = owner is sp.Basic
        if plain:
            out = any(_depends(a, variables, memo) for a in e.args)
        else:  # binds symbols (Integral, Subs, ...): SymPy decides
            out = not e.free_symbols.isdisjoint(variables)
    memo[e] = out
    return out


class _Engine:
    """One expansion: a function of ``variables`` about ``centres`` to total degree ``order``.

    The postorder of each expression is computed once and kept: certification walks the same
    expression over hundreds of boxes.
    """

    def __init__(self, variables: Sequence[sp.Symbol], order: int) -> None:
        self.variables = tuple(variables)
        self.m = len(self.variables)
        self.order = order
        self.zero: Key = (0,) * (self.m + 1)
        self.units: list[Key] = []
        for i in range(self.m):
            k = [1] + [0] * self.m
            k[i + 1] = 1
            self.units.append(tuple(k))
        self.varset = frozenset(self.variables)
        self._postorders: dict[sp.Expr, list[sp.Expr]] = {}

    def nodes(self, expr: sp.Expr) -> list[sp.Expr]:
        """The subexpressions of ``expr`` that depend on the variables, children first."""
        nodes = self._postorders.get(expr)
        if nodes is None:
            nodes = self._postorders[expr] = _postorder(expr, self.varset)
        return nodes

    # The same structural recursion serves exact constants and balls; ``const`` says how
    # constant terms are made, ``coeffs(node, kind, c0)`` gives the Taylor coefficients of a
    # function (``kind = ("func", F)``) or a power (``("pow", r)``) at the constant term ``c0``.
    def _run(self, expr: sp.Expr, const: Any, coeffs: Any, centre: Sequence[Any],
             zero_c: Any) -> Series:
        memo: dict[sp.Expr, Series] = {}
        order, zero = self.order, self.zero
        for node in self.nodes(expr):
            if node.is_Symbol:
                i = self.variables.index(node)
                s: Series = {self.units[i]: const(sp.Integer(1))} if order >= 1 else {}
                if centre[i] is not None:
                    s[zero] = centre[i]
                memo[node] = s
                continue
            args = [memo[a] if a in memo else {zero: const(a)} for a in node.args]
            memo[node] = self._combine(node, args, coeffs, zero_c)
        # sums do not truncate: drop anything above the order (e.g. a bare x at order 0)
        return {k: v for k, v in memo[expr].items() if k[0] <= order}

    def _combine(self, node: sp.Expr, args: list[Series], coeffs: Any, zero_c: Any) -> Series:
        """The series of ``node`` from those of its arguments."""
        order, zero = self.order, self.zero
        if node.is_Add:
            s = args[0]
            for a in args[1:]:
                s = _add(s, a)
            return s
        if node.is_Mul:
            s = args[0]
            for a in args[1:]:
                s = _mul(s, a, order)
            return s
        if node.is_Pow and node.args[1].free_symbols.isdisjoint(self.varset):
            ex = node.args[1]
            if ex.is_Integer and ex >= 0:
                return _pow_int(args[0], int(ex), order, zero)
            return self._apply(node, ("pow", ex), args[0], coeffs, zero_c)
        if node.is_Pow:  # f**g = exp(g*log(f))
            lg = self._apply(node, ("func", sp.log), args[0], coeffs, zero_c)
            return self._apply(node, ("func", sp.exp), _mul(lg, args[1], order), coeffs, zero_c)
        if node.func in RULES and len(node.args) == 1:
            return self._apply(node, ("func", node.func), args[0], coeffs, zero_c)
        raise _Singular(f"no series rule for {node.func}")

    def _apply(self, node: sp.Expr, kind: tuple, p: Series, coeffs: Any, zero_c: Any) -> Series:
        """``F(p)``: ``F``'s Taylor coefficients at ``p``'s constant term composed with the rest."""
        c0, p1 = _split(p, self.zero, zero_c)
        return _compose(coeffs(node, kind, c0), p1, self.order, self.zero)

    # exact route ---------------------------------------------------------------------------
    def exact(self, expr: sp.Expr, point: Sequence[sp.Expr]) -> _Exact:
        """The series of ``expr`` about ``point`` with exact coefficients in ``QQ[atoms]``.

        Two passes: the values at the point and the Taylor coefficients each function needs
        there (SymPy constants, whose atoms make the ring), then the series in that ring.
        """
        if expr.free_symbols.isdisjoint(self.varset):  # a constant (0, 2, pi, exp(a), ...)
            return self._exact_constant(expr)
        atoms = _Atoms()
        wanted = self._at_point(expr, point, atoms)
        atoms.build()
        converted = {key: [atoms(d) for d in ds] for key, ds in wanted.items()}

        def coeffs(node: sp.Expr, kind: tuple, c0: Any) -> list[Any]:
            return converted[(node, *kind)]

        centre = [None if v == 0 else atoms(v) for v in point]
        series = self._run(expr, atoms, coeffs, centre, atoms(sp.Integer(0)))
        return _Exact(expr, {k: v for k, v in series.items() if v}, atoms)

    def _exact_constant(self, expr: sp.Expr) -> _Exact:
        if _singular_value(expr):
            raise _Singular(f"{expr} is not finite")
        atoms = _Atoms()
        atoms.scan(expr)
        atoms.build()
        c = atoms(expr)
        return _Exact(expr, {self.zero: c} if c else {}, atoms)

    def _at_point(self, expr: sp.Expr, point: Sequence[sp.Expr], atoms: _Atoms
                  ) -> dict[tuple, list[sp.Expr]]:
        """Pass 1: every node's value at the point, and ``{(node, *kind): coefficients}`` for
        the functions and powers, as SymPy constants (their atoms scanned)."""
        values: dict[sp.Expr, sp.Expr] = {}
        wanted: dict[tuple, list[sp.Expr]] = {}
        env = dict(zip(self.variables, point))
        for node in self.nodes(expr):
            if node.is_Symbol:
                values[node] = env[node]
                atoms.scan(env[node])
                continue
            argv = []
            for a in node.args:
                if a in values:
                    argv.append(values[a])
                else:
                    argv.append(a)
                    atoms.scan(a)
            val = node.func(*argv)
            if _singular_value(val):
                raise _Singular(f"{node} is singular at the point")
            values[node] = val
            if node.is_Add or node.is_Mul:
                continue
            for key, ds in self._needed(node, argv):
                wanted[key] = ds
                for d in ds:
                    atoms.scan(d)
        return wanted

    def _needed(self, node: sp.Expr, argv: list[sp.Expr]) -> list[tuple[tuple, list[sp.Expr]]]:
        """The Taylor coefficients a power or function node needs at its arguments' values
        ``argv``, keyed as :meth:`_run` asks for them."""
        n, base0 = self.order, argv[0]
        if node.is_Pow:
            ex = node.args[1]
            constant = ex.free_symbols.isdisjoint(self.varset)
            if constant and ex.is_Integer and ex >= 0:
                return []  # repeated multiplication
            if _is_zero(base0):
                raise _Singular(f"{node}: base vanishes at the point")
            if constant:
                return [((node, "pow", ex), _power_coeffs(ex, base0, n, _ExactOps))]
            # f**g = exp(g*log(f)): exp's coefficients at g_0*log(f_0), log's at f_0
            return [((node, "func", sp.exp),
                     _function_coeffs(sp.exp, sp.log(base0) * argv[1], n, _ExactOps)),
                    ((node, "func", sp.log), _function_coeffs(sp.log, base0, n, _ExactOps))]
        func = node.func
        if func not in RULES or len(node.args) != 1:
            raise _Singular(f"no fast rule for {func}")
        if RULES[func].kink_at_zero and _is_zero(base0):
            raise _Singular(f"{node}: argument vanishes at the point")
        ds = _function_coeffs(func, base0, n, _ExactOps)
        if any(_singular_value(d) for d in ds):
            raise _Singular(f"{node} is singular at the point")
        return [((node, "func", func), ds)]

    # ball route: the order-k coefficients enclose D^alpha f(xi)/alpha! for xi in the box ---------
    def balls(self, expr: sp.Expr, box: Sequence[tuple[float, float]] | None,
              centre_balls: Sequence[arb] | None = None) -> Series:
        """The series of ``expr`` with ball coefficients, the variables' centres being the
        ranges of ``box`` (or the balls ``centre_balls``)."""
        if expr.free_symbols.isdisjoint(self.varset):
            return {self.zero: _ball(expr)}
        n = self.order

        def coeffs(node: sp.Expr, kind: tuple, c0: arb) -> list[arb]:
            if not c0.is_finite():
                raise _Unbounded
            if kind[0] == "pow":
                return _power_coeffs(kind[1], c0, n, _BallOps)
            return _function_coeffs(kind[1], c0, n, _BallOps)

        centre = (list(centre_balls) if centre_balls is not None
                  else [arb(lo).union(arb(hi)) for lo, hi in box])  # type: ignore[union-attr]
        try:
            return self._run(expr, _ball, coeffs, centre, arb(0))
        except _Singular as exc:  # no ball rule (Max, sign, ... are resolved at the point only)
            raise CertificationError(str(exc)) from None
