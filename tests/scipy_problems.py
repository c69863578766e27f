"""SciPy's own unconstrained test problems, transcribed as symbolic expressions.

Read from the installed SciPy's test files (``scipy/optimize/tests/``; SciPy 1.x, the version
in this environment) and written here as expressions symtaylor can differentiate exactly. Each
entry cites the file and the test it comes from, keeps SciPy's starting points, and records
what is known about its minimum:

* ``fstar``: the minimum value where it is known in closed form or stated by the test
  (``None``: f has NO minimizer, so every ``success=True`` is false);
* ``check``: an extra condition SciPy's own test puts on a solution (gh-12513: ``|f| < 1e-5``).

The least-squares entries (``residuals``) are also minimized as ``sum(r_i^2)``.

============================  ===================================================================
``test_optimize.py``          ``CheckOptimize`` (Berger et al.'s entropy problem), Rosenbrock
                              from the BFGS tests' starts (``test_bfgs_xrtol``, ``test_bfgs_c1``,
                              ``test_gh10771`` / ``custmin``), ``test_bfgs_infinite``,
                              ``test_ncg_zero_xtol`` (cosine), ``test_minimize_tol_parameter``,
                              ``test_himmelblau``, ``TestIterationLimits.slow_func``,
                              ``test_cg_cornercase`` (71 starts), ``test_gh12513`` (the 19-variable
                              quadratic, H and J read from the file itself)
``test_trustregion.py``       ``TestTrustRegionSolvers``: Rosenbrock from the easy and the hard
                              guess
``test_least_squares.py``     ``fun_trivial``, ``fun_2d_trivial``, ``fun_rosenbrock``,
                              ``BroydenTridiagonal`` (unconstrained, n = 10 instead of 100)
``test_minpack.py``           ``TestLeastSq`` (quadratic fit to 40 noisy samples, rng 123),
                              ``TestCurveFit.test_one_argument`` / ``test_two_argument``
============================  ===================================================================
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

__all__ = ["PROBLEMS", "Problem", "scipy_test_file"]


def scipy_test_file(name: str) -> str | None:
    """The text of ``scipy/optimize/tests/<name>`` of the installed SciPy, or None."""
    try:
        import scipy.optimize
    except ImportError:  # pragma: no cover
        return None
    path = os.path.join(os.path.dirname(scipy.optimize.__file__), "tests", name)
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:  # pragma: no cover
        return None


@dataclass(frozen=True)
class Problem:
    name: str
    source: str
    variables: tuple[sp.Symbol, ...]
    starts: tuple[tuple[float, ...], ...]
    expr: sp.Expr | None = None
    residuals: tuple[sp.Expr, ...] | None = None
    data: dict[str, np.ndarray] | None = field(default=None, compare=False)
    fstar: float | None = 0.0
    check: str = ""

    @property
    def objective(self) -> sp.Expr:
        """f (for a least-squares entry, ``sum(r_i^2)``; with data, summed over the samples
        by the caller)."""
        if self.expr is not None:
            return self.expr
        return sp.Add(*[r**2 for r in self.residuals])


def _syms(names: str) -> tuple[sp.Symbol, ...]:
    out = sp.symbols(names)
    return out if isinstance(out, tuple) else (out,)


def _rosen(n: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    x = sp.symbols(f"x0:{n}")
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(n - 1)), x


def _gh12513() -> tuple[np.ndarray, np.ndarray] | None:
    """H and J of ``test_gh12513_trustregion_exact_infinite_loop``, read from SciPy's file."""
    text = scipy_test_file("test_optimize.py")
    if text is None:
        return None
    m = re.search(r"def test_gh12513.*?H = np\.array\(\s*(\[.*?\])\s*\)\s*J = np\.array\(\s*"
                  r"(\[.*?\])\s*\)", text, re.S)
    if m is None:
        return None
    H = np.array(ast.literal_eval(m.group(1)), dtype=float)
    J = np.array(ast.literal_eval(m.group(2)), dtype=float)
    return H, J


def _problems() -> list[Problem]:
    P: list[Problem] = []
    TO, TR = "test_optimize.py", "test_trustregion.py"
    LS, MP = "test_least_squares.py", "test_minpack.py"

    x0, x1, x2 = _syms("x0 x1 x2")
    # CheckOptimize: log(sum_i exp(F_i . x)) - K . x, F = [[1,1,1],[1,1,0],[1,0,1],[1,0,0],
    # [1,0,0]], K = [1, 0.3, 0.5]; SciPy's solution [0, -0.524869316, 0.487525860]. (f is
    # constant along x0: a line of minima.)
    F = [(1, 1, 1), (1, 1, 0), (1, 0, 1), (1, 0, 0), (1, 0, 0)]
    K = (1, sp.Rational(3, 10), sp.Rational(1, 2))
    v = (x0, x1, x2)
    berger = sp.log(sum(sp.exp(sum(a * b for a, b in zip(row, v))) for row in F)) \
        - sum(k * b for k, b in zip(K, v))
    sol = {x0: 0, x1: -0.524869316, x2: 0.487525860}
    P.append(Problem("berger_entropy", f"{TO}::CheckOptimize", v, ((0.0, 0.0, 0.0),),
                     expr=berger, fstar=float(berger.subs(sol))))

    f2, v2 = _rosen(2)
    P.append(Problem("rosen2", f"{TR}::TestTrustRegionSolvers (easy, hard guess)", v2,
                     ((2.0, 2.0), (-1.2, 1.0)), expr=f2))
    f5, v5 = _rosen(5)
    P.append(Problem("rosen5", f"{TO}::test_bfgs_xrtol, test_bfgs_c1, test_gh10771 custmin",
                     v5, ((1.3, 0.7, 0.8, 1.9, 1.2), (10.3, 20.7, 10.8, 1.9, -1.2),
                          (1.35, 0.9, 0.8, 1.1, 1.2)), expr=f5))

    (x,) = _syms("x")
    P.append(Problem("neg_exp", f"{TO}::test_bfgs_infinite (the minimum is -inf)", (x,),
                     ((0.0,),), expr=-sp.exp(-x), fstar=None))
    P.append(Problem("cosine", f"{TO}::test_ncg_zero_xtol", (x,), ((0.1,),), expr=sp.cos(x),
                     fstar=-1.0))
    X, Y = _syms("x y")
    P.append(Problem("tol_parameter", f"{TO}::test_minimize_tol_parameter", (X, Y),
                     ((2.0, 2.0),), expr=X**2 * Y**2 + X**4 + 1, fstar=1.0))
    P.append(Problem("himmelblau", f"{TO}::test_himmelblau", (X, Y), ((-0.27, -0.9),),
                     expr=(X * X + Y - 11) ** 2 + (X + Y * Y - 7) ** 2))
    # slow_func: sin(20 r + atan2(v0, v1)) + r/2. Along the spiral 20 r + t = -pi/2 + 2 pi k
    # f = -1 + r/2 falls towards the origin, where f is discontinuous: no minimizer at all.
    v0, v1 = _syms("v0 v1")
    r = sp.sqrt(v0**2 + v1**2)
    P.append(Problem("slow_func", f"{TO}::TestIterationLimits.slow_func", (v0, v1),
                     ((0.1, 0.1), (1.0, 1.0), (2.0, 2.0)),
                     expr=sp.sin(20 * r + sp.atan2(v0, v1)) + r / 2, fstar=None))
    P.append(Problem("cg_cornercase", f"{TO}::test_cg_cornercase (71 starts)", (x,),
                     tuple((float(s),) for s in np.linspace(-0.75, 3, 71)),
                     expr=sp.Rational(5, 2) * (1 - sp.exp(-sp.Rational(3, 2) * (x - sp.Rational(
                         1, 2)))) ** 2))
    hj = _gh12513()
    if hj is not None:
        H, J = hj
        z = sp.symbols("z0:19")
        q = sum(sp.Float(H[i, j]) * z[i] * z[j] for i in range(19) for j in range(19)) / 2 \
            + sum(sp.Float(J[i]) * z[i] for i in range(19))
        P.append(Problem("gh12513_quadratic", f"{TO}::test_gh12513_trustregion_exact_infinite"
                         "_loop (H has an eigenvalue -1.3e-11)", z, ((0.0,) * 19,), expr=q,
                         fstar=None, check="abs_f_below_1e-5"))

    # least squares
    P.append(Problem("fun_trivial", f"{LS}::fun_trivial (BaseMixin, x0 = 2)", (x,), ((2.0,),),
                     residuals=(x**2 + 5,), fstar=25.0))
    P.append(Problem("fun_2d_trivial", f"{LS}::fun_2d_trivial (x0 = [0.5, 0.5])", (X, Y),
                     ((0.5, 0.5),), residuals=(X, Y)))
    P.append(Problem("fun_rosenbrock", f"{LS}::fun_rosenbrock (x0 = [-2, 1])", (X, Y),
                     ((-2.0, 1.0),), residuals=(10 * (Y - X**2), 1 - X)))
    n = 10
    b = sp.symbols(f"b0:{n}")
    ext = (0, *b, 0)
    broyden = tuple((3 - 2 * ext[i + 1]) * ext[i + 1] - ext[i] - 2 * ext[i + 2] + 1
                    for i in range(n))
    P.append(Problem("broyden_tridiagonal", f"{LS}::BroydenTridiagonal (n = 10, no bounds)", b,
                     ((-1.0,) * n,), residuals=broyden))
    t = np.linspace(0, 10, 40)
    rng = np.random.default_rng(123)
    y = 3.1 * t**2 + 42 * t - 304.2 + 0.01 * rng.standard_normal(t.shape)
    a, bb, c, tt, yy = sp.symbols("a b c t y")
    A = np.vstack([t**2, t, np.ones_like(t)]).T
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    res = y - A @ coef
    P.append(Problem("minpack_quadratic_fit", f"{MP}::TestLeastSq (rng 123, p0 = 0)", (a, bb, c),
                     ((0.0, 0.0, 0.0),), residuals=(yy - (a * tt**2 + bb * tt + c),),
                     data={"t": t, "y": y}, fstar=float(res @ res)))
    xs, ys = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.2, 9.5, 13.7])
    P.append(Problem("curve_fit_one", f"{MP}::TestCurveFit.test_one_argument (p0 = 1)", (a,),
                     ((1.0,),), residuals=(tt**a - yy,), data={"t": xs, "y": ys},
                     fstar=float(np.sum((xs**1.9149 - ys) ** 2)), check="curve_fit_one"))
    P.append(Problem("curve_fit_two", f"{MP}::TestCurveFit.test_two_argument (p0 = 1, 1)",
                     (a, bb), ((1.0, 1.0),), residuals=(bb * tt**a - yy,),
                     data={"t": xs, "y": ys},
                     fstar=float(np.sum((1.1642 * xs**1.7989 - ys) ** 2)), check="curve_fit_two"))
    return P


#: The catalogue.
PROBLEMS: tuple[Problem, ...] = tuple(_problems())
