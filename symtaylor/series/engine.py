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


_ARITH_FUNCS = tuple(RULES)


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
            if a not in seen and not a.free_symbols.isdisjoint(variables):
                stack.append((a, False))
    return out


class _Engine:
    """One expansion: a function of ``variables`` about ``centres`` to total degree ``order``."""

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

    # The same structural recursion serves exact constants and balls; ``const`` and
    # ``coeffs`` say how constant terms are made and how a function's Taylor coefficients are.
    def _run(self, expr: sp.Expr, nodes: list[sp.Expr], const: Any, coeffs: Any,
             centre: Sequence[Any], zero_c: Any) -> Series:
        memo: dict[sp.Expr, Series] = {}
        order, zero = self.order, self.zero
        for node in nodes:
            if node.is_Symbol:
                i = self.variables.index(node)
                s: Series = {self.units[i]: const(sp.Integer(1))} if order >= 1 else {}
                if centre[i] is not None:
                    s[zero] = centre[i]
                memo[node] = s
                continue
            args = [memo[a] if a in memo else {zero: const(a)} for a in node.args]
            if node.is_Add:
                s = args[0]
                for a in args[1:]:
                    s = _add(s, a)
            elif node.is_Mul:
                s = args[0]
                for a in args[1:]:
                    s = _mul(s, a, order)
            elif node.is_Pow and node.args[1].free_symbols.isdisjoint(self.varset):
                ex = node.args[1]
                if ex.is_Integer and ex >= 0:
                    s = _pow_int(args[0], int(ex), order, zero)
                else:
                    c0, p1 = _split(args[0], zero, zero_c)
                    s = _compose(coeffs(node, ("pow", ex), c0), p1, order, zero)
            elif node.is_Pow:  # f**g = exp(g*log(f))
                c0, p1 = _split(args[0], zero, zero_c)
                lg = _compose(coeffs(node, ("log",), c0), p1, order, zero)
                e = _mul(lg, args[1], order)
                c0, p1 = _split(e, zero, zero_c)
                s = _compose(coeffs(node, ("exp",), c0), p1, order, zero)
            elif node.func in _ARITH_FUNCS and len(node.args) == 1:
                c0, p1 = _split(args[0], zero, zero_c)
                s = _compose(coeffs(node, ("func", node.func), c0), p1, order, zero)
            else:
                raise _Singular(f"no series rule for {node.func}")
            memo[node] = s
        # sums do not truncate: drop anything above the order (e.g. a bare x at order 0)
        return {k: v for k, v in memo[expr].items() if k[0] <= order}

    # exact route ---------------------------------------------------------------------------
    def exact(self, expr: sp.Expr, point: Sequence[sp.Expr]) -> _Exact:
        if expr.free_symbols.isdisjoint(self.varset):  # a constant (0, 2, pi, exp(a), ...)
            if _singular_value(expr):
                raise _Singular(f"{expr} is not finite")
            atoms = _Atoms()
            atoms.scan(expr)
            atoms.build()
            c = atoms(expr)
            return _Exact(expr, {self.zero: c} if c else {}, atoms)
        nodes = _postorder(expr, self.varset)
        env = dict(zip(self.variables, point))
        values: dict[sp.Expr, sp.Expr] = {}
        wanted: dict[tuple, list[sp.Expr]] = {}
        atoms = _Atoms()
        n = self.order
        for node in nodes:
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
            base0 = argv[0]
            if node.is_Pow:
                ex = node.args[1]
                if ex.free_symbols.isdisjoint(self.varset):
                    if ex.is_Integer and ex >= 0:
                        continue
                    if _is_zero(base0):
                        raise _Singular(f"{node}: base vanishes at the point")
                    ds = _power_coeffs(ex, base0, n, _ExactOps)
                    wanted[(node, "pow", ex)] = ds
                else:
                    if _is_zero(base0):
                        raise _Singular(f"{node}: base vanishes at the point")
                    wanted[(node, "log")] = _function_coeffs(sp.log, base0, n, _ExactOps)
                    wanted[(node, "exp")] = _function_coeffs(
                        sp.exp, sp.log(base0) * argv[1], n, _ExactOps
                    )
                for d in wanted.get((node, "pow", ex), []) + wanted.get((node, "exp"), []):
                    atoms.scan(d)
                for d in wanted.get((node, "log"), []):
                    atoms.scan(d)
                continue
            func = node.func
            if func not in _ARITH_FUNCS or len(node.args) != 1:
                raise _Singular(f"no fast rule for {func}")
            if RULES[func].kink_at_zero and _is_zero(base0):
                raise _Singular(f"{node}: argument vanishes at the point")
            ds = _function_coeffs(func, base0, n, _ExactOps)
            if any(_singular_value(d) for d in ds):
                raise _Singular(f"{node} is singular at the point")
            wanted[(node, "func", func)] = ds
            for d in ds:
                atoms.scan(d)
        atoms.build()
        converted = {key: [atoms(d) for d in ds]
                     for key, ds in wanted.items()}
        zero_c = atoms(sp.Integer(0))

        def const(e: sp.Expr) -> Any:
            return atoms(e)

        def coeffs(node: sp.Expr, kind: tuple, c0: Any) -> list[Any]:
            return converted[(node, *kind)]

        centre = [None if v == 0 else atoms(v) for v in point]
        series = self._run(expr, nodes, const, coeffs, centre, zero_c)
        return _Exact(expr, {k: v for k, v in series.items() if v}, atoms)

    # ball route: the order-k coefficients enclose D^alpha f(xi)/alpha! for xi in the box ---------
    def balls(self, expr: sp.Expr, box: Sequence[tuple[float, float]] | None,
              centre_balls: Sequence[arb] | None = None) -> Series:
        if expr.free_symbols.isdisjoint(self.varset):
            return {self.zero: _ball(expr)}
        nodes = _postorder(expr, self.varset)
        n = self.order

        def const(e: sp.Expr) -> arb:
            return _ball(e)

        def coeffs(node: sp.Expr, kind: tuple, c0: arb) -> list[arb]:
            if not c0.is_finite():
                raise _Unbounded
            if kind[0] == "pow":
                return _power_coeffs(kind[1], c0, n, _BallOps)
            if kind[0] == "log":
                return _function_coeffs(sp.log, c0, n, _BallOps)
            if kind[0] == "exp":
                return _function_coeffs(sp.exp, c0, n, _BallOps)
            return _function_coeffs(kind[1], c0, n, _BallOps)

        centre = (list(centre_balls) if centre_balls is not None
                  else [arb(lo).union(arb(hi)) for lo, hi in box])  # type: ignore[union-attr]
        try:
            return self._run(expr, nodes, const, coeffs, centre, arb(0))
        except _Singular as exc:  # pragma: no cover - exact route ran first
            raise CertificationError(str(exc)) from None


