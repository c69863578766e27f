"""Bounded decisions of definiteness (the engine behind :func:`symtaylor.definiteness`).

The classification of a symmetric matrix must finish fast or refuse: the symbolic
determinant of an ``8 x 8`` matrix of symbols has tens of thousands of terms, and the exact
eigenvalues of ``Hilbert(30)`` (``real_roots`` of a degree-30 characteristic polynomial with
huge coefficients) took minutes. So:

- up to ``4 x 4``: exact eigenvalues when SymPy finds them, else Sylvester's criterion on the
  leading principal minors (the conditions for positive definiteness when symbols remain);
- rational (or Float, read as its exact binary value) entries: everything over ``QQ`` with
  ``DomainMatrix``: the leading minors as exact determinants and the inertia by Descartes'
  rule of signs on the characteristic polynomial, exact because a symmetric matrix has only
  real eigenvalues (up to ``6 x 6`` the eigenvalues are also isolated exactly, as CRootOf);
  ``Hilbert(30)``: 0.05 s;
- other numeric entries (``sqrt(2)``, ``pi``) above ``4 x 4``: the eigenvalues at 60 digits
  (mpmath); decided only when every eigenvalue is farther from 0 than the error bound of the
  evaluation, ``UNDECIDED`` otherwise;
- symbolic entries above ``4 x 4``: the minors over the polynomial ring when an a-priori bound
  on their number of terms (the product over the rows of the number of distinct monomials in
  the row) is at most ``MAX_SYMBOLIC_TERMS``; above it an :class:`~symtaylor.errors.InputError`
  at once (``8 x 8`` of independent symbols: 8**8 > 50000).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import sympy as sp

from .errors import InputError

__all__ = ["MAX_SYMBOLIC_TERMS", "decide"]

#: Up to this size the classic path (SymPy eigenvalues / berkowitz minors, factored).
SMALL = 4
#: Rational matrices up to this size also get their eigenvalues isolated exactly (CRootOf).
EXACT_EIGENVALUES = 6
#: Bound on the terms of a symbolic leading minor (product of the rows' monomial counts).
MAX_SYMBOLIC_TERMS = 50_000
#: Minors with more terms than this are kept expanded (factor takes seconds on ~400 terms).
FACTOR_TERMS = 100


def decide(m: sp.Matrix):  # -> calculus.DefinitenessResult
    """Classify the square symmetric matrix ``m`` (already validated); see the module text."""
    from .calculus import Definiteness, DefinitenessResult

    n = m.rows
    if n <= SMALL:
        return _small(m)
    q = _over_qq(m)
    if q is not None:
        return _rational(q)
    if not m.free_symbols:
        return _numeric(m)
    minors = _symbolic_minors(m)
    return _sylvester(minors, Definiteness, DefinitenessResult)


def _sign_kind(values: Sequence[sp.Expr]):
    from .calculus import Definiteness

    if all(v.is_positive for v in values):
        return Definiteness.POSITIVE_DEFINITE
    if all(v.is_negative for v in values):
        return Definiteness.NEGATIVE_DEFINITE
    if any(v.is_positive for v in values) and any(v.is_negative for v in values):
        return Definiteness.INDEFINITE
    if all(v.is_nonnegative for v in values):
        return Definiteness.POSITIVE_SEMIDEFINITE
    if all(v.is_nonpositive for v in values):
        return Definiteness.NEGATIVE_SEMIDEFINITE
    return None


def _sylvester(minors: tuple[sp.Expr, ...], Definiteness, DefinitenessResult):
    kind = _sign_kind(minors)
    if kind is Definiteness.POSITIVE_DEFINITE:
        return DefinitenessResult(kind, "sylvester", None, minors)
    neg_minors = [(-1) ** (k + 1) * d for k, d in enumerate(minors)]
    if all(v.is_positive for v in neg_minors):
        return DefinitenessResult(Definiteness.NEGATIVE_DEFINITE, "sylvester", None, minors)
    conditions = tuple(sp.Gt(d, 0) for d in minors if not d.is_positive)
    if any(minors[k].is_negative for k in range(1, len(minors), 2)):
        # a negative leading minor of even order: the matrix has eigenvalues of both signs
        return DefinitenessResult(Definiteness.INDEFINITE, "sylvester", None, minors)
    return DefinitenessResult(Definiteness.UNDECIDED, "sylvester", None, minors, conditions)


def _small(m: sp.Matrix):
    from .calculus import Definiteness, DefinitenessResult

    minors = tuple(sp.factor(m[:k, :k].det(method="berkowitz")) for k in range(1, m.rows + 1))
    if not m.free_symbols and m.rows <= 2:
        try:
            evs = m.eigenvals(multiple=True)
        except (sp.polys.polyerrors.PolynomialError, NotImplementedError):  # pragma: no cover
            evs = None
        if evs:
            kind = _sign_kind([sp.nsimplify(e) if e.is_Float else e for e in evs])
            if kind is not None:
                return DefinitenessResult(kind, "eigenvalues", tuple(evs), minors)
    if not m.free_symbols:
        # exact numeric: the real roots of the characteristic polynomial, isolated exactly
        # (CRootOf), have decidable signs (radical forms of cubic roots often do not)
        roots = sp.real_roots(m.charpoly(sp.Dummy("lambda")))
        kind = _sign_kind(roots) if len(roots) == m.rows else None
        if kind is not None:
            return DefinitenessResult(kind, "eigenvalues", tuple(roots), minors)
    return _sylvester(minors, Definiteness, DefinitenessResult)


def _over_qq(m: sp.Matrix):
    """``m`` as a DomainMatrix over QQ when every entry is a Rational or a Float (its exact
    binary value), else None."""
    from sympy.polys.domains import QQ
    from sympy.polys.matrices import DomainMatrix

    rows = []
    for i in range(m.rows):
        row = []
        for j in range(m.cols):
            e = m[i, j]
            if e.is_Rational:
                row.append(QQ(int(e.p), int(e.q)))
            elif e.is_Float and e.is_finite:
                r = sp.Rational(e)
                row.append(QQ(int(r.p), int(r.q)))
            else:
                return None
        rows.append(row)
    return DomainMatrix(rows, m.shape, QQ)


def _rational(dm):
    from .calculus import DefinitenessResult

    n = dm.shape[0]
    minors = tuple(sp.Rational(int(d.numerator), int(d.denominator))
                   for d in (dm[:k, :k].det() for k in range(1, n + 1)))
    coeffs = dm.charpoly()  # highest degree first, over QQ
    if n <= EXACT_EIGENVALUES:
        lam = sp.Dummy("lambda")
        poly = sp.Poly([sp.Rational(int(c.numerator), int(c.denominator)) for c in coeffs], lam)
        roots = sp.real_roots(poly)
        kind = _sign_kind(roots)
        return DefinitenessResult(kind, "eigenvalues", tuple(roots), minors)
    # Descartes' rule of signs is exact for a polynomial with only real roots
    zeros = 0
    while zeros < n and coeffs[n - zeros] == 0:
        zeros += 1
    signs = [c > 0 for c in coeffs[: n + 1 - zeros] if c != 0]
    pos = sum(a != b for a, b in itertools.pairwise(signs))
    neg = n - zeros - pos
    return DefinitenessResult(_from_inertia(pos, neg, n, exact_zeros=True), "inertia", None,
                              minors)


def _from_inertia(pos: int, neg: int, n: int, exact_zeros: bool):
    """The kind of an n x n matrix with ``pos`` positive and ``neg`` negative eigenvalues; the
    other ``n - pos - neg`` are exactly 0 (``exact_zeros``) or only within an error bound of 0
    (then a semidefinite kind is undecided)."""
    from .calculus import Definiteness

    if pos == n:
        return Definiteness.POSITIVE_DEFINITE
    if neg == n:
        return Definiteness.NEGATIVE_DEFINITE
    if pos and neg:
        return Definiteness.INDEFINITE
    if not exact_zeros:
        return Definiteness.UNDECIDED
    # the zero matrix counts as positive semidefinite
    return Definiteness.NEGATIVE_SEMIDEFINITE if neg else Definiteness.POSITIVE_SEMIDEFINITE


def _numeric(m: sp.Matrix):
    """Numeric non-rational entries: eigenvalues at 60 digits, decided only with a margin."""
    import mpmath

    from .calculus import DefinitenessResult

    n = m.rows
    with mpmath.workdps(60):
        a = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                v = sp.N(m[i, j], 60)
                if not v.is_real or not v.is_finite:
                    raise InputError(f"definiteness needs real finite entries, got {m[i, j]}")
                a[i, j] = mpmath.mpf(v)
        evs = mpmath.eigsy(a, eigvals_only=True)
        norm = mpmath.mnorm(a, "f")
        tol = norm * n * mpmath.mpf(10) ** -45  # evaluation and eigensolver error, with margin
        pos = sum(1 for e in evs if e > tol)
        neg = sum(1 for e in evs if e < -tol)
    return DefinitenessResult(_from_inertia(pos, neg, n, exact_zeros=False),
                              "eigenvalues (60 digits)", None, ())


def _monomials(e: sp.Expr, gens: Sequence[sp.Expr]) -> set:
    return set(sp.Poly(e, *gens).monoms()) if gens else {()}


def _symbolic_minors(m: sp.Matrix) -> tuple[sp.Expr, ...]:
    from sympy.polys.matrices import DomainMatrix

    try:
        dm = DomainMatrix.from_Matrix(m)
    except (sp.PolificationFailed, sp.PolynomialError, ValueError,
            NotImplementedError):  # pragma: no cover - odd entries
        dm = None
    dom = dm.domain if dm is not None else None
    polynomial = dom is not None and dom.is_PolynomialRing and (dom.domain.is_ZZ
                                                                 or dom.domain.is_QQ)
    n = m.rows
    if not polynomial:
        raise InputError(
            f"definiteness of a {n}x{n} matrix with entries outside Q[symbols] "
            f"(domain {dom}) is not decided above {SMALL}x{SMALL}: substitute numbers"
        )
    gens = dom.symbols
    bound = 1
    for i in range(n):
        row: set = set()
        for j in range(n):
            row |= _monomials(m[i, j], gens)
        bound *= max(len(row), 1)
        if bound > MAX_SYMBOLIC_TERMS:
            raise InputError(
                f"definiteness of this {n}x{n} symbolic matrix: its leading minors could have "
                f"more than {MAX_SYMBOLIC_TERMS} terms (a bound read off its rows), too many "
                "to decide signs of; substitute numbers for some symbols"
            )
    out = []
    for k in range(1, n + 1):
        d = dom.to_sympy(dm[:k, :k].det())
        out.append(sp.factor(d) if len(sp.Add.make_args(d)) <= FACTOR_TERMS else d)
    return tuple(out)
