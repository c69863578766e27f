"""Critical points (issue 16): complete for polynomial and rational objectives, honest otherwise.

Truth is independent of the Groebner/shape-basis route under test:

* every point is substituted into the gradient with mpmath at 50 digits;
* counts come from SciPy's ``optimize.root`` started from a grid of many points, and, for
  random systems, from the resultant (SymPy's ``resultant`` eliminates x; mpmath's
  ``polyroots`` at 50 digits finds x for each real root y);
* kinds come from NumPy's eigenvalues of the Hessian at the 50-digit point.
"""

from __future__ import annotations

import itertools
import json
import random
import time

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import optimize

from symtaylor import UnsupportedFunctionError, critical_point_set, critical_points
from symtaylor.calculus import CriticalPoint, CriticalPointSet
from symtaylor.cli import main

x, y, z = sp.symbols("x y z")

ISSUE_2D = x**5 - x + y**5 - y + x * y**3
ISSUE_3D = x * y * z + x**4 + y**4 + z**4 - x * y - y * z


def _mp_point(cp: CriticalPoint) -> list[mpmath.mpf]:
    with mpmath.workdps(60):
        return [mpmath.mpf(str(sp.N(v, 60))) for v in cp.point.values()]


def _gradient_residual(f: sp.Expr, syms: list[sp.Symbol], point: list[mpmath.mpf]) -> float:
    grad = [sp.lambdify(syms, sp.diff(f, s), "mpmath") for s in syms]
    with mpmath.workdps(50):
        return float(max(abs(g(*point)) for g in grad))


def _numeric_roots(f: sp.Expr, syms: list[sp.Symbol], box: float, per_axis: int) -> list[tuple]:
    """Distinct real critical points found by scipy.optimize.root from a grid of starts."""
    g = sp.lambdify([syms], [sp.diff(f, s) for s in syms], "numpy")
    h = sp.lambdify([syms], sp.hessian(f, syms), "numpy")
    found: list[np.ndarray] = []
    grid = np.linspace(-box, box, per_axis)
    for start in itertools.product(grid, repeat=len(syms)):
        sol = optimize.root(lambda v: np.array(g(v), float), np.array(start),
                            jac=lambda v: np.array(h(v), float), method="hybr", tol=1e-14)
        if sol.success and np.max(np.abs(g(sol.x))) < 1e-10 and np.max(np.abs(sol.x)) < 10:
            if all(np.max(np.abs(sol.x - p)) > 1e-6 for p in found):
                found.append(sol.x)
    return sorted(tuple(p) for p in found)


def _kind_from_eigenvalues(f: sp.Expr, syms: list[sp.Symbol], point: list[mpmath.mpf]) -> str:
    h = np.array(sp.hessian(f, syms).subs(dict(zip(syms, map(sp.Float, point)))), float)
    ev = np.linalg.eigvalsh(h)
    if np.all(ev > 1e-9):
        return "minimum"
    if np.all(ev < -1e-9):
        return "maximum"
    if np.any(ev > 1e-9) and np.any(ev < -1e-9):
        return "saddle"
    return "degenerate"


# -- the issue's reproducers ---------------------------------------------------------------------


@pytest.mark.parametrize("f, syms, count", [(ISSUE_2D, [x, y], 4), (ISSUE_3D, [x, y, z], 3)])
def test_issue_polynomials_complete(f: sp.Expr, syms: list[sp.Symbol], count: int) -> None:
    found = critical_point_set(f, syms)
    assert isinstance(found, CriticalPointSet)
    assert found.complete and found.dimension == 0
    assert len(found.points) == count
    numeric = _numeric_roots(f, syms, box=1.5, per_axis=9 if len(syms) == 2 else 6)
    assert len(numeric) == count, numeric
    for cp, box, num in zip(found.points, found.enclosures, numeric):
        pt = _mp_point(cp)
        assert _gradient_residual(f, syms, pt) < 1e-45
        assert np.allclose([float(v) for v in pt], num, atol=1e-8)  # the same points, in order
        for v, (lo, hi) in zip(pt, box):  # certified boxes contain the 50-digit values
            assert mpmath.mpf(str(sp.N(lo, 60))) <= v <= mpmath.mpf(str(sp.N(hi, 60)))
            assert float(hi - lo) < 1e-12
        assert cp.kind == _kind_from_eigenvalues(f, syms, pt)
        with mpmath.workdps(50):  # the exact value is f at the point
            fv = sp.lambdify(syms, f, "mpmath")(*pt)
            assert abs(mpmath.mpf(str(sp.N(cp.value, 60))) - fv) < mpmath.mpf(10) ** -45


def test_issue_point_quoted() -> None:
    pts = [tuple(float(v) for v in c.point.values()) for c in critical_points(ISSUE_2D, [x, y])]
    assert any(abs(a - 0.692878) < 1e-6 and abs(b + 0.534132) < 1e-6 for a, b in pts)


def test_periodic_is_not_complete() -> None:
    found = critical_point_set("sin(x) + cos(y)", "x, y")
    assert not found.complete and len(found.points) == 4
    assert "trigonometric" in found.note and "infinitely many" in found.note
    assert found.method == "sympy.solve" and found.enclosures is None
    assert "not proven complete" in repr(found)


@pytest.mark.parametrize("f", ["floor(x)", "ceiling(x) + x**2", "abs(x)"])
def test_not_differentiable_refused(f: str) -> None:
    for call in (critical_points, critical_point_set):
        with pytest.raises(UnsupportedFunctionError, match="not differentiable"):
            call(f, "x")


# -- the contract --------------------------------------------------------------------------------


def test_tuple_contract_and_element_types() -> None:
    cps = critical_points("x^4 - 2*x^2 + 1/2", "x")
    assert isinstance(cps, tuple) and all(isinstance(c, CriticalPoint) for c in cps)
    assert [c.point[x] for c in cps] == [-1, 0, 1]
    assert all(isinstance(c.point[x], sp.Integer) for c in cps)
    assert [c.value for c in cps] == [sp.Rational(-1, 2), sp.Rational(1, 2), sp.Rational(-1, 2)]
    assert cps == critical_point_set("x^4 - 2*x^2 + 1/2", "x").points
    # a quintic (no radicals): SymPy's CRootOf, as solve gives; SymPy's own solve([...]) of this
    # gradient returns no solution at all
    (cp,) = critical_points("x^6/6 - x^2/2 - x", "x")
    assert cp.point[x] == sp.CRootOf(x**5 - x - 1, 0) and cp.kind == "minimum"
    assert sp.solve([x**5 - x - 1], [x], dict=True) == []
    # radicals where the factor is quadratic
    pts = critical_points("x^2*y - y^3/3 + (x^2 + y^2)^2", "x, y")
    assert {(c.point[x], c.point[y]) for c in pts} == {
        (-sp.sqrt(3) / 8, sp.Rational(-1, 8)), (0, 0), (0, sp.Rational(1, 4)),
        (sp.sqrt(3) / 8, sp.Rational(-1, 8))}


def test_floats_stay_floats() -> None:
    (cp,) = critical_points("0.5*x**2 - x", "x")
    assert isinstance(cp.point[x], sp.Float) and float(cp.point[x]) == 1.0
    assert isinstance(cp.value, sp.Float) and float(cp.value) == -0.5


def test_rational_function_and_domain() -> None:
    found = critical_point_set("x/(1 + x^2)", "x")
    assert found.complete
    assert [(c.point[x], c.kind) for c in found.points] == [(-1, "minimum"), (1, "maximum")]
    # the critical points must lie where f is defined: 1/(x^2 y^2) has none
    empty = critical_point_set("1/(x^2*y^2)", "x, y")
    assert empty.complete and empty.points == () and empty.dimension == -1
    linear = critical_point_set("x + y", "x, y")
    assert linear.complete and linear.points == ()


def test_positive_dimensional_is_not_a_list() -> None:
    for f in ["x^2*y^2", "(x^2 + y^2 - 1)^2", "5*x^0 + y - y"]:
        found = critical_point_set(f, "x, y")
        assert not found.complete and found.points == () and found.dimension >= 1
        assert "not a finite list" in found.note
        with pytest.raises(UnsupportedFunctionError, match="continuum"):
            critical_points(f, "x, y")


def test_assumptions_restrict_the_points() -> None:
    xp = sp.Symbol("x", positive=True)
    found = critical_point_set(xp**4 - 2 * xp**2, [xp])
    assert found.complete and [c.point[xp] for c in found.points] == [1]
    n = sp.Symbol("n", integer=True)  # not a sign: left to SymPy's solve, not complete
    assert not critical_point_set(n**2 - 4 * n, [n]).complete


def test_parameters_are_not_complete() -> None:
    found = critical_point_set("x^2 + a*x", "x")
    assert not found.complete and "parameters (a)" in found.note
    assert [c.point[x] for c in found.points] == [-sp.Symbol("a") / 2]


# -- bounded work ------------------------------------------------------------------------------


@pytest.mark.parametrize("f, match", [
    ("(x + 1)**1000000", "degree up to 1000000"),
    ("x**12 + y**12 + x*y", "more than 100 complex solutions"),
    ("(x + y + z + x*y*z)**30", "possible terms"),
])
def test_too_large_refused_fast(f: str, match: str) -> None:
    start = time.perf_counter()
    with pytest.raises(UnsupportedFunctionError, match=match):
        critical_point_set(f, None)
    assert time.perf_counter() - start < 10


def test_deadline_still_applies() -> None:
    with pytest.raises(UnsupportedFunctionError, match="within 1 s"):
        critical_point_set("sin(x)*y + x^3*cos(y)", "x, y", timeout=1)


# -- random systems against the resultant --------------------------------------------------------


def _resultant_points(f: sp.Expr) -> list[tuple[mpmath.mpf, mpmath.mpf]]:
    """Real critical points by elimination: the real roots y of res_x(f_x, f_y), then the real
    common roots x (mpmath, 50 digits)."""
    fx, fy = sp.diff(f, x), sp.diff(f, y)
    res = sp.Poly(sp.resultant(fx, fy, x), y)
    out = []
    with mpmath.workdps(50):
        for y0 in sp.real_roots(sp.Poly(sp.sqf_part(res.as_expr()), y)):
            yv = mpmath.mpf(str(sp.N(y0, 60)))
            px = sp.Poly(fx, x)
            coeffs = [sp.lambdify(y, c, "mpmath")(yv) for c in px.all_coeffs()]
            while coeffs and abs(coeffs[0]) < mpmath.mpf(10) ** -40:
                coeffs = coeffs[1:]
            if len(coeffs) < 2:
                continue
            gy = sp.lambdify((x, y), fy, "mpmath")
            for r in mpmath.polyroots(coeffs, maxsteps=200, extraprec=200):
                if abs(mpmath.im(r)) < mpmath.mpf(10) ** -30:
                    xv = mpmath.re(r)
                    if abs(gy(xv, yv)) < mpmath.mpf(10) ** -30:
                        out.append((xv, yv))
    return sorted(out)


@pytest.mark.parametrize("seed", range(8))
def test_random_quartics_match_the_resultant(seed: int) -> None:
    rng = random.Random(seed)
    monomials = [x**i * y**j for i in range(4) for j in range(4) if 0 < i + j <= 3]
    f = sum(rng.randint(-9, 9) * m for m in monomials) + x**4 + y**4  # coercive
    found = critical_point_set(f, [x, y])
    assert found.complete
    kinds = [c.kind for c in found.points]
    assert "minimum" in kinds  # the global minimum is among them
    # Morse theory for a coercive f on the plane: minima - saddles + maxima = 1
    assert kinds.count("minimum") - kinds.count("saddle") + kinds.count("maximum") == 1
    truth = _resultant_points(f)
    assert len(found.points) == len(truth)
    for cp, (xv, yv) in zip(found.points, truth):
        pt = _mp_point(cp)
        assert abs(pt[0] - xv) < 1e-25 and abs(pt[1] - yv) < 1e-25
        assert _gradient_residual(f, [x, y], pt) < 1e-40
        assert cp.kind == _kind_from_eigenvalues(f, [x, y], pt)


# -- records and the CLI -------------------------------------------------------------------------


def test_repr_and_latex() -> None:
    found = critical_point_set("x^3 - 3*x + y^2", "x, y")
    assert repr(found) == ("CriticalPointSet(2 points, complete: [(-1, 0): saddle, "
                           "(1, 0): minimum])")
    latex = found._repr_latex_()
    assert latex.startswith("$\\displaystyle") and r"\text{complete list}" in latex
    assert found.enclosures == (((-1, -1), (0, 0)), ((1, 1), (0, 0)))
    assert "Groebner" in found.method


def test_cli_reports_completeness(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hessian", "x**5 - x + y**5 - y + x*y**3", "--critical"]) == 0
    out = capsys.readouterr().out
    assert "critical points (complete list):" in out and "~0.692878383946263" in out
    assert main(["hessian", "sin(x) + cos(y)", "--critical", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["critical_points_complete"] is False and len(data["critical_points"]) == 4


def test_deadline_process_is_not_forked_from_native_threads() -> None:
    """With JAX loaded (native threads), the deadline child starts from a clean forkserver,
    not os.fork() of the threaded process (which can deadlock; Python warns), and still
    finds the 4 real critical points of x^5 - x + y^5 - y + x y^3 (ISSUE_2D, verified
    against the resultant and mpmath above)."""
    import subprocess
    import sys

    pytest.importorskip("jax")
    code = ("import warnings; warnings.simplefilter('error', RuntimeWarning)\n"
            "import jax  # noqa: F401\n"
            "from symtaylor import critical_point_set\n"
            "from symtaylor.calculus import _start_method\n"
            "c = critical_point_set('x**5 - x + y**5 - y + x*y**3', 'x y')\n"
            "print(_start_method(), len(c.points), c.complete)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["forkserver", "4", "True"]
