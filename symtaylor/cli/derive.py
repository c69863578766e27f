"""``symtaylor derive KIND EXPR... [--at ...] [--order N] [--tex F] [--pdf F] [--md F]``: a
derivation whose every step the engine checked, printed for a terminal and written as LaTeX, PDF
(pdflatex) or Markdown. ``symtaylor derive --seeds --pdf F`` writes the handout of every
derivation in the seed texts.

Examples: ``symtaylor derive taylor "exp(x)" --order 3 --region=-0.5:0.5``,
``symtaylor derive newton "x^2 + 10*y^2 + x*y" --vars x,y --pdf newton.pdf``,
``symtaylor derive gauss-newton "x - 1" "10*(y - x^2)" --vars x,y``,
``symtaylor derive bfgs --form H``, ``symtaylor derive loss-after-step 2.5 4 10 0.05``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..derivations import DERIVATIONS, Derivation, Handout, derive
from ..derivations.seeds import seed_handout
from ..errors import InputError
from ..parsing import as_expr
from ._common import Output, parse_point, parse_region

NAME = "derive"
HELP = "a checked step-by-step derivation (taylor, newton, gauss-newton, bfgs, ...) as " \
       "text, LaTeX, PDF or Markdown"
ORDER = 35

#: kinds whose EXPR... are residuals (several expressions)
_RESIDUALS = {"gauss-newton", "levenberg-marquardt"}
#: kinds that take no expression (options only)
_NO_EXPR = {"newton-convergence", "secant", "bfgs", "dfp", "sr1"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", nargs="?", default=None,
                   help="one of: " + ", ".join(DERIVATIONS))
    p.add_argument("expression", nargs="*", default=[],
                   help="the function (residuals for gauss-newton and levenberg-marquardt; "
                   "numbers value grad_norm lambda_max lr for loss-after-step)")
    p.add_argument("--seeds", action="store_true",
                   help="every derivation of the seed texts, as one handout")
    p.add_argument("--vars", default=None, help="variables in order, e.g. 'x,y'")
    p.add_argument("--at", default=None, help="the point (taylor, finite-difference)")
    p.add_argument("--order", type=int, default=None, help="Taylor order (default 2)")
    p.add_argument("--region", default=None,
                   help="a box, e.g. 'x=-1:1,y=0:2' (one variable: '-1:1')")
    p.add_argument("--lr", default=None, help="learning rate (gradient-step; default alpha)")
    p.add_argument("--damping", default=None, help="damping lambda (newton, lm)")
    p.add_argument("--scaling", default=None, choices=["identity", "marquardt"],
                   help="LM damping matrix")
    p.add_argument("--form", default=None, choices=["B", "H"],
                   help="quasi-Newton form: B (Hessian) or H (inverse)")
    p.add_argument("--derivative", type=int, default=None, help="finite-difference: order")
    p.add_argument("--scheme", default=None, help="finite-difference: forward, central, ...")
    p.add_argument("--accuracy", type=int, default=None, help="finite-difference: accuracy")
    p.add_argument("--tex", default=None, metavar="FILE", help="write the LaTeX document")
    p.add_argument("--pdf", default=None, metavar="FILE", help="compile the PDF (pdflatex)")
    p.add_argument("--md", default=None, metavar="FILE", help="write Markdown")


def _region(text: str, exprs: list[str], variables: str | None) -> Any:
    if "=" not in text:  # one variable: '-0.5:1.5'
        lo, hi = parse_region(f"_v={text}")["_v"]
        return (lo, hi)
    return parse_region(text)


def _options(args: argparse.Namespace, kind: str) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    if args.at is not None:
        pt = parse_point(args.at)
        opts["at"] = pt[0] if len(pt) == 1 else tuple(pt)
    if args.order is not None:
        opts["order"] = args.order
    if args.region is not None:
        opts["region"] = _region(args.region, args.expression, args.vars)
    if args.lr is not None:
        opts["lr"] = as_expr(args.lr)
    if args.damping is not None:
        opts["damping"] = as_expr(args.damping)
    for name in ("scaling", "form", "derivative", "scheme", "accuracy"):
        value = getattr(args, name)
        if value is not None:
            opts[name] = value
    return opts


def _build(args: argparse.Namespace) -> Derivation | Handout:
    if args.seeds:
        if args.kind is not None or args.expression:
            raise InputError("--seeds takes no kind or expression")
        return seed_handout()
    if args.kind is None:
        raise InputError("give a kind (one of: " + ", ".join(DERIVATIONS) + ") or --seeds")
    kind = args.kind.strip().lower()
    exprs = list(args.expression)
    opts = _options(args, kind)
    if kind in _RESIDUALS:
        if not exprs:
            raise InputError(f"'{kind}' needs the residuals")
        return derive(kind, exprs, args.vars, **opts)
    if kind == "loss-after-step":
        return derive(kind, *[as_expr(e) for e in exprs], **opts)
    if kind in _NO_EXPR:
        if exprs:
            return derive(kind, exprs[0], args.vars, **opts)
        return derive(kind, **opts)
    if kind == "finite-difference":
        at = opts.pop("at", 0)
        if len(exprs) != 1:
            raise InputError(f"'{kind}' takes one expression, got {len(exprs)}")
        return derive(kind, exprs[0], args.vars, at, **opts)
    if kind == "descent-lemma" and not exprs:
        return derive(kind, **opts)
    if len(exprs) != 1:
        raise InputError(f"'{kind}' takes one expression, got {len(exprs)}")
    return derive(kind, exprs[0], args.vars, **opts)


def run(args: argparse.Namespace) -> Output:
    d = _build(args)
    written = []
    if args.tex:
        Path(args.tex).write_text(d.document(), encoding="utf-8")
        written.append(args.tex)
    if args.md:
        Path(args.md).write_text(d.markdown(), encoding="utf-8")
        written.append(args.md)
    if args.pdf:
        d.to_pdf(args.pdf)
        written.append(args.pdf)
    derivations = d.derivations if isinstance(d, Handout) else (d,)
    data = {
        "derivations": [_data(x) for x in derivations],
        "written": written,
    }
    text = d.text()
    if written:
        text += "\n\nwritten: " + ", ".join(written)
    return Output(text, data)


def _data(d: Derivation) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "title": d.title,
        "result": str(d.result),
        "rows": [{"lhs": _side(r.lhs), "relation": r.relation, "rhs": _side(r.rhs),
                  "justification": r.justification, "check": r.check, "route": r.route}
                 for r in d.all_rows()],
        "latex": d.latex(),
    }


def _side(obj: Any) -> str | None:
    return None if obj is None else str(obj)
