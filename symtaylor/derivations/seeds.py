r"""The worked problems of the project's seed texts, as data, and their handout.

The seed texts (Taylor series and approximations; local models of complex functions; Taylor
expansion and gradient descent) work these examples; each entry is ``(kind, args, options,
source)`` and :func:`seed_handout` derives every one whose kind is registered (the package
needs no seed file at run time).

Examples
--------
>>> from symtaylor.derivations.seeds import SEED_PROBLEMS
>>> SEED_PROBLEMS[0][:2]
('taylor', ('exp(x)', 'x'))
"""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from .record import Derivation, Handout
from .registry import DERIVATIONS, derive, load_kinds

__all__ = ["SEED_PROBLEMS", "seed_derivations", "seed_handout"]

_HALF, _TENTH = sp.Rational(1, 2), sp.Rational(1, 10)

#: ``(kind, args, options, where it comes from)`` for every derivation of the seed handout.
SEED_PROBLEMS: tuple[tuple[str, tuple[Any, ...], dict[str, Any], str], ...] = (
    ("taylor", ("exp(x)", "x"), {"at": 0, "order": 3, "region": (-_HALF, _HALF)},
     "seed 001: the Maclaurin series of e^x and Taylor's theorem with the Lagrange remainder"),
    ("taylor", ("sin(x)", "x"), {"at": 0, "order": 2, "region": (-1, 1)},
     "seed 000: the first- and second-order approximations of sin(x) at 0 (the second-order "
     "term vanishes: T_2 = x)"),
    ("taylor", ("exp(x)*sin(y)", "x, y"), {"at": (0, 0), "order": 2},
     "seed 001: the multivariable quadratic approximation"),
    ("gradient-step", ("(x - 3)^2", "x"), {"lr": _TENTH},
     "seed 003: one gradient step on (x - 3)^2 from x = 0 with learning rate 0.1"),
    ("gradient-step", ("x^2 + 10*y^2", "x, y"), {},
     "seed 000: the first-order model gives gradient descent (an elongated valley)"),
    ("newton", ("x**4 - 2*x**2 + 1/2", "x"), {},
     "seed 000: Newton's method in one dimension from the second-order model"),
    ("newton", ("(x - 1)^2 + 10*(y + 2)^2 + x*y", "x, y"), {},
     "seed 001: Newton's method in n dimensions: one step solves a quadratic"),
    ("damped-newton", ("x^4 - x^2", "x"), {},
     "seed 000: damping the Newton step"),
    ("gauss-newton", (["x - 1", "10*(y - x^2)"], "x, y"), {},
     "seed 000: Gauss-Newton on the Rosenbrock residuals"),
    ("levenberg-marquardt", (["x - 1", "10*(y - x^2)"], "x, y"), {"scaling": "marquardt"},
     "seed 000: Levenberg-Marquardt damping with Marquardt's scaling"),
    ("descent-lemma", (), {},
     "seed 001: how large may the learning rate be (L-smoothness)"),
    ("descent-lemma", ("x^2 + 10*y^2", "x, y"), {},
     "seed 000: the descent lemma on the elongated valley"),
    ("gd-rate", ("x^2 + 10*y^2", "x, y"), {},
     "seed 001: linear convergence of gradient descent"),
    ("newton-convergence", (), {},
     "seed 001: Newton's quadratic convergence"),
    ("secant", (), {}, "seed 001: quasi-Newton methods and the secant condition"),
    ("bfgs", (), {"form": "B"}, "seed 001: the BFGS update"),
    ("bfgs", (), {"form": "H"}, "seed 000: the BFGS update of the inverse"),
    ("finite-difference", ("exp(x)", "x", 1), {},
     "seed 000: the finite-difference step size"),
    ("loss-after-step", (), {},
     "seed 001: predicting the loss after a gradient step"),
)


@functools.lru_cache(maxsize=1)
def seed_derivations() -> tuple[Derivation, ...]:
    """The derivations of :data:`SEED_PROBLEMS` whose kinds are registered, in order (built
    once: derivations are immutable)."""
    load_kinds()
    out = []
    for kind, args, options, _ in SEED_PROBLEMS:
        if kind in DERIVATIONS:
            out.append(derive(kind, *args, **options))
    return tuple(out)


def seed_handout() -> Handout:
    """One handout with a section per seed derivation.

    Examples
    --------
    >>> h = seed_handout()
    >>> len(h) >= 10, h.derivations[0].kind
    (True, 'taylor')
    """
    return Handout(
        "Taylor models and the steps of optimization: checked derivations",
        seed_derivations(),
        "The worked problems of the seed texts, derived step by step by symtaylor. Every "
        "equality was proved by SymPy; bounds are certified by ball arithmetic; hypotheses "
        "and cited theorems are marked as such.")
