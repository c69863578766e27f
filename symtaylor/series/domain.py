r"""The coefficient domains of the series kernel: exact constants, and balls.

Exact route: the constants met on the way (``exp(1/2)``, ``sin(1/3)``, ``sqrt(3)``,
``1/log(2)``, a symbolic point ``a``) become the generators ``c_j`` of ``QQ[c_1, ..., c_r]``, a
polynomial ring over the rationals (:class:`_Atoms`); at a rational point of a rational function
the ring is plain ``QQ`` (python-flint ``fmpq``), the fast path. :class:`_ExactOps` makes the
constant terms of a function's Taylor coefficients as SymPy expressions, which ``_Atoms`` then
converts.

Ball route: :class:`_BallOps` makes the same constants as python-flint ``arb`` balls (rigorous
enclosures), raising :class:`_Unbounded` where a ball would be unbounded (``log`` of a ball
reaching 0). ``_ExactOps`` and ``_BallOps`` have the same methods, so the rules in
:mod:`symtaylor.series.rules` are written once for both.

Examples
--------
>>> import sympy as sp
>>> atoms = _Atoms()
>>> e = 1 + sp.sqrt(2) * sp.exp(sp.Rational(1, 2))
>>> atoms.scan(e); atoms.build()
>>> len(atoms.index)                      # sqrt(2) and exp(1/2)
2
>>> atoms.to_expr(atoms(e) ** 2) == sp.expand(e**2)
True
>>> _ball(sp.pi).contains(_ball(sp.Rational(314159, 100000)))
False
>>> d = _BallOps.rat(-1).union(_BallOps.rat(2))        # a ball containing [-1, 2]
>>> float((d * d).lower()) < -1, float(_ipow(d, 2).lower()) > -1e-6   # d**2 >= 0
(True, True)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import mpmath
import sympy as sp
from flint import arb, fmpq, fmpq_mpoly_ctx
from sympy import QQ
from sympy.core.add import _addsort
from sympy.core.mul import _mulsort

from ..enclosure import Interval, _const, compile_enclosure
from ..errors import CertificationError
from .kernel import Key


class _Unbounded(Exception):
    """An interval enclosure is unbounded (e.g. log of a box reaching 0)."""


# -- exact constants: a polynomial ring over QQ whose generators are the constants met -----------


class _Atoms:
    """Turns exact SymPy constants into elements of ``QQ[atoms]`` (or of ``QQ`` if none)."""

    def __init__(self) -> None:
        self.index: dict[sp.Expr, int] = {}
        self.ring: Any = None

    # pass 1: discover the atoms
    def scan(self, e: sp.Expr) -> None:
        for atom in self._walk(e):
            if atom not in self.index:
                self.index[atom] = len(self.index)

    def _walk(self, e: sp.Expr) -> Iterator[sp.Expr]:
        if e.is_Rational:
            return
        if e.is_Add or e.is_Mul:
            for a in e.args:
                yield from self._walk(a)
            return
        if e.is_Pow:
            b, x = e.args
            if x.is_Integer:
                if int(x) > 0:
                    yield from self._walk(b)
                elif not b.is_Rational:
                    yield sp.Pow(b, -1)
                return
            if x.is_Rational:
                n = sp.floor(x)
                frac = x - n
                yield sp.Pow(b, frac)
                if n:
                    yield from self._walk(sp.Pow(b, n))
                return
        yield e

    # pass 2: build the ring and convert
    def build(self) -> None:
        # python-flint's fmpq_mpoly: the ring arithmetic of the series runs in C
        if self.index:
            self.ring = fmpq_mpoly_ctx.get(tuple(f"c{i}" for i in range(len(self.index))),
                                           "lex")
            self.gens = self.ring.gens()
            self.zero, self.one = self.ring.from_dict({}), self.ring.constant(1)
        else:
            self.ring = None

    def __call__(self, e: sp.Expr) -> Any:
        if e.is_Rational:
            q = QQ(int(e.p), int(e.q))
            return q if self.ring is None else self.ring.constant(fmpq(int(e.p), int(e.q)))
        if self.ring is None:  # pragma: no cover - scan() guarantees atoms are known
            raise AssertionError(f"unscanned constant {e}")
        if e.is_Add:
            return sum((self(a) for a in e.args), self.zero)
        if e.is_Mul:
            out = self.one
            for a in e.args:
                out *= self(a)
            return out
        if e.is_Pow:
            b, x = e.args
            if x.is_Integer:
                if int(x) > 0:
                    return self(b) ** int(x)
                return self.gens[self.index[sp.Pow(b, -1)]] ** (-int(x))
            if x.is_Rational:
                n = sp.floor(x)
                out = self.gens[self.index[sp.Pow(b, x - n)]]
                return out * self(sp.Pow(b, n)) if n else out
        return self.gens[self.index[e]]

    def to_expr(self, c: Any) -> sp.Expr:
        if self.ring is None:
            return sp.Rational(int(c.p), int(c.q))
        bases = self._bases()
        if bases is not None:
            return self._plain_expr(c, bases)
        atoms = list(self.index)
        powers = self.__dict__.setdefault("_powers", {})
        terms = []
        for monom, coeff in c.terms():
            factors = [sp.Rational(int(coeff.p), int(coeff.q))]
            for i, k in enumerate(monom):
                if k:
                    p = powers.get((i, k))
                    if p is None:
                        p = powers[(i, k)] = atoms[i] ** int(k)
                    factors.append(p)
            terms.append(sp.Mul(*factors))
        return sp.Add(*terms)

    def _bases(self) -> list[tuple[sp.Expr, int]] | None:
        """``[(base, sign)]`` per atom when every atom is plain or the reciprocal of a plain one
        (``cos(1/3)`` and ``1/cos(1/3)`` for ``tan``), else None. Plain: a function value
        (``sin(1/3)``, ``log(2)``; at most one ``exp`` or ``E`` in all), ``pi`` or a symbol.
        Powers of plain bases multiply only by adding exponents of the same base, never
        otherwise simplify (``exp(a) exp(b)`` would merge, ``sqrt(2)**2`` would become 2), so
        the canonical SymPy tree can be assembled directly (:meth:`_plain_expr`)."""
        if "_plain_bases" not in self.__dict__:
            out: list[tuple[sp.Expr, int]] | None = []
            for a in self.index:
                b, sign = (a.args[0], -1) if a.is_Pow and a.args[1] == -1 else (a, 1)
                if not (b.is_Symbol or b is sp.pi or b is sp.E
                        or (isinstance(b, sp.Function) and not b.is_Pow)):
                    out = None
                    break
                if sign < 0 and (b is sp.E or isinstance(b, sp.exp)):
                    out = None
                    break
                out.append((b, sign))  # type: ignore[union-attr]
            if out is not None and sum(1 for b, _ in out if b is sp.E or isinstance(b, sp.exp)) > 1:
                out = None
            self.__dict__["_plain_bases"] = out
        return self.__dict__["_plain_bases"]

    def _plain_expr(self, c: Any, bases: list[tuple[sp.Expr, int]]) -> sp.Expr:
        """``Add(*[Mul(q, *atoms**k)])`` for plain bases, built directly: the exponents of each
        base are added (``cos**3 / cos = cos**2``), equal products collected, and each product
        and the sum put in SymPy's canonical order (:func:`_product`, :func:`_sum`)."""
        collected: dict[tuple, Any] = {}
        for monom, coeff in c.terms():
            net: dict[sp.Expr, int] = {}
            for (b, sign), k in zip(bases, monom):
                if k:
                    net[b] = net.get(b, 0) + sign * int(k)
            key = tuple(sorted(((b, e) for b, e in net.items() if e), key=lambda be: id(be[0])))
            collected[key] = collected[key] + coeff if key in collected else coeff
        powers = self.__dict__.setdefault("_base_powers", {})
        terms = []
        for key, coeff in collected.items():
            if not coeff:
                continue
            factors = [sp.Rational(int(coeff.p), int(coeff.q))]
            for b, e in key:
                p = powers.get((b, e))
                if p is None:
                    p = powers[(b, e)] = b**e
                factors.append(p)
            terms.append(_product(factors))
        return _sum(terms)

    def to_mp(self, c: Any, values: Sequence[Any]) -> Any:
        """A ring element as an mpmath number, ``values`` being the atoms' (in index order)."""
        if self.ring is None:
            return mpmath.mpf(int(c.p)) / int(c.q)
        total = mpmath.mpf(0)
        for monom, q in c.terms():
            term = mpmath.mpf(int(q.p)) / int(q.q)
            for v, k in zip(values, monom):
                if k:
                    term *= v ** int(k)
            total += term
        return total


def _product(factors: list[sp.Expr]) -> sp.Expr:
    """``Mul(q, *powers)`` of a rational ``q`` and powers of distinct plain atoms, in SymPy's
    canonical form (rational first, the rest sorted as ``Mul`` sorts), built directly."""
    q, rest = factors[0], factors[1:]
    if not rest:
        return q
    _mulsort(rest)
    if q == 1:
        return rest[0] if len(rest) == 1 else sp.Mul._from_args(rest)
    return sp.Mul._from_args([q, *rest])


def _sum(terms: list[sp.Expr]) -> sp.Expr:
    """``Add(*terms)`` of distinct monomials in plain atoms (at most one rational), built
    directly in canonical form (the rational first, the rest sorted as ``Add`` sorts)."""
    numbers = [t for t in terms if t.is_Rational and t != 0]
    rest = [t for t in terms if not t.is_Rational]
    if not rest:
        return numbers[0] if numbers else sp.S.Zero
    _addsort(rest)
    args = numbers + rest
    return args[0] if len(args) == 1 else sp.Add._from_args(args)


def _is_zero(c: sp.Expr) -> bool:
    """Is an exact constant zero? ``None`` (undecidable, e.g. a symbol) counts as non-zero."""
    z = c.is_zero
    if z is not None:
        return bool(z)
    if not c.free_symbols:
        try:
            return abs(complex(sp.N(c, 40))) < 1e-30
        except (TypeError, ValueError):
            return False
    return False


def _singular_value(c: sp.Expr) -> bool:
    return bool(c.has(sp.zoo, sp.oo, -sp.oo, sp.nan))


def _mpf(e: sp.Expr) -> Any:
    """An exact real constant as an mpmath number at the working precision."""
    v = sp.N(e, mpmath.mp.dps + 5)
    if not v.is_real or not v.is_Number:
        raise CertificationError(f"cannot evaluate {e} as a real number")
    return mpmath.mpf(sp.Float(v)._mpf_)


# -- the two domains' operations (the rules are written once against these) ----------------------


class _ExactOps:
    """Constants as SymPy expressions."""

    exact = True

    exp, sin, cos, sinh, cosh, log = sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.log

    @staticmethod
    def rat(p: int, q: int = 1) -> sp.Expr:
        return sp.Rational(p, q)

    @staticmethod
    def const(e: sp.Expr) -> sp.Expr:
        return e

    @staticmethod
    def inv(c: sp.Expr) -> sp.Expr:
        return sp.Pow(c, -1)

    @staticmethod
    def rpow(c: sp.Expr, r: sp.Expr) -> sp.Expr:
        return sp.Pow(c, r)

    @staticmethod
    def sign(c: sp.Expr) -> sp.Expr:
        return sp.sign(c)

    @staticmethod
    def abs(c: sp.Expr) -> sp.Expr:
        return sp.Abs(c)

    @staticmethod
    def tabulated(table: Any, c: sp.Expr) -> list[sp.Expr]:
        """``table.exprs`` (expressions in ``table.z``) at ``z = c``."""
        z = table.z
        return [d.xreplace({z: c}) for d in table.exprs]


class _BallOps:
    """Constants as arb balls (rigorous enclosures)."""

    exact = False

    @staticmethod
    def exp(c: arb) -> arb:
        return c.exp()

    @staticmethod
    def sin(c: arb) -> arb:
        return c.sin()

    @staticmethod
    def cos(c: arb) -> arb:
        return c.cos()

    @staticmethod
    def sinh(c: arb) -> arb:
        return c.sinh()

    @staticmethod
    def cosh(c: arb) -> arb:
        return c.cosh()

    @staticmethod
    def log(c: arb) -> arb:
        if not c > 0:
            raise _Unbounded
        return c.log()

    @staticmethod
    def rat(p: int, q: int = 1) -> arb:
        return arb(fmpq(p, q))

    @staticmethod
    def const(e: sp.Expr) -> arb:
        return _ball(e)

    @staticmethod
    def inv(c: arb) -> arb:
        if c.contains(0):
            raise _Unbounded
        return 1 / c

    @staticmethod
    def rpow(c: arb, r: sp.Expr) -> arb:
        if r.is_Integer:
            if r < 0 and c.contains(0):
                raise _Unbounded
            return _ipow(c, int(r)) if r >= 0 else 1 / _ipow(c, -int(r))
        if not c > 0:
            raise _Unbounded
        return (c.log() * _ball(r)).exp()

    @staticmethod
    def sign(c: arb) -> arb:
        if c > 0:
            return arb(1)
        if c < 0:
            return arb(-1)
        raise _Unbounded

    @staticmethod
    def abs(c: arb) -> arb:
        return abs(c)

    @staticmethod
    def tabulated(table: Any, c: arb) -> list[arb]:
        """``table.exprs`` enclosed over the ball ``c`` (by ``table.program``, interval code)."""
        lo, hi = float(c.lower()), float(c.upper())
        ivs = table.program([(math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf))])
        out = []
        for iv in ivs:
            if not iv.is_bounded:
                raise _Unbounded
            out.append(arb(iv.lo).union(arb(iv.hi)))
        return out


@functools.lru_cache(maxsize=8192)
def _ball(e: sp.Expr) -> arb:
    """An arb ball enclosing an exact constant."""
    if e.is_Rational:
        return arb(fmpq(int(e.p), int(e.q)))
    iv = _const(e) if not (e.is_Add or e.is_Mul or e.is_Pow) else _enclose_const(e)
    if not iv.is_bounded:
        raise _Unbounded
    return arb(iv.lo).union(arb(iv.hi))


def _enclose_const(e: sp.Expr) -> Interval:
    return compile_enclosure([e], [])([])[0]


def _ipow(d: arb, e: int) -> arb:
    """``d**e`` for a ball ``d`` and an integer ``e >= 0``, tight: python-flint's ``**`` gives
    ``nan`` for balls centred at 0 and loses the sign information of even powers."""
    if e == 0:
        return arb(1)
    if e == 1:
        return d
    lo = arb(0) if d.contains(0) else d.abs_lower()
    mag = (lo ** e).union(d.abs_upper() ** e)
    if e % 2 == 0:
        return mag
    if d.contains(0):
        return mag.union(-mag)
    return mag if d > 0 else -mag


def _mono(dx: Sequence[arb], key: Key) -> arb:
    """The monomial ``prod dx_i**e_i`` of a series key, in balls."""
    out = arb(1)
    for d, e in zip(dx, key[1:]):
        if e:
            out *= _ipow(d, e)
    return out
