"""Convergence bounds: L, mu, safe and optimal step sizes, rates, and the descent lemma.

For an objective ``f`` with ``||grad^2 f|| <= L`` (``L``-smooth) and ``grad^2 f >= mu I``:

* gradient descent decreases ``f`` for every step ``0 < alpha < 2/L`` (the **descent lemma**:
  ``f(x - alpha g) <= f(x) - alpha (1 - L alpha / 2) ||g||^2``);
* ``alpha = 1/L`` maximizes that guaranteed decrease, which is then ``||g||^2 / (2L)``. It is
  *not* the largest safe step (a common claim, repeated in this project's seed texts: wrong);
* ``f(x_k) - f* <= (1 - mu/L)^k (f(x_0) - f*)`` for ``alpha = 1/L``, and
  ``||x_k - x*|| <= ((kappa - 1)/(kappa + 1))^k ||x_0 - x*||`` for ``alpha = 2/(L + mu)``;
* Newton's method converges locally quadratically:
  ``||x+ - x*|| <= M/(2 mu) ||x - x*||^2`` with ``M`` the Hessian's Lipschitz constant.

For a quadratic ``L`` and ``mu`` are exact (the extreme eigenvalues of the constant Hessian).
Otherwise they are **certified** over a box: the Hessian is split into *ridge* terms
``phi''(a.x) a a^T`` (a logistic loss, a regularizer: every term that depends on the variables
through one linear form) and the rest. A ridge term's curvature ``phi''`` is enclosed as a
function of one variable (monotone pieces; tight, no dependency problem), the sum is bounded in
the Loewner order by ``A^T diag(sup phi'') A`` (and below by ``inf``), the rest entrywise by
interval arithmetic; the extreme eigenvalues of the resulting matrices are enclosed with arb
(python-flint) plus Weyl's inequality (for n <= 4 also Hertz's theorem: the extreme eigenvalues
of a symmetric interval matrix are attained at 2^(n-1) vertex matrices), and the box is bisected
where the bound is worst (branch and bound).

Examples
--------
>>> b = convergence_bounds("theta1**2 + 10*theta2**2")
>>> b.L, b.mu, b.max_step, b.optimal_step, b.condition_number
(20, 2, 1/10, 1/20, 10)
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> c = convergence_bounds(sp.log(1 + sp.exp(x)) + sp.log(1 + sp.exp(-2*x)), [x],
...                        region={x: (-1, 1)})
>>> c.L_attained, 1.25 <= c.L <= 1.25 * 1.06, c.certified   # f''(0) = 1/4 + 4/4
(1.25, True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import sympy as sp
from flint import acb_mat, arb, arb_mat

from .calculus import _partials, _terms, gradient, hessian
from .coerce import (
    ExprLike,
    NumberLike,
    PointLike,
    RegionLike,
    VariablesLike,
    as_expr,
    as_number,
    as_point,
    as_positive_int,
    as_region,
    as_variables,
)
from .enclosure import branch_and_bound, compile_enclosure, enclose, subdivide
from .errors import CertificationError, InputError
from .lambdify import lambdify
from .latex import Derivation, Row, display

__all__ = [
    "ConvergenceBounds",
    "DescentLemma",
    "StepPrediction",
    "convergence_bounds",
    "descent_lemma",
    "gradient_step_prediction",
    "predict_loss_after_step",
]

SEED_CLAIM_NOTE = (
    "alpha < 2/L guarantees descent; alpha = 1/L is the step that maximizes the guaranteed "
    "decrease ||grad f||^2/(2L), not the largest safe step (the claim 'alpha_max = 1/L' is wrong)."
)


# -- the descent lemma -----------------------------------------------------------------------


@dataclass(frozen=True)
class DescentLemma:
    """The descent lemma and the step sizes it implies, derived with SymPy.

    Attributes
    ----------
    L, alpha : sympy.Expr
        Symbols (or values) for the smoothness constant and the step.
    bound : sympy.Expr
        ``f(x - alpha g) - f(x) <= bound * ||g||^2`` (``bound = -alpha (1 - L alpha/2)``).
    safe_steps : sympy.Set
        The steps with a guaranteed decrease: ``(0, 2/L)``.
    max_step, optimal_step, guaranteed_decrease : sympy.Expr
        ``2/L``, ``1/L`` and ``1/(2L)`` (times ``||g||^2``).
    derivation : Derivation
    """

    L: sp.Expr
    alpha: sp.Expr
    bound: sp.Expr
    safe_steps: sp.Set
    max_step: sp.Expr
    optimal_step: sp.Expr
    guaranteed_decrease: sp.Expr
    note: str = SEED_CLAIM_NOTE

    @cached_property
    def derivation(self) -> Any:
        """The checked derivation (``derive("descent-lemma")``, with this ``L`` when it is a
        number); ``record.derivation()`` gives the same object."""
        from .derivations import derive

        if self.L.is_Rational or self.L.is_Float:
            return derive("descent-lemma", L=self.L)
        return derive("descent-lemma")  # L symbolic (or an algebraic number): the general lemma

    def latex(self) -> str:
        return self.derivation.latex()

    def _repr_latex_(self) -> str:
        return self.derivation._repr_latex_()


def descent_lemma(L: NumberLike | None = None, alpha: NumberLike | None = None
                  ) -> DescentLemma:
    """Derive the descent lemma ``f(x - alpha g) <= f(x) - alpha (1 - L alpha/2) ||g||^2`` and
    from it ``0 < alpha < 2/L`` (descent) and ``alpha* = 1/L`` (best guaranteed decrease).

    Parameters
    ----------
    L, alpha : number, text or sympy.Expr, optional
        The smoothness constant and the step (positive; symbols by default).

    Examples
    --------
    >>> d = descent_lemma()
    >>> d.safe_steps, d.optimal_step, d.guaranteed_decrease
    (Interval.open(0, 2/L), 1/L, 1/(2*L))
    >>> descent_lemma(L=4).max_step
    1/2
    """
    Ls = sp.Symbol("L", positive=True) if L is None else _positive(L, "L")
    a = sp.Symbol("alpha", positive=True) if alpha is None else _positive(alpha, "alpha")
    return _descent_lemma(Ls, a)


def _positive(value: NumberLike, what: str) -> sp.Expr:
    """A positive number or a symbolic parameter (text parsed safely, never sympified)."""
    e = as_number(value, what, symbolic=True)
    if e.is_nonpositive:
        raise InputError(f"{what} must be positive, got {e}")
    return e


@lru_cache(maxsize=8)
def _descent_lemma(Ls: sp.Expr, a: sp.Expr) -> DescentLemma:
    a_free = sp.Symbol("alpha", real=True)
    # f(y) <= f(x) + g.(y - x) + L/2 ||y - x||^2 with y - x = -alpha g:
    coeff = -a_free + Ls * a_free**2 / 2
    bound = sp.factor(coeff)
    try:
        safe = sp.solve_univariate_inequality(-coeff > 0, a_free, relational=False)
    except (NotImplementedError, ValueError, TypeError):  # L symbolic, sign unknown to SymPy
        safe = sp.Interval.open(0, 2 / Ls)  # the lemma assumes L > 0
    decrease = sp.expand(-coeff)
    a_star = sp.solve(sp.diff(decrease, a_free), a_free)[0]
    best = sp.simplify(decrease.subs(a_free, a_star))
    sup_safe = safe.sup if isinstance(safe, sp.Interval) else 2 / Ls
    sub = {a_free: a}
    return DescentLemma(Ls, a, bound.xreplace(sub), safe, sup_safe, a_star, best)


# -- predictions after one gradient step (seed 001's worked example) -------------------------


@dataclass(frozen=True)
class StepPrediction:
    """The loss predicted after one gradient step ``x+ = x - lr g``.

    ``predicted = value - lr ||g||^2 + lr^2/2 * lambda_max ||g||^2`` (second-order Taylor with
    the curvature along ``g`` replaced by its largest value ``lambda_max``);
    ``certified_bound = value - lr (1 - L lr/2) ||g||^2`` holds rigorously when ``L`` bounds
    the Hessian's norm along the step (descent lemma); ``actual`` when ``f`` is known.
    """

    value: Any
    grad_norm_sq: Any
    lr: Any
    lambda_max: Any
    first_order_decrease: Any
    curvature_overshoot: Any
    predicted: Any
    L: Any = None
    certified_bound: Any = None
    quadratic_model: Any = None
    actual: Any = None

    @property
    def decreases(self) -> bool | None:
        """Whether the prediction decreases the loss (the decrease beats the overshoot)."""
        diff = self.first_order_decrease - self.curvature_overshoot
        if not isinstance(diff, sp.Basic):
            return bool(diff > 0)
        return bool(diff > 0) if diff.is_comparable else None

    def latex(self) -> str:
        rows = [Row(r"f(x_{+})", self.predicted, "~",
                    "f - lr ||g||^2 + lr^2/2 lambda_max ||g||^2")]
        if self.certified_bound is not None:
            rows.append(Row(r"f(x_{+})", self.certified_bound, "<=", "descent lemma"))
        if self.actual is not None:
            rows.append(Row(r"f(x_{+})", self.actual, "=", "exact"))
        return Derivation("", tuple(rows)).latex()

    def _repr_latex_(self) -> str:
        return display(self.latex())


def _num(v: NumberLike, what: str) -> sp.Expr:
    """A number or a symbolic quantity; decimals in text are exact (``"0.1"`` is 1/10), a
    float stays a Float."""
    return as_number(v, what, symbolic=True, exact=isinstance(v, str))


def predict_loss_after_step(value: NumberLike, grad_norm: NumberLike, lambda_max: NumberLike,
                            lr: NumberLike, L: NumberLike | None = None) -> StepPrediction:
    """Seed 001's worked example: the loss after one gradient step from ``value``,
    ``||g||`` and the largest Hessian eigenvalue (exact for exact input).

    Examples
    --------
    >>> p = predict_loss_after_step(2, sp.Rational(1, 2), 4, sp.Rational(1, 10))
    >>> p.predicted, p.first_order_decrease, p.curvature_overshoot
    (99/50, 1/40, 1/200)
    >>> predict_loss_after_step(2, 1, 4, sp.Rational(1, 10), L=4).certified_bound
    48/25
    """
    v, gn, lam, a = (_num(t, w) for t, w in ((value, "value"), (grad_norm, "grad_norm"),
                                             (lambda_max, "lambda_max"), (lr, "lr")))
    g2 = gn**2
    first = a * g2
    over = a**2 / 2 * lam * g2
    cert = None
    if L is not None:
        L = _num(L, "L")
        cert = v - a * (1 - L * a / 2) * g2
    return StepPrediction(v, g2, a, lam, first, over, v - first + over, L, cert)


def gradient_step_prediction(f: ExprLike, variables: VariablesLike, at: PointLike,
                             lr: NumberLike, region: RegionLike | None = None
                             ) -> StepPrediction:
    """Predict ``f(x - lr grad f(x))`` at a point: the seed's lambda_max estimate, the exact
    quadratic model, the certified descent-lemma bound (``L`` over ``region``, which must
    contain the step) and the actual value.

    Examples
    --------
    >>> p = gradient_step_prediction("x^2 + 10*y^2", "x, y", at=(1, 1), lr=sp.Rational(1, 40))
    >>> p.value, p.quadratic_model, p.actual, p.certified_bound
    (11, 1361/400, 1361/400, 137/40)
    """
    expr = as_expr(f, variables)
    syms = as_variables(variables, expr)
    pt = as_point(at, syms)
    sub = dict(zip(syms, pt))
    a = _num(lr, "lr")
    g = gradient(expr, syms).xreplace(sub)
    h = hessian(expr, syms).xreplace(sub)
    g2 = sp.simplify((g.T * g)[0])
    value = sp.simplify(expr.xreplace(sub))
    if h.free_symbols:
        raise InputError("the Hessian at the point is not numeric")
    if len(syms) <= 4:
        lam = max(h.eigenvals(multiple=True), key=lambda e: float(sp.re(sp.N(e))))
    else:
        lam = sp.Float(float(np.linalg.eigvalsh(np.array(h.evalf(), dtype=float))[-1]))
    model = sp.simplify(value - a * g2 + a**2 / 2 * (g.T * h * g)[0])
    new = [p - a * gi for p, gi in zip(pt, g)]
    actual = sp.simplify(expr.xreplace(dict(zip(syms, new))))
    bounds = convergence_bounds(expr, syms, region=region)
    pred = predict_loss_after_step(value, sp.sqrt(g2), lam, a, L=bounds.L)
    return StepPrediction(pred.value, pred.grad_norm_sq, a, lam, pred.first_order_decrease,
                          pred.curvature_overshoot, sp.simplify(pred.predicted), bounds.L,
                          sp.simplify(pred.certified_bound), model, actual)


# -- certified extreme eigenvalues -------------------------------------------------------------


def _rdn(v: float) -> float:
    return math.nextafter(v, -math.inf)


def _rup(v: float) -> float:
    return math.nextafter(v, math.inf)


def _eig_bounds(center: arb_mat, radius: float) -> tuple[float, float]:
    """Rigorous ``(lower of lambda_min, upper of lambda_max)`` over every symmetric matrix whose
    entries lie within ``radius``-row-sums of the arb matrix ``center`` (Weyl's inequality:
    ``|lambda_i(A + E) - lambda_i(A)| <= ||E||_2 <= ||E||_inf`` for symmetric ``E``)."""
    n = center.nrows()
    mids = [[float(center[i, j].mid()) for j in range(n)] for i in range(n)]
    # rounding of each entry to a double, and the ball radius, go into the perturbation
    rad = [[_rup(float(center[i, j].rad()) + abs(mids[i][j]) * 2.3e-16) for j in range(n)]
           for i in range(n)]
    pert = radius + max(math.fsum(row) for row in rad) * (1 + 1e-12)
    sym = [[0.5 * (mids[i][j] + mids[j][i]) for j in range(n)] for i in range(n)]
    asym = max((abs(mids[i][j] - sym[i][j]) for i in range(n) for j in range(n)), default=0.0)
    pert = _rup(pert + n * asym)
    lo = hi = None
    try:
        evs = acb_mat(arb_mat(sym)).eig(multiple=True, nonstop=True)
        reals = [e.real for e in evs]
        if all(r.is_finite() for r in reals):
            lo = min(float(r.lower()) for r in reals)
            hi = max(float(r.upper()) for r in reals)
    except (ValueError, ArithmeticError):  # pragma: no cover - flint refuses
        pass
    if lo is None or hi is None:
        # Gershgorin discs (always valid for the symmetric matrix)
        lo = min(sym[i][i] - math.fsum(abs(sym[i][j]) for j in range(n) if j != i)
                 for i in range(n))
        hi = max(sym[i][i] + math.fsum(abs(sym[i][j]) for j in range(n) if j != i)
                 for i in range(n))
        lo, hi = lo - 1e-12 * (1 + abs(lo)), hi + 1e-12 * (1 + abs(hi))
    return _rdn(_rdn(lo) - pert), _rup(_rup(hi) + pert)


# -- the Hessian split into ridge terms and the rest -----------------------------------------


def _sigmoid_form(expr: sp.Expr, t: sp.Symbol) -> sp.Expr | None:
    """Rewrite ``C w/(P w + Q)^2`` with ``w = exp(k t)`` (a logistic curvature, where ``t``
    occurs several times) as ``C/(4 P Q cosh((k t + log(P/Q))/2)^2)`` (``t`` occurs once, so
    interval evaluation is exact up to rounding). None if ``expr`` has another shape."""
    exps = [e for e in expr.atoms(sp.exp) if t in e.free_symbols]
    if not exps:
        return None
    slopes = []
    for e in exps:
        arg = sp.expand(e.args[0])
        k = arg.coeff(t)
        if k == 0 or (arg - k * t).has(t) or not k.is_Rational:
            return None
        slopes.append(k)
    k = min(slopes, key=abs)
    w = sp.Dummy("w", positive=True)

    def to_w(arg: sp.Expr) -> sp.Expr:
        arg = sp.expand(arg)
        a = arg.coeff(t)
        return sp.exp(arg - a * t) * w ** (a / k)

    rat = sp.cancel(sp.together(expr.replace(sp.exp, lambda arg: to_w(arg) if arg.has(t)
                                             else sp.exp(arg))))
    if rat.has(t):
        return None
    num, den = sp.fraction(rat)
    try:
        pn, pd = sp.Poly(num, w), sp.Poly(den, w)
    except sp.PolynomialError:
        return None
    if pn.degree() != 1 or pn.nth(0) != 0 or pd.degree() != 2:
        return None
    a2, a1, a0 = pd.nth(2), pd.nth(1), pd.nth(0)
    if not (a2.is_positive and a0.is_positive and a1.is_positive):
        return None
    if sp.simplify(a1**2 - 4 * a2 * a0) != 0:
        return None
    p, q = sp.sqrt(a2), sp.sqrt(a0)
    c = pn.nth(1)
    out = c / (4 * p * q * sp.cosh((k * t + sp.log(p / q)) / 2) ** 2)
    # belt and braces: the rewrite must agree with the original at a few points
    for tv in (sp.Rational(-7, 3), sp.Rational(1, 5), sp.Rational(5, 2)):
        x0, x1 = sp.N(expr.subs(t, tv), 30), sp.N(out.subs(t, tv), 30)
        if abs(x0 - x1) > 1e-20 * (1 + abs(x0)):  # pragma: no cover - defensive
            return None
    return out


def _occurrences(expr: sp.Expr, t: sp.Symbol) -> int:
    return sum(1 for node in sp.preorder_traversal(expr) if node == t)


class _Curvature:
    """A univariate function (a ridge term's ``phi''(t)``) enclosed tightly over intervals:
    rewritten so that ``t`` occurs once when possible (logistic curvatures), else by monotone
    pieces (endpoint values where the derivative's enclosure has one sign)."""

    def __init__(self, expr: sp.Expr, t: sp.Symbol, max_depth: int = 4) -> None:
        if _occurrences(expr, t) > 1:
            expr = _sigmoid_form(expr, t) or expr
        self.expr = expr
        self.max_depth = max_depth
        self.prog = compile_enclosure([expr], [t])
        self.single = _occurrences(expr, t) <= 1
        self.dprog = None if self.single else compile_enclosure([sp.diff(expr, t)], [t])

    def range(self, lo: float, hi: float, depth: int = 0) -> tuple[float, float]:
        whole = self.prog([(lo, hi)])[0]
        if self.single or lo == hi or self.dprog is None:
            return whole.lo, whole.hi
        d = self.dprog([(lo, hi)])[0]
        if d.lo >= 0.0 or d.hi <= 0.0:  # monotone: the endpoint values are the range
            a, b = self.prog([(lo, lo)])[0], self.prog([(hi, hi)])[0]
            return max(whole.lo, min(a.lo, b.lo)), min(whole.hi, max(a.hi, b.hi))
        if depth >= self.max_depth:
            return whole.lo, whole.hi
        mid = 0.5 * (lo + hi)
        l1, h1 = self.range(lo, mid, depth + 1)
        l2, h2 = self.range(mid, hi, depth + 1)
        return max(whole.lo, min(l1, l2)), min(whole.hi, max(h1, h2))


def _arb_exact(v: sp.Expr) -> arb:
    v = sp.Rational(v) if v.is_Float else v  # the Float's exact binary value
    if v.is_Rational:
        return arb(int(v.p)) / arb(int(v.q))
    e = enclose(v, {})
    return arb((e.lo + e.hi) / 2, (e.hi - e.lo) / 2 * (1 + 1e-15))


def _linear_coeffs(node: sp.Expr, syms: Sequence[sp.Symbol]) -> list[sp.Expr] | None:
    """Coefficients ``a`` if ``node`` is ``a . x + c`` with real numbers ``a`` (else None)."""
    try:
        poly = sp.Poly(node, *syms)
    except sp.PolynomialError:
        return None
    if poly.total_degree() > 1:
        return None
    coeffs = [poly.coeff_monomial(s) for s in syms]
    if not all(c.is_number and c.is_real for c in coeffs):
        return None
    return coeffs


def _ridge(term: sp.Expr, syms: list[sp.Symbol], t: sp.Symbol
           ) -> tuple[list[sp.Expr], sp.Expr, sp.Expr] | None:
    """``(a, z, phi)`` if ``term = phi(z)`` with ``z = a . x + c`` one linear form, else None.

    Found structurally (a subexpression that is linear and carries every variable of the term),
    or, failing that, from the gradient (all partials proportional with constant ratios).
    """
    if len(syms) == 1:
        return [sp.S.One], syms[0], term.xreplace({syms[0]: t})
    mine = set(syms)
    for node in sp.preorder_traversal(term):
        if not node.is_Add or not mine <= node.free_symbols:
            continue
        coeffs = _linear_coeffs(node, syms)
        if coeffs is None:
            continue
        phi = term.xreplace({node: t})
        if not (phi.free_symbols & mine):
            return coeffs, node, phi
        break
    parts = _partials(term, syms)
    k0 = next((k for k, p in enumerate(parts) if p != 0), None)
    if k0 is None:
        return None
    a = []
    for p in parts:
        r = sp.cancel(p / parts[k0])
        if r.free_symbols & mine or not (r.is_number and r.is_real):
            return None
        a.append(r)
    sub = {s: (t if k == k0 else sp.S.Zero) for k, s in enumerate(syms)}
    z = sum((c * s for c, s in zip(a, syms)), sp.S.Zero)
    return a, z, term.xreplace(sub)


def _hertz(c_lo: arb_mat, c_hi: arb_mat, rad: list[list[float]]) -> tuple[float, float]:
    """Extreme eigenvalues over a symmetric interval matrix ``[C - R, C + R]`` (Hertz 1992):
    ``lambda_max = max_z lambda_max(C + D_z R D_z)`` and ``lambda_min = min_z lambda_min(C -
    D_z R D_z)`` over sign vectors ``z`` with ``z_1 = 1``; each vertex enclosed with arb."""
    import itertools

    n = len(rad)
    lo, hi = math.inf, -math.inf
    for signs in itertools.product((1, -1), repeat=n - 1):
        z = (1, *signs)
        dz = arb_mat([[z[i] * z[j] * rad[i][j] for j in range(n)] for i in range(n)])
        hi = max(hi, _eig_bounds(c_hi + dz, 0.0)[1])
        lo = min(lo, _eig_bounds(c_lo - dz, 0.0)[0])
    return lo, hi


class _CertifiedHessian:
    """Certified bounds of the extreme Hessian eigenvalues over sub-boxes of a region.

    The objective is split into ridge terms ``phi_i(z_i)``, ``z_i = a_i . x + c_i`` (Hessian
    ``phi_i''(z_i) a_i a_i^T``) and the rest (Hessian enclosed entrywise).
    """

    def __init__(self, expr: sp.Expr, variables: tuple[sp.Symbol, ...]) -> None:
        n = len(variables)
        self.n = n
        t = sp.Dummy("t")
        self.t = t
        index = {v: i for i, v in enumerate(variables)}
        rows: list[list[sp.Expr]] = []
        self.curv_ids: list[int] = []
        curvatures: dict[sp.Expr, int] = {}
        self.curvatures: list[_Curvature] = []
        self.linear: list[sp.Expr] = []
        rest = []
        for term in _terms(expr):
            mine = sorted((s for s in term.free_symbols if s in index), key=index.__getitem__)
            if not mine:
                continue
            found = _ridge(term, mine, t)
            if found is None:
                rest.append(term)
                continue
            a_sub, z, phi = found
            full = [sp.S.Zero] * n
            for s, v in zip(mine, a_sub):
                full[index[s]] = v
            phi2 = sp.diff(phi, t, 2)
            if phi2 == 0:
                continue
            if phi2 not in curvatures:
                curvatures[phi2] = len(self.curvatures)
                self.curvatures.append(_Curvature(phi2, t))
            rows.append(full)
            self.linear.append(z)
            self.curv_ids.append(curvatures[phi2])
        self.m = len(rows)
        self.A = arb_mat([[_arb_exact(v) for v in row] for row in rows]) if rows else None
        self.rest_expr = sp.Add(*rest)
        self.rest_entries: list[tuple[int, int]] = []
        rest_exprs: list[sp.Expr] = []
        if rest:
            h = hessian(self.rest_expr, variables)
            for i in range(n):
                for j in range(i, n):
                    if h[i, j] != 0:
                        self.rest_entries.append((i, j))
                        rest_exprs.append(h[i, j])
        self.variables = variables
        self.prog = compile_enclosure(self.linear + rest_exprs, variables)
        # numeric evaluation (for values actually attained): the same decomposition
        mods = ["math", "mpmath"]  # mpmath for what math lacks (polygamma, ...)
        self._num_z = lambdify(variables, self.linear, modules=mods) if rows else None
        self._num_phi = [lambdify(t, c.expr, modules=mods) for c in self.curvatures]
        self._num_rest = (lambdify(variables, rest_exprs, modules=mods)
                          if rest_exprs else None)
        self._a = np.array([[float(v) for v in row] for row in rows]) if rows else None
        self.cache: dict[tuple, tuple[float, float]] = {}

    def bounds(self, box: Sequence[tuple[float, float]]) -> tuple[float, float]:
        """``(lower bound of lambda_min, upper bound of lambda_max)`` of the Hessian on the box."""
        key = tuple(tuple(b) for b in box)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        n, m = self.n, self.m
        vals = self.prog(box)
        rest = arb_mat(n, n)
        row_rad = [0.0] * n
        rad = [[0.0] * n for _ in range(n)]
        for (i, j), iv in zip(self.rest_entries, vals[m:]):
            if not iv.is_bounded:
                raise CertificationError(
                    f"the Hessian entry ({i + 1}, {j + 1}) is unbounded on the box {list(box)}"
                )
            mid = 0.5 * (iv.lo + iv.hi)
            r = _rup(max(iv.hi - mid, mid - iv.lo))
            rest[i, j] = rest[j, i] = arb(mid)
            rad[i][j] = rad[j][i] = r
            row_rad[i] += r
            if i != j:
                row_rad[j] += r
        radius = _rup(max(row_rad) * (1 + 1e-12)) if self.rest_entries else 0.0
        if m:
            his, los = arb_mat(m, m), arb_mat(m, m)
            for k, (iv, cid) in enumerate(zip(vals[:m], self.curv_ids)):
                lo, hi = self.curvatures[cid].range(iv.lo, iv.hi)
                if not (math.isfinite(lo) and math.isfinite(hi)):
                    z = self.linear[k]
                    curv = self.curvatures[cid].expr.xreplace({self.t: sp.Symbol("z")})
                    raise CertificationError(
                        f"the Hessian is unbounded on the box {list(box)}: a term's curvature "
                        f"{curv} at z = {z} (z in [{iv.lo:g}, {iv.hi:g}]); shrink the region"
                    )
                his[k, k] = arb(hi)
                los[k, k] = arb(lo)
            at = self.A.transpose()
            c_hi, c_lo = at * his * self.A + rest, at * los * self.A + rest
        else:
            c_hi = c_lo = rest
        _, hi_eig = _eig_bounds(c_hi, radius)
        lo_eig, _ = _eig_bounds(c_lo, radius)
        if radius > 0.0 and n <= 4:  # 2^(n-1) vertices: cheap only in low dimension
            h_lo, h_hi = _hertz(c_lo, c_hi, rad)
            lo_eig, hi_eig = max(lo_eig, h_lo), min(hi_eig, h_hi)
        out = (lo_eig, hi_eig)
        self.cache[key] = out
        return out

    def numeric(self, point: Sequence[float]) -> np.ndarray:
        """The Hessian at a point, in floats (from the same decomposition)."""
        h = np.zeros((self.n, self.n))
        if self.m:
            z = self._num_z(*point)
            d = np.array([float(self._num_phi[c](zi)) for c, zi in zip(self.curv_ids, z)])
            h += self._a.T @ (d[:, None] * self._a)
        if self._num_rest is not None:
            for (i, j), v in zip(self.rest_entries, self._num_rest(*point)):
                h[i, j] += float(v)
                if i != j:
                    h[j, i] += float(v)
        return h

    def sample(self, box: Sequence[tuple[float, float]]) -> tuple[float, float]:
        """Eigenvalues actually attained: ``(max |lambda|, min lambda)`` over the box's midpoint
        (and corners in low dimension)."""
        import itertools

        pts = [[0.5 * (lo + hi) for lo, hi in box]]
        if self.n <= 3:
            pts.extend(list(c) for c in itertools.product(*box))
        best_abs, best_min = 0.0, math.inf
        for p in pts:
            try:
                h = self.numeric(p)
            except (OverflowError, ZeroDivisionError, ValueError, TypeError, NameError):
                continue
            if not np.all(np.isfinite(h)):
                continue
            ev = np.linalg.eigvalsh(h)
            best_abs = max(best_abs, float(np.max(np.abs(ev))))
            best_min = min(best_min, float(ev[0]))
        return best_abs, best_min

    def lipschitz(self, box: list[tuple[float, float]], parts: int) -> float | None:
        """A certified bound of the Hessian's Lipschitz constant on the box: the sum over ridge
        terms of ``sup |phi_i'''| ||a_i||^3`` plus ``sup ||D^3 rest||_F``."""
        total = 0.0
        if self.m:
            vals = self.prog(box)[: self.m]
            third = [_Curvature(sp.diff(c.expr, self.t), self.t, max_depth=6)
                     for c in self.curvatures]
            for k, (iv, cid) in enumerate(zip(vals, self.curv_ids)):
                lo, hi = third[cid].range(iv.lo, iv.hi)
                norm_a = sum((self.A[k, j] ** 2 for j in range(self.n)), arb(0)).sqrt()
                total += _rup(max(abs(lo), abs(hi)) * _rup(float((norm_a**3).upper())))
        if self.rest_entries:
            rest = _hessian_lipschitz(self.rest_expr, self.variables, box, parts)
            if rest is None:
                return None
            total += rest
        return _rup(total * (1 + 1e-12))


# -- the record ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvergenceBounds:
    """Smoothness and convexity constants of ``f`` and what they imply for gradient descent and
    Newton's method.

    Attributes
    ----------
    L : sympy number (exact) or float (certified upper bound)
        Lipschitz constant of the gradient: ``sup ||grad^2 f||_2`` over the region.
    mu : sympy number, float, or None
        Strong-convexity constant (``inf lambda_min``; exact, or a certified lower bound).
        Non-positive when ``f`` is not strongly convex there.
    max_step : ``2/L``: gradient descent decreases ``f`` for every ``0 < alpha < 2/L``.
    optimal_step : ``1/L``: maximizes the guaranteed decrease ``||g||^2/(2L)``.
    condition_number : ``L/mu`` (None unless ``mu > 0``).
    rate : ``1 - mu/L``, the contraction of ``f - f*`` per step with ``alpha = 1/L``.
    rate_optimal : ``(kappa - 1)/(kappa + 1)``, the contraction of ``||x - x*||`` with
        ``alpha = 2/(L + mu)``.
    M : Lipschitz constant of the Hessian (0 for quadratics; certified upper bound, or None).
    newton_rate_constant : ``M/(2 mu)``: ``||x+ - x*|| <= M/(2 mu) ||x - x*||^2`` near ``x*``.
    guaranteed_decrease : expression ``||grad f||^2 / (2L)`` in the variables.
    certified : False when exact (quadratics), True for interval certificates.
    L_attained, mu_attained : values actually attained (sampled) in the region, when certified.
    descent : DescentLemma
    note : str
    """

    f: sp.Expr
    variables: tuple[sp.Symbol, ...]
    region: dict[sp.Symbol, tuple[float, float]] | None
    L: Any
    mu: Any
    max_step: Any
    optimal_step: Any
    condition_number: Any
    rate: Any
    rate_optimal: Any
    M: Any
    newton_rate_constant: Any
    certified: bool
    method: str
    L_attained: float | None = None
    mu_attained: float | None = None
    boxes: int = 0
    descent: DescentLemma = field(default_factory=descent_lemma, repr=False)
    note: str = SEED_CLAIM_NOTE

    @property
    def hessian(self) -> sp.Matrix:
        """The exact Hessian of ``f`` (computed on first use; cached)."""
        return hessian(self.f, self.variables)

    @property
    def guaranteed_decrease(self) -> sp.Expr:
        """``||grad f||^2 / (2L)``: the decrease guaranteed by one step ``alpha = 1/L``."""
        g = gradient(self.f, self.variables)
        g2 = sum((e**2 for e in g), sp.S.Zero)
        if self.L == 0:
            return sp.S.Zero
        return g2 / (2 * (self.L if not isinstance(self.L, float) else sp.Float(self.L)))

    @cached_property
    def derivation(self) -> Any:
        """The checked derivation of ``L``, ``mu``, the steps and the rates (a
        :class:`symtaylor.derivations.Derivation`; ``record.derivation()`` is the same)."""
        from .derivations.descent_lemma import bounds_derivation

        return bounds_derivation(self)

    def latex(self) -> str:
        """The derivation (``align*`` blocks): how ``L`` and ``mu`` were obtained, then the
        steps and rates."""
        return self.derivation.latex()

    def _summary_latex(self) -> str:
        rel = r"\le" if self.certified else "="
        mrel = r"\ge" if self.certified else "="
        parts = [
            rf"L &{rel} {sp.latex(self.L)}",
            rf"\mu &{mrel} {sp.latex(self.mu)}" if self.mu is not None else r"\mu &: \text{n/a}",
            rf"\alpha &< \frac{{2}}{{L}} = {sp.latex(self.max_step)} && \text{{descent}}",
            rf"\alpha^{{*}} &= \frac{{1}}{{L}} = {sp.latex(self.optimal_step)}"
            r" && \text{best guaranteed decrease}",
        ]
        if self.condition_number is not None:
            parts.append(rf"\kappa &= L/\mu = {sp.latex(self.condition_number)}")
            parts.append(rf"1 - \mu/L &= {sp.latex(self.rate)}")
            parts.append(rf"\frac{{\kappa - 1}}{{\kappa + 1}} &= {sp.latex(self.rate_optimal)}")
        if self.newton_rate_constant is not None:
            parts.append(rf"\frac{{M}}{{2\mu}} &= {sp.latex(self.newton_rate_constant)}")
        return "\\begin{align*}\n" + " \\\\\n".join(parts) + "\n\\end{align*}"

    def _repr_latex_(self) -> str:
        return display(self._summary_latex())

    def __repr__(self) -> str:
        kind = "certified" if self.certified else "exact"
        return (f"ConvergenceBounds({kind}: L={self.L}, mu={self.mu}, max_step={self.max_step}, "
                f"optimal_step={self.optimal_step}, condition_number={self.condition_number})")

    def text(self) -> str:
        """A plain-text summary for the terminal."""
        kind = "certified over the region" if self.certified else "exact"
        lines = [
            f"L (gradient Lipschitz constant, {kind}): {self.L}",
            f"mu (strong convexity): {self.mu}",
            f"max step 2/L (descent for alpha < 2/L): {self.max_step}",
            f"optimal step 1/L (guaranteed decrease ||g||^2/(2L)): {self.optimal_step}",
        ]
        if self.condition_number is not None:
            lines += [
                f"condition number L/mu: {self.condition_number}",
                f"rate 1 - mu/L (alpha = 1/L): {self.rate}",
                f"rate (kappa-1)/(kappa+1) (alpha = 2/(L+mu)): {self.rate_optimal}",
            ]
        if self.M is not None:
            lines.append(f"Hessian Lipschitz constant M: {self.M}")
        if self.newton_rate_constant is not None:
            lines.append(f"Newton quadratic rate constant M/(2 mu): {self.newton_rate_constant}")
        if self.certified:
            lines.append(f"attained in the region: |lambda|max >= {self.L_attained}, "
                         f"lambda_min <= {self.mu_attained} ({self.boxes} boxes)")
        lines.append(f"note: {self.note}")
        return "\n".join(lines)


def _region(region: RegionLike, syms: tuple[sp.Symbol, ...]
            ) -> dict[sp.Symbol, tuple[float, float]]:
    return dict(zip(syms, as_region(region, syms)))


def _constant_hessian(expr: sp.Expr, syms: tuple[sp.Symbol, ...]) -> bool:
    """Whether f is a polynomial of degree <= 2 in the variables (a constant Hessian)."""
    try:
        return sp.Poly(expr, *syms).total_degree() <= 2
    except sp.PolynomialError:
        return False


def _exact_eigs(h: sp.Matrix) -> list[sp.Expr] | None:
    n = h.rows
    if n <= 2:
        evs = h.eigenvals(multiple=True)
        if all(e.is_real for e in evs):
            return [_exact_float(e) if e.is_Float else e for e in evs]
    if n <= 10:
        lam = sp.Dummy("lambda")
        roots = list(sp.real_roots(h.charpoly(lam)))
        return roots if len(roots) == n else None
    return None


def _exact_float(e: sp.Float) -> sp.Expr:
    """The simplest rational near a float eigenvalue, relative to its size: ``nsimplify``'s
    tolerance is absolute, so ``2e-34`` became 0 (and ``L = mu = 0``); ``2e-34`` is ``2 *
    10**-34``, scaled to ``2`` and back."""
    if e == 0:
        return sp.Integer(0)
    k = math.floor(math.log10(abs(float(e)))) if math.isfinite(float(e)) else 0
    scaled = sp.Float(e * sp.Rational(10) ** -k, e._prec) if k else e
    exact = sp.nsimplify(scaled) if scaled.is_Float else scaled  # a Float, never text
    return exact * sp.Rational(10) ** k


def _key(e: Any) -> float:
    return float(sp.N(e, 30)) if isinstance(e, sp.Basic) else float(e)


def _tidy(e: sp.Expr) -> sp.Expr:
    """Simplify radicals; leave CRootOf expressions alone (simplify is slow and useless there)."""
    return e if e.has(sp.CRootOf) else sp.simplify(e)


def _derived(L: Any, mu: Any, exact: bool) -> dict[str, Any]:
    """Step sizes and rates from L and mu (exact arithmetic when exact, else safe rounding)."""
    if exact:
        if L == 0:
            return {"max_step": sp.oo, "optimal_step": sp.oo, "condition_number": None,
                    "rate": None, "rate_optimal": None}
        out = {"max_step": 2 / L, "optimal_step": 1 / L}
        if mu is not None and mu > 0:
            kappa = _tidy(L / mu)
            out.update(condition_number=kappa, rate=_tidy(1 - mu / L),
                       rate_optimal=_tidy((kappa - 1) / (kappa + 1)))
        else:
            out.update(condition_number=None, rate=None, rate_optimal=None)
        return out
    # certified: L is an upper bound and mu a lower bound, so every derived step is rounded
    # down and every rate up (the guarantees stay valid)
    out = {"max_step": _rdn(2.0 / L), "optimal_step": _rdn(1.0 / L)}
    if mu is not None and mu > 0:
        kappa = _rup(L / mu)
        out.update(condition_number=kappa, rate=_rup(1.0 - _rdn(mu / L)),
                   rate_optimal=_rup((kappa - 1.0) / (kappa + 1.0)))
    else:
        out.update(condition_number=None, rate=None, rate_optimal=None)
    return out


def _hessian_lipschitz(expr: sp.Expr, syms: tuple[sp.Symbol, ...], box: list, parts: int
                       ) -> float | None:
    """A certified bound of ``sup ||D^3 f||_F`` over the box (None if too many variables)."""
    n = len(syms)
    if n > 6:
        return None
    h = hessian(expr, syms)
    entries, weights = [], []
    for i in range(n):
        for j in range(i, n):
            for k in range(j, n):
                e = sp.diff(h[i, j], syms[k])
                if e != 0:
                    entries.append(e)
                    weights.append(len({(i, j, k), (i, k, j), (j, i, k), (j, k, i), (k, i, j),
                                        (k, j, i)}))
    if not entries:
        return 0.0
    prog = compile_enclosure(entries, syms)
    best = 0.0
    for sub in subdivide(box, parts):
        vals = prog(sub)
        if not all(v.is_bounded for v in vals):
            raise CertificationError("the third derivatives are unbounded on the region")
        best = max(best, math.fsum(w * v.mag**2 for w, v in zip(weights, vals)))
    return _rup(math.sqrt(_rup(best)) * (1 + 1e-12))


def convergence_bounds(f: ExprLike, variables: VariablesLike = None,
                       region: RegionLike | None = None,
                       rtol: float = 0.05, max_boxes: int = 3000,
                       progress: bool | None = None) -> ConvergenceBounds:
    """L, mu, step sizes and rates for gradient descent and Newton's method on ``f``.

    Parameters
    ----------
    f : expression, text or callable
    variables : the variables (default: free symbols sorted by name)
    region : mapping ``{variable: (lo, hi)}`` or a sequence of ``(lo, hi)``, optional
        Needed unless the Hessian is constant (a quadratic). ``L`` and ``mu`` then hold over
        this box, certified. Ends may be text (``"pi/4"``, parsed safely).
    rtol : float
        Branch and bound stops when the certified ``L`` is within ``rtol`` of a value attained.
    max_boxes : int
        Budget of boxes for each branch and bound.
    progress : None (default: on a terminal only, once a search has lasted 2 s), True or
        False: lines on stderr with the boxes evaluated, the boxes left and the current bound
        of each branch and bound (L, then mu; see :func:`symtaylor.enclosure.branch_and_bound`).

    Raises
    ------
    InputError
        No region for a non-quadratic objective, or a malformed region.
    CertificationError
        The Hessian is unbounded on the region.

    Examples
    --------
    >>> b = convergence_bounds("x**2 + x*y + y**2")
    >>> b.L, b.mu, b.rate_optimal
    (3, 1, 1/2)
    >>> c = convergence_bounds("x**4 + y**2", region={"x": (-1, 1), "y": (-1, 1)})
    >>> c.L >= 12 and c.L < 12.7, c.mu <= 0, c.max_step <= 1/6
    (True, True, True)
    """
    expr = as_expr(f, variables)
    syms = as_variables(variables, expr)
    rtol = float(as_number(rtol, "rtol"))
    if not rtol > 0:
        raise InputError(f"rtol must be positive, got {rtol}")
    max_boxes = as_positive_int(max_boxes, "max_boxes")
    from .optimize.run import progress_flag

    progress = progress_flag(progress)
    constant = _constant_hessian(expr, syms)
    h = hessian(expr, syms) if constant else sp.Matrix()
    if constant and h.free_symbols:
        raise InputError(f"the Hessian depends on parameters {sorted(map(str, h.free_symbols))}"
                         "; substitute numbers for them")
    reg = _region(region, syms) if region is not None else None
    if constant:
        evs = _exact_eigs(h)
        if evs is not None:
            L = max((abs(e) for e in evs), key=_key)
            mu = min(evs, key=_key)
            L, mu = _tidy(L), _tidy(mu)
            d = _derived(L, mu, True)
            nrc = sp.S.Zero if mu > 0 else None
            return ConvergenceBounds(
                expr, syms, reg, L, mu, d["max_step"], d["optimal_step"],
                d["condition_number"], d["rate"], d["rate_optimal"], sp.S.Zero, nrc, False,
                "exact eigenvalues of the constant Hessian",
                descent=descent_lemma(L=L) if L != 0 else descent_lemma())
    if reg is None and not constant:
        raise InputError(
            "f is not quadratic (its Hessian varies), so L and mu depend on where you look: "
            "pass region={variable: (lo, hi), ...} (CLI: --region x=lo:hi,y=lo:hi)"
        )
    # a large quadratic (no exact eigenvalues): certified enclosures at any one point
    box = [reg[s] for s in syms] if reg is not None else [(0.0, 0.0)] * len(syms)
    cert = _CertifiedHessian(expr, syms)

    def up_L(b: Sequence[tuple[float, float]]) -> float:
        lo, hi = cert.bounds(b)
        return max(hi, -lo)

    def low_L(b: Sequence[tuple[float, float]]) -> float:
        return cert.sample(b)[0]

    res_L = branch_and_bound(up_L, low_L, box, rtol=rtol, max_boxes=max_boxes,
                             progress=progress)
    scale = max(res_L.upper, 1e-300)

    def up_mu(b: Sequence[tuple[float, float]]) -> float:
        return -cert.bounds(b)[0]

    def low_mu(b: Sequence[tuple[float, float]]) -> float:
        return -cert.sample(b)[1]

    # mu's tolerance is relative to mu itself (a bound within rtol*L could be <= 0 for an
    # ill-conditioned but strongly convex f), with a floor for mu ~ 0
    # (for a non-convex f, mu <= 0 only says so: a loose tolerance will do)
    mu0 = cert.sample(box)[1]
    atol = 2 * rtol * max(mu0, 1e-6 * scale) if mu0 > 0 else rtol * scale
    res_mu = branch_and_bound(up_mu, low_mu, box, rtol=rtol, atol=atol, max_boxes=max_boxes,
                              progress=progress)
    L = res_L.upper
    mu = -res_mu.upper
    if not math.isfinite(L):
        raise CertificationError("the Hessian could not be bounded on the region")
    d = _derived(L, mu, False)
    parts = max(1, min(8, round(200 ** (1 / len(syms)))))
    M = 0.0 if constant else cert.lipschitz(box, parts)
    nrc = _rup(M / (2 * mu)) if (M is not None and mu > 0) else None
    return ConvergenceBounds(
        expr, syms, reg, L, mu, d["max_step"], d["optimal_step"], d["condition_number"],
        d["rate"], d["rate_optimal"], M, nrc, True,
        "certified: ridge curvatures enclosed in one variable, Loewner bounds, arb "
        "eigenvalue enclosures, branch and bound",
        res_L.lower, -res_mu.lower, res_L.boxes + res_mu.boxes)
