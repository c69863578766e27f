"""``symtaylor taylor "f" --at 0,0 --order 4 [--vars x,y] [--bound x=-0.1:0.1,y=-0.1:0.1]``.

The exact Taylor polynomial, its coefficients and (with ``--bound``) a certified bound of the
remainder over a box; ``--latex`` prints ``f = T_n + R_n`` (with ``R_n`` defined) as LaTeX
only, followed by the certified bound when ``--bound`` is given.
"""

from __future__ import annotations

import argparse

from ..parsing import as_expr, as_point, as_variables
from ..taylor import taylor
from ._common import Output, parse_region

NAME = "taylor"
HELP = "exact Taylor polynomial about a point, with a certified remainder bound (--bound)"
ORDER = 10


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", help="e.g. 'exp(x)*sin(y)'")
    p.add_argument("--at", default="0", help="expansion point, e.g. '0,0' or 'pi/3' (default 0)")
    p.add_argument("--order", type=int, default=2, help="total degree (default 2)")
    p.add_argument("--vars", default=None, help="variables in order, e.g. 'x,y' (default: sorted)")
    p.add_argument("--bound", default=None, metavar="REGION",
                   help="certify max|f - T| over a box, e.g. 'x=-0.1:0.1,y=-0.1:0.1'")
    p.add_argument("--latex", action="store_true", help="print the expansion as LaTeX only")


def run(args: argparse.Namespace) -> Output:
    expr = as_expr(args.expression, args.vars)
    syms = as_variables(args.vars, expr)
    point = as_point(args.at, syms)
    if len(point) == 1 and len(syms) > 1:  # pragma: no cover - as_point broadcasts scalars
        point = point * len(syms)
    t = taylor(expr, syms, at=point, order=args.order)
    bound = args.bound
    if bound and "=" not in bound and len(syms) == 1:  # one variable: --bound=-0.5:1.5
        bound = f"{syms[0]}={bound.strip()}"
    cert = t.certify(parse_region(bound)) if bound else None
    data = {
        "expression": str(expr),
        "variables": [str(s) for s in syms],
        "at": [str(v) for v in point],
        "order": t.order,
        "polynomial": str(t.polynomial),
        "polynomial_in_powers": t.polynomial_text(),
        "coefficients": {",".join(map(str, k)): str(v) for k, v in t.coefficients.items()},
        "method": t.method,
        "latex": t.latex(),
    }
    if cert is not None:
        data["bound"] = {
            "region": {str(s): list(r) for s, r in zip(syms, cert.region)},
            "upper": cert.upper,
            "attained": cert.attained,
            "boxes": cert.boxes,
            "converged": cert.converged,
        }
    if args.latex:
        tex = t.latex() if cert is None else t.latex() + "\n" + cert.latex()
        return Output(tex, data)
    where = ", ".join(f"{s} = {a}" for s, a in zip(syms, point))
    lines = [f"Taylor polynomial of order {t.order} of {expr} at {where}:",
             f"  T = {t.polynomial_text()}", "coefficients (multi-index: value):"]
    lines += [f"  {k}: {v}" for k, v in t.coefficients.items()]
    if cert is not None:
        region = ", ".join(f"{s} in [{lo:g}, {hi:g}]" for s, (lo, hi) in zip(syms, cert.region))
        lines.append(f"certified: |f - T| <= {cert.upper:.6e} for {region}")
        lines.append(f"  (attained: {cert.attained:.6e}; {cert.boxes} boxes"
                     f"{'' if cert.converged else ', budget reached'})")
    lines.append(f"LaTeX: {t.latex()}")
    return Output("\n".join(lines), data)
