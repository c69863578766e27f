"""Reading the question and the answer: the function and its variables, an answer as one
expression, a vector or a matrix, a claimed number.

An answer may be SymPy, text or LaTeX: text and LaTeX go through
:func:`symtaylor.answer_parsing.read_answer` (student spellings such as ``2x``, ``e^x``, ``x²``
read with a note, ``I`` the imaginary unit), with the question's variables as its symbols.
Decimals are read exactly as written (``0.99999999`` is ``99999999/10**8``), never snapped to a
nearby fraction. :func:`answer_notes` gives the notes of how a text answer was read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..answer_parsing import _read, _unwrap, exact_as_written
from ..coerce import (
    NumberLike,
    PointLike,
    _split_top,
    as_expr,
    as_exprs,
    as_number,
    as_point,
    as_variables,
)
from ..errors import InputError, ParseError
from .equality import _approx_same
from .records import _point_text

#: The note added to a wrong verdict whose answer had decimals close to the right values.
_DECIMALS_NOTE = ("the answer's decimals were read as exact fractions (0.1 is 1/10); write "
                  "exact values, e.g. exp(1/2) rather than exp(0.5) or 1.6487")


def _setup(f: Any, variables: Any) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """The function and its variables (default: its free symbols, sorted by name)."""
    if f is None:
        raise InputError("no function given")
    expr = as_expr(f, as_variables(variables) if variables is not None else None)
    return expr, as_variables(variables, expr)


def _number(value: NumberLike, what: str) -> sp.Expr:
    """A claimed number (a step size): real, text or LaTeX, decimals read exactly as written
    (0.1 is 1/10, 0.99999999 is 99999999/10**8)."""
    if isinstance(value, str):
        value = _text_value(value, (), what)
        if isinstance(value, sp.MatrixBase):
            raise InputError(f"{what} must be a number, got a matrix")
    return exact_as_written(as_number(value, what))


@dataclass(frozen=True)
class _At:
    """The point of a question about a step (``at=``), or none: calling it evaluates a matrix
    of expressions there (simplified); without a point it returns the matrix as is."""

    variables: tuple[sp.Symbol, ...] = ()
    point: tuple[sp.Expr, ...] = ()
    sub: dict[sp.Symbol, sp.Expr] = field(default_factory=dict, compare=False)

    @classmethod
    def read(cls, at: PointLike | None, syms: Sequence[sp.Symbol]) -> _At:
        if at is None:
            return cls()
        point = tuple(exact_as_written(c) for c in as_point(at, syms))
        return cls(tuple(syms), point, dict(zip(syms, point)))

    def __bool__(self) -> bool:
        return bool(self.sub)

    def __call__(self, m: sp.Matrix) -> sp.Matrix:
        return m.xreplace(self.sub).applyfunc(sp.simplify) if self.sub else m

    def text(self) -> str:
        """``x = 1, y = 1/2``."""
        return _point_text(self.variables, self.point)


def _decimals_note(answer: Any, pairs: Iterable[tuple[sp.Expr, sp.Expr]]) -> tuple[str, ...]:
    """The decimals note, when the answer has decimals and each ``(expected, given)`` pair
    agrees to about 6 digits (the answer was right, only written in decimals)."""
    if _has_decimals(answer) and all(_approx_same(e, g) for e, g in pairs):
        return (_DECIMALS_NOTE,)
    return ()


def _exact(e: sp.Expr) -> sp.Expr:
    """Floats in a person's answer mean decimals, read exactly: 0.1 is 1/10."""
    return exact_as_written(e)


def _symbols(syms: Sequence[sp.Symbol] | None) -> dict[str, sp.Symbol]:
    return {s.name: s for s in syms or () if isinstance(s, sp.Symbol)}


def _text_value(text: str, syms: Sequence[sp.Symbol], what: str) -> Any:
    """Text or LaTeX read as an answer (an expression or a Matrix); a refusal names ``what``."""
    try:
        return _read(text, _symbols(syms)).value
    except ParseError as exc:
        raise ParseError(f"{what}: {exc.reason}", exc.text, exc.column, exc.fragment) from None


def answer_notes(answer: Any, syms: Sequence[sp.Symbol] = ()) -> tuple[str, ...]:
    """How a text or LaTeX answer was read (``"read 2x as 2*x"``); empty for SymPy answers,
    answers read as written, and answers that cannot be read.

    Examples
    --------
    >>> answer_notes("2x + e^x")
    ('read 2x as 2*x', "read e as Euler's number")
    """
    if not isinstance(answer, str):
        return ()
    try:
        return _read(answer, _symbols(syms)).notes
    except ParseError:
        return ()


def _outer(text: str) -> str:
    """``(a, b)`` or ``[a, b]`` without the one pair of brackets around the whole vector."""
    t = text.strip()
    if len(t) >= 2 and (t[0], t[-1]) in (("(", ")"), ("[", "]")) and "," in t:
        inner = t[1:-1]
        depth = 0
        for ch in inner:
            depth += (ch in "([{") - (ch in ")]}")
            if depth < 0:
                return t  # (a)(b): the brackets are not one pair
        return inner
    return t


def _is_latex(text: str) -> bool:
    return _unwrap(text.strip())[1]


def _has_decimals(answer: Any) -> bool:
    if isinstance(answer, str):
        return any(ch == "." for ch in answer)
    if isinstance(answer, sp.Basic | sp.MatrixBase):
        return answer.has(sp.Float)
    if isinstance(answer, float):
        return True
    if isinstance(answer, Sequence):
        return any(_has_decimals(v) for v in answer)
    return False


def _answer_expr(answer: Any, syms: Sequence[sp.Symbol], what: str = "answer") -> sp.Expr:
    if answer is None:
        raise InputError(f"no {what} given")
    if isinstance(answer, sp.MatrixBase | list | tuple):
        raise InputError(f"the {what} must be one expression, got {type(answer).__name__}")
    if isinstance(answer, str):
        value = _text_value(answer, syms, what)
        if isinstance(value, sp.MatrixBase):
            raise InputError(f"the {what} must be one expression, got a matrix")
        return value
    return _exact(as_expr(answer, syms))


def _answer_vector(answer: Any, syms: Sequence[sp.Symbol], what: str = "answer") -> sp.Matrix:
    if answer is None:
        raise InputError(f"no {what} given")
    if isinstance(answer, str) and _is_latex(answer):
        value = _text_value(answer, syms, what)
        parts = list(value) if isinstance(value, sp.MatrixBase) else [value]
    elif isinstance(answer, str):
        parts = [p for p in _split_top(_outer(answer).replace(";", ",")) if p.strip()]
        parts = [_text_value(p, syms, what) for p in parts]
        if any(isinstance(p, sp.MatrixBase) for p in parts):
            raise InputError(f"the {what} must be a vector of expressions")
    elif isinstance(answer, sp.MatrixBase):
        parts = list(answer)
    elif isinstance(answer, Sequence):
        parts = [_text_value(e, syms, what) if isinstance(e, str) else e for e in answer]
    else:
        parts = [answer]
    if not parts:
        raise InputError(f"the {what} is empty")
    return sp.Matrix([_exact(e) for e in as_exprs(parts, syms)])


def _answer_matrix(answer: Any, syms: Sequence[sp.Symbol], what: str = "answer") -> sp.Matrix:
    if answer is None:
        raise InputError(f"no {what} given")
    if isinstance(answer, str) and _is_latex(answer):
        value = _text_value(answer, syms, what)
        if not isinstance(value, sp.MatrixBase):
            raise InputError(f"the {what} must be a matrix (LaTeX: \\begin{{pmatrix}} a & b "
                             "\\\\ c & d \\end{pmatrix})")
        rows = value.tolist()
    elif isinstance(answer, sp.MatrixBase):
        rows = answer.tolist()
    elif isinstance(answer, str):
        rows = [[_text_value(p, syms, what) for p in _split_top(r) if p.strip()]
                for r in _split_top(answer, ";") if r.strip()]
    elif isinstance(answer, Sequence) and all(
            isinstance(r, Sequence) and not isinstance(r, str) for r in answer):
        rows = [[_text_value(e, syms, what) if isinstance(e, str) else e for e in r]
                for r in answer]
    else:
        raise InputError(f"the {what} must be rows of expressions "
                         "(a list of lists or 'a, b; c, d')")
    if not rows or any(len(r) != len(rows[0]) for r in rows) or not rows[0]:
        raise InputError(f"the {what} must be a non-empty rectangular matrix, got {answer!r}")
    return sp.Matrix([[_exact(e) for e in as_exprs(r, syms)] for r in rows])

