"""Translation tables of code generation, as plain data.

What a SymPy function becomes in NumPy (arrays) and in Python's ``math`` (one point, floats),
how n-ary nodes are written, the helper definitions a generated module includes when it uses
them, and the relations. The printers (:mod:`symtaylor.codegen.printer`) are parameterised by
these tables: a new function is one entry per table, a new backend one more set of tables.
"""

from __future__ import annotations

# SymPy function name -> NumPy source; ``{0}``, ``{1}`` are the printed arguments.
_NUMPY_FUNCTIONS: dict[str, str] = {
    "sin": "np.sin({0})",
    "cos": "np.cos({0})",
    "tan": "np.tan({0})",
    "sec": "1/np.cos({0})",
    "csc": "1/np.sin({0})",
    "cot": "1/np.tan({0})",
    "asin": "np.arcsin({0})",
    "acos": "np.arccos({0})",
    "atan": "np.arctan({0})",
    "atan2": "np.arctan2({0}, {1})",
    "sinh": "np.sinh({0})",
    "cosh": "np.cosh({0})",
    "tanh": "np.tanh({0})",
    "asinh": "np.arcsinh({0})",
    "acosh": "np.arccosh({0})",
    "atanh": "np.arctanh({0})",
    "exp": "np.exp({0})",
    "log": "np.log({0})",
    "Abs": "np.abs({0})",
    "sign": "np.sign({0})",
    "floor": "np.floor({0})",
    "ceiling": "np.ceil({0})",
    "erf": "_erf({0})",
    "erfc": "_erfc({0})",
    "gamma": "_gamma({0})",
    "factorial": "_gamma({0} + 1)",
    "Heaviside": "np.heaviside({0}, {1})",
}

# The same functions on one point: Python floats and the ``math`` module (every key of
# _NUMPY_FUNCTIONS is here too; tests check it).
_MATH_FUNCTIONS: dict[str, str] = {
    "sin": "math.sin({0})",
    "cos": "math.cos({0})",
    "tan": "math.tan({0})",
    "sec": "1/math.cos({0})",
    "csc": "1/math.sin({0})",
    "cot": "1/math.tan({0})",
    "asin": "math.asin({0})",
    "acos": "math.acos({0})",
    "atan": "math.atan({0})",
    "atan2": "math.atan2({0}, {1})",
    "sinh": "math.sinh({0})",
    "cosh": "math.cosh({0})",
    "tanh": "math.tanh({0})",
    "asinh": "math.asinh({0})",
    "acosh": "math.acosh({0})",
    "atanh": "math.atanh({0})",
    "exp": "math.exp({0})",
    "log": "math.log({0})",
    "Abs": "abs({0})",
    "sign": "_sign({0})",
    "floor": "math.floor({0})",
    "ceiling": "math.ceil({0})",
    "erf": "math.erf({0})",
    "erfc": "math.erfc({0})",
    "gamma": "math.gamma({0})",
    "factorial": "math.gamma({0} + 1)",
    "Heaviside": "_heaviside({0}, {1})",
}

# SymPy's n-ary nodes that NumPy has as binary functions, printed as a right fold
# ``np.minimum(a, np.minimum(b, c))``.
_NUMPY_FOLDS: dict[str, str] = {
    "Min": "np.minimum",
    "Max": "np.maximum",
    "And": "np.logical_and",
    "Or": "np.logical_or",
    "Xor": "np.logical_xor",
}

# On one point: Min and Max as helpers (NaN in, NaN out, as NumPy) ...
_MATH_CALLS: dict[str, str] = {"Min": "_min", "Max": "_max"}
# ... and the logical nodes as Python operators: (operator, how one operand is written).
_MATH_OPERATORS: dict[str, tuple[str, str]] = {
    "And": ("and", "({})"),
    "Or": ("or", "({})"),
    "Xor": ("^", "bool({})"),
}

# What an unsupported function's error lists as supported.
_SUPPORTED = tuple(sorted([*_NUMPY_FUNCTIONS, "Min", "Max", "Piecewise", "Mod"]))

# Helper definitions a generated module includes only when it uses them (NumPy has no erf).
_HELPERS: dict[str, str] = {
    "_real": (
        "_FLOAT = np.dtype(float)\n\n\n"
        "def _real(a, what):\n"
        '    """a as a float array; complex values are refused (the code computes with reals)."""\n'
        "    a = np.asarray(a)\n"
        "    if a.dtype.kind == 'c':\n"
        "        raise ValueError(f'{what} has complex values; the generated code computes with '\n"
        "                         'real numbers only')\n"
        "    return a.astype(float, copy=False)\n"
    ),
    "_sign": "def _sign(v):\n    return float((v > 0) - (v < 0)) if v == v else v  # keeps nan\n",
    "_max": (
        "def _max(*v):\n"
        "    return math.nan if any(t != t for t in v) else max(v)  # as np.maximum\n"
    ),
    "_min": (
        "def _min(*v):\n"
        "    return math.nan if any(t != t for t in v) else min(v)  # as np.minimum\n"
    ),
    "_heaviside": (
        "def _heaviside(v, h0):\n"
        "    return 1.0 if v > 0 else (0.0 if v < 0 else float(h0))\n"
    ),
    "_erf": "_erf = np.vectorize(math.erf, otypes=[float])  # NumPy has no erf\n",
    "_erfc": "_erfc = np.vectorize(math.erfc, otypes=[float])\n",
    "_gram": (
        "def _gram(rows, r):\n"
        '    """sum over the samples s of rows[i, s] * rows[j, s] * r[..., s], for every i, j."""\n'
        "    n, N = rows.shape\n"
        "    if r.ndim < 2 or n * n * N > 4_000_000:  # one point (or too many pairs to keep)\n"
        "        return (rows * r[..., None, :]) @ rows.T\n"
        "    # a batch: one matrix product with the products of pairs of rows\n"
        "    pairs = (rows[:, None, :] * rows[None, :, :]).reshape(n * n, N)\n"
        "    return (r.reshape(-1, N) @ pairs.T).reshape(r.shape[:-1] + (n, n))\n"
    ),
    "_gamma": (
        "def _gamma_point(v):\n"
        "    try:\n"
        "        return math.gamma(v)\n"
        "    except (ValueError, OverflowError):  # poles and overflow: IEEE values\n"
        "        return math.inf if v > 0 else math.nan\n\n\n"
        "_gamma = np.vectorize(_gamma_point, otypes=[float])\n"
    ),
}

_RELATIONS = {"StrictLessThan": "<", "LessThan": "<=", "StrictGreaterThan": ">",
              "GreaterThan": ">=", "Equality": "==", "Unequality": "!="}
