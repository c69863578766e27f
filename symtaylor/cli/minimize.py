"""``symtaylor minimize "f" --x0 2 [--method newton]``: run a compiled solver from the terminal.

With ``--least-squares`` the expression is a list of residuals separated by ``;`` and the run is
``least_squares`` (``--method lm`` or ``gauss-newton``). Exit status 0 when the run converged,
1 when it did not (the message says what happened), 2 on bad input.
"""

from __future__ import annotations

import argparse

from ..errors import InputError
from ..optimize import METHODS, Result, least_squares, minimize
from ..optimize.methods import names
from ._common import Output

# The methods offered, from the registry: every name, and the aliases that preset options
# (dogleg: trust-region with subproblem="dogleg").
_MIN_METHODS = (*names("minimize"), *(a for m in METHODS.values() if m.kind == "minimize"
                                      for a, presets in m.aliases.items() if presets))
_LSQ_METHODS = names("least-squares")

NAME = "minimize"
HELP = "minimize f (or a sum of squared residuals) with a compiled solver"
DESCRIPTION = (
    "Derive the gradient and Hessian (or Jacobian) exactly, compile them to NumPy and iterate. "
    f"Methods: {', '.join(_MIN_METHODS)} (default newton); with --least-squares: "
    f"{', '.join(_LSQ_METHODS)} (default lm). Exit status 1 when the run did not converge."
)
ORDER = 60


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", help="f, e.g. 'x^4 - 2*x^2 + 1/2'; with --least-squares the "
                   "residuals separated by ';', e.g. '10*(y - x^2); 1 - x'")
    p.add_argument("--x0", required=True, help="starting point, e.g. '2' or '-1.2, 1'")
    p.add_argument("--vars", default=None, help="variables in order, e.g. 'x,y' (default: sorted)")
    p.add_argument("--method", default=None,
                   help=f"one of {', '.join(_MIN_METHODS)} (default newton); "
                   f"{' or '.join(_LSQ_METHODS)} with --least-squares")
    p.add_argument("--least-squares", action="store_true",
                   help="the expression is a ';'-separated list of residuals: minimize sum r_i^2")
    p.add_argument("--lr", default=None,
                   help="gradient-descent step: a number or '1/L' (certified; the default)")
    p.add_argument("--line-search", default=None, choices=("armijo",),
                   help="gradient descent with an Armijo backtracking line search")
    p.add_argument("--gtol", type=float, default=None, help="gradient-norm tolerance (1e-8)")
    p.add_argument("--max-iter", type=int, default=None, help="iteration limit")
    p.add_argument("--history", action="store_true",
                   help="print every iterate (with --json: include the history arrays)")


def _lr(text: str | None) -> float | str | None:
    if text is None:
        return None
    if text.replace(" ", "").upper() == "1/L":
        return "1/L"
    try:
        return float(text)
    except ValueError:
        raise InputError(f"--lr must be a number or '1/L', not {text!r}") from None


def _run_solver(args: argparse.Namespace) -> tuple[Result, str]:
    if args.least_squares:
        residuals = [r for r in (s.strip() for s in args.expression.split(";")) if r]
        if not residuals:
            raise InputError("no residuals given")
        if args.lr is not None or args.line_search is not None:
            raise InputError("--lr and --line-search apply to gradient descent, not least squares")
        opts = {} if args.max_iter is None else {"max_iter": args.max_iter}
        res = least_squares(residuals, args.vars, args.x0, method=args.method or "lm", **opts)
        return res, " + ".join(f"({r})^2" for r in residuals)
    opts: dict = {}
    if args.gtol is not None:
        opts["gtol"] = args.gtol
    if args.max_iter is not None:
        opts["max_iter"] = args.max_iter
    lr = _lr(args.lr)
    if lr is not None:
        opts["lr"] = lr
    if args.line_search is not None:
        opts["line_search"] = args.line_search
    res = minimize(args.expression, args.vars, args.x0, method=args.method or "newton", **opts)
    return res, args.expression


def run(args: argparse.Namespace) -> Output:
    res, shown = _run_solver(args)
    names = [str(v) for v in res.variables]
    point = ", ".join(f"{n} = {v:.12g}" for n, v in zip(names, res.x))
    lines = [
        f"{res.method} on f({', '.join(names)}) = {shown}, from x0 = ({args.x0})",
        f"status {res.status.key} ({'success' if res.success else 'FAILED'}): {res.message}",
        f"x: {point}",
        f"f = {res.fun:.12g}   ||grad f|| = {res.grad_norm:.3g}",
        f"iterations {res.nit}; evaluations: f {res.nfev}, gradient/Jacobian {res.njev}, "
        f"Hessian {res.nhev}; {res.wall_time * 1e3:.3g} ms (+ derive/compile "
        f"{res.compile_time:.3g} s)",
    ]
    if res.hess_min_eig is not None:
        lines.append(f"smallest Hessian eigenvalue at x: {res.hess_min_eig:.6g}")
    if args.history and res.history is not None:
        h = res.history
        lines.append("history:  k  f  ||grad f||  step")
        for k in range(len(h)):
            lines.append(f"  {k:4d}  {h.f[k]: .12e}  {h.grad_norm[k]:.3e}  {h.step[k]:.3e}")
    data = {
        "method": res.method,
        "expression": shown,
        "variables": names,
        "x": dict(zip(names, (float(v) for v in res.x))),
        "fun": res.fun,
        "grad_norm": res.grad_norm,
        "success": res.success,
        "status": res.status.key,
        "message": res.message,
        "nit": res.nit,
        "nfev": res.nfev,
        "njev": res.njev,
        "nhev": res.nhev,
        "hess_min_eig": res.hess_min_eig,
        "wall_time": res.wall_time,
        "compile_time": res.compile_time,
    }
    if args.history and res.history is not None:
        data["history"] = {"x": res.history.x, "f": res.history.f,
                           "grad_norm": res.history.grad_norm, "step": res.history.step}
    return Output("\n".join(lines), data, status=0 if res.success else 1)
