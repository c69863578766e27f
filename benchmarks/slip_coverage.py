"""How many typical slips the checkers name (issue 14): a catalogue of wrong answers, each made
by one deliberate classic slip, and the kind a checker should report for it.

Each case is counted as *named* (the verdict is wrong and its kinds include the expected one),
*misnamed* (wrong, but another slip is named), *unnamed* (wrong, no slip named), *accepted* (the
checker says right: a false positive) or *no checker* (the checker does not exist in this
version, or refuses the question). Run it on two versions to compare:

    python benchmarks/slip_coverage.py            # this checkout
    PYTHONPATH=/tmp/old python benchmarks/slip_coverage.py   # another one (a git worktree)

``--list`` prints every case with its outcome.
"""

from __future__ import annotations

import argparse
import collections
from collections.abc import Callable
from typing import Any

import symtaylor.verify as V

Q = "x^2 + 10*y^2"
RES = ["x - 1", "x^2 - 2"]
B, S, Y = [[2, 0], [0, 1]], [1, 1], [3, 2]


def _c(name: str, *args: Any, **kw: Any) -> Callable[[], Any]:
    def run() -> Any:
        fn = getattr(V, name, None)
        if fn is None:
            raise LookupError(name)
        return fn(*args, **kw)
    return run


#: (description, call, the kind it should name)
CASES: list[tuple[str, Callable[[], Any], str]] = [
    # Taylor polynomials
    ("taylor: missing 1/2!", _c("check_taylor", "exp(x)", "x", 0, 2, "1 + x + x^2"), "factorial"),
    ("taylor: missing 1/3!", _c("check_taylor", "sin(x)", "x", 0, 3, "x - x^3"), "factorial"),
    ("taylor: divided twice", _c("check_taylor", "exp(x)", "x", 0, 2, "1 + x + x^2/4"),
     "double-factorial"),
    ("taylor: sign", _c("check_taylor", "cos(x)", "x", 0, 2, "1 + x^2/2"), "sign"),
    ("taylor: other point", _c("check_taylor", "exp(x)", "x", 1, 1, "1 + x"),
     "expansion-point"),
    ("taylor: powers of x (log at 1)",
     _c("check_taylor", "log(x)", "x", 1, 3, "x - x^2/2 + x^3/3"), "powers-of-x"),
    ("taylor: powers of x (exp at 1)",
     _c("check_taylor", "exp(x)", "x", 1, 2, "E + E*x + E*x^2/2"), "powers-of-x"),
    ("taylor: order too high", _c("check_taylor", "exp(x)", "x", 0, 1, "1 + x + x^2/2"),
     "order"),
    ("taylor: order too low", _c("check_taylor", "exp(x)", "x", 0, 2, "1 + x"), "order"),
    ("taylor: term beyond order", _c("check_taylor", "sin(x)", "x", 0, 2, "x + x^3"),
     "beyond-order"),
    ("taylor: wrong derivative value", _c("check_taylor", "sin(x)", "x", 0, 2, "x - x^2/2"),
     "derivative-value"),
    ("taylor: multi-index |alpha|!", _c("check_taylor", "exp(x + y)", "x, y", 0, 2,
                                        "1 + x + y + x^2/2 + x*y/2 + y^2/2"),
     "multi-index-factorial"),
    ("taylor: mixed term twice", _c("check_taylor", "exp(x + y)", "x, y", 0, 2,
                                    "1 + x + y + x^2/2 + 2*x*y + y^2/2"),
     "multi-index-factorial"),
    ("taylor: chain rule exp(2x)", _c("check_taylor", "exp(2*x)", "x", 0, 2, "1 + x + x^2/2"),
     "chain-rule"),
    ("taylor: chain rule sin(x^2) at 1", _c("check_taylor", "sin(x^2)", "x", 1, 1,
                                            "sin(1) + cos(1)*(x - 1)"), "chain-rule"),
    # derivatives
    ("gradient: sign", _c("check_gradient", "x^2*y", "x, y", "-2*x*y, x^2"), "sign"),
    ("gradient: swapped", _c("check_gradient", "x^2*y", "x, y", "x^2, 2*x*y"), "swapped"),
    ("gradient: factor 2 (whole)", _c("check_gradient", "x^2 + y^2", "x, y", "x, y"),
     "factor-2"),
    ("gradient: factor 2 (entry)", _c("check_gradient", "x^2*y", "x, y", "x*y, x^2"),
     "factor-2"),
    ("gradient: chain rule", _c("check_gradient", "sin(x^2)", "x", "cos(x^2)"), "chain-rule"),
    ("gradient: chain rule outer at x", _c("check_gradient", "sin(x^2)", "x", "2*x*cos(x)"),
     "chain-rule"),
    ("gradient: chain rule exp", _c("check_gradient", "exp(3*x*y)", "x, y",
                                    "exp(3*x*y), exp(3*x*y)"), "chain-rule"),
    ("gradient: product rule", _c("check_gradient", "x*exp(x)", "x", "exp(x)"), "product-rule"),
    ("gradient: quotient rule", _c("check_gradient", "exp(x)/x", "x",
                                   "(x*exp(x) + exp(x))/x^2"), "quotient-rule"),
    ("gradient: integrated", _c("check_gradient", "x^3", "x", "x^4/4"), "integrated"),
    ("gradient: integrated (2 vars)", _c("check_gradient", "x*y", "x, y", "x^2*y/2, x*y^2/2"),
     "integrated"),
    ("gradient: second derivative", _c("check_gradient", "x^3 + y", "x, y", "6*x, 1"),
     "second-derivative"),
    ("hessian: factor 2", _c("check_hessian", "x^2*y", "x, y", "y, 2*x; 2*x, 0"), "factor-2"),
    ("hessian: sign", _c("check_hessian", "x^2*y", "x, y", "-2*y, 2*x; 2*x, 0"), "sign"),
    ("hessian: asymmetric", _c("check_hessian", "x^2*y", "x, y", "2*y, 2*x; 0, 0"),
     "asymmetric"),
    ("hessian: first derivative kept", _c("check_hessian", "x^2*y", "x, y",
                                          "2*x*y, 2*x; 2*x, 0"), "first-derivative"),
    ("hessian: product rule", _c("check_hessian", "sin(x*y)", "x, y",
                                 "-y^2*sin(x*y), cos(x*y); cos(x*y), -x^2*sin(x*y)"),
     "product-rule"),
    ("jacobian: transposed", _c("check_jacobian", ["x - 1", "10*(y - x^2)", "x*y"], "x, y",
                                "1, -20*x, y; 0, 10, x"), "transposed"),
    ("jacobian: sign", _c("check_jacobian", ["x - 1", "10*(y - x^2)"], "x, y",
                          "1, 0; 20*x, 10"), "sign"),
    ("jacobian: chain rule", _c("check_jacobian", ["sin(x*y)", "x"], "x, y",
                                "cos(x*y), cos(x*y); 1, 0"), "chain-rule"),
    # Newton and gradient steps
    ("newton: sign", _c("check_newton_step", "x^4 - 2*x^2 + 1/2", "x",
                        "x + (4*x^3 - 4*x)/(12*x^2 - 4)"), "sign"),
    ("newton: no inverse", _c("check_newton_step", "x^2 + 10*y^2", "x, y", "0.8, -1.0",
                              at=(1, 1)), "no-hessian-inverse"),
    ("newton: root finding", _c("check_newton_step", "x^2 - 2", "x", "x - (x^2 - 2)/(2*x)"),
     "root-finding"),
    ("newton: inverted ratio", _c("check_newton_step", "x^3", "x", "x - 6*x/(3*x^2)"),
     "inverted-ratio"),
    ("newton: H not inverted", _c("check_newton_step", "x^2 + 10*y^2", "x, y",
                                  "1 - 4, 1 - 400", at=(1, 1)), "hessian-not-inverted"),
    ("newton: damping ignored", _c("check_newton_step", "x^2 + y^2", "x, y", "0, 0",
                                   damping=1, at=(1, 1)), "damping-ignored"),
    ("gradient step: sign", _c("check_gradient_step", "(x - 3)^2", "x", "-0.6", lr="0.1",
                               at=0), "sign"),
    ("gradient step: lr missing", _c("check_gradient_step", "(x - 3)^2", "x", "6", lr="0.1",
                                     at=0), "lr-missing"),
    ("gradient step: step not point", _c("check_gradient_step", "(x - 3)^2", "x",
                                         "0.4", lr="0.1", at=1), "step-not-point"),
    # step sizes
    ("max step: 1/L", _c("check_max_step", Q, "x, y", "1/20"), "one-over-L"),
    ("max step: 2/mu", _c("check_max_step", Q, "x, y", "1"), "used-mu"),
    ("max step: 2L", _c("check_max_step", Q, "x, y", "40"), "reciprocal"),
    ("max step: eigenvalues of A", _c("check_max_step", Q, "x, y", "1/5"), "hessian-2A"),
    ("step size: too large", _c("check_step_size", Q, "x, y", "0.15"), "not-below-2/L"),
    ("step size: negative", _c("check_step_size", Q, "x, y", "-0.01"), "not-positive"),
    ("optimal step: 1/L", _c("check_optimal_step", Q, "x, y", "1/20"), "one-over-L"),
    ("optimal step: 2/L", _c("check_optimal_step", Q, "x, y", "1/10"), "two-over-L"),
    ("optimal step: 1/(L+mu)", _c("check_optimal_step", Q, "x, y", "1/22"), "factor-2"),
    ("optimal step: eigenvalues of A", _c("check_optimal_step", Q, "x, y", "2/11"),
     "hessian-2A"),
    # rates and condition numbers
    ("rate: 1 - L/mu", _c("check_rate", Q, "x, y", "1/L", "1 - L/mu"), "inverted-ratio"),
    ("rate: (k+1)/(k-1)", _c("check_rate", Q, "x, y", "2/(L + mu)", "11/9"), "inverted-ratio"),
    ("rate: other step's rate", _c("check_rate", Q, "x, y", "2/(L + mu)", "9/10"),
     "other-step"),
    ("rate: accelerated", _c("check_rate", Q, "x, y", "1/L",
                             "(sqrt(10) - 1)/(sqrt(10) + 1)"), "accelerated"),
    ("rate: one end of the spectrum", _c("check_rate", Q, "x, y", "0.08", "0.6"), "one-end"),
    ("rate: kappa", _c("check_rate", Q, "x, y", "1/L", "1/10"), "kappa"),
    ("kappa: inverted", _c("check_condition_number", Q, "x, y", "1/10"), "inverted-ratio"),
    ("kappa: sqrt", _c("check_condition_number", Q, "x, y", "sqrt(10)"), "sqrt-kappa"),
    ("kappa: diagonal ratio", _c("check_condition_number", "2*x^2 + 2*x*y + 2*y^2", "x, y",
                                 "1"), "diagonal"),
    ("kappa: not strongly convex", _c("check_condition_number", "x^2 - y^2", "x, y", "1"),
     "not-strongly-convex"),
    # remainders
    ("remainder: order n", _c("check_remainder", "exp(x)", "x", 0, 2, "exp(xi)*x^2/2"),
     "order"),
    ("remainder: derivative at a", _c("check_remainder", "exp(x)", "x", 0, 2, "x^3/6"),
     "at-expansion-point"),
    ("remainder: derivative at x", _c("check_remainder", "exp(x)", "x", 0, 2,
                                      "exp(x)*x^3/6"), "at-x"),
    ("remainder: missing (n+1)!", _c("check_remainder", "exp(x)", "x", 0, 2, "exp(xi)*x^3"),
     "factorial"),
    ("remainder: powers of x", _c("check_remainder", "log(x)", "x", 1, 2, "x^3/(3*xi^3)"),
     "powers-of-x"),
    ("remainder: multi-index", _c("check_remainder", "exp(x + y)", "x, y", 0, 1,
                                  "exp(theta*(x + y))*(x^2 + x*y + y^2)/2"),
     "multi-index-factorial"),
    ("remainder bound: at a", _c("check_remainder_bound", "exp(x)", "x", 0, 2, (-0.5, 0.5),
                                 "1/48"), "at-expansion-point"),
    ("remainder bound: (n+2)!", _c("check_remainder_bound", "exp(x)", "x", 0, 2, (-0.5, 0.5),
                                   "exp(1/2)/192"), "factorial"),
    # least squares
    ("gauss-newton: sign", _c("check_gauss_newton_step", RES, "x", "3/5", at=1), "sign"),
    ("gauss-newton: gradient step", _c("check_gauss_newton_step", RES, "x", "3", at=1),
     "no-hessian-inverse"),
    ("gauss-newton: full newton", _c("check_gauss_newton_step", RES, "x", "5/3", at=1),
     "newton"),
    ("gauss-newton: step not point", _c("check_gauss_newton_step", RES, "x", "2/5", at=1),
     "step-not-point"),
    ("lm: damping ignored", _c("check_lm_step", ["x - 1", "y"], "x, y", 1, "1, 0"),
     "damping-ignored"),
    ("lm: diag(JtJ) for I", _c("check_lm_step", ["x - 1", "10*(y - x^2)"], "x, y", 2,
                               "1/3, 2/3", at=(0, 1)), "damping-scaling"),
    ("lm: lambda squared", _c("check_lm_step", ["x - 1", "10*(y - x^2)"], "x, y", 2,
                              "1/5, 1/26", at=(0, 1)), "damping-squared"),
    ("lm: damping subtracted", _c("check_lm_step", ["x - 1"], "x", "1/2", "2", at=0),
     "damping-sign"),
    # quasi-Newton
    ("bfgs: s and y swapped", _c("check_quasi_newton_update", "bfgs", [[1, 0], [0, 1]],
                                 [1, 0], [2, 1], "7/10, -2/5; -2/5, 4/5"), "swapped"),
    ("bfgs: signs of the rank-one terms", _c("check_quasi_newton_update", "bfgs",
                                             [[1, 0], [0, 1]], [1, 0], [2, 1],
                                             "0, -1; -1, 1/2"), "sign"),
    ("bfgs: no symmetrization", _c("check_quasi_newton_update", "bfgs", B, S, Y,
                                   "37/15, 8/15; 23/15, 22/15"), "asymmetric"),
    ("bfgs: inverse formula on B", _c("check_quasi_newton_update", "bfgs", B, S, Y,
                                      "17/25, -13/25; -13/25, 32/25"), "other-formula"),
    ("sr1: sign", _c("check_quasi_newton_update", "sr1", B, S, Y, "3/2, -1/2; -1/2, 1/2"), "sign"),
    ("dfp: s and y swapped", _c("check_quasi_newton_update", "dfp", B, S, Y,
                                "17/25, -13/25; -13/25, 32/25"), "swapped"),
    ("bfgs-inverse: missing rho s s^T", _c("check_quasi_newton_update", "bfgs-inverse",
                                           B, S, Y, "12/25, -18/25; -18/25, 27/25"),
     "missing-term"),
    # finite differences
    ("fd truncation: missing 1/k!", _c("check_fd_truncation", "exp(x)", "x", 1, 1,
                                       "central", 2, "E*h^2"), "factorial"),
    ("fd truncation: power of h", _c("check_fd_truncation", "exp(x)", "x", 1, 1, "central", 2,
                                     "E*h^3/6"), "power-of-h"),
    ("fd truncation: next term", _c("check_fd_truncation", "exp(x)", "x", 1, 1, "central", 2,
                                    "E*h^4/120"), "next-term"),
    ("fd truncation: forward's term", _c("check_fd_truncation", "exp(x)", "x", 1, 1,
                                         "central", 2, "E*h/2"), "other-scheme"),
    ("fd truncation: derivative order", _c("check_fd_truncation", "sin(x)", "x", 1, 1,
                                           "forward", 1, "cos(1)*h/2"), "derivative-order"),
    ("fd step: exponent 1/(p+1)", _c("check_fd_optimal_step", "exp(x)", "x", 1, 1, "central",
                                     2, "(3*eps)^(1/2)"), "exponent"),
    ("fd step: balance not minimum", _c("check_fd_optimal_step", "exp(x)", "x", 1, 1,
                                        "central", 2, "(6*eps)^(1/3)"), "balance"),
    ("fd step: sqrt(eps) for central", _c("check_fd_optimal_step", "exp(x)", "x", 1, 1,
                                          "central", 2, "sqrt(eps)"), "sqrt-eps"),
    ("fd step: bare scaling", _c("check_fd_optimal_step", "exp(x)", "x", 1, 1, "central", 2,
                                 "eps^(1/3)"), "scaling-only"),
    ("stencil: 1/2 left out", _c("check_stencil_weights", 1, "central", 2, "-1, 0, 1"),
     "scaled"),
    ("stencil: not divided by 12", _c("check_stencil_weights", 1, "central", 4,
                                      "1, -8, 0, 8, -1"), "scaled"),
    ("stencil: reversed", _c("check_stencil_weights", 1, "forward", 2, "-1/2, 2, -3/2"),
     "reversed"),
    ("stencil: other accuracy", _c("check_stencil_weights", 1, "central", 4,
                                   "-1/2, 0, 1/2"), "accuracy"),
]


def outcome(call: Callable[[], Any], kind: str) -> tuple[str, str]:
    try:
        v = call()
    except LookupError:
        return "no checker", ""
    except Exception as exc:
        return "no checker", type(exc).__name__
    if v.correct:
        return "accepted", ""
    kinds = tuple(v.kinds)
    if kind in kinds:
        return "named", ",".join(kinds)
    return ("misnamed" if kinds else "unnamed"), ",".join(kinds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true", help="print every case")
    args = ap.parse_args()
    counts: collections.Counter[str] = collections.Counter()
    for desc, call, kind in CASES:
        out, got = outcome(call, kind)
        counts[out] += 1
        if args.list or out not in ("named",):
            print(f"{out:10} {desc:40} want {kind:22} got {got}")
    total = len(CASES)
    print(f"named {counts['named']} of {total} typical slips; misnamed {counts['misnamed']}, "
          f"unnamed {counts['unnamed']}, accepted {counts['accepted']}, "
          f"no checker {counts['no checker']}")


if __name__ == "__main__":
    main()
