r"""Exact Taylor polynomials, Lagrange remainders and certified remainder bounds.

:func:`taylor` expands a function of one or several variables about a numeric or symbolic
point to a given total order, exactly. It does not differentiate repeatedly: substituting
``x_i = a_i + h_i`` (the ``t``-substitution ``x_i = a_i + t h_i`` with the powers of ``t``
read off as total degrees in ``h``) turns the expansion into truncated power-series arithmetic
on exact coefficients. Sums and products are truncated products of series; a function
``F(g)`` is the composition ``sum_k F^(k)(g_0)/k! (g - g_0)^k`` with the Taylor coefficients
of ``F`` at the constant term ``g_0`` known in closed form (``exp``, ``sin``, ``log``,
powers, ...) or by differentiating ``F`` alone (``atan``, ``tan``, ...).

Coefficients live in ``QQ[c_1, ..., c_r]``, a polynomial ring over the rationals whose
generators ``c_j`` are the exact constants met on the way (``exp(1/2)``, ``sin(1/3)``,
``sqrt(3)``, ``1/log(2)``, a symbolic point ``a``). At a rational point of a rational function
the ring is plain ``QQ`` (python-flint ``fmpq``), which is the fast path.

Where the fast route meets a singular constant term (``log`` or ``1/g`` or ``g**(1/3)`` with
``g_0 = 0``: a pole, a branch point or a removable singularity like ``sin(x)/x``), it falls back
to SymPy's ``series`` in ``t`` (slower but exact) and accepts the result only if both one-sided
expansions agree and every power of ``t`` is a non-negative integer; otherwise the function is
not analytic there and :class:`~symtaylor.errors.NotAnalyticError` is raised.

Remainder bounds are certified by ball arithmetic (python-flint ``arb``): the same series
engine run with interval coefficients over the hull of the point and a box gives enclosures of
all the order-``k`` Taylor coefficients ``D^alpha f(xi)/alpha!`` for ``xi`` in that hull, i.e. of
the Lagrange remainder (with the exact next terms added when they vanish, as for ``sin`` at 0).
A second form, a Taylor model of ``f - T_n`` about each sub-box centre (point coefficients plus
a Lagrange term over the sub-box), is tight far from the expansion point; a third, the plain
enclosure ``f(B) - T(B)``, helps on wide sub-boxes. Branch and bound over the region takes the
best of them per sub-box.

Examples
--------
>>> from symtaylor import taylor
>>> t = taylor("sin(x)", "x", at=0, order=3)
>>> t.polynomial
-x**3/6 + x
>>> t.remainder
x**4*sin(xi)/24
>>> taylor("exp(x)*sin(y)", "x, y", at=(0, 0), order=3).polynomial
x**2*y/2 + x*y - y**3/6 + y
>>> taylor("log(x)", "x", at=0, order=2)
Traceback (most recent call last):
...
symtaylor.errors.NotAnalyticError: log(x) is not analytic at x = 0: ...
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp
from flint import arb

from .coerce import (
    ExprLike,
    OrderLike,
    PointLike,
    RegionLike,
    VariablesLike,
    _show,
    as_expr,
    as_number,
    as_order,
    as_point,
    as_positive_int,
    as_region,
    as_variables,
)
from .enclosure import (
    _arb_up,
    branch_and_bound,
    compile_enclosure,
)
from .errors import (
    CertificationError,
    InputError,
    SymTaylorError,
    UnsupportedFunctionError,
)
from .latex import display
from .series.domain import (
    _ball,
    _mono,
    _mpf,
    _Unbounded,
)
from .series.engine import _Engine, _Singular
from .series.fallback import _check_real, _fallback, _where
from .series.kernel import Series, _add, _mul, _multi_indices, _pow_int
from .series.rewrite import _resolve_branches, _rewrite

__all__ = [
    "Coefficients",
    "ErrorRow",
    "ErrorTable",
    "RemainderCertificate",
    "TaylorExpansion",
    "taylor",
]

MAX_ORDER = 200



# -- results --------------------------------------------------------------------------------------


class Coefficients(Mapping):
    """Read-only ``{multi-index: exact coefficient}``.

    Iterates over the non-zero coefficients; any multi-index of total degree ``<= order``
    may be looked up (absent ones are ``0``). Equal to a plain dict with the same non-zero
    entries (zeros in the dict are ignored).

    Examples
    --------
    >>> from symtaylor import taylor
    >>> c = taylor("sin(x)", "x", at=0, order=3).coefficients
    >>> c[(1,)], c[(2,)], c[(3,)]
    (1, 0, -1/6)
    >>> c == {(1,): 1, (3,): sp.Rational(-1, 6)}
    True
    """

    def __init__(self, data: Mapping[tuple[int, ...], sp.Expr], nvars: int, order: int) -> None:
        self._data = dict(sorted(data.items(), key=lambda kv: (sum(kv[0]), [-e for e in kv[0]])))
        self._nvars = nvars
        self._order = order

    def __getitem__(self, key: tuple[int, ...]) -> sp.Expr:
        if isinstance(key, int) and self._nvars == 1:
            key = (key,)
        if key in self._data:
            return self._data[key]
        if (isinstance(key, tuple) and len(key) == self._nvars
                and all(isinstance(e, int) and e >= 0 for e in key) and sum(key) <= self._order):
            return sp.Integer(0)
        raise KeyError(key)

    def __iter__(self) -> Iterator[tuple[int, ...]]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        try:
            values = {k: as_expr(v) for k, v in other.items()}
        except SymTaylorError:
            return False
        theirs = {tuple(k) if not isinstance(k, int) else (k,): v
                  for k, v in values.items() if v != 0}
        return self._data == theirs

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in self._data.items()) + "}"


@dataclass(frozen=True)
class RemainderCertificate:
    """A certified bound of ``|f(x) - T_n(x)|`` over a box.

    Attributes
    ----------
    upper : float
        Rigorous upper bound (outward-rounded ball arithmetic).
    attained : float
        ``|f - T_n|`` evaluated (mpmath, 50 digits) at the worst sample point found: the
        true maximum lies in ``[attained, upper]``.
    region : tuple of (lo, hi)
    boxes : int
        Sub-boxes evaluated by branch and bound.
    converged : bool
        Whether ``upper <= (1 + rtol) * attained`` was reached within the budget.
    """

    upper: float
    attained: float
    region: tuple[tuple[float, float], ...]
    boxes: int
    converged: bool

    @property
    def ratio(self) -> float:
        return self.upper / self.attained if self.attained > 0 else math.inf

    def __float__(self) -> float:
        return self.upper

    def latex(self) -> str:
        """``attained <= max |f - T_n| <= upper`` over the box, as LaTeX."""
        box = r" \times ".join(f"[{lo:g}, {hi:g}]" for lo, hi in self.region)
        return (rf"{_tex_num(self.attained)} \le \max_{{{box}}} |f - T_n| \le "
                rf"{_tex_num(self.upper)}")

    def _repr_latex_(self) -> str:
        return display(self.latex())


@dataclass(frozen=True)
class ErrorRow:
    """One row of an :class:`ErrorTable` (floats for display; the bound is certified)."""

    point: tuple[float, ...]
    distance: float
    value: float
    model: float
    error: float
    bound: float
    scaled: float
    step: tuple[float, ...] = ()

    @property
    def relative(self) -> float:
        """``error / |f(x)|`` (``inf`` where ``f(x) = 0`` and the error is not)."""
        if self.value:
            return self.error / abs(self.value)
        return 0.0 if self.error == 0 else math.inf


@dataclass(frozen=True)
class ErrorTable:
    """True error, certified bound and ``error / |x - a|^(n+1)`` at chosen points.

    ``scaled`` tends to ``|f^(n+1)(a)|/(n+1)!`` as the step shrinks when that is non-zero
    (the error is ``O(|x - a|^(n+1))``).
    """

    expansion: TaylorExpansion
    rows: tuple[ErrorRow, ...]

    def __str__(self) -> str:
        n = self.expansion.order
        one = len(self.expansion.variables) == 1
        head = (f"{'x' if one else 'point':>14} | {'x - a' if one else 'step':>10} | "
                f"{'f(x)':>14} | {'T_' + str(n) + '(x)':>14} | {'error':>11} | "
                f"{'% error':>9} | {'bound':>11} | "
                f"{'err/|x-a|^' + str(n + 1):>13}")
        lines = [head, "-" * len(head)]
        for r in self.rows:
            pt = ", ".join(f"{p:g}" for p in r.point)
            st = ", ".join(f"{p:g}" for p in r.step)
            lines.append(f"{pt:>14} | {st:>10} | {r.value:>14.8g} | {r.model:>14.8g} | "
                         f"{r.error:>11.4e} | {100 * r.relative:>8.3g}% | {r.bound:>11.4e} | "
                         f"{r.scaled:>13.6g}")
        return "\n".join(lines)

    def latex(self) -> str:
        """The table as a LaTeX ``array``."""
        n = self.expansion.order
        body = [r"\begin{array}{rrrrrrr}",
                rf"x & x - a & f(x) & T_{{{n}}}(x) & |f - T_{{{n}}}| & \text{{bound}} & "
                rf"|f - T_{{{n}}}|/|x-a|^{{{n + 1}}} \\ \hline"]
        for r in self.rows:
            pt = ", ".join(f"{p:g}" for p in r.point)
            st = ", ".join(f"{p:g}" for p in r.step)
            body.append(f"{pt} & {st} & {r.value:.8g} & {r.model:.8g} & {_tex_num(r.error)} & "
                        f"{_tex_num(r.bound)} & {r.scaled:.6g} \\\\")
        body.append(r"\end{array}")
        return "\n".join(body)

    def _repr_latex_(self) -> str:
        return display(self.latex())


def _tex_num(v: float) -> str:
    m, e = f"{v:.3e}".split("e")
    return rf"{m} \cdot 10^{{{int(e)}}}"


@dataclass(frozen=True)
class TaylorExpansion:
    r"""The Taylor polynomial of total degree ``order`` of ``function`` about ``point``.

    Attributes
    ----------
    function : sympy.Expr
    variables : tuple of Symbol
    point : tuple of sympy.Expr
    order : int
    coefficients : Coefficients
        ``{alpha: D^alpha f(a) / alpha!}`` (exact).
    polynomial : sympy.Expr
        ``sum_alpha c_alpha (x - a)^alpha`` in the original variables.
    method : str
        ``"series-arithmetic"`` (the fast route) or ``"sympy-series"`` (the fallback).

    Examples
    --------
    >>> t = taylor("exp(x)", "x", at=1, order=2)
    >>> t.polynomial
    E*(x - 1)**2/2 + E*(x - 1) + E
    >>> t.coefficients[(2,)]
    E/2
    >>> print(t.latex())
    e^{x} = \frac{\left(x - 1\right)^{2} e}{2} + \left(x - 1\right) e + e + R_{2}(x)
    """

    function: sp.Expr
    variables: tuple[sp.Symbol, ...]
    point: tuple[sp.Expr, ...]
    order: int
    coefficients: Coefficients
    polynomial: sp.Expr
    method: str = "series-arithmetic"
    _compiled: dict = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        at = _where(self.variables, self.point)
        return (f"TaylorExpansion(order {self.order} of {self.function} at {at}: "
                f"{self.polynomial_text()})")

    @property
    def remainder_symbol(self) -> sp.Symbol:
        """The intermediate-point symbol of :attr:`remainder`: ``xi`` (one variable) or
        ``theta`` in (0, 1) (several)."""
        name = "xi" if len(self.variables) == 1 else "theta"
        taken = {s.name for s in self.function.free_symbols | set(self.variables)}
        while name in taken:
            name += "_"
        return sp.Symbol(name, real=True) if name.startswith("theta") else sp.Symbol(name)

    @functools.cached_property
    def remainder(self) -> sp.Expr:
        """The Lagrange remainder ``f - T_n`` with its intermediate point explicit.

        One variable: ``f^(n+1)(xi)/(n+1)! (x - a)^(n+1)`` with ``xi`` between ``a`` and ``x``.
        Several: ``sum_{|alpha| = n+1} D^alpha f(a + theta (x - a))/alpha! (x - a)^alpha``,
        ``0 < theta < 1``.
        """
        n1 = self.order + 1
        s = self.remainder_symbol
        if len(self.variables) == 1:
            (x,), (a,) = self.variables, self.point
            d = sp.diff(self.function, x, n1).xreplace({x: s})
            return d / sp.factorial(n1) * (x - a) ** n1
        sub = {v: a + s * (v - a) for v, a in zip(self.variables, self.point)}
        terms = []
        for alpha in _multi_indices(len(self.variables), n1):
            d = self.function
            for v, k in zip(self.variables, alpha):
                if k:
                    d = sp.diff(d, v, k)
            if d == 0:
                continue
            fac = math.prod(math.factorial(k) for k in alpha)
            mono = sp.Mul(*[(v - a) ** k for v, a, k in zip(self.variables, self.point, alpha)])
            terms.append(d.xreplace(sub) / fac * mono)
        return sp.Add(*terms)

    # -- evaluation helpers ---------------------------------------------------------------------
    def __call__(self, *values: Any) -> sp.Expr:
        """The polynomial at a point (exact if the point is)."""
        if len(values) != len(self.variables):
            raise InputError(f"expected {len(self.variables)} values, got {len(values)}")
        return self.polynomial.xreplace(dict(zip(self.variables, map(as_expr, values))))

    def _numeric_point(self) -> list[float]:
        try:
            return [float(a) for a in self.point]
        except TypeError:
            raise InputError(
                f"a remainder bound needs a numeric expansion point, got {self.point}; "
                "substitute values for its symbols first"
            ) from None

    def _region(self, region: RegionLike) -> list[tuple[float, float]]:
        return list(as_region(region, self.variables))

    def _prepare(self) -> dict:
        if "engine" in self._compiled:
            return self._compiled
        a = self._numeric_point()
        free = self.function.free_symbols - set(self.variables)
        if free:
            raise CertificationError(
                f"cannot bound a function with free parameters {sorted(map(str, free))}; "
                "substitute numbers for them"
            )
        n = self.order
        extra = 3 if len(self.variables) == 1 else 2
        engine = _Engine(self.variables, n + extra)
        fexpr = self.function  # tan, tanh, ... through their derivative tables: bounded balls
        # Taylor coefficients at the exact point, as tight balls: of degree <= n they are T's
        # (enclosing its exact coefficients), of degrees n+1 .. n+extra the exact next terms.
        try:
            at_a = engine.balls(fexpr, None, [_ball(p) for p in self.point])
            if not all(v.is_finite() for v in at_a.values()):
                raise _Unbounded
            tballs = {k[1:]: v for k, v in at_a.items() if k[0] <= n}
            higher = {k[1:]: v for k, v in at_a.items() if n < k[0]}
        except (_Unbounded, UnsupportedFunctionError, CertificationError):
            # e.g. a removable singularity at the point: convert the exact coefficients
            hi = _expand_core(self.function, self.variables, self.point, n + extra)[0]
            higher = {k: _ball(v) for k, v in hi.items() if n < sum(k) <= n + extra}
            tballs = {k: _ball(v) for k, v in self.coefficients.items()}
        f_mp = sp.lambdify(self.variables, self.function, modules="mpmath")
        with mpmath.workdps(60):
            a_mp = [_mpf(p) for p in self.point]
            c_mp = list(_mp_coefficients(self).items())

        def t_mp(*xs: Any) -> Any:
            """T_n at a point, from its coefficients at 60 digits (no huge lambdified code)."""
            total = mpmath.mpf(0)
            for key, cv in c_mp:
                term = cv
                for xi, ai, k in zip(xs, a_mp, key):
                    if k:
                        term *= (xi - ai) ** k
                total += term
            return total

        self._compiled.update(a=a, higher=higher, tballs=tballs, prog=None, f_mp=f_mp,
                              t_mp=t_mp, extra=extra, fexpr=fexpr, engine=engine,
                              abox=[_ball(p) for p in self.point])
        return self._compiled

    def _natural(self, box: Sequence[tuple[float, float]]) -> float:
        """Interval evaluation of ``f - T_n`` itself (compiled on first use)."""
        c = self._compiled
        if c["prog"] is None:
            try:
                c["prog"] = compile_enclosure([self.function - self.polynomial],
                                              list(self.variables))
            except UnsupportedFunctionError:
                c["prog"] = False
        if c["prog"] is False:
            return math.inf
        iv = c["prog"](box)[0]
        return iv.mag if iv.is_bounded else math.inf

    def _box_upper(self, box: Sequence[tuple[float, float]]) -> float:
        """Certified bound of |f - T_n| over one box (the best of several rigorous forms)."""
        c = self._prepare()
        n, extra = self.order, c["extra"]
        # the exact point as a ball (pi/3 is not a float): hull of it and the box, and x - a
        hull = [arb(lo).union(arb(hi)).union(ab) for (lo, hi), ab in zip(box, c["abox"])]
        dx = [arb(lo).union(arb(hi)) - ab for (lo, hi), ab in zip(box, c["abox"])]
        best = math.inf
        try:
            balls = c["engine"].balls(c["fexpr"], None, hull)
        except (_Unbounded, UnsupportedFunctionError, CertificationError):
            return min(self._natural(box), self._centred_upper(box))
        # R_n = sum_{n<j<K} exact terms_j(x - a) + Lagrange_K(xi in hull), for K = n+1..n+extra
        exact_part = arb(0)
        for K in range(n + 1, n + extra + 1):
            lag = arb(0)
            for key, cb in balls.items():
                if key[0] == K:
                    lag += cb * _mono(dx, key)
            if lag.is_finite():
                best = min(best, _arb_up(abs(exact_part + lag)))
            for key, cv in c["higher"].items():
                if sum(key) == K:
                    exact_part += cv * _mono(dx, (K, *key))
        if all(lo == hi for lo, hi in box):
            best = min(best, self._point_upper([lo for lo, _ in box]))
        else:
            best = min(best, self._centred_upper(box))
        return best if math.isfinite(best) else self._natural(box)

    def _point_upper(self, pt: Sequence[float]) -> float:
        """``|f(x) - T_n(x)|`` at one point, enclosed by balls (tight: no Lagrange term)."""
        c = self._prepare()
        engine = c["engine"]
        try:
            fx = engine.balls(c["fexpr"], [(p, p) for p in pt]).get(engine.zero, arb(0))
        except (_Unbounded, UnsupportedFunctionError, CertificationError):
            return math.inf
        dx = [arb(p) - ab for p, ab in zip(pt, c["abox"])]
        tx = arb(0)
        for key, tb in c["tballs"].items():
            tx += tb * _mono(dx, (sum(key), *key))
        r = fx - tx
        return _arb_up(abs(r)) if r.is_finite() else math.inf

    def _centred_upper(self, box: Sequence[tuple[float, float]]) -> float:
        """A Taylor model of ``R = f - T_n`` about the box centre ``c``: point coefficients
        ``D^alpha R(c)/alpha!`` below the top degree ``K``, Lagrange enclosures over the box at
        degree ``K``. Tight on small boxes far from the expansion point, where the hull of the
        point and the box makes the plain Lagrange form loose."""
        c = self._prepare()
        if all(lo == hi for lo, hi in box):
            return math.inf
        engine, top = c["engine"], c["engine"].order
        mid = [0.5 * (lo + hi) for lo, hi in box]
        try:
            at_c = engine.balls(c["fexpr"], [(m, m) for m in mid])
            over = engine.balls(c["fexpr"], box)
        except (_Unbounded, UnsupportedFunctionError, CertificationError):
            return math.inf
        # T_n(c + h) as a series in h: sum t_alpha prod (c_i - a_i + h_i)^alpha_i
        shift = [arb(m) - ab for m, ab in zip(mid, c["abox"])]
        lin = [{engine.zero: d, u: arb(1)} for d, u in zip(shift, engine.units)]
        t_at_c: Series = {}
        for key, tb in c["tballs"].items():
            term: Series = {engine.zero: tb}
            for s_i, k in zip(lin, key):
                if k:
                    term = _mul(term, _pow_int(s_i, k, top, engine.zero), top)
            t_at_c = _add(t_at_c, term)
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
        xa = [arb(lo).union(arb(hi)) - ab for (lo, hi), ab in zip(box, c["abox"])]
        t_box = arb(0)
        for key, tb in c["tballs"].items():
            t_box += tb * _mono(xa, (sum(key), *key))
        plain = over.get(engine.zero, arb(0)) - t_box
        if plain.is_finite():
            best = min(best, _arb_up(abs(plain)))
        return best

    def _attained(self, pt: Sequence[float]) -> float:
        c = self._prepare()
        with mpmath.workdps(50):
            try:
                xs = [mpmath.mpf(p) for p in pt]
                v = c["f_mp"](*xs) - c["t_mp"](*xs)
                return float(abs(v))
            except (ZeroDivisionError, ValueError, TypeError):
                return 0.0

    def certify(self, region: RegionLike, rtol: float = 0.1, max_boxes: int | None = None
                ) -> RemainderCertificate:
        """A certified bound of ``|f(x) - T_n(x)|`` over a box, with the evidence.

        Parameters
        ----------
        region : mapping, sequence of pairs or (lo, hi)
            ``{variable or name: (lo, hi)}``, or ``[(lo, hi), ...]`` in variables order; for
            one variable also ``(lo, hi)``. Ends may be text (``"pi/4"``, parsed safely).
        rtol : float
            Branch and bound stops when the bound is within ``1 + rtol`` of an attained error.
        max_boxes : int, optional
            Budget of sub-boxes (default 600 for one variable, 800 otherwise).

        Raises
        ------
        CertificationError
            If no finite bound can be certified (a singularity in the region, free parameters).

        Examples
        --------
        >>> t = taylor("sin(x)", "x", at=0, order=3)
        >>> cert = t.certify((-1, 1))
        >>> true = abs(float(sp.sin(1)) - 5/6)
        >>> true <= cert.upper <= 1.1 * true, cert.ratio < 1.1
        (True, True)
        """
        box = self._region(region)
        rtol = float(as_number(rtol, "rtol"))
        if not rtol >= 0:
            raise InputError(f"rtol must be non-negative, got {rtol}")
        if max_boxes is None:
            max_boxes = 600 if len(box) == 1 else 800
        max_boxes = as_positive_int(max_boxes, "max_boxes")
        self._prepare()

        def low(b: Sequence[tuple[float, float]]) -> float:
            pts = [[0.5 * (lo + hi) for lo, hi in b]]
            if len(b) <= 3:
                pts.extend(list(p) for p in itertools.product(*b))
            return max(self._attained(p) for p in pts)

        if self.function.is_polynomial(*self.variables) and sp.expand(
                self.function - self.polynomial) == 0:  # T_n reproduces f exactly
            return RemainderCertificate(0.0, 0.0, tuple(box), 0, True)
        res = branch_and_bound(self._box_upper, low, box, rtol=rtol, max_boxes=max_boxes)
        if res.lower > res.upper * (1 + 1e-9) + 1e-300:  # pragma: no cover - a bug guard
            raise CertificationError(
                f"internal inconsistency: |f - T| = {res.lower!r} attained above the bound "
                f"{res.upper!r}; please report this case"
            )
        if not math.isfinite(res.upper):
            raise CertificationError(
                f"no finite bound of the remainder of {self.function} over {box}: the function "
                "or its derivatives are unbounded (or undefined) somewhere in the region"
            )
        return RemainderCertificate(res.upper, res.lower, tuple(box), res.boxes, res.converged)

    def remainder_bound(self, region: RegionLike, rtol: float = 0.1,
                        max_boxes: int | None = None) -> float:
        """A rigorous upper bound of ``|f(x) - T_n(x)|`` for ``x`` in ``region``.

        Certified by ball arithmetic: enclosures of the order-``k`` Taylor coefficients over
        the hull of the point and each sub-box (Lagrange form, using the next orders too when
        the ``n+1`` terms vanish), a Taylor model about each sub-box centre, refined by branch
        and bound (``max_boxes`` sub-boxes at most). See :meth:`certify` for the evidence.
        A region that does not contain the expansion point is allowed: the bound is then
        over the hull of the point and the region for the Lagrange form, and the centred and
        plain forms keep it tight over the region itself (it is still rigorous).

        Examples
        --------
        >>> t = taylor("exp(x)", "x", at=0, order=2)
        >>> b = t.remainder_bound((-0.5, 0.5))
        >>> true = float(sp.exp(sp.Rational(1, 2))) - 1.625
        >>> true <= b <= 1.2 * true
        True
        """
        return self.certify(region, rtol=rtol, max_boxes=max_boxes).upper

    def error_table(self, points: Sequence[PointLike] | None = None, *,
                    steps: Sequence[PointLike] | None = None) -> ErrorTable:
        """True error (50-digit mpmath), certified bound and ``error/|x-a|^(n+1)`` at points.

        Give ``points`` (numbers, or tuples for several variables) or ``steps`` (offsets from
        the expansion point; scalars step every variable by the same amount).

        Examples
        --------
        >>> t = taylor("x^4 - 3*x^3 + 2", "x", at=2, order=1)
        >>> tab = t.error_table(steps=[0.01, 0.1, 1.0])
        >>> [round(r.error, 6) for r in tab.rows]
        [0.000605, 0.0651, 12.0]
        """
        a = self._numeric_point()
        m = len(self.variables)
        pts: list[list[float]] = []
        if (points is None) == (steps is None):
            raise InputError("give exactly one of points= or steps=")
        what = "points" if points is not None else "steps"
        given = points if points is not None else steps
        if hasattr(given, "tolist") and not isinstance(given, sp.Basic):
            given = given.tolist()  # a NumPy array
        if not isinstance(given, list | tuple) or not given:
            raise InputError(f"{what} must be a non-empty list, got {_show(given)}")
        for p in given:
            vals = list(p) if isinstance(p, list | tuple) else [p] * m
            if len(vals) != m:
                raise InputError(f"{what}: {_show(p)} has {len(vals)} coordinates, "
                                 f"expected {m}")
            vals = [_real(v, what) for v in vals]
            if steps is not None:
                vals = [ai + v for ai, v in zip(a, vals)]
            pts.append(vals)
        self._prepare()
        f_mp, t_mp = self._compiled["f_mp"], self._compiled["t_mp"]
        rows = []
        for p in pts:
            with mpmath.workdps(50):
                mp_p = [mpmath.mpf(v) for v in p]
                fv, tv = f_mp(*mp_p), t_mp(*mp_p)
                err = abs(fv - tv)
                dist = max(abs(pi - ai) for pi, ai in zip(mp_p, [mpmath.mpf(v) for v in a]))
                scaled = float(err / dist ** (self.order + 1)) if dist else math.nan
            bound = self._box_upper([(v, v) for v in p]) if dist else 0.0  # f(a) = T(a)
            rows.append(ErrorRow(tuple(p), float(dist), float(fv), float(tv), float(err),
                                 bound, scaled, tuple(pi - ai for pi, ai in zip(p, a))))
        return ErrorTable(self, tuple(rows))

    # -- display ---------------------------------------------------------------------------------
    def _in_powers(self) -> tuple[sp.Expr, dict[sp.Symbol, sp.Expr]]:
        """The polynomial with each ``x_i - a_i`` (``a_i != 0``) as one placeholder symbol, so
        that printing keeps the powers of ``(x_i - a_i)`` (SymPy distributes ``c*(x - a)``)."""
        subs: dict[sp.Symbol, sp.Expr] = {}
        factors = []
        for v, a in zip(self.variables, self.point):
            if a == 0:
                factors.append(v)
            else:
                u = sp.Dummy(f"u_{v}")
                subs[u] = v - a
                factors.append(u)
        expr = sp.Add(*[sp.Mul(c, *[u**k for u, k in zip(factors, key) if k])
                        for key, c in self.coefficients.items()])
        return expr, subs

    def polynomial_text(self) -> str:
        """The polynomial as text, in powers of ``(x_i - a_i)``.

        Examples
        --------
        >>> taylor("sin(x)", "x", at="pi/3", order=2).polynomial_text()
        '-sqrt(3)*(x - pi/3)**2/4 + (x - pi/3)/2 + sqrt(3)/2'
        """
        expr, subs = self._in_powers()
        names = {u: f"({w})" for u, w in subs.items()}
        return sp.sstr(expr.xreplace({u: sp.Symbol(n) for u, n in names.items()}))

    def latex(self) -> str:
        r"""``f = T_n + R_n`` as LaTeX, the polynomial in powers of ``(x_i - a_i)``.

        Examples
        --------
        >>> print(taylor("x^4 - 3*x^3 + 2", "x", at=2, order=1).latex())
        x^{4} - 3 x^{3} + 2 = - 4 \left(x - 2\right) - 6 + R_{1}(x)
        """
        expr, subs = self._in_powers()
        names = {u: rf"\left({sp.latex(w)}\right)" for u, w in subs.items()}
        args = ", ".join(sp.latex(v) for v in self.variables)
        return (f"{sp.latex(self.function)} = {sp.latex(expr, symbol_names=names)} + "
                f"R_{{{self.order}}}({args})")

    def _repr_latex_(self) -> str:
        return display(self.latex())


def _mp_coefficients(t: TaylorExpansion) -> dict[tuple[int, ...], Any]:
    """The coefficients of ``t`` as mpmath numbers at the working precision, cheaply: the exact
    engine is rerun and its ring elements (polynomials in a few constants) are evaluated, instead
    of ``evalf`` on large coefficient expressions."""
    if t.method == "series-arithmetic":
        engine = _Engine(t.variables, t.order)
        try:
            series, atoms = engine.exact(_rewrite(t.function), t.point)
        except _Singular:  # pragma: no cover - taylor() took the same route
            series = None
        if series is not None:
            vals = [_mpf(a) for a in atoms.index]
            out = {}
            for key, c in series.items():
                if atoms.ring is None:
                    out[key[1:]] = mpmath.mpf(int(c.p)) / int(c.q)
                    continue
                total = mpmath.mpf(0)
                for monom, q in c.terms():
                    term = mpmath.mpf(int(q.p)) / int(q.q)
                    for v, k in zip(vals, monom):
                        if k:
                            term *= v**k
                    total += term
                out[key[1:]] = total
            return out
    return {k: _mpf(v) for k, v in t.coefficients.items()}


# -- the facade --------------------------------------------------------------------------------


def _expand_core(expr: sp.Expr, variables: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...],
                 order: int) -> tuple[dict[tuple[int, ...], sp.Expr], str]:
    engine = _Engine(variables, order)
    expr = _resolve_branches(expr, variables, point)
    try:
        series, atoms = engine.exact(_rewrite(expr), point)
    except _Singular as exc:
        return _fallback(expr, variables, point, order, str(exc)), "sympy-series"
    coeffs = {}
    for key, c in series.items():
        v = atoms.to_expr(c)
        if v != 0:
            coeffs[key[1:]] = v
    return coeffs, "series-arithmetic"


def _real(value: Any, what: str) -> float:
    """A finite real number as a float (text parsed safely, never sympified)."""
    try:
        v = float(value) if type(value) in (int, float) else float(as_number(value, what))
    except (TypeError, OverflowError):
        raise InputError(f"{what}: {_show(value)} is not a finite float") from None
    if not math.isfinite(v):
        raise InputError(f"{what}: {_show(value)} is not finite")
    return v


def taylor(f: ExprLike, variables: VariablesLike = None, at: PointLike = 0,
           order: OrderLike = 2) -> TaylorExpansion:
    r"""The exact Taylor polynomial of total degree ``order`` of ``f`` about ``at``.

    Parameters
    ----------
    f : str, sympy.Expr, number or callable
        The function (text is parsed safely).
    variables : str or sequence, optional
        The expansion variables (default: the free symbols of ``f``, sorted by name). Other
        symbols of ``f`` are parameters and appear in the coefficients.
    at : number, sequence, mapping, str or Symbol
        The expansion point; a scalar applies to every variable. Symbolic points
        (``at=sp.Symbol("a")``, ``at="pi/3"``) work; the expansion then assumes the point is
        generic (e.g. ``log(a)`` needs ``a != 0``).
    order : int
        Total degree of the polynomial (``0 <= order <= 200``).

    Returns
    -------
    TaylorExpansion

    Raises
    ------
    NotAnalyticError
        ``f`` is not analytic at the point (pole, branch point, ``Abs`` at its kink...).
    InputError
        Malformed variables, point or order.

    Examples
    --------
    >>> taylor("1/(1 - x)", "x", at=0, order=4).polynomial
    x**4 + x**3 + x**2 + x + 1
    >>> import sympy as sp
    >>> a = sp.Symbol("a")
    >>> taylor("log(x)", "x", at=a, order=2).polynomial
    log(a) + (-a + x)/a - (-a + x)**2/(2*a**2)
    >>> taylor("sin(x)/x", "x", at=0, order=4).polynomial   # removable singularity
    x**4/120 - x**2/6 + 1
    >>> taylor("x^(1/3)", "x", at=0, order=2)
    Traceback (most recent call last):
    ...
    symtaylor.errors.NotAnalyticError: x**(1/3) is not analytic at x = 0: ...
    """
    order = as_order(order, "order")
    if not 0 <= order <= MAX_ORDER:
        raise InputError(f"order must be between 0 and {MAX_ORDER}, got {order}")
    expr = as_expr(f, variables)
    vs = as_variables(variables, expr)
    if isinstance(at, sp.Symbol) and at in vs:
        raise InputError(f"the expansion point {at} is one of the variables")
    point = as_point(at, vs)
    if any(not p.free_symbols.isdisjoint(vs) for p in point):
        raise InputError(f"the expansion point {point} must not contain the variables {vs}")
    if expr.has(sp.I) or any(p.has(sp.I) for p in point):
        raise InputError("complex input is not supported: expansions are over the reals")
    try:
        coeffs, method = _expand_core(expr, vs, point, order)
    except SymTaylorError:
        raise
    except RecursionError:
        raise InputError(f"{expr} is nested too deeply to expand") from None
    _check_real(expr, vs, point, coeffs)
    terms = []
    for key, c in coeffs.items():
        terms.append(sp.Mul(c, *[(v - a) ** k for v, a, k in zip(vs, point, key) if k]))
    poly = sp.Add(*terms)
    return TaylorExpansion(expr, vs, point, order, Coefficients(coeffs, len(vs), order), poly,
                           method)
