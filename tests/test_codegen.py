"""Tests of symtaylor.codegen against independent truths: SymPy evalf at 30 digits, SciPy's
reference Rosenbrock derivatives, hand-written closed forms, finite differences, and the
exported module run in a subprocess where SymPy cannot be imported."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize, rosen, rosen_der, rosen_hess, rosen_hess_prod

from symtaylor import CodegenError, InputError, UnsupportedFunctionError
from symtaylor.codegen import (
    CompiledFunction,
    CompiledObjective,
    compile_numpy,
    compile_objective,
    to_scipy,
)

X, Y, Z = sp.symbols("x y z")


def rosenbrock(n: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    xs = sp.symbols(f"x0:{n}")
    return sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)), xs


# -- a generated corpus of well-conditioned expressions ------------------------------------------
# Every node of P is positive and its value is computed with a small relative condition number
# (sums of positive terms, products, quotients, exp/log/sqrt of positive values), so a relative
# tolerance of 1e-12 against 30-digit evalf is fair. Signed factors only multiply.

_leaf = st.sampled_from([X, Y, Z])
_const = st.sampled_from([sp.Rational(1, 3), sp.Integer(2), sp.Rational(7, 5), sp.pi, sp.E])


def _positive(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(children, children).map(lambda ab: ab[0] + ab[1]),
        st.tuples(children, children).map(lambda ab: ab[0] * ab[1]),
        st.tuples(children, children).map(lambda ab: ab[0] / ab[1]),
        children.map(lambda a: sp.sqrt(a)),
        children.map(lambda a: sp.log(1 + a)),
        children.map(lambda a: a ** sp.Rational(3, 2)),
        children.map(lambda a: sp.exp(sp.sin(a))),
        children.map(lambda a: sp.cosh(sp.tanh(a))),
        children.map(lambda a: 2 + sp.cos(a)),
        children.map(lambda a: sp.atan(a) + 1),
        children.map(lambda a: 1 / (1 + a**2)),
        st.tuples(children, children).map(lambda ab: sp.Max(ab[0], ab[1])),
        st.tuples(children, children).map(lambda ab: sp.Min(ab[0], ab[1])),
        st.tuples(children, children).map(
            lambda ab: sp.Piecewise((ab[0], X < sp.Rational(1, 2)), (ab[1], True))
        ),
        st.tuples(children, _const).map(lambda ac: ac[0] * ac[1]),
    )


_base = st.one_of(
    _leaf.map(lambda v: v**2 + 1),
    _leaf.map(lambda v: sp.Abs(v) + sp.Rational(1, 7)),
    _leaf.map(lambda v: sp.exp(v)),
    _const,
)
positive_exprs = st.recursive(_base, _positive, max_leaves=6)
factors = st.sampled_from(
    [sp.S.One, -sp.S.One, sp.sign(X - sp.Rational(1, 5)), sp.sin(Y), sp.erf(Z), X * Y]
)
points = st.lists(
    st.floats(-2, 2, allow_nan=False).filter(lambda v: abs(v) > 1e-3), min_size=3, max_size=3
)


def _truth(expr: sp.Expr, point: list[float]) -> float:
    value = expr.evalf(30, subs=dict(zip((X, Y, Z), map(sp.Float, point))))
    return float(value)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(p=positive_exprs, s=factors, pts=st.lists(points, min_size=2, max_size=4))
def test_corpus_matches_evalf_30_digits(p: sp.Expr, s: sp.Expr, pts: list) -> None:
    expr = s * p
    fn = compile_numpy(expr, (X, Y, Z))
    batch = fn(np.array(pts))
    assert batch.shape == (len(pts),)
    for k, point in enumerate(pts):
        truth = _truth(expr, point)
        one = fn(np.array(point))
        assert np.shape(one) == ()
        assert one == pytest.approx(truth, rel=1e-12, abs=1e-300)
        # batch and single-point calls agree (different code paths: NumPy vs Python floats)
        assert batch[k] == pytest.approx(one, rel=1e-14, abs=1e-300)


@settings(deadline=None, max_examples=25)
@given(ps=st.lists(positive_exprs, min_size=2, max_size=4), pts=st.lists(points, min_size=1,
                                                                          max_size=3))
def test_corpus_vectors_and_matrices(ps: list, pts: list) -> None:
    vec = compile_numpy(ps, (X, Y, Z))
    mat = compile_numpy(sp.Matrix(2, len(ps), ps + ps[::-1]), (X, Y, Z))
    vb, mb = vec(np.array(pts)), mat(np.array(pts))
    assert vb.shape == (len(pts), len(ps)) and mb.shape == (len(pts), 2, len(ps))
    for k, point in enumerate(pts):
        truth = [_truth(e, point) for e in ps]
        np.testing.assert_allclose(vec(np.array(point)), truth, rtol=1e-12)
        np.testing.assert_allclose(vb[k], truth, rtol=1e-12)
        np.testing.assert_allclose(mb[k], [truth, truth[::-1]], rtol=1e-12)


# -- shapes and parameters ----------------------------------------------------------------------


def test_shapes_scalar_vector_matrix_batches() -> None:
    f = compile_numpy("x*y + 1", "x, y")
    v = compile_numpy(sp.Matrix([X * Y, X + Y, 3]), [X, Y])
    m = compile_numpy([[X, 0], [0, Y], [1, X * Y]], [X, Y])
    p = np.array([2.0, 3.0])
    assert np.shape(f(p)) == () and float(f(p)) == 7.0
    np.testing.assert_array_equal(v(p), [6.0, 5.0, 3.0])
    np.testing.assert_array_equal(m(p), [[2.0, 0.0], [0.0, 3.0], [1.0, 6.0]])
    b = np.random.default_rng(0).normal(size=(4, 5, 2))
    assert f(b).shape == (4, 5) and v(b).shape == (4, 5, 3) and m(b).shape == (4, 5, 3, 2)
    np.testing.assert_allclose(f(b), b[..., 0] * b[..., 1] + 1)
    np.testing.assert_allclose(m(b)[..., 2, 1], b[..., 0] * b[..., 1])
    np.testing.assert_array_equal(v(b)[..., 2], 3.0)  # constants broadcast to the batch
    np.testing.assert_array_equal(m(b)[..., 0, 1], 0.0)


def test_params_broadcast_residual_and_jacobian() -> None:
    # exponential model r_i = a*exp(b*t_i) - y_i: residuals (N,), Jacobian (N, 2)
    a, b, t, y = sp.symbols("a b t y")
    r = a * sp.exp(b * t) - y
    res = compile_numpy(r, [a, b], params=[t, y])
    jac = compile_numpy([sp.diff(r, a), sp.diff(r, b)], [a, b], params=[t, y])
    const = compile_numpy([1, a], [a, b], params=[t, y])  # entries free of the data
    ts, ys = np.linspace(0, 1, 7), np.linspace(1, 2, 7)
    w = np.array([1.5, -0.3])
    np.testing.assert_allclose(res(w, ts, ys), 1.5 * np.exp(-0.3 * ts) - ys, rtol=1e-14)
    jw = jac(w, ts, ys)
    assert jw.shape == (7, 2)
    np.testing.assert_allclose(jw[:, 0], np.exp(-0.3 * ts), rtol=1e-14)
    np.testing.assert_allclose(jw[:, 1], 1.5 * ts * np.exp(-0.3 * ts), rtol=1e-14)
    assert const(w, ts, ys).shape == (7, 2)
    # a batch of 3 points against the 7 samples: (3, 1, 2) x (7,) -> (3, 7)
    W = np.array([[1.0, 0.0], [2.0, 1.0], [0.5, -1.0]])
    np.testing.assert_allclose(res(W[:, None, :], ts, ys),
                               W[:, :1] * np.exp(W[:, 1:] * ts) - ys, rtol=1e-14)


def test_data_reduction_least_squares_and_logistic() -> None:
    rng = np.random.default_rng(1)
    d, n = 4, 50
    A, labels = rng.normal(size=(n, d)), rng.choice([-1.0, 1.0], size=n)
    w = rng.normal(size=d)
    ws, a_s = sp.symbols(f"w0:{d}"), sp.symbols(f"a0:{d}")
    b = sp.Symbol("b")
    z = sum(wi * ai for wi, ai in zip(ws, a_s))
    obj = compile_objective(sp.log(1 + sp.exp(-b * z)), ws, data=[*a_s, b])
    cols = [*A.T, labels]
    # hand-written logistic loss, gradient and Hessian (closed forms)
    m = labels * (A @ w)
    s = 1 / (1 + np.exp(m))
    assert obj.f(w, *cols) == pytest.approx(np.sum(np.log1p(np.exp(-m))), rel=1e-12)
    np.testing.assert_allclose(obj.grad(w, *cols), -(A.T @ (labels * s)), rtol=1e-11)
    np.testing.assert_allclose(obj.hess(w, *cols), (A.T * (s * (1 - s))) @ A, rtol=1e-11)
    mean = compile_objective(sp.log(1 + sp.exp(-b * z)), ws, data=[*a_s, b], reduce="mean")
    np.testing.assert_allclose(mean.grad(w, *cols), -(A.T @ (labels * s)) / n, rtol=1e-11)
    # a batch of points, each against all samples
    W = rng.normal(size=(3, d))
    batch = obj.grad(W, *cols)
    assert batch.shape == (3, d)
    np.testing.assert_allclose(batch[2], obj.grad(W[2], *cols), rtol=1e-13)
    # a data-free term (a regulariser) is counted once per sample, as the sum says
    reg = compile_objective(ws[0] ** 2 + 0 * b, ws, data=[b])
    assert reg.f(np.array([3.0, 0, 0, 0]), labels) == pytest.approx(9.0 * n)


def test_bound_data_and_regularised_logistic_closed_forms() -> None:
    # mean logistic loss + lam/2 |w|^2 with the data bound once; closed forms by hand
    rng = np.random.default_rng(5)
    d, n = 6, 80
    A, labels = rng.normal(size=(n, d)), rng.choice([-1.0, 1.0], size=n)
    ws, a_s, b, lam = sp.symbols(f"w0:{d}"), sp.symbols(f"a0:{d}"), sp.Symbol("b"), sp.Symbol("lam")
    z = sum(wi * ai for wi, ai in zip(ws, a_s))
    obj = compile_objective(sp.log(1 + sp.exp(-b * z)) + lam / 2 * sum(w**2 for w in ws), ws,
                            params=[lam], data=[*a_s, b], reduce="mean")
    fit = obj.bind(*A.T, labels)
    W = rng.normal(size=(2, 3, d))
    v = rng.normal(size=d)
    for w in (W[1, 2], W[0, 0]):
        s = 1 / (1 + np.exp(labels * (A @ w)))
        f_ref = np.mean(np.log1p(np.exp(-labels * (A @ w)))) + 0.3 / 2 * w @ w
        g_ref = -(A.T @ (labels * s)) / n + 0.3 * w
        h_ref = (A.T * (s * (1 - s))) @ A / n + 0.3 * np.eye(d)
        assert fit.f(w, 0.3) == pytest.approx(f_ref, rel=1e-12)
        np.testing.assert_allclose(fit.grad(w, 0.3), g_ref, rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(fit.hess(w, 0.3), h_ref, rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(fit.hvp(w, v, 0.3), h_ref @ v, rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(obj.hess(w, 0.3, *A.T, labels), h_ref, rtol=1e-11, atol=1e-14)
    fx, gx = fit.value_and_grad(W, 0.3)
    assert fx.shape == (2, 3) and gx.shape == (2, 3, d)
    np.testing.assert_allclose(gx[1, 2], fit.grad(W[1, 2], 0.3), rtol=1e-13)
    np.testing.assert_allclose(fit.hess(W, 0.3)[0, 1], fit.hess(W[0, 1], 0.3), rtol=1e-13)
    # exp(-2u) is written as the square of the exp(-u) already computed: one exp per sample
    assert obj.hess.source.count("np.exp(") == 1
    # the bound data are a copy; bad data are named
    cols = [c.copy() for c in A.T]
    fit2 = obj.bind(*cols, labels)
    before = fit2.f(W[0, 0], 0.3)
    cols[0][:] = 0.0
    assert fit2.f(W[0, 0], 0.3) == before
    with pytest.raises(InputError, match="7 data arrays"):
        obj.bind(*A.T)
    with pytest.raises(InputError, match="1-D of one length"):
        obj.bind(*A.T, labels[:5])
    with pytest.raises(InputError, match="no data"):
        compile_objective("x^2", "x").bind([1.0])


# -- objective bundles ----------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 30])
def test_rosenbrock_bundle_matches_scipy(n: int) -> None:
    f, xs = rosenbrock(n)
    obj = compile_objective(f, xs, name="rosen")
    assert isinstance(obj, CompiledObjective)
    rng = np.random.default_rng(n)
    pts = rng.uniform(-2, 2, size=(6, n))
    for p in pts:
        assert obj.f(p) == pytest.approx(rosen(p), rel=1e-13)
        np.testing.assert_allclose(obj.grad(p), rosen_der(p), rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(obj.hess(p), rosen_hess(p), rtol=1e-12, atol=1e-10)
        v = rng.normal(size=n)
        np.testing.assert_allclose(obj.hvp(p, v), rosen_hess_prod(p, v), rtol=1e-11, atol=1e-9)
        fv, gv = obj.value_and_grad(p)
        assert fv == pytest.approx(rosen(p), rel=1e-13)
        np.testing.assert_allclose(gv, rosen_der(p), rtol=1e-12, atol=1e-10)
    hb = obj.hess(pts)
    assert hb.shape == (6, n, n)
    np.testing.assert_allclose(hb[3], rosen_hess(pts[3]), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(obj.grad(pts)[4], rosen_der(pts[4]), rtol=1e-12, atol=1e-10)
    assert obj.hess_nnz == 3 * n - 2


def test_cse_shares_work_across_outputs() -> None:
    e = sp.exp(sp.sin(X * Y))
    fn = compile_numpy([[e, X * e], [X * e, e + Y]], [X, Y])
    p = np.array([0.3, -1.2])
    np.testing.assert_allclose(fn(p), [[math.exp(math.sin(-0.36)), 0.3 * math.exp(math.sin(-0.36))],
                                       [0.3 * math.exp(math.sin(-0.36)),
                                        math.exp(math.sin(-0.36)) - 1.2]], rtol=1e-14)
    # once in the NumPy body and once in the one-point (Python float) body
    assert fn.source.count("np.sin(") == 1 and fn.source.count("math.sin(") == 1
    assert fn.source.count("np.exp(") == 1 and fn.source.count("math.exp(") == 1
    obj = compile_objective(e + X**2, [X, Y])
    vg = obj.value_and_grad.source
    assert vg.count("np.exp(") == 1 and vg.count("np.sin(") == 1 and vg.count("np.cos(") == 1
    fx, gx = obj.value_and_grad(p)
    assert float(fx) == pytest.approx(math.exp(math.sin(-0.36)) + 0.09, rel=1e-14)
    np.testing.assert_allclose(gx, obj.grad(p), rtol=1e-15)


def test_sparse_hessian_emits_no_code_for_zeros() -> None:
    f, xs = rosenbrock(12)
    small = compile_objective(f, xs)
    # entries first: out is (entries, *batch), each entry written as one contiguous row
    body = small.hess.source.split("def _objective_hess_point")[0]
    assignments = [ln for ln in body.splitlines()
                   if ln.startswith("    out[") or "out=out[" in ln]
    assert len(assignments) == 2 * 12 - 1  # diagonal + one off-diagonal pair per row
    assert "out = np.zeros((144,) + shape)" in body
    # a sum's last operation writes into its row (no temporary copied): the diagonal
    assert len([ln for ln in assignments if "out=out[" in ln]) == 11  # (the last is 200)
    p12 = np.linspace(-1, 1, 12)
    np.testing.assert_allclose(small.hess(p12), rosen_hess(p12), rtol=1e-12)
    np.testing.assert_allclose(small.hess(np.stack([p12, -p12]))[1], rosen_hess(-p12), rtol=1e-12)
    n = 40
    f, xs = rosenbrock(n)
    obj = compile_objective(f, xs)
    # large: same-shaped entries are computed as vectorised blocks on slices of x
    assignments = [ln for ln in obj.hess.source.splitlines() if ln.startswith("    out[")]
    assert len(assignments) <= 6 and "xt[1:39]" in obj.hess.source
    p = np.linspace(-1, 1, n)
    sparse = obj.hess_sparse(p)
    assert sparse.nnz == 3 * n - 2
    np.testing.assert_allclose(sparse.toarray(), rosen_hess(p), rtol=1e-12)
    # the sparse route computes only the 2n - 1 upper non-zeros: no n x n array anywhere
    assert obj.hess_values.shape == (2 * n - 1,)
    assert f"{n * n}" not in obj.hess_values.source and "reshape" not in obj.hess_values.source
    with pytest.raises(InputError, match="one point"):
        obj.hess_sparse(np.stack([p, p]))
    assert compile_objective("2*x + y", "x, y").hess_sparse(np.zeros(2)).nnz == 0


def test_to_scipy_minimize_rosenbrock() -> None:
    f, xs = rosenbrock(4)
    fun, jac, hess = to_scipy(f, xs)
    res = minimize(fun, np.full(4, -0.5), jac=jac, hess=hess, method="trust-exact",
                   options={"gtol": 1e-10})
    assert res.success
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-7)  # the known minimiser


def test_to_scipy_passes_params_as_args() -> None:
    fun, jac, _ = to_scipy("(x - c)^2 + (y + c)^2", "x, y", params="c")
    res = minimize(fun, [0.0, 0.0], jac=jac, args=(1.5,), method="BFGS")
    np.testing.assert_allclose(res.x, [1.5, -1.5], atol=1e-6)


# -- non-smooth functions and a.e. derivatives ----------------------------------------------------


def test_piecewise_abs_sign_minmax_on_arrays() -> None:
    exprs = [
        sp.Piecewise((X**2, X < 0), (sp.sin(X), X < 1), (sp.log(X), True)),
        sp.Abs(X - Y),
        sp.sign(X),
        sp.Min(X, Y, 0),
        sp.Max(X, Y**2),
        sp.Heaviside(X),
        sp.floor(X) + sp.ceiling(Y),
        sp.Mod(X, sp.Rational(7, 10)),
    ]
    fn = compile_numpy(exprs, [X, Y])
    pts = np.array([[-2.0, 0.5], [0.0, -1.0], [0.5, 3.0], [3.0, 1.0]])
    xv, yv = pts[:, 0], pts[:, 1]
    expected = np.stack([
        np.where(xv < 0, xv**2, np.where(xv < 1, np.sin(xv), np.log(np.maximum(xv, 1e-300)))),
        np.abs(xv - yv),
        np.sign(xv),
        np.minimum(np.minimum(xv, yv), 0),
        np.maximum(xv, yv**2),
        np.heaviside(xv, 0.5),
        np.floor(xv) + np.ceil(yv),
        np.mod(xv, 0.7),
    ], axis=-1)
    np.testing.assert_allclose(fn(pts), expected, rtol=1e-15)
    for k, p in enumerate(pts):
        np.testing.assert_allclose(fn(p), expected[k], rtol=1e-15)


def test_almost_everywhere_derivatives_match_finite_differences() -> None:
    x = sp.Symbol("x")  # not declared real: SymPy leaves re/im/Derivative terms, codegen copes
    exprs = [sp.Abs(x) * x, sp.sign(x) * x**3, sp.Max(x, 0) ** 2,
             sp.Piecewise((x**2, x < 1), (2 * x - 1, True)), sp.Heaviside(x - 1) * x]
    derivs = [sp.diff(e, x) for e in exprs]
    assert any(d.has(sp.DiracDelta) or d.has(sp.Derivative) for d in derivs)
    f, df = compile_numpy(exprs, [x]), compile_numpy(derivs, [x])
    pts = np.array([-1.3, -0.4, 0.3, 0.7, 1.6, 2.2])[:, None]  # away from the kinks
    h = 1e-6
    fd = (f(pts + h) - f(pts - h)) / (2 * h)
    np.testing.assert_allclose(df(pts), fd, rtol=1e-6, atol=1e-6)


def test_ieee_cases_fall_back_to_numpy_semantics() -> None:
    fn = compile_numpy(["1/x", "log(x)", "sqrt(x)", "exp(x)"], "x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zero, neg, big = fn(np.array([0.0])), fn(np.array([-1.0])), fn(np.array([1000.0]))
        batch = fn(np.array([[0.0], [-1.0], [1000.0]]))
    assert zero[0] == math.inf and zero[1] == -math.inf
    assert math.isnan(neg[1]) and math.isnan(neg[2])
    assert big[3] == math.inf
    np.testing.assert_array_equal(batch, np.array([zero, neg, big]))


def test_special_functions_match_mpmath() -> None:
    fn = compile_numpy([sp.erf(X), sp.erfc(X), sp.gamma(X), sp.atan2(X, Y), sp.acosh(1 + X**2)],
                       [X, Y])
    pts = np.array([[0.3, -2.0], [1.7, 0.5], [2.5, 1.0]])
    for p in pts:
        x, y = map(mpmath.mpf, p)
        truth = [mpmath.erf(x), mpmath.erfc(x), mpmath.gamma(x), mpmath.atan2(x, y),
                 mpmath.acosh(1 + x**2)]
        np.testing.assert_allclose(fn(p), [float(t) for t in truth], rtol=1e-14)
        np.testing.assert_allclose(fn(pts[None, :, :])[0, list(pts[:, 0]).index(p[0])],
                                   [float(t) for t in truth], rtol=1e-14)


# -- errors -----------------------------------------------------------------------------------


def test_errors_name_the_problem() -> None:
    with pytest.raises(UnsupportedFunctionError, match="besselj"):
        compile_numpy(sp.besselj(0, X), [X])
    with pytest.raises(UnsupportedFunctionError, match="mystery"):
        compile_numpy(sp.Function("mystery")(X), [X])
    with pytest.raises(CodegenError, match="z"):
        compile_numpy(X + Z, [X])
    with pytest.raises(CodegenError, match="complex"):
        compile_numpy(sp.I * X, [X])
    with pytest.raises(InputError, match="name"):
        compile_numpy(X, [X], name="not valid")
    with pytest.raises(InputError, match="scalar"):
        compile_objective([X, Y], [X, Y])
    fn = compile_numpy(X * Y, [X, Y])
    with pytest.raises(InputError, match=r"shape \(\.\.\., 2\)"):
        fn(np.zeros(3))
    with pytest.raises(InputError):
        fn(np.zeros(2), 1.0)  # no parameters declared


# -- generated source ---------------------------------------------------------------------------


def test_source_is_readable_and_named() -> None:
    f, xs = rosenbrock(3)
    obj = compile_objective(f, xs, name="rosen3")
    fn = obj.grad
    assert isinstance(fn, CompiledFunction)
    assert fn.__name__ == "rosen3_grad" and f"def {fn.__name__}(x):" in fn.source
    assert fn.source.startswith("# rosen3")
    assert "t0 = " in fn.source  # CSE temporaries
    assert "sympy" not in fn.source.replace("symtaylor", "")
    assert "rosen3_grad" in repr(fn) and fn._repr_latex_().startswith("$\\displaystyle")
    assert "non-zeros=7/9" in repr(obj)
    ns: dict = {}
    exec(compile(fn.source, "<test>", "exec"), ns)
    p = np.array([0.1, 0.2, 0.3])
    np.testing.assert_array_equal(ns["rosen3_grad"](p), fn(p))


def test_name_clashes_with_generated_identifiers() -> None:
    x, np_, out, t0 = sp.symbols("x np out t0")
    fn = compile_numpy([x * np_ + out, sp.exp(t0) * (x + out), (x + out) ** 2], [x, np_, out, t0],
                       name="clash")
    p = np.array([1.0, 2.0, 3.0, 0.5])
    expected = [5.0, math.exp(0.5) * 4, 16.0]
    np.testing.assert_allclose(fn(p), expected, rtol=1e-15)
    np.testing.assert_allclose(fn(p[None]), [expected], rtol=1e-15)


_RUNNER = r"""
import importlib.abc, json, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("sympy", "symtaylor", "scipy", "mpmath", "flint"):
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, Block())
import importlib.util
spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
import numpy as np
fn = getattr(mod, sys.argv[2])
x = np.array(json.loads(sys.argv[3]))
try:
    import sympy  # noqa: F401
    blocked = False
except ImportError:
    blocked = True
print(json.dumps({"blocked": blocked, "one": fn(x[0]).tolist(), "batch": fn(x).tolist()}))
"""


def test_exported_module_runs_without_sympy(tmp_path) -> None:
    exprs = [sp.Piecewise((X**2, X < 0), (sp.sin(X) * Y, True)), sp.erf(X) + sp.Abs(Y),
             sp.sign(X) * sp.Max(X, Y)]
    fn = compile_numpy(exprs, [X, Y], name="exported_fn")
    path = fn.export(tmp_path / "exported_fn.py")
    runner = tmp_path / "runner.py"
    runner.write_text(_RUNNER)
    pts = [[-0.5, 2.0], [0.7, -1.0], [1.5, 0.25]]
    proc = subprocess.run(
        [sys.executable, "-I", str(runner), str(path), fn.__name__, json.dumps(pts)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["blocked"] is True
    np.testing.assert_array_equal(got["one"], fn(np.array(pts[0])))
    np.testing.assert_array_equal(got["batch"], fn(np.array(pts)))
    truth = [[float(e.evalf(30, subs={X: a, Y: b})) for e in exprs] for a, b in pts]
    np.testing.assert_allclose(got["batch"], truth, rtol=1e-13)


def test_bundle_export_and_compile_time(tmp_path) -> None:
    f, xs = rosenbrock(60)
    obj = compile_objective(f, xs, name="ext_rosen")
    path = obj.export(tmp_path / "ext_rosen.py")
    text = path.read_text()
    for suffix in ("", "_grad", "_hess", "_value_and_grad", "_hvp"):
        assert f"def ext_rosen{suffix}(" in text


# -- vectorised blocks (large outputs) against SymPy evalf -------------------------------------

_u, _v = sp.symbols("u v")
chain_terms = st.sampled_from([
    100 * (_v - _u**2) ** 2 + (1 - _u) ** 2,
    sp.exp(_u * _v / 4) + sp.cos(_u - _v),
    sp.log(1 + _u**2 + _v**2) * _v,
    sp.sqrt(1 + (_u - 2 * _v) ** 2),
    sp.Abs(_u) * _v**2 + sp.Max(_u, _v) ** 2,
])


def _chain_reference(term: sp.Expr, shift: int, point: np.ndarray) -> tuple:
    """f, gradient and Hessian of sum_i term(x_i, x_{i+shift}) + exp(-|x|^2/40) at 30 digits,
    assembled by hand from the 2-variable derivatives of ``term`` (each evaluated by evalf;
    DiracDelta is 0 away from the kinks, which random points avoid)."""
    ur, vr = sp.symbols("u v", real=True)
    t = term.xreplace({_u: ur, _v: vr})
    d1 = [sp.diff(t, s) for s in (ur, vr)]
    d2 = [[sp.diff(d, s).replace(sp.DiracDelta, lambda *a: 0) for s in (ur, vr)] for d in d1]
    n = len(point)
    with mpmath.workdps(30):
        x = [mpmath.mpf(float(p)) for p in point]

        def ev(e, a, b):
            return mpmath.mpf(str(e.evalf(30, subs={ur: sp.Float(a, 30), vr: sp.Float(b, 30)})))

        f = mpmath.mpf(0)
        g = [mpmath.mpf(0)] * n
        h = [[mpmath.mpf(0)] * n for _ in range(n)]
        for i in range(n - shift):
            k = (i, i + shift)
            f += ev(t, x[i], x[i + shift])
            for a in range(2):
                g[k[a]] += ev(d1[a], x[i], x[i + shift])
                for b in range(2):
                    h[k[a]][k[b]] += ev(d2[a][b], x[i], x[i + shift])
        e = mpmath.exp(-sum(v**2 for v in x) / 40)
        f += e
        for a in range(n):
            g[a] += -x[a] / 20 * e
            for b in range(n):
                h[a][b] += e * (x[a] * x[b] / 400 - (mpmath.mpf(1) / 20 if a == b else 0))
        return float(f), np.array(g, dtype=float), np.array(h, dtype=float)


@settings(deadline=None, max_examples=4)
@given(term=chain_terms, shift=st.integers(1, 3), seed=st.integers(0, 10_000))
@example(term=sp.Abs(_u) * _v**2 + sp.Max(_u, _v) ** 2, shift=1, seed=0)  # kinks: a.e. derivatives
def test_vectorised_chain_objective_matches_evalf(term: sp.Expr, shift: int, seed: int) -> None:
    n = 25  # above the size where same-shaped entries are computed on slices of x
    xs = sp.symbols(f"x0:{n}")  # plain (complex) symbols: codegen treats variables as real
    f = sum(term.xreplace({_u: xs[i], _v: xs[i + shift]}) for i in range(n - shift))
    f = f + sp.exp(-sum(x**2 for x in xs) / 40)  # a long inner sum shared by every entry
    obj = compile_objective(f, xs)
    point = np.random.default_rng(seed).uniform(-1.5, 1.5, n)
    f_ref, g_ref, h_ref = _chain_reference(term, shift, point)
    np.testing.assert_allclose(obj.f(point), f_ref, rtol=1e-12)
    np.testing.assert_allclose(obj.grad(point), g_ref, rtol=1e-12, atol=1e-12 * abs(g_ref).max())
    h = obj.hess(point)
    np.testing.assert_allclose(h, h_ref, rtol=1e-12, atol=1e-12 * abs(h_ref).max())
    assert np.array_equal(h, h.T)
    v = np.random.default_rng(seed + 1).normal(size=n)
    np.testing.assert_allclose(obj.hvp(point, v), h_ref @ v, rtol=1e-10,
                               atol=1e-12 * abs(h_ref).max() * abs(v).sum())
    batch = np.stack([point, point[::-1], point])
    # batch and one-point code may sum in another order: a few ulps of the largest entry
    np.testing.assert_allclose(obj.grad(batch)[0], obj.grad(point), rtol=1e-14,
                               atol=1e-14 * abs(g_ref).max())
    np.testing.assert_allclose(obj.hess(batch)[2], h, rtol=1e-14, atol=1e-14 * abs(h).max())
    np.testing.assert_allclose(obj.f(batch)[0], obj.f(point), rtol=1e-14)
    # and the code is vectorised: entries on slices of x, no per-entry line for each
    assert "x[..., " in obj.grad.source and obj.grad.source.count("\n    out[..., ") < n


def test_data_form_least_squares_closed_forms() -> None:
    # sum_s (w.a_s - y_s)^2: gradient 2 A^T (A w - y), Hessian 2 A^T A (a constant rest)
    rng = np.random.default_rng(7)
    d, n = 9, 40
    A, y = rng.normal(size=(n, d)), rng.normal(size=n)
    ws, a_s, ys = sp.symbols(f"w0:{d}"), sp.symbols(f"a0:{d}"), sp.Symbol("y")
    obj = compile_objective((sum(w * a for w, a in zip(ws, a_s)) - ys) ** 2, ws,
                            data=[*a_s, ys])
    cols = [*A.T, y]
    w = rng.normal(size=d)
    assert "@" in obj.grad.source  # w.a is one matrix product, not d products per sample
    np.testing.assert_allclose(obj.f(w, *cols), np.sum((A @ w - y) ** 2), rtol=1e-12)
    np.testing.assert_allclose(obj.grad(w, *cols), 2 * A.T @ (A @ w - y), rtol=1e-11)
    np.testing.assert_allclose(obj.hess(w, *cols), 2 * A.T @ A, rtol=1e-12)
    W = rng.normal(size=(2, 3, d))
    np.testing.assert_allclose(obj.grad(W, *cols)[1, 2], 2 * A.T @ (A @ W[1, 2] - y),
                               rtol=1e-11)
    v = rng.normal(size=d)
    np.testing.assert_allclose(obj.hvp(w, v, *cols), 2 * A.T @ (A @ v), rtol=1e-11)


def test_data_form_rest_without_x_keeps_batch_shape() -> None:
    # sum_s b z + b^2 z^2 / 2, z = w.a_s: the Hessian's rest b^2 does not depend on w, yet a batch
    # of points must still give a batch of Hessians
    rng = np.random.default_rng(11)
    d, n = 5, 7
    ws, a_s, b = sp.symbols(f"w0:{d}"), sp.symbols(f"a0:{d}"), sp.Symbol("b")
    z = sum(w * a for w, a in zip(ws, a_s))
    obj = compile_objective(b * z + b**2 * z**2 / 2, ws, data=[*a_s, b])
    A, bb = rng.normal(size=(n, d)), rng.normal(size=n)
    W = rng.normal(size=(3, d))
    h = obj.hess(W, *A.T, bb)
    assert h.shape == (3, d, d)
    for k in range(3):
        np.testing.assert_allclose(h[k], (A.T * bb**2) @ A, rtol=1e-12)
        np.testing.assert_allclose(obj.grad(W, *A.T, bb)[k], A.T @ (bb + bb**2 * (A @ W[k])),
                                   rtol=1e-11)


def test_data_form_higher_monomials() -> None:
    # entries a_i*a_j*a_k * r over samples: the general (not matrix-product) vectorised form
    rng = np.random.default_rng(3)
    a0, a1, a2, a3, w = sp.symbols("a0 a1 a2 a3 w")
    data = rng.normal(size=(4, 25))
    exprs = [a0 * a1 * a2 * sp.exp(w * a3), a1 * a2 * a3 * sp.exp(w * a3),
             a0 * a0 * a3 * sp.exp(w * a3), a2 * a3 * a3 * sp.exp(w * a3), w * a0]
    fn = compile_numpy(exprs, [w], data=[a0, a1, a2, a3])
    e = np.exp(0.3 * data[3])
    expected = [np.sum(data[0] * data[1] * data[2] * e), np.sum(data[1] * data[2] * data[3] * e),
                np.sum(data[0] ** 2 * data[3] * e), np.sum(data[2] * data[3] ** 2 * e),
                0.3 * np.sum(data[0])]
    np.testing.assert_allclose(fn(np.array([0.3]), *data), expected, rtol=1e-12)
    with pytest.raises(InputError, match="1-D"):
        fn(np.array([0.3]), *data[:, :3, None])


def test_piecewise_inside_a_condition_compiles() -> None:
    # SymPy writes a Piecewise inside a condition as ITE(c, a, b); Xor appears in conditions too
    # (both raised UnsupportedFunctionError). Truth: SymPy's own evaluation at each point.
    exprs = [
        sp.Piecewise((X, sp.Piecewise((Y, X > 0), (Z, True)) > 0), (Y, True)),
        sp.Piecewise((X**2, sp.Xor(X > 0, Y > 0, Z > 0)), (Y - Z, True)),
    ]
    assert any(isinstance(a, sp.ITE) for a in sp.preorder_traversal(exprs[0]))
    fn = compile_numpy(exprs, [X, Y, Z])
    pts = np.array([[s1 * 1.5, s2 * 0.5, s3 * 2.0] for s1 in (-1, 1) for s2 in (-1, 1)
                    for s3 in (-1, 1)])
    batch = fn(pts)
    for k, p in enumerate(pts):
        sub = dict(zip((X, Y, Z), map(sp.Float, p)))
        truth = [float(e.xreplace(sub)) for e in exprs]
        np.testing.assert_allclose(fn(p), truth, rtol=1e-15)
        np.testing.assert_allclose(batch[k], truth, rtol=1e-15)


def test_nan_inputs_agree_between_point_and_batch() -> None:
    # one point ran max()/min()/sign on Python floats, which drop a nan; NumPy propagates it
    fn = compile_numpy([sp.Max(X, 0), sp.Max(0, X), sp.Min(X, Y, 1), sp.sign(X)], [X, Y])
    for p in ([np.nan, 1.0], [1.0, np.nan], [2.0, -3.0]):
        one, batch = fn(np.array(p)), fn(np.array([p]))[0]
        np.testing.assert_array_equal(one, batch)
    assert np.isnan(fn(np.array([np.nan, 1.0]))).all()


def test_callables_tuples_and_arrays_of_expressions() -> None:
    # a callable returning a vector or a matrix, a SymPy Tuple or Array: same as the list form
    pts = np.array([[2.0, 3.0], [-1.0, 0.5]])
    truth = np.array([[p[0] * p[1], math.sin(p[0])] for p in pts])
    for given_ in (lambda a, b: [a * b, sp.sin(a)], sp.Tuple(X * Y, sp.sin(X)),
                   sp.Array([X * Y, sp.sin(X)])):
        fn = compile_numpy(given_, [X, Y])
        np.testing.assert_allclose(fn(pts), truth, rtol=1e-15)
        np.testing.assert_allclose(fn(pts[0]), truth[0], rtol=1e-15)
    mat = compile_numpy(lambda a, b: sp.Matrix([[a * b, 1], [a, b]]), "a, b")
    np.testing.assert_array_equal(mat(np.array([2.0, 3.0])), [[6.0, 1.0], [2.0, 3.0]])
    assert mat(pts).shape == (2, 2, 2)
    assert float(compile_objective(lambda a, b: (a - 1) ** 2 + b**2, "a, b").f(
        np.array([3.0, 1.0]))) == 5.0
    with pytest.raises(InputError, match="empty"):
        compile_numpy(sp.Matrix(0, 0, []), [X])


def test_printer_tables_give_every_function_both_forms() -> None:
    # the NumPy and the one-point printer read one table each: the same SymPy names in both
    from symtaylor.codegen.tables import (
        _MATH_CALLS,
        _MATH_FUNCTIONS,
        _MATH_OPERATORS,
        _NUMPY_FOLDS,
        _NUMPY_FUNCTIONS,
    )

    assert _MATH_FUNCTIONS.keys() == _NUMPY_FUNCTIONS.keys()
    assert _NUMPY_FOLDS.keys() == _MATH_CALLS.keys() | _MATH_OPERATORS.keys()
    fn = compile_numpy([sp.sin(X), sp.gamma(X), sp.erf(X)], [X])
    np.testing.assert_allclose(fn(np.array([0.5])), fn(np.array([[0.5]]))[0], rtol=1e-15)


def test_a_backend_printer_is_a_small_subclass() -> None:
    # backends (issue 18) are printers: a module name and its tables, every form follows them
    from symtaylor.codegen.printer import _ArrayPrinter
    from symtaylor.codegen.tables import _NUMPY_FOLDS, _NUMPY_FUNCTIONS

    xp_functions = {k: v.replace("np.", "xp.") for k, v in _NUMPY_FUNCTIONS.items()}
    xp_folds = {k: v.replace("np.", "xp.") for k, v in _NUMPY_FOLDS.items()}

    class _XpPrinter(_ArrayPrinter):
        module = "xp"
        functions = xp_functions
        folds = xp_folds

    x, y, b = sp.symbols("x y b", real=True)
    cond = sp.And(sp.Xor(x > 1, y > 2), sp.ITE(y > 0, x > 0, x < -1), sp.Not(b))
    e = sp.Piecewise((sp.sqrt(x) * sp.sin(y) + x**y, cond), (sp.Max(x, y, 0), True))
    text = _XpPrinter({x: "x", y: "y", b: "b"})(e)
    assert "np." not in text.replace("xp.", "")
    assert text == ("xp.select([xp.logical_and(xp.logical_not(b), xp.logical_and(xp.logical_xor("
                    "x > 1, y > 2), xp.where(y > 0, x > 0, x < -1)))], [x**y + xp.sqrt(x)*xp.sin(y)"
                    "], xp.maximum(0, xp.maximum(x, y)))")


def test_definitions_come_dependencies_first_and_know_what_they_reach() -> None:
    # the IR's one dependency walk: ordering, and has_var/has_data (memoised until a change)
    from symtaylor.codegen.ir import _Definitions, _Gather, _Sum, _Temp

    a, b, c, d, x0 = sp.symbols("a b c d x0")
    defs = _Definitions()
    defs[a] = _Sum(b + 1)  # made before what it reads (CSE rewrites sums after planning)
    defs[c] = _Gather((0, 1))
    defs[b] = _Temp(sp.exp(c))
    defs[d] = _Temp(2 * x0)
    assert defs.needed([a + d]) == [c, b, a, d]
    assert defs.deps(a) == {b} and defs.deps(c) == set()
    assert defs.reaches(a, {x0}, "uses_x") and defs.reaches(d, {x0}, "uses_x")
    assert not defs.reaches(a + d, set(), "uses_data")
    defs[b] = _Temp(sp.Integer(2))
    assert not defs.reaches(a, {x0}, "uses_x")


# -- data sums: the fused f/grad/Hessian, Gram products, block-by-block sums ----------------------


def _data_truth(term: sp.Expr, ws: list, ds: list, w: np.ndarray, cols: list[np.ndarray],
                mean: bool) -> tuple[float, np.ndarray, np.ndarray]:
    """f, gradient and Hessian of ``sum_s term`` (or the mean) at ``w``, each sample's terms
    evaluated by SymPy at 30 digits and summed exactly (mpmath.fsum)."""
    grad = [sp.diff(term, v) for v in ws]
    hess = [[sp.diff(g, v) for v in ws] for g in grad]
    k = len(cols[0])

    def total(e: sp.Expr) -> float:
        e = e.subs(dict(zip(ws, map(sp.Float, w))))
        vals = [e.xreplace({d: sp.Float(float(c[s]), 30) for d, c in zip(ds, cols)}).evalf(30)
                for s in range(k)]
        t = mpmath.fsum([mpmath.mpf(str(v)) for v in vals])
        return float(t / k if mean else t)

    return (total(term), np.array([total(g) for g in grad]),
            np.array([[total(h) for h in row] for row in hess]))


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_value_grad_hess_logistic_is_one_gram_product_and_matches_evalf(reduce: str) -> None:
    d = 3
    ws, xs, y = list(sp.symbols(f"b0:{d}", real=True)), list(sp.symbols(f"a0:{d}")), Y
    z = sum(a * b for a, b in zip(ws, xs))
    term = sp.log(1 + sp.exp(z)) - y * z
    obj = compile_objective(term, ws, data=[*xs, y], reduce=reduce, name="lr")
    rng = np.random.default_rng(5)
    cols = [rng.normal(size=12) for _ in range(d)] + [rng.integers(0, 2, 12).astype(float)]
    w = np.array([0.3, -0.7, 1.1])
    f, g, H = _data_truth(term, ws, [*xs, y], w, cols, reduce == "mean")
    fv, gv, Hv = obj.value_grad_hess(w, *cols)
    assert float(fv) == pytest.approx(f, rel=1e-13)
    np.testing.assert_allclose(gv, g, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Hv, H, rtol=1e-12, atol=1e-14)
    # the same as the separate functions, bound or not, and on a batch of points
    fit = obj.bind(*cols)
    for got in (fit.value_grad_hess(w), (*obj.value_and_grad(w, *cols), obj.hess(w, *cols))):
        np.testing.assert_allclose(got[0], fv, rtol=1e-14)
        np.testing.assert_allclose(got[1], gv, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(got[2], Hv, rtol=1e-13, atol=1e-15)
    batch = obj.value_grad_hess(np.stack([w, w + 0.1]), *cols)
    assert batch[2].shape == (2, d, d)
    np.testing.assert_allclose(batch[2][0], H, rtol=1e-12, atol=1e-14)
    # the Hessian is one matrix product over the samples (w >= 0: s @ s.T), not entry sums
    body = obj.hess.source[obj.hess.source.index("def _lr_hess_stacked"):]
    assert body.count("_gram(") == 1 and "np.sum" not in body
    assert "s @ s.T" in obj.source


def test_gram_of_a_mixed_sign_weight_matches_evalf() -> None:
    """A least-squares fit of exp(b t): the Hessian's per-sample weight changes sign, so the
    Gram product takes the general route (rows * r) @ rows.T, not the square roots."""
    a, b, t = sp.symbols("a b t", real=True)
    term = (Y - a * sp.exp(b * t)) ** 2
    obj = compile_objective(term, [a, b], data=[t, Y], name="ex")
    tv = np.linspace(0, 2, 9)
    yv = 2 * np.exp(-0.5 * tv) + np.array([0.3, -0.4, 0.2, 0.5, -0.6, 0.1, -0.2, 0.4, -0.3])
    w = np.array([1.5, -0.3])
    f, g, H = _data_truth(term, [a, b], [t, Y], w, [tv, yv], False)
    fv, gv, Hv = obj.value_grad_hess(w, tv, yv)
    assert float(fv) == pytest.approx(f, rel=1e-13)
    np.testing.assert_allclose(gv, g, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(Hv, H, rtol=1e-11, atol=1e-13)


def _small_blocks(monkeypatch: pytest.MonkeyPatch, fn: CompiledFunction, size: int) -> list:
    """Make the module of ``fn`` sum over blocks of ``size`` samples (from 2 blocks on), and
    record the block lengths it computes."""
    ns = fn.function.__globals__
    seen: list[int] = []
    blocked = ns["_blocked"]

    def spy(f: object, args: tuple, data: object, blk: int, mean: bool) -> object:
        seen.append(blk)
        return blocked(f, args, data, blk, mean)

    monkeypatch.setitem(ns, "_blocks", lambda rows, n: size if n >= 2 * size else 0)
    monkeypatch.setitem(ns, "_BLOCKS_FROM", 2 * size)
    monkeypatch.setitem(ns, "_blocked", spy)
    return seen


@settings(deadline=None, max_examples=15, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 40), size=st.integers(2, 9), reduce=st.sampled_from(["sum", "mean"]),
       seed=st.integers(0, 10_000))
def test_block_by_block_sums_equal_the_whole_sum(monkeypatch: pytest.MonkeyPatch, n: int,
                                                 size: int, reduce: str, seed: int) -> None:
    """One point over many samples is summed block by block (stacked per block from the data
    arrays, or sliced from bound data); the value is the whole sum's (hand-written NumPy) to
    round-off, for every split, the mean weighted by the block lengths."""
    a, b, lam = sp.symbols("a b lam", real=True)
    t = sp.Symbol("t", real=True)
    term = sp.log(1 + sp.exp(a + b * t)) - Y * (a + b * t) + lam * b**2
    obj = compile_objective(term, [a, b], params=[lam], data=[t, Y], reduce=reduce, name="bb")
    rng = np.random.default_rng(seed)
    tv, yv = rng.normal(size=n), rng.integers(0, 2, n).astype(float)
    w, lv = rng.normal(size=2), 0.25
    zv = w[0] + w[1] * tv
    p = 1 / (1 + np.exp(-zv))
    X = np.column_stack([np.ones(n), tv])
    f = np.sum(np.logaddexp(0, zv) - yv * zv) + n * lv * w[1] ** 2
    g = X.T @ (p - yv) + np.array([0.0, 2 * n * lv * w[1]])
    H = X.T @ (X * (p * (1 - p))[:, None]) + np.diag([0.0, 2 * n * lv])
    if reduce == "mean":
        f, g, H = f / n, g / n, H / n
    seen = _small_blocks(monkeypatch, obj.value_grad_hess, size)
    for got in (obj.value_grad_hess(w, lv, tv, yv), obj.bind(tv, yv).value_grad_hess(w, lv),
                (*obj.value_and_grad(w, lv, tv, yv), obj.hess(w, lv, tv, yv))):
        assert float(got[0]) == pytest.approx(f, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(got[1], g, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(got[2], H, rtol=1e-11, atol=1e-12)
    assert bool(seen) == (n >= 2 * size)
    # a batch of points is not split
    seen.clear()
    fb = obj.f(np.stack([w, w]), lv, tv, yv)
    np.testing.assert_allclose(fb, [f, f], rtol=1e-12, atol=1e-12)
    assert not seen


def test_long_data_goes_block_by_block_with_the_real_block_length() -> None:
    """Above two blocks of the default length the one-point call is summed in blocks (the
    data arrays never stacked whole) and equals hand-written NumPy on the whole matrix."""
    d = 3
    ws, xs = list(sp.symbols(f"b0:{d}", real=True)), list(sp.symbols(f"a0:{d}"))
    z = sum(a * b for a, b in zip(ws, xs))
    obj = compile_objective(sp.log(1 + sp.exp(z)) - Y * z, ws, data=[*xs, Y], name="lr")
    ns = obj.f.function.__globals__
    size = ns["_blocks"](d + 1, 10**9)
    n = 2 * size + 17
    assert ns["_BLOCKS_FROM"] <= n and ns["_blocks"](d + 1, ns["_BLOCKS_FROM"] - 1) == 0
    assert ns["_long"](tuple(np.zeros(n) for _ in range(d + 1))) == size
    assert ns["_long"]((np.zeros(n), np.zeros(n - 1), np.zeros(n), np.zeros(n))) == 0
    assert ns["_long"]((np.zeros(n), np.zeros(n), [0.0] * n, np.zeros(n))) == 0
    rng = np.random.default_rng(2)
    X = rng.normal(size=(n, d))
    yv = rng.integers(0, 2, n).astype(float)
    w = np.array([0.2, -0.4, 0.9])
    zv = X @ w
    p = 1 / (1 + np.exp(-zv))
    fv, gv, Hv = obj.value_grad_hess(w, *X.T.copy(), yv)
    assert float(fv) == pytest.approx(np.sum(np.logaddexp(0, zv) - yv * zv), rel=1e-11)
    np.testing.assert_allclose(gv, X.T @ (p - yv), rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(Hv, X.T @ (X * (p * (1 - p))[:, None]), rtol=1e-11)


# -- entries first: the NumPy body's (entries, *batch) layout -------------------------------------


@settings(deadline=None, max_examples=20)
@given(batch=st.lists(st.integers(0, 3), max_size=3), n=st.sampled_from([3, 5, 30]),
       order=st.sampled_from(["C", "F", "reversed"]), seed=st.integers(0, 10_000))
def test_entries_first_batches_match_scipy(batch: list[int], n: int, order: str,
                                           seed: int) -> None:
    """Gradients and Hessians of any batch shape (and memory layout of x) are SciPy's
    rosen_der / rosen_hess at every point: per-entry rows (n = 3, 5) and slices (n = 30),
    the zeros of the sparse Hessian included; the result is a view with the batch in front."""
    f, xs = rosenbrock(n)
    obj = compile_objective(f, xs)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, (*batch, n))
    if order == "F":
        x = np.asfortranarray(x)
    elif order == "reversed":
        x = x[..., ::-1]
    g, H, (fv, g2) = obj.grad(x), obj.hess(x), obj.value_and_grad(x)
    assert g.shape == (*batch, n) and H.shape == (*batch, n, n) and fv.shape == tuple(batch)
    flat_x, flat_g, flat_h = x.reshape(-1, n), g.reshape(-1, n), H.reshape(-1, n, n)
    for k in range(min(3, len(flat_x))):
        np.testing.assert_allclose(flat_g[k], rosen_der(flat_x[k]), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(flat_h[k], rosen_hess(flat_x[k]), rtol=1e-12, atol=1e-12)
        assert float(fv.reshape(-1)[k]) == pytest.approx(rosen(flat_x[k]), rel=1e-13)
    np.testing.assert_array_equal(g2, g)


@settings(deadline=None, max_examples=30)
@given(cs=st.lists(st.integers(-6, 6).filter(bool), min_size=2, max_size=5),
       k=st.integers(2, 400), pts=st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2)),
                                           min_size=1, max_size=3))
def test_factored_sums_match_evalf(cs: list[int], k: int, pts: list) -> None:
    """Sums sharing a symbol or an integer factor are written s*(...) / c*(...) (fewer
    products, shared subexpressions): the values are SymPy's at 30 digits, up to the sum's
    own conditioning, at one point and on a batch, and the generated source shows the form."""
    terms = [k * c * X**i * (Y - X**2) for i, c in enumerate(cs, 1)] + [k * cs[0] * Y]
    expr = sp.Add(*terms)
    fn = compile_numpy([expr, sp.diff(expr, Y)], [X, Y])
    pa = np.array(pts, dtype=float)
    got = fn(pa)
    for row, (a, b) in zip(got, pts):
        sub = {X: sp.Float(a, 30), Y: sp.Float(b, 30)}
        scale = float(sum(abs(t.evalf(30, subs=sub)) for t in sp.Add.make_args(sp.expand(expr))))
        assert row[0] == pytest.approx(float(expr.evalf(30, subs=sub)), abs=1e-13 * (1 + scale))
        dy = sp.diff(expr, Y)
        assert row[1] == pytest.approx(float(dy.evalf(30, subs=sub)), rel=1e-12, abs=1e-12 * k)
    np.testing.assert_allclose(fn(pa[0]), got[0], rtol=1e-13, atol=1e-12)



def test_factored_sum_is_shared_by_the_rosenbrock_pair_gradient() -> None:
    # -400*x*(y - x**2) + 2*x - 2 and -200*x**2 + 200*y: y - x**2 computed once, 200 once
    f = (1 - X) ** 2 + 100 * (Y - X**2) ** 2
    g = compile_numpy([sp.diff(f, X), sp.diff(f, Y)], [X, Y])
    body = g.source[g.source.index("def f("):g.source.index("def _f_point")].split('"""')[2]
    assert body.count("**2") == 1 and body.count("200") == 1 and "x_1*(" in body
    pts = np.array([[0.3, -1.2], [1.0, 1.0], [-2.0, 3.5]])
    np.testing.assert_allclose(g(pts), np.array([[float(sp.diff(f, v).subs({X: a, Y: b}))
                                                   for v in (X, Y)] for a, b in pts]),
                               rtol=1e-14, atol=1e-13)
