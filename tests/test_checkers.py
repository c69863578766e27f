"""The checkers of issue 14 (remainders, Gauss-Newton, LM, quasi-Newton, rates, condition
numbers, 2/(L+mu), finite differences, stencils) and the fixed misdiagnoses of the older ones.

Every canonical answer is compared with an independent truth (NumPy/SciPy/mpmath computations,
Python Fractions, hand closed forms); every slip is produced deliberately by hand (the wrong
formula written out here, not taken from the checker) and must be named; right answers in
other forms are accepted; partial credit is checked."""

from __future__ import annotations

import math
from fractions import Fraction as F

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

import symtaylor
from symtaylor import InputError
from symtaylor.cli import main
from symtaylor.verify import (
    check_condition_number,
    check_fd_optimal_step,
    check_fd_truncation,
    check_gauss_newton_step,
    check_gradient,
    check_hessian,
    check_jacobian,
    check_lm_step,
    check_max_step,
    check_newton_step,
    check_optimal_step,
    check_quasi_newton_update,
    check_rate,
    check_remainder,
    check_remainder_bound,
    check_stencil_weights,
    check_taylor,
)

x, y, xi = sp.symbols("x y xi")
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EPS = 2.0**-52


# -- Taylor: the misdiagnoses fixed ----------------------------------------------------------------


def test_powers_of_x_instead_of_x_minus_a_is_named_not_a_sign_error() -> None:
    # log(x) about 1: (x-1) - (x-1)^2/2 + (x-1)^3/3; the slip writes x for (x - 1)
    v = check_taylor("log(x)", "x", 1, 3, "x - x^2/2 + x^3/3")
    assert not v.correct and v.kinds == ("powers-of-x",)
    assert "sign" not in v.kinds and v.score == 0.5
    v = check_taylor("exp(x)", "x", 2, 2, "exp(2)*(1 + x + x^2/2)")
    assert v.kinds == ("powers-of-x",)


def test_multi_index_factorials() -> None:
    # exp(x + y) about 0: the coefficient of x*y is D^(1,1) f / (1! 1!) = 1
    assert check_taylor("exp(x + y)", "x, y", 0, 2,
                        "1 + x + y + x^2/2 + x*y + y^2/2").correct
    half = check_taylor("exp(x + y)", "x, y", 0, 2, "1 + x + y + x^2/2 + x*y/2 + y^2/2")
    twice = check_taylor("exp(x + y)", "x, y", 0, 2, "1 + x + y + x^2/2 + 2*x*y + y^2/2")
    assert half.kinds == twice.kinds == ("multi-index-factorial",)
    assert half.score == pytest.approx(5 / 6)  # 5 of the 6 coefficients are right


def test_chain_rule_slip_in_taylor_coefficients() -> None:
    # exp(2x) = 1 + 2x + 2x^2: forgetting the inner derivative 2 gives exp's coefficients
    v = check_taylor("exp(2*x)", "x", 0, 2, "1 + x + x^2/2")
    assert set(v.kinds) == {"chain-rule"} and v.score == pytest.approx(1 / 3)


def test_taylor_partial_credit_counts_coefficients() -> None:
    # exp: 1 + x + x^2/2 + x^3/6; two of four coefficients wrong (missing 2! and 3!)
    v = check_taylor("exp(x)", "x", 0, 3, "1 + x + x^2 + x^3")
    assert v.score == 0.5 and v.kinds == ("factorial",)
    assert check_taylor("exp(x)", "x", 0, 3, "1 + x + x^2 + x^3/6").score == 0.75
    assert check_taylor("exp(x)", "x", 0, 3, "1 + x + x^2/2 + x^3/6").score == 1.0


# -- gradients, Hessians, Jacobians ----------------------------------------------------------------


@pytest.mark.parametrize(("f", "answer", "kind"), [
    ("x^2 + y^2", "x, y", "factor-2"),                  # the whole gradient halved
    ("x^2*y", "x*y, x^2", "factor-2"),                  # one entry halved
    ("sin(x^2)", "cos(x^2)", "chain-rule"),             # inner derivative 2x dropped
    ("sin(x^2)", "2*x*cos(x)", "chain-rule"),           # outer derivative at x
    ("exp(3*x*y)", "exp(3*x*y), exp(3*x*y)", "chain-rule"),
    ("x*exp(x)", "exp(x)", "product-rule"),             # (uv)' = u'v'
    ("x*sin(x)", "sin(x)", "product-rule"),             # the u v' term missing
    ("exp(x)/x", "(x*exp(x) + exp(x))/x^2", "quotient-rule"),
    ("x^3", "x^4/4", "integrated"),                     # an antiderivative
    ("x*y", "x^2*y/2, x*y^2/2", "integrated"),
    ("x^3 + y", "6*x, 1", "second-derivative"),
    ("x^2*y", "x^2, 2*x*y", "swapped"),
    ("x^2*y", "-2*x*y, x^2", "sign"),
])
def test_gradient_slips_are_named(f: str, answer: str, kind: str) -> None:
    v = check_gradient(f, None if f in ("sin(x^2)", "x*exp(x)", "x*sin(x)", "exp(x)/x", "x^3")
                       else "x, y", answer)
    assert not v.correct and kind in v.kinds, v


def test_gradient_in_another_form_and_partial_score() -> None:
    assert check_gradient("sin(x)*cos(x)", "x", "cos(2*x)").correct
    assert check_gradient("x^2*y", "x, y", sp.Matrix([2 * x * y, x**2])).correct
    v = check_gradient("x^2*y + z", "x, y, z", "2*x*y, x^2/2, 0")
    assert v.score == pytest.approx(1 / 3)


def test_hessian_and_jacobian_slips_and_scores() -> None:
    v = check_hessian("x^2*y", "x, y", "2*x*y, 2*x; 2*x, 0")      # f_x kept for f_xx
    assert v.kinds == ("first-derivative",) and v.score == 0.75
    v = check_hessian("x^2*y^2", "x, y", "2*y^2, 4*x^3*y^3; 4*x^3*y^3, 2*x^2")
    assert v.kinds == ("product-of-partials",)                   # f_x * f_y for f_xy
    v = check_jacobian(["sin(x*y)", "x"], "x, y", "cos(x*y), cos(x*y); 1, 0")
    assert v.kinds == ("chain-rule",) and v.score == 0.5
    v = check_jacobian(["x - 1", "10*(y - x^2)", "x*y"], "x, y", "1, -20*x, y; 0, 10, x")
    assert v.kinds == ("transposed",) and v.score == 0.0


def test_cli_checks_a_jacobian() -> None:
    ok = main(["check", "jacobian", "x - 1; 10*(y - x^2)", "--vars", "x,y",
               "--answer", "1, 0; -20*x, 10"])
    bad = main(["check", "jacobian", "x - 1; 10*(y - x^2)", "--vars", "x,y",
                "--answer", "1, 0; 20*x, 10"])
    assert (ok, bad) == (0, 1)


# -- remainders ------------------------------------------------------------------------------------


def test_lagrange_remainder_against_mpmath() -> None:
    # exp(x) = 1 + x + x^2/2 + exp(xi) x^3/6: at x = 1/2 some xi in (0, 1/2) gives the error
    err = mpmath.e**0.5 - (1 + 0.5 + 0.125)
    xi_val = mpmath.log(err * 6 / mpmath.mpf(0.5) ** 3)
    assert 0 < xi_val < 0.5
    assert check_remainder("exp(x)", "x", 0, 2, "exp(xi)*x^3/6").correct
    assert check_remainder("exp(x)", "x", 0, 2, "x^3*exp(c)/3!").correct     # another name
    assert check_remainder("exp(x)", "x", 0, 2, "exp(theta*x)*x^3/6").correct
    v = check_remainder("exp(x)", "x", 0, 2, "exp(x) - 1 - x - x^2/2")      # exact f - T_n
    assert v.correct and v.notes
    # log about 1: f''' = 2/x^3, R_2 = (x - 1)^3/(3 xi^3)
    assert check_remainder("log(x)", "x", 1, 2, "(x - 1)^3/(3*xi^3)").correct


@pytest.mark.parametrize(("answer", "kind"), [
    ("exp(xi)*x^2/2", "order"),
    ("x^3/6", "at-expansion-point"),
    ("exp(x)*x^3/6", "at-x"),
    ("exp(xi)*x^3", "factorial"),
    ("exp(xi)*x^3/2", "factorial"),
    ("exp(xi)*x^2/6", "power"),
    ("-exp(xi)*x^3/6", "sign"),
])
def test_remainder_slips(answer: str, kind: str) -> None:
    v = check_remainder("exp(x)", "x", 0, 2, answer)
    assert not v.correct and v.kinds == (kind,)


def test_remainder_slips_about_a_point_and_in_two_variables() -> None:
    assert check_remainder("log(x)", "x", 1, 2, "x^3/(3*xi^3)").kinds == ("powers-of-x",)
    # exp(x + y), order 1: R = exp(theta (x + y)) (x^2 + 2xy + y^2)/2
    assert check_remainder("exp(x + y)", "x, y", 0, 1,
                           "exp(theta*(x + y))*(x + y)^2/2").correct
    v = check_remainder("exp(x + y)", "x, y", 0, 1, "exp(theta*(x + y))*(x^2 + x*y + y^2)/2")
    assert v.kinds == ("multi-index-factorial",)


def test_remainder_bound_against_the_true_maximum() -> None:
    true = float(mpmath.e**0.5 - mpmath.mpf(13) / 8)  # |e^x - T_2| peaks at x = 1/2
    lagrange = math.exp(0.5) / 48                       # max e^xi * (1/2)^3 / 3!
    v = check_remainder_bound("exp(x)", "x", 0, 2, (-0.5, 0.5), "exp(1/2)/48")
    assert v.correct and float(v.expected) == pytest.approx(lagrange)
    assert check_remainder_bound("exp(x)", "x", 0, 2, (-0.5, 0.5), f"{true * 1.01:.6f}").correct
    assert not check_remainder_bound("exp(x)", "x", 0, 2, (-0.5, 0.5),
                                     f"{true * 0.95:.6f}").correct
    assert check_remainder_bound("exp(x)", "x", 0, 2, (-0.5, 0.5), "1/48").kinds == (
        "at-expansion-point",)                          # e^0 instead of max e^xi
    v = check_remainder_bound("exp(x)", "x", 0, 2, (-0.5, 0.5), "exp(1/2)/8")
    assert v.correct and any("3!" in n for n in v.notes)  # valid, but the 3! is missing


# -- Gauss-Newton and Levenberg-Marquardt ----------------------------------------------------------


def _numeric_jr(res: list[str], point: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """J and r by central differences (an independent route to the step)."""
    syms = [x, y][:len(point)]
    fns = [sp.Lambda(tuple(syms), symtaylor.parse(r)) for r in res]
    def r_at(p: np.ndarray) -> np.ndarray:
        return np.array([float(fn(*[sp.Float(v) for v in p])) for fn in fns])
    p0 = np.array(point, dtype=float)
    J = np.column_stack([(r_at(p0 + 1e-6 * e) - r_at(p0 - 1e-6 * e)) / 2e-6
                         for e in np.eye(len(point))])
    return J, r_at(p0)


def test_gauss_newton_against_numpy() -> None:
    # linear residuals: one Gauss-Newton step is the least-squares solution (numpy.lstsq)
    A = np.array([[2.0, 1.0], [1.0, -1.0], [1.0, 2.0]])
    b = np.array([3.0, 0.0, 4.0])
    sol = np.linalg.lstsq(A, b, rcond=None)[0]
    res = ["2*x + y - 3", "x - y", "x + 2*y - 4"]
    v = check_gauss_newton_step(res, "x, y", "1, 4/3")
    assert v.correct and np.allclose([float(e) for e in v.expected], sol)
    # Rosenbrock residuals at (-1.2, 1): x+ = x - (J^T J)^-1 J^T r
    rr = ["1 - x", "10*(y - x^2)"]
    J, r = _numeric_jr(rr, [-1.2, 1.0])
    want = np.array([-1.2, 1.0]) - np.linalg.solve(J.T @ J, J.T @ r)
    ans = [str(sp.nsimplify(w, tolerance=1e-9, rational=True)) for w in want]
    v = check_gauss_newton_step(rr, "x, y", ans, at=("-6/5", 1))
    assert np.allclose([float(e) for e in v.expected], want, atol=1e-6)
    assert v.correct, v


def test_gauss_newton_slips() -> None:
    # r = (x - 1, x^2 - 2) at x = 1: J = (1, 2), r = (0, -1), J^T J = 5, J^T r = -2: x+ = 7/5
    res = ["x - 1", "x^2 - 2"]
    assert check_gauss_newton_step(res, "x", "7/5", at=1).correct
    assert check_gauss_newton_step(res, "x", "3/5", at=1).kinds == ("sign",)
    assert check_gauss_newton_step(res, "x", "3", at=1).kinds == ("no-hessian-inverse",)
    assert check_gauss_newton_step(res, "x", "2/5", at=1).kinds == ("step-not-point",)
    assert check_gauss_newton_step(res, "x", "9/5", at=1).kinds == ("step-factor-2",)
    # Newton on (r1^2 + r2^2)/2: H = J^T J + r2 * 2 = 5 - 2 = 3, x+ = 1 + 2/3
    assert check_gauss_newton_step(res, "x", "5/3", at=1).kinds == ("newton",)


def _frac(v: np.ndarray) -> str:
    return ", ".join(str(F(float(e)).limit_denominator(10**6)) for e in v)


def test_lm_against_numpy_and_slips() -> None:
    rr = ["x - 1", "y - x^2"]
    p0 = np.array([1.0, 0.0])
    J = np.array([[1.0, 0.0], [-2.0, 1.0]])   # at (1, 0)
    r = np.array([0.0, -1.0])
    jtj, jtr = J.T @ J, J.T @ r
    diag = np.diag(np.diag(jtj))

    def step(a: np.ndarray) -> str:
        return _frac(p0 - np.linalg.solve(a, jtr))

    lam = 2
    assert check_lm_step(rr, "x, y", lam, step(jtj + lam * np.eye(2)), at=(1, 0)).correct
    assert check_lm_step(rr, "x, y", lam, step(jtj + lam * diag), scaling="marquardt",
                         at=(1, 0)).correct
    for a, kind in ((jtj + lam * diag, "damping-scaling"), (jtj + lam**2 * np.eye(2),
                    "damping-squared"), (jtj, "damping-ignored")):
        assert check_lm_step(rr, "x, y", lam, step(a), at=(1, 0)).kinds == (kind,)
    assert check_lm_step(rr, "x, y", lam, step(jtj + lam * np.eye(2)), scaling="marquardt",
                         at=(1, 0)).kinds == ("damping-scaling",)
    # r = x - 1, lambda = 1/2 at 0: right 2/3; subtracted: 0 + 1/(1 - 1/2) = 2
    assert check_lm_step(["x - 1"], "x", "1/2", "2/3", at=0).correct
    assert check_lm_step(["x - 1"], "x", "1/2", "2", at=0).kinds == ("damping-sign",)
    right = step(jtj + lam * np.eye(2)).split(", ")
    v = check_lm_step(rr, "x, y", lam, f"{right[0]}, 7", at=(1, 0))
    assert not v.correct and v.score == 0.5
    # without a point: the update as expressions, e.g. r = x - 1 with lambda = 1: (x + 1)/2
    assert check_lm_step(["x - 1"], "x", 1, "x - (x - 1)/2").correct


# -- quasi-Newton ----------------------------------------------------------------------------------


def _mat(m: list[list[F]]) -> str:
    return "; ".join(", ".join(str(e) for e in row) for row in m)


def _mm(a: list[list[F]], b: list[list[F]]) -> list[list[F]]:
    return [[sum((a[i][k] * b[k][j] for k in range(len(b))), F(0)) for j in range(len(b[0]))]
            for i in range(len(a))]


def _outer(u: list[F], v: list[F]) -> list[list[F]]:
    return [[a * b for b in v] for a in u]


def _add(*ms: tuple[F, list[list[F]]]) -> list[list[F]]:
    n = len(ms[0][1])
    return [[sum((c * m[i][j] for c, m in ms), F(0)) for j in range(n)] for i in range(n)]


def _dot(u: list[F], v: list[F]) -> F:
    return sum((a * b for a, b in zip(u, v)), F(0))


def _bfgs(B: list[list[F]], s: list[F], y: list[F]) -> list[list[F]]:
    Bs = [sum((B[i][k] * s[k] for k in range(len(s))), F(0)) for i in range(len(s))]
    return _add((F(1), B), (-1 / _dot(s, Bs), _outer(Bs, Bs)), (1 / _dot(y, s), _outer(y, y)))


def _sr1(B: list[list[F]], s: list[F], y: list[F]) -> list[list[F]]:
    w = [y[i] - sum((B[i][k] * s[k] for k in range(len(s))), F(0)) for i in range(len(s))]
    return _add((F(1), B), (1 / _dot(w, s), _outer(w, w)))


def _product_form(H: list[list[F]], u: list[F], v: list[F]) -> list[list[F]]:
    rho = 1 / _dot(v, u)
    n = len(u)
    eye = [[F(int(i == j)) for j in range(n)] for i in range(n)]
    left = _add((F(1), eye), (-rho, _outer(u, v)))
    right = _add((F(1), eye), (-rho, _outer(v, u)))
    return _add((F(1), _mm(_mm(left, H), right)), (rho, _outer(u, u)))


_B = [[F(2), F(0)], [F(0), F(1)]]
_S, _Y = [F(1), F(1)], [F(3), F(2)]


def test_quasi_newton_updates_against_fractions() -> None:
    assert check_quasi_newton_update("bfgs", _B, _S, _Y, _mat(_bfgs(_B, _S, _Y))).correct
    assert check_quasi_newton_update("sr1", _B, _S, _Y, _mat(_sr1(_B, _S, _Y))).correct
    # DFP on H is BFGS on B with s and y swapped; BFGS on H is the product form
    assert check_quasi_newton_update("dfp-inverse", _B, _S, _Y, _mat(_bfgs(_B, _Y, _S))).correct
    assert check_quasi_newton_update("bfgs-inverse", _B, _S, _Y,
                                     _mat(_product_form(_B, _S, _Y))).correct
    assert check_quasi_newton_update("DFP", _B, _S, _Y, _mat(_product_form(_B, _Y, _S))).correct
    # the inverse of the BFGS update of B is the BFGS update of H = B^-1 (numpy)
    b_new = np.array(_bfgs(_B, _S, _Y), dtype=float)
    h = [[F(1, 2), F(0)], [F(0), F(1)]]
    h_new = np.array(_product_form(h, _S, _Y), dtype=float)
    assert np.allclose(np.linalg.inv(b_new), h_new)


@SETTINGS
@given(st.integers(1, 5), st.integers(1, 5), st.integers(-2, 2), st.integers(-3, 3),
       st.integers(-3, 3))
def test_bfgs_accepts_the_fraction_formula(d1: int, d2: int, off: int, s1: int, s2: int
                                           ) -> None:
    B = [[F(d1 + abs(off)), F(off)], [F(off), F(d2 + abs(off))]]  # diagonally dominant: SPD
    s = [F(s1), F(s2)]
    yv = [B[0][0] * s[0] + B[0][1] * s[1] + 1, B[1][0] * s[0] + B[1][1] * s[1]]
    if s == [0, 0] or _dot(yv, s) <= 0:
        return
    v = check_quasi_newton_update("bfgs", B, s, yv, _mat(_bfgs(B, s, yv)))
    assert v.correct and v.score == 1.0


def test_quasi_newton_slips() -> None:
    B, S, Y = [[1, 0], [0, 1]], [1, 0], [2, 1]
    eye = [[F(1), F(0)], [F(0), F(1)]]
    s, yv = [F(1), F(0)], [F(2), F(1)]
    # s and y swapped in BFGS: I - y y^T/(y^T y) + s s^T/(s^T y)
    swapped = _add((F(1), eye), (F(-1, 5), _outer(yv, yv)), (F(1, 2), _outer(s, s)))
    assert check_quasi_newton_update("bfgs", B, S, Y, _mat(swapped)).kinds == ("swapped",)
    # both rank-one signs flipped: I + s s^T - y y^T/2
    flipped = _add((F(1), eye), (F(1), _outer(s, s)), (F(-1, 2), _outer(yv, yv)))
    assert check_quasi_newton_update("bfgs", B, S, Y, _mat(flipped)).kinds == ("sign",)
    # no symmetrization: B s s^T instead of B s s^T B (with B = diag(2, 1), s = (1, 1))
    Bm = [[F(2), F(0)], [F(0), F(1)]]
    ones, y2 = [F(1), F(1)], [F(3), F(2)]
    Bs = [F(2), F(1)]
    asym = _add((F(1), Bm), (F(-1, 3), _outer(Bs, ones)), (F(1, 5), _outer(y2, y2)))
    v = check_quasi_newton_update("bfgs", Bm, ones, y2, _mat(asym))
    assert v.kinds == ("asymmetric",) and 0 < v.score < 1
    # SR1 with the rank-one term subtracted
    w = [F(1), F(1)]
    sr1_minus = _add((F(1), Bm), (F(-1, 2), _outer(w, w)))
    assert check_quasi_newton_update("sr1", Bm, ones, y2, _mat(sr1_minus)).kinds == ("sign",)
    # B unchanged; a wrong matrix that breaks the secant condition is told so
    assert check_quasi_newton_update("bfgs", B, S, Y, "1, 0; 0, 1").kinds == ("unchanged",)
    assert "secant" in check_quasi_newton_update("bfgs", B, S, Y, "1, 1; 1, 3/2").kinds


def test_quasi_newton_refuses_bad_kinds_and_shapes() -> None:
    with pytest.raises(InputError, match="valid"):
        check_quasi_newton_update("lbfgs", [[1]], [1], [1], "1")
    with pytest.raises(InputError):
        check_quasi_newton_update("bfgs", [[1, 0], [0, 1]], [1, 0], [0, 1], "1, 0; 0, 1")
    v = check_quasi_newton_update("bfgs", [[1, 0], [0, 1]], [1, 0], [-1, 0], "1, 0; 0, 1")
    assert any("curvature" in n for n in v.notes)  # y^T s < 0: B+ is not positive definite
    assert check_quasi_newton_update("bfgs", [[1, 0], [0, 1]], [1, 0], [2, 1],
                                     "2, 1").kinds == ("shape",)


# -- rates, kappa, 2/(L + mu) ----------------------------------------------------------------------

Q = "x^2 + 10*y^2"  # Hessian diag(2, 20)


def _numpy_rate(H: np.ndarray, alpha: float) -> float:
    """max |1 - alpha lambda|: the spectral radius of I - alpha H (numpy)."""
    return float(max(abs(np.linalg.eigvals(np.eye(len(H)) - alpha * H))))


def test_rate_against_numpy_iterations() -> None:
    H = np.diag([2.0, 20.0])
    for lr, text in ((1 / 20, "1/L"), (2 / 22, "2/(L + mu)"), (0.08, "0.08")):
        rho = _numpy_rate(H, lr)
        # the iterates of gradient descent from the worst start shrink by exactly rho
        e = np.array([1.0, 1.0])
        for _ in range(30):
            e = e - lr * H @ e
        assert np.linalg.norm(e) ** (1 / 30) == pytest.approx(rho, rel=0.05)
        exact = F(rho).limit_denominator(1000)     # decimals are read exactly: give a fraction
        assert abs(float(exact) - rho) < 1e-12
        v = check_rate(Q, "x, y", text, str(exact))
        assert v.correct, v
    assert check_rate(Q, "x, y", "1/L", "1 - mu/L").correct
    assert check_rate(Q, "x, y", "2/(L + mu)", "(kappa - 1)/(kappa + 1)").correct
    v = check_rate(Q, "x, y", "1/L", "81/100")   # rho^2: the contraction of f - f*
    assert v.correct and v.notes


@pytest.mark.parametrize(("lr", "answer", "kind"), [
    ("1/L", "1 - L/mu", "inverted-ratio"),
    ("2/(L + mu)", "11/9", "inverted-ratio"),
    ("2/(L + mu)", "9/10", "other-step"),
    ("1/L", "9/11", "other-step"),
    ("1/L", "(sqrt(10) - 1)/(sqrt(10) + 1)", "accelerated"),
    ("0.08", "0.6", "one-end"),          # |1 - 0.08*20| = 0.6 < |1 - 0.08*2| = 0.84
    ("1/L", "1/10", "kappa"),
])
def test_rate_slips(lr: str, answer: str, kind: str) -> None:
    v = check_rate(Q, "x, y", lr, answer)
    assert not v.correct and v.kinds == (kind,)


def test_condition_number_against_numpy() -> None:
    H = np.array([[4.0, 2.0], [2.0, 4.0]])  # of 2x^2 + 2xy + 2y^2
    kappa = float(np.linalg.cond(H))
    assert check_condition_number("2*x^2 + 2*x*y + 2*y^2", "x, y", str(round(kappa))).correct
    assert check_condition_number("2*x^2 + 2*x*y + 2*y^2", "x, y", "1").kinds == ("diagonal",)
    assert check_condition_number(Q, "x, y", "1/10").kinds == ("inverted-ratio",)
    assert check_condition_number(Q, "x, y", "sqrt(10)").kinds == ("sqrt-kappa",)
    assert check_condition_number(Q, "x, y", "L/mu").correct
    assert check_condition_number("x^2 - y^2", "x, y", "1").kinds == ("not-strongly-convex",)


def test_optimal_step_against_scipy() -> None:
    H = np.diag([2.0, 20.0])
    best = minimize_scalar(lambda a: _numpy_rate(H, a), bounds=(0.001, 0.1), method="bounded",
                           options={"xatol": 1e-10}).x
    assert best == pytest.approx(1 / 11, rel=1e-6)
    assert check_optimal_step(Q, "x, y", "1/11").correct
    assert check_optimal_step(Q, "x, y", "2/(L + mu)").correct
    for answer, kind in (("1/20", "one-over-L"), ("1/10", "two-over-L"), ("1/22", "factor-2"),
                         ("2/11", "hessian-2A"), ("1/2", "used-mu")):
        assert check_optimal_step(Q, "x, y", answer).kinds == (kind,)
    assert check_max_step(Q, "x, y", "1/5").kinds == ("hessian-2A",)   # 4/L
    with pytest.raises(InputError):
        check_optimal_step("x^2 - y^2", "x, y", "1")


# -- finite differences ---------------------------------------------------------------------------


def test_fd_truncation_against_mpmath() -> None:
    # (D_h f - f')/h^2 -> f'''(1)/6 = e/6 for the central first difference of exp at 1
    with mpmath.workdps(40):
        hh = mpmath.mpf("1e-8")
        c = ((mpmath.e ** (1 + hh) - mpmath.e ** (1 - hh)) / (2 * hh) - mpmath.e) / hh**2
    assert float(c) == pytest.approx(math.e / 6, rel=1e-6)
    assert check_fd_truncation("exp(x)", "x", 1, 1, "central", 2, "E*h^2/6").correct
    assert check_fd_truncation("exp(x)", "x", 1, 1, "central", 2, "exp(x)*h^2/6").correct
    v = check_fd_truncation("exp(x)", "x", 1, 1, "central", 2, "-E*h^2/6")  # other convention
    assert v.correct and v.notes
    # forward difference of sin at 1: (sin(1 + h) - sin(1))/h - cos(1) ~ -sin(1) h/2
    assert check_fd_truncation("sin(x)", "x", 1, 1, "forward", 1, "-sin(1)*h/2").correct


@pytest.mark.parametrize(("answer", "kind"), [
    ("E*h^2", "factorial"),
    ("E*h^2/2", "factorial"),          # 2! for 3!
    ("E*h^3/6", "power-of-h"),
    ("E*h/6", "power-of-h"),
    ("E*h^4/120", "next-term"),
    ("E*h/2", "other-scheme"),          # the forward difference's term
])
def test_fd_truncation_slips(answer: str, kind: str) -> None:
    v = check_fd_truncation("exp(x)", "x", 1, 1, "central", 2, answer)
    assert not v.correct and v.kinds == (kind,)


def test_fd_truncation_derivative_order_slip() -> None:
    # forward, sin at 1: the term carries f'' = -sin(1); writing f' = cos(1) is the slip
    v = check_fd_truncation("sin(x)", "x", 1, 1, "forward", 1, "cos(1)*h/2")
    assert v.kinds == ("derivative-order",)


def test_fd_optimal_step_against_scipy() -> None:
    # central first difference of exp at 1: error ~ (e/6) h^2 + eps*e/h (sum|w| = 1)
    A, B = math.e / 6, EPS * math.e
    h_num = math.exp(minimize_scalar(lambda t: A * math.exp(2 * t) + B / math.exp(t),
                                     bounds=(-30, -1), method="bounded",
                                     options={"xatol": 1e-12}).x)
    assert h_num == pytest.approx((3 * EPS) ** (1 / 3), rel=1e-5)
    assert check_fd_optimal_step("exp(x)", "x", 1, 1, "central", 2, "(3*eps)^(1/3)").correct
    assert check_fd_optimal_step("exp(x)", "x", 1, 1, "central", 2, f"{h_num:.3g}").correct
    for answer, kind in (("(3*eps)^(1/2)", "exponent"), ("(6*eps)^(1/3)", "balance"),
                         ("sqrt(eps)", "sqrt-eps")):
        v = check_fd_optimal_step("exp(x)", "x", 1, 1, "central", 2, answer)
        assert v.kinds == (kind,) and v.score == 0.0
    v = check_fd_optimal_step("exp(x)", "x", 1, 1, "central", 2, "eps^(1/3)")
    assert v.kinds == ("scaling-only",) and v.score == 0.5
    v = check_fd_optimal_step("exp(x)", "x", 1, 1, "central", 2, "2e-5")   # within a factor 3
    assert not v.correct and v.score == 0.5
    # forward difference of exp at 0: h* = 2 sqrt(eps) (A = 1/2, B = 2 eps)
    assert check_fd_optimal_step("exp(x)", "x", 0, 1, "forward", 1, "2*sqrt(eps)").correct


def _weights_by_vandermonde(offsets: list[int], d: int) -> list[F]:
    """Solve sum w_i o_i^k = k! [k = d] exactly (Fractions, Gauss-Jordan)."""
    n = len(offsets)
    rows = [[F(o) ** k for o in offsets] + [F(math.factorial(d) if k == d else 0)]
            for k in range(n)]
    for c in range(n):
        p = next(r for r in range(c, n) if rows[r][c] != 0)
        rows[c], rows[p] = rows[p], rows[c]
        rows[c] = [v / rows[c][c] for v in rows[c]]
        for r in range(n):
            if r != c and rows[r][c] != 0:
                rows[r] = [a - rows[r][c] * b for a, b in zip(rows[r], rows[c])]
    return [rows[i][n] for i in range(n)]


@pytest.mark.parametrize(("d", "scheme", "acc", "offsets"), [
    (1, "central", 2, [-1, 0, 1]), (1, "central", 4, [-2, -1, 0, 1, 2]),
    (2, "central", 2, [-1, 0, 1]), (1, "forward", 2, [0, 1, 2]), (2, "backward", 1, [-2, -1, 0]),
])
def test_stencil_weights_against_vandermonde(d: int, scheme: str, acc: int, offsets: list[int]
                                             ) -> None:
    w = _weights_by_vandermonde(offsets, d)
    assert check_stencil_weights(d, scheme, acc, ", ".join(map(str, w))).correct


def test_stencil_weight_slips() -> None:
    assert check_stencil_weights(1, "central", 2, "-1/2, 1/2").correct   # zero weight left out
    v = check_stencil_weights(1, "central", 2, "-1, 0, 1")               # the 1/(2h) forgotten
    assert v.kinds == ("scaled",) and v.score == pytest.approx(1 / 3)
    assert check_stencil_weights(1, "central", 4, "1, -8, 0, 8, -1").kinds == ("scaled",)
    assert check_stencil_weights(1, "forward", 2, "-1/2, 2, -3/2").kinds == ("reversed",)
    assert check_stencil_weights(1, "central", 4, "-1/2, 0, 1/2").kinds == ("accuracy",)
    assert check_stencil_weights(1, "central", 2, "-3/2, 2, -1/2").kinds == ("other-scheme",)
    v = check_stencil_weights(1, "central", 4, "1/12, -2/3, 0, 2/3, 1/12")
    assert v.score == 0.8 and not v.kinds


# -- steps: partial credit ------------------------------------------------------------------------


def test_step_scores_per_component() -> None:
    v = check_newton_step("x^2 + 10*y^2", "x, y", "0, 1/2", at=(1, 1))
    assert not v.correct and v.score == 0.5
    assert check_newton_step("x^2 + 10*y^2", "x, y", "0, 0", at=(1, 1)).score == 1.0


def test_new_checkers_refuse_malformed_input() -> None:
    with pytest.raises(InputError):
        check_rate(Q, "x, y", "-1", "1/2")
    with pytest.raises(InputError):
        check_rate(Q, "x, y", "1/L", "z + 1")
    with pytest.raises(InputError):
        check_remainder("exp(x)", "x", 0, 2, "exp(a)*exp(b)*x^3")
    with pytest.raises(InputError):
        check_fd_optimal_step("exp(x)", "x", 1, 1, "central", 2, "-1e-5")
    with pytest.raises(InputError):
        check_lm_step(["x - 1"], "x", 1, "0", scaling="diagonal")


def test_cli_runs_the_new_kinds() -> None:
    cases = [
        (["remainder", "exp(x)", "--order", "2", "--answer", "exp(xi)*x^3/6"], 0),
        (["gauss-newton", "x - 1; x^2 - 2", "--at", "1", "--answer", "7/5"], 0),
        (["lm", "x - 1; y", "--vars", "x,y", "--damping", "1", "--answer", "1, 0"], 1),
        (["quasi-newton", "--kind", "sr1", "--B", "1,0;0,1", "--s", "1,0", "--y", "2,1",
          "--answer", "2, 1; 1, 2"], 0),
        (["rate", Q, "--lr", "1/L", "--answer", "0.9"], 0),
        (["condition-number", Q, "--answer", "10"], 0),
        (["optimal-step", Q, "--answer", "1/20"], 1),
        (["fd-truncation", "exp(x)", "--at", "1", "--answer", "E*h^2/6"], 0),
        (["fd-step", "exp(x)", "--at", "1", "--answer", "(3*eps)^(1/3)"], 0),
        (["stencil", "--answer", "-1/2, 0, 1/2"], 0),
        (["remainder-bound", "exp(x)", "--region", "x=-0.5:0.5", "--answer", "1/48"], 1),
    ]
    for argv, status in cases:
        assert main(["check", *argv]) == status, argv


def test_answers_in_latex_and_student_spellings() -> None:
    v = check_fd_truncation("exp(x)", "x", 1, 1, "central", 2, r"\frac{e h^2}{6}")
    assert v.correct and "read e as Euler's number" in v.notes
    assert check_optimal_step(Q, "x, y", r"\frac{2}{L+\mu}").correct
    assert check_rate(Q, "x, y", "1/L", r"1-\frac{\mu}{L}").correct
    assert check_remainder("exp(x)", "x", 0, 2, r"\frac{e^{\xi} x^3}{6}").correct
    assert check_quasi_newton_update("sr1", [[1, 0], [0, 1]], [1, 0], [2, 1],
                                     r"\begin{pmatrix} 2 & 1 \\ 1 & 2 \end{pmatrix}").correct
    assert check_stencil_weights(2, "central", 2, r"\left(1, -2, 1\right)").correct
    v = check_taylor("exp(x)", "x", 0, 2, "1 + x + x²/2")
    assert v.correct and any("x²" in n for n in v.notes)


def test_missing_constant_with_a_term_beyond_the_order_is_named() -> None:
    # exp(x) to order 2 is 1 + x + x^2/2 (sympy.series); the answer lacks the 1 and adds x^3/6.
    # It raised AttributeError: the absent constant was read as the Python int 0
    expected = sp.series(sp.exp(x), x, 0, 3).removeO()
    v = check_taylor("exp(x)", "x", 0, 2, "x + x^2/2 + x^3/6")
    assert not v.correct and sp.expand(v.expected - expected) == 0
    assert any(r.startswith("the constant term should be 1, not 0") for r in v.reasons)
    assert "beyond-order" in v.kinds


def test_step_checkers_build_the_derivation_only_when_explained() -> None:
    from symtaylor.verify.records import LazyDerivation

    v = check_newton_step("x^4 - 2*x^2", "x", "x - (4*x^3 - 4*x)/(12*x^2 - 4)")
    assert v.correct and isinstance(v.derivation, LazyDerivation)
    assert repr(v.derivation) == "LazyDerivation(not built yet)"
    text = v.explain()
    assert "Newton step from the second-order model" in text  # built now, for explain()
    assert repr(v.derivation) == "LazyDerivation(built)"
    # the built derivation's update is SymPy's own Newton step x - f'/f''
    f = x**4 - 2 * x**2
    newton = x - sp.diff(f, x) / sp.diff(f, x, 2)
    assert sp.cancel(v.derivation.result[0] - newton) == 0
