r"""The univariate Taylor-coefficient rules: ``F^(k)(c)/k!``, k = 0..n, of each supported ``F``.

A function ``F(g)`` expands as the composition ``sum_k F^(k)(g_0)/k! (g - g_0)^k``; the
coefficients ``F^(k)(g_0)/k!`` come from :data:`RULES`, a registry ``{F: Rule}``. Most are
closed forms (``exp``, ``sin``, ``log``, ...); the rest differentiate ``F(z)`` alone, once per
order (cached), and substitute (exact) or enclose (balls) the derivatives. Every rule is written
once against the domain operations of :mod:`symtaylor.series.domain`, so it serves exact
constants and balls alike. Adding a function is one entry, e.g.
``RULES[sp.erf] = _by_derivatives(sp.erf)``. Powers ``g**r`` with a constant exponent have
their own rule, :func:`_power_coeffs`.

Examples
--------
>>> import sympy as sp
>>> from symtaylor.series.domain import _ExactOps
>>> RULES[sp.exp].coeffs(sp.Integer(0), 3, _ExactOps)
[1, 1, 1/2, 1/6]
>>> RULES[sp.sin].coeffs(sp.pi / 2, 2, _ExactOps)
[1, 0, -1/2]
>>> RULES[sp.atan].coeffs(sp.Integer(1), 2, _ExactOps)
[pi/4, 1/2, -1/4]
>>> _power_coeffs(sp.Rational(1, 2), sp.Integer(4), 2, _ExactOps)   # sqrt(4 + u)
[2, 1/4, -1/64]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp
from flint import fmpq, fmpq_poly

from ..enclosure import IntervalProgram, compile_enclosure
from ..errors import UnsupportedFunctionError

#: ``(c, n, ops) -> [F^(k)(c)/k! for k = 0..n]`` with ``ops`` ``_ExactOps`` or ``_BallOps``
Coeffs = Callable[[Any, int, Any], list[Any]]


@dataclass(frozen=True)
class Rule:
    """How to expand ``F(g)`` about the constant term ``g_0`` of its argument.

    Attributes
    ----------
    coeffs : callable
        ``(c, n, ops) -> [F^(k)(c)/k!, k = 0..n]``.
    kink_at_zero : bool
        ``F`` is not analytic where its argument vanishes (``log``, ``Abs``; ``acot`` jumps
        there): the exact route leaves such a point to the SymPy fallback, which decides
        analyticity.
    """

    coeffs: Coeffs
    kink_at_zero: bool = False


def _inverse_factorials(n: int, ops: Any) -> list[Any]:
    fact = [1] * (n + 1)
    for k in range(1, n + 1):
        fact[k] = fact[k - 1] * k
    return [ops.rat(1, f) for f in fact]


def _exp(c: Any, n: int, ops: Any) -> list[Any]:
    e = ops.exp(c)
    return [e * f for f in _inverse_factorials(n, ops)]


def _periodic(values: Callable[[Any, Any], list[Any]]) -> Coeffs:
    """Derivatives repeating with the period ``len(values(c, ops))``: ``F^(k)(c) =
    values[k mod period]`` (sin, cos: 4; sinh, cosh: 2)."""

    def coeffs(c: Any, n: int, ops: Any) -> list[Any]:
        vs = values(c, ops)
        return [vs[k % len(vs)] * f for k, f in enumerate(_inverse_factorials(n, ops))]

    return coeffs


def _sin(c: Any, ops: Any) -> list[Any]:
    s, co = ops.sin(c), ops.cos(c)
    return [s, co, -s, -co]


def _cos(c: Any, ops: Any) -> list[Any]:
    s, co = ops.sin(c), ops.cos(c)
    return [co, -s, -co, s]


def _sinh(c: Any, ops: Any) -> list[Any]:
    s, co = ops.sinh(c), ops.cosh(c)
    return [s, co]


def _cosh(c: Any, ops: Any) -> list[Any]:
    s, co = ops.sinh(c), ops.cosh(c)
    return [co, s]


def _log(c: Any, n: int, ops: Any) -> list[Any]:
    inv = ops.inv(c)
    out = [ops.log(c)]
    p = inv
    for k in range(1, n + 1):
        out.append(p * ops.rat((-1) ** (k + 1), k))
        p = p * inv
    return out


def _abs(c: Any, n: int, ops: Any) -> list[Any]:
    return [ops.abs(c), ops.sign(c)] + [ops.rat(0)] * (n - 1)


_Z = sp.Dummy("z")


class _DerivativeTable:
    """``F^(k)(z)/k!`` for k = 0..n (each derivative from the previous one), and the interval
    program enclosing them (compiled on first use)."""

    z = _Z

    def __init__(self, func: Any, n: int) -> None:
        out = [func(_Z)]
        d = out[0]
        for k in range(1, n + 1):
            d = sp.diff(d, _Z)
            if func in (sp.tan, sp.tanh, sp.cot, sp.coth):
                d = sp.expand(d)  # polynomials in tan(z): keep them small
            out.append(d / sp.factorial(k))
        self.exprs: tuple[sp.Expr, ...] = tuple(out)

    @functools.cached_property
    def program(self) -> IntervalProgram:
        return compile_enclosure(list(self.exprs), [_Z])


@functools.lru_cache(maxsize=256)
def _derivative_table(func: Any, n: int) -> _DerivativeTable:
    return _DerivativeTable(func, n)


def _by_derivatives(func: Any) -> Rule:
    """The rule of ``F`` from its derivative table: substituted exactly, or enclosed."""

    def coeffs(c: Any, n: int, ops: Any) -> list[Any]:
        return ops.tabulated(_derivative_table(func, n), c)

    return Rule(coeffs)


class _Algebraic:
    r"""An inverse trigonometric or hyperbolic function, or ``erf``/``erfc``: ``F`` whose
    derivative is ``K Q(z)**r`` (``Q`` quadratic, ``r = -1`` or ``-1/2``) or ``K exp(Q(z))``.

    Exact constants come from a recurrence, not from differentiating ``F`` repeatedly: the
    Taylor coefficients ``b_k`` of ``Q(c + u)**r = q_0 + q_1 u + q_2 u**2`` obey J. C. P.
    Miller's ``k q_0 b_k = sum_{j=1,2} (j (r + 1) - k) q_j b_{k-j}``, i.e. ``b_k = q_0**(r-k)
    N_k(c)`` with polynomials ``N_k`` over ``QQ`` (``exp(Q)``: ``k e_k = q_1 e_{k-1} + 2 q_2
    e_{k-2}``, ``e_k = exp(q_0) M_k(c)``); then ``F^(k)(c)/k! = K b_{k-1}/k``. The polynomials
    are made once per order (python-flint ``fmpq_poly``) and evaluated at a rational ``c`` in
    ``fmpq``: order 200 of ``atan`` at 0 takes milliseconds (differentiating took 27 s). Balls
    keep the derivative table (its interval program encloses over wide boxes).
    """

    def __init__(self, func: Any, k: sp.Expr, quadratic: tuple[int, int, int],
                 r: sp.Rational | None) -> None:
        self.func, self.k, self.quadratic, self.r = func, k, quadratic, r

    def _front(self, c: sp.Expr, q: sp.Expr) -> sp.Expr:
        """``exp(Q(c))`` or ``Q(c)**r`` (for ``acosh``, SymPy's ``(c-1)**r (c+1)**r``)."""
        if self.r is None:
            return sp.exp(q)
        if self.quadratic == _MINUS_ONE:
            return sp.Pow(c - 1, self.r) * sp.Pow(c + 1, self.r)
        return sp.Pow(q, self.r)

    def __call__(self, c: Any, n: int, ops: Any) -> list[Any]:
        if not getattr(ops, "exact", False):
            return ops.tabulated(_derivative_table(self.func, n), c)
        polys = _recurrence_polys(self.quadratic, self.r, n - 1) if n else ()
        q0 = fmpq_poly(list(self.quadratic))
        out = [self.func(c)]
        if c.is_Rational:
            cq = fmpq(int(c.p), int(c.q))
            q = q0(cq)
            if q == 0 and self.r is not None:  # a branch point (asin at 1): the fallback decides
                return out + [sp.zoo] * n
            front = self.k * self._front(c, _rat(q))
            inv = 1 / q if self.r is not None else fmpq(1)
            scale = fmpq(1)
            for k, poly in enumerate(polys, start=1):
                out.append(front * _rat(poly(cq) * scale / k))
                scale *= inv
            return out
        powers = [sp.Integer(1)]
        for _ in range(max(n, 2)):
            powers.append(powers[-1] * c)
        qc = sp.expand(sum(a * powers[j] for j, a in enumerate(self.quadratic)))
        front = self.k * self._front(c, qc)
        inv = sp.Integer(1) if self.r is None else sp.Pow(qc, -1)
        for k, poly in enumerate(polys, start=1):
            value = sp.Add(*[_rat(a) * powers[j] for j, a in enumerate(poly.coeffs()) if a])
            out.append(front * inv ** (k - 1) * value / k)
        return out


def _rat(q: fmpq) -> sp.Rational:
    return sp.Rational(int(q.p), int(q.q))


@functools.lru_cache(maxsize=64)
def _recurrence_polys(quadratic: tuple[int, int, int], r: sp.Rational | None,
                      n: int) -> tuple[fmpq_poly, ...]:
    """``N_0 .. N_n`` (or ``M_0 .. M_n`` for ``r = None``, the ``exp(Q)`` case) of
    :class:`_Algebraic`, as polynomials in ``c``."""
    q0 = fmpq_poly(list(quadratic))
    q1 = q0.derivative()
    q2 = fmpq(quadratic[2])
    out = [fmpq_poly([1])]
    if r is None:  # k M_k = q1 M_{k-1} + 2 q2 M_{k-2}
        for k in range(1, n + 1):
            nxt = q1 * out[-1]
            if k >= 2:
                nxt += 2 * q2 * out[-2]
            out.append(nxt / k)
        return tuple(out)
    rq = fmpq(int(r.p), int(r.q))
    for k in range(1, n + 1):  # k N_k = (r + 1 - k) q1 N_{k-1} + (2 r + 2 - k) q2 q0 N_{k-2}
        nxt = (rq + 1 - k) * q1 * out[-1]
        if k >= 2:
            nxt += (2 * rq + 2 - k) * q2 * q0 * out[-2]
        out.append(nxt / k)
    return tuple(out)


_HALF = sp.Rational(-1, 2)
_ONE_PLUS, _ONE_MINUS, _MINUS_ONE = (1, 0, 1), (1, 0, -1), (-1, 0, 1)  # 1 + z^2, 1 - z^2, z^2 - 1

#: ``F: (K, Q, r)`` with ``F' = K Q(z)**r`` (``r = None``: ``F' = K exp(Q(z))``)
_ALGEBRAIC = {
    sp.atan: (sp.Integer(1), _ONE_PLUS, sp.Integer(-1)),
    sp.acot: (sp.Integer(-1), _ONE_PLUS, sp.Integer(-1)),
    sp.atanh: (sp.Integer(1), _ONE_MINUS, sp.Integer(-1)),
    sp.asin: (sp.Integer(1), _ONE_MINUS, _HALF),
    sp.acos: (sp.Integer(-1), _ONE_MINUS, _HALF),
    sp.asinh: (sp.Integer(1), _ONE_PLUS, _HALF),
    sp.acosh: (sp.Integer(1), _MINUS_ONE, _HALF),
    sp.erf: (2 / sp.sqrt(sp.pi), (0, 0, -1), None),
    sp.erfc: (-2 / sp.sqrt(sp.pi), (0, 0, -1), None),
}

#: Functions whose Taylor coefficients come from differentiating ``F(z)`` alone (cached).
_BY_DERIVATIVES = (sp.tan, sp.cot, sp.sec, sp.csc, sp.tanh, sp.coth)

#: The registry: one entry per supported function class.
RULES: dict[Any, Rule] = {
    sp.exp: Rule(_exp),
    sp.sin: Rule(_periodic(_sin)),
    sp.cos: Rule(_periodic(_cos)),
    sp.sinh: Rule(_periodic(_sinh)),
    sp.cosh: Rule(_periodic(_cosh)),
    sp.log: Rule(_log, kink_at_zero=True),
    sp.Abs: Rule(_abs, kink_at_zero=True),
    **{func: _by_derivatives(func) for func in _BY_DERIVATIVES},
    # acot jumps at 0 (SymPy's acot(x) is atan(1/x) for real x: pi/2 at 0+, -pi/2 at 0-)
    **{func: Rule(_Algebraic(func, *spec), kink_at_zero=func is sp.acot)
       for func, spec in _ALGEBRAIC.items()},
}


def _function_coeffs(func: Any, c: Any, n: int, ops: Any) -> list[Any]:
    """Taylor coefficients ``F^(k)(c)/k!``, k = 0..n, for the supported functions ``F``."""
    rule = RULES.get(func)
    if rule is None:
        raise UnsupportedFunctionError(f"no Taylor rule for {func}")
    return rule.coeffs(c, n, ops)


def _power_coeffs(r: sp.Expr, c: Any, n: int, ops: Any) -> list[Any]:
    """Taylor coefficients of ``z**r`` at ``z = c``: ``binomial(r, k) c**r / c**k``."""
    base = ops.rpow(c, r)
    inv = ops.inv(c)
    out = [base]
    p = base
    b = sp.Integer(1)
    for k in range(1, n + 1):
        b = b * (r - k + 1) / k
        p = p * inv
        out.append(p * (ops.rat(int(b.p), int(b.q)) if b.is_Rational else ops.const(b)))
    return out
