"""Agreement with SymPy's own series tests (issue 16), read mechanically.

The installed SymPy's trusted test files (``sympy/series/tests/test_series.py``,
``test_nseries.py`` and ``sympy/functions/elementary/tests/*``) are parsed with ``ast``; each
``series(e, x, x0, n)`` / ``e.series(x, x0, n)`` call with a real finite point becomes
``symtaylor.taylor(e, x, at=x0, order=n - 1)`` and is judged against SymPy's own series of
the same expression: where SymPy's series is a polynomial in ``x - x0`` (analytic), symtaylor
must agree term by term or refuse with a symtaylor error; where it is not (poles, fractional
powers, logarithms) symtaylor must refuse (a SymTaylorError). Anything else raised is a crash.
The expressions are evaluated here, in the test, from SymPy's own files: never in symtaylor.

The test runs a fixed random sample; ``python benchmarks/peer_suites.py`` runs every case.
"""

from __future__ import annotations

import ast
import os
import random
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sympy as sp
from peer_text import function_scopes

import symtaylor
from symtaylor.errors import SymTaylorError

SYMPY = os.path.dirname(sp.__file__)
FILES = [os.path.join(SYMPY, "series", "tests", "test_series.py"),
         os.path.join(SYMPY, "series", "tests", "test_nseries.py")]
ELEMENTARY = os.path.join(SYMPY, "functions", "elementary", "tests")
FILES += sorted(os.path.join(ELEMENTARY, f) for f in os.listdir(ELEMENTARY)
                if f.startswith("test_") and f.endswith(".py"))
MAX_ORDER = 30


@dataclass(frozen=True)
class Case:
    where: str
    expr: sp.Expr
    x: sp.Symbol
    x0: sp.Expr
    n: int

    def __str__(self) -> str:
        return f"{self.where}: taylor({self.expr}, {self.x}, at={self.x0}, order={self.n - 1})"


def _namespace() -> dict[str, Any]:
    ns: dict[str, Any] = {}
    exec("from sympy import *", ns)  # trusted: SymPy's own names, in the test
    for name in "x y z a b c t w".split():
        ns[name] = sp.Symbol(name)
    return ns


def _series_args(call: ast.Call, src: str) -> tuple[str, list[str], dict[str, str]] | None:
    seg = lambda node: ast.get_source_segment(src, node)  # noqa: E731
    f = call.func
    if isinstance(f, ast.Name) and f.id == "series" and call.args:
        return seg(call.args[0]), [seg(a) for a in call.args[1:]], \
            {k.arg: seg(k.value) for k in call.keywords if k.arg}
    if isinstance(f, ast.Attribute) and f.attr == "series":
        return seg(f.value), [seg(a) for a in call.args], \
            {k.arg: seg(k.value) for k in call.keywords if k.arg}
    return None


def cases() -> Iterator[Case]:
    """Every series call of the files whose arguments evaluate (in SymPy's namespace) to an
    expression, a symbol, a real finite point and an order <= MAX_ORDER."""
    for path in FILES:
        kinds = (ast.Import, ast.ImportFrom, ast.Assign)
        for fn, ns, src in function_scopes(path, _namespace(), kinds):
            for node in ast.walk(fn):
                if not isinstance(node, ast.Call):
                    continue
                parsed = _series_args(node, src)
                if parsed is None:
                    continue
                e_src, args, kw = parsed
                if "dir" in kw or len(args) > 3 or any(a is None for a in args):
                    continue
                try:
                    e = eval(e_src, ns)  # trusted SymPy test text, in the test
                    vals = [eval(a, ns) for a in args]
                    kwv = {k: eval(v, ns) for k, v in kw.items()}
                except Exception:
                    continue
                if not isinstance(e, sp.Expr):
                    continue
                x = vals[0] if vals else kwv.get("x", None)
                if x is None:
                    free = sorted(e.free_symbols, key=str)
                    x = free[0] if len(free) == 1 else None
                x0 = vals[1] if len(vals) > 1 else kwv.get("x0", sp.S.Zero)
                n = vals[2] if len(vals) > 2 else kwv.get("n", 6)
                if not (isinstance(x, sp.Symbol) and isinstance(n, int) and 1 <= n <= MAX_ORDER):
                    continue
                x0 = sp.sympify(x0)
                if not (x0.is_real and x0.is_finite) or (e.has(sp.Function, sp.Derivative) and \
                        any(isinstance(f, sp.core.function.AppliedUndef)
                            for f in e.atoms(sp.Function))):
                    continue
                yield Case(f"{os.path.basename(path)}::{fn.name}:{node.lineno}", e, x, x0, n)


class _Timeout(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise _Timeout


def _truth(c: Case) -> sp.Expr | None:
    """SymPy's series as a polynomial in x - x0, or None if it is not one (not analytic)."""
    s = sp.series(c.expr, c.x, c.x0, c.n).removeO()
    if s.has(sp.Subs):
        s = s.doit()
    u = sp.Dummy("u")
    p = sp.expand(s.subs(c.x, u + c.x0))
    if any(g.has(u) for g in p.atoms(sp.log)) or p.has(sp.Order, sp.zoo, sp.nan, sp.oo):
        return None
    try:
        poly = sp.Poly(p, u)
    except sp.PolynomialError:
        return None
    if any(coef.has(c.x) for coef in poly.coeffs()):
        return None
    return p.subs(u, c.x - c.x0)


def judge(c: Case, seconds: int = 20) -> tuple[str, str]:
    """``(verdict, detail)``: agree / refused / refused-analytic / wrong / crash / skip."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        try:
            truth = _truth(c)
        except Exception as exc:
            return "skip", f"sympy: {type(exc).__name__}"
        try:
            got = symtaylor.taylor(c.expr, [c.x], at=(c.x0,), order=c.n - 1).polynomial
        except SymTaylorError as exc:
            return ("refused-analytic" if truth is not None else "refused"), str(exc)[:120]
        except _Timeout:
            raise
        except Exception as exc:
            return "crash", f"{type(exc).__name__}: {exc}"[:200]
        if truth is None:
            return "wrong", f"symtaylor gave {got} where SymPy's series is not a polynomial"
        diff = sp.expand(got - truth)
        floats = c.expr.has(sp.Float) or c.x0.has(sp.Float)  # SymPy's own 15-digit Floats
        if diff != 0 and floats and not diff.free_symbols - {c.x}:
            # SymPy's own Floats (15 digits): coefficient-wise, relative to the truth's
            scale = 1 + max(abs(float(k)) for k in sp.Poly(sp.expand(truth), c.x).coeffs())
            if max(abs(float(k)) for k in sp.Poly(diff, c.x).coeffs()) < 1e-9 * scale:
                return "agree", "to 9 digits (Float input)"
        if diff != 0:
            others = sorted(diff.free_symbols - {c.x}, key=str)
            fill = {s: sp.Rational(3 + 2 * i, 5 + 3 * i) for i, s in enumerate(others)}
            pts = [c.x0 + sp.Rational(1, 7), c.x0 - sp.Rational(1, 11)]
            vals = [abs(sp.N(diff.subs(fill).subs(c.x, p).doit(), 40)) for p in pts]
            tol = 10**-10 if floats else 10**-25
            if any(v > tol for v in vals):
                return "wrong", f"symtaylor {got} vs sympy {truth}"
        return "agree", ""
    except _Timeout:
        return "timeout", ""
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run(sample: int | None = None, seed: int = 16) -> list[tuple[Case, str, str]]:
    all_cases = list(cases())
    if sample is not None and sample < len(all_cases):
        all_cases = random.Random(seed).sample(all_cases, sample)
    return [(c, *judge(c)) for c in all_cases]


#: wrong answers in code this file's author does not own (symtaylor/series, taylor.py):
#: listed, expected to fail until fixed there
#: cases the engine is known to get wrong (case -> why), left out of the sample's verdict;
#: empty since the Integral limit crash of test_issue_5223 was fixed
KNOWN_WRONG: dict[str, str] = {}


def test_sympy_series_suite_sample() -> None:
    results = run(sample=45)
    counts = Counter(v for _, v, _ in results)
    assert counts["agree"] >= 20, counts
    bad = [f"{c} -> {v}: {d}" for c, v, d in results
           if v in ("wrong", "crash", "timeout") and str(c) not in KNOWN_WRONG]
    assert not bad, "\n".join(bad)


def test_integral_whose_limit_holds_the_variable() -> None:
    """SymPy's test_issue_5223 case: the continuity probe substituted the bound x of
    Integral(x, (x, 1, 3), (y, 1, x)) too (SymPy's bare "Invalid limits given"); the
    expansion equals SymPy's series of the evaluated integral, 4x - 4."""
    x, y = sp.symbols("x y")
    e = sp.Integral(x, (x, 1, 3), (y, 1, x))
    got = symtaylor.taylor(e, x, at=0, order=5).polynomial
    assert sp.expand(got - sp.series(e.doit(), x, 0, 6).removeO()) == 0


def test_refusals_of_discontinuities_in_the_suite() -> None:
    # SymPy's default series of floor/ceiling/frac/Abs is one-sided: a polynomial, though f
    # is not continuous (or not differentiable) there; symtaylor must refuse every one
    picked = [c for c in cases() if c.expr.has(sp.floor, sp.ceiling, sp.frac, sp.Abs)]
    assert len(picked) >= 10
    assert all(judge(c)[0] == "refused-analytic" for c in picked[:12])
