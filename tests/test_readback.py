r"""The derivations' LaTeX reader (:mod:`symtaylor.derivations.readback`): SymPy's lark LaTeX
grammar with the three rules of ``readback.lark``. Checked against SymPy's own parser (every
form it reads, the extension reads the same way) and by round trips through the printer the
derivations use (print a TransposeProduct, a chain, a gradient; read it back; SymPy decides
equality)."""

from __future__ import annotations

from typing import Any

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symtaylor.derivations import readback
from symtaylor.derivations.record import TransposeProduct, math_latex
from symtaylor.errors import InputError

# one-letter names the grammar reads as symbols (d is its differential, e and T are avoided:
# e is Euler's number to a reader, T is the transpose mark)
_NAMES = st.sampled_from(list("abcgpqsuvwxyzABHMU"))


def _stock(tex: str) -> list[Any]:
    from lark.visitors import CollapseAmbiguities
    from sympy.parsing.latex.lark.latex_parser import _lark_latex_parser as p

    try:
        tree = p.parser.parse(tex)
    except Exception:  # SymPy's parser refuses the form
        return []
    out = []
    for t in CollapseAmbiguities().transform(tree):
        try:
            out.append(p.transformer.transform(t))
        except Exception:  # a reading SymPy's transformer refuses
            continue
    return out


def test_the_three_rules() -> None:
    a, L, x, y, g, s, H = sp.symbols("alpha L x y g s H")
    assert sp.And(sp.Lt(0, a), sp.Lt(a, 2 / L)) in readback.readings(r"0 < \alpha < \frac{2}{L}")
    assert sp.And(sp.Le(0, x), sp.Lt(x, 1)) in readback.readings(r"0 \leq x < 1")
    assert TransposeProduct(g, y - x) in readback.readings(r"g^{T}(y - x)")
    assert TransposeProduct(s, H, s) in readback.readings(r"s^{T} H s")
    assert TransposeProduct(s, H, s) != TransposeProduct(s, s, H)  # the order is kept
    grad, hess = sp.Function(r"\nabla f"), sp.Function(r"\nabla^{2} f")
    assert grad(y) - grad(x) in readback.readings(r"\nabla f(y) - \nabla f(x)")
    assert hess(x) in readback.readings(r"\nabla^{2} f(x)")
    # what SymPy's grammar cannot read, the extension does not make up either
    assert readback.readings(r"0 < \alpha <") == []
    assert readback.readings(r"g^{T}") != []  # still the power g**T, as SymPy reads it
    assert all(not isinstance(r, TransposeProduct) for r in readback.readings(r"g^{T}"))


def test_transpose_product_needs_a_factor() -> None:
    g = sp.Symbol("g")
    try:
        TransposeProduct(g)
    except InputError as exc:
        assert "at least one factor" in str(exc)
    else:  # pragma: no cover - the check above must raise
        raise AssertionError("TransposeProduct(g) was accepted")


@settings(max_examples=40, deadline=None)
@given(u=_NAMES, factors=st.lists(st.one_of(_NAMES.map(lambda n: (n,)),
                                            st.tuples(_NAMES, _NAMES)), min_size=1, max_size=3))
def test_transpose_product_round_trip(u: str, factors: list[tuple[str, ...]]) -> None:
    """Printed as the derivations print it, read back as itself (factors in their order,
    a two-name factor as the sum of the two)."""
    fs = [sp.Symbol(f[0]) if len(f) == 1 else sp.Symbol(f[0]) - sp.Symbol(f[1])
          for f in factors]
    fs = [f if f != 0 else sp.Symbol("z") for f in fs]
    tp = TransposeProduct(sp.Symbol(u), *fs)
    tex = math_latex(tp)
    assert tp in readback.readings(tex), (tex, readback.readings(tex))


@settings(max_examples=40, deadline=None)
@given(lo=st.fractions(-5, 5, max_denominator=7), width=st.fractions(1, 5, max_denominator=7),
       name=_NAMES, strict=st.tuples(st.booleans(), st.booleans()))
def test_chain_round_trip(lo: Any, width: Any, name: str, strict: tuple[bool, bool]) -> None:
    """An interval premise And(lo < v, v <= hi) as the derivations print it reads back as
    the same two bounds (compared in SymPy's canonical form)."""
    v = sp.Symbol(name)
    a, b = sp.Rational(lo), sp.Rational(lo) + sp.Rational(width)
    premise = sp.And((sp.Lt if strict[0] else sp.Le)(a, v), (sp.Lt if strict[1] else sp.Le)(v, b))
    tex = math_latex(premise)
    want = {r.canonical for r in premise.args}
    assert any(isinstance(r, sp.And) and {q.canonical for q in r.args} == want
               for r in readback.readings(tex)), (tex, readback.readings(tex))


_POLY = st.lists(st.tuples(st.integers(-3, 3), st.integers(0, 3), st.integers(0, 2)),
                 min_size=1, max_size=4)


@settings(max_examples=30, deadline=None)
@given(terms=_POLY)
def test_sympys_readings_are_kept(terms: list[tuple[int, int, int]]) -> None:
    """Appending the rules takes no reading away: every reading SymPy's parser gives a
    printed polynomial, the extension gives too."""
    x, y = sp.symbols("x y")
    expr = sum(c * x**i * y**j for c, i, j in terms)
    tex = math_latex(expr)
    mine = readback.readings(tex)
    for r in _stock(tex):
        if isinstance(r, sp.Basic):
            assert r in mine, (tex, r, mine)


def test_matrix_products_keep_their_order() -> None:
    """Told which names are matrices (as a document's list of symbols says), the reader
    builds SymPy's matrix expressions: products in their order, ``^{T}`` a transpose."""
    n = sp.Symbol("n", integer=True, positive=True)
    A, B = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", n, n)
    s = sp.MatrixSymbol("s", n, 1)
    table = {"A": A, "B": B, "s": s, "I": sp.Identity(n)}
    ab = readback.readings("A B", table)
    assert A * B in ab and B * A not in ab
    assert A * B * s in [r.doit() for r in readback.readings("A B s", table)]
    assert sp.Transpose(B) * s in readback.readings("B^{T} s", table)
    alpha = sp.Symbol("alpha")
    got = [r.doit() for r in readback.readings(r"\left(I - \alpha A\right) s", table)]
    assert ((sp.Identity(n) - alpha * A) * s).doit() in got
    # without the table the same text is a commutative product of scalars
    assert sp.Symbol("A") * sp.Symbol("B") in readback.readings("A B")


def test_hostile_text_gets_no_reading_and_no_error() -> None:
    """Text the reader will not parse comes back as no reading, never as an exception: past
    the length limit, too many ambiguous calls (each f(x) doubles lark's explicit tree), or
    nested past Python's recursion limit."""
    long_sum = " + ".join(["x"] * 400)
    assert len(long_sum) > readback.MAX_LENGTH and readback.readings(long_sum) == []
    calls = " + ".join(["f(x)"] * (readback.MAX_CALLS + 1))
    assert readback.readings(calls) == []
    fewer = " + ".join(["f(x)"] * 4)
    x = sp.Symbol("x")
    assert "4*f(x)" in [str(r) for r in readback.readings(fewer)]
    assert isinstance(readback.readings("{" * 300 + "x" + "}" * 300), list)
    sized = r"\left(" * 30 + "x" + r"\right)" * 30  # \left is dropped, not read as \le ft
    assert readback.readings(sized) == [x]


def test_nabla_orders() -> None:
    x = sp.Symbol("x")
    assert readback.readings(r"\nabla^{0} f(x)") == [] and readback.readings(
        r"\nabla^{1} f(x)") == []
    assert sp.Function(r"\nabla^{3} f")(x) in readback.readings(r"\nabla^{3} f(x)")
