"""Full run of the peer-suite agreement checks (issue 16); the tests run a fixed sample.

    python benchmarks/peer_suites.py

Prints, per suite, the counts of agree / refused / refused-analytic (SymPy's series is a
one-sided or formal polynomial, f is not analytic there: floor, frac, Abs, ...) / wrong /
crash / timeout / skip (SymPy itself fails on the case), and lists every wrong, crash and
timeout.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import test_peer_lambdify
import test_peer_mpmath
import test_peer_sympy


def main() -> None:
    t0 = time.perf_counter()
    results = test_peer_sympy.run()
    counts = Counter(v for _, v, _ in results)
    print(f"SymPy series suites ({len(results)} cases, {time.perf_counter() - t0:.1f} s):")
    for k in ("agree", "refused", "refused-analytic", "wrong", "crash", "timeout", "skip"):
        print(f"  {k:17s} {counts[k]}")
    for c, v, d in results:
        if v in ("wrong", "crash", "timeout"):
            print(f"  {v}: {c}\n      {d}")
    t0 = time.perf_counter()
    counts = test_peer_mpmath.run()
    print(f"mpmath test_diff ({sum(counts.values())} cases, {time.perf_counter() - t0:.1f} s):")
    for k in ("agree", "refused", "refused-analytic", "wrong", "crash"):
        print(f"  {k:17s} {counts[k]}")
    t0 = time.perf_counter()
    lam = test_peer_lambdify.run()
    counts = Counter(v for _, v, _ in lam)
    print(f"SymPy test_lambdify, NumPy cases ({len(lam)}, {time.perf_counter() - t0:.1f} s):")
    for k in ("agree", "refused", "wrong", "crash"):
        print(f"  {k:17s} {counts[k]}")
    for c, v, d in lam:
        if v in ("wrong", "crash"):
            print(f"  {v}: {c}\n      {d}")


if __name__ == "__main__":
    main()
