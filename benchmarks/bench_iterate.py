"""Benchmark: ``symtaylor.iterate`` on a compiled Newton update vs a hand-written NumPy loop.

Run: ``python benchmarks/bench_iterate.py [--repeats N]`` (default 31).

Each problem's Newton step is derived exactly and compiled once (``Step.compile()``, not
timed); the timed call is ``iterate(compiled, x0, history=False)``: input checks, the loop, and
the end checks (gradient, Hessian, eigenvalues, flat-direction probes) that make its status
honest. The anchor, in the same run, is the loop one writes by hand from the seed text:
hand-derived NumPy gradient and Hessian, ``x -= np.linalg.solve(H, g)``, stopped when the
step is below ``1e-12 (1 + ||x||)`` (no end checks). A third column runs the hand loop on the
COMPILED update (``x = u(x)``), which isolates the generated code from the loop. Both loops
reach the same point (checked) in the iterations printed.

A last row times a long run (gradient descent, lr = 0.01, ~300 iterations) per iteration.

Prints the median time of each and the RATIO iterate / hand loop (< 1: iterate is faster).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_time

from symtaylor import gradient_step, iterate, newton_step


def _double_well() -> tuple:
    def grad(x: np.ndarray) -> np.ndarray:
        return np.array([4 * x[0] ** 3 - 4 * x[0]])

    def hess(x: np.ndarray) -> np.ndarray:
        return np.array([[12 * x[0] ** 2 - 4]])

    return "double well 1-D", "x**4 - 2*x**2 + 1/2", "x", np.array([2.0]), grad, hess


def _rosenbrock4() -> tuple:
    def grad(x: np.ndarray) -> np.ndarray:
        g = np.zeros(4)
        for i in (0, 2):
            a, b = x[i], x[i + 1]
            g[i] = -2 * (1 - a) - 400 * a * (b - a * a)
            g[i + 1] = 200 * (b - a * a)
        return g

    def hess(x: np.ndarray) -> np.ndarray:
        h = np.zeros((4, 4))
        for i in (0, 2):
            a, b = x[i], x[i + 1]
            h[i, i] = 2 - 400 * (b - a * a) + 800 * a * a
            h[i, i + 1] = h[i + 1, i] = -400 * a
            h[i + 1, i + 1] = 200
        return h

    f = "(1 - x1)**2 + 100*(x2 - x1**2)**2 + (1 - x3)**2 + 100*(x4 - x3**2)**2"
    return "Rosenbrock pairs n=4", f, "x1 x2 x3 x4", np.array([-1.2, 1.0, -1.2, 1.0]), grad, \
        hess


def _exp_quadratic() -> tuple:
    def grad(x: np.ndarray) -> np.ndarray:
        e = np.exp(x[0] + x[1])
        return np.array([e + 2 * x[0], e + 6 * x[1]])

    def hess(x: np.ndarray) -> np.ndarray:
        e = np.exp(x[0] + x[1])
        return np.array([[e + 2, e], [e, e + 6]])

    return "exp(x+y) + x^2 + 3y^2", "exp(x + y) + x**2 + 3*y**2", "x y", np.array([1.0, 1.0]), \
        grad, hess


def hand_newton(grad, hess, x0: np.ndarray, max_iter: int = 1000) -> tuple[np.ndarray, int]:
    x = x0.copy()
    for k in range(1, max_iter + 1):
        step = np.linalg.solve(hess(x), -grad(x))
        x = x + step
        if np.linalg.norm(step) <= 1e-12 * (1 + np.linalg.norm(x)):
            return x, k
    return x, max_iter


def hand_loop_on(update, x0: np.ndarray, max_iter: int = 1000) -> tuple[np.ndarray, int]:
    x = x0.copy()
    for k in range(1, max_iter + 1):
        xn = update(x)
        s = np.linalg.norm(xn - x)
        x = xn
        if s <= 1e-12 * (1 + np.linalg.norm(x)):
            return x, k
    return x, max_iter


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=31)
    args = ap.parse_args()
    ratios, compiled_ratios = [], []
    print(f"{'problem':24s} {'nit it/hand':>11s} {'iterate':>10s} {'hand loop':>10s} "
          f"{'hand(u)':>10s} {'ratio':>7s}")
    for make in (_double_well, _rosenbrock4, _exp_quadratic):
        name, f, xs, x0, grad, hess = make()
        cu = newton_step(f, xs).compile()
        step = cu.bound({})[0]
        r = iterate(cu, x0, history=False)
        xh, kh = hand_newton(grad, hess, x0)
        assert r.success and np.allclose(r.x, xh, rtol=1e-10, atol=1e-10), (name, r, xh)
        t_it = median_time(lambda cu=cu, x0=x0: iterate(cu, x0, history=False), args.repeats)
        t_hand = median_time(lambda g=grad, h=hess, x0=x0: hand_newton(g, h, x0), args.repeats)
        t_u = median_time(lambda s=step, x0=x0: hand_loop_on(s, x0), args.repeats)
        ratios.append(t_it / t_hand)
        compiled_ratios.append(t_u / t_hand)
        print(f"{name:24s} {r.nit:5d}/{kh:<5d} {t_it * 1e6:8.1f}us {t_hand * 1e6:8.1f}us "
              f"{t_u * 1e6:8.1f}us {t_it / t_hand:7.2f}")
    # a long run: gradient descent (lr = 0.01) on the double well, ~300 iterations; per
    # iteration, since the stopping rules differ (estimated distance vs step length)
    cu = gradient_step("x**4 - 2*x**2 + 1/2", "x").compile()
    r = iterate(cu, np.array([2.0]), params={"lr": 0.01}, history=False)

    def hand_gd() -> tuple[np.ndarray, int]:
        x = np.array([2.0])
        for k in range(1, 10_001):
            step = -0.01 * np.array([4 * x[0] ** 3 - 4 * x[0]])
            x = x + step
            if np.linalg.norm(step) <= 1e-12 * (1 + np.linalg.norm(x)):
                return x, k
        return x, 10_000

    xg, kg = hand_gd()
    assert r.success and abs(r.x[0] - xg[0]) < 1e-9
    t_it = median_time(lambda: iterate(cu, np.array([2.0]), params={"lr": 0.01},
                                       history=False), args.repeats)
    t_hand = median_time(hand_gd, args.repeats)
    per = (t_it / r.nit) / (t_hand / kg)
    print(f"{'GD lr=0.01 double well':24s} {r.nit:5d}/{kg:<5d} {t_it * 1e6:8.1f}us "
          f"{t_hand * 1e6:8.1f}us {'':>10s} {per:7.2f} (per iteration)")
    print(f"RATIO iterate / hand-written NumPy loop (median over the Newton problems): "
          f"{statistics.median(ratios):.2f}; per iteration on the long gradient run: {per:.2f}")
    print(f"RATIO hand loop on the compiled update / hand-written loop (median): "
          f"{statistics.median(compiled_ratios):.2f}")


if __name__ == "__main__":
    main()
