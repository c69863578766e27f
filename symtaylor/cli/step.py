"""``symtaylor step METHOD "f" ...``: a closed-form optimization step (Newton, gradient, ...).

For ``gauss-newton`` and ``lm`` give the residuals as several arguments:
``symtaylor step lm "x - 1" "10*(y - x^2)" --damping lambda``.
"""

from __future__ import annotations

import argparse

from ..parsing import as_expr, as_variables
from ..steps import ALPHA, LAMBDA, STEPS
from ._common import Output

NAME = "step"
HELP = "closed-form step: newton, gradient, gauss-newton, lm (Levenberg-Marquardt)"
ORDER = 30


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("method", choices=sorted(STEPS), help="which step")
    p.add_argument("expression", nargs="+", help="the objective (or the residuals, for "
                   "gauss-newton and lm)")
    p.add_argument("--vars", default=None, help="variables in order, e.g. 'x,y'")
    p.add_argument("--lr", default=None, help="learning rate for 'gradient' (number or name)")
    p.add_argument("--damping", default=None,
                   help="damping lambda for 'newton' (default 0) and 'lm' (default lambda)")
    p.add_argument("--scaling", default="identity", choices=["identity", "marquardt"],
                   help="LM damping matrix: I or diag(J^T J)")
    p.add_argument("--at", default=None, help="also give the next iterate from this point")
    p.add_argument("--export", default=None, metavar="FILE",
                   help="write a standalone solver (NumPy only) for this step to FILE; run it "
                   "with 'python FILE --x0 2' (symbolic lr/damping: '--lr 0.01', or adaptive "
                   "damping for lm)")


def _param(text: str | None, default: object) -> object:
    # the parser reads 'lambda' (a Python keyword) as Symbol('lambda'), the steps' LAMBDA
    return default if text is None else as_expr(text)


def run(args: argparse.Namespace) -> Output:
    method = args.method
    exprs = list(args.expression)
    if method in ("gradient", "newton") and len(exprs) != 1:
        from ..errors import InputError

        raise InputError(f"'{method}' takes one objective expression, got {len(exprs)}")
    if method == "gradient":
        step = STEPS[method](exprs[0], args.vars, lr=_param(args.lr, ALPHA))
    elif method == "newton":
        step = STEPS[method](exprs[0], args.vars,
                             damping=0 if args.damping is None else _param(args.damping, LAMBDA))
    elif method == "gauss-newton":
        step = STEPS[method](exprs, args.vars)
    else:
        step = STEPS[method](exprs, args.vars, _param(args.damping, LAMBDA),
                             scaling=args.scaling)
    syms = as_variables(step.variables)
    lines = [f"{step.outline.title} in ({', '.join(map(str, syms))}):"]
    lines += [f"  {s} -> {e}" for s, e in zip(syms, step.update)]
    nxt = None
    if args.at is not None:
        nxt = step.at(args.at)
        lines.append(f"from ({args.at}): (" + ", ".join(map(str, nxt)) + ")")
    exported = None
    if args.export is not None:
        exported = str(step.export_solver(args.export))
        lines.append(f"solver written to {exported} (run: python {exported} --x0 ...)")
    lines.append("")
    lines.append(step.derivation.text())
    data = {
        "method": step.method,
        "variables": [str(s) for s in syms],
        "update": [str(e) for e in step.update],
        "direction": [str(e) for e in step.direction],
        "parameters": {k: str(v) for k, v in step.parameters.items()},
        "next": [str(v) for v in nxt] if nxt is not None else None,
        "latex": step.latex(),
        "exported": exported,
    }
    return Output("\n".join(lines), data)
