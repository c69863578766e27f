"""The one counting wrapper: every evaluation a run makes is counted here, nowhere else.

:class:`Counted` wraps a problem's callables (``f``, ``grad``, ``hess`` of an objective, or
``fun``, ``jac`` of residuals); a core calls them like the originals, and ``nfev`` (calls of
``f`` or ``fun``), ``njev`` (``grad`` or ``jac``) and ``nhev`` (``hess``) are what was really
evaluated, by the core, its line searches and the post-run checks alike.

Examples
--------
>>> c = Counted(f=lambda x: float(x @ x), grad=lambda x: 2 * x)
>>> c.f(np.ones(2)), c.f(np.zeros(2)), c.grad(np.ones(2)).tolist()
(2.0, 0.0, [2.0, 2.0])
>>> c.nfev, c.njev, c.nhev
(2, 1, 0)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from .result import CoreResult

__all__ = ["Counted"]

_F, _J, _H = 0, 1, 2  # slots of the tally: values, first derivatives, second derivatives


def _counting(fn: Callable[[np.ndarray], Any] | None, tally: list[int], slot: int
              ) -> Callable[[np.ndarray], Any] | None:
    if fn is None:
        return None

    def call(x: np.ndarray) -> Any:
        tally[slot] += 1
        return fn(x)

    call.__wrapped__ = fn  # type: ignore[attr-defined]
    return call


class Counted:
    """A problem's callables, each call counted (``f``/``fun`` in ``nfev``, ``grad``/``jac``
    in ``njev``, ``hess`` in ``nhev``). Callables not given are None. ``tally`` is the live
    count ``[nfev, njev, nhev]`` (a core with an evaluation budget reads it)."""

    __slots__ = ("f", "fun", "grad", "hess", "jac", "tally")

    def __init__(self, *, f: Callable | None = None, grad: Callable | None = None,
                 hess: Callable | None = None, fun: Callable | None = None,
                 jac: Callable | None = None) -> None:
        self.tally = tally = [0, 0, 0]
        self.f = _counting(f, tally, _F)
        self.grad = _counting(grad, tally, _J)
        self.hess = _counting(hess, tally, _H)
        self.fun = _counting(fun, tally, _F)
        self.jac = _counting(jac, tally, _J)

    @property
    def nfev(self) -> int:
        return self.tally[_F]

    @property
    def njev(self) -> int:
        return self.tally[_J]

    @property
    def nhev(self) -> int:
        return self.tally[_H]

    def stamp(self, out: CoreResult) -> CoreResult:
        """``out`` with the counts so far."""
        return dataclasses.replace(out, nfev=self.nfev, njev=self.njev, nhev=self.nhev)
