r"""Finite-difference stencils, exact: Fornberg's weights in rational arithmetic, the node
layouts by scheme (:data:`SCHEMES`), and the truncation terms every stencil carries.

.. math:: D_h f(x) = \frac{1}{h^d} \sum_i w_i f(x + o_i h), \qquad
          D_h f(x) - f^{(d)}(x) = \sum_{k > d} \frac{\sum_i w_i o_i^k}{k!} h^{k-d} f^{(k)}(x).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from ..coerce import NumberLike, OrderLike, _show, as_number, as_order, as_positive_int
from ..errors import InputError
from ..latex import Row, align, display

__all__ = ["EPS", "SCHEMES", "Stencil", "fornberg_weights", "h", "stencil"]


#: Machine epsilon of IEEE double precision, 2**-52, exact.
EPS = sp.Rational(1, 2**52)
#: The step symbol of every truncation term.
h = sp.Symbol("h")  # plain, so that sp.Symbol("h") in user code is the same symbol
_f = sp.Function("f")
_x = sp.Symbol("x")


#: Bounds checked before any work (issue 16: accuracy=1000 ran past 60 s, derivative=10**6 ended
#: in a MemoryError): far beyond what float64 finite differences can use.
MAX_DERIVATIVE = 16
MAX_ACCURACY = 24
MAX_NODES = 64


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
        if len(out) >= MAX_NODES:
            raise InputError(f"more than {MAX_NODES} offsets: above the supported maximum")
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
    if d > MAX_DERIVATIVE:  # bounded up front: the exact weights grow as (d + p)^3 bigints
        raise InputError(f"derivative {d} is above the supported maximum {MAX_DERIVATIVE} "
                         "(a finite difference of that order is pure round-off in float64)")
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
        if p > MAX_ACCURACY:
            raise InputError(f"accuracy {p} is above the supported maximum {MAX_ACCURACY} "
                             "(the stencil would need more nodes than float64 can use)")
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
