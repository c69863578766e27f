"""Numerically stable forms: expressions rewritten before printing so that float64 evaluates
them without needless overflow or cancellation.

The rules (the patterns of :mod:`sympy.codegen.rewriting`, adapted to the forms SymPy's
derivatives take):

=====================================  =========================================================
``log(1 + exp(u))``                    ``logaddexp(0, u)`` (finite for every ``u``)
``log(1 + t)``                         ``log1p(t)``
``c*exp(u) - c``                       ``c*expm1(u)``
``(1 + exp(u))**-k``                   ``sigmoid(-u)**k`` (a two-branch form that never
                                       overflows)
``exp(m*u) * sigmoid(-u)**k``          ``exp((m-j)*u) sigmoid(u)**j sigmoid(-u)**(k-j)``,
                                       ``j = min(m, k)`` (``exp(u)/(1 + exp(u))`` is
                                       ``sigmoid(u)``)
``R sigmoid(u) - R sigmoid(u)**2``      ``R sigmoid(u) sigmoid(-u)`` (one exponential)
``(a**2 + b**2 + ...)**(n/2)``         ``hypot(a, b, ...)**n`` (no overflow of the squares)
a high-degree polynomial in one        a short sum of orthogonal polynomials (Chebyshev T and
generator                              U, Legendre, Hermite, Laguerre) evaluated by their
                                       three-term recurrences (``chebyshevt(150, x)`` is
                                       expanded by SymPy into a power form whose float64
                                       evaluation loses every digit)
=====================================  =========================================================

Every rule is an identity of real functions, so a rewritten expression is the same function;
:func:`_stable` rebuilds each shared subtree once.

Examples
--------
>>> import sympy as sp
>>> x, y = sp.symbols("x y", real=True)
>>> _stable([sp.log(1 + sp.exp(x)), sp.exp(x)/(1 + sp.exp(x)), sp.sqrt(x**2 + y**2)])
[logaddexp(0, x), Sigmoid(x), hypot(x, y)]
>>> _stable([1/(1 + sp.exp(x))])
[SigmoidOfMinus(x)]
>>> _stable([sp.chebyshevt(40, x)])
[OrthoPoly(0, 40, x)]
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from mpmath.libmp import prec_to_dps
from sympy.codegen.cfunctions import expm1, hypot, log1p
from sympy.codegen.numpy_nodes import logaddexp
from sympy.polys.orthopolys import (
    chebyshevt_poly,
    chebyshevu_poly,
    hermite_poly,
    hermite_prob_poly,
    laguerre_poly,
    legendre_poly,
)

__all__: list[str] = []


class Sigmoid(sp.Function):
    """The logistic function ``1/(1 + exp(-u))``, printed in its two-branch stable form."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = self.func(*self.args)
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, u: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-u))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return (1 / (1 + sp.exp(-self.args[0]))).evalf(prec_to_dps(prec))


class SigmoidOfMinus(sp.Function):
    """``sigmoid(-v) = 1/(1 + exp(v))``: printed without negating ``v`` (which CSE then shares
    with ``sigmoid(v)``)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = self.func(*self.args)
        return -s * (1 - s)

    def _eval_rewrite_as_exp(self, v: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(v))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return (1 / (1 + sp.exp(self.args[0]))).evalf(prec_to_dps(prec))


class SigmoidDerivative(sp.Function):
    """``sigmoid(u) * sigmoid(-u) = exp(-|u|) / (1 + exp(-|u|))**2``: one exponential,
    relatively accurate for every ``u``."""

    nargs = 1

    @classmethod
    def eval(cls, u: sp.Expr) -> sp.Expr | None:
        if u.could_extract_minus_sign():  # an even function
            return cls(-u)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self * (1 - 2 * Sigmoid(self.args[0]))

    def _eval_rewrite_as_exp(self, u: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / ((1 + sp.exp(-u)) * (1 + sp.exp(u)))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        u = self.args[0]
        return (1 / ((1 + sp.exp(-u)) * (1 + sp.exp(u)))).evalf(prec_to_dps(prec))


#: The orthogonal families OrthoPoly knows: code, SymPy function, degree-0 and -1 polynomials
#: and the recurrence ``p_{k+1} = (a_k x + b_k) p_k - c_k p_{k-1}`` as (a_k, b_k, c_k).
_FAMILIES: tuple[tuple[str, Callable[..., sp.Expr], Callable[..., sp.Poly]], ...] = (
    ("chebyshevt", sp.chebyshevt, chebyshevt_poly),
    ("chebyshevu", sp.chebyshevu, chebyshevu_poly),
    ("legendre", sp.legendre, legendre_poly),
    ("hermite", sp.hermite, hermite_poly),
    ("hermite_prob", sp.hermite_prob, hermite_prob_poly),
    ("laguerre", sp.laguerre, laguerre_poly),
)


class OrthoPoly(sp.Function):
    """``OrthoPoly(kind, n, u)``: the orthogonal polynomial of degree ``n`` of the family
    ``_FAMILIES[kind]`` at ``u``, printed as its three-term recurrence."""

    nargs = 3

    def fdiff(self, argindex: int = 3) -> sp.Expr:
        return sp.diff(self._expanded(), self.args[2])

    def _expanded(self) -> sp.Expr:
        kind, n, u = self.args
        return _FAMILIES[int(kind)][1](int(n), u)

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        kind, n, u = self.args
        v = u.evalf(prec + 20)
        if not v.is_Number:
            return None
        # exactly, at the binary value of u: the power form in floats would cancel
        return _FAMILIES[int(kind)][1](int(n), sp.Rational(v)).evalf(prec_to_dps(prec))


#: Polynomials of lower degree are left alone (their power form is well conditioned enough).
_MIN_DEGREE = 12
#: Above this degree the recognition is not tried (the exact basis change costs O(n^2)).
_MAX_DEGREE = 400
#: A family's representation is used when it has at most this many terms.
_MAX_TERMS = 4


def _stable(exprs: list[sp.Expr]) -> list[sp.Expr]:
    """The expressions in numerically stable forms (each shared subtree rewritten once)."""
    memo: dict[sp.Basic, sp.Basic] = {}
    out = [_rewrite(e, memo, _rule) for e in exprs]
    memo = {}
    return [_rewrite(e, memo, _minus_sigmoid) for e in out]


def _minus_sigmoid(e: sp.Basic) -> sp.Basic:
    if isinstance(e, Sigmoid) and e.args[0].could_extract_minus_sign():
        return SigmoidOfMinus(-e.args[0])
    return e


def _rewrite(e: sp.Basic, memo: dict[sp.Basic, sp.Basic],
             rule: Callable[[sp.Basic], sp.Basic]) -> sp.Basic:
    # iterative post-order walk: deep expressions must not hit Python's recursion limit
    stack: list[tuple[sp.Basic, bool]] = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if not node.args or not isinstance(node, (sp.Expr, sp.logic.boolalg.Boolean)):
            memo[node] = node
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        args = [memo[a] for a in node.args]
        new = node if all(a is b for a, b in zip(args, node.args)) else _rebuild(node, args)
        memo[node] = rule(new)
    return memo[e]


def _rebuild(node: sp.Basic, args: list[sp.Basic]) -> sp.Basic:
    if isinstance(node, (sp.Min, sp.Max)):
        return node.func(*args, evaluate=False)
    return node.func(*args)


def _rule(e: sp.Basic) -> sp.Basic:
    if isinstance(e, sp.log) and len(e.args) == 1:
        return _log(e.args[0], e)
    if e.is_Pow:
        return _pow(e)
    if e.is_Mul:
        return _mul(e)
    if e.is_Add:
        return _add(e)
    return e


def _one_plus(a: sp.Expr) -> sp.Expr | None:
    """``t`` when ``a`` is ``1 + t``, else None."""
    if not a.is_Add:
        return None
    c, rest = a.as_coeff_Add()
    return rest if c == 1 else None


def _log(a: sp.Expr, e: sp.Expr) -> sp.Expr:
    t = _one_plus(a)
    if t is None:
        return e
    if isinstance(t, sp.exp):
        return logaddexp(sp.S.Zero, t.args[0])
    return log1p(t)


def _split(a: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """``a = c * r`` with ``c`` a number and the sign of ``r`` normalised."""
    c, r = a.as_content_primitive()
    if r.could_extract_minus_sign():
        c, r = -c, -r
    return c, r


def _ratio(a: sp.Expr, b: sp.Expr) -> sp.Expr | None:
    """The number ``a/b`` when ``a`` is a numeric multiple of ``b``, else None."""
    ca, ra = _split(a)
    cb, rb = _split(b)
    if ra == rb and cb != 0:
        return ca / cb
    return None


def _pow(e: sp.Pow) -> sp.Expr:
    b, k = e.base, e.exp
    if k.is_Integer and k < 0:
        t = _one_plus(b)
        if isinstance(t, sp.exp):
            return Sigmoid(-t.args[0]) ** (-k)
    if k.is_Rational and k.q == 2 and b.is_Add and len(b.args) >= 2:
        legs = [_leg(t) for t in b.args]
        if all(leg is not None for leg in legs):
            h = legs[0]
            for leg in legs[1:]:
                h = hypot(h, leg)  # binary, as np.hypot
            return h ** (k * 2)
    return e


def _leg(t: sp.Expr) -> sp.Expr | None:
    """``a`` when the term ``t`` is ``a**2`` (or ``c*a**2`` with a number ``c > 0``)."""
    c, m = t.as_coeff_Mul()
    if not (c.is_positive and m.is_Pow and m.exp == 2):
        return None
    return m.base if c == 1 else sp.sqrt(c) * m.base


def _mul(e: sp.Mul) -> sp.Expr:
    sig: dict[int, tuple[sp.Expr, sp.Expr]] = {}  # factor index -> (u, k) of sigmoid(-u)**k
    exps: dict[int, sp.Expr] = {}  # factor index -> exponent w of exp(w)
    factors = list(e.args)
    for i, f in enumerate(factors):
        base, k = (f.base, f.exp) if f.is_Pow else (f, sp.S.One)
        if isinstance(base, Sigmoid) and k.is_Integer and k > 0:
            sig[i] = (-base.args[0], k)
        elif isinstance(f, sp.exp):
            exps[i] = f.args[0]
    if not (sig and exps):
        return e
    changed = False
    for i, w in exps.items():
        for j, (u, k) in list(sig.items()):
            m = _ratio(w, u)
            if m is None or not (m.is_Integer and m > 0):
                continue
            take = min(int(m), int(k))
            parts = [Sigmoid(u) ** take]
            if k - take:
                parts.append(Sigmoid(-u) ** (k - take))
            if m - take:
                parts.append(sp.exp((m - take) * u))
            factors[i] = sp.Mul(*parts)
            factors[j] = sp.S.One
            del sig[j]
            changed = True
            break
    return sp.Mul(*factors) if changed else e


def _add(e: sp.Add) -> sp.Expr:
    poly = _orthogonal(e)
    if poly is not None:
        return poly
    e = _sigmoid_pairs(e)
    if not e.is_Add:
        return e
    c, rest = e.as_coeff_Add()
    if c == 0:
        return e
    terms = list(sp.Add.make_args(rest))
    for i, t in enumerate(terms):
        k, m = t.as_coeff_Mul()
        if isinstance(m, sp.exp) and k == -c:
            terms[i] = k * expm1(m.args[0])
            return sp.Add(*terms)
    return e


def _sigmoid_part(t: sp.Expr) -> tuple[sp.Expr, int, sp.Expr] | None:
    """``(u, j, rest)`` when the term ``t`` is ``rest * sigmoid(u)**j``."""
    for f in sp.Mul.make_args(t):
        base, j = (f.base, f.exp) if f.is_Pow else (f, sp.S.One)
        if isinstance(base, Sigmoid) and j in (1, 2):
            return base.args[0], int(j), t / f
    return None


def _sigmoid_pairs(e: sp.Add) -> sp.Expr:
    """``R sigmoid(u) - R sigmoid(u)**2`` as ``R sigmoid(u) sigmoid(-u)`` (the derivative of the
    sigmoid, with one exponential, and accurate where ``sigmoid(u)`` rounds to 1)."""
    parts = {i: p for i, t in enumerate(e.args) if (p := _sigmoid_part(t)) is not None}
    if len(parts) < 2:
        return e
    ones = {(u, rest): i for i, (u, j, rest) in parts.items() if j == 1}
    terms = list(e.args)
    changed = False
    for i, (u, j, rest) in parts.items():
        k = ones.pop((u, -rest), None) if j == 2 else None
        if k is not None:
            terms[k] = -rest * SigmoidDerivative(u)
            terms[i] = sp.S.Zero
            changed = True
    return sp.Add(*terms) if changed else e


# -- orthogonal polynomials ---------------------------------------------------------------------


def _generator(e: sp.Add) -> tuple[sp.Expr, int] | None:
    """``(g, degree)`` when every term of ``e`` is a number times an integer power of one
    generator ``g`` (a cheap structural test before any polynomial arithmetic)."""
    if len(e.args) < 3:
        return None
    g = None
    degree = 0
    for t in e.args:
        _, m = t.as_coeff_Mul()
        if m == 1:
            continue
        base, k = (m.base, m.exp) if m.is_Pow else (m, sp.S.One)
        if not (k.is_Integer and k > 0) or base.is_Number:
            return None
        if g is None:
            g = base
        elif base != g:
            return None
        degree = max(degree, int(k))
    if g is None or degree < _MIN_DEGREE or degree > _MAX_DEGREE:
        return None
    return g, degree


def _orthogonal(e: sp.Add) -> sp.Expr | None:
    """A high-degree polynomial as a short sum of orthogonal polynomials of one family, or None
    when no family represents it with at most ``_MAX_TERMS`` terms."""
    found = _generator(e)
    if found is None:
        return None
    g, _ = found
    t = sp.Dummy("t")
    try:
        p = sp.Poly(e.xreplace({g: t}), t, domain="QQ")
    except (sp.PolynomialError, sp.CoercionFailed):
        return None
    for kind, (_, family, polys) in enumerate(_FAMILIES):
        coeffs = _in_basis(p, polys, t)
        if coeffs is not None:
            return sp.Add(*(c * (OrthoPoly(kind, k, g) if k > 1 else family(k, g))
                            for k, c in coeffs))
    return None


def _in_basis(p: sp.Poly, family: Callable[..., sp.Poly], t: sp.Dummy
              ) -> list[tuple[int, sp.Rational]] | None:
    """``p = sum c_k F_k`` in the family's basis (exact; None when it needs more than
    ``_MAX_TERMS`` terms)."""
    out: list[tuple[int, sp.Rational]] = []
    rest = p
    while not rest.is_zero:
        k = rest.degree()
        fk = family(k, t, polys=True).set_domain(sp.QQ)
        c = rest.LC() / fk.LC()
        out.append((k, sp.Rational(c)))
        if len(out) > _MAX_TERMS:
            return None
        rest = rest - fk * c
    return out
