"""Solvers tour: Newton vs gradient descent on the seed's double well, an honest saddle, and a
NIST StRD certified fit (Misra1a) with least_squares.

Run: ``python examples/solvers_nist_and_newton.py``
"""

from __future__ import annotations

from symtaylor import least_squares, minimize
from symtaylor.problems import lre, nist_problem


def main() -> None:
    f = "x**4 - 2*x**2 + 1/2"
    for method, opts in (("newton", {}), ("gradient-descent", {"lr": 0.01})):
        r = minimize(f, "x", [2.0], method=method, **opts)
        print(f"{method:16s} x = {r.x[0]:.12f}  f = {r.fun:.12f}  nit = {r.nit:4d}  "
              f"nfev = {r.nfev:4d}  {r.status.key}")

    s = minimize("x**2 - y**2", "x y", [0, 0], method="bfgs")
    print(f"bfgs from the saddle of x^2 - y^2: success={s.success}, status={s.status.name}, "
          f"smallest Hessian eigenvalue {s.hess_min_eig:g}")

    p = nist_problem("Misra1a")
    r = least_squares(p.residual, p.params, p.start(1), data=p.data, method="lm")
    digits = [round(lre(v, c), 1) for v, c in zip(r.x, p.certified_values)]
    print(f"NIST Misra1a from start 1: b = {r.x.tolist()}, RSS = {r.fun:.10e}")
    print(f"  certified digits (LRE) per parameter: {digits}; nfev = {r.nfev}, "
          f"status = {r.status.key}")
    print(r)


if __name__ == "__main__":
    main()
