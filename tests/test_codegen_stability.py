"""Code generation that is right where float64 is hard (issue 16): operator precedence of ``%``,
orthogonal polynomials of high degree, overflow- and cancellation-free forms at extreme inputs,
and the functions lambdify evaluates. The truth is mpmath at 50 digits (or SymPy's exact
evaluation), never our own output."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.codegen.cfunctions import (
    Cbrt,
    exp2,
    expm1,
    fma,
    hypot,
    isinf,
    isnan,
    log1p,
    log2,
    log10,
)
from sympy.codegen.numpy_nodes import logaddexp, logaddexp2

from symtaylor import UnsupportedFunctionError
from symtaylor.codegen import compile_numpy, compile_objective
from symtaylor.codegen.printer import _ArrayPrinter, _PointPrinter

X, Y, Z = sp.symbols("x y z")
XR, YR = sp.symbols("x y", real=True)


def _both(fn, point):
    """The one-point (Python floats) and the batch (NumPy arrays) results at ``point``."""
    p = np.asarray(point, dtype=float)
    one = fn(p)
    batch = fn(np.stack([p, p]))
    return float(one), float(batch[1])


# -- % and its precedence -------------------------------------------------------------------------


@pytest.mark.parametrize("expr", [
    -sp.Mod(X, Y), 2 * sp.Mod(X, Y), Z * sp.Mod(X, Y), sp.Mod(X, Y) * sp.Mod(Y, X),
    sp.Mod(X, Y) / sp.Mod(Y, X), sp.Mod(sp.Mod(X, Y), Z), X - sp.Mod(X, Y),
    sp.Mod(X, -3 * Y), sp.Mod(X, Y) ** 2, 2 ** sp.Mod(X, Y), sp.Mod(-X, Y), sp.Mod(X * Y, Z + 1),
    Z ** sp.sec(Y),
])
def test_printed_precedence_matches_sympy(expr: sp.Expr) -> None:
    f = compile_numpy(expr, [X, Y, Z])
    for pt in ([-2.75, 1.25, 0.75], [3.5, -1.5, 2.25], [0.875, 2.5, 3.0]):
        want = float(expr.xreplace(dict(zip((X, Y, Z), map(sp.Rational, pt)))).evalf(30))
        for got in _both(f, pt):
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (expr, pt, f.source)


_LEAVES = st.sampled_from([X, Y, Z, sp.Integer(2), sp.Integer(-3), sp.Rational(1, 2)])


def _trees(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    return st.one_of(
        st.builds(lambda a, b: a + b, children, children),
        st.builds(lambda a, b: a * b, children, children),
        st.builds(lambda a: -a, children),
        st.builds(lambda a, b: sp.Mod(a, b) if b != 0 else a, children, children),
        st.builds(lambda a, k: a**k, children, st.sampled_from([2, 3])),
    )


@settings(max_examples=150)
@given(st.recursive(_LEAVES, _trees, max_leaves=8),
       st.lists(st.integers(-16, 16), min_size=3, max_size=3))
def test_random_trees_with_mod_pow_and_negation(expr: sp.Expr, ks: list[int]) -> None:
    # dyadic points: +, *, ** and % of these are exact in float64, so the compiled value must
    # equal SymPy's exact value wherever that is finite
    pt = [k / 4 for k in ks]
    try:  # all at once (subs one by one can divide by zero where the whole is nan)
        exact = expr.xreplace(dict(zip((X, Y, Z), (sp.Rational(k, 4) for k in ks))))
    except ZeroDivisionError:
        return
    if not (exact.is_number and exact.is_finite and exact.is_real) or abs(exact) > 2**50:
        return
    try:
        f = compile_numpy(expr, [X, Y, Z])
    except Exception as exc:  # only a clear symtaylor error is acceptable
        assert type(exc).__module__.startswith("symtaylor"), exc
        return
    with np.errstate(all="ignore"):
        for got in _both(f, pt):
            assert got == pytest.approx(float(exact), rel=1e-12, abs=1e-12), (expr, pt)


def test_array_of_shape_nothing_is_a_scalar() -> None:
    f = compile_numpy(sp.Array([X], ()), [X])
    assert f.shape == ()
    assert float(f(np.array([2.5]))) == 2.5


def test_undefined_function_named_like_a_known_one_is_refused() -> None:
    with pytest.raises(UnsupportedFunctionError):
        compile_numpy(sp.Function("sin")(X), [X])


# -- orthogonal polynomials of high degree -----------------------------------------------------

_MP_FAMILIES = {
    "chebyshevt": (sp.chebyshevt, mpmath.chebyt),
    "chebyshevu": (sp.chebyshevu, mpmath.chebyu),
    "legendre": (sp.legendre, mpmath.legendre),
    "hermite": (sp.hermite, mpmath.hermite),
    "hermite_prob": (sp.hermite_prob,
                     lambda n, v: mpmath.hermite(n, v / mpmath.sqrt(2)) / mpmath.sqrt(2) ** n),
    "laguerre": (sp.laguerre, lambda n, v: mpmath.laguerre(n, 0, v)),
}


@pytest.mark.parametrize("family", sorted(_MP_FAMILIES))
@pytest.mark.parametrize("n", [13, 150])
def test_orthogonal_polynomials_by_their_recurrence(family: str, n: int) -> None:
    sym, mp = _MP_FAMILIES[family]
    f = compile_numpy(sym(n, X), [X])
    pts = [0.3, -0.77, 0.999] if family.startswith(("cheb", "leg")) else [0.3, -1.7, 4.25]
    with mpmath.workdps(50):
        for v in pts:
            want = float(mp(n, mpmath.mpf(v)))
            for got in _both(f, [v]):
                assert got == pytest.approx(want, rel=1e-9, abs=1e-12 * max(1.0, abs(want)))


def test_chebyshev_150_the_issue_case_and_its_derivatives() -> None:
    t150 = sp.chebyshevt(150, X)
    assert float(compile_numpy(t150, [X])(np.array([0.3]))) == pytest.approx(
        float(mpmath.chebyt(150, 0.3)), rel=1e-10)
    # the gradient of the power form is 150 U_149 in power form: recognised as well
    obj = compile_objective(t150, [X])
    with mpmath.workdps(50):
        v = mpmath.mpf(0.3)
        dt = float(mpmath.diff(lambda t: mpmath.chebyt(150, t), v))
    assert float(obj.grad(np.array([0.3]))[0]) == pytest.approx(dt, rel=1e-9)


def test_low_degree_and_mixed_polynomials_are_left_alone() -> None:
    # a Taylor polynomial is not an orthogonal family: same values as before
    p = sum(X**k / sp.factorial(k) for k in range(15))
    f = compile_numpy(p, [X])
    assert "_ortho" not in f.source
    assert float(f(np.array([0.5]))) == pytest.approx(math.exp(0.5), rel=1e-12)


# -- stable forms at extreme inputs ------------------------------------------------------------


def _mp(expr: sp.Expr, point: dict) -> float:
    with mpmath.workdps(50):
        fn = sp.lambdify(list(point), expr, "mpmath")
        return float(mpmath.re(fn(*(mpmath.mpf(v) for v in point.values()))))


@pytest.mark.parametrize("expr, points, marker", [
    (sp.log(1 + sp.exp(X)), [800.0, -800.0, 30.0, -40.0, 1e-3], "logaddexp"),
    (sp.log(1 + X), [1e-17, -1e-12, 3.0], "log1p"),
    (sp.exp(X) - 1, [1e-18, -3e-14, 5.0], "expm1"),
    (2 * sp.exp(3 * X) - 2, [1e-18, 0.1], "expm1"),
    (sp.sqrt(X**2 + Y**2), [(1e200, 3e200), (3e-200, 4e-200), (3.0, 4.0)], "hypot"),
    (1 / sp.sqrt(X**2 + Y**2 + Z**2), [(1e200, 3e200, 1e199), (3e-200, 4e-200, 1e-201)], "hypot"),
    (1 / (1 + sp.exp(-X)), [800.0, -800.0, 1e-3, -35.0], "_sigmoid"),
    (sp.exp(X) / (1 + sp.exp(X)), [800.0, -800.0, 2.0], "_sigmoid"),
    (sp.exp(X) / (1 + sp.exp(X)) ** 2, [700.0, -700.0, 0.5], "_sigmoid"),
])
def test_stable_forms_at_extreme_inputs(expr: sp.Expr, points: list, marker: str) -> None:
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    f = compile_numpy(expr, syms)
    assert marker in f.source
    for pt in points:
        pt = pt if isinstance(pt, tuple) else (pt,)
        want = _mp(expr, dict(zip(syms, pt)))
        for got in _both(f, list(pt)):
            assert math.isfinite(got)
            assert got == pytest.approx(want, rel=1e-13, abs=1e-300), (expr, pt)


def test_logistic_loss_at_large_weights_is_finite_and_right() -> None:
    rng = np.random.default_rng(16)
    d, n = 5, 60
    A, labels = rng.normal(size=(n, d)), rng.choice([-1.0, 1.0], size=n)
    w = rng.normal(size=d)
    w *= 100 / np.linalg.norm(w)
    ws, a_s, b = sp.symbols(f"w0:{d}"), sp.symbols(f"a0:{d}"), sp.Symbol("b")
    z = sum(wi * ai for wi, ai in zip(ws, a_s))
    obj = compile_objective(sp.log(1 + sp.exp(-b * z)), ws, data=[*a_s, b])
    fit = obj.bind(*A.T, labels)
    with mpmath.workdps(50):
        m = [mpmath.mpf(float(labels[i])) * mpmath.fsum(mpmath.mpf(float(A[i, j])) * float(w[j])
                                                         for j in range(d)) for i in range(n)]
        loss = float(mpmath.fsum(mpmath.log(1 + mpmath.exp(-t)) for t in m))
        s = [1 / (1 + mpmath.exp(t)) for t in m]  # sigmoid(-m)
        grad = [float(-mpmath.fsum(labels[i] * A[i, j] * s[i] for i in range(n)))
                for j in range(d)]
        c = [s[i] * (1 - s[i]) for i in range(n)]
        hess = [[float(mpmath.fsum(A[i, j] * A[i, k] * c[i] for i in range(n))) for k in range(d)]
                for j in range(d)]
    assert float(fit.f(w)) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(fit.grad(w), grad, rtol=1e-11)
    got = fit.hess(w)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, hess, rtol=1e-9, atol=1e-300)
    # scaled so that every margin overflows exp: still finite (the loss grows linearly)
    big = 1e3 * w
    assert np.isfinite(float(fit.f(big)))
    assert np.all(np.isfinite(fit.grad(big))) and np.all(np.isfinite(fit.hess(big)))


# -- the functions lambdify evaluates ------------------------------------------------------------


mp = mpmath
_LAMBDIFY_CASES = [  # (expression, mpmath truth, points)
    (expm1(XR), mp.expm1, [1e-12, -2.0, 3.5]),
    (log1p(XR), mp.log1p, [1e-15, 0.5, 30.0]),
    (exp2(XR), lambda v: mp.mpf(2) ** v, [-3.5, 10.25]),
    (log2(XR), lambda v: mp.log(v, 2), [0.75, 1024.0]),
    (log10(XR), mp.log10, [0.03, 1e5]),
    # the real cube root, as C99's cbrt and np.cbrt (sympy.codegen's Cbrt is for them)
    (Cbrt(XR), lambda v: mp.sign(v) * mp.cbrt(abs(v)), [-27.0, 0.125, 5.0]),
    (fma(XR, YR, XR), lambda a, b: a * b + a, [(2.0, 3.0), (-1.5, 0.25)]),
    (logaddexp(XR, YR), lambda a, b: mp.log(mp.exp(a) + mp.exp(b)), [(800.0, 799.0), (-3.0, 2.0)]),
    (logaddexp2(XR, YR), lambda a, b: mp.log(2**a + 2**b, 2), [(1000.0, 999.0), (-3.0, 2.0)]),
    (hypot(XR, YR), mp.hypot, [(3.0, 4.0), (1e300, 1e300)]),
    (sp.sinc(XR), lambda v: mp.sin(v) / v if v else mp.mpf(1), [0.0, 1e-9, 2.5, -7.0]),
    (sp.beta(XR, YR), mp.beta, [(2.5, 3.5), (0.5, 0.5), (-0.5, 2.25), (300.0, 200.0)]),
    (sp.RisingFactorial(XR, YR), mp.rf, [(2.5, 3.0), (-3.5, 2.0), (1.5, 0.75), (400.0, 2.5)]),
    (sp.FallingFactorial(XR, YR), mp.ff, [(5.5, 3.0), (4.5, 0.5)]),
    (sp.arg(XR), lambda v: mp.arg(mp.mpc(v)), [-2.0, 3.0]),
    (sp.loggamma(XR), mp.loggamma, [0.5, 3.25, 1e5]),
]


@pytest.mark.parametrize("expr, truth, points", _LAMBDIFY_CASES,
                         ids=[type(c[0]).__name__ for c in _LAMBDIFY_CASES])
def test_lambdify_functions_against_mpmath(expr: sp.Expr, truth, points: list) -> None:
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    f = compile_numpy(expr, syms)
    for pt in points:
        pt = pt if isinstance(pt, tuple) else (pt,)
        with mpmath.workdps(50):
            want = float(truth(*(mpmath.mpf(v) for v in pt)))
        for got in _both(f, list(pt)):
            assert got == pytest.approx(want, rel=1e-12), (expr, pt)


def test_isnan_isinf_and_loggamma_of_a_negative_number() -> None:
    pw = compile_numpy(sp.Piecewise((7, isnan(X)), (3, True)), [X])
    assert [_both(pw, [v]) for v in (math.nan, -math.inf, 1.0)] == [(7, 7), (3, 3), (3, 3)]
    # SymPy drops isinf of a real symbol (real means finite to it): printed where it stays
    assert _ArrayPrinter({X: "x"})(isinf(X)) == "np.isinf(x)"
    assert _PointPrinter({X: "x"})(isinf(X)) == "math.isinf(x)"
    # loggamma(-0.5) is complex (log|Gamma| + i pi k): not a real number, so nan, not log|Gamma|
    lg = compile_numpy(sp.loggamma(XR), [XR])
    assert all(math.isnan(v) for v in _both(lg, [-0.5]))


def test_stable_nodes_evaluate_numerically() -> None:
    """The rewritten nodes answer SymPy's numeric queries (evalf, sign) like the forms they
    replace: hypothesis found `log(1/(1 + exp(2)) + 1)` crashing in Sigmoid._eval_evalf."""
    import mpmath
    import sympy as sp

    from symtaylor.codegen.stable import Sigmoid, SigmoidOfMinus

    two = sp.Integer(2)
    for node, truth in ((Sigmoid(two), 1 / (1 + mpmath.exp(-2))),
                        (SigmoidOfMinus(two), 1 / (1 + mpmath.exp(2)))):
        assert abs(float(node.evalf(30)) - float(truth)) < 1e-15
        assert (node + 1).is_negative is not True  # the query hypothesis hit; no crash
