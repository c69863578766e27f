"""The question kinds: for each, how to ask it, the canonical answer from the engine, the
checker, a generator of fresh variants and the derivation to show (:data:`KINDS`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .. import verify as V
from ..bounds import convergence_bounds, predict_loss_after_step
from ..calculus import gradient, hessian, jacobian
from ..coerce import as_expr, as_variables
from ..finite_diff import fd_error, stencil
from ..series import taylor
from ..steps import (
    bfgs_inverse_update,
    bfgs_update,
    dfp_inverse_update,
    dfp_update,
    gauss_newton_step,
    gradient_step,
    levenberg_marquardt_step,
    newton_step,
    sr1_update,
)
from ..verify.answers import _answer_vector, _number
from ..verify.equality import _same
from ..verify.records import Mistake, Verdict
from ..verify.slips import Slip, first_slip, matrix_score

__all__ = ["KINDS", "Kind"]

P = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """One kind of question.

    Attributes
    ----------
    name, topic : str
    prompt : callable ``params -> str``
    answer : callable ``params -> answer`` (the engine's)
    check : callable ``(params, answer) -> Verdict``
    generate : callable ``random.Random -> params`` (a fresh, well-posed instance)
    derive : callable ``params -> (derivation kind, keyword arguments)`` or None
    """

    name: str
    topic: str
    prompt: Callable[[P], str]
    answer: Callable[[P], Any]
    check: Callable[[P, Any], Verdict]
    generate: Callable[[random.Random], P]
    derive: Callable[[P], tuple[str, dict]] | None = None


def _vars(p: P) -> str:
    return p.get("vars", "x")


def _pt(at: Any) -> str:
    return ", ".join(map(str, at)) if isinstance(at, tuple | list) else str(at)


def _at(names: str, at: Any) -> str:
    """``x = 0`` or ``(x, y) = (1, 2)``."""
    return f"{names} = {_pt(at)}" if "," not in names else f"({names}) = ({_pt(at)})"


def _r(lo: int, hi: int, rng: random.Random) -> int:
    return rng.randint(lo, hi)


# -- a scalar answer with named slips -------------------------------------------------------------


def _scalar(question: str, expected: sp.Expr, answer: Any, slips: list[Slip],
            derivation: Any = None) -> Verdict:
    """Exact comparison of a number, with the first slip that gives the answer."""
    given = _number(answer, "answer")
    if _same(expected, given):
        return Verdict(True, question, expected, given, derivation=derivation)
    slip = first_slip(slips, lambda c: _same(c, given), errors=(ZeroDivisionError, TypeError))
    line = f"the answer is {expected}, not {given}"
    m = (Mistake("answer", expected, given, None, line) if slip is None
         else Mistake("answer", expected, given, slip.kind, f"{line}: {slip.why}"))
    return Verdict(False, question, expected, given, (m,), derivation=derivation)


# -- function families for the variants -----------------------------------------------------------

_ONE_VAR = ["exp({a})", "sin({a})", "cos({a})", "log(1 + {a})", "1/(1 - {a})",
            "sqrt(1 + {a})", "atan({a})", "x*exp({a})", "exp(x)*cos({a})"]
_A = ["1", "2", "3", "1/2"]


def _scaled(a: Any, term: str) -> str:
    """``a*term`` as a person writes it: ``x`` for 1, ``x/2`` for 1/2."""
    a = str(a)
    if a == "1":
        return term
    if a.startswith("1/"):
        return f"{term}/{a[2:]}"
    return f"{a}*{term}"


def _one_var_f(rng: random.Random) -> str:
    return rng.choice(_ONE_VAR).format(a=_scaled(rng.choice(_A), "x"))


#: Coupled quadratics whose Hessians have rational eigenvalues (2 and 6, 2 and 12, 4 and 8,
#: 8 and 34): exact answers stay short.
_COUPLED = ["2*x^2 + 2*x*y + 2*y^2", "5*x^2 + 4*x*y + 2*y^2", "3*x^2 + 2*x*y + 3*y^2",
            "13*x^2 + 12*x*y + 8*y^2"]


def _quadratic(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(_COUPLED)
    a, b = rng.choice([1, 2, 3, 5]), rng.choice([4, 10, 25, 50])
    return f"{_scaled(a, 'x^2')} + {b}*y^2"


def _smooth_two_var(rng: random.Random) -> str:
    return rng.choice(["x^2*y + y^3", "exp(x)*cos(y)", "x*exp(y) + y^2", "sin(x*y) + x^2",
                       "log(1 + x^2 + y^2)", "x^3 - 3*x*y + y^2", "(x - y)^4 + x*y"])


# -- Taylor polynomials, linearisation, remainders ------------------------------------------------


def _taylor_answer(p: P) -> sp.Expr:
    return taylor(p["f"], _vars(p), at=p["at"], order=p["order"]).polynomial


def _taylor_gen(rng: random.Random) -> P:
    if rng.random() < 0.25:
        return {"f": _smooth_two_var(rng), "vars": "x, y", "at": (0, 0), "order": 2}
    f = _one_var_f(rng)
    return {"f": f, "at": 0, "order": _r(2, 4, rng)}


TAYLOR = Kind(
    "taylor", "Taylor polynomials",
    lambda p: (f"Write the Taylor polynomial of order {p['order']} of f = {p['f']} about "
               f"{_at(_vars(p), p['at'])}."),
    _taylor_answer,
    lambda p, a: V.check_taylor(p["f"], _vars(p), p["at"], p["order"], a),
    _taylor_gen,
    lambda p: ("taylor", dict(f=p["f"], variables=_vars(p), at=p["at"], order=p["order"])),
)

LINEARISATION = Kind(
    "linearisation", "Linearisation",
    lambda p: (f"Give the linear approximation (first-order Taylor model) of f = {p['f']} "
               f"near {_at(_vars(p), p['at'])}."),
    lambda p: taylor(p["f"], _vars(p), at=p["at"], order=1).polynomial,
    lambda p, a: V.check_taylor(p["f"], _vars(p), p["at"], 1, a),
    lambda rng: {"f": rng.choice(["sqrt(x)", "log(x)", "exp(x)", "1/x", "x^(1/3)"]),
                 "at": rng.choice([1, 4, 8, 9])},
    lambda p: ("taylor", dict(f=p["f"], variables=_vars(p), at=p["at"], order=1)),
)

REMAINDER = Kind(
    "remainder", "Taylor remainders",
    lambda p: (f"Write the Lagrange remainder R_{p['order']} of the order-{p['order']} Taylor "
               f"polynomial of f = {p['f']} about {_vars(p)} = {_pt(p['at'])} (call the "
               "intermediate point xi)."),
    lambda p: taylor(p["f"], _vars(p), at=p["at"], order=p["order"]).remainder,
    lambda p, a: V.check_remainder(p["f"], _vars(p), p["at"], p["order"], a),
    lambda rng: {"f": _one_var_f(rng), "at": 0, "order": _r(1, 3, rng)},
)


def _bound_answer(p: P) -> Any:
    return V.check_remainder_bound(p["f"], _vars(p), p["at"], p["order"], p["region"],
                                   "1000000").expected


REMAINDER_BOUND = Kind(
    "remainder-bound", "Taylor remainders",
    lambda p: (f"Bound |f - T_{p['order']}| on [{p['region'][0]}, {p['region'][1]}] for "
               f"f = {p['f']} expanded about {_pt(p['at'])} (Lagrange bound)."),
    _bound_answer,
    lambda p, a: V.check_remainder_bound(p["f"], _vars(p), p["at"], p["order"], p["region"], a),
    lambda rng: {"f": rng.choice(["exp(x)", "sin(x)", "cos(x)", "exp(-x)"]), "at": 0,
                 "order": _r(1, 3, rng), "region": rng.choice([(-0.5, 0.5), (-1, 1),
                                                               (-0.25, 0.25)])},
)


# -- derivatives -----------------------------------------------------------------------------------

GRADIENT = Kind(
    "gradient", "Gradients and Hessians",
    lambda p: f"Compute the gradient of f = {p['f']} with respect to ({_vars(p)}).",
    lambda p: gradient(as_expr(p["f"], as_variables(_vars(p))), as_variables(_vars(p))),
    lambda p, a: V.check_gradient(p["f"], _vars(p), a),
    lambda rng: {"f": _smooth_two_var(rng), "vars": "x, y"},
)

HESSIAN = Kind(
    "hessian", "Gradients and Hessians",
    lambda p: f"Compute the Hessian of f = {p['f']} with respect to ({_vars(p)}).",
    lambda p: hessian(as_expr(p["f"], as_variables(_vars(p))), as_variables(_vars(p))),
    lambda p, a: V.check_hessian(p["f"], _vars(p), a),
    lambda rng: {"f": _smooth_two_var(rng), "vars": "x, y"},
)

JACOBIAN = Kind(
    "jacobian", "Gauss-Newton",
    lambda p: (f"Compute the Jacobian of the residuals r = ({', '.join(p['r'])}) with respect "
               f"to ({_vars(p)}) (one row per residual)."),
    lambda p: jacobian(p["r"], as_variables(_vars(p))),
    lambda p, a: V.check_jacobian(p["r"], _vars(p), a),
    lambda rng: {"r": [f"x - {_r(1, 3, rng)}", f"{_r(2, 10, rng)}*(y - x^2)"], "vars": "x, y"},
)


# -- Newton, damped Newton, gradient steps --------------------------------------------------------


def _newton_gen(rng: random.Random) -> P:
    if rng.random() < 0.5:
        return {"f": _quadratic(rng), "vars": "x, y", "at": (_r(-2, 2, rng), _r(1, 3, rng))}
    f = rng.choice(["x^4 - 2*x^2 + 1/2", "exp(x) - 2*x", "x^2 + exp(-x)", "x*log(x)",
                    "x^4 + x^2"])
    return {"f": f, "at": rng.choice([1, 2, 3])}


NEWTON = Kind(
    "newton-step", "Newton's method",
    lambda p: (f"Take one Newton step for minimizing f = {p['f']} from "
               f"{_at(_vars(p), p['at'])}: what is the next iterate?"),
    lambda p: sp.Matrix(newton_step(p["f"], _vars(p)).at(p["at"])),
    lambda p, a: V.check_newton_step(p["f"], _vars(p), a, at=p["at"]),
    _newton_gen,
    lambda p: ("newton", dict(f=p["f"], variables=_vars(p))),
)

NEWTON_UPDATE = Kind(
    "newton-update", "Newton's method",
    lambda p: (f"Derive Newton's update from the second-order Taylor expansion of f = {p['f']}: "
               "give x_next as an expression in x."),
    lambda p: newton_step(p["f"], _vars(p)).update[0],
    lambda p, a: V.check_newton_step(p["f"], _vars(p), a),
    lambda rng: {"f": rng.choice(["x^4 - 2*x^2 + 1/2", "x^3 - 3*x", "exp(x) - 3*x",
                                  "x^2 + exp(x)", "x^4 + x^2"])},
    lambda p: ("newton", dict(f=p["f"], variables=_vars(p))),
)

DAMPED_NEWTON = Kind(
    "damped-newton", "Newton's method",
    lambda p: (f"Take one damped Newton step (H + lambda I, lambda = {p['damping']}) for "
               f"f = {p['f']} from {_at(_vars(p), p['at'])}."),
    lambda p: sp.Matrix(newton_step(p["f"], _vars(p), damping=p["damping"]).at(p["at"])),
    lambda p, a: V.check_newton_step(p["f"], _vars(p), a, damping=p["damping"], at=p["at"]),
    lambda rng: {"f": rng.choice(["x^2 - y^2", "x^2 + 10*y^2", "x^4 + y^2"]), "vars": "x, y",
                 "at": (_r(1, 2, rng), _r(1, 2, rng)), "damping": str(rng.choice([3, 5, 10]))},
    lambda p: ("damped-newton", dict(f=p["f"], variables=_vars(p), damping=p["damping"])),
)

GRADIENT_STEP = Kind(
    "gradient-step", "Gradient descent",
    lambda p: (f"Take one gradient-descent step with learning rate {p['lr']} on f = {p['f']} "
               f"from {_at(_vars(p), p['at'])}: what is the next iterate?"),
    lambda p: sp.Matrix(gradient_step(p["f"], _vars(p), lr=p["lr"]).at(p["at"])),
    lambda p, a: V.check_gradient_step(p["f"], _vars(p), a, lr=p["lr"], at=p["at"]),
    lambda rng: ({"f": f"(x - {_r(1, 5, rng)})^2", "at": _r(-2, 2, rng),
                  "lr": rng.choice(["1/10", "1/4", "1/20"])} if rng.random() < 0.5 else
                 {"f": _quadratic(rng), "vars": "x, y", "at": (1, 1),
                  "lr": rng.choice(["1/100", "1/50"])}),
    lambda p: ("gradient-step", dict(f=p["f"], variables=_vars(p), lr=p["lr"])),
)


# -- least squares --------------------------------------------------------------------------------


def _residuals_gen(rng: random.Random) -> P:
    a = _r(1, 3, rng)
    return {"r": rng.choice([[f"x - {a}", "x^2 - 2"], [f"x - {a}", f"{_r(2, 5, rng)}*(y - x^2)"],
                             ["x + y - 3", f"x - y - {a}", "x + 2*y - 4"]]),
            "vars": None, "at": None}


def _res_vars(p: P) -> str:
    syms = sorted({s.name for r in p["r"] for s in as_expr(r).free_symbols})
    return ", ".join(syms)


def _res_at(p: P) -> Any:
    if p.get("at") is not None:
        return p["at"]
    return 1 if _res_vars(p) == "x" else (0, 1)


GAUSS_NEWTON = Kind(
    "gauss-newton", "Gauss-Newton",
    lambda p: (f"Take one Gauss-Newton step for the residuals r = ({', '.join(p['r'])}) from "
               f"{_at(_res_vars(p), _res_at(p))}."),
    lambda p: sp.Matrix(gauss_newton_step(p["r"], _res_vars(p)).at(_res_at(p))),
    lambda p, a: V.check_gauss_newton_step(p["r"], _res_vars(p), a, at=_res_at(p)),
    _residuals_gen,
    lambda p: ("gauss-newton", dict(residuals=p["r"], variables=_res_vars(p))),
)

LM = Kind(
    "levenberg-marquardt", "Levenberg-Marquardt",
    lambda p: (f"Take one Levenberg-Marquardt step (J^T J + lambda I, lambda = {p['damping']}) "
               f"for the residuals r = ({', '.join(p['r'])}) from "
               f"{_at(_res_vars(p), _res_at(p))}."),
    lambda p: sp.Matrix(levenberg_marquardt_step(p["r"], _res_vars(p), p["damping"]
                                                 ).at(_res_at(p))),
    lambda p, a: V.check_lm_step(p["r"], _res_vars(p), p["damping"], a, at=_res_at(p)),
    lambda rng: {**_residuals_gen(rng), "damping": rng.choice(["1", "2", "1/2"])},
    lambda p: ("levenberg-marquardt", dict(residuals=p["r"], variables=_res_vars(p),
                                           damping=p["damping"])),
)


# -- quasi-Newton ---------------------------------------------------------------------------------

_QN = {"bfgs": bfgs_update, "bfgs-inverse": bfgs_inverse_update, "dfp": dfp_update,
       "dfp-inverse": dfp_inverse_update, "sr1": sr1_update}
_QN_TEXT = {"bfgs": "BFGS update of the Hessian approximation B",
            "bfgs-inverse": "BFGS update of the inverse Hessian approximation H",
            "dfp": "DFP update of B", "dfp-inverse": "DFP update of the inverse approximation H",
            "sr1": "SR1 update of B"}


def _qn_gen(rng: random.Random) -> P:
    while True:
        d1, d2 = _r(1, 4, rng), _r(1, 4, rng)
        s = [_r(-2, 2, rng), _r(-2, 2, rng)]
        y = [d1 * s[0] + _r(0, 2, rng), d2 * s[1] + _r(0, 2, rng)]
        B = [[d1, 0], [0, d2]]
        kind = rng.choice(sorted(_QN))
        ys = y[0] * s[0] + y[1] * s[1]
        w = [y[0] - d1 * s[0], y[1] - d2 * s[1]]
        if s != [0, 0] and ys > 0 and (kind != "sr1" or w[0] * s[0] + w[1] * s[1] != 0):
            return {"qn": kind, "B": B, "s": s, "y": y}


QUASI_NEWTON = Kind(
    "quasi-newton", "Quasi-Newton (BFGS and the secant condition)",
    lambda p: (f"Compute the {_QN_TEXT[p['qn']]} for {('H' if 'inverse' in p['qn'] else 'B')} = "
               f"{p['B']}, s = {p['s']}, y = {p['y']}."),
    lambda p: _QN[p["qn"]](p["B"], p["s"], p["y"]).matrix,
    lambda p, a: V.check_quasi_newton_update(p["qn"], p["B"], p["s"], p["y"], a),
    _qn_gen,
    lambda p: ({"bfgs": "bfgs", "bfgs-inverse": "bfgs", "dfp": "dfp", "dfp-inverse": "dfp",
                "sr1": "sr1"}[p["qn"]],
               dict(form="H" if "inverse" in p["qn"] else "B", b=p["B"], s=p["s"], y=p["y"])),
)


# -- step sizes, rates, kappa ---------------------------------------------------------------------

MAX_STEP = Kind(
    "max-step", "Step sizes (alpha < 2/L)",
    lambda p: (f"What is the largest step size alpha for which gradient descent on f = {p['f']} "
               "is guaranteed to decrease f?"),
    lambda p: convergence_bounds(p["f"], _vars(p)).max_step,
    lambda p, a: V.check_max_step(p["f"], _vars(p), a),
    lambda rng: {"f": _quadratic(rng), "vars": "x, y"},
    lambda p: ("descent-lemma", dict(f=p["f"], variables=_vars(p))),
)


def _best_decrease_check(p: P, a: Any) -> Verdict:
    b = convergence_bounds(p["f"], _vars(p))
    L, mu = b.L, b.mu
    slips = [Slip("two-over-L", lambda: 2 / L, "2/L is the largest safe step; the guaranteed "
                  "decrease alpha (1 - L alpha/2) ||g||^2 is largest at alpha = 1/L"),
             Slip("used-mu", lambda: 1 / mu if mu else None, "1/mu uses the smallest curvature"),
             Slip("reciprocal", lambda: L, "L must be inverted: alpha = 1/L")]
    return _scalar(f"step maximizing the guaranteed decrease on {b.f}", b.optimal_step, a,
                   slips, b)


BEST_DECREASE = Kind(
    "best-decrease-step", "Step sizes (1/L)",
    lambda p: (f"Which step size alpha maximizes the decrease guaranteed by the descent lemma "
               f"for gradient descent on f = {p['f']}?"),
    lambda p: convergence_bounds(p["f"], _vars(p)).optimal_step,
    _best_decrease_check,
    lambda rng: {"f": _quadratic(rng), "vars": "x, y"},
    lambda p: ("descent-lemma", dict(f=p["f"], variables=_vars(p))),
)

OPTIMAL_STEP = Kind(
    "optimal-step", "Rates and kappa",
    lambda p: (f"Which fixed step size minimizes the contraction factor of gradient descent on "
               f"f = {p['f']}?"),
    lambda p: 2 / (convergence_bounds(p["f"], _vars(p)).L + convergence_bounds(
        p["f"], _vars(p)).mu),
    lambda p, a: V.check_optimal_step(p["f"], _vars(p), a),
    lambda rng: {"f": _quadratic(rng), "vars": "x, y"},
    lambda p: ("gd-rate", dict(f=p["f"], variables=_vars(p))),
)

CONDITION = Kind(
    "condition-number", "Rates and kappa",
    lambda p: f"What is the condition number kappa = L/mu of f = {p['f']}?",
    lambda p: convergence_bounds(p["f"], _vars(p)).condition_number,
    lambda p, a: V.check_condition_number(p["f"], _vars(p), a),
    lambda rng: {"f": _quadratic(rng), "vars": "x, y"},
    lambda p: ("gd-rate", dict(f=p["f"], variables=_vars(p))),
)


def _rate_answer(p: P) -> Any:
    return V.check_rate(p["f"], _vars(p), p["lr"], "0").expected


RATE = Kind(
    "rate", "Rates and kappa",
    lambda p: (f"Gradient descent with step {p['lr']} on f = {p['f']}: by what factor does "
               "||x - x*|| shrink per step (in the worst case)?"),
    _rate_answer,
    lambda p, a: V.check_rate(p["f"], _vars(p), p["lr"], a),
    lambda rng: {"f": _quadratic(rng), "vars": "x, y", "lr": rng.choice(["1/L", "2/(L + mu)"])},
    lambda p: ("gd-rate", dict(f=p["f"], variables=_vars(p))),
)


def _loss_check(p: P, a: Any) -> Verdict:
    r = predict_loss_after_step(p["value"], p["grad_norm"], p["lambda_max"], p["lr"])
    v, g2, lr, lam = r.value, r.grad_norm_sq, r.lr, r.lambda_max
    slips = [
        Slip("first-order-only", lambda: v - lr * g2, "that is the first-order prediction: the "
             "curvature term + lr^2/2 lambda ||g||^2 is missing"),
        Slip("sign", lambda: v - lr * g2 - lr**2 / 2 * lam * g2, "the curvature term raises "
             "the loss: + lr^2/2 lambda ||g||^2"),
        Slip("factor-2", lambda: v - lr * g2 + lr**2 * lam * g2, "the curvature term has a 1/2"),
        Slip("norm-not-squared", lambda: v - lr * sp.sqrt(g2) + lr**2 / 2 * lam * sp.sqrt(g2),
             "||g|| must be squared"),
    ]
    return _scalar("loss after one gradient step (quadratic model)", r.predicted, a, slips, r)


LOSS_AFTER_STEP = Kind(
    "loss-after-step", "Predicted loss after a step",
    lambda p: (f"The loss is {p['value']}, ||grad|| = {p['grad_norm']}, the largest Hessian "
               f"eigenvalue is {p['lambda_max']}. Predict the loss after one gradient step with "
               f"learning rate {p['lr']} (second-order Taylor model, worst case)."),
    lambda p: predict_loss_after_step(p["value"], p["grad_norm"], p["lambda_max"],
                                      p["lr"]).predicted,
    _loss_check,
    lambda rng: {"value": str(_r(1, 5, rng)), "grad_norm": rng.choice(["1/2", "1", "2"]),
                 "lambda_max": str(_r(2, 10, rng)), "lr": rng.choice(["1/10", "1/20", "1/100"])},
    lambda p: ("loss-after-step", dict(value=p["value"], grad_norm=p["grad_norm"],
                                       lambda_max=p["lambda_max"], lr=p["lr"])),
)


def _diag_newton_check(p: P, a: Any) -> Verdict:
    syms = as_variables(_vars(p))
    h = hessian(as_expr(p["f"], syms), syms)
    expected = sp.Matrix([1 / h[i, i] for i in range(h.rows)])
    given = _answer_vector(a, syms)
    slip = first_slip([Slip("not-inverted", lambda: sp.Matrix([h[i, i] for i in range(h.rows)]),
                            "those are the curvatures H_ii: the rates are their inverses"),
                       Slip("sqrt", lambda: sp.Matrix([1 / sp.sqrt(h[i, i])
                                                       for i in range(h.rows)]),
                            "1/sqrt(H_ii) is Adam's scaling by sqrt(v); Newton divides by H_ii")],
                      lambda c: c.shape == given.shape and all(map(_same, c, given)))
    ok = given.shape == expected.shape and all(map(_same, expected, given))
    mistakes = () if ok else (Mistake("answer", expected, given, slip.kind if slip else None,
                                      slip.why if slip else f"the rates are 1/H_ii = "
                                      f"{list(expected)}"),)
    return Verdict(ok, f"per-coordinate learning rates that make gradient descent Newton on "
                   f"{p['f']}", expected, given, mistakes,
                   score=1.0 if ok else matrix_score(expected, given, _same))


DIAG_NEWTON = Kind(
    "diagonal-newton", "Newton's method",
    lambda p: (f"f = {p['f']} has a diagonal Hessian. Which per-coordinate learning rates "
               f"(one for each of {_vars(p)}) make a gradient step equal to Newton's step?"),
    lambda p: sp.Matrix([1 / e for e in hessian(as_expr(p["f"], as_variables(_vars(p))),
                                                as_variables(_vars(p))).diagonal()]),
    _diag_newton_check,
    lambda rng: {"f": f"{_scaled(rng.choice([1, 2, 3]), 'x^2')} + {rng.choice([5, 10, 50])}*y^2",
                 "vars": "x, y"},
)


# -- finite differences ---------------------------------------------------------------------------


def _fd_gen(rng: random.Random) -> P:
    return {"f": rng.choice(["exp(x)", "sin(x)", "cos(x)", "log(x)", "x^5"]),
            "at": rng.choice([1, 2]), "d": rng.choice([1, 1, 2]),
            "scheme": rng.choice(["central", "forward"])}


def _acc(p: P) -> int | None:
    return p.get("accuracy")


def _fd_text(p: P) -> str:
    acc = f", accuracy {p['accuracy']}" if p.get("accuracy") else ""
    return (f"the {p['scheme']} difference{acc} for the derivative of order {p['d']} of "
            f"f = {p['f']} at x = {p['at']}")


FD_TRUNCATION = Kind(
    "fd-truncation", "Finite differences",
    lambda p: f"What is the leading truncation-error term (in h) of {_fd_text(p)}?",
    lambda p: fd_error(p["f"], "x", at=p["at"], derivative=p["d"], scheme=p["scheme"],
                       accuracy=_acc(p), steps=[1e-2]).truncation_term,
    lambda p, a: V.check_fd_truncation(p["f"], "x", p["at"], p["d"], p["scheme"], _acc(p), a),
    _fd_gen,
    lambda p: ("finite-difference", dict(f=p["f"], variable="x", at=p["at"], derivative=p["d"],
                                         scheme=p["scheme"], accuracy=_acc(p))),
)

FD_STEP = Kind(
    "fd-optimal-step", "Finite differences",
    lambda p: (f"In double precision (eps = 2^-52), which step h minimizes truncation plus "
               f"round-off error of {_fd_text(p)}?"),
    lambda p: fd_error(p["f"], "x", at=p["at"], derivative=p["d"], scheme=p["scheme"],
                       accuracy=_acc(p), steps=[1e-2]).optimal_step_exact,
    lambda p, a: V.check_fd_optimal_step(p["f"], "x", p["at"], p["d"], p["scheme"], _acc(p), a),
    _fd_gen,
    lambda p: ("finite-difference", dict(f=p["f"], variable="x", at=p["at"], derivative=p["d"],
                                         scheme=p["scheme"], accuracy=_acc(p))),
)

STENCIL = Kind(
    "stencil-weights", "Finite differences",
    lambda p: (f"Give the weights of the {p['scheme']} finite-difference stencil of accuracy "
               f"{p['accuracy']} for the derivative of order {p['d']} (in the order of the "
               "nodes, left to right)."),
    lambda p: sp.Matrix(stencil(p["d"], p["scheme"], p["accuracy"]).weights),
    lambda p, a: V.check_stencil_weights(p["d"], p["scheme"], p["accuracy"], a),
    lambda rng: rng.choice([{"d": 1, "scheme": "central", "accuracy": 2},
                            {"d": 1, "scheme": "central", "accuracy": 4},
                            {"d": 2, "scheme": "central", "accuracy": 2},
                            {"d": 1, "scheme": "forward", "accuracy": 2},
                            {"d": 1, "scheme": "backward", "accuracy": 1},
                            {"d": 2, "scheme": "forward", "accuracy": 1}]),
)


#: Every kind by name.
KINDS: dict[str, Kind] = {k.name: k for k in (
    TAYLOR, LINEARISATION, REMAINDER, REMAINDER_BOUND, GRADIENT, HESSIAN, JACOBIAN, NEWTON,
    NEWTON_UPDATE, DAMPED_NEWTON, DIAG_NEWTON, GRADIENT_STEP, GAUSS_NEWTON, LM, QUASI_NEWTON,
    MAX_STEP, BEST_DECREASE, OPTIMAL_STEP, CONDITION, RATE, LOSS_AFTER_STEP, FD_TRUNCATION,
    FD_STEP, STENCIL)}
