r"""The ``taylor`` derivation: derivatives at the point, coefficients, ``T_n``, the Lagrange
remainder (one and several variables) and, with a region, its certified bound.

Built from :func:`symtaylor.taylor`: each coefficient the engine computed (by series
arithmetic) is proved equal to ``D^alpha f(a) / alpha!`` evaluated by SymPy on its own (a limit
where the formula has a removable singularity at the point), and ``T_n`` to the sum of those
terms.

Examples
--------
>>> from symtaylor.derivations import derive
>>> d = derive("taylor", "exp(x)", "x", at=0, order=3)
>>> d.result
x**3/6 + x**2/2 + x + 1
>>> [(r.check, r.rhs) for r in d.all_rows() if r.lhs == sp.Symbol("c_{2}")]
[('exact', 1/2)]
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from typing import Any

import sympy as sp

from ..coerce import RegionLike, as_expr, as_point, as_variables
from ..errors import InputError, SymTaylorError
from ..series import TaylorExpansion
from ..taylor import taylor
from .checks import UncheckedStepError, certified, define, equal, theorem
from .record import Derivation, Row, Section
from .registry import register

__all__ = ["expansion_derivation", "taylor_derivation"]

_GREEK = {"xi": "ξ", "theta": "θ"}

#: Beyond this many terms the coefficient rows list the nonzero coefficients only.
_ALL_TERMS = 12
#: Derivative rows (one variable) are shown when the derivatives stay this small (count_ops).
_SMALL = 120


@register("taylor")
def taylor_derivation(f: Any, variables: Any = None, at: Any = 0, order: Any = 2,
                      region: RegionLike | None = None) -> Derivation:
    r"""The Taylor polynomial of ``f`` about ``at``, derived and checked.

    ``derive("taylor", f, variables, at=, order=, region=None)``: the derivatives at the point,
    the coefficients ``c_alpha = D^alpha f(a)/alpha!``, ``T_n``, the Lagrange remainder and,
    with ``region``, the certified bound of ``|f - T_n|`` over it with the attained lower
    value. ``result`` is the polynomial.

    Examples
    --------
    >>> from symtaylor.derivations import derive
    >>> d = derive("taylor", "sin(x)", "x", at=0, order=3, region=(-1, 1))
    >>> [r.check for r in d.sections[-1].rows]
    ['certified', 'certified']
    """
    _finite_point(f, variables, at)
    return expansion_derivation(taylor(f, variables, at=at, order=order), region)


def _finite_point(f: Any, variables: Any, at: Any) -> None:
    """Refuse an infinite expansion point (``at=float("inf")``) with an InputError naming it;
    any other problem with the input is left to the engine's own errors."""
    try:
        expr = as_expr(f, variables)
        syms = as_variables(variables, expr)
        point = as_point(at, syms)
    except SymTaylorError:
        return
    for v, a in zip(syms, point):
        if isinstance(a, sp.Expr) and (a.is_infinite or a.has(sp.oo, -sp.oo, sp.zoo)):
            raise InputError(f"the expansion point must be finite, got {v} = {sp.sstr(a)}")


def _c(alpha: tuple[int, ...], syms: tuple[sp.Symbol, ...] = ()) -> sp.Symbol:
    """``c_{k}`` (one variable), ``c_{xxy}`` (several one-letter variables: the letters of the
    derivative), else ``c_{1,2}`` (the multi-index)."""
    if len(alpha) == 1:
        return sp.Symbol(f"c_{{{alpha[0]}}}")
    if all(len(v.name) == 1 and v.name.isalpha() for v in syms):
        letters = "".join(v.name * k for v, k in zip(syms, alpha))
        return sp.Symbol(f"c_{{{letters or '0'}}}")
    return sp.Symbol("c_{" + ",".join(map(str, alpha)) + "}")


def _derivative_at(expr: sp.Expr, syms: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...],
                   alpha: tuple[int, ...]) -> sp.Expr:
    """``D^alpha f(a)`` by ``sympy.diff`` and substitution (independent of the engine's series
    arithmetic). ``sympy.Subs`` is not used: SymPy 1.14 takes ``Subs(f_x, (x, y), (0, 0))``
    and ``Subs(f_y, (x, y), (0, 0))`` for equal objects (same hash), so its cache mixes them."""
    expr, syms = _on_the_reals(expr, syms)
    spec = [(v, k) for v, k in zip(syms, alpha) if k]
    d = sp.diff(expr, *spec) if spec else expr
    return d.xreplace(dict(zip(syms, point)))


def _on_the_reals(expr: sp.Expr, syms: tuple[sp.Symbol, ...]
                  ) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """``expr`` in real symbols of the same names (Taylor expansions live on the reals, as in
    the engine): ``d|x|/dx`` is then ``sign(x)``, not an expression in ``re(x)``, ``im(x)``."""
    real = tuple(v if v.is_real else sp.Symbol(v.name, real=True) for v in syms)
    return expr.xreplace(dict(zip(syms, real))), real


def _coefficient_row(t: TaylorExpansion, alpha: tuple[int, ...]) -> Row:
    expr, syms, point = t.function, t.variables, t.point
    c = _c(alpha, syms)
    fact = math.prod(math.factorial(k) for k in alpha)
    value = t.coefficients[alpha]
    label = (f"derivative of order {alpha[0]} at a, over {alpha[0]}!" if len(syms) == 1
             else "the derivative of multi-index (" + ", ".join(map(str, alpha))
             + f") at a, over {'!'.join(map(str, alpha))}!")
    at = _derivative_at(expr, syms, point, alpha)
    if not at.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        try:
            return equal(c, value, label, where={c: at / fact})
        except UncheckedStepError:
            if len(syms) != 1:
                raise
    if len(syms) != 1:
        raise UncheckedStepError(f"D^alpha f is undefined at the point for alpha = {alpha}")
    # a removable singularity at the point (sin(x)/x at 0): the derivative's limit
    (a,) = point
    expr, (x,) = _on_the_reals(expr, syms)
    d = sp.diff(expr, x, alpha[0]) if alpha[0] else expr
    lim = sp.limit(d, x, a)
    return equal(c, value, f"limit of the derivative of order {alpha[0]} as x → a, over "
                 f"{alpha[0]}! (a removable singularity)", where={c: lim / fact})


def _remainder(t: TaylorExpansion) -> sp.Expr:
    """The engine's Lagrange remainder, or, when it differentiates in complex variables (``|x|``
    gives ``re(x)``, ``Derivative(re(x), x)``, and SymPy refuses the substitution of the
    intermediate point: "Can't calculate derivative wrt 1"), the same formula in real
    variables (``d|x|/dx = sign(x)``)."""
    try:
        r = t.remainder
    except ValueError:
        r = None
    if r is not None and not r.has(sp.re, sp.im, sp.Derivative):
        return r
    expr, real = _on_the_reals(t.function, t.variables)
    back = dict(zip(real, t.variables))
    n1, s = t.order + 1, t.remainder_symbol
    if len(real) == 1:
        (x,), (a,) = real, t.point
        d = sp.diff(expr, x, n1).xreplace({x: s})
        return (d / sp.factorial(n1) * (x - a) ** n1).xreplace(back)
    sub = {v: a + s * (v - a) for v, a in zip(real, t.point)}
    terms = []
    for alpha in _of_degree(len(real), n1):
        d = sp.diff(expr, *[(v, k) for v, k in zip(real, alpha) if k])
        if d != 0:
            fac = math.prod(math.factorial(k) for k in alpha)
            terms.append(d.xreplace(sub) / fac * _monomial(real, t.point, alpha))
    return sp.Add(*terms).xreplace(back)


def _monomial(syms: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...],
              alpha: tuple[int, ...]) -> sp.Expr:
    return sp.Mul(*[(v - a) ** k for v, a, k in zip(syms, point, alpha)])


def _round(v: float, up: bool, digits: int = 4) -> sp.Float:
    """``v`` to ``digits`` significant digits, rounded up (an upper bound stays one) or down."""
    if v == 0 or not math.isfinite(v):
        return sp.Float(v)
    e = math.floor(math.log10(abs(v))) - digits + 1
    if e < -300:  # a subnormal bound (5e-324: a region of zero width): 10.0**e is 0.0
        r = Context(prec=digits, rounding=ROUND_CEILING if up else ROUND_FLOOR).create_decimal(
            Decimal(v))
        return sp.Float(str(r), digits)
    scaled = v / 10.0 ** e
    r = math.ceil(scaled) if up else math.floor(scaled)
    if up and r * 10.0 ** e < v:  # float noise in the scaling
        r += 1
    if not up and r * 10.0 ** e > v:
        r -= 1
    return sp.Float(f"{r}e{e}", digits)


def expansion_derivation(t: TaylorExpansion, region: RegionLike | None = None) -> Derivation:
    """The full derivation of a :class:`~symtaylor.series.TaylorExpansion` record."""
    expr, syms, point, n = t.function, t.variables, t.point, t.order
    one = len(syms) == 1
    tn, rn = sp.Symbol(f"T_{{{n}}}"), sp.Symbol(f"R_{{{n}}}")
    args = ", ".join(sp.latex(v) for v in syms)
    at = ", ".join(f"{sp.latex(v)} = {sp.latex(a)}" for v, a in zip(syms, point))
    rows: list[Row] = [define(f"f({args})", expr, "the function")]
    sections: list[Section] = []

    # derivatives (one variable, when they stay small)
    if one:
        prev, (x,) = _on_the_reals(expr, syms)
        drows = []
        for k in range(1, n + 2):
            dk = sp.diff(prev, x)
            shown = sp.simplify(dk) if sp.count_ops(dk) < 40 else dk
            if sp.count_ops(shown) > _SMALL:
                break
            # each derivative as the derivative of the previous one: f', f'' = (f')', ...
            drows.append(equal(sp.Derivative(prev, x), shown,
                               "f′: differentiate f" if k == 1 else
                               f"f({k}): differentiate f({k - 1})" if k > 3 else
                               f"f{'′' * k}: differentiate f{'′' * (k - 1)}"))
            prev = shown
        if drows:
            sections.append(Section("Derivatives", tuple(drows)))

    # coefficients
    alphas = _indices(len(syms), n)
    checked = [(a, _coefficient_row(t, a)) for a in alphas]
    terms = dict(p for _, r in checked for p in r.where)  # c_alpha -> its proved value
    crows = [r for a, r in checked if len(alphas) <= _ALL_TERMS or t.coefficients[a] != 0]
    sections.append(Section("Coefficients at the point", tuple(crows),
                            f"At ${at}$: $c_{{\\alpha}} = D^{{\\alpha}} f(a)/\\alpha!$"
                            + ("" if len(crows) == len(alphas) else
                               " (the coefficients not listed are zero)") + "."))

    # the polynomial
    formula = sp.Add(*[_c(a, syms) * _monomial(syms, point, a)
                       for a in _indices(len(syms), n)])
    poly_rows = [
        equal(tn, _in_powers(t), "sum of the terms c times (x − a) to the power α, |α| ≤ n",
              where={tn: formula, **terms}),
        define(rn, f"f({args}) - T_{{{n}}}({args})", "the remainder"),
    ]
    xi = t.remainder_symbol
    if one:
        cond = f"for some ${sp.latex(xi)}$ between ${sp.latex(point[0])}$ and ${args}$"
        why = f"Lagrange form, for some {_GREEK.get(xi.name, xi.name)} between a and x"
    else:
        cond = f"for some ${sp.latex(xi)} \\in (0, 1)$"
        why = (f"Lagrange form, for some {_GREEK.get(xi.name, xi.name)} in (0, 1), on the "
               "segment from a to x")
    poly_rows.append(theorem(f"f \\in C^{{{n + 1}}}",
                             sp.Eq(rn, _remainder(t), evaluate=False), why,
                             "Taylor's theorem with the Lagrange remainder"))
    sections.append(Section("Polynomial and remainder", tuple(poly_rows)))

    # the certified bound
    if region is not None:
        cert = t.certify(region)
        box = r" \times ".join(f"[{lo:g}, {hi:g}]" for lo, hi in cert.region)
        var = f"({args})" if not one else args
        lhs = f"\\max_{{{var} \\in {box}}} \\left|R_{{{n}}}\\right|"
        brows = (
            certified(lhs, "<=", _round(cert.upper, True),
                      "rigorous upper bound (rounded up)",
                      f"arb ball enclosure: Taylor models and branch and bound over "
                      f"{cert.boxes} sub-boxes, outward rounding"),
            certified(lhs, ">=", _round(cert.attained, False),
                      "|f − T_n| attained at a sample point (rounded down)",
                      "mpmath (50 digits) at the worst sample point found"),
        )
        sections.append(Section("Certified bound of the remainder", brows,
                                "The true maximum lies between the two values"
                                + ("" if cert.converged else " (the box budget was reached "
                                   "before the bound was within 10% of it)") + "."))
    defs = [
        ("f", f"the function ${sp.latex(expr)}$"),
        (args if one else f"({args})", "the variable" + ("" if one else "s")),
        ("a", f"the expansion point, ${at}$"),
        ("n", f"the order, here $n = {n}$"),
        (r"c_{\alpha}", "the Taylor coefficient of the multi-index $\\alpha$"
         + (" ($c_{k}$: of $(x - a)^{k}$)" if one else
            " ($c_{xxy}$: of $(x - a)^{2} (y - b)$, the letters of the derivative; $c_{0}$ the "
            "constant term)")),
        (f"T_{{{n}}}", "the Taylor polynomial of order $n$"),
        (f"R_{{{n}}}", "the remainder $f - T_n$"),
        (sp.latex(xi), "the intermediate point of the Lagrange remainder" if one
         else "the fraction of the segment from $a$ to $x$ of the Lagrange remainder"),
        (r"C^{k}", "the functions with $k$ continuous derivatives"),
    ]
    if one and any(s.heading == "Derivatives" for s in sections):
        defs.append((r"f', f'', f^{(k)}", "the derivatives of $f$, each the derivative "
                     "$\\frac{d}{d x}$ of the previous one"))
    return Derivation(
        "taylor", f"Taylor expansion of order {n}",
        f"Expand $f = {sp.latex(expr)}$ about ${at}$ to order ${n}$"
        + (" and bound the remainder over the region." if region is not None else "."),
        tuple(rows), t.polynomial, tuple(defs), tuple(sections),
        f"So $f = T_{{{n}}} + R_{{{n}}}$ with $T_{{{n}}} = {sp.latex(_in_powers(t))}$ and the "
        f"remainder above, {cond}.")


def _in_powers(t: TaylorExpansion) -> sp.Expr:
    """The polynomial in powers of ``x_i - a_i`` (kept unexpanded for display)."""
    terms = []
    for alpha, c in t.coefficients.items():
        mono = [sp.Pow(v - a if a == 0 else sp.UnevaluatedExpr(v - a), k) if k > 1 else
                (v - a if a == 0 else sp.UnevaluatedExpr(v - a))
                for v, a, k in zip(t.variables, t.point, alpha) if k]
        terms.append(sp.Mul(c, *mono))
    return sp.Add(*terms) if terms else sp.S.Zero


def _indices(nvars: int, order: int) -> list[tuple[int, ...]]:
    """Multi-indices of total degree ``0..order``, by degree then lexicographically
    (descending in the first variable)."""
    out: list[tuple[int, ...]] = []
    for total in range(order + 1):
        out += _of_degree(nvars, total)
    return out


def _of_degree(nvars: int, total: int) -> list[tuple[int, ...]]:
    if nvars == 1:
        return [(total,)]
    return [(k, *rest) for k in range(total, -1, -1) for rest in _of_degree(nvars - 1, total - k)]
