"""``symtaylor bounds "f" [--region x=-1:1,y=0:2]``: L, mu, safe and optimal steps, rates."""

from __future__ import annotations

import argparse

from ..bounds import convergence_bounds
from ..parsing import as_expr, as_variables
from ._common import Output, parse_region

NAME = "bounds"
HELP = "Lipschitz constant L, strong convexity mu, steps 2/L and 1/L, rates (exact or certified)"
ORDER = 40


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", help="e.g. 'theta1**2 + 10*theta2**2'")
    p.add_argument("--vars", default=None, help="variables in order, e.g. 'x,y'")
    p.add_argument("--region", default=None,
                   help="box for non-quadratic f, e.g. 'x=-1:1,y=0:2' (bounds certified there)")
    p.add_argument("--rtol", type=float, default=0.05,
                   help="stop refining when L is within this relative gap of a value attained")


def run(args: argparse.Namespace) -> Output:
    expr = as_expr(args.expression, args.vars)
    syms = as_variables(args.vars, expr)
    region = parse_region(args.region) if args.region else None
    b = convergence_bounds(expr, syms, region=region, rtol=args.rtol)
    data = {
        "expression": str(expr),
        "variables": [str(s) for s in syms],
        "region": region,
        "certified": b.certified,
        "L": b.L if b.certified else str(b.L),
        "mu": b.mu if (b.certified or b.mu is None) else str(b.mu),
        "max_step": b.max_step if b.certified else str(b.max_step),
        "optimal_step": b.optimal_step if b.certified else str(b.optimal_step),
        "condition_number": b.condition_number if b.certified or b.condition_number is None
        else str(b.condition_number),
        "rate": b.rate if b.certified or b.rate is None else str(b.rate),
        "rate_optimal": b.rate_optimal if b.certified or b.rate_optimal is None
        else str(b.rate_optimal),
        "M": b.M if (b.certified or b.M is None) else str(b.M),
        "newton_rate_constant": b.newton_rate_constant if b.certified
        or b.newton_rate_constant is None else str(b.newton_rate_constant),
        "L_attained": b.L_attained,
        "mu_attained": b.mu_attained,
        "note": b.note,
        "latex": b.latex(),
    }
    return Output(b.text(), data)
