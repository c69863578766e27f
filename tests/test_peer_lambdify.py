"""Agreement with SymPy's own lambdify tests (issue 16), read mechanically.

``sympy/utilities/tests/test_lambdify.py`` of the installed SymPy is parsed with ``ast``; each
``lambdify(args, expr)`` call whose arguments evaluate (SymPy's namespace, in this test: trusted
peer text, never in symtaylor) to symbols and a real scalar expression, and whose modules are
the default or NumPy, becomes ``symtaylor.compile_numpy(expr, args)``, evaluated at fixed
points in (0.1, 0.9) and compared with SymPy's own value of ``expr`` there at 30 digits. A
symtaylor error is a refusal; anything else raised, or a value off by more than 1e-9
(relative), is a crash or a wrong answer. The test runs a fixed sample; the script
``benchmarks/peer_suites.py`` runs all.
"""

from __future__ import annotations

import ast
import os
import random
from collections import Counter
from typing import Any

import numpy as np
import sympy as sp
from peer_text import function_scopes

import symtaylor
from symtaylor.errors import SymTaylorError

FILE = os.path.join(os.path.dirname(sp.__file__), "utilities", "tests", "test_lambdify.py")
POINTS = (0.3, 0.7, 0.45)


def _namespace() -> dict[str, Any]:
    ns: dict[str, Any] = {}
    exec("from sympy import *", ns)  # trusted: SymPy's names, in the test
    for name in "x y z a b c t w".split():
        ns[name] = sp.Symbol(name)
    return ns


def cases() -> list[tuple[str, sp.Expr, tuple[sp.Symbol, ...]]]:
    out, seen = [], set()
    for fn, ns, _ in function_scopes(FILE, _namespace(), (ast.Assign,)):
        for node in ast.walk(fn):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "lambdify" and len(node.args) >= 2):
                continue
            mods = [ast.unparse(k.value) for k in node.keywords if k.arg == "modules"]
            mods += [ast.unparse(a) for a in node.args[2:3]]
            if mods and not all("numpy" in m for m in mods):
                continue
            try:
                args = eval(ast.unparse(node.args[0]), ns)  # peer text
                expr = eval(ast.unparse(node.args[1]), ns)
            except Exception:
                continue
            syms = (args,) if isinstance(args, sp.Symbol) else tuple(args) \
                if isinstance(args, (list, tuple)) else None
            if not syms or not all(isinstance(s, sp.Symbol) for s in syms):
                continue
            if not isinstance(expr, sp.Expr) or expr.free_symbols - set(syms) or \
                    expr.has(sp.I) or expr.atoms(sp.core.function.AppliedUndef):
                continue
            key = (str(expr), tuple(map(str, syms)))
            if key in seen:
                continue
            seen.add(key)
            out.append((f"{fn.name}:{node.lineno}", expr, syms))
    return out


def judge(expr: sp.Expr, syms: tuple[sp.Symbol, ...]) -> tuple[str, str]:
    pts = [[POINTS[(i + k) % 3] for i in range(len(syms))] for k in range(3)]
    truths = []
    for p in pts:
        try:
            truths.append(complex(sp.N(expr.subs(dict(zip(syms, p))), 30)))
        except (TypeError, ValueError):  # no numeric value at the point (SymPy's own view)
            truths.append(None)
    try:
        f = symtaylor.compile_numpy(expr, list(syms))
        got = [complex(np.asarray(f(np.array(p, dtype=float))).ravel()[0]) for p in pts]
    except SymTaylorError as exc:
        return "refused", str(exc)[:100]
    except Exception as exc:
        return "crash", f"{type(exc).__name__}: {exc}"[:200]
    for g, t in zip(got, truths):
        if t is None or not np.isfinite(t):
            continue
        if abs(t.imag) > 1e-12:  # complex at the point: symtaylor works over the reals
            continue
        if not abs(g - t) <= 1e-9 * (1 + abs(t)):
            return "wrong", f"got {g}, SymPy {t}"
    return "agree", ""


def run(sample: int | None = None, seed: int = 16) -> list[tuple[str, str, str]]:
    cs = cases()
    if sample is not None and sample < len(cs):
        cs = random.Random(seed).sample(cs, sample)
    return [(f"{w}: compile_numpy({e}, {list(s)})", *judge(e, s)) for w, e, s in cs]


def test_lambdify_suite_sample() -> None:
    results = run()  # all of them: ~2 s
    counts = Counter(v for _, v, _ in results)
    assert counts["agree"] >= 15, counts
    bad = [f"{c} -> {v}: {d}" for c, v, d in results if v in ("wrong", "crash")]
    assert not bad, "\n".join(bad)
