"""examples/iterate_seed_loops.py against independent truth: the seed's own hand-written NumPy
loops (hand-derived derivatives, written out here as the seed has them), closed-form minimizers
(roots of f'), and SciPy's L-BFGS-B."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize as scipy_minimize

from symtaylor import Status

_PATH = Path(__file__).resolve().parents[1] / "examples" / "iterate_seed_loops.py"


@pytest.fixture(scope="module")
def ex() -> ModuleType:
    spec = importlib.util.spec_from_file_location("iterate_seed_loops", _PATH)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def _df(x: float) -> float:
    return 4 * x**3 - 4 * x


def _d2f(x: float) -> float:
    return 12 * x**2 - 4


def test_newton_1d_follows_the_seeds_loop(ex: ModuleType) -> None:
    r = ex.newton_1d()
    x, seed = 2.0, [2.0]
    for _ in range(len(r.history.x) - 1):  # the seed's loop: x += -f'(x)/f''(x)
        x = x + (-_df(x) / _d2f(x))
        seed.append(x)
    np.testing.assert_allclose(r.history.x[:, 0], seed, rtol=1e-15)
    assert r.success and r.x[0] == pytest.approx(1.0, abs=1e-15)  # 4x^3 - 4x = 0, f'' = 8


def test_newton_nd_lands_in_one_step(ex: ModuleType) -> None:
    r = ex.newton_nd()
    theta = np.array([5.0, 5.0])
    seed = theta + np.linalg.solve(np.array([[2.0, 0.0], [0.0, 20.0]]),
                                   -np.array([2 * theta[0], 20 * theta[1]]))
    np.testing.assert_array_equal(r.history.x[1], seed)
    np.testing.assert_array_equal(r.history.x[1], [0.0, 0.0])
    assert r.success


def test_gradient_descent_lr_001(ex: ModuleType) -> None:
    r = ex.gradient_descent(50)
    x = 2.0
    for _ in range(50):  # the seed: x -= 0.01 * f'(x)
        x -= 0.01 * _df(x)
    assert r.nit == 50 and r.status is Status.MAX_ITER and not r.success
    assert r.x[0] == pytest.approx(x, rel=1e-14)
    done = ex.gradient_descent(None)
    assert done.success and done.x[0] == pytest.approx(1.0, abs=1e-10)


def test_trust_region_1d(ex: ModuleType) -> None:
    r = ex.trust_region_1d()
    x = sp.Symbol("x")
    roots = [float(v) for v in sp.real_roots(sp.Poly(4 * x**3 - 6 * x + 1, x))]
    local_min = min((v for v in roots if 12 * v**2 - 6 > 0), key=lambda v: abs(v - 1.13))
    assert r.success and r.x[0] == pytest.approx(local_min, abs=1e-10)

    def f(t: float) -> float:
        return t**4 - 3 * t**2 + t

    xs, rad = 2.0, 0.5  # the seed's trust_region_step_1d, as written there
    for _ in range(50):
        g, h = 4 * xs**3 - 6 * xs + 1, 12 * xs**2 - 6
        step = np.sign(-g / h) * min(abs(-g / h), rad)
        rho = (f(xs) - f(xs + step)) / (-(g * step + 0.5 * h * step**2) + 1e-10)
        if rho > 0.75 and abs(step) >= 0.9 * rad:
            rad *= 2.0
        elif rho < 0.25:
            rad *= 0.5
        if rho > 0:
            xs += step
        if abs(g) < 1e-8:
            break
    assert xs == pytest.approx(r.x[0], abs=1e-8)


@pytest.mark.slow
def test_logistic_gradient_descent_vs_lbfgs(ex: ModuleType) -> None:
    X, y, true_w = ex.logistic_data()
    n = len(y)
    np.random.seed(42)  # the seed's data, drawn the seed's way
    assert np.array_equal(np.random.randn(n, X.shape[1]), X)
    gd, lbfgs = ex.logistic()
    w = np.zeros(X.shape[1])
    for _ in range(500):  # the seed's loop: w -= 0.5 * X^T (s - y) / n
        s = 1 / (1 + np.exp(-np.clip(X @ w, -500, 500)))
        w -= 0.5 * (X.T @ (s - y)) / n
    np.testing.assert_allclose(gd.x, w, rtol=1e-10, atol=1e-12)
    assert gd.nit == 500 and gd.status is Status.MAX_ITER

    def loss(v: np.ndarray) -> float:
        z = X @ v
        return float(np.mean(np.logaddexp(0, z) - y * z))

    assert gd.fun == pytest.approx(loss(w), rel=1e-12)
    ref = scipy_minimize(loss, np.zeros(X.shape[1]), method="L-BFGS-B")
    # the seed's claim: L-BFGS reaches a lower loss than 500 gradient steps; and the truth
    # behind the numbers: the labels are the sign of X @ true_w (separable data), so the
    # infimum of the loss is 0 and no minimizer exists
    assert np.all((2 * y - 1) * (X @ true_w) > 0)
    assert lbfgs.fun < gd.fun and ref.fun < gd.fun
    assert lbfgs.fun < 1e-3 and np.linalg.norm(lbfgs.x) > 10 * np.linalg.norm(gd.x)
