"""Verdict records: :class:`Mistake` (one wrong part of an answer) and :class:`Verdict`
(right or wrong, the expected answer, the mistakes), with their text, LaTeX and explanation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..latex import _escape_text, display

__all__ = ["LazyDerivation", "Mistake", "Verdict"]


class LazyDerivation:
    """A record's derivation built on first use (a step's full derivation takes 0.1-0.5 s:
    a checker keeps this instead, and :meth:`Verdict.explain` builds it).

    Attribute access is delegated to the built derivation; :meth:`resolve` gives it, or None
    when it cannot be built (an ``UncheckedStepError``: the verdict does not depend on it).

    >>> calls = []
    >>> lazy = LazyDerivation(lambda: calls.append(1) or "built")
    >>> len(calls)
    0
    >>> lazy.resolve(), lazy.resolve(), len(calls)
    ('built', 'built', 1)
    """

    __slots__ = ("_done", "_factory", "_value")

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._value: Any = None
        self._done = False

    def resolve(self) -> Any:
        """The derivation (built once), or None when it cannot be built."""
        if not self._done:
            from ..errors import SymTaylorError

            try:
                self._value = self._factory()
            except SymTaylorError:
                self._value = None
            self._done = True
        return self._value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self.resolve()
        if value is None:
            raise AttributeError(name)
        return getattr(value, name)

    def __repr__(self) -> str:
        return "LazyDerivation(built)" if self._done else "LazyDerivation(not built yet)"


def _resolved(record: Any) -> Any:
    return record.resolve() if isinstance(record, LazyDerivation) else record


@dataclass(frozen=True)
class Mistake:
    """One wrong part of an answer.

    Attributes
    ----------
    where : str
        The part, in words: ``"coefficient of x**2"``, ``"update of x"``, ``"H[x, y]"``,
        ``"step size"``, or ``"whole answer"`` for a diagnosis of the answer as a whole.
    expected, given : Any
        The right value and the value read from the answer.
    kind : str or None
        The slip recognised, as a short code: ``"factorial"``, ``"double-factorial"``,
        ``"sign"``, ``"derivative-value"``, ``"beyond-order"``, ``"order"``,
        ``"expansion-point"``, ``"one-over-L"``, ``"not-below-2/L"``, ``"no-hessian-inverse"``,
        ``"hessian-not-inverted"``, ``"step-factor-2"``, ``"root-finding"``,
        ``"inverted-ratio"``, ``"damping-ignored"``, ``"swapped"``, ``"factor-2"``,
        ``"transposed"``, ``"asymmetric"``, ``"shape"``, ``"used-mu"``, ``"reciprocal"``,
        ``"wrong-curvature"``,
        ``"not-guaranteed"``, ``"not-positive"``, ``"lr-missing"``, ``"step-not-point"``,
        ``"newton"``; ``None`` when no classic slip explains it.
    message : str
        One line for people.
    key : Any
        Machine-readable location (a multi-index, an entry ``(i, j)``...).
    """

    where: str
    expected: Any
    given: Any
    kind: str | None = None
    message: str = ""
    key: Any = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Verdict:
    """Whether an answer is right, what the right answer is, and what is wrong with it.

    Attributes
    ----------
    correct : bool
    question : str
    expected : Any
        The derived answer (exact).
    given : Any
        The answer as read.
    mistakes : tuple of Mistake
        Empty when correct; each has a ``.kind`` (the slip recognised, or ``None``).
    notes : tuple of str
        Remarks that do not make the answer wrong (e.g. "below 1/L: safe but slower"), and how
        the answer was read ("read 2x as 2*x").
    derivation : Any
        The engine's derivation record (``.latex()``), when there is one.
    score : float
        Credit in ``[0, 1]``: ``1.0`` when correct, ``0.0`` when wrong unless the checker gives
        partial credit (e.g. ``0.75`` for 3 of 4 right Taylor coefficients). Left out (``None``),
        it is ``1.0`` or ``0.0`` from ``correct``.
    answer_note : str
        A STACK-style answer note for the outcome, machine-readable (``"ATAlgEquiv_false"``,
        ``"ATFacForm_notfactored"``); empty when the checker sets none.

    Examples
    --------
    >>> from symtaylor.verify import check_taylor
    >>> v = check_taylor("cos(x)", "x", 0, 2, "1 + x^2/2")
    >>> v
    Verdict(incorrect: Taylor polynomial of order 2 of cos(x) about x = 0)
      expected: 1 - x**2/2
      given:    x**2/2 + 1
      - coefficient of x**2 should be -1/2, not 1/2 (sign error)
    >>> bool(v), v.kinds
    (False, ('sign',))
    """

    correct: bool
    question: str
    expected: Any
    given: Any
    mistakes: tuple[Mistake, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    derivation: Any = field(default=None, repr=False, compare=False)
    score: float | None = None
    answer_note: str = ""

    def __post_init__(self) -> None:
        score = self.score
        if score is None:
            score = 1.0 if self.correct else 0.0
        elif isinstance(score, bool) or not isinstance(score, int | float | sp.Rational):
            raise TypeError(f"score must be a number in [0, 1], got {type(score).__name__}")
        score = float(score)
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {score}")
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "mistakes", tuple(self.mistakes))
        object.__setattr__(self, "notes", tuple(self.notes))

    def __bool__(self) -> bool:
        return self.correct

    @property
    def reasons(self) -> tuple[str, ...]:
        """One line per mistake (empty when correct)."""
        return tuple(m.message for m in self.mistakes)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The slips recognised, in order, without repeats."""
        out: list[str] = []
        for m in self.mistakes:
            if m.kind and m.kind not in out:
                out.append(m.kind)
        return tuple(out)

    def __repr__(self) -> str:
        head = "correct" if self.correct else "incorrect"
        lines = [f"Verdict({head}: {self.question})", f"  expected: {_show(self.expected)}"]
        if not self.correct:
            lines.append(f"  given:    {_show(self.given)}")
            lines.extend(f"  - {r}" for r in self.reasons)
        lines.extend(f"  note: {n}" for n in self.notes)
        if self.answer_note:
            lines.append(f"  answer note: {self.answer_note}")
        return "\n".join(lines)

    def explain(self) -> str:
        """The verdict followed by how the expected answer was derived (plain text).

        Examples
        --------
        >>> from symtaylor.verify import check_taylor
        >>> print(check_taylor("cos(x)", "x", 0, 2, "1 - x^2").explain())
        Verdict(incorrect: Taylor polynomial of order 2 of cos(x) about x = 0)
          expected: 1 - x**2/2
          given:    1 - x**2
          - coefficient of x**2 should be -1/2, not -1 (forgot to divide by 2!)
        derivation: c_alpha = D^alpha f(a) / alpha!
          the constant term: 1
          coefficient of x**2: -1/2
        """
        lines = [repr(self)]
        d = _resolved(self.derivation)
        if d is None:
            return lines[0]
        from ..series import TaylorExpansion

        if isinstance(d, TaylorExpansion):
            lines.append("derivation: c_alpha = D^alpha f(a) / alpha!")
            for m, c in d.coefficients.items():
                mono = _monomial(d.variables, d.point, m)
                label = "the constant term" if sum(m) == 0 else f"coefficient of {mono}"
                lines.append(f"  {label}: {c}")
        elif callable(getattr(d, "text", None)):
            lines.append(d.text())
        else:  # pragma: no cover - every derivation record has text() or is a TaylorExpansion
            lines.append(repr(d))
        return "\n".join(lines)

    def latex(self, wrap: bool = True) -> str:
        r"""The verdict as an ``align*`` block: a check mark or a cross with the expected answer,
        the given answer, then one line per mistake and per note.

        ``wrap`` puts the prose in a ``\parbox`` that wraps at 80% of the text width (for
        pdflatex; MathJax, which has no ``\parbox``, gets ``\text{}``).

        Examples
        --------
        >>> from symtaylor.verify import check_taylor
        >>> print(check_taylor("cos(x)", "x", 0, 2, "1 + x^2/2").latex(wrap=False))
        ... # doctest: +NORMALIZE_WHITESPACE
        \begin{align*}
        &\times\quad \text{expected: } 1 - \frac{x^{2}}{2} \\
        &\phantom{\times}\quad \text{given: } \frac{x^{2}}{2} + 1 \\
        &\phantom{\times}\quad \bullet\ \text{coefficient of x**2 should be -1/2,
        not 1/2 (sign error)}
        \end{align*}
        """
        from ..coerce import as_flag

        wrap = as_flag(wrap, "wrap")
        mark = r"\checkmark" if self.correct else r"\times"
        pad = rf"&\phantom{{{mark}}}\quad "

        def prose(text: str) -> str:
            box = r"\parbox[t]{0.8\textwidth}{\raggedright " if wrap else r"\text{"
            return box + _tex_text(text) + "}"

        lines = [rf"&{mark}\quad \text{{expected: }} {_tex(self.expected)}"]
        if not self.correct:
            lines.append(rf"{pad}\text{{given: }} {_tex(self.given)}")
            lines += [rf"{pad}\bullet\ {prose(r)}" for r in self.reasons]
        lines += [rf"{pad}\text{{note:}}\ {prose(n)}" for n in self.notes]
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"

    def _repr_latex_(self) -> str:
        return display(self.latex(wrap=False))

    def full_derivation(self) -> Any:
        """The verdict as a checked :class:`symtaylor.derivations.Derivation`: the expected and
        the given answer, their difference (proved), the mistakes, then the engine's
        derivation of the expected answer when its record has one (``.derivation`` of a
        step, bound, update or finite-difference report). ``self.derivation`` stays the
        engine's record itself.

        Examples
        --------
        >>> from symtaylor.verify import check_taylor
        >>> d = check_taylor("cos(x)", "x", 0, 2, "1 + x^2/2").full_derivation()
        >>> d.rows[2].rhs
        x**2
        """
        from ..derivations.checks import define, equal
        from ..derivations.record import Derivation as Checked
        from ..derivations.record import Section

        def math(v: Any) -> Any:
            return v if isinstance(v, sp.Basic | sp.MatrixBase) else None

        exp, giv = math(self.expected), math(self.given)
        rows: list[Any] = []
        if exp is not None:
            rows.append(define(sp.Symbol(r"\text{expected}"), exp, "derived by the engine"))
        if giv is not None:
            rows.append(define(sp.Symbol(r"\text{given}"), giv, "the answer as read"))
        if exp is not None and giv is not None and type(exp) is type(giv) and (
                not isinstance(exp, sp.MatrixBase) or exp.shape == giv.shape):
            diff = (giv - exp).applyfunc(sp.expand) if isinstance(exp, sp.MatrixBase) else \
                sp.simplify(giv - exp)
            name = sp.Symbol(r"\text{given} - \text{expected}")
            try:
                rows.append(equal(name, diff, "zero exactly when the answer is right",
                                  where={name: giv - exp}))
            except Exception:
                pass
        for m in self.mistakes:
            rows.append(define(sp.Symbol(r"\text{mistake}"),
                               r"\text{" + _tex_text(m.kind or "unnamed") + "}", m.message))
        sections = []
        rec = _resolved(self.derivation)
        inner = rec if isinstance(rec, Checked) else getattr(rec, "derivation", None)
        if inner is not None and not isinstance(inner, Checked) and callable(inner):
            try:
                inner = inner()
            except Exception:
                inner = None
        if isinstance(inner, Checked):
            sections = [Section(inner.title, tuple(inner.all_rows()))]
        head = "correct" if self.correct else "incorrect"
        return Checked("verdict", f"Verdict ({head}): {self.question}",
                       "Check an answer against the engine's derivation.", tuple(rows),
                       self.correct, (), tuple(sections),
                       "; ".join(self.reasons) if self.reasons else "")


def _monomial(variables: Sequence[sp.Symbol], point: Sequence[sp.Expr],
               m: tuple[int, ...]) -> sp.Expr:
    """``(x - a)**m0 * (y - b)**m1 ...``: the monomial of a multi-index about the point."""
    return sp.Mul(*[(v - a) ** k for v, a, k in zip(variables, point, m)])


def _point_text(variables: Sequence[sp.Symbol], point: Sequence[Any]) -> str:
    """``x = 1, y = 1/2``."""
    return ", ".join(f"{v} = {a}" for v, a in zip(variables, point))


def _show(v: Any) -> str:
    if isinstance(v, sp.MatrixBase):
        if v.cols == 1:
            return "(" + ", ".join(str(e) for e in v) + ")"
        return "[" + ", ".join("[" + ", ".join(str(e) for e in v.row(i)) + "]"
                               for i in range(v.rows)) + "]"
    return str(v)


def _tex(v: Any) -> str:
    if isinstance(v, sp.Basic | sp.MatrixBase):
        return sp.latex(v)
    return rf"\text{{{_tex_text(str(v))}}}"


def _tex_text(s: str) -> str:
    return _escape_text(s)
