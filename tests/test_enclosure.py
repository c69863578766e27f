"""Rigorous enclosures: every enclosure contains the true value (mpmath at 50 digits)."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symtaylor.enclosure import Interval, bound_abs, compile_enclosure, enclose, subdivide
from symtaylor.errors import UnsupportedFunctionError

x, y = sp.symbols("x y")

FUNCS = [
    sp.sin(x) * sp.exp(y),
    sp.cos(3 * x) - x**2 * y,
    sp.exp(-(x**2)) / (1 + y**2),
    sp.atan(x * y) + sp.tanh(x - y),
    sp.log(2 + x**2 + y) * sp.sqrt(3 + y),
    x**5 - 3 * x**3 * y + y**4 / 7,
    sp.cosh(x) * sp.sinh(y) / (2 + sp.sin(x * y)),
    sp.Abs(x - y) + sp.Max(x, y**2) + sp.erf(x),
    (x + sp.pi) ** sp.Rational(3, 2) * sp.E**y,
    1 / (1 + sp.exp(-x - 2 * y)),
    sp.tan(x / 3) + sp.asin(y / 3) + sp.acos(x / 4),
    (x**2 + 1) ** -3 + x ** sp.Integer(-2) * 0 + y**6,
]


def _truth(expr: sp.Expr, xv: float, yv: float) -> mpmath.mpf:
    with mpmath.workdps(50):
        f = sp.lambdify((x, y), expr, modules="mpmath")
        return f(mpmath.mpf(xv), mpmath.mpf(yv))


boxes = st.tuples(st.floats(-2, 2), st.floats(0, 1.5), st.floats(-1.5, 1.5), st.floats(0, 1.5)).map(
    lambda t: ((t[0], t[0] + t[1]), (t[2], t[2] + t[3]))
)


@pytest.mark.parametrize("expr", FUNCS, ids=[str(f)[:40] for f in FUNCS])
@settings(max_examples=40, deadline=None)
@given(box=boxes, u=st.floats(0, 1), v=st.floats(0, 1))
def test_enclosure_contains_true_value(expr, box, u, v) -> None:
    (xl, xh), (yl, yh) = box
    iv = enclose(expr, {x: (xl, xh), y: (yl, yh)})
    xv, yv = xl + u * (xh - xl), yl + v * (yh - yl)
    truth = _truth(expr, xv, yv)
    assume(mpmath.isfinite(truth) and mpmath.im(truth) == 0)
    assert iv.lo <= truth <= iv.hi


def test_point_boxes_are_tight() -> None:
    iv = enclose(sp.exp(x) * sp.sin(y), {x: (1, 1), y: (2, 2)})
    truth = math.exp(1) * math.sin(2)
    assert iv.lo <= truth <= iv.hi
    assert iv.width < 1e-14


def test_classic_ranges() -> None:
    assert enclose(sp.sin(x), {x: (0, math.pi)}).hi == 1.0
    c = enclose(sp.cos(x), {x: (-1, 1)})
    assert c.hi == 1.0 and math.cos(1) - 1e-15 <= c.lo <= math.cos(1)
    sq = enclose(x**2, {x: (-1, 2)})
    assert sq.lo == 0.0 and 4.0 <= sq.hi < 4.0 + 1e-14
    assert enclose(sp.cosh(x), {x: (-1, 2)}).lo == 1.0


def test_undefined_parts_give_unbounded_intervals() -> None:
    assert not enclose(1 / x, {x: (-1, 1)}).is_bounded
    assert not enclose(sp.log(x), {x: (-1, 1)}).is_bounded
    assert not enclose(sp.sqrt(x), {x: (-1, 1)}).is_bounded
    assert not enclose(sp.tan(x), {x: (1, 2)}).is_bounded


def test_missing_range_is_a_clear_error() -> None:
    with pytest.raises(UnsupportedFunctionError, match="y"):
        enclose(x + y, {x: (0, 1)})


def test_unsupported_function_is_named() -> None:
    with pytest.raises(UnsupportedFunctionError, match="zeta"):
        enclose(sp.zeta(x), {x: (2, 3)})


@pytest.mark.parametrize(
    ("expr", "box", "true_max"),
    [
        (sp.sin(x) - x + x**3 / 6, {x: (-1, 1)}, abs(math.sin(1) - 1 + 1 / 6)),
        (sp.exp(x) * sp.cos(3 * x), {x: (0, 1)}, math.e * abs(math.cos(3))),
        (x * y * sp.exp(-(x**2) - y**2), {x: (-2, 2), y: (-2, 2)}, 0.5 * math.exp(-1)),
    ],
)
def test_bound_abs_is_certified_and_tight(expr, box, true_max) -> None:
    variables = sorted(expr.free_symbols, key=lambda s: s.name)
    b = bound_abs(expr, variables, box, rtol=0.02)
    assert b.converged
    assert b.lower <= true_max * (1 + 1e-12)
    assert true_max <= b.upper <= 1.03 * true_max


def test_program_shares_subexpressions_and_matches_enclose() -> None:
    exprs = [sp.exp(x * y) + x, sp.exp(x * y) * y]
    prog = compile_enclosure(exprs, [x, y])
    for box in subdivide([(0, 1), (-1, 0)], 2):
        got = prog(box)
        for e, iv in zip(exprs, got):
            ref = enclose(e, {x: box[0], y: box[1]})
            assert isinstance(iv, Interval)
            assert iv == ref


def test_text_input_is_parsed_safely_not_sympified() -> None:
    # sympify would run this; the safe parser refuses it
    with pytest.raises(ValueError):
        enclose("__import__('os').getcwd()", {"x": (0, 1)})
    iv = enclose("x^2 - 2*x", {"x": ("0", "3")})
    assert iv.lo <= -1.0 <= 3.0 <= iv.hi
    x = sp.Symbol("x")
    b = bound_abs("sin(x) - x", [x], {x: (0, "pi/4")}, rtol=0.01)
    true = math.pi / 4 - math.sin(math.pi / 4)
    assert true * (1 - 1e-12) <= b.upper <= 1.02 * true
