r"""Finite differences, derived exactly and measured: stencils, truncation vs round-off, h*.

A finite-difference stencil approximates the ``d``-th derivative by

.. math:: D_h f(x) = \frac{1}{h^d} \sum_i w_i f(x + o_i h).

The weights come out of Fornberg's algorithm in exact rational arithmetic. Taylor-expanding
every ``f(x + o_i h)`` gives the truncation error exactly,

.. math:: D_h f(x) - f^{(d)}(x) = \sum_{k > d} \frac{\sum_i w_i o_i^k}{k!} h^{k-d} f^{(k)}(x),

whose first non-zero term is ``C h^p f^{(d+p)}(x)`` (``p`` is the order of accuracy). In
floating point each ``f(x + o_i h)`` carries a relative error of about ``eps``, which the
division by ``h^d`` magnifies: round-off ``~ eps * sum|w_i| * |f(x)| / h^d``. Minimising
``A h^p + B / h^d`` gives the optimal step ``h* = (d B / (p A))^(1/(p+d))`` in closed form.

:func:`fd_error` measures the picture: it evaluates the stencil in float64 for a scan of steps,
compares with the exact derivative (SymPy + mpmath at 50+ digits), and separates the
truncation part (the same stencil evaluated in mpmath at high precision) from the round-off
part (the rest). :func:`fd_check_gradient` and :func:`fd_check_hessian` use the analysis to check
hand-written or compiled derivative code at a point, with an error estimate.

The package, one concept per module (each uses only those above it):

=============  ================================================================================
``stencils``   Fornberg's weights, the node layouts (:data:`SCHEMES`), :class:`Stencil` and its
               exact truncation terms, ``EPS`` and the step symbol ``h``
``report``     the records :class:`FDRow` and :class:`FDErrorReport` (text, LaTeX, plot)
``error``      :func:`fd_error`: derivatives at the point, the round-off model, ``h*``, the scan
``checks``     :func:`fd_check_gradient`, :func:`fd_check_hessian` and their
               :class:`DerivativeCheck` / :class:`CheckStatus`
=============  ================================================================================

Examples
--------
>>> from symtaylor.finite_diff import stencil, fd_error
>>> s = stencil(derivative=2, scheme="central", accuracy=2)
>>> s.offsets, s.weights
((-1, 0, 1), (1, -2, 1))
>>> s.truncation_term()
h**2*Derivative(f(x), (x, 4))/12
>>> r = fd_error("exp(x)", "x", at=1, derivative=2, steps=[1e-1, 1e-4, 1e-7])
>>> r.truncation_term
E*h**2/12
>>> [row.dominated_by for row in r.rows]
['truncation', 'round-off', 'round-off']
>>> round(r.optimal_step, 6)
0.000321
"""

from .checks import (
    CheckStatus,
    DerivativeCheck,
    fd_check_gradient,
    fd_check_hessian,
)
from .error import fd_error
from .report import FDErrorReport, FDRow
from .stencils import EPS, SCHEMES, Stencil, fornberg_weights, h, stencil

__all__ = [
    "EPS",
    "SCHEMES",
    "CheckStatus",
    "DerivativeCheck",
    "FDErrorReport",
    "FDRow",
    "Stencil",
    "fd_check_gradient",
    "fd_check_hessian",
    "fd_error",
    "fornberg_weights",
    "h",
    "stencil",
]
