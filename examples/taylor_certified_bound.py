"""Exact multivariate Taylor polynomials and certified remainder bounds.

Expands ``exp(x)*sin(y)`` at (0, 0) to order 4, prints the Lagrange remainder with its
intermediate point ``theta``, and certifies ``max |f - T_4|`` over a box with ball arithmetic;
the certificate brackets the true maximum between an attained value and a rigorous bound.
Then the same for ``log(1 + x)`` at 0 on [-1/2, 1/2] at several orders.

Run: ``python examples/taylor_certified_bound.py``
"""

from __future__ import annotations

from symtaylor import taylor

t = taylor("exp(x)*sin(y)", "x, y", at=(0, 0), order=4)
print(t)
print("coefficients:", dict(t.coefficients))
print("remainder:", t.remainder)
cert = t.certify({"x": (-0.1, 0.1), "y": (-0.1, 0.1)})
print(f"max |f - T_4| over [-0.1, 0.1]^2 is in [{cert.attained:.6e}, {cert.upper:.6e}] "
      f"({cert.boxes} boxes)")

print("\nlog(1 + x) at 0 on [-1/2, 1/2]:")
for n in (1, 2, 4, 8):
    c = taylor("log(1 + x)", "x", at=0, order=n).certify((-0.5, 0.5))
    print(f"  order {n}: true max error >= {c.attained:.4e}, certified <= {c.upper:.4e} "
          f"(ratio {c.ratio:.3f})")
