"""symtaylor.verify: answers checked against independent truths (closed forms, sympy.diff,
mpmath, NumPy), the classic slips named, malformed input refused, and the ``check`` CLI."""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import quadratic_form, quadratics, spd_matrices

import symtaylor
from symtaylor import InputError, ParseError
from symtaylor.cli import main
from symtaylor.verify import (
    Mistake,
    Verdict,
    check_gradient,
    check_gradient_step,
    check_hessian,
    check_jacobian,
    check_max_step,
    check_newton_step,
    check_step_size,
    check_taylor,
    equivalent,
)

x, y, a = sp.symbols("x y a")
SETTINGS = settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow])


# -- equality -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lhs, rhs", [
    ("sin(x)^2 + cos(x)^2", "1"),
    ("(x^2 - 1)/(x - 1)", "x + 1"),
    ("exp(2*log(x))", "x^2"),
    ("log(x*y)", "log(x) + log(y)"),     # equal wherever both sides are real (x, y > 0)
    (sp.atan(sp.Symbol("p", positive=True)) + sp.atan(1 / sp.Symbol("p", positive=True)),
     "pi/2"),                             # a positive symbol: positive points only
    ("0.1*x", "x/10"),                    # decimals in an answer are decimals
    ("sin(x)^2 + cos(x)^2 - 1", "0"),     # evalf's zero has no scale to compare with
    ("x*(sin(x)^2 + cos(x)^2)", "x"),
    ("(sqrt(x) + 1)^2", "x + 1 + 2*sqrt(x)"),
])
def test_equivalent_identities(lhs: str | sp.Expr, rhs: str) -> None:
    assert equivalent(lhs, rhs)


@pytest.mark.parametrize("lhs, rhs", [
    ("x/6", "0.1666666*x"),
    ("sin(x)^2 + cos(x)^2 + x/10^30", "1"),   # 1e-30 is far above 50-digit noise
    ("x + 10^-30", "x"),
    ("sqrt(x^2)", "-x"),
    ("x/10^45", "0"),                         # tiny is not zero
    ("exp(1/2)", "1.6487212707001282"),       # a constant, decimals read exactly
    # issue 14: the real domain, not only positive points (atan(x) + atan(1/x) = -pi/2 for
    # x < 0; this was an identity under the old positive-only sampling)
    ("atan(x) + atan(1/x)", "pi/2"),
    ("x", "sqrt(x^2)"),
    ("(a^b)^c", "a^(b*c)"),
    # decimals read exactly as written, never snapped to a nearby fraction
    ("0.99999999", "1"),
    ("0.333333333333333", "1/3"),
])
def test_equivalent_tells_apart(lhs: str, rhs: str) -> None:
    assert not equivalent(lhs, rhs)


# -- Taylor polynomials: closed forms and mpmath ------------------------------------------------


def _closed_form(f: str, k: int) -> sp.Expr:
    """Maclaurin coefficients from the textbook formulas (not from any series code)."""
    return {
        "exp(x)": sp.Rational(1, math.factorial(k)),
        "sin(x)": sp.Rational((-1) ** ((k - 1) // 2), math.factorial(k)) if k % 2 else 0,
        "cos(x)": 0 if k % 2 else sp.Rational((-1) ** (k // 2), math.factorial(k)),
        "log(1 + x)": sp.Rational((-1) ** (k + 1), k) if k else 0,
        "1/(1 - x)": sp.Integer(1),
        "atan(x)": sp.Rational((-1) ** ((k - 1) // 2), k) if k % 2 else 0,
    }[f]


@pytest.mark.parametrize("f", ["exp(x)", "sin(x)", "cos(x)", "log(1 + x)", "1/(1 - x)",
                               "atan(x)"])
@pytest.mark.parametrize("order", [0, 1, 3, 6])
def test_closed_form_maclaurin_accepted(f: str, order: int) -> None:
    poly = sum(_closed_form(f, k) * x**k for k in range(order + 1))
    v = check_taylor(f, "x", 0, order, poly)
    assert v.correct, v
    assert v.mistakes == () and v.reasons == ()


@pytest.mark.parametrize("f, at", [("exp(sin(x))", 0), ("sqrt(1 + x)/(1 - x)", 0),
                                   ("1/(2 + x^2)", 1), ("x^2*log(x)", 1)])
def test_mpmath_taylor_accepted(f: str, at: int) -> None:
    """mpmath.taylor (numeric differentiation at 50 digits) vs the engine via the checker:
    the answer is built from mpmath's numbers (rational here), identified as fractions."""
    from fractions import Fraction

    fn = sp.lambdify(x, symtaylor.parse(f), "mpmath")
    with mpmath.workdps(50):
        cs = mpmath.taylor(fn, mpmath.mpf(at), 4)
        exact = [Fraction(mpmath.nstr(c, 40)).limit_denominator(10**6) for c in cs]
    answer = sum(sp.Rational(c.numerator, c.denominator) * (x - at) ** k
                 for k, c in enumerate(exact))
    assert check_taylor(f, "x", at, 4, answer).correct


def test_factorial_forgotten_named_per_coefficient() -> None:
    v = check_taylor("exp(x)", "x", 0, 4, "1 + x + x^2 + x^3 + x^4")
    assert not v.correct
    assert [m.key for m in v.mistakes] == [(2,), (3,), (4,)]
    assert v.kinds == ("factorial",)
    assert v.reasons[2] == "coefficient of x**4 should be 1/24, not 1 (forgot to divide by 4!)"


def test_multivariate_factorial_uses_alpha_factorial() -> None:
    # exp(x + y): coefficient of x^2 y is 1/(2! 1!) = 1/2; x^2*y written with coefficient 1
    v = check_taylor("exp(x + y)", "x, y", 0, 3,
                     "1 + x + y + x^2/2 + x*y + y^2/2 + x^3/6 + x^2*y + x*y^2/2 + y^3/6")
    assert [m.key for m in v.mistakes] == [(2, 1)]
    assert v.mistakes[0].kind == "factorial"
    assert "forgot to divide by 2!" in v.reasons[0]


def test_sign_error() -> None:
    v = check_taylor("cos(x)", "x", 0, 4, "1 + x^2/2 + x^4/24")
    assert v.kinds == ("sign",) and [m.key for m in v.mistakes] == [(2,)]


def test_double_factorial() -> None:
    v = check_taylor("exp(x)", "x", 0, 3, "1 + x + x^2/4 + x^3/36")
    assert v.kinds == ("double-factorial",)


def test_wrong_derivative_value_explained() -> None:
    v = check_taylor("sin(x)", "x", 0, 2, "x - x^2/2")
    assert v.mistakes[0].kind == "derivative-value"
    assert "f''(0) = -1, but f''(0) = 0" in v.reasons[0]


@pytest.mark.parametrize("answer, point", [("1 + x + x^2/2", 0),
                                           ("E + E*(x + 1) + E*(x + 1)^2/2", None)])
def test_wrong_expansion_point(answer: str, point: object) -> None:
    # the right one is about x = 1; the first answer is about 0, the second (about -1) uses
    # e^1 values at the wrong centre and is not a Taylor polynomial about any candidate
    v = check_taylor("exp(x)", "x", 1, 2, answer)
    assert not v.correct
    if point is not None:
        assert v.mistakes[0].kind == "expansion-point"
        assert v.mistakes[0].key == (0,)
        assert v.reasons[0] == "this is the Taylor polynomial about x = 0, not about x = 1"
    else:
        assert "expansion-point" not in v.kinds


def test_expansion_point_read_from_answer() -> None:
    # the Taylor polynomial of log(x) about 2 offered for the expansion about 1
    v = check_taylor("log(x)", "x", 1, 2, "log(2) + (x - 2)/2 - (x - 2)^2/8")
    assert v.mistakes[0].kind == "expansion-point" and v.mistakes[0].key == (2,)


def test_order_off_by_one_both_ways() -> None:
    low = check_taylor("exp(x)", "x", 0, 3, "1 + x + x^2/2")
    assert low.mistakes[0].kind == "order" and "order 2" in low.reasons[0]
    high = check_taylor("sin(x)", "x", 0, 2, "x - x^3/6")
    assert high.mistakes[0].kind == "order" and "order 3, not 2" in high.reasons[0]
    assert high.mistakes[1].kind == "beyond-order"


def test_zero_top_coefficient_is_not_an_order_slip() -> None:
    # T_2 of sin at 0 equals T_1: leaving out the (zero) x^2 term is right
    assert check_taylor("sin(x)", "x", 0, 2, "x").correct


def test_symbolic_point_and_parameters() -> None:
    assert check_taylor("log(x)", "x", a, 2, "log(a) + (x - a)/a - (x - a)^2/(2*a^2)").correct
    v = check_taylor("exp(k*x)", "x", 0, 2, "1 + k*x + k*x^2/2")
    assert [m.key for m in v.mistakes] == [(2,)]


CORPUS = ["exp(x)", "sin(x)", "cos(2*x)", "log(2 + x)", "1/(2 - x)", "sqrt(4 + x)", "atan(x)",
          "exp(x)*sin(x)", "x^3 - 2*x + 1", "cosh(x)/(3 + x)"]


@SETTINGS
@given(f=st.sampled_from(CORPUS),
       at=st.fractions(min_value=-1, max_value=1, max_denominator=4),
       order=st.integers(1, 4), data=st.data())
def test_random_taylor_accepted_and_one_perturbed_coefficient_named(
        f: str, at: object, order: int, data: st.DataObject) -> None:
    expr = symtaylor.parse(f)
    pa = sp.Rational(at.numerator, at.denominator)  # type: ignore[attr-defined]
    # the textbook formula with sympy.diff: independent of the series engine
    coeffs = [sp.simplify(sp.diff(expr, x, k).subs(x, pa) / sp.factorial(k))
              for k in range(order + 1)]
    poly = sum(c * (x - pa) ** k for k, c in enumerate(coeffs))
    assert check_taylor(f, "x", pa, order, poly).correct
    k = data.draw(st.integers(0, order), label="k")
    delta = data.draw(st.fractions(min_value=-3, max_value=3, max_denominator=5)
                      .filter(lambda q: q != 0), label="delta")
    bad = poly + sp.Rational(delta.numerator, delta.denominator) * (x - pa) ** k
    v = check_taylor(f, "x", pa, order, bad)
    assert not v.correct
    if pa != 0 and sp.expand(bad.xreplace({x: x - pa}) - poly) == 0:
        # the perturbed answer is also the right coefficients in powers of x (1/(2 - x) at 1,
        # order 1: 1 + x): that whole-answer slip is named instead
        assert v.kinds == ("powers-of-x",)
        return
    named = [m for m in v.mistakes if m.key == (k,)]
    assert len(named) == 1
    assert all(m.key == (k,) for m in v.mistakes if m.where != "whole answer")
    label = "the constant term" if k == 0 else f"coefficient of {(x - pa) ** k}"
    assert v.reasons[v.mistakes.index(named[0])].startswith(label)


CORPUS2 = ["exp(x)*cos(y)", "log(3 + x + 2*y)", "sin(x*y) + x", "1/(2 - x + y)",
           "x^2*y - y^3"]


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(f=st.sampled_from(CORPUS2), px=st.integers(-1, 1), py=st.integers(0, 1),
       order=st.integers(1, 3), data=st.data())
def test_random_bivariate_taylor_perturbed_coefficient_named(
        f: str, px: int, py: int, order: int, data: st.DataObject) -> None:
    expr = symtaylor.parse(f)
    pt = {x: sp.Integer(px), y: sp.Integer(py)}
    # sum over |alpha| <= n of D^alpha f(a)/alpha! (x-a)^alpha, with sympy.diff
    terms = {}
    for i in range(order + 1):
        for j in range(order + 1 - i):
            d = expr
            if i:
                d = sp.diff(d, x, i)
            if j:
                d = sp.diff(d, y, j)
            terms[(i, j)] = sp.simplify(d.subs(pt) / (sp.factorial(i) * sp.factorial(j)))
    mono = {k: (x - px) ** k[0] * (y - py) ** k[1] for k in terms}
    poly = sum(c * mono[k] for k, c in terms.items())
    assert check_taylor(f, "x, y", (px, py), order, poly).correct
    k = data.draw(st.sampled_from(sorted(terms)), label="alpha")
    bad = poly + sp.Rational(data.draw(st.integers(1, 5), label="delta"), 3) * mono[k]
    v = check_taylor(f, "x, y", (px, py), order, bad)
    assert not v.correct
    assert [m.key for m in v.mistakes if m.where != "whole answer"] == [k]


# -- gradients, Hessians, Jacobians ----------------------------------------------------------------


def test_gradient_and_hessian_closed_forms() -> None:
    f = "(1 - x)^2 + 100*(y - x^2)^2"
    assert check_gradient(f, "x, y", ["-2*(1 - x) - 400*x*(y - x^2)", "200*(y - x^2)"]).correct
    assert check_hessian(f, "x, y", [["2 - 400*y + 1200*x^2", "-400*x"],
                                     ["-400*x", "200"]]).correct


def test_gradient_slips() -> None:
    assert check_gradient("x^2*y", "x, y", "-2*x*y, x^2").kinds == ("sign",)
    assert check_gradient("x^2*y", "x, y", "x^2, 2*x*y").kinds == ("swapped",)
    v = check_gradient("x^2*y", "x, y", "2*x*y")
    assert v.kinds == ("shape",) and not v.correct


def test_hessian_slips() -> None:
    v = check_hessian("x^2 + x*y", "x, y", "1, 1; 1, 0")
    assert v.kinds == ("factor-2",) and v.mistakes[0].key == (0, 0)
    v = check_hessian("x^2*y", "x, y", "2*y, 2*x; 0, 0")
    assert v.kinds[0] == "asymmetric"
    assert check_hessian("x*y", "x, y", "0, 1; 1, 0, 0".replace("0, 0", "0")).correct


def test_jacobian_transposed_square_and_rectangular() -> None:
    r = ["x - 1", "10*(y - x^2)"]
    assert check_jacobian(r, "x, y", [["1", "0"], ["-20*x", "10"]]).correct
    assert check_jacobian(r, "x, y", "1, -20*x; 0, 10").kinds == ("transposed",)
    r3 = ["x", "y^2", "x*y"]
    assert check_jacobian(r3, "x, y", "1, 0, y; 0, 2*y, x").kinds == ("transposed",)
    assert check_jacobian(r3, "x, y", "1, 0; 0, 2*y").kinds == ("shape",)


@SETTINGS
@given(cs=st.lists(st.integers(-4, 4), min_size=6, max_size=6), i=st.integers(0, 1))
def test_random_polynomial_gradient(cs: list[int], i: int) -> None:
    f = (cs[0] * x**3 + cs[1] * x**2 * y + cs[2] * x * y**2 + cs[3] * y**3
         + cs[4] * x * y + cs[5] * x)
    g = [sp.diff(f, x), sp.diff(f, y)]
    assert check_gradient(f, [x, y], g).correct
    g[i] = g[i] + 1
    v = check_gradient(f, [x, y], g)
    assert [m.key for m in v.mistakes] == [i]


# -- Newton steps ----------------------------------------------------------------------------------


def test_newton_1d_textbook_formula_accepted() -> None:
    for f in ("x^4 - 2*x^2 + 1/2", "exp(x) - 2*x", "x*log(x)"):
        e = symtaylor.parse(f)
        assert check_newton_step(f, "x", x - sp.diff(e, x) / sp.diff(e, x, 2)).correct


@SETTINGS
@given(quadratics(sizes=(2, 2)))
def test_newton_quadratic_lands_on_numpy_solution(data: tuple[sp.Matrix, sp.Matrix]) -> None:
    # A = M^T M + I is positive definite; f = x.A.x/2 - b.x has minimizer A^-1 b
    A, b = data
    xs = np.linalg.solve(np.array(A, dtype=float), np.array(b, dtype=float).ravel())
    f = quadratic_form(A, [x, y], b)
    verdict = check_newton_step(f, [x, y], [float(xs[0]), float(xs[1])], at=(3, -2), tol=1e-12)
    assert verdict.correct, verdict


def test_newton_at_point_against_numpy() -> None:
    f = "exp(x) + x*y + y^2"
    pt = np.array([0.0, 1.0])
    g = np.array([math.exp(pt[0]) + pt[1], pt[0] + 2 * pt[1]])
    H = np.array([[math.exp(pt[0]), 1.0], [1.0, 2.0]])
    nxt = pt - np.linalg.solve(H, g)
    assert check_newton_step(f, "x, y", list(nxt), at=(0, 1), tol=1e-12).correct
    assert not check_newton_step(f, "x, y", list(nxt + 1e-6), at=(0, 1), tol=1e-12).correct
    assert check_newton_step(f, "x, y", "-2, 1", at=(0, 1)).correct  # exact: (-2, 1)


@pytest.mark.parametrize("answer, kind", [
    ("x + (4*x**3 - 4*x)/(12*x**2 - 4)", "sign"),
    ("x - (4*x^3 - 4*x)", "no-hessian-inverse"),
    ("x - (4*x^3 - 4*x)/10", "no-hessian-inverse"),
    ("x - (12*x^2 - 4)*(4*x^3 - 4*x)", "hessian-not-inverted"),
    ("x - 2*(4*x**3 - 4*x)/(12*x**2 - 4)", "step-factor-2"),
    ("x - (4*x**3 - 4*x)/(2*(12*x**2 - 4))", "step-factor-2"),
    ("x - (x^4 - 2*x^2 + 1/2)/(4*x^3 - 4*x)", "root-finding"),
    ("x - (12*x^2 - 4)/(4*x^3 - 4*x)", "inverted-ratio"),
])
def test_newton_slips_named(answer: str, kind: str) -> None:
    v = check_newton_step("x**4 - 2*x**2 + 1/2", "x", answer)
    assert not v.correct and v.kinds == (kind,)


def test_newton_wrong_curvature_explained_in_one_variable() -> None:
    v = check_newton_step("x^4 - 2*x^2 + 1/2", "x", "1.5", at=2)   # f'(2) = 24, f''(2) = 44
    assert v.kinds == ("wrong-curvature",)
    assert v.reasons[0].endswith("it divides f' = 24 by 48 instead of by f'' = 44")
    assert v.question == "Newton step for x**4 - 2*x**2 + 1/2 from x = 2"


def test_newton_multivariate_slips() -> None:
    f = "x^2 + x*y + 2*y^2"
    assert check_newton_step(f, "x, y", "0, 0").correct
    assert check_newton_step(f, "x, y", "2*x, 2*y").kinds == ("sign",)
    assert check_newton_step(f, "x, y", "-x - y, -x - 3*y").kinds == ("no-hessian-inverse",)
    v = check_newton_step(f, "x, y", "1, 0", at=(1, 1))
    assert v.kinds == () and [m.key for m in v.mistakes] == [0]
    lam = sp.Symbol("lambda", positive=True)
    assert check_newton_step("x^2", "x", lam * x / (lam + 2), damping=lam).correct
    assert check_newton_step("x^2", "x", "0", damping=lam).kinds == ("damping-ignored",)
    assert check_newton_step(f, "x, y", "0").kinds == ("shape",)


@pytest.mark.parametrize("answer, kind", [
    ("x + alpha*(2*x - 6)", "sign"),
    ("x - (2*x - 6)", "lr-missing"),
    ("-alpha*(2*x - 6)", "step-not-point"),
    ("3", "newton"),
    ("x - alpha*(x - 3)", None),
])
def test_gradient_step_slips(answer: str, kind: str | None) -> None:
    alpha = sp.Symbol("alpha")
    assert check_gradient_step("(x - 3)^2", "x", "x - alpha*(2*x - 6)", lr=alpha).correct
    v = check_gradient_step("(x - 3)^2", "x", answer, lr=alpha)
    assert not v.correct and v.kinds == ((kind,) if kind else ())


def test_gradient_step_at_a_point_against_numpy() -> None:
    pt, lr = np.array([0.5, -1.0]), 0.05
    g = np.array([2 * pt[0] + pt[1], pt[0] + 20 * pt[1]])
    nxt = pt - lr * g
    ans = ", ".join(f"{float(v):.12g}" for v in nxt)   # the decimals a person would write
    assert check_gradient_step("x^2 + x*y + 10*y^2", "x, y", ans, lr="0.05", at=("1/2", -1))
    # issue 14: decimals are read exactly as written, so float round-off in the 17th digit
    # (-0.02499999999999991 for -1/40) is not snapped to a fraction
    v = check_gradient_step("x^2 + x*y + 10*y^2", "x, y", ", ".join(repr(float(c)) for c in nxt),
                            lr="0.05", at=("1/2", -1))
    assert not v.correct
    assert check_gradient_step("x^2 + x*y + 10*y^2", "x, y", "1, 2", lr=0.05,
                               at=(0.5, -1)).kinds == ()
    assert main(["check", "gradient-step", "(x-3)^2", "--lr", "0.1", "--at", "0",
                 "--answer", "-0.6"]) == 1


# -- step sizes ------------------------------------------------------------------------------------


@settings(max_examples=5)
@given(spd_matrices(sizes=(2, 2), entries=(-3, 3)))
def test_step_size_matches_numpy_eigenvalues_and_actual_descent(a: sp.Matrix) -> None:
    A = np.array(a, dtype=float)
    L = float(np.linalg.eigvalsh(A)[-1])
    f = quadratic_form(a, [x, y])
    below = sp.Rational(round(0.99 * 2 / L * 10**6), 10**6)
    above = sp.Rational(round(1.01 * 2 / L * 10**6), 10**6)
    ok, bad = check_step_size(f, [x, y], below), check_step_size(f, [x, y], above)
    assert ok.correct and not bad.correct and bad.kinds == ("not-below-2/L",)
    # what the verdicts mean: iterate along the top eigenvector
    w = np.linalg.eigh(A)[1][:, -1]
    for alpha, grows in ((float(below), False), (float(above), True)):
        z = w.copy()
        for _ in range(400):
            z = z - alpha * A @ z
        assert (np.linalg.norm(z) > 1) == grows


def test_step_size_notes_and_nonpositive() -> None:
    f = "theta1^2 + 10*theta2^2"
    assert "maximizes" in check_step_size(f, "theta1, theta2", "1/20").notes[0]
    assert "below 1/L" in check_step_size(f, "theta1, theta2", "0.01").notes[0]
    assert check_step_size(f, "theta1, theta2", "0").kinds == ("not-positive",)


def test_linear_objective_has_no_largest_step() -> None:
    assert "L = 0" in check_step_size("3*x + 1", "x", "1").notes[0]
    v = check_max_step("3*x + 1", "x", "1")
    assert not v.correct and v.expected == sp.oo


def test_decimals_note_only_when_the_answer_is_numerically_right() -> None:
    v = check_taylor("exp(x)", "x", 0.5, 1, "exp(0.5)*(1 + (x - 0.5))")
    assert not v.correct and "exact fractions" in v.notes[0]
    assert check_taylor("exp(x)", "x", 0, 1, "1 + 0.5*x").notes == ()
    assert check_newton_step("x^2", "x", "0", damping="0").correct   # text damping


def test_max_step_slips() -> None:
    f = "theta1^2 + 10*theta2^2"   # L = 20, mu = 2
    vs = "theta1, theta2"
    assert check_max_step(f, vs, "1/10").correct
    assert check_max_step(f, vs, "1/20").kinds == ("one-over-L",)
    assert check_max_step(f, vs, "1").kinds == ("used-mu",)          # 2/mu
    assert check_max_step(f, vs, "40").kinds == ("reciprocal",)
    assert check_max_step(f, vs, "0.3").kinds == ()


def test_certified_step_size_x4() -> None:
    region = {"x": (-1, 1)}   # sup |f''| = 12 at x = +-1
    assert check_step_size("x^4", "x", "0.16", region=region).correct
    assert check_step_size("x^4", "x", "0.17", region=region).kinds == ("not-below-2/L",)
    assert check_max_step("x^4", "x", "1/6", region=region).correct
    assert check_max_step("x^4", "x", "1/12", region=region).kinds == ("one-over-L",)


# -- the record ------------------------------------------------------------------------------------


def test_verdict_repr_latex_and_bool() -> None:
    v = check_taylor("exp(x)", "x", 0, 2, "1 + x + x^2")
    assert isinstance(v, Verdict) and not v and isinstance(v.mistakes[0], Mistake)
    assert repr(v).splitlines()[0] == "Verdict(incorrect: Taylor polynomial of order 2 of " \
        "exp(x) about x = 0)"
    assert "forgot to divide by 2!" in repr(v)
    assert v.latex().startswith("\\begin{align*}\n&\\times") and r"\frac{x^{2}}{2}" in v.latex()
    assert v.latex().count(" \\\\\n") == 1 + len(v.reasons) + len(v.notes)  # a line each
    assert v._repr_latex_().startswith("$") and v._repr_latex_().endswith("$")
    ok = check_taylor("exp(x)", "x", 0, 1, "1 + x")
    assert ok and ok.latex().startswith("\\begin{align*}\n&\\checkmark") and "given" not in repr(ok)
    assert str(v.mistakes[0]) == v.reasons[0]
    assert symtaylor.check_taylor is check_taylor


# -- malformed input -------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda: check_taylor("sin(x)", "x", 0, -1, "x"),
    lambda: check_taylor("sin(x)", "x", 0, 1.5, "x"),
    lambda: check_taylor("sin(x)", "x", 0, 2, "sin(x)"),
    lambda: check_taylor("sin(x)", "x", 0, 2, "x + z"),
    lambda: check_taylor("sin(x)", "x", 0, 2, None),
    lambda: check_taylor("sin(x)", "x", (0, 1), 2, "x"),
    lambda: check_taylor(None, "x", 0, 2, "x"),
    lambda: check_gradient("x*y", "x, y", None),
    lambda: check_hessian("x*y", "x, y", ["0", "1"]),
    lambda: check_hessian("x*y", "x, y", "0, 1; 1"),
    lambda: check_step_size("x^2", "x", "a"),
    lambda: check_step_size("x^2", "x", True),
    lambda: check_step_size("x^4", "x", "0.1"),            # not quadratic: needs a region
    lambda: check_max_step("x^2", "x", "I"),
    lambda: check_newton_step("x^2", "x", "0", tol=1e-9),  # tol needs a point
])
def test_malformed_input_raises_input_error(call: object) -> None:
    with pytest.raises(InputError):
        call()  # type: ignore[operator]


def test_unparsable_answer_is_parse_error() -> None:
    with pytest.raises(ParseError):
        check_taylor("sin(x)", "x", 0, 2, "x +")
    with pytest.raises(ParseError):
        check_gradient("x*y", "x, y", "__import__('os')")


# -- CLI -------------------------------------------------------------------------------------------


def test_cli_check_taylor_wrong_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "taylor", "sin(x)", "--order", "2", "--answer", "x - x^2/2"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("WRONG") and "f''(0) = 0" in out


def test_cli_check_right_exits_0_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "newton", "x^4 - 2*x^2 + 1/2", "--answer",
                 "2*x^3/(3*x^2 - 1)", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["correct"] is True and data["mistakes"] == []
    assert main(["check", "--json", "step-size", "theta1^2 + 10*theta2^2", "--alpha", "1/20",
                 "--max"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["mistakes"][0]["kind"] == "one-over-L" and data["expected"] == "1/10"


def test_cli_check_gradient_hessian_newton_at(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "gradient", "x^2*y", "--answer", "2*x*y, x^2"]) == 0
    assert main(["check", "hessian", "x^2*y", "--answer", "2*y, 2*x; 2*x, 0"]) == 0
    assert main(["check", "newton", "x^2 + 10*y^2", "--at", "1, 1", "--answer", "0.8, -1"]) == 1
    assert "Hessian inverse is missing" in capsys.readouterr().out
    assert main(["check", "step-size", "x^4", "--alpha", "0.1", "--region", "x=-1:1"]) == 0


def test_explain_shows_the_derivation(capsys: pytest.CaptureFixture[str]) -> None:
    v = check_newton_step("x^4 - 2*x^2 + 1/2", "x", "x")
    text = v.explain()
    assert text.startswith(repr(v)) and "x_new = [2*x^3/(3*x^2 - 1)]" in text
    assert "max step 2/L" in check_step_size("x^2", "x", "0.1").explain()
    g = check_gradient("x*y", "x, y", "y, x")
    assert g.explain() == repr(g)
    assert main(["check", "taylor", "exp(x)", "--order", "2", "--answer", "1 + x",
                 "--explain"]) == 1
    out = capsys.readouterr().out
    assert "coefficient of x**2: 1/2" in out and "derivation:" in out


def test_cli_check_bad_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "hessian", "x^2*y", "--answer", "2*y, 2*x; 2*x"]) == 2
    assert "rectangular" in capsys.readouterr().err


def test_damped_newton_check_with_singular_undamped_hessian() -> None:
    # H = diag(0, 2) is singular, H + I is not: the damped step (x - 1, y/3) is well defined
    # (solve (H + I) d = -g by hand: d = (-1, -2y/3)); the check must not raise, and x itself
    # (no step at all) is not "a gradient step with step 0"
    ok = check_newton_step("x + y**2", "x, y", "x - 1, y/3", damping=1)
    assert ok.correct
    bad = check_newton_step("x + y**2", "x, y", "x, y", damping=1)
    assert not bad.correct
    assert all(m.kind != "no-hessian-inverse" for m in bad.mistakes)
