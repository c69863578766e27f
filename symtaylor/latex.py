"""Small, generic LaTeX helpers: aligned derivations and the records that hold them.

A derivation is a list of rows ``lhs  relation  rhs`` with an optional comment; every record
symtaylor returns (a Newton step, a descent lemma, a Taylor model) can keep one and show it as
an ``align*`` block. These helpers know nothing about optimization: any module may use them.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> d = Derivation("Derivative", (Row(sp.Derivative(x**2, x), 2*x, note="power rule"),))
>>> print(d.latex())
\\begin{align*}
\\frac{d}{d x} x^{2} &= 2 x && \\text{power rule}
\\end{align*}
>>> d._repr_latex_().startswith("$\\\\displaystyle")
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

__all__ = ["Derivation", "Row", "align", "display", "to_latex"]

_RELATIONS = {"=": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">", "~": r"\approx",
              "=>": r"\Longrightarrow", "<=>": r"\iff", ":=": ":="}


def to_latex(obj: Any) -> str:
    """LaTeX for a SymPy object, a number or a plain string (strings are taken as LaTeX).

    >>> to_latex(sp.Rational(1, 2))
    '\\\\frac{1}{2}'
    >>> to_latex(r"\\nabla f")
    '\\\\nabla f'
    """
    if isinstance(obj, str):
        return obj
    if hasattr(obj, "latex") and callable(obj.latex):
        return obj.latex()
    return sp.latex(obj)


@dataclass(frozen=True)
class Row:
    """One line of a derivation: ``lhs relation rhs`` and an optional plain-text note.

    ``lhs``/``rhs`` may be SymPy objects or LaTeX strings; ``relation`` is one of
    ``= <= >= < > ~ => <=> :=``.
    """

    lhs: Any
    rhs: Any
    relation: str = "="
    note: str = ""

    def latex(self) -> str:
        rel = _RELATIONS.get(self.relation, self.relation)
        lhs = to_latex(self.lhs) if self.lhs is not None and self.lhs != "" else ""
        out = f"{lhs} &{rel} {to_latex(self.rhs)}"
        if self.note:
            out += r" && \text{" + _escape_text(self.note) + "}"
        return out


#: What ``\\text{}`` cannot show as typed (with the default OT1 fonts ``< > |`` print as
#: ``¡ ¿ —``), and how to show it.
_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                 "_": r"\_", "{": r"\{", "}": r"\}", "^": r"\^{}", "~": r"\~{}",
                 "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}


def _escape_text(text: str) -> str:
    r"""Text made safe for ``\text{}``: ``^ _ & % $ # \ ~ { } < > |`` are escaped.

    >>> print(_escape_text("g^2 at 5% of a_1 & ~x"))
    g\^{}2 at 5\% of a\_1 \& \~{}x
    """
    return "".join(_TEXT_ESCAPES.get(ch, ch) for ch in text)


def align(rows: Iterable[Row | tuple]) -> str:
    """An ``align*`` block from rows (``Row`` objects or ``(lhs, rhs[, relation[, note]])``).

    >>> x = sp.Symbol("x")
    >>> print(align([(x, 1), ("y", "2", "<=")]))
    \\begin{align*}
    x &= 1 \\\\
    y &\\le 2
    \\end{align*}
    """
    lines = [r if isinstance(r, Row) else Row(*r) for r in rows]
    body = " \\\\\n".join(r.latex() for r in lines)
    return "\\begin{align*}\n" + body + "\n\\end{align*}"


def display(latex: str) -> str:
    """Wrap LaTeX for Jupyter's ``_repr_latex_``: ``$\\displaystyle ...$``.

    An ``align*`` block is turned into an ``aligned`` environment (MathJax renders that inside
    ``$...$``).
    """
    latex = latex.replace(r"\begin{align*}", r"\begin{aligned}")
    latex = latex.replace(r"\end{align*}", r"\end{aligned}")
    return "$\\displaystyle " + latex + "$"


@dataclass(frozen=True)
class Derivation:
    """A titled sequence of rows: how a result was obtained.

    Attributes
    ----------
    title : str
    rows : tuple of Row
    """

    title: str
    rows: tuple[Row, ...] = field(default_factory=tuple)

    def latex(self) -> str:
        """The rows as one ``align*`` block."""
        return align(self.rows) if self.rows else ""

    def _repr_latex_(self) -> str:
        return display(self.latex())

    def __len__(self) -> int:
        return len(self.rows)

    def __call__(self) -> Any:
        """The rows as a :class:`symtaylor.derivations.Derivation` (so ``record.derivation()``
        works for every record): an ``=`` row SymPy proves is ``exact``; the others are
        definitions of what the engine derived (``:=``), ``~`` rows model statements.

        >>> x = sp.Symbol("x")
        >>> d = Derivation("Step", (Row(sp.Derivative(x**2, x), 2*x), Row("x_{+}", "x - g")))()
        >>> [(r.relation, r.check) for r in d.rows]
        [('=', 'exact'), (':=', 'assumed')]
        """
        from .derivations.checks import approx, define, prove_equal
        from .derivations.record import Derivation as Checked
        from .derivations.record import Row as CheckedRow

        rows = []
        for r in self.rows:
            lhs = None if r.lhs == "" else r.lhs
            math = isinstance(r.lhs, sp.Basic | sp.MatrixBase) and \
                isinstance(r.rhs, sp.Basic | sp.MatrixBase)
            if r.relation == "=" and math and (route := prove_equal(r.lhs, r.rhs)):
                rows.append(CheckedRow(lhs, "=", r.rhs, r.note, "exact", route))
            elif r.relation in ("=", ":="):
                rows.append(define(lhs, r.rhs, r.note or "as derived by the engine"))
            elif r.relation == "~":
                rows.append(approx(lhs, r.rhs, r.note))
            else:
                rows.append(CheckedRow(lhs, r.relation, r.rhs, r.note, "assumed",
                                       "as stated by the engine"))
        return Checked("compiled", self.title, "", tuple(rows))

    def __add__(self, other: Derivation) -> Derivation:
        return Derivation(self.title, self.rows + other.rows)

    def text(self) -> str:
        """A plain-text rendering (one row per line), for terminals.

        >>> print(Derivation("Step", (Row(r"x_{+}", r"x - \\alpha \\nabla f"),)).text())
        Step
          x+ = x - alpha grad f
        """
        out = [self.title]
        for r in self.rows:
            lhs = "" if r.lhs is None else _plain(r.lhs)
            note = f"    ({r.note})" if r.note else ""
            out.append(f"  {lhs} {r.relation} {_plain(r.rhs)}{note}".rstrip())
        return "\n".join(out)


_PLAIN = (
    (r"\tfrac{\lambda}{2}", "lambda/2 "), ("^{2}", "^2"), (r"\nabla^2 f", "hess f"),
    (r"\nabla_d m", "grad_d m"), (r"\nabla f", "grad f"),
    (r"\nabla", "grad "), (r"\tfrac{1}{2}", "1/2 "), (r"\lVert", "||"), (r"\rVert", "||"),
    (r"\left", ""), (r"\right", ""), ("^{T}", "^T"), (r"x_{+}", "x+"), (r"\lambda", "lambda"),
    (r"\alpha", "alpha"), (r"\mu", "mu"), (r"\operatorname{diag}", "diag"), (r"\quad", " "),
    (r"\tfrac{L}{2}", "L/2 "), (r"\tfrac", ""), (r"\frac", ""), (r"\,", " "),
)


def _plain(obj: Any) -> str:
    """A terminal rendering: SymPy objects via ``str``, LaTeX strings with common commands
    spelled out."""
    if not isinstance(obj, str):
        if isinstance(obj, sp.MatrixBase) and obj.cols == 1:
            return "[" + ", ".join(str(e) for e in obj) + "]"
        return str(obj)
    for old, new in _PLAIN:
        obj = obj.replace(old, new)
    return " ".join(obj.split())
