r"""The C-speed route of one-variable expansions: truncated series in python-flint ``fmpq_series``.

When every constant met on the way is rational (the expansion of a function built from
``+ * / **``, ``exp``, ``sin``, ``cos``, ``tan``, ``sinh``, ``cosh``, ``tanh``, ``atan``,
``atanh``, ``asin``, ``asinh``, ``log``, ``sqrt``... and rational numbers, at a rational point
where each function's argument has the constant term its series needs: ``0`` for ``exp`` and
the trigonometric ones, ``1`` for ``log``, a rational ``c`` whose power is rational for
``g**r``), the whole expansion runs in FLINT's truncated series arithmetic (``fmpq_poly``
``*_series`` functions, in C) and only the ``order + 1`` coefficients are converted to SymPy.
Anything else (an irrational constant such as ``exp(1/3)``, a symbol other than the variable,
``sin(x)/x`` at 0, an unsupported function) returns ``None`` and the general engine of
:mod:`symtaylor.series.engine` takes over, so the result is the same exact Taylor polynomial
either way (the coefficients of a power series are unique).

Every FLINT call is guarded in Python before it is made (constant terms checked exactly), so no
input can reach a FLINT abort.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> sorted(_flint_coefficients(sp.exp(sp.sin(x)), x, sp.Integer(0), 4).items())
[((0,), 1), ((1,), 1), ((2,), 1/2), ((4,), -1/8)]
>>> _flint_coefficients(sp.exp(x), x, sp.Rational(1, 3), 4) is None   # exp(1/3) is irrational
True
>>> sorted(_flint_coefficients(1 / (1 + x**2), x, sp.Integer(1), 2).items())
[((0,), 1/2), ((1,), -1/2), ((2,), 1/4)]
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from flint import ctx, fmpq, fmpq_series
from sympy.core.add import _addsort
from sympy.core.mul import _mulsort

__all__ = ["_build_polynomial", "_build_univariate", "_flint_coefficients"]


class _NotHere(Exception):
    """The expression leaves the rational series route (the general engine takes over)."""


#: functions whose series FLINT computes for an argument with constant term 0, and their value
#: there (``F(0)``, rational)
_AT_ZERO = {
    sp.exp: ("exp", 1), sp.sin: ("sin", 0), sp.cos: ("cos", 1), sp.tan: ("tan", 0),
    sp.sinh: ("sinh", 0), sp.cosh: ("cosh", 1), sp.tanh: ("tanh", 0), sp.atan: ("atan", 0),
    sp.atanh: ("atanh", 0), sp.asin: ("asin", 0), sp.asinh: ("asinh", 0),
}

#: enabled by default; tests switch it off to compare with the general engine
ENABLED = True


def _q(e: sp.Expr) -> fmpq:
    return fmpq(int(e.p), int(e.q))


def _rational_root(c: fmpq, r: sp.Rational) -> fmpq | None:
    """``c**r`` if it is rational (``c > 0``), else None."""
    num, den = int(c.p), int(c.q)
    k = int(r.q)
    rn, exact_n = sp.integer_nthroot(num, k)
    rd, exact_d = sp.integer_nthroot(den, k)
    if not (exact_n and exact_d):
        return None
    base = fmpq(int(rn), int(rd))
    p = int(r.p)
    return base**p if p >= 0 else 1 / base ** (-p)


class _Walk:
    """One expansion: ``expr`` in ``x = a + h`` as ``fmpq_series`` of precision ``order + 1``."""

    def __init__(self, x: sp.Symbol, a: fmpq, order: int) -> None:
        self.x, self.a, self.prec = x, a, order + 1
        self.memo: dict[sp.Expr, fmpq_series] = {}

    def const(self, c: fmpq) -> fmpq_series:
        return fmpq_series([c], prec=self.prec)

    def run(self, expr: sp.Expr) -> fmpq_series:
        # children first, iteratively (deep expressions must not hit the recursion limit)
        stack: list[tuple[sp.Expr, bool]] = [(expr, False)]
        memo = self.memo
        while stack:
            node, done = stack.pop()
            if node in memo:
                continue
            if done:
                memo[node] = self.node(node)
                continue
            if node.is_Symbol or node.is_Number:
                memo[node] = self.leaf(node)
                continue
            if node.is_Pow and node.args[1].is_Number:  # a number exponent is no series
                children = (node.args[0],)
            else:
                children = node.args
            stack.append((node, True))
            stack.extend((a, False) for a in children if a not in memo)
        return memo[expr]

    def leaf(self, node: sp.Expr) -> fmpq_series:
        if node == self.x:
            return fmpq_series([self.a, 1], prec=self.prec)
        if node.is_Rational:
            return self.const(_q(node))
        raise _NotHere  # another symbol, a Float, pi, ...

    def node(self, node: sp.Expr) -> fmpq_series:
        memo = self.memo
        if node.is_Add:
            s = memo[node.args[0]]
            for a in node.args[1:]:
                s = s + memo[a]
            return s
        if node.is_Mul:
            s = memo[node.args[0]]
            for a in node.args[1:]:
                s = s * memo[a]
            return s
        if node.is_Pow:
            base, ex = node.args
            if not ex.is_Rational:
                raise _NotHere
            return self.power(memo[base], ex)
        spec = _AT_ZERO.get(node.func)
        if spec is not None and len(node.args) == 1:
            s = memo[node.args[0]]
            c0 = s.coeffs()[0] if s.coeffs() else fmpq(0)
            if c0 != 0:
                raise _NotHere  # F(c0) is irrational in general
            return getattr(s, spec[0])()
        if node.func is sp.log and len(node.args) == 1:
            s = memo[node.args[0]]
            if (s.coeffs() or [fmpq(0)])[0] != 1:
                raise _NotHere  # log(c0) is irrational for rational c0 != 1
            return s.log()
        raise _NotHere

    def power(self, s: fmpq_series, ex: sp.Rational) -> fmpq_series:
        coeffs = s.coeffs()
        c0 = coeffs[0] if coeffs else fmpq(0)
        if ex.is_Integer:
            k = int(ex)
            if k >= 0:
                return s**k
            if c0 == 0:
                raise _NotHere  # a pole: the general engine hands it to the fallback
            return s.inv() ** (-k)
        if c0 <= 0:
            raise _NotHere  # a branch point, or complex values
        root = _rational_root(c0, ex)
        if root is None:
            raise _NotHere
        u = s * fmpq_series([1 / c0], prec=self.prec)  # constant term 1
        return (u.log() * fmpq_series([_q(ex)], prec=self.prec)).exp() * self.const(root)


def _flint_coefficients(expr: sp.Expr, x: sp.Symbol, a: sp.Expr, order: int
                        ) -> dict[tuple[int], sp.Expr] | None:
    """``{(k,): c_k}`` (non-zero ``c_k``, SymPy rationals) of ``expr`` about ``x = a`` to
    ``order``, or None when the rational series route does not apply."""
    if not ENABLED or not a.is_Rational:
        return None
    saved = ctx.cap  # python-flint truncates every series at ctx.cap terms (default 10)
    ctx.cap = max(saved, order + 1)
    try:
        series = _Walk(x, _q(a), order).run(expr)
    except (_NotHere, ValueError, ZeroDivisionError, RecursionError):
        return None
    finally:
        ctx.cap = saved
    out: dict[tuple[int], sp.Expr] = {}
    for k, c in enumerate(series.coeffs()[: order + 1]):
        if c:
            out[(k,)] = sp.Rational(int(c.p), int(c.q))
    return out


def _build_univariate(coeffs: dict[tuple[int, ...], Any], x: sp.Symbol, a: sp.Expr
                      ) -> sp.Expr | None:
    """``sum_k c_k (x - a)**k`` for rational ``c_k`` and ``a``, assembled in SymPy's canonical
    form directly (the same object ``Add(*[c*(x - a)**k])`` evaluates to, ~10x faster), or None
    outside that case.

    SymPy distributes ``c_1 (x - a)`` into ``c_1 x - c_1 a``; the other terms are
    ``c_k (x - a)**k`` (``x**k`` at 0), sorted as ``Add`` sorts, the constant first.
    """
    if not (x.is_Symbol and x.is_commutative and a.is_Rational):
        return None
    if not all(type(k) is tuple and len(k) == 1 for k in coeffs):
        return None
    if not all(c.is_Rational for c in coeffs.values()):
        return None
    base = x if a == 0 else x - a
    const = coeffs.get((0,), sp.S.Zero)
    terms: list[sp.Expr] = []
    for (k,), c in coeffs.items():
        if k == 0 or c == 0:
            continue
        if k == 1:
            if a != 0:
                const = const - c * a
            terms.append(x if c == 1 else sp.Mul._from_args((c, x)))
            continue
        p = sp.Pow(base, sp.Integer(k), evaluate=False)
        terms.append(p if c == 1 else sp.Mul._from_args((c, p)))
    if not terms:
        return const
    _addsort(terms)
    if const != 0:
        terms.insert(0, const)
    if len(terms) == 1:
        return terms[0]
    return sp.Add._from_args(terms)


def _build_polynomial(coeffs: dict[tuple[int, ...], Any], variables: tuple[sp.Symbol, ...],
                      point: tuple[sp.Expr, ...]) -> sp.Expr | None:
    """``sum_alpha c_alpha prod_i (x_i - a_i)**alpha_i`` in SymPy's canonical form, built
    directly: the same object as ``Add(*[Mul(c, *[(x_i - a_i)**k ...])])``, or None outside
    the case where that is guaranteed (plain commutative symbols, a rational point, constant
    coefficients that are rationals, products or sums of constants).

    What SymPy's evaluation does there, done here directly: ``Mul`` puts the number first and
    sorts the rest (no two factors share a base: the coefficient's factors are free of the
    variables, each ``x_i - a_i`` appears once), distributes a rational over a lone
    ``x_i - a_i`` (``c (x - a) = c x - c a``); ``Add`` sums the rationals first and sorts the
    rest (no like terms: the monomials differ, the constant term's own terms are free of the
    variables).
    """
    if not all(v.is_Symbol and v.is_commutative for v in variables):
        return None
    if not all(a.is_Rational for a in point):
        return None
    varset = set(variables)
    bases = [v if a == 0 else sp.Add(v, -a) for v, a in zip(variables, point)]
    powers: dict[tuple[int, int], sp.Expr] = {}
    rational = sp.S.Zero
    others: list[sp.Expr] = []
    for key, c in coeffs.items():
        if c is sp.S.Zero:
            continue
        if c.is_Number and not c.is_Rational:
            return None  # Floats: not this route
        if not c.is_Rational and not c.free_symbols.isdisjoint(varset):
            return None  # pragma: no cover - coefficients are constants in the variables
        nz = [(i, k) for i, k in enumerate(key) if k]
        if not nz:  # the constant term: its own terms join the sum
            for t in sp.Add.make_args(c):
                if t.is_Rational:
                    rational += t
                else:
                    others.append(t)
            continue
        if c.is_Rational and len(nz) == 1 and nz[0][1] == 1:  # distributed: c x - c a
            i = nz[0][0]
            if point[i] != 0:
                rational -= c * point[i]
            others.append(variables[i] if c == 1 else sp.Mul._from_args((c, variables[i])))
            continue
        if c.is_Rational:
            num, rest = c, []
        elif c.is_Mul and c.args[0].is_Number:
            num, rest = c.args[0], list(c.args[1:])
        elif c.is_Mul:
            num, rest = sp.S.One, list(c.args)
        else:
            num, rest = sp.S.One, [c]
        for i, k in nz:
            p = powers.get((i, k))
            if p is None:
                p = powers[(i, k)] = (bases[i] if k == 1 else
                                      sp.Pow(bases[i], sp.Integer(k), evaluate=False))
            rest.append(p)
        if len(rest) > 1:
            _mulsort(rest)
        if num is sp.S.One:
            term = rest[0] if len(rest) == 1 else sp.Mul._from_args(rest)
        else:
            term = sp.Mul._from_args([num, *rest])
        others.append(term)
    if not others:
        return rational
    _addsort(others)
    if rational != 0:
        others.insert(0, rational)
    return others[0] if len(others) == 1 else sp.Add._from_args(others)
