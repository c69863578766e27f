"""Grading interview-style answers (seed 000's Q1-Q4 and seed 003's one-step example).

For each question, a right answer and a typical wrong one are checked against symtaylor's
derivations; the wrong ones get the slip named.

Run: ``python examples/seeds_interview.py``
"""

from __future__ import annotations

import symtaylor as st

QUESTIONS = [
    ("Q1: second-order Taylor model of exp(x)*cos(y) at the origin",
     lambda ans: st.check_taylor("exp(x)*cos(y)", "x, y", 0, 2, ans),
     ["1 + x + x^2/2 - y^2/2", "1 + x + x^2 - y^2"]),
    ("Q2: Newton update for f = x^4 - 2x^2 + 1/2",
     lambda ans: st.check_newton_step("x^4 - 2*x^2 + 1/2", "x", ans),
     ["x - (4*x^3 - 4*x)/(12*x^2 - 4)", "x + (4*x^3 - 4*x)/(12*x^2 - 4)",
      "x - (x^4 - 2*x^2 + 1/2)/(4*x^3 - 4*x)"]),
    ("Q2: one Newton step on theta1^2 + 10 theta2^2 from (5, 5)",
     lambda ans: st.check_newton_step("theta1^2 + 10*theta2^2", "theta1, theta2", ans,
                                      at=(5, 5)),
     ["0, 0", "-5, -95"]),
    ("Q4: largest step size with guaranteed descent on theta1^2 + 10 theta2^2",
     lambda ans: st.check_max_step("theta1^2 + 10*theta2^2", "theta1, theta2", ans),
     ["1/10", "1/20"]),
    ("Seed 003: the gradient of (x - 3)^2",
     lambda ans: st.check_gradient("(x - 3)^2", "x", ans),
     ["2*(x - 3)", "2*(3 - x)"]),
]

for title, check, answers in QUESTIONS:
    print(f"== {title}")
    for ans in answers:
        v = check(ans)
        mark = "RIGHT" if v.correct else "WRONG"
        print(f"  {mark}  {ans}")
        for reason in v.reasons:
            print(f"         - {reason}")
    print()
