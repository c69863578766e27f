"""Benchmark: symtaylor's derivations against the C++ engines SymEngine and CasADi (issue 17).

Run: ``python benchmarks/bench_derivation_peers.py`` (``--quick``: one repeat, fewer sizes).
Peers are optional (``pip install symengine casadi``); a missing one is reported and skipped.

Cases, each from cold caches (SymPy's and symtaylor's), medians of the repeats, and RATIO =
peer time / symtaylor time (> 1: symtaylor is faster):

* univariate Taylor at 0, orders 10/20/40 of ``exp(sin x)``, ``tan x``, ``log(1+x)/(1+x^2)``,
  ``exp(x) cos(x)^2``, and at the rational point 1/3: SymEngine's ``series`` raw (its own
  objects, no O term removed) and converted to the SymPy result (``sympify``, then
  ``expand`` at 1/3, where SymEngine keeps unexpanded trees);
* multivariate ``exp(x*y)*sin(z) + log(1+x^2+y^2)`` at the origin and at (1, 1/2, 1/3), orders
  2..6: SymEngine by repeated (memoised) differentiation, substitution and conversion;
* Hessians of the extended Rosenbrock function (pairs and chained), n = 60/200/1000, and of a
  logistic loss written term by term (N = 50 samples, d = 20): CasADi SX ``hessian`` on the
  prebuilt SX expression, and SymEngine term by term (a sum of small Hessians), converted.

Every SymEngine call runs in a forked worker: SymEngine's ``series`` aborts the whole process on
some inputs (a FLINT error that cannot be caught), reported here as ``aborted``. Results are
checked before timing: SymEngine's exactly (SymPy ``expand`` of the difference), CasADi's
numerically (its Hessian evaluated at a random point against symtaylor's, rtol 1e-12).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import random
import sys
from collections.abc import Callable
from typing import Any

import sympy as sp
from _timing import median_time
from sympy.core.cache import clear_cache

import symtaylor.calculus as calc
from symtaylor import hessian, taylor
from symtaylor.engines.flint_mseries import _zero_coeffs
from symtaylor.series.rules import _derivative_table

try:
    import symengine as se
except ImportError:  # pragma: no cover - optional peer
    se = None
try:
    import casadi as ca
except ImportError:  # pragma: no cover - optional peer
    ca = None

QUICK = "--quick" in sys.argv
REPEATS = 1 if QUICK else 3
x, y, z = sp.symbols("x y z")


def cold() -> None:
    clear_cache()
    _derivative_table.cache_clear()
    _zero_coeffs.cache_clear()
    calc._TEMPLATES.clear()
    calc._HESS_TEMPLATES.clear()
    calc._HESS_SHAPES.clear()
    calc._PLAIN_FREE.clear()
    calc._gradient_cached.cache_clear()
    calc._hessian_cached.cache_clear()
    calc._outer_derivatives.cache_clear()


def timed(fn: Callable[[], Any]) -> float:
    return median_time(fn, REPEATS, reset=cold)


def _worker(conn: Any, fn: Callable[[], Any], check: Callable[[Any], bool] | None) -> None:
    try:
        out = fn()
        ok = True if check is None else bool(check(out))
        conn.send(("ok", timed(fn), ok))
    except Exception as exc:  # reported in the parent
        conn.send(("error", repr(exc)[:60], False))
    conn.close()


def in_worker(fn: Callable[[], Any], check: Callable[[Any], bool] | None = None,
              cap: float = 10.0) -> tuple[str, Any, bool]:
    """``("ok", median, checked)``, ``("aborted", exit code, False)`` or ``("timeout", ...)``,
    the peer run in a forked process (its abort cannot take this one down)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(child, fn, check), daemon=True)
    proc.start()
    child.close()  # the worker holds the only write end: its death is an EOF here
    if parent.poll(cap * (REPEATS + 1)):
        try:
            out = parent.recv()
        except EOFError:
            out = None
        proc.join()
        if out is not None:
            return out
        return ("aborted", proc.exitcode, False)
    proc.join(0.1)
    if proc.exitcode is not None:
        return ("aborted", proc.exitcode, False)
    proc.terminate()
    proc.join()
    return ("timeout", cap, False)


def fmt(t: float) -> str:
    return f"{t * 1e3:10.3f} ms"


def report(label: str, ours: float, peers: list[tuple[str, tuple[str, Any, bool]]]) -> None:
    parts = [f"{label:44s} symtaylor {fmt(ours)}"]
    for name, (status, value, ok) in peers:
        if status == "ok":
            parts.append(f"| {name} {fmt(value)} ratio {value / ours:8.3f}"
                         f"{'' if ok else ' (RESULT DIFFERS)'}")
        else:
            parts.append(f"| {name} {status} ({value})")
    print(" ".join(parts), flush=True)


def same(a: sp.Expr, b: sp.Expr) -> bool:
    """Exactly equal (``expand`` of the difference), or, where the constants are written
    differently (``tan(1/3)`` against ``sin(1/3)/cos(1/3)``), every coefficient of the difference
    in the variables below ``1e-45`` at 60 digits."""
    d = sp.expand(a - b)
    if d == 0:
        return True
    free = sorted(d.free_symbols, key=str)
    terms = sp.Poly(d, *free).coeffs() if free else [d]
    return all(abs(sp.N(c, 60)) < sp.Float("1e-45") for c in terms)


# -- univariate -------------------------------------------------------------------------------

UNIVARIATE = {
    "exp(sin x)": sp.exp(sp.sin(x)),
    "tan x": sp.tan(x),
    "log(1+x)/(1+x^2)": sp.log(1 + x) / (1 + x**2),
    "exp(x)cos^2 x": sp.exp(x) * sp.cos(x) ** 2,
}


def _se_poly(res: Any) -> sp.Expr:
    out = sp.sympify(res)
    return out.removeO() if out.has(sp.Order) else out


def univariate(at: sp.Rational, orders: tuple[int, ...]) -> None:
    print(f"\n== univariate Taylor at {at} ==")
    for name, f in UNIVARIATE.items():
        for n in orders:
            ours_poly = taylor(f, x, at=at, order=n).polynomial
            ours = timed(lambda f=f, n=n: taylor(f, x, at=at, order=n).polynomial)
            peers = []
            if se is not None:
                fe = se.sympify(f)

                def raw(fe: Any = fe, n: int = n) -> Any:
                    xe = se.Symbol("x")
                    return se.series(fe, xe, at, n + 1) if at else se.series(fe, xe, 0, n + 1)

                def to_sympy(raw: Callable[[], Any] = raw) -> sp.Expr:
                    p = _se_poly(raw())
                    return sp.expand(p) if at else p

                def check(p: sp.Expr, n: int = n, ours_poly: sp.Expr = ours_poly) -> bool:
                    return same(_truncate(p, at, n), ours_poly)

                peers.append(("symengine raw", in_worker(raw)))
                peers.append(("symengine->SymPy", in_worker(to_sympy, check)))
            report(f"{name} order {n}", ours, peers)


def _truncate(p: sp.Expr, at: sp.Expr, n: int) -> sp.Expr:
    """``p`` as a polynomial in ``h = x - at``, degrees ``<= n`` kept."""
    h = sp.Symbol("h")
    q = sp.Poly(sp.expand(p.xreplace({x: at + h})), h)
    return sp.Add(*[c * (x - at) ** k for (k,), c in q.terms() if k <= n])


# -- multivariate -----------------------------------------------------------------------------

MULTI = sp.exp(x * y) * sp.sin(z) + sp.log(1 + x**2 + y**2)


def _multi_indices(m: int, total: int) -> list[tuple[int, ...]]:
    if m == 1:
        return [(total,)]
    return [(k, *rest) for k in range(total, -1, -1) for rest in _multi_indices(m - 1, total - k)]


def se_taylor(f: sp.Expr, vs: tuple, point: tuple, n: int) -> sp.Expr:
    """``sum D^alpha f(a)/alpha! (x-a)^alpha`` in SymEngine (memoised partials), to SymPy."""
    fe = se.sympify(f)
    ves = [se.Symbol(v.name) for v in vs]
    at = {v: se.sympify(a) for v, a in zip(ves, point)}
    derivs = {(0,) * len(vs): fe}
    terms = []
    for total in range(n + 1):
        for alpha in _multi_indices(len(vs), total):
            if alpha not in derivs:
                i = next(k for k, e in enumerate(alpha) if e)
                lower = alpha[:i] + (alpha[i] - 1,) + alpha[i + 1:]
                derivs[alpha] = derivs[lower].diff(ves[i])
            c = derivs[alpha].subs(at)
            if c != 0:
                fac = math.prod(math.factorial(k) for k in alpha)
                terms.append((sp.sympify(c) / fac, alpha))
    return sp.Add(*[c * sp.Mul(*[(v - a) ** k for v, a, k in zip(vs, point, alpha)])
                    for c, alpha in terms])


def multivariate(orders: tuple[int, ...]) -> None:
    print("\n== multivariate exp(x*y)*sin(z) + log(1+x^2+y^2) ==")
    for point in ((0, 0, 0), (1, sp.Rational(1, 2), sp.Rational(1, 3))):
        pt = tuple(map(sp.sympify, point))
        for n in orders:
            ours_poly = taylor(MULTI, (x, y, z), at=pt, order=n).polynomial
            ours = timed(lambda n=n, pt=pt: taylor(MULTI, (x, y, z), at=pt, order=n).polynomial)
            peers = []
            if se is not None:
                peers.append(("symengine->SymPy", in_worker(
                    lambda n=n, pt=pt: se_taylor(MULTI, (x, y, z), pt, n),
                    lambda p, op=ours_poly: same(p, op))))
            report(f"at {point} order {n}", ours, peers)


# -- Hessians ---------------------------------------------------------------------------------


def rosenbrock(n: int, chained: bool) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    xs = sp.symbols(f"x0:{n}")
    pairs = [(i, i + 1) for i in range(n - 1)] if chained else [(2 * i, 2 * i + 1)
                                                                 for i in range(n // 2)]
    return sp.Add(*[100 * (xs[j] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i, j in pairs]), xs


def logistic(samples: int, d: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    rng = random.Random(17)
    ws = sp.symbols(f"w0:{d}")
    terms = []
    for _ in range(samples):
        a = [sp.Rational(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(d)]
        label = rng.choice([-1, 1])
        terms.append(sp.log(1 + sp.exp(-label * sp.Add(*[c * w for c, w in zip(a, ws)]))))
    return sp.Add(*terms), ws


def se_hessian(f: sp.Expr, xs: tuple[sp.Symbol, ...]) -> sp.Matrix:
    """SymEngine term by term: each term's small Hessian in its own variables, summed, then
    converted to a SymPy Matrix."""
    fe = se.sympify(f)
    index = {se.Symbol(v.name): i for i, v in enumerate(xs)}
    acc: dict[tuple[int, int], Any] = {}
    for term in fe.args if isinstance(fe, se.Add) else (fe,):
        mine = sorted((s for s in term.free_symbols if s in index), key=index.__getitem__)
        firsts = [term.diff(s) for s in mine]
        for a, da in enumerate(firsts):
            for b in range(a, len(mine)):
                e = da.diff(mine[b])
                if e != 0:
                    key = (index[mine[a]], index[mine[b]])
                    acc[key] = acc[key] + e if key in acc else e
    data = {}
    for (i, j), e in acc.items():
        v = sp.sympify(e)
        data[(i, j)] = data[(j, i)] = v
    return sp.Matrix(sp.SparseMatrix(len(xs), len(xs), data))


def casadi_hessian(f: sp.Expr, xs: tuple[sp.Symbol, ...]) -> tuple[Callable[[], Any], Any]:
    """The prebuilt SX expression and a function timing ``casadi.hessian`` on it."""
    X = ca.SX.sym("x", len(xs))
    env = {v.name: X[i] for i, v in enumerate(xs)}
    g = sp.lambdify(xs, f, modules=[{"exp": ca.exp, "log": ca.log}, "math"])
    expr = g(*[env[v.name] for v in xs])

    def run() -> Any:
        return ca.hessian(expr, X)[0]

    return run, X


def casadi_check(run: Callable[[], Any], X: Any, ours: sp.Matrix,
                 xs: tuple[sp.Symbol, ...]) -> bool:
    rng = random.Random(1)
    pt = [rng.uniform(-1, 1) for _ in xs]
    H = ca.Function("H", [X], [run()])(pt).full()
    at = dict(zip(xs, pt))
    for (i, j), e in ours.todok().items():
        if abs(float(e.xreplace(at)) - H[i, j]) > 1e-12 * max(1.0, abs(H[i, j])):
            return False
    return int((abs(H) > 0).sum()) <= len(ours.todok())


def hessians(sizes: tuple[int, ...]) -> None:
    print("\n== Hessians ==")
    cases = [(f"Rosenbrock {'chained' if ch else 'pairs'} n={n}", *rosenbrock(n, ch))
             for n in sizes for ch in (False, True)]
    cases.append(("logistic loss N=50 d=20", *logistic(50, 20)))
    for label, f, xs in cases:
        ours_h = hessian(f, xs)
        ours = timed(lambda f=f, xs=xs: hessian(f, xs))
        peers = []
        if ca is not None:
            run, X = casadi_hessian(f, xs)
            ok = casadi_check(run, X, ours_h, xs)
            t = median_time(run, REPEATS)
            peers.append(("casadi SX", ("ok", t, ok)))
        if se is not None:
            peers.append(("symengine->SymPy", in_worker(
                lambda f=f, xs=xs: se_hessian(f, xs),
                lambda h, oh=ours_h: all(sp.expand(a - b) == 0 for a, b in zip(h, oh)))))
        report(label, ours, peers)


def main() -> None:
    print(f"symengine: {getattr(se, '__version__', 'not installed')}, "
          f"casadi: {getattr(ca, '__version__', 'not installed')}, repeats {REPEATS}")
    orders = (10, 20) if QUICK else (10, 20, 40)
    univariate(sp.Integer(0), orders)
    univariate(sp.Rational(1, 3), orders)
    multivariate((2, 4) if QUICK else (2, 4, 6))
    hessians((60, 200) if QUICK else (60, 200, 1000))


if __name__ == "__main__":
    main()
