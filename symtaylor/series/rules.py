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
        ``F`` is not analytic where its argument vanishes (``log``, ``Abs``): the exact route
        leaves such a point to the SymPy fallback, which decides analyticity.
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


#: Functions whose Taylor coefficients come from differentiating ``F(z)`` alone (cached).
_BY_DERIVATIVES = (
    sp.tan, sp.cot, sp.sec, sp.csc, sp.tanh, sp.coth, sp.atan, sp.acot, sp.asin, sp.acos,
    sp.asinh, sp.acosh, sp.atanh, sp.erf, sp.erfc,
)  # fmt: skip

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
