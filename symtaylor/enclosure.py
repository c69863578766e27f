"""Rigorous enclosures of SymPy expressions over boxes (interval arithmetic).

Every certified number symtaylor prints (a Taylor remainder bound, a Lipschitz constant) comes
from here. The rules:

* ``+ - * /`` are IEEE double operations, which are correctly rounded; every result endpoint is
  then pushed one ulp outward (``math.nextafter``), so the enclosure is rigorous.
* Transcendental functions are evaluated at the interval endpoints (or at interior extrema,
  for ``sin``, ``cos``, ``cosh``...) with python-flint's ``arb`` ball arithmetic, which is
  rigorous by design, and the ball's outer endpoints are taken. ``mpmath.iv`` is not used: its
  maintainer does not guarantee it beyond basic arithmetic.
* Anything undefined on part of the box (``1/[−1, 1]``, ``log([−1, 2])``, ``sqrt`` of a negative
  part) yields the unbounded interval ``(-inf, inf)``: a bound built on it is refused later,
  never silently wrong.

Natural interval extensions overestimate (the dependency problem); :func:`bound_abs` beats that
by branch and bound: bisect the box where the bound is worst until it is within ``rtol`` of a
value actually attained.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> iv = enclose(sp.sin(x) + x**2, {x: (-1, 1)})
>>> iv.lo <= -0.8414709848 and iv.hi >= 1.8414709848
True
>>> b = bound_abs(sp.exp(x) * sp.cos(3 * x), [x], {x: (0, 1)})  # max at x = 1
>>> true_max = float(sp.E * abs(sp.cos(3)))
>>> b.lower <= true_max <= b.upper <= 1.05 * true_max
True
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp
from flint import arb

from .coerce import (
    ExprLike,
    RegionLike,
    VariablesLike,
    as_expr,
    as_number,
    as_positive_int,
    as_region,
    as_variables,
)
from .errors import InputError, UnsupportedFunctionError

__all__ = [
    "AbsBound",
    "Interval",
    "IntervalProgram",
    "bisect",
    "bound_abs",
    "branch_and_bound",
    "compile_enclosure",
    "enclose",
    "subdivide",
]

INF = math.inf
Box = Sequence[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed interval ``[lo, hi]`` with float endpoints (possibly infinite).

    Examples
    --------
    >>> Interval(-2.0, 1.0).mag
    2.0
    >>> Interval(-2.0, 1.0).contains(0.5)
    True
    """

    lo: float
    hi: float

    @property
    def mag(self) -> float:
        """max |v| over the interval."""
        return max(abs(self.lo), abs(self.hi))

    @property
    def mig(self) -> float:
        """min |v| over the interval."""
        if self.lo <= 0.0 <= self.hi:
            return 0.0
        return min(abs(self.lo), abs(self.hi))

    @property
    def width(self) -> float:
        return self.hi - self.lo

    @property
    def mid(self) -> float:
        if not self.is_bounded:
            return (
                0.0 if self.lo < 0 < self.hi else (self.lo if math.isfinite(self.lo) else self.hi)
            )
        return 0.5 * (self.lo + self.hi)

    @property
    def is_bounded(self) -> bool:
        return math.isfinite(self.lo) and math.isfinite(self.hi)

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def __repr__(self) -> str:
        return f"Interval({self.lo!r}, {self.hi!r})"


UNBOUNDED = Interval(-INF, INF)


# -- rounding helpers --------------------------------------------------------------------------


def _dn(v: float) -> float:
    return math.nextafter(v, -INF) if math.isfinite(v) else v


def _up(v: float) -> float:
    return math.nextafter(v, INF) if math.isfinite(v) else v


def _arb_dn(a: arb) -> float:
    if not a.is_finite():
        return -INF
    return _dn(float(a.lower()))


def _arb_up(a: arb) -> float:
    if not a.is_finite():
        return INF
    return _up(float(a.upper()))


def _make(lo: float, hi: float) -> Interval:
    if math.isnan(lo) or math.isnan(hi):
        return UNBOUNDED
    return Interval(lo, hi)


def _point(a: arb) -> Interval:
    """The enclosure of an arb ball."""
    return _make(_arb_dn(a), _arb_up(a))


# -- arithmetic ----------------------------------------------------------------------------------


def _add(a: Interval, b: Interval) -> Interval:
    return _make(_dn(a.lo + b.lo), _up(a.hi + b.hi))


def _neg(a: Interval) -> Interval:
    return Interval(-a.hi, -a.lo)


def _mul(a: Interval, b: Interval) -> Interval:
    if a.lo == a.hi == 0.0 or b.lo == b.hi == 0.0:
        return Interval(0.0, 0.0)
    if not (a.is_bounded and b.is_bounded):
        # 0 * inf ambiguities: be safe.
        if (a.lo <= 0 <= a.hi) or (b.lo <= 0 <= b.hi):
            return UNBOUNDED
    prods = (a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi)
    if any(math.isnan(p) for p in prods):
        return UNBOUNDED
    return Interval(_dn(min(prods)), _up(max(prods)))


def _recip(a: Interval) -> Interval:
    if a.lo <= 0.0 <= a.hi:
        return UNBOUNDED
    return Interval(_dn(1.0 / a.hi), _up(1.0 / a.lo))


def _sq(a: Interval) -> Interval:
    lo, hi = a.mig, a.mag
    return Interval(max(0.0, _dn(lo * lo)), _up(hi * hi))


def _ipow(a: Interval, n: int) -> Interval:
    """a**n for an integer n (tight: monotone pieces, even powers via |a|)."""
    if n == 0:
        return Interval(1.0, 1.0)
    if n < 0:
        return _recip(_ipow(a, -n))
    if n == 1:
        return a
    if n == 2:
        return _sq(a)
    if not a.is_bounded:
        if n % 2 == 0:
            lo = a.mig
            return Interval(_arb_dn(arb(lo) ** n), INF)
        lo = -INF if a.lo == -INF else _arb_dn(arb(a.lo) ** n)
        hi = INF if a.hi == INF else _arb_up(arb(a.hi) ** n)
        return Interval(lo, hi)
    if n % 2 == 0:
        return Interval(_arb_dn(arb(a.mig) ** n), _arb_up(arb(a.mag) ** n))
    return Interval(_arb_dn(arb(a.lo) ** n), _arb_up(arb(a.hi) ** n))


def _rpow(a: Interval, r: sp.Rational) -> Interval:
    """a**r for a non-integer rational r: defined for a >= 0 (principal real branch)."""
    if a.lo < 0.0:
        return UNBOUNDED
    p, q = int(r.p), int(r.q)
    if p < 0:
        return _recip(_rpow(a, sp.Rational(-p, q)))
    # increasing on [0, inf)
    lo = _arb_dn(_arb_root(arb(a.lo), p, q))
    hi = INF if a.hi == INF else _arb_up(_arb_root(arb(a.hi), p, q))
    return Interval(max(lo, 0.0), hi)


def _arb_root(x: arb, p: int, q: int) -> arb:
    if x == 0:
        return arb(0)
    return x.root(q) ** p if q != 2 else x.sqrt() ** p


def _monotone(
    fn: Callable[[arb], arb],
    increasing: bool = True,
    domain: tuple[float, float] = (-INF, INF),
    limits: tuple[float, float] = (-INF, INF),
) -> Callable[[Interval], Interval]:
    """Enclosure of a monotone function from its values at the endpoints."""
    dlo, dhi = domain

    def ev(a: Interval) -> Interval:
        if a.lo < dlo or a.hi > dhi:
            return UNBOUNDED
        lo_v = limits[0] if a.lo == -INF else None
        hi_v = limits[1] if a.hi == INF else None
        f_lo = _point(fn(arb(a.lo))) if lo_v is None else Interval(lo_v, lo_v)
        f_hi = _point(fn(arb(a.hi))) if hi_v is None else Interval(hi_v, hi_v)
        if increasing:
            return _make(f_lo.lo, f_hi.hi)
        return _make(f_hi.lo, f_lo.hi)

    return ev


def _contains_point(a: Interval, offset: float, period: float) -> bool:
    """Whether [a.lo, a.hi] may contain offset + k*period for an integer k (conservative)."""
    if not a.is_bounded or a.width >= period:
        return True
    slack = 1e-9 * (1.0 + abs(a.lo) + abs(a.hi))
    k_lo = math.ceil((a.lo - slack - offset) / period)
    k_hi = math.floor((a.hi + slack - offset) / period)
    return k_lo <= k_hi


_TWO_PI = 2 * math.pi


def _sin(a: Interval) -> Interval:
    if not a.is_bounded or a.width >= _TWO_PI:
        return Interval(-1.0, 1.0)
    e1, e2 = _point(arb(a.lo).sin()), _point(arb(a.hi).sin())
    lo, hi = min(e1.lo, e2.lo), max(e1.hi, e2.hi)
    if _contains_point(a, math.pi / 2, _TWO_PI):
        hi = 1.0
    if _contains_point(a, -math.pi / 2, _TWO_PI):
        lo = -1.0
    return Interval(max(lo, -1.0), min(hi, 1.0))


def _cos(a: Interval) -> Interval:
    if not a.is_bounded or a.width >= _TWO_PI:
        return Interval(-1.0, 1.0)
    e1, e2 = _point(arb(a.lo).cos()), _point(arb(a.hi).cos())
    lo, hi = min(e1.lo, e2.lo), max(e1.hi, e2.hi)
    if _contains_point(a, 0.0, _TWO_PI):
        hi = 1.0
    if _contains_point(a, math.pi, _TWO_PI):
        lo = -1.0
    return Interval(max(lo, -1.0), min(hi, 1.0))


def _tan(a: Interval) -> Interval:
    if _contains_point(a, math.pi / 2, math.pi):
        return UNBOUNDED
    return _make(_arb_dn(arb(a.lo).tan()), _arb_up(arb(a.hi).tan()))


def _even_min_at_zero(fn: Callable[[arb], arb], at_zero: float) -> Callable[[Interval], Interval]:
    """Functions even in their argument and increasing in |x| (cosh, sech is handled elsewhere)."""

    def ev(a: Interval) -> Interval:
        if not a.is_bounded:
            return Interval(at_zero, INF)
        hi = _arb_up(fn(arb(a.mag)))
        lo = at_zero if a.lo <= 0.0 <= a.hi else _arb_dn(fn(arb(a.mig)))
        return Interval(lo, hi)

    return ev


def _abs(a: Interval) -> Interval:
    return Interval(a.mig, a.mag)


def _sign(a: Interval) -> Interval:
    if a.lo > 0:
        return Interval(1.0, 1.0)
    if a.hi < 0:
        return Interval(-1.0, -1.0)
    if a.lo == a.hi == 0.0:
        return Interval(0.0, 0.0)
    return Interval(-1.0 if a.lo < 0 else 0.0, 1.0 if a.hi > 0 else 0.0)


def _heaviside(a: Interval) -> Interval:
    if a.lo > 0:
        return Interval(1.0, 1.0)
    if a.hi < 0:
        return Interval(0.0, 0.0)
    return Interval(0.0, 1.0)


def _union(items: Iterable[Interval]) -> Interval:
    items = list(items)
    return Interval(min(i.lo for i in items), max(i.hi for i in items))


def _exp(a: Interval) -> Interval:
    lo = 0.0 if a.lo == -INF else max(_arb_dn(arb(a.lo).exp()), 0.0)
    hi = INF if a.hi == INF else _arb_up(arb(a.hi).exp())
    return Interval(lo, hi)


def _log(a: Interval) -> Interval:
    if a.lo < 0.0 or a.hi <= 0.0:
        return UNBOUNDED
    lo = -INF if a.lo == 0.0 else _arb_dn(arb(a.lo).log())
    hi = INF if a.hi == INF else _arb_up(arb(a.hi).log())
    return Interval(lo, hi)


_UNARY: dict[Any, Callable[[Interval], Interval]] = {
    sp.exp: _exp,
    sp.log: _log,
    sp.sin: _sin,
    sp.cos: _cos,
    sp.tan: _tan,
    sp.atan: _monotone(lambda t: t.atan(), limits=(-math.pi / 2 - 1e-15, math.pi / 2 + 1e-15)),
    sp.asin: _monotone(lambda t: t.asin(), domain=(-1.0, 1.0)),
    sp.acos: _monotone(lambda t: t.acos(), increasing=False, domain=(-1.0, 1.0)),
    sp.sinh: _monotone(lambda t: t.sinh()),
    sp.cosh: _even_min_at_zero(lambda t: t.cosh(), 1.0),
    sp.tanh: _monotone(lambda t: t.tanh(), limits=(-1.0, 1.0)),
    sp.asinh: _monotone(lambda t: t.asinh()),
    sp.acosh: _monotone(lambda t: t.acosh(), domain=(1.0, INF)),
    sp.atanh: _monotone(
        lambda t: t.atanh(), domain=(math.nextafter(-1.0, 0), math.nextafter(1.0, 0))
    ),
    sp.erf: _monotone(lambda t: t.erf(), limits=(-1.0, 1.0)),
    sp.erfc: _monotone(lambda t: t.erfc(), increasing=False, limits=(2.0, 0.0)),
    sp.Abs: _abs,
    sp.sign: _sign,
    sp.Heaviside: _heaviside,
    sp.floor: lambda a: _make(math.floor(a.lo), math.floor(a.hi)),
    sp.ceiling: lambda a: _make(math.ceil(a.lo), math.ceil(a.hi)),
}


# -- constants -----------------------------------------------------------------------------------


def _const(e: sp.Expr) -> Interval:
    if e.is_Integer:
        v = int(e)
        f = float(v)
        if f == v:
            return Interval(f, f)
        return Interval(_dn(f), _up(f))
    if e.is_Rational:
        return _point(arb(int(e.p)) / arb(int(e.q)))
    if e.is_Float:
        # A Float is a binary number at its own precision; enclose its exact value.
        m = sp.Rational(e)
        return _point(arb(int(m.p)) / arb(int(m.q)))
    if e is sp.pi:
        return _point(arb.pi())
    if e is sp.E:
        return _point(arb(1).exp())
    if e.is_infinite:
        return UNBOUNDED
    # Other exact constants (sqrt(2) appears as Pow and is handled structurally); last
    # resort: a 40-digit evaluation widened by 1e-30 relative.
    val = sp.N(e, 40)
    if not val.is_real:
        raise UnsupportedFunctionError(f"cannot enclose the non-real constant {e}")
    f = float(val)
    pad = 1e-30 * (1 + abs(f)) + 1e-300
    return Interval(_dn(f - pad), _up(f + pad))


# -- evaluation ----------------------------------------------------------------------------------


def _eval(e: sp.Expr, env: Mapping[sp.Basic, Interval]) -> Interval:
    hit = env.get(e)
    if hit is not None:
        return hit
    if e.is_Number or e.is_NumberSymbol:
        return _const(e)
    if e.is_Symbol:
        raise UnsupportedFunctionError(f"no range given for the symbol {e}")
    if e.is_Add or e.is_Mul:
        combine = _add if e.is_Add else _mul
        acc = _eval(e.args[0], env)
        for t in e.args[1:]:
            acc = combine(acc, _eval(t, env))
        return acc
    if e.is_Pow:
        return _eval_pow(e, env)
    return _eval_call(e, env)


def _eval_pow(e: sp.Expr, env: Mapping[sp.Basic, Interval]) -> Interval:
    base, ex = e.args
    if ex.is_Integer:
        b = _eval(base, env)
        return _recip(b) if ex == -1 else _ipow(b, int(ex))
    if ex.is_Rational:
        return _rpow(_eval(base, env), ex)
    if base is sp.E:
        return _exp(_eval(ex, env))
    # general power: exp(ex * log(base))
    return _exp(_mul(_eval(ex, env), _log(_eval(base, env))))


def _eval_minmax(e: sp.Expr, env: Mapping[sp.Basic, Interval]) -> Interval:
    parts = [_eval(a, env) for a in e.args]
    pick = max if e.func is sp.Max else min
    return Interval(pick(p.lo for p in parts), pick(p.hi for p in parts))


def _eval_piecewise(e: sp.Expr, env: Mapping[sp.Basic, Interval]) -> Interval:
    # Conservative: the union of every branch's value (conditions are ignored).
    return _union(_eval(piece.expr, env) for piece in e.args)


def _eval_atan2(e: sp.Expr, env: Mapping[sp.Basic, Interval]) -> Interval:
    y, x = (_eval(a, env) for a in e.args)
    if x.lo > 0:
        return _UNARY[sp.atan](_mul(y, _recip(x)))
    return Interval(_dn(-math.pi), _up(math.pi))


#: Functions of several arguments (or with a rule of their own): func -> rule(e, env).
_CALLS: dict[Any, Callable[[sp.Expr, Mapping[sp.Basic, Interval]], Interval]] = {
    sp.Max: _eval_minmax,
    sp.Min: _eval_minmax,
    sp.Piecewise: _eval_piecewise,
    sp.atan2: _eval_atan2,
    sp.DiracDelta: lambda e, env: UNBOUNDED,
}


def _eval_call(e: sp.Expr, env: Mapping[sp.Basic, Interval]) -> Interval:
    func = e.func
    if func in _UNARY and len(e.args) == 1:
        return _UNARY[func](_eval(e.args[0], env))
    if func is sp.log and len(e.args) == 2:  # pragma: no cover - sympy rewrites log(x, b)
        return _mul(_log(_eval(e.args[0], env)), _recip(_log(_eval(e.args[1], env))))
    rule = _CALLS.get(func)
    if rule is not None:
        return rule(e, env)
    raise UnsupportedFunctionError(
        f"cannot enclose {func.__name__}: no rigorous interval rule for it "
        f"(supported: + - * / **, {', '.join(sorted(f.__name__ for f in _UNARY))}, Min, Max, "
        "Piecewise, atan2)"
    )


class IntervalProgram:
    """Expressions compiled for repeated enclosure over many boxes (shared subexpressions).

    Parameters
    ----------
    exprs : sequence of sympy.Expr
    variables : sequence of sympy.Symbol
        The order in which a box lists its ranges.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> prog = compile_enclosure([x * y, sp.exp(x) + y], [x, y])
    >>> [round(iv.hi, 6) for iv in prog([(0, 1), (1, 2)])]
    [2.0, 4.718282]
    """

    def __init__(self, exprs: Sequence[ExprLike], variables: VariablesLike) -> None:
        if isinstance(exprs, str | sp.Basic | Mapping) or not isinstance(exprs, Iterable):
            raise InputError(f"exprs must be a sequence of expressions, got {type(exprs).__name__}")
        self.exprs = [as_expr(e, what="exprs") for e in exprs]
        self.variables = _variables(variables)
        replacements, reduced = sp.cse(self.exprs, optimizations=None, order="none")
        self.replacements = replacements
        self.reduced = reduced
        free = set().union(*(e.free_symbols for e in self.exprs)) if self.exprs else set()
        missing = free - set(self.variables)
        if missing:
            raise UnsupportedFunctionError(
                f"no range given for {', '.join(sorted(map(str, missing)))}"
            )

    def __call__(self, box: Box) -> list[Interval]:
        if len(box) != len(self.variables):
            raise ValueError(f"box has {len(box)} ranges, expected {len(self.variables)}")
        env: dict[sp.Basic, Interval] = {}
        for v, (lo, hi) in zip(self.variables, box):
            env[v] = Interval(float(lo), float(hi)) if lo <= hi else Interval(float(hi), float(lo))
        for sym, sub in self.replacements:
            env[sym] = _eval(sub, env)
        return [_eval(e, env) for e in self.reduced]

    def __repr__(self) -> str:
        return f"IntervalProgram({len(self.exprs)} expressions in {self.variables})"


def _variables(variables: VariablesLike) -> tuple[sp.Symbol, ...]:
    """The variables; none at all is allowed (a constant expression over an empty box)."""
    if variables is None or (isinstance(variables, list | tuple) and not variables):
        return ()
    return as_variables(variables, what="variables")


def compile_enclosure(exprs: Sequence[ExprLike], variables: VariablesLike) -> IntervalProgram:
    """Compile expressions for fast repeated enclosure (see :class:`IntervalProgram`)."""
    return IntervalProgram(exprs, variables)


def _as_box(box: RegionLike, variables: Sequence[sp.Symbol]) -> list[tuple[float, float]]:
    """The box as float pairs in ``variables`` order (ends as text parsed safely); ranges of
    other names are ignored, a missing one is an UnsupportedFunctionError naming it."""
    if isinstance(box, Mapping):
        names = {k.name if isinstance(k, sp.Symbol) else k for k in box}
        for v in variables:
            if v.name not in names:
                raise UnsupportedFunctionError(f"no range given for the symbol {v}")
    return list(as_region(box, variables, "box", allow_extra=True))


def enclose(expr: ExprLike, box: RegionLike) -> Interval:
    """A rigorous enclosure of ``expr`` over a box (natural interval extension).

    Parameters
    ----------
    expr : sympy.Expr
    box : mapping
        ``{symbol or name: (lo, hi)}``; every free symbol needs a range.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> enclose(x**2 - 2*x, {x: (0, 3)}).lo <= -1.0
    True
    """
    expr = as_expr(expr)  # text is parsed safely, never sympified
    variables = sorted(expr.free_symbols, key=lambda s: s.name)
    return IntervalProgram([expr], variables)(_as_box(box, variables))[0]


def bisect(
    box: Box, axis: int | None = None
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Split a box in two along ``axis`` (default: its widest side)."""
    if axis is None:
        axis = max(range(len(box)), key=lambda i: box[i][1] - box[i][0])
    lo, hi = box[axis]
    mid = 0.5 * (lo + hi)
    left = [tuple(b) for b in box]
    right = [tuple(b) for b in box]
    left[axis] = (lo, mid)
    right[axis] = (mid, hi)
    return left, right  # type: ignore[return-value]


def subdivide(box: Box, parts: int) -> list[list[tuple[float, float]]]:
    """Split every side of a box into ``parts`` equal pieces (``parts**dim`` boxes)."""
    import itertools

    axes = []
    for lo, hi in box:
        cuts = [lo + (hi - lo) * i / parts for i in range(parts)] + [hi]
        axes.append(list(itertools.pairwise(cuts)))
    return [list(c) for c in itertools.product(*axes)]


@dataclass(frozen=True)
class AbsBound:
    """Result of :func:`bound_abs`: ``lower <= max|f| <= upper`` over the box (certified upper)."""

    upper: float
    lower: float
    boxes: int
    converged: bool

    @property
    def ratio(self) -> float:
        """upper / lower: how tight the certificate is (1 is exact)."""
        return self.upper / self.lower if self.lower > 0 else INF


def branch_and_bound(
    upper: Callable[[Box], float],
    lower: Callable[[Box], float],
    box: Box,
    rtol: float = 0.05,
    atol: float = 0.0,
    max_boxes: int = 4000,
    progress: bool | None = None,
) -> AbsBound:
    """Maximise a function over a box rigorously by bisection.

    ``upper(b)`` must return a certified upper bound of the function over box ``b``;
    ``lower(b)`` a value the function actually attains in ``b`` (e.g. at its midpoint). Boxes
    with the worst upper bound are bisected first until ``upper <= lower*(1+rtol) + atol``
    or ``max_boxes`` boxes were evaluated.

    ``progress``: None (default) prints, on a terminal only and once the search has lasted
    2 s, about once a second the boxes evaluated, the boxes left open and the current bound
    (the worst open box's upper bound, the best value attained) to stderr; True prints from the
    start, also off a terminal; False never (the printer of
    :class:`symtaylor.optimize.run.Progress`).
    """
    from .optimize.run import Progress, progress_flag

    ticker = Progress(progress_flag(progress))
    box = [tuple(map(float, b)) for b in box]
    best_lower = lower(box)
    u0 = upper(box)
    heap: list[tuple[float, int, list]] = [(-u0, 0, box)]
    count, serial = 1, 1

    def line(u: float, head: str = "  boxes") -> str:
        return (f"{head} {count} evaluated, {len(heap)} left (budget {max_boxes}), "
                f"bound {u:.6e} (attained {best_lower:.6e})")

    def end(result: AbsBound) -> AbsBound:
        ticker.done(line(result.upper, "  boxes done:" if result.converged else
                         "  boxes stopped:"))
        return result

    while True:
        neg_u, _, b = heap[0]
        u = -neg_u
        if u <= best_lower * (1 + rtol) + atol or u == 0.0:
            return end(AbsBound(u, best_lower, count, True))
        if count + 2 > max_boxes:
            return end(AbsBound(u, best_lower, count, False))
        if ticker.due():
            ticker.show(line(u))
        heapq.heappop(heap)
        widest = max(range(len(b)), key=lambda i: b[i][1] - b[i][0])
        if b[widest][1] - b[widest][0] <= 1e-15 * (1 + abs(b[widest][0])):
            heapq.heappush(heap, (neg_u, serial, b))
            return end(AbsBound(u, best_lower, count, False))
        for child in bisect(b, widest):
            cu = min(upper(child), u)
            best_lower = max(best_lower, lower(child))
            heapq.heappush(heap, (-cu, serial, child))
            serial += 1
            count += 1


ExprOrProgram = sp.Expr | IntervalProgram


def bound_abs(
    expr: ExprOrProgram | ExprLike,
    variables: VariablesLike,
    box: RegionLike,
    rtol: float = 0.05,
    max_boxes: int = 4000,
    centered: bool = True,
    progress: bool | None = None,
) -> AbsBound:
    """A certified upper bound of ``max |expr|`` over a box, with an attained lower value.

    Parameters
    ----------
    expr : sympy.Expr or IntervalProgram
        An expression, or a program whose first output is the expression (and, for the
        centred form, whose next outputs are its partial derivatives in ``variables`` order).
    variables : sequence of Symbol
        Order of the box's sides.
    box : mapping or sequence of (lo, hi)
    rtol : float
        Stop when ``upper <= (1 + rtol) * lower``.
    max_boxes : int
        Evaluation budget; ``converged`` says whether ``rtol`` was reached.
    centered : bool
        Also use the mean-value form ``f(c) + grad f(B) . (B - c)``, whose overestimation
        shrinks quadratically with the box width (the natural extension's only linearly);
        each box takes the tighter of the two.
    progress : None (default: on a terminal only, once the search has lasted 2 s), True or
        False: lines on stderr with the boxes evaluated, the boxes left and the current bound
        (see :func:`branch_and_bound`).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> b = bound_abs(sp.sin(x) - x + x**3/6, [x], {x: (-1, 1)}, rtol=0.01)
    >>> 0.00813 < b.upper < 0.0083, b.lower <= 0.0081395
    (True, True)
    """
    import itertools

    variables = _variables(variables)
    rtol = float(as_number(rtol, "rtol"))
    if not rtol >= 0:
        raise InputError(f"rtol must be non-negative, got {rtol}")
    max_boxes = as_positive_int(max_boxes, "max_boxes")
    from .optimize.run import progress_flag

    progress = progress_flag(progress)
    if isinstance(expr, IntervalProgram):
        prog = expr
        centered = centered and len(prog.exprs) == 1 + len(variables)
    else:
        exprs = [as_expr(expr)]
        if centered:
            exprs += [sp.diff(exprs[0], v) for v in variables]
        prog = IntervalProgram(exprs, variables)
    sbox = _as_box(box, variables)

    def up(b: Box) -> float:
        vals = prog(b)
        best = vals[0].mag
        if centered and all(v.is_bounded for v in vals[1:]):
            c = [0.5 * (lo + hi) for lo, hi in b]
            acc = prog([(ci, ci) for ci in c])[0]
            for gi, (lo, hi), ci in zip(vals[1:], b, c):
                acc = _add(acc, _mul(gi, Interval(_dn(lo - ci), _up(hi - ci))))
            best = min(best, acc.mag)
        return best

    def low(b: Box) -> float:
        # Values attained at the midpoint (and at the corners in low dimension): where
        # remainders peak, on the boundary, the corners find the maximum early.
        points = [[0.5 * (lo + hi) for lo, hi in b]]
        if len(b) <= 3:
            points.extend(list(c) for c in itertools.product(*b))
        best = 0.0
        for pt in points:
            iv = prog([(v, v) for v in pt])[0]
            if iv.is_bounded:
                best = max(best, iv.mig)
        return best

    return branch_and_bound(up, low, sbox, rtol=rtol, max_boxes=max_boxes, progress=progress)
