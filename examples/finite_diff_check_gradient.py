"""Check gradient and Hessian code at a point, with the step and the error estimate from the
finite-difference analysis (like scipy.optimize.check_grad, but it says how close is close).

Run: ``python examples/finite_diff_check_gradient.py``
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symtaylor import fd_check_gradient, fd_check_hessian

# Derive the extended Rosenbrock function's gradient and Hessian with SymPy, compile them.
xs = sp.symbols("x0:4")
f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(3))
grad = [sp.diff(f, v) for v in xs]
hess = sp.hessian(f, xs)
fun = sp.lambdify([xs], f)
gfun = sp.lambdify([xs], grad)
hfun = sp.lambdify([xs], hess)

x0 = np.array([-1.2, 1.0, 0.8, 1.5])
print(fd_check_gradient(fun, lambda v: np.array(gfun(v)), x0))
print(fd_check_hessian(lambda v: np.array(gfun(v)), hfun, x0))


# A typical slip: the factor 2 of the chain rule forgotten in one component.
def wrong_grad(v: np.ndarray) -> np.ndarray:
    g = np.array(gfun(v), dtype=float)
    g[3] = 100 * (v[3] - v[2] ** 2)
    return g


check = fd_check_gradient(fun, wrong_grad, x0)
print(check)
print("suspect entries:", check.suspects)
