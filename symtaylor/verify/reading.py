"""How an answer was read, in the verdict: :func:`notes_how_read` adds the reader's notes
("read 2x as 2*x", "read e as Euler's number") to the verdict of a checker whose answer is
text or LaTeX."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from .answers import answer_notes
from .records import Verdict

__all__ = ["notes_how_read"]

F = TypeVar("F", bound=Callable[..., Verdict])

#: The parameters that carry a person's answer, by checker.
_ANSWER_PARAMETERS = ("answer", "alpha", "claimed")


def notes_how_read(fn: F) -> F:
    """Decorate a checker: the reader's notes on its text answer come first in ``notes``.

    >>> @notes_how_read
    ... def check(answer):
    ...     return Verdict(True, "q", 1, 1)
    >>> check("2x").notes
    ('read 2x as 2*x',)
    """
    sig = inspect.signature(fn)
    name = next((p for p in _ANSWER_PARAMETERS if p in sig.parameters), None)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Verdict:
        verdict = fn(*args, **kwargs)
        if name is None:
            return verdict
        try:
            answer = sig.bind(*args, **kwargs).arguments.get(name)
        except TypeError:  # pragma: no cover - fn accepted these arguments
            return verdict
        read = answer_notes(answer) if isinstance(answer, str) else ()
        new = tuple(n for n in read if n not in verdict.notes)
        return dataclasses.replace(verdict, notes=new + verdict.notes) if new else verdict

    return wrapper  # type: ignore[return-value]
