"""Logistic regression in the data form: write the loss of ONE sample with data symbols, compile
its sum over N samples with gradient and Hessian, bind the data once, run Newton's method, and
compare with scipy.optimize.minimize on a hand-written loss.

Run: ``python examples/codegen_logistic_data.py``
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from symtaylor.codegen import compile_objective

d, n_samples = 5, 400
rng = np.random.default_rng(42)
A = rng.normal(size=(n_samples, d))
w_true = np.array([1.5, -2.0, 0.5, 0.0, 1.0])
labels = np.where(rng.random(n_samples) < 1 / (1 + np.exp(-A @ w_true)), 1.0, -1.0)

ws, a_s, y, lam = sp.symbols(f"w0:{d}"), sp.symbols(f"a0:{d}"), sp.Symbol("y"), sp.Symbol("lam")
z = sum(wi * ai for wi, ai in zip(ws, a_s))
# mean logistic loss + (lam/2)|w|^2, written for one sample (a, y)
term = sp.log(1 + sp.exp(-y * z)) + lam / 2 * sum(w**2 for w in ws)
obj = compile_objective(term, ws, params=[lam], data=[*a_s, y], reduce="mean", name="logreg")
fit = obj.bind(*A.T, labels)  # the data are stacked once, not on every call

w = np.zeros(d)
for it in range(8):
    g = fit.grad(w, 1e-3)
    print(f"Newton {it}: loss {float(fit.f(w, 1e-3)):.12f}  |grad| {np.linalg.norm(g):.2e}")
    if np.linalg.norm(g) < 1e-13:
        break
    w = w - np.linalg.solve(fit.hess(w, 1e-3), g)


def loss(v: np.ndarray) -> float:  # the same loss and gradient written by hand
    return float(np.mean(np.logaddexp(0, -labels * (A @ v))) + 1e-3 / 2 * v @ v)


def loss_grad(v: np.ndarray) -> np.ndarray:
    s = 1 / (1 + np.exp(labels * (A @ v)))
    return -(A.T @ (labels * s)) / n_samples + 1e-3 * v


ref = minimize(loss, np.zeros(d), jac=loss_grad, method="BFGS", options={"gtol": 1e-12})
print("Newton w:", np.round(w, 6))
print("BFGS   w:", np.round(ref.x, 6), f"(max difference {np.max(np.abs(w - ref.x)):.1e})")
print("\n".join(obj.hess.source.splitlines()[-14:]))
