r"""The Taylor series engine: exact Taylor polynomials, Lagrange remainders, certified bounds.

:func:`taylor` expands a function of one or several variables about a numeric or symbolic
point to a given total order, exactly. It does not differentiate repeatedly: substituting
``x_i = a_i + h_i`` (the ``t``-substitution ``x_i = a_i + t h_i`` with the powers of ``t``
read off as total degrees in ``h``) turns the expansion into truncated power-series arithmetic
on exact coefficients. Sums and products are truncated products of series; a function
``F(g)`` is the composition ``sum_k F^(k)(g_0)/k! (g - g_0)^k`` with the Taylor coefficients
of ``F`` at the constant term ``g_0`` known in closed form (``exp``, ``sin``, ``log``,
powers, ...) or by differentiating ``F`` alone (``atan``, ``tan``, ...).

Coefficients live in ``QQ[c_1, ..., c_r]``, a polynomial ring over the rationals whose
generators ``c_j`` are the exact constants met on the way (``exp(1/2)``, ``sin(1/3)``,
``sqrt(3)``, ``1/log(2)``, a symbolic point ``a``). At a rational point of a rational function
the ring is plain ``QQ`` (python-flint ``fmpq``), which is the fast path.

Where the fast route meets a singular constant term (``log`` or ``1/g`` or ``g**(1/3)`` with
``g_0 = 0``: a pole, a branch point or a removable singularity like ``sin(x)/x``), it falls back
to SymPy's ``series`` in ``t`` (slower but exact) and accepts the result only if both one-sided
expansions agree and every power of ``t`` is a non-negative integer; otherwise the function is
not analytic there and :class:`~symtaylor.errors.NotAnalyticError` is raised.

Remainder bounds are certified by ball arithmetic (python-flint ``arb``): the same series
engine run with interval coefficients over the hull of the point and a box gives enclosures of
all the order-``k`` Taylor coefficients ``D^alpha f(xi)/alpha!`` for ``xi`` in that hull, i.e. of
the Lagrange remainder (with the exact next terms added when they vanish, as for ``sin`` at 0).
A second form, a Taylor model of ``f - T_n`` about each sub-box centre (point coefficients plus
a Lagrange term over the sub-box), is tight far from the expansion point; a third, the plain
enclosure ``f(B) - T(B)``, helps on wide sub-boxes. Branch and bound over the region takes the
best of them per sub-box.

The package, one concept per module (each depends only on those above it):

=================  ===========================================================================
``kernel``         truncated series arithmetic on ``{(degree, exponents): coefficient}`` dicts,
                   generic over the coefficient ring
``domain``         the coefficient domains: ``QQ[atoms]`` for exact constants, ``arb`` balls
``rules``          the registry ``{F: Rule}`` of univariate Taylor coefficients ``F^(k)(c)/k!``
``engine``         one expression expanded about a point (postorder walk), exact or in balls
``rewrite``        branch resolution (``Max``, ``sign``, ...) and ``tan`` as ``sin/cos``
``fallback``       SymPy's ``series`` from both sides, and the verdict on analyticity
``expand``         the exact expansion: engine first, fallback where it meets a singularity
``records``        ``Coefficients``, ``RemainderCertificate``, ``ErrorRow``, ``ErrorTable``
``certify``        certified remainder bounds (branch and bound over three ball forms), tables
``expansion``      ``TaylorExpansion``, the record of one expansion
``facade``         :func:`taylor`
=================  ===========================================================================

Examples
--------
>>> from symtaylor import taylor
>>> t = taylor("sin(x)", "x", at=0, order=3)
>>> t.polynomial
-x**3/6 + x
>>> t.remainder
x**4*sin(xi)/24
>>> taylor("exp(x)*sin(y)", "x, y", at=(0, 0), order=3).polynomial
x**2*y/2 + x*y - y**3/6 + y
>>> taylor("log(x)", "x", at=0, order=2)
Traceback (most recent call last):
...
symtaylor.errors.NotAnalyticError: log(x) is not analytic at x = 0: ...
"""

from .expansion import TaylorExpansion
from .facade import MAX_ORDER, taylor
from .records import Coefficients, ErrorRow, ErrorTable, RemainderCertificate

__all__ = [
    "MAX_ORDER",
    "Coefficients",
    "ErrorRow",
    "ErrorTable",
    "RemainderCertificate",
    "TaylorExpansion",
    "taylor",
]
