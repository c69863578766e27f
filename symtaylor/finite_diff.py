r"""Finite differences, derived exactly and measured: stencils, truncation vs round-off, h*.

A finite-difference stencil approximates the ``d``-th derivative by

.. math:: D_h f(x) = \frac{1}{h^d} \sum_i w_i f(x + o_i h).

The weights come out of Fornberg's algorithm in exact rational arithmetic. Taylor-expanding
every ``f(x + o_i h)`` gives the truncation error exactly,

.. math:: D_h f(x) - f^{(d)}(x) = \sum_{k > d} \frac{\sum_i w_i o_i^k}{k!} h^{k-d} f^{(k)}(x),

whose first non-zero term is ``C h^p f^{(d+p)}(x)`` (``p`` is the order of accuracy). In
floating point each ``f(x + o_i h)`` carries a relative error of about ``eps``, which the
division by ``h^d`` magnifies: round-off ``~ eps * sum|w_i| * |f(x)| / h^d``. Minimising
``A h^p + B / h^d`` gives the optimal step ``h* = (d B / (p A))^(1/(p+d))`` in closed form.

:func:`fd_error` measures the picture: it evaluates the stencil in float64 for a scan of steps,
compares with the exact derivative (SymPy + mpmath at 50+ digits), and separates the
truncation part (the same stencil evaluated in mpmath at high precision) from the round-off
part (the rest). :func:`check_gradient` and :func:`check_hessian` use the analysis to check
hand-written or compiled derivative code at a point, with an error estimate.

Examples
--------
>>> from symtaylor.finite_diff import stencil, fd_error
>>> s = stencil(derivative=2, scheme="central", accuracy=2)
>>> s.offsets, s.weights
((-1, 0, 1), (1, -2, 1))
>>> s.truncation_term()
h**2*Derivative(f(x), (x, 4))/12
>>> r = fd_error("exp(x)", "x", at=1, derivative=2, steps=[1e-1, 1e-4, 1e-7])
>>> r.truncation_term
E*h**2/12
>>> [row.dominated_by for row in r.rows]
['truncation', 'round-off', 'round-off']
>>> round(r.optimal_step, 6)
0.000321
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from .coerce import (
    ExprLike,
    NumberLike,
    OrderLike,
    PointLike,
    VariablesLike,
    _show,
    as_expr,
    as_flag,
    as_number,
    as_order,
    as_point,
    as_positive_int,
    as_real_array,
    as_variables,
)
from .errors import (
    InputError,
    NotAnalyticError,
    OptionalDependencyError,
    UnsupportedFunctionError,
)
from .latex import Row, align, display

__all__ = [
    "CheckStatus",
    "DerivativeCheck",
    "FDErrorReport",
    "FDRow",
    "Stencil",
    "check_gradient",
    "check_hessian",
    "fd_check_gradient",
    "fd_check_hessian",
    "fd_error",
    "fornberg_weights",
    "stencil",
]

#: Machine epsilon of IEEE double precision, 2**-52, exact.
EPS = sp.Rational(1, 2**52)
#: The step symbol of every truncation term.
h = sp.Symbol("h")  # plain, so that sp.Symbol("h") in user code is the same symbol
_f = sp.Function("f")
_x = sp.Symbol("x")
_MIN_DPS = 50


# -- stencils ----------------------------------------------------------------------------------


def fornberg_weights(offsets: Sequence[NumberLike], derivative: OrderLike
                     ) -> tuple[sp.Rational, ...]:
    """Exact weights of the ``derivative``-th derivative on the nodes ``x + o*h`` (Fornberg 1988).

    Parameters
    ----------
    offsets : sequence of rationals
        Distinct node offsets in units of ``h`` (ints, Fractions, SymPy Rationals or
        strings such as ``"1/2"``).
    derivative : int
        Order ``d`` of the derivative, ``0 <= d < len(offsets)``.

    Returns
    -------
    tuple of sympy.Rational
        ``w`` with ``f^(d)(x) ~ sum(w_i f(x + o_i h)) / h**d``.

    References
    ----------
    B. Fornberg, "Generation of finite difference formulas on arbitrarily spaced grids",
    Math. Comp. 51 (1988) 699-706 (Table 1 lists the central weights).

    Examples
    --------
    >>> fornberg_weights([-2, -1, 0, 1, 2], 1)
    (1/12, -2/3, 0, 2/3, -1/12)
    >>> fornberg_weights(["-1/2", "1/2"], 1)
    (-1, 1)
    """
    nodes = _as_offsets(offsets)
    d = as_order(derivative, "derivative")
    n = len(nodes)
    if d >= n:
        raise InputError(
            f"{n} nodes cannot give a derivative of order {d}: use at least {d + 1} offsets"
        )
    xs = [Fraction(int(o.p), int(o.q)) for o in nodes]
    # c[j][k]: weight of node j for the k-th derivative (Fornberg 1998, "weights" routine),
    # in exact Fractions (much faster than SymPy Rationals in this triple loop).
    c = [[Fraction(0)] * (d + 1) for _ in range(n)]
    c[0][0] = Fraction(1)
    c1 = Fraction(1)
    c4 = xs[0]
    for i in range(1, n):
        mn = min(i, d)
        c2 = Fraction(1)
        c5, c4 = c4, xs[i]
        for j in range(i):
            c3 = xs[i] - xs[j]
            c2 *= c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[i][k] = c1 * (k * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2
            for k in range(mn, 0, -1):
                c[j][k] = (c4 * c[j][k] - k * c[j][k - 1]) / c3
            c[j][0] = c4 * c[j][0] / c3
        c1 = c2
    return tuple(sp.Rational(c[j][d].numerator, c[j][d].denominator) for j in range(n))


def _as_offsets(offsets: Any) -> tuple[sp.Rational, ...]:
    if isinstance(offsets, str | bytes | Mapping) or not isinstance(offsets, Iterable):
        raise InputError(f"offsets must be a sequence of rationals, got {_show(offsets)}")
    out = []
    for o in offsets:
        if isinstance(o, float) and not o.is_integer():  # a binary float is not what was meant
            r = None
        else:  # ints, Fractions, SymPy Rationals, text "1/2" or "0.5" (parsed safely)
            r = as_number(o, "offsets", exact=True)
        if r is None or not r.is_Rational:
            raise InputError(
                f"offset {_show(o)} is not an exact rational; write it as an int, a Fraction or "
                "'1/2'"
            )
        out.append(r)
    if len(set(out)) != len(out):
        raise InputError(f"offsets must be distinct, got {list(out)}")
    if not out:
        raise InputError("no offsets given")
    return tuple(out)


def _central(d: int, p: int) -> list[int]:
    if p % 2:
        raise InputError(
            f"a central stencil has even accuracy; accuracy={p} is odd (try {p + 1}, or "
            "scheme='forward'/'backward')"
        )
    m = (2 * ((d + 1) // 2) - 1 + p - 1) // 2
    return list(range(-m, m + 1))


def _forward(d: int, p: int) -> list[int]:
    return list(range(d + p))


def _backward(d: int, p: int) -> list[int]:
    return list(range(-(d + p - 1), 1))


#: Node layouts by scheme name: (derivative, accuracy) -> offsets.
SCHEMES: dict[str, Callable[[int, int], list[int]]] = {
    "central": _central,
    "forward": _forward,
    "backward": _backward,
}


#: Accuracy of the textbook formula of each scheme (used when none is requested).
_DEFAULT_ACCURACY = {"central": 2, "forward": 1, "backward": 1}


@dataclass(frozen=True)
class Stencil:
    r"""A finite-difference formula ``D_h f(x) = sum(w_i f(x + o_i h)) / h**d`` with its error.

    Attributes
    ----------
    derivative : int
        ``d``.
    offsets, weights : tuple of sympy.Rational
        Nodes ``o_i`` (units of ``h``) and exact weights ``w_i``.
    accuracy : int
        The order ``p`` of the leading truncation term ``C h^p f^(d+p)``.
    error_terms : tuple of (int, sympy.Rational)
        The first non-zero terms ``(k, C_k)`` of ``D_h f - f^(d) = sum C_k h^(k-d) f^(k)(x)``.
    scheme : str
        ``"central"``, ``"forward"``, ``"backward"`` or ``"custom"``.
    """

    derivative: int
    offsets: tuple[sp.Rational, ...]
    weights: tuple[sp.Rational, ...]
    accuracy: int
    error_terms: tuple[tuple[int, sp.Rational], ...]
    scheme: str = "custom"

    @property
    def abs_weight_sum(self) -> sp.Rational:
        """``sum |w_i|``, the round-off amplification of the numerator."""
        return sum((abs(w) for w in self.weights), sp.Integer(0))

    @property
    def leading_coefficient(self) -> sp.Rational:
        """``C`` of the leading truncation term ``C h^p f^(d+p)(x)``."""
        return self.error_terms[0][1]

    def truncation_term(self, terms: int = 1) -> sp.Expr:
        """The first ``terms`` truncation terms, in ``h`` and the derivatives of ``f(x)``.

        >>> stencil(1, "forward", 1).truncation_term(2)
        h**2*Derivative(f(x), (x, 3))/6 + h*Derivative(f(x), (x, 2))/2
        """
        terms = as_positive_int(terms, "terms")
        fx = _f(_x)
        return sp.Add(
            *(c * h ** (k - self.derivative) * sp.Derivative(fx, (_x, k))
              for k, c in self.error_terms[:terms])
        )

    def formula(self) -> sp.Expr:
        """``sum(w_i f(x + o_i h)) / h**d`` as a SymPy expression in ``f``, ``x``, ``h``."""
        num = sp.Add(*(w * _f(_x + o * h) for o, w in zip(self.offsets, self.weights) if w))
        return num / h**self.derivative

    def latex(self) -> str:
        fd = sp.Derivative(_f(_x), (_x, self.derivative))
        return align([
            Row(fd, self.formula(), "~", f"{self.scheme} stencil, accuracy {self.accuracy}"),
            Row(r"D_h f(x) - " + sp.latex(fd),
                sp.latex(self.truncation_term(2)) + r" + \dots", "="),
        ])

    def _repr_latex_(self) -> str:
        return display(self.latex())

    def __repr__(self) -> str:
        off = ", ".join(map(str, self.offsets))
        w = ", ".join(map(str, self.weights))
        return (f"Stencil({self.scheme}, d={self.derivative}, p={self.accuracy}, "
                f"offsets=[{off}], weights=[{w}], error ~ {self.truncation_term(1)})")


def stencil(
    derivative: OrderLike = 1,
    scheme: str = "central",
    accuracy: OrderLike | None = None,
    offsets: Sequence[NumberLike] | None = None,
) -> Stencil:
    """A finite-difference stencil with exact weights and its exact truncation terms.

    Parameters
    ----------
    derivative : int
        Order ``d >= 1`` of the derivative.
    scheme : {"central", "forward", "backward"}
        Node layout (ignored when ``offsets`` is given).
    accuracy : int, optional
        Requested order ``p >= 1`` (even for central). Default: the textbook formula of the
        scheme, 2 for central, 1 for forward/backward. A symmetric layout may be more accurate
        than requested; ``Stencil.accuracy`` is the true order.
    offsets : sequence of rationals, optional
        Arbitrary distinct nodes in units of ``h``; overrides ``scheme``/``accuracy``.

    Examples
    --------
    >>> stencil(1, "central", 4).weights
    (1/12, -2/3, 0, 2/3, -1/12)
    >>> stencil(2, "forward", 1)  # doctest: +NORMALIZE_WHITESPACE
    Stencil(forward, d=2, p=1, offsets=[0, 1, 2], weights=[1, -2, 1],
            error ~ h*Derivative(f(x), (x, 3)))
    >>> stencil(1, offsets=[-1, 0, 2]).accuracy
    2
    """
    d = as_order(derivative, "derivative")
    if d < 1:
        raise InputError("derivative must be at least 1")
    if offsets is None:
        if isinstance(scheme, str):  # "Central", " forward ", "centered" are accepted too
            scheme = scheme.strip().lower()
            scheme = {"centered": "central", "centred": "central"}.get(scheme, scheme)
        if not isinstance(scheme, str) or scheme not in SCHEMES:
            raise InputError(f"unknown scheme {_show(scheme)}; valid schemes: "
                             f"{', '.join(SCHEMES)}")
        p = _DEFAULT_ACCURACY[scheme] if accuracy is None else as_order(accuracy, "accuracy")
        if p < 1:
            raise InputError("accuracy must be at least 1")
        nodes = tuple(sp.Integer(o) for o in SCHEMES[scheme](d, p))
        name = scheme
    else:
        nodes = _as_offsets(offsets)
        name = "custom"
    weights = fornberg_weights(nodes, d)
    terms = _error_terms(nodes, weights, d)
    return Stencil(d, nodes, weights, terms[0][0] - d, terms, name)


def _error_terms(
    nodes: Sequence[sp.Rational], weights: Sequence[sp.Rational], d: int, count: int = 3
) -> tuple[tuple[int, sp.Rational], ...]:
    """First ``count`` non-zero ``(k, m_k/k!)`` with ``m_k = sum w_i o_i^k``, ``k > d``."""
    out = []
    k = d
    while len(out) < count:
        k += 1
        m = sum((w * o**k for o, w in zip(nodes, weights)), sp.Integer(0))
        if m != 0:
            out.append((k, m / sp.factorial(k)))
        if k > d + len(nodes) + 40:  # pragma: no cover - cannot happen for distinct nodes
            break
    return tuple(out)


# -- the error analysis -------------------------------------------------------------------------


@dataclass(frozen=True)
class FDRow:
    """One step of a scan (all errors absolute, in float).

    Attributes
    ----------
    h : float
        The step.
    approximation : float
        The stencil evaluated in float64 (nodes ``x + o_i*h`` in float64, sum from the largest
        offset down, divided by ``h**d``: the textbook formula evaluated as written).
    error : float
        ``|approximation - f^(d)(x)|`` against the exact derivative at high precision.
    truncation_error : float
        ``|D_h f(x) - f^(d)(x)|`` with the stencil evaluated in mpmath at >= 50 digits.
    roundoff_error : float
        ``|approximation - D_h f(x)|``: what float64 added.
    truncation_estimate, roundoff_estimate : float
        The models ``|C h^p f^(d+p)(x)|`` and ``eps * sum|w_i| * |f| / h^d``.
    dominated_by : str
        ``"truncation"`` or ``"round-off"`` (the larger measured part), or ``"undefined"`` when
        a node lies outside the domain of ``f``.
    """

    h: float
    approximation: float
    error: float
    truncation_error: float
    roundoff_error: float
    truncation_estimate: float
    roundoff_estimate: float
    dominated_by: str

    # Read-only mapping access too (row["h"], dict(row), row.get("error")): the contract
    # allows "records or dicts".
    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self.__dataclass_fields__

    def keys(self) -> Iterable[str]:
        return self.__dataclass_fields__.keys()

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.__dataclass_fields__ else default

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class FDErrorReport:
    r"""Truncation vs round-off of a finite-difference derivative, predicted and measured.

    Attributes
    ----------
    expression : sympy.Expr
    variable : sympy.Symbol
    at : sympy.Expr
        The point as given (exact when given exactly). The float64 scan and its truth both use
        ``float(at)`` so the measured errors are those of the float computation.
    stencil : Stencil
    exact_derivative : sympy.Expr
        ``f^(d)(at)``, exact.
    truncation_term : sympy.Expr
        The leading non-vanishing truncation term at the point, in the symbol ``h``
        (``E*h**2/12`` for the central second difference of ``exp`` at 1).
    next_truncation_term : sympy.Expr
        The term after it (``0`` if the expansion stops, e.g. for polynomials).
    roundoff_term : sympy.Expr
        The round-off model ``eps*sum|w_i|*|f(at)|/h**d`` with ``eps = 2**-52``.
    optimal_step : float
        Predicted ``h*`` minimising ``|truncation_term| + roundoff_term`` (``inf`` when the
        stencil is exact for ``f``).
    optimal_step_exact : sympy.Expr
        ``h*`` in closed form.
    predicted_min_error : float
        The model's total error at ``h*``.
    rows : tuple of FDRow
        The scan, in the order of the steps.
    observed_optimal_step : float
        The scanned step with the smallest measured error.
    min_error : float
        That smallest measured error.
    """

    expression: sp.Expr
    variable: sp.Symbol
    at: sp.Expr
    stencil: Stencil
    exact_derivative: sp.Expr
    truncation_term: sp.Expr
    next_truncation_term: sp.Expr
    roundoff_term: sp.Expr
    optimal_step: float
    optimal_step_exact: sp.Expr
    predicted_min_error: float
    rows: tuple[FDRow, ...]
    observed_optimal_step: float
    min_error: float
    eps: float = field(default=float(EPS))

    @property
    def truncation_dominated(self) -> tuple[float, ...]:
        """The steps whose measured error is mostly truncation."""
        return tuple(r.h for r in self.rows if r.dominated_by == "truncation")

    @property
    def roundoff_dominated(self) -> tuple[float, ...]:
        """The steps whose measured error is mostly round-off."""
        return tuple(r.h for r in self.rows if r.dominated_by == "round-off")

    def table(self) -> str:
        """The scan as a plain-text table."""
        head = (f"{'h':>10} | {'approx':>22} | {'error':>9} | {'truncation':>10} | "
                f"{'round-off':>9} | dominated by")
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(
                f"{r.h:>10.3g} | {r.approximation!r:>22} | {r.error:>9.2e} | "
                f"{r.truncation_error:>10.2e} | {r.roundoff_error:>9.2e} | {r.dominated_by}"
            )
        return "\n".join(lines)

    def summary(self) -> str:
        d = self.stencil.derivative
        return "\n".join([
            f"d^{d}/d{self.variable}^{d} {self.expression} at {self.variable} = {self.at}: "
            f"exact {self.exact_derivative} = {float(self.exact_derivative):.17g}",
            f"stencil: {self.stencil.scheme}, offsets {list(map(str, self.stencil.offsets))}, "
            f"weights {list(map(str, self.stencil.weights))}",
            f"truncation = "
            f"{sp.sstr(self.truncation_term + self.next_truncation_term, order='rev-lex')}"
            f"{' + ...' if self.next_truncation_term != 0 else ' (no further non-zero term)'}",
            f"round-off  ~ {self.roundoff_term}",
            f"predicted optimal step h* = {self.optimal_step:.3g} "
            f"(total error {self.predicted_min_error:.3g})",
            f"observed optimal step   h = {self.observed_optimal_step:.3g} "
            f"(error {self.min_error:.3g})",
            f"truncation-dominated steps: {_steps_text(self.truncation_dominated)}",
            f"round-off-dominated steps:  {_steps_text(self.roundoff_dominated)}",
        ])

    def __repr__(self) -> str:
        return f"FDErrorReport(\n{self.summary()}\n{self.table()}\n)"

    def latex(self) -> str:
        d = self.stencil.derivative
        v = self.variable
        fd = sp.Derivative(sp.Function("f")(v), (v, d))
        return align([
            Row(sp.Symbol("f"), self.expression, "=", f"at {v} = {self.at}"),
            Row(fd, self.stencil.formula().subs(_x, v), "~",
                f"{self.stencil.scheme} stencil"),
            Row(r"D_h f - " + sp.latex(fd),
                sp.latex(self.truncation_term + self.next_truncation_term, order="rev-lex")
                + (r" + \dots" if self.next_truncation_term != 0 else ""), "=",
                "truncation, from the Taylor series"),
            Row(r"\text{round-off}", self.roundoff_term, "~", "eps = 2**(-52)"),
            Row(r"h^{*}", self.optimal_step_exact, "=",
                "minimises truncation plus round-off"),
            Row("", sp.Float(self.optimal_step, 4), "~"),
            Row(r"E_{\text{total}}(h^{*})", sp.Float(self.predicted_min_error, 4), "~",
                "predicted minimal error"),
            Row(r"h_{\text{observed}}", sp.Float(self.observed_optimal_step, 4), "=",
                f"error {self.min_error:.3g} in float64"),
        ])

    def _repr_latex_(self) -> str:
        return display(self.latex())

    def plot(self, path: str | None = None, ax: Any = None) -> Any:
        """Log-log plot of the measured error against ``h`` with both asymptotes.

        Needs the ``plot`` extra (matplotlib). Saves to ``path`` when given; returns the figure.
        """
        try:
            from matplotlib.figure import Figure
        except ImportError:
            raise OptionalDependencyError(
                "plotting needs matplotlib: pip install 'symtaylor[plot]'"
            ) from None
        if ax is None:
            fig = Figure(figsize=(6.4, 4.6))
            ax = fig.subplots()
        else:
            fig = ax.figure
        rows = [r for r in self.rows if r.dominated_by != "undefined"]
        hs = np.array([r.h for r in rows])
        tiny = 1e-300  # zero errors cannot be shown on a log axis
        ax.loglog(hs, [max(r.error, tiny) for r in rows], "o-", label="measured total error")
        ax.loglog(hs, [max(r.truncation_error, tiny) for r in rows], "s--", ms=3,
                  label="measured truncation (mpmath)")
        ax.loglog(hs, [r.truncation_estimate for r in rows], ":",
                  label=f"truncation ~ ${sp.latex(self.truncation_term)}$")
        ax.loglog(hs, [r.roundoff_estimate for r in rows], ":",
                  label=f"round-off ~ ${sp.latex(self.roundoff_term.evalf(3))}$")
        if math.isfinite(self.optimal_step):
            ax.axvline(self.optimal_step, color="grey", lw=0.8,
                       label=f"predicted h* = {self.optimal_step:.2g}")
        ax.set_xlabel("step h")
        ax.set_ylabel("absolute error")
        d = self.stencil.derivative
        ax.set_title(f"{self.stencil.scheme} difference for d^{d}/d{self.variable}^{d} "
                     f"{self.expression} at {self.at}")
        positive = [r.error for r in rows if r.error > 0]
        if positive:
            ax.set_ylim(bottom=min(positive) / 10)
        ax.legend(fontsize="small")
        if path is not None:
            fig.savefig(path, dpi=120, bbox_inches="tight")
        return fig


def _steps_text(hs: Sequence[float]) -> str:
    if not hs:
        return "none"
    if len(hs) <= 4:
        return ", ".join(f"{v:.3g}" for v in hs)
    return f"{len(hs)} steps from {max(hs):.3g} to {min(hs):.3g}"


def _default_steps(d: int, x0: float) -> list[float]:
    lowest = min(15, math.ceil(16 / d) + 1)
    scale = max(1.0, abs(x0))
    return [scale * 10.0 ** (-lowest * i / 30) for i in range(31)]


def _is_zero(value: sp.Expr) -> bool:
    if value == 0:
        return True
    z = value.is_zero
    if z is not None:
        return bool(z)
    try:
        return abs(complex(value.evalf(40))) < 1e-35
    except TypeError:  # not a number (e.g. DiracDelta(0)): not zero, and not usable
        return False


def _finite_number(value: sp.Expr) -> bool:
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or value.is_finite is False:
        return False
    try:
        return math.isfinite(abs(complex(value.evalf(20))))
    except (TypeError, OverflowError):
        return False


#: Non-smooth functions and where they break: a kink or jump where the returned expression is 0.
_BREAKS: dict[type, Callable[[sp.Expr], list[sp.Expr]]] = {
    sp.Abs: lambda e: [e.args[0]],
    sp.sign: lambda e: [e.args[0]],
    sp.Heaviside: lambda e: [e.args[0]],
    sp.DiracDelta: lambda e: [e.args[0]],
    sp.Max: lambda e: [a - b for a in e.args for b in e.args if a != b],
    sp.Min: lambda e: [a - b for a in e.args for b in e.args if a != b],
    sp.Piecewise: lambda e: [r.lhs - r.rhs for _, c in e.args if isinstance(c, sp.Basic)
                             for r in c.atoms(sp.core.relational.Relational)],
}


def _check_smooth_at(expr: sp.Expr, x: sp.Symbol, x0: sp.Expr) -> None:
    """Refuse points where ``expr`` has a kink or jump: no Taylor series, no truncation term."""
    for kind, breaks in _BREAKS.items():
        for node in expr.atoms(kind):
            for u in breaks(node):
                if not u.has(x):
                    continue
                v = u.subs(x, x0)
                if _finite_number(v) and _is_zero(v):
                    raise NotAnalyticError(
                        f"{node} is not smooth at {x} = {x0} ({u} = 0 there): a finite "
                        "difference across a kink has no Taylor truncation term; pick a point "
                        "away from it"
                    )


def fd_error(
    f: ExprLike,
    variable: VariablesLike = None,
    at: PointLike = 0,
    derivative: OrderLike = 1,
    scheme: str = "central",
    accuracy: OrderLike | None = None,
    steps: Sequence[NumberLike] | None = None,
    offsets: Sequence[NumberLike] | None = None,
) -> FDErrorReport:
    """Truncation vs round-off error of a finite-difference derivative: derived and measured.

    Parameters
    ----------
    f : str, sympy.Expr or callable
        A function of one variable.
    variable : Symbol or str, optional
        Defaults to the only free symbol of ``f``.
    at : number, str or sympy.Expr
        The point.
    derivative : int
        Order ``d`` of the derivative.
    scheme : {"central", "forward", "backward"}
    accuracy : int, optional
        Requested order of the stencil; default the textbook formula (2 for central,
        1 for forward/backward: ``(f(x+h) - f(x))/h``).
    steps : sequence of float, optional
        The steps ``h`` to scan (default: 31 steps from ``max(1, |at|)`` down to where
        round-off dominates clearly).
    offsets : sequence of rationals, optional
        Custom stencil nodes (overrides ``scheme`` and ``accuracy``).

    Returns
    -------
    FDErrorReport

    Examples
    --------
    The seed's table: second derivative of ``exp`` at 1 by the central difference.

    >>> r = fd_error("exp(x)", "x", at=1, derivative=2,
    ...              steps=[1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8])
    >>> r.rows[0].approximation, r.rows[-1].approximation
    (2.9524924420125602, 0.0)
    >>> r.truncation_dominated
    (1.0, 0.1, 0.01, 0.001)
    >>> r.observed_optimal_step
    0.0001
    >>> r.optimal_step_exact
    3**(1/4)/4096
    """
    expr = as_expr(f, variable)
    if variable is None:
        if len(expr.free_symbols) != 1:
            raise InputError(
                f"{expr} has free symbols {sorted(map(str, expr.free_symbols))}: "
                "pass variable=... (and substitute values for parameters)"
            )
    xs = as_variables(variable, expr)
    if len(xs) != 1:
        raise InputError(f"fd_error takes one variable, got {list(xs)}")
    (x,) = xs
    others = expr.free_symbols - {x}
    if others:
        raise InputError(
            f"{expr} depends on {sorted(map(str, others))} besides {x}: substitute numbers first"
        )
    (x0,) = as_point(at, (x,))
    if isinstance(x0, sp.Float) and float(x0).is_integer():
        x0 = sp.Integer(int(x0))  # 1.0 is exactly 1: keep the symbolic results exact
    if x0.free_symbols:
        raise InputError(f"the point {x0} is not a number")
    try:
        x0f = float(x0)
    except (TypeError, ValueError):
        raise InputError(f"the point {x0} is not a real number") from None
    if not math.isfinite(x0f):
        raise InputError(f"the point {x0} is not finite")
    st = stencil(derivative, scheme, accuracy, offsets)
    d = st.derivative
    if steps is None:
        hs = _default_steps(d, x0f)
    else:
        hs = _as_steps(steps)

    # Exact derivatives at the point: the truth and the truncation terms. Differentiate with
    # respect to a real symbol (finite differences live on the real line): d|x|/dx = sign(x).
    user_expr, user_x = expr, x
    if not x.is_real:
        x = sp.Symbol(x.name, real=True)
        expr = expr.subs(user_x, x)
    _check_smooth_at(expr, x, x0)
    deriv = sp.diff(expr, x, d)
    if deriv.has(sp.Derivative):
        raise UnsupportedFunctionError(
            f"SymPy cannot differentiate {expr} in closed form (got {deriv}); "
            "rewrite it with smooth functions (e.g. Piecewise instead of Abs)"
        )
    # Away from kinks (checked above) DiracDelta terms vanish; mpmath knows no Heaviside.
    deriv = deriv.replace(sp.DiracDelta, lambda *args: sp.Integer(0))
    if deriv.has(sp.Heaviside):
        deriv = deriv.rewrite(sp.Piecewise)
    exact = deriv.subs(x, x0)
    if not _finite_number(exact):
        raise NotAnalyticError(f"d^{d}/d{x}^{d} of {expr} is not finite at {x} = {x0}")
    f_at = expr.subs(x, x0)
    terms = _terms_at_point(deriv, x, x0, st)
    lead = terms[0][1] * h ** terms[0][0] if terms else sp.Integer(0)
    nxt = terms[1][1] * h ** terms[1][0] if len(terms) > 1 else sp.Integer(0)

    # The round-off model and the optimal step.
    S = st.abs_weight_sum
    f_scale = sp.Abs(f_at)
    if _is_zero(f_at):
        # |f(x)| = 0 would predict no round-off; use the largest |f| on a unit-scale stencil.
        f_np0 = sp.lambdify(x, expr, "math")
        unit = d * EPS * S / abs(st.leading_coefficient)
        h_unit = float(unit ** sp.Rational(1, st.accuracy + d))
        f_scale = sp.Float(max(abs(_safe(f_np0, x0f + float(o) * h_unit)) for o in st.offsets), 17)
    B = EPS * S * f_scale
    roundoff = B / h**d
    if not terms:
        h_star_exact: sp.Expr = sp.oo
        h_star = math.inf
        predicted = 0.0
        q, A = st.accuracy, sp.Integer(0)
    else:
        q, A = terms[0][0], sp.Abs(terms[0][1])
        # No simplify(): it costs more than the whole scan; common factors (E in exp) cancel
        # on their own.
        h_star_exact = (d * B / (q * A)) ** sp.Rational(1, q + d)
        h_star = float(h_star_exact)
        predicted = float(A * h_star_exact**q + B / h_star_exact**d) if B != 0 else 0.0

    try:
        rows = _scan(expr, deriv, x, x0f, st, hs, q, float(A), float(B))
    except OverflowError:
        raise InputError(
            f"{user_expr} or its derivatives overflow float64 near {user_x} = {x0}"
        ) from None
    finite = [r for r in rows if r.dominated_by != "undefined"]
    if finite:
        best = min(finite, key=lambda r: r.error)
        h_obs, e_min = best.h, best.error
    else:
        h_obs, e_min = math.nan, math.nan
    return FDErrorReport(
        expression=user_expr, variable=user_x, at=x0, stencil=st, exact_derivative=exact,
        truncation_term=lead, next_truncation_term=nxt, roundoff_term=roundoff,
        optimal_step=h_star, optimal_step_exact=h_star_exact, predicted_min_error=predicted,
        rows=tuple(rows), observed_optimal_step=h_obs, min_error=e_min,
    )


def _safe(fn: Callable[[float], float], v: float) -> float:
    try:
        out = float(fn(v))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return 0.0
    return out if math.isfinite(out) else 0.0


def _as_steps(steps: Any) -> list[float]:
    if isinstance(steps, str | bytes | Mapping) or not isinstance(steps, Iterable):
        raise InputError(f"steps must be a sequence of positive numbers, got {_show(steps)}")
    out = []
    for s in steps:
        try:
            v = float(s) if type(s) in (int, float) else float(as_number(s, "steps"))
        except (TypeError, OverflowError):
            raise InputError(f"step {_show(s)} is not a finite number") from None
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"step {_show(s)} must be positive and finite")
        out.append(v)
    if not out:
        raise InputError("no steps given")
    return out


def _terms_at_point(
    deriv: sp.Expr, x: sp.Symbol, x0: sp.Expr, st: Stencil
) -> list[tuple[int, sp.Expr]]:
    """The first two non-vanishing truncation terms ``C_k f^(k)(x0) h^(k-d)`` as
    ``(k - d, C_k f^(k)(x0))``; ``deriv`` is ``f^(d)``."""
    d = st.derivative
    out: list[tuple[int, sp.Expr]] = []
    g = deriv
    k = d
    limit = d + len(st.offsets) + 24
    while len(out) < 2 and k < limit:
        k += 1
        g = sp.diff(g, x)
        if g == 0:
            break  # a polynomial: the expansion stops
        m = sum((w * o**k for o, w in zip(st.offsets, st.weights)), sp.Integer(0))
        if m == 0:
            continue
        val = g.subs(x, x0)
        if not _finite_number(val):
            raise NotAnalyticError(
                f"the truncation term needs the derivative of order {k} at {x} = {x0}, which "
                f"is not finite: the function is not smooth enough there for this stencil"
            )
        if _is_zero(val):
            continue
        out.append((k - d, m / sp.factorial(k) * val))
    return out


def _scan(
    expr: sp.Expr,
    deriv: sp.Expr,
    x: sp.Symbol,
    x0f: float,
    st: Stencil,
    hs: list[float],
    q: int,
    A: float,
    B: float,
) -> list[FDRow]:
    """Rows of the scan; the models are ``A h^q`` (truncation) and ``B / h^d`` (round-off)."""
    d = st.derivative
    # Nodes with zero weight are skipped; the sum runs from the largest offset down, which is
    # how the textbook formulas are written ((f(x+h) - 2f(x) + f(x-h))/h**2).
    pairs = sorted(((o, w) for o, w in zip(st.offsets, st.weights) if w != 0),
                   key=lambda ow: -ow[0])
    # One scalar call per node, as hand-written code does (f(x + h) with x a Python float and
    # NumPy functions): vectorised NumPy may round differently (np.power vs float.__pow__).
    f_np = sp.lambdify(x, expr, "numpy")
    wf = [(float(o), float(w)) for o, w in pairs]
    approx = []
    with np.errstate(all="ignore"):
        for hv in hs:
            acc = 0.0
            for i, (o, w) in enumerate(wf):
                try:
                    term = w * float(f_np(x0f + o * hv))
                except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                    term = math.nan
                acc = term if i == 0 else acc + term
            approx.append(acc / hv**d)

    f_mp = sp.lambdify(x, expr, "mpmath")
    df_mp = sp.lambdify(x, deriv, "mpmath")
    # Enough digits that the truncation part (~h^q) survives the cancellation (~1/h^d).
    dps = max(_MIN_DPS, 30 + math.ceil((q + d) * max(0.0, -math.log10(min(hs)))))
    rows = []
    with mpmath.workdps(dps):
        X0 = mpmath.mpf(x0f)
        truth = df_mp(X0)
        if not _is_real_finite(truth):
            raise NotAnalyticError(f"the derivative of {expr} is not finite at {x} = {x0f!r}")
        ws = [(mpmath.mpf(int(o.p)) / int(o.q), mpmath.mpf(int(w.p)) / int(w.q)) for o, w in pairs]
        for hv, ap in zip(hs, approx):
            H_mp = mpmath.mpf(hv)
            try:
                num = mpmath.fsum(w * f_mp(X0 + o * H_mp) for o, w in ws)
                exact_stencil = num / H_mp**d
                ok = _is_real_finite(exact_stencil) and math.isfinite(ap)
            except (ValueError, ZeroDivisionError, TypeError):
                ok = False
            t_est = A * hv**q
            r_est = B / hv**d
            if not ok:
                rows.append(FDRow(hv, float(ap), math.inf, math.nan, math.nan, t_est, r_est,
                                  "undefined"))
                continue
            trunc = abs(float(exact_stencil - truth))
            roff = abs(float(mpmath.mpf(float(ap)) - exact_stencil))
            err = abs(float(mpmath.mpf(float(ap)) - truth))
            dom = "truncation" if trunc >= roff else "round-off"
            rows.append(FDRow(hv, float(ap), err, trunc, roff, t_est, r_est, dom))
    return rows


def _is_real_finite(v: Any) -> bool:
    if isinstance(v, mpmath.mpc):
        if abs(v.imag) > 0:
            return False
        v = v.real
    try:
        return bool(mpmath.isfinite(v))
    except TypeError:
        return False


# -- derivative checks --------------------------------------------------------------------------


class CheckStatus(enum.Enum):
    """Outcome of a derivative check; each member carries its message."""

    AGREES = "the derivative agrees with finite differences within the error estimate"
    DISAGREES = "the derivative differs from finite differences by more than the error estimate"
    NOT_FINITE = "a function or derivative value is not finite at the point"

    @property
    def message(self) -> str:
        return self.value


@dataclass(frozen=True)
class DerivativeCheck:
    """A gradient or Hessian given as code, compared with finite differences at a point.

    Attributes
    ----------
    kind : str
        ``"gradient"`` or ``"hessian"``.
    x : numpy.ndarray
        The point.
    analytic : numpy.ndarray
        The derivative the code returned.
    finite_difference : numpy.ndarray
        The central-difference estimate (step from the truncation/round-off analysis).
    error_estimate : numpy.ndarray
        Estimated error of ``finite_difference``: Richardson estimate of the truncation part
        plus the round-off model ``eps * sum|w| * |f| / h``.
    discrepancy : numpy.ndarray
        ``|analytic - finite_difference|``.
    tolerance : numpy.ndarray
        ``safety * error_estimate + 4 eps |analytic|``: the allowance per entry.
    step : numpy.ndarray
        The step used per coordinate.
    status : CheckStatus
    suspects : tuple of tuple of int
        Indices of the entries that exceed their tolerance (worst first).
    """

    kind: str
    x: np.ndarray
    analytic: np.ndarray
    finite_difference: np.ndarray
    error_estimate: np.ndarray
    discrepancy: np.ndarray
    tolerance: np.ndarray
    step: np.ndarray
    status: CheckStatus
    suspects: tuple[tuple[int, ...], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is CheckStatus.AGREES

    def __bool__(self) -> bool:
        return self.ok

    @property
    def max_discrepancy(self) -> float:
        """Largest ``|analytic - finite_difference|`` (like ``scipy.optimize.check_grad``)."""
        return float(np.max(self.discrepancy)) if self.discrepancy.size else 0.0

    @property
    def message(self) -> str:
        msg = self.status.message
        if self.suspects:
            worst = self.suspects[0]
            msg += (f"; worst entry {list(worst)}: code {float(self.analytic[worst]):.17g}, "
                    f"finite difference {float(self.finite_difference[worst]):.17g} "
                    f"+- {float(self.error_estimate[worst]):.2g}")
        return msg

    def __repr__(self) -> str:
        return (f"DerivativeCheck({self.kind}: {self.status.name}, max discrepancy "
                f"{self.max_discrepancy:.3g}, max error estimate "
                f"{float(np.max(self.error_estimate)):.3g}; {self.message})")

    def latex(self) -> str:
        mark = r"\checkmark" if self.ok else r"\times"
        disc = sp.latex(sp.Float(self.max_discrepancy, 3))
        est = sp.latex(sp.Float(float(np.max(self.error_estimate)), 3))
        return (rf"{mark}\quad \max |\text{{{self.kind}}} - D_h| = {disc}"
                rf"\quad (\text{{error estimate }} {est})")

    def _repr_latex_(self) -> str:
        return display(self.latex())


def _central_step() -> tuple[float, float]:
    """Unit-scale optimal step of the central first difference and its round-off factor.

    With ``|f'''| ~ |f|`` the analysis gives ``h* = (d eps S / (p |C|))^(1/(p+d)) = (3 eps)^(1/3)``.
    """
    st = stencil(1, "central", 2)
    S = st.abs_weight_sum
    h_rel = float((EPS * S / (2 * abs(st.leading_coefficient))) ** sp.Rational(1, 3))
    return h_rel, float(S)


def _directional_differences(
    fun: Callable[[np.ndarray], Any], x: np.ndarray, steps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central differences of ``fun`` along each axis at ``h`` and ``2h`` and the max |fun|."""
    n = x.size
    d_h, d_2h, scale = [], [], []
    for i in range(n):
        hi = steps[i]
        vals = {}
        for m in (2, 1, -1, -2):
            xp = x.copy()
            xp[i] = x[i] + m * hi
            try:
                vals[m] = np.asarray(fun(xp), dtype=float)
            except InputError:  # complex or non-numeric output: refused, not a nan
                raise
            except (ValueError, ArithmeticError):  # e.g. math.log outside its domain
                vals[m] = np.full(np.shape(vals.get(1, 0.0)), np.nan)
        d_h.append((vals[1] - vals[-1]) / (2 * hi))
        d_2h.append((vals[2] - vals[-2]) / (4 * hi))
        # Round-off scale: |f| for a scalar; for a vector (a gradient differentiated for the
        # Hessian) the largest entry, because an entry that is a small difference of large
        # terms carries the rounding of those terms, not eps*|entry|.
        big = np.maximum(np.max(np.abs(vals[1])), np.max(np.abs(vals[-1])))
        scale.append(np.full(np.shape(vals[1]), big))
    return np.array(d_h), np.array(d_2h), np.array(scale)


def _richardson(
    fun: Callable[[np.ndarray], Any], x: np.ndarray, steps: np.ndarray, S: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central differences at ``steps`` with truncation (Richardson) and round-off estimates."""
    with np.errstate(all="ignore"):
        d_h, d_2h, scale = _directional_differences(fun, x, steps)
        hh = steps.reshape((-1,) + (1,) * (d_h.ndim - 1))
        # D(2h) - D(h) ~ (4 - 1) C h^2 f3 for the second-order central difference.
        trunc = np.abs(d_2h - d_h) / 3.0
        roundoff = float(EPS) * S * scale / hh
    return d_h, trunc, roundoff


def _check(
    kind: str,
    fun: Callable[[np.ndarray], Any],
    analytic: np.ndarray,
    x: np.ndarray,
    step: float | Sequence[float] | None,
    safety: float,
    transpose: bool,
    refine: bool = True,
) -> DerivativeCheck:
    h_rel, S = _central_step()
    if step is None:
        steps = h_rel * np.maximum(1.0, np.abs(x))
    else:
        given = as_real_array(step, "step", ndim=None, finite=False)
        try:
            steps = np.broadcast_to(given, x.shape).copy()
        except ValueError:
            raise InputError(f"step has shape {given.shape}, expected a number or "
                             f"{x.size} numbers") from None
        if not np.all(np.isfinite(steps) & (steps > 0)):
            raise InputError(f"step must be positive and finite, got {_show(step)}")
    # Make x + h exactly representable so the step in the denominator is the true one.
    steps = (x + steps) - x
    d_h, trunc, roundoff = _richardson(fun, x, steps, S)
    if step is None and refine:
        # The unit-scale step assumed |f3| ~ |f| (f3 = third derivative). Where truncation
        # clearly dominates, re-balance with the measured |C f3| (A = trunc/h^2, B = roundoff*h):
        # h* = (B / (2A))^(1/3), the closed form of the analysis for d = 1, p = 2.
        axes = tuple(range(1, trunc.ndim))
        t_i = np.max(trunc, axis=axes) if axes else trunc
        r_i = np.max(roundoff, axis=axes) if axes else roundoff
        better = np.isfinite(t_i) & np.isfinite(r_i) & (t_i > 10 * r_i)
        if np.any(better):
            A = t_i / steps**2
            B = r_i * steps
            with np.errstate(all="ignore"):
                h_new = np.cbrt(B / (2 * A))
            h_new = np.where(better, np.clip(h_new, steps / 1000, steps), steps)
            steps = (x + h_new) - x
            d_h, trunc, roundoff = _richardson(fun, x, steps, S)
    estimate = trunc + roundoff
    fd = d_h.T if transpose else d_h
    est = estimate.T if transpose else estimate
    if analytic.shape != fd.shape:
        raise InputError(
            f"the {kind} has shape {analytic.shape}, expected {fd.shape} for a point of size "
            f"{x.size}"
        )
    disc = np.abs(analytic - fd)
    tol = safety * est + 4 * float(EPS) * np.abs(analytic)
    if not (np.all(np.isfinite(fd)) and np.all(np.isfinite(analytic))):
        status = CheckStatus.NOT_FINITE
        bad: tuple[tuple[int, ...], ...] = ()
    else:
        over = np.argwhere(disc > tol)
        bad = tuple(sorted((tuple(int(i) for i in idx) for idx in over),
                           key=lambda idx: -float(disc[idx] / max(tol[idx], 1e-300))))
        status = CheckStatus.DISAGREES if bad else CheckStatus.AGREES
    return DerivativeCheck(kind, x.copy(), analytic, fd, est, disc, tol, steps, status, bad)


def _as_x(x: Any) -> np.ndarray:
    arr = as_real_array(x, "the point x", ndim=None, finite=False).reshape(-1)
    if not np.all(np.isfinite(arr)) or arr.size == 0:
        raise InputError(f"the point must be non-empty and finite, got {_show(x)}")
    return arr


def _values(value: Any, what: str) -> np.ndarray:
    """Derivative values given or returned by the user's code: real (complex refused, its
    imaginary part would be dropped), possibly not finite (then reported, not refused)."""
    return as_real_array(value, what, ndim=None, finite=False, allow_empty=True)


def _scalar(value: Any) -> float:
    """The value of the user's objective at a point: one real number (nan allowed)."""
    if type(value) is float:
        return value
    arr = _values(value, "fun(x)")
    if arr.size != 1:
        raise InputError(f"fun(x) must return one number, got shape {arr.shape}")
    return float(arr.reshape(-1)[0])


def _callable(fn: Any, what: str) -> None:
    if not callable(fn) or isinstance(fn, sp.Basic):
        raise InputError(f"{what} must be a Python function of a NumPy array, got "
                         f"{_show(fn)} (for an expression use symtaylor.compile_numpy first)")


def _safety(safety: Any) -> float:
    v = float(as_number(safety, "safety"))
    if not v > 0:
        raise InputError(f"safety must be positive, got {v}")
    return v


def check_gradient(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], Any] | Any,
    x: Sequence[float],
    step: float | Sequence[float] | None = None,
    safety: float = 10.0,
    refine: bool = True,
) -> DerivativeCheck:
    """Check gradient code against central differences of ``fun``, with an error estimate.

    Like :func:`scipy.optimize.check_grad`, but the step is the analysed optimum
    ``(3 eps)^(1/3) max(1, |x_i|)`` of the central difference, and every entry comes with an
    error estimate (Richardson for truncation + the round-off model), so "agrees" means
    "within what finite differences can resolve", not "below an arbitrary threshold".

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float`` for a 1-D float array ``x``.
    grad : callable or array
        ``grad(x) -> array`` (or the gradient values themselves).
    x : sequence of float
        The point.
    step : float or sequence, optional
        Override the per-coordinate step.
    safety : float
        Entries agree when ``|grad - D_h| <= safety * estimate + 4 eps |grad|``.
    refine : bool
        Where the first pass shows truncation clearly dominating (third derivative much larger than
        ``|f|``), redo that coordinate at the step re-balanced with the measured third derivative.

    Examples
    --------
    >>> import numpy as np
    >>> fun = lambda v: (1 - v[0])**2 + 100*(v[1] - v[0]**2)**2
    >>> grad = lambda v: np.array([-2*(1 - v[0]) - 400*v[0]*(v[1] - v[0]**2),
    ...                            200*(v[1] - v[0]**2)])
    >>> check_gradient(fun, grad, [-1.2, 1.0]).ok
    True
    >>> wrong = lambda v: np.array([-2*(1 - v[0]) - 400*v[0]*(v[1] - v[0]**2),
    ...                             100*(v[1] - v[0]**2)])
    >>> c = check_gradient(fun, wrong, [-1.2, 1.0])
    >>> c.status.name, c.suspects
    ('DISAGREES', ((1,),))
    """
    _callable(fun, "fun")
    refine = as_flag(refine, "refine")
    xa = _as_x(x)
    safety = _safety(safety)
    g = _values(grad(xa.copy()) if callable(grad) else grad, "grad").reshape(-1)
    return _check("gradient", lambda v: _scalar(fun(v)), g, xa, step, safety, False, refine)


def check_hessian(
    grad: Callable[[np.ndarray], Any],
    hess: Callable[[np.ndarray], Any] | Any,
    x: Sequence[float],
    step: float | Sequence[float] | None = None,
    safety: float = 10.0,
    refine: bool = True,
) -> DerivativeCheck:
    """Check Hessian code against central differences of the gradient, with an error estimate.

    Column ``j`` of the finite-difference Hessian is ``(g(x + h e_j) - g(x - h e_j)) / 2h``
    with the analysed step; the error estimate and tolerance are as in :func:`check_gradient`.
    Check the gradient first: this compares the Hessian with the gradient code you give.

    Examples
    --------
    >>> import numpy as np
    >>> grad = lambda v: np.array([-2*(1 - v[0]) - 400*v[0]*(v[1] - v[0]**2),
    ...                            200*(v[1] - v[0]**2)])
    >>> hess = lambda v: np.array([[2 - 400*v[1] + 1200*v[0]**2, -400*v[0]],
    ...                            [-400*v[0], 200.0]])
    >>> check_hessian(grad, hess, [-1.2, 1.0]).ok
    True
    """
    _callable(grad, "grad")
    refine = as_flag(refine, "refine")
    xa = _as_x(x)
    n = xa.size
    safety = _safety(safety)
    H = _values(hess(xa.copy()) if callable(hess) else hess, "hess")
    if H.shape != (n, n):
        raise InputError(f"the Hessian has shape {H.shape}, expected {(n, n)}")
    return _check("hessian", lambda v: _values(grad(v), "grad").reshape(-1), H, xa,
                  step, safety, True, refine)


# Top-level names: symtaylor.verify has symbolic check_gradient/check_hessian (is this formula
# right?); these check numeric code (does this function compute its formula?).
fd_check_gradient = check_gradient
fd_check_hessian = check_hessian
