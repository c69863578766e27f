"""Compile exact expressions into fast, vectorised, standalone NumPy code.

:func:`compile_numpy` turns a scalar, a vector or a matrix of SymPy expressions into a Python
function of an array ``x`` whose last axis holds the variables: ``x`` of shape ``(k,)`` is one
point and gives an output of shape ``()``, ``(n,)`` or ``(m, n)``; ``x`` of shape ``(..., k)``
is a batch and gives ``(...,)``, ``(..., n)`` or ``(..., m, n)`` (batch dimensions lead, as
``np.linalg`` expects). Parameters are passed after ``x`` and broadcast against the batch
dimensions, so data arrays of shape ``(N,)`` turn a residual into a vector of ``N`` residuals.

:func:`compile_objective` compiles ``f``, its gradient and its Hessian together, with one
common-subexpression elimination (CSE) over all of them, into ``.f``, ``.grad``, ``.hess``,
``.value_and_grad`` and ``.hvp``; with ``data=`` the expression is a per-sample term whose sum
(or mean) over data arrays is the objective, reduced with ``np.sum`` in the generated code.

How the generated code is fast
------------------------------
* CSE across all outputs of a bundle; each function computes only the temporaries it needs.
* One point (``x.ndim == 1``, scalar parameters) runs a second, straight-line body on Python
  floats and the ``math`` module, which is ~10x cheaper per operation than NumPy scalars; the
  rare IEEE cases Python refuses (``1/0``, ``log(-1)``, overflow) fall back to the NumPy body, so
  both paths give the same answers.
* Structural zeros of a matrix (sparse Hessians) produce no code: the output starts as zeros
  and only the non-zero entries are written; a symmetric matrix computes each pair once.

Semantics
---------
``Piecewise`` becomes ``np.select`` (a conditional expression on one point), ``Abs``, ``sign``,
``Min``/``Max``, ``floor``, ``Mod`` and the elementary functions map to their NumPy
counterparts. Variables are real numbers: ``re(x)``/``im(x)`` of a variable become ``x``/``0``.
``DiracDelta`` terms, which differentiating ``sign``, ``Heaviside`` or a ``Piecewise`` jump
brings, are compiled as ``0``: the generated derivative is the *almost-everywhere* derivative
(exact except on the measure-zero set where the function is not differentiable).
``Heaviside(t, h0)`` is the step ``np.heaviside(t, h0)`` (``h0 = 1/2`` by default, as in SymPy).
A function without a NumPy counterpart raises :class:`~symtaylor.errors.UnsupportedFunctionError`
naming it. Inputs are real numbers: complex arrays (or parameters, or data) are refused with an
:class:`~symtaylor.errors.InputError` instead of losing their imaginary parts.

Names
-----
Generated source never contains a name or a text as the user wrote it. Every identifier comes
from one sanitizer (``_Namer``): ASCII, a valid identifier, not a keyword, soft keyword or builtin,
not a name the generated code uses itself (``np``, ``x``, ``out``, ``t0``, the function names),
unique (names are ASCII, so also after the NFKC normalisation Python applies to identifiers).
Safe names are kept (``theta1``, ``b1``); others get a readable fallback (``x`` is ``x_1``, ``θ``
is ``theta``, full-width ``ｘ`` is ``x`` or ``x_2``) and the header lists them. Expressions in
comments and docstrings are escaped (line breaks, quotes, backslashes, no ``coding:`` cookie).
Before it runs, the module's symbol tables are checked to hold only the names the sanitizer
issued: a name that reached the source any other way is a :class:`CodegenError`, never code.

The package, one concept per module (each depends only on those above it):

==============  ==================================================================================
``tables``      translation tables as plain data: SymPy function -> NumPy / ``math`` source,
                n-ary folds, helper definitions, relations
``names``       the identifier sanitizer ``_Namer`` (every name in generated source comes from it)
``text``        user text escaped for comments and docstrings; short forms of expressions
``printer``     ``_Printer`` (what every target prints alike) and its small subclasses
                ``_ArrayPrinter`` (NumPy) and ``_PointPrinter`` (one point, Python floats)
``prepare``     input coercion (shapes and entries), real symbols, checks, option checks
``stable``      numerically stable forms before printing (logaddexp, log1p, expm1, sigmoid,
                hypot; orthogonal polynomials by their recurrences)
``ir``          the typed IR: outputs, items (entries, slice and product groups), definitions
                (temporaries, gathers, rerolled sums, dot products) with ``.reads``/``.emit``
``module``      the state of one generated module: symbols, identifiers, definitions, indices
``plan``        outputs as items; entries grouped into vectorised slices and data products
``cse``         one common-subexpression elimination over every output
``emit``        the source of each function (and its one-point twin) and of the module
``load``        the one generated-source ``exec``: symbol-table check, ``linecache`` cleanup
``compiled``    :func:`compile_numpy`, :class:`CompiledFunction`, :class:`BoundFunction`
``objective``   :func:`compile_objective`, :class:`CompiledObjective`, :class:`BoundObjective`,
                :func:`to_scipy`
``loop``        the fixed-point loop in NumPy alone (:func:`symtaylor.iterate` runs it; the
                solvers :meth:`Step.export_solver <symtaylor.steps.Step.export_solver>` writes
                copy its source)
``update``      ``compile_update``, ``CompiledUpdate`` (an update ``x -> x_next`` with its
                objective, gradient and Hessian in one module), the standalone solver source
==============  ==================================================================================

Examples
--------
>>> import numpy as np
>>> fn = compile_numpy(["x*y", "sin(x)"], "x, y", name="demo")
>>> fn(np.array([2.0, 3.0]))
array([6.        , 0.90929743])
>>> fn(np.array([[2.0, 3.0], [0.0, 1.0]])).shape
(2, 2)
>>> print(fn.source.splitlines()[0])
# demo(x): [x*y, sin(x)] with x[..., :] = (x, y)
"""

# "_x as _x": internals that other modules and the tests import from here (explicit re-exports)
from .compiled import BoundFunction, CompiledFunction, compile_numpy
from .load import _load as _load
from .names import _GENERATOR_NAMES as _GENERATOR_NAMES
from .names import _Namer as _Namer
from .objective import BoundObjective, CompiledObjective, compile_objective, to_scipy
from .text import _short as _short

__all__ = [
    "BoundFunction",
    "BoundObjective",
    "CompiledFunction",
    "CompiledObjective",
    "compile_numpy",
    "compile_objective",
    "to_scipy",
]
