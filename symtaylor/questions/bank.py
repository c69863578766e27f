"""The question bank: interview-style questions over the seed texts' topics, with the seeds'
own interview questions Q1-Q5 where their answers are computable (:func:`bank`).

The seeds' facts used here (embedded, the package reads no seed file): the log-loss
``log(1 + exp(-x))`` and its quadratic model (Q1: optimization algorithms come from truncating
the Taylor series), Newton's update for ``x^4 - 2x^2 + 1/2`` derived from the second-order
expansion (Q2), the BFGS inverse update that L-BFGS applies from ``H0 = I`` (Q3), the step
bound for ``theta1^2 + 10 theta2^2`` (Q4, whose seed answer ``alpha_max = 1/L`` is corrected
here: the largest safe step is ``2/L``, ``1/L`` maximizes the guaranteed decrease), Adam's
per-coordinate scaling against Newton's ``1/H_ii`` (Q5), the one-step example on ``(x - 3)^2``
from ``x = 0`` with ``lr = 0.1`` (seed 003), the loss-after-step example (seed 001) and the
central second difference of ``exp`` at ``1`` (seed 000's step-size table).
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .kinds import KINDS
from .question import Question

__all__ = ["bank", "get"]

T = tuple[str, str, dict[str, Any], str]  # id, kind, params, source

_Q: list[T] = [
    # the seeds' interview questions
    ("seed-Q1", "taylor", {"f": "log(1 + exp(-x))", "at": 0, "order": 2},
     "seed 000 Q1: the Taylor model of the log-loss behind gradient and Newton steps"),
    ("seed-Q2", "newton-update", {"f": "x^4 - 2*x^2 + 1/2"},
     "seed 000 Q2: Newton's method from the second-order Taylor expansion"),
    ("seed-Q3", "quasi-newton", {"qn": "bfgs-inverse", "B": [[1, 0], [0, 1]], "s": [1, 0],
                                 "y": [2, 1]},
     "seed 000 Q3: L-BFGS applies the BFGS inverse update from H0 = I"),
    ("seed-Q4", "max-step", {"f": "theta1^2 + 10*theta2^2", "vars": "theta1, theta2"},
     "seed 000 Q4 (corrected: the largest safe step is 2/L, not 1/L)"),
    ("seed-Q4-best", "best-decrease-step", {"f": "theta1^2 + 10*theta2^2",
                                            "vars": "theta1, theta2"},
     "seed 000 Q4: alpha = 1/L maximizes the guaranteed decrease"),
    ("seed-Q5", "diagonal-newton", {"f": "x^2 + 10*y^2", "vars": "x, y"},
     "seed 000 Q5: Adam as a diagonal approximation of Newton's method"),
    ("seed-003-step", "gradient-step", {"f": "(x - 3)^2", "at": 0, "lr": "1/10"},
     "seed 003: one gradient step on (x - 3)^2 from 0"),
    ("seed-001-loss", "loss-after-step", {"value": "2", "grad_norm": "1/2", "lambda_max": "4",
                                          "lr": "1/10"},
     "seed 001: predicting the loss after a gradient step"),
    ("seed-000-fd", "fd-optimal-step", {"f": "exp(x)", "at": 1, "d": 2, "scheme": "central"},
     "seed 000: the step-size table of the central second difference of exp at 1"),
    # Taylor polynomials
    ("taylor-exp-0-3", "taylor", {"f": "exp(x)", "at": 0, "order": 3}, ""),
    ("taylor-sin-0-5", "taylor", {"f": "sin(x)", "at": 0, "order": 5}, ""),
    ("taylor-cos-0-4", "taylor", {"f": "cos(x)", "at": 0, "order": 4}, ""),
    ("taylor-log1p-0-3", "taylor", {"f": "log(1 + x)", "at": 0, "order": 3}, ""),
    ("taylor-log-1-3", "taylor", {"f": "log(x)", "at": 1, "order": 3}, ""),
    ("taylor-exp-1-2", "taylor", {"f": "exp(x)", "at": 1, "order": 2}, ""),
    ("taylor-geometric-0-3", "taylor", {"f": "1/(1 - x)", "at": 0, "order": 3}, ""),
    ("taylor-sqrt-0-2", "taylor", {"f": "sqrt(1 + x)", "at": 0, "order": 2}, ""),
    ("taylor-atan-0-3", "taylor", {"f": "atan(x)", "at": 0, "order": 3}, ""),
    ("taylor-sigmoid-0-3", "taylor", {"f": "1/(1 + exp(-x))", "at": 0, "order": 3}, ""),
    ("taylor-expcos-2d", "taylor", {"f": "exp(x)*cos(y)", "vars": "x, y", "at": (0, 0),
                                    "order": 2}, ""),
    ("taylor-rosenbrock-2d", "taylor", {"f": "(1 - x)^2 + 100*(y - x^2)^2", "vars": "x, y",
                                        "at": (1, 1), "order": 2}, ""),
    # linearisation
    ("lin-sqrt-4", "linearisation", {"f": "sqrt(x)", "at": 4}, ""),
    ("lin-log-1", "linearisation", {"f": "log(x)", "at": 1}, ""),
    ("lin-exp-0", "linearisation", {"f": "exp(x)", "at": 0}, ""),
    ("lin-2d", "linearisation", {"f": "x^2*y + y^3", "vars": "x, y", "at": (1, 2)}, ""),
    # remainders and bounds
    ("rem-exp-0-2", "remainder", {"f": "exp(x)", "at": 0, "order": 2}, ""),
    ("rem-cos-0-1", "remainder", {"f": "cos(x)", "at": 0, "order": 1}, ""),
    ("rem-log-1-2", "remainder", {"f": "log(x)", "at": 1, "order": 2}, ""),
    ("rem-sin-0-2", "remainder", {"f": "sin(x)", "at": 0, "order": 2}, ""),
    ("bound-exp-2", "remainder-bound", {"f": "exp(x)", "at": 0, "order": 2,
                                        "region": (-0.5, 0.5)}, ""),
    ("bound-sin-3", "remainder-bound", {"f": "sin(x)", "at": 0, "order": 3,
                                        "region": (-1, 1)}, ""),
    ("bound-cos-1", "remainder-bound", {"f": "cos(x)", "at": 0, "order": 1,
                                        "region": (-0.25, 0.25)}, ""),
    # derivatives
    ("grad-x2y", "gradient", {"f": "x^2*y", "vars": "x, y"}, ""),
    ("grad-logistic", "gradient", {"f": "log(1 + exp(-(x + 2*y)))", "vars": "x, y"}, ""),
    ("grad-rosenbrock", "gradient", {"f": "(1 - x)^2 + 100*(y - x^2)^2", "vars": "x, y"}, ""),
    ("hess-x2y", "hessian", {"f": "x^2*y", "vars": "x, y"}, ""),
    ("hess-rosenbrock", "hessian", {"f": "(1 - x)^2 + 100*(y - x^2)^2", "vars": "x, y"}, ""),
    ("hess-expcos", "hessian", {"f": "exp(x)*cos(y)", "vars": "x, y"}, ""),
    ("jac-rosenbrock", "jacobian", {"r": ["1 - x", "10*(y - x^2)"], "vars": "x, y"}, ""),
    ("jac-exp-model", "jacobian", {"r": ["a*exp(b) - 2", "a*exp(2*b) - 3"], "vars": "a, b"}, ""),
    # Newton
    ("newton-quartic-2", "newton-step", {"f": "x^4 - 2*x^2 + 1/2", "at": 2}, ""),
    ("newton-quadratic", "newton-step", {"f": "x^2 + 10*y^2", "vars": "x, y", "at": (1, 1)},
     ""),
    ("newton-rosenbrock", "newton-step", {"f": "(1 - x)^2 + 100*(y - x^2)^2", "vars": "x, y",
                                          "at": (0, 0)}, ""),
    ("newton-exp", "newton-step", {"f": "exp(x) - 2*x", "at": 0}, ""),
    ("newton-update-cubic", "newton-update", {"f": "x^3 - 3*x"}, ""),
    ("damped-saddle", "damped-newton", {"f": "x^2 - y^2", "vars": "x, y", "at": (1, 1),
                                        "damping": "3"}, ""),
    ("damped-quadratic", "damped-newton", {"f": "x^2 + 10*y^2", "vars": "x, y", "at": (1, 1),
                                           "damping": "2"}, ""),
    # gradient descent
    ("gd-quadratic-2d", "gradient-step", {"f": "x^2 + 10*y^2", "vars": "x, y", "at": (1, 1),
                                          "lr": "1/40"}, ""),
    ("gd-quartic", "gradient-step", {"f": "x^4", "at": 1, "lr": "1/10"}, ""),
    # least squares
    ("gn-1d", "gauss-newton", {"r": ["x - 1", "x^2 - 2"], "at": 1}, ""),
    ("gn-linear", "gauss-newton", {"r": ["2*a + b - 3", "a - b", "a + 2*b - 4"],
                                   "at": (0, 0)}, ""),
    ("gn-rosenbrock", "gauss-newton", {"r": ["1 - x", "10*(y - x^2)"], "at": (0, 1)}, ""),
    ("lm-1d", "levenberg-marquardt", {"r": ["x - 1", "x^2 - 2"], "at": 1, "damping": "1"}, ""),
    ("lm-rosenbrock", "levenberg-marquardt", {"r": ["1 - x", "10*(y - x^2)"], "at": (0, 1),
                                              "damping": "2"}, ""),
    ("lm-linear", "levenberg-marquardt", {"r": ["x - 1", "y"], "at": (0, 0), "damping": "1"},
     ""),
    # quasi-Newton
    ("bfgs-b", "quasi-newton", {"qn": "bfgs", "B": [[1, 0], [0, 1]], "s": [1, 0], "y": [2, 1]},
     ""),
    ("bfgs-b-diag", "quasi-newton", {"qn": "bfgs", "B": [[2, 0], [0, 1]], "s": [1, 1],
                                     "y": [3, 2]}, ""),
    ("dfp-b", "quasi-newton", {"qn": "dfp", "B": [[2, 0], [0, 1]], "s": [1, 1], "y": [3, 2]},
     ""),
    ("dfp-h", "quasi-newton", {"qn": "dfp-inverse", "B": [[1, 0], [0, 1]], "s": [1, 0],
                               "y": [2, 1]}, ""),
    ("sr1-b", "quasi-newton", {"qn": "sr1", "B": [[1, 0], [0, 1]], "s": [1, 0], "y": [2, 1]},
     ""),
    # step sizes, rates, kappa, predicted loss
    ("max-step-diag", "max-step", {"f": "x^2 + x*y + y^2", "vars": "x, y"}, ""),
    ("best-step-diag", "best-decrease-step", {"f": "x^2 + x*y + y^2", "vars": "x, y"}, ""),
    ("opt-step-q", "optimal-step", {"f": "x^2 + 10*y^2", "vars": "x, y"}, ""),
    ("opt-step-coupled", "optimal-step", {"f": "2*x^2 + 2*x*y + 2*y^2", "vars": "x, y"}, ""),
    ("kappa-q", "condition-number", {"f": "x^2 + 10*y^2", "vars": "x, y"}, ""),
    ("kappa-coupled", "condition-number", {"f": "2*x^2 + 2*x*y + 2*y^2", "vars": "x, y"}, ""),
    ("rate-one-over-L", "rate", {"f": "x^2 + 10*y^2", "vars": "x, y", "lr": "1/L"}, ""),
    ("rate-optimal", "rate", {"f": "x^2 + 10*y^2", "vars": "x, y", "lr": "2/(L + mu)"}, ""),
    ("rate-given-step", "rate", {"f": "x^2 + 10*y^2", "vars": "x, y", "lr": "1/25"}, ""),
    ("loss-step-2", "loss-after-step", {"value": "1", "grad_norm": "2", "lambda_max": "10",
                                        "lr": "1/20"}, ""),
    # finite differences
    ("fd-trunc-central-1", "fd-truncation", {"f": "exp(x)", "at": 1, "d": 1,
                                             "scheme": "central"}, ""),
    ("fd-trunc-forward-1", "fd-truncation", {"f": "sin(x)", "at": 1, "d": 1,
                                             "scheme": "forward"}, ""),
    ("fd-trunc-central-2", "fd-truncation", {"f": "exp(x)", "at": 1, "d": 2,
                                             "scheme": "central"}, ""),
    ("fd-step-forward-1", "fd-optimal-step", {"f": "exp(x)", "at": 0, "d": 1,
                                              "scheme": "forward"}, ""),
    ("fd-step-central-1", "fd-optimal-step", {"f": "exp(x)", "at": 1, "d": 1,
                                              "scheme": "central"}, ""),
    ("stencil-central-1-2", "stencil-weights", {"d": 1, "scheme": "central", "accuracy": 2}, ""),
    ("stencil-central-1-4", "stencil-weights", {"d": 1, "scheme": "central", "accuracy": 4}, ""),
    ("stencil-central-2-2", "stencil-weights", {"d": 2, "scheme": "central", "accuracy": 2}, ""),
    ("stencil-forward-1-2", "stencil-weights", {"d": 1, "scheme": "forward", "accuracy": 2}, ""),
]


def bank(topic: str | None = None) -> list[Question]:
    """The questions (optionally of one topic, matched case-insensitively as a substring).

    Examples
    --------
    >>> len(bank()) >= 60
    True
    >>> q = get("seed-003-step")
    >>> print(q.prompt)  # doctest: +NORMALIZE_WHITESPACE
    Take one gradient-descent step with learning rate 1/10 on f = (x - 3)^2 from x = 0: what is
    the next iterate?
    >>> q.answer, q.check("0.6").correct
    (Matrix([[3/5]]), True)
    """
    if topic is not None and not isinstance(topic, str):
        raise InputError(f"topic must be text, got {type(topic).__name__}")
    out = [Question(i, k, KINDS[k].topic, dict(p), s) for i, k, p, s in _Q]
    if topic:
        t = topic.strip().lower()
        out = [q for q in out if t in q.topic.lower() or t == q.kind]
    return out


def get(question_id: str) -> Question:
    """One question by id; ``"id~seed"`` is the variant of ``id`` with that seed."""
    if not isinstance(question_id, str):
        raise InputError(f"question id must be text, got {type(question_id).__name__}")
    base, _, seed = question_id.strip().partition("~")
    for i, k, p, s in _Q:
        if i == base:
            q = Question(i, k, KINDS[k].topic, dict(p), s)
            if not seed:
                return q
            try:
                return q.variant(int(seed))
            except ValueError:
                raise InputError(f"bad variant seed {seed!r}") from None
    raise InputError(f"no question {question_id!r}; see symtaylor.questions.bank()")
