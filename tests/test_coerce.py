"""The conversion layer (symtaylor.coerce): accepted forms, refusals, exactness, and the
code-execution reproducers of issue 11 (each must leave no marker file behind)."""

from __future__ import annotations

import decimal
import fractions
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symtaylor
from symtaylor import InputError, ParseError, SolverError, SymTaylorError, coerce, parsing
from symtaylor.coerce import (
    as_data,
    as_expr,
    as_matrix,
    as_number,
    as_order,
    as_point,
    as_positive_int,
    as_real_array,
    as_region,
    as_variables,
    as_vector,
    exact_decimals,
)

x, y, z = sp.symbols("x y z")


def refused(fn: Callable[[], Any], *words: str) -> InputError:
    """``fn()`` raises an InputError (a SymTaylorError and a ValueError) naming ``words``."""
    with pytest.raises(InputError) as info:
        fn()
    exc = info.value
    assert isinstance(exc, SymTaylorError) and isinstance(exc, ValueError)
    for w in words:
        assert w in str(exc), (w, str(exc))
    return exc


# -- one layer, re-exported --------------------------------------------------------------------


def test_facades_are_the_coerce_functions() -> None:
    for name in ("as_expr", "as_exprs", "as_point", "as_variables"):
        assert getattr(symtaylor, name) is getattr(coerce, name)
        assert getattr(parsing, name) is getattr(coerce, name)  # old imports keep working
    for name in ("as_number", "as_matrix", "as_vector", "as_region", "as_order", "as_data"):
        assert getattr(symtaylor, name) is getattr(coerce, name)
    with pytest.raises(AttributeError):
        parsing.no_such_name  # noqa: B018


def test_type_aliases_exist() -> None:
    for name in ("ExprLike", "VariablesLike", "PointLike", "NumberLike", "MatrixLike",
                 "VectorLike", "RegionLike", "DataLike", "OrderLike"):
        assert getattr(coerce, name) is not None


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, sp.Integer(3)),
        (np.int64(-4), sp.Integer(-4)),
        (np.uint8(7), sp.Integer(7)),
        (sp.Integer(5), sp.Integer(5)),
        (fractions.Fraction(1, 3), sp.Rational(1, 3)),
        (sp.Rational(2, 7), sp.Rational(2, 7)),
        ("1/3", sp.Rational(1, 3)),
        ("2/6", sp.Rational(1, 3)),
        ("pi/4", sp.pi / 4),
        ("sqrt(2)", sp.sqrt(2)),
        (" -1 ", sp.Integer(-1)),
        (np.array(2), sp.Integer(2)),
        (sp.sqrt(3) - 1, sp.sqrt(3) - 1),
    ],
)
def test_as_number_exact_forms(value: Any, expected: sp.Expr) -> None:
    got = as_number(value)
    assert got == expected and type(got) is type(expected)


def test_as_number_floats_stay_floats_unless_exact() -> None:
    assert as_number(0.25) == sp.Float(0.25) and isinstance(as_number(0.25), sp.Float)
    assert isinstance(as_number(np.float32(0.5)), sp.Float)
    # text: parse reads "0.1" as the decimal 0.1 (a Float), kept unless exactness is asked for
    assert isinstance(as_number("0.1"), sp.Float)
    assert as_number("0.1") == parsing.parse("0.1")
    assert as_number("0.1", exact=True) == sp.Rational(1, 10)
    assert as_number(0.1, exact=True) == sp.Rational(1, 10)
    assert as_number(np.float64(0.75), exact=True) == sp.Rational(3, 4)
    assert as_number("x/0.5 - x*2 + 0.2", exact=True) == sp.Rational(1, 5)
    assert as_number(decimal.Decimal("0.3")) == sp.Float("0.3")
    assert as_number(decimal.Decimal("0.3"), exact=True) == sp.Rational(3, 10)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e200, max_value=1e200))
def test_exact_floats_match_nsimplify_rational(v: float) -> None:
    """exact=True reads a float as nsimplify(v, rational=True) does (as_point, verify relied on
    it), without nsimplify ever seeing text."""
    assert as_number(v, exact=True) == sp.nsimplify(v, rational=True)


@pytest.mark.parametrize(
    ("value", "word"),
    [
        (True, "number"),
        (np.bool_(False), "number"),
        (None, "number"),
        ("x", "number"),
        ("alpha + 1", "number"),
        ([1], "number"),
        ({"a": 1}, "number"),
        (1j, "real"),
        (np.complex128(1 + 2j), "real"),
        (sp.I, "real"),
        ("sqrt(-1)", "real"),
        (sp.asin(2), "real"),
        (math.nan, "nan"),
        (np.float64("nan"), "nan"),
        (math.inf, "finite"),
        ("1/0", "division by zero"),
        (sp.oo, "finite"),
        (sp.zoo, "undefined"),
        (np.array([1, 2]), "shape"),
        (sp.Matrix([1]), "number"),
        (object(), "number"),
    ],
)
def test_as_number_refusals(value: Any, word: str) -> None:
    refused(lambda: as_number(value, "lr"), "lr", word)


def test_as_number_flags() -> None:
    assert as_number(math.inf, finite=False) == sp.oo
    assert as_number("-oo" if False else -math.inf, finite=False) == -sp.oo
    a = sp.Symbol("a", positive=True)
    assert as_number(a, symbolic=True) is a
    assert as_number("2*alpha", symbolic=True) == 2 * sp.Symbol("alpha")
    refused(lambda: as_number("nan_symbol + 1/0", symbolic=True))  # undefined stays refused


def test_as_number_echo_is_short() -> None:
    exc = refused(lambda: as_number(["exec('x')" * 1000], "value"))
    assert len(str(exc)) < 200
    exc = refused(lambda: as_number("q" * 5000, "L"), "L")
    assert len(str(exc)) < 200
    exc = refused(lambda: as_number([10**5000], "L"))  # unprintable (> 4300 digits): a message
    assert len(str(exc)) < 200


# -- orders and counts -------------------------------------------------------------------------


def test_as_order_forms_and_refusals() -> None:
    assert as_order(3) == 3 and type(as_order(np.int32(3))) is int
    assert as_order(sp.Integer(4)) == 4 and as_order(2.0) == 2 and as_order(np.float64(5)) == 5
    assert as_order(sp.Float(6)) == 6
    for bad in (True, False, np.bool_(True), -1, 1.5, "3", None, [2], math.nan, math.inf,
                sp.Rational(1, 2), 1j):
        refused(lambda bad=bad: as_order(bad, "order"), "order", "integer")
    refused(lambda: as_order(300, "order", maximum=200), "at most 200")
    assert as_positive_int(1, "max_nfev") == 1
    refused(lambda: as_positive_int(0, "max_nfev"), "max_nfev", "at least 1")
    refused(lambda: as_positive_int(-1, "max_iter"), "max_iter")


@given(st.integers(min_value=0, max_value=10**30))
def test_as_order_of_ints_is_identity(n: int) -> None:
    assert as_order(n) == n and as_order(sp.Integer(n)) == n


# -- matrices and vectors ----------------------------------------------------------------------


def test_as_matrix_forms() -> None:
    want = sp.Matrix([[1, 2], [3, 4]])
    for form in ([[1, 2], [3, 4]], ((1, 2), (3, 4)), np.array([[1, 2], [3, 4]]),
                 sp.ImmutableMatrix([[1, 2], [3, 4]]), "1, 2; 3, 4", [["1", "2"], ["3", 4]],
                 [np.array([1, 2]), (3, 4)], np.array([["1", "2"], ["3", "4"]], dtype=object)):
        got = as_matrix(form)
        assert got == want and isinstance(got, sp.MutableDenseMatrix), form
    assert as_matrix([1, 2]).shape == (2, 1)  # a flat list is a column, as in sympy.Matrix
    assert as_matrix(np.array([1.5, 2])).shape == (2, 1)
    m = as_matrix([["a", "Max(a, 0)"]], variables=[sp.Symbol("a", positive=True)])
    assert m[0].is_positive and m[1] == m[0]  # text names map to the given Symbols
    assert as_matrix([["0.5"]], exact=True)[0] == sp.Rational(1, 2)
    src = sp.Matrix([[x]])
    out = as_matrix(src)
    out[0] = 0
    assert src[0] == x  # a new matrix, never the caller's


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ([[1, 2], [3]], "rectangular"),
        ([], "empty"),
        ([[]], "empty"),
        ("", "empty"),
        ([[1], 2], "mixes"),
        (np.zeros((2, 2, 2)), "2-D"),
        (5, "matrix"),
        (x, "matrix"),
        ({"a": 1}, "matrix"),
        ([[[1]]], "one expression"),
        ([[lambda v: v]], "callable"),
        ([[True]], "boolean"),
        ([["1/0"]], "division by zero"),
        ([[sp.nan]], "undefined"),
        ("1, ; 2, 3", "empty entry"),
    ],
)
def test_as_matrix_refusals(value: Any, word: str) -> None:
    refused(lambda: as_matrix(value, "B"), "B", word)


def test_as_matrix_shape_options() -> None:
    refused(lambda: as_matrix([[1, 2]], "H", square=True), "H", "square", "1x2")
    refused(lambda: as_matrix([[1, 2]], "H", shape=(2, 2)), "2x2")
    assert as_matrix([[1, 2], [2, 1]], square=True).is_symmetric()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4).flatmap(lambda c: st.lists(
    st.lists(st.integers(-10**6, 10**6), min_size=c, max_size=c), min_size=1, max_size=4)))
def test_as_matrix_of_int_rows_is_sympy_matrix(rows: list[list[int]]) -> None:
    want = sp.Matrix(rows)  # ints only: sympy.Matrix is safe on them
    assert as_matrix(rows) == want
    assert as_matrix(np.array(rows)) == want
    assert as_matrix([[str(v) for v in r] for r in rows]) == want
    assert as_matrix("; ".join(", ".join(map(str, r)) for r in rows)) == want


def test_as_vector_forms_and_refusals() -> None:
    col = sp.Matrix([1, sp.Rational(1, 2)])
    for form in ([1, "1/2"], (1, sp.Rational(1, 2)), np.array([1, 0.5]), sp.Matrix([[1, 0.5]]),
                 sp.Matrix([1, sp.Rational(1, 2)]), "1, 1/2", [[1], ["1/2"]]):
        got = as_vector(form)
        assert got.shape == (2, 1) and all(sp.nsimplify(a - b) == 0 for a, b in zip(got, col))
    assert as_vector("Max(x, 0), atan2(y, x)").shape == (2, 1)  # commas inside calls
    assert as_vector("x").shape == (1, 1)
    refused(lambda: as_vector([[1, 2], [3, 4]], "s"), "s", "vector", "2x2")
    refused(lambda: as_vector(3, "s"), "s", "vector")
    refused(lambda: as_vector([1, 2], "y", length=3), "y", "3 entries")


# -- regions -----------------------------------------------------------------------------------


def test_as_region_forms() -> None:
    want = ((-1.0, 1.0), (0.0, math.pi / 4))
    for form in ({"x": (-1, 1), "y": (0, "pi/4")}, {x: [-1, 1], y: ("0", sp.pi / 4)},
                 [(-1, 1), (0, "pi/4")], np.array([[-1, 1], [0, math.pi / 4]]),
                 {x: sp.Interval(-1, 1), "y": (0, math.pi / 4)}):
        assert as_region(form, (x, y)) == want, form
    assert as_region((0, "1/2"), [x]) == ((0.0, 0.5),)
    assert as_region(np.array([0, 2]), [x]) == ((0.0, 2.0),)
    assert as_region(sp.Interval(0, 3), [x]) == ((0.0, 3.0),)
    assert as_region({"ｘ": (0, 1)}, [x]) == ((0.0, 1.0),)  # names read as the parser reads them
    assert as_region({"x": (0, 1), "w": (5, 6)}, [x], allow_extra=True) == ((0.0, 1.0),)
    assert as_region({"x": (2, 2)}, [x]) == ((2.0, 2.0),)  # a point is a (degenerate) box
    xr = sp.Symbol("x", real=True)
    assert as_region({x: (0, 1)}, [xr]) == ((0.0, 1.0),)  # matched by name


@pytest.mark.parametrize(
    ("region", "word"),
    [
        ({"x": (1, 0)}, "lo <= hi"),
        ({"x": (0, math.inf)}, "finite"),
        ({"x": (math.nan, 1)}, "nan"),
        ({"x": (0, "oo")}, "number"),
        ({"x": (0, 10**400)}, "finite"),
        ({"x": (0, "1j")}, ""),
        ({"x": (0, "y")}, "number"),
        ({"x": (0, 1, 2)}, "two numbers"),
        ({"x": "0:1"}, "two numbers"),
        ({}, "no range for x"),
        ({"x": (0, 1), "q": (0, 1)}, "unknown"),
        ({"x": (0, 1), x: (0, 2)}, "two ranges"),
        ({1: (0, 1)}, "keys"),
        ("x=0:1", "region must be"),
        (5, "region must be"),
        ([(0, 1), (0, 1)], "region must be"),
        ({"x": (True, 1)}, "number"),
        ({"x": ([0], 1)}, "number"),
    ],
)
def test_as_region_refusals(region: Any, word: str) -> None:
    refused(lambda: as_region(region, [x]), "region", word)


@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(0, 1e6)), min_size=1, max_size=4))
def test_as_region_round_trips_float_boxes(pairs: list[tuple[float, float]]) -> None:
    syms = sp.symbols(f"v0:{len(pairs)}")
    box = [(lo, lo + w) for lo, w in pairs]
    assert as_region({s: b for s, b in zip(syms, box)}, syms) == tuple(box)
    assert as_region(box, syms) == tuple(box)


# -- data and numeric arrays -------------------------------------------------------------------


def test_as_data_forms() -> None:
    d = as_data({"x": [0, 1, 2], y: (1.0, 2.0, 2.5), "w": np.arange(3)})
    assert list(d) == [x, y, sp.Symbol("w")]
    assert all(a.dtype == np.float64 and a.shape == (3,) for a in d.values())
    arr = np.linspace(0, 1, 4)
    assert as_data({"x": arr})[x] is arr  # float64 arrays are not copied
    assert as_data({"x": [sp.Rational(1, 2), 2]})[x].tolist() == [0.5, 2.0]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"x": [1 + 2j, 0]}, ("data[x]", "real")),
        ({"x": np.array([1.0, 2.0]) + 0j}, ("real",)),
        ({"x": []}, ("data[x]", "empty")),
        ({"x": [1, 2], "y": [1]}, ("different lengths",)),
        ({"x": ["1", "2"]}, ("numbers",)),
        ({"x": [sp.Symbol("a"), 1]}, ("number",)),
        ({"x": [[1, 2]]}, ("1-dimensional",)),
        ({"x": 3.0}, ("1-dimensional",)),
        ({"x": [1, math.nan]}, ("nan",)),
        ({"x": [1, [2, 3]]}, ("rectangular",)),
        ({}, ("non-empty mapping",)),
        ([1, 2], ("mapping",)),
        ({"x": [1], x: [2]}, ("twice",)),
        ({"a b": [1]}, ("invalid variable name",)),
        ({"exec('1')": [1]}, ("invalid variable name",)),
    ],
)
def test_as_data_refusals(data: Any, words: tuple[str, ...]) -> None:
    refused(lambda: as_data(data), *words)


def test_as_real_array() -> None:
    assert as_real_array([1, 2.5]).tolist() == [1.0, 2.5]
    assert as_real_array([[1, 2]], ndim=None).shape == (1, 2)
    assert np.isnan(as_real_array([math.nan], finite=False)[0])
    assert as_real_array([], allow_empty=True).size == 0
    refused(lambda: as_real_array("1, 2", "x0"), "x0", "numbers")
    refused(lambda: as_real_array(np.array([1j]), "x0"), "x0", "real")


# -- expressions, variables, points ------------------------------------------------------------


def test_as_variables_reads_names_as_the_parser_does() -> None:
    assert as_variables("ｘ, ｙ") == (x, y)  # full-width letters: NFKC, as Python and parse
    assert parsing.parse("ｘ + 1") == x + 1
    refused(lambda: as_variables("x x"), "repeated")
    refused(lambda: as_variables({"x": 1}), "variables must be")
    refused(lambda: as_variables(["a\n__import__('os')"]), "invalid variable name")
    s = sp.Symbol("a\n__import__('os').system('x')")  # a Symbol is a name, whatever it holds
    assert as_variables([s]) == (s,)


def test_as_expr_exact_and_what() -> None:
    assert as_expr("0.5*x", exact=True) == x / 2
    assert as_expr(0.1, exact=True) == sp.Rational(1, 10)
    with pytest.raises(ParseError, match=r"^f: unknown function"):
        as_expr("exec('1')", what="f")
    assert exact_decimals(sp.Float(2.5) * x) == sp.Rational(5, 2) * x
    assert exact_decimals(x) is x


def test_as_point_splits_at_top_level_commas_only() -> None:
    assert as_point("Max(1, 2), 0", (x, y)) == (2, 0)
    assert as_point("0.5, 1", (x, y), exact=True) == (sp.Rational(1, 2), 1)
    refused(lambda: as_point({"x": 1, x: 2}, (x,)), "twice")


# -- errors ------------------------------------------------------------------------------------


def test_solver_error_is_a_value_error() -> None:
    assert issubclass(SolverError, ValueError) and issubclass(SolverError, SymTaylorError)
    with pytest.raises(ValueError, match="valid methods"):
        symtaylor.minimize("x**2", "x", [1.0], method="foo")


def test_solver_input_is_refused() -> None:
    xs = np.linspace(0, 1, 6)
    lsq = symtaylor.least_squares
    for data, word in (({"x": xs, "y": xs + 1j}, "real"), ({"x": [], "y": []}, "empty"),
                       ({"x": xs, "y": xs[:3]}, "different lengths"),
                       ({"x": xs, "y": ["1"] * 6}, "numbers")):
        refused(lambda data=data: lsq("a*x - y", "a", [0.0], data=data), word)
    refused(lambda: lsq("a*x - y", "a", [0.0], data={"x": xs, "y": xs}, max_nfev=-1),
            "max_nfev")
    refused(lambda: lsq(["a - 1"], "a", [0.0], method="gauss-newton", max_iter=-1), "max_iter")
    refused(lambda: symtaylor.minimize("x**2", "x", [1.0], max_iter=-1), "max_iter")
    refused(lambda: symtaylor.minimize("x**2", "x", np.array([1 + 1j])), "x0", "real")
    assert lsq("a*x - y", "a", [0.0], data={"x": xs, "y": 2 * xs}).success


# -- issue 11 reproducers: no code execution through any of these --------------------------------


def _payloads(marker: Path) -> list[str]:
    return [
        f"exec(\"open('{marker}','w')\")",
        f"__import__('os').system('touch {marker}')",
        f"ｅｘｅｃ(\"open('{marker}','w')\")",  # full-width: Python reads it as exec
        f"𝓮𝔁𝓮𝓬(\"open('{marker}','w')\")",  # mathematical alphanumerics: exec, too
    ]


def _shapes(p: str) -> list[Any]:
    """The payload as text, a list, a pair, nested lists: every way it was sympified."""
    return [p, [p], [p, p], (p, "1"), [[p]], [[p, 1], [1, p]], [[1, 0], [0, p]]]


def _quiet(marker: Path, fn: Callable[[], Any]) -> None:
    """``fn()`` refuses the payload with a symtaylor ValueError (or treats it as a name), at
    once, and the marker file is never created."""
    t0 = time.perf_counter()
    try:
        fn()
    except SymTaylorError as exc:
        assert isinstance(exc, ValueError)
        assert len(str(exc)) < 700  # the hostile text is cut (the rest: the known functions)
    assert not marker.exists(), "the payload ran"
    assert time.perf_counter() - t0 < 1.0


REPRODUCERS: dict[str, Callable[[Any], Any]] = {
    "definiteness": lambda a: symtaylor.definiteness(a),
    "bfgs_update B": lambda a: symtaylor.bfgs_update(a, [1, 0], [2, 1]),
    "bfgs_update s": lambda a: symtaylor.bfgs_update(sp.eye(2), a, [2, 1]),
    "bfgs_update y": lambda a: symtaylor.bfgs_update(sp.eye(2), [1, 0], a),
    "bfgs_inverse_update H": lambda a: symtaylor.bfgs_inverse_update(a, [1, 0], [2, 1]),
    "bfgs_inverse_update s": lambda a: symtaylor.bfgs_inverse_update(sp.eye(2), a, [2, 1]),
    "dfp_update B": lambda a: symtaylor.dfp_update(a, [1, 0], [2, 1]),
    "dfp_update y": lambda a: symtaylor.dfp_update(sp.eye(2), [1, 0], a),
    "dfp_inverse_update H": lambda a: symtaylor.dfp_inverse_update(a, [1, 0], [2, 1]),
    "dfp_inverse_update s": lambda a: symtaylor.dfp_inverse_update(sp.eye(2), a, [2, 1]),
    "sr1_update B": lambda a: symtaylor.sr1_update(a, [1, 0], [2, 1]),
    "sr1_update s": lambda a: symtaylor.sr1_update(sp.eye(2), a, [2, 1]),
    "sr1_update y": lambda a: symtaylor.sr1_update(sp.eye(2), [1, 0], a),
    "convergence_bounds region lo": lambda a: symtaylor.convergence_bounds(
        "x**4", "x", region={"x": (a, 1)}),
    "convergence_bounds region hi": lambda a: symtaylor.convergence_bounds(
        "x**4", "x", region={"x": (0, a)}),
    "convergence_bounds region": lambda a: symtaylor.convergence_bounds("x**4", "x", region=a),
    "check_step_size region": lambda a: symtaylor.check_step_size(
        "x**4", "x", "0.1", region={"x": (a, 1)}),
    "check_max_step region": lambda a: symtaylor.check_max_step(
        "x**4", "x", "0.1", region={"x": (-1, a)}),
    "check_step_size alpha": lambda a: symtaylor.check_step_size("x**2", "x", a),
    "descent_lemma L": lambda a: symtaylor.descent_lemma(L=a),
    "descent_lemma alpha": lambda a: symtaylor.descent_lemma(alpha=a),
    "predict_loss_after_step value": lambda a: symtaylor.predict_loss_after_step(a, 1, 4, 0.1),
    "predict_loss_after_step lr": lambda a: symtaylor.predict_loss_after_step(2, 1, 4, a),
    "predict_loss_after_step L": lambda a: symtaylor.predict_loss_after_step(2, 1, 4, 0.1, L=a),
    "taylor certify": lambda a: symtaylor.taylor("sin(x)", "x", 0, 3).certify({"x": (a, 1)}),
    "taylor order": lambda a: symtaylor.taylor("sin(x)", "x", 0, a),
    "fornberg_weights offsets": lambda a: symtaylor.fornberg_weights([0, 1, a], 1),
    "stencil offsets": lambda a: symtaylor.stencil(1, offsets=a),
    "fd_error steps": lambda a: symtaylor.fd_error("exp(x)", "x", 1, steps=a),
    "enclose box": lambda a: coerce_enclose(a),
    "gradient_step lr": lambda a: symtaylor.gradient_step("x**2", "x", lr=a),
    "newton_step damping": lambda a: symtaylor.newton_step("x**2", "x", damping=a),
    "cauchy_point radius": lambda a: symtaylor.cauchy_point("x**2", "x", radius=a, at=1),
    "least_squares data": lambda a: symtaylor.least_squares(
        "b*x - y", "b", [0.0], data={"x": [1.0, 2.0], "y": a}),
    "minimize max_iter": lambda a: symtaylor.minimize("x**2", "x", [1.0], max_iter=a),
}


def coerce_enclose(a: Any) -> Any:
    from symtaylor.enclosure import enclose

    return enclose("x", {"x": (0, a)})


@pytest.mark.parametrize("route", sorted(REPRODUCERS))
def test_no_code_execution(route: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned_marker"
    call = REPRODUCERS[route]
    for p in _payloads(marker):
        for shape in _shapes(p):
            _quiet(marker, lambda shape=shape: call(shape))
