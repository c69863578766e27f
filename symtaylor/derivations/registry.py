"""The registry of derivation kinds: ``@register("kind")`` and :func:`derive`.

Each kind is a builder ``(*args, **options) -> Derivation`` in a module of this package,
decorated with :func:`register`. The modules are imported once, in :data:`KIND_MODULES` order,
by :func:`load_kinds` (called when the package is imported); a module not written yet is
skipped, any other import error propagates.

Examples
--------
>>> from symtaylor.derivations import derive
>>> try:
...     derive("no-such-kind")
... except ValueError as e:
...     print(str(e)[:39])
unknown derivation kind 'no-such-kind';
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from ..coerce import _show
from ..errors import InputError
from .record import Derivation

__all__ = ["DERIVATIONS", "KIND_MODULES", "derive", "load_kinds", "register"]

#: kind name -> builder. Filled by :func:`register` when the kind modules are imported.
DERIVATIONS: dict[str, Callable[..., Derivation]] = {}

#: The modules (in ``symtaylor/derivations/``) that define kinds, in the order of the handout.
KIND_MODULES: tuple[str, ...] = (
    "taylor",
    "steps",
    "descent_lemma",
    "gd_rate",
    "newton_convergence",
    "quasi_newton",
    "finite_difference",
    "loss_after_step",
)

F = TypeVar("F", bound=Callable[..., Derivation])


def _normalise(kind: Any) -> str:
    if not isinstance(kind, str):
        raise InputError(f"a derivation kind is a name, got {_show(kind)}; valid: "
                         f"{', '.join(DERIVATIONS)}")
    return kind.strip().lower().replace("_", "-").replace(" ", "-")


def register(kind: str) -> Callable[[F], F]:
    """Decorator: register ``builder`` as the derivation ``kind`` (names are lower case with
    hyphens; registering a name twice is an error)."""
    name = _normalise(kind)

    def deco(builder: F) -> F:
        if name in DERIVATIONS and DERIVATIONS[name] is not builder:
            raise RuntimeError(f"derivation kind {name!r} registered twice")
        DERIVATIONS[name] = builder
        return builder

    return deco


_LOADED = False


def load_kinds() -> None:
    """Import the kind modules (once); a module that does not exist yet is skipped."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for mod in KIND_MODULES:
        full = f"{__package__}.{mod}"
        try:
            importlib.import_module(full)
        except ModuleNotFoundError as exc:
            if exc.name != full:
                raise


def derive(kind: str, *args: Any, **options: Any) -> Derivation:
    """Build the derivation ``kind`` from the engine's own results.

    Parameters
    ----------
    kind : str
        A name of :data:`DERIVATIONS` (``"taylor"``, ``"newton"``, ``"gauss-newton"``, ...;
        underscores and case are accepted: ``"Gauss_Newton"``).
    *args, **options
        The arguments of that kind, following the engine's functions (see each builder).

    Raises
    ------
    InputError
        (a ``ValueError``) for an unknown kind; the message lists the kinds.

    """
    load_kinds()
    name = _normalise(kind)
    if name not in DERIVATIONS:
        raise InputError(f"unknown derivation kind {_show(kind)}; valid: "
                         f"{', '.join(DERIVATIONS)}")
    builder = DERIVATIONS[name]
    try:
        signature = inspect.signature(builder)
        signature.bind(*args, **options)
    except TypeError as exc:  # wrong arguments for this kind: say which it takes
        plain = signature.replace(
            parameters=[p.replace(annotation=inspect.Parameter.empty)
                        for p in signature.parameters.values()],
            return_annotation=inspect.Signature.empty)
        raise InputError(f"derive({name!r}, ...): {exc}; {name} takes {plain}") from None
    except ValueError:  # pragma: no cover - a builder without a signature
        pass
    return builder(*args, **options)
