"""Fuzz campaign for ``symtaylor.parse``: N random inputs, each must parse or raise ParseError
within one second. Prints the counts and the slowest inputs.

Usage: ``python benchmarks/fuzz_parser.py [N] [seed]`` (default 100000 inputs, seed 0).

Inputs are a mix of token soup (Python operators, names, numbers, dunder names, brackets),
mutations of valid expressions and of known injection payloads (characters inserted, deleted,
replaced, spans duplicated), and random Unicode text.
"""

from __future__ import annotations

import random
import signal
import sys
import time
from collections import Counter

import sympy as sp

from symtaylor import ParseError, parse

SEEDS = [
    "x**4 - 2*x**2 + 1/2",
    "exp(-b1*x)/(b2+b3*x)",
    "sin(x)*cos(y) + log(1 + x^2 + y^2)",
    "Piecewise((x, x > 0), (-x, True))",
    "Max(x, y, 1) + atan2(y, x) - sqrt(3)*pi/E",
    "b1*(1-exp(-b2*x))",
    "10*(x2 - x1**2)",
    "chebyshevt(3, 2*x - 1)",
    "factorial(5) + gamma(x)",
    "__import__('os').system('ls')",
    "().__class__.__bases__[0].__subclasses__()",
    "sin.__globals__['__builtins__']",
    "lambda: 9**9**9",
    "[c for c in x]",
    "9**9**9**9",
    "factorial(10**100)",
]

TOKENS = (
    list("xyzab0123456789+-*/^().,_ []{};:'\"=<>!&|%@~\\#$?`\t\n")
    + ["**", "//", "sin", "exp", "log", "sqrt", "Max", "Piecewise", "pi", "E", "e", "1e308"]
    + ["__import__", "__class__", "lambda", "for", "in", "if", "else", "not", "and", "True"]
    + ["9**9", "10**100", "factorial", "(", ")", ",", "0", "1.5", "-", "x1", "theta"]
)


class Hang(Exception):
    pass


def _alarm(signum, frame):  # pragma: no cover - only on hangs
    raise Hang


def _mutate(rng: random.Random, s: str) -> str:
    s = list(s)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        pos = rng.randint(0, len(s))
        if op < 0.3 and s:
            del s[min(pos, len(s) - 1)]
        elif op < 0.6:
            s.insert(pos, rng.choice(TOKENS))
        elif op < 0.8 and s:
            s[min(pos, len(s) - 1)] = rng.choice(TOKENS)
        elif s:
            a = rng.randint(0, len(s) - 1)
            b = rng.randint(a, min(len(s), a + 8))
            s[pos:pos] = s[a:b]
    return "".join(s)


def generate(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.4:
        return "".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 25)))
    if r < 0.85:
        return _mutate(rng, rng.choice(SEEDS))
    return "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 20)))


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    rng = random.Random(seed)
    signal.signal(signal.SIGALRM, _alarm)
    outcomes: Counter[str] = Counter()
    slowest: list[tuple[float, str]] = []
    failures: list[tuple[str, str]] = []
    start = time.perf_counter()
    for _ in range(n):
        text = generate(rng)
        t0 = time.perf_counter()
        signal.alarm(2)
        try:
            result = parse(text)
            outcomes["parsed"] += 1
            if not isinstance(result, sp.Expr):
                failures.append((text, f"returned {type(result).__name__}"))
        except ParseError:
            outcomes["ParseError"] += 1
        except Hang:
            outcomes["HANG"] += 1
            failures.append((text, "took more than 2 s"))
        except Exception as exc:  # anything else is a defect
            outcomes["OTHER"] += 1
            failures.append((text, f"{type(exc).__name__}: {exc}"))
        finally:
            signal.alarm(0)
        dt = time.perf_counter() - t0
        if dt > 1.0:
            failures.append((text, f"slow: {dt:.2f} s"))
        slowest.append((dt, text))
        if len(slowest) > 200:
            slowest = sorted(slowest, reverse=True)[:5]
    total = time.perf_counter() - start
    print(f"fuzz_parser: {n} inputs (seed {seed}) in {total:.1f} s")
    for key in ("parsed", "ParseError", "OTHER", "HANG"):
        print(f"  {key:>10}: {outcomes[key]}")
    print(
        "  slowest:", ", ".join(f"{dt * 1e3:.1f} ms" for dt, _ in sorted(slowest, reverse=True)[:5])
    )
    for text, why in failures[:20]:
        print(f"  FAIL {why}: {text!r}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
