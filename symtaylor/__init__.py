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

# Capabilities (one import line each; keep alphabetical by module).
from .bounds import (
    ConvergenceBounds,
    convergence_bounds,
    descent_lemma,
    gradient_step_prediction,
    predict_loss_after_step,
)
from .calculus import (
    Definiteness,
    critical_point_set,
    critical_points,
    definiteness,
    gradient,
    hessian,
    jacobian,
)
from .codegen import CompiledFunction, CompiledObjective, compile_numpy, compile_objective, to_scipy
from .coerce import (
    as_data,
    as_expr,
    as_exprs,
    as_matrix,
    as_number,
    as_order,
    as_point,
    as_region,
    as_variables,
    as_vector,
)
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
from .iterate import iterate
from .optimize import History, Result, Status, least_squares, minimize
from .parsing import parse
from .steps import (
    QuasiNewtonUpdate,
    Step,
    bfgs_inverse_update,
    bfgs_update,
    cauchy_point,
    dfp_inverse_update,
    dfp_update,
    dogleg_step,
    gauss_newton_step,
    gradient_step,
    levenberg_marquardt_step,
    newton_step,
    sr1_update,
)
from .taylor import ErrorTable, RemainderCertificate, TaylorExpansion, taylor
from .verify import (
    Mistake,
    Verdict,
    check_gradient,
    check_gradient_step,
    check_hessian,
    check_jacobian,
    check_max_step,
    check_newton_step,
    check_step_size,
    check_taylor,
    equivalent,
)

__all__ = [
    "CertificationError",
    "CodegenError",
    "CompiledFunction",
    "CompiledObjective",
    "ConvergenceBounds",
    "Definiteness",
    "DerivativeCheck",
    "ErrorTable",
    "FDErrorReport",
    "History",
    "InputError",
    "Mistake",
    "NotAnalyticError",
    "ParseError",
    "QuasiNewtonUpdate",
    "RemainderCertificate",
    "Result",
    "SolverError",
    "Status",
    "Stencil",
    "Step",
    "SymTaylorError",
    "TaylorExpansion",
    "UnsupportedFunctionError",
    "Verdict",
    "__version__",
    "as_data",
    "as_expr",
    "as_exprs",
    "as_matrix",
    "as_number",
    "as_order",
    "as_point",
    "as_region",
    "as_variables",
    "as_vector",
    "bfgs_inverse_update",
    "bfgs_update",
    "cauchy_point",
    "check_gradient",
    "check_gradient_step",
    "check_hessian",
    "check_jacobian",
    "check_max_step",
    "check_newton_step",
    "check_step_size",
    "check_taylor",
    "compile_numpy",
    "compile_objective",
    "convergence_bounds",
    "critical_point_set",
    "critical_points",
    "definiteness",
    "descent_lemma",
    "dfp_inverse_update",
    "dfp_update",
    "dogleg_step",
    "equivalent",
    "fd_check_gradient",
    "fd_check_hessian",
    "fd_error",
    "fornberg_weights",
    "gauss_newton_step",
    "gradient",
    "gradient_step",
    "gradient_step_prediction",
    "hessian",
    "iterate",
    "jacobian",
    "least_squares",
    "levenberg_marquardt_step",
    "minimize",
    "newton_step",
    "parse",
    "predict_loss_after_step",
    "sr1_update",
    "stencil",
    "taylor",
    "to_scipy",
]
