"""Check answers and claims against the derivations: "is this right, and if not, what is wrong".

For teachers, interviewers and candidates: give the question's data and an answer (text or
SymPy), get a :class:`Verdict` that says whether the answer is right and, when it is not, names
each wrong part and the classic slip behind it (a missing factorial, a flipped sign, the wrong
expansion point, an order off by one, ``1/L`` for ``2/L``, a missing Hessian inverse, a
transposed Jacobian...).

The truth always comes from the project's own engines (:func:`symtaylor.taylor`,
:func:`symtaylor.newton_step`, :func:`symtaylor.convergence_bounds`, :mod:`symtaylor.calculus`).
Two expressions are equal when ``simplify`` of their difference is ``0``; when it is not
conclusive, the difference is evaluated at 50 digits at random points before the answer is
declared wrong (a non-zero value at one point proves it wrong).

Examples
--------
>>> from symtaylor.verify import check_taylor, check_newton_step
>>> v = check_taylor("exp(x)", "x", at=0, order=3, answer="1 + x + x^2 + x^3")
>>> v.correct
False
>>> for line in v.reasons:
...     print(line)
coefficient of x**2 should be 1/2, not 1 (forgot to divide by 2!)
coefficient of x**3 should be 1/6, not 1 (forgot to divide by 3!)
>>> check_newton_step("x**4 - 2*x**2 + 1/2", "x", answer="2*x**3/(3*x**2 - 1)").correct
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from .calculus import gradient, hessian, jacobian
from .coerce import (
    ExprLike,
    NumberLike,
    OrderLike,
    PointLike,
    RegionLike,
    VariablesLike,
    as_expr,
    as_exprs,
    as_number,
    as_order,
    as_point,
    as_variables,
    exact_decimals,
)
from .errors import InputError, SymTaylorError
from .latex import display

__all__ = [
    "Mistake",
    "Verdict",
    "check_gradient",
    "check_gradient_step",
    "check_hessian",
    "check_jacobian",
    "check_max_step",
    "check_newton_step",
    "check_step_size",
    "check_taylor",
    "equivalent",
]


# -- records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """One wrong part of an answer.

    Attributes
    ----------
    where : str
        The part, in words: ``"coefficient of x**2"``, ``"update of x"``, ``"H[x, y]"``,
        ``"step size"``, or ``"whole answer"`` for a diagnosis of the answer as a whole.
    expected, given : Any
        The right value and the value read from the answer.
    kind : str or None
        The slip recognised, as a short code: ``"factorial"``, ``"double-factorial"``,
        ``"sign"``, ``"derivative-value"``, ``"beyond-order"``, ``"order"``,
        ``"expansion-point"``, ``"one-over-L"``, ``"not-below-2/L"``, ``"no-hessian-inverse"``,
        ``"hessian-not-inverted"``, ``"step-factor-2"``, ``"root-finding"``,
        ``"inverted-ratio"``, ``"damping-ignored"``, ``"swapped"``, ``"factor-2"``,
        ``"transposed"``, ``"asymmetric"``, ``"shape"``, ``"used-mu"``, ``"reciprocal"``,
        ``"wrong-curvature"``,
        ``"not-guaranteed"``, ``"not-positive"``, ``"lr-missing"``, ``"step-not-point"``,
        ``"newton"``; ``None`` when no classic slip explains it.
    message : str
        One line for people.
    key : Any
        Machine-readable location (a multi-index, an entry ``(i, j)``...).
    """

    where: str
    expected: Any
    given: Any
    kind: str | None = None
    message: str = ""
    key: Any = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Verdict:
    """Whether an answer is right, what the right answer is, and what is wrong with it.

    Attributes
    ----------
    correct : bool
    question : str
    expected : Any
        The derived answer (exact).
    given : Any
        The answer as read.
    mistakes : tuple of Mistake
        Empty when correct.
    notes : tuple of str
        Remarks that do not make the answer wrong (e.g. "below 1/L: safe but slower").
    derivation : Any
        The engine's derivation record (``.latex()``), when there is one.

    Examples
    --------
    >>> v = check_taylor("cos(x)", "x", 0, 2, "1 + x^2/2")
    >>> v
    Verdict(incorrect: Taylor polynomial of order 2 of cos(x) about x = 0)
      expected: 1 - x**2/2
      given:    x**2/2 + 1
      - coefficient of x**2 should be -1/2, not 1/2 (sign error)
    >>> bool(v), v.kinds
    (False, ('sign',))
    """

    correct: bool
    question: str
    expected: Any
    given: Any
    mistakes: tuple[Mistake, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    derivation: Any = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.correct

    @property
    def reasons(self) -> tuple[str, ...]:
        """One line per mistake (empty when correct)."""
        return tuple(m.message for m in self.mistakes)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The slips recognised, in order, without repeats."""
        out: list[str] = []
        for m in self.mistakes:
            if m.kind and m.kind not in out:
                out.append(m.kind)
        return tuple(out)

    def __repr__(self) -> str:
        head = "correct" if self.correct else "incorrect"
        lines = [f"Verdict({head}: {self.question})", f"  expected: {_show(self.expected)}"]
        if not self.correct:
            lines.append(f"  given:    {_show(self.given)}")
            lines.extend(f"  - {r}" for r in self.reasons)
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def explain(self) -> str:
        """The verdict followed by how the expected answer was derived (plain text).

        Examples
        --------
        >>> print(check_taylor("cos(x)", "x", 0, 2, "1 - x^2").explain())
        Verdict(incorrect: Taylor polynomial of order 2 of cos(x) about x = 0)
          expected: 1 - x**2/2
          given:    1 - x**2
          - coefficient of x**2 should be -1/2, not -1 (forgot to divide by 2!)
        derivation: c_alpha = D^alpha f(a) / alpha!
          the constant term: 1
          coefficient of x**2: -1/2
        """
        lines = [repr(self)]
        d = self.derivation
        if d is None:
            return lines[0]
        from .taylor import TaylorExpansion

        if isinstance(d, TaylorExpansion):
            lines.append("derivation: c_alpha = D^alpha f(a) / alpha!")
            for m, c in d.coefficients.items():
                mono = _monomial(d.variables, d.point, m)
                label = "the constant term" if sum(m) == 0 else f"coefficient of {mono}"
                lines.append(f"  {label}: {c}")
        elif callable(getattr(d, "text", None)):
            lines.append(d.text())
        else:  # pragma: no cover - every derivation record has text() or is a TaylorExpansion
            lines.append(repr(d))
        return "\n".join(lines)

    def latex(self) -> str:
        r"""The verdict as LaTeX: a check mark or a cross, the expected and given answers and
        one ``\text{}`` line per mistake."""
        mark = r"\checkmark" if self.correct else r"\times"
        body = rf"{mark}\quad \text{{expected: }} {_tex(self.expected)}"
        if not self.correct:
            body += rf",\quad \text{{given: }} {_tex(self.given)}"
            for r in self.reasons:
                body += rf" \\ \text{{{_tex_text(r)}}}"
        for n in self.notes:
            body += rf" \\ \text{{note: {_tex_text(n)}}}"
        return body

    def _repr_latex_(self) -> str:
        return display(self.latex())


def _show(v: Any) -> str:
    if isinstance(v, sp.MatrixBase):
        if v.cols == 1:
            return "(" + ", ".join(str(e) for e in v) + ")"
        return "[" + ", ".join("[" + ", ".join(str(e) for e in v.row(i)) + "]"
                               for i in range(v.rows)) + "]"
    return str(v)


def _tex(v: Any) -> str:
    if isinstance(v, sp.Basic | sp.MatrixBase):
        return sp.latex(v)
    return rf"\text{{{_tex_text(str(v))}}}"


def _tex_text(s: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("#", r"\#"), ("%", r"\%"),
                 ("&", r"\&"), ("{", r"\{"), ("}", r"\}"), ("^", r"\^{}")):
        s = s.replace(a, b)
    return s


# -- equality: exact first, 50-digit numbers before saying "different" ------------------------

_POINTS = 6
_DPS = 50


def _exact(e: sp.Expr) -> sp.Expr:
    """Floats in a person's answer mean decimals: 0.1 is 1/10."""
    return exact_decimals(e)


def _sample_value(rng: random.Random, sym: sp.Symbol) -> sp.Rational:
    v = sp.Rational(rng.randint(11, 97), rng.randint(23, 61))  # in (0.18, 4.2), generic
    if sym.is_negative or sym.is_nonpositive:
        return -v
    return v


def _numeric_witness(d: sp.Expr, scale: sp.Expr) -> bool | None:
    """True: ``d`` is non-zero at some random point (50 digits); False: zero at every point
    tried; None: no point where ``d`` evaluates to a finite real number."""
    syms = sorted(d.free_symbols, key=lambda s: s.name)
    rng = random.Random(20261201)
    tried = ok = 0
    points = _POINTS if syms else 1
    tiny = sp.Float(10) ** (-(_DPS - 10))
    while tried < 3 * points and ok < points:
        tried += 1
        sub = {s: _sample_value(rng, s) for s in syms}
        try:
            with mpmath.workdps(_DPS):
                dv = sp.N(d.xreplace(sub), _DPS)
                sv = sp.N(scale.xreplace(sub), _DPS)
        except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
            continue
        if not (dv.is_number and sv.is_number) or dv.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            continue
        # relative to the size of the terms, so that tiny coefficients still count
        if not (dv.is_extended_real and sv.is_extended_real):
            if dv.is_extended_real is False and abs(sp.im(dv)) > tiny * abs(sv):
                return True  # an imaginary part that does not cancel is a difference too
            continue
        ok += 1
        if abs(dv) > tiny * abs(sv):
            return True
    return False if ok else None


def _approx_same(a: sp.Expr, b: sp.Expr, rel: float = 1e-6) -> bool:
    """Equal to about 6 digits at a few random points (for the decimals note only)."""
    d = a - b
    syms = sorted(d.free_symbols, key=lambda s: s.name)
    rng = random.Random(7)
    for _ in range(3):
        sub = {s: _sample_value(rng, s) for s in syms}
        try:
            dv, av = complex(sp.N(d.xreplace(sub), 30)), complex(sp.N(a.xreplace(sub)))
        except (TypeError, ValueError):
            return False
        if not abs(dv) <= rel * (1 + abs(av)):
            return False
    return True


def equivalent(a: ExprLike, b: ExprLike) -> bool:
    """Whether two expressions are equal for all values of their symbols.

    The difference is evaluated at 50 digits at random rational points (positive unless a
    symbol is declared negative): a value that is not zero relative to the size of their terms
    proves the two different. Otherwise ``expand``, ``cancel`` and ``simplify`` try to reach
    ``0``; when they are inconclusive, zero at every sampled point is taken as equal.

    Examples
    --------
    >>> equivalent("sin(x)^2 + cos(x)^2", "1")
    True
    >>> equivalent("log(x*y)", "log(x) + log(y)")     # true for the positive points sampled
    True
    >>> equivalent("x/6", "0.1666666*x")
    False
    >>> equivalent("x/10^45", "0")
    False
    """
    return _same(as_expr(a, exact=True, what="a"), as_expr(b, exact=True, what="b"))


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    d = a - b
    if d == 0:
        return True
    if d.is_Number:
        return False
    # the scale is the size of the terms, so that a cancellation to zero inside one side
    # (sin^2 + cos^2 - 1) is measured against the terms it cancelled
    terms = sp.Add.make_args(a) + sp.Add.make_args(b)
    witness = _numeric_witness(d, sp.Add(*[abs(t) for t in terms]))
    if witness:
        return False
    for simplifier in (sp.expand, sp.cancel, sp.simplify):
        try:
            s = simplifier(d)
        except (TypeError, ValueError, NotImplementedError, RecursionError):  # pragma: no cover
            continue
        if s == 0:
            return True
        if s.is_Number:
            return False
    # simplify is inconclusive and no point tells them apart: equal at 50 digits everywhere
    # we looked (None: no point where the difference is a real number; then say different)
    return witness is False


def _same_matrix(a: sp.Matrix, b: sp.Matrix) -> bool:
    return a.shape == b.shape and all(_same(x, y) for x, y in zip(a, b))


# -- input -------------------------------------------------------------------------------------


_DECIMALS_NOTE = ("the answer's decimals were read as exact fractions (0.1 is 1/10); write "
                  "exact values, e.g. exp(1/2) rather than exp(0.5) or 1.6487")


def _has_decimals(answer: Any) -> bool:
    if isinstance(answer, str):
        return any(ch == "." for ch in answer)
    if isinstance(answer, sp.Basic | sp.MatrixBase):
        return answer.has(sp.Float)
    if isinstance(answer, float):
        return True
    if isinstance(answer, Sequence):
        return any(_has_decimals(v) for v in answer)
    return False


def _answer_expr(answer: Any, syms: Sequence[sp.Symbol], what: str = "answer") -> sp.Expr:
    if answer is None:
        raise InputError(f"no {what} given")
    if isinstance(answer, sp.MatrixBase | list | tuple):
        raise InputError(f"the {what} must be one expression, got {type(answer).__name__}")
    return _exact(as_expr(answer, syms))


def _answer_vector(answer: Any, syms: Sequence[sp.Symbol], what: str = "answer") -> sp.Matrix:
    if answer is None:
        raise InputError(f"no {what} given")
    if isinstance(answer, str):
        parts = [answer] if "," not in answer and ";" not in answer else [
            p for p in answer.replace(";", ",").split(",") if p.strip()]
    elif isinstance(answer, sp.MatrixBase):
        parts = list(answer)
    elif isinstance(answer, Sequence):
        parts = list(answer)
    else:
        parts = [answer]
    if not parts:
        raise InputError(f"the {what} is empty")
    return sp.Matrix([_exact(e) for e in as_exprs(parts, syms)])


def _answer_matrix(answer: Any, syms: Sequence[sp.Symbol], what: str = "answer") -> sp.Matrix:
    if answer is None:
        raise InputError(f"no {what} given")
    if isinstance(answer, sp.MatrixBase):
        rows = answer.tolist()
    elif isinstance(answer, str):
        rows = [[p for p in r.split(",") if p.strip()] for r in answer.split(";") if r.strip()]
    elif isinstance(answer, Sequence) and all(
            isinstance(r, Sequence) and not isinstance(r, str) for r in answer):
        rows = [list(r) for r in answer]
    else:
        raise InputError(f"the {what} must be rows of expressions "
                         "(a list of lists or 'a, b; c, d')")
    if not rows or any(len(r) != len(rows[0]) for r in rows) or not rows[0]:
        raise InputError(f"the {what} must be a non-empty rectangular matrix, got {answer!r}")
    return sp.Matrix([[_exact(e) for e in as_exprs(r, syms)] for r in rows])


def _setup(f: Any, variables: Any) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """The function and its variables (default: its free symbols, sorted by name)."""
    if f is None:
        raise InputError("no function given")
    expr = as_expr(f, as_variables(variables) if variables is not None else None)
    return expr, as_variables(variables, expr)


# -- Taylor polynomials ------------------------------------------------------------------------


def _shifted_coefficients(
    poly_expr: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence[sp.Expr],
    allowed: set[sp.Symbol],
) -> dict[tuple[int, ...], sp.Expr]:
    """Coefficients of an answer as a polynomial in ``h_i = x_i - a_i``."""
    hs = sp.symbols(f"_h0:{len(variables)}")
    shifted = sp.expand(poly_expr.xreplace({v: a + h for v, a, h in zip(variables, point, hs)}))
    extra = shifted.free_symbols - set(hs) - allowed
    if extra:
        raise InputError(f"the answer has unexpected symbols {sorted(map(str, extra))} "
                         f"(variables: {', '.join(map(str, variables))})")
    try:
        poly = sp.Poly(shifted, *hs)
    except sp.PolynomialError as exc:
        raise InputError(f"the answer {poly_expr} is not a polynomial in "
                         f"{', '.join(map(str, variables))}") from exc
    if any(c.has(*hs) for c in poly.coeffs()):  # pragma: no cover - Poly guarantees this
        raise InputError(f"the answer {poly_expr} is not a polynomial")
    return {m: sp.nsimplify(c) if c.is_Float else c for m, c in poly.terms() if c != 0}


def _monomial(variables: Sequence[sp.Symbol], point: Sequence[sp.Expr],
              m: tuple[int, ...]) -> sp.Expr:
    return sp.Mul(*[(v - a) ** k for v, a, k in zip(variables, point, m)])


def _dname(variables: Sequence[sp.Symbol], point: Sequence[sp.Expr], m: tuple[int, ...]) -> str:
    """``f''(0)`` (one variable) or ``d^2f/dx dy(0, 1)``."""
    at = ", ".join(map(str, point))
    if len(variables) == 1:
        k = m[0]
        return ("f" + "'" * k if k <= 3 else f"f^({k})") + f"({at})"
    parts = " ".join(f"d{v}" + (f"^{k}" if k > 1 else "") for v, k in zip(variables, m) if k)
    return f"d^{sum(m)}f/{parts}({at})"


def _fact_text(m: tuple[int, ...]) -> str:
    return "*".join(f"{k}!" for k in m if k > 1)


def _candidate_points(given: sp.Expr, syms: Sequence[sp.Symbol],
                      point: Sequence[sp.Expr]) -> list[tuple[sp.Expr, ...]]:
    """Expansion points a person may have used instead: the origin, the negated point, and
    any ``x - b`` visible in the answer."""
    cands: list[tuple[sp.Expr, ...]] = []
    zero = tuple(sp.Integer(0) for _ in syms)
    if tuple(point) != zero:
        cands.append(zero)
    neg = tuple(-a for a in point)
    if neg != tuple(point) and neg not in cands:
        cands.append(neg)
    if len(syms) == 1:
        (x,) = syms
        for node in sp.preorder_traversal(given):
            if isinstance(node, sp.Add) and x in node.free_symbols:
                b = x - node
                if not b.free_symbols & {x} and b.is_number and (b,) != tuple(point) \
                        and (b,) not in cands:
                    cands.append((b,))
    return cands[:4]


def check_taylor(
    f: ExprLike,
    variables: VariablesLike,
    at: PointLike,
    order: OrderLike,
    answer: Any,
) -> Verdict:
    """Check a Taylor polynomial of ``f`` about ``at`` of total degree ``order``.

    Each coefficient of the answer (as a polynomial in ``x - a``) is compared with the one
    derived by :func:`symtaylor.taylor`. A wrong coefficient is explained when it matches a
    classic slip: a missing ``1/k!`` (or ``1/alpha!``), dividing by it twice, a sign error, a
    term beyond the order, or a derivative value that is off (the message says which value the
    answer implies and what the derivative really is). The answer as a whole is also compared
    with the Taylor polynomials about other points (the origin, ``-a``, any ``x - b`` written
    in the answer) and of neighbouring orders.

    Parameters
    ----------
    f : expression or text
    variables : the variables (text ``"x, y"`` or Symbols)
    at : the expansion point (a scalar applies to every variable)
    order : total degree
    answer : expression or text

    Returns
    -------
    Verdict
        ``mistakes[i].key`` is the multi-index of a wrong coefficient (``None`` for a
        diagnosis of the whole answer).

    Raises
    ------
    InputError
        Malformed input, or an answer that is not a polynomial in the variables.

    Examples
    --------
    >>> check_taylor("sin(x)", "x", 0, 3, "x - x^3/6").correct
    True
    >>> check_taylor("sin(x)", "x", 0, 2, "x - x^2/2").reasons
    ("coefficient of x**2 should be 0, not -1/2 (that needs f''(0) = -1, but f''(0) = 0)",)
    >>> print(check_taylor("exp(x)", "x", 1, 1, "1 + x").reasons[0])
    this is the Taylor polynomial about x = 0, not about x = 1
    """
    from .taylor import taylor  # the Taylor engine (derivation layer)

    order = as_order(order, "order")
    expr, syms = _setup(f, variables)
    point = as_point(at, syms, exact=True)
    given_expr = _answer_expr(answer, syms)
    expansion = taylor(expr, syms, at=point, order=order)
    allowed = (expr.free_symbols - set(syms)) | set().union(*(a.free_symbols for a in point))
    given = _shifted_coefficients(given_expr, syms, point, allowed)
    top = max((sum(m) for m in given), default=0)
    wide = taylor(expr, syms, at=point, order=top) if top > order else expansion
    expected = {m: c for m, c in expansion.coefficients.items() if c != 0}
    mistakes: list[Mistake] = []
    for m in sorted(set(expected) | set(given), key=lambda t: (sum(t), [-e for e in t])):
        want = expected.get(m, sp.Integer(0))
        got = given.get(m, sp.Integer(0))
        if sum(m) <= order and _same(want, got):
            continue
        mono = _monomial(syms, point, m)
        label = "the constant term" if sum(m) == 0 else f"coefficient of {mono}"
        if sum(m) > order:
            mistakes.append(Mistake(
                f"coefficient of {mono}", sp.Integer(0), got, "beyond-order",
                f"term {got*mono} has degree {sum(m)} > {order}: drop it", m))
            continue
        fact = math.prod(math.factorial(k) for k in m)
        line = f"{label} should be {want}, not {got}"
        kind = None
        if want != 0 and fact > 1 and _same(got, want * fact):
            kind, line = "factorial", line + f" (forgot to divide by {_fact_text(m)})"
        elif want != 0 and fact > 1 and _same(got, want / fact):
            kind, line = "double-factorial", line + f" (divided by {_fact_text(m)} twice)"
        elif want != 0 and _same(got, -want):
            kind, line = "sign", line + " (sign error)"
        elif sum(m) >= 1:
            kind = "derivative-value"
            name = _dname(syms, point, m)
            line += f" (that needs {name} = {sp.simplify(got * fact)}, but {name} = " \
                    f"{sp.simplify(want * fact)})"
        mistakes.append(Mistake(label, want, got, kind, line, m))
    whole: list[Mistake] = []
    if mistakes:
        whole = _whole_taylor_diagnoses(expr, syms, point, order, given_expr, given, expected,
                                        wide, mistakes)
    where = ", ".join(f"{v} = {a}" for v, a in zip(syms, point))
    return Verdict(
        not mistakes,
        f"Taylor polynomial of order {order} of {expr} about {where}",
        expansion.polynomial,
        given_expr,
        tuple(whole + mistakes),
        (_DECIMALS_NOTE,) if mistakes and _has_decimals(answer) and _approx_same(
            expansion.polynomial, given_expr) else (),
        derivation=expansion,
    )


def _whole_taylor_diagnoses(
    expr: sp.Expr, syms: tuple[sp.Symbol, ...], point: tuple[sp.Expr, ...], order: int,
    given_expr: sp.Expr, given: dict, expected: dict, wide: Any, mistakes: list[Mistake],
) -> list[Mistake]:
    from .taylor import taylor

    out: list[Mistake] = []
    degrees = {sum(m.key) for m in mistakes}
    # the polynomial of another order?
    top = max((sum(m) for m in given), default=0)
    if top > order and all(_same(given.get(m, 0), wide.coefficients[m])
                           for m in set(given) | set(wide.coefficients) if sum(m) <= top):
        out.append(Mistake(
            "whole answer", None, given_expr, "order",
            f"this is the Taylor polynomial of order {top}, not {order}: drop the terms of "
            f"degree above {order}"))
    elif order >= 1 and degrees == {order} and all(
            sum(m) != order for m in given) and any(sum(m) == order for m in expected):
        out.append(Mistake(
            "whole answer", None, given_expr, "order",
            f"this is the Taylor polynomial of order {order - 1}: the degree-{order} terms "
            "are missing"))
    if out:
        return out
    # the polynomial about another point?
    for b in _candidate_points(given_expr, syms, point):
        try:
            other = taylor(expr, syms, at=b, order=order).polynomial
        except SymTaylorError:
            continue
        if _same(other, given_expr):
            here = ", ".join(f"{v} = {a}" for v, a in zip(syms, point))
            there = ", ".join(f"{v} = {a}" for v, a in zip(syms, b))
            out.append(Mistake(
                "whole answer", None, given_expr, "expansion-point",
                f"this is the Taylor polynomial about {there}, not about {here}", b))
            break
    return out


# -- gradients, Hessians, Jacobians --------------------------------------------------------------


def check_gradient(f: ExprLike, variables: VariablesLike, answer: Any) -> Verdict:
    """Check a gradient given as a list of expressions (text ``"2*x*y, x^2"`` or a Matrix).

    Recognised slips: a sign error, entries swapped (the partial with respect to another
    variable), a wrong number of entries.

    Examples
    --------
    >>> check_gradient("x^2*y", "x, y", ["2*x*y", "x^2"]).correct
    True
    >>> check_gradient("x^2*y", "x, y", "x^2, 2*x*y").kinds
    ('swapped',)
    """
    expr, syms = _setup(f, variables)
    expected = gradient(expr, syms)
    given = _answer_vector(answer, syms)
    mistakes: list[Mistake] = []
    if given.shape != expected.shape:
        mistakes.append(Mistake("shape", expected.rows, given.rows, "shape",
                                f"the gradient has {expected.rows} entries (one per variable), "
                                f"not {given.rows}"))
    else:
        for i, s in enumerate(syms):
            if _same(expected[i], given[i]):
                continue
            line = f"d/d{s} should be {expected[i]}, not {given[i]}"
            kind = None
            if expected[i] != 0 and _same(given[i], -expected[i]):
                kind, line = "sign", line + " (sign error)"
            else:
                for j, t in enumerate(syms):
                    if j != i and _same(given[i], expected[j]):
                        kind, line = "swapped", line + f" (that is d/d{t}: entries swapped)"
                        break
            mistakes.append(Mistake(f"d/d{s}", expected[i], given[i], kind, line, i))
    return Verdict(not mistakes, f"gradient of {expr} in ({', '.join(map(str, syms))})",
                   expected, given, tuple(mistakes))


def _matrix_mistakes(kind: str, expected: sp.Matrix, given: sp.Matrix, rows: Sequence[str],
                     cols: Sequence[str]) -> list[Mistake]:
    out: list[Mistake] = []
    for i in range(expected.rows):
        for j in range(expected.cols):
            e, g = expected[i, j], given[i, j]
            if _same(e, g):
                continue
            where = f"{kind}[{rows[i]}, {cols[j]}]"
            line = f"{where} should be {e}, not {g}"
            k = None
            if e != 0 and _same(g, -e):
                k, line = "sign", line + " (sign error)"
            elif e != 0 and (_same(g, 2 * e) or _same(2 * g, e)):
                k, line = "factor-2", line + " (off by a factor 2)"
            out.append(Mistake(where, e, g, k, line, (i, j)))
    return out


def check_hessian(f: ExprLike, variables: VariablesLike, answer: Any) -> Verdict:
    """Check a Hessian given as rows (a nested list, text ``"2*y, 2*x; 2*x, 0"`` or a Matrix).

    Recognised slips: sign errors, entries off by a factor 2, an answer that is not symmetric.

    Examples
    --------
    >>> check_hessian("x^2*y", "x, y", [["2*y", "2*x"], ["2*x", "0"]]).correct
    True
    >>> check_hessian("x^2*y", "x, y", "y, 2*x; 2*x, 0").reasons
    ('H[x, x] should be 2*y, not y (off by a factor 2)',)
    """
    expr, syms = _setup(f, variables)
    expected = hessian(expr, syms)
    given = _answer_matrix(answer, syms)
    names = [str(s) for s in syms]
    mistakes: list[Mistake] = []
    if given.shape != expected.shape:
        mistakes.append(Mistake("shape", expected.shape, given.shape, "shape",
                                f"the Hessian is {expected.rows} x {expected.cols}, not "
                                f"{given.rows} x {given.cols}"))
    else:
        if not _same_matrix(given, given.T):
            mistakes.append(Mistake("whole answer", None, given, "asymmetric",
                                    "the answer is not symmetric, but a Hessian of a twice "
                                    "continuously differentiable function is"))
        mistakes += _matrix_mistakes("H", expected, given, names, names)
    return Verdict(not mistakes, f"Hessian of {expr} in ({', '.join(names)})", expected, given,
                   tuple(mistakes))


def check_jacobian(residuals: Any, variables: VariablesLike, answer: Any) -> Verdict:
    """Check the Jacobian of residuals ``r_1..r_m`` (rows: residuals, columns: variables).

    Recognised slips: the transposed matrix (``J^T``: rows for variables), sign errors.

    Examples
    --------
    >>> check_jacobian(["x - 1", "10*(y - x^2)"], "x, y", "1, 0; -20*x, 10").correct
    True
    >>> check_jacobian(["x - 1", "10*(y - x^2)", "x*y"], "x, y",
    ...                "1, -20*x, y; 0, 10, x").reasons[0]
    'this is J^T: J has one row per residual (3) and one column per variable (2)'
    """
    if variables is None:
        res = as_exprs(residuals)
        syms = as_variables(None, sp.Add(*res))
    else:
        syms = as_variables(variables)
        res = as_exprs(residuals, syms)
    expected = jacobian(res, syms)
    given = _answer_matrix(answer, syms)
    names = [str(s) for s in syms]
    rnames = [f"r{i + 1}" for i in range(expected.rows)]
    mistakes: list[Mistake] = []
    if given.shape == expected.shape:
        transposed = (expected.rows == expected.cols and not _same_matrix(given, expected)
                      and _same_matrix(given, expected.T))
    else:
        transposed = given.shape == expected.T.shape and _same_matrix(given, expected.T)
    if transposed:
        mistakes.append(Mistake(
            "whole answer", expected, given, "transposed",
            f"this is J^T: J has one row per residual "
            f"({expected.rows}) and one column per variable ({expected.cols})"))
    elif given.shape != expected.shape:
        mistakes.append(Mistake("shape", expected.shape, given.shape, "shape",
                                f"the Jacobian is {expected.rows} x {expected.cols} (residuals x "
                                f"variables), not {given.rows} x {given.cols}"))
    else:
        mistakes += _matrix_mistakes("J", expected, given, rnames, names)
    return Verdict(not mistakes, f"Jacobian of ({', '.join(map(str, res))}) in "
                   f"({', '.join(names)})", expected, given, tuple(mistakes))


# -- Newton steps --------------------------------------------------------------------------------


def check_newton_step(f: ExprLike, variables: VariablesLike, answer: Any,
                      damping: NumberLike = 0, at: PointLike | None = None,
                      tol: float | None = None) -> Verdict:
    """Check a Newton update ``x_next`` (expressions in the current variables), or, with
    ``at``, the next iterate from that point (numbers).

    With ``at`` and ``tol``, a numeric answer is accepted when every entry is within
    ``tol * (1 + |expected|)`` of the exact next iterate (for answers computed in floating
    point); otherwise equality is exact.

    The truth is :func:`symtaylor.newton_step`. Recognised slips, by name: the step's sign
    flipped (``x + H^-1 g``), the Hessian inverse missing (a gradient step ``x - c g``), the
    Hessian not inverted (``x - H g``), a factor 2 in the step, Newton's root-finding step on
    ``f`` instead of on ``f'`` (``x - f/f'``), the ratio upside down (``x - f''/f'``), the
    damping ignored; in one variable any other update ``x - f'/K`` is explained by the
    curvature ``K`` it used instead of ``f''``.

    Examples
    --------
    >>> check_newton_step("x**4 - 2*x**2 + 1/2", "x", "x + (4*x**3 - 4*x)/(12*x**2 - 4)").kinds
    ('sign',)
    >>> v = check_newton_step("x^2 + 10*y^2", "x, y", "0.8, -1.0", at=(1, 1))
    >>> v.correct, v.reasons
    (False, ('this is a gradient step x - (1/10) g: the Hessian inverse is missing',))
    >>> check_newton_step("x^2 + 10*y^2", "x, y", "0, 0", at=(1, 1)).correct
    True
    """
    from .steps import newton_step

    expr, syms = _setup(f, variables)
    if not (isinstance(damping, str) and damping.strip() == "lambda"):  # lambda: steps' symbol
        damping = as_number(damping, "damping", symbolic=True, exact=isinstance(damping, str))
    if tol is not None:
        tol = float(as_number(tol, "tol"))
    step = newton_step(expr, syms, damping=damping)
    given = _answer_vector(answer, syms)
    x = sp.Matrix(syms)
    g = gradient(expr, syms)
    h = hessian(expr, syms)
    d = step.direction  # -(H + lambda I)^-1 g
    sub: dict[sp.Symbol, sp.Expr] = {}
    if at is not None:
        pt = as_point(at, syms, exact=True)
        sub = dict(zip(syms, pt))

    def here(m: sp.Matrix) -> sp.Matrix:
        return m.xreplace(sub).applyfunc(sp.simplify) if sub else m

    expected = here(step.update)
    if tol is not None and (not sub or not 0 <= tol < 1):
        raise InputError("tol needs a point (at=...) and must be in [0, 1)")

    def close(m: sp.Matrix, other: sp.Matrix) -> bool:
        if tol is None or m.free_symbols or other.free_symbols:
            return _same_matrix(m, other)
        return m.shape == other.shape and all(
            abs(float(a) - float(b)) <= tol * (1 + abs(float(a))) for a, b in zip(m, other))

    mistakes: list[Mistake] = []
    if given.shape != expected.shape:
        mistakes.append(Mistake("shape", expected.rows, given.rows, "shape",
                                f"the update has {expected.rows} entries (one per variable), "
                                f"not {given.rows}"))
    elif not close(expected, given):
        cands: list[tuple[str, sp.Matrix, str]] = [
            ("sign", x - d, "the step's sign is flipped: that is x + H^-1 g (it climbs toward a "
                            "maximum of the model)"),
            ("step-factor-2", x + 2 * d, "the step is twice the Newton step (the 1/2 of the "
                                         "quadratic model was dropped)"),
            ("step-factor-2", x + d / 2, "the step is half the Newton step (the 1/2 of the "
                                         "quadratic model was kept in the step)"),
            ("no-hessian-inverse", x - g, "this is a gradient step x - g (step 1): the Hessian "
                                          "inverse is missing"),
            ("hessian-not-inverted", x - h * g, "this is x - H g: the Hessian must be inverted "
                                                "(solve H d = -g)"),
        ]
        if damping != 0:
            plain = newton_step(expr, syms).update
            cands.append(("damping-ignored", plain, "this is the undamped Newton step: the "
                                                    "damping lambda*I was left out"))
        if len(syms) == 1:
            (s,) = syms
            cands.append(("root-finding", x - sp.Matrix([expr / g[0]]),
                          "this is x - f/f': Newton's root-finding step on f; minimization "
                          "applies it to f' (x - f'/f'')"))
            if h[0] != 0:
                cands.append(("inverted-ratio", x - sp.Matrix([h[0] / g[0]]),
                              "this is x - f''/f': the ratio is upside down (x - f'/f'')"))
        found = None
        for kind, cand, why in cands:
            try:
                c = here(cand)
            except (ZeroDivisionError, TypeError, ValueError):  # pragma: no cover
                continue
            if c.has(sp.zoo, sp.nan):
                continue
            if close(c, given):
                found = Mistake("whole answer", expected, given, kind, why)
                break
        gh, xh = here(g), here(x)
        if found is None and (not sub or len(syms) > 1):
            # x - c*g with a constant c: a gradient step with step c (at a point, in one
            # variable every answer is of that form, so it says nothing there)
            cs = [sp.simplify((xh[i] - given[i]) / gh[i]) for i in range(len(syms))
                  if gh[i] != 0]
            if (len(cs) > (1 if sub else 0) and not cs[0].free_symbols & set(syms)
                    and all(_same(c, cs[0]) for c in cs)):
                found = Mistake("whole answer", expected, given, "no-hessian-inverse",
                                f"this is a gradient step x - ({cs[0]}) g: the Hessian inverse "
                                "is missing")
        if found is None and len(syms) == 1 and damping == 0 and gh[0] != 0:
            # one variable: every update is x - f'/K; say which curvature K it used
            shift = sp.simplify(xh[0] - given[0])
            if shift != 0:
                curv = sp.simplify(gh[0] / shift)
                hh = here(h)[0]
                if not curv.has(sp.zoo, sp.nan) and sp.count_ops(curv) <= 3 * sp.count_ops(
                        hh) + 12:
                    found = Mistake(
                        "whole answer", expected, given, "wrong-curvature",
                        f"x_next should be {expected[0]}, not {given[0]}: it divides f' = "
                        f"{gh[0]} by {curv} instead of by f'' = {hh}")
        if found is not None:
            mistakes.append(found)
        else:
            for i, s in enumerate(syms):
                if not close(sp.Matrix([expected[i]]), sp.Matrix([given[i]])):
                    where = "x_next" if len(syms) == 1 else f"update of {s}"
                    mistakes.append(Mistake(where, expected[i], given[i], None,
                                            f"{where} should be {expected[i]}, not {given[i]}",
                                            i))
    if sub:
        pt = ", ".join(f"{k} = {v}" for k, v in sub.items())
        question = f"Newton step for {expr} from {pt}"
    else:
        question = f"Newton step for {expr}"
    if damping != 0:
        question += f" with damping {damping}"
    notes = (_DECIMALS_NOTE,) if (mistakes and tol is None and _has_decimals(answer)
                                  and expected.shape == given.shape
                                  and all(_approx_same(e, g) for e, g in zip(expected, given))
                                  ) else ()
    return Verdict(not mistakes, question, expected if expected.rows > 1 else expected[0],
                   given if given.rows > 1 else given[0], tuple(mistakes), notes,
                   derivation=step.derivation)


def check_gradient_step(f: ExprLike, variables: VariablesLike, answer: Any, lr: NumberLike,
                        at: PointLike | None = None) -> Verdict:
    """Check a gradient-descent update ``x - lr * grad f`` (expressions), or, with ``at``, the
    next iterate from that point (numbers).

    The truth is :func:`symtaylor.gradient_step`. Recognised slips: the step's sign flipped
    (``x + lr g``), the learning rate left out (``x - g``), the step reported instead of the
    new point (``-lr g``), a Newton step given instead.

    Examples
    --------
    >>> check_gradient_step("(x - 3)^2", "x", "0.6", lr="0.1", at=0).correct
    True
    >>> check_gradient_step("(x - 3)^2", "x", "-0.6", lr="0.1", at=0).reasons
    ("the step's sign is flipped: that is x + lr*g (gradient ascent)",)
    """
    from .steps import gradient_step, newton_step

    expr, syms = _setup(f, variables)
    rate = as_number(lr, "lr", symbolic=True, exact=isinstance(lr, str | float))
    step = gradient_step(expr, syms, lr=rate)
    given = _answer_vector(answer, syms)
    x = sp.Matrix(syms)
    g = gradient(expr, syms)
    sub: dict[sp.Symbol, sp.Expr] = {}
    if at is not None:
        sub = dict(zip(syms, as_point(at, syms, exact=True)))

    def here(m: sp.Matrix) -> sp.Matrix:
        return m.xreplace(sub).applyfunc(sp.simplify) if sub else m

    expected = here(step.update)
    mistakes: list[Mistake] = []
    if given.shape != expected.shape:
        mistakes.append(Mistake("shape", expected.rows, given.rows, "shape",
                                f"the update has {expected.rows} entries (one per variable), "
                                f"not {given.rows}"))
    elif not _same_matrix(expected, given):
        cands: list[tuple[str, Any, str]] = [
            ("sign", lambda: x + rate * g, "the step's sign is flipped: that is x + lr*g "
                                           "(gradient ascent)"),
            ("lr-missing", lambda: x - g, "the learning rate is missing: that is x - g"),
            ("step-not-point", lambda: -rate * g, "that is the step -lr*g, not the new point "
                                                  "x - lr*g"),
            ("newton", lambda: newton_step(expr, syms).update,
             "that is a Newton step, not a gradient step"),
        ]
        for kind, make, why in cands:
            try:
                c = here(make())
            except SymTaylorError:
                continue
            if not c.has(sp.zoo, sp.nan) and _same_matrix(c, given):
                mistakes.append(Mistake("whole answer", expected, given, kind, why))
                break
        else:
            for i, s_ in enumerate(syms):
                if not _same(expected[i], given[i]):
                    where = "x_next" if len(syms) == 1 else f"update of {s_}"
                    mistakes.append(Mistake(where, expected[i], given[i], None,
                                            f"{where} should be {expected[i]}, not {given[i]}",
                                            i))
    question = f"gradient step with lr = {rate} for {expr}"
    if sub:
        question += " from " + ", ".join(f"{k} = {v}" for k, v in sub.items())
    return Verdict(not mistakes, question, expected if expected.rows > 1 else expected[0],
                   given if given.rows > 1 else given[0], tuple(mistakes),
                   derivation=step.derivation)


# -- step sizes ----------------------------------------------------------------------------------


def _number(value: NumberLike, what: str) -> sp.Expr:
    """A claimed step size: a real number, decimals read exactly (0.1 is 1/10)."""
    return as_number(value, what, exact=True)


def check_step_size(
    f: ExprLike,
    variables: VariablesLike,
    alpha: NumberLike,
    region: RegionLike | None = None,
) -> Verdict:
    """Check the claim "gradient descent with step ``alpha`` is guaranteed to decrease ``f``".

    The truth: ``0 < alpha < 2/L`` with ``L`` from :func:`symtaylor.convergence_bounds`
    (exact for quadratics, certified over ``region`` otherwise). For a quadratic, ``alpha >=
    2/L`` really fails along the top eigenvector; for a certified ``L`` (an upper bound), a step
    between ``2/L`` and ``2/L_attained`` is reported as not guaranteed. The notes compare
    ``alpha`` with the optimal step ``1/L``.

    Examples
    --------
    >>> v = check_step_size("theta1**2 + 10*theta2**2", "theta1, theta2", "0.15")
    >>> v.correct, v.reasons
    (False, ('alpha = 3/20 is not below 2/L = 1/10 (L = 20): gradient descent can diverge',))
    >>> v = check_step_size("theta1**2 + 10*theta2**2", "theta1, theta2", "0.075")
    >>> v.correct, v.notes
    (True, ('alpha = 3/40 is above 1/L = 1/20 but below 2/L = 1/10: descent is still guaranteed',))
    """
    from .bounds import convergence_bounds

    expr, syms = _setup(f, variables)
    a = _number(alpha, "alpha")
    b = convergence_bounds(expr, syms, region=region)
    mistakes: list[Mistake] = []
    notes: list[str] = []
    max_step = b.max_step
    if not a > 0:
        mistakes.append(Mistake("step size", sp.Interval.open(0, max_step), a, "not-positive",
                                f"alpha = {a} is not positive: that is not a descent step"))
    elif not b.certified:
        if not a < max_step:
            mistakes.append(Mistake(
                "step size", sp.Interval.open(0, max_step), a, "not-below-2/L",
                f"alpha = {a} is not below 2/L = {max_step} (L = {b.L}): gradient descent can "
                "diverge"))
    else:
        lo = 2 / b.L if b.L > 0 else math.inf
        hi = 2 / b.L_attained if b.L_attained else math.inf
        if float(a) >= hi:
            mistakes.append(Mistake(
                "step size", sp.Interval.open(0, max_step), a, "not-below-2/L",
                f"alpha = {a} is not below 2/L = {hi:.6g} (|f''| reaches {b.L_attained:.6g} in "
                "the region): gradient descent can diverge"))
        elif float(a) >= lo:
            mistakes.append(Mistake(
                "step size", sp.Interval.open(0, max_step), a, "not-guaranteed",
                f"alpha = {a} is not below the certified 2/L = {lo:.6g}: descent is not "
                "guaranteed on the region"))
    if not mistakes and b.L == 0:
        notes.append("L = 0 (f is linear): every alpha > 0 decreases f by alpha ||grad f||^2")
    elif not mistakes:
        opt = b.optimal_step
        o, m = (opt, max_step) if not b.certified else (f"{opt:.6g}", f"{max_step:.6g}")
        if a > opt:
            notes.append(f"alpha = {a} is above 1/L = {o} but below 2/L = {m}: descent "
                         "is still guaranteed")
        elif a == opt:
            notes.append(f"alpha = 1/L = {o} maximizes the guaranteed decrease")
        else:
            notes.append(f"alpha = {a} is below 1/L = {o}: safe, but the guaranteed decrease "
                         "is smaller than at 1/L")
    expected = sp.Interval.open(0, max_step)
    return Verdict(not mistakes, f"step size {a} for gradient descent on {expr}", expected, a,
                   tuple(mistakes), tuple(notes), derivation=b)


def check_max_step(
    f: ExprLike,
    variables: VariablesLike,
    claimed: NumberLike,
    region: RegionLike | None = None,
) -> Verdict:
    """Check a claimed *largest* step size with guaranteed descent ("alpha_max = ...").

    The truth is ``2/L`` (the descent lemma: ``f(x - alpha g) <= f(x) - alpha (1 - L alpha/2)
    ||g||^2``). Recognised slips: ``1/L`` (the optimal step, which maximizes the guaranteed
    decrease, is not the largest safe one), ``1/mu`` or ``2/mu`` (the smallest curvature
    instead of the largest), ``L`` or ``2L`` (the reciprocal forgotten). For a certified
    (non-quadratic) ``L``, the claim is compared with the certified interval
    ``[2/L_upper, 2/L_attained]``.

    Examples
    --------
    >>> v = check_max_step("theta1**2 + 10*theta2**2", "theta1, theta2", "1/20")
    >>> v.correct, v.kinds
    (False, ('one-over-L',))
    >>> v.expected, v.given
    (1/10, 1/20)
    """
    from .bounds import convergence_bounds

    expr, syms = _setup(f, variables)
    c = _number(claimed, "the claimed step")
    b = convergence_bounds(expr, syms, region=region)
    mistakes: list[Mistake] = []
    if not b.certified and b.L == 0:
        expected: Any = sp.oo
        mistakes.append(Mistake("step size", sp.oo, c, None,
                                f"L = 0 (f is linear): every step decreases f, there is no "
                                f"largest safe step (not {c})"))
    elif not b.certified:
        L, mu = b.L, b.mu
        ok = _same(c, b.max_step)
        cands = [("one-over-L", 1 / L if L else None,
                  f"{c} is 1/L, the step that maximizes the guaranteed decrease ||g||^2/(2L); "
                  f"the largest step with guaranteed descent is 2/L = {b.max_step}"),
                 ("used-mu", 2 / mu if mu else None,
                  f"{c} is 2/mu with mu = {mu} the smallest curvature; the limit comes from the "
                  f"largest, L = {L}: 2/L = {b.max_step}"),
                 ("used-mu", 1 / mu if mu else None,
                  f"{c} is 1/mu with mu = {mu} the smallest curvature; the largest safe step is "
                  f"2/L = {b.max_step} (L = {L})"),
                 ("reciprocal", 2 * L, f"{c} is 2L: the bound is 2/L = {b.max_step}"),
                 ("reciprocal", L, f"{c} is L: the bound is 2/L = {b.max_step}")]
        if not ok:
            for kind, val, why in cands:
                if val is not None and _same(c, val):
                    mistakes.append(Mistake("step size", b.max_step, c, kind, why))
                    break
            else:
                mistakes.append(Mistake("step size", b.max_step, c, None,
                                        f"the largest step with guaranteed descent is 2/L = "
                                        f"{b.max_step} (L = {L}), not {c}"))
        expected = b.max_step
    else:
        lo = 2 / b.L
        hi = 2 / b.L_attained if b.L_attained else math.inf
        cf = float(c)
        expected = sp.Interval(lo, hi)
        if not lo * (1 - 1e-12) <= cf <= hi * (1 + 1e-12):
            if 0.5 * lo * (1 - 1e-9) <= cf <= 0.5 * hi * (1 + 1e-9):
                mistakes.append(Mistake("step size", expected, c, "one-over-L",
                                        f"{c} is 1/L (L in [{b.L_attained:.6g}, {b.L:.6g}]): "
                                        "that maximizes the guaranteed decrease; the largest "
                                        f"step with guaranteed descent is 2/L in [{lo:.6g}, "
                                        f"{hi:.6g}]"))
            else:
                mistakes.append(Mistake("step size", expected, c, None,
                                        f"the largest step with guaranteed descent is 2/L in "
                                        f"[{lo:.6g}, {hi:.6g}], not {c}"))
    return Verdict(not mistakes, f"largest safe gradient step on {expr}", expected, c,
                   tuple(mistakes), derivation=b)
