"""What a solver method is: :class:`Method` (a frozen spec) and its :class:`Option` entries.

A :class:`Method` names the numeric core and everything the facades, their errors, the docs and
the tests need to know about it: the kind of problem (``"minimize"`` or ``"least-squares"``),
the update in LaTeX, the default iteration limit, the options it accepts (with defaults and
checks), the keywords it fixes for a shared core (``bfgs`` is the quasi-Newton core without
memory), its aliases (an alias may preset options: ``dogleg`` is ``trust-region`` with
``subproblem="dogleg"``) and, where options need the compiled problem (``lr="1/L"``), a
``prepare`` hook. The registry of all of them is :data:`symtaylor.optimize.METHODS`.

A core is called as ``core(problem, x0, monitor, **keywords) -> CoreResult`` with ``problem`` a
:class:`~symtaylor.optimize.counting.Counted` wrapper and ``monitor`` a
:data:`~symtaylor.optimize.run.Monitor` (or None).

Examples
--------
>>> Option(10, "L-BFGS pairs kept").default
10
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

import numpy as np

from ..latex import Row
from .result import CoreResult

__all__ = ["Kind", "Method", "Option", "Prepared"]

Kind = Literal["minimize", "least-squares"]


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Option:
    """One option of a method: its default (None: the core decides), a one-line help text, a
    ``check`` that returns the value checked (raising :class:`~symtaylor.InputError` or
    :class:`~symtaylor.SolverError`), and ``strict``: given (not None) to a method that does
    not take it, it is refused instead of ignored."""

    default: Any
    help: str
    check: Callable[[Any], Any] = _same
    strict: bool = False


class Prepared(NamedTuple):
    """A method's options made ready for its core: ``keywords`` for the core, derivation
    ``rows`` to show (e.g. the step ``alpha = 1/L``) and ``certified_box``, the box over which
    a certified step holds (the post-run checks note when the iterates left it). (A named
    tuple: one is made per run, on the path every call takes.)"""

    keywords: Mapping[str, Any]
    rows: tuple[Row, ...] = ()
    certified_box: tuple[np.ndarray, np.ndarray] | None = None


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, eq=False)
class Method:
    """One solver method, everything the facades, errors, docs and tests know about it."""

    name: str
    kind: Kind
    core: Callable[..., CoreResult] = field(repr=False)
    update: str = field(repr=False)
    summary: str = field(repr=False)
    max_iter: int | None = None
    options: Mapping[str, Option] = field(default_factory=dict, repr=False)
    fixed: Mapping[str, Any] = field(default_factory=dict, repr=False)
    aliases: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    prepare: Callable[[Any, np.ndarray, Mapping[str, Any]], Prepared] | None = \
        field(default=None, repr=False)
    #: the core asks for the Hessian at (nearly) every iterate: a pass over Dask-backed data
    #: then computes it together with f and the gradient
    hessian: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", _frozen(self.options))
        object.__setattr__(self, "fixed", _frozen(self.fixed))
        object.__setattr__(self, "aliases", _frozen(
            {a: _frozen(p) for a, p in self.aliases.items()}))

    def keywords(self, given: Mapping[str, Any], problem: Any, x0: np.ndarray) -> Prepared:
        """The core's keywords: this method's options (``given`` or the defaults), prepared
        by the hook when there is one, and the fixed ones."""
        values = {k: (opt.default if (v := given.get(k)) is None else v)
                  for k, opt in self.options.items()}
        prepared = self.prepare(problem, x0, values) if self.prepare else Prepared(values)
        if self.fixed:
            return prepared._replace(keywords={**prepared.keywords, **self.fixed})
        return prepared
