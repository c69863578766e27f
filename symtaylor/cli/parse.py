"""``symtaylor parse "text"``: show how text is read (safely) as an expression."""

from __future__ import annotations

import argparse

import sympy as sp

from ..parsing import parse
from ._common import Output

NAME = "parse"
HELP = "parse an expression safely and print it (also as LaTeX)"
ORDER = 90


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", help="e.g. 'x^2 + sin(y)'")


def run(args: argparse.Namespace) -> Output:
    expr = parse(args.expression)
    syms = sorted(str(s) for s in expr.free_symbols)
    text = f"{expr}\nLaTeX: {sp.latex(expr)}\nsymbols: {', '.join(syms) or '(none)'}"
    return Output(text, {"expression": str(expr), "latex": sp.latex(expr), "symbols": syms})
