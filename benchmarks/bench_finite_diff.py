"""Benchmark: a 30-step finite-difference error scan with high-precision truth.

For each function, ``fd_error`` derives the stencil and its truncation terms, evaluates the
stencil in float64 for 30 steps, and measures the exact error and the truncation part with
mpmath at 50+ digits. The anchor is the naive route a person would write with SymPy: for each
step, substitute every node into the expression and ``evalf(50)`` it (and the derivative once),
which computes the same numbers. Both run here, in the same process; medians and ratios printed.

Run: ``python benchmarks/bench_finite_diff.py``
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import sympy as sp

from symtaylor.finite_diff import fd_error, stencil

CASES = [
    ("exp(x)", 1),
    ("sin(x)", 1),
    ("log(1+x)", sp.Rational(1, 2)),
    ("x**4 - 3*x**3 + 2", 2),
]
STEPS = [10.0 ** (-k * 10 / 29) for k in range(30)]  # 30 steps, 1 ... 1e-10
REPEAT = 5


def naive(expr_text: str, at: sp.Expr, d: int) -> list[tuple[float, float, float]]:
    """The same scan with SymPy's evalf at each step: (h, error, truncation_error)."""
    x = sp.Symbol("x")
    f = sp.sympify(expr_text)  # benchmark's own constant text, not user input
    st = stencil(d, "central")
    x0 = sp.Rational(float(at))
    truth = sp.diff(f, x, d).subs(x, x0).evalf(50)
    fn = sp.lambdify(x, f, "numpy")
    rows = []
    for hv in STEPS:
        H = sp.Rational(hv)
        exact = sum(w * f.subs(x, x0 + o * H) for o, w in zip(st.offsets, st.weights))
        exact = (exact / H**d).evalf(50)
        approx = sum(float(w) * fn(float(x0) + float(o) * hv)
                     for o, w in sorted(zip(st.offsets, st.weights), key=lambda p: -p[0]))
        approx = approx / hv**d
        rows.append((hv, float(abs(sp.Float(approx, 50) - truth)), float(abs(exact - truth))))
    return rows


def naive_truncation(expr_text: str, at: sp.Expr, d: int, p: int) -> sp.Expr:
    """SymPy's general route to the truncation terms: series of the stencil in h."""
    x, hh = sp.Symbol("x"), sp.Symbol("h")
    f = sp.sympify(expr_text)
    st = stencil(d, "central", p)
    approx = sum(w * f.subs(x, at + o * hh) for o, w in zip(st.offsets, st.weights)) / hh**d
    return sp.series(approx - sp.diff(f, x, d).subs(x, at), hh, 0, p + 3).removeO()


def median_time(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    fd_error("exp(x)", "x", at=1, steps=STEPS[:2])  # import/lambdify warm-up
    print(f"30-step scans, median of {REPEAT} runs (s); naive = SymPy subs + evalf(50) per node")
    print(f"{'function':>20} {'d':>2} | {'fd_error':>9} | {'naive':>8} | {'ratio':>6} | "
          "agree")
    worst = 0.0
    for text, at in CASES:
        for d in (1, 2):
            ours = median_time(lambda text=text, at=at, d=d: fd_error(
                text, "x", at=at, derivative=d, steps=STEPS))
            theirs = median_time(lambda text=text, at=at, d=d: naive(text, at, d), repeat=3)
            r = fd_error(text, "x", at=at, derivative=d, steps=STEPS)
            ref = naive(text, at, d)
            agree = all(
                np.isclose(row.error, e, rtol=1e-9, atol=1e-300)
                and np.isclose(row.truncation_error, t, rtol=1e-6, atol=1e-40)
                for row, (_, e, t) in zip(r.rows, ref)
            )
            worst = max(worst, ours)
            print(f"{text:>20} {d:>2} | {ours:9.4f} | {theirs:8.3f} | {theirs / ours:5.1f}x | "
                  f"{agree}")
    print(f"slowest fd_error scan: {worst:.3f} s (target < 1 s)")
    print()
    print("truncation terms (leading + next) at the point, median (s):")
    print("  ours = whole fd_error (Fornberg moments, derivatives at the point);"
          " SymPy = series of the stencil in h")
    print(f"{'function':>20} {'d':>2} {'p':>2} | {'ours':>8} | {'SymPy':>8} | {'ratio':>7} | agree")
    for text, at in CASES:
        for d, p in ((1, 2), (2, 2), (2, 4)):
            ours = median_time(lambda text=text, at=at, d=d, p=p: fd_error(
                text, "x", at=at, derivative=d, accuracy=p, steps=[1e-3]))
            theirs = median_time(lambda text=text, at=at, d=d, p=p: naive_truncation(
                text, at, d, p), repeat=3)
            r = fd_error(text, "x", at=at, derivative=d, accuracy=p, steps=[1e-3])
            ser = naive_truncation(text, at, d, p)
            agree = sp.simplify(ser - r.truncation_term - r.next_truncation_term) == 0
            print(f"{text:>20} {d:>2} {p:>2} | {ours:8.4f} | {theirs:8.3f} | "
                  f"{theirs / ours:6.1f}x | {agree}")
    print()
    taylor_engine_row()


def taylor_engine_row() -> None:
    """Issue 16: the truncation terms of a high-accuracy stencil on a composite function. The
    anchor is the route fd_error took before (sp.diff to order 12, each derivative at 1/3)."""
    text, at, d, p = "exp(sin(x))/(1 + x**2)", sp.Rational(1, 3), 2, 8
    ours = median_time(lambda: fd_error(text, "x", at=at, derivative=d, accuracy=p,
                                        steps=[1e-3]), repeat=3)
    x = sp.Symbol("x", real=True)

    def by_diff() -> list[sp.Expr]:
        g, out = sp.exp(sp.sin(x)) / (1 + x**2), []
        for _ in range(d + p + 2):
            g = sp.diff(g, x)
            out.append(g.subs(x, at))
        return out

    t = time.perf_counter()
    derivs = by_diff()
    theirs = time.perf_counter() - t
    r = fd_error(text, "x", at=at, derivative=d, accuracy=p, steps=[1e-3])
    c10 = sum(w * o**10 for o, w in zip(r.stencil.offsets, r.stencil.weights)) / sp.factorial(10)
    ours_c = float(r.truncation_term.coeff(sp.Symbol("h"), 8))
    agree = abs(ours_c - float(c10 * derivs[9])) <= 1e-12 * abs(ours_c)
    print(f"{text} d={d} accuracy={p} at 1/3: fd_error {ours:.2f} s (Taylor engine) vs "
          f"sp.diff to order {d + p + 2} {theirs:.1f} s: ratio {ours / theirs:.3f} "
          f"(leading term agrees: {agree})")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["taylor"]:
        taylor_engine_row()
    else:
        main()
