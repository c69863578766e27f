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
    # sympy.codegen.cfunctions and numpy_nodes (what lambdify evaluates), special functions
    "expm1": "np.expm1({0})",
    "log1p": "np.log1p({0})",
    "exp2": "np.exp2({0})",
    "log2": "np.log2({0})",
    "log10": "np.log10({0})",
    "Sqrt": "np.sqrt({0})",
    "Cbrt": "np.cbrt({0})",
    "hypot": "np.hypot({0}, {1})",
    "fma": "({0})*({1}) + ({2})",
    "logaddexp": "np.logaddexp({0}, {1})",
    "logaddexp2": "np.logaddexp2({0}, {1})",
    "isnan": "np.isnan({0})",
    "isinf": "np.isinf({0})",
    "arg": "np.arctan2(0.0, {0})",  # of a real number: 0 or pi (np.angle)
    "sinc": "_sinc({0})",  # SymPy's sinc is sin(x)/x (NumPy's is normalised by pi)
    "beta": "_beta({0}, {1})",
    "RisingFactorial": "_rf({0}, {1})",
    "FallingFactorial": "_ff({0}, {1})",
    "loggamma": "_loggamma({0})",
    # the stable forms of symtaylor.codegen.stable
    "Sigmoid": "_sigmoid({0})",
    "SigmoidOfMinus": "_sigmoidm({0})",  # sigmoid(-v)
    "SigmoidDerivative": "_dsigmoid({0})",
    "OrthoPoly": "_ortho({0}, {1}, {2})",
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
    "expm1": "math.expm1({0})",
    "log1p": "math.log1p({0})",
    "exp2": "math.pow(2.0, {0})",
    "log2": "math.log2({0})",
    "log10": "math.log10({0})",
    "Sqrt": "math.sqrt({0})",
    "Cbrt": "_cbrt1({0})",
    "hypot": "math.hypot({0}, {1})",
    "fma": "({0})*({1}) + ({2})",
    "logaddexp": "_logaddexp1({0}, {1})",
    "logaddexp2": "_logaddexp21({0}, {1})",
    "isnan": "math.isnan({0})",
    "isinf": "math.isinf({0})",
    "arg": "math.atan2(0.0, {0})",
    "sinc": "_sinc1({0})",
    "beta": "_beta1({0}, {1})",
    "RisingFactorial": "_rf1({0}, {1})",
    "FallingFactorial": "_ff1({0}, {1})",
    "loggamma": "_loggamma1({0})",
    "Sigmoid": "_sigmoid1({0})",
    "SigmoidOfMinus": "_sigmoidm1({0})",
    "SigmoidDerivative": "_dsigmoid1({0})",
    "OrthoPoly": "_ortho({0}, {1}, {2})",
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

# The special functions on one point (Python floats): Gamma ratios first, their logarithms when
# the Gammas overflow; poles give nan. The NumPy forms vectorise them.
_GAMMA_RATIOS = (
    "def _gamma_sign(v):\n"
    "    return 1.0 if v > 0 or math.floor(-v) % 2 == 1 else -1.0\n\n\n"
    "def _gamma_ratio(num, den):\n"
    '    """prod Gamma(num) / prod Gamma(den), finite where the Gammas themselves overflow."""\n'
    "    try:\n"
    "        g = 1.0\n"
    "        for v in num:\n"
    "            g *= math.gamma(v)\n"
    "        for v in den:\n"
    "            g /= math.gamma(v)\n"
    "        if math.isfinite(g) and g != 0:\n"
    "            return g\n"
    "    except (ValueError, OverflowError, ZeroDivisionError):\n"
    "        pass\n"
    "    try:\n"
    "        s = sum(math.lgamma(v) for v in num) - sum(math.lgamma(v) for v in den)\n"
    "        sign = math.prod(_gamma_sign(v) for v in (*num, *den))\n"
    "        return sign * math.exp(s)\n"
    "    except (ValueError, OverflowError):\n"
    "        return math.nan\n\n\n"
    "def _beta1(a, b):\n"
    "    return _gamma_ratio((a, b), (a + b,))\n\n\n"
    "def _rf1(v, k):\n"
    '    """Gamma(v + k) / Gamma(v); a product for a small integer k (also at poles)."""\n'
    "    if k == int(k) and 0 <= k <= 1000:\n"
    "        p = 1.0\n"
    "        for i in range(int(k)):\n"
    "            p *= v + i\n"
    "        return p\n"
    "    return _gamma_ratio((v + k,), (v,))\n\n\n"
    "def _ff1(v, k):\n"
    "    return _rf1(v - k + 1, k)\n"
)


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
    "_gamma_ratio": _GAMMA_RATIOS,
    "_beta": "_beta = np.vectorize(_beta1, otypes=[float])\n",
    "_rf": "_rf = np.vectorize(_rf1, otypes=[float])\n",
    "_ff": "_ff = np.vectorize(_ff1, otypes=[float])\n",
    "_loggamma1": (
        "def _loggamma1(v):\n"
        "    return math.lgamma(v) if v > 0 else math.nan  # complex for v < 0\n"
    ),
    "_loggamma": (
        "def _loggamma_point(v):\n"
        "    return math.lgamma(v) if v > 0 else math.nan  # complex for v < 0\n\n\n"
        "_loggamma = np.vectorize(_loggamma_point, otypes=[float])\n"
    ),
    "_sinc": (
        "def _sinc(v):\n"
        "    zero = v == 0\n"
        "    return np.where(zero, 1.0, np.sin(v) / np.where(zero, 1.0, v))\n"
    ),
    "_sinc1": "def _sinc1(v):\n    return math.sin(v) / v if v != 0 else 1.0\n",
    "_cbrt1": "def _cbrt1(v):\n    return float(np.cbrt(v))\n",
    "_logaddexp1": (
        "def _logaddexp1(a, b):\n"
        "    m = max(a, b)\n"
        "    if a != a or b != b or math.isinf(m):\n"
        "        return a + b if a != a or b != b else m\n"
        "    return m + math.log1p(math.exp(-abs(a - b)))\n"
    ),
    "_logaddexp21": (
        "def _logaddexp21(a, b):\n"
        "    m = max(a, b)\n"
        "    if a != a or b != b or math.isinf(m):\n"
        "        return a + b if a != a or b != b else m\n"
        "    return m + math.log1p(2.0 ** -abs(a - b)) / math.log(2.0)\n"
    ),
    "_sigmoid": (
        "def _sigmoid(v):\n"
        '    """1/(1 + exp(-v)), relatively accurate for every v: exp(-v) is capped where it\n'
        '    would overflow (the value there is below 1.2e-308 either way)."""\n'
        "    return 1 / (1 + np.exp(np.minimum(-v, 709.0)))\n"
    ),
    "_sigmoidm": (
        "def _sigmoidm(v):\n"
        '    """1/(1 + exp(v)), the sigmoid of -v (exp capped as in _sigmoid)."""\n'
        "    return 1 / (1 + np.exp(np.minimum(v, 709.0)))\n"
    ),
    "_dsigmoid": (
        "def _dsigmoid(v):\n"
        '    """sigmoid(v) * sigmoid(-v) with one exponential (of a non-positive number)."""\n'
        "    e = np.exp(-np.abs(v))\n"
        "    return e / (1 + e)**2\n"
    ),
    "_dsigmoid1": (
        "def _dsigmoid1(v):\n"
        "    e = math.exp(-abs(v))\n"
        "    return e / (1 + e)**2\n"
    ),
    "_sigmoidm1": (
        "def _sigmoidm1(v):\n"
        "    if v <= 0:\n"
        "        return 1 / (1 + math.exp(v))\n"
        "    e = math.exp(-v)\n"
        "    return e / (1 + e)\n"
    ),
    "_sigmoid1": (
        "def _sigmoid1(v):\n"
        "    if v >= 0:\n"
        "        return 1 / (1 + math.exp(-v))\n"
        "    e = math.exp(v)\n"
        "    return e / (1 + e)\n"
    ),
    "_ortho": (
        "def _ortho(kind, n, v):\n"
        '    """The orthogonal polynomial of degree n of the family kind (0 Chebyshev T, 1 U,\n'
        "    2 Legendre, 3 Hermite, 4 probabilists' Hermite, 5 Laguerre) at v by its three-term\n"
        '    recurrence (stable; the expanded power form is not)."""\n'
        "    p0 = v * 0.0 + 1.0\n"
        "    if n == 0:\n"
        "        return p0\n"
        "    p1 = 2 * v if kind in (1, 3) else (1 - v if kind == 5 else v + 0.0)\n"
        "    for k in range(1, n):\n"
        "        if kind <= 1:\n"
        "            p0, p1 = p1, 2 * v * p1 - p0\n"
        "        elif kind == 2:\n"
        "            p0, p1 = p1, ((2 * k + 1) * v * p1 - k * p0) / (k + 1)\n"
        "        elif kind == 3:\n"
        "            p0, p1 = p1, 2 * v * p1 - 2 * k * p0\n"
        "        elif kind == 4:\n"
        "            p0, p1 = p1, v * p1 - k * p0\n"
        "        else:\n"
        "            p0, p1 = p1, ((2 * k + 1 - v) * p1 - k * p0) / (k + 1)\n"
        "    return p1\n"
    ),
    "_erfc": "_erfc = np.vectorize(math.erfc, otypes=[float])\n",
    "_blocks": (
        "_BLOCKS_FROM = 2048  # samples: shorter data is summed in one piece\n\n\n"
        "def _blocks(rows, n):\n"
        '    """The block length for summing over n samples of rows data arrays piecewise, 0 for\n'
        '    one piece: blocks of ~4 MB keep every per-sample array of a block in the cache."""\n'
        "    size = max(1024, 524288 // rows)\n"
        "    return size if n >= 2 * size else 0\n"
    ),
    "_long": (
        "def _long(cols):\n"
        '    """The block length (_blocks) for 1-D float arrays cols of one length, else 0."""\n'
        "    n = -1\n"
        "    for c in cols:\n"
        "        if type(c) is not np.ndarray or c.dtype is not _FLOAT or c.ndim != 1 \\\n"
        "                or n not in (-1, c.shape[0]):\n"
        "            return 0\n"
        "        n = c.shape[0]\n"
        "    return _blocks(len(cols), n)\n"
    ),
    "_blocked": (
        "def _blocked(fn, args, data, size, mean):\n"
        '    """fn(*args, D) over the samples in blocks of size, summed (mean: weighted by the\n'
        '    block lengths); data is the stacked rows D, or the data arrays (stacked block by\n'
        '    block: the whole stack is never made)."""\n'
        "    stacked = type(data) is np.ndarray\n"
        "    n = data.shape[1] if stacked else data[0].shape[0]\n"
        "    total = None\n"
        "    for a in range(0, n, size):\n"
        "        b = a + size\n"
        "        block = data[:, a:b] if stacked else np.array([c[a:b] for c in data])\n"
        "        part = fn(*args, block)\n"
        "        part = part if type(part) is tuple else (part,)\n"
        "        if mean:\n"
        "            part = [p * (block.shape[1] / n) for p in part]\n"
        "        total = list(part) if total is None else [t + p for t, p in zip(total, part)]\n"
        "    return tuple(total) if len(total) > 1 else total[0]\n"
    ),
    "_gram": (
        "def _gram(rows, r):\n"
        '    """sum over the samples s of rows[i, s] * rows[j, s] * r[..., s], for every i, j."""\n'
        "    n, N = rows.shape\n"
        "    if r.ndim < 2 and N > 4096 and r.min() >= 0:  # one point, r >= 0: BLAS syrk\n"
        "        s = rows * np.sqrt(r)\n"
        "        return s @ s.T\n"
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

# Helpers that need others (defined first), and names a template calls that another helper
# defines (``_beta1`` is in ``_gamma_ratio``).
_HELPER_NEEDS: dict[str, tuple[str, ...]] = {
    "_long": ("_blocks",),
    "_beta": ("_gamma_ratio",),
    "_rf": ("_gamma_ratio",),
    "_ff": ("_gamma_ratio",),
    "_beta1": ("_gamma_ratio",),
    "_rf1": ("_gamma_ratio",),
    "_ff1": ("_gamma_ratio",),
}

_RELATIONS = {"StrictLessThan": "<", "LessThan": "<=", "StrictGreaterThan": ">",
              "GreaterThan": ">=", "Equality": "==", "Unequality": "!="}
