r"""Kind ``gd-rate``: the linear rate of gradient descent on a quadratic.

On ``f(x) = x^T A x/2 + b^T x + c`` the error obeys ``x_+ - x* = (I - alpha H)(x - x*)`` exactly,
so ``||x_+ - x*|| <= rho(alpha) ||x - x*||`` with ``rho(alpha) = max_i |1 - alpha lambda_i|``
(``H`` symmetric). The rows: the Hessian and its eigenvalues (roots of the characteristic
polynomial, checked), ``L`` and ``mu`` (the engine's :func:`~symtaylor.bounds.convergence_bounds`
compared with them), the error recursion (proved in the variables of ``f``), the eigenvalues of
``I - alpha H``, ``rho(1/L) = 1 - mu/L``, the optimal step ``2/(L + mu)`` (where the two extreme
factors balance; proved optimal by two implications) and ``(kappa - 1)/(kappa + 1)``.

Examples
--------
>>> import sympy as sp
>>> from symtaylor.derivations import derive
>>> d = derive("gd-rate", "x**2 + 10*y**2")
>>> d.result
Max(Abs(2*alpha - 1), Abs(20*alpha - 1))
>>> d.result.subs(sp.Symbol("alpha", real=True), sp.Rational(2, 22))
9/11
"""

from __future__ import annotations

import sympy as sp

from ..bounds import _constant_hessian, convergence_bounds
from ..calculus import gradient, hessian
from ..coerce import ExprLike, VariablesLike, as_expr, as_variables, exact_decimals
from ..errors import InputError
from ._proofs import eigenvalue_rows, implies_above, name_roots
from .checks import approx, assumed, define, equal, implies, inequality
from .record import Derivation, Row, Section
from .registry import register

__all__ = ["gd_rate_derivation"]

ALPHA = sp.Symbol("alpha", real=True)
LS, MU = sp.Symbol("L", positive=True), sp.Symbol("mu", positive=True)
KAPPA = sp.Symbol("kappa", positive=True)
RHO = sp.Function(r"\rho")

DEFINITIONS = (
    ("H", r"the (constant) Hessian $\nabla^2 f$"),
    (r"\lambda_i", "its eigenvalues"),
    (r"L, \mu", r"the largest and the smallest eigenvalue"),
    (r"\kappa", r"$L/\mu$, the condition number"),
    (r"x^{*}", "the minimiser"),
    (r"\alpha", "the step length"),
    (r"\rho(\alpha)", r"the contraction factor $\max_i |1 - \alpha\lambda_i|$"),
)


def _general_rows() -> tuple[Row, ...]:
    """The optimal step and rate in symbols ``L >= mu > 0``, and why it is optimal."""
    a_star = 2 / (LS + MU)
    r_star = (LS - MU) / (LS + MU)
    s = sp.Symbol(r"\alpha^{*}")
    return (
        define(s, a_star, "balance the two extreme factors"),
        equal(1 - s * MU, s * LS - 1, "1 − α*μ = α*L − 1", where={s: a_star}),
        equal(1 - s * MU, r_star, "the common value", where={s: a_star}, chain=True),
        equal(r_star, (KAPPA - 1) / (KAPPA + 1), "divide by μ, κ = L/μ",
              where={KAPPA: LS / MU}, chain=True),
        implies(sp.And(0 < ALPHA, ALPHA < a_star), 1 - ALPHA * MU > r_star,
                "a shorter step: the μ-factor is larger"),
        implies_above(ALPHA, a_star, ALPHA * LS - 1 > r_star,
                      "a longer step: the L-factor is larger"),
    )


def _one_minus(ev: sp.Expr, latex: bool) -> str:
    """``1 - alpha lambda`` as text with its sign worked out: ``1 + 2·α`` for ``lambda = -2``
    (not ``1 - -2α``), the eigenvalue in parentheses when it is a sum.

    >>> _one_minus(sp.Integer(-2), False), _one_minus(sp.Rational(1, 5), False)
    ('1 + 2·α', '1 - α/5')
    """
    neg = ev.could_extract_minus_sign()
    mag = -ev if neg else ev
    sign = "+" if neg else "-"
    if latex:
        return f"1 {sign} {sp.latex(ALPHA * mag)}"
    return f"1 {sign} " + sp.sstr(ALPHA * mag).replace("alpha", "α").replace("*", "·")


@register("gd-rate")
def gd_rate_derivation(f: ExprLike, variables: VariablesLike = None) -> Derivation:
    r"""The rate of gradient descent on a quadratic ``f`` (``derive("gd-rate", f, variables)``).

    Parameters
    ----------
    f : expression or text
        A quadratic (constant Hessian).
    variables : optional
        Its variables (default: the free symbols, sorted by name).

    Returns
    -------
    Derivation
        ``result`` is the contraction factor ``rho(alpha) = max(|1 - alpha mu|, |1 - alpha L|)``
        as a SymPy expression in ``alpha``.

    Raises
    ------
    InputError
        If ``f`` is not quadratic, or its Hessian is zero.
    """
    given = as_expr(f, variables)
    # decimals are read as the exact numbers they show (0.1 is 1/10): the eigenvalue rows are
    # exact identities (a Float Hessian's characteristic polynomial has no exact root)
    expr = exact_decimals(given)
    syms = as_variables(variables, expr)
    if not _constant_hessian(expr, syms):
        raise InputError(f"gd-rate needs a quadratic objective (a constant Hessian); {expr} is "
                         "not one (for a general f see derive('descent-lemma', f, region=...))")
    b = convergence_bounds(expr, syms)
    H = hessian(expr, syms)
    if H.is_zero_matrix:
        raise InputError(f"{expr} has a zero Hessian: gradient descent has no linear rate")
    n = len(syms)
    Hs = sp.Symbol("H")
    rows: list[Row] = [
        define(sp.Symbol("f"), expr, "the objective"),
        equal(Hs, H, "the Hessian (constant)",
              where={Hs: sp.Matrix(n, n, lambda i, j: sp.diff(expr, syms[i], syms[j]))}),
    ]
    eig_rows, evs = eigenvalue_rows(H, "H")
    rows += eig_rows
    lo, hi = evs[0], evs[-1]
    rows.append(equal(LS, b.L, "L: the largest |λ_i| (convergence_bounds)",
                      where={LS: max((abs(e) for e in evs), key=lambda e: float(sp.N(e, 30)))}))
    rows.append(equal(MU, b.mu, "μ: the smallest λ_i", where={MU: lo}))
    sections: list[Section] = []
    # the error recursion, proved in the variables of f
    x = sp.Matrix(syms)
    g = gradient(expr, syms)
    alpha = ALPHA
    if b.mu is not None and b.mu > 0:
        sol = sp.solve(list(g), syms, dict=True)
        xstar = sp.Matrix([sol[0][s] for s in syms])
    else:
        xstar = None
    err_rows: list[Row] = []
    if xstar is not None:
        xs = sp.Symbol(r"x^{*}")
        err_rows.append(equal(sp.Symbol(r"\nabla f(x^{*})"), sp.zeros(n, 1), "the minimiser",
                              where={sp.Symbol(r"\nabla f(x^{*})"): g.xreplace(
                                  dict(zip(syms, xstar)))}))
        err_rows.append(define(xs, xstar, "the unique stationary point (H positive definite)"))
        # the vectors and H as matrix symbols: the sides print as x_{+} - x^{*} and
        # (I - \alpha H)(x - x^{*}), a product in its order
        vec = {nm: sp.MatrixSymbol(nm, n, 1) for nm in ("x", "x_{+}", r"x^{*}")}
        e_new = vec["x_{+}"] - vec[r"x^{*}"]
        rec = (sp.Identity(n) - alpha * sp.MatrixSymbol("H", n, n)) * (vec["x"] - vec[r"x^{*}"])
        err_rows.append(equal(e_new, rec, "x+ = x − α∇f(x), in the variables of f",
                              where={e_new: x - alpha * g - xstar,
                                     rec: (sp.eye(n) - alpha * H) * (x - xstar)}))
    for ev in sorted(set(evs), key=lambda e: float(sp.N(e, 30))):
        if ev.has(sp.CRootOf):
            continue  # checked through p above; 1 - alpha*lambda is then an eigenvalue too
        M = sp.Symbol(rf"\det\left(({_one_minus(ev, True)}) I - (I - \alpha H)\right)")
        err_rows.append(equal(M, 0, f"{_one_minus(ev, False)} is an eigenvalue of I − αH",
                              where={M: ((1 - alpha * ev) * sp.eye(n) - (sp.eye(n) - alpha * H)
                                         ).det()}))
    algebraic = any(e.has(sp.CRootOf) for e in evs)  # comparing CRootOf numbers is slow
    rho = sp.Max(sp.Abs(1 - alpha * lo), sp.Abs(1 - alpha * hi), evaluate=not algebraic)
    err_rows.append(assumed(r"\lVert x_{+} - x^{*}\rVert", "<=",
                            r"\max_i |1 - \alpha\lambda_i|\,\lVert x - x^{*}\rVert",
                            "spectral theorem: I − αH is symmetric"))
    for ev in evs[1:-1]:
        if ev in (lo, hi):
            continue
        th = sp.Symbol(r"\theta")
        err_rows.append(equal(1 - alpha * ev, th * (1 - alpha * lo) + (1 - th) * (1 - alpha * hi),
                              "θ = (L − λ)/(L − μ) in [0, 1]: the max is at μ or L",
                              where={th: (hi - ev) / (hi - lo)}))
    err_rows.append(define(RHO(alpha), rho, "only μ and L matter"))
    sections.append(Section("The error recursion", tuple(err_rows)))
    result = rho
    if b.mu is not None and b.mu > 0 and lo != hi and algebraic:
        k = sp.Symbol("kappa")
        sections.append(Section("Rates", (
            equal(sp.Symbol(r"1 - \mu/L"), b.rate, "at α = 1/L (convergence_bounds)",
                  where={sp.Symbol(r"1 - \mu/L"): 1 - lo / hi}),
            approx(None, sp.Float(sp.N(b.rate, 15), 12), "numerically", "evalf, 15 digits",
                   chain=True),
            equal(sp.Symbol(r"\frac{\kappa - 1}{\kappa + 1}"), b.rate_optimal,
                  "at α* = 2/(L + μ) (convergence_bounds)",
                  where={sp.Symbol(r"\frac{\kappa - 1}{\kappa + 1}"): (k - 1) / (k + 1),
                         k: hi / lo}),
            approx(None, sp.Float(sp.N(b.rate_optimal, 15), 12), "numerically",
                   "evalf, 15 digits", chain=True),
        )))
        sections.append(Section("In general (L ≥ μ > 0)", _general_rows()))
    elif b.mu is not None and b.mu > 0 and lo != hi:
        Lv, mv = hi, lo
        rate_rows = [
            equal(RHO(1 / LS), 1 - mv / Lv, "at α = 1/L: the rate 1 − μ/L",
                  where={RHO(1 / LS): rho.subs(alpha, 1 / Lv)}),
            equal(1 - mv / Lv, b.rate, "convergence_bounds' rate", chain=True),
        ]
        a_star = 2 / (Lv + mv)
        r_star = (Lv - mv) / (Lv + mv)
        sa = sp.Symbol(r"\alpha^{*}")
        rate_rows += [
            equal(sa, a_star, "α* = 2/(L + μ)", where={sa: 2 / (LS + MU), LS: Lv, MU: mv}),
            equal(RHO(sa), r_star, "the rate at α*", where={RHO(sa): rho.subs(alpha, a_star)}),
            equal(r_star, b.rate_optimal, "(κ − 1)/(κ + 1) (convergence_bounds)", chain=True),
        ]
        if Lv.is_Rational and mv.is_Rational:  # as_set() on algebraic numbers is slow
            rate_rows.append(implies(sp.And(0 < alpha, alpha < 2 / Lv), rho < 1,
                                     "contraction for every 0 < α < 2/L"))
        sections.append(Section("Rates", tuple(rate_rows)))
        sections.append(Section("In general (L ≥ μ > 0)", _general_rows()))
    elif b.mu is not None and b.mu > 0:  # all eigenvalues equal: one step of 1/L is exact
        sections.append(Section("Rates", (
            equal(RHO(1 / LS), 0, "H = λI: α = 1/λ solves in one step",
                  where={RHO(1 / LS): rho.subs(alpha, 1 / hi)}),)))
    else:
        sections.append(Section("No linear rate", (
            inequality(sp.Abs(1 - alpha * lo), ">=", 1, "μ ≤ 0: along its eigenvector no "
                       "step contracts", given=alpha > 0),)))
    problem = (f"Gradient descent $x_+ = x - \\alpha\\nabla f(x)$ on the quadratic "
               f"$f = {sp.latex(expr)}$"
               + (f" (the decimals of ${sp.latex(given)}$ read exactly)" if given != expr else "")
               + ": how fast does it converge, and for which step?")
    if b.mu is not None and b.mu > 0:
        concl = ("The error contracts by $\\rho(\\alpha) = \\max(|1 - \\alpha\\mu|, "
                 "|1 - \\alpha L|)$ per step; the best step $2/(L + \\mu)$ gives "
                 "$(\\kappa - 1)/(\\kappa + 1)$.")
    else:
        concl = (f"Here $\\mu = {sp.latex(lo)} \\le 0$: along an eigenvector of $\\mu$ the "
                 "factor $|1 - \\alpha\\mu| \\ge 1$ for every step $\\alpha > 0$, so gradient "
                 "descent has no linear rate (the error does not contract).")
    rows, values = name_roots(rows, evs)
    rows += values
    sections = [Section(sec.heading, tuple(name_roots(sec.rows, evs)[0]), sec.prose)
                for sec in sections]
    return Derivation("gd-rate", "Rate of gradient descent on a quadratic", problem,
                      tuple(rows), result, DEFINITIONS, tuple(sections), concl)
