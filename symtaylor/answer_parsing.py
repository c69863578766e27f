r"""Reading answers as people write them: text with student spellings, or LaTeX.

:func:`parse_answer` turns an answer into a SymPy expression or Matrix; :func:`read_answer`
also says how it was read (``"read 2x as 2*x"``, ``"read e as Euler's number"``). Both go
through the same safe path as :func:`symtaylor.parse`: the text becomes an allow-listed Python
AST, which :mod:`symtaylor.parsing` builds bottom-up with its size bounds. Nothing reaches
``eval``, ``exec``, ``sympify`` or ``sympy.parsing.latex``.

* **LaTeX** (any text with a backslash, a brace or an ``&``, or wrapped in ``$...$``,
  ``\(...\)``, ``\[...\]``) is parsed by a `lark <https://github.com/lark-parser/lark>`_ LALR
  grammar shipped as ``answer_latex.lark``: ``\frac{x^2}{2}``, ``\dfrac``, ``\frac12``,
  ``e^{x}``, ``\sin x``, ``\sin^2 x``, ``\log_2 x``, ``\ln``, ``\sqrt{x}``, ``\sqrt[3]{x}``,
  ``\cdot``, ``\times``, ``\left( \right)``, ``\left| x \right|``, ``|x|``, ``x_1``,
  ``x_{12}``, Greek letters (``\theta`` is the symbol ``theta``), ``\pi``, ``n!``, implicit
  products (``2x``, ``xy`` is ``x*y``), matrices (``pmatrix``, ``bmatrix``, ``matrix``,
  ``array``, ``\pmatrix{a & b \cr c & d}``) and vectors ``\left(1, 2\right)`` (a column).
* **Text** is :func:`symtaylor.parse`'s syntax, plus the spellings students use, each read with
  a note: ``2x`` (``2*x``), ``x y`` (``x*y``), ``x(x+1)`` (``x*(x+1)``), ``e`` and ``e^x``
  (Euler's number), ``x²`` and ``x⁻¹``, ``x₁`` (``x_1``), ``2!`` and ``(n+1)!``, ``√x`` and
  ``√(x+1)``, ``∛x``, ``π``, ``·``, ``×``, ``÷``, ``−``, ``sin x`` (``sin(x)``).
* In answers ``I`` is the imaginary unit (``symtaylor.parse`` keeps it a plain symbol, as other
  callers need), unless ``symbols`` maps the name ``"I"`` (or ``"e"``) to a variable.
* Decimals are read exactly as written: ``0.99999999`` is ``99999999/10**8`` (never snapped to
  a nearby fraction).

Refusals are :class:`~symtaylor.errors.ParseError` with the column and a hint.

Examples
--------
>>> from symtaylor.answer_parsing import parse_answer, read_answer
>>> parse_answer(r"\frac{x^2}{2} + e^{x}")
x**2/2 + exp(x)
>>> read_answer("2x + x²")
(x**2 + 2*x, ('read 2x as 2*x', 'read x² as x^2'))
>>> parse_answer(r"\begin{pmatrix} 2x & 1 \\ 1 & 0 \end{pmatrix}")
Matrix([
[2*x, 1],
[  1, 0]])
>>> parse_answer("0.99999999")
99999999/100000000
"""

from __future__ import annotations

import ast
import fractions
import functools
import importlib.resources
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .errors import InputError, ParseError
from .parsing import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    _Builder,
    _checked_source,
    _rename_keywords,
    clip,
)

__all__ = ["AnswerReading", "exact_as_written", "parse_answer", "read_answer"]


# -- the result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerReading:
    """An answer as read: the object (expression or Matrix), the notes on how it was read,
    whether it was LaTeX, and its written form (``form``: nested tuples, for the answer tests
    that look at how an answer is written, e.g. ``EqualComAss``)."""

    value: Any
    notes: tuple[str, ...]
    latex: bool
    form: Any

    def __repr__(self) -> str:
        return f"AnswerReading({self.value!r}, notes={self.notes!r})"


def read_answer(text: str, symbols: Mapping[str, sp.Symbol] | None = None
                ) -> tuple[Any, tuple[str, ...]]:
    """Read an answer (text or LaTeX) and say how it was read.

    Parameters
    ----------
    text : str
        The answer: text (``"2x + e^x"``) or LaTeX (``r"2x + e^{x}"``, ``r"\\frac{1}{2}"``).
    symbols : mapping, optional
        Names to map to given symbols (variables with assumptions). A name ``"e"`` or ``"I"``
        given here stays that variable instead of Euler's number or the imaginary unit.

    Returns
    -------
    (value, notes)
        ``value`` is a SymPy expression, or a Matrix for a matrix or a vector (a column);
        ``notes`` are lines such as ``"read 2x as 2*x"`` (empty when read as written).

    Raises
    ------
    ParseError
        Malformed or refused input; the message points at the place and gives a hint.

    Examples
    --------
    >>> read_answer("e^x + 3!")
    (exp(x) + 6, ("read e as Euler's number", 'read 3! as factorial(3)'))
    >>> read_answer(r"\\sqrt{x} \\cdot \\pi")
    (pi*sqrt(x), ())
    >>> read_answer("2 3")
    Traceback (most recent call last):
    ...
    symtaylor.errors.ParseError: two numbers side by side: write 2*3 or 23 at column 1: 2 3
    """
    r = _read(text, symbols)
    return r.value, r.notes


def parse_answer(text: str, symbols: Mapping[str, sp.Symbol] | None = None) -> Any:
    """An answer (text or LaTeX) as a SymPy expression or Matrix: :func:`read_answer`
    without the notes.

    Examples
    --------
    >>> parse_answer(r"\\left( x+1 \\right)^{2} - \\ln x")
    (x + 1)**2 - log(x)
    >>> parse_answer("√x + π")
    sqrt(x) + pi
    >>> parse_answer("2*I*I")
    -2
    """
    return _read(text, symbols).value


def _read(text: Any, symbols: Mapping[str, sp.Symbol] | None = None) -> AnswerReading:
    body, latex = _unwrap(_checked_source(text, symbols).strip())
    if not body:
        raise ParseError("empty answer")
    body, lhs_notes = _right_hand_side(body)
    syms = dict(symbols or {})
    if latex:
        tree, notes = _latex_ast(body, syms)
        source = _LATEX_SOURCE(body)
    else:
        source, tree, notes = _text_ast(body, euler="e" not in syms, known=frozenset(syms))
    value = _build(tree, source, syms)
    value, more = _constants(value, syms, notes)
    return AnswerReading(value, lhs_notes + notes + more, latex, _form(tree, source))


_LHS = re.compile(r"\s*(?P<lhs>[A-Za-z\\][\w\\{}']*(?:\s*(?:\\left)?\((?:[^()=]|\\right)*\))?)"
                  r"\s*=(?![=<>])")


def _right_hand_side(body: str) -> tuple[str, tuple[str, ...]]:
    """``y = 2x``, ``f(x) = ...``, ``T_3 = ...``: only the right-hand side is the answer
    (with a note; the left side is blanked, so columns stay right). An ``=`` elsewhere is
    refused by the parser."""
    m = _LHS.match(body)
    if not m or "=" in body[m.end():]:
        return body, ()
    lhs = m.group("lhs")
    note = f"read only the right-hand side of {clip(lhs, 20)} = ..."
    return " " * m.end() + body[m.end():], (note,)


def _unwrap(text: str) -> tuple[str, bool]:
    """Strip ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``; whether the text is LaTeX."""
    for a, b in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if len(text) >= len(a) + len(b) and text.startswith(a) and text.endswith(b):
            return text[len(a):len(text) - len(b)].strip(), True
    return text, any(c in text for c in "\\{}&")


# -- building --------------------------------------------------------------------------------


class _LATEX_SOURCE(str):
    """The LaTeX text on one line (the AST's columns index it)."""

    def __new__(cls, text: str) -> _LATEX_SOURCE:
        return super().__new__(cls, text.replace("\r", " ").replace("\n", " ").replace("\t", " "))


_MATRIX = "__matrix__"  # marker of a Matrix in the tree: a tuple (_MATRIX, rows of AST nodes)


def _build(tree: Any, source: str, syms: dict[str, sp.Symbol]) -> Any:
    """The SymPy object of the AST (a matrix marker: a Matrix), by symbols' own builder."""
    builder = _Builder(source, syms, getattr(tree, "_renamed", None))
    if isinstance(tree, tuple) and tree[0] == _MATRIX:
        rows = [[_build_one(builder, n, source) for n in row] for row in tree[1]]
        return sp.Matrix(rows)
    return _build_one(builder, tree, source)


def _build_one(builder: _Builder, node: ast.AST, source: str) -> sp.Expr:
    try:
        value = builder.build(node)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError(f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                         source) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise ParseError(f"could not build expression: {clip(str(exc))}", source) from None
    if not isinstance(value, sp.Expr):
        raise ParseError("the answer is not an arithmetic expression", source)
    return exact_as_written(value)


def exact_as_written(value: Any) -> Any:
    """Every Float replaced by the decimal it shows, exactly: ``0.99999999`` is
    ``99999999/10**8`` and ``0.333333333333333`` is ``333333333333333/10**15`` (no snapping
    to a nearby fraction). A Float from text keeps every digit typed; a Python float shows
    its 15 significant digits (``0.1`` is ``1/10``).

    Examples
    --------
    >>> import sympy as sp
    >>> exact_as_written(sp.Float("0.99999999", 15))
    99999999/100000000
    >>> exact_as_written(sp.Float(0.1) * sp.Symbol("x"))
    x/10
    """
    if isinstance(value, sp.MatrixBase):
        return value.applyfunc(exact_as_written)
    if not isinstance(value, sp.Basic) or not value.has(sp.Float):
        return value
    return value.xreplace({f: _decimal(f) for f in value.atoms(sp.Float)})


def _decimal(f: sp.Float) -> sp.Expr:
    if not f.is_finite:
        return f
    mant, exp = f._mpf_[1], f._mpf_[2]
    if mant and abs(exp) > 4_000:  # 2**4000: far beyond any decimal a person types
        raise InputError(f"the number {clip(str(f))} is too large or too small to make exact")
    q = fractions.Fraction(str(f))
    return sp.Rational(q.numerator, q.denominator)


def _constants(value: Any, syms: Mapping[str, sp.Symbol], notes: tuple[str, ...]
               ) -> tuple[Any, tuple[str, ...]]:
    """``I`` is the imaginary unit unless ``symbols`` names it."""
    if "I" in syms:
        return value, ()
    atoms = value.free_symbols if isinstance(value, sp.Basic | sp.MatrixBase) else set()
    i = next((s for s in atoms if s.name == "I"), None)
    if i is None:
        return value, ()
    return value.xreplace({i: sp.I}), ("read I as the imaginary unit",)


# -- the written form --------------------------------------------------------------------------


def _form(tree: Any, source: str) -> Any:
    """How the answer is written, as nested tuples (for the answer tests of form, such as
    ``CasEqual`` and ``EqualComAss``): ``('+', terms)`` and ``('*', factors)`` for a chain
    written without parentheses (``a - b`` is ``('+', (a, ('neg', b)))``; ``(a + b) + c`` keeps
    its inner sum), ``('/', a, b)``, ``('^', a, b)``, ``('neg', a)``, ``('pos', a)``,
    ``('call', name, args)``, ``('num', Rational)`` for an integer, ``('dec', Rational)`` for a
    decimal, ``('sym', name)``; a matrix is ``('matrix', rows)``."""
    if isinstance(tree, tuple) and tree[0] == _MATRIX:
        return ("matrix", tuple(tuple(_FormBuilder(source).node(n) for n in row)
                                for row in tree[1]))
    return _FormBuilder(source, getattr(tree, "_renamed", None)).node(tree)


class _FormBuilder:
    def __init__(self, source: str, renamed: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.renamed = dict(renamed or {})

    def node(self, node: ast.AST, depth: int = 0) -> Any:
        if depth > 4 * MAX_DEPTH:
            raise ParseError("expression nested too deeply to compare its written form")
        if isinstance(node, ast.BinOp):
            family = _FAMILY_OF.get(type(node.op))
            if family is None:
                op = "^" if isinstance(node.op, ast.Pow) else "/"
                return (op, self.node(node.left, depth + 1), self.node(node.right, depth + 1))
            # the left spine of a chain written without parentheses, walked iteratively
            spine, links = node, []
            while (isinstance(spine, ast.BinOp) and _FAMILY_OF.get(type(spine.op)) == family
                   and (spine is node or spine.col_offset == node.col_offset)):
                links.append(spine)
                spine = spine.left
            items = [self.node(spine, depth + 1)]
            for link in reversed(links):
                right = self.node(link.right, depth + 1)
                items.append(("neg", right) if isinstance(link.op, ast.Sub) else right)
            if family == "*" and any(isinstance(link.op, ast.Div) for link in links):
                # a*b/c: the division is binary (only '*' chains are n-ary)
                acc = items[0]
                for link, item in zip(reversed(links), items[1:]):
                    if isinstance(link.op, ast.Div):
                        acc = ("/", acc, item)
                    else:
                        acc = ("*", (*acc[1], item)) if acc[0] == "*" else ("*", (acc, item))
                return acc
            return (family, tuple(items))
        if isinstance(node, ast.UnaryOp):
            inner = self.node(node.operand, depth + 1)
            return ("neg", inner) if isinstance(node.op, ast.USub) else ("pos", inner)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return ("call", node.func.id, tuple(self.node(a, depth + 1) for a in node.args))
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            text = getattr(node, "_text", None) or ast.get_source_segment(self.source, node)
            text = (text or repr(node.value)).replace("_", "")
            q = fractions.Fraction(text)
            tag = "num" if isinstance(node.value, int) else "dec"
            return (tag, sp.Rational(q.numerator, q.denominator))
        if isinstance(node, ast.Name):
            return ("sym", self.renamed.get(node.id, node.id))
        return ("?", type(node).__name__)  # pragma: no cover - the builder refused it


_FAMILY_OF = {ast.Add: "+", ast.Sub: "+", ast.Mult: "*", ast.Div: "*"}


# -- text --------------------------------------------------------------------------------------

_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                 "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+"}
_SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6",
               "₇": "7", "₈": "8", "₉": "9"}
_SYMBOLS = {"·": "*", "×": "*", "⋅": "*", "∙": "*", "÷": "/", "−": "-", "–": "-", "π": "pi"}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>(?:(?![⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉])[^\W\d])(?:(?![⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉])\w)*)
  | (?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)
  | (?P<sub>[₀₁₂₃₄₅₆₇₈₉]+)
  | (?P<op>\*\*|//|<=|>=|==|!=|.)
""", re.VERBOSE | re.DOTALL)


@dataclass
class _Tok:
    kind: str  # number, name, op, sup, sub, space
    text: str
    col: int  # 0-based column in the original text


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.lastgroup or "op", m.group(), m.start()) for m in _TOKEN.finditer(text)]


def _operand_end(t: _Tok) -> bool:
    return t.kind in ("number", "name", "sup") or t.text in (")", "!")


def _text_ast(text: str, euler: bool = True, known: frozenset[str] = frozenset()
              ) -> tuple[str, ast.AST, tuple[str, ...]]:
    """Rewrite a student's spellings into the parser's syntax (with notes), then parse it to
    the allow-listed AST. Columns of errors refer to the original text."""
    out: list[tuple[str, int]] = []  # (piece, original column)
    notes: list[str] = []

    def note(s: str) -> None:
        if s not in notes:
            notes.append(s)

    toks = [t for t in _tokens(text)]
    bars: list[int] = []
    i = 0
    prev: _Tok | None = None  # last non-space token emitted
    spaced = False
    while i < len(toks):
        t = toks[i]
        if t.kind == "space":
            spaced = True
            i += 1
            continue
        if t.text in _SYMBOLS:
            if t.text == "π":
                note("read π as pi")
            t = _Tok("name" if t.text == "π" else "op", _SYMBOLS[t.text], t.col)
        if t.text == "|":
            t = _Tok("op", "Abs(" if not bars else ")", t.col)
            if t.text == ")":
                bars.pop()
                note("read |...| as Abs(...)")
            else:
                bars.append(t.col)
            if t.text == "Abs(" and prev is not None and _operand_end(prev):
                out.append(("*", t.col))
            out.append((t.text, t.col))
            prev = _Tok("op", "(" if t.text == "Abs(" else ")", t.col)
            i += 1
            continue
        if t.kind == "name" and unicodedata.normalize("NFKC", t.text) != t.text:
            raise ParseError("unexpected characters in a name (superscripts or other "
                             "compatibility characters)", text, t.col + 1, clip(t.text))
        # implicit multiplication between two operands
        if prev is not None and _operand_end(prev) and _starts_operand(t):
            if prev.kind == "number" and t.kind == "number":
                raise ParseError(f"two numbers side by side: write {prev.text}*{t.text} or "
                                 f"{prev.text}{t.text}", text, prev.col + 1,
                                 clip(text[prev.col:t.col + len(t.text)]))
            if prev.kind == "name" and prev.text in FUNCTIONS and t.text != "(":
                i = _bare_call(toks, i, out, text, prev, note)
                prev = _Tok("op", ")", toks[i - 1].col)
                spaced = False
                continue
            if (prev.kind == "name" and t.text == "(" and len(prev.text) > 1
                    and prev.text not in known and prev.text not in FUNCTIONS):
                raise ParseError(f"unknown function '{clip(prev.text, 40)}' (known functions: "
                                 f"{', '.join(sorted(FUNCTIONS))}); for a product write "
                                 f"{clip(prev.text, 20)}*(...)", text, prev.col + 1,
                                 clip(prev.text))
            if not (prev.kind == "name" and prev.text in FUNCTIONS):
                out.append(("*", t.col))
                note(_implicit_note(prev, t, spaced))
        spaced = False
        if t.kind == "sup":
            digits = "".join(_SUPERSCRIPTS[c] for c in t.text)
            base = _before(out, prev)
            out.extend([("**(", t.col), (digits, t.col), (")", t.col + len(t.text) - 1)])
            note(f"read {base}{t.text} as {base}^{digits}")
        elif t.kind == "sub":
            if prev is None or prev.kind != "name" or (out and out[-1][0] != prev.text):
                raise ParseError("a subscript must follow a name (x₁)", text, t.col + 1, t.text)
            digits = "".join(_SUBSCRIPTS[c] for c in t.text)
            out[-1] = (out[-1][0] + "_" + digits, out[-1][1])
            note(f"read {prev.text}{t.text} as {prev.text}_{digits}")
            t = _Tok("name", prev.text + "_" + digits, prev.col)
        elif t.text in ("√", "∛"):
            fname = "sqrt" if t.text == "√" else "cbrt"
            nxt = _next(toks, i)
            if nxt is None:
                raise ParseError(f"{t.text} needs an argument: {t.text}x or {t.text}(x + 1)",
                                 text, t.col + 1, t.text)
            if toks[nxt].text == "(":
                out.append((fname, t.col))
                note(f"read {t.text}(...) as {fname}(...)")
            elif toks[nxt].kind in ("number", "name"):
                out.extend([(fname + "(", t.col), (toks[nxt].text, toks[nxt].col),
                            (")", toks[nxt].col)])
                note(f"read {t.text}{toks[nxt].text} as {fname}({toks[nxt].text})")
                prev = _Tok("op", ")", toks[nxt].col)
                i = nxt + 1
                continue
            else:
                raise ParseError(f"{t.text} needs an argument: {t.text}x or {t.text}(x + 1)",
                                 text, t.col + 1, t.text)
            t = _Tok("name", fname, t.col)
        elif t.text == "!":
            nxt = _next(toks, i)
            if nxt is not None and toks[nxt].text in ("!", "="):
                raise ParseError("only n! is understood (no n!! or !=)", text, t.col + 1, "!")
            if prev is None or not _operand_end(prev):
                raise ParseError("! must follow a number, a name or a parenthesis", text,
                                 t.col + 1, "!")
            start = _operand_start(out)
            operand = "".join(p for p, _ in out[start:])
            if out[start][0] == "(":  # (n+1)! is factorial(n+1)
                out.insert(start, ("factorial", out[start][1]))
                note(f"read {operand}! as factorial{operand}")
            else:
                out.insert(start, ("factorial(", out[start][1]))
                out.append((")", t.col))
                note(f"read {operand}! as factorial({operand})")
            t = _Tok("op", "!", t.col)
        elif t.kind == "name" and t.text == "e" and euler:
            out.append(("E", t.col))
            note("read e as Euler's number")
        elif t.text == "^":
            out.append(("**", t.col))
        elif t.kind == "name" and (parts := _split_name(t.text, known)):
            out.append(("*".join(parts), t.col))  # xy with variables x, y: x*y
            note(f"read {t.text} as {'*'.join(parts)}")
        else:
            out.append((t.text, t.col))
        prev = t
        i += 1
    if bars:
        raise ParseError("unmatched |: write |x|", text, bars[-1] + 1, "|")
    source = "".join(p for p, _ in out)
    columns = [c for p, c in out for _ in p]
    tree = _python_ast(source, columns, text)
    return source, tree, tuple(notes)


def _split_name(name: str, known: frozenset[str]) -> list[str] | None:
    """``xy`` as ``[x, y]`` when ``x`` and ``y`` are the question's variables and ``xy`` is not
    a name it knows (a function, a constant or a variable); None otherwise."""
    if not known or name in known or name in FUNCTIONS or name in ("pi", "E", "I") or len(
            name) > 40:
        return None
    best: list[list[str] | None] = [None] * (len(name) + 1)
    best[0] = []
    for end in range(1, len(name) + 1):
        for start in range(end):
            head = best[start]
            if head is not None and name[start:end] in known:
                best[end] = [*head, name[start:end]]
                break
    parts = best[len(name)]
    return parts if parts and len(parts) > 1 else None


def _starts_operand(t: _Tok) -> bool:
    return t.kind in ("number", "name") or t.text in ("(", "√", "∛")


def _next(toks: list[_Tok], i: int) -> int | None:
    j = i + 1
    while j < len(toks) and toks[j].kind == "space":
        j += 1
    return j if j < len(toks) else None


def _before(out: list[tuple[str, int]], prev: _Tok | None) -> str:
    """The operand just written (for a note): a name, a number or ``(...)``."""
    if prev is None:
        return ""
    start = _operand_start(out)
    return "".join(p for p, _ in out[start:])


def _operand_start(out: list[tuple[str, int]]) -> int:
    """Index in ``out`` where the last operand starts (a name, number, or a parenthesised
    group with the function name before it)."""
    j = len(out) - 1
    if out[j][0].endswith(")"):
        depth = 0
        while j >= 0:
            piece = out[j][0]
            depth += piece.count(")") - piece.count("(")
            if depth <= 0 and "(" in piece:
                break
            j -= 1
        j = max(j, 0)
        if out[j][0] == "(" and j > 0 and re.fullmatch(r"\w+", out[j - 1][0]):
            j -= 1  # the function called
        return j
    return j


def _implicit_note(prev: _Tok, t: _Tok, spaced: bool) -> str:
    a = prev.text if prev.kind != "sup" else "…" + prev.text
    if t.text == "(":
        b = "(...)"
        a = "(...)" if prev.text == ")" else a
        return f"read {a}{b} as {a}*{b}"
    if prev.text == ")":
        return f"read (...){t.text} as (...)*{t.text}"
    sep = " " if spaced else ""
    return f"read {a}{sep}{t.text} as {a}*{t.text}"


def _bare_call(toks: list[_Tok], i: int, out: list[tuple[str, int]], text: str,
               func: _Tok, note: Any) -> int:
    """``sin x`` read as ``sin(x)``: one name or number as the argument, and nothing that
    could extend it (``sin x^2``, ``sin 2x``) is refused with a hint."""
    t = toks[i]
    nxt = _next(toks, i)
    if t.kind in ("number", "name") and t.text not in FUNCTIONS and (
            nxt is None or toks[nxt].text in ("+", "-", ")", ",", "*", "/", "−")):
        out.extend([("(", t.col), (t.text, t.col), (")", t.col)])
        note(f"read {func.text} {t.text} as {func.text}({t.text})")
        return i + 1
    raise ParseError(f"write the argument of {func.text} in parentheses: {func.text}(...)",
                     text, t.col + 1, clip(text[func.col:t.col + len(t.text)]))


def _python_ast(source: str, columns: list[int], original: str) -> ast.AST:
    renamed_source, renamed = _rename_keywords(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(renamed_source, mode="eval")
    except SyntaxError as exc:
        col = _original_column(exc.offset, columns)
        frag = original[col - 1: col + 9] if col else None
        why = "" if exc.msg == "invalid syntax" else f" ({clip(exc.msg)})"
        raise ParseError(f"invalid syntax{why}", original, col, frag) from None
    except (RecursionError, MemoryError):
        raise ParseError(f"expression nested too deeply (nest at most {MAX_DEPTH} levels)",
                         original) from None
    except ValueError as exc:
        raise ParseError(f"could not read answer: {clip(str(exc))}", original) from None
    body = tree.body
    body._renamed = renamed  # type: ignore[attr-defined]
    return body


def _original_column(offset: int | None, columns: list[int]) -> int | None:
    if not offset:
        return None
    k = min(offset - 1, len(columns) - 1)
    return columns[k] + 1 if k >= 0 else None


# -- LaTeX -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _latex_parser() -> Any:
    import lark

    grammar = importlib.resources.files("symtaylor").joinpath("answer_latex.lark").read_text(
        encoding="utf-8")
    return lark.Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


_GREEK_LATEX = re.compile(r"\\([A-Za-z]+)")
_BAR = re.compile(r"(?<!\\)\|")
_VERT_OPEN, _VERT_CLOSE = "\x01", "\x02"


def _bars(text: str) -> str:
    """Plain bars ``|x|`` as one-character open/close marks (open, close, open...:
    ``|a| + |b|``) that the grammar reads as ``\\lvert``/``\\rvert``; the length is kept, so
    columns stay right. ``\\left|`` and ``\\right|`` are left to the grammar."""
    if "|" not in text:
        return text
    out, opening, last = [], True, 0
    for m in _BAR.finditer(text):
        before = text[max(0, m.start() - 7):m.start()].rstrip()
        if before.endswith("\\left") or before.endswith("\\right"):
            continue
        out.append(text[last:m.start()])
        out.append(_VERT_OPEN if opening else _VERT_CLOSE)
        opening = not opening
        last = m.end()
    out.append(text[last:])
    if not opening:
        raise ParseError("unmatched |: write |x| or \\left| x \\right|", text)
    return "".join(out)


def _latex_ast(text: str, syms: Mapping[str, sp.Symbol]) -> tuple[Any, tuple[str, ...]]:
    import lark

    one_line = _LATEX_SOURCE(text)
    depth = best = 0
    for ch in one_line:
        if ch in "({[":
            depth += 1
            best = max(best, depth)
        elif ch in ")}]":
            depth -= 1
    if best > MAX_DEPTH:
        raise ParseError(f"expression nested too deeply (more than {MAX_DEPTH} levels)", text)
    if "\x01" in one_line or "\x02" in one_line:
        raise ParseError("input contains control characters", text)
    try:
        tree = _latex_parser().parse(_bars(one_line))
    except lark.exceptions.UnexpectedInput as exc:
        pos = getattr(exc, "pos_in_stream", None)
        if pos is None or pos < 0:
            pos = len(one_line)
        frag = clip(one_line[pos:pos + 10]) or "(the end)"
        raise ParseError(f"LaTeX not understood{_latex_hint(one_line, pos)}", text,
                         pos + 1, frag) from None
    except lark.exceptions.LarkError as exc:  # pragma: no cover - the grammar is LALR-clean
        raise ParseError(f"LaTeX not understood: {clip(str(exc))}", text) from None
    conv = _LatexToAst(one_line, euler="e" not in syms)
    return conv.top(tree.children[0]), tuple(conv.notes)


def _latex_hint(text: str, pos: int) -> str:
    rest = text[pos:]
    m = _GREEK_LATEX.match(rest)
    if m:
        cmd = m.group(1)
        if cmd in ("int", "sum", "prod", "lim", "partial", "nabla", "frac", "mathbb"):
            return f" (\\{cmd} is not part of an answer here: write the result)"
        return f" (unknown command \\{cmd})"
    if rest.startswith("="):
        return " (write only the expression, without '... =')"
    if rest.startswith("^"):
        return " (a second exponent: write x^{a b} with braces)"
    return ""


_LATEX_FUNCS = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "sgn": "sign",
                "max": "Max", "min": "Min"}
_INVERSE = {"sin": "asin", "cos": "acos", "tan": "atan", "sinh": "asinh", "cosh": "acosh",
            "tanh": "atanh"}


class _LatexToAst:
    """The lark tree of a LaTeX answer as the allow-listed Python AST of
    :mod:`symtaylor.parsing` (positions are the LaTeX text's columns)."""

    def __init__(self, text: str, euler: bool = True) -> None:
        self.text = text
        self.euler = euler
        self.notes: list[str] = []
        self.ascii = text.isascii()

    def note(self, s: str) -> None:
        if s not in self.notes:
            self.notes.append(s)

    # positions ---------------------------------------------------------------------------
    def _col(self, pos: int) -> int:
        return pos if self.ascii else len(self.text[:pos].encode("utf-8"))

    def at(self, node: ast.AST, item: Any, end_item: Any = None) -> ast.AST:
        start = _start(item)
        end = _end(end_item if end_item is not None else item)
        node.lineno = node.end_lineno = 1  # type: ignore[attr-defined]
        node.col_offset = self._col(start) if start is not None else 0  # type: ignore[attr-defined]
        node.end_col_offset = self._col(end) if end is not None else len(  # type: ignore[attr-defined]
            self.text.encode("utf-8"))
        return node

    def fail(self, message: str, item: Any) -> ParseError:
        start, end = _start(item), _end(item)
        frag = self.text[start:end] if start is not None and end is not None else None
        return ParseError(message, self.text, None if start is None else start + 1,
                          None if frag is None else clip(frag))

    # the top -----------------------------------------------------------------------------
    def top(self, t: Any) -> Any:
        import lark

        if isinstance(t, lark.Tree) and t.data == "matrix":
            return self.matrix(t)
        if isinstance(t, lark.Tree) and t.data in ("vector", "paren_vector"):
            items = [c for c in t.children if isinstance(c, lark.Tree)]
            return (_MATRIX, [[self.expr(c)] for c in items])
        if isinstance(t, lark.Tree) and t.data == "matrix_top":
            return self.matrix(next(c for c in t.children if isinstance(c, lark.Tree)))
        if isinstance(t, lark.Tree):
            inner = [c for c in t.children if isinstance(c, lark.Tree) and c.data == "matrix"]
            if inner and len([c for c in t.children if isinstance(c, lark.Tree)]) == 1:
                return self.matrix(inner[0])
        return self.expr(t)

    def matrix(self, t: Any) -> Any:
        import lark

        head = t.children[0]
        if isinstance(head, lark.Token) and re.search(r"[vV]matrix", str(head)):
            raise self.fail("a determinant (vmatrix) is not an answer here: write its value",
                            head)
        rows_tree = next(c for c in t.children if isinstance(c, lark.Tree))
        rows = []
        for row in rows_tree.children:
            if isinstance(row, lark.Tree):
                rows.append([self.expr(c) for c in row.children if isinstance(c, lark.Tree)])
        if not rows or any(len(r) != len(rows[0]) for r in rows):
            raise self.fail("the matrix rows have different lengths", t)
        return (_MATRIX, rows)

    # expressions -------------------------------------------------------------------------
    def expr(self, t: Any, depth: int = 0) -> ast.AST:
        import lark

        if depth > 4 * MAX_DEPTH:
            raise self.fail(f"expression nested too deeply (more than {MAX_DEPTH} levels)", t)
        if isinstance(t, lark.Token):  # pragma: no cover - every token sits in a rule
            raise self.fail("unexpected token", t)
        kind = t.data
        kids = [c for c in t.children]
        if kind in ("add", "sub", "mul", "div", "imul"):
            return self.chain(t, depth)
        if kind in ("neg", "pos"):
            operand = self.expr(kids[-1], depth + 1)
            op = ast.USub() if kind == "neg" else ast.UAdd()
            return self.at(ast.UnaryOp(op=op, operand=operand), t)
        if kind == "neg_number":
            operand = self.number(kids[-1])
            return self.at(ast.UnaryOp(op=ast.USub(), operand=operand), t)
        if kind == "pow":
            base = self.expr(kids[0], depth + 1)
            if kids[1].data == "number" and len(str(kids[1].children[0])) > 1:
                digits = str(kids[1].children[0])
                raise self.fail(f"TeX takes one character as the exponent: write "
                                f"^{{{digits}}} for the power {digits}", kids[1])
            expo = self.expr(kids[1], depth + 1)
            return self.at(ast.BinOp(left=base, op=ast.Pow(), right=expo), t)
        if kind == "fact":
            return self.call("factorial", [self.expr(kids[0], depth + 1)], t)
        if kind in ("paren", "group", "bare"):
            inner = [c for c in kids if isinstance(c, lark.Tree)]
            if kind == "bare" and len(inner) > 1:  # pragma: no cover - 'bare' chains are imul
                return self.chain(t, depth)
            return self.expr(inner[0], depth + 1)
        if kind == "number":
            return self.number(kids[0])
        if kind in ("letter", "greek"):
            return self.letter(t)
        if kind == "const":
            name = str(kids[0])[1:]
            if name == "infty":
                raise self.fail("infinity is not an answer here", t)
            return self.at(ast.Name(id="pi", ctx=ast.Load()), t)
        if kind == "named":
            return self.named(t)
        if kind == "frac":
            num, den = (c for c in kids if isinstance(c, lark.Tree))
            return self.at(ast.BinOp(left=self.expr(num, depth + 1), op=ast.Div(),
                                     right=self.expr(den, depth + 1)), t)
        if kind == "frac_digits":
            d = str(kids[1]).strip()
            self.note(f"read \\frac{d} as \\frac{{{d[0]}}}{{{d[1]}}}")
            one = self.at(_constant(int(d[0])), kids[1])
            two = self.at(_constant(int(d[1])), kids[1])
            return self.at(ast.BinOp(left=one, op=ast.Div(), right=two), t)
        if kind == "sqrt":
            arg = next(c for c in kids if isinstance(c, lark.Tree))
            return self.call("sqrt", [self.expr(arg, depth + 1)], t)
        if kind == "root":
            n, arg = (c for c in kids if isinstance(c, lark.Tree))
            one = self.at(_constant(1), t)
            expo = self.at(ast.BinOp(left=one, op=ast.Div(), right=self.expr(n, depth + 1)), n)
            return self.at(ast.BinOp(left=self.expr(arg, depth + 1), op=ast.Pow(), right=expo), t)
        if kind == "abs":
            arg = next(c for c in kids if isinstance(c, lark.Tree))
            return self.call("Abs", [self.expr(arg, depth + 1)], t)
        if kind in ("func", "func_power", "func_base"):
            return self.func(t, depth)
        raise self.fail(f"unsupported LaTeX ({kind})", t)  # pragma: no cover

    def chain(self, t: Any, depth: int) -> ast.AST:
        """``a + b - c`` (or ``a b c``, ``a \\cdot b / c``): its left spine walked
        iteratively, so that long sums do not recurse."""
        import lark

        family = {"add": "+", "sub": "+", "mul": "*", "div": "*", "imul": "*"}[t.data]
        spine, links = t, []
        while isinstance(spine, lark.Tree) and family == {
                "add": "+", "sub": "+", "mul": "*", "div": "*", "imul": "*",
        }.get(spine.data):
            links.append(spine)
            spine = spine.children[0]
        acc = self.expr(spine, depth + 1)
        for link in reversed(links):
            right = self.expr(link.children[-1], depth + 1)
            op = {"add": ast.Add(), "sub": ast.Sub(), "mul": ast.Mult(), "imul": ast.Mult(),
                  "div": ast.Div()}[link.data]
            acc = self.at(ast.BinOp(left=acc, op=op, right=right), link)
        return acc

    def number(self, tok: Any) -> ast.AST:
        s = str(tok)
        if len(s.replace(".", "")) > MAX_INT_DIGITS:
            raise self.fail(f"number longer than {MAX_INT_DIGITS} digits", tok)
        node = ast.Constant(value=float(s) if "." in s else int(s))
        node._text = s  # type: ignore[attr-defined]
        return self.at(node, tok)

    def letter(self, t: Any) -> ast.AST:
        import lark

        tok = t.children[0]
        name = str(tok).lstrip("\\")
        sub = [c for c in t.children if isinstance(c, lark.Tree)]
        if sub:
            name += "_" + "".join(str(c) for c in sub[0].children)
        elif name == "e" and t.data == "letter" and self.euler:
            self.note("read e as Euler's number")
            name = "E"
        return self.at(ast.Name(id=name, ctx=ast.Load()), t)

    def named(self, t: Any) -> ast.AST:
        tok = t.children[0]
        name = re.sub(r"^\\[A-Za-z]+\s*\{\s*|\s*\}$", "", str(tok))
        if name == "e" and self.euler:
            self.note("read e as Euler's number")
            name = "E"
        elif name == "i":
            name = "I"
        elif name in FUNCTIONS:
            raise self.fail(f"write the function as \\{name} or \\operatorname{{{name}}} "
                            "followed by its argument", t)
        return self.at(ast.Name(id=name, ctx=ast.Load()), t)

    def call(self, name: str, args: list[ast.AST], t: Any) -> ast.AST:
        func = self.at(ast.Name(id=name, ctx=ast.Load()), t)
        return self.at(ast.Call(func=func, args=args, keywords=[]), t)

    def func(self, t: Any, depth: int) -> ast.AST:
        tok = t.children[0]
        raw = str(tok)
        name = re.sub(r"^\\operatorname\s*\{\s*|\s*\}$", "", raw).lstrip("\\")
        name = _LATEX_FUNCS.get(name, name)
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function {raw}", tok)
        arg_tree = t.children[-1]
        arg = self.expr(arg_tree, depth + 1)
        if t.data == "func_base":
            if name != "log":
                raise self.fail(f"a subscript on {raw} is not understood (only \\log_b)", t)
            base = self.expr(t.children[1], depth + 1)
            return self.at(ast.Call(func=self.at(ast.Name(id="log", ctx=ast.Load()), tok),
                                    args=[arg, base], keywords=[]), t)
        if t.data == "func_power":
            sup = t.children[1]
            if _is_minus_one(sup) and name in _INVERSE:
                self.note(f"read \\{name}^{{-1}} as the inverse function {_INVERSE[name]}")
                return self.call(_INVERSE[name], [arg], t)
            if _is_minus_one(sup):
                raise self.fail(f"\\{name}^{{-1}}: write 1/\\{name}(...) or the inverse "
                                "function by name", t)
            inner = self.call(name, [arg], t)
            return self.at(ast.BinOp(left=inner, op=ast.Pow(),
                                     right=self.expr(sup, depth + 1)), t)
        return self.call(name, [arg], t)


def _constant(value: int) -> ast.Constant:
    """An integer the LaTeX implies (the 1 of a root's exponent 1/n, the digits of
    ``\\frac12``): its text is its own, not the LaTeX around it."""
    node = ast.Constant(value=value)
    node._text = str(value)  # type: ignore[attr-defined]
    return node


def _is_minus_one(sup: Any) -> bool:
    import lark

    node = sup
    if isinstance(node, lark.Tree) and node.data == "group":
        node = next(c for c in node.children if isinstance(c, lark.Tree))
    if isinstance(node, lark.Tree) and node.data == "neg_number":
        return str(node.children[-1]) == "1"
    if isinstance(node, lark.Tree) and node.data == "neg":
        inner = node.children[-1]
        return (isinstance(inner, lark.Tree) and inner.data == "number"
                and str(inner.children[0]) == "1")
    return False


def _start(item: Any) -> int | None:
    import lark

    if isinstance(item, lark.Token):
        return item.start_pos
    if isinstance(item, lark.Tree) and not item.meta.empty:
        return item.meta.start_pos
    return None


def _end(item: Any) -> int | None:
    import lark

    if isinstance(item, lark.Token):
        return item.end_pos
    if isinstance(item, lark.Tree) and not item.meta.empty:
        return item.meta.end_pos
    return None
