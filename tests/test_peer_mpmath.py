"""Agreement with mpmath's own differentiation tests (issue 16), read mechanically.

``mpmath/tests/test_diff.py`` of the installed mpmath is parsed with ``ast``; every
``diff(f, x0, n)`` (also partial: ``diff(f, (x0, y0, z0), (i, j, k))``), ``diffs(f, x0, n)``
and ``taylor(f, x0, n)`` call becomes a ``symtaylor.taylor`` expansion at the same point whose
coefficients, times the factorials, are the derivatives. The function text is evaluated here,
in the test, with mpmath's names bound to SymPy's functions (trusted peer text, never in
symtaylor). Truth: SymPy's exact derivative at the point, at 40 digits; where f is not
analytic at the point (``abs`` at 0) symtaylor must refuse with a symtaylor error.
"""

from __future__ import annotations

import ast
import itertools
import math
import os
from collections import Counter
from typing import Any

import mpmath
import sympy as sp

import symtaylor
from symtaylor.errors import SymTaylorError

FILE = os.path.join(os.path.dirname(mpmath.__file__), "tests", "test_diff.py")


def _namespace() -> dict[str, Any]:
    return {"sin": sp.sin, "cos": sp.cos, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt,
            "abs": sp.Abs, "e": sp.E, "pi": sp.pi, "j": sp.I, "tan": sp.tan, "atan": sp.atan,
            "__builtins__": {}}


def _exact(v: Any) -> Any:
    if isinstance(v, tuple):
        return tuple(_exact(a) for a in v)
    return sp.Rational(v) if isinstance(v, float) else sp.sympify(v)


def cases() -> list[tuple[str, sp.Expr, tuple, tuple[sp.Symbol, ...], list[tuple[int, ...]]]]:
    """``(where, f, point, variables, multi-indices)`` for every call in the file."""
    src = open(FILE, encoding="utf-8").read()
    out = []
    for fn in ast.parse(src).body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        ns = _namespace()
        for stmt in fn.body:
            if isinstance(stmt, ast.Assign):
                try:
                    exec(compile(ast.Module([stmt], []), FILE, "exec"), ns)  # peer text
                except Exception:
                    pass
        for node in ast.walk(fn):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("diff", "diffs", "taylor") and len(node.args) >= 2):
                continue
            kw = {k.arg: k.value for k in node.keywords}
            if "direction" in kw and "j" in ast.unparse(kw["direction"]):
                continue  # a complex direction
            try:
                f = eval(ast.unparse(node.args[0]), ns)
                x0 = _exact(eval(ast.unparse(node.args[1]), ns))
                nn = node.args[2] if len(node.args) > 2 else kw.get("n", ast.Constant(1))
                n = eval(ast.unparse(nn), ns)
            except Exception:
                continue
            point = x0 if isinstance(x0, tuple) else (x0,)
            syms = sp.symbols(f"v0:{len(point)}")
            expr = f(*syms)
            if node.func.id == "diff":
                idx = [tuple(n) if isinstance(n, tuple) else (int(n),)]
            else:  # diffs / taylor: every order up to n
                idx = [(k,) for k in range(int(n) + 1)]
            out.append((f"{fn.name}:{node.lineno}", expr, point, syms, idx))
    return out


def _not_analytic(expr: sp.Expr, sub: dict) -> bool:
    return any(a.args[0].xreplace(sub) == 0 for a in expr.atoms(sp.Abs))


def judge(expr: sp.Expr, point: tuple, syms: tuple, idx: list[tuple[int, ...]]) -> str:
    sub = dict(zip(syms, point))
    order = max(sum(i) for i in idx)
    try:
        p = symtaylor.taylor(expr, list(syms), at=point, order=max(order, 1)).polynomial
    except SymTaylorError:
        return "refused" if _not_analytic(expr, sub) else "refused-analytic"
    except Exception:
        return "crash"
    if _not_analytic(expr, sub):
        return "wrong"
    us = sp.symbols(f"u0:{len(syms)}")
    poly = sp.Poly(sp.expand(p.xreplace({s: u + a for s, u, a in zip(syms, us, point)})), *us)
    for i in idx:
        got = poly.coeff_monomial(sp.Mul(*[u**k for u, k in zip(us, i)])) * \
            math.prod(math.factorial(k) for k in i)
        truth = sp.diff(expr, *itertools.chain.from_iterable(
            [(s, k)] for s, k in zip(syms, i) if k)).xreplace(sub) if sum(i) else \
            expr.xreplace(sub)
        if abs(sp.N(got - truth, 40)) > 10**-30 * (1 + abs(sp.N(truth, 40))):
            return "wrong"
    return "agree"


def run() -> Counter:
    return Counter(judge(*c[1:]) for c in cases())


def test_mpmath_diff_suite() -> None:
    all_cases = cases()
    assert len(all_cases) >= 30
    verdicts = {c[0]: judge(*c[1:]) for c in all_cases}
    counts = Counter(verdicts.values())
    bad = {k: v for k, v in verdicts.items() if v in ("wrong", "crash", "refused-analytic")}
    assert not bad, bad
    assert counts["refused"] >= 2  # abs at 0, both one-sided calls
