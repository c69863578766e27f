"""Classic slips as data: a :class:`Slip` is a named mistake with the answer it produces, and
:func:`first_slip` is the one search every checker runs ("which slip, if any, gives exactly the
answer we were handed?").

Every checker lists its slips in the order it wants them tried, from the most telling to the
least, and lets :func:`first_slip` build each candidate answer (lazily: a candidate may be
expensive or undefined), skip the ones that cannot be built or are undefined (``zoo``, ``nan``),
and compare the rest with the given answer.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> slips = [Slip("sign", lambda: -2*x, "sign error"),
...          Slip("factor-2", lambda: 4*x, "off by a factor 2")]
>>> first_slip(slips, lambda c: c == 4*x).kind
'factor-2'
>>> first_slip(slips, lambda c: c == x) is None
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .records import Mistake

__all__ = ["Slip", "first_slip"]


@dataclass(frozen=True)
class Slip:
    """One classic slip: its short code, how to build the answer it gives, and the message.

    Attributes
    ----------
    kind : str
        The code reported as :attr:`Mistake.kind` (``"sign"``, ``"factorial"``...).
    make : callable
        ``make()`` builds the answer a person who made this slip would give; ``None`` when the
        slip does not apply.
    why : str
        The message: one line for people about the whole answer, or for a slip in one entry the
        explanation its checker appends to that entry's line.
    key : Any
        Machine-readable detail (e.g. the other expansion point), reported as
        :attr:`Mistake.key`.
    """

    kind: str
    make: Callable[[], Any]
    why: str
    key: Any = None

    def mistake(self, where: str, expected: Any, given: Any) -> Mistake:
        """The :class:`Mistake` this slip explains."""
        return Mistake(where, expected, given, self.kind, self.why, self.key)


def _undefined(value: Any) -> bool:
    return isinstance(value, sp.Basic | sp.MatrixBase) and value.has(sp.zoo, sp.nan)


def first_slip(
    slips: Iterable[Slip],
    matches: Callable[[Any], bool],
    prepare: Callable[[Any], Any] | None = None,
    errors: tuple[type[BaseException], ...] = (),
) -> Slip | None:
    """The first slip whose answer ``matches``, or ``None``.

    ``prepare`` is applied to each candidate before the comparison (e.g. the substitution of the
    point); a candidate whose construction raises one of ``errors``, that is ``None``, or that
    contains ``zoo``/``nan`` is skipped.
    """
    for slip in slips:
        try:
            candidate = slip.make()
            if candidate is None:
                continue
            if prepare is not None:
                candidate = prepare(candidate)
        except errors:
            continue
        if not _undefined(candidate) and matches(candidate):
            return slip
    return None
