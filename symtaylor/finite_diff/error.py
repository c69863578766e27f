r"""Truncation vs round-off of a finite-difference derivative, derived and measured:
:func:`fd_error`.

The analysis in four steps, one function each:

1. the problem: one variable, a real point, the stencil, the steps (:func:`_one_variable`,
   :func:`_the_point`); the work is bounded up front (derivative + accuracy <= ``MAX_ORDER``);
2. exact derivatives at the point from the Taylor engine (:func:`_taylor_coefficients`, refusing
   kinks): the truth ``f^(d)(a)`` and the first two non-vanishing truncation terms
   ``C_k f^(k)(a) h^(k-d)`` (:func:`_terms_from`);
3. the model: round-off ``B / h^d`` with ``B = eps sum|w_i| |f(a)|`` (:func:`_roundoff_factor`) and
   the step ``h* = (d B / (p A))^(1/(p+d))`` minimising ``A h^p + B / h^d``
   (:func:`_optimal_step`), kept when it agrees with the refined model of :func:`_refined`
   (the values the stencil actually sums, the rounding of its nodes, two truncation terms, and
   steps that keep the nodes off the nearest kink), else replaced by the refined optimum;
4. the measurement: the stencil in float64 as hand-written code evaluates it, against the same
   stencil and the derivative in mpmath (:func:`_scan`).

``benchmarks/fd_model_agreement.py`` measures the prediction on 276 cases (zeros of ``f`` and of
the leading coefficient included): 271 within 10x of a 50-digit measurement (258 before).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import mpmath
import numpy as np
import sympy as sp

from ..coerce import (
    ExprLike,
    NumberLike,
    OrderLike,
    PointLike,
    VariablesLike,
    _show,
    as_expr,
    as_number,
    as_point,
    as_variables,
)
from ..errors import InputError, NotAnalyticError, UnsupportedFunctionError
from ..lambdify import lambdify
from .report import FDErrorReport, FDRow
from .stencils import EPS, Stencil, h, stencil

__all__ = ["fd_error"]

_MIN_DPS = 50
#: The largest derivative + accuracy fd_error analyses (a Taylor series to order ~26: seconds).
MAX_ORDER = 24


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
    expr, x = _one_variable(f, variable)
    x0, x0f = _the_point(at, x)
    st = stencil(derivative, scheme, accuracy, offsets)
    if st.derivative + st.accuracy > MAX_ORDER:  # the Taylor series to that order: bounded
        raise InputError(
            f"derivative {st.derivative} with accuracy {st.accuracy} needs the Taylor series to "
            f"order {st.derivative + st.accuracy + 2}; fd_error supports derivative + accuracy "
            f"<= {MAX_ORDER}"
        )
    hs = _default_steps(st.derivative, x0f) if steps is None else _as_steps(steps)
    # Differentiate with respect to a real symbol (finite differences live on the real line):
    # d|x|/dx = sign(x).
    real_expr, xr = _on_the_real_line(expr, x)
    _check_smooth_at(real_expr, xr, x0)
    coeffs = _taylor_coefficients(real_expr, xr, x0, x0f, st)
    exact = _shown_value(sp.factorial(st.derivative) * coeffs[st.derivative], x0)
    if not _finite_number(exact):
        raise NotAnalyticError(f"d^{st.derivative}/d{x}^{st.derivative} of {expr} is not finite "
                               f"at {x} = {x0}")
    terms = [(q, _shown_value(c, x0)) for q, c in _terms_from(coeffs, st)]
    B = _roundoff_factor(real_expr, xr, x0, x0f, st)
    best = _optimal_step(terms, st, B)
    try:
        best, B = _refined(best, real_expr, xr, x0f, st, terms, B)
    except OverflowError:  # h^q of the step scan at |x0| ~ 1e100
        raise InputError(
            f"the truncation terms of {expr} overflow float64 for the steps near {x} = {x0f:.6g}: "
            "the point is too large for a float64 finite difference"
        ) from None
    truth = _truth(coeffs, st.derivative, x0, x0f)
    try:
        rows = _scan(real_expr, truth, xr, x0f, st, hs, best.power, float(best.A), float(B))
    except OverflowError:
        raise InputError(
            f"{expr} or its derivatives overflow float64 near {x} = {x0}"
        ) from None
    h_obs, e_min = _observed_optimum(rows)
    return FDErrorReport(
        expression=expr, variable=x, at=x0, stencil=st, exact_derivative=exact,
        truncation_term=_term(terms, 0), next_truncation_term=_term(terms, 1),
        roundoff_term=B / h**st.derivative, optimal_step=best.step,
        optimal_step_exact=best.step_exact, predicted_min_error=best.min_error,
        rows=tuple(rows), observed_optimal_step=h_obs, min_error=e_min,
    )


# -- the problem ------------------------------------------------------------------------------


def _one_variable(f: ExprLike, variable: VariablesLike) -> tuple[sp.Expr, sp.Symbol]:
    """The function and its one variable (default: its only free symbol); no parameters."""
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
    return expr, x


def _the_point(at: PointLike, x: sp.Symbol) -> tuple[sp.Expr, float]:
    """The point, exact where it can be (``1.0`` is ``1``), and as a finite float."""
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
    return x0, x0f


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


def _default_steps(d: int, x0: float) -> list[float]:
    lowest = min(15, math.ceil(16 / d) + 1)
    scale = max(1.0, abs(x0))
    return [scale * 10.0 ** (-lowest * i / 30) for i in range(31)]


# -- exact derivatives at the point -------------------------------------------------------------


def _on_the_real_line(expr: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, sp.Symbol]:
    """``expr`` in a real symbol of the same name (``x`` itself when it is real already)."""
    if x.is_real:
        return expr, x
    xr = sp.Symbol(x.name, real=True)
    return expr.subs(x, xr), xr


def _taylor_coefficients(expr: sp.Expr, x: sp.Symbol, x0: sp.Expr, x0f: float, st: Stencil
                         ) -> dict[int, sp.Expr]:
    """``{k: f^(k)(x0)/k!}`` for ``k`` up to what the two leading truncation terms need, from
    the Taylor engine (:func:`symtaylor.taylor`; far cheaper than differentiating ``k`` times:
    ``exp(sin(x))/(1 + x**2)`` at 1/3 to order 12 took 24.6 s with ``sp.diff``).

    A float point is expanded at its exact binary value, so the coefficients stay exact."""
    from ..taylor import taylor  # (the finite_diff package is imported by symtaylor first)

    at = sp.Rational(x0f) if isinstance(x0, sp.Float) else x0
    d = st.derivative
    need = d + st.accuracy + 2  # two non-zero moments of a central stencil
    limit = d + len(st.offsets) + 24
    order = min(need, limit)
    while True:
        try:
            t = taylor(expr, [x], at, order)
        except NotAnalyticError:
            raise
        except (InputError, UnsupportedFunctionError) as exc:
            raise UnsupportedFunctionError(
                f"cannot expand {expr} at {x} = {x0} for the truncation terms: {exc}"
            ) from None
        coeffs = {k[0]: v for k, v in t.coefficients.items()}
        coeffs = {k: coeffs.get(k, sp.Integer(0)) for k in range(order + 1)}
        found = _terms_from(coeffs, st)
        polynomial = expr.is_polynomial(x)
        if len(found) >= 2 or order >= limit or polynomial:
            return coeffs
        order = min(limit, order + max(4, order // 2))


def _terms_from(coeffs: Mapping[int, sp.Expr], st: Stencil) -> list[tuple[int, sp.Expr]]:
    """The first two non-vanishing truncation terms ``C_k f^(k)(x0) h^(k-d)`` as
    ``(k - d, m_k/k! * f^(k)(x0))`` (``m_k/k! * k! c_k = m_k c_k``)."""
    d = st.derivative
    out: list[tuple[int, sp.Expr]] = []
    for k in sorted(coeffs):
        if k <= d or len(out) >= 2:
            continue
        m = sum((w * o**k for o, w in zip(st.offsets, st.weights)), sp.Integer(0))
        c = coeffs[k]
        if m == 0:
            continue
        if not _finite_number(c):
            raise NotAnalyticError(
                f"the truncation term needs the derivative of order {k}, which is not finite "
                "there: the function is not smooth enough there for this stencil"
            )
        if _is_zero(c):
            continue
        out.append((k - d, m * c))
    return out


def _shown_value(v: sp.Expr, x0: sp.Expr) -> sp.Expr:
    """An exact value, or 15 digits of it when the point was a float (as SymPy's subs gave)."""
    return v.evalf(15) if isinstance(x0, sp.Float) else v


def _truth(coeffs: Mapping[int, sp.Expr], d: int, x0: sp.Expr, x0f: float
           ) -> Callable[[int], Any]:
    """``f^(d)`` at the float point in mpmath at ``dps`` digits: the Taylor series of
    ``f^(d)`` about the exact point, at the offset ``float(x0) - x0`` (zero for floats)."""
    delta = sp.Rational(x0f) - (sp.Rational(x0f) if isinstance(x0, sp.Float) else x0)

    def at(dps: int) -> Any:
        with mpmath.workdps(dps):
            total = mpmath.mpf(0)
            for j in range(0, 4):
                c = coeffs.get(d + j)
                if c is None or (j and delta == 0):
                    break
                term = sp.factorial(d + j) / sp.factorial(j) * c * delta**j
                total += mpmath.mpmathify(sp.N(term, dps + 10))
            return total
    return at


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


def _term(terms: Sequence[tuple[int, sp.Expr]], i: int) -> sp.Expr:
    """The ``i``-th truncation term ``C h^power`` (0 when the expansion stops before it)."""
    return terms[i][1] * h ** terms[i][0] if len(terms) > i else sp.Integer(0)


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


# -- the model: round-off and the optimal step ---------------------------------------------------


def _roundoff_factor(expr: sp.Expr, x: sp.Symbol, x0: sp.Expr, x0f: float, st: Stencil
                     ) -> sp.Expr:
    """``B = eps * sum|w_i| * |f(x0)|`` of the round-off model ``B / h^d``."""
    S = st.abs_weight_sum
    f_at = expr.subs(x, x0)
    if f_at.has(sp.nan, sp.zoo, sp.oo, -sp.oo):  # a removable singularity: sin(x)/x at 0
        f_at = sp.limit(expr, x, x0)
    f_scale = sp.Abs(f_at)
    if _is_zero(f_at):
        # |f(x)| = 0 would predict no round-off; use the largest |f| on a unit-scale stencil.
        d = st.derivative
        f_np0 = lambdify(x, expr, "math")
        unit = d * EPS * S / abs(st.leading_coefficient)
        h_unit = float(unit ** sp.Rational(1, st.accuracy + d))
        f_scale = sp.Float(max(abs(_safe(f_np0, x0f + float(o) * h_unit)) for o in st.offsets), 17)
    return EPS * S * f_scale


def _safe(fn: Callable[[float], float], v: float) -> float:
    try:
        out = float(fn(v))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return 0.0
    return out if math.isfinite(out) else 0.0


class _OptimalStep(NamedTuple):
    """The step minimising ``A h^power + B / h^d`` and the model's error there."""

    power: int
    A: sp.Expr
    step_exact: sp.Expr
    step: float
    min_error: float


def _optimal_step(terms: Sequence[tuple[int, sp.Expr]], st: Stencil, B: sp.Expr
                  ) -> _OptimalStep:
    """``h* = (d B / (p A))^(1/(p+d))`` from the leading truncation term ``A h^p`` (``inf`` when
    the stencil is exact for ``f``)."""
    d = st.derivative
    if not terms:
        return _OptimalStep(st.accuracy, sp.Integer(0), sp.oo, math.inf, 0.0)
    q, A = terms[0][0], sp.Abs(terms[0][1])
    # No simplify(): it costs more than the whole scan; common factors (E in exp) cancel
    # on their own.
    ratio = d * B / (q * A)
    if _small_numbers(ratio):
        h_star_exact = ratio ** sp.Rational(1, q + d)
    else:  # huge integers (high orders): SymPy would try to factor them for the root
        h_star_exact = sp.Float(sp.N(ratio, 30), 30) ** sp.Rational(1, q + d)
        A, B = sp.Float(sp.N(A, 30), 30), sp.Float(sp.N(B, 30), 30)
    predicted = 0.0
    if B != 0:  # numerically: exact powers of the root can need huge integers
        with mpmath.workdps(30):
            hs, a, b = (mpmath.mpmathify(sp.N(v, 30)) for v in (h_star_exact, A, B))
            predicted = float(a * hs**q + b / hs**d)
    return _OptimalStep(q, A, h_star_exact, float(h_star_exact), predicted)


def _refined(classical: _OptimalStep, expr: sp.Expr, x: sp.Symbol, x0f: float, st: Stencil,
             terms: Sequence[tuple[int, sp.Expr]], B: sp.Expr) -> tuple[_OptimalStep, sp.Expr]:
    """The optimum of the model with the round-off of the values the stencil actually sums.

    The textbook model scales round-off by ``|f(x0)|`` and keeps one truncation term; near a
    zero of ``f`` (``cos`` at ``pi/2``) or of the leading coefficient that is off by orders of
    magnitude. Here, on a fine grid of steps ``h`` (up to half the distance at which a node
    would cross a kink of ``f``), the total error is modelled as

        |C_1| h^p_1 + |C_2| h^p_2 + eps sum_i |w_i| (|f(x_i)| + |x_i f'(x_i)| / 2) / h^d

    (``x_i = x0 + o_i h``; the second part is the rounding of the node ``x_i`` itself). When
    its optimum agrees with the closed form within a factor 2, the closed form is kept (exact);
    otherwise the numeric optimum is returned with ``B`` at that step (as Floats).
    """
    d = st.derivative
    cap = _kink_cap(expr, x, x0f, st)
    if not terms and cap is None:
        return classical, B  # the stencil is exact for f: the larger h, the better
    f_fl = lambdify(x, expr, "math")
    df_fl = lambdify(x, sp.diff(expr, x), "math")
    nodes = [(float(o), abs(float(w))) for o, w in zip(st.offsets, st.weights) if w != 0]
    tr = [(q, abs(float(c))) for q, c in terms]
    scale = max(1.0, abs(x0f))
    best: tuple[float, float, float] | None = None
    for k in range(0, 20 * 17):
        hv = scale * 10.0 ** (-k / 20)
        if cap is not None and hv > cap:
            continue
        acc = 0.0
        for o, w in nodes:
            xi = x0f + o * hv
            fi, dfi = _value(f_fl, xi), _value(df_fl, xi)
            if fi is None:
                acc = math.nan
                break
            acc += w * (abs(fi) + (_NODE_ROUNDING * abs(xi * dfi) if dfi is not None else 0.0))
        if not math.isfinite(acc):
            continue
        b = float(EPS) * acc
        total = sum(a * hv**q for q, a in tr) + b / hv**d
        if math.isfinite(total) and (best is None or total < best[1]):
            best = (hv, total, b)
    if best is None:
        return classical, B
    hv, total, b = best
    if (math.isfinite(classical.step) and classical.min_error > 0
            and 0.5 <= classical.step / hv <= 2 and 0.5 <= classical.min_error / total <= 2):
        return classical, B
    return _OptimalStep(classical.power, classical.A, sp.Float(hv, 15), hv, total), sp.Float(b, 15)


#: Weight of the rounding of the nodes ``x0 + o h`` in the round-off model (see _refined).
_NODE_ROUNDING = 0.5


def _value(fn: Callable[[float], float], v: float) -> float | None:
    try:
        out = float(fn(v))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    return out if math.isfinite(out) else None


def _kink_cap(expr: sp.Expr, x: sp.Symbol, x0f: float, st: Stencil) -> float | None:
    """Half the largest step whose nodes stay on the smooth side of the nearest kink or jump
    of ``expr`` (a zero of the arguments in :data:`_BREAKS`), or None when there is none
    within ``1e3 * max(1, |x0|)``."""
    reach = max(abs(float(o)) for o in st.offsets)
    dist = math.inf
    for kind, breaks in _BREAKS.items():
        for node in expr.atoms(kind):
            for u in breaks(node):
                if u.has(x):
                    dist = min(dist, _zero_distance(lambdify(x, u, "math"), x0f))
    return None if not math.isfinite(dist) else 0.5 * dist / reach


def _zero_distance(u: Callable[[float], float], x0f: float) -> float:
    """Distance from ``x0f`` to the nearest sign change of ``u`` (geometric search, then
    bisection); ``inf`` when none is found within ``1e3 * max(1, |x0|)``."""
    u0 = _value(u, x0f)
    if u0 is None or u0 == 0:
        return math.inf
    scale = max(1.0, abs(x0f))
    for k in range(-120, 31):
        r = scale * 10.0 ** (k / 10)
        for side in (-1.0, 1.0):
            v = _value(u, x0f + side * r)
            if v is not None and (v == 0 or (v > 0) != (u0 > 0)):
                lo, hi = (0.0, r)
                for _ in range(60):  # bisection on the distance
                    mid = 0.5 * (lo + hi)
                    w = _value(u, x0f + side * mid)
                    if w is not None and (w == 0 or (w > 0) != (u0 > 0)):
                        hi = mid
                    else:
                        lo = mid
                return hi
    return math.inf


def _small_numbers(e: sp.Expr, digits: int = 40) -> bool:
    """Whether every rational in ``e`` has fewer than ``digits`` digits."""
    return all(len(str(abs(r.p))) < digits and len(str(r.q)) < digits
               for r in e.atoms(sp.Rational))


# -- the measurement ---------------------------------------------------------------------------


def _nodes(st: Stencil) -> list[tuple[sp.Rational, sp.Rational]]:
    """``(offset, weight)`` of the nodes with a non-zero weight, from the largest offset down:
    how the textbook formulas are written ((f(x+h) - 2f(x) + f(x-h))/h**2)."""
    return sorted(((o, w) for o, w in zip(st.offsets, st.weights) if w != 0),
                  key=lambda ow: -ow[0])


def _float64_stencil(expr: sp.Expr, x: sp.Symbol, x0f: float, st: Stencil, hs: list[float]
                     ) -> list[float]:
    """The stencil evaluated in float64 at each step, bit for bit as hand-written code does."""
    d = st.derivative
    # One scalar call per node, as hand-written code does (f(x + h) with x a Python float and
    # NumPy functions): vectorised NumPy may round differently (np.power vs float.__pow__).
    f_np = lambdify(x, expr, "numpy")
    wf = [(float(o), float(w)) for o, w in _nodes(st)]
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
    return approx


def _scan(
    expr: sp.Expr,
    truth_at: Callable[[int], Any],
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
    approx = _float64_stencil(expr, x, x0f, st, hs)
    f_mp = lambdify(x, expr, "mpmath")
    # Enough digits that the truncation part (~h^q) survives the cancellation (~1/h^d).
    dps = max(_MIN_DPS, 30 + math.ceil((q + d) * max(0.0, -math.log10(min(hs)))))
    rows = []
    with mpmath.workdps(dps):
        X0 = mpmath.mpf(x0f)
        truth = truth_at(dps)
        if not _is_real_finite(truth):
            raise NotAnalyticError(f"the derivative of {expr} is not finite at {x} = {x0f!r}")
        ws = [(mpmath.mpf(int(o.p)) / int(o.q), mpmath.mpf(int(w.p)) / int(w.q))
              for o, w in _nodes(st)]
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


def _observed_optimum(rows: Sequence[FDRow]) -> tuple[float, float]:
    """The scanned step with the smallest measured error, and that error (nan if none)."""
    finite = [r for r in rows if r.dominated_by != "undefined"]
    if not finite:
        return math.nan, math.nan
    best = min(finite, key=lambda r: r.error)
    return best.h, best.error


def _is_real_finite(v: Any) -> bool:
    if isinstance(v, mpmath.mpc):
        if abs(v.imag) > 0:
            return False
        v = v.real
    try:
        return bool(mpmath.isfinite(v))
    except TypeError:
        return False
