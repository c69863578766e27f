r"""The records of a checked derivation: :class:`Row`, :class:`Section`, :class:`Derivation`,
:class:`Handout`, and their printers (LaTeX ``align*``, a standalone document, Markdown, text,
PDF through ``pdflatex``).

A row is ``lhs relation rhs`` with a justification (prose) and the engine's verdict on it:
``check`` is ``"exact"`` (SymPy proved it; ``route`` names how), ``"certified"`` (ball
arithmetic) or ``"assumed"`` (a hypothesis or a definition, stated as such). A derivation
refuses an ``=`` row that is only assumed: build rows with :mod:`symtaylor.derivations.checks`,
which proves each one as it is made.

Conventions for text: justifications are plain text (every LaTeX special character is
escaped, common Unicode such as ``α ‖ ≤ ∇`` is printed as math). The problem statement and the
meanings of the symbols are prose in which ``$...$`` encloses LaTeX math; the rest is escaped.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> r = Row(sp.Derivative(x**2, x), "=", 2*x, "powers", "exact", "sympy: doit")
>>> d = Derivation("demo", "A derivative", "Differentiate $x^2$.", (r,), 2*x, (("x", "a real"),))
>>> print(d.latex())
\begin{align*}
\frac{d}{d x} {x^{2}} &= 2 x && \parbox[t]{0.3\textwidth}{\raggedright\small powers\ $\checkmark$}
\end{align*}
>>> print(d.text())
A derivative
  Differentiate x².
  d/dx (x^2) = 2*x    (powers) [exact: sympy: doit]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from ..errors import InputError, OptionalDependencyError, SymTaylorError

__all__ = [
    "CHECKS",
    "RELATIONS",
    "Derivation",
    "Handout",
    "LatexCompileError",
    "Row",
    "Section",
    "TransposeProduct",
    "VectorSymbol",
    "math_latex",
    "norm",
    "prose_latex",
    "text_latex",
]

Check = Literal["exact", "certified", "assumed"]
CHECKS: tuple[str, ...] = ("exact", "certified", "assumed")

#: The relations a row may state, with their LaTeX.
RELATIONS: dict[str, str] = {
    "=": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "=>": r"\Longrightarrow",
    "<=>": r"\iff", ":=": ":=", "~": r"\approx",
}

#: How a verdict is marked in the justification column.
_MARKS = {"exact": r"\checkmark", "certified": r"\checkmark_{\mathrm{ball}}",
          "assumed": r"[\text{assumed}]"}


class LatexCompileError(SymTaylorError, RuntimeError):
    """``pdflatex`` ran but did not produce a PDF; the message ends with the log's tail."""


# -- text escaping -----------------------------------------------------------------------------

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "^": r"\^{}", "_": r"\_", "&": r"\&",
    "%": r"\%", "$": r"\$", "#": r"\#", "~": r"\~{}", "|": r"$|$", "<": r"$<$",
    ">": r"$>$",
}
#: Unicode that pdflatex cannot print in text: printed as inline math instead.
_UNICODE_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "Δ": r"\Delta",
    "ε": r"\varepsilon", "η": r"\eta", "θ": r"\theta", "κ": r"\kappa", "λ": r"\lambda",
    "μ": r"\mu", "ξ": r"\xi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau", "φ": r"\varphi",
    "ω": r"\omega", "∇": r"\nabla", "‖": r"\|", "≤": r"\le", "≥": r"\ge", "≠": r"\ne",
    "≈": r"\approx", "→": r"\to", "⇒": r"\Rightarrow", "⟸": r"\Longleftarrow",
    "⟹": r"\Longrightarrow", "⟺": r"\iff", "∈": r"\in", "∞": r"\infty", "·": r"\cdot",
    "×": r"\times", "²": r"^{2}", "³": r"^{3}", "ᵀ": r"^{T}", "√": r"\surd", "±": r"\pm",
    "∂": r"\partial", "⁻¹": r"^{-1}", "−": "-", "∑": r"\sum", "′": r"'",
}
_UNICODE_TEXT = {"–": "--", "—": "---", "’": "'", "‘": "`", "“": "``", "”": "''", "…": "..."}


def text_latex(text: str) -> str:
    r"""Plain text made safe for LaTeX text mode (inside ``\text{}`` or a paragraph).

    >>> print(text_latex("50% of x_1 & ‖g‖² ~ {a}"))
    50\% of x\_1 \& $\|$g$\|$$^{2}$ \~{} \{a\}
    """
    out = []
    i = 0
    while i < len(text):
        two = text[i:i + 2]
        if two in _UNICODE_MATH:
            out.append(f"${_UNICODE_MATH[two]}$")
            i += 2
            continue
        ch = text[i]
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _UNICODE_MATH:
            out.append(f"${_UNICODE_MATH[ch]}$")
        elif ch in _UNICODE_TEXT:
            out.append(_UNICODE_TEXT[ch])
        elif ord(ch) > 127:
            out.append("?")  # pdflatex without extra packages cannot print it
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _text_mathjax(text: str) -> str:
    r"""Plain text inside MathJax math (Markdown): ``\text{...}`` pieces, with the characters
    MathJax's text mode does not take literally (braces, backslash, dollar, percent) printed
    as math."""
    pieces = re.split(r"([{}\\$%&#])", text)
    special = {"{": r"\{", "}": r"\}", "\\": r"\backslash ", "$": r"\$", "%": r"\%",
               "&": r"\&", "#": r"\#"}
    out = []
    for p in pieces:
        if not p:
            continue
        out.append(special[p] if p in special else r"\text{" + p + "}")
    return "".join(out)


def _split_prose(prose: str) -> list[tuple[bool, str]]:
    """``[(is_math, piece), ...]`` of prose where ``$...$`` encloses math."""
    parts = prose.split("$")
    if len(parts) % 2 == 0:  # an unmatched $: treat it as text
        parts = [prose]
    return [(i % 2 == 1, p) for i, p in enumerate(parts) if p]


def prose_latex(prose: str) -> str:
    """Prose with ``$math$`` for a LaTeX paragraph: the text escaped, the math kept.

    >>> print(prose_latex("Expand $e^{x}$ at 0 (100% exact)."))
    Expand $e^{x}$ at 0 (100\\% exact).
    """
    return "".join(f"${p}$" if m else text_latex(p) for m, p in _split_prose(prose))


def _prose_markdown(prose: str) -> str:
    out = []
    for m, p in _split_prose(prose):
        out.append(f"${p}$" if m else re.sub(r"([*_`\\<>\[\]])", r"\\\1", p))
    return "".join(out)


def _prose_text(prose: str) -> str:
    return "".join(_tex_to_text(p) if m else p for m, p in _split_prose(prose))


def math_latex(obj: Any) -> str:
    """LaTeX for one side of a row: SymPy objects through ``sympy.latex``, strings as LaTeX,
    ``None`` as nothing.

    >>> math_latex(sp.Rational(1, 2)), math_latex(r"\\nabla f"), math_latex(None)
    ('\\\\frac{1}{2}', '\\\\nabla f', '')
    """
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, bool):
        return r"\text{true}" if obj else r"\text{false}"
    if isinstance(obj, float | int):
        obj = sp.Integer(obj) if isinstance(obj, int) else sp.Float(obj)  # a Python number
    return _explicit_products(_LatexPrinter().doprint(obj))


class VectorSymbol(sp.Symbol):
    r"""A vector named by a symbol (``g``, ``e``, ``y - x``): only its Euclidean norm is used,
    as :func:`norm` (``Abs`` of it), printed ``||g||``, which SymPy's LaTeX parser reads back
    as ``Abs(g)`` (it has no token for ``\|`` or ``\lVert``)."""


def norm(v: sp.Expr) -> sp.Expr:
    r"""The Euclidean norm of an expression in :class:`VectorSymbol` s (an ``Abs``: positive
    when the vector is declared ``complex=True, zero=False``, never simplified to ``v**2`` when
    squared, as it would be for a real symbol).

    >>> g = VectorSymbol("g", complex=True, zero=False)
    >>> print(math_latex(norm(g)**2 / 2), norm(g).is_positive)
    \frac{||g||^{2}}{2} True
    """
    return sp.Abs(v)


class TransposeProduct(sp.Function):
    r"""The real scalar ``u^{T} M_1 \cdots M_k``: a vector's transpose times the product of the
    factors that follow, in their order (``g^{T}(y - x)``, ``s^{T} y``, ``g^{T} H g``).

    The arguments are ``u, M_1, ..., M_k`` (symbols or sums of symbols standing for real
    vectors and matrices: a :class:`VectorSymbol` declared ``complex=True`` only so that its
    :func:`norm` is not simplified is taken as real here); the value is one commutative real
    scalar, so it enters sums and products of scalars as a symbol would, while its printed
    form keeps the factors' order. SymPy's LaTeX
    grammar reads ``g^{T}(y - x)`` only as a commutative power; symtaylor's reader
    (:mod:`symtaylor.derivations.readback`) reads it back as this object.

    >>> g, x, y, H = sp.symbols("g x y H")
    >>> print(math_latex(TransposeProduct(g, y - x)), "|", math_latex(TransposeProduct(g, H, g)))
    g^{T}\left(y - x\right) | g^{T} H g
    >>> TransposeProduct(g, H, g).is_real, TransposeProduct(g, H, g) == TransposeProduct(g, g, H)
    (True, False)
    """

    @classmethod
    def eval(cls, *args: Any) -> None:
        if len(args) < 2:
            raise InputError("TransposeProduct needs a vector and at least one factor, got "
                             f"{len(args)} argument(s)")
        return None

    def _eval_is_real(self) -> bool:
        return True

    def _eval_is_commutative(self) -> bool:
        return True

    def _latex(self, printer: Any) -> str:
        u, *factors = self.args
        parts = [printer._print(f) for f in factors]
        parts = [rf"\left({p}\right)" if isinstance(f, sp.Add) else p
                 for f, p in zip(factors, parts)]
        out, prev_paren = printer._print(u) + "^{T}", False
        for f, p in zip(factors, parts):
            # a space only between two plain factors: ``\right) a`` would be joined with
            # ``\cdot`` by the printer's explicit products, which ends the transpose product
            paren = isinstance(f, sp.Add)
            out += p if paren or prev_paren else " " + p
            prev_paren = paren
        return out


_GREEK_SUB = re.compile(r"([A-Za-z]+)_\{([A-Za-z0-9]+)\}")
_GREEK_NAMES = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta kappa lambda mu nu xi rho tau upsilon phi "
    "chi psi omega".split())


def _is_vector_norm(expr: Any) -> bool:
    frees = expr.args[0].free_symbols if isinstance(expr, sp.Abs) else ()
    return bool(frees) and all(isinstance(s, VectorSymbol) for s in frees)


def _interval_chain(expr: Any) -> tuple[Any, str, Any, str, Any] | None:
    r"""``(a, "<", v, r"\le", b)`` when ``expr`` is ``And`` of a lower and an upper bound on
    the same symbol ``v``, else None.

    >>> v = sp.Symbol("v")
    >>> _interval_chain(sp.And(v > 0, v <= 2))
    (0, '<', v, '\\le', 2)
    """
    if not isinstance(expr, sp.And) or len(expr.args) != 2:
        return None
    lows, highs = [], []
    for rel in expr.args:
        if not isinstance(rel, sp.StrictLessThan | sp.LessThan | sp.StrictGreaterThan
                          | sp.GreaterThan):
            return None
        strict = isinstance(rel, sp.StrictLessThan | sp.StrictGreaterThan)
        small, big = (rel.lhs, rel.rhs) if isinstance(rel, sp.StrictLessThan | sp.LessThan) \
            else (rel.rhs, rel.lhs)
        op = "<" if strict else r"\le"
        if isinstance(big, sp.Symbol):
            lows.append((small, op, big))
        if isinstance(small, sp.Symbol):
            highs.append((small, op, big))
    for lo, op1, v in lows:
        for w, op2, hi in highs:
            if v == w and (lo, op1, v) != (w, op2, hi):
                return lo, op1, v, op2, hi
    return None


def _negated(term: Any) -> Any:
    """``-term`` when ``term`` reads as negative (a scalar with a minus sign, or a matrix
    product whose scalar coefficient has one: ``(-alpha) H``), else None."""
    if isinstance(term, sp.MatMul):
        c, *rest = term.args
        if getattr(c, "is_commutative", False) and c.could_extract_minus_sign() and rest:
            return sp.MatMul(-c, *rest) if -c != 1 else sp.MatMul(*rest)
        return None
    return -term if term.could_extract_minus_sign() else None


def lead_positive(terms: Sequence[Any]) -> list[Any]:
    """A sum's terms with a positive one first when there is one (``1 - L x``, ``y - x``), as
    a textbook writes a sum; the text printer leads its sums the same way."""
    terms = list(terms)
    if terms and _negated(terms[0]) is not None:
        first = next((i for i, t in enumerate(terms) if _negated(t) is None), None)
        if first is not None:
            terms.insert(0, terms.pop(first))
    return terms


class _LatexPrinter(LatexPrinter):
    r"""``sympy.latex`` with sums led by a positive term (``1 - L x``, as a textbook prints
    them), interval premises as ``0 < \alpha < 2/L``, and two forms SymPy's LaTeX parser
    reads back: a first derivative in
    one variable as ``\frac{d}{d x} {...}`` with its operand braced (SymPy prints
    ``\frac{\partial}{\partial \alpha} \alpha \left(...\right)`` when a parameter is
    present, which the parser reads as ``\partial`` and then a product), and an undefined
    function applied as ``f(x)`` (SymPy's ``f{\left(x \right)}`` reads as ``f x``).

    >>> x, L = sp.symbols("x L")
    >>> print(_LatexPrinter().doprint(sp.Derivative(x * (1 - L * x), x)))
    \frac{d}{d x} {\left(x \left(1 - L x\right)\right)}
    >>> print(_LatexPrinter().doprint(sp.Function("f")(x + 1) + sp.Function(r"\varphi")(x)))
    \varphi(x) + f(x + 1)
    """

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        (var, n), = expr.variable_count if len(expr.variable_count) == 1 else ((None, 0),)
        if var is None or n != 1:
            return super()._print_Derivative(expr)
        inner = self._print(expr.expr)
        if isinstance(expr.expr, sp.Add | sp.Mul):
            inner = r"\left(" + inner + r"\right)"
        return rf"\frac{{d}}{{d {self._print(var)}}} {{{inner}}}"

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        m = _GREEK_SUB.fullmatch(expr.name)
        if m and m.group(1) in _GREEK_NAMES:  # lambda_{max}: SymPy prints no backslash
            return rf"\{m.group(1)}_{{{m.group(2)}}}"
        return super()._print_Symbol(expr, style)

    def _print_Abs(self, expr: Any, exp: Any = None) -> str:
        if not _is_vector_norm(expr):
            return super()._print_Abs(expr, exp)
        out = "||" + self._print(expr.args[0]) + "||"
        return out if exp is None else rf"{out}^{{{exp}}}"

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        r"""A sum led by a positive term when it has one, as a textbook writes it:
        ``1 - \frac{L \alpha}{2}``, ``y - x`` (SymPy prints ``- \frac{L \alpha}{2} + 1``)."""
        terms = lead_positive(self._as_ordered_terms(expr, order=order))
        tex = ""
        for i, term in enumerate(terms):
            if i == 0:
                pass
            elif (positive := _negated(term)) is not None:
                tex += " - "
                term = positive
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = r"\left(" + term_tex + r"\right)"
            tex += term_tex
        return tex

    def _print_Identity(self, expr: Any) -> str:
        """The identity matrix as ``I`` (the derivations define it so; SymPy prints
        ``\\mathbb{I}``)."""
        return "I"

    def _print_And(self, expr: Any) -> str:
        r"""``a < v < b`` for the conjunction of two bounds on one symbol (as a textbook
        writes an interval premise; SymPy prints ``v > a \wedge v < b``)."""
        chain = _interval_chain(expr)
        if chain is None:
            return super()._print_And(expr)
        lo, rel_lo, v, rel_hi, hi = chain
        return " ".join((self._print(lo), rel_lo, self._print(v), rel_hi, self._print(hi)))

    def _print_Function(self, expr: Any, exp: Any = None) -> str:
        if not isinstance(expr, AppliedUndef):
            return super()._print_Function(expr, exp)
        name = expr.func.__name__
        name = name if name.startswith("\\") else self._deal_with_super_sub(name)
        out = name + "(" + ", ".join(self._print(a) for a in expr.args) + ")"
        return out if exp is None else rf"{out}^{{{exp}}}"


_AFTER_POWER = re.compile(r"(?<!\\nabla)(\^\{(?!T\})[^{}]*\}) "
                          r"(?=[A-Za-z|]|\\(?!right|end|\\|left[|.]|cdot))")
#: a factor after a parenthesis: ``(1 - t) \cdot e`` (after a ``\cdot`` the parser reads
#: only ``\cdot`` products: ``a \cdot (b) c`` is a syntax error for it)
_AFTER_PAREN = re.compile(r"(\\right\)) (?=[A-Za-z]|\|\||\\(?:alpha|beta|gamma|delta|"
                          r"epsilon|varepsilon|eta|theta|kappa|lambda|mu|nu|xi|rho|sigma|tau|"
                          r"phi|varphi|chi|psi|omega|frac|tfrac|sqrt)\b)")
#: a factor after a ``\cdot`` factor: ``x^{2} \cdot y \cdot z`` (``x^{2} \cdot y z`` does not
#: parse: after a ``\cdot`` the rest of the product is joined by ``\cdot`` too); not the
#: factors of a transpose product ``g^{T} H g`` (:class:`TransposeProduct`)
_AFTER_CDOT = re.compile(r"(\\cdot (?:\\[A-Za-z]+|[A-Za-z0-9.]+)(?:_\{[^{}]*\})?"
                         r"(?:\^\{[^{}]*\})?)(?<!\^\{T\}) (?=[A-Za-z]|\|\||\\(?:alpha|beta|"
                         r"gamma|delta|epsilon|varepsilon|eta|theta|kappa|lambda|mu|nu|xi|rho|sigma|tau|"
                         r"phi|varphi|chi|psi|omega|frac|tfrac|sqrt)\b)")
_LIMITS = re.compile(r"\\limits_\{[^{}]*\}$")


def _cdot_after_power(m: re.Match[str]) -> str:
    r"""``^{2} y`` -> ``^{2} \cdot y``, except the upper limit of an integral."""
    if _LIMITS.search(m.string, 0, m.start()):
        return m.group(0)
    return m.group(1) + r" \cdot "


_BEFORE_FACTOR = re.compile(r"(?<=[A-Za-z0-9}])(?<!\\cdot) (?=\\left\(|\\(?:sin|cos|tan|log|exp"
                            r"|sinh|cosh|tanh|asin|acos|atan|sqrt|operatorname)\b)")
_DERIVATIVE = re.compile(r"(\\frac\{d(?:\^\{\d+\})?\}\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|"
                         r"\\frac\{\\partial[^{}]*(?:\{[^{}]*\}[^{}]*)*\}"
                         r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})")


def _explicit_products(tex: str) -> str:
    r"""``x^{2} \cdot y``, ``x \cdot \left(2 - x\right)``, ``x \cdot \cos{...}``: a product
    after a power or before a parenthesis or a function is written with ``\cdot`` (SymPy's LaTeX
    parser reads ``x^{2} y`` as a failed token and ``x (2 - x)`` as a function call). A
    derivative operator ``\frac{d}{d x}`` keeps its operand next to it.

    >>> print(_explicit_products(r"x^{2} y + x \left(2 - x\right)"))
    x^{2} \cdot y + x \cdot \left(2 - x\right)
    >>> print(_explicit_products(r"\frac{d}{d x} \left(x \cos{\left(x \right)}\right)"))
    \frac{d}{d x} {\left(x \cdot \cos{\left(x \right)}\right)}
    """
    parts = _DERIVATIVE.split(tex)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:  # not an operator
            part = _AFTER_POWER.sub(_cdot_after_power, part)
            part = _BEFORE_FACTOR.sub(r" \\cdot ", part)
            part = _AFTER_PAREN.sub(r"\1 \\cdot ", part)
            while (joined := _AFTER_CDOT.sub(r"\1 \\cdot ", part)) != part:
                part = joined
            if i > 0:
                part = _braced_operand(part)
        out.append(part)
    return "".join(out)


def _braced_operand(tail: str) -> str:
    r"""A derivative's parenthesised operand in braces: ``\frac{d}{d x} {\left(...\right)}``
    (after ``\frac{d}{d x}``, the parser reads ``\left(`` as ``\le ft(``).

    >>> print(_braced_operand(r" \left(- \sin{\left(x \right)}\right) + 1"))
     {\left(- \sin{\left(x \right)}\right)} + 1
    """
    body = tail.lstrip(" ")
    if not body.startswith(r"\left("):
        return tail
    depth = 0
    for m in re.finditer(r"\\left\(|\\right\)", body):
        depth += 1 if m.group(0) == r"\left(" else -1
        if depth == 0:
            end = m.end()
            return tail[:len(tail) - len(body)] + "{" + body[:end] + "}" + body[end:]
    return tail


def _plain(obj: Any) -> str:
    from .plaintext import plain

    return plain(obj)


def _tex_to_text(tex: str) -> str:
    from .plaintext import tex_text

    return tex_text(tex)


# -- rows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    r"""One checked line of a derivation: ``lhs relation rhs``.

    Attributes
    ----------
    lhs, rhs : SymPy object, LaTeX string or None
        The two sides. SymPy objects are what the engine derived (and what a check can
        re-verify); a string is LaTeX shown as it is (a named quantity like ``m(d)``). ``lhs``
        None continues the previous row (printed as ``&= rhs``).
    relation : str
        One of :data:`RELATIONS`: ``= <= < >= > => <=> := ~``.
    justification : str
        What was used (plain text): "second-order Taylor model", "Cauchy-Schwarz", ...
    check : {"exact", "certified", "assumed"}
        The engine's verdict on the row.
    route : str
        How the engine checked it: ``"sympy.cancel(lhs - rhs) == 0"``, ``"arb ball
        enclosure"``, ``"hypothesis"``, ``"definition"``.
    where : tuple of (Basic, Basic)
        The substitutions (definitions of earlier rows) the check applied to both sides
        before comparing them, so a test can re-verify the row on its own.
    chain : bool
        Print without the left side (a continued chain ``a = b = c``).
    """

    lhs: Any
    relation: str
    rhs: Any
    justification: str = ""
    check: Check = "assumed"
    route: str = "hypothesis"
    where: tuple[tuple[Any, Any], ...] = ()
    chain: bool = False

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise SymTaylorError(f"unknown relation {self.relation!r}; valid: "
                                 f"{', '.join(RELATIONS)}")
        if self.check not in CHECKS:
            raise SymTaylorError(f"unknown check {self.check!r}; valid: {', '.join(CHECKS)}")

    @property
    def note(self) -> str:
        """The justification (the name the generic :class:`symtaylor.latex.Row` uses)."""
        return self.justification

    @property
    def is_math(self) -> bool:
        """Whether both sides are SymPy objects (a row a parser or a test can read back)."""
        return isinstance(self.lhs, sp.Basic | sp.MatrixBase) and \
            isinstance(self.rhs, sp.Basic | sp.MatrixBase)

    def latex(self, marks: bool = True, markdown: bool = False) -> str:
        """The row as one ``align*`` line (without the trailing ``\\``)."""
        lhs = "" if self.chain else math_latex(self.lhs)
        out = f"{lhs} &{RELATIONS[self.relation]} {math_latex(self.rhs)}"
        mark = _MARKS[self.check] if marks and not (self.check == "assumed"
                                                    and self.relation == ":=") else ""
        if markdown:
            tail = [_text_mathjax(self.justification)] if self.justification else []
            tail += [mark] if mark else []
            return out + (" && " + r" \quad ".join(tail) if tail else "")
        if not self.justification and not mark:
            return out
        text = text_latex(self.justification)
        if mark:
            text += (r"\ " if text else "") + f"${mark}$"
        # a box of a third of the line: long justifications wrap instead of running off
        return out + r" && \parbox[t]{0.3\textwidth}{\raggedright\small " + text + "}"

    def text(self) -> str:
        """The row on one line for a terminal."""
        lhs = "" if self.chain else _plain(self.lhs)
        why = f"    ({self.justification})" if self.justification else ""
        from .plaintext import RELATION_TEXT

        rel = RELATION_TEXT[self.relation]
        return f"{lhs} {rel} {_plain(self.rhs)}{why} [{self.check}: {self.route}]".strip()


@dataclass(frozen=True)
class Section:
    """A titled group of rows inside a derivation, with optional prose before the rows."""

    heading: str
    rows: tuple[Row, ...]
    prose: str = ""


def _align(rows: Sequence[Row], markdown: bool = False) -> str:
    env = "aligned" if markdown else "align*"
    body = " \\\\\n".join(r.latex(markdown=markdown) for r in rows)
    return f"\\begin{{{env}}}\n{body}\n\\end{{{env}}}"


# -- derivations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Derivation:
    r"""A derivation whose every row the engine checked (or marked as a hypothesis).

    Attributes
    ----------
    kind : str
        The registry name that built it (``"newton"``, ``"taylor"``, ...).
    title : str
    problem : str
        The problem statement: prose with ``$...$`` math.
    rows : tuple of Row
        The main derivation.
    result : object
        The final object (the update as a SymPy Matrix for steps, the polynomial for taylor,
        the bound for descent-lemma, ``h*`` for finite-difference).
    definitions : tuple of (str, str)
        ``(latex symbol, meaning)`` for every symbol the rows use; meaning is prose.
    sections : tuple of Section
        Further titled groups of rows (printed after ``rows``).
    conclusion : str
        Prose after the rows (``$...$`` math).

    Raises
    ------
    SymTaylorError
        If an ``=`` row is only ``"assumed"``: a shipped derivation has no unchecked equality.
    """

    kind: str
    title: str
    problem: str
    rows: tuple[Row, ...]
    result: Any = None
    definitions: tuple[tuple[str, str], ...] = ()
    sections: tuple[Section, ...] = ()
    conclusion: str = ""

    def __post_init__(self) -> None:
        for r in self.all_rows():
            if not isinstance(r, Row):
                raise SymTaylorError(f"a derivation row must be a Row, got {type(r).__name__}")
            if r.relation == "=" and r.check == "assumed":
                raise SymTaylorError(f"unchecked '=' row in {self.title!r}: {r.text()}")

    # compatibility with symtaylor.latex.Derivation (title, rows, len, text, latex)
    def __len__(self) -> int:
        return len(self.rows) + sum(len(s.rows) for s in self.sections)

    def __call__(self) -> Derivation:
        """The derivation itself: ``record.derivation()`` and ``record.derivation`` agree."""
        return self

    def all_rows(self) -> Iterator[Row]:
        """The rows of the main block, then of every section."""
        yield from self.rows
        for s in self.sections:
            yield from s.rows

    # -- printers ----------------------------------------------------------------------------
    def latex(self) -> str:
        r"""The rows as ``align*`` blocks (one per section), justifications in a right column.

        The check of each row is marked: ``\checkmark`` exact, ``\checkmark_{\mathrm{ball}}``
        certified, ``[\text{assumed}]`` a hypothesis (definitions ``:=`` are unmarked).
        """
        return self._blocks(markdown=False)

    def _blocks(self, markdown: bool) -> str:
        blocks = [_align(self.rows, markdown)] if self.rows else []
        for s in self.sections:
            if markdown:
                head = r"&\textbf{" + s.heading + r"} \\"
                env = "\\begin{aligned}\n"
            else:
                head = r"\intertext{" + text_latex(s.heading) + "}"
                env = "\\begin{align*}\n"
            blocks.append(_align(s.rows, markdown).replace(env, env + head + "\n", 1))
        return "\n".join(blocks)

    def _body_latex(self, heading: bool = True) -> str:
        lines = [rf"\section*{{{text_latex(self.title)}}}"] if heading else []
        lines += ["", prose_latex(self.problem), ""]
        if self.definitions:
            lines.append(r"\paragraph{Symbols.}")
            lines.append(r"\begin{itemize}")
            lines += [rf"\item ${sym}$: {prose_latex(meaning)}" for sym, meaning in
                      self.definitions]
            lines.append(r"\end{itemize}")
        if self.rows:
            lines += [r"\paragraph{Derivation.}", _align(self.rows)]
        for s in self.sections:
            lines += [rf"\paragraph{{{text_latex(s.heading)}.}}"]
            if s.prose:
                lines.append(prose_latex(s.prose))
            lines.append(_align(s.rows))
        if self.conclusion:
            lines += ["", prose_latex(self.conclusion)]
        lines += ["", _routes_latex(list(self.all_rows()))]
        return "\n".join(lines)

    def document(self, title: str | None = None) -> str:
        """A standalone LaTeX article (amsmath and amssymb only) that compiles with pdflatex."""
        return _document(_title(title) or self.title, [self], intro="")

    def markdown(self) -> str:
        """Markdown with ``$$`` math (renders on GitHub and in Jupyter)."""
        out = [f"### {self.title}", "", _prose_markdown(self.problem), ""]
        if self.definitions:
            out.append("**Symbols.**")
            out += [f"- ${sym}$: {_prose_markdown(meaning)}" for sym, meaning in self.definitions]
            out.append("")
        blocks = ([("", self.rows, "")] if self.rows else []) + \
            [(s.heading, s.rows, s.prose) for s in self.sections]
        for head, rows, prose in blocks:
            if head:
                out += [f"**{head}.**", ""]
            if prose:
                out += [_prose_markdown(prose), ""]
            out += ["$$", _align(rows, markdown=True), "$$", ""]
        if self.conclusion:
            out += [_prose_markdown(self.conclusion), ""]
        out.append(_LEGEND_MD)
        return "\n".join(out).rstrip() + "\n"

    def text(self) -> str:
        """Plain text for a terminal: one row per line with its check and route."""
        out = [self.title]
        if self.problem:
            out.append("  " + _prose_text(self.problem))
        out += ["  " + r.text() for r in self.rows]
        for s in self.sections:
            out.append(f" {s.heading}:")
            out += ["  " + r.text() for r in s.rows]
        if self.conclusion:
            out.append("  " + _prose_text(self.conclusion))
        return "\n".join(out)

    def to_pdf(self, path: str | os.PathLike[str], title: str | None = None,
               timeout: float = 60.0) -> Path:
        """Compile :meth:`document` with pdflatex and write the PDF to ``path``.

        Raises
        ------
        OptionalDependencyError
            If ``pdflatex`` is not installed (the message names the TeX packages to install).
        LatexCompileError
            If compilation fails (the message carries the tail of the log).
        """
        return compile_pdf(self.document(title), path, timeout)

    def _repr_latex_(self) -> str:
        return _mathjax([self._blocks(markdown=True)])

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        counts = {c: sum(r.check == c for r in self.all_rows()) for c in CHECKS}
        tally = ", ".join(f"{n} {c}" for c, n in counts.items() if n)
        return f"Derivation({self.kind}: {self.title!r}, {len(self)} rows: {tally})"


_LEGEND = (r"\noindent\emph{Checks:} $\checkmark$ proved exactly by SymPy; "
           r"$\checkmark_{\mathrm{ball}}$ certified by ball arithmetic (arb); "
           r"[assumed] a hypothesis. Definitions ($:=$) need no proof.")
_LEGEND_MD = ("*Checks:* $\\checkmark$ proved exactly by SymPy; $\\checkmark_{\\mathrm{ball}}$ "
              "certified by ball arithmetic; [assumed] a hypothesis; definitions ($:=$) need no "
              "proof.")


def _title(title: Any) -> str | None:
    if title is None or isinstance(title, str):
        return title
    raise InputError(f"a title is text, got {type(title).__name__}")


def _mathjax(blocks: list[str]) -> str:
    """``aligned`` blocks stacked (not side by side) in one ``$\\displaystyle ...$``."""
    body = " \\\\\n".join(b.replace("\n\\begin{aligned}", " \\\\\n\\begin{aligned}")
                           for b in blocks)
    return "$\\displaystyle \\begin{gathered}\n" + body + "\n\\end{gathered}$"


def _routes_latex(rows: list[Row]) -> str:
    """A footnote-size list of the routes by which the checked rows were proved."""
    routes: list[str] = []
    for r in rows:
        if r.check != "assumed" and r.route not in routes:
            routes.append(r.route)
    if not routes:
        return ""
    items = "; ".join(text_latex(x) for x in routes)
    return r"{\footnotesize\noindent\emph{How the rows were checked:} " + items + ".}"


_GREEK_LETTERS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
                  "omicron pi rho varsigma sigma tau upsilon phi chi psi omega").split()
#: Greek letters typed as Unicode in a user's expression (a symbol named ``α``: SymPy's LaTeX
#: keeps the character) set up for pdflatex as the math letters
_UNICODE_PREAMBLE = tuple(
    rf"\DeclareUnicodeCharacter{{{0x3B1 + i:04X}}}{{\ensuremath{{\{name}}}}}"
    for i, name in enumerate(_GREEK_LETTERS) if name != "omicron") + tuple(
    rf"\DeclareUnicodeCharacter{{{0x391 + i:04X}}}{{\ensuremath{{\{name.capitalize()}}}}}"
    for i, name in enumerate(_GREEK_LETTERS[:17])
    if name.capitalize() in ("Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi")) + (
    r"\DeclareUnicodeCharacter{03A3}{\ensuremath{\Sigma}}",
    r"\DeclareUnicodeCharacter{03A6}{\ensuremath{\Phi}}",
    r"\DeclareUnicodeCharacter{03A8}{\ensuremath{\Psi}}",
    r"\DeclareUnicodeCharacter{03A9}{\ensuremath{\Omega}}",
)


def _document(title: str, derivations: Sequence[Derivation], intro: str) -> str:
    head = [
        r"\documentclass[11pt]{article}",
        r"\usepackage{amsmath}",
        r"\usepackage{amssymb}",
        *_UNICODE_PREAMBLE,
        r"\setlength{\textwidth}{16cm}\setlength{\oddsidemargin}{0cm}",
        r"\setlength{\evensidemargin}{0cm}\setlength{\textheight}{23cm}",
        r"\setlength{\topmargin}{-1cm}\setlength{\parindent}{0pt}\setlength{\parskip}{4pt}",
        r"\allowdisplaybreaks",
        rf"\title{{{text_latex(title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
    ]
    body = [prose_latex(intro), ""] if intro else []
    body += [_LEGEND, ""]
    for d in derivations:
        body += [d._body_latex(heading=len(derivations) > 1), ""]
    return "\n".join(head + body + [r"\end{document}", ""])


@dataclass(frozen=True)
class Handout:
    """Several derivations in one document: a section per derivation.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> d = Derivation("demo", "Square", "Square $x$.", (Row(sp.Symbol("y"), ":=", x**2),))
    >>> h = Handout("Notes", (d, d))
    >>> h.document().count("\\\\section*")
    2
    """

    title: str
    derivations: tuple[Derivation, ...]
    intro: str = ""

    def document(self, title: str | None = None) -> str:
        """One standalone LaTeX article with a section per derivation."""
        return _document(_title(title) or self.title, self.derivations, self.intro)

    def latex(self) -> str:
        """The derivations' ``align*`` blocks, one after the other."""
        return "\n".join(d.latex() for d in self.derivations)

    def markdown(self) -> str:
        """Markdown: a ``##`` title, then each derivation."""
        out = [f"## {self.title}", ""]
        if self.intro:
            out += [_prose_markdown(self.intro), ""]
        out += [d.markdown() for d in self.derivations]
        return "\n".join(out)

    def text(self) -> str:
        return "\n\n".join([self.title] + [d.text() for d in self.derivations])

    def to_pdf(self, path: str | os.PathLike[str], title: str | None = None,
               timeout: float = 120.0) -> Path:
        """Compile the handout with pdflatex (see :meth:`Derivation.to_pdf`)."""
        return compile_pdf(self.document(title), path, timeout)

    def __iter__(self) -> Iterator[Derivation]:
        return iter(self.derivations)

    def __len__(self) -> int:
        return len(self.derivations)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_latex_(self) -> str:
        return _mathjax([d._blocks(markdown=True) for d in self.derivations])

    def __repr__(self) -> str:
        kinds = ", ".join(d.kind for d in self.derivations)
        return f"Handout({self.title!r}: {len(self.derivations)} derivations: {kinds})"


# -- pdflatex ----------------------------------------------------------------------------------

_TEX_HINT = ("install a TeX engine, e.g. on Debian/Ubuntu: apt-get install texlive-latex-base "
             "texlive-latex-recommended texlive-fonts-recommended")


def compile_pdf(source: str, path: str | os.PathLike[str], timeout: float = 60.0) -> Path:
    """Run ``pdflatex -interaction=nonstopmode -no-shell-escape`` on ``source`` in a temporary
    directory and copy the PDF to ``path``.

    Raises
    ------
    OptionalDependencyError
        If ``pdflatex`` is not on the PATH.
    LatexCompileError
        If no PDF was produced (the log's tail is in the message) or pdflatex timed out.
    """
    exe = shutil.which("pdflatex")
    if exe is None:
        raise OptionalDependencyError(f"the TeX engine 'pdflatex' was not found: {_TEX_HINT}")
    out = Path(path)
    with tempfile.TemporaryDirectory(prefix="symtaylor-tex-") as tmp:
        tex = Path(tmp) / "derivation.tex"
        tex.write_text(source, encoding="utf-8")
        cmd = [exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
               "derivation.tex"]
        try:
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            raise LatexCompileError(f"pdflatex timed out after {timeout:g} s") from None
        pdf = Path(tmp) / "derivation.pdf"
        log = Path(tmp) / "derivation.log"
        if proc.returncode != 0 or not pdf.exists():
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else \
                proc.stdout.decode(errors="replace")[-1500:]
            raise LatexCompileError(f"pdflatex failed (exit {proc.returncode}); log tail:\n"
                                    f"{tail}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, out)
    return out
