r"""The record of one Taylor expansion: :class:`TaylorExpansion`.

It holds the exact polynomial and its coefficients, derives the Lagrange remainder on demand,
evaluates and prints itself, and certifies its remainder through
:mod:`symtaylor.series.certify` (prepared once per expansion, on first use).

Examples
--------
>>> from symtaylor import taylor
>>> t = taylor("cos(x)", "x", at=0, order=3)
>>> t.polynomial, t.remainder
(1 - x**2/2, x**4*cos(xi)/24)
>>> t(sp.Rational(1, 10))
199/200
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..coerce import PointLike, RegionLike, as_expr
from ..errors import InputError
from ..latex import display
from . import certify as _certify
from .engine import _Exact
from .fallback import _where
from .kernel import _multi_indices
from .records import Coefficients, ErrorTable, RemainderCertificate

__all__ = ["TaylorExpansion"]


@dataclass(frozen=True)
class TaylorExpansion:
    r"""The Taylor polynomial of total degree ``order`` of ``function`` about ``point``.

    Attributes
    ----------
    function : sympy.Expr
    variables : tuple of Symbol
    point : tuple of sympy.Expr
    order : int
    coefficients : Coefficients
        ``{alpha: D^alpha f(a) / alpha!}`` (exact).
    polynomial : sympy.Expr
        ``sum_alpha c_alpha (x - a)^alpha`` in the original variables.
    method : str
        ``"series-arithmetic"`` (the fast route) or ``"sympy-series"`` (the fallback).

    Examples
    --------
    >>> from symtaylor import taylor
    >>> t = taylor("exp(x)", "x", at=1, order=2)
    >>> t.polynomial
    E*(x - 1)**2/2 + E*(x - 1) + E
    >>> t.coefficients[(2,)]
    E/2
    >>> print(t.latex())  # doctest: +ELLIPSIS
    e^{x} = \frac{\left(x - 1\right)^{2} e}{2} + \left(x - 1\right) e + e + R_{2}(x),\quad ...
    """

    function: sp.Expr
    variables: tuple[sp.Symbol, ...]
    point: tuple[sp.Expr, ...]
    order: int
    coefficients: Coefficients
    polynomial: sp.Expr
    method: str = "series-arithmetic"
    #: the exact series as the engine built it (fast route only): certification reuses it
    _exact: _Exact | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        at = _where(self.variables, self.point)
        return (f"TaylorExpansion(order {self.order} of {self.function} at {at}: "
                f"{self.polynomial_text()})")

    @property
    def remainder_symbol(self) -> sp.Symbol:
        """The intermediate-point symbol of :attr:`remainder`: ``xi`` (one variable) or
        ``theta`` in (0, 1) (several)."""
        name = "xi" if len(self.variables) == 1 else "theta"
        taken = {s.name for s in self.function.free_symbols | set(self.variables)}
        while name in taken:
            name += "_"
        return sp.Symbol(name, real=True) if name.startswith("theta") else sp.Symbol(name)

    @functools.cached_property
    def remainder(self) -> sp.Expr:
        """The Lagrange remainder ``f - T_n`` with its intermediate point explicit.

        One variable: ``f^(n+1)(xi)/(n+1)! (x - a)^(n+1)`` with ``xi`` between ``a`` and ``x``.
        Several: ``sum_{|alpha| = n+1} D^alpha f(a + theta (x - a))/alpha! (x - a)^alpha``,
        ``0 < theta < 1``.
        """
        n1 = self.order + 1
        s = self.remainder_symbol
        if len(self.variables) == 1:
            (x,), (a,) = self.variables, self.point
            d = sp.diff(self.function, x, n1).xreplace({x: s})
            return d / sp.factorial(n1) * (x - a) ** n1
        sub = {v: a + s * (v - a) for v, a in zip(self.variables, self.point)}
        terms = []
        for alpha in _multi_indices(len(self.variables), n1):
            d = self.function
            for v, k in zip(self.variables, alpha):
                if k:
                    d = sp.diff(d, v, k)
            if d == 0:
                continue
            fac = math.prod(math.factorial(k) for k in alpha)
            mono = sp.Mul(*[(v - a) ** k for v, a, k in zip(self.variables, self.point, alpha)])
            terms.append(d.xreplace(sub) / fac * mono)
        return sp.Add(*terms)

    # -- evaluation helpers ---------------------------------------------------------------------
    def __call__(self, *values: Any) -> sp.Expr:
        """The polynomial at a point (exact if the point is)."""
        if len(values) != len(self.variables):
            raise InputError(f"expected {len(self.variables)} values, got {len(values)}")
        return self.polynomial.xreplace(dict(zip(self.variables, map(as_expr, values))))

    # -- certification ----------------------------------------------------------------------------
    def certify(self, region: RegionLike, rtol: float = 0.1, max_boxes: int | None = None
                ) -> RemainderCertificate:
        """A certified bound of ``|f(x) - T_n(x)|`` over a box, with the evidence.

        Parameters
        ----------
        region : mapping, sequence of pairs or (lo, hi)
            ``{variable or name: (lo, hi)}``, or ``[(lo, hi), ...]`` in variables order; for
            one variable also ``(lo, hi)``. Ends may be text (``"pi/4"``, parsed safely).
        rtol : float
            Branch and bound stops when the bound is within ``1 + rtol`` of an attained error.
        max_boxes : int, optional
            Budget of sub-boxes (default 600 for one variable, 800 otherwise).

        Raises
        ------
        CertificationError
            If no finite bound can be certified (a singularity in the region, free parameters).

        Examples
        --------
        >>> from symtaylor import taylor
        >>> t = taylor("sin(x)", "x", at=0, order=3)
        >>> cert = t.certify((-1, 1))
        >>> true = abs(float(sp.sin(1)) - 5/6)
        >>> true <= cert.upper <= 1.1 * true, cert.ratio < 1.1
        (True, True)
        """
        return _certify.certify(self, region, rtol, max_boxes)

    def remainder_bound(self, region: RegionLike, rtol: float = 0.1,
                        max_boxes: int | None = None) -> float:
        """A rigorous upper bound of ``|f(x) - T_n(x)|`` for ``x`` in ``region``.

        Certified by ball arithmetic: enclosures of the order-``k`` Taylor coefficients over
        the hull of the point and each sub-box (Lagrange form, using the next orders too when
        the ``n+1`` terms vanish), a Taylor model about each sub-box centre, refined by branch
        and bound (``max_boxes`` sub-boxes at most). See :meth:`certify` for the evidence.
        A region that does not contain the expansion point is allowed: the bound is then
        over the hull of the point and the region for the Lagrange form, and the centred and
        plain forms keep it tight over the region itself (it is still rigorous).

        Examples
        --------
        >>> from symtaylor import taylor
        >>> t = taylor("exp(x)", "x", at=0, order=2)
        >>> b = t.remainder_bound((-0.5, 0.5))
        >>> true = float(sp.exp(sp.Rational(1, 2))) - 1.625
        >>> true <= b <= 1.2 * true
        True
        """
        return self.certify(region, rtol=rtol, max_boxes=max_boxes).upper

    def error_table(self, points: Sequence[PointLike] | None = None, *,
                    steps: Sequence[PointLike] | None = None) -> ErrorTable:
        """True error (50-digit mpmath), certified bound and ``error/|x-a|^(n+1)`` at points.

        Give ``points`` (numbers, or tuples for several variables) or ``steps`` (offsets from
        the expansion point; scalars step every variable by the same amount).

        Examples
        --------
        >>> from symtaylor import taylor
        >>> t = taylor("x^4 - 3*x^3 + 2", "x", at=2, order=1)
        >>> tab = t.error_table(steps=[0.01, 0.1, 1.0])
        >>> [round(r.error, 6) for r in tab.rows]
        [0.000605, 0.0651, 12.0]
        """
        return _certify.error_table(self, points, steps=steps)

    @functools.cached_property
    def _certifier(self) -> _certify._Certifier:
        """The certification state (engine, balls, mpmath functions), built on first use."""
        return _certify._Certifier(self)

    # -- display ---------------------------------------------------------------------------------
    def _in_powers(self) -> tuple[sp.Expr, dict[sp.Symbol, sp.Expr]]:
        """The polynomial with each ``x_i - a_i`` (``a_i != 0``) as one placeholder symbol, so
        that printing keeps the powers of ``(x_i - a_i)`` (SymPy distributes ``c*(x - a)``)."""
        subs: dict[sp.Symbol, sp.Expr] = {}
        factors = []
        for v, a in zip(self.variables, self.point):
            if a == 0:
                factors.append(v)
            else:
                u = sp.Dummy(f"u_{v}")
                subs[u] = v - a
                factors.append(u)
        expr = sp.Add(*[sp.Mul(c, *[u**k for u, k in zip(factors, key) if k])
                        for key, c in self.coefficients.items()])
        return expr, subs

    def polynomial_text(self) -> str:
        """The polynomial as text, in powers of ``(x_i - a_i)``.

        Examples
        --------
        >>> from symtaylor import taylor
        >>> taylor("sin(x)", "x", at="pi/3", order=2).polynomial_text()
        '-sqrt(3)*(x - pi/3)**2/4 + (x - pi/3)/2 + sqrt(3)/2'
        """
        expr, subs = self._in_powers()
        names = {u: f"({w})" for u, w in subs.items()}
        return sp.sstr(expr.xreplace({u: sp.Symbol(n) for u, n in names.items()}))

    def latex(self) -> str:
        r"""``f = T_n + R_n`` as LaTeX, the polynomial in powers of ``(x_i - a_i)``, and the
        Lagrange remainder ``R_n`` it uses (with its intermediate point).

        Examples
        --------
        >>> from symtaylor import taylor
        >>> print(taylor("x^4 - 3*x^3 + 2", "x", at=2, order=1).latex().replace(",", ",\n"))
        x^{4} - 3 x^{3} + 2 = - 4 \left(x - 2\right) - 6 + R_{1}(x),
        \quad R_{1}(x) = 3 \xi \left(x - 2\right)^{2} \left(2 \xi - 3\right)\ \text{for some
        $\xi$ between $2$ and $x$}
        """
        expr, subs = self._in_powers()
        names = {u: rf"\left({sp.latex(w)}\right)" for u, w in subs.items()}
        args = ", ".join(sp.latex(v) for v in self.variables)
        s = self.remainder_symbol
        if len(self.variables) == 1:
            where = (rf"\text{{for some ${sp.latex(s)}$ between ${sp.latex(self.point[0])}$ and "
                     rf"${args}$}}")
        else:
            where = rf"\text{{for some ${sp.latex(s)} \in (0, 1)$}}"
        rn = f"R_{{{self.order}}}({args})"
        return (f"{sp.latex(self.function)} = {sp.latex(expr, symbol_names=names)} + {rn},"
                rf"\quad {rn} = {sp.latex(self.remainder)}\ {where}")

    @functools.cached_property
    def derivation(self) -> Any:
        """The full derivation, every row checked: derivatives, coefficients, ``T_n`` and the
        remainder (see :mod:`symtaylor.derivations`; for a certified bound over a region use
        ``symtaylor.derive("taylor", ..., region=...)``). Callable too: ``t.derivation()``."""
        from ..derivations.taylor import expansion_derivation

        return expansion_derivation(self)

    def _repr_latex_(self) -> str:
        return display(self.latex())
