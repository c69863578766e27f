r"""The records a Taylor expansion hands out: coefficients, certificates, error tables.

Frozen and read-only: :class:`Coefficients` (``{multi-index: exact coefficient}``),
:class:`RemainderCertificate` (a certified bound of ``|f - T_n|`` over a box with the evidence),
:class:`ErrorRow` and :class:`ErrorTable` (true errors, bounds and scaled errors at points).
The expansion itself is :class:`symtaylor.series.expansion.TaylorExpansion`.

Examples
--------
>>> cert = RemainderCertificate(2.5e-3, 2.4e-3, ((-1.0, 1.0),), 7, True)
>>> round(cert.ratio, 4), float(cert)
(1.0417, 0.0025)
>>> print(cert.latex())
2.400 \cdot 10^{-3} \le \max_{[-1, 1]} |f - T_n| \le 2.500 \cdot 10^{-3}
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy as sp

from ..coerce import as_expr
from ..errors import SymTaylorError
from ..latex import display

if TYPE_CHECKING:
    from .expansion import TaylorExpansion

__all__ = ["Coefficients", "ErrorRow", "ErrorTable", "RemainderCertificate"]


class Coefficients(Mapping):
    """Read-only ``{multi-index: exact coefficient}``.

    Iterates over the non-zero coefficients; any multi-index of total degree ``<= order``
    may be looked up (absent ones are ``0``). Equal to a plain dict with the same non-zero
    entries (zeros in the dict are ignored).

    Examples
    --------
    >>> import sympy as sp
    >>> from symtaylor import taylor
    >>> c = taylor("sin(x)", "x", at=0, order=3).coefficients
    >>> c[(1,)], c[(2,)], c[(3,)]
    (1, 0, -1/6)
    >>> c == {(1,): 1, (3,): sp.Rational(-1, 6)}
    True
    """

    def __init__(self, data: Mapping[tuple[int, ...], sp.Expr], nvars: int, order: int) -> None:
        self._data = dict(sorted(data.items(), key=lambda kv: (sum(kv[0]), [-e for e in kv[0]])))
        self._nvars = nvars
        self._order = order

    def __getitem__(self, key: tuple[int, ...]) -> sp.Expr:
        if isinstance(key, int) and self._nvars == 1:
            key = (key,)
        if key in self._data:
            return self._data[key]
        if (isinstance(key, tuple) and len(key) == self._nvars
                and all(isinstance(e, int) and e >= 0 for e in key) and sum(key) <= self._order):
            return sp.Integer(0)
        raise KeyError(key)

    def __iter__(self) -> Iterator[tuple[int, ...]]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        try:
            values = {k: as_expr(v) for k, v in other.items()}
        except SymTaylorError:
            return False
        theirs = {tuple(k) if not isinstance(k, int) else (k,): v
                  for k, v in values.items() if v != 0}
        return self._data == theirs

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in self._data.items()) + "}"


@dataclass(frozen=True)
class RemainderCertificate:
    """A certified bound of ``|f(x) - T_n(x)|`` over a box.

    Attributes
    ----------
    upper : float
        Rigorous upper bound (outward-rounded ball arithmetic).
    attained : float
        ``|f - T_n|`` evaluated (mpmath, 50 digits) at the worst sample point found: the
        true maximum lies in ``[attained, upper]``.
    region : tuple of (lo, hi)
    boxes : int
        Sub-boxes evaluated by branch and bound.
    converged : bool
        Whether ``upper <= (1 + rtol) * attained`` was reached within the budget.
    """

    upper: float
    attained: float
    region: tuple[tuple[float, float], ...]
    boxes: int
    converged: bool

    @property
    def ratio(self) -> float:
        return self.upper / self.attained if self.attained > 0 else math.inf

    def __float__(self) -> float:
        return self.upper

    def latex(self) -> str:
        """``attained <= max |f - T_n| <= upper`` over the box, as LaTeX."""
        box = r" \times ".join(f"[{lo:g}, {hi:g}]" for lo, hi in self.region)
        return (rf"{_tex_num(self.attained)} \le \max_{{{box}}} |f - T_n| \le "
                rf"{_tex_num(self.upper)}")

    def _repr_latex_(self) -> str:
        return display(self.latex())


@dataclass(frozen=True)
class ErrorRow:
    """One row of an :class:`ErrorTable` (floats for display; the bound is certified)."""

    point: tuple[float, ...]
    distance: float
    value: float
    model: float
    error: float
    bound: float
    scaled: float
    step: tuple[float, ...] = ()

    @property
    def relative(self) -> float:
        """``error / |f(x)|`` (``inf`` where ``f(x) = 0`` and the error is not)."""
        if self.value:
            return self.error / abs(self.value)
        return 0.0 if self.error == 0 else math.inf


@dataclass(frozen=True)
class ErrorTable:
    """True error, certified bound and ``error / |x - a|^(n+1)`` at chosen points.

    ``scaled`` tends to ``|f^(n+1)(a)|/(n+1)!`` as the step shrinks when that is non-zero
    (the error is ``O(|x - a|^(n+1))``).
    """

    expansion: TaylorExpansion
    rows: tuple[ErrorRow, ...]

    def __str__(self) -> str:
        n = self.expansion.order
        one = len(self.expansion.variables) == 1
        head = (f"{'x' if one else 'point':>14} | {'x - a' if one else 'step':>10} | "
                f"{'f(x)':>14} | {'T_' + str(n) + '(x)':>14} | {'error':>11} | "
                f"{'% error':>9} | {'bound':>11} | "
                f"{'err/|x-a|^' + str(n + 1):>13}")
        lines = [head, "-" * len(head)]
        for r in self.rows:
            pt = ", ".join(f"{p:g}" for p in r.point)
            st = ", ".join(f"{p:g}" for p in r.step)
            lines.append(f"{pt:>14} | {st:>10} | {r.value:>14.8g} | {r.model:>14.8g} | "
                         f"{r.error:>11.4e} | {100 * r.relative:>8.3g}% | {r.bound:>11.4e} | "
                         f"{r.scaled:>13.6g}")
        return "\n".join(lines)

    def latex(self) -> str:
        """The table as a LaTeX ``array``."""
        n = self.expansion.order
        body = [r"\begin{array}{rrrrrrr}",
                rf"x & x - a & f(x) & T_{{{n}}}(x) & |f - T_{{{n}}}| & \text{{bound}} & "
                rf"|f - T_{{{n}}}|/|x-a|^{{{n + 1}}} \\ \hline"]
        for r in self.rows:
            pt = ", ".join(f"{p:g}" for p in r.point)
            st = ", ".join(f"{p:g}" for p in r.step)
            body.append(f"{pt} & {st} & {r.value:.8g} & {r.model:.8g} & {_tex_num(r.error)} & "
                        f"{_tex_num(r.bound)} & {r.scaled:.6g} \\\\")
        body.append(r"\end{array}")
        return "\n".join(body)

    def _repr_latex_(self) -> str:
        return display(self.latex())


def _tex_num(v: float) -> str:
    m, e = f"{v:.3e}".split("e")
    return rf"{m} \cdot 10^{{{int(e)}}}"
