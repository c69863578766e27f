"""symtaylor.parse_answer / read_answer: answers as text (student spellings, with notes) and as
LaTeX (a lark grammar), against hand-built SymPy objects and SymPy's own LaTeX printer; the
safety of the path (no sympify, bounded sizes, ParseError with a column)."""

from __future__ import annotations

import ast
import random
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import random_expr

import symtaylor
from symtaylor import ParseError
from symtaylor.answer_parsing import exact_as_written, parse_answer, read_answer

x, y, n, a, b, c, d = sp.symbols("x y n a b c d")
R = sp.Rational


# -- LaTeX: the forms the issue names, against hand-built objects --------------------------------


@pytest.mark.parametrize("tex, expected", [
    (r"\frac{x^2}{2}", x**2 / 2),
    (r"\dfrac{1}{1+e^{-x}}", 1 / (1 + sp.exp(-x))),
    (r"\frac12", R(1, 2)),
    (r"e^{x}", sp.exp(x)),
    (r"e^{2x} \cdot \sin x", sp.exp(2 * x) * sp.sin(x)),
    (r"\sin x \cos x", sp.sin(x) * sp.cos(x)),           # a bare argument ends at a function
    (r"\sin 2x", sp.sin(2 * x)),                          # ... and runs over a product
    (r"\sin(x) y", y * sp.sin(x)),                        # a parenthesised one ends there
    (r"\sin^2 x + \cos^2 x", sp.sin(x)**2 + sp.cos(x)**2),
    (r"\sin^{-1} x", sp.asin(x)),
    (r"\sqrt{x^2 + 1}", sp.sqrt(x**2 + 1)),
    (r"\sqrt[3]{x}", x**R(1, 3)),
    (r"2 \times 3 \cdot x", 6 * x),
    (r"\left( x + 1 \right)^{2}", (x + 1)**2),
    (r"\left[ x - 1 \right] y", (x - 1) * y),
    (r"\left| x \right| + |y - 1|", sp.Abs(x) + sp.Abs(y - 1)),
    (r"x_1 + x_{12} + \theta_{0}", sp.Symbol("x_1") + sp.Symbol("x_12") + sp.Symbol("theta_0")),
    (r"\alpha \beta", sp.Symbol("alpha") * sp.Symbol("beta")),
    (r"2\pi r", 2 * sp.pi * sp.Symbol("r")),
    (r"\ln x - \log_{2} x", sp.log(x) - sp.log(x, 2)),
    (r"\exp(-x^{2}/2)", sp.exp(-x**2 / 2)),
    (r"n! + (n+1)!", sp.factorial(n) + sp.factorial(n + 1)),
    (r"3!", 6),
    (r"$xy$", x * y),                                     # LaTeX letters are one symbol each
    (r"-x^2", -x**2),
    (r"a - b - c", a - b - c),
    (r"\frac{a}{b} / c", a / b / c),
    (r"1.5 \times 10^{-3}", R(3, 2000)),
    (r"\mathrm{e}^{i\pi}", sp.exp(sp.Symbol("i") * sp.pi)),
    (r"\operatorname{sgn}(x)", sp.sign(x)),
    (r"$x^2$", x**2),
    (r"\( \frac{1}{3} \)", R(1, 3)),
    (r"f(x) = 2x", 2 * x),
])
def test_latex_expressions(tex: str, expected: sp.Expr) -> None:
    assert parse_answer(tex) == expected


@pytest.mark.parametrize("tex, rows", [
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", [[1, 2], [3, 4]]),
    (r"\begin{bmatrix} 2x & 1 \\ 1 & 0 \\ \end{bmatrix}", [[2 * x, 1], [1, 0]]),
    (r"\pmatrix{a & b \cr c & d}", [[a, b], [c, d]]),
    (r"\left( \begin{array}{cc} 1 & x \\ y & 0 \end{array} \right)", [[1, x], [y, 0]]),
    (r"\begin{pmatrix} 2x \\ 20y \end{pmatrix}", [[2 * x], [20 * y]]),
    (r"\left(1, \frac{1}{2}\right)", [[1], [R(1, 2)]]),
])
def test_latex_matrices(tex: str, rows: list[list[sp.Expr]]) -> None:
    assert parse_answer(tex) == sp.Matrix(rows)


@given(st.integers(0, 10_000))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_sympy_latex_printer_round_trips(seed: int) -> None:
    """What SymPy's own LaTeX printer writes (an independent producer of LaTeX) reads back to
    the same expression."""
    e = random_expr(random.Random(seed), 2, [x, y])
    assert sp.simplify(parse_answer(sp.latex(e)) - e) == 0


# -- text: student spellings, each read with a note ------------------------------------------------


@pytest.mark.parametrize("text, expected, note", [
    ("2x", 2 * x, "read 2x as 2*x"),
    ("x y", x * y, "read x y as x*y"),
    ("x(x+1)", x * (x + 1), "read x(...) as x*(...)"),
    ("(x+1)(x-1)", (x + 1) * (x - 1), "read (...)(...) as (...)*(...)"),
    ("e", sp.E, "read e as Euler's number"),
    ("e^x", sp.exp(x), "read e as Euler's number"),
    ("x²", x**2, "read x² as x^2"),
    ("x⁻¹", 1 / x, "read x⁻¹ as x^-1"),
    ("x₁ + x₂", sp.Symbol("x_1") + sp.Symbol("x_2"), "read x₁ as x_1"),
    ("2!", 2, "read 2! as factorial(2)"),
    ("(n+1)!", sp.factorial(n + 1), "read (n+1)! as factorial(n+1)"),
    ("√x", sp.sqrt(x), "read √x as sqrt(x)"),
    ("√(x+1)", sp.sqrt(x + 1), "read √(...) as sqrt(...)"),
    ("π/2", sp.pi / 2, "read π as pi"),
    ("sin x", sp.sin(x), "read sin x as sin(x)"),
    ("|x - 1|", sp.Abs(x - 1), "read |...| as Abs(...)"),
    ("I^2", -1, "read I as the imaginary unit"),
    ("y = 3x", 3 * x, "read only the right-hand side of y = ..."),
])
def test_text_spellings_are_read_with_a_note(text: str, expected: sp.Expr, note: str) -> None:
    value, notes = read_answer(text)
    assert value == expected and note in notes


@pytest.mark.parametrize("text, expected", [
    ("x^2 + 1", x**2 + 1),
    ("3·x − 1", 3 * x - 1),
    ("exp(x) * sin(y)", sp.exp(x) * sp.sin(y)),
    ("lambda * x", sp.Symbol("lambda") * x),
])
def test_plain_text_has_no_notes(text: str, expected: sp.Expr) -> None:
    assert read_answer(text) == (expected, ())


@pytest.mark.parametrize("text, hint", [
    ("2 3", "two numbers side by side"),
    ("sin x^2", "parentheses"),
    ("x!!", "only n!"),
    ("√", "needs an argument"),
    ("|x", "unmatched |"),
    (r"\int x \, dx", "not part of an answer"),
    (r"x^23 + \pi", "one character as the exponent"),
    (r"\begin{vmatrix} 1 & 2 \\ 3 & 4 \end{vmatrix}", "determinant"),
    (r"\begin{pmatrix} 1 & 2 \\ 3 \end{pmatrix}", "different lengths"),
    (r"\frac{1}{0}", "division by zero"),
    (r"\infty", "infinity"),
])
def test_refusals_carry_a_hint(text: str, hint: str) -> None:
    with pytest.raises(ParseError, match=hint.replace("|", r"\|")):
        parse_answer(text)


def test_errors_point_at_the_place() -> None:
    with pytest.raises(ParseError) as exc:
        parse_answer(r"x + \foo{y}")
    assert exc.value.column == 5 and "\\foo" in str(exc.value)
    with pytest.raises(ParseError) as exc:
        parse_answer("2x + 3 3")                 # after a rewrite: still the original column
    assert exc.value.column == 6


# -- decimals, I, symbols ------------------------------------------------------------------------


def test_decimals_read_exactly_as_written() -> None:
    assert parse_answer("0.99999999") == R(99999999, 10**8)
    assert parse_answer("0.333333333333333") == R(333333333333333, 10**15) != R(1, 3)
    assert parse_answer("0.30000000000000004") == R(30000000000000004, 10**17)
    assert parse_answer(r"0.125 x") == x / 8
    assert parse_answer("1e-3") == R(1, 1000)
    assert exact_as_written(sp.Float(0.1)) == R(1, 10)


def test_symbols_keep_e_and_i_as_variables() -> None:
    e_, i_ = sp.Symbol("e", positive=True), sp.Symbol("I")
    assert parse_answer("e^2 + I", {"e": e_, "I": i_}) == e_**2 + i_
    assert parse_answer(r"e^{2}", {"e": e_}) == e_**2
    assert parse_answer("2*I + 1") == 1 + 2 * sp.I


# -- safety ----------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [
    "__import__('os').system('true')",
    "x.__class__",
    "().__class__.__bases__",
    r"\__import__",
    "9**9**9**9",
    "factorial(10**100)",
    r"10^{10^{10^{10}}}",
    r"\left(" * 100 + "x" + r"\right)" * 100,
    r"\frac{" * 100 + "x" + "}{2}" * 100,
    "x" * 30_000,
    "1" * 2000,
    "x\x00",
])
def test_hostile_text_is_refused_quickly(payload: str) -> None:
    with pytest.raises(ParseError):
        parse_answer(payload)


def test_long_sums_do_not_recurse() -> None:
    assert parse_answer(" + ".join(["x"] * 2500)) == 2500 * x
    assert parse_answer(" + ".join([r"\frac{x}{2}"] * 1200)) == 600 * x


def test_no_sympify_or_sympy_latex_parser_in_the_module() -> None:
    src = Path(symtaylor.answer_parsing.__file__).read_text(encoding="utf-8")
    tree = ast.parse(src)
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} | {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not names & {"sympify", "parse_expr", "parse_latex", "eval", "exec", "S"}
    imports = {m.module for m in ast.walk(tree) if isinstance(m, ast.ImportFrom)} | {
        al.name for m in ast.walk(tree) if isinstance(m, ast.Import) for al in m.names}
    assert not any(str(m).startswith("sympy.parsing") for m in imports)


def test_grammar_ships_as_package_data() -> None:
    grammar = Path(symtaylor.answer_parsing.__file__).with_name("answer_latex.lark")
    assert grammar.is_file()
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    assert "answer_latex.lark" in pyproject.read_text(encoding="utf-8")


def test_products_of_the_question_variables() -> None:
    """With the question's variables known, ``2xy`` is ``2*x*y`` (and ``xy`` alone, without
    them, stays one symbol)."""
    syms = {n: sp.Symbol(n) for n in ("x", "y", "theta1", "theta2")}
    value, notes = read_answer("2xy + theta1theta2", syms)
    assert value == 2 * x * y + sp.Symbol("theta1") * sp.Symbol("theta2")
    assert "read xy as x*y" in notes
    assert parse_answer("xy") == sp.Symbol("xy")


# -- every checker reads text and LaTeX answers ----------------------------------------------------


@pytest.mark.parametrize("check, args, answer", [
    # truths by hand: T3[exp] = 1 + x + x^2/2 + x^3/6; grad(x^2 y) = (2xy, x^2);
    # Hess(x^2 + 10 y^2) = diag(2, 20); Newton lands on (0, 0); 1/L = 1/20 for L = 20
    ("check_taylor", ("exp(x)", "x", 0, 3), r"1 + x + \frac{x^2}{2} + \frac{x^{3}}{3!}"),
    ("check_taylor", ("exp(x)", "x", 0, 3), "1 + x + x²/2 + x³/6"),
    ("check_gradient", ("x^2*y", "x, y"), r"\begin{pmatrix} 2xy \\ x^2 \end{pmatrix}"),
    ("check_gradient", ("x^2*y", "x, y"), "(2xy, x²)"),
    ("check_hessian", ("x^2 + 10*y^2", "x, y"), r"\begin{bmatrix} 2 & 0 \\ 0 & 20 \end{bmatrix}"),
    ("check_newton_step", ("x^2 + 10*y^2", "x, y"), r"\left(0, 0\right)"),
    ("check_step_size", ("x^2 + 10*y^2", "x, y"), r"\frac{1}{20}"),
    ("check_jacobian", (["x - 1", "10*(y - x^2)"], "x, y"),
     r"\begin{pmatrix} 1 & 0 \\ -20x & 10 \end{pmatrix}"),
])
def test_checkers_accept_text_and_latex(check: str, args: tuple[Any, ...], answer: str) -> None:
    assert getattr(symtaylor, check)(*args, answer).correct
