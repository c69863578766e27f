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
from .parsing import as_expr, as_exprs, as_point, as_variables, parse

# Capabilities (one import line each; keep alphabetical by module).

__all__ = [
    "CertificationError",
    "CodegenError",
    "InputError",
    "NotAnalyticError",
    "ParseError",
    "SolverError",
    "SymTaylorError",
    "UnsupportedFunctionError",
    "__version__",
    "as_expr",
    "as_exprs",
    "as_point",
    "as_variables",
    "parse",
]
