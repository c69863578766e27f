"""``symtaylor hessian "f" [--vars x,y] [--at 1,2]``: the exact Hessian (and gradient)."""

from __future__ import annotations

import argparse

import sympy as sp

from ..calculus import critical_points, definiteness, gradient, hessian
from ..parsing import as_expr, as_point, as_variables
from ._common import Output

NAME = "hessian"
HELP = "exact gradient and Hessian of an expression (definiteness where decidable)"
ORDER = 20


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", help="e.g. '(1 - x)^2 + 100*(y - x^2)^2'")
    p.add_argument("--vars", default=None, help="variables in order, e.g. 'x,y' (default: sorted)")
    p.add_argument("--at", default=None, help="evaluate at a point, e.g. '1, 1/2'")
    p.add_argument("--critical", action="store_true",
                   help="also solve grad f = 0 and classify the critical points (10 s limit)")


def run(args: argparse.Namespace) -> Output:
    expr = as_expr(args.expression, args.vars)
    syms = as_variables(args.vars, expr)
    g = gradient(expr, syms)
    h = hessian(expr, syms)
    point = None
    if args.at is not None:
        point = as_point(args.at, syms)
        sub = dict(zip(syms, point))
        g = g.xreplace(sub).applyfunc(sp.simplify)
        h = h.xreplace(sub).applyfunc(sp.simplify)
    kind = None
    if not (h.free_symbols & set(syms)) and not h.free_symbols and h.rows <= 6:
        kind = definiteness(h).kind.value
    names = ", ".join(map(str, syms))
    lines = [f"f({names}) = {expr}"]
    if point is not None:
        lines.append("at (" + ", ".join(map(str, point)) + ")")
    lines.append("gradient:")
    lines += [f"  d/d{s}: {e}" for s, e in zip(syms, g)]
    lines.append("Hessian:")
    lines += ["  [" + ", ".join(str(v) for v in h.row(i)) + "]" for i in range(h.rows)]
    if kind:
        lines.append(f"definiteness: {kind}")
    crit = critical_points(expr, syms, timeout=10) if args.critical else None
    if crit is not None:
        lines.append("critical points:" if crit else "critical points: none (real)")
        for c in crit:
            pt = ", ".join(f"{k} = {v}" for k, v in c.point.items())
            lines.append(f"  ({pt}): f = {c.value}, {c.kind}")
    lines.append(f"LaTeX: {sp.latex(h)}")
    data = {
        "expression": str(expr),
        "variables": [str(s) for s in syms],
        "at": [str(v) for v in point] if point is not None else None,
        "gradient": [str(e) for e in g],
        "hessian": h,
        "definiteness": kind,
        "critical_points": None if crit is None else [
            {"point": {str(k): str(v) for k, v in c.point.items()}, "value": str(c.value),
             "kind": c.kind} for c in crit],
        "latex": sp.latex(h),
    }
    return Output("\n".join(lines), data)
