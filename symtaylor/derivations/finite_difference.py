r"""Kind ``finite-difference``: the error of a finite-difference derivative and its best step.

From the engine's :func:`~symtaylor.finite_diff.stencil` and
:func:`~symtaylor.finite_diff.fd_error`: the stencil ``D_h f(a) = sum w_i f(a + o_i h)/h^d``,
its moment conditions (``sum w_i o_i^k / k!`` is ``0`` for ``k < d``, ``1`` for ``k = d``, ``0``
up to ``d + p - 1``: proved on the exact weights), the Taylor expansion of the stencil applied
to ``f`` at ``a`` (the Taylor engine's series of the sum in ``h`` equals the truncation term
fd_error found from the coefficients of ``f``; a removable singularity at ``a`` is read as its
limit; at a float point the values are 15-digit floats and those rows ``~``), the round-off
model ``B/h^d`` (an assumption: each value of ``f`` carries a relative error ``eps = 2^-52``),
the total ``E(h) = A h^q + B/h^d``, its minimiser ``h_opt = (d B/(q A))^(1/(q + d))``
(``E'(h_opt) = 0`` and ``E'' > 0`` proved in the symbols ``A``, ``B``), the predicted minimum
``E(h_opt) = (1 + q/d) A h_opt^q``, and the values certified with arb. ``result`` is ``h_opt``
(exact; a Float when fd_error's refined model or a float ``B`` gave it).

Examples
--------
>>> from symtaylor.derivations import derive
>>> d = derive("finite-difference", "exp(x)", "x", 1)
>>> d.result
2**(2/3)*3**(1/3)/262144
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

from ..coerce import ExprLike, OrderLike, PointLike, VariablesLike
from ..enclosure import enclose
from ..finite_diff import EPS, fd_error, h
from ..finite_diff.report import FDErrorReport
from .checks import UncheckedStepError, approx, certified, define, equal, inequality
from .record import Derivation, Row, Section
from .registry import register

__all__ = ["fd_derivation", "fd_derivation_from_report"]

A, B = sp.Symbol("A", positive=True), sp.Symbol("B", positive=True)
HP = sp.Symbol("h", positive=True)
F = sp.Function("f")
DH = sp.Symbol(r"D_{h} f(a)")
#: the optimal step, written h_{opt} (SymPy's LaTeX parser reads it; it cannot read h^{*})
HOPT = sp.Symbol(r"h_{opt}")


def _derivative_name(d: int) -> str:
    """``f'``, ``f''``, ``f^{(3)}``: the d-th derivative of f as a textbook writes it."""
    return "f" + "'" * d if d <= 2 else f"f^{{({d})}}"


def _moment_rows(r: FDErrorReport) -> list[Row]:
    st = r.stencil
    d, p = st.derivative, st.accuracy
    rows: list[Row] = []
    for k in range(d + p + 1):
        m = sp.Symbol(rf"m_{{{k}}}")
        val = sum((w * o**k for o, w in zip(st.offsets, st.weights)), sp.S.Zero) / sp.factorial(k)
        target = 1 if k == d else 0
        if k == d + p:
            target = st.leading_coefficient
            why = f"k = d + p = {k}: the leading error coefficient C"
        elif k == d:
            why = f"k = d = {d}: the derivative is reproduced"
        else:
            why = f"k = {k}: cancels"
        rows.append(equal(m, target, why, where={m: val}))
    return rows


def _optimum_rows(q: int, d: int) -> list[Row]:
    """The minimiser of ``A h^q + B/h^d`` in the symbols ``A, B > 0``."""
    E = sp.Function("E")
    e = A * HP**q + B / HP**d
    hs = (d * B / (q * A)) ** sp.Rational(1, q + d)
    Hs = sp.Symbol(HOPT.name, positive=True)
    de = sp.diff(e, HP)
    return [
        define(E(HP), e, "truncation plus round-off"),
        equal(sp.Derivative(e, HP), de, "differentiate"),
        define(Hs, hs, "the root of E'(h) = 0"),
        equal(sp.Subs(de, HP, Hs), 0, "E'(h_opt) = 0", where={Hs: hs}),
        inequality(sp.diff(e, HP, 2), ">", 0, "E is convex for h > 0: h_opt is the minimum"),
        equal(E(Hs), (1 + sp.Rational(q, d)) * A * Hs**q, "the minimum error",
              where={E(Hs): e.subs(HP, hs), Hs: hs}),
    ]


def _enclosed(e: sp.Expr, what: str, name: sp.Symbol) -> Row:
    iv = enclose(e, {})
    mid = (iv.lo + iv.hi) / 2
    return certified(name, "~", sp.Float(mid, 6), what,
                     f"arb ball enclosure [{iv.lo!r}, {iv.hi!r}]")


def fd_derivation_from_report(r: FDErrorReport) -> Derivation:
    """The derivation of a finite-difference error analysis (an :class:`FDErrorReport`)."""
    st = r.stencil
    x, a, d = r.variable, r.at, st.derivative
    xr = sp.Symbol(x.name, real=True)
    f = r.expression.subs(x, xr)
    fd_sym = sp.Symbol(_derivative_name(d) + "(a)")
    stencil_expr = sp.Add(*(w * F(a + o * h) for o, w in zip(st.offsets, st.weights) if w)) / \
        h**d
    # a float point at its exact binary value, as the engine expands it (its values are shown
    # to 15 digits: those rows compare at 30 digits and are '~')
    a_num = sp.Rational(float(a)) if isinstance(a, sp.Float) else a
    dval, dlim = _at(sp.diff(f, xr, d), xr, a_num)
    f_a, _ = _at(f, xr, a)
    rows: list[Row] = [
        define(F(xr), f, f"at a = {sp.sstr(a)}"),
        define(DH, stencil_expr, f"the {st.scheme} stencil, accuracy {st.accuracy}"),
        _equal(fd_sym, r.exact_derivative, "the exact derivative" + (
            " (its limit as x → a: a removable singularity)" if dlim else ""),
              where={fd_sym: dval}),
    ]
    moments = Section("Moments of the stencil", tuple(_moment_rows(r)),
                      "With $m_k = \\sum_i w_i o_i^k / k!$, Taylor's theorem gives "
                      "$D_h f(x) = \\sum_k m_k h^{k-d} f^{(k)}(x)$.")
    sections = [moments]
    trunc = r.truncation_term
    taylor: list[Row] = []
    applied = sp.Add(*(w * (f.subs(xr, a + o * h) if o else f_a)
                       for o, w in zip(st.offsets, st.weights) if w)) / h**d - r.exact_derivative
    err = sp.Symbol(rf"D_{{h}} f(a) - {_derivative_name(d)}(a)")
    if trunc == 0:
        try:
            taylor.append(_equal(err, 0, "the stencil is exact for this f", where={err: applied}))
        except UncheckedStepError:  # |x| at 1: exact only for small h; the series says so
            n = st.accuracy + 2
            ser = _series_in_h(f, xr, a_num, st, n) - _at(sp.diff(f, xr, d), xr, a_num)[0]
            taylor.append(_equal(err, 0, f"the stencil is exact for this f near a: its Taylor "
                                         f"series in h vanishes to h^{n} (fd_error's order)",
                                 where={err: ser}))
        result: sp.Expr = sp.oo
        taylor.append(define(HOPT, sp.oo, "no truncation error: only round-off, "
                                                        "which falls as h grows"))
        sections.append(Section("Truncation", tuple(taylor)))
    else:
        q = sp.Poly(trunc, h).degree()
        ser = _series_in_h(f, xr, a_num, st, q) - _at(sp.diff(f, xr, d), xr, a_num)[0]
        taylor.append(_equal(err, trunc, f"Taylor series in h (terms below h^{q} vanish), "
                                        f"+ O(h^{q + 1})", where={err: ser}))
        Av = sp.Abs(trunc / h**q)
        Bv = r.roundoff_term * h**d
        taylor += [
            define(A, Av, "size of the truncation term: A h^q"),
            approx(sp.Symbol(r"\lvert \mathrm{fl}(D_{h} f) - D_{h} f\rvert"), B / h**d,
                   "round-off model: each f value off by a relative ε, times the sum of |w_i|"),
            define(B, Bv, "ε times the sum of |w_i| times |f(a)|" if not _zero(f_a) else
                   "ε times the sum of |w_i| times max |f| near a (f(a) = 0)"),
        ]
        if not _zero(f_a) and not Bv.has(sp.Float):
            taylor.append(_equal(B, EPS * st.abs_weight_sum * sp.Abs(f_a),
                                "ε: the float64 machine epsilon", where={B: Bv}))
        sections.append(Section("Truncation and round-off", tuple(taylor)))
        sections.append(Section("The best step", tuple(_optimum_rows(q, d))))
        hs = HOPT
        inst = [
            _step_row(r, Av, Bv, q, d),
            _enclosed(r.optimal_step_exact, "the optimal step", hs),
            _enclosed((1 + sp.Rational(q, d)) * Av * r.optimal_step_exact**q,
                      "the predicted minimum error E(h_opt)", sp.Symbol(r"E(h_{opt})")),
            approx(sp.Symbol(r"h_{obs}"), sp.Float(r.observed_optimal_step, 4),
                   f"measured in float64 (error {r.min_error:.3g})",
                   "float64 scan against mpmath at 50+ digits (fd_error)"),
        ]
        sections.append(Section("For this f", tuple(inst)))
        result = r.optimal_step_exact
    problem = (f"Approximate ${_derivative_name(d)}(a)$ for $f = {sp.latex(f)}$ at "
               f"$a = {sp.latex(a)}$ by "
               f"the {st.scheme} difference of accuracy {st.accuracy}; find the step $h$ that "
               "balances truncation and round-off.")
    defs = (("w_i, o_i", "the stencil's weights and nodes (units of $h$)"),
            ("d, p", f"the derivative's order ({d}) and the accuracy ({st.accuracy})"),
            ("q", "the power of $h$ in the leading non-vanishing truncation term at $a$"),
            (r"\varepsilon", r"$2^{-52}$, the float64 machine epsilon"),
            ("A, B", r"the sizes of the truncation $A h^q$ and round-off $B/h^d$ terms"))
    return Derivation("finite-difference", "Finite-difference error and the optimal step",
                      problem, tuple(rows), result, defs, tuple(sections),
                      "The optimal step balances the two errors: "
                      "$h_{opt} = (dB/(qA))^{1/(q+d)}$.")


def _at(e: sp.Expr, x: sp.Symbol, a: sp.Expr) -> tuple[sp.Expr, bool]:
    """``e`` at ``x = a``, or its limit there when the formula is undefined at ``a`` (a removable
    singularity: ``sin(x)/x`` at 0); the flag says whether the limit was taken."""
    v = e.subs(x, a)
    if not v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return v, False
    return sp.limit(e, x, a), True


def _series_in_h(f: sp.Expr, x: sp.Symbol, a: sp.Expr, st: Any, q: int) -> sp.Expr:
    """The stencil applied to ``f`` at ``a``, ``sum w_i f(a + o_i h)/h^d``, expanded in ``h`` up
    to ``h^q`` by the Taylor engine (:func:`symtaylor.taylor` on the sum, a series in ``h``
    independent of the coefficients of ``f`` the report used): SymPy's ``series`` took over a
    minute on ``exp(exp(exp(x)))`` to order 16 where the engine takes 0.1 s."""
    from ..errors import NotAnalyticError, UnsupportedFunctionError
    from ..taylor import taylor

    d = st.derivative
    f_a = _at(f, x, a)[0]  # the node o = 0: f(a), or its limit
    num = sp.Add(*(w * (f.subs(x, a + o * h) if o else f_a)
                   for o, w in zip(st.offsets, st.weights) if w))
    try:
        t = taylor(num, [h], 0, q + d)
    except (NotAnalyticError, UnsupportedFunctionError) as exc:
        raise UncheckedStepError(f"could not expand the stencil in h: {exc}") from None
    return sp.expand(t.polynomial / h**d)


def _step_row(r: FDErrorReport, Av: sp.Expr, Bv: sp.Expr, q: int, d: int) -> Row:
    """``h_opt`` with the A and B above: exact when they are exact; when the engine worked with
    floats (``B`` from ``max |f|`` near a zero of ``f``, huge integers rounded to 30 digits, or
    the refined model's numeric optimum) a ``~`` row saying so, compared at 30 digits."""
    hs = HOPT
    formula = (d * Bv / (q * Av)) ** sp.Rational(1, q + d)
    value = r.optimal_step_exact
    try:
        return equal(hs, value, "with the A and B above", where={hs: formula})
    except UncheckedStepError:
        if not value.has(sp.Float) and not Bv.has(sp.Float):
            raise
    closed = sp.N(formula, 30)
    rel = abs(sp.N(value, 30) - closed) / abs(closed) if closed != 0 else sp.oo
    if rel <= sp.Float("1e-12"):
        return approx(hs, value, "with the A and B above (floats: see B)",
                      f"float arithmetic: agrees with (dB/(qA))^(1/(q+d)) to {float(rel):.1e} "
                      "relative")
    return approx(hs, value, "the refined model's optimum (nodes' values and rounding, two "
                  "truncation terms): the closed form above is off by more than 2x",
                  "numeric minimum over a grid of steps (fd_error)")


def _equal(lhs: Any, rhs: Any, why: str, *, where: dict[Any, Any]) -> Row:
    """An ``=`` row, or, when the point is a float (the engine shows its values to 15 digits
    and SymPy's own evaluation at the Float differs in the last digits), a ``~`` row after
    comparing the two sides at 30 digits, coefficient by coefficient in ``h`` (relative
    ``1e-12``): floats stay floats, and are not claimed exact."""
    try:
        return equal(lhs, rhs, why, where=where)
    except UncheckedStepError:
        a, b = (sp.Integer(v) if isinstance(v, int) else v
                for v in (where.get(lhs, lhs), rhs))  # SymPy objects or ints (no text)
        if not (isinstance(a, sp.Basic) and isinstance(b, sp.Basic)) or \
                not (a.has(sp.Float) or b.has(sp.Float)):
            raise
        gap = _float_gap(a, b)
        if gap is None or gap > 1e-12:
            raise
        return approx(lhs, rhs, why + " (a float point: 15-digit values)",
                      f"float values: both sides agree to {gap:.1e} relative at 30 digits, "
                      "term by term in h")


def _float_gap(a: sp.Expr, b: sp.Expr) -> float | None:
    """The largest difference of the coefficients of ``a`` and ``b`` in ``h`` at 30 digits,
    relative to the larger of the two (or to ``1e-13`` times the largest coefficient, so that
    a coefficient that cancels to zero only symbolically, ``0.e-108`` after evalf, counts as
    zero); None if they are not polynomials in ``h`` with number coefficients."""
    try:
        pa, pb = sp.Poly(sp.expand(a), h), sp.Poly(sp.expand(b), h)
    except sp.PolynomialError:
        return None
    deg = max(pa.degree(), pb.degree(), 0)
    pairs = []
    for k in range(deg + 1):
        ca, cb = (sp.N(p.coeff_monomial(h**k), 30) for p in (pa, pb))
        if not (isinstance(ca, sp.Number) and isinstance(cb, sp.Number)):
            return None
        pairs.append((mpmath.mpf(sp.Float(ca, 30)._mpf_), mpmath.mpf(sp.Float(cb, 30)._mpf_)))
    with mpmath.workdps(30):
        overall = max((max(abs(u), abs(v)) for u, v in pairs), default=mpmath.mpf(0))
        worst = mpmath.mpf(0)
        for u, v in pairs:
            ref = max(abs(u), abs(v), overall * mpmath.mpf("1e-13"))
            if ref:
                worst = max(worst, abs(u - v) / ref)
        return float(worst)


def _zero(v: sp.Expr) -> bool:
    return bool(v == 0 or v.is_zero)


@register("finite-difference")
def fd_derivation(f: ExprLike, variable: VariablesLike = None, at: PointLike = 0,
                  derivative: OrderLike = 1, scheme: str = "central",
                  accuracy: OrderLike | None = 2) -> Derivation:
    r"""Truncation, round-off and the optimal step of a finite difference, derived and checked
    (``derive("finite-difference", f, variable, at, derivative=1, scheme="central",
    accuracy=2)``).

    Returns
    -------
    Derivation
        ``result`` is ``h_opt`` in closed form (``oo`` when the stencil is exact for ``f``).
    """
    return fd_derivation_from_report(fd_error(f, variable, at, derivative, scheme, accuracy))
