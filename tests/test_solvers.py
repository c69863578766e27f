"""Tests of symtaylor.optimize: the facades, the METHODS registry, the counting wrapper, the
numeric cores (lm, trust_region, linesearch, ...) and the compatibility shims.

Truths used: closed forms (quadratics, known minimizers), mpmath roots at 50 digits, the seeds'
own hand-written NumPy loops, SciPy (L-BFGS-B, lstsq), brute force over random samples.
"""

from __future__ import annotations

import dataclasses
import itertools

import mpmath
import numpy as np
import pytest
import scipy.optimize as so
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from symtaylor import InputError, SolverError
from symtaylor.optimize import METHODS, Result, Status, least_squares, method_table, minimize
from symtaylor.optimize.linesearch import armijo, wolfe
from symtaylor.optimize.lm import levenberg_marquardt, lm_parameter
from symtaylor.optimize.methods import names
from symtaylor.optimize.trust_region import dogleg_subproblem, exact_subproblem

x, y = sp.symbols("x y")
t1, t2 = sp.symbols("theta1 theta2")


# -- the seeds' demonstrations --------------------------------------------------------------------


def test_seed_newton_vs_gd_double_well():
    """Seed 000: f = x^4 - 2x^2 + 0.5 from 2.0; both reach the minimum x = 1 (f = -1/2),
    Newton quadratically in a few steps, gradient descent (lr = 0.01) linearly in many."""
    f = x**4 - 2 * x**2 + sp.Rational(1, 2)
    newton = minimize(f, [x], [2.0], method="newton")
    gd = minimize(f, [x], [2.0], method="gradient-descent", lr=0.01)
    assert newton.success and gd.success
    assert newton.x[0] == pytest.approx(1.0, abs=1e-9)
    assert newton.fun == pytest.approx(-0.5, abs=1e-15)
    assert gd.x[0] == pytest.approx(1.0, abs=1e-8)
    assert newton.nit <= 7 < 50 < gd.nit
    # Quadratic convergence: e_{k+1} <= C e_k^2 with C = f'''/(2 f'') = 24/16 at x = 1.
    e = np.abs(newton.history.x[:, 0] - 1.0)[:-1]
    for a, b in itertools.pairwise(e[2:]):
        if a > 1e-7:
            assert b <= 2.0 * a * a
    # The fixed-step iterates are exactly the seed's hand-written loop x -= 0.01 * f'(x).
    xs, xk = [2.0], 2.0
    for _ in range(50):
        xk -= 0.01 * (4 * xk**3 - 4 * xk)
        xs.append(xk)
    assert np.allclose(gd.history.x[:51, 0], xs, rtol=1e-14, atol=0)


def test_seed_newton_quadratic_one_step():
    """Seed 000: Newton on theta1^2 + 10 theta2^2 from (5, 5) converges in exactly one step."""
    r = minimize(t1**2 + 10 * t2**2, [t1, t2], [5.0, 5.0], method="newton")
    assert r.success and r.nit == 1
    # (one Cholesky solve: exact up to the rounding of sqrt(2)**2, no eigen-decomposition)
    assert r.x == pytest.approx([0.0, 0.0], abs=1e-14)
    assert r.hess_min_eig == pytest.approx(2.0)


def test_seed_trust_region_quartic():
    """Seed 000: trust region on x^4 - 3x^2 + x from 2.0 ends at the local minimum near 1.13,
    the root of 4x^3 - 6x + 1 (mpmath, 50 digits) where f'' > 0."""
    f = x**4 - 3 * x**2 + x
    with mpmath.workdps(50):
        root = mpmath.findroot(lambda t: 4 * t**3 - 6 * t + 1, 1.1)
    for sub in ("exact", "dogleg"):
        r = minimize(f, [x], [2.0], method="trust-region", subproblem=sub)
        assert r.success, r.message
        assert r.x[0] == pytest.approx(float(root), abs=1e-12)
        assert r.hess_min_eig > 0
        assert r.nit <= 10


def _seed_logistic_data():
    np.random.seed(42)
    n, d = 500, 20
    X = np.random.randn(n, d)
    true_w = np.random.randn(d)
    yv = (1 / (1 + np.exp(-X @ true_w)) > 0.5).astype(float)
    return X, yv


def test_seed_lbfgs_vs_gd_logistic():
    """Seed 000: logistic regression (n = 500, d = 20, seed 42). Gradient descent (lr = 0.5,
    500 steps) reproduces the seed's NumPy loop; L-BFGS reaches a lower loss than both GD and
    SciPy's L-BFGS-B in fewer iterations than GD's 500."""
    X, yv = _seed_logistic_data()
    n, d = X.shape
    w = sp.symbols(f"w1:{d + 1}")
    xs = sp.symbols(f"x1:{d + 1}")
    ys = sp.Symbol("y")
    z = sum(wi * xi for wi, xi in zip(w, xs))
    loss = ys * sp.log(1 + sp.exp(-z)) + (1 - ys) * sp.log(1 + sp.exp(z))
    data = {**{xs[j]: X[:, j] for j in range(d)}, ys: yv}

    def seed_loss(wv):
        s = 1 / (1 + np.exp(-np.clip(X @ wv, -500, 500)))
        return -np.mean(yv * np.log(s + 1e-10) + (1 - yv) * np.log(1 - s + 1e-10))

    wv = np.zeros(d)
    for _ in range(500):
        s = 1 / (1 + np.exp(-X @ wv))
        wv -= 0.5 * (X.T @ (s - yv)) / n
    gd = minimize(loss, w, np.zeros(d), method="gradient-descent", lr=0.5, data=data,
                  reduce="mean", max_iter=500, check_second_order=False)
    assert gd.status is Status.MAX_ITER and not gd.success
    assert np.allclose(gd.x, wv, rtol=1e-9, atol=1e-12)
    assert gd.fun == pytest.approx(seed_loss(wv), rel=1e-6)
    lb = minimize(loss, w, np.zeros(d), method="l-bfgs", data=data, reduce="mean",
                  gtol=1e-6, max_iter=200, check_second_order=False)
    ref = so.minimize(seed_loss, np.zeros(d), jac=lambda v: X.T @ (
        1 / (1 + np.exp(-X @ v)) - yv) / n, method="L-BFGS-B")
    assert lb.fun < gd.fun
    assert lb.fun <= ref.fun + 1e-6
    assert lb.nit < 500


# -- second-order honesty -----------------------------------------------------------------------


def test_newton_escapes_saddle_and_reports():
    """The origin is a saddle of x^4/4 - x^2/2 + y^2 (minima at x = +-1). Newton and the trust
    region leave it along negative curvature; BFGS starts with g = 0 and must NOT call the saddle
    a minimum."""
    f = x**4 / 4 - x**2 / 2 + y**2
    for method in ("newton", "trust-region"):
        r = minimize(f, [x, y], [0.0, 0.0], method=method)
        assert r.success, (method, r.message)
        assert abs(r.x[0]) == pytest.approx(1.0, abs=1e-9) and r.fun == pytest.approx(-0.25)
    b = minimize(f, [x, y], [0.0, 0.0], method="bfgs")
    assert not b.success and b.status is Status.SADDLE
    assert "not a minimum" in b.message.lower() or "NOT a minimum" in b.message


def test_maximum_is_not_a_minimum():
    """At a stationary maximum SciPy's trust-exact reports success; we report SADDLE."""
    f = -(x**2) - y**2
    ref = so.minimize(lambda v: -(v @ v), np.zeros(2), jac=lambda v: -2 * v,
                      hess=lambda v: -2 * np.eye(2), method="trust-exact")
    assert ref.success  # SciPy's behaviour this guards against
    r = minimize(f, [x, y], [0.0, 0.0], method="gradient-descent", lr=0.1)
    assert not r.success and r.status is Status.SADDLE
    assert r.hess_min_eig == pytest.approx(-2.0)


@pytest.mark.parametrize("method", names("minimize"))
@pytest.mark.parametrize("f", ["x**2 - y**2", "-x**2 - y**2"], ids=["saddle", "maximum"])
def test_start_exactly_at_saddle_or_maximum_is_never_success(f, method):
    """g = 0 at the start. Both functions are unbounded below: second-order methods leave along
    negative curvature and must report divergence; first-order ones cannot move and must say
    SADDLE. Nobody may report success."""
    opts = {"lr": 0.1} if method == "gradient-descent" else {}
    r = minimize(f, "x y", [0, 0], method=method, **opts)
    assert not r.success, (method, r.status, r.x)
    if method in ("newton", "trust-region"):
        assert r.status is Status.DIVERGED and np.max(np.abs(r.x)) > 1e6
    else:
        assert r.status is Status.SADDLE and r.hess_min_eig == pytest.approx(-2.0)


@pytest.mark.parametrize("method", ["newton", "trust-region"])
def test_second_order_methods_leave_a_maximum_for_the_minimum(method):
    """x = 0 is a local maximum of x^4 - 2x^2 (+ y^2): Newton must not stop there."""
    r = minimize("x**4 - 2*x**2 + y**2", "x y", [0, 0], method=method)
    assert r.success and abs(r.x[0]) == pytest.approx(1.0) and r.fun == pytest.approx(-1.0)
    assert r.hess_min_eig == pytest.approx(2.0)


def test_newton_exact_on_badly_scaled_positive_definite_hessian():
    """cond(H) ~ 1e12 but positive definite: the exact Newton step must be kept (Brown badly
    scaled, MGH 4), not damped by an eigenvalue floor."""
    f = "(x - 1e6)**2 + (y - 2e-6)**2 + (x*y - 2)**2"
    r = minimize(f, "x y", [1, 1], method="newton")
    assert r.success and r.nit < 50
    assert r.x == pytest.approx([1e6, 2e-6], rel=1e-9)


def test_sum_of_squares_hessian_matches_full_hessian():
    """minimize assembles the Hessian of sum w_i r_i^2 as 2 (J^T W J + sum w_i r_i Hess r_i);
    it must equal SymPy's Hessian of the whole expression."""
    from symtaylor.optimize.objective import SumOfSquares, build_objective

    f = (x * sp.exp(y) - 2) ** 2 + 3 * (sp.sin(x * y) + y**2) ** 2 + (x - y) ** 2 + 5
    obj = build_objective(f, [x, y], None, "sum")
    assert isinstance(obj, SumOfSquares)
    H = sp.lambdify((x, y), sp.hessian(f, (x, y)))
    g = sp.lambdify((x, y), [sp.diff(f, v) for v in (x, y)])
    for pt in ([0.3, -0.7], [1.5, 0.2]):
        assert obj.f(np.array(pt)) == pytest.approx(float(f.subs({x: pt[0], y: pt[1]})))
        assert np.allclose(obj.grad(np.array(pt)), g(*pt), rtol=1e-12)
        assert np.allclose(obj.hess(np.array(pt)), H(*pt), rtol=1e-12)


# -- failures are statuses, with messages -----------------------------------------------------


def test_divergence_with_large_fixed_step():
    r = minimize(x**2 + y**2, [x, y], [1.0, 1.0], method="gradient-descent", lr=1.5)
    assert not r.success and r.status in (Status.DIVERGED, Status.NON_FINITE)
    assert "lr" in r.message


def test_iteration_limit():
    r = minimize("(1 - x)**2 + 100*(y - x**2)**2", "x y", [-1.2, 1], method="gradient-descent",
                 lr=1e-4, max_iter=20)
    assert not r.success and r.status is Status.MAX_ITER and r.nit == 20
    assert "max_iter" in r.message


def test_non_finite_start():
    r = minimize(sp.log(x) + x**2, [x], [-1.0], method="newton")
    assert not r.success and r.status is Status.NON_FINITE
    assert "nan" in r.message


def test_unbounded_below_diverges():
    r = minimize(x**3, [x], [-1.0], method="newton", max_iter=5000)
    assert not r.success


def test_gd_armijo_and_one_over_L():
    f = t1**2 + 10 * t2**2
    r = minimize(f, [t1, t2], [5, 5], method="gradient-descent", lr="1/L")
    assert r.success and np.allclose(r.x, 0, atol=1e-8)
    # alpha = 1/L = 1/20 exactly: theta2 is zeroed in one step, theta1 shrinks by 0.9.
    assert r.history.x[1].tolist() == pytest.approx([4.5, 0.0])
    a = minimize("(1 - x)**2 + 100*(y - x**2)**2", "x y", [-1.2, 1],
                 method="gradient-descent", line_search="armijo", max_iter=20000, gtol=1e-5)
    assert a.success and np.allclose(a.x, [1, 1], atol=1e-4)


def test_callback_and_progress(capsys):
    seen = []

    def cb(state):
        seen.append(state.nit)
        return state.nit >= 3

    r = minimize("(1 - x)**2 + 100*(y - x**2)**2", "x y", [-1.2, 1], method="bfgs",
                 callback=cb, progress=1)
    assert r.status is Status.CALLBACK and not r.success and r.nit == 3
    assert seen[:4] == [0, 1, 2, 3]
    assert "iter" in capsys.readouterr().err


def test_bad_input():
    with pytest.raises(SolverError, match="valid methods"):
        minimize("x**2", "x", [1], method="simplex")
    with pytest.raises(InputError, match="x0 has 3 entries"):
        minimize("x**2 + y**2", "x y", [1, 2, 3], method="newton")
    with pytest.raises(InputError, match="neither variables nor data"):
        minimize("a*x**2", "x", [1])
    with pytest.raises(InputError, match="different lengths"):
        least_squares("b*x - y", "b", [1], data={"x": [1, 2], "y": [1, 2, 3]})
    with pytest.raises(SolverError, match="lr"):
        minimize("x**2", "x", [1], method="gradient-descent", lr=-1)
    with pytest.raises(SolverError, match="lr"):
        minimize("x**2", "x", [1], method="newton", lr=0.1)
    with pytest.raises(InputError, match="x0"):
        minimize("x**2", "x", None)


def test_result_record():
    r = minimize(t1**2 + 10 * t2**2, [t1, t2], [5, 5], method="trust-region")
    assert isinstance(r, Result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.x = None  # type: ignore[misc]
    text = repr(r)
    assert "success=True" in text and "trust-region" in text and "nfev=" in text
    assert r.status.success and r.status.message in r.message
    assert r._repr_latex_().startswith("$\\displaystyle")
    assert len(r.history) == r.nit + 1
    assert r.wall_time >= 0 and r.nfev >= r.nit


# -- least squares -------------------------------------------------------------------------------


def test_least_squares_data_form_matches_list_form_and_scipy():
    b1, b2, xx, yy = sp.symbols("b1 b2 x y")
    rng = np.random.default_rng(1)
    xs = np.linspace(0, 5, 30)
    ys = 2.5 * np.exp(-0.4 * xs) + 0.01 * rng.standard_normal(30)
    model = b1 * sp.exp(-b2 * xx)
    r1 = least_squares(model - yy, [b1, b2], [1, 1], data={xx: xs, yy: ys})
    r2 = least_squares([model.subs(xx, float(a)) - float(b) for a, b in zip(xs, ys)],
                       [b1, b2], [1, 1])
    ref = so.least_squares(lambda b: b[0] * np.exp(-b[1] * xs) - ys, [1, 1], method="lm",
                           xtol=1e-15, ftol=1e-15, gtol=1e-15)
    for r in (r1, r2):
        assert r.success
        assert np.allclose(r.x, ref.x, rtol=1e-9)
        assert r.fun == pytest.approx(2 * ref.cost, rel=1e-10)
    gn = least_squares(model - yy, [b1, b2], [2, 0.5], data={xx: xs, yy: ys},
                       method="gauss-newton")
    assert gn.success and np.allclose(gn.x, ref.x, rtol=1e-8)


def test_least_squares_linear_closed_form():
    """A linear model: LM and Gauss-Newton give the normal-equations solution (numpy lstsq)."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((12, 3))
    bvec = rng.standard_normal(12)
    v = sp.symbols("v1:4")
    res = [sum(float(A[i, j]) * v[j] for j in range(3)) - float(bvec[i]) for i in range(12)]
    truth = np.linalg.lstsq(A, bvec, rcond=None)[0]
    for method in ("lm", "gauss-newton"):
        r = least_squares(res, v, [0, 0, 0], method=method)
        assert r.success and np.allclose(r.x, truth, rtol=1e-10, atol=1e-12)


def test_least_squares_reports_non_finite():
    r = least_squares(["log(x)", "x - 2"], "x", [-1.0])
    assert not r.success and r.status is Status.NON_FINITE


# -- numeric cores, properties -------------------------------------------------------------------


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 10_000), st.floats(0.05, 5.0))
def test_exact_step_is_global_minimizer(seed, delta):
    """The exact trust-region step beats every sampled point of the ball and lies in it."""
    rng = np.random.default_rng(seed)
    n = 3
    A = rng.standard_normal((n, n))
    H = A + A.T
    g = rng.standard_normal(n)
    p, lam, _ = exact_subproblem(g, H, delta)
    assert np.linalg.norm(p) <= delta * (1 + 1e-9)
    model = lambda q: g @ q + 0.5 * q @ H @ q  # noqa: E731
    dirs = rng.standard_normal((2000, n))
    pts = dirs / np.linalg.norm(dirs, axis=1)[:, None] * delta * rng.uniform(0, 1, (2000, 1))
    pts_b = dirs / np.linalg.norm(dirs, axis=1)[:, None] * delta
    best = min(np.min(np.einsum("i,ki->k", g, P) + 0.5 * np.einsum("ki,ij,kj->k", P, H, P))
               for P in (pts, pts_b))
    assert model(p) <= best + 1e-9
    # Optimality: H + lam I is positive semidefinite.
    assert np.linalg.eigvalsh(H + lam * np.eye(n))[0] >= -1e-8


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 10_000), st.floats(0.05, 5.0))
def test_dogleg_decreases_model_and_stays_inside(seed, delta):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((3, 3))
    H = A @ A.T + 0.1 * np.eye(3)
    g = rng.standard_normal(3)
    p, _, _ = dogleg_subproblem(g, H, delta)
    assert np.linalg.norm(p) <= delta * (1 + 1e-12)
    cauchy_t = min(delta / np.linalg.norm(g), (g @ g) / (g @ H @ g))
    pc = -cauchy_t * g
    assert g @ p + 0.5 * p @ H @ p <= g @ pc + 0.5 * pc @ H @ pc + 1e-12


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 10_000), st.floats(0.01, 10.0))
def test_lm_parameter_hits_radius(seed, delta):
    """lmpar's contract: par = 0 and ||y|| <= 1.1 delta, or ||y|| within 10% of delta; and y
    solves (S^2 + par) y = -S c."""
    rng = np.random.default_rng(seed)
    s = np.sort(rng.uniform(0.01, 10, 4))[::-1]
    c = rng.standard_normal(4)
    par, yv = lm_parameter(s, c, delta, 0.0)
    ny = np.linalg.norm(yv)
    if par == 0:
        assert ny <= 1.1 * delta
    else:
        assert abs(ny - delta) <= 0.1 * delta
        assert np.allclose((s**2 + par) * yv, -s * c)


@settings(deadline=None, max_examples=15)
@given(st.integers(0, 10_000))
@example(2660)  # l-bfgs stalled at ||g|| 7.7e-10 (its full step at round-off raised ||g||)
def test_quadratic_all_methods_agree_with_linear_solve(seed):
    """f = x.A.x/2 - b.x with A SPD: every method reaches A^-1 b (numpy.linalg.solve)."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((3, 3))
    A = M @ M.T + np.eye(3)
    b = rng.standard_normal(3)
    v = sp.symbols("u1:4")
    f = sum(sp.Rational(1, 2) * float(A[i, j]) * v[i] * v[j] for i in range(3)
            for j in range(3)) - sum(float(b[i]) * v[i] for i in range(3))
    truth = np.linalg.solve(A, b)
    for method in names("minimize"):
        if method == "gradient-descent":
            continue  # linear convergence: tested on quadratics above and below
        r = minimize(f, v, [0, 0, 0], method=method, gtol=1e-10)
        assert r.success, (method, r.message)
        # f is flat to round-off within ~sqrt(eps) of the minimizer: compare at 1e-6.
        assert np.allclose(r.x, truth, rtol=1e-6, atol=1e-8), method
    assert minimize(f, v, [0, 0, 0], method="newton").nit == 1


def test_line_searches_satisfy_their_conditions():
    phi = lambda t: (t - 3.0) ** 2 + np.sin(4 * t)  # noqa: E731
    dphi = lambda t: 2 * (t - 3.0) + 4 * np.cos(4 * t)  # noqa: E731
    r = armijo(phi, phi(0), dphi(0), t0=1.0)
    assert r.ok and phi(r.t) <= phi(0) + 1e-4 * r.t * dphi(0)
    w = wolfe(lambda t: (phi(t), dphi(t)), phi(0), dphi(0), t0=0.1)
    assert w.ok
    assert phi(w.t) <= phi(0) + 1e-4 * w.t * dphi(0)
    assert abs(dphi(w.t)) <= 0.9 * abs(dphi(0))


def test_lm_core_matches_scipy_minpack_on_rosenbrock_residuals():
    fun = lambda v: np.array([10 * (v[1] - v[0] ** 2), 1 - v[0]])  # noqa: E731
    jac = lambda v: np.array([[-20 * v[0], 10.0], [-1.0, 0.0]])  # noqa: E731
    out = levenberg_marquardt(fun, jac, np.array([-1.2, 1.0]))
    ref = so.least_squares(fun, [-1.2, 1.0], jac=jac, method="lm")
    assert np.allclose(out.x, ref.x, atol=1e-10) and np.allclose(out.x, [1, 1])


# -- command line -------------------------------------------------------------------------------


def test_cli_minimize_text_json_and_exit_status(capsys):
    import json

    from symtaylor.cli import main

    assert main(["minimize", "x**4 - 2*x**2 + 1/2", "--x0", "2", "--method", "newton"]) == 0
    out = capsys.readouterr().out
    assert "newton" in out and "x = 1" in out and "gtol" in out
    assert main(["minimize", "x**4 - 2*x**2 + 1/2", "--x0", "2", "--method", "newton",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["success"] is True and data["status"] == "gtol"
    assert data["x"]["x"] == pytest.approx(1.0) and data["fun"] == pytest.approx(-0.5)
    assert data["nfev"] >= data["nit"] >= 1
    # a run that does not converge: exit status 1, and the message says why
    assert main(["minimize", "x^2 - y^2", "--x0", "0, 0", "--method", "bfgs"]) == 1
    assert "saddle" in capsys.readouterr().out
    assert main(["minimize", "x**4 - 2*x**2 + 1/2", "--x0", "2", "--method",
                 "gradient-descent", "--lr", "0.6"]) == 1
    assert "diverged" in capsys.readouterr().out


def test_cli_minimize_least_squares_and_errors(capsys):
    import json

    from symtaylor.cli import main

    assert main(["minimize", "10*(y - x^2); 1 - x", "--x0", "-1.2, 1", "--least-squares",
                 "--json", "--history"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "lm" and data["success"]
    assert [data["x"]["x"], data["x"]["y"]] == pytest.approx([1.0, 1.0])
    assert len(data["history"]["f"]) == data["nit"] + 1
    assert main(["minimize", "x^2", "--x0", "1", "--method", "simplex"]) == 2
    assert "valid methods" in capsys.readouterr().err
    assert main(["minimize", "x^2", "--x0", "1", "--lr", "fast", "--method",
                 "gradient-descent"]) == 2


def test_least_squares_repeated_fits_use_the_new_data_and_check_it():
    """The front-end cache (same residual text, variables and data names) must fit the data of
    THIS call (closed form: a straight line, numpy polyfit) and still check it."""
    xs = np.linspace(0, 1, 9)
    for slope, icpt in ((2.0, 1.0), (-3.0, 0.5), (0.25, -4.0)):
        ys = slope * xs + icpt + 0.01 * np.sin(7 * xs)
        r = least_squares("a*x + b - y", "a, b", [0, 0], data={"x": xs, "y": ys})
        assert r.success and np.allclose(r.x, np.polyfit(xs, ys, 1), rtol=1e-10, atol=1e-12)
    with pytest.raises(InputError, match="different lengths"):
        least_squares("a*x + b - y", "a, b", [0, 0], data={"x": xs, "y": ys[:5]})
    ys[3] = np.nan
    with pytest.raises(InputError, match="nan"):
        least_squares("a*x + b - y", "a, b", [0, 0], data={"x": xs, "y": ys})
    first = least_squares("(p - 3)**2 - q", "p", [0], data={"q": [0.0, 0.0]})
    again = least_squares("(p - 3)**2 - q", "p", [0], data={"q": [0.0, 0.0]})
    assert again.compile_time == 0.0 and first.x == pytest.approx(again.x)


@pytest.mark.parametrize("lr", [1.0, 1.0001, 1.01])
def test_fixed_step_at_or_just_above_two_over_L_is_divergence(lr):
    """x^2 has L = 2: the fixed step 1 oscillates forever (x = 1, -1, 1, ... by hand) and a step
    just above 1 grows |x| by |1 - 2 lr| per iteration. Neither may end as success, nor as a mere
    iteration limit: the message must say that lr is too large."""
    r = minimize("x**2", "x", 1, method="gradient-descent", lr=lr, max_iter=2000)
    assert not r.success and r.status is Status.DIVERGED
    assert "lr" in r.message and "too large" in r.message
    k = min(r.nit, 5)
    assert r.history.x[:k + 1, 0] == pytest.approx([(1 - 2 * lr) ** i for i in range(k + 1)])


@pytest.mark.parametrize("method", ["newton", "bfgs", "l-bfgs"])
def test_linear_objective_is_reported_unbounded(method):
    """f = x + 2y has no minimum; the runs go far out and must say so, not 'raise max_iter'."""
    r = minimize("x + 2*y", "x y", [0, 0], method=method)
    assert not r.success and r.status is Status.DIVERGED
    assert "unbounded below" in r.message and r.fun < -1e6


@pytest.mark.parametrize("method", ["bfgs", "newton", "trust-region"])
@pytest.mark.parametrize("f, x0", [("x**3", 1.0), ("exp(x)", 0.0)], ids=["cubic", "exp"])
def test_flat_point_f_keeps_falling_from_is_not_a_minimum(f, x0, method):
    """x^3 at its inflection point 0 and exp(x) far left (gradient below gtol) have a singular
    Hessian and f decreases monotonically along it: no minimum, so never success."""
    r = minimize(f, "x", x0, method=method)
    if r.success:  # Newton/trust region stop at x^3's inflection before g vanishes exactly
        assert f == "x**3" and method != "bfgs" and r.hess_min_eig > 0
    else:
        assert r.status in (Status.SADDLE, Status.DIVERGED)
        assert "not a minimum" in r.message.lower() or "unbounded" in r.message


def test_degenerate_minimum_is_still_a_success():
    """x^4 + (y - 1)^2: the Hessian at the minimum (0, 1) is singular but it IS the minimum."""
    for method in ("bfgs", "newton", "trust-region"):
        r = minimize("x**4 + (y - 1)**2", "x y", [1, 0], method=method)
        assert r.success, (method, r.message)
        assert abs(r.x[0]) < 1e-2 and r.x[1] == pytest.approx(1.0)


def test_callable_of_variables_and_data_symbols():
    """A Python function of the parameters AND the data columns (by name, in any order) fits
    like the expression form; SciPy's MINPACK on the same model is the truth."""
    xs = np.linspace(0, 4, 25)
    ys = 2.5 * np.exp(-1.3 * xs) + 0.02 * np.cos(5 * xs)
    ref = so.least_squares(lambda b: b[0] * np.exp(-b[1] * xs) - ys, [1, 1], method="lm",
                           xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    data = {"x": xs, "y": ys}
    for fn in (lambda a, b, x, y: a * sp.exp(-b * x) - y,
               lambda y, x, b, a: a * sp.exp(-b * x) - y):
        r = least_squares(fn, "a b", [1, 1], data=data)
        assert r.success and np.allclose(r.x, ref, rtol=1e-7)
    m = minimize(lambda a, b, x, y: (a * sp.exp(-b * x) - y) ** 2, "a b", [1, 1], data=data,
                 method="bfgs")
    assert m.success and np.allclose(m.x, ref, rtol=1e-7)
    with pytest.raises(InputError, match="sympy functions"):
        least_squares(lambda a, b, x, y: a * np.exp(-b * x) - y, "a b", [1, 1], data=data)


def test_fixed_step_two_cycle_is_explained():
    """lr = 0.26 > 2/f''(1) = 0.25 on the seed's double well: gradient descent settles on a
    2-cycle around the minimum (the hand-written loop below is the truth). Not a success, and
    the message says why."""
    r = minimize("x**4 - 2*x**2 + 1/2", "x", 0.5, method="gradient-descent", lr=0.26,
                 max_iter=2000)
    xk = 0.5
    for _ in range(2000):
        xk -= 0.26 * (4 * xk**3 - 4 * xk)
    assert not r.success and r.status is Status.MAX_ITER
    assert r.x[0] == pytest.approx(xk, rel=1e-9)
    assert "alternate between two points" in r.message and "2/L" in r.message


# -- the registry is the single source of method facts -------------------------------------------

_SMALL = {"minimize": ("(x - 1)**2 + 3*(y + 2)**2 + x*y/4", [0.0, 0.0]),
          "least-squares": (["x - 1", "2*(y + 2)", "x*y/10"], [0.0, 0.0])}


def _facade(kind: str):
    return minimize if kind == "minimize" else least_squares


def _run_small(kind: str, method: str, **options):
    f, x0 = _SMALL[kind]
    gd = method.strip().lower() in ("gradient-descent", *METHODS["gradient-descent"].aliases)
    return _facade(kind)(f, "x y", x0, method=method, **({"lr": 0.05} if gd else {}), **options)


@pytest.mark.parametrize("name", list(METHODS))
def test_every_method_and_alias_resolves_through_its_facade(name):
    """Each registered method runs under its own name and every alias (padded, upper case),
    reports its registry name and the update the registry gives; the alias presets apply."""
    spec = METHODS[name]
    ref = _run_small(spec.kind, name)
    assert ref.success and ref.method == name, ref.message
    assert ref.derivation.rows[-1].rhs == spec.update
    for alias, presets in spec.aliases.items():
        r = _run_small(spec.kind, f"  {alias.upper()} ")
        assert r.method == name and r.success, (alias, r.message)
        explicit = _run_small(spec.kind, name, **presets)
        assert np.array_equal(r.history.x, explicit.history.x), alias


@pytest.mark.parametrize("kind", ["minimize", "least-squares"])
def test_unknown_method_lists_the_valid_names(kind):
    with pytest.raises(SolverError, match="valid methods") as e:
        _run_small(kind, "simplex")
    for name in names(kind) + names(kind, aliases=True):
        assert name in str(e.value)
    other = next(m for m in METHODS.values() if m.kind != kind)
    with pytest.raises(SolverError, match=f"is a {other.kind} method") as e:
        _run_small(kind, other.name)
    assert "valid methods" in str(e.value)


@pytest.mark.parametrize("name", list(METHODS))
def test_unknown_options_are_refused_by_name(name):
    """As SciPy's _check_unknown_options: the option is named, and so is every option the
    method accepts (its own and the facade's common ones), derived from the registry."""
    spec = METHODS[name]
    with pytest.raises(SolverError, match="unknown option 'maxiter'") as e:
        _run_small(spec.kind, name, maxiter=5)
    text = str(e.value)
    assert f"method {name!r}" in text
    for option in (*spec.options, "gtol", "callback", "history"):
        assert option in text.split("accepts:")[1], option
    with pytest.raises(SolverError, match="unknown options 'tol', 'disp'"):
        _run_small(spec.kind, name, tol=1e-3, disp=True)


def test_option_rules_come_from_the_registry():
    """A strict option given to a method that does not take it is refused; an alias's preset
    cannot be contradicted; every option is checked; the defaults are the registry's."""
    with pytest.raises(SolverError, match="lr applies to gradient-descent only"):
        minimize("x**2", "x", [1], method="bfgs", lr=0.1)
    with pytest.raises(SolverError, match="subproblem='dogleg'"):
        minimize("x**2", "x", [1], method="dogleg", subproblem="exact")
    with pytest.raises(SolverError, match="subproblem must be"):
        minimize("x**2", "x", [1], method="trust-region", subproblem="cauchy")
    with pytest.raises(InputError, match="memory"):
        minimize("x**2", "x", [1], method="l-bfgs", memory=0)
    gd = METHODS["gradient-descent"]
    r = minimize("x**2", "x", [1.0], method="gradient-descent", lr=1e-7)
    assert r.status is Status.MAX_ITER and r.nit == gd.max_iter == 10000


def test_facade_signatures_carry_every_registered_option():
    import inspect

    for kind in ("minimize", "least-squares"):
        params = inspect.signature(_facade(kind)).parameters
        for m in METHODS.values():
            if m.kind == kind:
                for option in m.options:
                    assert params[option].kind is inspect.Parameter.KEYWORD_ONLY, option


def test_readme_method_tables_are_the_registry():
    """The README's method tables are rendered from METHODS (method_table); regenerate them
    with ``print(method_table(kind))`` when the registry changes."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for kind in ("minimize", "least-squares"):
        assert method_table(kind) in readme, method_table(kind)
    doc = minimize.__doc__ or ""
    for name in names("minimize") + names("minimize", aliases=True):
        assert f'"{name}"' in doc or name in ("gradient_descent", "trust_region", "l_bfgs"), name


def test_cli_method_choices_are_the_registry():
    from symtaylor.cli import minimize as cli

    presets = [a for m in METHODS.values() if m.kind == "minimize"
               for a, p in m.aliases.items() if p]
    assert list(cli._MIN_METHODS) == [*names("minimize"), *presets]


# -- evaluation counts: one counting wrapper, counting every evaluation ------------------------


def _count_calls(monkeypatch):
    """Wrap the compiled objectives' f, grad and hess so every real evaluation is counted."""
    from symtaylor.optimize.objective import Objective, SumOfSquares

    calls = {"f": 0, "grad": 0, "hess": 0}

    def counting(original, name):
        def wrapped(self, x):
            calls[name] += 1
            return original(self, x)

        return wrapped

    for cls in (Objective, SumOfSquares):
        for name in calls:
            monkeypatch.setattr(cls, name, counting(getattr(cls, name), name))
    return calls


def test_newton_evaluates_the_final_hessian_once(monkeypatch):
    """Newton on the seed's double well from 2 (6 iterations): one Hessian per iterate and none
    again for the second-order check (it was 8 for nit = 6: the final one evaluated and
    decomposed twice); trust-region likewise (one per accepted step)."""
    calls = _count_calls(monkeypatch)
    r = minimize("x**4 - 2*x**2 + 1/2", "x", [2.0], method="newton")
    assert r.success and r.nit == 6 and r.hess_min_eig == pytest.approx(8.0)
    assert r.nhev == calls["hess"] == r.nit + 1 == 7
    # f: 7 in the iteration, at most 3 more for the post-run descent probes (-g and +-v)
    assert (r.nfev, r.njev) == (calls["f"], calls["grad"]) and r.njev == 7 and r.nfev <= 10
    calls.update(f=0, grad=0, hess=0)
    t = minimize("x**4 - 3*x**2 + x + y**2", "x y", [2.0, 1.0], method="trust-region")
    assert t.success and t.nhev == calls["hess"] == t.nit + 1


@pytest.mark.parametrize("method", names("minimize"))
@pytest.mark.parametrize("f", ["x**4 - 2*x**2 + y**2 + x*y/2", "(x - 1)**2 + 3*(x*y - 2)**2"],
                         ids=["general", "sum-of-squares"])
def test_reported_counts_are_the_real_evaluations(monkeypatch, method, f):
    calls = _count_calls(monkeypatch)
    r = minimize(f, "x y", [1.5, 0.5], method=method,
                 **({"line_search": "armijo"} if method == "gradient-descent" else {}))
    assert (r.nfev, r.njev, r.nhev) == (calls["f"], calls["grad"], calls["hess"]), r


@pytest.mark.parametrize("method", names("least-squares"))
def test_least_squares_counts_are_the_real_evaluations(monkeypatch, method):
    import symtaylor.optimize.facade as facade

    calls = {"fun": 0, "jac": 0}
    build = facade.build_residuals

    def counting(*args, **kwargs):
        res = build(*args, **kwargs)
        fun, jac = res.fun, res.jac

        def f(x):
            calls["fun"] += 1
            return fun(x)

        def j(x):
            calls["jac"] += 1
            return jac(x)

        res.fun, res.jac = f, j
        return res

    monkeypatch.setattr(facade, "build_residuals", counting)
    r = least_squares(["10*(y - x**2)", "1 - x", "x*y - 1"], "x y", [-1.2, 1], method=method)
    assert (r.nfev, r.njev) == (calls["fun"], calls["jac"]) and r.nfev > 0


def test_shims_re_export_the_optimize_package():
    """symtaylor.solvers, .lm, .trust_region and .linesearch stay importable as before."""
    import symtaylor.linesearch
    import symtaylor.lm
    import symtaylor.solvers
    import symtaylor.trust_region
    from symtaylor.optimize import linesearch, lm, trust_region

    assert symtaylor.solvers.minimize is minimize is symtaylor.minimize
    assert symtaylor.solvers.least_squares is least_squares
    assert symtaylor.solvers.Result is Result and symtaylor.solvers.Status is Status
    assert symtaylor.lm.levenberg_marquardt is lm.levenberg_marquardt
    assert symtaylor.trust_region.trust_region is trust_region.trust_region
    assert symtaylor.trust_region.dogleg_subproblem is not symtaylor.dogleg_step
    assert symtaylor.linesearch.wolfe is linesearch.wolfe


def test_newton_unbounded_along_negative_curvature_is_no_saddle():
    """1/x + x from 50 leaves for -infinity along negative curvature (f'' = 2/x^3 < 0 there,
    f' -> 1): wherever newton stops, it is not a stationary point, so the run must not say
    SADDLE (it did, with ||g|| = 1) nor claim success (review finding)."""
    r = minimize("1/x + x", "x", [50.0], method="newton")
    assert not r.success
    assert r.status is not Status.SADDLE
    assert r.grad_norm > 0.5  # f'(x) = 1 - 1/x^2 far out: the closed form


@pytest.mark.parametrize("c", [1e-120, 1e-30, 1.0, 1e30])
def test_exact_subproblem_is_scale_invariant(c):
    """min g.p + p.H.p/2 over ||p|| <= delta has the same minimizer for (c g, c H): the
    shift's tolerances follow the Hessian's scale (an absolute floor of 1 gave a step of 6e41
    for a radius of 4e125 at H = -3e-126); 1-D negative curvature: p = -delta sign(g)."""
    from symtaylor.optimize.trust_region import exact_subproblem

    p, _, boundary = exact_subproblem(np.array([c]), np.array([[-3.0 * c]]), 4.0)
    assert boundary and p[0] == pytest.approx(-4.0, rel=1e-12)
    g = np.array([1.0, -2.0, 0.5])
    H = np.array([[2.0, 1.0, 0.0], [1.0, -1.0, 0.3], [0.0, 0.3, 0.5]])
    ref, _, _ = exact_subproblem(g, H, 0.7)
    got, _, _ = exact_subproblem(c * g, c * H, 0.7)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    assert np.linalg.norm(got) == pytest.approx(0.7, rel=1e-9)
