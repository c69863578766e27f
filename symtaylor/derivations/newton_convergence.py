r"""Kind ``newton-convergence``: Newton's method converges locally quadratically,
``||x_+ - x*|| <= M/(2 mu) ||x - x*||^2``, from Taylor's theorem with integral remainder.

Hypotheses (stated as ``assumed`` rows): ``grad f(x*) = 0``; the Hessian is ``M``-Lipschitz;
``grad^2 f >= mu I`` with ``mu > 0`` near ``x*``. The calculus steps (fundamental theorem of
calculus along ``[x*, x]``, the norm of an integral, submultiplicativity) are named theorems,
also marked ``assumed``. Every ``=`` is proved: the Newton error identity on generic ``2 x 2``
symbolic matrices, the distance along the segment on a generic vector, the integral, the
inverse bound ``1/lambda <= 1/mu`` for ``lambda >= mu``, the region of contraction
``||e|| < 2 mu/M`` and the squaring ``(c ||e_0||)^(2^k)`` of the induction step. With ``f``
(and a ``region``), ``M`` and ``mu`` come from :func:`~symtaylor.bounds.convergence_bounds`.

Examples
--------
>>> from symtaylor.derivations import derive
>>> d = derive("newton-convergence")
>>> d.result
M*Abs(e)**2/(2*mu)
>>> sum(r.check == "exact" for r in d.all_rows())
8
"""

from __future__ import annotations

import sympy as sp

from ..coerce import ExprLike, RegionLike, VariablesLike
from ..errors import InputError
from ._proofs import (
    decimal_down,
    decimal_up,
    generic_symmetric,
    generic_vector,
    matrix_equal,
    scaled,
)
from .checks import assumed, certified, define, equal, implies, inequality
from .descent_lemma import _bounds
from .record import Derivation, Row, Section, VectorSymbol, norm
from .registry import register

__all__ = ["newton_convergence_derivation"]

M, MU = sp.Symbol("M", positive=True), sp.Symbol("mu", positive=True)
T = sp.Symbol("t", real=True)
E = norm(VectorSymbol("e", complex=True, zero=False))
E2 = E**2
R = sp.Symbol("r", real=True)
LAM = sp.Symbol("lambda", positive=True)
DELTA = sp.Symbol("delta", nonnegative=True)
C = sp.Symbol("c", positive=True)
K = sp.Symbol("k", integer=True, nonnegative=True)
#: the points x, x* and the error e = x - x* as symbols of the segment row (vectors: only
#: sums and the scalar t occur, so commuting symbols are exact)
XPT, XST, EPT = sp.Symbol("x"), sp.Symbol(r"x^{*}"), sp.Symbol("e")
EK = norm(VectorSymbol("e_{k}", complex=True, zero=False))
EK1 = norm(VectorSymbol("e_{k+1}", complex=True, zero=False))
E0 = norm(VectorSymbol("e_{0}", complex=True, zero=False))

DEFINITIONS = (
    (r"x^{*}", r"a local minimiser: $\nabla f(x^{*}) = 0$"),
    ("e", r"the error $x - x^{*}$ of the current iterate $x$"),
    (r"x_{+}", r"the Newton iterate $x - \nabla^2 f(x)^{-1}\nabla f(x)$"),
    ("M", r"a Lipschitz constant of the Hessian near $x^{*}$"),
    (r"\mu", r"a lower bound ($> 0$) of the Hessian's eigenvalues near $x^{*}$"),
    ("c", r"$M/(2\mu)$, the constant of the quadratic rate"),
    (r"\lVert\cdot\rVert", "the Euclidean norm (the spectral norm for matrices)"),
)


def _hypotheses() -> tuple[Row, ...]:
    return (
        assumed(r"\lVert \nabla^{2} f(u) - \nabla^{2} f(v)\rVert", "<=", r"M \lVert u - v\rVert",
                "hypothesis: the Hessian is M-Lipschitz near x*"),
        assumed(r"\nabla^{2} f(u)", ">=", r"\mu I", "hypothesis: μ > 0 near x* (Loewner order)"),
        define(sp.Symbol("e"), r"x - x^{*}", "the error"),
        define(sp.Symbol(r"x_{+}"), r"x - \nabla^{2} f(x)^{-1} \nabla f(x)", "the Newton step"),
    )


def _error_rows() -> tuple[Row, ...]:
    """The error identity (generic 2 x 2), the remainder bound, the inverse bound, the rate."""
    H = generic_symmetric("h", 2)
    g, e = generic_vector("g", 2), generic_vector("e", 2)
    Hi = H.inv()
    ident = (e - Hi * g) - Hi * (H * e - g)
    integral = sp.Integral(M * (1 - T) * E2, (T, 0, 1))
    xv, xs = generic_vector("x", 2), generic_vector("z", 2)
    seg = xv - (xs + T * (xv - xs))
    rem = sp.Symbol(r"\lVert \nabla^{2} f(x)\, e - \nabla f(x)\rVert")
    return (
        matrix_equal(r"x_{+} - x^{*}", r"\nabla^{2} f(x)^{-1}\left(\nabla^{2} f(x)\, e - "
                     r"\nabla f(x)\right)", "e − H⁻¹g = H⁻¹(He − g)", ident, sp.zeros(2, 1),
                     "2 x 2 symmetric H, vectors e and g with symbol entries"),
        matrix_equal(XPT - (XST + T * EPT), (1 - T) * EPT, "the distance along the segment",
                     seg - (1 - T) * (xv - xs), sp.zeros(2, 1), "2-vectors x, x* with symbols"),
        assumed(rem, "<=",
                r"\int_0^1 \lVert \nabla^{2} f(x) - \nabla^{2} f(x^{*} + t e)\rVert\,"
                r"\lVert e\rVert\, dt",
                "∇f(x) = ∫ ∇²f(x* + te) e dt (∇f(x*) = 0), norm of an integral"),
        assumed(None, "<=", integral, "Lipschitz Hessian at distance (1 − t)‖e‖", chain=True),
        equal(integral, M * E2 / 2, "integrate over t in [0, 1]", chain=True),
        inequality(1 / (MU + DELTA), "<=", 1 / MU,
                   "every eigenvalue λ = μ + δ (δ ≥ 0) of H: 1/λ ≤ 1/μ"),
        assumed(r"\lVert \nabla^{2} f(x)^{-1}\rVert", "<=", 1 / MU,
                "the largest eigenvalue of the inverse (H symmetric)"),
        assumed(r"\lVert x_{+} - x^{*}\rVert", "<=",
                r"\lVert \nabla^{2} f(x)^{-1}\rVert\, \lVert \nabla^{2} f(x)\, e - \nabla f(x)"
                r"\rVert", "submultiplicativity"),
        assumed(None, "<=", (1 / MU) * (M * E2 / 2), "the two bounds above", chain=True),
        equal((1 / MU) * (M * E2 / 2), C * E2, "c = M/(2μ)", where={C: M / (2 * MU)},
              chain=True),
    )


def _region_rows() -> tuple[Row, ...]:
    """Where the rate contracts, and the doubling of the digits by induction."""
    q = M * R / (2 * MU)
    return (
        implies(sp.And(0 < R, R < 2 * MU / M), q < 1,
                "‖e‖ = r < 2μ/M gives c‖e‖ < 1: the error shrinks"),
        scaled(EK1 <= C * EK**2, C * EK1 <= (C * EK) ** 2, C, "multiply by c > 0"),
        equal(((C * E0) ** (2**K)) ** 2, (C * E0) ** (2 ** (K + 1)),
              "induction step: squaring doubles the exponent"),
        assumed(C * EK, "<=", (C * E0) ** (2**K),
                "by induction on k (base k = 0, step above)"),
    )


def _with_f_rows(f: ExprLike, variables: VariablesLike, region: RegionLike | None
                 ) -> tuple[Section, sp.Expr]:
    b = _bounds(f, variables, region)
    if b.mu is None or not b.mu > 0:
        if b.mu is None:
            shown = "no lower bound of the Hessian's eigenvalues"
        elif b.certified:  # a float lower bound: 6 digits, rounded down (it stays a bound)
            shown = (f"the smallest Hessian eigenvalue is only certified >= "
                     f"{sp.sstr(sp.Float(decimal_down(float(b.mu)), 6))}, about "
                     f"{float(b.mu):.3g}")
        else:
            shown = f"mu = {sp.sstr(b.mu)}, the smallest Hessian eigenvalue"
        raise InputError(f"{b.f} is not strongly convex on the region ({shown}): the "
                         "local quadratic rate needs a Hessian >= mu I with mu > 0")
    rows: list[Row] = [define(sp.Symbol("f"), b.f, "the objective")]
    c_up = sp.S.Zero
    if not b.certified:
        rows += [equal(M, 0, "the Hessian is constant (f quadratic)", where={M: b.M}),
                 equal(MU, b.mu, "the smallest eigenvalue", where={MU: b.mu}),
                 equal(C, 0, "Newton is exact in one step", where={C: b.M / (2 * b.mu)})]
    else:
        m_up = decimal_up(b.M) if b.M is not None else None
        mu_dn = decimal_down(b.mu)
        if m_up is None:
            raise InputError("the Hessian's Lipschitz constant could not be bounded here")
        rows += [certified(M, "<=", sp.Float(m_up, 6), "sup of the third derivatives",
                           "arb ball enclosure of D³f on sub-boxes, rounded up"),
                 certified(MU, ">=", sp.Float(mu_dn, 6), "inf of the smallest eigenvalue",
                           f"arb eigenvalue enclosures, branch and bound ({b.boxes} boxes), "
                           "rounded down"),
                 certified(C, "<=", sp.Float(c_up := decimal_up(float(m_up / (2 * mu_dn))), 6),
                           "the rate constant M/(2μ)", "from the two bounds, rounded up")]
    c = c_up if b.certified else sp.S.Zero
    return Section("For the given f", tuple(rows)), c


@register("newton-convergence")
def newton_convergence_derivation(f: ExprLike | None = None, variables: VariablesLike = None,
                                  region: RegionLike | None = None) -> Derivation:
    r"""Local quadratic convergence of Newton's method (``derive("newton-convergence")``).

    Parameters
    ----------
    f, variables, region : optional
        An objective: its ``M``, ``mu`` and ``M/(2 mu)`` are computed (exact for a quadratic,
        certified over ``region`` otherwise).

    Returns
    -------
    Derivation
        ``result`` is the bound ``M/(2 mu) ||e||^2`` of ``||x_+ - x*||`` (with ``f``: ``c ||e||^2``
        with ``c`` its certified ``M/(2 mu)``, 0 for a quadratic).
    """
    sections = [Section("The error after one step", _error_rows()),
                Section("Where it contracts, and how fast", _region_rows())]
    result = M * E2 / (2 * MU)
    if f is not None:
        sec, c = _with_f_rows(f, variables, region)
        sections.append(sec)
        result = c * E2
    problem = ("Newton's method $x_+ = x - \\nabla^2 f(x)^{-1}\\nabla f(x)$ near a minimiser "
               "$x^{*}$ of $f$: bound $\\lVert x_+ - x^{*}\\rVert$ by $\\lVert x - x^{*}"
               "\\rVert^2$ (Taylor's theorem with remainder).")
    concl = ("Hence $\\lVert x_+ - x^{*}\\rVert \\le \\frac{M}{2\\mu}\\lVert x - x^{*}\\rVert^2$: "
             "for $\\lVert x_0 - x^{*}\\rVert < 2\\mu/M$ the iterates converge quadratically "
             "(the number of correct digits roughly doubles per step).")
    return Derivation("newton-convergence", "Local quadratic convergence of Newton's method",
                      problem, _hypotheses(), result, DEFINITIONS, tuple(sections),
                      concl)
