"""Printers: one SymPy expression as Python source, for NumPy arrays or for one point.

:class:`_Printer` prints what every target writes alike (numbers, sums, products, integer
powers, ``%``, relations, calls of the functions in its table) and asks its subclass for the few
forms that differ: non-integer powers, the n-ary ``Min``/``Max``/``And``/``Or``/``Xor``,
``Not``, ``ITE`` and ``Piecewise``. A subclass is a module name, a function table
(:mod:`symtaylor.codegen.tables`) and those forms, the way SymPy's code printers are
parameterised by their module tables:

* :class:`_ArrayPrinter`: NumPy arrays (``np.sin``, ``np.select``, ``np.minimum`` folded);
* :class:`_PointPrinter`: Python floats on one point (``math.sin``, conditional expressions),
  ~10x cheaper per operation than NumPy scalars.

A name in ``names`` (a variable, a parameter, a generated definition) prints as that name, or,
when it is in ``inline``, as its definition (a temporary used once).

Examples
--------
>>> import sympy as sp
>>> x, y = sp.symbols("x y", real=True)
>>> names = {x: "x", y: "y"}
>>> e = sp.Piecewise((sp.sqrt(x), x > 0), (sp.Max(x, y, 0), True))
>>> _ArrayPrinter(names)(e)
'np.select([x > 0], [np.sqrt(x)], np.maximum(0, np.maximum(x, y)))'
>>> _PointPrinter(names)(e)
'(math.sqrt(x) if x > 0 else _max(0, x, y))'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.logic.boolalg import BooleanFunction

from ..errors import CodegenError, UnsupportedFunctionError
from .tables import (
    _HELPER_NEEDS,
    _HELPERS,
    _MATH_CALLS,
    _MATH_FUNCTIONS,
    _MATH_OPERATORS,
    _NUMPY_FOLDS,
    _NUMPY_FUNCTIONS,
    _RELATIONS,
    _SUPPORTED,
)

# Precedences of printed Python (higher binds tighter). ``%`` binds as ``*`` in Python but
# is not associative with it (``2*x % y`` is ``(2*x) % y``, ``-x % y`` is ``(-x) % y``): a
# printed ``a % b`` gets the rank _MOD, below a product's factors and a negation's operand
# (so it is parenthesised there) and above a sum's terms.
_ATOM, _POW, _UNARY, _MUL, _MOD, _ADD, _CMP = 100, 60, 50, 40, 35, 30, 20

Printed = tuple[str, int]  # source text and its precedence


def _float_literal(value: float) -> str:
    if math.isnan(value):
        return "math.nan"
    if math.isinf(value):
        return "math.inf" if value > 0 else "-math.inf"
    return repr(float(value))


def _is_call(template: str) -> bool:
    """Whether ``template`` is one call ``name(...)`` (an atom), not e.g. ``1/np.cos({0})``."""
    start = template.find("(")
    if start <= 0 or not template.endswith(")"):
        return False
    if not all(c.isalnum() or c in "._" for c in template[:start]):
        return False
    depth = 0
    for i, c in enumerate(template[start:], start):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0:
            return i == len(template) - 1
    return False


def _fold(func: str, printed: Sequence[str]) -> str:
    """``func(a, func(b, c))``: an n-ary node written with a binary function."""
    out = printed[-1]
    for s in reversed(printed[:-1]):
        out = f"{func}({s}, {out})"
    return out


def _negative(t: sp.Expr) -> bool:
    """Whether the term ``t`` of a sum is printed negated (``-3*x``, ``-2``)."""
    return bool((t.is_Number or t.is_Mul) and t.as_coeff_Mul()[0] < 0)


class _Printer:
    """Print one SymPy expression as Python source (the forms every target shares).

    Subclasses set :attr:`module` (where ``sqrt`` and friends live), :attr:`functions` (SymPy
    function name -> source template) and implement :meth:`power`, :meth:`nary`,
    :meth:`negation`, :meth:`conditional` and :meth:`select`. :attr:`helpers` collects the
    helper definitions (:data:`~symtaylor.codegen.tables._HELPERS`) the printed code calls;
    :attr:`piecewise` says whether a ``Piecewise`` was printed.
    """

    module: ClassVar[str]
    functions: ClassVar[Mapping[str, str]]

    def __init__(self, names: Mapping[sp.Basic, str]) -> None:
        self.names = names
        self.inline: dict[sp.Basic, sp.Expr | str] = {}  # single-use temporaries, printed in place
        self.helpers: set[str] = set()
        self.piecewise = False

    def __call__(self, expr: sp.Basic) -> str:
        return self.p(expr)[0]

    def paren(self, expr: sp.Basic, prec: int) -> str:
        s, q = self.p(expr)
        return s if q > prec else f"({s})"

    def p(self, e: sp.Basic) -> Printed:
        name = self.names.get(e)
        if name is not None:
            inlined = self.inline.get(e)
            if inlined is None:
                return name, _ATOM
            return (inlined, _ATOM) if isinstance(inlined, str) else self.p(inlined)
        if e.is_Number:
            return self.number(e)
        method = getattr(self, "_" + type(e).__name__, None)
        if method is not None:
            return method(e)
        if isinstance(e, sp.NumberSymbol):
            return _float_literal(float(e)), _ATOM
        if isinstance(e, sp.Symbol):
            raise CodegenError(f"symbol {e} is neither a variable nor a parameter; pass it in "
                               "variables= or params=")
        if isinstance(e, sp.Function) or (isinstance(e, BooleanFunction)
                                          and type(e).__name__ in self.functions):
            return self.function(e)  # (isnan, isinf: boolean functions of a number)
        if isinstance(e, sp.Rel):
            return self.relation(e)
        raise UnsupportedFunctionError(
            f"cannot compile {type(e).__name__} ({e}) to NumPy; evaluate or rewrite it first"
        )

    # -- what every target writes alike ------------------------------------------------------

    def number(self, e: sp.Expr) -> Printed:
        if e.is_Integer and abs(int(e)) < 2**53:
            s = str(int(e))
        elif e is sp.S.Infinity or e is sp.S.NegativeInfinity:
            s = "math.inf" if e.is_positive else "-math.inf"
        elif e is sp.S.NaN:
            s = "math.nan"
        elif e is sp.S.ComplexInfinity or not e.is_real:
            raise CodegenError(f"the constant {e} is not a real number")
        else:
            s = _float_literal(float(e))
        return s, (_UNARY if s.startswith("-") else _ATOM)

    def _Pi(self, e: sp.Expr) -> Printed:
        return "math.pi", _ATOM

    def _Exp1(self, e: sp.Expr) -> Printed:
        return "math.e", _ATOM

    def _BooleanTrue(self, e: sp.Basic) -> Printed:
        return "True", _ATOM

    def _BooleanFalse(self, e: sp.Basic) -> Printed:
        return "False", _ATOM

    def _Add(self, e: sp.Expr) -> Printed:
        # numbers last, as people write them; a term that is not negated first (2 - 400*t,
        # not -400*t + 2: on arrays the unary minus is one more pass)
        terms = sorted(e.args, key=lambda t: bool(t.is_Number))
        if _negative(terms[0]):
            k = next((i for i, t in enumerate(terms) if not _negative(t)), 0)
            terms.insert(0, terms.pop(k))
        out = ""
        for t in terms:
            # a term written "-..." is subtracted only when it is a negated term: the "-" of
            # "-x % 2" belongs to x alone, (-x) % 2
            negated = bool(out) and (t.is_Number or t.is_Mul) and t.as_coeff_Mul()[0] < 0
            s, q = self.p(-t if negated else t)
            if q <= _ADD:
                s = f"({s})"
            out = s if not out else out + (" - " if negated else " + ") + s
        return out, _ADD

    def _Mul(self, e: sp.Expr) -> Printed:
        coeff, factors = e.as_coeff_mul()
        num: list[str] = []
        den: list[sp.Expr] = []
        # an integer kept as a factor (codegen.module._factor_contents: a placeholder named by
        # its digits) leads, with the sign: -400*t is (-400)*t, one product
        lit = [f for f in factors if self.names.get(f, "").isdigit()]
        if lit:
            factors = (*lit, *(f for f in factors if f not in lit))
            if coeff == -1 and not self.inline.get(lit[0]):
                coeff = sp.S.One
                num.append("-" + self.names[lit[0]])
                factors = factors[1:]
        for f in factors:
            if f.is_Pow and f.exp.is_number and f.exp.is_extended_negative:
                den.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp))
            else:
                num.append(self.paren(f, _MUL - 1) if not f.is_Pow else self.paren(f, _MUL))
        sign = ""
        if coeff.is_negative:
            sign, coeff = "-", -coeff
        if coeff != 1 or not num:
            num.insert(0, self.number(coeff)[0])
        s = "*".join(num)
        if den:
            if len(den) == 1:
                d = self.paren(den[0], _MUL)
            else:
                d = "(" + "*".join(self.paren(f, _MUL - 1) for f in den) + ")"
            s = f"{s}/{d}"
        if sign:  # "-3*y" is a product to the operator after it: x % (-3*y)
            return "-" + s, (_UNARY if len(num) == 1 and not den else _MUL)
        return s, _MUL

    def _Pow(self, e: sp.Expr) -> Printed:
        b, x = e.base, e.exp
        if x == sp.S.Half:
            return self.call("sqrt", b)
        if x == -sp.S.Half:
            return f"1/{self.call('sqrt', b)[0]}", _MUL
        if x.is_Number and x.is_negative:
            inv = b if x == -1 else sp.Pow(b, -x, evaluate=False)
            return f"1/{self.paren(inv, _MUL)}", _MUL
        if x.is_Integer:
            return f"{self.paren(b, _POW)}**{int(x)}", _POW
        return self.power(b, x)

    def _Mod(self, e: sp.Expr) -> Printed:
        return f"{self.paren(e.args[0], _MUL)} % {self.paren(e.args[1], _MUL)}", _MOD

    def relation(self, e: sp.Rel) -> Printed:
        op = _RELATIONS.get(type(e).__name__)
        if op is None:  # pragma: no cover - every SymPy relational is in the table
            raise CodegenError(f"cannot compile the relation {e}")
        return f"{self.paren(e.lhs, _CMP)} {op} {self.paren(e.rhs, _CMP)}", _CMP

    def call(self, fname: str, arg: sp.Expr) -> Printed:
        return f"{self.module}.{fname}({self.p(arg)[0]})", _ATOM

    def function(self, e: sp.Function) -> Printed:
        fname = type(e).__name__
        args = list(e.args)
        if fname == "DiracDelta":  # almost-everywhere derivative: see symtaylor.codegen
            return "0.0", _ATOM
        if fname == "Heaviside":
            args = [args[0], args[1] if len(args) > 1 else sp.S.Half]
        if fname in ("re", "im", "conjugate"):  # only reached for non-variable arguments
            raise UnsupportedFunctionError(f"{fname}({args[0]}): complex values are not compiled")
        if fname == "beta" and len(args) == 1:  # beta(x) is beta(x, x)
            args = [args[0], args[0]]
        template = self.functions.get(fname)
        if template is None or isinstance(e, AppliedUndef):  # Function('sin') is not sin
            raise UnsupportedFunctionError(
                f"the function {fname} (in {e}) has no NumPy counterpart in symtaylor.codegen; "
                f"supported: {', '.join(_SUPPORTED)}"
            )
        self._note(template)
        out = template.format(*(self.p(a)[0] for a in args))
        return (out, _ATOM) if _is_call(template) else (f"({out})", _ATOM)

    def _note(self, template: str) -> None:
        for h in (*_HELPERS, *_HELPER_NEEDS):
            if h + "(" in template:
                self.helpers.update(n for n in (h, *_HELPER_NEEDS.get(h, ())) if n in _HELPERS)

    # -- the forms a target writes its own way -------------------------------------------------

    def _Min(self, e: sp.Expr) -> Printed:
        return self.nary("Min", [self.p(a)[0] for a in e.args]), _ATOM

    def _Max(self, e: sp.Expr) -> Printed:
        return self.nary("Max", [self.p(a)[0] for a in e.args]), _ATOM

    def _And(self, e: sp.Basic) -> Printed:
        return self.nary("And", [self.p(a)[0] for a in e.args]), _ATOM

    def _Or(self, e: sp.Basic) -> Printed:
        return self.nary("Or", [self.p(a)[0] for a in e.args]), _ATOM

    def _Xor(self, e: sp.Basic) -> Printed:
        return self.nary("Xor", [self.p(a)[0] for a in e.args]), _ATOM

    def _Not(self, e: sp.Basic) -> Printed:
        return self.negation(self.p(e.args[0])[0]), _ATOM

    def _ITE(self, e: sp.Basic) -> Printed:
        # if-then-else of conditions: SymPy writes a Piecewise inside a condition this way
        c, a, b = (self.p(t)[0] for t in e.args)
        return self.conditional(c, a, b), _ATOM

    def _Piecewise(self, e: sp.Piecewise) -> Printed:
        pairs = [(a.expr, a.cond) for a in e.args]
        if pairs[-1][1] == sp.true:
            default = self.p(pairs[-1][0])[0]
            pairs = pairs[:-1]
        else:
            default = "math.nan"
        if not pairs:
            return default, _ATOM
        self.piecewise = True
        return self.select([(self.p(v)[0], self.p(c)[0]) for v, c in pairs], default), _ATOM

    def power(self, base: sp.Expr, exp: sp.Expr) -> Printed:
        """``base ** exp`` for an exponent that is not an integer (nor +-1/2)."""
        raise NotImplementedError

    def nary(self, op: str, printed: list[str]) -> str:
        """``Min``, ``Max``, ``And``, ``Or`` or ``Xor`` (``op``) of the printed arguments."""
        raise NotImplementedError

    def negation(self, s: str) -> str:
        """Logical not of the printed condition ``s``."""
        raise NotImplementedError

    def conditional(self, cond: str, a: str, b: str) -> str:
        """``a`` where ``cond`` holds, else ``b``."""
        raise NotImplementedError

    def select(self, pairs: list[tuple[str, str]], default: str) -> str:
        """The first value whose condition holds (``pairs`` of printed value and condition),
        else ``default``."""
        raise NotImplementedError


class _ArrayPrinter(_Printer):
    """NumPy arrays: ufuncs, ``np.select`` for ``Piecewise``, binary functions folded."""

    module = "np"
    functions = _NUMPY_FUNCTIONS
    folds: ClassVar[Mapping[str, str]] = _NUMPY_FOLDS

    def power(self, base: sp.Expr, exp: sp.Expr) -> Printed:
        return f"{self.paren(base, _POW)}**{self.paren(exp, _POW)}", _POW

    def nary(self, op: str, printed: list[str]) -> str:
        return _fold(self.folds[op], printed)

    def negation(self, s: str) -> str:
        return f"{self.module}.logical_not({s})"

    def conditional(self, cond: str, a: str, b: str) -> str:
        return f"{self.module}.where({cond}, {a}, {b})"

    def select(self, pairs: list[tuple[str, str]], default: str) -> str:
        conds = ", ".join(c for _, c in pairs)
        vals = ", ".join(v for v, _ in pairs)
        return f"{self.module}.select([{conds}], [{vals}], {default})"


class _PointPrinter(_Printer):
    """Python floats at one point: the ``math`` module, conditional expressions, and helpers
    where Python differs from NumPy (``Min``/``Max`` of a NaN, ``sign``)."""

    module = "math"
    functions = _MATH_FUNCTIONS
    calls: ClassVar[Mapping[str, str]] = _MATH_CALLS
    operators: ClassVar[Mapping[str, tuple[str, str]]] = _MATH_OPERATORS

    def power(self, base: sp.Expr, exp: sp.Expr) -> Printed:
        # not **: Python's ** returns a complex number for a negative base
        return f"{self.module}.pow({self.p(base)[0]}, {self.p(exp)[0]})", _ATOM

    def nary(self, op: str, printed: list[str]) -> str:
        helper = self.calls.get(op)
        if helper is not None:
            self.helpers.add(helper)
            return f"{helper}({', '.join(printed)})"
        word, operand = self.operators[op]
        return "(" + f" {word} ".join(operand.format(s) for s in printed) + ")"

    def negation(self, s: str) -> str:
        return f"(not ({s}))"

    def conditional(self, cond: str, a: str, b: str) -> str:
        return f"(({a}) if ({cond}) else ({b}))"

    def select(self, pairs: list[tuple[str, str]], default: str) -> str:
        out = default
        for val, cond in reversed(pairs):
            out = f"({val} if {cond} else {out})"
        return out
