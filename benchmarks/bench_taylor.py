"""Benchmark: symtaylor.taylor vs SymPy's ``series`` and vs the naive sum of partial derivatives.

Run: ``python benchmarks/bench_taylor.py`` (``--quick``: fewer repeats, tighter caps).

* Univariate: ``exp(sin(x))``, ``tan(x)``, ``log(1+x)/(1+x**2)``, ``exp(x)*cos(x)**2`` at 0, orders
  10, 20, 40, against ``sympy.series(f, x, 0, n + 1)``.
* Order 200: ``atan``, ``asin``, ``exp(sin(x))``, ``tan`` at 0 against differentiating ``f``
  200 times and against ``sympy.series``.
* Multivariate: ``exp(x*y)*sin(z) + log(1+x**2+y**2)`` at (1, 1/2, 1/3), orders 2..8, and the
  extended Rosenbrock function (6 and 12 variables, order 4), against the naive route
  ``sum_{|alpha| <= n} D^alpha f(a)/alpha! (x - a)^alpha`` (each partial derivative obtained by
  differentiating an already computed lower one, i.e. the naive route with memoised derivatives).

Every timing starts from cold caches (SymPy's and symtaylor's). Anchors that exceed the cap run
in a forked worker that is stopped and reported as ``> cap s``. Results are checked against each
other (the polynomials agree exactly) before they are timed. Prints medians and RATIOS
(anchor time / symtaylor time; > 1 means symtaylor is faster).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import sys
import time
from collections.abc import Callable
from typing import Any

import sympy as sp
from _timing import median_time
from sympy.core.cache import clear_cache

from symtaylor import taylor
from symtaylor.series.kernel import _multi_indices
from symtaylor.series.rules import _derivative_table

x, y, z = sp.symbols("x y z")


def cold() -> None:
    clear_cache()
    _derivative_table.cache_clear()  # the derivative tables and their interval programs


def timed(fn: Callable[[], Any], repeats: int) -> float:
    """Median over ``repeats`` runs, each from cold caches."""
    return median_time(fn, repeats, reset=cold)


def _worker(conn: Any, fn: Callable[[], Any], repeats: int) -> None:
    conn.send(timed(fn, repeats))
    conn.close()


def capped(fn: Callable[[], Any], repeats: int, cap: float) -> float:
    """Median time of ``fn`` in a forked worker; ``inf`` if the first run alone exceeds ``cap``
    (later runs get ``cap`` seconds each)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(child, fn, repeats), daemon=True)
    proc.start()
    if parent.poll(cap + (repeats - 1) * max(cap, 1.0)):
        out = parent.recv()
        proc.join()
        return out
    proc.terminate()
    proc.join()
    return math.inf


def naive_taylor(f: sp.Expr, vs: tuple, point: tuple, n: int) -> sp.Expr:
    """``sum D^alpha f(a)/alpha! (x-a)^alpha``, |alpha| <= n, memoised partial derivatives."""
    at = dict(zip(vs, point))
    derivs: dict[tuple, sp.Expr] = {(0,) * len(vs): f}
    terms = []
    for total in range(n + 1):
        for alpha in _multi_indices(len(vs), total):
            if alpha not in derivs:
                i = next(k for k, e in enumerate(alpha) if e)
                lower = alpha[:i] + (alpha[i] - 1,) + alpha[i + 1:]
                derivs[alpha] = sp.diff(derivs[lower], vs[i])
            d = derivs[alpha]
            if d == 0:
                continue
            c = d.subs(at) / math.prod(math.factorial(k) for k in alpha)
            terms.append(c * sp.Mul(*[(v - a) ** k for v, a, k in zip(vs, point, alpha)]))
    return sp.Add(*terms)


def fmt(t: float) -> str:
    return f"{t:.4f}" if t < 10 else f"{t:.1f}"


def ratio(theirs: float, ours: float, cap: float) -> str:
    if math.isinf(theirs):
        return f"> {cap / ours:.0f}x"
    return f"{theirs / ours:.1f}x"


def bench_univariate(quick: bool) -> list[tuple[str, int, float]]:
    cap = 5.0 if quick else 10.0
    reps = 3 if quick else 5
    print("Univariate at 0: symtaylor.taylor vs sympy.series (median s; ratio = series / ours)")
    print(f"{'f':>20} {'n':>4} {'symtaylor':>10} {'series':>10} {'ratio':>9}")
    out = []
    for text in ("exp(sin(x))", "tan(x)", "log(1+x)/(1+x**2)", "exp(x)*cos(x)**2"):
        f = sp.sympify(text)
        hopeless = False
        for n in (10, 20, 40):
            ours = timed(lambda f=f, n=n: taylor(f, [x], at=0, order=n).polynomial, reps)
            if n == 10:  # the two routes agree exactly
                s = sp.series(f, x, 0, n + 1).removeO()
                assert sp.expand(s - taylor(f, [x], at=0, order=n).polynomial) == 0, text
            # series beyond the cap at order n is beyond it at higher orders too
            theirs = math.inf if hopeless else capped(
                lambda f=f, n=n: sp.series(f, x, 0, n + 1), 3 if n == 10 else 1, cap)
            hopeless = math.isinf(theirs)
            shown = f"> {cap:.0f}" if hopeless else fmt(theirs)
            print(f"{text:>20} {n:>4} {fmt(ours):>10} {shown:>10} {ratio(theirs, ours, cap):>9}",
                  flush=True)
            out.append((text, n, theirs / ours))
    return out


def bench_long(quick: bool) -> list[tuple[str, int, float]]:
    """Order 200 (issue 16: atan took 27 s by repeated differentiation): symtaylor against the
    derivative table (``F^(k)(0)/k!`` by differentiating ``F`` 200 times, the former route of
    atan) and against ``sympy.series``."""
    cap = 10.0 if quick else 60.0
    n = 200
    print(f"\nOrder {n} at 0: symtaylor vs differentiating 200 times / sympy.series (median s)")
    print(f"{'f':>20} {'symtaylor':>10} {'diff x200':>10} {'ratio':>9} {'series':>10} "
          f"{'ratio':>9}")
    out = []
    for text in ("atan(x)", "asin(x)", "exp(sin(x))", "tan(x)"):
        f = sp.sympify(text)
        ours = timed(lambda f=f: taylor(f, [x], at=0, order=n).polynomial, 3)

        def by_diff(f: sp.Expr = f) -> sp.Expr:
            d, terms = f, []
            for k in range(n + 1):
                terms.append(d.subs(x, 0) / math.factorial(k) * x**k)
                d = sp.diff(d, x)
            return sp.Add(*terms)

        anchor = capped(by_diff, 1, cap)
        theirs = capped(lambda f=f: sp.series(f, x, 0, n + 1), 1, cap)
        shown = [f"> {cap:.0f}" if math.isinf(v) else fmt(v) for v in (anchor, theirs)]
        print(f"{text:>20} {fmt(ours):>10} {shown[0]:>10} {ratio(anchor, ours, cap):>9} "
              f"{shown[1]:>10} {ratio(theirs, ours, cap):>9}", flush=True)
        out.append((text, n, anchor / ours))
    return out


def bench_multivariate(quick: bool) -> list[tuple[str, int, float]]:
    cap = 10.0 if quick else 30.0
    reps = 3
    f = sp.exp(x * y) * sp.sin(z) + sp.log(1 + x**2 + y**2)
    vs = (x, y, z)
    pt = (sp.Integer(1), sp.Rational(1, 2), sp.Rational(1, 3))
    print("\nMultivariate: exp(x*y)*sin(z) + log(1+x**2+y**2) at (1, 1/2, 1/3)")
    print(f"{'case':>22} {'n':>4} {'symtaylor':>10} {'naive':>10} {'ratio':>9}")
    out = []
    for n in range(2, 9):
        ours = timed(lambda n=n: taylor(f, vs, at=pt, order=n).polynomial, reps)
        if n <= 4:
            diff = sp.expand(taylor(f, vs, at=pt, order=n).polynomial - naive_taylor(f, vs, pt, n))
            assert diff == 0 or abs(sp.N(diff.subs({x: 1.1, y: 0.4, z: 0.2}), 40)) < 1e-30, n
        theirs = capped(lambda n=n: naive_taylor(f, vs, pt, n), 1 if n >= 6 else reps, cap)
        shown = f"> {cap:.0f}" if math.isinf(theirs) else fmt(theirs)
        print(f"{'exp(xy)sin(z)+log(..)':>22} {n:>4} {fmt(ours):>10} {shown:>10} "
              f"{ratio(theirs, ours, cap):>9}", flush=True)
        out.append(("3 variables", n, theirs / ours))
    for m in (6, 12):
        v = sp.symbols(f"x1:{m + 1}")
        rosen = sum(100 * (v[2 * i + 1] - v[2 * i] ** 2) ** 2 + (1 - v[2 * i]) ** 2
                    for i in range(m // 2))
        p = (sp.Rational(-6, 5), sp.Integer(1)) * (m // 2)
        for n in (2, 4):
            poly = taylor(rosen, v, at=p, order=n).polynomial
            assert sp.expand(poly - naive_taylor(rosen, v, p, n)) == 0
            ours = timed(lambda n=n, v=v, r=rosen, p=p: taylor(r, v, at=p, order=n).polynomial,
                         reps)
            theirs = capped(lambda n=n, v=v, r=rosen, p=p: naive_taylor(r, v, p, n), reps, cap)
            shown = f"> {cap:.0f}" if math.isinf(theirs) else fmt(theirs)
            label = f"Rosenbrock m={m}"
            print(f"{label:>22} {n:>4} {fmt(ours):>10} {shown:>10} {ratio(theirs, ours, cap):>9}",
                  flush=True)
            out.append((label, n, theirs / ours))
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    t0 = time.perf_counter()
    uni = bench_univariate(quick)
    multi = bench_multivariate(quick)
    long = bench_long(quick)
    print("\nTargets")
    r6 = next(r for lab, n, r in multi if lab == "3 variables" and n == 6)
    print(f"  3 variables, order 6: {r6:.1f}x faster than naive (target >= 10x): "
          f"{'MET' if r6 >= 10 else 'MISSED'}")
    r20 = [r for _, n, r in uni if n == 20]
    worst = min(r20)
    print(f"  one variable, order 20: worst ratio vs series {worst:.1f}x (target >= 1x): "
          f"{'MET' if worst >= 1 else 'MISSED'}")
    r200 = min(r for _, _, r in long)
    print(f"  one variable, order 200: worst ratio vs differentiating {r200:.1f}x "
          f"(target >= 10x): {'MET' if r200 >= 10 else 'MISSED'}")
    print(f"(total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
