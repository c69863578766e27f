"""Reading the question and the answer: the function and its variables, an answer as one
expression, a vector or a matrix (decimals read as exact fractions), a claimed number."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..coerce import (
    NumberLike,
    PointLike,
    as_expr,
    as_exprs,
    as_number,
    as_point,
    as_variables,
    exact_decimals,
)
from ..errors import InputError
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
    """A claimed step size: a real number, decimals read exactly (0.1 is 1/10)."""
    return as_number(value, what, exact=True)


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
        point = tuple(as_point(at, syms, exact=True))
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
    """Floats in a person's answer mean decimals: 0.1 is 1/10."""
    return exact_decimals(e)


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
    return _exact(as_expr(answer, syms))


def _answer_vector(answer: Any, syms: Sequence[sp.Symbol], what: str = "answer") -> sp.Matrix:
    if answer is None:
        raise InputError(f"no {what} given")
    if isinstance(answer, str):
        parts = [answer] if "," not in answer and ";" not in answer else [
            p for p in answer.replace(";", ",").split(",") if p.strip()]
    elif isinstance(answer, sp.MatrixBase):
        parts = list(answer)
    elif isinstance(answer, Sequence):
        parts = list(answer)
    else:
        parts = [answer]
    if not parts:
        raise InputError(f"the {what} is empty")
    return sp.Matrix([_exact(e) for e in as_exprs(parts, syms)])


def _answer_matrix(answer: Any, syms: Sequence[sp.Symbol], what: str = "answer") -> sp.Matrix:
    if answer is None:
        raise InputError(f"no {what} given")
    if isinstance(answer, sp.MatrixBase):
        rows = answer.tolist()
    elif isinstance(answer, str):
        rows = [[p for p in r.split(",") if p.strip()] for r in answer.split(";") if r.strip()]
    elif isinstance(answer, Sequence) and all(
            isinstance(r, Sequence) and not isinstance(r, str) for r in answer):
        rows = [list(r) for r in answer]
    else:
        raise InputError(f"the {what} must be rows of expressions "
                         "(a list of lists or 'a, b; c, d')")
    if not rows or any(len(r) != len(rows[0]) for r in rows) or not rows[0]:
        raise InputError(f"the {what} must be a non-empty rectangular matrix, got {answer!r}")
    return sp.Matrix([[_exact(e) for e in as_exprs(r, syms)] for r in rows])

