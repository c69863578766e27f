"""The real solutions of a polynomial system ``g_1 = ... = g_m = 0`` over QQ: all of them,
exactly, with certified enclosures.

The method (Cox, Little & O'Shea, *Ideals, Varieties, and Algorithms*, ch. 2 and 5; the shape
lemma as in Gianni & Mora 1989):

1. a Groebner basis of the ideal ``I`` in graded reverse lexicographic order (SymPy's
   ``groebnertools``); ``1`` in the basis means no complex solution at all;
2. the dimension of the solution set from the leading monomials; positive dimension (a curve
   or surface of complex solutions) is reported as such, never as a finite list;
3. the quotient ring ``A = QQ[x]/I`` (finite-dimensional: ``D`` standard monomials) and a
   linear form ``u = c . x``; if ``1, u, ..., u^(D-1)`` are a basis of ``A`` (an FGLM-style
   Krylov computation with exact rational linear algebra, python-flint ``fmpq_mat``), then
   ``A = QQ[U]/(p)`` and every ``x_i = q_i(U)``: the *shape basis*. Otherwise ``I`` is replaced
   by its radical (Seidenberg: add the squarefree part of each variable's minimal polynomial)
   and other forms ``u`` are tried;
4. the real solutions are then exactly ``x = q(r)`` for the real roots ``r`` of ``p`` (``u``
   separates the solutions, so a non-real solution has a non-real ``u``). The roots of ``p``
   are isolated exactly (rational intervals; SymPy's real-root isolation), and each coordinate
   is identified as a specific real root of its own minimal polynomial by evaluating ``q_i``
   over the root's interval in ball arithmetic (python-flint ``arb``).

The sign of any polynomial ``h`` at a solution is then decided exactly: ``h(q(U)) mod p`` is
zero at the root ``r`` iff ``r``'s minimal polynomial divides it; otherwise a ball evaluation
on a refined isolating interval excludes zero.

Examples
--------
>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> sols = real_solutions([x**2 + y**2 - 1, x - y], [x, y])
>>> sols.dimension, [s.coordinates for s in sols.solutions]
(0, [(-sqrt(2)/2, -sqrt(2)/2), (sqrt(2)/2, sqrt(2)/2)])
>>> sols.sign(x * y - sp.Rational(1, 2), sols.solutions[0])
0
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from flint import arb, ctx, fmpq, fmpq_mat, fmpq_poly
from sympy.polys.domains import QQ
from sympy.polys.groebnertools import groebner as _sympy_groebner
from sympy.polys.orderings import grevlex
from sympy.polys.rings import ring

from .errors import UnsupportedFunctionError

__all__ = ["MAX_SOLUTIONS", "RealSolution", "RealSolutions", "real_solutions"]

#: Largest number of complex solutions (with multiplicity: the dimension of QQ[x]/I) attempted.
#: Measured on dense random systems (one core): D = 49 (two variables) 0.9 s, D = 81 7 s,
#: D = 64 (three variables) 15 s; the Groebner basis and the normal forms dominate.
MAX_SOLUTIONS = 100
_MAX_FORMS = 40  # linear forms u tried before giving up (a few bad ones at most, in practice)
_MAX_BISECTIONS = 4000


# -- univariate pieces (python-flint) -----------------------------------------------------------


def _fmpq(q: Any) -> fmpq:
    return fmpq(int(q.numerator), int(q.denominator))


def _rational(q: fmpq) -> sp.Rational:
    return sp.Rational(int(q.p), int(q.q))


def _sign(v: fmpq) -> int:
    return (v > 0) - (v < 0)


def _to_sympy_poly(p: fmpq_poly, var: sp.Symbol) -> sp.Poly:
    return sp.Poly([_rational(c) for c in reversed(p.coeffs())] or [0], var, domain=QQ)


def _ball(lo: fmpq, hi: fmpq) -> arb:
    """An arb ball containing the rational interval ``[lo, hi]`` (rigorous: the union of the
    two endpoint balls, each of which contains its exact rational)."""
    return arb(lo).union(arb(hi))


@dataclass
class _Root:
    """A real root of the irreducible ``poly`` (its minimal polynomial): the exact rational
    ``lo`` when ``lo == hi``, else the unique root of ``poly`` in ``(lo, hi)``, with
    ``poly(lo) * poly(hi) < 0`` (an irreducible polynomial of degree >= 2 has no rational root,
    so bisection never lands on one)."""

    poly: fmpq_poly
    lo: fmpq
    hi: fmpq
    sign_lo: int = 0

    def __post_init__(self) -> None:
        if self.lo != self.hi:
            self.sign_lo = _sign(self.poly(self.lo))

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    @property
    def width(self) -> fmpq:
        return self.hi - self.lo

    def bisect(self) -> None:
        if self.exact:
            return
        mid = (self.lo + self.hi) / 2
        if _sign(self.poly(mid)) == self.sign_lo:
            self.lo = mid
        else:
            self.hi = mid

    def refine(self, width: fmpq) -> None:
        for _ in range(_MAX_BISECTIONS):
            if self.exact or self.width <= width:
                return
            self.bisect()

    def ball(self) -> arb:
        return _ball(self.lo, self.hi)


def _isolate(poly: fmpq_poly, var: sp.Symbol) -> list[tuple[fmpq_poly, int, _Root]]:
    """The real roots of ``poly`` in increasing order, as ``(irreducible factor, index among its
    real roots, root)``; rational roots are exact."""
    out: list[tuple[fmpq_poly, int, _Root]] = []
    _, factors = poly.factor()
    for fac, _mult in factors:
        if fac.degree() < 1:
            continue
        if fac.degree() == 1:
            c1, c0 = fac.coeffs()[1], fac.coeffs()[0]
            r = -c0 / c1
            out.append((fac, 0, _Root(fac, r, r)))
            continue
        ivs = _to_sympy_poly(fac, var).intervals()
        for k, ((a, b), _m) in enumerate(ivs):
            out.append((fac, k, _Root(fac, _fmpq(a), _fmpq(b))))
    out.sort(key=lambda t: (t[2].lo, t[2].hi))
    return out


def _ball_eval(p: fmpq_poly, root: _Root) -> arb:
    """A ball containing ``p(r)`` for the root ``r`` (exact when ``r`` is rational)."""
    if root.exact:
        return arb(p(root.lo))
    x = root.ball()
    acc = arb(0)
    for c in reversed(p.coeffs()):  # Horner in ball arithmetic
        acc = acc * x + arb(c)
    return acc


class _Precision:
    """Raise arb's working precision inside a ``with`` block and restore it after."""

    def __init__(self, bits: int) -> None:
        self.bits = bits

    def __enter__(self) -> None:
        self.saved = ctx.prec
        ctx.prec = max(self.saved, self.bits)

    def __exit__(self, *exc: Any) -> None:
        ctx.prec = self.saved


def _bits_for(root: _Root) -> int:
    if root.exact or root.width == 0:
        return 64
    w = root.width
    return 64 + max(0, int(w.q).bit_length() - int(w.p).bit_length())


# -- the records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RealSolution:
    """One real solution: exact coordinates and a certified box.

    Attributes
    ----------
    coordinates : tuple of sympy.Expr
        Exact: Rationals, radicals (quadratic factors) or ``CRootOf`` (the ``k``-th real root
        of an irreducible polynomial).
    box : tuple of (Rational, Rational)
        ``lo_i <= x_i <= hi_i``, certified: the exact coordinate is the only root of its
        minimal polynomial in ``[lo_i, hi_i]`` (a point interval for a rational coordinate).
    """

    coordinates: tuple[sp.Expr, ...]
    box: tuple[tuple[sp.Rational, sp.Rational], ...]
    root: _Root = field(repr=False, compare=False)


@dataclass(frozen=True)
class RealSolutions:
    """All real solutions of a polynomial system, or the reason there is no finite list.

    Attributes
    ----------
    dimension : int
        ``-1``: no complex solution; ``0``: finitely many (then ``solutions`` lists every real
        one); ``>= 1``: the complex solution set is a curve, surface, ... (``solutions`` is
        empty: there is no finite list to give).
    solutions : tuple of RealSolution
        Sorted by coordinates.
    count : int
        Number of complex solutions counted with multiplicity (``dim QQ[x]/I``), or 0.
    form : tuple of int
        The separating linear form ``u = form . x`` of the shape basis.
    """

    variables: tuple[sp.Symbol, ...]
    dimension: int
    solutions: tuple[RealSolution, ...] = ()
    count: int = 0
    form: tuple[int, ...] = ()
    _p: fmpq_poly | None = field(default=None, repr=False, compare=False)
    _q: tuple[fmpq_poly, ...] = field(default=(), repr=False, compare=False)

    def reduce(self, h: sp.Expr) -> fmpq_poly:
        """``h(q_1(U), ..., q_n(U)) mod p(U)``: ``h`` as an element of ``QQ[U]/(p)``."""
        assert self._p is not None
        poly = sp.Poly(h, *self.variables, domain=QQ)
        p = self._p
        powers: dict[tuple[int, int], fmpq_poly] = {}

        def power(i: int, e: int) -> fmpq_poly:
            key = (i, e)
            if key not in powers:
                powers[key] = fmpq_poly([1]) if e == 0 else (power(i, e - 1) * self._q[i]) % p
            return powers[key]

        acc = fmpq_poly([])
        for monom, coeff in poly.terms():
            term = fmpq_poly([_fmpq(coeff)])
            for i, e in enumerate(monom):
                if e:
                    term = (term * power(i, e)) % p
            acc += term
        return acc % p

    def value(self, h: sp.Expr, solution: RealSolution, var: sp.Symbol) -> sp.Expr:
        """The exact value of the polynomial ``h`` at ``solution``: a Rational, a radical or a
        ``CRootOf`` (written in ``var``)."""
        r = self.reduce(h)
        root = solution.root
        if root.exact or r.degree() <= 0:
            return _rational(r(root.lo))
        # the minimal polynomial of r(U) over QQ: the squarefree part of the characteristic
        # polynomial of multiplication by r in QQ[U]/(f), f the root's (irreducible) one
        f = root.poly
        d = f.degree()
        r = r % f
        cols, cur = [], r
        for _ in range(d):
            c = cur.coeffs()
            cols.append([c[j] if j < len(c) else fmpq(0) for j in range(d)])
            cur = (cur * fmpq_poly([0, 1])) % f
        fac, k, _cand = _identify(r, root, _isolate(_squarefree(_charpoly(_columns(cols))), var))
        return _exact_root(fac, k, var)

    def sign(self, h: sp.Expr, solution: RealSolution) -> int:
        """The exact sign (-1, 0 or 1) of the polynomial ``h`` at ``solution``."""
        r = self.reduce(h)
        root = solution.root
        if r.is_zero():
            return 0
        if root.exact:
            return _sign(r(root.lo))
        # root.poly is the root's minimal polynomial (irreducible): r(root) == 0 iff it divides r
        if (r % root.poly).is_zero():
            return 0
        work = _Root(root.poly, root.lo, root.hi)
        for _ in range(_MAX_BISECTIONS):
            with _Precision(_bits_for(work) + 64):
                v = _ball_eval(r, work)
                if v > 0:
                    return 1
                if v < 0:
                    return -1
            work.bisect()
        raise UnsupportedFunctionError(  # pragma: no cover - the loop always decides
            "could not decide a sign at a real solution")


# -- Groebner bases and the quotient ring -----------------------------------------------------


def _dimension(lms: Sequence[tuple[int, ...]], n: int) -> int:
    """Krull dimension from leading monomials: the largest set of variables no leading monomial
    lives in (an independent set)."""
    for size in range(n, 0, -1):
        for subset in itertools.combinations(range(n), size):
            inside = set(subset)
            if not any(all(e == 0 or i in inside for i, e in enumerate(m)) for m in lms):
                return size
    return 0


def _standard_monomials(lms: Sequence[tuple[int, ...]], n: int, limit: int
                        ) -> list[tuple[int, ...]]:
    """The monomials no leading monomial divides (a basis of the quotient ring), found by
    walking up from 1 (they are closed under division); more than ``limit`` raises."""
    def standard(m: tuple[int, ...]) -> bool:
        return not any(all(a >= b for a, b in zip(m, lm)) for lm in lms)

    start = (0,) * n
    seen, todo, out = {start}, [start], []
    while todo:
        m = todo.pop()
        out.append(m)
        if len(out) > limit:
            raise _TooLarge(len(out))
        for i in range(n):
            nxt = m[:i] + (m[i] + 1,) + m[i + 1:]
            if nxt not in seen and standard(nxt):
                seen.add(nxt)
                todo.append(nxt)
    return sorted(out)


class _TooLarge(Exception):
    def __init__(self, count: int) -> None:
        self.count = count


class _Quotient:
    """``A = QQ[x]/I`` for a zero-dimensional ideal, on the basis of standard monomials: the
    matrices of multiplication by each variable (one normal form per basis monomial and
    variable, of low degree; the powers of ``u`` are then matrix-vector products in flint, not
    normal forms with ever larger coefficients)."""

    def __init__(self, ring_: Any, basis: list[Any], limit: int) -> None:
        self.ring = ring_
        self.basis = basis
        self.std = _standard_monomials([g.LM for g in basis], ring_.ngens, limit)
        self.index = {m: i for i, m in enumerate(self.std)}
        d, n = self.dim, ring_.ngens
        self.mult = []
        for i in range(n):
            cols = []
            for m in self.std:
                up = m[:i] + (m[i] + 1,) + m[i + 1:]
                if up in self.index:
                    col = [fmpq(0)] * d
                    col[self.index[up]] = fmpq(1)
                else:
                    col = self.vector(ring_({up: QQ.one}).rem(basis))
                cols.append(col)
            self.mult.append(_columns(cols))

    @property
    def dim(self) -> int:
        return len(self.std)

    def vector(self, nf: Any) -> list[fmpq]:
        v = [fmpq(0)] * self.dim
        for m, c in nf.items():
            v[self.index[m]] = _fmpq(c)
        return v

    def matrix(self, form: Sequence[int]) -> fmpq_mat:
        """Multiplication by ``u = form . x``."""
        d = self.dim
        acc = fmpq_mat(d, d)
        for c, m in zip(form, self.mult):
            if c:
                acc = acc + m * c
        return acc

    def variable(self, i: int) -> list[fmpq]:
        """Coordinates of ``x_i`` (its normal form)."""
        return self.vector(self.ring.gens[i].rem(self.basis))

    def squarefree_eliminant(self, i: int) -> fmpq_poly:
        """The squarefree part of the characteristic polynomial of multiplication by ``x_i``: a
        univariate polynomial of ``I`` (Cayley-Hamilton) vanishing exactly at the values of
        ``x_i`` on the solutions."""
        return _squarefree(_charpoly(self.mult[i]))


def _columns(cols: list[list[fmpq]]) -> fmpq_mat:
    d, m = len(cols[0]), len(cols)
    return fmpq_mat(d, m, [cols[j][i] for i in range(d) for j in range(m)])


def _charpoly(m: fmpq_mat) -> fmpq_poly:
    return fmpq_poly([fmpq(c) for c in m.charpoly().coeffs()])


def _squarefree(p: fmpq_poly) -> fmpq_poly:
    out = fmpq_poly([1])
    for fac, _e in p.factor_squarefree()[1]:
        out *= fac
    return out


def _forms(n: int) -> list[tuple[int, ...]]:
    """Linear forms to try: the last variable, then points on the moment curve (all but finitely
    many of them separate any finite set of points)."""
    out = [tuple([0] * (n - 1) + [1])]
    for t in range(1, _MAX_FORMS):
        out.append(tuple(t ** (n - 1 - j) for j in range(n)))
    return out


def _shape(quotient: _Quotient, form: tuple[int, ...]
           ) -> tuple[fmpq_poly, list[fmpq_poly]] | None:
    """``(p, [q_i])`` with ``A = QQ[U]/(p)`` and ``x_i = q_i(U)`` for ``U = form . x``, or None
    when ``1, u, ..., u^(D-1)`` do not span ``A``."""
    d = quotient.dim
    mu = quotient.matrix(form)
    v = fmpq_mat(d, 1)
    v[quotient.index[(0,) * quotient.ring.ngens], 0] = 1
    cols = []
    for _ in range(d):
        cols.append([v[i, 0] for i in range(d)])
        v = mu * v
    krylov = _columns(cols)
    if krylov.rank() < d:
        return None
    n = quotient.ring.ngens
    rhs = _columns([quotient.variable(i) for i in range(n)])
    sol = krylov.solve(rhs)
    # 1, u, ..., u^(d-1) is a basis: the minimal polynomial of u is its characteristic one
    p = _charpoly(mu)
    return p, [fmpq_poly([sol[k, i] for k in range(d)]) for i in range(n)]


def _groebner(polys: Sequence[Any], ring_: Any) -> list[Any]:
    return [g for g in _sympy_groebner(list(polys), ring_) if g]


# -- the facade ------------------------------------------------------------------------------


def real_solutions(polys: Sequence[sp.Expr], variables: Sequence[sp.Symbol],
                   max_solutions: int = MAX_SOLUTIONS) -> RealSolutions:
    """Every real solution of ``polys = 0`` (polynomials with rational coefficients), exactly.

    Parameters
    ----------
    polys : sequence of sympy.Expr
        Polynomials in ``variables`` with rational coefficients.
    variables : sequence of Symbol
    max_solutions : int
        Refuse when the system has more complex solutions (with multiplicity) than this.

    Returns
    -------
    RealSolutions
        ``dimension`` says whether the list is finite; if it is, ``solutions`` holds every real
        solution with exact coordinates and a certified box.

    Raises
    ------
    UnsupportedFunctionError
        More than ``max_solutions`` complex solutions, or (in theory) no separating form found.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> r = real_solutions([x**3 - x - 1, y - x**2], [x, y])
    >>> r.count, [s.coordinates for s in r.solutions]
    (3, [(CRootOf(x**3 - x - 1, 0), CRootOf(y**3 - 2*y**2 + y - 1, 0))])
    >>> real_solutions([x**2 + 1], [x]).solutions, real_solutions([x*y], [x, y]).dimension
    ((), 1)
    """
    syms = tuple(variables)
    n = len(syms)
    r, *xs = ring(syms, QQ, grevlex)
    elems = [r.from_dict(dict(sp.Poly(p, *syms, domain=QQ).terms())) for p in polys]
    basis = _groebner([e for e in elems if e], r) if any(elems) else []
    if not basis:
        return RealSolutions(syms, n)
    if any(g.is_ground for g in basis):
        return RealSolutions(syms, -1)
    lms = [g.LM for g in basis]
    dim = _dimension(lms, n)
    if dim > 0:
        return RealSolutions(syms, dim)
    try:
        quotient = _Quotient(r, basis, max_solutions)
    except _TooLarge:
        raise UnsupportedFunctionError(
            f"the system has more than {max_solutions} complex solutions (counted with "
            "multiplicity): too many for the exact method") from None
    count = quotient.dim
    shape = None
    for attempt, form in enumerate(_forms(n)):
        shape = _shape(quotient, form)
        if shape is not None:
            break
        if attempt == 0:  # a multiple solution, or u not separating: make I radical first
            extra = []
            for i, x in enumerate(xs):
                m = quotient.squarefree_eliminant(i)
                extra.append(sum((_rational_coeff(c) * x**k for k, c in enumerate(m.coeffs())),
                                 r.zero))
            basis = _groebner(basis + extra, r)
            quotient = _Quotient(r, basis, max_solutions)
            shape = _shape(quotient, form)
            if shape is not None:
                break
    if shape is None:  # pragma: no cover - needs _MAX_FORMS bad forms in a row
        raise UnsupportedFunctionError("no separating linear form found for the solutions")
    p, qs = shape
    sols = _real_points(p, qs, syms, [quotient.squarefree_eliminant(i) for i in range(n)])
    return RealSolutions(syms, 0, sols, count, form, p, tuple(qs))


def _rational_coeff(c: fmpq) -> Any:
    return QQ(int(c.p), int(c.q))


def _real_points(p: fmpq_poly, qs: Sequence[fmpq_poly], syms: tuple[sp.Symbol, ...],
                 eliminants: Sequence[fmpq_poly]) -> tuple[RealSolution, ...]:
    """The real roots of ``p`` mapped through ``x_i = q_i(U)``, each coordinate identified as an
    exact real algebraic number."""
    u = sp.Dummy("u")
    # squarefree part: the real points are its roots
    roots = [root for _fac, _k, root in _isolate(_squarefree(p), u)]
    candidates = [_isolate(m, s) for m, s in zip(eliminants, syms)]
    exact_cache: dict[tuple[int, str, int], sp.Expr] = {}
    out = []
    for root in roots:
        coords, box = [], []
        for i, q in enumerate(qs):
            if q.degree() <= 0:
                c = q.coeffs()[0] if q.coeffs() else fmpq(0)
                coords.append(_rational(c))
                box.append((_rational(c), _rational(c)))
                continue
            fac, k, cand = _identify(q, root, candidates[i])
            key = (i, str(fac), k)
            if key not in exact_cache:
                exact_cache[key] = _exact_root(fac, k, syms[i])
            coords.append(exact_cache[key])
            box.append((_rational(cand.lo), _rational(cand.hi)))
        out.append(RealSolution(tuple(coords), tuple(box), root))
    out.sort(key=lambda s: tuple((lo + hi) / 2 for lo, hi in s.box))
    return tuple(out)


def _identify(q: fmpq_poly, root: _Root, cands: list[tuple[fmpq_poly, int, _Root]]
              ) -> tuple[fmpq_poly, int, _Root]:
    """The candidate root (of the coordinate's minimal polynomial) equal to ``q(root)``."""
    root = _Root(root.poly, root.lo, root.hi)
    cands = [(f, k, _Root(c.poly, c.lo, c.hi)) for f, k, c in cands]
    for _ in range(_MAX_BISECTIONS):
        with _Precision(_bits_for(root) + 64):
            ball = _ball_eval(q, root)
            hits = [t for t in cands if _ball(t[2].lo, t[2].hi).overlaps(ball)]
        if len(hits) == 1:
            fac, k, cand = hits[0]
            cand.refine(fmpq(1, 2**53) * max(fmpq(1), abs(cand.lo)))
            return fac, k, cand
        root.bisect()
        for _f, _k, c in hits:
            c.bisect()
    raise UnsupportedFunctionError("could not identify a coordinate")  # pragma: no cover


def _exact_root(fac: fmpq_poly, k: int, var: sp.Symbol) -> sp.Expr:
    """The ``k``-th real root of the irreducible ``fac``: rational, a radical for degree 2 or a
    binomial, else ``CRootOf``."""
    poly = _to_sympy_poly(fac, var)
    if poly.degree() == 1 or poly.degree() == 2 or len(poly.terms()) == 2:
        return sp.real_roots(poly)[k]
    # SymPy's CRootOf names the polynomial with integer coefficients, as solve does
    return sp.CRootOf(poly.clear_denoms()[1].as_expr(), k)
