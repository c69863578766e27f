r"""Kind ``loss-after-step``: seed 001's worked example, the loss predicted after one gradient
step from the loss, the gradient norm, the largest Hessian eigenvalue and the learning rate.

The second-order Taylor model ``L(theta - alpha g) ~ L - alpha ||g||^2 + alpha^2/2 g^T H g`` with
the curvature along ``g`` bounded by ``lambda_max`` (Rayleigh) gives the prediction
``L - alpha ||g||^2 + alpha^2/2 lambda_max ||g||^2``: a decrease ``alpha ||g||^2`` and an
overshoot ``alpha^2/2 lambda_max ||g||^2``. Numbers come from the engine's
:func:`~symtaylor.bounds.predict_loss_after_step`, in exact arithmetic with the inputs read as
written (``0.1`` is ``1/10``, also when given as a float). The predicted decrease is positive
exactly when ``0 < alpha < 2/lambda_max`` (an equivalence for the model, proved).

The seed's inputs were lost in extraction; :data:`SEED_001_INPUTS` (``||g|| = 0.5``,
``lambda_max = 1``, ``lr = 0.1``) reproduce its "decreases by about 0.024" (``0.02375``); the
loss value ``2.5`` is arbitrary (it does not change the decrease).

Examples
--------
>>> import sympy as sp
>>> from symtaylor.derivations import derive
>>> d = derive("loss-after-step", 2.5, 0.5, 1, 0.1)
>>> d.result, d.result == sp.Rational(2.5) - sp.Rational(19, 800)
(1981/800, True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from ..bounds import predict_loss_after_step
from ..coerce import NumberLike, as_number
from ..errors import InputError
from .checks import approx, assumed, define, equal, equivalent, inequality
from .record import Derivation, Row, Section, TransposeProduct, VectorSymbol, norm
from .registry import register

__all__ = ["SEED_001_INPUTS", "loss_after_step_derivation"]

#: Inputs that reproduce seed 001's worked example ("the loss decreases by about 0.024").
SEED_001_INPUTS: dict[str, str] = {"value": "2.5", "grad_norm": "0.5", "lambda_max": "1",
                                   "lr": "0.1"}

LV = sp.Symbol(r"L(\theta)")
_GV = VectorSymbol("g", complex=True, zero=False)
G = norm(_GV)
QF = TransposeProduct(_GV, sp.Symbol("H"), _GV)  # g^{T} H g: the curvature along g
LAM = sp.Symbol("lambda_{max}", positive=True)  # printed \lambda_{max}: the parser reads it
ALPHA = sp.Symbol("alpha", real=True)
PRED = sp.Symbol(r"\hat L(\theta_{+})")


def _exact(v: Any, what: str) -> sp.Expr:
    """The input as written: a float by its shortest repr (``0.1`` is ``1/10``), text parsed
    exactly, SymPy numbers and symbols as they are."""
    if isinstance(v, bool | np.bool_):
        raise InputError(f"{what} must be a number, got {v!r}")
    if isinstance(v, float | np.floating):  # NumPy scalars too: np.float64(1.5) is 3/2
        if not math.isfinite(float(v)):
            raise InputError(f"{what} must be finite, got {float(v)!r}")
        # the shortest text of the number in its own precision: np.float32(0.1) is 1/10
        text = str(v) if isinstance(v, np.floating) else repr(float(v))
        return as_number(text, what, symbolic=False, exact=True)
    return as_number(v, what, symbolic=True, exact=isinstance(v, str))


def _refuse_nonpositive(value: sp.Expr, what: str, strict: bool) -> None:
    """A gradient norm must be >= 0 and a learning rate > 0 (when the sign is known)."""
    bad = value.is_nonpositive if strict else value.is_negative
    if bad:
        raise InputError(f"{what} must be {'positive' if strict else 'nonnegative'}, got "
                         f"{sp.sstr(value)}" + (" (a gradient step moves along -g with a step "
                                                "alpha > 0)" if strict else " (it is a norm)"))


@register("loss-after-step")
def loss_after_step_derivation(value: NumberLike | None = None,
                               grad_norm: NumberLike | None = None,
                               lambda_max: NumberLike | None = None,
                               lr: NumberLike | None = None) -> Derivation:
    r"""Seed 001's worked example derived and checked (``derive("loss-after-step", value,
    grad_norm, lambda_max, lr)``; without arguments, :data:`SEED_001_INPUTS`).

    Returns
    -------
    Derivation
        ``result`` is the predicted loss (exact).
    """
    given = (value, grad_norm, lambda_max, lr)
    if all(t is None for t in given):
        value, grad_norm, lambda_max, lr = SEED_001_INPUTS.values()
    elif any(t is None for t in given):
        raise InputError("give all of value, grad_norm, lambda_max and lr (or none: the seed's "
                         "example)")
    v, gn, lam, a = (_exact(t, w) for t, w in ((value, "value"), (grad_norm, "grad_norm"),
                                              (lambda_max, "lambda_max"), (lr, "lr")))
    _refuse_nonpositive(gn, "grad_norm", strict=False)
    _refuse_nonpositive(a, "lr", strict=True)
    p = predict_loss_after_step(v, gn, lam, a)
    sub = {LV: v, G: gn, LAM: lam, ALPHA: a}
    rows: list[Row] = [
        define(LV, v, "the loss now"), define(G, gn, "the gradient norm"),
        define(LAM, lam, "the largest Hessian eigenvalue"), define(ALPHA, a, "the learning rate"),
        approx(sp.Symbol(r"L(\theta - \alpha g)"),
               LV - ALPHA * G**2 + ALPHA**2 / 2 * QF,
               "second-order Taylor model at θ"),
        assumed(QF, "<=", LAM * G**2, "Rayleigh quotient: at most λ_max"),
        define(PRED, LV - ALPHA * G**2 + ALPHA**2 / 2 * LAM * G**2,
               "the prediction: the largest curvature along g"),
    ]
    terms = [
        equal(ALPHA * G**2, p.first_order_decrease, "the decrease from the gradient step",
              where=sub),
        equal(ALPHA**2 / 2 * LAM * G**2, p.curvature_overshoot,
              "the overshoot from the curvature", where=sub),
        equal(PRED, p.predicted, "the predicted loss",
              where={PRED: (LV - ALPHA * G**2 + ALPHA**2 / 2 * LAM * G**2).xreplace(sub)}),
        equal(LV - PRED, p.first_order_decrease - p.curvature_overshoot,
              "decrease minus overshoot", where={LV: v, PRED: p.predicted}),
    ]
    net = p.first_order_decrease - p.curvature_overshoot
    if net.is_number and (net > 0) is sp.true:
        terms.append(inequality(p.curvature_overshoot, "<", p.first_order_decrease,
                                "the decrease dominates: the loss goes down"))
    elif net.is_number:
        terms.append(inequality(p.curvature_overshoot, ">=", p.first_order_decrease,
                                "the overshoot wins: no predicted decrease"))
    sections = [Section("The numbers", tuple(terms))]
    al = sp.Symbol("alpha", real=True)
    if lam.is_number and lam.is_positive:
        sections.append(Section("Which learning rates decrease the prediction", (
            equivalent(sp.And(0 < al, al < 2 / lam), al * (1 - al * lam / 2) > 0,
                       "the predicted decrease per unit ‖g‖² is positive"),
        )))
    problem = (f"After one gradient step $\\theta_+ = \\theta - \\alpha g$ with "
               f"$L(\\theta) = {sp.latex(v)}$, $\\lVert g\\rVert = {sp.latex(gn)}$, "
               f"$\\lambda_{{\\max}} = {sp.latex(lam)}$ and $\\alpha = {sp.latex(a)}$ "
               "(inputs read exactly as written), what loss does the second-order Taylor model "
               "predict?")
    defs = ((r"\theta", "the parameters"), ("g", r"the gradient $\nabla L(\theta)$"),
            ("H", r"the Hessian $\nabla^2 L(\theta)$"),
            (r"\lambda_{\max}", "its largest eigenvalue"), (r"\alpha", "the learning rate"),
            (r"\hat L(\theta_{+})", "the predicted loss after the step"))
    concl = (f"The loss is predicted to change by ${sp.latex(-net)}$ "
             f"$\\approx {sp.latex(sp.Float(-net, 4))}$" if net.is_number else
             "The predicted change is $-(\\alpha\\lVert g\\rVert^2 - \\tfrac{\\alpha^2}{2}"
             "\\lambda_{\\max}\\lVert g\\rVert^2)$") + \
        "; it decreases for $0 < \\alpha < 2/\\lambda_{\\max}$."
    return Derivation("loss-after-step", "The loss after one gradient step", problem,
                      tuple(rows), p.predicted, defs, tuple(sections), concl)
