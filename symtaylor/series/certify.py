r"""Certified bounds of the Taylor remainder ``f - T_n`` over boxes, and error tables.

Ball arithmetic (python-flint ``arb``) throughout; three rigorous forms, the best taken per
sub-box by branch and bound over the region (:func:`symtaylor.enclosure.branch_and_bound`):

* Lagrange: the engine run with ball coefficients over the hull of the point and a sub-box
  encloses the order-``K`` coefficients ``D^alpha f(xi)/alpha!`` for ``xi`` in that hull, so
  ``R_n = sum_{n<j<K} (exact terms of degree j) + (Lagrange term of degree K)``, for
  ``K = n+1 .. n+extra`` (the exact next terms matter when they vanish, as for ``sin`` at 0).
* Centred: a Taylor model of ``R = f - T_n`` about the sub-box centre (point coefficients below
  the top degree, a Lagrange term over the sub-box at the top): tight far from the point.
* Plain: ``f(B) - T(B)``, the constant term of the ball series over the box minus ``T`` there;
  helps on wide sub-boxes. ``compile_enclosure(f - T_n)`` is the last resort.

The attained side (the lower bound) is ``|f - T_n|`` at sample points in mpmath at 50 digits,
with ``T_n`` from its exact coefficients evaluated at 60 digits.

Examples
--------
>>> import math
>>> from symtaylor import taylor
>>> cert = certify(taylor("exp(x)", "x", at=0, order=1), (0, 1))   # max at x = 1: e - 2
>>> cert.attained, cert.upper >= math.e - 2, cert.ratio < 1.01
(0.71828182845904..., True, True)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp
from flint import arb

from ..coerce import PointLike, RegionLike, _show, as_number, as_positive_int, as_region
from ..enclosure import _arb_up, branch_and_bound, compile_enclosure
from ..errors import CertificationError, InputError, UnsupportedFunctionError
from ..lambdify import lambdify
from .domain import _ball, _mono, _mpf, _Unbounded
from .engine import _Engine
from .expand import _expand_core
from .kernel import Series, _add, _mul, _pow_int
from .records import ErrorRow, ErrorTable, RemainderCertificate

if TYPE_CHECKING:
    from .expansion import TaylorExpansion

Box = Sequence[tuple[float, float]]

#: what a ball evaluation may raise where no ball bound exists (the forms then give ``inf``)
_NO_BALLS = (_Unbounded, UnsupportedFunctionError, CertificationError)


def _numeric_point(t: TaylorExpansion) -> list[float]:
    try:
        return [float(a) for a in t.point]
    except TypeError:
        raise InputError(
            f"a remainder bound needs a numeric expansion point, got {t.point}; "
            "substitute values for its symbols first"
        ) from None


def _mp_coefficients(t: TaylorExpansion) -> dict[tuple[int, ...], Any]:
    """The coefficients of ``t`` as mpmath numbers at the working precision: from the ring
    elements of the series the expansion built (fast route), else by ``evalf``."""
    if t._exact is not None:
        return t._exact.mp_coefficients()
    return {k: _mpf(v) for k, v in t.coefficients.items()}


class _Certifier:
    """What certifying one expansion needs, prepared once: an engine of order ``n + extra``,
    ``T_n``'s coefficients and the exact next terms as tight balls, ``f`` and ``T_n`` in
    mpmath."""

    def __init__(self, t: TaylorExpansion) -> None:
        self.t = t
        self.a = _numeric_point(t)
        free = t.function.free_symbols - set(t.variables)
        if free:
            raise CertificationError(
                f"cannot bound a function with free parameters {sorted(map(str, free))}; "
                "substitute numbers for them"
            )
        n = self.n = t.order
        self.extra = 3 if len(t.variables) == 1 else 2
        self.engine = _Engine(t.variables, n + self.extra)
        self.fexpr = t.function  # tan, tanh, ... through their derivative tables: bounded balls
        self.abox = [_ball(p) for p in t.point]
        self.tballs, self.higher = self._point_balls()
        self.f_mp = lambdify(t.variables, t.function, "mpmath")
        with mpmath.workdps(60):
            self.a_mp = [_mpf(p) for p in t.point]
            self.c_mp = list(_mp_coefficients(t).items())
        self.prog: Any = None

    def _point_balls(self) -> tuple[dict, dict]:
        """Taylor coefficients at the exact point, as tight balls: of degree <= n they are T's
        (enclosing its exact coefficients), of degrees n+1 .. n+extra the exact next terms."""
        t, n, extra = self.t, self.n, self.extra
        try:
            at_a = self.engine.balls(self.fexpr, None, self.abox)
            if not all(v.is_finite() for v in at_a.values()):
                raise _Unbounded
            tballs = {k[1:]: v for k, v in at_a.items() if k[0] <= n}
            higher = {k[1:]: v for k, v in at_a.items() if n < k[0]}
        except _NO_BALLS:
            # e.g. a removable singularity at the point: convert the exact coefficients
            hi = _expand_core(t.function, t.variables, t.point, n + extra).coefficients
            higher = {k: _ball(v) for k, v in hi.items() if n < sum(k) <= n + extra}
            tballs = {k: _ball(v) for k, v in t.coefficients.items()}
        return tballs, higher

    def t_mp(self, *xs: Any) -> Any:
        """T_n at a point, from its coefficients at 60 digits (no huge lambdified code)."""
        total = mpmath.mpf(0)
        for key, cv in self.c_mp:
            term = cv
            for xi, ai, k in zip(xs, self.a_mp, key):
                if k:
                    term *= (xi - ai) ** k
            total += term
        return total

    # -- the upper side ------------------------------------------------------------------------
    def natural(self, box: Box) -> float:
        """Interval evaluation of ``f - T_n`` itself (compiled on first use)."""
        if self.prog is None:
            try:
                self.prog = compile_enclosure([self.t.function - self.t.polynomial],
                                              list(self.t.variables))
            except UnsupportedFunctionError:
                self.prog = False
        if self.prog is False:
            return math.inf
        iv = self.prog(box)[0]
        return iv.mag if iv.is_bounded else math.inf

    def box_upper(self, box: Box) -> float:
        """Certified bound of |f - T_n| over one box (the best of several rigorous forms)."""
        n, extra = self.n, self.extra
        # the exact point as a ball (pi/3 is not a float): hull of it and the box, and x - a
        hull = [arb(lo).union(arb(hi)).union(ab) for (lo, hi), ab in zip(box, self.abox)]
        dx = [arb(lo).union(arb(hi)) - ab for (lo, hi), ab in zip(box, self.abox)]
        best = math.inf
        try:
            balls = self.engine.balls(self.fexpr, None, hull)
        except _NO_BALLS:
            return min(self.natural(box), self.centred_upper(box))
        # R_n = sum_{n<j<K} exact terms_j(x - a) + Lagrange_K(xi in hull), for K = n+1..n+extra
        exact_part = arb(0)
        for K in range(n + 1, n + extra + 1):
            lag = arb(0)
            for key, cb in balls.items():
                if key[0] == K:
                    lag += cb * _mono(dx, key)
            if lag.is_finite():
                best = min(best, _arb_up(abs(exact_part + lag)))
            for key, cv in self.higher.items():
                if sum(key) == K:
                    exact_part += cv * _mono(dx, (K, *key))
        if all(lo == hi for lo, hi in box):
            best = min(best, self.point_upper([lo for lo, _ in box]))
        else:
            best = min(best, self.centred_upper(box))
        return best if math.isfinite(best) else self.natural(box)

    def point_upper(self, pt: Sequence[float]) -> float:
        """``|f(x) - T_n(x)|`` at one point, enclosed by balls (tight: no Lagrange term)."""
        engine = self.engine
        try:
            fx = engine.balls(self.fexpr, [(p, p) for p in pt]).get(engine.zero, arb(0))
        except _NO_BALLS:
            return math.inf
        dx = [arb(p) - ab for p, ab in zip(pt, self.abox)]
        tx = arb(0)
        for key, tb in self.tballs.items():
            tx += tb * _mono(dx, (sum(key), *key))
        r = fx - tx
        return _arb_up(abs(r)) if r.is_finite() else math.inf

    def _t_about(self, mid: Sequence[float]) -> Series:
        """``T_n(c + h)`` as a series in ``h``: ``sum t_alpha prod (c_i - a_i + h_i)^alpha_i``."""
        engine, top = self.engine, self.engine.order
        shift = [arb(m) - ab for m, ab in zip(mid, self.abox)]
        lin = [{engine.zero: d, u: arb(1)} for d, u in zip(shift, engine.units)]
        t_at_c: Series = {}
        for key, tb in self.tballs.items():
            term: Series = {engine.zero: tb}
            for s_i, k in zip(lin, key):
                if k:
                    term = _mul(term, _pow_int(s_i, k, top, engine.zero), top)
            t_at_c = _add(t_at_c, term)
        return t_at_c

    def _t_over(self, box: Box) -> arb:
        """``T_n`` over the box, as a ball."""
        xa = [arb(lo).union(arb(hi)) - ab for (lo, hi), ab in zip(box, self.abox)]
        t_box = arb(0)
        for key, tb in self.tballs.items():
            t_box += tb * _mono(xa, (sum(key), *key))
        return t_box

    def centred_upper(self, box: Box) -> float:
        """A Taylor model of ``R = f - T_n`` about the box centre ``c``: point coefficients
        ``D^alpha R(c)/alpha!`` below the top degree ``K``, Lagrange enclosures over the box at
        degree ``K``. Tight on small boxes far from the expansion point, where the hull of the
        point and the box makes the plain Lagrange form loose."""
        if all(lo == hi for lo, hi in box):
            return math.inf
        engine, top = self.engine, self.engine.order
        mid = [0.5 * (lo + hi) for lo, hi in box]
        try:
            at_c = engine.balls(self.fexpr, [(m, m) for m in mid])
            over = engine.balls(self.fexpr, box)
        except _NO_BALLS:
            return math.inf
        t_at_c = self._t_about(mid)
        dx = [arb(lo).union(arb(hi)) - arb(m) for (lo, hi), m in zip(box, mid)]
        total = arb(0)
        for key, cb in at_c.items():
            if key[0] < top:
                total += (cb - t_at_c.get(key, 0)) * _mono(dx, key)
        for key, cb in over.items():
            if key[0] == top:
                total += cb * _mono(dx, key)
        best = _arb_up(abs(total)) if total.is_finite() else math.inf
        # plain enclosure f(B) - T(B) (the constant term over the box is f's range): better on
        # wide boxes, where the Taylor forms' high derivatives overestimate
        plain = over.get(engine.zero, arb(0)) - self._t_over(box)
        if plain.is_finite():
            best = min(best, _arb_up(abs(plain)))
        return best

    # -- the attained side ---------------------------------------------------------------------
    def attained(self, pt: Sequence[float]) -> float:
        with mpmath.workdps(50):
            try:
                xs = [mpmath.mpf(p) for p in pt]
                v = self.f_mp(*xs) - self.t_mp(*xs)
                return float(abs(v))
            except (ZeroDivisionError, ValueError, TypeError):
                return 0.0

    def low(self, b: Box) -> float:
        """The largest ``|f - T_n|`` attained at the centre (and, up to 3 variables, the
        corners) of a box."""
        pts = [[0.5 * (lo + hi) for lo, hi in b]]
        if len(b) <= 3:
            pts.extend(list(p) for p in itertools.product(*b))
        return max(self.attained(p) for p in pts)

    # -- the products ----------------------------------------------------------------------------
    def certify(self, box: list[tuple[float, float]], rtol: float, max_boxes: int
                ) -> RemainderCertificate:
        t = self.t
        if t.function.is_polynomial(*t.variables) and sp.expand(
                t.function - t.polynomial) == 0:  # T_n reproduces f exactly
            return RemainderCertificate(0.0, 0.0, tuple(box), 0, True)
        res = branch_and_bound(self.box_upper, self.low, box, rtol=rtol, max_boxes=max_boxes)
        if res.lower > res.upper * (1 + 1e-9) + 1e-300:  # pragma: no cover - a bug guard
            raise CertificationError(
                f"internal inconsistency: |f - T| = {res.lower!r} attained above the bound "
                f"{res.upper!r}; please report this case"
            )
        if not math.isfinite(res.upper):
            raise CertificationError(
                f"no finite bound of the remainder of {t.function} over {box}: the function "
                "or its derivatives are unbounded (or undefined) somewhere in the region"
            )
        return RemainderCertificate(res.upper, res.lower, tuple(box), res.boxes, res.converged)

    def row(self, p: list[float]) -> ErrorRow:
        """True error (50 digits), certified bound and scaled error at one point."""
        a = self.a
        with mpmath.workdps(50):
            mp_p = [mpmath.mpf(v) for v in p]
            fv, tv = self.f_mp(*mp_p), self.t_mp(*mp_p)
            err = abs(fv - tv)
            dist = max(abs(pi - ai) for pi, ai in zip(mp_p, [mpmath.mpf(v) for v in a]))
            scaled = float(err / dist ** (self.n + 1)) if dist else math.nan
        bound = self.box_upper([(v, v) for v in p]) if dist else 0.0  # f(a) = T(a)
        return ErrorRow(tuple(p), float(dist), float(fv), float(tv), float(err),
                        bound, scaled, tuple(pi - ai for pi, ai in zip(p, a)))


def certify(t: TaylorExpansion, region: RegionLike, rtol: float = 0.1,
            max_boxes: int | None = None) -> RemainderCertificate:
    """A certified bound of ``|f(x) - T_n(x)|`` over a box (see
    :meth:`symtaylor.series.expansion.TaylorExpansion.certify`)."""
    box = list(as_region(region, t.variables))
    rtol = float(as_number(rtol, "rtol"))
    if not rtol >= 0:
        raise InputError(f"rtol must be non-negative, got {rtol}")
    if max_boxes is None:
        max_boxes = 600 if len(box) == 1 else 800
    max_boxes = as_positive_int(max_boxes, "max_boxes")
    return t._certifier.certify(box, rtol, max_boxes)


def _real(value: Any, what: str) -> float:
    """A finite real number as a float (text parsed safely, never sympified)."""
    try:
        v = float(value) if type(value) in (int, float) else float(as_number(value, what))
    except (TypeError, OverflowError):
        raise InputError(f"{what}: {_show(value)} is not a finite float") from None
    if not math.isfinite(v):
        raise InputError(f"{what}: {_show(value)} is not finite")
    return v


def _table_points(t: TaylorExpansion, points: Sequence[PointLike] | None,
                  steps: Sequence[PointLike] | None) -> list[list[float]]:
    """The points of an error table, from ``points`` or from ``steps`` off the expansion
    point (scalars apply to every variable)."""
    a = _numeric_point(t)
    m = len(t.variables)
    if (points is None) == (steps is None):
        raise InputError("give exactly one of points= or steps=")
    what = "points" if points is not None else "steps"
    given = points if points is not None else steps
    if hasattr(given, "tolist") and not isinstance(given, sp.Basic):
        given = given.tolist()  # a NumPy array
    if not isinstance(given, list | tuple) or not given:
        raise InputError(f"{what} must be a non-empty list, got {_show(given)}")
    pts: list[list[float]] = []
    for p in given:
        vals = list(p) if isinstance(p, list | tuple) else [p] * m
        if len(vals) != m:
            raise InputError(f"{what}: {_show(p)} has {len(vals)} coordinates, "
                             f"expected {m}")
        vals = [_real(v, what) for v in vals]
        if steps is not None:
            vals = [ai + v for ai, v in zip(a, vals)]
        pts.append(vals)
    return pts


def error_table(t: TaylorExpansion, points: Sequence[PointLike] | None = None, *,
                steps: Sequence[PointLike] | None = None) -> ErrorTable:
    """True error, certified bound and ``error/|x-a|^(n+1)`` at points (see
    :meth:`symtaylor.series.expansion.TaylorExpansion.error_table`)."""
    pts = _table_points(t, points, steps)
    certifier = t._certifier
    return ErrorTable(t, tuple(certifier.row(p) for p in pts))
