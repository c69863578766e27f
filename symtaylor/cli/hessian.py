"""``symtaylor hessian "f" [--vars x,y] [--at 1,2]``: the exact Hessian (and gradient)."""

from __future__ import annotations

import argparse

import sympy as sp

from ..calculus import critical_point_set, definiteness, gradient, hessian
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
    found = critical_point_set(expr, syms, timeout=10) if args.critical else None
    crit = None if found is None else found.points
    if found is not None:
        state = "complete list" if found.complete else f"not proven complete: {found.note}"
        if found.dimension is not None and found.dimension > 0:
            lines.append(f"critical points: a continuum, not a finite list ({found.note})")
        else:
            lines.append(f"critical points ({state}):" if crit else
                         f"critical points: none (real; {state})")
        for c in crit:
            pt = ", ".join(f"{k} = {_short(v)}" for k, v in c.point.items())
            lines.append(f"  ({pt}): f = {_short(c.value)}, {c.kind}")
        if any(_short(v) != str(v) for c in crit for v in (*c.point.values(), c.value)):
            lines.append("  (~: algebraic numbers to 15 digits; their exact forms are in --json)")
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
        "critical_points_complete": None if found is None else found.complete,
        "latex": sp.latex(h),
    }
    return Output("\n".join(lines), data)


def _short(value: sp.Expr) -> str:
    """An exact value as text; a long one (a CRootOf of a degree-16 polynomial) as 15 digits
    (the exact form is in --json)."""
    text = str(value)
    return text if len(text) <= 40 else f"~{sp.N(value, 15)}"
