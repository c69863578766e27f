"""``symtaylor check KIND``: is it right? Kinds: taylor, remainder, remainder-bound, newton,
gradient-step, gauss-newton, lm, quasi-newton, step-size, optimal-step, rate, condition-number,
gradient, hessian, jacobian, fd-truncation, fd-step, stencil.

Exit status 0 when the answer is right, 1 when it is wrong (2 on malformed input), so the
command can grade answers in a script.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import InputError
from ..verify import (
    QUASI_NEWTON_KINDS,
    Verdict,
    check_condition_number,
    check_fd_optimal_step,
    check_fd_truncation,
    check_gauss_newton_step,
    check_gradient,
    check_gradient_step,
    check_hessian,
    check_jacobian,
    check_lm_step,
    check_max_step,
    check_newton_step,
    check_optimal_step,
    check_quasi_newton_update,
    check_rate,
    check_remainder,
    check_remainder_bound,
    check_stencil_weights,
    check_step_size,
    check_taylor,
)
from ._common import Output, parse_region

NAME = "check"
HELP = ("check an answer (Taylor polynomial or remainder, Newton, gradient, Gauss-Newton, LM or "
        "quasi-Newton step, step size, rate, derivatives, finite differences)")
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
    _more_kinds(sub)


def _residuals_parser(sub: Any, name: str, help: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help)
    p.add_argument("expression", help="the residuals separated by ';', e.g. 'x - 1; 10*(y - x^2)'")
    p.add_argument("--vars", default=None, help="variables in order, e.g. 'x,y' (default: sorted)")
    p.add_argument("--answer", required=True, help="the answer to check")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="print machine-readable JSON")
    p.add_argument("--explain", action="store_true",
                   help="also print how the expected answer is derived")
    return p


def _fd_parser(sub: Any, name: str, help: str, answer: bool = True) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help)
    _common(p, answer)
    p.add_argument("--at", default="0", help="the point (default 0)")
    p.add_argument("--derivative", type=int, default=1, help="order of the derivative")
    p.add_argument("--scheme", default="central", help="central, forward or backward")
    p.add_argument("--accuracy", type=int, default=None, help="order of accuracy")
    return p


def _more_kinds(sub: Any) -> None:
    """The kinds added for issue 14 (remainders, least squares, quasi-Newton, rates, finite
    differences, Jacobians)."""
    r = sub.add_parser("remainder", help="a Lagrange remainder (write xi or theta)")
    _common(r)
    r.add_argument("--at", default="0", help="expansion point (default 0)")
    r.add_argument("--order", type=int, default=2, help="order of the Taylor polynomial")
    rb = sub.add_parser("remainder-bound", help="a bound of |f - T_n| on an interval")
    _common(rb)
    rb.add_argument("--at", default="0", help="expansion point (default 0)")
    rb.add_argument("--order", type=int, default=2, help="order of the Taylor polynomial")
    rb.add_argument("--region", required=True, help="the interval, e.g. 'x=-0.5:0.5'")
    _residuals_parser(sub, "jacobian", "a Jacobian of residuals (rows separated by ';')")
    gn = _residuals_parser(sub, "gauss-newton", "a Gauss-Newton update (or next iterate)")
    gn.add_argument("--at", default=None, help="current point: the answer is then numbers")
    lm = _residuals_parser(sub, "lm", "a Levenberg-Marquardt update (or next iterate)")
    lm.add_argument("--at", default=None, help="current point: the answer is then numbers")
    lm.add_argument("--damping", required=True, help="the damping lambda")
    lm.add_argument("--scaling", default="identity", help="identity (D = I) or marquardt")
    q = sub.add_parser("quasi-newton", help="a BFGS, DFP or SR1 update")
    q.add_argument("--kind", dest="qn_kind", required=True, choices=sorted(QUASI_NEWTON_KINDS))
    q.add_argument("--B", required=True, help="the current matrix, rows separated by ';'")
    q.add_argument("--s", required=True, help="the step s, e.g. '1, 0'")
    q.add_argument("--y", required=True, help="the gradient change y, e.g. '2, 1'")
    q.add_argument("--answer", required=True, help="the updated matrix, rows separated by ';'")
    q.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="print machine-readable JSON")
    q.add_argument("--explain", action="store_true", help=argparse.SUPPRESS)
    for name, help in (("rate", "the contraction factor of gradient descent"),
                       ("condition-number", "the condition number L/mu"),
                       ("optimal-step", "the step 2/(L + mu)")):
        c = sub.add_parser(name, help=help)
        _common(c)
        c.add_argument("--region", default=None,
                       help="box for certified constants when f is not quadratic")
        if name == "rate":
            c.add_argument("--lr", required=True, help="the step, e.g. '0.05' or '1/L'")
    _fd_parser(sub, "fd-truncation", "the leading truncation term of a finite difference")
    _fd_parser(sub, "fd-step", "the optimal step h* of a finite difference")
    st = sub.add_parser("stencil", help="the weights of a finite-difference stencil")
    st.add_argument("--answer", required=True, help="the weights, e.g. '-1/2, 0, 1/2'")
    st.add_argument("--derivative", type=int, default=1, help="order of the derivative")
    st.add_argument("--scheme", default="central", help="central, forward or backward")
    st.add_argument("--accuracy", type=int, default=None, help="order of accuracy")
    st.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                    help="print machine-readable JSON")
    st.add_argument("--explain", action="store_true", help=argparse.SUPPRESS)


def _split(text: str) -> list[str]:
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if not parts:
        raise InputError("no residuals given")
    return parts


def _run_more(args: argparse.Namespace) -> Verdict:
    kind = args.kind
    region = getattr(args, "region", None)
    region = parse_region(region) if region else None
    if kind == "remainder":
        return check_remainder(args.expression, args.vars, args.at, args.order, args.answer)
    if kind == "remainder-bound":
        return check_remainder_bound(args.expression, args.vars, args.at, args.order,
                                     list(region.values()) if region else None, args.answer)
    if kind == "jacobian":
        return check_jacobian(_split(args.expression), args.vars, args.answer)
    if kind == "gauss-newton":
        return check_gauss_newton_step(_split(args.expression), args.vars, args.answer,
                                       at=args.at)
    if kind == "lm":
        return check_lm_step(_split(args.expression), args.vars, args.damping, args.answer,
                             scaling=args.scaling, at=args.at)
    if kind == "quasi-newton":
        return check_quasi_newton_update(args.qn_kind, args.B, args.s, args.y, args.answer)
    if kind == "rate":
        return check_rate(args.expression, args.vars, args.lr, args.answer, region=region)
    if kind == "condition-number":
        return check_condition_number(args.expression, args.vars, args.answer, region=region)
    if kind == "optimal-step":
        return check_optimal_step(args.expression, args.vars, args.answer, region=region)
    if kind in ("fd-truncation", "fd-step"):
        fn = check_fd_truncation if kind == "fd-truncation" else check_fd_optimal_step
        return fn(args.expression, args.vars, args.at, args.derivative, args.scheme,
                  args.accuracy, args.answer)
    if kind == "stencil":
        return check_stencil_weights(args.derivative, args.scheme, args.accuracy, args.answer)
    raise InputError(f"unknown check {kind!r}")  # pragma: no cover - argparse restricts them


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
    else:
        v = _run_more(args)
    lines = [("RIGHT" if v.correct else "WRONG") + f": {v.question}",
             f"expected: {_text(v.expected)}"]
    if not v.correct:
        lines.append(f"given:    {_text(v.given)}")
        if v.score:
            lines.append(f"score:    {v.score:g}")
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
        "score": v.score,
        "latex": v.latex(),
    }
    return Output("\n".join(lines), data, status=0 if v.correct else 1)


def _text(value: object) -> str | None:
    if value is None:
        return None
    from ..verify.records import _show

    return _show(value)
