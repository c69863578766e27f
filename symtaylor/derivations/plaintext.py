r"""Plain text for terminals: SymPy objects through a string printer with Unicode names and
relations, LaTeX fragments (named quantities, prose math) turned into readable Unicode.

Examples
--------
>>> import sympy as sp
>>> a, L = sp.Symbol("alpha"), sp.Symbol("L")
>>> print(plain(sp.And(a > 0, a < 2 / L)))
0 < α < 2/L
>>> print(plain(sp.Derivative(a * (1 - L * a / 2), a)))
d/dα (α*(1 - L*α/2))
>>> print(tex_text(r"\frac{x^{3}}{6} + \lVert \nabla f(x)\rVert^{2} \le \tfrac{1}{2 L}"))
x³/6 + ‖∇f(x)‖² ≤ 1/(2 L)
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.str import StrPrinter

__all__ = ["RELATION_TEXT", "plain", "tex_text"]

#: The relations of a row as text.
RELATION_TEXT = {"=": "=", "<=": "≤", "<": "<", ">=": "≥", ">": ">", "=>": "⟹", "<=>": "⇔",
                 ":=": ":=", "~": "≈"}

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε",
    "varepsilon": "ε", "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Omega": "Ω", "Gamma": "Γ",
    "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Theta": "Θ",
}
_COMMANDS = {
    **_GREEK, "nabla": "∇", "lVert": "‖\x00", "rVert": "\x01‖", "|": "‖", "Vert": "‖", "lvert": "|",
    "rvert": "|", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠",
    "approx": "≈", "iff": "⇔", "Longrightarrow": "⟹", "Rightarrow": "⇒", "implies": "⟹",
    "Longleftarrow": "⟸", "in": " ∈ ", "succ": "≻", "succeq": "⪰", "cdot": "·", "times": "×",
    "infty": "∞", "int": "∫", "sum": "∑", "partial": "∂", "pm": "±", "to": "→", "ast": "*",
    "prime": "′", "ldots": "…", "dots": "…", "cdots": "…", "wedge": " and ", "land": " and ",
    "mid": "|", "checkmark": "✓", "max": "max", "min": "min", "det": "det", "log": "log",
    "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan", "inf": "inf", "sup": "sup",
    ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": "  ", "qquad": "  ", "left": "",
    "right": "", "big": "", "Big": "", "bigl": "", "bigr": "", "limits": "", "displaystyle": "",
    "{": "{", "}": "}", "%": "%", "$": "$", "&": "&", "#": "#", "_": "_",
}
_GROUP_COMMANDS = ("text", "mathrm", "operatorname", "mathbf", "mathit", "textbf", "emph",
                   "boldsymbol", "substack", "mathcal")
_BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ"}
_SUPER = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUPER_OK = set("0123456789+-=()n")
_SUB = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")
_REL = {"==": "=", "<=": "≤", ">=": "≥", "!=": "≠", "<": "<", ">": ">"}


def _group(tex: str, i: int) -> tuple[str, int]:
    """The argument starting at ``tex[i]`` (after spaces): a braced group or one token."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        depth = 0
        for j in range(i, len(tex)):
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            if depth == 0:
                return tex[i + 1:j], j + 1
        return tex[i + 1:], len(tex)
    if tex[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
        assert m is not None
        return m.group(0), i + m.end()
    return tex[i], i + 1


_SIMPLE = re.compile(r"\d+(\.\d+)?|-?[^\W\d_](_\w+)?[′⁰¹²³⁴⁵⁶⁷⁸⁹]*")


def _wrap(text: str) -> str:
    """Parenthesise a numerator/denominator that is not a number or one symbol."""
    return text if _SIMPLE.fullmatch(text) or (
        text.startswith("(") and text.endswith(")") and text.count("(") == 1) else f"({text})"


def _script(mark: str, body: str) -> str:
    if mark == "^":
        if body == "T":
            return "ᵀ"
        if body and set(body) <= _SUPER_OK:
            return body.translate(_SUPER)
        return "^" + (body if len(body) == 1 else f"({body})")
    if body and set(body) <= set("0123456789+-"):
        return body.translate(_SUB)
    return "_" + (body if re.fullmatch(r"\w+", body) else f"({body})")


def tex_text(tex: str) -> str:
    r"""A LaTeX math fragment as readable Unicode text (fractions as ``a/b``, Greek letters,
    ``‖ ∇ ≤ ∈``, superscripts, ``\text{...}`` as its text).

    >>> print(tex_text(r"x_{+} - x^{*} = (I - \alpha H)(x - x^{*})"))
    x₊ - x^* = (I - α H)(x - x^*)
    >>> print(tex_text(r"\begin{bmatrix} B s & y \end{bmatrix}, \mathbb{R}^n"))
    [B s, y], ℝⁿ
    """
    out: list[str] = []
    i = 0
    while i < len(tex):
        ch = tex[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            if m is None:
                i += 1
                continue
            name, i = m.group(1), i + m.end()
            if name in ("frac", "tfrac", "dfrac"):
                num, i = _group(tex, i)
                den, i = _group(tex, i)
                a, b = tex_text(num), tex_text(den)
                if a == "d" or a.startswith("d^") or a.startswith("∂"):  # d/dx
                    out.append(f"{a}/{b.replace(' ', '')}")
                else:
                    out.append(f"{_wrap(a)}/{_wrap(b)}")
            elif name == "sqrt":
                arg, i = _group(tex, i)
                out.append(f"√{_wrap(tex_text(arg))}")
            elif name in ("hat", "widehat", "bar", "tilde", "overline"):
                arg, i = _group(tex, i)
                out.append(tex_text(arg) + {"hat": "\u0302", "widehat": "\u0302",
                                            "tilde": "\u0303"}.get(name, "\u0304"))
            elif name == "mathbb":
                arg, i = _group(tex, i)
                out.append(_BLACKBOARD.get(arg, arg))
            elif name in _GROUP_COMMANDS:
                arg, i = _group(tex, i)
                out.append(tex_text(arg) if name != "text" else arg)
            elif name in ("begin", "end"):
                env, i = _group(tex, i)
                if name == "begin" and env == "array":
                    _, i = _group(tex, i)  # the column spec
                if "matrix" in env:
                    out.append("[" if name == "begin" else "]")
            elif name == "\\":
                out.append("; ")
            else:
                out.append(_COMMANDS.get(name, name))
        elif ch in "^_":
            body, i = _group(tex, i + 1)
            out.append(_script(ch, tex_text(body)))
        elif ch == "&":
            out.append(", ")
            i += 1
        elif ch in "{}":
            i += 1
        else:
            out.append(ch)
            i += 1
    text = "".join(out)
    text = re.sub(r"\[\s*,?\s*", "[", re.sub(r"\s*,\s*\]", "]", text))
    text = re.sub(r"\x00\s*", "", re.sub(r"\s*\x01", "", text))  # inside a norm's bars
    text = re.sub(r"([∇(]) +", r"\1", text)
    text = re.sub(r" +([),;\]])", r"\1", text)
    return " ".join(text.split())


def _name(name: str) -> str:
    m = re.fullmatch(r"([A-Za-z]+)_\{([A-Za-z0-9]+)\}", name)
    if m and m.group(1) in _GREEK:  # lambda_{max}: λ_max
        return f"{_GREEK[m.group(1)]}_{m.group(2)}"
    if "\\" in name or "{" in name or "^" in name:
        return tex_text(name)
    base, _, sub = name.partition("_")
    return _GREEK.get(base, base) + (f"_{_GREEK.get(sub, sub)}" if sub else "")


class _TextPrinter(StrPrinter):
    """``str()`` with Unicode names, ``^`` for powers and relations written out."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return _name(expr.name)

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        """A sum's terms led by a positive one, as the LaTeX printer leads them
        (``∇f(y) - ∇f(x)``, not ``-∇f(x) + ∇f(y)``)."""
        from .record import lead_positive

        terms = super()._as_ordered_terms(expr, order=order)
        return lead_positive(terms) if isinstance(expr, sp.Add) else list(terms)

    _print_Dummy = _print_Symbol

    def _print_Relational(self, expr: Any) -> str:
        op = _REL.get(expr.rel_op, expr.rel_op)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_And(self, expr: Any) -> str:
        args = list(expr.args)
        if len(args) == 2:  # lo < x < hi
            low = [a for a in args if isinstance(a, sp.StrictGreaterThan | sp.GreaterThan)]
            high = [a for a in args if isinstance(a, sp.StrictLessThan | sp.LessThan)]
            if len(low) == 1 and len(high) == 1 and low[0].lhs == high[0].lhs:
                lo, hi = low[0], high[0]
                strict_lo = "<" if isinstance(lo, sp.StrictGreaterThan) else "≤"
                strict_hi = "<" if isinstance(hi, sp.StrictLessThan) else "≤"
                return (f"{self._print(lo.rhs)} {strict_lo} "
                        f"{self._print(lo.lhs)} {strict_hi} "
                        f"{self._print(hi.rhs)}")
        return " and ".join(self._print(a) for a in args)

    def _print_Or(self, expr: Any) -> str:
        return " or ".join(self._print(a) for a in expr.args)

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        parts = []
        order = 0
        for v, n in expr.variable_count:
            order += n
            parts.append(self._print(v) + (str(n).translate(_SUPER) if n > 1 else ""))
        single = len(expr.variable_count) == 1
        d = "d" if single else "∂"
        head = d + (str(order).translate(_SUPER) if order > 1 else "")
        den = "".join(d + p for p in parts)
        return f"{head}/{den} ({self._print(expr.expr)})"

    def _print_Subs(self, expr: sp.Subs) -> str:
        at = ", ".join(f"{self._print(v)} = {self._print(p)}"
                       for v, p in zip(expr.variables, expr.point))
        return f"({self._print(expr.expr)}) at {at}"

    def _print_Integral(self, expr: sp.Integral) -> str:
        out = self._print(expr.function)
        for lim in reversed(expr.limits):
            var = self._print(lim[0])
            if len(lim) == 3:
                out = f"∫_{self._print(lim[1])}^{self._print(lim[2])} ({out}) d{var}"
            else:
                out = f"∫ ({out}) d{var}"
        return out

    def _print_Abs(self, expr: sp.Abs) -> str:
        from .record import _is_vector_norm

        bar = "‖" if _is_vector_norm(expr) else "|"
        return f"{bar}{self._print(expr.args[0])}{bar}"

    def _print_Function(self, expr: Any) -> str:
        if isinstance(expr, AppliedUndef):
            return _name(expr.func.__name__) + "(" + ", ".join(
                self._print(a) for a in expr.args) + ")"
        return super()._print_Function(expr)

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Pi(self, expr: Any) -> str:
        return "π"

    def _print_Infinity(self, expr: Any) -> str:
        return "∞"

    def _print_ImaginaryUnit(self, expr: Any) -> str:
        return "i"

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_MatrixBase(self, expr: Any) -> str:
        if expr.cols == 1:
            return "[" + ", ".join(self._print(e) for e in expr) + "]"
        return "[" + ", ".join("[" + ", ".join(self._print(e) for e in row) + "]"
                               for row in expr.tolist()) + "]"

    def _print_via_latex(self, expr: Any) -> str:
        """Matrix expressions (``B_{+} s``, ``B_{+}^{T}``, ``(I - alpha H)(x - x^{*})``) and
        transpose products (``g^{T} H g``) as their LaTeX read as text: ``B₊ s``, ``gᵀ H g``."""
        from .record import math_latex

        return tex_text(math_latex(expr))

    _print_MatMul = _print_MatAdd = _print_Transpose = _print_MatrixSymbol = _print_via_latex
    _print_Identity = _print_via_latex

    _factor_depth = 0

    def _print_Mul(self, expr: Any) -> str:
        self._factor_depth += 1
        try:
            return super()._print_Mul(expr)
        finally:
            self._factor_depth -= 1

    def _print_TransposeProduct(self, expr: Any) -> str:
        """``gᵀ H g``, in parentheses as a factor of a product (``α^2*(gᵀ H g)/2``: its own
        factors are separated by spaces, not by ``*``)."""
        out = self._print_via_latex(expr)
        return f"({out})" if self._factor_depth else out

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase
    _print_ImmutableMatrix = _print_MatrixBase
    _print_Matrix = _print_MatrixBase


def plain(obj: Any) -> str:
    """One side of a row as plain text: SymPy objects printed with Unicode names, strings
    (LaTeX) through :func:`tex_text`, ``None`` as nothing.

    >>> print(plain(sp.Eq(sp.Symbol(r"\\lVert g\\rVert^{2}") * sp.Symbol("alpha"), sp.E)))
    ‖g‖²*α = e
    """
    if obj is None:
        return ""
    if isinstance(obj, str):
        return tex_text(obj)
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, sp.Basic | sp.MatrixBase):
        return _TextPrinter().doprint(obj)
    return str(obj)
