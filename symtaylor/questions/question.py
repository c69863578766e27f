"""The record of one interview question: :class:`Question` (its prompt, the canonical answer
derived by the engine, a checker, fresh variants, the derivation)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError, SymTaylorError
from ..latex import display

if TYPE_CHECKING:  # pragma: no cover
    from ..verify import Verdict
    from .kinds import Kind

__all__ = ["Question"]


@dataclass(frozen=True)
class Question:
    """One interview-style question with its canonical answer and checker.

    Attributes
    ----------
    id : str
        Stable name (``"taylor-exp-0-3"``, ``"seed-Q2"``); a variant appends ``~seed``.
    kind : str
        The question kind (:data:`symtaylor.questions.KINDS`).
    topic : str
        The seed topic it belongs to (``"Taylor polynomials"``, ``"Newton"``...).
    params : dict
        The question's data (the function, the point, the order...).
    source : str
        Where it comes from (``"seed 000 Q2"``, or ``""``).

    Examples
    --------
    >>> from symtaylor.questions import bank
    >>> q = next(q for q in bank() if q.id == "seed-Q2")
    >>> q.answer
    2*x**3/(3*x**2 - 1)
    >>> q.check("x - (4*x^3 - 4*x)/(12*x^2 - 4)").correct
    True
    >>> q.variant(1).kind == q.kind
    True
    """

    id: str
    kind: str
    topic: str
    params: dict[str, Any] = field(compare=False)
    source: str = ""

    @property
    def _kind(self) -> Kind:
        from .kinds import KINDS

        return KINDS[self.kind]

    @functools.cached_property
    def prompt(self) -> str:
        """The question as asked."""
        return self._kind.prompt(self.params)

    @functools.cached_property
    def answer(self) -> Any:
        """The canonical answer, derived by the engine (exact)."""
        return self._kind.answer(self.params)

    def check(self, answer: Any) -> Verdict:
        """Grade an answer (text, LaTeX or SymPy): a :class:`~symtaylor.verify.Verdict` with
        ``correct``, ``score``, the named ``mistakes`` and ``notes``."""
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            raise InputError("no answer given")
        return self._kind.check(self.params, answer)

    def variant(self, seed: int) -> Question:
        """A fresh question of the same kind (another function, point, step...), reproducible
        from ``seed``."""
        import random

        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InputError(f"seed must be an integer, got {type(seed).__name__}")
        rng = random.Random(f"{self.kind}:{seed}")
        return Question(f"{self.id.split('~')[0]}~{seed}", self.kind, self.topic,
                        self._kind.generate(rng), "")

    def derivation(self) -> Any:
        """How the answer is derived: a :class:`symtaylor.derivations.Derivation` when one
        exists for this kind, else the engine's record behind the checker (or ``None``)."""
        made = self._kind.derive(self.params) if self._kind.derive else None
        if made is not None:
            try:
                from ..derivations import derive

                return derive(made[0], **made[1])
            except (ImportError, SymTaylorError, TypeError, ValueError):
                pass
        try:
            return self.check(_placeholder(self.answer)).derivation
        except (SymTaylorError, TypeError, ValueError):
            return None

    def derivation_text(self) -> str:
        """The derivation as plain text (the canonical answer when there is none)."""
        d = self.derivation()
        for name in ("text", "summary"):
            fn = getattr(d, name, None)
            if callable(fn):
                return str(fn())
        return f"answer: {_show(self.answer)}"

    def __repr__(self) -> str:
        return f"Question({self.id}: {self.prompt})"

    def _repr_latex_(self) -> str:
        from ..latex import _escape_text

        return display(r"\text{" + _escape_text(self.prompt) + "}")


def _show(v: Any) -> str:
    from ..verify.records import _show as show

    return show(v)


def _placeholder(answer: Any) -> Any:
    """The canonical answer in a form every checker reads (the checkers' records carry the
    derivation)."""
    import sympy as sp

    if isinstance(answer, sp.MatrixBase):
        return answer.tolist() if answer.cols > 1 else list(answer)
    return answer
