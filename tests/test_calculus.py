"""Tests for symtaylor.calculus: exact derivatives, definiteness, critical points.

Truths: SymPy's own ``diff``/``hessian`` (an independent route), closed forms, mpmath numeric
differentiation at 50 digits, NumPy eigenvalues.
"""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import random_expr

from symtaylor import (
    Definiteness,
    InputError,
    critical_points,
    definiteness,
    gradient,
    hessian,
    jacobian,
)
from symtaylor.cli import main

x, y, z = sp.symbols("x y z")


def ext_rosenbrock(n: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    v = sp.symbols(f"x1:{n + 1}")
    f = sum(100 * (v[2 * i + 1] - v[2 * i] ** 2) ** 2 + (1 - v[2 * i]) ** 2 for i in range(n // 2))
    return f, v


def chained_rosenbrock(n: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    v = sp.symbols(f"x1:{n + 1}")
    return sum(100 * (v[i + 1] - v[i] ** 2) ** 2 + (1 - v[i]) ** 2 for i in range(n - 1)), v


# -- closed forms ------------------------------------------------------------------------------


def test_rosenbrock_hessian_closed_form() -> None:
    h = hessian("(1 - x)^2 + 100*(y - x^2)^2", "x, y")
    assert h == sp.Matrix([[1200 * x**2 - 400 * y + 2, -400 * x], [-400 * x, 200]])
    g = gradient("(1 - x)^2 + 100*(y - x^2)^2", "x, y")
    assert sp.expand(g[0] - (-2 * (1 - x) - 400 * x * (y - x**2))) == 0
    assert sp.expand(g[1] - 200 * (y - x**2)) == 0


@pytest.mark.parametrize("maker,n", [(ext_rosenbrock, 20), (chained_rosenbrock, 12)])
def test_sparse_hessian_matches_sympy(maker, n) -> None:
    f, v = maker(n)
    assert (hessian(f, v) - sp.hessian(f, v)).is_zero_matrix


@pytest.mark.parametrize(
    "text",
    [
        "exp(x*y)*sin(z) + x**3/y",
        "log(1 + exp(-(2*x - y/3 + z)))/5 + log(1 + exp(x + y))/5",
        "atan2(y, x) + sqrt(x**2 + y**2 + 1)",
        "(x + y + z)**4 - x*y*z + cosh(x - z)",
    ],
)
def test_hessian_and_gradient_match_sympy(text: str) -> None:
    expr = sp.sympify(text)  # test-side only: a trusted literal
    v = [x, y, z]
    assert (hessian(expr, v) - sp.hessian(expr, v)).applyfunc(sp.simplify).is_zero_matrix
    g = gradient(expr, v)
    assert all(sp.simplify(g[i] - sp.diff(expr, s)) == 0 for i, s in enumerate(v))


@settings(max_examples=15)
@given(st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_hessian_agrees_with_mpmath_numeric_derivatives(pt) -> None:
    expr = sp.exp(x * y) * sp.sin(z) + x**3 * y + sp.cos(x + 2 * z)
    h = hessian(expr, [x, y, z])
    f = sp.lambdify([x, y, z], expr, "mpmath")
    sub = {s: sp.Rational(v) for s, v in zip([x, y, z], pt)}  # the floats' exact values
    with mpmath.workdps(50):
        for i in range(3):
            for j in range(3):
                order = [0, 0, 0]
                order[i] += 1
                order[j] += 1
                truth = mpmath.diff(f, [mpmath.mpf(v) for v in pt], tuple(order))
                got = mpmath.mpf(str(sp.N(h[i, j].xreplace(sub), 45)))
                assert abs(got - truth) <= mpmath.mpf(10) ** -30 * (1 + abs(truth))


def test_jacobian() -> None:
    j = jacobian(["x - 1", "10*(y - x^2)"], "x, y")
    assert j == sp.Matrix([[1, 0], [-20 * x, 10]])
    rs = [sp.exp(-x * z) / (y + z), x * y]
    assert (jacobian(rs, [x, y]) - sp.Matrix(rs).jacobian([x, y])).is_zero_matrix


def test_derivatives_respect_assumptions() -> None:
    xr = sp.Symbol("x", real=True)
    assert gradient(sp.Abs(xr), [xr])[0] == sp.sign(xr)
    xp = sp.Symbol("x", positive=True)
    assert hessian(sp.sqrt(xp**2) + xp**3, [xp])[0] == 6 * xp


def test_chain_rule_respects_assumptions() -> None:
    # terms in >= 3 variables go through the chain rule: |u|' = sign(u) for real u, as in SymPy
    xr, yr, zr = sp.symbols("x y z", real=True)
    for f in (sp.Abs(xr + yr + zr) ** 3 + sp.sqrt(1 + xr**2 + yr**2 + zr**2),
              sp.Abs(xr - 2 * yr + zr) + sp.log(1 + sp.exp(xr - yr + 2 * zr))):
        v = [xr, yr, zr]
        assert (hessian(f, v) - sp.hessian(f, v)).applyfunc(sp.simplify).is_zero_matrix
        assert (gradient(f, v).T - sp.Matrix([f]).jacobian(v)).applyfunc(sp.simplify) == \
            sp.zeros(1, 3)


def test_results_are_fresh_matrices() -> None:
    h = hessian("x^2*y", "x, y")
    h[0, 0] = 99
    assert hessian("x^2*y", "x, y")[0, 0] == 2 * y


def test_default_variables_and_callables() -> None:
    assert gradient(lambda a, b: a**2 * b, "a, b").T == sp.Matrix([[2 * sp.Symbol("a") *
                                                                      sp.Symbol("b"),
                                                                      sp.Symbol("a") ** 2]])
    assert hessian("y^2 + x").shape == (2, 2)


def test_bad_input() -> None:
    with pytest.raises(InputError):
        hessian("x^2", "1x")
    with pytest.raises(InputError):
        gradient("x^2", [])
    with pytest.raises(InputError):
        jacobian(["3", "4"])


# -- definiteness --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "m,kind",
    [
        ([[2, 1], [1, 2]], Definiteness.POSITIVE_DEFINITE),
        ([[-2, 1], [1, -2]], Definiteness.NEGATIVE_DEFINITE),
        ([[1, 2], [2, 1]], Definiteness.INDEFINITE),
        ([[1, 1], [1, 1]], Definiteness.POSITIVE_SEMIDEFINITE),
        ([[0, 0], [0, -3]], Definiteness.NEGATIVE_SEMIDEFINITE),
    ],
)
def test_definiteness_numeric(m, kind) -> None:
    assert definiteness(sp.Matrix(m)).kind is kind


@settings(max_examples=25)
@given(st.lists(st.integers(-5, 5), min_size=6, max_size=6))
def test_definiteness_agrees_with_numpy(vals) -> None:
    a, b, c, d, e, f = vals
    m = sp.Matrix([[a, b, c], [b, d, e], [c, e, f]])
    ev = np.linalg.eigvalsh(np.array(m.tolist(), dtype=float))
    kind = definiteness(m).kind
    tol = 1e-9
    if ev[0] > tol:
        assert kind is Definiteness.POSITIVE_DEFINITE
    elif ev[-1] < -tol:
        assert kind is Definiteness.NEGATIVE_DEFINITE
    elif ev[0] < -tol and ev[-1] > tol:
        assert kind is Definiteness.INDEFINITE
    else:
        assert kind in (Definiteness.POSITIVE_SEMIDEFINITE, Definiteness.NEGATIVE_SEMIDEFINITE)


def test_definiteness_symbolic_sylvester() -> None:
    a = sp.Symbol("a")
    r = definiteness(sp.Matrix([[a, 1], [1, 2]]))
    assert r.kind is Definiteness.UNDECIDED and r.method == "sylvester"
    assert r.conditions == (a > 0, 2 * a - 1 > 0)
    p = sp.Symbol("p", positive=True)
    assert definiteness(sp.Matrix([[p + 1, 1], [1, p + 1]])).kind is Definiteness.POSITIVE_DEFINITE
    assert "positive definite" in definiteness(sp.eye(2)).latex()
    with pytest.raises(InputError):
        definiteness(sp.Matrix([[1, 2], [3, 4]]))


def test_definiteness_large_exact_matrix() -> None:
    m = sp.Matrix(6, 6, lambda i, j: sp.Rational(1, i + j + 1))  # Hilbert: positive definite
    assert definiteness(m).kind is Definiteness.POSITIVE_DEFINITE


# -- critical points -----------------------------------------------------------------------


def test_critical_points_double_well() -> None:
    cps = critical_points("x**4 - 2*x**2 + 1/2", "x")
    assert [(c.point[x], c.kind) for c in cps] == [(-1, "minimum"), (0, "maximum"),
                                                   (1, "minimum")]
    assert cps[0].value == sp.Rational(-1, 2)


def test_critical_points_saddle_and_degenerate() -> None:
    cps = critical_points("x^3 - 3*x + y^2", "x, y")
    kinds = {(c.point[x], c.point[y]): c.kind for c in cps}
    assert kinds == {(-1, 0): "saddle", (1, 0): "minimum"}
    assert [c.kind for c in critical_points("x^3", "x")] == ["degenerate"]
    assert "minimum" in cps[-1].latex()


# -- CLI -------------------------------------------------------------------------------------


def test_cli_hessian(capsys) -> None:
    assert main(["hessian", "(1-x)^2 + 100*(y-x^2)^2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["hessian"] == [["1200*x**2 - 400*y + 2", "-400*x"], ["-400*x", "200"]]
    assert main(["hessian", "x^2 + x*y + y^2", "--at", "1, 2"]) == 0
    assert "positive definite" in capsys.readouterr().out
    assert main(["hessian", "x^2 +"]) == 2
    assert main(["hessian", "x^3 - 3*x + y^2", "--critical", "--json"]) == 0
    crit = json.loads(capsys.readouterr().out)["critical_points"]
    assert [(c["point"], c["kind"]) for c in crit] == [({"x": "-1", "y": "0"}, "saddle"),
                                                       ({"x": "1", "y": "0"}, "minimum")]


def test_critical_points_deadline() -> None:
    from symtaylor import UnsupportedFunctionError

    # SymPy's solve runs for minutes on this transcendental system: refused at the deadline
    # (polynomial systems such as x^4 + y^4 - 3*x*y + x^3*y are solved exactly now)
    with pytest.raises(UnsupportedFunctionError, match="within 1 s"):
        critical_points("sin(x)*y + x^3*cos(y)", "x, y", timeout=1)
    assert [c.kind for c in critical_points("x^2 + y^2", "x, y", timeout=None)] == ["minimum"]


@settings(max_examples=30)
@given(st.integers(0, 10**9))
def test_random_expressions_match_sympy_numerically(seed: int) -> None:
    import random

    rnd = random.Random(seed)
    v = sp.symbols("x y z w")
    f = sum(random_expr(rnd, rnd.randint(1, 3), v) for _ in range(rnd.randint(1, 4)))
    syms = sorted(f.free_symbols, key=lambda s: s.name)
    if not syms:
        return
    h, hs = hessian(f, syms), sp.hessian(f, syms)
    g = gradient(f, syms)
    pt = {s: sp.Rational(rnd.randint(-9, 9), 7) for s in syms}
    ours = list(h) + list(g)
    theirs = list(hs) + [sp.diff(f, s) for s in syms]
    for a, b in zip(ours, theirs):
        va, vb = complex(sp.N(a.xreplace(pt), 20)), complex(sp.N(b.xreplace(pt), 20))
        assert abs(va - vb) <= 1e-12 * (1 + abs(vb))


@pytest.mark.parametrize("call", [
    lambda: gradient("x**2", "x, x"),
    lambda: hessian("x**2*y", "x y x"),
    lambda: jacobian(["x", "y"], "x, x"),
])
def test_repeated_variable_is_refused(call) -> None:
    # a repeated name made gradient("x**2", "x, x") return (0, 2*x): silently wrong
    with pytest.raises(InputError, match="repeated variable"):
        call()


# -- products of linear factors (issue 17): the product rule built directly, or refused --------

_slopes = st.sampled_from([sp.Integer(1), sp.Integer(2), sp.Rational(-1, 3), sp.Integer(-1)])
_offsets = st.sampled_from([sp.Integer(0), sp.Integer(1), sp.Rational(5, 2), sp.Integer(-4)])


@settings(max_examples=40, deadline=None)
@given(k=st.integers(3, 7), data=st.data(), coeff=st.sampled_from([1, -1, sp.Rational(3, 7)]),
       extra=st.sampled_from([sp.Integer(1), sp.Symbol("a"), sp.Symbol("a") + 1]))
def test_separable_product_derivatives_are_sympys_own_trees(k: int, data, coeff,
                                                            extra: sp.Expr) -> None:
    # truth: SymPy's own diff and hessian, the same trees (srepr), not just equal values
    xs = sp.symbols(f"v0:{k}")
    factors = [data.draw(_slopes) * v + data.draw(_offsets) for v in xs]
    f = sp.Mul(coeff, extra, *factors)
    h, ref = hessian(f, xs), sp.hessian(f, xs)
    assert [sp.srepr(e) for e in h] == [sp.srepr(e) for e in ref]
    g = gradient(f, xs)
    assert [sp.srepr(e) for e in g] == [sp.srepr(f.diff(v)) for v in xs]


def test_product_of_300_linear_factors_is_fast_and_right() -> None:
    # was ~k^3 (k = 150: 75 s); now the k(k-1)/2 products are built directly. Truth: the
    # closed form prod_{l != i, j} (x_l + l + 1), checked on entries, and SymPy's diff there
    # (timing: benchmarks/bench_calculus.py)
    k = 300
    xs = sp.symbols(f"x0:{k}")
    f = sp.Mul(*[xs[i] + i + 1 for i in range(k)])
    h = hessian(f, xs)
    assert all(h[i, i] == 0 for i in (0, 7, 299))
    for i, j in [(0, 1), (5, 200), (298, 299)]:
        want = sp.Mul(*[xs[m] + m + 1 for m in range(k) if m not in (i, j)])
        assert h[i, j] == h[j, i] == want
    assert sp.srepr(gradient(f, xs)[3]) == sp.srepr(f.diff(xs[3]))


def test_large_nonseparable_product_is_refused_up_front() -> None:
    # 60 factors chained through 60 variables: SymPy's diff would run for minutes; refused
    # before any derivative is taken (the small one is still computed, and is SymPy's)
    from symtaylor.errors import UnsupportedFunctionError

    k = 60
    xs = sp.symbols(f"x0:{k}")
    f = sp.Mul(*[xs[i] + xs[(i + 1) % k] + 1 for i in range(k)])
    with pytest.raises(UnsupportedFunctionError, match="too long"):
        hessian(f, xs)
    small = sp.Mul(*[xs[i] + xs[(i + 1) % 5] + 1 for i in range(5)])
    assert hessian(small, xs[:5]) == sp.hessian(small, xs[:5])
