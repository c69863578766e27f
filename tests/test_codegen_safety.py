"""Code generation with hostile symbol names (issue 11): nothing a user names reaches generated
source as written. Symbols whose names hold code never run it (through compile_numpy,
compile_objective, to_scipy, minimize, least_squares and the exported module); names that are
legal symbols but unsafe identifiers (full-width letters, keywords, builtins, the generator's own
names) give the values SymPy gives; complex input is refused instead of silently truncated."""

from __future__ import annotations

import ast
import gc
import importlib.util
import linecache
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symtaylor
from symtaylor import CodegenError, InputError
from symtaylor.codegen import _GENERATOR_NAMES, _load, _Namer, compile_numpy, compile_objective
from symtaylor.codegen import to_scipy as codegen_to_scipy

# -- payloads: names that are code ---------------------------------------------------------------

_PAYLOADS = [
    'a\n__import__("builtins").open({m!r}, "w")\n#',
    'a\r__import__("builtins").open({m!r}, "w")\r#',
    'a"""\n__import__("builtins").open({m!r}, "w")\n"""',
    "a'''\n__import__('builtins').open({m!r}, 'w')\n'''",
    'a\\\n__import__("builtins").open({m!r}, "w")',
    'a\u2028__import__("builtins").open({m!r}, "w")\u2029#',
    'a\x0c\x0b\x85\n__import__("builtins").open({m!r}, "w")',
    '__import__("builtins").open({m!r}, "w")',
    'coding:utf-7 +AAo-__import__("builtins").open({m!r}, "w")+AAo-#',
    "x) or __import__('builtins').open({m!r}, 'w') or (x",
]


@pytest.fixture(params=range(len(_PAYLOADS)), ids=lambda i: f"payload{i}")
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[sp.Symbol, Path]:
    marker = tmp_path / "marker"
    return sp.Symbol(_PAYLOADS[request.param].format(m=str(marker))), marker


def _no_marker(marker: Path) -> None:
    assert not marker.exists(), "a symbol name was executed as code"


Y, T = sp.symbols("y t")


def test_compile_numpy_variables_params_data(hostile) -> None:
    s, marker = hostile
    fn = compile_numpy([s**2 + Y, s * Y], [s, Y], name="g")
    np.testing.assert_allclose(fn(np.array([1.5, 2.0])), [4.25, 3.0])
    np.testing.assert_allclose(fn(np.array([[1.5, 2.0], [0.5, 1.0]])), [[4.25, 3.0], [1.25, 0.5]])
    p = compile_numpy(s * Y, [Y], params=[s])
    assert float(p(np.array([3.0]), 2.0)) == 6.0
    np.testing.assert_allclose(p(np.array([3.0]), np.array([1.0, 2.0])), [3.0, 6.0])
    d = compile_numpy((s - Y) ** 2, [Y], data=[s])
    assert float(d(np.array([1.0]), [2.0, 3.0])) == 5.0
    assert float(d.bind([2.0, 3.0])(np.array([1.0]))) == 5.0
    _no_marker(marker)


def test_compile_objective_and_to_scipy(hostile) -> None:
    s, marker = hostile
    obj = compile_objective(s**2 * Y + sp.exp(s), [s, Y], name="obj")
    pt = np.array([0.5, 2.0])
    assert float(obj.f(pt)) == pytest.approx(0.5 + np.exp(0.5))
    np.testing.assert_allclose(obj.grad(pt), [2 * 0.5 * 2 + np.exp(0.5), 0.25])
    H = np.array([[4 + np.exp(0.5), 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(obj.hess(pt), H)
    np.testing.assert_allclose(obj.hvp(pt, np.array([1.0, -1.0])), H @ [1.0, -1.0])
    np.testing.assert_allclose(obj.hess_sparse(pt).toarray(), H)
    fx, _ = obj.value_and_grad(pt[None])
    assert fx.shape == (1,)
    data = compile_objective((Y * s - T) ** 2, [Y], data=[s, T])
    assert float(data.f(np.array([2.0]), [1.0, 2.0], [2.0, 4.0])) == 0.0
    fun, jac, _ = codegen_to_scipy(s**2 + Y**2, [s, Y])
    assert float(fun(np.array([1.0, 2.0]))) == 5.0
    np.testing.assert_allclose(jac(np.array([1.0, 2.0])), [2.0, 4.0])
    _no_marker(marker)


def test_solvers(hostile) -> None:
    s, marker = hostile
    res = symtaylor.minimize(s**2 + 1, [s], [1.0])
    assert res.success and abs(float(res.x[0])) < 1e-8
    fit = symtaylor.least_squares(s * T - 2 * T, [s], [1.0], data={T: [1.0, 2.0, 3.0]})
    assert float(fit.x[0]) == pytest.approx(2.0)
    fit = symtaylor.least_squares(Y * s - 2 * s, [Y], [1.0], data={s: [1.0, 2.0, 3.0]})
    assert float(fit.x[0]) == pytest.approx(2.0)
    res = symtaylor.minimize((Y - s) ** 2, [Y], [0.0], data={s: [1.0, 3.0]})
    assert float(res.x[0]) == pytest.approx(2.0)
    _no_marker(marker)


def test_exported_module_and_source(hostile, tmp_path: Path) -> None:
    s, marker = hostile
    obj = compile_objective((s - 1) ** 2 + s * Y**2, [s, Y], name="exp_obj")
    fn = compile_numpy([s + Y, s * Y], [s, Y], params=[T], name="exp_fn")
    pt = np.array([0.5, 2.0])
    for compiled, call, path in [(obj, lambda m: m.exp_obj_grad(pt), tmp_path / "obj.py"),
                                 (fn, lambda m: m.exp_fn(pt, 3.0), tmp_path / "fn.py")]:
        compiled.export(path)
        header = path.read_text(encoding="utf-8").splitlines()[:2]
        assert not any(re.match(r"^[ \t\f]*#.*?coding[:=]", ln) for ln in header)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
        expected = obj.grad(pt) if compiled is obj else fn(pt, 3.0)
        np.testing.assert_array_equal(call(mod), expected)
        # every part's own module (.source of each function) too
        parts = [obj.f, obj.grad, obj.hess, obj.value_and_grad, obj.hvp] if compiled is obj \
            else [fn]
        for part in parts:
            ns: dict = {}
            exec(compile(part.source, "<part>", "exec"), ns)
            assert callable(ns[part.name])
    # and in a fresh interpreter, as a user would run it
    proc = subprocess.run([sys.executable, "-I", str(tmp_path / "obj.py")], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    _no_marker(marker)


def test_hostile_names_change_only_identifiers_and_text(hostile) -> None:
    """The module for a hostile name has the same syntax tree as for a plain one: the name can
    only change identifiers and the text of comments and docstrings."""
    s, _ = hostile
    a = sp.Symbol("a")

    def shape(sym: sp.Symbol) -> list[str]:
        src = compile_objective(sym**2 * Y + sp.sin(sym), [sym, Y], params=[T]).source
        return [type(n).__name__ for n in ast.walk(ast.parse(src))]

    assert shape(s) == shape(a)


# -- names that are legal symbols but not safe identifiers -----------------------------------------


def _truth(expr: sp.Expr, syms, pts: np.ndarray) -> np.ndarray:
    return np.array([float(expr.evalf(30, subs=dict(zip(syms, p, strict=True)))) for p in pts])


def test_full_width_names_with_a_callable() -> None:
    """Issue 11: 'ｘ, b' with a callable gave the wrong values on batches (ｘ is x to Python)."""
    pts = np.array([[0.3, 0.7, 2.0], [1.2, -0.4, -1.0], [-0.9, 2.0, 0.5]])
    for variables in ["ｘ, b", [sp.Symbol("ｘ"), sp.Symbol("b")],
                      [sp.Symbol("ｘ"), sp.Symbol("b"), sp.Symbol("x")]]:
        fn = compile_numpy(lambda x, b, *rest: x**3 - b * sp.exp(x) + x / (1 + b**2) + sum(rest),
                           variables)
        syms = fn.variables
        xs, b = syms[0], syms[1]
        expr = xs**3 - b * sp.exp(xs) + xs / (1 + b**2) + sum(syms[2:])
        p = pts[:, : len(syms)]
        np.testing.assert_allclose(fn(p), _truth(expr, syms, p), rtol=1e-14)
        for q in p:
            assert float(fn(q)) == pytest.approx(_truth(expr, syms, q[None])[0], rel=1e-14)


def test_full_width_out_is_not_uninitialised_memory() -> None:
    o = sp.Symbol("ｏｕｔ")
    fn = compile_numpy(2 * o + 1, [o])
    np.testing.assert_array_equal(fn(np.array([[1.0], [2.0], [3.0]])), [3.0, 5.0, 7.0])
    obj = compile_objective(o**2, [o])
    np.testing.assert_array_equal(obj.grad(np.array([[1.0], [2.0]])), [[2.0], [4.0]])


@pytest.mark.parametrize("name", ["float", "ValueError", "ｎｐ", "np", "math", "ｍａｔｈ", "type",
                                  "_real", "_FLOAT", "ＡｒｉｔｈｍｅｔｉｃＥｒｒｏｒ"])
def test_minimize_with_builtin_and_generator_names(name: str) -> None:
    res = symtaylor.minimize(sp.Symbol(name) ** 2 + 1, [sp.Symbol(name)], [1.0])
    assert res.success and abs(float(res.x[0])) < 1e-8 and res.fun == pytest.approx(1.0)


def test_minimize_text_float() -> None:
    """Issue 11's reproducer: an UnboundLocalError before."""
    res = symtaylor.minimize("float**2 + 1", "float", [1.0])
    assert res.success and abs(float(res.x[0])) < 1e-8


# The generator's own names, builtins, keywords, soft keywords, the function's name, names that
# NFKC-normalise to one of those, and names that differ only in ways NFKC removes.
_CLASHING = sorted(_GENERATOR_NAMES) + [
    "out3", "t0", "t1", "ｔ0", "D", "prod0", "sum0", "g0_0", "v0", "v1", "_I0", "_real", "_FLOAT",
    "_sign", "_f_point", "f", "f_grad", "f_hess", "f_hvp", "ｆ", "float", "abs", "type", "bool",
    "_blocked", "_long", "_blocks", "_gram", "f_value_grad_hess", "_f_value_grad_hess_stacked",
    "ValueError", "ArithmeticError", "ｍａｔｈ", "𝐧𝐩", "𝑥", "x_1", "x_", "lambda", "match", "case",
    "_", "None", "True", "if", "def", "ｉｆ", "𝓮𝔁𝓮𝓬", "exec", "x, b", "x b", "", " ", "1x",
    "θ", "ϑ", "𝜃", "theta", "x₁", "x1", "µ", "μ", "mu", "e\u0301", "é",
]


@pytest.mark.parametrize("chunk", range(0, len(_CLASHING), 12))
def test_clashing_names_give_the_sympy_values(chunk: int) -> None:
    syms = [sp.Symbol(n) for n in _CLASHING[chunk:chunk + 12]]
    rng = np.random.default_rng(chunk)
    k = len(syms)
    expr = sum((i + 1) * sp.sin(s) * syms[(i + 1) % k] + s**2 / (2 + i) for i, s in enumerate(syms))
    expr += sp.exp(syms[0] / 4) * syms[-1]
    pts = rng.uniform(-1.5, 1.5, (4, k))
    truth = _truth(expr, syms, pts)
    fn = compile_numpy(expr, syms, name="f")
    np.testing.assert_allclose(fn(pts), truth, rtol=1e-13)
    assert float(fn(pts[0])) == pytest.approx(truth[0], rel=1e-13)
    vec = compile_numpy([expr, syms[0] * syms[-1]], syms, name="f")
    np.testing.assert_allclose(vec(pts)[:, 0], truth, rtol=1e-13)
    obj = compile_objective(expr, syms, name="f")
    grad = [sp.diff(expr, s) for s in syms]
    g_truth = np.array([_truth(g, syms, pts) for g in grad]).T
    np.testing.assert_allclose(obj.grad(pts), g_truth, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(obj.grad(pts[1]), g_truth[1], rtol=1e-12, atol=1e-12)
    H = np.array([[_truth(sp.diff(g, s), syms, pts[:1])[0] for s in syms] for g in grad])
    v = rng.uniform(-1, 1, k)
    np.testing.assert_allclose(obj.hvp(pts[0], v), H @ v, rtol=1e-12, atol=1e-12)
    # the same names as params and data symbols
    p = compile_numpy(expr, syms[:2], params=syms[2:], name="f")
    np.testing.assert_allclose(p(pts[0, :2], *pts[0, 2:]), truth[0], rtol=1e-13)
    d = compile_numpy(expr, syms[:2], data=syms[2:], name="f")
    cols = pts[:, 2:].T  # each row a data array over the 4 points
    batch = np.broadcast_to(pts[0, :2], (4, 2))
    by_point = [_truth(expr, syms, np.concatenate([pts[0, :2], pts[j, 2:]])[None])[0]
                for j in range(4)]
    assert float(d(batch[0], *cols)) == pytest.approx(sum(by_point), rel=1e-12)


# -- complex input ---------------------------------------------------------------------------------


def test_complex_input_is_refused() -> None:
    x = sp.Symbol("x")
    fn = compile_numpy(x**2 + Y, [x], params=[Y])
    data = compile_objective((x - Y) ** 2, [x], data=[Y])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning: the input is refused before
        for call in [lambda: fn(np.array([1 + 1j]), 1.0), lambda: fn([1j], 1.0),
                     lambda: fn(np.array([[1.0], [1j]]), 1.0), lambda: fn(np.array([1.0]), 2j),
                     lambda: fn(np.array([1.0]), np.complex128(2)),
                     lambda: fn(np.array([1.0]), np.array([1.0, 1j])),
                     lambda: data.f(np.array([1.0]), np.array([1.0, 2j])),
                     lambda: data.grad(np.array([1.0]), [1j, 2.0]),
                     lambda: data.bind(np.array([1.0, 2j])),
                     lambda: data.hvp(np.array([1.0]), np.array([1j]), [1.0])]:
            with pytest.raises(InputError, match="complex"):
                call()
    # real input of other dtypes and containers is still converted
    assert float(fn([2], 1)) == 5.0
    assert float(fn(np.array([2], dtype=np.float32), np.int64(1))) == 5.0
    assert float(data.f([3], [1, 2])) == 5.0


# -- the sanitizer itself -------------------------------------------------------------------------

# letters (ASCII, full-width, mathematical alphanumerics, Greek, Cyrillic, CJK, a combining mark,
# a subscript, a ligature), code and line-break characters, a NUL and a lone surrogate
_ALPHABET = st.sampled_from([
    *"abcxyzXY019_", "ｘ", "ｏ", "ｕ", "ｔ", "ｎ", "ｐ", "𝐱", "𝑥", "𝔵", "𝟏", "θ", "Ω", "ж", "中",
    "\u0301", "₁", "ﬁ", "\n", "\r", "\t", '"', "'", "\\", "#", " ", ",", "(", ")", ".", "\u2028",
    "\x00", "\x85", "\ud800"])
_WORDS = st.sampled_from([*sorted(_GENERATOR_NAMES), "float", "ValueError", "lambda", "match",
                          "None", "t0", "D", "out0", "_real", "f", "f_grad", "exec", "ｎｐ",
                          "ｏｕｔ"])
_NAMES = st.one_of(_WORDS, st.text(_ALPHABET, max_size=6),
                   st.tuples(_WORDS, st.text(_ALPHABET, max_size=3)).map("".join))


def _safe(ident: str) -> bool:
    import builtins
    import keyword

    return (ident.isascii() and ident.isidentifier() and not keyword.iskeyword(ident)
            and not keyword.issoftkeyword(ident) and not hasattr(builtins, ident))


@given(st.lists(_NAMES, min_size=1, max_size=12))
def test_namer_issues_safe_unique_stable_names(names: list[str]) -> None:
    first, again = _Namer(["f"]), _Namer(["f"])
    idents = [first.symbol(n) for n in names]
    assert idents == [again.symbol(n) for n in names]  # deterministic
    assert len(set(idents)) == len(idents)
    for n, ident in zip(names, idents, strict=True):
        assert _safe(ident) and ident not in _GENERATOR_NAMES and ident != "f"
        assert not ident.startswith("_")
        if n == ident:
            assert n not in first.renamed
        else:
            assert first.renamed[ident] == n
    assert first.fresh("t0") not in idents


def test_namer_keeps_readable_names() -> None:
    n = _Namer()
    assert [n.symbol(s) for s in ["x1", "theta1", "b1", "alpha", "W_hidden", "x_0"]] == [
        "x1", "theta1", "b1", "alpha", "W_hidden", "x_0"]
    assert [n.symbol(s) for s in ["θ", "Σ", "x₁", "ｙ", "𝐳"]] == ["theta", "Sigma", "x1_1", "y",
                                                                 "z"]
    assert n.symbol("a" * 100) == "a" * 32


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_NAMES, min_size=1, max_size=4, unique=True),
       st.lists(st.floats(-2, 2), min_size=12, max_size=12), st.integers(0, 2))
def test_property_hostile_names_compile_to_sympy_values(names: list[str], vals: list[float],
                                                        form: int) -> None:
    syms = [sp.Symbol(n) for n in names]
    k = len(syms)
    expr = sum((i + 2) * syms[i] ** 2 + sp.cos(syms[i]) * syms[(i + 1) % k] for i in range(k))
    expr += sp.exp(syms[-1] / 3)
    pts = np.array(vals[: 3 * k]).reshape(3, k)
    truth = _truth(expr, syms, pts)
    if form == 0:
        fn = compile_numpy(expr, syms, name="f")
        got_batch, got_one = fn(pts), float(fn(pts[0]))
    elif form == 1:
        fn = compile_objective(expr, syms, name="f").f
        got_batch, got_one = fn(pts), float(fn(pts[0]))
    else:  # the first symbol a variable, the others params
        fn = compile_numpy(expr, syms[:1], params=syms[1:], name="f")
        got_batch = fn(pts[:, :1], *pts[:, 1:].T)
        got_one = float(fn(pts[0, :1], *pts[0, 1:]))
    np.testing.assert_allclose(got_batch, truth, rtol=1e-12, atol=1e-300)
    assert got_one == pytest.approx(truth[0], rel=1e-12)
    # the module parses, and runs on its own with the same answers
    tree = ast.parse(fn.source)
    assert all(isinstance(n, ast.Import | ast.FunctionDef | ast.Assign) for n in tree.body)
    ns: dict = {}
    exec(compile(fn.source, "<exported>", "exec"), ns)
    if form == 2:
        np.testing.assert_array_equal(ns["f"](pts[:, :1], *pts[:, 1:].T), got_batch)
    else:
        np.testing.assert_array_equal(ns["f"](pts), got_batch)


# -- defence in depth and housekeeping -------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "import os\n",
    "from os import system\n",
    "x = __import__('builtins')\n",
    "def f(x):\n    return exec('1')\n",
    "def f(x):\n    return ().__class__\n",
    "def f(x):\n    y = x\n    return y\n",
])
def test_load_refuses_names_the_namer_did_not_issue(source: str, tmp_path: Path) -> None:
    with pytest.raises(CodegenError, match="did not issue"):
        _load(source, "f", _Namer(["f"]))


def test_load_runs_issued_names() -> None:
    ns = _load("import math\n\nimport numpy as np\n\n\ndef f(x):\n    return np.abs(x)\n", "f",
               _Namer(["f"]))
    assert ns["f"](-2.0) == 2.0


@pytest.mark.parametrize("name", ["ｆ", "float", "np", "out", "x", "_f", "match", "lambda", "f-g",
                                  "f\n#", 3])
def test_function_names_must_be_safe(name) -> None:
    with pytest.raises(InputError, match="usable function name"):
        compile_numpy(sp.Symbol("x"), ["x"], name=name)


@pytest.mark.parametrize("options", [dict(cse=np.array([True, False])), dict(cse="yes"),
                                     dict(reduce=np.array(["sum", "sum"])), dict(reduce="max"),
                                     dict(name=np.array(["f", "g"]))])
def test_options_are_checked(options: dict) -> None:
    with pytest.raises(InputError, match=r"cse|reduce|name"):
        compile_numpy("x**2", "x", **options)
    if "cse" not in options:
        with pytest.raises(InputError, match=r"reduce|name"):
            compile_objective("x**2", "x", **options)


def test_linecache_entry_is_dropped_with_the_function() -> None:
    fn = compile_numpy(sp.Symbol("x") ** 2, ["x"], name="short_lived")
    filename = fn.function.__code__.co_filename
    assert filename in linecache.cache
    del fn
    gc.collect()
    assert filename not in linecache.cache
