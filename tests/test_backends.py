"""Backends of codegen (issue 18 s.1): numba, jax and array-api give the NumPy result.

Truth: the NumPy backend (itself tested against mpmath in test_codegen) and, where cheap, mpmath
at 50 digits through symtaylor.lambdify; jax.grad of the jax backend against the symbolic
gradient compiled by NumPy. Random smooth expressions come from tests/strategies.py.
"""

from __future__ import annotations

import ast
import importlib.util
import random

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import random_expr

from symtaylor.codegen import compile_numpy, compile_objective
from symtaylor.errors import InputError, OptionalDependencyError, UnsupportedFunctionError
from symtaylor.lambdify import lambdify

X, Y = sp.symbols("x y")
HAVE = {b: importlib.util.find_spec(m) is not None
        for b, m in (("numba", "numba"), ("jax", "jax"), ("array-api", "array_api_compat"))}
BACKENDS = [pytest.param(b, marks=pytest.mark.skipif(not HAVE[b], reason=f"{b} not installed"))
            for b in ("numba", "jax", "array-api")]


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("SYMTAYLOR_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module", autouse=True)
def _jax_x64():
    if HAVE["jax"]:
        import jax

        jax.config.update("jax_enable_x64", True)


def _np(a):
    return np.asarray(a, dtype=float)


POINTS = np.array([[0.3, -0.7], [1.2, 0.4], [-0.9, 0.25]])


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6))
def test_random_expressions_equal_numpy(backend, seed):
    rnd = random.Random(seed)
    exprs = [random_expr(rnd, 3, [X, Y]) for _ in range(3)]
    ref = compile_numpy(exprs, [X, Y], cache=False)
    fn = compile_numpy(exprs, [X, Y], backend=backend, cache=False)
    want = ref(POINTS)
    np.testing.assert_allclose(_np(fn(POINTS)), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_np(fn(POINTS[0])), want[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_np(fn(POINTS.reshape(3, 1, 2))), want.reshape(3, 1, 3),
                               rtol=1e-12, atol=1e-12)
    # mpmath truth at 50 digits on one point
    with mpmath.workdps(50):
        truth = [float(v) for v in lambdify([X, Y], exprs, "mpmath")(
            mpmath.mpf(0.3), mpmath.mpf(-0.7))]
    np.testing.assert_allclose(_np(fn(POINTS[0])), truth, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_objective_matches_numpy(backend):
    f = "(1 - x)^2 + 100*(y - x^2)^2 + log(1 + exp(x*y)) + Piecewise((x, x > 0), (y**2, True))"
    ref = compile_objective(f, "x, y", cache=False)
    obj = compile_objective(f, "x, y", backend=backend, cache=False)
    v = np.array([0.5, -2.0])
    for name in ("f", "grad", "hess"):
        np.testing.assert_allclose(_np(getattr(obj, name)(POINTS)), getattr(ref, name)(POINTS),
                                   rtol=1e-12)
        np.testing.assert_allclose(_np(getattr(obj, name)(POINTS[1])),
                                   getattr(ref, name)(POINTS[1]), rtol=1e-12)
    np.testing.assert_allclose(_np(obj.hvp(POINTS, v)), ref.hvp(POINTS, v), rtol=1e-12)
    fv, gv = obj.value_and_grad(POINTS[2])
    np.testing.assert_allclose(_np(fv), ref.f(POINTS[2]), rtol=1e-12)
    np.testing.assert_allclose(_np(gv), ref.grad(POINTS[2]), rtol=1e-12)
    assert obj.hess_nnz == ref.hess_nnz


@pytest.mark.parametrize("backend", BACKENDS)
def test_params_broadcast(backend):
    ref = compile_numpy(["a*exp(b*x) - y", "a*b"], "x, y", params="a, b", cache=False)
    fn = compile_numpy(["a*exp(b*x) - y", "a*b"], "x, y", params="a, b", backend=backend,
                       cache=False)
    a = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(_np(fn(POINTS, a, 0.5)), ref(POINTS, a, 0.5), rtol=1e-13)
    np.testing.assert_allclose(_np(fn(POINTS[0], 2.0, 0.5)), ref(POINTS[0], 2.0, 0.5))


@pytest.mark.skipif(not HAVE["jax"], reason="jax not installed")
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_jax_grad_equals_symbolic_gradient(seed):
    import jax

    rnd = random.Random(seed)
    e = random_expr(rnd, 3, [X, Y])
    fn = compile_numpy(e, [X, Y], backend="jax", cache=False)
    grad = compile_numpy([sp.diff(e, X), sp.diff(e, Y)], [X, Y], cache=False)
    g = jax.jit(jax.grad(fn))
    for p in POINTS:
        np.testing.assert_allclose(np.asarray(g(p)), grad(p), rtol=1e-10, atol=1e-12)
    batch = jax.vmap(jax.grad(fn))(POINTS)
    np.testing.assert_allclose(np.asarray(batch), grad(POINTS), rtol=1e-10, atol=1e-12)


def _namespaces():
    out = [("numpy", np.asarray)]
    if importlib.util.find_spec("array_api_strict"):
        import array_api_strict as xps

        out.append(("array_api_strict", lambda a: xps.asarray(a, dtype=xps.float64)))
    if importlib.util.find_spec("torch"):
        import torch

        out.append(("torch", lambda a: torch.tensor(a, dtype=torch.float64)))
    if HAVE["jax"]:
        import jax.numpy as jnp

        out.append(("jax", lambda a: jnp.asarray(a, dtype=jnp.float64)))
    return out


@pytest.mark.skipif(not HAVE["array-api"], reason="array-api-compat not installed")
@pytest.mark.parametrize("lib, make", _namespaces(), ids=[n for n, _ in _namespaces()])
def test_array_api_returns_arrays_of_the_callers_library(lib, make):
    f = "(1 - x)^2 + 100*(y - x^2)^2 + sqrt(1 + x^2)*atan(y) + Max(x, y)"
    ref = compile_objective(f, "x, y", cache=False)
    obj = compile_objective(f, "x, y", backend="array-api", cache=False)
    for pts in (POINTS, POINTS[0]):
        for name in ("f", "grad", "hess"):
            out = getattr(obj, name)(make(pts))
            assert type(out).__module__.split(".")[0] == type(make(pts)).__module__.split(".")[0]
            np.testing.assert_allclose(np.asarray(out), getattr(ref, name)(pts), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sources_import_only_their_library(backend):
    src = compile_objective("x*exp(y) + x^2", "x, y", backend=backend, cache=False).source
    imports = {ln.split()[1] for ln in src.splitlines() if ln.startswith(("import ", "from "))}
    allowed = {"numba": {"math", "numba", "numpy"}, "jax": {"math", "jax.numpy"},
               "array-api": {"math", "array_api_compat"}}[backend]
    assert imports == allowed


@pytest.mark.parametrize("backend", BACKENDS)
def test_hostile_symbol_names_are_sanitized(backend):
    s = sp.Symbol('a\n__import__("os").system("x")')
    fn = compile_numpy([s**2 + 1, sp.Symbol("xp") * s], [s, sp.Symbol("xp")], backend=backend,
                       cache=False)
    names = {n.id for n in ast.walk(ast.parse(fn.source)) if isinstance(n, ast.Name)}
    assert "__import__" not in names and "a_import_os_system_x" in names and "xp_1" in names
    assert not any(isinstance(n, ast.Attribute) and n.attr == "system"
                   for n in ast.walk(ast.parse(fn.source)))
    np.testing.assert_allclose(_np(fn(np.array([2.0, 3.0]))), [5.0, 6.0])


def test_unknown_and_missing_backends(monkeypatch):
    with pytest.raises(InputError, match="backend must be one of"):
        compile_numpy("x", "x", backend="cuda")
    import symtaylor.codegen.backends as b

    monkeypatch.setattr(b.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(OptionalDependencyError, match=r"symtaylor\[jax\]"):
        compile_numpy("x", "x", backend="jax")


@pytest.mark.skipif(not HAVE["jax"], reason="jax not installed")
def test_unsupported_function_names_the_backend():
    with pytest.raises(UnsupportedFunctionError, match="'jax' backend"):
        compile_numpy("erf(x)", "x", backend="jax", cache=False)


@pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="numba not installed")
@pytest.mark.parametrize("points", [1, 7, 6000])
def test_numba_sparse_hessian_zero_entries(points):
    """A sparse Hessian's unwritten entries are zero on both allocation routes of the numba
    wrapper (zeroed in the kernel for small batches, np.zeros past 2**21 doubles), against the
    closed form of the extended Rosenbrock Hessian."""
    n = 20
    v = sp.symbols(f"x0:{n}")
    f = sum(100 * (v[2 * i + 1] - v[2 * i] ** 2) ** 2 + (1 - v[2 * i]) ** 2
            for i in range(n // 2))
    fn = compile_numpy(sp.hessian(f, v), v, backend="numba", cache=False)
    x = np.random.default_rng(points).uniform(-2, 2, (points, n))
    want = np.zeros((points, n, n))
    i = np.arange(0, n, 2)
    want[:, i, i] = 1200 * x[:, i] ** 2 - 400 * x[:, i + 1] + 2
    want[:, i, i + 1] = want[:, i + 1, i] = -400 * x[:, i]
    want[:, i + 1, i + 1] = 200
    for _ in range(2):  # a second call reuses freed heap blocks: stale values must not leak
        np.testing.assert_allclose(fn(x), want, rtol=1e-13, atol=1e-9)
    np.testing.assert_allclose(fn(x[0]), want[0], rtol=1e-13, atol=1e-9)


@pytest.mark.skipif(not HAVE["jax"], reason="jax not installed")
def test_jax_without_x64_warns_of_float32():
    """With x64 off JAX returns float32 (about 7 digits): compiling says so, naming the fix; with
    x64 on the result is float64 and equals the NumPy backend's to round-off."""
    import warnings

    import jax

    from symtaylor.errors import PrecisionWarning

    x = np.array([1.0, 2.0])
    try:
        jax.config.update("jax_enable_x64", False)
        with pytest.warns(PrecisionWarning, match="jax_enable_x64"):
            fn = compile_numpy(["exp(x)*y"], "x, y", backend="jax", cache=False)
        assert np.asarray(fn(x)).dtype == np.float32
    finally:
        jax.config.update("jax_enable_x64", True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrecisionWarning)
        fn = compile_numpy(["exp(x)*y"], "x, y", backend="jax", cache=False)
    got = np.asarray(fn(x))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [2 * np.e], rtol=1e-15)


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b.values[0] != "array-api"])
@pytest.mark.parametrize("seed", [0, 1])
def test_loop_groups_equal_numpy(backend, seed):
    """Big outputs are compiled as same-template groups (Numba: loops; JAX: gathers and
    scatters), with index progressions and index arrays, mirrored positions, constants and a
    template's own CSE: the values equal the NumPy backend's and SymPy's at 30 digits."""
    rng = random.Random(seed)
    n = 40
    v = sp.symbols(f"x0:{n}")
    perm = list(range(n))
    rng.shuffle(perm)  # pairs that are no arithmetic progression: index arrays
    f = sum(sp.exp(v[perm[i]] / 3) * sp.sin(v[perm[i + 1]]) + (v[i] - 1) ** 2 + 7 * v[i] ** 4
            + sp.exp(sp.sin(v[i + 1])) for i in range(0, n - 1, 2))
    H = sp.hessian(f, v)
    fn = compile_numpy(H, v, backend=backend, cache=False)
    assert ("for k" in fn.source or ".at[" in fn.source) and "u0 = " in fn.source
    ref = compile_numpy(H, v, cache=False)
    x = np.random.default_rng(seed).uniform(-1.5, 1.5, (5, n))
    np.testing.assert_allclose(np.asarray(fn(x)), ref(x), rtol=1e-13, atol=1e-13)
    point = dict(zip(v, (sp.Rational(int(c * 1000), 1000) for c in x[0])))
    exact = np.array(H.subs(point).evalf(30).tolist(), dtype=float)
    x0 = np.array([float(point[s]) for s in v])
    np.testing.assert_allclose(np.asarray(fn(x0)), exact, rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_points_give_float_sparse_hessians(backend):
    """Integer x into a big sparse Hessian (numba: loops; jax: scatters into zeros) gives the
    float values of the NumPy backend, not a truncated integer array."""
    v = sp.symbols("x0:20")
    f = sum(sp.exp(v[i] / 3) * v[i + 1] + v[i] ** 2 / 7 for i in range(19))
    H = sp.hessian(f, v)
    fn = compile_numpy(H, v, backend=backend, cache=False)
    X = np.arange(40).reshape(2, 20) % 3
    got = np.asarray(fn(X))
    assert got.dtype.kind == "f"
    np.testing.assert_allclose(got, compile_numpy(H, v, cache=False)(X.astype(float)),
                               rtol=1e-13)
