"""Translation tables of code generation, as plain data: what a SymPy node becomes in NumPy
and in Python's ``math``, the helpers a generated module may include, the relations.

A printer (:mod:`symtaylor.codegen.printer`) reads these tables; a new function is one entry
per table, a new backend is one more table.
"""

from __future__ import annotations

# SymPy function name -> (NumPy template, one-point template or None). ``{0}``, ``{1}`` are the
# printed arguments. ``None`` means: no Python-float version, the function runs through NumPy.
_FUNCTIONS: dict[str, tuple[str, str | None]] = {
    "sin": ("np.sin({0})", "math.sin({0})"),
    "cos": ("np.cos({0})", "math.cos({0})"),
    "tan": ("np.tan({0})", "math.tan({0})"),
    "sec": ("1/np.cos({0})", "1/math.cos({0})"),
    "csc": ("1/np.sin({0})", "1/math.sin({0})"),
    "cot": ("1/np.tan({0})", "1/math.tan({0})"),
    "asin": ("np.arcsin({0})", "math.asin({0})"),
    "acos": ("np.arccos({0})", "math.acos({0})"),
    "atan": ("np.arctan({0})", "math.atan({0})"),
    "atan2": ("np.arctan2({0}, {1})", "math.atan2({0}, {1})"),
    "sinh": ("np.sinh({0})", "math.sinh({0})"),
    "cosh": ("np.cosh({0})", "math.cosh({0})"),
    "tanh": ("np.tanh({0})", "math.tanh({0})"),
    "asinh": ("np.arcsinh({0})", "math.asinh({0})"),
    "acosh": ("np.arccosh({0})", "math.acosh({0})"),
    "atanh": ("np.arctanh({0})", "math.atanh({0})"),
    "exp": ("np.exp({0})", "math.exp({0})"),
    "log": ("np.log({0})", "math.log({0})"),
    "Abs": ("np.abs({0})", "abs({0})"),
    "sign": ("np.sign({0})", "_sign({0})"),
    "floor": ("np.floor({0})", "math.floor({0})"),
    "ceiling": ("np.ceil({0})", "math.ceil({0})"),
    "erf": ("_erf({0})", "math.erf({0})"),
    "erfc": ("_erfc({0})", "math.erfc({0})"),
    "gamma": ("_gamma({0})", "math.gamma({0})"),
    "factorial": ("_gamma({0} + 1)", "math.gamma({0} + 1)"),
    "Heaviside": ("np.heaviside({0}, {1})", "_heaviside({0}, {1})"),
}

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
