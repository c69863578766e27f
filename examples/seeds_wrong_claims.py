"""The seed texts' wrong claims, caught by symtaylor's checkers (see docs/seeds_audit.md).

Each claim is restated as an answer to a question and handed to ``symtaylor.verify``; the
verdict says what is wrong. The correct versions are checked too.

Run: ``python examples/seeds_wrong_claims.py``
"""

from __future__ import annotations

import sympy as sp

import symtaylor as st

QUAD = "theta1^2 + 10*theta2^2"   # the seeds' own quadratic (L = 20, mu = 2)
VARS = "theta1, theta2"


def show(title: str, verdict: st.Verdict) -> None:
    print(f"== {title}")
    print(verdict)
    print()


# Seed 000, Part 1: the "second order" model of sin at 0 written as x - x^2/2.
show("seed 000: second-order Taylor polynomial of sin at 0 claimed to be x - x^2/2",
     st.check_taylor("sin(x)", "x", 0, 2, "x - x^2/2"))

# Seed 000, Part 1: h - h^3/6 labelled as the second-order approximation.
show("seed 000: h - h^3/6 called the second-order approximation of sin(h)",
     st.check_taylor("sin(h)", "h", 0, 2, "h - h^3/6"))

# Seed 000, Parts 6/8, Q4, takeaways: "the maximum safe learning rate is 1/L".
show("seed 000: the largest safe gradient step is 1/L",
     st.check_max_step(QUAD, VARS, "1/20"))
show("...while a step between 1/L and 2/L still guarantees descent",
     st.check_step_size(QUAD, VARS, "3/40"))

# Seed 000, Part 6 / Q5: "Newton with H ~ diag(v_t) is Adam": with v ~ g^2 that divides by g^2.
c = sp.Symbol("c", positive=True)
x = sp.Symbol("x")
g = c * x
show("seed 000: a Newton step with H = diag(v), v = g^2, on c x^2/2",
     st.check_newton_step(c * x**2 / 2, x, x - g / g**2))

# Seed 000, Part 1: "exact when the series converges": exp(-1/x^2) at 0.
f = sp.exp(-1 / x**2)
t = st.taylor(f, x, at=0, order=8)
print("== seed 000: a convergent Taylor series is exact")
print(f"T_8 of {f} at 0 = {t.polynomial}; every T_n is 0, but f(1) = {sp.N(f.subs(x, 1), 6)}")
print()

# The right answers, for contrast.
show("the right second-order polynomial of sin at 0", st.check_taylor("sin(x)", "x", 0, 2, "x"))
show("the right largest safe step", st.check_max_step(QUAD, VARS, "1/10"))
