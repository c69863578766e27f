"""Random inputs shared by the tests: smooth random expressions and quadratic problems.

One home for generators that used to live as near-copies in several test files. Everything is
exact (SymPy Integers and Rationals), so a test can compare against an exact truth and convert
to NumPy itself (``np.array(A, dtype=float)``).

* :func:`random_expr`: a random smooth expression from a seeded :class:`random.Random` (the
  tests draw the seed with hypothesis and keep using the same generator for the rest of the
  case, e.g. a region).
* :func:`int_matrices`, :func:`symmetric_matrices`, :func:`spd_matrices`: square integer
  matrices (any, ``M + M^T``, ``M^T M + I``).
* :func:`quadratics`: ``(A, b)`` with ``A`` symmetric positive definite, for
  ``f = x^T A x / 2 - b^T x`` (:func:`quadratic_form`), whose minimizer is ``A^-1 b``.
* :func:`secant_data`: ``(B, s, y)`` for quasi-Newton updates.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import sympy as sp
from hypothesis import strategies as st

__all__ = [
    "int_matrices",
    "int_vectors",
    "quadratic_form",
    "quadratics",
    "random_expr",
    "secant_data",
    "spd_matrices",
    "symmetric_matrices",
]


# -- random expressions --------------------------------------------------------------------------


def random_expr(rnd: random.Random, depth: int, variables: Sequence[sp.Symbol],
                wrap: Callable[[sp.Expr], sp.Expr] = sp.cos) -> sp.Expr:
    """A random smooth expression of nesting ``depth`` in ``variables``.

    Leaves are a variable or a small rational; a level adds a sum, a product, a linear inner
    argument, ``wrap(a) * b`` (``cos`` by default; ``lambda a: sp.cosh(a / 3)`` keeps the
    curvature of certified bounds moderate) or one of ``exp(a/4)``, ``log(1 + exp(a))``,
    ``sin(a)``, ``a**2``, ``sqrt(1 + a**2)``: smooth everywhere on the reals.

    >>> x, y = sp.symbols("x y")
    >>> random_expr(random.Random(1), 2, [x, y]).free_symbols <= {x, y}
    True
    """
    if depth == 0:
        return rnd.choice(variables) if rnd.random() < 0.6 else sp.Rational(rnd.randint(-5, 5),
                                                                             rnd.randint(1, 3))
    a = random_expr(rnd, depth - 1, variables, wrap)
    pick = rnd.randint(0, 8)
    if pick == 0:
        return a + random_expr(rnd, depth - 1, variables, wrap)
    if pick == 1:
        return a * random_expr(rnd, depth - 1, variables, wrap)
    if pick == 7:
        return sum(rnd.randint(-3, 3) * s for s in variables) + a  # a linear inner argument
    if pick == 8:
        return wrap(a) * random_expr(rnd, depth - 1, variables, wrap)
    return (sp.exp(a / 4), sp.log(1 + sp.exp(a)), sp.sin(a), a**2, sp.sqrt(1 + a**2))[pick - 2]


# -- matrices and quadratics ---------------------------------------------------------------------


def int_vectors(n: int, entries: tuple[int, int] = (-5, 5)) -> st.SearchStrategy[sp.Matrix]:
    """Integer column vectors of length ``n``."""
    lo, hi = entries
    return st.lists(st.integers(lo, hi), min_size=n, max_size=n).map(sp.Matrix)


@st.composite
def int_matrices(draw: st.DrawFn, sizes: tuple[int, int] = (2, 4),
                 entries: tuple[int, int] = (-4, 4)) -> sp.Matrix:
    """Square integer matrices, ``n`` in ``sizes`` (inclusive)."""
    n = draw(st.integers(*sizes))
    lo, hi = entries
    return sp.Matrix(n, n, draw(st.lists(st.integers(lo, hi), min_size=n * n, max_size=n * n)))


def symmetric_matrices(sizes: tuple[int, int] = (2, 4), entries: tuple[int, int] = (-4, 4)
                       ) -> st.SearchStrategy[sp.Matrix]:
    """``M + M^T``: symmetric, definite or not."""
    return int_matrices(sizes, entries).map(lambda m: m + m.T)


def spd_matrices(sizes: tuple[int, int] = (2, 4), entries: tuple[int, int] = (-4, 4)
                 ) -> st.SearchStrategy[sp.Matrix]:
    """``M^T M + I``: symmetric positive definite, smallest eigenvalue at least 1."""
    return int_matrices(sizes, entries).map(lambda m: m.T * m + sp.eye(m.rows))


@st.composite
def quadratics(draw: st.DrawFn, sizes: tuple[int, int] = (2, 3),
               entries: tuple[int, int] = (-3, 3), linear: tuple[int, int] = (-5, 5)
               ) -> tuple[sp.Matrix, sp.Matrix]:
    """``(A, b)`` with ``A`` symmetric positive definite: ``f = x^T A x / 2 - b^T x`` has the
    unique minimizer ``A^-1 b``."""
    a = draw(spd_matrices(sizes, entries))
    return a, draw(int_vectors(a.rows, linear))


def quadratic_form(a: sp.Matrix, variables: Sequence[sp.Symbol],
                   b: sp.Matrix | Sequence[int] | None = None) -> sp.Expr:
    """``x^T A x / 2 - b^T x``, expanded (``b = 0`` when not given).

    >>> x, y = sp.symbols("x y")
    >>> quadratic_form(sp.Matrix([[2, 0], [0, 20]]), [x, y], [1, 0])
    x**2 - x + 10*y**2
    """
    v = sp.Matrix(variables)
    f = (v.T * a * v)[0] / 2
    if b is not None:
        f -= (sp.Matrix(b).T * v)[0]
    return sp.expand(f)


@st.composite
def secant_data(draw: st.DrawFn, sizes: tuple[int, int] = (2, 4),
                entries: tuple[int, int] = (-6, 6)) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """``(B, s, y)``: a positive definite ``B`` and integer vectors ``s``, ``y`` (the curvature
    condition ``y^T s > 0`` is left to the test)."""
    b = draw(spd_matrices(sizes, entries))
    return b, draw(int_vectors(b.rows, entries)), draw(int_vectors(b.rows, entries))
