"""definiteness with bounded work (issue 16): large rational matrices decided exactly over QQ,
other numbers at 60 digits, symbolic matrices refused when their minors would be too large.
Truths: mpmath's eigsy at 100+ digits, NumPy's eigvalsh with a margin, the rank by
construction."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symtaylor import Definiteness, InputError, definiteness

D = Definiteness


def _hilbert(n: int) -> sp.Matrix:
    return sp.Matrix(n, n, lambda i, j: sp.Rational(1, i + j + 1))


def _mp_kind(m: sp.Matrix, dps: int = 150) -> Definiteness:
    with mpmath.workdps(dps):
        a = mpmath.matrix([[mpmath.mpf(sp.N(e, dps)) for e in row] for row in m.tolist()])
        ev = mpmath.eigsy(a, eigvals_only=True)
        tol = mpmath.mpf(10) ** (-dps // 2)
        if all(e > tol for e in ev):
            return D.POSITIVE_DEFINITE
        if all(e < -tol for e in ev):
            return D.NEGATIVE_DEFINITE
        if any(e > tol for e in ev) and any(e < -tol for e in ev):
            return D.INDEFINITE
        return D.POSITIVE_SEMIDEFINITE if all(e > -tol for e in ev) else D.NEGATIVE_SEMIDEFINITE


@pytest.mark.parametrize("n", [8, 12, 30])
def test_hilbert_is_positive_definite_fast(n: int) -> None:
    h = _hilbert(n)
    assert _mp_kind(h, 300) is D.POSITIVE_DEFINITE  # cond(H30) ~ 1e44: 300 digits
    r = definiteness(h)
    assert r.kind is D.POSITIVE_DEFINITE
    # the leading minors are the Hilbert determinants (closed form by Cauchy's determinant)
    for k, d in enumerate(r.minors, start=1):
        assert d == _hilbert(k).det(method="bareiss") if k <= 8 else d > 0
    assert definiteness(-h).kind is D.NEGATIVE_DEFINITE


def test_large_rational_indefinite_and_semidefinite() -> None:
    h = _hilbert(10)
    shifted = h - sp.Rational(1, 10**6) * sp.eye(10)  # smallest eigenvalue of H10 is 1e-13
    assert _mp_kind(shifted) is D.INDEFINITE
    assert definiteness(shifted).kind is D.INDEFINITE
    v = sp.Matrix([1, 2, 3, 4, 5, 6, 7, 8])
    w = sp.Matrix([1, -1, 1, -1, 1, -1, 1, -1])
    low_rank = v * v.T + w * w.T  # rank 2 by construction: PSD and singular
    assert definiteness(low_rank).kind is D.POSITIVE_SEMIDEFINITE
    assert definiteness(-low_rank).kind is D.NEGATIVE_SEMIDEFINITE
    assert definiteness(sp.zeros(7, 7)).kind is D.POSITIVE_SEMIDEFINITE


@settings(max_examples=40, deadline=None)
@given(st.integers(5, 9), st.lists(st.integers(-9, 9), min_size=81, max_size=81),
       st.integers(-3, 12))
def test_random_integer_matrices_agree_with_numpy(n: int, entries: list[int], shift: int
                                                  ) -> None:
    a = np.array(entries[: n * n], dtype=float).reshape(n, n)
    a = a + a.T + shift * n * np.eye(n)
    ev = np.linalg.eigvalsh(a)
    assume(np.min(np.abs(ev)) > 1e-6 * max(1.0, np.max(np.abs(ev))))
    m = sp.Matrix(n, n, lambda i, j: sp.Integer(int(a[i, j])))
    expect = (D.POSITIVE_DEFINITE if ev.min() > 0 else D.NEGATIVE_DEFINITE if ev.max() < 0
              else D.INDEFINITE)
    assert definiteness(m).kind is expect


def test_irrational_entries_decided_at_60_digits() -> None:
    n = 7
    m = sp.Matrix(n, n, lambda i, j: sp.sqrt(2) / (i + j + 1) + (sp.pi if i == j else 0))
    assert _mp_kind(m) is D.POSITIVE_DEFINITE
    r = definiteness(m)
    assert r.kind is D.POSITIVE_DEFINITE and "60 digits" in r.method
    m2 = m - 4 * sp.eye(n)
    assert _mp_kind(m2) is D.INDEFINITE and definiteness(m2).kind is D.INDEFINITE


def test_float_entries_are_read_exactly() -> None:
    m = sp.Matrix(6, 6, lambda i, j: sp.Float(0.1) * (2 if i == j else 0) + sp.Float(0.01))
    assert definiteness(m).kind is _mp_kind(m) is D.POSITIVE_DEFINITE


def test_symbolic_large_matrices_bounded() -> None:
    a = sp.Symbol("a")
    m = a * sp.eye(8) + _hilbert(8)  # PD iff a > -lambda_min(H8)
    r = definiteness(m)
    assert r.kind is D.UNDECIDED and len(r.conditions) == 8
    # each minor is the determinant of the leading block (by SymPy's berkowitz, independently)
    for k in (1, 2, 5):
        assert sp.expand(r.minors[k - 1] - m[:k, :k].det(method="berkowitz")) == 0
    assert definiteness(m.subs(a, 1)).kind is D.POSITIVE_DEFINITE
    general = sp.Matrix(8, 8, lambda i, j: sp.Symbol(f"a{min(i, j)}{max(i, j)}"))
    with pytest.raises(InputError, match="terms"):
        definiteness(general)
    # a function of a symbol is a generator of the minors (a determinant is a polynomial in
    # the entries): diag(sin a) is PD iff sin(a)^k > 0 for every k
    r = definiteness(sp.Matrix(5, 5, lambda i, j: sp.sin(a) if i == j else 0))
    assert r.kind is D.UNDECIDED and r.conditions[0] == (sp.sin(a) > 0)
    with pytest.raises(InputError, match="substitute numbers"):  # rational functions
        definiteness(sp.Matrix(5, 5, lambda i, j: 1 / (1 + a**2) if i == j else 0))
