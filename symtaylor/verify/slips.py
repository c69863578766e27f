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


# -- partial credit ------------------------------------------------------------------------------


def part_score(right: int, total: int) -> float:
    """The share of the parts that are right (``1.0`` for an empty answer that needs none).

    >>> part_score(3, 4)
    0.75
    """
    return 1.0 if total <= 0 else max(0, min(right, total)) / total


def matrix_score(expected: Any, given: Any, close: Callable[[Any, Any], bool]) -> float:
    """Per-entry credit for a vector or matrix answer (``0.0`` when the shapes differ).

    >>> matrix_score(sp.Matrix([1, 2]), sp.Matrix([1, 3]), lambda a, b: a == b)
    0.5
    """
    if not isinstance(expected, sp.MatrixBase) or not isinstance(given, sp.MatrixBase) \
            or expected.shape != given.shape:
        return 0.0
    right = sum(1 for e, g in zip(expected, given) if close(e, g))
    return part_score(right, len(expected))


# -- derivatives taken the wrong way ------------------------------------------------------------

#: The ways to differentiate wrongly that :func:`wrong_derivative` knows: mode -> (the slip's
#: kind, the message).
DIFF_SLIPS: dict[str, tuple[str, str]] = {
    "chain-rule": ("chain-rule", "chain rule: the inner derivative is missing"),
    "chain-rule-outer": ("chain-rule", "chain rule: the outer derivative must be evaluated at "
                                       "the inner function, not at the variable"),
    "product-rule": ("product-rule", "product rule: (u v)' is u' v + u v', not u' v'"),
    "product-rule-first": ("product-rule", "product rule: the term u v' is missing "
                                           "((u v)' = u' v + u v')"),
    "product-rule-second": ("product-rule", "product rule: the term u' v is missing "
                                            "((u v)' = u' v + u v')"),
    "quotient-rule": ("quotient-rule", "quotient rule: (u/v)' is (u' v - u v')/v^2 (sign of "
                                       "the second term)"),
}


def wrong_derivative(e: sp.Expr, x: sp.Symbol, mode: str) -> sp.Expr:
    """``d e/dx`` taken with one classic slip applied everywhere (see :data:`DIFF_SLIPS`):
    ``"chain-rule"`` drops the inner derivatives, ``"chain-rule-outer"`` evaluates the outer
    derivative at ``x``, ``"product-rule"`` takes ``(u v)' = u' v'``, ``"quotient-rule"``
    adds the two terms of the quotient rule.

    >>> x = sp.Symbol("x")
    >>> wrong_derivative(sp.sin(x**2), x, "chain-rule")
    cos(x**2)
    >>> wrong_derivative(x * sp.exp(x), x, "product-rule")
    exp(x)
    """
    if not e.has(x):
        return sp.Integer(0)
    if e == x:
        return sp.Integer(1)
    if e.is_Add:
        return sp.Add(*[wrong_derivative(a, x, mode) for a in e.args])
    if e.is_Mul:
        return _wrong_product(e, x, mode)
    if e.is_Pow:
        base, p = e.args
        if not p.has(x):
            outer, inner = p * base ** (p - 1), base
        elif not base.has(x):
            outer, inner = e * sp.log(base), p
        else:
            return sp.diff(e, x)
        if inner == x:
            return outer
        if mode == "chain-rule":
            return outer
        if mode == "chain-rule-outer":
            return outer.xreplace({inner: x}) * wrong_derivative(inner, x, mode)
        return outer * wrong_derivative(inner, x, mode)
    if isinstance(e, sp.Function) and len(e.args) == 1:
        (u,) = e.args
        t = sp.Dummy("t")
        outer = sp.diff(e.func(t), t)
        if u == x:
            return outer.xreplace({t: x})
        if mode == "chain-rule":
            return outer.xreplace({t: u})
        if mode == "chain-rule-outer":
            return outer.xreplace({t: x}) * wrong_derivative(u, x, mode)
        return outer.xreplace({t: u}) * wrong_derivative(u, x, mode)
    return sp.diff(e, x)


def _wrong_product(e: sp.Expr, x: sp.Symbol, mode: str) -> sp.Expr:
    const = sp.Mul(*[a for a in e.args if not a.has(x)])
    parts = [a for a in e.args if a.has(x)]
    if mode == "quotient-rule":
        num, den = sp.fraction(e)
        if den.has(x) and num.has(x):
            return (sp.diff(num, x) * den + num * sp.diff(den, x)) / den**2
    if mode == "product-rule" and len(parts) >= 2:
        return const * sp.Mul(*[wrong_derivative(a, x, mode) for a in parts])
    if mode in ("product-rule-first", "product-rule-second") and len(parts) >= 2:
        k = 0 if mode == "product-rule-first" else len(parts) - 1
        rest = sp.Mul(*(parts[:k] + parts[k + 1:]))
        return const * wrong_derivative(parts[k], x, mode) * rest
    out = sp.Integer(0)
    for i, a in enumerate(parts):
        rest = sp.Mul(*(parts[:i] + parts[i + 1:]))
        out += wrong_derivative(a, x, mode) * rest
    return const * out


def derivative_slips(f: sp.Expr, x: sp.Symbol, times: int = 1, scale: Any = 1) -> list[Slip]:
    """Slips of the ``times``-th derivative of ``f`` in ``x`` (divided by ``scale``), one per
    wrong rule of :data:`DIFF_SLIPS` that gives something else than the true derivative."""
    out = []
    for mode, (kind, why) in DIFF_SLIPS.items():
        def make(mode: str = mode) -> sp.Expr:
            e = f
            for _ in range(times):
                e = wrong_derivative(e, x, mode)
            return e / scale
        out.append(Slip(kind, make, why))
    return out
