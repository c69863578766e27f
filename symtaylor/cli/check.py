"""``symtaylor check taylor|newton|gradient-step|step-size|gradient|hessian``: is it right?

Exit status 0 when the answer is right, 1 when it is wrong (2 on malformed input), so the
command can grade answers in a script.
"""

from __future__ import annotations

import argparse

from ..errors import InputError
from ..verify import (
    Verdict,
    check_gradient,
    check_gradient_step,
    check_hessian,
    check_max_step,
    check_newton_step,
    check_step_size,
    check_taylor,
)
from ._common import Output, parse_region

NAME = "check"
HELP = "check an answer (Taylor polynomial, Newton or gradient step, step size, derivatives)"
DESCRIPTION = (
    "Check an answer against symtaylor's derivations and say what is wrong with it "
    "(a missing factorial, a flipped sign, 1/L for 2/L, a missing Hessian inverse...). "
    "Exit status: 0 right, 1 wrong, 2 malformed input."
)
ORDER = 60


def _common(p: argparse.ArgumentParser, answer: bool = True) -> None:
    p.add_argument("expression", help="the function, e.g. 'exp(x)*cos(y)'")
    p.add_argument("--vars", default=None, help="variables in order, e.g. 'x,y' (default: sorted)")
    if answer:
        p.add_argument("--answer", required=True, help="the answer to check")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="print machine-readable JSON")
    p.add_argument("--explain", action="store_true",
                   help="also print how the expected answer is derived")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    t = sub.add_parser("taylor", help="a Taylor polynomial",
                       description="symtaylor check taylor 'sin(x)' --order 2 --answer 'x'")
    _common(t)
    t.add_argument("--at", default="0", help="expansion point, e.g. '0' or '1, 1/2' (default 0)")
    t.add_argument("--order", type=int, default=2, help="total degree (default 2)")
    n = sub.add_parser("newton", help="a Newton update x_next (or the next iterate with --at)")
    _common(n)
    n.add_argument("--at", default=None, help="current point: the answer is then numbers")
    n.add_argument("--damping", default="0", help="damping lambda (default 0)")
    s = sub.add_parser("step-size", help="a gradient-descent step size (alpha < 2/L?)")
    _common(s, answer=False)
    s.add_argument("--alpha", required=True, help="the step size, e.g. '0.1' or '1/20'")
    s.add_argument("--max", action="store_true",
                   help="alpha is claimed to be the LARGEST safe step (checks it against 2/L)")
    s.add_argument("--region", default=None,
                   help="box for a certified L when f is not quadratic, e.g. 'x=-1:1,y=0:2'")
    gs = sub.add_parser("gradient-step", help="a gradient-descent update x - lr*grad f")
    _common(gs)
    gs.add_argument("--lr", required=True, help="the learning rate, e.g. '0.1'")
    gs.add_argument("--at", default=None, help="current point: the answer is then numbers")
    g = sub.add_parser("gradient", help="a gradient (comma-separated entries)")
    _common(g)
    h = sub.add_parser("hessian", help="a Hessian (rows separated by ';')")
    _common(h)


def run(args: argparse.Namespace) -> Output:
    kind = args.kind
    v: Verdict
    if kind == "taylor":
        v = check_taylor(args.expression, args.vars, args.at, args.order, args.answer)
    elif kind == "newton":
        damping = args.damping
        v = check_newton_step(args.expression, args.vars, args.answer,
                              damping=0 if damping.strip() in ("", "0") else damping,
                              at=args.at)
    elif kind == "step-size":
        region = parse_region(args.region) if args.region else None
        if args.max:
            v = check_max_step(args.expression, args.vars, args.alpha, region=region)
        else:
            v = check_step_size(args.expression, args.vars, args.alpha, region=region)
    elif kind == "gradient-step":
        v = check_gradient_step(args.expression, args.vars, args.answer, args.lr, at=args.at)
    elif kind == "gradient":
        v = check_gradient(args.expression, args.vars, args.answer)
    elif kind == "hessian":
        v = check_hessian(args.expression, args.vars, args.answer)
    else:  # pragma: no cover - argparse restricts the choices
        raise InputError(f"unknown check {kind!r}")
    lines = [("RIGHT" if v.correct else "WRONG") + f": {v.question}",
             f"expected: {_text(v.expected)}"]
    if not v.correct:
        lines.append(f"given:    {_text(v.given)}")
        lines += [f"  - {r}" for r in v.reasons]
    lines += [f"note: {n}" for n in v.notes]
    if getattr(args, "explain", False):
        lines += v.explain().splitlines()[len(repr(v).splitlines()):]
    data = {
        "correct": v.correct,
        "question": v.question,
        "expected": _text(v.expected),
        "given": _text(v.given),
        "mistakes": [{"where": m.where, "kind": m.kind, "message": m.message,
                      "expected": _text(m.expected), "given": _text(m.given)}
                     for m in v.mistakes],
        "notes": list(v.notes),
        "latex": v.latex(),
    }
    return Output("\n".join(lines), data, status=0 if v.correct else 1)


def _text(value: object) -> str | None:
    if value is None:
        return None
    from ..verify.records import _show

    return _show(value)
