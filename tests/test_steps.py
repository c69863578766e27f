"""Tests for symtaylor.steps: closed-form steps and quasi-Newton updates.

Truths: closed forms (seed texts, Nocedal & Wright), exact linear algebra (A^-1 b), NumPy
least squares and linear solves, the BFGS/DFP duality (H+ = B+^-1).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from strategies import quadratic_form, quadratics, secant_data

from symtaylor import (
    InputError,
    bfgs_inverse_update,
    bfgs_update,
    cauchy_point,
    dfp_inverse_update,
    dfp_update,
    dogleg_step,
    gauss_newton_step,
    gradient_step,
    levenberg_marquardt_step,
    newton_step,
    sr1_update,
)
from symtaylor.cli import main
from symtaylor.steps import generic_secant_data

x, y = sp.symbols("x y")
lam = sp.Symbol("lambda", positive=True)


# -- Newton ------------------------------------------------------------------------------------


def test_newton_double_well_closed_form() -> None:
    s = newton_step("x**4 - 2*x**2 + 1/2", "x")
    assert s.update[0] == 2 * x**3 / (3 * x**2 - 1)
    assert sp.simplify(s.direction[0] - (-(4 * x**3 - 4 * x) / (12 * x**2 - 4))) == 0
    # seed 000: from x0 = 2 Newton converges to the minimum at 1 (quadratically)
    it = sp.lambdify(x, s.update[0])
    v, errs = 2.0, []
    for _ in range(8):
        v = it(v)
        errs.append(abs(v - 1))
    assert errs[-1] < 1e-15
    # quadratic convergence: e+ ~ f'''(1) / (2 f''(1)) e^2 = 3/2 e^2
    assert 1.0 * errs[3] ** 2 <= errs[4] <= 2.0 * errs[3] ** 2


def test_newton_model_and_latex() -> None:
    s = newton_step("x**4 - 2*x**2 + 1/2", "x")
    d = s.model.displacement[0]
    assert sp.expand(s.model.expr - (x**4 - 2 * x**2 + sp.Rational(1, 2) + (4 * x**3 - 4 * x) * d
                                     + (12 * x**2 - 4) * d**2 / 2)) == 0
    assert s.latex().startswith("\\begin{align*}") and "x_{new}" in s.latex()
    assert s._repr_latex_().startswith("$\\displaystyle")
    assert "2*x**3/(3*x**2 - 1)" in repr(s)


@settings(max_examples=20)
@given(quadratics())
def test_newton_lands_on_minimizer_of_pd_quadratic(data) -> None:
    a, b = data
    v = sp.symbols(f"v1:{a.rows + 1}")
    f = quadratic_form(a, v, b)
    s = newton_step(f, list(v))
    assert s.update == a.inv() * b  # exact, from any starting point


def test_seed_quadratic_newton_one_step() -> None:
    s = newton_step("theta1**2 + 10*theta2**2", "theta1, theta2")
    assert s.update == sp.zeros(2, 1)
    assert s.at((5, 5)) == (0, 0)


def test_damped_newton() -> None:
    assert newton_step("x^2", "x", damping=lam).update[0] == lam * x / (lam + 2)
    s = newton_step("(1 - x)^2 + 100*(y - x^2)^2", "x, y", damping=sp.Rational(1, 10))
    pt = np.array([-1.2, 1.0])
    g = np.array([-2 * (1 - pt[0]) - 400 * pt[0] * (pt[1] - pt[0] ** 2),
                  200 * (pt[1] - pt[0] ** 2)])
    h = np.array([[1200 * pt[0] ** 2 - 400 * pt[1] + 2, -400 * pt[0]], [-400 * pt[0], 200]])
    want = pt - np.linalg.solve(h + 0.1 * np.eye(2), g)
    got = [float(v) for v in s.at(("-6/5", 1))]
    assert np.allclose(got, want, rtol=1e-13)


def test_singular_hessian_is_reported() -> None:
    with pytest.raises(InputError, match="damping"):
        newton_step("x + y", "x, y")
    with pytest.raises(InputError):
        newton_step("x", "x")


# -- gradient step ---------------------------------------------------------------------------


def test_gradient_step_seed_003_example() -> None:
    s = gradient_step("(x - 3)**2", "x", lr=sp.Rational(1, 10))
    assert s.at(0) == (sp.Rational(3, 5),)  # 0 - 0.1 * (-6)
    f = (x - 3) ** 2
    assert f.subs(x, 0) == 9 and f.subs(x, sp.Rational(3, 5)) == sp.Rational(144, 25)


def test_gradient_step_symbolic_lr() -> None:
    a = sp.Symbol("alpha")
    s = gradient_step("x^2 + 10*y^2", "x, y")
    assert (s.update - sp.Matrix([x - 2 * a * x, y - 20 * a * y])).applyfunc(sp.expand) == \
        sp.zeros(2, 1)
    assert s.parameters == {"lr": a}
    with pytest.raises(InputError):
        gradient_step("x^2", "x", lr=[1])


# -- least squares -----------------------------------------------------------------------------


def test_gauss_newton_linear_least_squares_matches_numpy() -> None:
    rs = ["2*a + b - 3", "a - b", "a + 2*b - 4", "3*a - b/2 + 1"]
    s = gauss_newton_step(rs, "a, b")
    a_mat = np.array([[2, 1], [1, -1], [1, 2], [3, -0.5]])
    rhs = np.array([3, 0, 4, -1])
    want = np.linalg.lstsq(a_mat, rhs, rcond=None)[0]
    assert not s.update.free_symbols
    assert np.allclose([float(v) for v in s.update], want, rtol=1e-14)


def test_gauss_newton_rosenbrock_residuals() -> None:
    s = gauss_newton_step(["x - 1", "10*(y - x^2)"], "x, y")
    assert s.update[0] == 1
    assert sp.expand(s.update[1] - (2 * x - x**2)) == 0


@pytest.mark.parametrize("scaling", ["identity", "marquardt"])
def test_levenberg_marquardt_matches_numpy(scaling: str) -> None:
    rs = [sp.exp(-x * sp.Rational(1, 2)) * y - 1, x * y - 2, x + y**2 - 3]
    s = levenberg_marquardt_step(rs, [x, y], sp.Rational(3, 10), scaling=scaling)
    pt = {x: sp.Rational(1, 2), y: sp.Rational(3, 2)}
    j = np.array(sp.Matrix(rs).jacobian([x, y]).subs(pt).evalf(), dtype=float)
    r = np.array(sp.Matrix(rs).subs(pt).evalf(), dtype=float).ravel()
    jtj = j.T @ j
    dmat = np.eye(2) if scaling == "identity" else np.diag(np.diag(jtj))
    want = np.array([0.5, 1.5]) - np.linalg.solve(jtj + 0.3 * dmat, j.T @ r)
    got = [float(v) for v in s.at(("1/2", "3/2"))]
    assert np.allclose(got, want, rtol=1e-12)


def test_levenberg_marquardt_limits() -> None:
    rs = ["x - 1", "10*(y - x^2)"]
    lm = levenberg_marquardt_step(rs, "x, y", lam)
    gn = gauss_newton_step(rs, "x, y")
    assert (lm.update.subs(lam, 0) - gn.update).applyfunc(sp.simplify).is_zero_matrix
    # large damping: a short gradient step of length ~ 1/lambda
    big = lm.update.subs({lam: 10**8, x: 0, y: 0})
    assert abs(float(big[0]) - 1e-8) < 1e-14
    with pytest.raises(InputError, match="scaling"):
        levenberg_marquardt_step(rs, "x, y", 1, scaling="bogus")


# -- trust region ----------------------------------------------------------------------------


def _cauchy_numpy(g: np.ndarray, b: np.ndarray, delta: float) -> np.ndarray:
    gbg = g @ b @ g
    tau = 1.0 if gbg <= 0 else min(np.linalg.norm(g) ** 3 / (delta * gbg), 1.0)
    return -tau * delta / np.linalg.norm(g) * g


@pytest.mark.parametrize("radius", ["1/10", "1", "10"])
def test_cauchy_point_matches_nocedal_wright(radius: str) -> None:
    f = "x^2 + 10*y^2 + x*y - sin(x)"
    s = cauchy_point(f, "x, y", radius=sp.Rational(radius), at=("1/2", "1"))
    g = np.array([2 * 0.5 + 1 - np.cos(0.5), 20 + 0.5])
    b = np.array([[2 + np.sin(0.5), 1], [1, 20]])
    want = _cauchy_numpy(g, b, float(sp.Rational(radius)))
    assert np.allclose([float(v) for v in s.direction], want, rtol=1e-13)
    assert float(sp.sqrt((s.direction.T * s.direction)[0])) <= float(sp.Rational(radius)) + 1e-15


def test_cauchy_point_negative_curvature_goes_to_boundary() -> None:
    s = cauchy_point("x^2 - 3*y^2", "x, y", radius=2, at=(1, 1))
    assert sp.simplify((s.direction.T * s.direction)[0] - 4) == 0


def test_dogleg_regimes() -> None:
    f = "x^2 + 10*y^2"
    assert dogleg_step(f, "x, y", radius=10, at=(1, 1)).update == sp.zeros(2, 1)
    short = dogleg_step(f, "x, y", radius=sp.Rational(1, 100), at=(1, 1)).direction
    g = sp.Matrix([2, 20])
    assert (short + g / g.norm() / 100).applyfunc(sp.simplify).is_zero_matrix
    mid = dogleg_step(f, "x, y", radius=sp.Rational(1, 2), at=(1, 1)).direction
    assert sp.simplify((mid.T * mid)[0] - sp.Rational(1, 4)) == 0
    # the dogleg point decreases the model at least as much as the Cauchy point
    b = sp.diag(2, 20)

    def model(p):
        return (g.T * p)[0] + (p.T * b * p)[0] / 2

    cp = cauchy_point(f, "x, y", radius=sp.Rational(1, 2), at=(1, 1)).direction
    assert float(model(mid)) <= float(model(cp)) + 1e-15
    with pytest.raises(InputError):
        dogleg_step("x^2 - y^2", "x, y", radius=1, at=(1, 1))


# -- quasi-Newton --------------------------------------------------------------------------


UPDATES = [bfgs_update, bfgs_inverse_update, dfp_update, dfp_inverse_update, sr1_update]


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("update", UPDATES, ids=lambda u: u.__name__)
def test_secant_condition_symbolic(update, n: int) -> None:
    b, s, yv = generic_secant_data(n)
    u = update(b, s, yv)
    assert u.secant_holds()
    assert (u.matrix - u.matrix.T).applyfunc(sp.cancel).is_zero_matrix  # stays symmetric


@settings(max_examples=30)
@given(secant_data())
def test_quasi_newton_numeric_properties(data) -> None:
    b, s, yv = data
    ys = (yv.T * s)[0]
    assume(ys > 0)
    bu = bfgs_update(b, s, yv)
    hu = bfgs_inverse_update(b.inv(), s, yv)
    du = dfp_update(b, s, yv)
    dh = dfp_inverse_update(b.inv(), s, yv)
    for u in (bu, hu, du, dh):
        assert u.secant_holds()
    # duality: BFGS on H is the inverse of BFGS on B (and likewise DFP)
    assert bu.matrix * hu.matrix == sp.eye(b.rows)
    assert du.matrix * dh.matrix == sp.eye(b.rows)
    # curvature condition y^T s > 0: BFGS keeps B positive definite
    assert np.linalg.eigvalsh(np.array(bu.matrix, dtype=float))[0] > 0
    v = yv - b * s
    if (v.T * s)[0] != 0:
        assert sr1_update(b, s, yv).secant_holds()


def test_quasi_newton_errors_and_display() -> None:
    with pytest.raises(InputError, match="y\\^T s"):
        bfgs_update(sp.eye(2), [1, 0], [0, 1])
    with pytest.raises(InputError, match="shapes"):
        bfgs_update(sp.eye(3), [1, 0], [0, 1])
    u = sr1_update(sp.eye(2), [1, 0], [2, 1])
    assert "B_{+}" in u.latex() and u._repr_latex_().startswith("$\\displaystyle")


# -- CLI -------------------------------------------------------------------------------------


def test_cli_step(capsys) -> None:
    assert main(["step", "newton", "x**4-2*x**2+1/2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["update"] == ["2*x**3/(3*x**2 - 1)"]
    assert main(["step", "gradient", "(x-3)^2", "--lr", "1/10", "--at", "0"]) == 0
    assert "(3/5)" in capsys.readouterr().out
    assert main(["step", "gauss-newton", "x - 1", "10*(y - x^2)", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["update"][0] == "1"
    assert main(["step", "lm", "x - 1", "--damping", "lambda", "--at", "0"]) == 0
    assert "1/(lambda + 1)" in capsys.readouterr().out
    assert main(["step", "newton", "x + y"]) == 2
    assert "singular" in capsys.readouterr().err


def test_newton_logistic_three_variables_matches_numpy() -> None:
    # transcendental, 3 variables: the update stays exact (unsimplified) and evaluates right
    s = newton_step("log(1+exp(x-2*y)) + log(1+exp(y+z)) + x**2+y**2+z**2", "x, y, z")
    p = np.array([0.5, 1 / 3, 0.2])
    a = np.array([[1.0, -2.0, 0.0], [0.0, 1.0, 1.0]])
    zs = a @ p
    sig = 1 / (1 + np.exp(-zs))
    g = a.T @ sig + 2 * p
    h = (a.T * (sig * (1 - sig))) @ a + 2 * np.eye(3)
    want = p - np.linalg.solve(h, g)
    got = [float(v) for v in s.at(("1/2", "1/3", "1/5"))]
    assert np.allclose(got, want, rtol=1e-13)


@pytest.mark.parametrize("text", ["x**4 - 2*x**2 + 1/2", "exp(x)*sin(y) + x*y**3",
                                  "log(1 + exp(x - 2*y)) + y**2"])
def test_newton_model_is_the_order_2_taylor_polynomial(text: str) -> None:
    # two independent routes: gradient/Hessian here, truncated power series in taylor.py
    from symtaylor.taylor import taylor

    s = newton_step(text, None)
    syms = s.variables
    pts = sp.symbols(f"a0:{len(syms)}")
    poly = taylor(text, list(syms), at=pts, order=2).polynomial
    d = s.model.displacement
    shifted = poly.xreplace({v: p + di for v, p, di in zip(syms, pts, d)})
    shifted = shifted.xreplace(dict(zip(pts, syms)))
    m = s.model
    model = m.value + sum(gi * di for gi, di in zip(m.gradient, d)) + sum(
        m.hessian[i, j] * d[i] * d[j] for i in range(len(d)) for j in range(len(d))) / 2
    assert sp.simplify(sp.expand(shifted - model)) == 0


def test_cauchy_point_of_a_linear_or_concave_model_goes_to_the_boundary() -> None:
    # g.B.g <= 0: tau = 1, the step -radius g/||g|| (Nocedal & Wright, eq. 4.12)
    p = cauchy_point("3*x + 4*y", "x, y", radius=10, at=(1, 1))
    assert list(p.direction) == [-6, -8]
    assert list(p.update) == [-5, -7]
    q = cauchy_point("x - y**2", "x, y", radius=2, at=(0, 0))
    assert list(q.direction) == [-2, 0]


def test_numpy_and_fraction_parameters() -> None:
    # numpy scalars and Fractions are numbers: the same update as the Python number
    from fractions import Fraction

    x = sp.Symbol("x")
    assert newton_step(x**4, [x], damping=np.int64(1)).update == \
        newton_step(x**4, [x], damping=1).update
    assert gradient_step(x**2, [x], lr=Fraction(1, 4)).update[0] == x / 2
    assert sp.simplify(levenberg_marquardt_step(["x - 1"], "x", np.int32(3)).update[0]
                       - (3 * x + 1) / 4) == 0
    with pytest.raises(InputError):
        gradient_step(x**2, [x], lr=float("nan"))


def test_newton_on_four_variable_rosenbrock_is_exact() -> None:
    # polynomial Hessians are solved in the field of rational functions (fraction-free): this
    # took ~25 s through an expression-level cancel of the LU solution, now well under 1 s
    xs = sp.symbols("x0:4")
    f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(3)) \
        + xs[0] * xs[3]
    s = newton_step(f, xs)
    pt = {v: sp.Rational(k + 2, 7) for k, v in enumerate(xs)}
    h = sp.hessian(f, xs).subs(pt)
    g = sp.Matrix([f.diff(v) for v in xs]).subs(pt)
    truth = sp.Matrix([pt[v] for v in xs]) - h.LUsolve(g)
    assert s.update.shape == (4, 1)
    assert (s.update.subs(pt) - truth).applyfunc(sp.simplify).is_zero_matrix
    assert (s.direction.subs(pt) + h.LUsolve(g)).applyfunc(sp.simplify).is_zero_matrix
    lm = levenberg_marquardt_step([10 * (xs[i + 1] - xs[i] ** 2) for i in range(3)]
                                  + [1 - xs[0]], xs, 2)
    r = sp.Matrix([10 * (xs[i + 1] - xs[i] ** 2) for i in range(3)] + [1 - xs[0]])
    j = r.jacobian(xs).subs(pt)
    lm_truth = sp.Matrix([pt[v] for v in xs]) - (j.T * j + 2 * sp.eye(4)).LUsolve(
        j.T * r.subs(pt))
    assert (lm.update.subs(pt) - lm_truth).applyfunc(sp.simplify).is_zero_matrix


# -- refusals (issue 16) ------------------------------------------------------------------------


@pytest.mark.parametrize("call, match", [
    (lambda: gradient_step("x^2", "x", lr=0), "lr must be positive"),
    (lambda: gradient_step("x^2", "x", lr=-1), "lr must be positive"),
    (lambda: dogleg_step("x^2 + y^2", "x, y", radius=-1, at=(1, 1)), "radius must be positive"),
    (lambda: dogleg_step("x^2 + y^2", "x, y", radius=0, at=(1, 1)), "radius must be positive"),
    (lambda: cauchy_point("x^2", "x", radius=-1, at=1), "radius must be positive"),
    (lambda: newton_step("x^2", "x", damping=-2), "damping must be non-negative"),
    (lambda: levenberg_marquardt_step(["x - 1"], "x", damping=-1), "damping must be"),
])
def test_bad_step_parameters_are_refused(call, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()


@pytest.mark.parametrize("f, point, regular", [
    ("x**3", 0, 1), ("x**4 - 2*x**2", "1/sqrt(3)", 2), ("x**2 + x*y**2", (0, 0), (1, 2)),
])
def test_newton_at_a_singular_hessian_is_refused(f: str, point: object, regular: object
                                                 ) -> None:
    # truth: the Hessian at the point, by NumPy, is singular (so H d = -g has no unique
    # solution); the simplified update (x/2 for x**3) would have said 0
    s = newton_step(f, None)
    pt = point if isinstance(point, tuple) else (point,)
    vals = [float(sp.sympify(str(p))) for p in pt]
    h = np.array([[float(e.subs(dict(zip(s.variables, vals)))) for e in row]
                  for row in s.model.hessian.tolist()])
    assert abs(np.linalg.det(h)) < 1e-12
    with pytest.raises(InputError, match="singular"):
        s.at(point)
    assert all(sp.Abs(v) < sp.oo for v in s.at(regular))


def test_gauss_newton_at_a_rank_deficient_jacobian_is_refused() -> None:
    s = gauss_newton_step(["x**2"], "x")
    assert s.at(sp.Rational(1, 2)) == (sp.Rational(1, 4),)  # x - x**2/(2x) = x/2
    with pytest.raises(InputError, match="singular"):
        s.at(0)


@pytest.mark.parametrize("n", [7, 1000, 3000, 10**6])
def test_newton_on_a_huge_power_is_fast_and_exact(n: int) -> None:
    # truth by hand: f = (x+1)^n, f' = n (x+1)^(n-1), f'' = n(n-1)(x+1)^(n-2), so the Newton
    # update is x - (x+1)/(n-1); below MAX_STEP_DEGREE the field path, above it the quotient
    # (nothing expanded: a million-term polynomial was a MemoryError)
    x = sp.Symbol("x")
    s = newton_step(f"(x+1)**{n}", "x")
    assert sp.expand(s.update[0] - (x - (x + 1) / (n - 1))) == 0
    assert s.at(1) == (1 - sp.Rational(2, n - 1),)
    assert "nabla" in s.latex()
    g = gauss_newton_step([f"(x+1)**{n}"], "x")  # r/r' = (x+1)/n
    assert sp.expand(g.update[0] - (x - (x + 1) / n)) == 0


@pytest.mark.parametrize("call", [
    lambda: newton_step("(x+1)**1000000 + y**2", "x, y"),
    lambda: newton_step("x**1000000*y + y**2", "x, y"),
    lambda: cauchy_point("(x+1)**1000000", "x", radius=1),
])
def test_huge_multivariate_or_symbolic_steps_are_refused_up_front(call) -> None:
    with pytest.raises(InputError, match="degree up to"):
        call()


def test_trust_region_steps_at_a_point_of_a_huge_power() -> None:
    # at x = 0 the model is g = n, B = n(n-1): Newton -1/(n-1), inside radius 1
    n = 10**6
    for s in (dogleg_step(f"(x+1)**{n}", "x", 1, 0), cauchy_point(f"(x+1)**{n}", "x", 1, 0)):
        assert s.update[0] == -sp.Rational(1, n - 1)
