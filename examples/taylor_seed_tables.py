"""The seed's two Taylor tables, exact and certified.

1. ``sin`` at 0: the seed tabulates the "first" and "second order" models at x = -1.5 ... 1.5 and
   the error for h = 1, 0.5, 0.1, 0.01. For sin at 0 the x**2 coefficient is 0, so the order-2
   polynomial is ``x`` again (the seed's ``x - x**2/2`` is a slip) and the error is O(h**3):
   ``error / h**3 -> 1/6``.
2. ``x**4 - 3*x**3 + 2`` at 2, linear model, steps 0.01 ... 1: the error is exactly
   ``6 h**2 + 5 h**3 + h**4`` (so ``error / h**2 -> f''(2)/2 = 6``).

Each row also carries a certified bound of the error at that point (ball arithmetic).

Run: ``python examples/taylor_seed_tables.py``
"""

from __future__ import annotations

from symtaylor import taylor

t1 = taylor("sin(x)", "x", at=0, order=1)
t2 = taylor("sin(x)", "x", at=0, order=2)
print(f"sin at 0: T_1 = {t1.polynomial},  T_2 = {t2.polynomial},  "
      f"T_3 = {taylor('sin(x)', 'x', at=0, order=3).polynomial}")
print(t2.error_table(points=[-1.5, -0.5, 0.0, 0.5, 1.0, 1.5]))
print("\nerror vs step h (order 1 = order 2 for sin at 0; error/h^3 -> 1/6):")
tab = t1.error_table(steps=[1.0, 0.5, 0.1, 0.01])
for row in tab.rows:
    print(f"  h = {row.step[0]:<5g} error = {row.error:.6e}   error/h^3 = "
          f"{row.error / row.step[0] ** 3:.6f}   certified bound = {row.bound:.6e}")

q = taylor("x^4 - 3*x^3 + 2", "x", at=2, order=1)
print(f"\nx^4 - 3x^3 + 2 at 2: T_1 = {q.polynomial_text()}")
print(f"remainder (Lagrange): {q.remainder}")
print(q.error_table(steps=[0.01, 0.1, 0.3, 0.5, 1.0]))
print(f"certified max error for x in [1.5, 2.5]: {q.remainder_bound((1.5, 2.5)):.6f} "
      "(true: 2.1875 at x = 2.5)")
