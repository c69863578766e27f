r"""The facade: :func:`taylor` coerces its input once and delegates to the exact expansion.

Examples
--------
>>> taylor("exp(x)*sin(y)", "x, y", at=(0, 0), order=3).polynomial
x**2*y/2 + x*y - y**3/6 + y
"""

from __future__ import annotations

import sympy as sp

from ..coerce import (
    ExprLike,
    OrderLike,
    PointLike,
    VariablesLike,
    as_expr,
    as_order,
    as_point,
    as_variables,
)
from ..engines.flint_series import _build_polynomial, _build_univariate
from ..errors import InputError, SymTaylorError
from .engine import _Exact
from .expand import _expand_core
from .expansion import TaylorExpansion
from .fallback import _check_real
from .records import Coefficients

__all__ = ["MAX_ORDER", "taylor"]

MAX_ORDER = 200


def taylor(f: ExprLike, variables: VariablesLike = None, at: PointLike = 0,
           order: OrderLike = 2) -> TaylorExpansion:
    r"""The exact Taylor polynomial of total degree ``order`` of ``f`` about ``at``.

    Parameters
    ----------
    f : str, sympy.Expr, number or callable
        The function (text is parsed safely).
    variables : str or sequence, optional
        The expansion variables (default: the free symbols of ``f``, sorted by name). Other
        symbols of ``f`` are parameters and appear in the coefficients.
    at : number, sequence, mapping, str or Symbol
        The expansion point; a scalar applies to every variable. Symbolic points
        (``at=sp.Symbol("a")``, ``at="pi/3"``) work; the expansion then assumes the point is
        generic (e.g. ``log(a)`` needs ``a != 0``).
    order : int
        Total degree of the polynomial (``0 <= order <= 200``).

    Returns
    -------
    TaylorExpansion

    Raises
    ------
    NotAnalyticError
        ``f`` is not analytic at the point (pole, branch point, ``Abs`` at its kink...).
    InputError
        Malformed variables, point or order.

    Examples
    --------
    >>> taylor("1/(1 - x)", "x", at=0, order=4).polynomial
    x**4 + x**3 + x**2 + x + 1
    >>> import sympy as sp
    >>> a = sp.Symbol("a")
    >>> taylor("log(x)", "x", at=a, order=2).polynomial
    log(a) + (-a + x)/a - (-a + x)**2/(2*a**2)
    >>> taylor("sin(x)/x", "x", at=0, order=4).polynomial   # removable singularity
    x**4/120 - x**2/6 + 1
    >>> taylor("x^(1/3)", "x", at=0, order=2)
    Traceback (most recent call last):
    ...
    symtaylor.errors.NotAnalyticError: x**(1/3) is not analytic at x = 0: ...
    """
    order = as_order(order, "order")
    if not 0 <= order <= MAX_ORDER:
        raise InputError(f"order must be between 0 and {MAX_ORDER}, got {order}")
    expr = as_expr(f, variables)
    vs = as_variables(variables, expr)
    if isinstance(at, sp.Symbol) and at in vs:
        raise InputError(f"the expansion point {at} is one of the variables")
    point = as_point(at, vs)
    if any(not p.free_symbols.isdisjoint(vs) for p in point):
        raise InputError(f"the expansion point {point} must not contain the variables {vs}")
    if expr.has(sp.I) or any(not p.is_Rational and p.has(sp.I) for p in point):
        raise InputError("complex input is not supported: expansions are over the reals")
    try:
        coeffs, method, exact = _expand_core(expr, vs, point, order)
    except SymTaylorError:
        raise
    except RecursionError:
        raise InputError(f"{expr} is nested too deeply to expand") from None
    rational = all(c.is_Rational for c in coeffs.values())
    if not rational and not _real_atoms(exact):  # rational coefficients are finite and real
        _check_real(expr, vs, point, coeffs)
    poly = _build_univariate(coeffs, vs[0], point[0]) if rational and len(vs) == 1 else None
    if poly is None:
        poly = _build_polynomial(coeffs, vs, point)
    if poly is None:
        terms = []
        for key, c in coeffs.items():
            terms.append(sp.Mul(c, *[(v - a) ** k for v, a, k in zip(vs, point, key) if k]))
        poly = sp.Add(*terms)
    return TaylorExpansion(expr, vs, point, order, Coefficients(coeffs, len(vs), order), poly,
                           method, exact)


def _real_atoms(exact: _Exact | None) -> bool:
    """The coefficients of the exact route are polynomials over QQ in its atoms: when every
    atom is finite and real (``exp(1/2)``, ``sin(1/3)``, ``log(9/4)``; a parameter symbol
    counts, as in :func:`_check_real`), so is every coefficient, and that check is moot."""
    if exact is None:
        return False
    for a in exact.atoms.index:
        if a.has(sp.I, sp.zoo, sp.oo, -sp.oo, sp.nan):
            return False
        if not a.free_symbols and a.is_extended_real is not True:
            return False
    return True
