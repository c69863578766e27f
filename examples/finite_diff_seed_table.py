"""The seed's table, derived and measured: f''(1) of exp by (f(x+h) - 2f(x) + f(x-h)) / h^2.

Prints the float64 values the seed's code prints (bit for bit), the exact error of each row
against e at 50+ digits, its split into truncation (the stencil evaluated in mpmath) and
round-off (what float64 added), and the predicted vs observed optimal step. Saves the V-shaped
error plot when matplotlib is installed.

Run: ``python examples/finite_diff_seed_table.py``
"""

from __future__ import annotations

from symtaylor import fd_error
from symtaylor.errors import OptionalDependencyError

steps = [1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]
report = fd_error("exp(x)", "x", at=1, derivative=2, scheme="central", steps=steps)
print(report.summary())
print()
print(report.table())
print()
print("truncation-dominated steps:", report.truncation_dominated)
print("round-off-dominated steps: ", report.roundoff_dominated)

# A finer scan shows the bottom of the V next to the predicted h* = 3**(1/4)/4096 ~ 3.2e-4.
fine = fd_error("exp(x)", "x", at=1, derivative=2, steps=[10 ** (-k / 10) for k in range(91)])
print(f"\nfine scan: observed optimum h = {fine.observed_optimal_step:.2e} "
      f"(error {fine.min_error:.2e}); predicted h* = {fine.optimal_step:.2e} "
      f"(error {fine.predicted_min_error:.2e})")
try:
    fine.plot("fd_error_exp.png")
    print("plot saved to fd_error_exp.png")
except OptionalDependencyError as exc:
    print(exc)
