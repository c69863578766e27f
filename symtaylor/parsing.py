"""Safe input: text, SymPy objects and Python callables become SymPy expressions.

User text is parsed with Python's :mod:`ast` module against an allow-list; nothing is ever
passed to ``eval``, ``exec``, ``sympify`` or ``parse_expr`` (all of which can run code). The
syntax is Python's arithmetic with two conveniences:

* ``^`` means power (``x^2`` is ``x**2``), as in most math texts;
* unknown names become plain SymPy symbols (``Symbol(name)``), Python keywords included where
  they stand as an operand (``lambda``, the damping symbol of every Levenberg-Marquardt step,
  reads back as ``Symbol("lambda")``; ``lambda x: x`` is still refused).

Only these function names may be called: see :data:`FUNCTIONS`. Constants: ``pi``, ``E``.
Sizes are bounded (text length, nesting depth, integer digits, exponents) so that parsing
returns or refuses at once: ``9**9**9**9`` and ``factorial(10**100)`` are refused.

Examples
--------
>>> from symtaylor import parse
>>> parse("x^2 + sin(y)/2")
x**2 + sin(y)/2
>>> parse("exp(-b1*x)/(b2 + b3*x)")
exp(-b1*x)/(b2 + b3*x)
"""

from __future__ import annotations

import ast
import io
import itertools
import keyword
import math
import re
import string
import tokenize
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from .errors import InputError, ParseError

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "clip",
    "parse",
]

MAX_LENGTH = 20_000
MAX_DEPTH = 60
MAX_INT_DIGITS = 1_000
MAX_RESULT_DIGITS = 10_000
MAX_EXPONENT = 10**6
MAX_FACTORIAL_ARG = 10**4
MAX_NUMBER_DIGITS = 100_000  # any exact number built on the way (products of factorials...)
MAX_ROOT_DIGITS = 300  # roots of larger exact numbers: SymPy's perfect-power search is slow
ECHO = 80  # characters of user text a refusal shows, at most


def clip(text: str, limit: int = ECHO) -> str:
    """``text`` for an error message: at most ``limit`` characters, then an ellipsis and the
    full length, so a refusal never echoes a huge input.

    Examples
    --------
    >>> clip("x + y")
    'x + y'
    >>> clip("x" * 1000, 10)
    'xxxxxxxxxx... (1000 characters)'
    """
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _log(*args: sp.Expr) -> sp.Expr:
    return sp.log(*args)


#: The function names user text may call, mapped to the SymPy function and its allowed arity.
FUNCTIONS: Mapping[str, tuple[Callable[..., sp.Expr], tuple[int, ...]]] = {
    "sin": (sp.sin, (1,)),
    "cos": (sp.cos, (1,)),
    "tan": (sp.tan, (1,)),
    "cot": (sp.cot, (1,)),
    "sec": (sp.sec, (1,)),
    "csc": (sp.csc, (1,)),
    "asin": (sp.asin, (1,)),
    "acos": (sp.acos, (1,)),
    "atan": (sp.atan, (1,)),
    "arcsin": (sp.asin, (1,)),
    "arccos": (sp.acos, (1,)),
    "arctan": (sp.atan, (1,)),
    "atan2": (sp.atan2, (2,)),
    "sinh": (sp.sinh, (1,)),
    "cosh": (sp.cosh, (1,)),
    "tanh": (sp.tanh, (1,)),
    "asinh": (sp.asinh, (1,)),
    "acosh": (sp.acosh, (1,)),
    "atanh": (sp.atanh, (1,)),
    "exp": (sp.exp, (1,)),
    "log": (_log, (1, 2)),
    "ln": (sp.log, (1,)),
    "sqrt": (sp.sqrt, (1,)),
    "cbrt": (sp.cbrt, (1,)),
    "Abs": (sp.Abs, (1,)),
    "abs": (sp.Abs, (1,)),
    "sign": (sp.sign, (1,)),
    "Min": (sp.Min, (-1,)),
    "Max": (sp.Max, (-1,)),
    "min": (sp.Min, (-1,)),
    "max": (sp.Max, (-1,)),
    "erf": (sp.erf, (1,)),
    "erfc": (sp.erfc, (1,)),
    "gamma": (sp.gamma, (1,)),
    "factorial": (sp.factorial, (1,)),
    "floor": (sp.floor, (1,)),
    "ceiling": (sp.ceiling, (1,)),
    "Heaviside": (sp.Heaviside, (1,)),
    "chebyshevt": (sp.chebyshevt, (2,)),
    "Piecewise": (sp.Piecewise, (-1,)),
    # more of what SymPy prints (parse(str(e)) reads it back): inverse and reciprocal
    # functions, real and imaginary parts (derivatives of Abs), jumps and their derivatives
    "acot": (sp.acot, (1,)),
    "asec": (sp.asec, (1,)),
    "acsc": (sp.acsc, (1,)),
    "coth": (sp.coth, (1,)),
    "sech": (sp.sech, (1,)),
    "csch": (sp.csch, (1,)),
    "acoth": (sp.acoth, (1,)),
    "asech": (sp.asech, (1,)),
    "acsch": (sp.acsch, (1,)),
    "sinc": (sp.sinc, (1,)),
    "re": (sp.re, (1,)),
    "im": (sp.im, (1,)),
    "frac": (sp.frac, (1,)),
    "Mod": (sp.Mod, (2,)),
    "DiracDelta": (sp.DiracDelta, (1, 2)),
    "LambertW": (sp.LambertW, (1, 2)),
    "loggamma": (sp.loggamma, (1,)),
    "digamma": (sp.digamma, (1,)),
    "polygamma": (sp.polygamma, (2,)),
    "Derivative": (sp.Derivative, (-1,)),
    "CRootOf": (sp.CRootOf, (2,)),
}

#: The boolean functions SymPy prints in Piecewise conditions (``ITE``, ``Eq``, ...): allowed
#: there only, not as values.
CONDITIONS: Mapping[str, tuple[Callable[..., Any], tuple[int, ...], bool]] = {
    # name: (function, arities, its arguments are conditions (else expressions))
    "And": (sp.And, (-1,), True),
    "Or": (sp.Or, (-1,), True),
    "Not": (sp.Not, (1,), True),
    "ITE": (sp.ITE, (3,), True),
    "Eq": (sp.Eq, (2,), False),
    "Ne": (sp.Ne, (2,), False),
}
#: the names above that are there for ``parse(str(e))`` (not listed in refusals: short messages)
_PRINTED = frozenset({"acot", "asec", "acsc", "coth", "sech", "csch", "acoth", "asech", "acsch",
                      "sinc", "re", "im", "frac", "Mod", "DiracDelta", "LambertW", "loggamma",
                      "digamma", "polygamma", "Derivative", "CRootOf"})
MAX_DERIVATIVE = 100  # total order of an unevaluated Derivative(f, (x, n))
MAX_ROOT_DEGREE = 60  # CRootOf(p, k): degree of p

#: Names that denote constants rather than symbols.
CONSTANTS: Mapping[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

_BINOPS: Mapping[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}

# operators that chain on one level: a + b - c, a * b / c
_FAMILY: Mapping[type, str] = {ast.Add: "+", ast.Sub: "+", ast.Mult: "*", ast.Div: "*"}
_LONG_CHAIN = 32

_COMPARE: Mapping[type, Callable[[Any, Any], Any]] = {
    ast.Lt: sp.Lt,
    ast.LtE: sp.Le,
    ast.Gt: sp.Gt,
    ast.GtE: sp.Ge,
    ast.Eq: sp.Eq,
    ast.NotEq: sp.Ne,
}

#: ``&``, ``|`` and ``~`` between conditions, as SymPy prints And, Or and Not
_LOGIC: Mapping[type, Callable[..., Any]] = {ast.BitAnd: sp.And, ast.BitOr: sp.Or}

_NODE_WORDS: Mapping[type, str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.List: "list",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.Starred: "star expression",
    ast.IfExp: "conditional expression",
    ast.BoolOp: "boolean operator",
    ast.NamedExpr: "assignment expression",
    ast.JoinedStr: "f-string",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}


class _Builder:
    """Turns an allow-listed Python AST into a SymPy expression, bottom-up."""

    def __init__(self, text: str, symbols: Mapping[str, sp.Symbol] | None,
                 renamed: Mapping[str, str] | None = None) -> None:
        self.text = text
        self.symbols = dict(symbols or {})
        self.renamed = dict(renamed or {})  # placeholder -> the keyword it stands for

    # -- helpers -------------------------------------------------------------------------------
    def fail(self, message: str, node: ast.AST | None = None) -> ParseError:
        column = fragment = None
        if node is not None and hasattr(node, "col_offset"):
            column = node.col_offset + 1
            fragment = ast.get_source_segment(self.text, node)
        return ParseError(message, self.text, column, None if fragment is None else clip(fragment))

    def build(self, node: ast.AST, depth: int = 0, condition: bool = False) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"expression nested too deeply (more than {MAX_DEPTH} levels)", node)
        if isinstance(node, ast.Constant):
            return self.constant(node, condition)
        if isinstance(node, ast.Name):
            return self.name(node)
        if condition:
            logic = self.logic(node, depth)
            if logic is not None:
                return logic
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            raise self.fail("unsupported unary operator", node)
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Compare) and condition:
            return self.compare(node, depth)
        if isinstance(node, ast.Tuple):
            raise self.fail("unexpected tuple (only allowed as a Piecewise piece)", node)
        word = _NODE_WORDS.get(type(node), f"syntax ({type(node).__name__})")
        raise self.fail(f"unsupported {word}", node)

    def logic(self, node: ast.AST, depth: int) -> Any:
        """A condition made of others: ``a & b``, ``a | b``, ``~a``, ``And(...)``, ``ITE(c, a,
        b)``, ``Eq(x, y)`` (``None``: not one of these)."""
        if isinstance(node, ast.BinOp) and type(node.op) in _LOGIC:
            left = self.build(node.left, depth + 1, condition=True)
            right = self.build(node.right, depth + 1, condition=True)
            return self.boolean(_LOGIC[type(node.op)], [left, right], node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            return self.boolean(sp.Not, [self.build(node.operand, depth + 1, condition=True)],
                                node)
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in CONDITIONS):
            return None
        func, arities, nested = CONDITIONS[node.func.id]
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node)
        if (-1 not in arities and len(node.args) not in arities) or not node.args:
            raise self.fail(f"{node.func.id}() takes {' or '.join(map(str, arities))} "
                            f"argument(s), got {len(node.args)}", node)
        args = [self.build(a, depth + 1, condition=nested) for a in node.args]
        return self.boolean(func, args, node)

    def boolean(self, func: Callable[..., Any], args: list[Any], node: ast.AST) -> Any:
        if any(isinstance(a, sp.Expr) and func not in (sp.Eq, sp.Ne) for a in args):
            raise self.fail("expected conditions (comparisons), got an expression", node)
        try:
            return func(*args)
        except (TypeError, ValueError) as exc:
            raise self.fail(f"invalid condition: {clip(str(exc))}", node) from None

    def constant(self, node: ast.Constant, condition: bool) -> Any:
        value = node.value
        if isinstance(value, bool):
            if condition:
                return sp.true if value else sp.false
            raise self.fail("unsupported boolean constant", node)
        if isinstance(value, int):
            if value and math.log10(abs(value)) >= MAX_INT_DIGITS:
                raise self.fail(f"integer literal longer than {MAX_INT_DIGITS} digits", node)
            return sp.Integer(value)
        if isinstance(value, float):
            source = ast.get_source_segment(self.text, node) or repr(value)
            if not math.isfinite(value):
                raise self.fail("floating-point literal out of range", node)
            digits = sum(ch.isdigit() for ch in source)
            return sp.Float(source.replace("_", ""), max(15, digits))
        if isinstance(value, complex):
            raise self.fail("unsupported complex literal", node)
        if isinstance(value, str | bytes):
            raise self.fail("unsupported string literal", node)
        raise self.fail(f"unsupported literal {type(value).__name__}", node)

    def name(self, node: ast.Name) -> sp.Expr:
        ident = self.renamed.get(node.id, node.id)
        if ident in CONSTANTS:
            return CONSTANTS[ident]
        if ident in FUNCTIONS:
            raise self.fail(f"function '{ident}' used without arguments", node)
        if ident.startswith("_"):
            raise self.fail("names may not start with an underscore", node)
        if ident not in self.symbols:
            self.symbols[ident] = sp.Symbol(ident)
        return self.symbols[ident]

    def binop(self, node: ast.BinOp, depth: int) -> sp.Expr:
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise self.fail(f"unsupported operator {type(node.op).__name__}", node)
        family = _FAMILY.get(type(node.op))
        if family is None:  # '**'
            left = self.build(node.left, depth + 1)
            right = self.build(node.right, depth + 1)
            return self.power(left, right, node)
        # a + b - c + ... (or a*b/c*...) is one level however long: Python nests it down the
        # left, and counting that as depth refused sums of more than MAX_DEPTH terms
        chain = []
        spine: ast.AST = node
        while isinstance(spine, ast.BinOp) and _FAMILY.get(type(spine.op)) == family:
            chain.append(spine)
            spine = spine.left
        chain.reverse()
        acc = self.build(spine, depth + 1)
        operands = [(n, self.build(n.right, depth + 1)) for n in chain]
        if len(operands) < _LONG_CHAIN:  # pairwise, as written (SymPy's forms depend on it)
            for n, right in operands:
                acc = self.arith(_BINOPS[type(n.op)], acc, right, n)
            return acc
        # long chains at once: pairwise is quadratic (3000 terms: 20 s for +, 40 s for *)
        if family == "+":
            terms = [acc] + [r if isinstance(n.op, ast.Add) else -r for n, r in operands]
            return self.checked(sp.Add(*terms), node)
        factors = [acc]
        for n, r in operands:
            if isinstance(n.op, ast.Div):
                if r == 0:
                    raise self.fail("division by zero", n)
                r = sp.Pow(r, -1)
            factors.append(r)
        coeff: sp.Expr = sp.Integer(1)
        rests = []
        for f in factors:  # exact coefficients multiplied one by one: refused once too large
            c, rest = f.as_coeff_Mul()
            coeff = self.checked(coeff * c, node)
            rests.append(rest)
        return self.checked(sp.Mul(coeff, *rests), node)

    def arith(self, op: str, left: sp.Expr, right: sp.Expr, node: ast.AST) -> sp.Expr:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return self.checked(left * right, node)
        if right == 0:
            raise self.fail("division by zero", node)
        return self.checked(left / right, node)

    def power(self, base: sp.Expr, exponent: sp.Expr, node: ast.AST) -> sp.Expr:
        if exponent.is_Number:
            if abs(exponent) > MAX_EXPONENT:
                raise self.fail(f"exponent larger than {MAX_EXPONENT} in absolute value", node)
            if base.is_Number and base != 0 and exponent.is_Integer:
                digits = abs(int(exponent)) * math.log10(max(_magnitude(base), 2.0))
                if digits > MAX_RESULT_DIGITS:
                    raise self.fail(f"power would have more than {MAX_RESULT_DIGITS} digits", node)
            if base == 0 and exponent.is_negative:
                raise self.fail("division by zero", node)
            if not exponent.is_Integer:
                self.check_root(base, node)
        elif base.is_Number and not exponent.free_symbols:
            # a numeric exponent that is not a Number (sqrt(2), 2*pi): SymPy keeps the power
            # unevaluated, so only its size matters (10**(10**7*pi) would be evaluated by evalf)
            try:
                size = abs(complex(sp.N(exponent, 15)))
            except (TypeError, ValueError, ArithmeticError):
                size = math.inf
            if not size <= MAX_EXPONENT:
                raise self.fail("numeric power too large to evaluate", node)
        return self.checked(sp.Pow(base, exponent), node)

    def call(self, node: ast.Call, depth: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only calls of named functions are allowed", node.func)
        fname = node.func.id
        if fname not in FUNCTIONS:
            known = ", ".join(sorted(set(FUNCTIONS) - _PRINTED)) + ", and SymPy's printed forms"
            raise self.fail(f"unknown function '{clip(fname, 40)}' (known functions: {known})",
                            node)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node)
        func, arities = FUNCTIONS[fname]
        if fname == "Piecewise":
            return self.piecewise(node, depth)
        if fname == "Derivative":
            return self.derivative(node, depth)
        if -1 not in arities and len(node.args) not in arities:
            want = " or ".join(map(str, arities))
            raise self.fail(f"{fname}() takes {want} argument(s), got {len(node.args)}", node)
        if not node.args:
            raise self.fail(f"{fname}() needs at least one argument", node)
        args = [self.build(arg, depth + 1) for arg in node.args]
        if fname == "CRootOf":
            self.check_rootof(args, node)
        if fname in ("polygamma", "DiracDelta") and len(args) == 2 and not (
                args[0 if fname == "polygamma" else 1].is_Integer
                and 0 <= args[0 if fname == "polygamma" else 1] <= MAX_DERIVATIVE):
            raise self.fail(f"{fname}'s order must be an integer in [0, {MAX_DERIVATIVE}]", node)
        if fname in ("factorial", "gamma") and args[0].is_Number:
            if abs(args[0]) > MAX_FACTORIAL_ARG:
                raise self.fail(
                    f"{fname} of a number larger than {MAX_FACTORIAL_ARG} is not evaluated", node
                )
        if fname in ("sqrt", "cbrt"):
            self.check_root(args[0], node)
        if fname == "chebyshevt" and not (args[0].is_Integer and 0 <= args[0] <= 200):
            raise self.fail("chebyshevt degree must be an integer in [0, 200]", node)
        if fname == "log" and len(args) == 2 and args[1] in (0, 1):
            raise self.fail("logarithm base must not be 0 or 1", node)
        try:
            return self.checked(func(*args), node)
        except ParseError:
            raise
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise self.fail(f"invalid arguments to {fname}: {exc}", node) from None

    def piecewise(self, node: ast.Call, depth: int) -> sp.Expr:
        pieces = []
        for arg in node.args:
            if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                raise self.fail("Piecewise takes (expression, condition) pairs", arg)
            value = self.build(arg.elts[0], depth + 1)
            cond = self.build(arg.elts[1], depth + 1, condition=True)
            pieces.append((value, cond))
        if not pieces:
            raise self.fail("Piecewise needs at least one (expression, condition) pair", node)
        try:
            return sp.Piecewise(*pieces)
        except (TypeError, ValueError) as exc:
            raise self.fail(f"invalid Piecewise: {exc}", node) from None

    def derivative(self, node: ast.Call, depth: int) -> sp.Expr:
        """``Derivative(f, x, (y, 2))`` as SymPy prints it, kept unevaluated."""
        if len(node.args) < 2:
            raise self.fail("Derivative takes an expression and variables", node)
        expr = self.build(node.args[0], depth + 1)
        specs: list[Any] = []
        total = 0
        for arg in node.args[1:]:
            count: Any = sp.Integer(1)
            if isinstance(arg, ast.Tuple) and len(arg.elts) == 2:
                var, count = self.build(arg.elts[0], depth + 1), self.build(arg.elts[1],
                                                                            depth + 1)
            else:
                var = self.build(arg, depth + 1)
            if not (isinstance(var, sp.Symbol) and count.is_Integer and count >= 0):
                raise self.fail("Derivative's variables are names, or (name, order) pairs", arg)
            total += int(count)
            specs.append((var, count))
        if total > MAX_DERIVATIVE:
            raise self.fail(f"derivative of order more than {MAX_DERIVATIVE}", node)
        return sp.Derivative(expr, *specs, evaluate=False)

    def check_rootof(self, args: list[sp.Expr], node: ast.AST) -> None:
        """``CRootOf(p, k)``: ``p`` a univariate polynomial with rational coefficients of degree
        at most :data:`MAX_ROOT_DEGREE`, ``k`` an integer index."""
        poly, index = args
        gens = sorted(poly.free_symbols, key=str)
        ok = len(gens) == 1 and index.is_Integer and poly.is_polynomial(*gens)
        if ok:
            try:
                p = sp.Poly(poly, *gens)
            except sp.PolynomialError:
                ok = False
            else:
                ok = p.domain.is_QQ or p.domain.is_ZZ
                if ok and p.degree() > MAX_ROOT_DEGREE:
                    raise self.fail(f"CRootOf of a polynomial of degree more than "
                                    f"{MAX_ROOT_DEGREE}", node)
                ok = ok and -p.degree() <= index < p.degree()
        if not ok:
            raise self.fail("CRootOf takes a univariate polynomial with rational coefficients "
                            "and a root index", node)

    def compare(self, node: ast.Compare, depth: int) -> Any:
        if len(node.ops) != 1:
            raise self.fail("chained comparisons are not allowed", node)
        rel = _COMPARE.get(type(node.ops[0]))
        if rel is None:
            raise self.fail("only <, <=, >, >=, ==, != comparisons are allowed", node)
        left = self.build(node.left, depth + 1)
        right = self.build(node.comparators[0], depth + 1)
        try:
            return rel(left, right)
        except TypeError as exc:
            raise self.fail(f"invalid comparison: {exc}", node) from None

    def check_root(self, base: Any, node: ast.AST) -> None:
        """Refuse a fractional power of a huge exact number (SymPy would search for perfect
        powers in it for seconds or minutes: ``sqrt(10**9999 + 1)``)."""
        if isinstance(base, sp.Rational) and _bits(base) > MAX_ROOT_DIGITS * 3.33:
            raise self.fail(
                f"root of a number with more than {MAX_ROOT_DIGITS} digits is not evaluated", node
            )

    def checked(self, value: Any, node: ast.AST) -> Any:
        if isinstance(value, sp.Basic) and value.has(sp.zoo, sp.nan):
            raise self.fail("expression is undefined (division by zero or 0/0)", node)
        if isinstance(value, sp.Expr) and _coefficient_bits(value) > MAX_NUMBER_DIGITS * 3.33:
            raise self.fail(f"number with more than {MAX_NUMBER_DIGITS} digits", node)
        return value


def _coefficient_bits(value: sp.Expr) -> int:
    """Bit length of the largest exact numeric coefficient at the top of ``value`` (cheap: a
    product's coefficient, or those of a sum's terms, which a product may distribute into)."""
    terms = value.args if isinstance(value, sp.Add) else (value,)
    best = 0
    for term in terms:
        coeff = term if isinstance(term, sp.Rational) else term.as_coeff_Mul()[0]
        if isinstance(coeff, sp.Rational):
            best = max(best, _bits(coeff))
    return best


def _bits(number: sp.Rational) -> int:
    """Bit length of the larger of the numerator and denominator."""
    return max(int(number.p).bit_length(), int(number.q).bit_length())


def _magnitude(number: sp.Expr) -> float:
    """|number| as a float, robust to huge rationals."""
    try:
        num, den = sp.fraction(sp.Abs(number))
        if num.is_Integer and den.is_Integer:
            return max(float(10 ** (len(str(num)) - len(str(den)))), 1.0)
        return abs(float(number))
    except (TypeError, OverflowError, ValueError):
        return float("inf")


# Python keywords read as symbol names where they stand as an operand: ``lambda`` is the damping
# symbol of every Levenberg-Marquardt result, and ``parse(str(expr))`` must give it back. True,
# False and None keep their meaning (True/False are Piecewise conditions).
_NAME_KEYWORDS = frozenset(keyword.kwlist) - {"True", "False", "None"}
_KEYWORD_RE = re.compile(r"\b(?:" + "|".join(sorted(_NAME_KEYWORDS)) + r")\b")
_SKIP = frozenset({tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT})
# an operand follows one of these (or nothing) ...
_BEFORE_OPERAND = frozenset({"(", "[", ",", "+", "-", "*", "/", "**", "//", "%", "@", "~",
                             "<", "<=", ">", ">=", "==", "!="})
# ... and is followed by one of these (or nothing): never by a name, number, '(' or ':', so
# ``lambda x: x``, ``x if c else y``, ``a and b``, ``not x`` keep their (refused) meaning
_AFTER_OPERAND = frozenset({")", "]", ",", "+", "-", "*", "/", "**", "//", "%", "@",
                            "<", "<=", ">", ">=", "==", "!="})


def _rename_keywords(source: str) -> tuple[str, dict[str, str]]:
    """Replace each keyword that stands as an operand by a placeholder name of the same length
    (so columns in messages stay right); returns the new source and placeholder -> keyword."""
    if not _KEYWORD_RE.search(source):
        return source, {}
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in _SKIP]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return source, {}  # ast.parse reports the problem
    names = {t.string for t in tokens if t.type == tokenize.NAME}
    ends = (tokenize.NEWLINE, tokenize.ENDMARKER)
    hits = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or tok.string not in _NAME_KEYWORDS:
            continue
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        before = prev is None or (prev.type == tokenize.OP and prev.string in _BEFORE_OPERAND)
        after = nxt is None or nxt.type in ends or (
            nxt.type == tokenize.OP and nxt.string in _AFTER_OPERAND)
        if before and after:
            hits.append(tok)
    if not hits:
        return source, {}
    placeholder: dict[str, str] = {}  # keyword -> placeholder
    for tok in hits:
        if tok.string not in placeholder:
            taken = names | set(placeholder.values())
            placeholder[tok.string] = next(
                c for c in ("".join(p) for p in itertools.product(string.ascii_uppercase,
                                                                  repeat=len(tok.string)))
                if c not in taken and c not in FUNCTIONS and c not in CONSTANTS)
    lines = source.splitlines(keepends=True)
    starts = list(itertools.accumulate((len(ln) for ln in lines), initial=0))
    out = list(source)
    for tok in hits:
        (row, col) = tok.start
        at = starts[row - 1] + col
        out[at:at + len(tok.string)] = placeholder[tok.string]
    return "".join(out), {v: k for k, v in placeholder.items()}


def _checked_source(text: Any, symbols: Any) -> str:
    """The guard every reader of user text runs first: ``text`` is a string of at most
    :data:`MAX_LENGTH` characters without NUL, ``symbols`` None or a mapping
    ``{name: Symbol}``. Returns ``text``; each caller words its own empty-input message.

    Raises
    ------
    ParseError
        If ``text`` is not a string, is too long or contains NUL.
    InputError
        If ``symbols`` is not such a mapping.
    """
    if not isinstance(text, str):
        raise ParseError(f"expected a string, got {type(text).__name__}")
    if symbols is not None and not (isinstance(symbols, Mapping) and all(
            isinstance(k, str) and isinstance(v, sp.Symbol) for k, v in symbols.items())):
        raise InputError(f"symbols must be a mapping {{name: Symbol}}, got "
                         f"{type(symbols).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"input longer than {MAX_LENGTH} characters")
    if "\x00" in text:
        raise ParseError("input contains a NUL character")
    return text


def parse(text: str, symbols: Mapping[str, sp.Symbol] | None = None) -> sp.Expr:
    """Parse user text into a SymPy expression without evaluating any code.

    Parameters
    ----------
    text : str
        An arithmetic expression: numbers, names, ``+ - * / ** ^``, unary minus, parentheses
        and calls of the functions in :data:`FUNCTIONS`. ``^`` is power.
    symbols : mapping, optional
        Names to map to given symbols (e.g. symbols with assumptions); other names become
        plain ``Symbol(name)``.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ParseError
        If the text is not allowed or malformed; the message points at the offending part.

    Examples
    --------
    >>> parse("x**4 - 2*x^2 + 1/2")
    x**4 - 2*x**2 + 1/2
    >>> parse("x - 2*x/(lambda + 4)")  # keywords standing as operands are names
    x - 2*x/(lambda + 4)
    >>> parse("__import__('os')")
    Traceback (most recent call last):
    ...
    symtaylor.errors.ParseError: unknown function '__import__' (known functions: ...) ...
    """
    stripped = _checked_source(text, symbols).strip()
    if not stripped:
        raise ParseError("empty expression")
    # '^' is power, as in mathematical writing; Python's XOR has no meaning here.
    source = stripped.replace("^", "**")
    renamed_source, renamed = _rename_keywords(source)
    try:
        with warnings.catch_warnings():
            # e.g. "invalid decimal literal" SyntaxWarnings: the text is refused or read anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(renamed_source, mode="eval")
    except SyntaxError as exc:
        column = exc.offset if exc.offset else None
        frag = source[column - 1 : column + 9] if column else None
        why = "" if exc.msg == "invalid syntax" else f" ({clip(exc.msg)})"
        raise ParseError(f"invalid syntax{why}", text, column, frag) from None
    except (RecursionError, MemoryError) as exc:
        # CPython's parser gives up near 3000 levels (a long run of unary minus, a chain of
        # ~3000 operators) and says nothing useful: MemoryError has no message at all
        raise ParseError(f"expression nested too deeply for Python's parser ({type(exc).__name__}"
                         f"): nest at most {MAX_DEPTH} levels and chain fewer than ~2900 operators",
                         text) from None
    except ValueError as exc:
        raise ParseError(f"could not read expression: {clip(str(exc)) or type(exc).__name__}",
                         text) from None
    builder = _Builder(source, symbols, renamed)
    try:
        result = builder.build(tree.body)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError(f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                         text) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise ParseError(f"could not build expression: {clip(str(exc))}", text) from None
    if not isinstance(result, sp.Expr):
        raise ParseError("the text is not an arithmetic expression", text)
    return result


# -- coercion facades ------------------------------------------------------------------------
# as_expr, as_exprs, as_point, as_variables and call_with_symbols live in symtaylor.coerce, the
# one conversion layer; they stay importable from here (lazily: coerce imports parse).

_COERCE_NAMES = frozenset(
    {"as_expr", "as_exprs", "as_point", "as_variables", "call_with_symbols", "_as_symbol", "_call"}
)


def __getattr__(name: str) -> Any:
    if name in _COERCE_NAMES:
        from . import coerce

        return getattr(coerce, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
