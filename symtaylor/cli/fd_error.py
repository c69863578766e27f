"""``symtaylor fd-error "exp(x)" --at 1 --derivative 2``: truncation vs round-off of a stencil."""

from __future__ import annotations

import argparse
import math

from ..errors import InputError
from ..finite_diff import SCHEMES, fd_error
from ._common import Output, _number

NAME = "fd-error"
HELP = "finite-difference error: truncation vs round-off, predicted and observed optimal step"
DESCRIPTION = (
    "Derive the finite-difference stencil exactly, its truncation term from the Taylor series and "
    "the round-off model eps*sum|w|*|f|/h^d; predict the optimal step h*; scan h in float64 "
    "against the exact derivative (mpmath, 50+ digits) and say which steps are truncation- and "
    "which round-off-dominated."
)
ORDER = 70


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", help="a function of one variable, e.g. 'exp(x)'")
    p.add_argument("--at", required=True, help="the point, e.g. 1 or pi/3")
    p.add_argument("--var", default=None, help="the variable (default: the only free symbol)")
    p.add_argument("--derivative", "-d", type=int, default=1, help="derivative order (default 1)")
    p.add_argument("--scheme", default="central", choices=sorted(SCHEMES),
                   help="node layout (default central)")
    p.add_argument("--accuracy", "-p", type=int, default=None,
                   help="order of accuracy (default: 2 central, 1 forward/backward)")
    p.add_argument("--steps", default=None,
                   help="comma-separated steps, e.g. '1,1e-1,1e-2' (default: a 31-step scan)")
    p.add_argument("--plot", default=None, metavar="PATH",
                   help="save the log-log error plot (needs matplotlib)")


def _steps(text: str | None) -> list[float] | None:
    if text is None:
        return None
    out = []
    for part in text.split(","):
        if not part.strip():
            continue
        v = _number(part)
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"step {part.strip()!r} must be positive")
        out.append(v)
    if not out:
        raise InputError("--steps is empty")
    return out


def run(args: argparse.Namespace) -> Output:
    report = fd_error(
        args.expression,
        args.var,
        at=args.at,
        derivative=args.derivative,
        scheme=args.scheme,
        accuracy=args.accuracy,
        steps=_steps(args.steps),
    )
    text = report.summary() + "\n\n" + report.table()
    if args.plot:
        report.plot(args.plot)
        text += f"\n\nplot saved to {args.plot}"
    st = report.stencil
    data = {
        "expression": str(report.expression),
        "variable": str(report.variable),
        "at": str(report.at),
        "derivative": st.derivative,
        "scheme": st.scheme,
        "accuracy": st.accuracy,
        "offsets": [str(o) for o in st.offsets],
        "weights": [str(w) for w in st.weights],
        "exact_derivative": str(report.exact_derivative),
        "truncation_term": str(report.truncation_term),
        "next_truncation_term": str(report.next_truncation_term),
        "roundoff_term": str(report.roundoff_term),
        "optimal_step": report.optimal_step,
        "optimal_step_exact": str(report.optimal_step_exact),
        "predicted_min_error": report.predicted_min_error,
        "observed_optimal_step": report.observed_optimal_step,
        "min_error": report.min_error,
        "rows": [r.as_dict() for r in report.rows],
        "latex": report.latex(),
    }
    if args.plot:
        data["plot"] = args.plot
    return Output(text, data)
