"""Numeric solvers that run compiled derivations: :func:`minimize` and :func:`least_squares`.

Derive once, compile once, iterate in NumPy. The facades coerce the input once, derive the
gradient and Hessian (or the Jacobian) exactly with :mod:`symtaylor.calculus`, compile them to
NumPy, and hand plain callables to the numeric cores; no SymPy runs inside the iteration loop.
The methods and everything about them are in one registry, :data:`METHODS`
(``{name: Method}``); ``method_table("minimize")`` renders it.

Every run returns a frozen :class:`Result` with a :class:`Status` whose members carry their
message. Failures (non-finite values, divergence, iteration limits, a failed line search, a
stationary point that is not a minimum) are reported in ``status``/``success``/``message``, never
raised and never silently called a success: ``success=True`` only when ``||grad f||`` meets the
tolerance the message reports and the post-run checks (:mod:`.diagnosis`) found no descent.
Bad input raises :class:`~symtaylor.InputError`,
an unknown method or option :class:`~symtaylor.SolverError`.

The package, one concept per module:

====================  ==========================================================================
``result``            ``Status``, ``History``, ``IterationState``, ``Result``; ``CoreResult``,
                      what every core returns
``spec``              ``Method`` and ``Option``: what a method is
``methods``           ``METHODS``, the registry, and what is derived from it (name resolution,
                      option checks, the docs table)
``facade``            :func:`minimize` and :func:`least_squares`
``inputs``            data columns, variables, real symbols, folded constants, ``x0``
``objective``         the compiled objective (``Objective``, ``SumOfSquares``)
``residuals``         the compiled residuals (``Residuals``)
``dask_data``         data given as Dask arrays: one fused pass over the chunks per point
                      (f, gradient, Hessian or r^T r, J^T r, J^T J partial sums, tree-summed)
``jobs``              :func:`map_fits`: many independent fits as Dask tasks
``cache``             the one bounded cache of compiled derivations
``counting``          the one counting wrapper (``nfev``, ``njev``, ``nhev``)
``run``               history, callback, progress and clock of one run
``stopping``          finite / round-off / divergence tests shared by the cores
``linesearch``        Armijo and strong Wolfe line searches
``gradient_descent``  fixed step (``1/L`` certified) or Armijo
``newton``            Newton: a Cholesky solve first (damped after poor line searches), the
                      eigenvalue modification and negative-curvature steps where H is not
                      positive definite
``quasi_newton``      BFGS and L-BFGS
``trust_region``      exact (Moré–Sorensen) and dogleg subproblems, the trust-region loop
``lm``                Levenberg–Marquardt after MINPACK
``gauss_newton``      Gauss–Newton with an Armijo line search
``diagnosis``         post-run checks that make success a claim the run can defend: finite
                      values, ``||g|| <= gtol`` (or the round-off floor), the smallest Hessian
                      eigenvalue at any size, descent probes of f, unbounded below; the same
                      for least squares
====================  ==========================================================================

Examples
--------
>>> r = minimize("theta1**2 + 10*theta2**2", "theta1 theta2", [5, 5], method="newton")
>>> r.success, r.nit, r.x.tolist()
(True, 1, [0.0, 0.0])
>>> r = least_squares(["10*(y - x**2)", "1 - x"], "x y", [-1.2, 1], method="lm")
>>> r.success, [round(float(v), 10) for v in r.x]
(True, [1.0, 1.0])
>>> sorted(METHODS)
['bfgs', 'gauss-newton', 'gradient-descent', 'l-bfgs', 'lm', 'newton', 'trust-region']
"""

from __future__ import annotations

from .cache import clear_cache
from .facade import least_squares, minimize
from .jobs import map_fits
from .methods import METHODS, method_table
from .result import CoreResult, History, IterationState, Result, Status
from .spec import Method, Option

__all__ = [
    "METHODS",
    "CoreResult",
    "History",
    "IterationState",
    "Method",
    "Option",
    "Result",
    "Status",
    "clear_cache",
    "least_squares",
    "map_fits",
    "method_table",
    "minimize",
]
