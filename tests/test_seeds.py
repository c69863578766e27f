"""The seed texts' code examples and quantitative claims, reproduced with symtaylor's public API.

One test per claim, named ``test_s<seed>_<nn>_...`` after its row in docs/seeds_audit.md
(seed 0 = 000 "Taylor Series and Approximations", 1 = 001 "Local models", 3 = 003 "Taylor
expansion and gradient descent"). Every test asserts against an independent truth (closed
forms, sympy.diff, mpmath at 50 digits, NumPy, the seed's own float64 code); for a claim that is
wrong, the test shows the engine detecting it.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

import symtaylor as st
from symtaylor.calculus import definiteness
from symtaylor.solvers import minimize

x, y, a, b = sp.symbols("x y a b")
t1, t2 = sp.symbols("theta1 theta2")
ALPHA = sp.Symbol("alpha", positive=True)
QUAD = t1**2 + 10 * t2**2           # seed 000's Newton example, condition number 10
DOUBLE_WELL = x**4 - 2 * x**2 + sp.Rational(1, 2)
QUARTIC = x**4 - 3 * x**3 + 2       # seed 000, Part 2


def _by_hand_taylor(f: sp.Expr, at: sp.Expr, n: int) -> sp.Expr:
    """sum f^(k)(a)/k! (x - a)^k with sympy.diff: the textbook formula, not the engine."""
    return sum(sp.diff(f, x, k).subs(x, at) / sp.factorial(k) * (x - at) ** k
               for k in range(n + 1))


# == seed 000: Taylor Series and Approximations ===================================================


@pytest.mark.parametrize("f, at", [(sp.exp(x), 1), (sp.sin(x), sp.pi / 3), (QUARTIC, 2),
                                   (sp.log(1 + x**2), sp.Rational(1, 2))])
def test_s0_01_second_order_model_is_f_plus_df_plus_half_d2f(f: sp.Expr, at: sp.Expr) -> None:
    """Order table: the 2nd-order model is f(x0) + f'(x0) dx + f''(x0) dx^2 / 2."""
    t = st.taylor(f, x, at=at, order=2)
    assert sp.simplify(t.polynomial - _by_hand_taylor(f, at, 2)) == 0
    assert st.check_taylor(f, x, at, 2, _by_hand_taylor(f, at, 2)).correct


def test_s0_02_series_exact_when_it_converges_is_wrong() -> None:
    """Part 1: "exact (when the series converges)". Wrong: exp(-1/x^2) (0 at 0) has every
    derivative 0 at 0, so its Maclaurin series is 0 and converges everywhere, yet f(1) = 1/e.
    The engine's Taylor polynomials of every order are 0 (right), and so is the limit."""
    f = sp.exp(-1 / x**2)
    for k in range(4):
        assert sp.limit(sp.diff(f, x, k), x, 0) == 0
    for n in (2, 6):
        assert st.taylor(f, x, at=0, order=n).polynomial == 0
    assert f.subs(x, 1) == sp.exp(-1) != 0


def test_s0_03_sin_table_first_and_second_order() -> None:
    """Part 1 code: sin at 0, both models are x; the printed table (4 decimals)."""
    t1_, t2_ = st.taylor("sin(x)", "x", 0, 1), st.taylor("sin(x)", "x", 0, 2)
    assert t1_.polynomial == x and t2_.polynomial == x
    for xi in [-1.5, -0.5, 0.0, 0.5, 1.0, 1.5]:
        # the seed's final (overriding) formula, in float64
        second = np.sin(0) + np.cos(0) * xi + (-np.sin(0) / 2) * xi**2
        assert f"{float(t2_(sp.Float(xi))):>10.4f}" == f"{second:>10.4f}"
        with mpmath.workdps(50):
            assert f"{float(mpmath.sin(xi)):>8.4f}" == f"{np.sin(xi):>8.4f}"


def test_s0_04_sin_second_order_slip_is_wrong() -> None:
    """Part 1 code: second_val = x - x^2/2 as the 2nd-order model of sin. Wrong: f''(0) = 0."""
    v = st.check_taylor("sin(x)", "x", 0, 2, "x - x^2/2")
    assert not v.correct and v.kinds == ("derivative-value",)
    assert v.mistakes[0].key == (2,)
    assert "f''(0) = -1, but f''(0) = 0" in v.reasons[0]


def test_s0_05_h_minus_h3_over_6_labelled_second_order_is_wrong() -> None:
    """Part 1 error table: f_2nd_h = h - h^3/6. That is the order-3 polynomial, not order 2."""
    v = st.check_taylor("sin(h)", "h", 0, 2, "h - h^3/6")
    assert not v.correct and v.kinds == ("order", "beyond-order")
    assert "order 3, not 2" in v.reasons[0]
    assert st.check_taylor("sin(h)", "h", 0, 3, "h - h^3/6").correct


def test_s0_06_error_table_values() -> None:
    """Part 1 error table: both printed columns are |sin h - h|, right for order 1 and (since
    T_2 = T_1 for sin at 0) for order 2 too; the error is O(h^3) with constant 1/6."""
    hs = [1.0, 0.5, 0.1, 0.01]
    tab = st.taylor("sin(x)", "x", 0, 2).error_table(points=hs)
    for h, row in zip(hs, tab.rows):
        with mpmath.workdps(50):
            truth = abs(mpmath.sin(h) - h)
        assert row.error == pytest.approx(float(truth), rel=1e-12)
        assert f"{row.error:>16.6f}" == f"{abs(np.sin(h) - h):>16.6f}"
    assert tab.rows[-1].scaled == pytest.approx(1 / 6, rel=1e-4)


def test_s0_07_linearization_error_at_most_L_over_2_dx2() -> None:
    """Part 2: |f(x + d) - f(x) - f'(x) d| <= L/2 d^2, L = sup |f''| (certified on [1, 3])."""
    L = st.convergence_bounds(QUARTIC, x, region={x: (1, 3)}).L
    assert L >= 54  # f''(3) = 108 - 54 = 54 is the true sup on [1, 3]
    assert L <= 54 * 1.06
    for d in [0.01, 0.1, 0.3, 0.5, 1.0]:
        dr = sp.Rational(str(d))
        err = abs(QUARTIC.subs(x, 2 + dr) - st.taylor(QUARTIC, x, 2, 1)(2 + dr))
        assert err <= L / 2 * dr**2


def test_s0_08_quartic_linear_table() -> None:
    """Part 2 code: f = x^4 - 3x^3 + 2 at 2: f = -6, f' = -4; error 6d^2 + 5d^3 + d^4."""
    t = st.taylor(QUARTIC, x, at=2, order=1)
    assert t.polynomial == -4 * (x - 2) - 6
    for d in [0.01, 0.1, 0.3, 0.5, 1.0]:
        dr = sp.Rational(str(d))
        err = QUARTIC.subs(x, 2 + dr) - t(2 + dr)
        assert err == 6 * dr**2 + 5 * dr**3 + dr**4
        # the seed's float64 row, as printed
        fx = (2 + d) ** 4 - 3 * (2 + d) ** 3 + 2
        lin = -6.0 + -4.0 * d
        assert f"{abs(fx - lin):>10.4f}" == f"{float(err):>10.4f}"
        assert f"{100 * abs(fx - lin) / (abs(fx) + 1e-8):>8.1f}" == \
            f"{float(100 * err / abs(QUARTIC.subs(x, 2 + dr))):>8.1f}"


def test_s0_09_newton_1d_update_and_seed_derivatives() -> None:
    """Part 3: theta1 = theta0 - f'/f''; the code's df = 4x^3 - 4x and d2f = 12x^2 - 4."""
    assert st.check_gradient(DOUBLE_WELL, x, ["4*x^3 - 4*x"]).correct
    assert st.check_hessian(DOUBLE_WELL, x, [["12*x^2 - 4"]]).correct
    assert st.check_newton_step(DOUBLE_WELL, x, "x - (4*x^3 - 4*x)/(12*x^2 - 4)").correct


def test_s0_10_newton_from_2_reaches_minimum_at_1() -> None:
    """Part 3 code: from x0 = 2 Newton converges to the minimum near 1 (f'(1) = 0, f''(1) = 8)."""
    step = st.newton_step(DOUBLE_WELL, x)
    xs = [sp.Integer(2)]
    for _ in range(8):
        xs.append(step.at(xs[-1])[0])
    assert xs[1] == sp.Rational(16, 11)
    assert abs(float(xs[-1]) - 1) < 1e-15
    assert sp.diff(DOUBLE_WELL, x).subs(x, 1) == 0 and sp.diff(DOUBLE_WELL, x, 2).subs(x, 1) == 8


def test_s0_11_newton_converges_quadratically() -> None:
    """Part 3 / Q2: e_{k+1} = O(e_k^2); the constant tends to f'''(1)/(2 f''(1)) = 3/2 (exact
    rational iterates, so no round-off)."""
    step = st.newton_step(DOUBLE_WELL, x)
    xk = sp.Integer(2)
    errs = []
    for _ in range(8):
        xk = step.at(xk)[0]
        errs.append(xk - 1)
    ratios = [float(e1 / e0**2) for e0, e1 in itertools.pairwise(errs)]
    assert ratios[-1] == pytest.approx(1.5, rel=1e-9)


def test_s0_12_gradient_descent_converges_linearly() -> None:
    """Part 3 code: GD with lr = 0.01 on the double well: linear, ratio 1 - 0.01 f''(1) = 0.92."""
    step = st.gradient_step(DOUBLE_WELL, x, lr=sp.Rational(1, 100))
    fn = sp.lambdify(x, step.update[0])
    xs = [2.0]
    for _ in range(150):
        xs.append(fn(xs[-1]))
    e = [abs(v - 1) for v in xs]
    assert e[-1] / e[-2] == pytest.approx(0.92, rel=1e-5)
    assert e[50] > 1e-3  # after the printed 50 steps GD is still far; Newton needs 6


def test_s0_13_gd_contraction_0_9_on_the_seed_quadratic() -> None:
    """Part 3: "eps -> 0.9 eps -> 0.81 eps -> 0.73 eps". On the seed's own theta1^2 + 10 theta2^2
    the rate 1 - mu/L is exactly 9/10, and with alpha = 1/L the distance to the minimizer
    shrinks by exactly 0.9 per step (0.9^3 = 0.729 ~ 0.73)."""
    bnd = st.convergence_bounds(QUAD)
    assert bnd.rate == sp.Rational(9, 10) and bnd.condition_number == 10
    step = st.gradient_step(QUAD, [t1, t2], lr=bnd.optimal_step)
    p = (sp.Integer(5), sp.Integer(5))
    dist = []
    for _ in range(4):
        p = step.at(p)
        dist.append(sp.sqrt(p[0] ** 2 + p[1] ** 2))
    assert [d1 / d0 for d0, d1 in itertools.pairwise(dist)] == [sp.Rational(9, 10)] * 3


def test_s0_14_nd_newton_example_derivatives() -> None:
    """Part 3 code: grad = (2 t1, 20 t2), H = [[2, 0], [0, 20]] for theta1^2 + 10 theta2^2."""
    assert st.check_gradient(QUAD, [t1, t2], ["2*theta1", "20*theta2"]).correct
    assert st.check_hessian(QUAD, [t1, t2], "2, 0; 0, 20").correct


def test_s0_15_newton_one_step_on_a_quadratic() -> None:
    """Part 3 code comment: for a quadratic Newton converges in exactly one step."""
    assert st.newton_step(QUAD, [t1, t2]).at((5, 5)) == (0, 0)
    r = minimize(QUAD, [t1, t2], [5.0, 5.0], method="newton")
    assert r.success and r.nit == 1


def test_s0_16_seed_loop_prints_two_steps_is_a_slip() -> None:
    """Part 3 code: its loop tests the gradient from *before* the step, so it prints "Newton
    converged in 2 steps" though the first step lands on the minimizer (gradient exactly 0)."""
    step = st.newton_step(QUAD, [t1, t2])
    grad = st.gradient(QUAD, [t1, t2])
    theta, hist = (sp.Integer(5), sp.Integer(5)), [(5, 5)]
    for _ in range(20):  # the seed's loop, with the engine's step
        g = grad.subs(dict(zip((t1, t2), theta)))
        theta = step.at(theta)
        hist.append(theta)
        if math.sqrt(float((g.T * g)[0])) < 1e-8:
            break
    assert len(hist) - 1 == 2                        # what the seed prints
    assert grad.subs({t1: hist[1][0], t2: hist[1][1]}) == sp.zeros(2, 1)   # what is true: 1


def test_s0_17_hessian_sizes_arithmetic() -> None:
    """Parts 3-5: 1M params -> 10^12 entries; 100M -> 10^16 float32 ~ 10^7 GB (4e7 GB);
    100K -> 10^10 values. Correct (orders of magnitude)."""
    assert (10**6) ** 2 == 10**12
    assert (10**8) ** 2 == 10**16
    gb = 4 * 10**16 / 10**9
    assert 10**7 <= gb < 10**8
    assert (10**5) ** 2 == 10**10


def test_s0_18_q2_hessian_size_is_wrong() -> None:
    """Q2: "for d = 100M, H is a 10M x 10M matrix (10^14 values)". Wrong: 100M x 100M = 10^16
    (10^14 is the size for d = 10M)."""
    d = 100 * 10**6
    assert d * d == 10**16 != 10**14
    assert (10 * 10**6) ** 2 == 10**14


def test_s0_19_secant_condition() -> None:
    """Part 5: H (theta_new - theta_old) = g_new - g_old; BFGS keeps it exactly (rho = 1/y^T s).
    For a quadratic the true Hessian satisfies it exactly."""
    A = sp.Matrix([[4, 1], [1, 3]])
    v = sp.Matrix([x, y])
    f = (v.T * A * v)[0] / 2 + x
    g = st.gradient(f, [x, y])
    p0, p1 = {x: 1, y: 2}, {x: -1, y: sp.Rational(1, 2)}
    s = sp.Matrix([p1[x] - p0[x], p1[y] - p0[y]])
    yv = g.subs(p1) - g.subs(p0)
    assert A * s == yv
    assert st.bfgs_update(sp.eye(2), s, yv).secant_holds()
    assert st.bfgs_inverse_update(sp.eye(2), s, yv).secant_holds()


def test_s0_20_adam_as_diag_hessian_v_is_wrong() -> None:
    """Part 6 / Q5: "Newton with H ~ diag(v_t) is exactly Adam's structure". Wrong: with
    H = diag(v) (v ~ g^2) the step divides by g^2, Adam divides by sqrt(v) ~ |g|; and on a
    quadratic c x^2/2 neither is the Newton step (which lands on 0)."""
    c = sp.Symbol("c", positive=True)
    f = c * x**2 / 2
    g = sp.diff(f, x)
    diag_v = x - g / g**2                    # the seed's H ~ diag(v_t), v = g^2
    adam = x - ALPHA * g / sp.sqrt(g**2)     # Adam before bias correction, eps = 0
    assert not st.equivalent(diag_v, adam)
    v = st.check_newton_step(f, x, diag_v)
    assert not v.correct and v.kinds == ("wrong-curvature",)
    assert "by c**2*x**2 instead of by f'' = c" in v.reasons[0]
    assert not st.check_newton_step(f, x, adam).correct
    assert st.check_newton_step(f, x, "0").correct


def test_s0_21_max_safe_step_one_over_L_is_wrong() -> None:
    """Part 6, Part 8, Q4, takeaways: "the maximum safe learning rate is 1/L". Wrong: descent
    is guaranteed for every alpha < 2/L; 1/L only maximizes the guaranteed decrease. On the
    seed's quadratic (L = 20) alpha = 3/40 > 1/L still decreases f at every step."""
    v = st.check_max_step(QUAD, [t1, t2], "1/20")
    assert not v.correct and v.kinds == ("one-over-L",) and v.expected == sp.Rational(1, 10)
    assert st.check_step_size(QUAD, [t1, t2], sp.Rational(3, 40)).correct
    step = st.gradient_step(QUAD, [t1, t2], lr=sp.Rational(3, 40))
    p = (sp.Integer(5), sp.Integer(5))
    vals = [QUAD.subs({t1: p[0], t2: p[1]})]
    for _ in range(30):
        p = step.at(p)
        vals.append(QUAD.subs({t1: p[0], t2: p[1]}))
    assert all(v1 < v0 for v0, v1 in itertools.pairwise(vals))


def test_s0_22_q4_descent_lemma_and_optimal_step() -> None:
    """Q4: f(x - alpha g) <= f(x) - alpha (1 - L alpha/2) ||g||^2; descent iff alpha < 2/L;
    alpha* = 1/L gives ||g||^2/(2L). Correct. Checked on random quadratics with NumPy."""
    d = st.descent_lemma()
    L = d.L
    assert d.safe_steps == sp.Interval.open(0, 2 / L)
    assert d.optimal_step == 1 / L and d.guaranteed_decrease == 1 / (2 * L)
    rng = np.random.default_rng(0)
    for _ in range(20):
        m = rng.normal(size=(3, 3))
        A = m @ m.T
        Lv = np.linalg.eigvalsh(A)[-1]
        xv = rng.normal(size=3)
        g = A @ xv
        for alpha in (0.3 / Lv, 1 / Lv, 1.9 / Lv):
            xn = xv - alpha * g
            lhs = xn @ A @ xn / 2 - xv @ A @ xv / 2
            assert lhs <= -alpha * (1 - Lv * alpha / 2) * (g @ g) + 1e-9


def test_s0_23_more_curvature_near_the_minimum_is_wrong() -> None:
    """Part 8: "as you approach the minimum the landscape becomes more curved". Wrong in
    general: for x^4 the curvature 12x^2 vanishes at the minimizer, and L over shrinking boxes
    around it falls (for a quadratic it stays constant)."""
    Ls = [st.convergence_bounds("x^4", "x", region={"x": (-r, r)}).L for r in (1.0, 0.5, 0.1)]
    assert Ls[0] > Ls[1] > Ls[2]
    assert Ls[2] <= 12 * 0.1**2 * 1.06
    assert st.convergence_bounds(QUAD).L == 20


def test_s0_24_damping_makes_the_hessian_positive_definite() -> None:
    """Part 8: H + lambda I is positive definite when lambda > -lambda_min; the damped step is
    then a descent direction. x^2 - y^2 has lambda_min = -2."""
    f = x**2 - y**2
    H = st.hessian(f, [x, y])
    assert definiteness(H).kind.value == "indefinite"
    assert definiteness(H + 3 * sp.eye(2)).kind.value == "positive definite"
    step = st.newton_step(f, [x, y], damping=3)
    g = st.gradient(f, [x, y])
    slope = sp.expand((g.T * step.direction)[0])
    assert slope == -sp.Rational(4, 5) * x**2 - 4 * y**2   # < 0 away from the saddle
    assert definiteness(H + 1 * sp.eye(2)).kind.value != "positive definite"


def test_s0_25_newton_on_indefinite_hessian_heads_to_the_saddle() -> None:
    """Part 8: with an indefinite Hessian H^-1 g may point to a saddle: on x^2 - y^2 the
    Newton step jumps to the saddle (0, 0) from anywhere. Correct."""
    assert st.newton_step("x^2 - y^2", "x, y").update == sp.Matrix([0, 0])


def test_s0_26_gauss_newton_matrix() -> None:
    """Part 8: for L = ||r||^2/2 the Hessian is J^T J + sum r_i Hess(r_i); G = J^T J is PSD."""
    r = [x - 1, 10 * (y - x**2), sp.exp(x * y) - 2]
    J = st.jacobian(r, [x, y])
    H = st.hessian(sum(ri**2 for ri in r) / 2, [x, y])
    rest = sum((ri * sp.hessian(ri, (x, y)) for ri in r), sp.zeros(2, 2))
    assert (H - J.T * J - rest).applyfunc(sp.simplify) == sp.zeros(2, 2)
    rng = np.random.default_rng(1)
    Jf = sp.lambdify((x, y), J.T * J)
    for _ in range(20):
        assert np.linalg.eigvalsh(np.array(Jf(*rng.normal(size=2)), dtype=float))[0] >= -1e-9


def test_s0_27_trust_region_example() -> None:
    """Part 6 code: trust region on x^4 - 3x^2 + x from 2.0 ends at the local minimum near
    1.1309 (root of 4x^3 - 6x + 1, mpmath); its predicted decrease -(g s + h s^2/2) is
    f - (the order-2 Taylor model)."""
    f = x**4 - 3 * x**2 + x
    with mpmath.workdps(50):
        root = mpmath.findroot(lambda t: 4 * t**3 - 6 * t + 1, 1.1)
    r = minimize(f, [x], [2.0], method="trust-region")
    assert r.success and r.x[0] == pytest.approx(float(root), abs=1e-10)
    s = sp.Symbol("s")
    model = st.taylor(f, x, at=2, order=2).polynomial.subs(x, 2 + s)
    g, h = sp.diff(f, x).subs(x, 2), sp.diff(f, x, 2).subs(x, 2)
    assert sp.expand(f.subs(x, 2) - model) == sp.expand(-(g * s + h * s**2 / 2))


def test_s0_28_finite_difference_table() -> None:
    """Part 7 code: (f(x+h) - 2f(x) + f(x-h))/h^2 for exp at 1: truncation ~ e h^2/12 (O(h^2)),
    round-off ~ eps/h^2, best h ~ 1e-4 (eps^(1/4) scale); values identical to the seed's
    float64 formula; errors against e at 50 digits."""
    hs = [1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]
    rep = st.fd_error("exp(x)", "x", at=1, derivative=2, steps=hs)
    assert rep.truncation_term == sp.E * sp.Symbol("h") ** 2 / 12
    for row, h in zip(rep.rows, hs):
        seed = (np.exp(1.0 + h) - 2 * np.exp(1.0) + np.exp(1.0 - h)) / h**2
        assert row.approximation == seed
        with mpmath.workdps(50):
            assert row.error == pytest.approx(float(abs(mpmath.mpf(seed) - mpmath.e)), rel=1e-12)
    assert rep.observed_optimal_step == 1e-4
    assert 1e-5 < rep.optimal_step < 1e-3


def test_s0_29_linear_model_over_a_ball_gives_normalized_step() -> None:
    """Part 2: minimizing f + g.d over ||d|| <= r gives d = -r g/||g|| (the steepest-descent
    direction; equal to the gradient step only for step r/||g||)."""
    # (the engine's Cauchy point divides by g.B.g, which is 0 for a purely linear f: a
    # concave quadratic term keeps the linear part's minimizer on the boundary, tau = 1)
    c = st.cauchy_point("3*x + 4*y - x^2 - y^2", "x, y", radius=2, at=(0, 0))
    assert c.direction == sp.Matrix([-sp.Rational(6, 5), -sp.Rational(8, 5)])
    rng = np.random.default_rng(2)
    gv = np.array([3.0, 4.0])
    for _ in range(2000):   # no point of the ball does better on the linear model
        d = rng.normal(size=2)
        d *= 2 * rng.uniform() ** 0.5 / np.linalg.norm(d)
        assert gv @ d >= gv @ np.array([-1.2, -1.6]) - 1e-12


def test_s0_30_second_order_model_and_its_minimizer_multivariate() -> None:
    """Q1/Q2: f + g.d + d.H.d/2 (Hessian by sympy.diff) and its minimizer d = -H^-1 g."""
    f = x**4 + x**2 * y + y**2 + x
    p = {x: sp.Rational(1, 2), y: 1}
    g = sp.Matrix([sp.diff(f, v) for v in (x, y)]).subs(p)
    H = sp.Matrix(2, 2, lambda i, j: sp.diff(f, (x, y)[i], (x, y)[j])).subs(p)
    d = sp.Matrix([x - p[x], y - p[y]])
    model = f.subs(p) + (g.T * d)[0] + (d.T * H * d)[0] / 2
    assert sp.simplify(st.taylor(f, [x, y], at=(p[x], p[y]), order=2).polynomial - model) == 0
    nxt = st.newton_step(f, [x, y]).at((p[x], p[y]))
    want = sp.Matrix([p[x], p[y]]) - H.LUsolve(g)
    assert list(nxt) == list(want)


def test_s0_31_lbfgs_beats_500_gd_steps_on_logistic_regression() -> None:
    """Part 5 code: logistic regression (n = 500, d = 20, seed 42): L-BFGS reaches a lower
    loss than 500 gradient steps with lr = 0.5, in far fewer iterations (SciPy as reference)."""
    import scipy.optimize as so

    np.random.seed(42)
    n, dd = 500, 20
    X = np.random.randn(n, dd)
    true_w = np.random.randn(dd)
    yv = (1 / (1 + np.exp(-X @ true_w)) > 0.5).astype(float)
    w = sp.symbols(f"w1:{dd + 1}")
    xs = sp.symbols(f"x1:{dd + 1}")
    ys = sp.Symbol("y")
    z = sum(wi * xi for wi, xi in zip(w, xs))
    loss = ys * sp.log(1 + sp.exp(-z)) + (1 - ys) * sp.log(1 + sp.exp(z))
    data = {**{xs[j]: X[:, j] for j in range(dd)}, ys: yv}
    wv = np.zeros(dd)
    for _ in range(500):  # the seed's loop
        s = 1 / (1 + np.exp(-X @ wv))
        wv -= 0.5 * (X.T @ (s - yv)) / n
    s = 1 / (1 + np.exp(-X @ wv))
    gd_loss = -np.mean(yv * np.log(s) + (1 - yv) * np.log(1 - s))
    lb = minimize(loss, w, np.zeros(dd), method="l-bfgs", data=data, reduce="mean",
                  gtol=1e-6, max_iter=200, check_second_order=False)
    ref = so.minimize(lambda v: float(np.mean(np.logaddexp(0, -(2 * yv - 1) * (X @ v)))),
                      np.zeros(dd), method="L-BFGS-B")
    assert lb.fun < gd_loss and lb.nit < 500
    assert lb.fun <= ref.fun + 1e-6


# == seed 001: Taylor Series and Approximation: local models ======================================


@pytest.mark.parametrize("f", ["exp(x)", "log(1 + x)", "sin(x)", "cos(x)", "1/(1 - x)",
                               "(1 + x)^(1/2)"])
def test_s1_01_key_expansions_against_mpmath(f: str) -> None:
    """Key expansions (formulas lost in extraction; the standard ones): coefficients up to x^6
    from the engine equal mpmath.taylor's (50 digits)."""
    t = st.taylor(f, "x", 0, 6)
    fn = sp.lambdify(x, st.parse(f), "mpmath")
    with mpmath.workdps(50):
        ref = mpmath.taylor(fn, 0, 6)
        for k in range(7):
            assert abs(mpmath.mpf(sp.N(t.coefficients[(k,)], 50)) - ref[k]) < mpmath.mpf(10)**-40


def test_s1_02_lagrange_remainder() -> None:
    """Remainder R_n = f^(n+1)(xi)/(n+1)! (x - a)^(n+1), xi between a and x: for exp at 0,
    n = 2, x = 1: e - 5/2 = e^xi/6 with xi = log(6 (e - 5/2)) in (0, 1)."""
    t = st.taylor("exp(x)", "x", 0, 2)
    assert t.remainder == sp.exp(t.remainder_symbol) * x**3 / 6
    with mpmath.workdps(50):
        xi = mpmath.log(6 * (mpmath.e - mpmath.mpf(5) / 2))
        assert 0 < xi < 1
        assert abs(mpmath.e - 2.5 - mpmath.exp(xi) / 6) < mpmath.mpf(10) ** -45


def test_s1_03_error_scales_like_distance_to_the_n_plus_1() -> None:
    """Error ~ |x - a|^(n+1): err/|dx|^3 -> f'''(0)/3! = 1/6 for exp, n = 2."""
    tab = st.taylor("exp(x)", "x", 0, 2).error_table(steps=[1e-1, 1e-2, 1e-3])
    assert [round(r.scaled, 3) for r in tab.rows] == [0.171, 0.167, 0.167]
    assert tab.rows[-1].scaled == pytest.approx(1 / 6, rel=1e-3)


def test_s1_04_linearization_is_the_tangent_plane() -> None:
    """Linear approximation: f(a) + f'(a)(x - a); several variables: f(a) + grad f(a).(x - a)."""
    f = sp.log(1 + x**2 + y)
    lin = st.taylor(f, [x, y], at=(a, b), order=1).polynomial
    by_hand = f.subs({x: a, y: b}) + sp.diff(f, x).subs({x: a, y: b}) * (x - a) \
        + sp.diff(f, y).subs({x: a, y: b}) * (y - b)
    assert st.equivalent(lin, by_hand)
    assert st.check_taylor("sqrt(x)", "x", 4, 1, "2 + (x - 4)/4").correct


def test_s1_05_linearization_error_bound_M_over_2() -> None:
    """|f(x) - f(a) - f'(a)(x - a)| <= M/2 (x - a)^2 when |f''| <= M: sin about 0 on [0, 1],
    M = 1; the certified remainder bound sits between the true error and M/2."""
    t = st.taylor("sin(x)", "x", 0, 1)
    cert = t.certify({"x": (0, 1)})
    with mpmath.workdps(50):
        true_max = float(1 - mpmath.sin(1))
    assert true_max <= cert.upper <= 0.5
    for xv in np.linspace(0, 1, 11):
        assert abs(math.sin(xv) - xv) <= 0.5 * xv**2 + 1e-16


def test_s1_06_quadratic_model_with_hessian() -> None:
    """Quadratic approximation f(a) + grad.d + d.H.d/2 (exp(x) cos(y) at the origin)."""
    assert st.check_taylor("exp(x)*cos(y)", "x, y", 0, 2, "1 + x + x^2/2 - y^2/2").correct
    v = st.check_taylor("exp(x)*cos(y)", "x, y", 0, 2, "1 + x + x^2 - y^2")
    assert v.kinds == ("factorial",)


def test_s1_07_newton_from_the_stationary_point_of_the_model() -> None:
    """Setting the derivative of the quadratic model to zero gives x - f'/f'' (solve here with
    sympy.solve on the engine's model; compare with the engine's Newton step)."""
    f = sp.exp(x) - 3 * x
    d = sp.Symbol("d")
    m = st.taylor(f, x, at=a, order=2).polynomial.subs(x, a + d)
    (dstar,) = sp.solve(sp.diff(m, d), d)
    assert sp.simplify(a + dstar - st.newton_step(f, x).update[0].subs(x, a)) == 0


def test_s1_08_correct_digits_double() -> None:
    """Quadratic convergence: correct digits roughly double per Newton step (exact iterates)."""
    step = st.newton_step(DOUBLE_WELL, x)
    xk, digits = sp.Integer(2), []
    for _ in range(9):
        xk = step.at(xk)[0]
        digits.append(-math.log10(float(abs(xk - 1))))
    assert digits[-1] > 80
    assert all(d1 / d0 > 1.8 for d0, d1 in itertools.pairwise(digits[3:]))


def test_s1_09_zigzag_vs_newton_in_a_valley() -> None:
    """Elongated valley: GD zigzags (for steps between 1/L and 2/L the steep coordinate flips
    sign), Newton reaches the bottom in one step."""
    step = st.gradient_step(QUAD, [t1, t2], lr=sp.Rational(9, 100))
    p = (sp.Integer(5), sp.Integer(5))
    signs = []
    for _ in range(6):
        p = step.at(p)
        signs.append(sp.sign(p[1]))
    assert signs == [-1, 1, -1, 1, -1, 1]
    assert st.newton_step(QUAD, [t1, t2]).at(p) == (0, 0)


def test_s1_10_bfgs_uses_gradients_only_and_keeps_the_secant_condition() -> None:
    """BFGS: the update built from s_k and y_k (no second derivatives) satisfies H y = s."""
    s, yv = sp.Matrix([1, -2]), sp.Matrix([3, -1])
    up = st.bfgs_inverse_update(sp.eye(2), s, yv)
    assert up.secant_holds()
    assert up.matrix * yv == s
    assert up.matrix == up.matrix.T


@pytest.mark.parametrize("f, approx", [
    ("exp(x)", "1 + x"),
    ("log(1 + x)", "x"),
    ("(1 + x)^n", "1 + n*x"),
    ("1/(1 + exp(-x))", "1/2 + x/4"),
    ("tanh(x)", "x"),
    ("sqrt(1 + x)", "1 + x/2"),
])
def test_s1_11_common_first_order_approximations(f: str, approx: str) -> None:
    """The table of first-order approximations near 0 (its formulas were lost; the rows named
    by use: Poisson/learning rate, log-loss, binomial, sigmoid, tanh, norms)."""
    assert st.check_taylor(f, "x", 0, 1, approx).correct


def test_s1_11b_sigmoid_slope_slip_detected() -> None:
    """A common slip for the sigmoid row: slope 1/2 instead of sigma'(0) = 1/4."""
    v = st.check_taylor("1/(1 + exp(-x))", "x", 0, 1, "1/2 + x/2")
    assert not v.correct and "f'(0) = 1/4" in v.reasons[0]


def test_s1_12_loss_after_a_step_decreases_iff_alpha_below_2_over_lambda() -> None:
    """Worked example (numbers lost): L(theta - alpha g) ~ L - alpha ||g||^2
    + alpha^2/2 lambda_max ||g||^2; the decrease beats the overshoot iff alpha < 2/lambda_max."""
    g, lam = sp.symbols("g lambda_max", positive=True)
    p = st.predict_loss_after_step(sp.Symbol("L0"), g, lam, ALPHA)
    diff = sp.factor(p.first_order_decrease - p.curvature_overshoot)
    sol = sp.solve_univariate_inequality(diff.subs(lam, 20) > 0, ALPHA, relational=False)
    assert sol == sp.Interval.open(0, sp.Rational(1, 10))
    assert st.predict_loss_after_step(2, 1, 20, sp.Rational(1, 10)).decreases is False
    assert st.predict_loss_after_step(2, 1, 20, sp.Rational(9, 100)).decreases is True


# == seed 003: Taylor expansion and gradient descent ==============================================


def test_s3_01_first_order_expansion() -> None:
    """f(x + dx) ~ f(x) + grad f(x)^T dx, about a generic point (a, b)."""
    f = x**2 * y + sp.sin(y)
    lin = st.taylor(f, [x, y], at=(a, b), order=1).polynomial
    by_hand = f.subs({x: a, y: b}) + 2 * a * b * (x - a) + (a**2 + sp.cos(b)) * (y - b)
    assert st.equivalent(lin, by_hand)


def test_s3_02_steepest_direction_is_minus_the_gradient() -> None:
    """Among unit steps, -g/||g|| makes g.d smallest (= -||g||; Cauchy-Schwarz), and the
    engine's gradient step points that way."""
    rng = np.random.default_rng(3)
    gv = np.array([2.0, -1.0, 0.5])
    best = -gv @ gv / np.linalg.norm(gv)
    for _ in range(2000):
        d = rng.normal(size=3)
        assert gv @ (d / np.linalg.norm(d)) >= best - 1e-12
    u, v, w = sp.symbols("u v w")
    step = st.gradient_step(2 * u - v + w / 2, [u, v, w], lr=1)
    assert list(step.direction) == [-2, 1, -sp.Rational(1, 2)]


def test_s3_03_decrease_alpha_times_gradient_norm_squared() -> None:
    """f(x - alpha g) ~ f(x) - alpha ||g||^2 (first order in alpha)."""
    f = x**2 + 10 * y**2 + sp.exp(x * y)
    p = {x: sp.Rational(1, 2), y: -1}
    g = st.gradient(f, [x, y]).subs(p)
    phi = f.subs({x: p[x] - ALPHA * g[0], y: p[y] - ALPHA * g[1]})
    lin = st.taylor(phi, ALPHA, at=0, order=1).polynomial
    assert st.equivalent(lin, f.subs(p) - ALPHA * (g.T * g)[0])


def test_s3_04_update_rule() -> None:
    """x <- x - alpha grad f."""
    assert st.gradient_step("x^2*y", "x, y", lr=ALPHA).update == \
        sp.Matrix([x - 2 * ALPHA * x * y, y - ALPHA * x**2])


def test_s3_05_one_step_on_x_minus_3_squared() -> None:
    """Code: (x - 3)^2 from 0 with lr 0.1: gradient -6, x_new 0.6, f 9 -> 5.76 (exactly 3/5 and
    144/25; the seed's float64 prints 0.6000000000000001)."""
    f = (x - 3) ** 2
    assert st.gradient(f, x)[0].subs(x, 0) == -6
    (xn,) = st.gradient_step(f, x, lr=sp.Rational(1, 10)).at(0)
    assert xn == sp.Rational(3, 5)
    assert f.subs(x, xn) == sp.Rational(144, 25)
    assert st.check_gradient_step(f, x, "0.6", lr="0.1", at=0).correct   # the printed x
    x_float = 0.0 - 0.1 * (2 * (0.0 - 3))
    assert f"{x_float}" == "0.6000000000000001"
    assert Fraction(x_float).limit_denominator(1000) == Fraction(3, 5)


def test_s3_06_first_order_decrease_vs_actual() -> None:
    """The first-order decrease alpha ||g||^2 = 3.6 overestimates the actual 9 - 5.76 = 3.24;
    the quadratic model (exact here) and the descent lemma with L = 2 give 3.24."""
    p = st.gradient_step_prediction("(x - 3)^2", "x", at=0, lr=sp.Rational(1, 10))
    assert p.first_order_decrease == sp.Rational(18, 5)
    assert p.value - p.actual == sp.Rational(81, 25)
    assert p.quadratic_model == p.actual == p.certified_bound == sp.Rational(144, 25)
