r"""Kind ``descent-lemma``: from L-smoothness to
``f(x - alpha g) <= f(x) - alpha (1 - L alpha/2) ||g||^2``, the steps that guarantee descent
(``0 < alpha < 2/L``, an implication, not an equivalence) and the best guaranteed decrease
``||g||^2/(2L)`` at ``alpha = 1/L``.

The hypothesis (L-smoothness) and the two textbook steps that use it (the fundamental theorem
of calculus along a segment, Cauchy-Schwarz) are stated as ``assumed``; every ``=`` is proved
by SymPy, the vector identities on a generic 3-vector, the descent range by an implication on
the interval ``(0, 2/L)`` and the maximiser by an exact completed square. With ``f`` given, ``L``
comes from :func:`symtaylor.bounds.convergence_bounds`: exact for a quadratic (its Hessian's
eigenvalues, and the gradient difference ``H (y - x)`` proved), certified by ball arithmetic
over ``region`` otherwise.

Examples
--------
>>> import sympy as sp
>>> from symtaylor.derivations import derive
>>> d = derive("descent-lemma")
>>> print(d.result)
-alpha*(-L*alpha/2 + 1)*Abs(g)**2 + f(x)
>>> e = derive("descent-lemma", "x**2 + 10*y**2")
>>> e.result.subs(sp.Symbol("alpha", real=True), sp.Rational(1, 20))
9*x**2/10
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..bounds import ConvergenceBounds, convergence_bounds
from ..calculus import gradient
from ..coerce import (
    ExprLike,
    NumberLike,
    RegionLike,
    VariablesLike,
    as_expr,
    as_number,
    as_variables,
)
from ..errors import InputError, UnsupportedFunctionError
from ._proofs import (
    decimal_down,
    decimal_up,
    eigenvalue_rows,
    generic_vector,
    name_roots,
    rearranged,
)
from .checks import assumed, certified, define, equal, implies, inequality
from .record import Derivation, Row, Section, TransposeProduct, VectorSymbol, norm
from .registry import register

__all__ = ["bounds_derivation", "descent_lemma_derivation"]

LS = sp.Symbol("L", positive=True)
ALPHA = sp.Symbol("alpha", real=True)
T = sp.Symbol("t", real=True)
FX = sp.Symbol("f(x)", real=True)
FY = sp.Symbol("f(y)", real=True)
_G = VectorSymbol("g", complex=True, zero=False)  # g != 0 (else x is stationary)
G2 = norm(_G) ** 2
D2 = norm(VectorSymbol("x") - VectorSymbol("y")) ** 2
GD = TransposeProduct(_G, VectorSymbol("y") - VectorSymbol("x"))  # g^{T}(y - x), a real scalar
PHI = sp.Function(r"\varphi")

DEFINITIONS = (
    ("x, y", r"points of $\mathbb{R}^n$"),
    ("g", r"the gradient $\nabla f(x)$ at the current point, assumed $\ne 0$"),
    ("L", r"a Lipschitz constant of $\nabla f$ ($L > 0$)"),
    (r"\alpha", "the step length of gradient descent"),
    (r"\lVert\cdot\rVert", "the Euclidean norm"),
    (r"\varphi(\alpha)",
     r"$\alpha(1 - L\alpha/2)$, the guaranteed decrease per unit $\lVert g\rVert^2$"),
)


_HESSIAN = (("H", r"the Hessian $\nabla^2 f$ of the given $f$"),)


def _smoothness_rows() -> tuple[Row, ...]:
    """The quadratic upper bound from L-smoothness (hypothesis + theorems + exact algebra)."""
    integral = sp.Integral(LS * T * D2, (T, 0, 1))
    return (
        define(sp.Symbol("g"), r"\nabla f(x)", "the gradient at x"),
        assumed(r"\lVert \nabla f(y) - \nabla f(x)\rVert", "<=", r"L\,\lVert y - x\rVert",
                "hypothesis: L-smoothness (all x, y)"),
        assumed(r"\left|f(y) - f(x) - g^{T}(y - x)\right|", "<=",
                r"\int_0^1 \lVert \nabla f(x + t(y - x)) - g\rVert\,\lVert y - x\rVert\,dt",
                "calculus on [x, y], Cauchy–Schwarz"),
        assumed(None, "<=", integral, "L-smoothness at distance t‖y − x‖", chain=True),
        equal(integral, LS * D2 / 2, "integrate over t ∈ [0, 1]", chain=True),
        rearranged(FY - FX - GD <= LS * D2 / 2, FY <= FX + GD + LS * D2 / 2,
                   "drop the absolute value", chain=True),
    )


def _step_rows() -> tuple[Row, ...]:
    """Put ``y = x - alpha g``, factor, and read off the descent range and the best step."""
    gv = generic_vector("g", 3)
    g2v = (gv.T * gv)[0]
    dv = -ALPHA * gv  # y - x
    phi = ALPHA * (1 - LS * ALPHA / 2)
    bound = FX - phi * G2
    a_star = 1 / LS
    phi_star = sp.Symbol(r"\varphi(1/L)")
    return (
        define(sp.Symbol("y"), r"x - \alpha g", "one gradient step"),
        equal(GD, -ALPHA * G2, "y − x = −αg (generic 3-vector g)",
              where={GD: (gv.T * dv)[0], G2: g2v}),
        equal(D2, ALPHA**2 * G2, "the same (generic 3-vector g)",
              where={D2: (dv.T * dv)[0], G2: g2v}),
        assumed(r"f(x - \alpha g)", "<=", FX + GD + LS * D2 / 2,
                "the upper bound at y = x − αg"),
        equal(FX + GD + LS * D2 / 2, FX - ALPHA * G2 + LS * ALPHA**2 * G2 / 2,
              "the two identities", where={GD: -ALPHA * G2, D2: ALPHA**2 * G2}, chain=True),
        equal(FX - ALPHA * G2 + LS * ALPHA**2 * G2 / 2, bound, "factor α", chain=True),
        define(PHI(ALPHA), phi, "decrease per unit ‖g‖²"),
        implies(sp.And(0 < ALPHA, ALPHA < 2 / LS), phi > 0, "solved on (0, 2/L)"),
        inequality(bound, "<", FX, "descent: f(x − αg) < f(x)",
                   given=sp.And(0 < ALPHA, ALPHA < 2 / LS)),
        equal(sp.Derivative(phi, ALPHA), 1 - LS * ALPHA, "differentiate φ"),
        equal(sp.Subs(1 - LS * ALPHA, ALPHA, a_star), 0, "α* = 1/L is stationary"),
        equal(phi_star - PHI(ALPHA), LS * (ALPHA - a_star) ** 2 / 2, "complete the square",
              where={phi_star: phi.subs(ALPHA, a_star), PHI(ALPHA): phi}),
        inequality(LS * (ALPHA - a_star) ** 2 / 2, ">=", 0, "so α* maximises φ", chain=True),
        equal(phi_star, 1 / (2 * LS), "the best decrease per unit ‖g‖²",
              where={phi_star: phi.subs(ALPHA, a_star)}),
        assumed(r"f(x - \tfrac{1}{L} g)", "<=", FX - G2 / (2 * LS), "the bound at α = 1/L"),
    )


def _converse_rows() -> tuple[Row, ...]:
    """A counterexample to the converse: descent for a step beyond 2/L."""
    x = sp.Symbol("x", real=True)
    f = x**2 / 2
    Lc, a = sp.Integer(2), sp.Rational(3, 2)   # |f''| = 1 <= 2: L = 2 is a valid constant
    new = f.subs(x, x - a * sp.diff(f, x))
    f0, df0 = sp.Function("f_0"), sp.Function("f'_0")
    step = f0(x - a * df0(x))  # f_0(x - 3/2 f_0'(x)), printed f_{0}(x - \frac{3}{2} f'_{0}(x))
    return (
        define(f0(x), f, "a 1-smooth function, so also L-smooth with L = 2"),
        inequality(sp.diff(f, x, 2), "<=", Lc, "f_0'' = 1 <= L = 2"),
        inequality(a, ">=", 2 / Lc, "take alpha = 3/2 >= 2/L = 1"),
        equal(step, x**2 / 8, "one step", where={step: new}),
        inequality(x**2 / 8 - f, "<=", 0, "still a descent (strict for x != 0)",
                   chain=False),
    )


#: Functions without a second derivative everywhere (kinks, jumps): no Hessian, no L from it.
_NOT_SMOOTH = (sp.Abs, sp.sign, sp.Heaviside, sp.DiracDelta, sp.Max, sp.Min, sp.Piecewise,
               sp.re, sp.im, sp.arg, sp.conjugate, sp.floor, sp.ceiling, sp.frac)


def _bounds(f: ExprLike, variables: VariablesLike, region: RegionLike | None
            ) -> ConvergenceBounds:
    """:func:`convergence_bounds` for an objective with a Hessian; a kink (``abs(x)``,
    ``Max``, ...) is refused with an error naming it (the bound needs ``∇²f``)."""
    expr = as_expr(f, variables)
    syms = set(as_variables(variables, expr))
    for node in sorted(expr.atoms(*_NOT_SMOOTH), key=sp.default_sort_key):
        if node.free_symbols & syms:
            raise UnsupportedFunctionError(
                f"{sp.sstr(node)} in {sp.sstr(expr)} is not twice differentiable: L comes from "
                "the Hessian ∇²f (write the objective without it, e.g. x instead of abs(x) "
                "on x > 0)")
    return convergence_bounds(f, variables, region=region)


def _shown(region: Any) -> str:
    """The region as ``x in [0, 0]``."""
    if not isinstance(region, dict):
        return str(region)
    return ", ".join(f"{v} in [{lo:g}, {hi:g}]" for v, (lo, hi) in region.items())


def _l_from_f(b: ConvergenceBounds) -> Section:
    """Rows for the computed LS: the Hessian's eigenvalues (exact) or the ball certificate."""
    syms = b.variables
    rows: list[Row] = [define(sp.Symbol("f"), b.f, "the objective")]
    if not b.certified:
        H = b.hessian
        hs = sp.Matrix(len(syms), len(syms),
                       lambda i, j: sp.Derivative(b.f, syms[i], syms[j]))
        rows.append(equal(sp.Symbol("H"), H, "the Hessian ∇²f (constant: f is quadratic)",
                          where={sp.Symbol("H"): hs.doit()}))
        y = sp.Matrix([sp.Symbol(f"y_{{{s}}}", real=True) for s in syms])
        gx = gradient(b.f, syms)
        gy = gx.xreplace(dict(zip(syms, y)))
        grad = sp.Function(r"\nabla f")
        dg = grad(sp.Symbol("y")) - grad(sp.Symbol("x"))
        n = len(syms)
        # H (y - x) as a matrix expression (printed H \cdot \left(y - x\right)), checked and
        # read back as a product, like (I - alpha H)(x - x^*) in gd_rate
        hd = sp.MatrixSymbol("H", n, n) * (sp.MatrixSymbol("y", n, 1) - sp.MatrixSymbol("x", n, 1))
        rows.append(equal(dg, hd, "the gradient is linear (y a second point)",
                          where={dg: gy - gx, hd: H * (y - sp.Matrix(syms))}))
        eig_rows, evs = eigenvalue_rows(H)
        eig_rows, values = name_roots(eig_rows, evs)
        rows += eig_rows + values
        rows.append(assumed(r"\lVert H\,(y - x)\rVert", "<=",
                            r"\max_i |\lambda_i|\,\lVert y - x\rVert",
                            "spectral theorem: H is symmetric"))
        rows.append(equal(LS, b.L, "L = max |λ_i|: f is L-smooth",
                          where={LS: max((abs(e) for e in evs),
                                         key=lambda e: float(sp.N(e, 30)))}))
    else:
        Lup = decimal_up(b.L)
        rows.append(certified(LS, "<=", sp.Float(Lup, 6),
                              "sup ‖∇²f‖₂ over the region: f is L-smooth there",
                              f"arb ball enclosure, branch and bound ({b.boxes} boxes), "
                              "rounded up"))
        if b.L_attained is not None:
            rows.append(Row(sp.Symbol(r"\max |\lambda|"), ">=", sp.Float(b.L_attained, 6),
                            "attained at a sampled point (float64)",
                            "assumed", "numerical sample (not a certificate)"))
    return Section("L from f", tuple(rows),
                   "The constant $L$ computed by the engine (convergence\\_bounds).".replace(
                       "\\_", "_"))


def _with_l_rows(Lv: Any, exact: bool) -> Section:
    """The consequences with the computed LS: 2/LS, 1/LS, 1/(2L)."""
    if exact:
        rows = (
            equal(2 / LS, 2 / Lv, "descent for every 0 < alpha < 2/L", where={LS: Lv}),
            equal(1 / LS, 1 / Lv, "alpha* = 1/L", where={LS: Lv}),
            equal(1 / (2 * LS), 1 / (2 * Lv), "guaranteed decrease per unit ||g||^2",
                  where={LS: Lv}),
        )
    else:
        rows = (
            certified(2 / LS, ">=", sp.Float(decimal_down(2.0 / Lv), 6),
                      "descent for every α below this", "rounded down from 2/L (L rounded up)"),
            certified(1 / (2 * LS), ">=", sp.Float(decimal_down(0.5 / Lv), 6),
                      "decrease per unit ‖g‖² at α = 1/L", "rounded down from 1/(2L)"),
        )
    return Section(f"With L = {sp.sstr(Lv) if exact else sp.Float(Lv, 6)}", rows)


@register("descent-lemma")
def descent_lemma_derivation(f: ExprLike | None = None, variables: VariablesLike = None,
                             region: RegionLike | None = None, *,
                             L: NumberLike | None = None) -> Derivation:
    r"""The descent lemma, derived and checked (``derive("descent-lemma", f=None,
    variables=None, region=None)``).

    Parameters
    ----------
    f : expression or text, optional
        An objective: its ``L`` is computed (exact for a quadratic, certified over ``region``
        otherwise) and the bound is written in its variables.
    variables, region
        As for :func:`symtaylor.bounds.convergence_bounds`.
    L : number, optional
        A known smoothness constant (without ``f``).

    Returns
    -------
    Derivation
        ``result`` is the bound ``f(x) - alpha (1 - L alpha/2) ||g||^2`` (in ``f``'s variables
        and with its ``L`` when ``f`` is given).
    """
    sections: list[Section] = [Section("Descent and the best step", _step_rows()),
                               Section("The converse fails", _converse_rows(),
                                       "Descent does not imply $\\alpha < 2/L$: the lemma's "
                                       "bound is an upper bound, so only the implication "
                                       "holds.")]
    result: sp.Expr = FX - ALPHA * (1 - LS * ALPHA / 2) * G2
    problem = ("Let $f$ be differentiable with an $L$-Lipschitz gradient. Bound $f$ after one "
               "gradient step $x - \\alpha g$, find the steps that guarantee a decrease and the "
               "step that guarantees the most.")
    if f is not None:
        b = _bounds(f, variables, region)
        if b.L == 0:
            raise InputError(f"{b.f} has a zero Hessian (linear): no descent-lemma bound")
        if b.certified and float(b.L) < 1e-300:  # 2/L would overflow
            raise InputError(f"the certified L of {b.f} on the region {_shown(b.region)} is "
                             f"{float(b.L):.3g}: the region has zero width (or f is linear "
                             "there); give intervals lo < hi")
        sections.insert(0, _l_from_f(b))
        Lv = b.L if not b.certified else decimal_up(b.L)
        sections.append(_with_l_rows(Lv, not b.certified))
        gvec = gradient(b.f, b.variables)
        result = b.f - ALPHA * (1 - Lv * ALPHA / 2) * sp.expand((gvec.T * gvec)[0])
        problem += f" Here $f = {sp.latex(b.f)}$."
    elif L is not None:
        Lv = as_number(L, "L", symbolic=False)
        if not Lv.is_positive:
            raise InputError(f"L must be positive, got {Lv}")
        sections.append(_with_l_rows(Lv, True))
        result = result.subs(LS, Lv)
    return Derivation(
        "descent-lemma", "The descent lemma", problem, _smoothness_rows(), result,
        DEFINITIONS + (_HESSIAN if f is not None and not b.certified else ()), tuple(sections),
        "Hence $0 < \\alpha < 2/L \\Longrightarrow f(x - \\alpha g) < f(x)$, and "
        "$\\alpha = 1/L$ guarantees the decrease $\\lVert g\\rVert^2/(2L)$.")


def bounds_derivation(b: ConvergenceBounds) -> Derivation:
    """The derivation of a :class:`~symtaylor.bounds.ConvergenceBounds` record: ``L`` and ``mu``
    (exact eigenvalues of a constant Hessian, or ball certificates over the region), then the
    steps ``2/L``, ``1/L`` and the rates ``1 - mu/L``, ``(kappa - 1)/(kappa + 1)``, ``M/(2 mu)``.
    """
    lsec = _l_from_f(b)
    rows = list(lsec.rows)
    mu = sp.Symbol("mu", real=True)
    kappa = sp.Symbol("kappa", positive=True)
    if not b.certified:
        lo = min(_eigs_of(b), key=lambda e: float(sp.N(e, 30)))
        rows.append(equal(mu, b.mu, "μ = the smallest eigenvalue", where={mu: lo}))
        steps: list[Row] = []
        if b.L != 0:
            steps += [equal(sp.Symbol(r"\alpha_{\max}"), b.max_step, "2/L: descent below it",
                            where={sp.Symbol(r"\alpha_{\max}"): 2 / b.L}),
                      equal(sp.Symbol(r"\alpha^{*}"), b.optimal_step,
                            "1/L: the best guaranteed decrease ‖g‖²/(2L)",
                            where={sp.Symbol(r"\alpha^{*}"): 1 / b.L})]
        if b.condition_number is not None:
            steps += [equal(kappa, b.condition_number, "κ = L/μ", where={kappa: b.L / b.mu}),
                      equal(sp.Symbol(r"1 - \mu/L"), b.rate, "f − f* shrinks by it (α = 1/L)",
                            where={sp.Symbol(r"1 - \mu/L"): 1 - b.mu / b.L}),
                      equal(sp.Symbol(r"\frac{\kappa - 1}{\kappa + 1}"), b.rate_optimal,
                            "‖x − x*‖ shrinks by it (α = 2/(L + μ))",
                            where={sp.Symbol(r"\frac{\kappa - 1}{\kappa + 1}"):
                                   (kappa - 1) / (kappa + 1), kappa: b.L / b.mu})]
    else:
        rows.append(certified(mu, ">=", sp.Float(decimal_down(b.mu), 6),
                              "inf of the smallest eigenvalue over the region",
                              f"arb eigenvalue enclosures, branch and bound ({b.boxes} boxes), "
                              "rounded down"))
        steps = [certified(sp.Symbol(r"\alpha_{\max}"), ">=",
                           sp.Float(decimal_down(b.max_step), 6), "2/L, rounded down",
                           "outward rounding"),
                 certified(sp.Symbol(r"\alpha^{*}"), ">=",
                           sp.Float(decimal_down(b.optimal_step), 6), "1/L, rounded down",
                           "outward rounding")]
        if b.condition_number is not None:
            steps += [certified(sp.Symbol(r"1 - \mu/L"), "<=",
                                sp.Float(decimal_up(b.rate), 6), "rounded up", "outward rounding"),
                      certified(sp.Symbol(r"\frac{\kappa - 1}{\kappa + 1}"), "<=",
                                sp.Float(decimal_up(b.rate_optimal), 6), "rounded up",
                                "outward rounding")]
        if b.newton_rate_constant is not None:
            steps.append(certified(sp.Symbol(r"\frac{M}{2\mu}"), "<=",
                                   sp.Float(decimal_up(b.newton_rate_constant), 6),
                                   "Newton's quadratic rate constant", "outward rounding"))
    kind = "exact" if not b.certified else "certified over the region"
    return Derivation(
        "convergence-bounds", "Smoothness, convexity, step sizes and rates",
        f"The constants $L$ and $\\mu$ of $f = {sp.latex(b.f)}$ ({kind}) and what they imply "
        "for gradient descent.", tuple(rows), b.L,
        (("L", r"$\sup \lVert\nabla^2 f\rVert_2$, a Lipschitz constant of $\nabla f$"),
         *(_HESSIAN if not b.certified else ()),
         (r"\mu", r"$\inf \lambda_{\min}(\nabla^2 f)$"),
         (r"\kappa", r"$L/\mu$, the condition number")),
        (Section("Steps and rates", tuple(steps)),) if steps else (),
        "Gradient descent decreases $f$ for $0 < \\alpha < 2/L$; $\\alpha = 1/L$ guarantees the "
        "decrease $\\lVert g\\rVert^2/(2L)$.")


def _eigs_of(b: ConvergenceBounds) -> list[sp.Expr]:
    from ..bounds import _exact_eigs

    evs = _exact_eigs(b.hessian)
    return list(evs) if evs is not None else [b.mu]
