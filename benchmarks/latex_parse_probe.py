r"""Which standard LaTeX spellings SymPy's LaTeX parser (lark backend) reads.

For each notation the derivations print (issue 13), the textbook spellings are handed to
``sympy.parsing.latex`` (lark, Earley with ``ambiguity="explicit"``; every complete reading of
an ambiguous parse is transformed, as tests/test_derivations.py does) and the readings are
printed: ``-`` when the parser (or its transformer) rejects every reading.

Run: ``python benchmarks/latex_parse_probe.py`` (about 10 s). Findings with SymPy 1.14 / lark
1.3 (what the derivations print follows them):

- subscripts: a single letter or digit or a word of letters only: ``x_{k}``, ``x_{new}``,
  ``h_{opt}``, ``\lambda_{max}`` read; ``x_{+}``, ``x_{k+1}``, ``x_{k + 1}``, ``x_{(k+1)}``,
  ``x_{12}``, ``\lambda_{\max}``, ``h_{\mathrm{obs}}`` do not (no standard spelling of
  ``k + 1`` reads);
- stars: ``x^{*}``, ``x^{\ast}``, ``x^\star``, ``x_{*}`` are errors for a non-matrix base;
  accents ``\hat``, ``\bar``, ``\tilde`` are no tokens;
- ``\nabla``, ``\|``, ``\lVert``, ``\operatorname``, ``\mathrm``, ``\wedge``, ``\land`` and
  chains ``0 < a < b`` are not read; ``||g||`` and ``|g|`` read as Abs;
- ``g^{T} g``, ``s^{T} y``: a power followed by a factor is a syntax error; ``g^{T} \cdot g``
  reads as ``g**T*g`` (commutative); ``B s``, ``B_{k} s_{k}`` read as products;
- after a ``\cdot`` the rest of the product must be joined by ``\cdot``: ``a \cdot b c`` and
  ``a \cdot (b) c`` fail, ``a \cdot b \cdot c`` reads; ``x (y)`` is a call and a product;
- ``f'(a)``, ``f''(a)`` read as calls of ``f'``; ``f^{(1)}(a)`` does not; ``f'_{0}(x)`` reads,
  ``f_0'(x)`` does not;
- numbers ``8.73348 \cdot 10^{-6}`` read as Floats; ``\frac``, ``\tfrac``, ``\dfrac`` read;
- so tests/test_derivations.py renames ``x_{+}``, ``e_{k+1}``, ``x^{*}``, ``\hat L`` (and the
  like, its ``RENAMES``) to placeholders ``x_{plus}``, ``e_{knext}``, ``x_{star}``, ``L_{hat}``
  in the LaTeX and in the derived object alike before comparing (the documents keep them).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import sympy as sp

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from test_derivations import _readings

PROBES: dict[str, tuple[str, ...]] = {
    "the next iterate": (r"x_{k+1}", r"x_{k + 1}", r"x_{(k+1)}", r"x_{+}", r"x_+", r"x^{+}",
                         r"x_{new}", r"x_{\text{new}}", r"x'", r"\bar{x}"),
    "the minimiser": (r"x^{*}", r"x^*", r"x^{\ast}", r"x^\ast", r"x^{\star}", r"x^\star",
                      r"x_{*}", r"x_{\star}", r"x_{opt}", r"\hat{x}"),
    "an optimal parameter": (r"\alpha^{*}", r"\alpha_{opt}", r"h^{*}", r"h_{opt}",
                             r"h_{\mathrm{opt}}", r"E(h^{*})", r"E(h_{opt})"),
    "an error sequence": (r"e_{k}", r"e_{k+1}", r"e_{n}", r"||e_{k+1}|| \le c ||e_{k}||^{2}"),
    "the gradient": (r"\nabla f(x)", r"\nabla f", r"\operatorname{grad} f(x)", r"g(x)",
                     r"\nabla^{2} f", r"H"),
    "norms": (r"\|g\|^{2}", r"\| g \|", r"||g||^{2}", r"\lVert g \rVert", r"\left\|g\right\|",
              r"|g|^{2}"),
    "inner products": (r"g^{T} g", r"g^{T}g", r"g^{\mathsf{T}} g", r"g^{\top} g",
                       r"g^{T} \cdot g", r"g^{T}(y - x)", r"g^{T} \cdot (y - x)",
                       r"s^{T} y", r"s^{T} \cdot y", r"\langle g, y - x \rangle"),
    "matrix products": (r"B_{k}s_{k}", r"B_{k} s_{k}", r"B_{k} \cdot s_{k}", r"\mathbf{B}_{k+1}",
                        r"B_{+} s", r"B_{+} \cdot s", r"A s", r"B + U C U^{T}",
                        r"(I - \alpha H)(x - y)"),
    "fractions": (r"\frac{a}{b}", r"\tfrac{a}{b}", r"\dfrac{a}{b}", r"\frac{3}{2} x",
                  r"x - \frac{3 f'_{0}(x)}{2}"),
    "conjunctions": (r"a \land b", r"a \wedge b", r"x > 0 \land x < 1", r"x > 0 \wedge x < 1",
                     r"0 < x < 1", r"x > 0, x < 1"),
    "products with parentheses": (
        r"- \alpha \cdot \left(1 - x\right) y", r"- \alpha \cdot \left(1 - x\right) \cdot y",
        r"- \alpha (1 - x) y", r"\alpha \left(1 - x\right)", r"\left(1 - x\right) y",
        r"a \cdot b c", r"a \cdot b \cdot c", r"x^{2} y", r"x^{2} \cdot y",
        r"\frac{\alpha^{2} \cdot \lambda_{max} ||g||^{2}}{2}",
        r"\frac{\alpha^{2} \cdot \lambda_{max} \cdot ||g||^{2}}{2}"),
    "derivatives": (r"f^{(1)}(a)", r"f'(a)", r"f''(a)", r"f^{\prime}(a)", r"f_0'(x)",
                    r"f'_{0}(x)", r"\frac{d}{d x} {x^{2}}", r"\frac{d^{2}}{d x^{2}} {x^{3}}"),
    "names and operators": (r"\mathrm{fl}(x)", r"\operatorname{fl}(x)", r"\lambda_{\max}",
                            r"\lambda_{max}", r"\hat L", r"\hat{L}(\theta)", r"D_{h} f(a)",
                            r"\max(a, b)", r"\max_i |a_i|", r"\pi", r"\det(A)",
                            r"\int\limits_{0}^{1} L t\, dt",
                            r"\int\limits_{0}^{1} \cdot L t\, dt"),
    "numbers": (r"8.73348 \cdot 10^{-6}", r"8.73348 \times 10^{-6}"),
}

#: At most this many readings of one ambiguous parse are transformed.
def readings(tex: str) -> list[Any]:
    """Every SymPy object the lark parser reads ``tex`` as (empty: not readable): the reader
    the parse-back test uses (tests/test_derivations.py), duplicates dropped."""
    out: list[Any] = []
    for back in _readings(tex):
        if back not in out:
            out.append(back)
    return out


def main() -> None:
    start = time.perf_counter()
    n = ok = 0
    for notation, spellings in PROBES.items():
        print(f"\n{notation}")
        for tex in spellings:
            got = readings(tex)
            n += 1
            ok += bool(got)
            shown = "; ".join(sp.sstr(g) for g in got[:3]) if got else "-"
            print(f"  {tex:52s} {shown}")
    print(f"\n{ok}/{n} spellings read ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
