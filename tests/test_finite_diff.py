"""Tests of symtaylor.finite_diff against independent truths.

Truths used: Fornberg (1988) Table 1 and the standard one-sided tables (weights); a Vandermonde
solve in SymPy (weights, property test); SymPy's own ``series`` of the stencil (truncation
terms); textbook optimal steps (Nocedal & Wright, Numerical Optimization, 2nd ed., sec. 8.1;
Sauer, Numerical Analysis, sec. 5.1) and a numeric minimisation with SciPy (optimal step); mpmath
at 60 digits computed here (errors); the seed's own code (float64 table); SciPy's Rosenbrock
``rosen``/``rosen_der``/``rosen_hess`` (derivative checks).
"""

from __future__ import annotations

import json
import math
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import check_grad, minimize_scalar, rosen, rosen_der, rosen_hess

from symtaylor.cli import main
from symtaylor.errors import InputError, NotAnalyticError, OptionalDependencyError
from symtaylor.finite_diff import (
    CheckStatus,
    fd_check_gradient,
    fd_check_hessian,
    fd_error,
    fornberg_weights,
    stencil,
)

R = sp.Rational
h = sp.Symbol("h")  # exactly the symbol a user would write
x = sp.Symbol("x")
SEED_STEPS = [1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]

# -- weights ---------------------------------------------------------------------------------

# Fornberg, Math. Comp. 51 (1988), Table 1 (centred, derivative d, accuracy p).
FORNBERG_CENTRAL = {
    (1, 2): [R(-1, 2), 0, R(1, 2)],
    (1, 4): [R(1, 12), R(-2, 3), 0, R(2, 3), R(-1, 12)],
    (1, 6): [R(-1, 60), R(3, 20), R(-3, 4), 0, R(3, 4), R(-3, 20), R(1, 60)],
    (1, 8): [R(1, 280), R(-4, 105), R(1, 5), R(-4, 5), 0, R(4, 5), R(-1, 5), R(4, 105),
             R(-1, 280)],
    (2, 2): [1, -2, 1],
    (2, 4): [R(-1, 12), R(4, 3), R(-5, 2), R(4, 3), R(-1, 12)],
    (2, 6): [R(1, 90), R(-3, 20), R(3, 2), R(-49, 18), R(3, 2), R(-3, 20), R(1, 90)],
    (2, 8): [R(-1, 560), R(8, 315), R(-1, 5), R(8, 5), R(-205, 72), R(8, 5), R(-1, 5),
             R(8, 315), R(-1, 560)],
    (3, 2): [R(-1, 2), 1, 0, -1, R(1, 2)],
    (3, 4): [R(1, 8), -1, R(13, 8), 0, R(-13, 8), 1, R(-1, 8)],
    (3, 6): [R(-7, 240), R(3, 10), R(-169, 120), R(61, 30), 0, R(-61, 30), R(169, 120),
             R(-3, 10), R(7, 240)],
    (4, 2): [1, -4, 6, -4, 1],
    (4, 4): [R(-1, 6), 2, R(-13, 2), R(28, 3), R(-13, 2), 2, R(-1, 6)],
    (4, 6): [R(7, 240), R(-2, 5), R(169, 60), R(-122, 15), R(91, 8), R(-122, 15), R(169, 60),
             R(-2, 5), R(7, 240)],
}

# One-sided (forward) weights on offsets 0, 1, ..., (Fornberg 1988, Table 3).
FORNBERG_FORWARD = {
    (1, 1): [-1, 1],
    (1, 2): [R(-3, 2), 2, R(-1, 2)],
    (1, 3): [R(-11, 6), 3, R(-3, 2), R(1, 3)],
    (1, 4): [R(-25, 12), 4, -3, R(4, 3), R(-1, 4)],
    (2, 1): [1, -2, 1],
    (2, 2): [2, -5, 4, -1],
    (2, 3): [R(35, 12), R(-26, 3), R(19, 2), R(-14, 3), R(11, 12)],
}


@pytest.mark.parametrize(("dp", "weights"), FORNBERG_CENTRAL.items())
def test_central_weights_match_fornberg_table(dp, weights):
    d, p = dp
    s = stencil(d, "central", p)
    m = (len(weights) - 1) // 2
    assert s.offsets == tuple(range(-m, m + 1))
    assert s.weights == tuple(sp.sympify(w) for w in weights)
    assert all(isinstance(w, sp.Rational) for w in s.weights)
    assert s.accuracy == p


@pytest.mark.parametrize(("dp", "weights"), FORNBERG_FORWARD.items())
def test_one_sided_weights_match_tables(dp, weights):
    d, p = dp
    fw = stencil(d, "forward", p)
    assert fw.offsets == tuple(range(len(weights)))
    assert fw.weights == tuple(sp.sympify(w) for w in weights)
    # Backward is the mirror image: offsets negated, weights times (-1)^d.
    bw = stencil(d, "backward", p)
    assert bw.offsets == tuple(-o for o in reversed(fw.offsets))
    assert bw.weights == tuple((-1) ** d * w for w in reversed(fw.weights))
    assert fw.accuracy == bw.accuracy == p


@settings(max_examples=40)
@given(
    offsets=st.lists(st.fractions(min_value=-4, max_value=4, max_denominator=3),
                     min_size=2, max_size=6, unique=True),
    data=st.data(),
)
def test_weights_solve_the_taylor_system(offsets, data):
    """Independent route: the Vandermonde system sum w_i o_i^k / k! = delta_kd, k < n."""
    n = len(offsets)
    d = data.draw(st.integers(min_value=0, max_value=n - 1))
    nodes = [R(o.numerator, o.denominator) for o in offsets]
    V = sp.Matrix(n, n, lambda k, i: nodes[i] ** k / sp.factorial(k))
    rhs = sp.Matrix([1 if k == d else 0 for k in range(n)])
    expected = list(V.LUsolve(rhs))
    assert list(fornberg_weights(offsets, d)) == expected


@pytest.mark.parametrize(
    ("d", "scheme", "p"),
    [(1, "central", 2), (2, "central", 2), (1, "forward", 1), (1, "backward", 2),
     (3, "central", 2), (1, "central", 4), (2, "forward", 2)],
)
def test_truncation_terms_match_sympy_series(d, scheme, p):
    """Leading and next truncation terms vs SymPy's series of the stencil applied to a function
    whose derivatives at 0 are all distinct (so no term can hide)."""
    s = stencil(d, scheme, p)
    g = sp.exp(2 * x) + sp.sin(3 * x) / 5
    approx = sum(w * g.subs(x, o * h) for o, w in zip(s.offsets, s.weights)) / h**d
    err = sp.series(approx - sp.diff(g, x, d).subs(x, 0), h, 0, s.accuracy + 6).removeO()
    ours = s.truncation_term(2).doit()
    f = sp.Function("f")
    ours = ours.replace(
        lambda e: isinstance(e, sp.Derivative),
        lambda e: sp.diff(g, x, e.derivative_count).subs(x, 0),
    ).subs(f(x), g.subs(x, 0))
    k1, k2 = s.error_terms[0][0] - d, s.error_terms[1][0] - d
    err = sp.expand(err)
    for k in (k1, k2):
        assert sp.simplify(err.coeff(h, k) - ours.coeff(h, k)) == 0
    assert all(sp.simplify(err.coeff(h, j)) == 0 for j in range(0, k1))


def test_central_second_difference_truncation_term_is_h2_over_12():
    s = stencil(2, "central", 2)
    f = sp.Function("f")
    assert s.truncation_term() == h**2 / 12 * sp.Derivative(f(x), (x, 4))
    assert s.error_terms[1] == (6, R(1, 360))
    assert s.abs_weight_sum == 4


def test_custom_offsets_and_staggered_grid():
    s = stencil(1, offsets=["-1/2", "1/2"])
    assert s.weights == (-1, 1)
    assert s.accuracy == 2 and s.leading_coefficient == R(1, 24)
    # A non-symmetric three-point stencil is second-order accurate.
    s = stencil(1, offsets=[-1, 0, 2])
    assert s.weights == (R(-2, 3), R(1, 2), R(1, 6))
    assert s.accuracy == 2


def test_stencil_bad_input():
    with pytest.raises(InputError, match="central, forward, backward"):
        stencil(1, "sideways")
    with pytest.raises(InputError, match="even accuracy"):
        stencil(1, "central", 3)
    with pytest.raises(InputError, match="distinct"):
        stencil(1, offsets=[0, 1, 1])
    with pytest.raises(InputError, match="at least 3 offsets"):
        stencil(2, offsets=[0, 1])
    with pytest.raises(InputError, match="rational"):
        stencil(1, offsets=[0, 0.5])
    with pytest.raises(InputError, match="at least 1"):
        stencil(0)
    with pytest.raises(InputError, match="integer"):
        stencil(1.5)


def test_stencil_repr_and_latex():
    s = stencil(2)
    assert "weights=[1, -2, 1]" in repr(s)
    assert r"\frac{h^{2}" in s.latex()
    assert s._repr_latex_().startswith("$\\displaystyle")


# -- the seed's table ------------------------------------------------------------------------


def _seed_table():
    """The seed's own code (Part 7), run as written."""
    f = np.exp
    x0 = 1.0
    true_d2f = np.exp(x0)
    out = []
    for hv in SEED_STEPS:
        approx = (f(x0 + hv) - 2 * f(x0) + f(x0 - hv)) / hv**2
        out.append((hv, approx, abs(approx - true_d2f)))
    return out


def test_seed_table_reproduced_bit_for_bit_and_classified():
    r = fd_error("exp(x)", "x", at=1, derivative=2, steps=SEED_STEPS)
    seed = _seed_table()
    assert [row.h for row in r.rows] == SEED_STEPS
    # float64 values identical to the seed's formula, bit for bit (and so its printout).
    for row, (_, approx, _) in zip(r.rows, seed):
        assert row.approximation == approx
        assert f"{row.approximation:>12.6f}" == f"{approx:>12.6f}"
    # Errors against the truth e at 60 digits, computed here independently.
    with mpmath.workdps(60):
        e = mpmath.e
        for row in r.rows:
            H = mpmath.mpf(row.h)
            exact_stencil = (mpmath.exp(1 + H) - 2 * e + mpmath.exp(1 - H)) / H**2
            trunc = abs(exact_stencil - e)
            total = abs(mpmath.mpf(row.approximation) - e)
            assert row.error == pytest.approx(float(total), rel=1e-12)
            assert row.truncation_error == pytest.approx(float(trunc), rel=1e-12)
            assert row.roundoff_error == pytest.approx(
                float(abs(mpmath.mpf(row.approximation) - exact_stencil)), rel=1e-12)
    # Truncation dominates for h >= 1e-3, round-off for h <= 1e-4 (optimum near 3.2e-4).
    assert r.truncation_dominated == (1.0, 1e-1, 1e-2, 1e-3)
    assert r.roundoff_dominated == (1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
    # Truncation-dominated rows follow e h^2/12 (next term e h^4/360 explains h = 1).
    for row in r.rows[:4]:
        model = math.e * row.h**2 / 12 + math.e * row.h**4 / 360
        assert row.truncation_error == pytest.approx(model, rel=0.01 * row.h**2 + 1e-9)
    # At h = 1e-8 the numerator cancels completely: approximation 0, error e.
    assert r.rows[-1].approximation == 0.0
    assert r.rows[-1].error == pytest.approx(math.e, rel=1e-15)
    assert r.observed_optimal_step == 1e-4
    assert r.truncation_term == sp.E * h**2 / 12
    assert r.next_truncation_term == sp.E * h**4 / 360


def test_contract_names():
    r = fd_error("exp(x)", "x", at=1, derivative=2, scheme="central")
    for row in r.rows:
        assert row["h"] == row.h and row["error"] == row.error
        assert row["truncation_error"] == row.truncation_error
        assert set(row.as_dict()) >= {"h", "approximation", "error", "truncation_error",
                                      "roundoff_error", "dominated_by"}
    assert r.truncation_term.free_symbols == {h} and str(h) == "h"
    assert isinstance(r.optimal_step, float)
    assert isinstance(r.observed_optimal_step, float)
    with pytest.raises(KeyError):
        r.rows[0]["nonsense"]
    row = dict(r.rows[0])
    assert row["h"] == r.rows[0].h and "error" in r.rows[0] and r.rows[0].get("nope") is None


# -- optimal step --------------------------------------------------------------------------------

EPS = 2.0**-52


@pytest.mark.parametrize(
    ("expr", "at", "d", "scheme", "textbook"),
    [
        # Central first difference: h* = (3 eps |f| / |f'''|)^(1/3) (Nocedal & Wright 8.1).
        ("exp(x)", 1, 1, "central", (3 * EPS) ** (1 / 3)),
        ("sin(x)", "pi/3", 1, "central",
         (3 * EPS * math.sin(math.pi / 3) / math.cos(math.pi / 3)) ** (1 / 3)),
        # Forward first difference: h* = 2 sqrt(eps |f| / |f''|) (Sauer 5.1).
        ("exp(x)", 1, 1, "forward", 2 * math.sqrt(EPS)),
        ("log(1+x)", 0.5, 1, "backward",
         2 * math.sqrt(EPS * math.log(1.5) / (1 / 1.5**2))),
        # Central second difference: h* = (48 eps |f| / |f''''|)^(1/4).
        ("exp(x)", 1, 2, "central", (48 * EPS) ** 0.25),
    ],
)
def test_optimal_step_matches_textbook_and_numeric_minimum(expr, at, d, scheme, textbook):
    r = fd_error(expr, "x", at=at, derivative=d, scheme=scheme)
    assert r.optimal_step == pytest.approx(textbook, rel=1e-12)
    assert float(r.optimal_step_exact) == pytest.approx(textbook, rel=1e-12)
    # Minimising the model |truncation| + round-off numerically lands on the same step.
    A = float(sp.Abs(r.truncation_term.subs(h, 1)))
    p = int(sp.degree(r.truncation_term, h))
    B = float(r.roundoff_term.subs(h, 1))
    res = minimize_scalar(lambda lh: math.log(A * math.exp(lh) ** p + B / math.exp(lh) ** d),
                          bounds=(-40, 0), method="bounded", options={"xatol": 1e-10})
    assert math.exp(res.x) == pytest.approx(r.optimal_step, rel=1e-4)
    assert r.predicted_min_error == pytest.approx(math.exp(res.fun), rel=1e-6)


@pytest.mark.parametrize(
    ("expr", "at", "d", "scheme"),
    [("exp(x)", 1, 2, "central"), ("exp(x)", 1, 1, "forward"), ("sin(x)", "pi/3", 1, "central"),
     ("log(1+x)", 0.5, 1, "central"), ("x**4 - 3*x**3 + 2", 2, 2, "central")],
)
def test_observed_optimum_near_prediction(expr, at, d, scheme):
    steps = [10.0 ** (-k / 8) for k in range(8 * 12)]
    r = fd_error(expr, "x", at=at, derivative=d, scheme=scheme, steps=steps)
    # The V's bottom: round-off is erratic, so only the order of magnitude is predictable.
    assert r.optimal_step / 30 < r.observed_optimal_step < r.optimal_step * 30
    assert r.min_error < 3 * r.predicted_min_error
    # Far left of h*: round-off; far right: truncation.
    for row in r.rows:
        if row.h > 30 * r.optimal_step:
            assert row.dominated_by == "truncation"
        if row.h < r.optimal_step / 30:
            assert row.dominated_by == "round-off"
    # The round-off model is an honest order of magnitude where round-off dominates.
    far = [row for row in r.rows if row.h < r.optimal_step / 30 and row.error < 1e-2]
    ratios = [row.roundoff_error / row.roundoff_estimate for row in far]
    assert 0.01 < np.median(ratios) < 2


def test_polynomial_stencil_exact_and_quartic_truncation():
    # Central second difference of a cubic is exact: no truncation, h* = infinity.
    r = fd_error("x**3 - x", "x", at=2, derivative=2, steps=[1.0, 0.5, 1e-3])
    assert r.truncation_term == 0 and r.optimal_step == math.inf
    assert all(row.truncation_error < 1e-40 for row in r.rows)
    assert r.rows[0].error == 0.0  # (27 - 2*6 + 1) - ... exact in float64
    # Quartic of the seed: f'''' = 24, so the truncation is exactly 2 h^2, no next term.
    r = fd_error("x**4 - 3*x**3 + 2", "x", at=2, derivative=2, steps=[0.5, 0.1])
    assert r.truncation_term == 2 * h**2 and r.next_truncation_term == 0
    assert r.rows[0].truncation_error == pytest.approx(0.5, rel=1e-30)


def test_vanishing_leading_term_uses_next_one():
    # sin(x) + x**6 at 0: the fourth derivative vanishes, so the central second difference
    # starts at h^4 f^(6)(0)/360 = 2 h^4; every later even derivative vanishes again.
    r = fd_error("sin(x) + x**6", "x", at=0, derivative=2, steps=[0.1, 0.01])
    assert r.truncation_term == 2 * h**4 and r.next_truncation_term == 0
    assert r.rows[0].truncation_error == pytest.approx(2e-4, rel=1e-12)
    assert r.optimal_step == pytest.approx(float(r.optimal_step_exact), rel=1e-12)
    # f(0) = 0: the round-off model falls back to |f| on the stencil instead of predicting 0.
    assert r.roundoff_term != 0 and math.isfinite(r.optimal_step)
    # sin at 0: all even derivatives vanish, the central second difference is exact.
    r = fd_error("sin(x)", "x", at=0, derivative=2, steps=[0.1])
    assert r.truncation_term == 0 and r.optimal_step == math.inf
    assert r.rows[0].truncation_error < 1e-40


@settings(max_examples=15)
@given(
    a=st.floats(min_value=-2, max_value=2, allow_nan=False),
    k=st.integers(min_value=1, max_value=6),
    d=st.integers(min_value=1, max_value=3),
)
def test_measured_errors_against_independent_mpmath(a, k, d):
    """error = |float64 stencil - f^(d)(a)| with the truth from mpmath.diff at 60 digits."""
    hv = 10.0**-k
    r = fd_error("exp(x)*sin(x) + x**2", "x", at=a, derivative=d, steps=[hv])
    row = r.rows[0]
    with mpmath.workdps(60):
        truth = mpmath.diff(lambda t: mpmath.exp(t) * mpmath.sin(t) + t**2, mpmath.mpf(a), d)
        assert row.error == pytest.approx(float(abs(mpmath.mpf(row.approximation) - truth)),
                                          rel=1e-9, abs=1e-300)
    assert row.error <= (row.truncation_error + row.roundoff_error) * (1 + 1e-12) + 1e-300


def test_domain_edge_rows_are_marked_undefined():
    r = fd_error("log(1+x)", "x", at=0, derivative=1, steps=[1.0, 0.1, 1e-3])
    assert r.rows[0].dominated_by == "undefined" and math.isinf(r.rows[0].error)
    assert [row.dominated_by for row in r.rows[1:]] == ["truncation", "truncation"]
    assert r.observed_optimal_step == 1e-3


def test_point_types_and_precision_restored():
    before = mpmath.mp.dps
    r = fd_error(sp.sin(x), x, at="pi/3", derivative=1, steps=[1e-3])
    assert mpmath.mp.dps == before
    assert r.exact_derivative == R(1, 2)
    assert r.truncation_term == -h**2 / 12
    r2 = fd_error(lambda t: sp.exp(t), "t", at=0.5, steps=[1e-3])
    assert r2.rows[0].error < 1e-6
    # default variable: the only free symbol
    assert fd_error("exp(y)", at=0, steps=[1e-2]).variable == sp.Symbol("y")


def test_fd_error_bad_input():
    with pytest.raises(InputError, match="free symbols"):
        fd_error("x*y", at=1)
    with pytest.raises(InputError, match="substitute"):
        fd_error("x*y", "x", at=1)
    with pytest.raises(NotAnalyticError):
        fd_error("log(x)", "x", at=0)
    with pytest.raises(InputError, match="positive"):
        fd_error("exp(x)", "x", at=1, steps=[1e-3, -1.0])
    with pytest.raises(InputError, match="scheme"):
        fd_error("exp(x)", "x", at=1, scheme="upwind")
    with pytest.raises(InputError):
        fd_error("exp(x)", "x", at="y")


def test_report_latex_repr_and_plot(tmp_path):
    r = fd_error("exp(x)", "x", at=1, derivative=2)
    assert len(r.rows) == 31
    text = repr(r)
    assert "predicted optimal step" in text and "round-off" in text
    tex = r.latex()
    assert r"\frac{e h^{2}}{12}" in tex and r"\frac{\sqrt[4]{3}}{4096}" in tex
    assert r._repr_latex_().startswith("$\\displaystyle") and "align*" not in r._repr_latex_()
    pytest.importorskip("matplotlib")
    path = tmp_path / "v.png"
    fig = r.plot(str(path))
    assert path.stat().st_size > 10_000
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 5  # error, truncation, 2 asymptotes, h*


def test_plot_without_matplotlib(monkeypatch):
    r = fd_error("exp(x)", "x", at=1, steps=[1e-3])
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(OptionalDependencyError, match=r"symtaylor\[plot\]"):
        r.plot("never.png")


# -- derivative checks -------------------------------------------------------------------------


@settings(max_examples=25)
@given(st.lists(st.floats(min_value=-3, max_value=3, allow_nan=False), min_size=2, max_size=6))
def test_fd_check_gradient_rosenbrock(x0):
    x0 = np.array(x0)
    c = fd_check_gradient(rosen, rosen_der, x0)
    assert c.ok, c
    assert c.status is CheckStatus.AGREES and c.suspects == ()
    # The estimate is honest (covers the real error vs SciPy's analytic gradient) and small.
    g = rosen_der(x0)
    assert np.all(np.abs(c.finite_difference - g) <= c.tolerance)
    assert np.all(c.error_estimate <= 1e-6 * (1 + np.abs(g)))
    # Same verdict as scipy.optimize.check_grad (forward differences at sqrt(eps)), whose
    # discrepancy is small relative to the gradient for correct code.
    assert check_grad(rosen, rosen_der, x0) <= 1e-4 * (1 + np.linalg.norm(g))


def test_fd_check_gradient_flags_a_wrong_component():
    x0 = np.array([-1.2, 1.0, 0.7])

    def wrong(v):
        g = rosen_der(v).copy()
        g[2] *= 1.001  # a 0.1% slip in one entry
        return g

    c = fd_check_gradient(rosen, wrong, x0)
    assert not c.ok and c.status is CheckStatus.DISAGREES
    assert c.suspects == ((2,),)
    assert "worst entry [2]" in c.message
    assert "DISAGREES" in repr(c) and c.latex().startswith(r"\times")


def test_fd_check_hessian_rosenbrock_and_a_wrong_entry():
    x0 = np.array([-1.2, 1.0, 0.5, 2.0])
    c = fd_check_hessian(rosen_der, rosen_hess, x0)
    assert c.ok, c
    assert np.all(np.abs(c.finite_difference - rosen_hess(x0)) <= c.tolerance)

    def wrong(v):
        H = rosen_hess(v).copy()
        H[1, 2] += 1e-3
        return H

    c = fd_check_hessian(rosen_der, wrong, x0)
    assert not c.ok and c.suspects[0] == (1, 2)


def test_checks_of_code_compiled_from_sympy():
    """Derivatives derived by SymPy and compiled (symtaylor.codegen when present)."""
    a, b = sp.symbols("a b")
    f = sp.exp(a * b) + sp.sin(a) * b**3
    grad = [sp.diff(f, v) for v in (a, b)]
    hess = [[sp.diff(gi, v) for v in (a, b)] for gi in grad]
    try:
        from symtaylor.codegen import compile_numpy
    except ImportError:
        compile_numpy = None
    if compile_numpy is not None:
        fun_c = compile_numpy([f], [a, b])
        grad_c = compile_numpy(grad, [a, b])
        hess_c = compile_numpy([e for row in hess for e in row], [a, b])
        fun = lambda v: float(np.asarray(fun_c(v)).reshape(-1)[0])  # noqa: E731
        gfun = lambda v: np.asarray(grad_c(v), dtype=float).reshape(-1)  # noqa: E731
        hfun = lambda v: np.asarray(hess_c(v), dtype=float).reshape(2, 2)  # noqa: E731
    else:
        lf = sp.lambdify([(a, b)], f)
        lg = sp.lambdify([(a, b)], grad)
        lh = sp.lambdify([(a, b)], hess)
        fun = lambda v: float(lf(v))  # noqa: E731
        gfun = lambda v: np.array(lg(v), dtype=float)  # noqa: E731
        hfun = lambda v: np.array(lh(v), dtype=float)  # noqa: E731
    x0 = [0.3, -1.1]
    assert fd_check_gradient(fun, gfun, x0).ok
    assert fd_check_hessian(gfun, hfun, x0).ok


def test_check_bad_input():
    with pytest.raises(InputError, match="shape"):
        fd_check_gradient(rosen, lambda v: np.zeros(3), [1.0, 2.0])
    with pytest.raises(InputError, match="shape"):
        fd_check_hessian(rosen_der, lambda v: np.zeros((3, 3)), [1.0, 2.0])
    with pytest.raises(InputError, match="finite"):
        fd_check_gradient(rosen, rosen_der, [1.0, math.nan])
    with pytest.raises(InputError, match="step"):
        fd_check_gradient(rosen, rosen_der, [1.0, 2.0], step=-1.0)
    c = fd_check_gradient(lambda v: math.log(v[0]), lambda v: np.array([1 / v[0]]), [1e-9])
    assert c.status is CheckStatus.NOT_FINITE


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_fd_error_json(capsys):
    steps = ",".join(str(s) for s in SEED_STEPS)
    assert main(["fd-error", "exp(x)", "--at", "1", "--derivative", "2", "--steps", steps,
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["truncation_term"] == "E*h**2/12"
    assert data["optimal_step_exact"] == "3**(1/4)/4096"
    seed = _seed_table()
    assert [r["approximation"] for r in data["rows"]] == [a for _, a, _ in seed]
    assert [r["dominated_by"] for r in data["rows"]] == ["truncation"] * 4 + ["round-off"] * 5


def test_cli_fd_error_text_plot_and_errors(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "error.png"
    assert main(["fd-error", "sin(x)", "--at", "pi/4", "--scheme", "forward",
                 "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "dominated by" in out and "h*" in out and png.exists()
    assert main(["fd-error", "exp(x)", "--at", "1", "--accuracy", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "even accuracy" in err
    assert main(["fd-error", "exp(x)", "--at", "1", "--steps", "1,-2"]) == 2


def test_refined_step_is_more_accurate_where_third_derivative_is_large():
    """Rosenbrock: |f'''| >> |f| along x0, so the unit-scale step is truncation-dominated; the
    re-balanced step (measured third derivative) is closer to SciPy's analytic gradient."""
    for x0 in ([-1.2, 1.0, 0.7], [0.1, 0.2]):
        truth = rosen_der(np.array(x0))
        plain = fd_check_gradient(rosen, rosen_der, x0, refine=False)
        refined = fd_check_gradient(rosen, rosen_der, x0)
        err_plain = np.max(np.abs(plain.finite_difference - truth))
        err_refined = np.max(np.abs(refined.finite_difference - truth))
        assert err_refined < err_plain / 10
        assert refined.step[0] < plain.step[0]
        assert np.all(np.abs(refined.finite_difference - truth) <= refined.tolerance)


def test_kinks_refused_smooth_pieces_analysed():
    for text, at in [("abs(x)", 0), ("abs(x - 1/2)", 0.5), ("max(x, 1)", 1),
                     ("Piecewise((x**2, x > 0), (0, True))", 0)]:
        with pytest.raises(NotAnalyticError, match="not smooth"):
            fd_error(text, "x", at=at)
    # Away from the kink |x|**3 is x**3: the central second difference is exact (f'''' = 0).
    r = fd_error("abs(x)**3", "x", at=1, derivative=2, steps=[0.5, 1e-2])
    assert r.exact_derivative == 6 and r.truncation_term == 0
    assert r.rows[0].truncation_error < 1e-40
    # ... and the truncation of |x| near 2 matches that of x (sign(x) = 1 there).
    r = fd_error("abs(x)*exp(x)", "x", at=2, derivative=1, steps=[1e-2])
    assert r.truncation_term == h**2 * 5 * sp.exp(2) / 6


def test_float_point_with_integer_value_stays_exact():
    r = fd_error("exp(x)", "x", at=1.0, derivative=2, steps=[1e-2])
    assert r.truncation_term == sp.E * h**2 / 12 and r.exact_derivative == sp.E
    r = fd_error("exp(x)", "x", at=0.5, steps=[1e-2])
    assert float(r.exact_derivative) == pytest.approx(math.exp(0.5), rel=1e-15)


@settings(max_examples=25)
@given(st.lists(st.floats(min_value=-3, max_value=3, allow_nan=False), min_size=2, max_size=6))
def test_fd_check_hessian_rosenbrock_property(x0):
    c = fd_check_hessian(rosen_der, rosen_hess, x0)
    assert c.ok, c
    H = rosen_hess(np.array(x0))
    # Tight enough to catch a relative slip of 1e-4 in any entry.
    assert np.all(c.tolerance <= 1e-5 * (1 + np.abs(H)))


def test_fd_check_hessian_no_false_alarm_on_cancelling_gradient_entries():
    # Found by a 1500-point scan: gradient entry 2 is a small difference of large terms, so
    # its rounding is eps * (largest term), not eps * |entry|.
    x0 = [2.72754296, -6.25117874e-04, -4.48628251e-01, 7.21280712e-01, 2.97057903]
    assert fd_check_hessian(rosen_der, rosen_hess, x0).ok
    assert fd_check_hessian(rosen_der, rosen_hess, [2.90849733, 0.97243644, -2.89035067]).ok


def test_scheme_names_are_case_insensitive_and_point_may_be_numpy() -> None:
    h = sp.Symbol("h")
    r = fd_error("exp(x)", "x", at=np.int64(1), derivative=2, scheme="Central")
    assert r.truncation_term == sp.E * h**2 / 12  # the textbook h^2/12 f''''(x)
    assert fd_error("exp(x)", "x", at=1, scheme=" FORWARD ").truncation_term == sp.E * h / 2
    with pytest.raises(InputError):
        fd_error("exp(x)", "x", at=1, scheme="upwind")


# -- issue 16: the optimal step near zeros of f, kinks, the Taylor engine, bounded work ---------


def _measured(f_text: str, x0: float, d: int, acc: int, steps: list[float]) -> list[float]:
    """The float64 central stencil's error at each step against mpmath.diff at 50 digits
    (independent of fd_error: weights from SymPy's finite_diff_weights)."""
    f = sp.sympify(f_text)  # the test's own constant text
    st_nodes = list(range(-(d + acc - 1) // 2, (d + acc - 1) // 2 + 1))
    w = sp.finite_diff_weights(d, st_nodes, 0)[d][-1]
    nodes = sorted(((float(o), float(c)) for o, c in zip(st_nodes, w) if c != 0),
                   key=lambda oc: -oc[0])
    fn = sp.lambdify(x, f, "math")
    with mpmath.workdps(50):
        truth = mpmath.diff(sp.lambdify(x, f, "mpmath"), mpmath.mpf(x0), d)
        out = []
        for hv in steps:
            acc_ = 0.0
            try:
                for i, (o, c) in enumerate(nodes):
                    t = c * fn(x0 + o * hv)
                    acc_ = t if i == 0 else acc_ + t
            except ValueError:  # a node outside the domain (log at 1 - h <= 0)
                out.append(math.inf)
                continue
            out.append(abs(float(mpmath.mpf(acc_ / hv**d) - truth)))
    return out


@pytest.mark.parametrize("f_text, x0, d, acc", [
    ("cos(x)", 1.5707963267948966, 3, 2),  # the issue's case: f(x0) = 6e-17
    ("sin(x)", 3.141592653589793, 3, 2),
    ("cos(x)", 1.5707963267948966, 1, 2),  # f and the leading coefficient f''' vanish
    ("sin(x)", 3.141592653589793, 1, 4),
    ("log(x)", 1.0, 2, 2),
    ("x**3 - x", 1.0, 1, 2),
    ("exp(x)", 1.0, 2, 2),
])
def test_optimal_step_near_zeros_of_f_agrees_with_the_measurement(f_text, x0, d, acc):
    r = fd_error(f_text, "x", at=x0, derivative=d, accuracy=acc, steps=[0.1])
    grid = [10.0 ** (-k / 20) for k in range(0, 321)]
    errs = _measured(f_text, x0, d, acc, grid)
    # means over neighbouring steps: where the roundings of the nodes cancel by luck, one step
    # is far better than the steps around it (an error nobody can count on)
    best = min(float(np.mean(errs[i:i + 5])) for i in range(len(errs) - 4))
    near = _measured(f_text, x0, d, acc, [r.optimal_step * 10 ** (j / 200) for j in range(-3, 4)])
    at_h = float(np.mean(near))
    assert at_h <= 10 * best, (r.optimal_step, at_h, best)
    assert at_h / 10 <= r.predicted_min_error <= 10 * at_h, (r.predicted_min_error, at_h)


def test_issue_case_cos_at_half_pi_third_derivative():
    r = fd_error("cos(x)", "x", at=1.5707963267948966, derivative=3, accuracy=2)
    # was h* = 7.5e-7 with a predicted 2.4e-13, where the actual error is 517
    assert 1e-4 < r.optimal_step < 1e-2
    (actual,) = _measured("cos(x)", 1.5707963267948966, 3, 2, [r.optimal_step])
    assert actual < 1e-5 and r.predicted_min_error < 1e-5


def test_locally_linear_function_near_a_kink_has_a_bounded_step():
    r = fd_error("abs(x)", "x", at=0.001)
    # the truncation terms vanish (|x| is linear at 0.001) but the nodes must not cross 0
    assert math.isfinite(r.optimal_step) and 0 < r.optimal_step <= 0.0005
    (err,) = _measured("x", 0.001, 1, 2, [r.optimal_step])  # |x| = x on the stencil
    assert err < 1e-11
    assert r.predicted_min_error < 1e-11


def test_truncation_terms_come_from_the_taylor_engine_fast():
    import time

    t = time.perf_counter()
    r = fd_error("exp(sin(x))/(1 + x**2)", "x", at=sp.Rational(1, 3), derivative=2, accuracy=8)
    assert time.perf_counter() - t < 10  # 24.6 s with sp.diff before
    f = lambda v: mpmath.exp(mpmath.sin(v)) / (1 + v**2)  # noqa: E731
    with mpmath.workdps(50):
        third = mpmath.mpf(1) / 3
        assert float(r.exact_derivative) == pytest.approx(float(mpmath.diff(f, third, 2)),
                                                          rel=1e-30 ** 0.5)
        # leading term C_10 f^(10)(1/3) h^8 with C_10 = m_10/10! of the 9-point stencil
        st = r.stencil
        m10 = sum(w * o**10 for o, w in zip(st.offsets, st.weights)) / sp.factorial(10)
        want = float(m10) * float(mpmath.diff(f, third, 10))
    coeff = r.truncation_term.coeff(h, 8)
    assert float(coeff) == pytest.approx(want, rel=1e-20 ** 0.5)


@pytest.mark.parametrize("kwargs, match", [
    ({"accuracy": 1000}, "accuracy 1000 is above"),
    ({"derivative": 10**6}, "derivative 1000000 is above"),
    ({"derivative": 10, "accuracy": 20}, "derivative \\+ accuracy"),
    ({"offsets": list(range(-40, 41))}, "more than 64 offsets"),
])
def test_work_is_bounded_up_front(kwargs, match):
    import time

    t = time.perf_counter()
    with pytest.raises(InputError, match=match):
        fd_error("cos(x)", "x", at=1, **kwargs)
    assert time.perf_counter() - t < 2


def test_cli_refuses_huge_orders_without_a_traceback(capsys):
    rc = main(["fd-error", "cos(x)", "--at", "1", "--derivative", "1000000"])
    err = capsys.readouterr().err
    assert rc != 0 and "above the supported maximum" in err and "Traceback" not in err


@pytest.mark.parametrize("path", [".", "", ".png", "..", "somewhere/"])
def test_plot_refuses_a_directory_or_an_empty_stem(path, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    r = fd_error("exp(x)", "x", at=1, steps=[1e-2, 1e-3])
    with pytest.raises(InputError, match="no file name"):
        r.plot(path)
    assert list(tmp_path.iterdir()) == []
