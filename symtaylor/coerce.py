"""The one conversion layer: every user input becomes a SymPy or NumPy object here.

Public functions of symtaylor take text, numbers, NumPy arrays, SymPy objects, nested lists and
mappings. They hand each parameter to one of the ``as_*`` functions below once, and work on the
result; nothing else in the package converts user objects. The rules:

* Text is read by :func:`symtaylor.parse` (an allow-list over Python's :mod:`ast`), never by
  ``eval``, ``exec``, ``sympify``, ``parse_expr`` or ``sympy.Matrix(text)``: those run code.
  Containers (lists, tuples, arrays, mappings) are taken apart here and every entry is coerced on
  its own, so ``sympy.Matrix`` only ever sees SymPy expressions.
* Exact in, exact out: ints, Fractions and NumPy integers become Integers and Rationals;
  floats stay Floats unless the caller asked for exactness (``exact=True``: a float or a
  decimal in text is then read as the exact number it shows at 15 significant digits,
  ``0.1`` is ``1/10``).
* Every refusal is an :class:`~symtaylor.errors.InputError` (a ``ValueError``) that names the
  parameter (``what``) and says what is wrong; a hostile input is echoed in at most ~80
  characters.

Examples
--------
>>> from symtaylor.coerce import as_matrix, as_number, as_region
>>> as_number("1/3"), as_number(0.25), as_number("0.1", exact=True)
(1/3, 0.250000000000000, 1/10)
>>> as_matrix([["a", 1], [1, "2*a"]])
Matrix([
[a,   1],
[1, 2*a]])
>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> as_region({"x": (-1, 1), y: ("0", "pi/4")}, (x, y))
((-1.0, 1.0), (0.0, 0.7853981633974483))
"""

from __future__ import annotations

import decimal
import fractions
import math
import numbers
import operator
import reprlib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import sympy as sp

from .errors import InputError, ParseError
from .parsing import CONSTANTS, FUNCTIONS, parse

__all__ = [
    "DataLike",
    "ExprLike",
    "MatrixLike",
    "NumberLike",
    "OrderLike",
    "PointLike",
    "RegionLike",
    "VariablesLike",
    "VectorLike",
    "as_data",
    "as_expr",
    "as_exprs",
    "as_flag",
    "as_matrix",
    "as_number",
    "as_order",
    "as_point",
    "as_positive_int",
    "as_real_array",
    "as_region",
    "as_variables",
    "as_vector",
    "call_with_symbols",
    "exact_decimals",
]

# -- type aliases (used in the public signatures) ----------------------------------------------

#: A real number: int, float, Fraction, NumPy scalar, a SymPy number (``sqrt(2)``) or text.
NumberLike: TypeAlias = int | float | fractions.Fraction | np.number | sp.Expr | str
#: An expression: SymPy, text (parsed safely), a number, or a callable of the variables' symbols.
ExprLike: TypeAlias = (sp.Expr | str | int | float | fractions.Fraction | np.number
                       | Callable[..., Any])
#: Variables: ``"x, y"``, a Symbol, or a sequence of Symbols and names (``None``: free symbols).
VariablesLike: TypeAlias = str | sp.Symbol | Iterable[str | sp.Symbol] | None
#: A point: a scalar (every coordinate), a sequence, ``{variable or name: value}``, ``"1, 2"``.
PointLike: TypeAlias = (NumberLike | Sequence[NumberLike] | Mapping[str | sp.Symbol, NumberLike]
                        | np.ndarray | sp.MatrixBase)
#: A matrix: a SymPy matrix, a 1-D/2-D array, rows of entries, or text ``"a, b; c, d"``.
MatrixLike: TypeAlias = (sp.MatrixBase | np.ndarray | str | Sequence[Sequence[ExprLike]]
                         | Sequence[ExprLike])
#: A vector: a sequence of entries, a 1-D array, a row or column matrix, or text ``"a, b"``.
VectorLike: TypeAlias = sp.MatrixBase | np.ndarray | str | Sequence[ExprLike]
#: A box: ``{variable or name: (lo, hi)}``, a sequence of ``(lo, hi)``, or one ``(lo, hi)``.
RegionLike: TypeAlias = (Mapping[str | sp.Symbol, Sequence[NumberLike]]
                         | Sequence[Sequence[NumberLike]] | Sequence[NumberLike] | np.ndarray)
#: Data columns: ``{symbol or name: 1-D array of real numbers}``, all of one length.
DataLike: TypeAlias = Mapping[str | sp.Symbol, Sequence[float] | np.ndarray]
#: An order or count: an int, a NumPy or SymPy integer, or an integral float (``3.0``).
OrderLike: TypeAlias = int | np.integer | sp.Integer | float

_MAX_BITS = 400_000  # exact numbers made from floats: ~100,000 digits at most
ECHO = 80  # characters of a refused input shown in a message

_REPR = reprlib.Repr()
_REPR.maxstring = ECHO
_REPR.maxother = ECHO
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6
_REPR.maxlevel = 3


def _show(value: Any) -> str:
    """``repr(value)`` cut to about :data:`ECHO` characters (never fails, never slow)."""
    try:
        text = _REPR.repr(value)
    except Exception:  # a hostile __repr__, an int too long to print...
        text = f"<{type(value).__name__}>"
    return _cut(text)


def _cut(text: str) -> str:
    """``text`` cut to about :data:`ECHO` characters."""
    return text if len(text) <= ECHO else text[: ECHO - 3] + "..."


def _fail(what: str | None, problem: str) -> InputError:
    return InputError(f"{what}: {problem}" if what else problem)


def _parse(text: str, what: str | None, symbols: Mapping[str, sp.Symbol] | None = None
           ) -> sp.Expr:
    """:func:`parse`, with the parameter's name in front of a refusal."""
    try:
        return parse(text, symbols)
    except ParseError as exc:
        if not what:
            raise
        raise ParseError(f"{what}: {exc.reason}", exc.text, exc.column, exc.fragment) from None


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside parentheses and brackets (``"Max(x, 0), 1"`` has two parts)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _is_text(value: Any) -> bool:
    return isinstance(value, str | bytes)


# -- options -----------------------------------------------------------------------------------


def as_flag(value: Any, what: str = "flag") -> bool:
    """Coerce a yes/no option: ``True``/``False`` (a NumPy boolean, or the ints 0 and 1).

    Examples
    --------
    >>> as_flag(True), as_flag(0)
    (True, False)
    >>> as_flag("yes", "refine")
    Traceback (most recent call last):
    ...
    symtaylor.errors.InputError: refine must be True or False, got 'yes'
    """
    if value is True or value is False:
        return value
    if isinstance(value, np.bool_) or (type(value) is int and value in (0, 1)):
        return bool(value)
    raise InputError(f"{what} must be True or False, got {_show(value)}")


def _opt_int(value: Any, what: str) -> int | None:
    """An optional integer option of a coercion (``minimum``, ``length``...): None or an int."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise InputError(f"{what} must be an integer or None, got {_show(value)}")
    return int(value)


def _symbol_map(symbols: Any) -> Mapping[str, sp.Symbol] | None:
    """``symbols=`` of :func:`as_expr`: None or a mapping from names to Symbols."""
    if symbols is None:
        return None
    if not isinstance(symbols, Mapping) or not all(
            isinstance(k, str) and isinstance(v, sp.Symbol) for k, v in symbols.items()):
        raise InputError(f"symbols must be a mapping {{name: Symbol}}, got {_show(symbols)}")
    return symbols


# -- exactness ---------------------------------------------------------------------------------


def _float_rational(value: float | sp.Float) -> sp.Rational:
    """The exact Rational a float stands for, read at 15 significant digits: ``0.1`` is
    ``1/10``, ``0.333333333333333`` is ``1/3``, and float round-off (``0.30000000000000004``,
    a decimal typed with 17 digits) is dropped. This is ``nsimplify(rational=True)`` on the
    Float (never on text, which nsimplify would sympify)."""
    f = sp.Float(value, 15)
    if f and abs(f._mpf_[2] + f._mpf_[3]) > _MAX_BITS:  # 2**exponent: 1e1000000000 would hang
        raise InputError(f"the number {_show(value)} is too large or too small to make exact")
    r = sp.nsimplify(f, rational=True) if f.is_Float else f  # a Float, never text
    return r if isinstance(r, sp.Rational) else sp.Rational(str(f))


def exact_decimals(expr: sp.Expr) -> sp.Expr:
    """Every Float in ``expr`` replaced by the exact Rational it stands for (read at 15
    significant digits): ``0.1`` is ``1/10``.

    Examples
    --------
    >>> import sympy as sp
    >>> exact_decimals(sp.Float(0.1) * sp.Symbol("x") + sp.Float(2.5))
    x/10 + 5/2
    """
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Float):
        return expr
    return expr.xreplace({f: _float_rational(f) for f in expr.atoms(sp.Float)})


# -- variables ---------------------------------------------------------------------------------


def as_variables(variables: VariablesLike, expr: sp.Basic | None = None,
                 *, what: str | None = None) -> tuple[sp.Symbol, ...]:
    """Coerce variables given as Symbols, names, or a comma/space separated string.

    ``None`` means: the free symbols of ``expr``, sorted by name. Names are read as the parser
    reads them (Unicode NFKC: a full-width ``ｘ`` is ``x``); a symbol of ``expr`` with that
    name is reused (it may carry assumptions).

    Examples
    --------
    >>> as_variables("x, y")
    (x, y)
    >>> as_variables(["theta1", "theta2"])
    (theta1, theta2)
    """
    if expr is not None and not isinstance(expr, sp.Basic):
        raise _fail(what, f"expr must be a SymPy expression or None, got {_show(expr)}")
    if variables is None:
        if expr is None:
            raise _fail(what, "no variables given")
        return tuple(sorted(expr.free_symbols, key=lambda s: s.name))  # type: ignore[attr-defined]
    if isinstance(variables, sp.Symbol):
        return (variables,)
    if isinstance(variables, str):
        names = [n for n in variables.replace(",", " ").split() if n]
        if not names:
            raise _fail(what, "empty variable list")
        out = tuple(_as_symbol(n, expr, what) for n in names)
    elif isinstance(variables, sp.MatrixBase | Iterable) and not isinstance(variables,
                                                                            bytes | Mapping):
        out = tuple(_as_symbol(v, expr, what) for v in variables)
        if not out:
            raise _fail(what, "empty variable list")
    else:
        raise _fail(what, f"variables must be Symbols or names, got {type(variables).__name__}")
    if len(set(out)) != len(out):
        raise _fail(what, f"repeated variable in {_show(list(out))}")
    return out


def _var_tuple(variables: Any) -> tuple[sp.Symbol, ...]:
    """Variables already coerced (a sequence of Symbols, possibly empty), or coerced here."""
    if isinstance(variables, tuple | list) and all(isinstance(v, sp.Symbol) for v in variables):
        return tuple(variables)
    return as_variables(variables, what="variables")


def _as_symbol(v: Any, expr: sp.Basic | None = None, what: str | None = None) -> sp.Symbol:
    if isinstance(v, sp.Symbol):
        return v
    if isinstance(v, str):
        name = unicodedata.normalize("NFKC", v.strip())  # as Python (and so parse) reads it
        if not name.isidentifier() or name.startswith("_"):
            raise _fail(what, f"invalid variable name {_show(v)}")
        if name in CONSTANTS or name in FUNCTIONS:
            raise _fail(what, f"{name!r} is a reserved name, not a variable")
        # Reuse a symbol of the expression with that name (it may carry assumptions).
        if expr is not None:
            for s in expr.free_symbols:
                if getattr(s, "name", None) == name:
                    return s  # type: ignore[return-value]
        return sp.Symbol(name)
    raise _fail(what, f"a variable must be a Symbol or a name, got {_show(v)}")


# -- expressions -------------------------------------------------------------------------------


def as_expr(
    f: ExprLike,
    variables: VariablesLike = None,
    symbols: Mapping[str, sp.Symbol] | None = None,
    *,
    exact: bool = False,
    what: str | None = None,
) -> sp.Expr:
    """Coerce a SymPy expression, a string, a number or a Python callable to a SymPy expression.

    A callable is called with the variables' symbols as positional arguments. With
    ``exact=True`` every float (given, or a decimal in the text) becomes the exact decimal it
    shows.

    Examples
    --------
    >>> as_expr("x^2 + 1")
    x**2 + 1
    >>> import sympy as sp
    >>> as_expr(lambda x, y: sp.exp(x) * y, "x y")
    y*exp(x)
    >>> as_expr("0.5*x", exact=True)
    x/2
    """
    e = _as_expr(f, variables, _symbol_map(symbols), what)
    return exact_decimals(e) if as_flag(exact, "exact") else e


def _as_expr(f: Any, variables: Any, symbols: Mapping[str, sp.Symbol] | None,
             what: str | None) -> sp.Expr:
    if isinstance(f, str):
        if symbols is None and variables is not None:
            symbols = {s.name: s for s in as_variables(variables, what=what)}
        return _parse(f, what, symbols)
    if isinstance(f, sp.Expr):
        if f.has(sp.zoo, sp.nan):
            raise _fail(what, f"expression {_show(f)} is undefined (contains zoo or nan)")
        return f
    if isinstance(f, bool | np.bool_):
        raise _fail(what, "a boolean is not an expression")
    if isinstance(f, np.ndarray) and f.ndim == 0:
        f = f[()]  # a 0-d NumPy array: its scalar
    if isinstance(f, numbers.Integral):  # int, numpy.int64, ...
        return sp.Integer(int(f))
    if isinstance(f, fractions.Fraction):
        return sp.Rational(f.numerator, f.denominator)
    if isinstance(f, numbers.Real):  # float, numpy.float64, ...
        value = float(f)
        if math.isnan(value):
            raise _fail(what, "expected a number, got nan")
        return sp.Float(value)  # +-inf become +-oo (callers refuse them where they must)
    if isinstance(f, decimal.Decimal):
        if not f.is_finite():
            raise _fail(what, f"expected a finite number, got {_show(f)}")
        return sp.Float(str(f))
    if isinstance(f, sp.Basic):
        raise _fail(what, f"expected an expression, got {type(f).__name__}: {_show(f)}")
    if callable(f):
        return as_expr(_call(f, variables), what=what)
    hint = getattr(type(f), "_not_an_expression", "")  # a Step says what to do with it
    raise _fail(what, f"cannot turn {type(f).__name__} into an expression: {_show(f)}"
                + (f"; {hint}" if isinstance(hint, str) and hint else ""))


def _call(f: Any, variables: Any) -> Any:
    """Call a user's function with the variables' symbols; its failure becomes an InputError."""
    if variables is None:
        raise InputError("a callable needs its variables: pass variables=...")
    return call_with_symbols(f, as_variables(variables))


def call_with_symbols(f: Any, symbols: Sequence[sp.Symbol]) -> Any:
    """``f(*symbols)``; the failure of a user's own code becomes an :class:`InputError`.

    Examples
    --------
    >>> import math
    >>> x = sp.Symbol("x")
    >>> call_with_symbols(lambda t: sp.exp(t) + 1, [x])
    exp(x) + 1
    >>> call_with_symbols(lambda t: math.exp(t), [x])
    Traceback (most recent call last):
    ...
    symtaylor.errors.InputError: calling <lambda> with symbols x failed: TypeError: ...
    """
    try:
        return f(*symbols)
    except Exception as exc:  # the user's own code failed on symbols
        raise InputError(
            f"calling {_cut(str(getattr(f, '__name__', 'the function')))} with symbols "
            f"{_cut(', '.join(map(str, symbols)))} failed: {type(exc).__name__}: "
            f"{_cut(str(exc))}. Use sympy functions (sympy.exp, not math.exp or numpy.exp)."
        ) from None


def as_exprs(fs: Any, variables: VariablesLike = None, *, what: str | None = None
             ) -> list[sp.Expr]:
    """Coerce a sequence (or Matrix) of expressions, each as :func:`as_expr` does.

    Examples
    --------
    >>> as_exprs(["x - 1", "10*(y - x^2)"])
    [x - 1, -10*x**2 + 10*y]
    >>> as_exprs(lambda x, y: [x - 1, 10*(y - x**2)], "x, y")
    [x - 1, -10*x**2 + 10*y]
    """
    if isinstance(fs, str | sp.Expr):
        return [as_expr(fs, variables, what=what)]
    if callable(fs) and not isinstance(fs, Sequence | sp.MatrixBase):
        value = _call(fs, variables)
        if isinstance(value, str):
            raise _fail(what, "a callable must return expressions, not text")
        if isinstance(value, sp.MatrixBase | list | tuple):
            return as_exprs(value, what=what)
        return [as_expr(value, what=what)]
    if isinstance(fs, sp.MatrixBase):
        return [as_expr(v, what=what) for v in fs]
    if isinstance(fs, Iterable) and not isinstance(fs, bytes | Mapping):
        out = [as_expr(v, variables, what=what) for v in fs]
        if not out:
            raise _fail(what, "empty list of expressions")
        return out
    raise _fail(what, f"expected expressions, got {type(fs).__name__}: {_show(fs)}")


# -- numbers -----------------------------------------------------------------------------------


def as_number(
    value: NumberLike,
    what: str = "value",
    *,
    exact: bool = False,
    finite: bool = True,
    symbolic: bool = False,
) -> sp.Expr:
    """Coerce a real number: int, Fraction, float, NumPy scalar, SymPy number or text.

    Parameters
    ----------
    value : int, float, Fraction, numpy scalar, sympy.Expr or str
        Text is parsed safely (``"1/3"``, ``"pi/4"``, ``"sqrt(2)"``). Booleans are refused.
    what : str
        The parameter's name, used in messages.
    exact : bool
        Floats (given, or decimals in text) become the decimal they show (``0.1`` is
        ``1/10``); otherwise they stay Floats.
    finite : bool
        Refuse ``inf`` / ``oo`` (``nan`` is always refused).
    symbolic : bool
        Also accept an expression in symbols (a symbolic parameter such as ``alpha``); its
        numeric values are still checked.

    Returns
    -------
    sympy.Expr
        A real SymPy number (an Integer, Rational, Float or exact constant like ``sqrt(2)``).

    Raises
    ------
    InputError
        Not a number (text that is not one, a symbol, a list), complex, nan, or inf.

    Examples
    --------
    >>> as_number(3), as_number("2/6"), as_number("sqrt(2)")
    (3, 1/3, sqrt(2))
    >>> as_number(0.1), as_number(0.1, exact=True), as_number("0.1", exact=True)
    (0.100000000000000, 1/10, 1/10)
    >>> as_number("x", "L")
    Traceback (most recent call last):
    ...
    symtaylor.errors.InputError: L must be a number, got 'x'
    """
    exact, finite = as_flag(exact, "exact"), as_flag(finite, "finite")
    symbolic = as_flag(symbolic, "symbolic")
    if isinstance(value, bool | np.bool_) or value is None:
        raise InputError(f"{what} must be a number, got {_show(value)}")
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise InputError(f"{what} must be a number, got an array of shape {value.shape}")
        value = value[()]
    if isinstance(value, str):
        e = _parse(value, what)
    elif isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            raise InputError(f"{what} must be a number, got {type(value).__name__} "
                             f"{_show(value)}")
        e = value
    elif isinstance(value, numbers.Integral):
        e = sp.Integer(int(value))
    elif isinstance(value, fractions.Fraction):
        e = sp.Rational(value.numerator, value.denominator)
    elif isinstance(value, numbers.Rational):  # other exact rationals (gmpy2.mpq, ...)
        e = sp.Rational(int(value.numerator), int(value.denominator))
    elif isinstance(value, numbers.Real | decimal.Decimal):
        try:
            v = float(value)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"{what} must be a number, got {_show(value)}") from None
        if math.isnan(v):
            raise InputError(f"{what} must be a number, got nan")
        if math.isinf(v):
            e = sp.oo if v > 0 else -sp.oo
        elif isinstance(value, decimal.Decimal):
            e = sp.Rational(str(value)) if exact else sp.Float(str(value))
        else:
            e = _float_rational(v) if exact else sp.Float(v)
    elif isinstance(value, numbers.Complex):
        raise InputError(f"{what} must be a real number, got the complex {_show(value)}")
    else:
        raise InputError(f"{what} must be a number, got {type(value).__name__} {_show(value)}")
    return _checked_number(e, value, what, exact, finite, symbolic)


def _checked_number(e: sp.Expr, given: Any, what: str, exact: bool, finite: bool,
                    symbolic: bool) -> sp.Expr:
    if e.has(sp.nan, sp.zoo):
        raise InputError(f"{what} is undefined (nan or a division by zero): {_show(given)}")
    if exact:
        e = exact_decimals(e)
    if e.free_symbols:
        if symbolic:
            return e
        raise InputError(f"{what} must be a number, got {_show(given)}")
    if not e.is_number:
        raise InputError(f"{what} must be a number, got {_show(given)}")
    if e.is_infinite or e.has(sp.oo, -sp.oo):
        if finite:
            raise InputError(f"{what} must be finite, got {_show(given)}")
        return e
    real = e.is_extended_real
    if real is None:  # e.g. asin(2): decide numerically
        try:
            real = abs(complex(sp.N(e, 20)).imag) == 0
        except (TypeError, ValueError, ArithmeticError):
            real = False
    if not real:
        raise InputError(f"{what} must be a real number, got {_show(given)}")
    return e


def as_order(value: OrderLike, what: str = "order", *, minimum: int = 0,
             maximum: int | None = None) -> int:
    """Coerce an order or count: an int, a NumPy/SymPy integer or an integral float (``3.0``).

    Booleans, text, fractions and non-integral floats are refused, as are values below
    ``minimum`` or above ``maximum``.

    Examples
    --------
    >>> as_order(3), as_order(2.0), as_order(sp.Integer(4))
    (3, 2, 4)
    >>> as_order(-1, "max_iter")
    Traceback (most recent call last):
    ...
    symtaylor.errors.InputError: max_iter must be a non-negative integer, got -1
    """
    minimum = _opt_int(minimum, "minimum") or 0
    maximum = _opt_int(maximum, "maximum")
    wanted = "a non-negative integer" if minimum == 0 else f"an integer of at least {minimum}"
    if isinstance(value, bool | np.bool_):
        raise InputError(f"{what} must be {wanted}, got {value!r}")
    try:
        n = operator.index(value)  # int, numpy integers, sympy Integer
    except TypeError:
        if isinstance(value, float | np.floating | sp.Float) and math.isfinite(float(value)) \
                and float(value).is_integer():
            n = int(value)
        else:
            raise InputError(f"{what} must be {wanted}, got {_show(value)}") from None
    if n < minimum:
        raise InputError(f"{what} must be {wanted}, got {n}")
    if maximum is not None and n > maximum:
        raise InputError(f"{what} must be at most {maximum}, got {n}")
    return n


def as_positive_int(value: OrderLike, what: str = "value", *, maximum: int | None = None
                    ) -> int:
    """Coerce a positive count (an iteration or evaluation budget): :func:`as_order` >= 1.

    Examples
    --------
    >>> as_positive_int(200, "max_nfev")
    200
    >>> as_positive_int(0, "max_nfev")
    Traceback (most recent call last):
    ...
    symtaylor.errors.InputError: max_nfev must be an integer of at least 1, got 0
    """
    return as_order(value, what, minimum=1, maximum=maximum)


# -- points, vectors, matrices -----------------------------------------------------------------


def as_point(at: PointLike, variables: Sequence[sp.Symbol], exact: bool = False,
             *, what: str = "point") -> tuple[sp.Expr, ...]:
    """Coerce an expansion point: a number, a sequence, a ``{symbol or name: value}`` mapping,
    or a comma-separated string (each entry parsed safely).

    A scalar is broadcast to every variable. Floats stay Floats unless ``exact=True``, which
    reads them (and decimals in text) as the decimals they show.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> as_point("0, pi/3", (x, y))
    (0, pi/3)
    >>> as_point({"y": 1, x: 2}, (x, y))
    (2, 1)
    >>> as_point(0.5, (x,), exact=True)
    (1/2,)
    """
    exact = as_flag(exact, "exact")
    variables = _var_tuple(variables)
    n = len(variables)
    if isinstance(at, str):
        values: list[Any] = [_parse(p, what) for p in _split_top(at)]
    elif isinstance(at, Mapping):
        lookup: dict[str, Any] = {}
        for key, val in at.items():
            sym = _as_symbol(key, what=what)
            if sym.name in lookup:
                raise InputError(f"{what} gives {sym.name} twice")
            lookup[sym.name] = val
        missing = [v.name for v in variables if v.name not in lookup]
        if missing:
            raise InputError(f"{what} has no value for {', '.join(missing)}")
        extra = set(lookup) - {v.name for v in variables}
        if extra:
            raise InputError(f"{what} names unknown variables {_show(sorted(extra))}")
        values = [lookup[v.name] for v in variables]
    elif isinstance(at, sp.MatrixBase):
        values = list(at)
    elif isinstance(at, np.ndarray):  # a NumPy array: its entries (a 0-d array is a scalar)
        values = list(at.ravel()) if at.ndim else [at[()]] * n
    elif isinstance(at, Iterable) and not isinstance(at, sp.Basic | bytes):
        values = list(at)
    else:
        values = [at] * n
    if len(values) != n:
        raise InputError(f"{what} has {len(values)} coordinates, expected {n} "
                         f"({_show(tuple(variables))})")
    return tuple(as_expr(v, exact=exact, what=what) for v in values)


def _rows(value: Any, what: str) -> list[list[Any]]:
    """The rows of a matrix-like value (entries not yet coerced)."""
    if isinstance(value, str):
        rows = [_split_top(r) for r in _split_top(value, ";")]
        if any(not e.strip() for r in rows for e in r):
            raise InputError(f"{what} has an empty entry: {_show(value)}")
        return rows  # type: ignore[return-value]
    if isinstance(value, sp.MatrixBase):
        return value.tolist()
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return [[v] for v in value]
        if value.ndim == 2:
            return [list(r) for r in value]
        raise InputError(f"{what} must be 1-D or 2-D, got an array of shape {value.shape}")
    if isinstance(value, list | tuple):
        if not value:
            raise InputError(f"{what} is empty")
        nested = [isinstance(r, list | tuple | np.ndarray | sp.MatrixBase) for r in value]
        if all(nested):
            rows = []
            for r in value:
                if isinstance(r, sp.MatrixBase | np.ndarray):
                    if len(r.shape) > 2 or (len(r.shape) == 2 and min(r.shape) > 1):
                        raise InputError(f"{what}: a row must be flat, got {_show(r)}")
                    r = list(r) if isinstance(r, sp.MatrixBase) else list(r.ravel())
                rows.append(list(r))
            return rows
        if not any(nested):
            return [[v] for v in value]  # a flat list is a column, as in sympy.Matrix
        raise InputError(f"{what} mixes rows and entries: {_show(value)}")
    raise InputError(f"{what} must be a matrix (a SymPy Matrix, an array, a list of rows or "
                     f"text 'a, b; c, d'), got {type(value).__name__} {_show(value)}")


def as_matrix(
    value: MatrixLike,
    what: str = "matrix",
    *,
    variables: VariablesLike = None,
    square: bool = False,
    shape: tuple[int, int] | None = None,
    exact: bool = False,
) -> sp.Matrix:
    """Coerce a matrix: a SymPy matrix, a NumPy array, rows of entries, or text.

    Every entry goes through :func:`as_expr` (text parsed safely); the matrix is then built
    from those SymPy expressions. A flat list or a 1-D array is a column; text is
    ``"a, b; c, d"`` (rows separated by ``;``).

    Parameters
    ----------
    value : sympy.Matrix, numpy.ndarray, list of rows, list of entries or str
    what : str
        The parameter's name, used in messages.
    variables : optional
        Names in text entries that match these variables become their Symbols.
    square : bool
        Refuse a non-square matrix.
    shape : (rows, cols), optional
        Refuse any other shape.
    exact : bool
        Floats become the exact decimals they show.

    Returns
    -------
    sympy.Matrix
        A new (mutable) matrix.

    Examples
    --------
    >>> as_matrix([[1, 2], [3, 4]])
    Matrix([
    [1, 2],
    [3, 4]])
    >>> as_matrix("2, -1; -1, 2", square=True).det()
    3
    >>> as_matrix([[1, 2], [3]])
    Traceback (most recent call last):
    ...
    symtaylor.errors.InputError: matrix is not rectangular: rows have lengths [2, 1]
    """
    square, exact = as_flag(square, "square"), as_flag(exact, "exact")
    if shape is not None:
        if not (isinstance(shape, tuple | list) and len(shape) == 2):
            raise InputError(f"shape must be (rows, cols), got {_show(shape)}")
        shape = (as_order(shape[0], "shape"), as_order(shape[1], "shape"))
    rows = _rows(value, what)
    widths = [len(r) for r in rows]
    if not rows or not widths[0]:
        raise InputError(f"{what} is empty")
    if len(set(widths)) != 1:
        raise InputError(f"{what} is not rectangular: rows have lengths {_show(widths)}")
    symbols = None
    if variables is not None:
        symbols = {s.name: s for s in as_variables(variables, what=what)}
    entries = []
    for r in rows:
        for v in r:
            if isinstance(v, list | tuple | dict | set | np.ndarray | sp.MatrixBase):
                raise InputError(f"{what}: an entry must be one expression, got {_show(v)}")
            if callable(v) and not isinstance(v, sp.Basic):
                raise InputError(f"{what}: an entry must be an expression, got a callable")
            e = _as_expr(v, None, symbols, what)
            entries.append(exact_decimals(e) if exact else e)
    m = sp.Matrix(len(rows), widths[0], entries)  # entries are SymPy expressions already
    if square and not m.is_square:
        raise InputError(f"{what} must be square, got {m.rows}x{m.cols}")
    if shape is not None and m.shape != tuple(shape):
        raise InputError(f"{what} must be {shape[0]}x{shape[1]}, got {m.rows}x{m.cols}")
    return m


def as_vector(
    value: VectorLike,
    what: str = "vector",
    *,
    variables: VariablesLike = None,
    length: int | None = None,
    exact: bool = False,
) -> sp.Matrix:
    """Coerce a vector to an ``n x 1`` column: a sequence of entries, a 1-D array, a row or
    column matrix, or text ``"a, b"``; every entry through :func:`as_expr`.

    Examples
    --------
    >>> as_vector([1, "1/2"]).T
    Matrix([[1, 1/2]])
    >>> as_vector("x, Max(x, 0)").shape
    (2, 1)
    """
    length = _opt_int(length, "length")
    if isinstance(value, str) and ";" not in value:
        m = as_matrix([[e] for e in _split_top(value)] if value.strip() else value, what,
                      variables=variables, exact=exact)
    elif isinstance(value, sp.Basic | numbers.Number) and not isinstance(value, sp.MatrixBase):
        raise InputError(f"{what} must be a vector (a list of entries), got {_show(value)}")
    else:
        m = as_matrix(value, what, variables=variables, exact=exact)
    if m.cols != 1:
        if m.rows != 1:
            raise InputError(f"{what} must be a vector, got a {m.rows}x{m.cols} matrix")
        m = m.T
    if length is not None and m.rows != length:
        raise InputError(f"{what} must have {length} entries, got {m.rows}")
    return m


# -- regions -----------------------------------------------------------------------------------


def _is_pair(value: Any) -> bool:
    """A (lo, hi) pair: a list, tuple, array or SymPy Tuple of two entries, not text."""
    if isinstance(value, np.ndarray):
        return value.shape == (2,)
    return isinstance(value, list | tuple | sp.Tuple) and len(value) == 2


def _pair(value: Any) -> Any:
    """``(lo, hi)`` of a pair, or of a closed SymPy Interval."""
    if isinstance(value, sp.Interval) and not value.is_empty:
        return (value.start, value.end)
    return value


def _end(value: Any, what: str) -> float:
    """One end of a range as a float (text parsed safely, never sympified)."""
    try:
        if type(value) is float or type(value) is int:
            v = float(value)
        else:
            v = float(as_number(value, what, finite=True))
    except (TypeError, OverflowError):
        raise InputError(f"{what} is not a finite float: {_show(value)}") from None
    if not math.isfinite(v):
        raise InputError(f"{what} must be finite, got {_show(value)}")
    return v


def as_region(
    region: RegionLike,
    variables: Sequence[sp.Symbol],
    what: str = "region",
    *,
    allow_extra: bool = False,
) -> tuple[tuple[float, float], ...]:
    """Coerce a box to one ``(lo, hi)`` float pair per variable, in ``variables`` order.

    Parameters
    ----------
    region : mapping, sequence of pairs, one pair, or array
        ``{variable or name: (lo, hi)}``; or ``[(lo, hi), ...]`` in variables order; for one
        variable also ``(lo, hi)``; or an array of shape ``(n, 2)`` (or ``(2,)``). The ends
        are numbers or text (``"pi/4"``, parsed safely).
    variables : sequence of Symbol
    what : str
        The parameter's name, used in messages.
    allow_extra : bool
        Ignore ranges of names that are not variables (otherwise refused).

    Raises
    ------
    InputError
        A missing or unknown variable, an end that is not a finite real number, ``lo > hi``.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> as_region((0, "1/2"), [x])
    ((0.0, 0.5),)
    >>> as_region({"x": (1, 0)}, [x])
    Traceback (most recent call last):
    ...
    symtaylor.errors.InputError: region range for x must have lo <= hi, got (1, 0)
    """
    allow_extra = as_flag(allow_extra, "allow_extra")
    vs = _var_tuple(variables)
    if isinstance(region, np.ndarray):
        region = region.tolist()
    if isinstance(region, Mapping):
        by: dict[str, Any] = {}
        for k, v in region.items():
            if isinstance(k, sp.Symbol):
                name = k.name
            elif isinstance(k, str):
                name = unicodedata.normalize("NFKC", k.strip())
            else:
                raise InputError(f"{what}: keys must be variables or names, got {_show(k)}")
            if name in by:
                raise InputError(f"{what} gives two ranges for {name}")
            by[name] = v
        missing = [v.name for v in vs if v.name not in by]
        if missing:
            raise InputError(f"{what} has no range for {', '.join(missing)}")
        extra = set(by) - {v.name for v in vs}
        if extra and not allow_extra:
            raise InputError(f"{what} names unknown variables {_show(sorted(extra))}")
        pairs = [by[v.name] for v in vs]
    elif len(vs) == 1 and isinstance(region, sp.Interval):
        pairs = [region]
    elif isinstance(region, list | tuple) and len(vs) == 1 and len(region) == 2 \
            and not _is_pair(_pair(region[0])):
        pairs = [region]
    elif isinstance(region, list | tuple) and len(region) == len(vs):
        pairs = list(region)
    else:
        raise InputError(
            f"{what} must be {{variable: (lo, hi)}}, a sequence of {len(vs)} (lo, hi) pairs "
            f"or, for one variable, (lo, hi); got {_show(region)}"
        )
    out = []
    for v, pr in zip(vs, pairs):
        pr = _pair(pr)
        if not _is_pair(pr):
            raise InputError(f"{what} range for {v} must be two numbers (lo, hi), "
                             f"got {_show(pr)}")
        lo, hi = (_end(p, f"{what} range for {v}") for p in pr)
        if lo > hi:
            raise InputError(f"{what} range for {v} must have lo <= hi, got {_show(pr)}")
        out.append((lo, hi))
    return tuple(out)


# -- numeric arrays and data -------------------------------------------------------------------


def as_real_array(value: Any, what: str = "array", *, ndim: int | None = 1,
                  allow_empty: bool = False, finite: bool = True) -> np.ndarray:
    """Coerce real numbers to a finite float64 NumPy array.

    Lists, tuples and arrays of ints, floats, NumPy or SymPy numbers (and NumPy boolean arrays,
    as 0 and 1) are accepted; complex values (their imaginary part would be dropped), text,
    nan and inf are refused (unless ``finite=False``), and so is an empty array unless
    ``allow_empty``. ``ndim``: the number of dimensions required (``None``: any).

    Examples
    --------
    >>> as_real_array([1, 2.5]).tolist()
    [1.0, 2.5]
    >>> as_real_array([1 + 2j], "data[y]")
    Traceback (most recent call last):
    ...
    symtaylor.errors.InputError: data[y] must be real numbers, got complex values
    """
    ndim = _opt_int(ndim, "ndim")
    allow_empty, finite = as_flag(allow_empty, "allow_empty"), as_flag(finite, "finite")
    if type(value) is np.ndarray and value.dtype == np.float64:
        arr = value
    else:
        if _is_text(value) or isinstance(value, Mapping | set):
            raise InputError(f"{what} must be numbers, got {_show(value)}")
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):  # ragged lists
            raise InputError(f"{what} must be a rectangular array of numbers, "
                             f"got {_show(value)}") from None
        kind = arr.dtype.kind
        if kind == "c":
            raise InputError(f"{what} must be real numbers, got complex values")
        if kind in "biuf":
            arr = arr.astype(np.float64, copy=False)
        elif kind == "O":  # SymPy numbers, huge ints, ...: each entry checked
            flat = []
            for v in arr.ravel():
                if _is_text(v):
                    raise InputError(f"{what} must be numbers, not text: {_show(v)}")
                try:
                    flat.append(float(v) if type(v) in (float, int) else
                                float(as_number(v, what, finite=finite)))
                except (TypeError, OverflowError):
                    raise InputError(f"{what}: {_show(v)} is not a finite float") from None
            arr = np.array(flat, dtype=np.float64).reshape(arr.shape)
        else:
            raise InputError(f"{what} must be numbers, got {arr.dtype} values: {_show(value)}")
    if ndim is not None and arr.ndim != ndim:
        raise InputError(f"{what} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise InputError(f"{what} is empty")
    if finite and not np.isfinite(arr).all():
        raise InputError(f"{what} contains nan or inf (values must be finite)")
    return arr


def as_data(data: DataLike, what: str = "data") -> dict[sp.Symbol, np.ndarray]:
    """Coerce data columns: ``{symbol or name: 1-D real array}``, all of one non-zero length.

    Returns a dict from Symbols to float64 arrays, in the given order.

    Examples
    --------
    >>> d = as_data({"x": [0, 1, 2], "y": (1.0, 2.0, 2.5)})
    >>> list(d), d[sp.Symbol("y")].tolist()
    ([x, y], [1.0, 2.0, 2.5])
    >>> as_data({"x": [0, 1], "y": [1.0]})
    Traceback (most recent call last):
    ...
    symtaylor.errors.InputError: data columns have different lengths [1, 2]
    """
    if not isinstance(data, Mapping) or not data:
        raise InputError(f"{what} must be a non-empty mapping {{symbol or name: array}}, "
                         f"got {_show(data)}")
    out: dict[sp.Symbol, np.ndarray] = {}
    for k, v in data.items():
        s = _as_symbol(k, what=what)
        if s in out or any(o.name == s.name for o in out):
            raise InputError(f"{what} gives the column {s.name} twice")
        out[s] = as_real_array(v, f"{what}[{_cut(s.name)}]", ndim=1)
    lengths = {a.size for a in out.values()}
    if len(lengths) != 1:
        raise InputError(f"{what} columns have different lengths {sorted(lengths)}")
    return out
