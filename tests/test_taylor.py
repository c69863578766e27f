"""The Taylor engine, checked against independent truth.

Truth comes from closed forms, from ``mpmath.taylor`` / ``mpmath.diff`` at 30-50 digits (numeric
differentiation, a route that shares nothing with symtaylor's series arithmetic) and from SymPy's
own ``series``. Certified bounds are checked against true errors computed with mpmath at 50 digits.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symtaylor
from symtaylor import NotAnalyticError, taylor
from symtaylor.cli import main
from symtaylor.errors import CertificationError, InputError

x, y, z, a = sp.symbols("x y z a")
SETTINGS = settings(deadline=None, max_examples=25,
                    suppress_health_check=[HealthCheck.too_slow])


def _mp_coeffs(f: sp.Expr, point: sp.Expr, n: int, dps: int = 40) -> list:
    """Taylor coefficients by mpmath's numerical differentiation (independent of symtaylor)."""
    fn = sp.lambdify(x, f, modules="mpmath")
    with mpmath.workdps(dps):
        return mpmath.taylor(fn, mpmath.mpf(sp.N(point, dps + 10)), n)


# -- closed forms ---------------------------------------------------------------------------------


def test_sin_second_order_is_x_the_seed_slip() -> None:
    # The seed calls x - x**2/2 the "second order" model of sin at 0: the x**2 term vanishes.
    assert taylor("sin(x)", "x", at=0, order=2).polynomial == x
    assert taylor("sin(x)", "x", at=0, order=1).polynomial == x
    t3 = taylor("sin(x)", "x", at=0, order=3)
    assert t3.polynomial == x - x**3 / 6
    assert t3.coefficients[(2,)] == 0


def test_closed_forms_one_variable() -> None:
    assert taylor("1/(1 - x)", "x", at=0, order=5).polynomial == sum(x**k for k in range(6))
    t = taylor("exp(x)", "x", at=1, order=3)
    want = sum(sp.E * (x - 1) ** k / sp.factorial(k) for k in range(4))
    assert sp.expand(t.polynomial - want) == 0
    t = taylor("cos(x)", "x", at=sp.pi / 3, order=2)
    assert t.coefficients == {(0,): sp.Rational(1, 2), (1,): -sp.sqrt(3) / 2,
                              (2,): sp.Rational(-1, 4)}
    t = taylor("log(x)", "x", at=a, order=3)
    want = sp.log(a) + (x - a) / a - (x - a) ** 2 / (2 * a**2) + (x - a) ** 3 / (3 * a**3)
    assert sp.simplify(t.polynomial - want) == 0
    t = taylor("sqrt(1 + x)", "x", at=0, order=3)
    assert t.polynomial == 1 + x / 2 - x**2 / 8 + x**3 / 16


def test_closed_forms_several_variables() -> None:
    t = taylor("exp(x)*sin(y)", "x, y", at=(0, 0), order=3)
    assert sp.expand(t.polynomial - (y + x * y + x**2 * y / 2 - y**3 / 6)) == 0
    t = taylor("exp(x + y)", "x y", at=(0, 0), order=4)
    want = sum((x + y) ** k / sp.factorial(k) for k in range(5))
    assert sp.expand(t.polynomial - want) == 0
    assert t.coefficients[(2, 2)] == sp.Rational(1, 4)  # 4!/(2!2!)/4! = 1/4


def test_exact_coefficients_no_floats() -> None:
    t = taylor("exp(x*y)*sin(z) + log(1 + x^2 + y^2)", "x y z",
               at=(1, sp.Rational(1, 2), sp.Rational(1, 3)), order=4)
    for c in t.coefficients.values():
        assert not c.has(sp.Float)
    assert t.coefficients[(0, 0, 0)] == sp.exp(sp.Rational(1, 2)) * sp.sin(sp.Rational(1, 3)) \
        + sp.log(sp.Rational(9, 4))
    # A float in the input stays a float (it is not silently made exact).
    tf = taylor("exp(0.5*x)", "x", at=0, order=2)
    assert tf.coefficients[(1,)].is_Float


def test_symbolic_point_and_parameters() -> None:
    t = taylor(sp.exp(a * x), [x], at=0, order=3)
    assert sp.expand(t.polynomial - (1 + a * x + a**2 * x**2 / 2 + a**3 * x**3 / 6)) == 0
    t = taylor("sin(x)", "x", at=a, order=2)
    assert sp.simplify(t.polynomial - (sp.sin(a) + sp.cos(a) * (x - a)
                                        - sp.sin(a) * (x - a) ** 2 / 2)) == 0


def test_symbolic_points_as_text_and_symbols() -> None:
    t = taylor("sin(x)", "x", at="pi/3", order=3)
    assert t.point == (sp.pi / 3,)
    assert t.coefficients == {(0,): sp.sqrt(3) / 2, (1,): sp.Rational(1, 2),
                              (2,): -sp.sqrt(3) / 4, (3,): sp.Rational(-1, 12)}
    assert sp.expand(t.polynomial - sum(c * (x - sp.pi / 3) ** k[0]
                                        for k, c in t.coefficients.items())) == 0
    assert t.polynomial_text() == "-(x - pi/3)**3/12 - sqrt(3)*(x - pi/3)**2/4 + (x - pi/3)/2 " \
        "+ sqrt(3)/2"
    b = sp.Symbol("b")
    t = taylor("exp(x)*cos(y)", "x, y", at=(a, b), order=2)
    want = sp.exp(a) * (sp.cos(b) + (x - a) * sp.cos(b) - (y - b) * sp.sin(b)
                        + (x - a) ** 2 * sp.cos(b) / 2 - (x - a) * (y - b) * sp.sin(b)
                        - (y - b) ** 2 * sp.cos(b) / 2)
    assert sp.expand(t.polynomial - want) == 0
    for c in t.coefficients.values():
        assert c.free_symbols <= {a, b} and not c.has(sp.Float)


def test_inputs_string_symbol_mapping_points() -> None:
    t1 = taylor("x*y + y^2", "x, y", at={"x": 1, "y": 2}, order=2)
    t2 = taylor(x * y + y**2, [x, y], at="1, 2", order=2)
    assert sp.expand(t1.polynomial - t2.polynomial) == 0
    assert sp.expand(t1.polynomial - (x * y + y**2)) == 0


# -- against mpmath (numerical differentiation) ---------------------------------------------------

CORPUS = [
    ("exp(sin(x))", 0), ("tan(x)", 0), ("log(1 + x)/(1 + x^2)", 0), ("exp(x)*cos(x)^2", 0),
    ("atan(x)", 1), ("asin(x)", sp.Rational(1, 3)), ("x^x", 1), ("erf(x)", sp.Rational(1, 2)),
    ("sqrt(1 + x^2)", 2), ("cosh(x)/(2 + sin(x))", sp.pi / 5), ("tanh(x)", sp.Rational(-1, 2)),
    ("log(x)^2", 3), ("2^x", 1), ("acos(x)", 0), ("sin(x)^(3/2)", 1),
]


@pytest.mark.parametrize(("text", "point"), CORPUS)
def test_univariate_against_mpmath_taylor(text: str, point: sp.Expr) -> None:
    n = 6
    t = taylor(text, "x", at=point, order=n)
    assert t.method == "series-arithmetic"
    want = _mp_coeffs(t.function, point, n)
    for k in range(n + 1):
        got = sp.N(t.coefficients[(k,)], 40)
        assert abs(complex(got) - complex(want[k])) <= 1e-25 * max(1, abs(want[k])), (k, got)


@pytest.mark.parametrize(("text", "point"), CORPUS[:6])
def test_univariate_against_sympy_series(text: str, point: sp.Expr) -> None:
    t = taylor(text, "x", at=point, order=8)
    s = sp.series(t.function, x, point, 9).removeO()
    assert sp.simplify(sp.expand(t.polynomial - s)) == 0


def test_multivariate_against_mpmath_diff() -> None:
    f = sp.exp(x * y) * sp.sin(z) + sp.log(1 + x**2 + y**2)
    pt = (1, sp.Rational(1, 2), sp.Rational(1, 3))
    t = taylor(f, "x y z", at=pt, order=3)
    fn = sp.lambdify((x, y, z), f, modules="mpmath")
    with mpmath.workdps(35):
        p = [mpmath.mpf(1), mpmath.mpf(1) / 2, mpmath.mpf(1) / 3]
        for i in range(4):
            for j in range(4 - i):
                for k in range(4 - i - j):
                    d = mpmath.diff(fn, p, (i, j, k))
                    want = d / (math.factorial(i) * math.factorial(j) * math.factorial(k))
                    got = sp.N(t.coefficients[(i, j, k)], 35)
                    assert abs(got - want) < 1e-20, (i, j, k)


def test_extended_rosenbrock_is_reproduced() -> None:
    vs = sp.symbols("x1:7")
    f = sum(100 * (vs[2 * i + 1] - vs[2 * i] ** 2) ** 2 + (1 - vs[2 * i]) ** 2 for i in range(3))
    t = taylor(f, vs, at=(sp.Rational(-6, 5), 1) * 3, order=4)
    assert sp.expand(t.polynomial - f) == 0
    t2 = taylor(f, vs, at=(sp.Rational(-6, 5), 1) * 3, order=2)
    h = sp.hessian(f, vs).subs(dict(zip(vs, (sp.Rational(-6, 5), 1) * 3)))
    assert t2.coefficients[(2, 0, 0, 0, 0, 0)] == h[0, 0] / 2
    assert t2.coefficients[(1, 1, 0, 0, 0, 0)] == h[0, 1]


# -- analyticity ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Abs(x)", "log(x)", "sqrt(x)", "1/x", "x^(1/3)", "x^(3/2)",
                                  "sign(x)", "sin(x)/x^2"])
def test_not_analytic_at_zero(text: str) -> None:
    with pytest.raises(NotAnalyticError) as info:
        taylor(text, "x", at=0, order=3)
    assert isinstance(info.value, ValueError)
    assert "not analytic" in str(info.value)


def test_not_analytic_several_variables_and_poles() -> None:
    with pytest.raises(NotAnalyticError):
        taylor("1/(x^2 + y^2)", "x y", at=(0, 0), order=2)
    with pytest.raises(NotAnalyticError):
        taylor("tan(x)", "x", at=sp.pi / 2, order=2)
    with pytest.raises(NotAnalyticError):
        taylor("Abs(x - 1)", "x", at=1, order=2)


@pytest.mark.parametrize("text", ["sqrt(x^2 + y^2)", "Abs(x) + y", "log(x + y)", "(x*y)^(1/3)",
                                  "Abs(x*y)", "x*y/(x^2 + y^2)", "(1 - cos(x*y))/(x^2 + y^2)"])
def test_not_analytic_several_variables_at_zero(text: str) -> None:
    with pytest.raises(NotAnalyticError) as info:
        taylor(text, "x y", at=(0, 0), order=3)
    msg = str(info.value)
    assert "not analytic at x = 0, y = 0" in msg and "_h" not in msg and "Dummy" not in msg


def test_order_zero_is_the_value_and_bare_symbols_are_truncated() -> None:
    # regression: a bare variable in a sum leaked its degree-1 term into order 0
    assert taylor("x + 1", "x", at=2, order=0).polynomial == 3
    assert taylor("x + y + sin(z)", "x y z", at=(1, 2, 3), order=0).polynomial == 3 + sp.sin(3)
    f = "-x + y - z + sin(x + y + 2*z)*cos(x + y - z) + 3"
    t = taylor(f, "x y z", at=(sp.Rational(-1, 2), sp.Rational(-1, 2), -1), order=0)
    assert t.polynomial == 4 - sp.sin(3)
    assert taylor("x + y^2", "x y", at=(0, 0), order=1).polynomial == x
    box = {x: (-0.51, -0.45), y: (-0.55, -0.48), z: (-1.04, -0.97)}
    cert = t.certify(box)
    fn = sp.lambdify((x, y, z), t.function - t.polynomial, modules="mpmath")
    with mpmath.workdps(50):
        worst = max(abs(fn(*map(mpmath.mpf, c))) for c in itertools.product(*box.values()))
    assert cert.attained <= cert.upper and worst <= cert.upper


def test_constants_expand_to_themselves() -> None:
    for c in (0, 3, sp.pi, sp.exp(a), sp.sqrt(2) + sp.log(3)):
        t = taylor(c, [x], at=0, order=3)
        assert t.polynomial == c and t.remainder == 0
        assert t.coefficients == ({} if c == 0 else {(0,): c})
    assert taylor(0, [x, y], at=(1, 2), order=2).polynomial == 0
    assert taylor(sp.pi, [x], at=0, order=2).remainder_bound((-1, 1)) == 0


def test_removable_singularities_fall_back_exactly() -> None:
    t = taylor("sin(x)/x", "x", at=0, order=6)
    assert t.method == "sympy-series"
    assert t.polynomial == 1 - x**2 / 6 + x**4 / 120 - x**6 / 5040
    t = taylor("(1 - cos(x))/x^2", "x", at=0, order=2)
    assert t.polynomial == sp.Rational(1, 2) - x**2 / 24
    t = taylor("Abs(x)", "x", at=2, order=3)  # analytic away from the kink
    assert t.polynomial == x
    t = taylor("sin(x*y)/(x*y)", "x y", at=(0, 0), order=4)
    assert sp.expand(t.polynomial - (1 - x**2 * y**2 / 6)) == 0


# -- properties -----------------------------------------------------------------------------------

small = st.integers(-5, 5)
rational = st.builds(lambda p, q: sp.Rational(p, q), st.integers(-6, 6), st.integers(1, 4))


@SETTINGS
@given(st.lists(small, min_size=1, max_size=6), rational, st.integers(0, 7))
def test_polynomials_are_reproduced(coeffs: list[int], point: sp.Rational, extra: int) -> None:
    p = sum(c * x**k for k, c in enumerate(coeffs))
    deg = len(coeffs) - 1
    t = taylor(p, "x", at=point, order=deg + extra)
    assert sp.expand(t.polynomial - p) == 0
    if deg >= 1 and coeffs[-1] != 0:
        t = taylor(p, "x", at=point, order=deg - 1)
        assert sp.expand(t.polynomial - p) != 0


@SETTINGS
@given(st.dictionaries(st.tuples(st.integers(0, 3), st.integers(0, 3)), small, max_size=6),
       rational, rational)
def test_polynomials_two_variables(terms: dict, px: sp.Rational, py: sp.Rational) -> None:
    p = sum((c * x**i * y**j for (i, j), c in terms.items()), sp.Integer(0))
    t = taylor(p, "x y", at=(px, py), order=6)
    assert sp.expand(t.polynomial - p) == 0


DERIV_CORPUS = ["exp(sin(x))", "atan(x)", "log(2 + x)*cos(x)", "sqrt(3 + x)", "tan(x)"]


@SETTINGS
@given(st.sampled_from(DERIV_CORPUS), st.sampled_from([0, sp.Rational(1, 2), sp.pi / 6]),
       st.integers(1, 7))
def test_derivative_of_Tn_is_T_n_minus_1_of_derivative(text: str, point: sp.Expr, n: int) -> None:
    tn = taylor(text, "x", at=point, order=n)
    tdn = taylor(sp.diff(tn.function, x), "x", at=point, order=n - 1)
    # compare coefficient by coefficient: (k + 1) c_{k+1}(f) = c_k(f')
    for k in range(n):
        gap = (k + 1) * tn.coefficients[(k + 1,)] - tdn.coefficients[(k,)]
        assert sp.expand(gap) == 0 or sp.simplify(gap) == 0, (k, gap)
    assert set(tdn.coefficients) <= {(k,) for k in range(n)}


@SETTINGS
@given(st.sampled_from(["exp(x)*sin(y)", "log(1 + x^2 + y^2)", "atan(x - 2*y)", "sqrt(2 + x*y)"]),
       st.sampled_from([(0, 0), (sp.Rational(1, 2), -1)]), st.integers(1, 5),
       st.sampled_from([0, 1]))
def test_partial_derivative_of_Tn_several_variables(text: str, point: tuple, n: int,
                                                    i: int) -> None:
    v = (x, y)[i]
    tn = taylor(text, "x y", at=point, order=n)
    tdn = taylor(sp.diff(tn.function, v), "x y", at=point, order=n - 1)
    assert sp.expand(sp.diff(tn.polynomial, v) - tdn.polynomial) == 0


BOUND_CORPUS = [
    ("sin(x)", 0, 3, (-1, 1)), ("exp(x)", 0, 2, (-0.5, 0.5)), ("log(1 + x)", 0, 3, (-0.5, 0.5)),
    ("cos(x)", 1, 4, (0, 2)), ("1/(1 + x^2)", 0, 4, (-0.5, 0.5)), ("atan(x)", 1, 3, (0.5, 1.5)),
    ("sqrt(x)", 1, 2, (0.5, 1.5)), ("exp(sin(x))", 0, 5, (-0.3, 0.3)), ("tan(x)", 0, 5, (-1, 1)),
]


def _true_max(t: symtaylor.TaylorExpansion, lo: float, hi: float, n: int = 400) -> float:
    fn = sp.lambdify(x, t.function - t.polynomial, modules="mpmath")
    with mpmath.workdps(50):
        return max(float(abs(fn(mpmath.mpf(lo) + (mpmath.mpf(hi) - lo) * i / n)))
                   for i in range(n + 1))


@pytest.mark.parametrize(("text", "point", "n", "region"), BOUND_CORPUS)
def test_bound_is_valid_and_within_3x(text: str, point: float, n: int, region: tuple) -> None:
    t = taylor(text, "x", at=point, order=n)
    bound = t.remainder_bound(region)
    true = _true_max(t, *region)
    assert true <= bound <= 3 * true, (bound, true)


@SETTINGS
@given(st.sampled_from(BOUND_CORPUS), st.floats(0, 1), st.floats(0.05, 1.0))
def test_bound_never_below_true_error(case: tuple, u: float, shrink: float) -> None:
    text, point, n, (lo, hi) = case
    t = taylor(text, "x", at=point, order=n)
    lo2, hi2 = point + (lo - point) * shrink, point + (hi - point) * shrink
    bound = t.remainder_bound((lo2, hi2), rtol=0.5)
    fn = sp.lambdify(x, t.function - t.polynomial, modules="mpmath")
    with mpmath.workdps(50):
        pt = mpmath.mpf(lo2) + (mpmath.mpf(hi2) - lo2) * mpmath.mpf(u)
        err = abs(fn(pt))
    assert err <= bound


TEXTBOOK = [(f, a, n, r) for f, a in (("sin(x)", 0), ("exp(x)", 0), ("log(1 + x)", 0),
                                        ("cos(x)", 0), ("cos(x)", 1))
            for n in (1, 2, 5, 8) for r in (0.1, 0.5)]


@pytest.mark.parametrize(("text", "point", "n", "radius"), TEXTBOOK)
def test_bound_within_3x_on_textbook_cases(text: str, point: int, n: int, radius: float) -> None:
    t = taylor(text, "x", at=point, order=n)
    lo, hi = point - radius, point + radius
    bound = t.remainder_bound((lo, hi))
    true = _true_max(t, lo, hi, n=200)
    assert true <= bound <= 3 * true, (bound, true)


MULTI_CORPUS = [
    ("exp(x)*sin(y)", (0, 0), 2, ((-0.2, 0.2), (-0.2, 0.2))),
    ("log(1 + x^2 + y^2)", (0, 0), 3, ((-0.5, 0.5), (-0.5, 0.5))),
    ("1/(1 + x^2 + y^2)", (sp.Rational(1, 2), 0), 2, ((0, 1), (-0.5, 0.5))),
    ("atan(x + 2*y)", (0, 0), 3, ((-0.3, 0.3), (-0.2, 0.2))),
    ("cos(x*y) + sqrt(2 + x)", (1, 1), 2, ((0.5, 1.5), (0.7, 1.3))),
]
TRI = ("exp(x*y)*sin(z) + log(1 + x^2 + y^2)", (1, sp.Rational(1, 2), sp.Rational(1, 3)), 3,
       ((0.9, 1.1), (0.4, 0.6), (0.3, 0.4)))


def _multi_error(t: symtaylor.TaylorExpansion, pts: Iterable) -> float:
    """max |f - T_n| over the points, at 50 digits."""
    fn = sp.lambdify(t.variables, t.function - t.polynomial, modules="mpmath")
    with mpmath.workdps(50):
        return float(max(abs(fn(*[mpmath.mpf(p) for p in pt])) for pt in pts))


@SETTINGS
@given(st.sampled_from([*MULTI_CORPUS, TRI]), st.lists(st.floats(0, 1), min_size=6, max_size=6),
       st.floats(0.1, 1.0))
def test_bound_never_below_true_error_several_variables(case: tuple, us: list[float],
                                                        shrink: float) -> None:
    text, point, n, region = case
    t = taylor(text, None, at=point, order=n)
    box = [(float(a) + (lo - float(a)) * shrink, float(a) + (hi - float(a)) * shrink)
           for a, (lo, hi) in zip(point, region)]
    bound = t.remainder_bound(dict(zip(t.variables, box)), rtol=0.5)
    # random points, and the corners (where the error is often largest)
    pts = [[lo + (hi - lo) * u for (lo, hi), u in zip(box, us)]]
    pts += [list(c) for c in itertools.product(*box)]
    assert _multi_error(t, pts) <= bound


@pytest.mark.parametrize("case", [*MULTI_CORPUS, TRI])
def test_bound_several_variables_within_3x(case: tuple) -> None:
    text, point, n, region = case
    t = taylor(text, None, at=point, order=n)
    cert = t.certify(dict(zip(t.variables, region)))
    grid = itertools.product(*[[lo + (hi - lo) * i / 6 for i in range(7)] for lo, hi in region])
    true = _multi_error(t, grid)
    assert cert.attained <= cert.upper and true <= cert.upper <= 3 * max(true, cert.attained)


def test_bound_several_variables() -> None:
    t = taylor("exp(x)*sin(y)", "x y", at=(0, 0), order=2)
    cert = t.certify({x: (-0.2, 0.2), y: (-0.2, 0.2)})
    fn = sp.lambdify((x, y), t.function - t.polynomial, modules="mpmath")
    with mpmath.workdps(50):
        grid = [abs(fn(mpmath.mpf(i) / 100, mpmath.mpf(j) / 100))
                for i in range(-20, 21, 4) for j in range(-20, 21, 4)]
    true = float(max(grid))
    assert true <= cert.upper <= 3 * true
    assert cert.attained <= cert.upper
    assert r"\max_{[-0.2, 0.2] \times [-0.2, 0.2]} |f - T_n|" in cert.latex()
    assert cert._repr_latex_().startswith("$\\displaystyle") and float(cert) == cert.upper


def test_bound_uses_next_nonzero_order() -> None:
    # T_3 = T_4 for sin at 0: the plain Lagrange bound with sin^(4) is 4x loose on [-1, 1].
    t = taylor("sin(x)", "x", at=0, order=3)
    true = abs(math.sin(1) - 5 / 6)
    assert true <= t.remainder_bound((-1, 1)) <= 1.05 * true


def test_bound_refuses_what_it_cannot_certify() -> None:
    with pytest.raises(CertificationError):
        taylor("log(x)", "x", at=1, order=2).remainder_bound((-1, 2))
    with pytest.raises(InputError):
        taylor("sin(x)", "x", at=a, order=2).remainder_bound((0, 1))
    with pytest.raises(InputError):
        taylor("sin(x)", "x", at=0, order=2).remainder_bound((1, 0))
    with pytest.raises(CertificationError):
        taylor(sp.sin(a * x), [x], at=0, order=2).remainder_bound((0, 1))


# -- remainder --------------------------------------------------------------------------------


def test_lagrange_remainder_forms() -> None:
    t = taylor("sin(x)", "x", at=0, order=3)
    xi = t.remainder_symbol
    assert t.remainder == sp.sin(xi) * x**4 / 24
    t = taylor("exp(x)", "x", at=1, order=1)
    assert t.remainder == sp.exp(t.remainder_symbol) * (x - 1) ** 2 / 2
    # Several variables: a cubic's remainder after order 2 does not depend on theta and is exact.
    p = x**3 + x * y**2 + y + 2
    t = taylor(p, "x y", at=(1, 2), order=2)
    assert sp.expand(t.remainder - (p - t.polynomial)) == 0
    assert t.remainder_symbol.name == "theta"


def test_multivariate_remainder_has_an_intermediate_theta() -> None:
    t = taylor("exp(x + 2*y)", "x y", at=(0, 0), order=1)
    th = t.remainder_symbol
    pt = {x: sp.Rational(1, 3), y: sp.Rational(1, 4)}
    diff = (t.function - t.polynomial).subs(pt)
    r = t.remainder.subs(pt)
    lo, hi = float(r.subs(th, 0) - diff), float(r.subs(th, 1) - diff)
    assert lo * hi < 0  # R(theta) - (f - T) changes sign on (0, 1)


# -- the seeds' tables ------------------------------------------------------------------------


def test_seed_table_quartic_linear_model_at_2() -> None:
    t = taylor("x^4 - 3*x^3 + 2", "x", at=2, order=1)
    assert t.polynomial == -6 - 4 * (x - 2)
    steps = [0.01, 0.1, 0.3, 0.5, 1.0]
    tab = t.error_table(steps=steps)
    for d, row in zip(steps, tab.rows):
        dd = sp.Rational(str(d))
        exact = 6 * dd**2 + 5 * dd**3 + dd**4  # f(2 + d) - (-6 - 4 d)
        assert row.error == pytest.approx(float(exact), rel=1e-12)
        assert row.value == pytest.approx(float((2 + dd) ** 4 - 3 * (2 + dd) ** 3 + 2), rel=1e-12)
        assert row.error <= row.bound <= 1.01 * row.error
    assert tab.rows[-1].error == pytest.approx(12.0)
    assert "0.01" in str(tab)
    assert tab._repr_latex_().startswith("$\\displaystyle")


def test_seed_table_sin_at_0() -> None:
    t1 = taylor("sin(x)", "x", at=0, order=1)
    tab = t1.error_table(steps=[1.0, 0.5, 0.1, 0.01])
    for h, row in zip([1.0, 0.5, 0.1, 0.01], tab.rows):
        assert row.error == pytest.approx(abs(math.sin(h) - h), rel=1e-12)
        assert row.error <= row.bound <= row.error * (1 + 1e-9)  # a point: enclosed tightly
    # error / h^2 -> 0 here because T_1 = T_2: the error is O(h^3); error / h^3 -> 1/6
    t2 = taylor("sin(x)", "x", at=0, order=2)
    rows = t2.error_table(steps=[0.1, 0.01]).rows
    assert rows[-1].scaled == pytest.approx(1 / 6, rel=1e-3)
    tab = t2.error_table(points=[-1.5, -0.5, 0.0, 0.5, 1.0, 1.5])
    assert [r.model for r in tab.rows] == [-1.5, -0.5, 0.0, 0.5, 1.0, 1.5]


# -- display, records, errors ----------------------------------------------------------------------


def test_latex_and_repr() -> None:
    t = taylor("exp(x)*sin(y)", "x y", at=(0, 0), order=2)
    assert t.latex().startswith(r"e^{x} \sin{\left(y \right)} = ")
    assert t._repr_latex_().startswith("$\\displaystyle")
    assert "TaylorExpansion(order 2" in repr(t)
    assert t(sp.Rational(1, 2), 1) == sp.Rational(3, 2)


def test_coefficients_mapping() -> None:
    c = taylor("sin(x)", "x", at=0, order=3).coefficients
    assert list(c) == [(1,), (3,)]
    assert c[(2,)] == 0 and c[2] == 0
    with pytest.raises(KeyError):
        c[(4,)]
    assert c == {(1,): 1, (3,): sp.Rational(-1, 6), (2,): 0}
    assert c != {(1,): 1}


@pytest.mark.parametrize(("kwargs", "exc"), [
    ({"order": -1}, InputError), ({"order": 1.5}, InputError), ({"order": True}, InputError),
    ({"at": (0, 1)}, InputError), ({"order": 10_000}, InputError),
])
def test_bad_input(kwargs: dict, exc: type) -> None:
    args = {"variables": "x", "at": 0, "order": 2} | kwargs
    with pytest.raises(exc):
        taylor("sin(x)", **args)


def test_bad_text_is_a_parse_error() -> None:
    with pytest.raises(symtaylor.ParseError):
        taylor("__import__('os')", "x", at=0, order=2)


# -- CLI ------------------------------------------------------------------------------------------


def test_cli_taylor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["taylor", "exp(x)*sin(y)", "--at", "0,0", "--order", "3", "--vars", "x,y",
                 "--bound", "x=-0.1:0.1,y=-0.1:0.1"]) == 0
    out = capsys.readouterr().out
    assert "x**2*y/2" in out and "certified" in out
    assert main(["taylor", "sin(x)", "--order", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["polynomial"] == "-x**3/6 + x"
    assert data["coefficients"] == {"1": "1", "3": "-1/6"}
    assert main(["taylor", "sin(x)", "--order", "3", "--latex"]) == 0
    want = (r"\sin{\left(x \right)} = - \frac{x^{3}}{6} + x + R_{3}(x),\quad R_{3}(x) = "
            r"\frac{x^{4} \sin{\left(\xi \right)}}{24}\ \text{for some $\xi$ between $0$ and $x$}")
    assert capsys.readouterr().out.strip() == want
    assert main(["taylor", "log(x)", "--order", "2"]) == 2
    err = capsys.readouterr().err
    assert "not analytic" in err and len(err.strip().splitlines()) == 1


def test_cli_issue_command_json_and_bound(capsys: pytest.CaptureFixture[str]) -> None:
    # the command of the issue, without --vars (sorted free symbols)
    assert main(["taylor", "exp(x)*sin(y)", "--at", "0,0", "--order", "4",
                 "--bound", "x=-0.1:0.1,y=-0.1:0.1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["variables"] == ["x", "y"] and data["order"] == 4
    poly = sp.sympify(data["polynomial"])  # test-side only: trusted output
    assert sp.expand(poly - (y + x * y + x**2 * y / 2 - y**3 / 6 + x**3 * y / 6
                             - x * y**3 / 6)) == 0
    # exact remainder max over the box is at a corner: |exp(x) sin(y) - T_4| at (0.1, 0.1)
    with mpmath.workdps(50):
        corner = abs(mpmath.exp(mpmath.mpf("0.1")) * mpmath.sin(mpmath.mpf("0.1"))
                     - float(poly.subs({x: sp.Rational(1, 10), y: sp.Rational(1, 10)})))
    b = data["bound"]
    assert b["attained"] <= b["upper"] <= 3 * float(corner) and float(corner) <= b["upper"]
    assert main(["taylor", "sin(x)", "--at", "pi/3", "--order", "2"]) == 0
    out = capsys.readouterr().out
    assert "(x - pi/3)/2" in out and "sqrt(3)/2" in out


def test_cli_runs_as_a_program() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "symtaylor", "taylor", "exp(x)*sin(y)", "--at",
                           "0,0", "--order", "4", "--latex"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(r"e^{x} \sin{\left(y \right)} = ")
    assert "+ R_{4}(x, y),\\quad R_{4}(x, y) = " in proc.stdout
    assert proc.stdout.strip().endswith(r"\text{for some $\theta \in (0, 1)$}")


def test_cli_not_analytic_is_one_line_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["taylor", "sqrt(x^2 + y^2)", "--at", "0,0"]) == 2
    err = capsys.readouterr().err
    assert "not analytic at x = 0, y = 0" in err and len(err.strip().splitlines()) == 1


# -- review regressions ----------------------------------------------------------------------


def test_order_as_numpy_or_integral_float_and_point_as_numpy_array() -> None:
    import numpy as np

    x, y = sp.symbols("x y")
    truth = sp.series(sp.sin(x), x, 0, 4).removeO()
    for order in (np.int64(3), np.int32(3), sp.Integer(3), 3.0):
        t = taylor("sin(x)", "x", at=0, order=order)
        assert t.order == 3 and sp.expand(t.polynomial - truth) == 0
    for bad in (3.5, "3", True, -1):
        with pytest.raises(InputError):
            taylor("sin(x)", "x", at=0, order=bad)
    t = taylor("exp(x)*y", "x, y", at=np.array([0, 1]), order=2)
    assert t.point == (0, 1)
    # exp(x)*y about (0, 1): y + x*y + x**2*y/2 truncated at total degree 2
    assert sp.expand(t.polynomial - (y + x * y + x**2 / 2)) == 0


@pytest.mark.parametrize(("f", "a"), [("log(x)", -1), ("sqrt(x)", -1), ("acos(x)", 2),
                                      ("log(x - 3)", 1), ("asin(x)", "pi/3"),
                                      ("atanh(x)", 2), ("log(x)", "pi/3 - 2")])
def test_complex_valued_near_the_point_is_refused(f: str, a: int | str) -> None:
    # SymPy's series gives log(-1) = I*pi etc.: not a real Taylor polynomial
    with pytest.raises(NotAnalyticError, match="real"):
        taylor(f, "x", at=a, order=3)
    # real inside the domain: asin at 1/2 against mpmath at 30 digits
    t = taylor("asin(x)", "x", at=sp.Rational(1, 2), order=3)
    with mpmath.workdps(30):
        ref = mpmath.taylor(mpmath.asin, mpmath.mpf(1) / 2, 3)
        for k in range(4):
            assert abs(mpmath.mpf(sp.N(t.coefficients[(k,)], 30)) - ref[k]) < 1e-25


def test_region_ends_as_text_or_numpy_are_read_safely() -> None:
    import numpy as np

    t = taylor("exp(x)", "x", at=0, order=2)
    true = math.exp(0.5) - 1.625  # the error is largest at x = 1/2
    for region in [("-1/2", "1/2"), np.array([-0.5, 0.5]), {"x": np.array([-0.5, 0.5])},
                   (sp.Rational(-1, 2), sp.Rational(1, 2))]:
        b = t.remainder_bound(region)
        assert true <= b <= 3 * true
    with pytest.raises(ValueError):
        t.remainder_bound(("__import__('os').getcwd()", "1"))
    with pytest.raises(InputError):
        t.remainder_bound("(-1, 1)")
    # values given as text are parsed, never sympified
    assert t("1/2") == sp.Rational(13, 8)
    assert t.coefficients == {(0,): 1, (1,): 1, (2,): "1/2"}
    assert t.coefficients != {(0,): "__import__('os')"}


def test_branch_functions_away_from_their_kinks_are_expanded() -> None:
    x, y = sp.symbols("x y")
    assert taylor("Max(x, 0)", "x", at=sp.Rational(1, 2), order=3).polynomial == x
    assert taylor("Min(x, 0)", "x", at=-1, order=2).polynomial == x
    assert taylor("Max(x, y)", "x y", at=(1, 2), order=2).polynomial == y
    t = taylor("Max(sin(x), cos(x))", "x", at=0, order=4)  # cos wins near 0
    assert sp.expand(t.polynomial - sp.series(sp.cos(x), x, 0, 5).removeO()) == 0
    assert taylor("floor(x)*x", "x", at=sp.Rational(5, 2), order=2).polynomial == 2 * x
    b = taylor("Max(x, 0)", "x", at=sp.Rational(1, 2), order=1).remainder_bound((0.4, 0.6))
    assert 0 <= b < 1e-2  # f = T there
    for f, a in [("Max(x, 0)", 0), ("floor(x)", 2), ("Max(sin(x), cos(x))", "pi/4")]:
        with pytest.raises(NotAnalyticError):
            taylor(f, "x", at=a, order=2)


def test_region_away_from_the_point_still_gives_a_rigorous_tight_bound() -> None:
    t = taylor("exp(x)", "x", at=0, order=2)
    with mpmath.workdps(50):
        true = float(mpmath.e**2 - 5)  # |e^x - (1 + x + x^2/2)| is largest at x = 2
    b = t.remainder_bound((1, 2))
    assert true <= b <= 3 * true


def test_certify_reuses_the_exact_series_with_branches_resolved(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # certify used to rerun the exact engine on the unresolved Max(x, 0)*exp(x): no rule for
    # Max, so its "cannot happen" branch ran. T_n now comes from the series taylor() built.
    from symtaylor.series.engine import _Engine

    t = taylor("Max(x,0)*exp(x)", "x", at="1/2", order=2)
    h = sp.Rational(1, 2)
    assert sp.expand(t.polynomial - sp.series(x * sp.exp(x), x, h, 3).removeO()) == 0
    orders: list[int] = []
    exact = _Engine.exact

    def spy(self: _Engine, *args: object) -> object:
        orders.append(self.order)
        return exact(self, *args)

    monkeypatch.setattr(_Engine, "exact", spy)
    cert = t.certify((0.4, 0.6))
    assert t.order not in orders  # no second exact run of T_n's own order
    # the truth: |f - T_2| on a fine grid, f and T_2 in mpmath at 50 digits
    with mpmath.workdps(50):
        e = mpmath.exp(mpmath.mpf(1) / 2)
        def err(u: mpmath.mpf) -> mpmath.mpf:
            d = u - mpmath.mpf(1) / 2
            return abs(max(u, 0) * mpmath.exp(u) - e * (mpmath.mpf(1) / 2 + 3 * d / 2
                                                          + 5 * d**2 / 4))
        true = float(max(err(mpmath.mpf(4) / 10 + mpmath.mpf(k) / 10000) for k in range(2001)))
    assert cert.attained == pytest.approx(true, rel=1e-9)
    assert true <= cert.upper


def test_certification_walks_the_expression_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The postorder of f was recomputed on every ball evaluation (240 times here); the engine
    # now keeps it: one walk for taylor(), one for the certifier's engine.
    from symtaylor.series import engine

    walks: list[sp.Expr] = []
    postorder = engine._postorder
    monkeypatch.setattr(engine, "_postorder",
                        lambda e, vs: walks.append(e) or postorder(e, vs))
    t = taylor("log(2+x)*atan(y)", "x y", at=(0, 0), order=3)
    cert = t.certify([(-1.5, 1.5), (-1, 1)], rtol=0.01)
    assert cert.boxes > 50 and cert.converged
    assert len(walks) == 2
    # the truth: T_3 from SymPy's one-variable series, |f - T_3| on a grid at 50 digits
    prod = sp.expand(sp.series(sp.log(2 + x), x, 0, 4).removeO()
                     * sp.series(sp.atan(y), y, 0, 4).removeO())
    t3 = sum(term for term in prod.as_ordered_terms() if sp.Poly(term, x, y).total_degree() <= 3)
    assert sp.expand(t.polynomial - t3) == 0
    err = sp.lambdify((x, y), sp.Abs(sp.log(2 + x) * sp.atan(y) - t3), modules="mpmath")
    with mpmath.workdps(50):
        grid = [err(mpmath.mpf(-15 + i) / 10, mpmath.mpf(-10 + j) / 10)
                for i in range(31) for j in range(21)]
        true = float(max(grid))
    assert cert.attained <= cert.upper <= (1 + 0.01) * cert.attained
    assert true <= cert.upper


def test_a_new_function_is_one_registry_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    # acsc has no rule: the engine hands it to SymPy's series. One entry in RULES puts it on the
    # fast route, with the same coefficients as SymPy's own series.
    from symtaylor.series.rules import RULES, _by_derivatives

    f = sp.acsc(x)
    assert taylor(f, "x", at=2, order=4).method == "sympy-series"
    monkeypatch.setitem(RULES, sp.acsc, _by_derivatives(sp.acsc))
    t = taylor(f, "x", at=2, order=4)
    assert t.method == "series-arithmetic"
    assert sp.simplify(t.polynomial - sp.series(f, x, 2, 5).removeO()) == 0


def test_series_modules_import_only_the_ones_before_them() -> None:
    # the layering stated in symtaylor.series' docstring: each module depends only on earlier ones
    import ast
    import pathlib

    import symtaylor.series as series

    order = ["kernel", "domain", "rules", "engine", "rewrite", "fallback", "expand", "records",
             "certify", "expansion", "facade"]
    folder = pathlib.Path(series.__file__).parent
    assert sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__") == sorted(order)
    for i, name in enumerate(order):
        tree = ast.parse((folder / f"{name}.py").read_text())
        typing_only = {id(n) for block in ast.walk(tree)
                       if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
                       for n in ast.walk(block)}  # annotations only: not a runtime dependency
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and id(node) not in typing_only:
                targets = [node.module.split(".")[0]] if node.module else [
                    a.name for a in node.names]  # from . import certify
                for target in targets:
                    assert target in order[:i], f"{name} imports .{target}"


# -- continuity: the constant term is f(a) (issue 16) ---------------------------------------------


@pytest.mark.parametrize("f, order", [
    (sp.floor(sp.cos(x)), 5), (sp.ceiling(-sp.cos(x)) + 1, 5), (sp.sign(x) ** 2, 3),
    (sp.acot(x), 1), (sp.floor(sp.cos(x)) * a, 2),
])
def test_discontinuous_at_the_point_is_refused(f: sp.Expr, order: int) -> None:
    # truth: SymPy's one-sided limits agree with each other (so the one-sided series agree),
    # but f(0) itself (mpmath, or SymPy's exact value) is different, or the limits disagree
    right, left = sp.limit(f, x, 0, "+"), sp.limit(f, x, 0, "-")
    at0 = f.subs(x, 0)
    assert right != at0 or left != right
    with pytest.raises(NotAnalyticError, match=r"not continuous|differ"):
        taylor(f, [x], at=0, order=order)


def test_discontinuity_truth_by_mpmath() -> None:
    # the same jumps seen by mpmath at 50 digits: f(0) vs f(+-1e-10)
    mp_fs = {sp.floor(sp.cos(x)): lambda u: mpmath.floor(mpmath.cos(u)),
             sp.ceiling(-sp.cos(x)) + 1: lambda u: mpmath.ceil(-mpmath.cos(u)) + 1,
             sp.sign(x) ** 2: lambda u: mpmath.sign(u) ** 2}
    with mpmath.workdps(50):
        for f, fn in mp_fs.items():
            for side in (1, -1):
                assert abs(fn(mpmath.mpf(0)) - fn(side * mpmath.mpf("1e-10"))) == 1
            with pytest.raises(NotAnalyticError):
                taylor(f, [x], at=0, order=3)
        # SymPy's acot is atan(1/x) on the reals: it jumps by pi at 0
        assert abs(sp.N(sp.acot(sp.Rational(-1, 100)), 50)
                   - mpmath.atan(1 / mpmath.mpf("-0.01"))) < 1e-45
        assert abs(sp.N(sp.acot(sp.Rational(1, 100)) - sp.acot(sp.Rational(-1, 100)), 50)
                   - (mpmath.pi - 2 * mpmath.atan(mpmath.mpf("0.01")))) < 1e-45


def test_isolated_value_is_refused() -> None:
    # SymPy's limit evaluates this Piecewise at the point (1); its exact values next to it are 0
    f = sp.Piecewise((1, sp.Eq(x, 0)), (0, True))
    assert f.subs(x, 0) == 1
    assert f.subs(x, sp.Rational(1, 10**30)) == f.subs(x, -sp.Rational(1, 10**30)) == 0
    with pytest.raises(NotAnalyticError, match="not continuous"):
        taylor(f, [x], at=0, order=2)


def test_atan2_on_its_branch_cut_is_refused() -> None:
    with mpmath.workdps(50):  # pi above the negative x-axis, -pi below it
        assert mpmath.atan2(mpmath.mpf("-1e-30"), -1) + mpmath.pi < 1e-29
    with pytest.raises(NotAnalyticError, match="not continuous"):
        taylor("atan2(y, x)", "x y", (-1, 0), 3)
    with pytest.raises(NotAnalyticError):
        taylor("atan2(y, x)", "x y", (-3, 0), 1)
    # off the cut it expands and agrees with mpmath at 50 digits nearby
    for pt in [(-1, 1), (1, 0), (-1, -1)]:
        t = taylor("atan2(y, x)", "x y", pt, 6)
        px, py = sp.Rational(pt[0]) + sp.Rational(1, 100), sp.Rational(pt[1]) - sp.Rational(1, 50)
        with mpmath.workdps(50):
            true = mpmath.atan2(mpmath.mpf(py.p) / py.q, mpmath.mpf(px.p) / px.q)
        assert abs(sp.N(t(px, py), 50) - true) < 1e-11
    # y**2 does not cross the cut: continuous and analytic there (pi - y**2 + ...)
    t = taylor("atan2(y**2, x)", "x y", (-1, 0), 2)
    assert sp.expand(t.polynomial - (sp.pi - y**2)) == 0


@pytest.mark.parametrize("text, order", [
    ("sin(x)/x", 4), ("(exp(x) - 1)/x", 3), ("x/sin(x)", 3), ("(1 - cos(x))/x**2", 4),
    ("Abs(x)**2", 3), ("Max(x, 0) + Min(x, 0)", 3),
])
def test_removable_and_continuous_cases_still_expand(text: str, order: int) -> None:
    f = symtaylor.parse(text)
    s = sp.series(f, x, 0, order + 1).removeO()
    assert sp.expand(taylor(f, [x], at=0, order=order).polynomial - s) == 0


def test_removable_singularity_on_a_line_still_expands() -> None:
    t = taylor("sin(x*y)/(x*y)", "x y", (0, 0), 4)
    assert sp.expand(t.polynomial - (1 - x**2 * y**2 / 6)) == 0


# -- long expansions: recurrences and dense products (issue 16) ------------------------------------


def test_atan_order_200_is_fast_and_exact() -> None:
    import time
    t0 = time.perf_counter()
    t = taylor("atan(x)", "x", at=0, order=200)
    assert time.perf_counter() - t0 < 5  # was 27 s
    # closed form: atan(x) = sum (-1)^k x^(2k+1) / (2k+1)
    expect = {(2 * k + 1,): sp.Rational((-1) ** k, 2 * k + 1) for k in range(100)}
    assert dict(t.coefficients.items()) == expect


@pytest.mark.parametrize("func, c", [
    (sp.atan, sp.Rational(1, 3)), (sp.acot, sp.Rational(2, 1)), (sp.atanh, sp.Rational(-1, 4)),
    (sp.asin, sp.Rational(1, 5)), (sp.acos, sp.Rational(-1, 3)), (sp.asinh, sp.Rational(3, 2)),
    (sp.acosh, sp.Rational(5, 2)), (sp.erf, sp.Rational(1, 2)), (sp.erfc, sp.Rational(-2, 3)),
    (sp.asin, sp.sqrt(2) / 3), (sp.atan, sp.pi / 7),
])
def test_recurrence_rules_agree_with_mpmath(func: sp.Expr, c: sp.Expr) -> None:
    # T_60 at c + h, h a fifth of the distance to the nearest singularity: the truncation error
    # is below 5**-60 ~ 1e-42; the truth is mpmath's function at 50 digits
    n = 60
    sing = {sp.atan: [sp.I, -sp.I], sp.acot: [sp.I, -sp.I, 0], sp.asinh: [sp.I, -sp.I],
            sp.erf: [], sp.erfc: []}.get(func, [1, -1])
    dist = min([abs(complex(sp.N(c - s))) for s in sing], default=2.0)
    h = sp.Rational(int(dist * 1000), 5000)
    t = taylor(func(x), [x], at=c, order=n)
    mp_f = {sp.acot: lambda u: mpmath.acot(u)}.get(func, getattr(mpmath, func.__name__, None))
    with mpmath.workdps(60):
        true = mp_f(mpmath.mpf(sp.N(c + h, 70)))
        got = sp.N(t.polynomial.subs(x, c + h), 60)
        assert abs(mpmath.mpf(sp.Float(got, 60)) - true) < mpmath.mpf(10) ** -40


@pytest.mark.parametrize("text", ["exp(sin(x))", "tan(x)", "log(1+x)/(1+x**2)",
                                  "exp(x)*cos(x)**2", "sqrt(1+x)*cosh(x)"])
def test_order_200_products_agree_with_mpmath(text: str) -> None:
    # the dense univariate products (flint mul_low) against mpmath at 50 digits at x = 1/4,
    # well inside every radius of convergence (>= 1): the tail is below 4**-200
    import time
    t0 = time.perf_counter()
    t = taylor(text, "x", at=0, order=200)
    assert time.perf_counter() - t0 < 10  # was 17-20 s
    f = symtaylor.parse(text)
    fn = sp.lambdify(x, f, modules="mpmath")
    got = sp.N(t(sp.Rational(1, 4)), 60)
    with mpmath.workdps(60):
        true = fn(mpmath.mpf(1) / 4)
        assert abs(mpmath.mpf(sp.Float(got, 60)) - true) < mpmath.mpf(10) ** -45
