"""``symtaylor iterate METHOD "f" --x0 2``: run a closed-form step as a fixed-point iteration.

The step is derived exactly (``symtaylor step``), compiled and iterated by
:func:`symtaylor.iterate`: ``symtaylor iterate newton "x**4-2*x**2+1/2" --x0 2``,
``symtaylor iterate gradient "x**4-2*x**2+1/2" --x0 2 --lr 0.01``,
``symtaylor iterate lm "x - 1" "10*(y - x^2)" --x0 -1.2,1`` (adaptive damping by default).
Exit status 0 when the run converged to a minimum, 1 when it did not (the message says what
happened: a 2-cycle, divergence, nan, the iteration limit, a saddle), 2 on bad input.
"""

from __future__ import annotations

import argparse

from ..coerce import as_number
from ..errors import InputError
from ..iterate import iterate
from ..steps import ALPHA, LAMBDA, STEPS
from ._common import Output

NAME = "iterate"
HELP = "run a closed-form step (newton, gradient, gauss-newton, lm) as a fixed-point iteration"
ORDER = 35


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("method", choices=sorted(STEPS), help="which step")
    p.add_argument("expression", nargs="+", help="the objective (or the residuals, for "
                   "gauss-newton and lm)")
    p.add_argument("--x0", required=True, help="starting point, e.g. '2' or '-1.2, 1'")
    p.add_argument("--vars", default=None, help="variables in order, e.g. 'x,y'")
    p.add_argument("--lr", default=None, help="learning rate of 'gradient' (a number)")
    p.add_argument("--damping", default=None,
                   help="a number, or 'adaptive' (raised after a failed step, lowered after a "
                   "good one; the default for lm)")
    p.add_argument("--max-iter", type=int, default=1000, help="iteration limit (1000)")
    p.add_argument("--xtol", type=float, default=1e-12, help="fixed-point tolerance (1e-12)")
    p.add_argument("--ftol", type=float, default=None, help="relative change of f to stop at")
    p.add_argument("--history", action="store_true",
                   help="print every iterate (with --json: include the history arrays)")


def _number(text: str, what: str) -> float:
    return float(as_number(text, what))


def _step_and_options(args: argparse.Namespace) -> tuple[object, dict, str | None]:
    method, exprs = args.method, list(args.expression)
    if method in ("gradient", "newton") and len(exprs) != 1:
        raise InputError(f"'{method}' takes one objective expression, got {len(exprs)}")
    adaptive = args.damping is not None and args.damping.strip() == "adaptive"
    params: dict = {}
    if method == "gradient":
        if args.lr is None:
            raise InputError("gradient needs --lr (a number), e.g. --lr 0.01")
        if args.damping is not None:
            raise InputError("--damping applies to newton and lm, not to gradient")
        params["lr"] = _number(args.lr, "lr")
        return STEPS[method](exprs[0], args.vars, lr=ALPHA), params, None
    if args.lr is not None:
        raise InputError(f"--lr applies to gradient, not to {method}")
    if method == "gauss-newton":
        if args.damping is not None:
            raise InputError("--damping applies to newton and lm; gauss-newton has none")
        return STEPS[method](exprs, args.vars), params, None
    if method == "newton":
        if args.damping is None:
            return STEPS[method](exprs[0], args.vars), params, None
        step = STEPS[method](exprs[0], args.vars, damping=LAMBDA)
    else:
        step = STEPS[method](exprs, args.vars, LAMBDA)
        adaptive = adaptive or args.damping is None
    if not adaptive:
        params["damping"] = _number(args.damping, "damping")
    return step, params, "adaptive" if adaptive else None


def run(args: argparse.Namespace) -> Output:
    step, params, damping = _step_and_options(args)
    res = iterate(step, args.x0, params=params, max_iter=args.max_iter, xtol=args.xtol,
                  ftol=args.ftol, damping=damping, history=args.history)
    names = [str(v) for v in res.variables]
    point = ", ".join(f"{n} = {v:.12g}" for n, v in zip(names, res.x))
    upd = ", ".join(f"{v} -> {e}" for v, e in zip(step.variables, step.update))  # type: ignore
    shown = ", ".join(f"{k} = {v:g}" for k, v in params.items())
    lines = [
        f"{res.method} iteration {upd}" + (f" ({shown})" if shown else "")
        + (", adaptive damping" if damping else "") + f", from x0 = ({args.x0})",
        f"status {res.status.key} ({'success' if res.success else 'FAILED'}): {res.message}",
        f"x: {point}",
        f"f = {res.fun:.12g}   ||grad f|| = {res.grad_norm:.3g}",
        f"iterations {res.nit}; evaluations of f {res.nfev}; {res.wall_time * 1e3:.3g} ms",
    ]
    if res.hess_min_eig is not None:
        lines.append(f"smallest Hessian eigenvalue at x: {res.hess_min_eig:.6g}")
    if args.history and res.history is not None:
        h = res.history
        lines.append("history:  k  x  f  step")
        for k in range(len(h)):
            xs = ", ".join(f"{v:.12g}" for v in h.x[k])
            lines.append(f"  {k:4d}  ({xs})  {h.f[k]: .12e}  {h.step[k]:.3e}")
    data = {
        "method": res.method, "variables": names,
        "update": [str(e) for e in step.update],  # type: ignore[attr-defined]
        "params": params, "damping": damping,
        "x": dict(zip(names, (float(v) for v in res.x))), "fun": res.fun,
        "grad_norm": res.grad_norm, "success": res.success, "status": res.status.key,
        "message": res.message, "nit": res.nit, "nfev": res.nfev,
        "hess_min_eig": res.hess_min_eig, "wall_time": res.wall_time,
    }
    if args.history and res.history is not None:
        data["history"] = {"x": res.history.x, "f": res.history.f, "step": res.history.step}
    return Output("\n".join(lines), data, status=0 if res.success else 1)
