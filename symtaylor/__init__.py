"""symtaylor: a symbolic-math derivation engine for optimization.

Derive exact Taylor models (with certified remainder bounds), gradients, Hessians and
closed-form optimization steps with SymPy; compile them to vectorised NumPy; iterate them in
numeric solvers; check every numeric claim with mpmath and ball arithmetic.

Examples
--------
>>> import symtaylor
>>> symtaylor.parse("x^2 + 1")
x**2 + 1
"""

from ._version import __version__
from .errors import (
    CertificationError,
    CodegenError,
    InputError,
    NotAnalyticError,
    ParseError,
    SolverError,
    SymTaylorError,
    UnsupportedFunctionError,
)

# Capabilities (one import line each; keep alphabetical by module).
from .finite_diff import (
    DerivativeCheck,
    FDErrorReport,
    Stencil,
    fd_check_gradient,
    fd_check_hessian,
    fd_error,
    fornberg_weights,
    stencil,
)
from .parsing import as_expr, as_exprs, as_point, as_variables, parse

__all__ = [
    "CertificationError",
    "CodegenError",
    "DerivativeCheck",
    "FDErrorReport",
    "InputError",
    "NotAnalyticError",
    "ParseError",
    "SolverError",
    "Stencil",
    "SymTaylorError",
    "UnsupportedFunctionError",
    "__version__",
    "as_expr",
    "as_exprs",
    "as_point",
    "as_variables",
    "fd_check_gradient",
    "fd_check_hessian",
    "fd_error",
    "fornberg_weights",
    "parse",
    "stencil",
]
