"""Answer tests with STACK's names and meanings: :data:`ANSWER_TESTS` and :func:`answer_test`.

`STACK <https://docs.stack-assessment.org/en/Authoring/Answer_Tests/>`_ (the Moodle question
type) grades mathematics with named *answer tests*; each compares a student's answer ``SAns``
with the teacher's ``TAns`` and returns a mark and an *answer note*. symtaylor implements the
tests below with the same names and, where the notion is the same, the same meaning; each
returns a :class:`~symtaylor.verify.Verdict` whose ``answer_note`` is STACK-style
(``"ATAlgEquiv_false"``, ``"ATFacForm_notfactored."``) and whose ``mistakes``/``notes`` say it
in words. Where symtaylor deliberately differs from STACK is listed in ``docs/answer_tests.md``.

==============  =================================================================================
``AlgEquiv``     equal wherever both are defined (:func:`~symtaylor.equivalent`; ``domain=``)
``CasEqual``     the same expression tree as written (no simplification at all)
``EqualComAss``  equal up to commutativity and associativity of ``+`` and ``*`` (with ``-``
                 and ``/`` as their inverses): ``x + y`` is ``y + x``, ``x + x`` is not ``2x``
``FacForm``      equivalent and factored over the rationals in ``variable``
``Expanded``     written expanded (no product or integer power of a sum left)
``PartFrac``     equivalent and in partial-fraction form in ``variable``
``NumRelative``  numbers with ``|s - t| <= tol |t|`` (``tol=0.05``)
``NumAbsolute``  numbers with ``|s - t| <= tol`` (``tol=0.05``)
``NumSigFigs``   written to ``sigfigs`` significant figures and accurate to them
``Diff``         equivalent derivatives; says when the student integrated instead
``Int``          an antiderivative of the same function with a constant of integration
``AddConst``     the teacher's answer plus a constant of integration ``+ c``
``SubstEquiv``   equivalent after renaming the student's variables
==============  =================================================================================

Answers may be SymPy objects, text or LaTeX (read by :func:`symtaylor.parse_answer`; the
tests of form look at how the text is written). A student's answer that cannot be read is a
wrong answer with the note ``AT<Test>_STACKERROR_SAns``; a teacher's answer that cannot be
read raises.

Examples
--------
>>> from symtaylor.verify.answer_tests import answer_test
>>> answer_test("AlgEquiv", "(x+1)^2", "x^2 + 2*x + 1").correct
True
>>> v = answer_test("FacForm", "x^2 + 2*x + 1", "(x+1)^2", variable="x")
>>> v.correct, v.answer_note
(False, 'ATFacForm_notfactored.')
>>> answer_test("NumRelative", "3.14", "pi", tol="0.001").correct
True
>>> answer_test("Diff", "x^4/4", "3*x^2", variable="x").answer_note
'ATDiff_int.'
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import mpmath
import sympy as sp

from ..answer_parsing import AnswerReading, _read, exact_as_written
from ..coerce import as_expr, as_number, as_variables
from ..errors import InputError, ParseError
from ..parsing import FUNCTIONS, clip
from .equality import _same, _same_matrix
from .records import Mistake, Verdict

__all__ = ["ANSWER_TESTS", "AnswerTest", "answer_test"]


@dataclass(frozen=True)
class AnswerTest:
    """One answer test: its STACK name, what it establishes, and its options."""

    name: str
    summary: str
    options: tuple[str, ...]
    run: Callable[..., Verdict]

    def __repr__(self) -> str:
        opts = f" ({', '.join(self.options)})" if self.options else ""
        return f"AnswerTest({self.name}{opts}: {self.summary})"


class _StudentError(Exception):
    """The student's answer could not be read (a wrong answer, not an error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- reading ---------------------------------------------------------------------------------


def _reading(value: Any, who: str) -> AnswerReading:
    if isinstance(value, str):
        try:
            return _read(value)
        except ParseError as exc:
            if who == "student":
                raise _StudentError(str(exc)) from None
            raise ParseError(f"teacher's answer: {exc.reason}", exc.text, exc.column,
                             exc.fragment) from None
    if isinstance(value, sp.MatrixBase):
        v = exact_as_written(value)
        return AnswerReading(v, (), False, ("matrix", tuple(
            tuple(_sympy_form(e) for e in v.row(i)) for i in range(v.rows))))
    try:
        e = exact_as_written(as_expr(value, what=f"the {who}'s answer"))
    except InputError as exc:
        if who == "student":
            raise _StudentError(str(exc)) from None
        raise
    return AnswerReading(e, (), False, _sympy_form(e))


def _sympy_form(e: Any) -> Any:
    """The written form of a SymPy expression (as SymPy holds it)."""
    if isinstance(e, sp.Add):
        return ("+", tuple(_sympy_form(a) for a in e.args))
    if isinstance(e, sp.Mul):
        c, rest = e.as_coeff_Mul()
        if c == -1:
            return ("neg", _sympy_form(rest))
        return ("*", tuple(_sympy_form(a) for a in e.args))
    if isinstance(e, sp.Pow):
        return ("^", _sympy_form(e.base), _sympy_form(e.exp))
    if isinstance(e, sp.Rational):
        return ("neg", ("num", -e)) if e < 0 else ("num", e)
    if isinstance(e, sp.Symbol):
        return ("sym", e.name)
    if e is sp.E or e is sp.pi or e is sp.I:
        return ("sym", {sp.E: "E", sp.pi: "pi", sp.I: "I"}[e])
    if isinstance(e, sp.Function):
        return ("call", type(e).__name__, tuple(_sympy_form(a) for a in e.args))
    return ("atom", str(e))


def _variable(value: Any, teacher: sp.Expr, who: str = "variable") -> sp.Symbol:
    if value is None:
        syms = sorted(getattr(teacher, "free_symbols", ()), key=lambda s: s.name)
        if len(syms) != 1:
            raise InputError(f"{who} is needed: the teacher's answer has "
                             f"{len(syms)} symbols")
        return syms[0]
    if isinstance(value, sp.Basic) and not isinstance(value, sp.Symbol):
        return value  # a generator such as sin(x) (FacForm's variable)
    if isinstance(value, str) and not re.fullmatch(r"\s*[^\W\d]\w*\s*", value):
        return _reading(value, "teacher").value  # 'sin(x)'
    return as_variables(value, teacher, what=who)[0]


def _fixed(value: Any, teacher: Any) -> tuple[sp.Symbol, ...]:
    if value is None or value == ():
        return ()
    return as_variables(value, teacher, what="fixed")


def _tolerance(value: Any) -> sp.Expr:
    tol = exact_as_written(as_number(value, "tol"))
    if not tol >= 0:
        raise InputError(f"tol must be >= 0, got {tol}")
    return tol


def _verdict(name: str, ok: bool, s: AnswerReading, t: AnswerReading, note: str,
             message: str = "", kind: str | None = None, notes: Sequence[str] = (),
             score: float | None = None) -> Verdict:
    mistakes = () if ok else (Mistake("whole answer", t.value, s.value, kind,
                                      message or f"not {name}"),)
    return Verdict(ok, f"{name}: the answer against {_show(t.value)}", t.value, s.value,
                   mistakes, tuple(s.notes) + tuple(notes), score=score, answer_note=note)


def _show(v: Any) -> str:
    return clip(str(v), 60)


# -- equivalence -----------------------------------------------------------------------------


def _equal(a: Any, b: Any, domain: str = "real") -> bool:
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        return (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)
                and _same_matrix(a, b, domain))
    return _same(a, b, domain)


def _wrong_case(a: Any, b: Any) -> bool:
    """Equal once every symbol's name is lower-cased (``X`` for ``x``)."""
    if not isinstance(a, sp.Basic) or not isinstance(b, sp.Basic):
        return False
    low = {s: sp.Symbol(s.name.lower()) for s in a.free_symbols | b.free_symbols}
    if all(s.name == s.name.lower() for s in low):
        return False
    return _equal(a.xreplace(low), b.xreplace(low))


def _alg_equiv(s: AnswerReading, t: AnswerReading, domain: str = "real") -> Verdict:
    if not isinstance(domain, str) or domain not in ("real", "complex"):
        raise InputError(f"domain must be 'real' or 'complex', got {clip(repr(domain), 40)}")
    if _equal(s.value, t.value, domain):
        return _verdict("AlgEquiv", True, s, t, "ATAlgEquiv_true")
    if _wrong_case(s.value, t.value):
        return _verdict("AlgEquiv", False, s, t, "ATAlgEquiv_false ATAlgEquiv_WrongCase.",
                        "right but for the case of a letter (x and X are different "
                        "variables)", "wrong-case")
    return _verdict("AlgEquiv", False, s, t, "ATAlgEquiv_false",
                    f"not equal to {_show(t.value)}", "not-equivalent")


def _equiv_note(name: str, s: AnswerReading, t: AnswerReading) -> str:
    return f"AT{name} (AlgEquiv-{'true' if _equal(s.value, t.value) else 'false'})."


# -- form: CasEqual, EqualComAss ---------------------------------------------------------------


def _cas_equal(s: AnswerReading, t: AnswerReading) -> Verdict:
    if s.form == t.form:
        return _verdict("CasEqual", True, s, t, "ATCASEqual_true.")
    equal = _equal(s.value, t.value)
    msg = ("equal, but not written as the same expression" if equal
           else f"not equal to {_show(t.value)}")
    return _verdict("CasEqual", False, s, t,
                    "ATCASEqual (AlgEquiv-true)." if equal else "ATCASEqual_false.",
                    msg, "form" if equal else "not-equivalent")


def _comass(f: Any) -> Any:
    """The canonical form up to commutativity and associativity of + and * (``-`` is adding
    the negation, ``/`` multiplying by the inverse; a negation is pulled out of a product but
    never cancelled; ``exp(a)`` is ``E^a``)."""
    tag = f[0]
    if tag == "pos":
        return _comass(f[1])
    if tag == "neg":
        return ("neg", _comass(f[1]))
    if tag == "/":
        return _comass(("*", (f[1], ("inv", f[2]))))
    if tag == "inv":
        return ("inv", _comass(f[1]))
    if tag == "^":
        return ("^", _comass(f[1]), _comass(f[2]))
    if tag == "call":
        if f[1] == "exp" and len(f[2]) == 1:
            return ("^", ("sym", "E"), _comass(f[2][0]))
        return ("call", f[1], tuple(_comass(a) for a in f[2]))
    if tag == "+":
        terms: list[Any] = []
        for a in f[1]:
            c = _comass(a)
            terms.extend(c[1] if c[0] == "+" else (c,))
        return ("+", tuple(sorted(terms, key=repr)))
    if tag == "*":
        factors: list[Any] = []
        negs = 0
        stack = list(f[1])
        while stack:
            c = _comass(stack.pop(0))
            while c[0] == "neg" and c[1][0] != "neg":
                negs += 1
                c = c[1]
            if c[0] == "*":
                factors.extend(c[1])
            else:
                factors.append(c)
        out: Any = ("*", tuple(sorted(factors, key=repr)))
        for _ in range(negs):
            out = ("neg", out)
        return out
    if tag == "matrix":
        return ("matrix", tuple(tuple(_comass(e) for e in row) for row in f[1]))
    return f


def _equal_com_ass(s: AnswerReading, t: AnswerReading) -> Verdict:
    if _comass(s.form) == _comass(t.form):
        return _verdict("EqualComAss", True, s, t, "ATEqualComAss_true.")
    equal = _equal(s.value, t.value)
    msg = ("equal, but written differently (only the order of terms and factors, and "
           "brackets of sums and products, may differ)" if equal
           else f"not equal to {_show(t.value)}")
    return _verdict("EqualComAss", False, s, t, _equiv_note("EqualComAss", s, t), msg,
                    "form" if equal else "not-equivalent")


# -- form: Expanded, FacForm, PartFrac ---------------------------------------------------------


def _is_sum(f: Any) -> bool:
    while f[0] in ("neg", "pos"):
        f = f[1]
    return f[0] == "+" and len(f[1]) > 1


def _not_expanded(f: Any) -> bool:
    """A product with a sum as a factor, a sum divided by something, or an integer power
    of a sum, anywhere (function arguments and denominators included, as Maxima's expand)."""
    stack = [f]
    while stack:
        g = stack.pop()
        tag = g[0]
        if tag == "*":
            if any(_is_sum(a) for a in g[1]):
                return True
            stack.extend(g[1])
        elif tag == "/":
            if _is_sum(g[1]):
                return True
            stack.extend((g[1], g[2]))
        elif tag == "^":
            if _is_sum(g[1]) and g[2][0] == "num" and g[2][1] >= 2:
                return True
            stack.extend((g[1], g[2]))
        elif tag in ("neg", "pos", "inv"):
            stack.append(g[1])
        elif tag == "+":
            stack.extend(g[1])
        elif tag == "call":
            stack.extend(g[2])
        elif tag == "matrix":
            stack.extend(e for row in g[1] for e in row)
    return False


def _expanded(s: AnswerReading, t: AnswerReading) -> Verdict:
    if _not_expanded(s.form):
        return _verdict("Expanded", False, s, t, "ATExpanded_FALSE.",
                        "not expanded: a product or a power of a sum is left", "not-expanded")
    return _verdict("Expanded", True, s, t, "ATExpanded_TRUE.")


_CONST_NAMES = {"E": sp.E, "pi": sp.pi, "I": sp.I}


def _form_value(f: Any) -> sp.Expr:
    """The SymPy value of a written form (to look at each written factor on its own)."""
    tag = f[0]
    if tag in ("num", "dec"):
        return f[1]
    if tag == "sym":
        return _CONST_NAMES.get(f[1], sp.Symbol(f[1]))
    if tag == "neg":
        return -_form_value(f[1])
    if tag in ("pos",):
        return _form_value(f[1])
    if tag == "+":
        return sp.Add(*[_form_value(a) for a in f[1]])
    if tag == "*":
        return sp.Mul(*[_form_value(a) for a in f[1]])
    if tag == "/":
        return _form_value(f[1]) / _form_value(f[2])
    if tag == "^":
        return sp.Pow(_form_value(f[1]), _form_value(f[2]))
    if tag == "call" and f[1] in FUNCTIONS:
        return FUNCTIONS[f[1]][0](*[_form_value(a) for a in f[2]])
    raise InputError("the written form cannot be evaluated")  # pragma: no cover


def _factors(f: Any) -> list[Any] | None:
    """The written factors of a product (signs and numeric denominators dropped), as
    ``(base, exponent)`` pairs; None when a factor is divided by something non-numeric."""
    out: list[Any] = []
    stack = [f]
    while stack:
        g = stack.pop()
        while g[0] in ("neg", "pos"):
            g = g[1]
        if g[0] == "*":
            stack.extend(g[1])
        elif g[0] == "/":
            if _form_value(g[2]).free_symbols:
                return None
            stack.append(g[1])
        elif g[0] == "^" and g[2][0] == "num" and g[2][1] >= 1:
            out.append(g[1])
        else:
            out.append(g)
    return out


def _irreducible(v: sp.Expr, gens: Sequence[sp.Basic]) -> bool:
    """``v`` is irreducible over the rationals, with no common integer factor of its
    coefficients (``2x - 6`` is not factored; ``x + 1/2`` is)."""
    try:
        p = sp.Poly(v, *gens, domain="QQ")
    except (sp.PolynomialError, sp.CoercionFailed, sp.GeneratorsError, ValueError):
        try:
            p = sp.Poly(v, *gens)
        except (sp.PolynomialError, sp.GeneratorsError, ValueError):
            return False
        if p.total_degree() > 1:
            return True  # not decided over the extension: taken as irreducible
        # linear over an extension (x - sqrt(2)): irreducible unless a common factor
        # comes out (I*x - 2*I is I*(x - 2))
        g = sp.factor_terms(v)
        return not isinstance(g, sp.Mul) or all(
            (a.is_Rational and abs(a) == 1) or isinstance(a, sp.Add) for a in g.args)
    if p.total_degree() <= 0:
        return True
    coeffs = p.coeffs()
    if all(c.is_Integer for c in coeffs) and math.gcd(*[int(c) for c in coeffs]) != 1:
        return False
    _, facs = sp.factor_list(p)
    return sum(k for f, k in facs if f.total_degree() > 0) == 1


def _factored(f: Any, gens: Sequence[sp.Basic]) -> bool:
    factors = _factors(f)
    if factors is None:
        return False
    for g in factors:
        v = _form_value(g)
        if not any(v.has(x) for x in gens):
            if v.free_symbols & set().union(*[x.free_symbols for x in gens]):
                return False
            continue
        if not _irreducible(v, gens + tuple(sorted(v.free_symbols - set(gens),
                                                   key=lambda s: s.name))):
            return False
    return True


def _fac_form(s: AnswerReading, t: AnswerReading, variable: Any = None) -> Verdict:
    var = _variable(variable, t.value)
    equal = _equal(s.value, t.value)
    gens = (var,)
    poly = isinstance(s.value, sp.Expr) and s.value.is_polynomial(var)
    factored = bool(poly) and _factored(s.form, gens)
    if equal and factored:
        return _verdict("FacForm", True, s, t, "ATFacForm_true.")
    if not factored:
        note = "ATFacForm_notfactored." + ("" if equal else " ATFacForm_notalgequiv.")
        msg = ("not factored: a factor can be factored further (or has a common factor)"
               if equal else f"not factored, and not equal to {_show(t.value)}")
        return _verdict("FacForm", False, s, t, note, msg, "not-factored")
    return _verdict("FacForm", False, s, t, "ATFacForm_isfactored. ATFacForm_notalgequiv.",
                    f"factored, but not equal to {_show(t.value)}", "not-equivalent")


def _partial_fraction_term(term: sp.Expr, var: sp.Symbol) -> bool:
    num, den = sp.fraction(term)
    if not den.has(var):
        return _is_poly(term, var)
    if not (_is_poly(num, var) and _is_poly(den, var)):
        return False
    _, facs = sp.factor_list(den, var)
    bases = [f for f, _ in facs if f.has(var)]
    if len(bases) != 1:
        return False
    p = bases[0]
    return bool(sp.degree(num, var) < sp.degree(p, var))


def _is_poly(e: sp.Expr, var: sp.Symbol) -> bool:
    try:
        sp.Poly(e, var)
    except (sp.PolynomialError, sp.GeneratorsError, ValueError):
        return False
    return not any(a.has(var) for a in sp.Poly(e, var).coeffs())


def _part_frac(s: AnswerReading, t: AnswerReading, variable: Any = None) -> Verdict:
    var = _variable(variable, t.value)
    if not _equal(s.value, t.value):
        return _verdict("PartFrac", False, s, t, "ATPartFrac_ret_expression.",
                        f"not equal to {_show(t.value)}", "not-equivalent")
    terms = sp.Add.make_args(s.value)
    if all(_partial_fraction_term(u, var) for u in terms):
        return _verdict("PartFrac", True, s, t, "ATPartFrac_true.")
    return _verdict("PartFrac", False, s, t, "ATPartFrac_false_factor.",
                    "equal, but not in partial fractions (a term's denominator has more than "
                    "one factor, or its numerator is not of lower degree)", "not-partial-fractions")


# -- numbers -----------------------------------------------------------------------------------


def _number_value(r: AnswerReading, who: str) -> Any:
    v = r.value
    if isinstance(v, sp.MatrixBase):
        return v
    if not isinstance(v, sp.Expr) or v.free_symbols or not v.is_number:
        return None
    if v.is_extended_real is False or (v.is_extended_real is None
                                       and abs(complex(sp.N(v, 30)).imag) > 0):
        return None
    return v


def _leq(lhs: sp.Expr, rhs: sp.Expr) -> bool:
    d = lhs - rhs
    decided = d.is_nonpositive
    if decided is not None:
        return bool(decided)
    with mpmath.workdps(50):
        return bool(sp.N(d, 50) <= 0)


def _less(lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """``lhs < rhs``, exactly when SymPy can decide, else at 50 digits."""
    d = lhs - rhs
    decided = d.is_negative
    if decided is not None:
        return bool(decided)
    with mpmath.workdps(50):
        return bool(sp.N(d, 50) < 0)


def _numeric(name: str, s: AnswerReading, t: AnswerReading, tol: Any, relative: bool
             ) -> Verdict:
    tol = _tolerance(0.05 if tol is None else tol)
    sv, tv = _number_value(s, "student"), _number_value(t, "teacher")
    if sv is None:
        return _verdict(name, False, s, t, "ATNumerical_SA_not_number.",
                        "the answer must be a real number", "not-a-number")
    if tv is None:
        raise InputError(f"{name}: the teacher's answer must be a real number or a vector of "
                         f"them, got {_show(t.value)}")
    if isinstance(sv, sp.MatrixBase) != isinstance(tv, sp.MatrixBase) or (
            isinstance(sv, sp.MatrixBase) and sv.shape != tv.shape):
        return _verdict(name, False, s, t, "ATNumerical_wronglen.",
                        "the answer has the wrong number of entries", "shape")
    pairs = list(zip(sv, tv)) if isinstance(sv, sp.MatrixBase) else [(sv, tv)]
    bad = []
    for i, (a, b) in enumerate(pairs):
        if a.free_symbols or not a.is_number:
            bad.append(i)
            continue
        bound = tol * sp.Abs(b) if relative else tol
        if not _leq(sp.Abs(a - b), bound):
            bad.append(i)
    if not bad:
        return _verdict(name, True, s, t, f"AT{name}_true.")
    what = "relative" if relative else "absolute"
    msg = f"outside the {what} tolerance {tol} of {_show(t.value)}"
    return _verdict(name, False, s, t, "ATNumerical_wrongentries." if len(pairs) > 1
                    else f"AT{name}_false.", msg, "tolerance",
                    score=1 - len(bad) / len(pairs) if len(pairs) > 1 else None)


_DECIMAL = re.compile(
    r"\s*[-+]?\(?\s*[-+]?(?P<int>\d*)(?:\.(?P<frac>\d*))?\s*\)?"
    r"(?:[eE](?P<exp>[-+]?\d+)|\s*(?:\*|\\times|\\cdot|×|·)\s*10\s*(?:\^|\*\*)\s*"
    r"[{(]?\s*(?P<exp2>[-+]?\d+)\s*[})]?)?\s*")


def _sig_fig_range(text: str) -> tuple[int, int] | None:
    """The numbers of significant figures a written decimal may have, as STACK infers them:
    ``100``: 1 to 3; ``1.00e2`` and ``1.00*10^2``: 3; ``0.0010``: 2; ``0.00``: 2; None for
    text that is not a decimal number."""
    m = _DECIMAL.fullmatch(text)
    if not m or not (m.group("int") or m.group("frac")):
        return None
    frac = m.group("frac")
    digits = (m.group("int") or "") + (frac or "")
    stripped = digits.lstrip("0")
    if not stripped:  # zero: its decimals (0.00 has 2), at least one
        k = max(1, len(frac or ""))
        return (k, k)
    if frac is not None:
        return (len(stripped), len(stripped))
    core = stripped.rstrip("0")
    return (len(core), len(stripped))


def _round_sig(v: sp.Expr, n: int) -> tuple[sp.Expr, int]:
    """``v`` rounded to ``n`` significant figures, exactly (half away from zero, as STACK's
    ``significantfigures``), and the power of ten of its leading digit."""
    q = v if isinstance(v, sp.Rational) else exact_as_written(sp.Float(sp.N(v, 60), 60))
    if q == 0:
        return sp.Integer(0), 0
    a = abs(q)
    e = len(str(int(a))) - 1 if a >= 1 else -len(str(int(1 / a)))
    while sp.Integer(10) ** e > a:  # 10^e <= a < 10^(e+1)
        e -= 1
    while sp.Integer(10) ** (e + 1) <= a:
        e += 1
    unit = sp.Rational(10) ** (e - n + 1)
    r = sp.floor(a / unit + sp.Rational(1, 2))
    if r >= 10**n:  # 9.96 to 2 figures: 10, its leading digit one place up
        e += 1
    return sp.sign(q) * r * unit, e


def _num_sig_figs(s: AnswerReading, t: AnswerReading, raw: Any, sigfigs: Any = None,
                  accuracy: Any = None) -> Verdict:
    if sigfigs is None:
        raise InputError("NumSigFigs needs sigfigs= (the number of significant figures)")
    n = int(as_number(sigfigs, "sigfigs"))
    m = n if accuracy is None else int(as_number(accuracy, "accuracy"))
    if n < 1 or m < -1:
        raise InputError("sigfigs must be >= 1 and accuracy >= -1")
    tv = _number_value(t, "teacher")
    if tv is None or isinstance(tv, sp.MatrixBase):
        raise InputError(f"NumSigFigs: the teacher's answer must be a number, got "
                         f"{_show(t.value)}")
    if not isinstance(raw, str):
        raw = str(s.value) if not isinstance(s.value, sp.Rational) else str(
            sp.Float(s.value, 30))
    rng = _sig_fig_range(raw)
    if rng is None:
        return _verdict("NumSigFigs", False, s, t, "ATNumSigFigs_NotDecimal.",
                        "the answer must be a decimal number", "not-a-number")
    lo, hi = rng
    written = hi >= n if m == -1 else lo <= n <= hi
    # the accuracy: to m figures ([n, m]), else to n
    digits = n if m in (-1, 0) else m
    target, e = _round_sig(tv, digits)
    half = sp.Rational(10) ** (e - digits + 1) / 2
    accurate = m == 0 or _less(sp.Abs(s.value - target), half)
    if written and accurate:
        return _verdict("NumSigFigs", True, s, t, "ATNumSigFigs_true.")
    if not written:
        return _verdict("NumSigFigs", False, s, t, "ATNumSigFigs_WrongDigits.",
                        f"written with {lo}" + (f" to {hi}" if hi != lo else "")
                        + f" significant figures, not {n}", "sig-figs")
    return _verdict("NumSigFigs", False, s, t, "ATNumSigFigs_Inaccurate.",
                    f"not accurate to {digits} significant figures",
                    "tolerance")


# -- calculus ----------------------------------------------------------------------------------


def _real(var: Any, *exprs: sp.Expr) -> tuple[Any, ...]:
    """The variable and expressions with every symbol real (the calculus tests work on the
    real line: d/dx log|x| is 1/x)."""
    syms = set().union(*[e.free_symbols for e in exprs]) | (
        {var} if isinstance(var, sp.Symbol) else set())
    sub = {v: sp.Symbol(v.name, real=True) for v in syms if v.is_real is not True}
    return (sub.get(var, var), *[e.xreplace(sub) for e in exprs])


def _diff(s: AnswerReading, t: AnswerReading, variable: Any = None) -> Verdict:
    var = _variable(variable, t.value)
    var, sv, tv = _real(var, s.value, t.value)
    if _equal(sv, tv):
        return _verdict("Diff", True, s, t, "ATDiff_true.")
    if var in tv.free_symbols and var not in sv.free_symbols:
        return _verdict("Diff", False, s, t, "ATDiff_var_SB_notSA.",
                        f"the answer does not depend on {var}", "variable")
    if _equal(sp.diff(sv, var, 2), tv):
        return _verdict("Diff", False, s, t, "ATDiff_int.",
                        "it looks as if you integrated instead of differentiating",
                        "integrated")
    return _verdict("Diff", False, s, t, "ATDiff_false.", f"not equal to {_show(tv)}",
                    "not-equivalent")


def _arbitrary_constant(e: sp.Expr, k: sp.Symbol, var: sp.Symbol) -> bool:
    """``e`` depends on ``k`` through an added arbitrary constant: d e/d k is nonzero, does
    not depend on ``var``, and is not a polynomial of positive degree in ``k`` (``+ 3c``,
    ``+ c/3``, ``log(k x)``, ``atan(a)`` are constants; ``c^2``, ``c^3`` are not)."""
    d = sp.diff(e, k)
    if _same(d, sp.Integer(0)) or (
            d.has(var) and not _same(d, d.xreplace({var: sp.Rational(7, 3)}))):
        return False
    return not (d.is_polynomial(k) and sp.degree(d, k) >= 1)


def _has_log_without_abs(e: sp.Expr) -> bool:
    return any(not a.args[0].has(sp.Abs) for a in e.atoms(sp.log))


def _integral(s: AnswerReading, t: AnswerReading, variable: Any = None,
              noconst: bool = False) -> Verdict:
    var = _variable(variable, t.value)
    var, sv, tv = _real(var, s.value, t.value)
    if var in tv.free_symbols and var not in sv.free_symbols:
        return _verdict("Int", False, s, t, "ATInt_generic. ATInt_var_SB_notSA.",
                        f"the answer does not depend on {var}", "variable")
    ds, dt = sp.diff(sv, var), sp.diff(tv, var)
    if not _equal(ds, dt):
        if _equal(sv, sp.diff(tv, var, 2)) or _equal(ds, sp.diff(tv, var, 2)):
            return _verdict("Int", False, s, t, "ATInt_diff.",
                            "it looks as if you differentiated instead of integrating",
                            "differentiated")
        return _verdict("Int", False, s, t, "ATInt_generic.",
                        f"not an antiderivative of {_show(dt)}", "not-equivalent")
    if any(a.args[0].has(sp.Abs) for a in tv.atoms(sp.log)) and _has_log_without_abs(sv):
        return _verdict("Int", False, s, t, "ATInt_EqFormalDiff. ATInt_logabs.",
                        "write log(|...|): the teacher's answer has the absolute value",
                        "log-abs")
    if not any(a.args[0].has(sp.Abs) for a in tv.atoms(sp.log)):
        logs = [a.args[0].has(sp.Abs) for a in sv.atoms(sp.log) if a.args[0].has(var)]
        if any(logs) and not all(logs):
            return _verdict("Int", False, s, t, "ATInt_true_equiv. ATInt_logabs_inconsistent.",
                            "use log(|...|) in every logarithm or in none", "log-abs")
    ks = set(sv.free_symbols) - set(dt.free_symbols) - {var}
    if not ks:
        if noconst:
            return _verdict("Int", True, s, t, "ATInt_const_condone.",
                            notes=("the constant of integration is missing (condoned)",))
        return _verdict("Int", False, s, t, "ATInt_const.",
                        "the constant of integration is missing (+ c)", "no-constant")
    if len(ks) > 1 or not _arbitrary_constant(sv, next(iter(ks)), var):
        return _verdict("Int", False, s, t, "ATInt_weirdconst.",
                        "the constant of integration is written strangely "
                        "(one arbitrary constant, added: + c)", "weird-constant")
    return _verdict("Int", True, s, t, "ATInt_true.")


def _add_const(s: AnswerReading, t: AnswerReading, variable: Any = None,
               fixed: Any = None, nonstrict: bool = False) -> Verdict:
    """STACK's AddConst: the form of the constant only (use Int or AlgEquiv for the rest):
    exactly one symbol other than the variable and the fixed ones, entering as ``+ c``
    (``d/dc = 1``; with ``nonstrict``, any nonzero ``d/dc`` free of the variable)."""
    var = _variable(variable, t.value)
    keep = {var, *_fixed(fixed, t.value)}
    var, sv = _real(var, s.value)
    keep = {sp.Symbol(k.name, real=True) for k in keep if isinstance(k, sp.Symbol)}
    ks = set(sv.free_symbols) - keep
    if not ks:
        return _verdict("AddConst", False, s, t, "ATAddConst_noconst.",
                        "the constant of integration is missing (+ c)", "no-constant")
    if len(ks) > 1:
        names = ", ".join(sorted(k.name for k in ks))
        return _verdict("AddConst", False, s, t, "ATAddConst_severalconst.",
                        f"several constants of integration ({names}): add one (+ c)",
                        "weird-constant")
    k = next(iter(ks))
    d = sp.diff(sv, k)
    if nonstrict:
        ok = not _same(d, sp.Integer(0)) and (
            not d.has(var) or _same(d, d.xreplace({var: sp.Rational(7, 3)})))
    else:
        ok = _same(d, sp.Integer(1))
    if ok:
        return _verdict("AddConst", True, s, t, "ATAddConst_true.")
    return _verdict("AddConst", False, s, t, "ATAddConst_generic.",
                    f"the constant {k} is not added as + {k}", "weird-constant")


# -- substitution ------------------------------------------------------------------------------

_MAX_SUBST_VARIABLES = 5


def _subst_equiv(s: AnswerReading, t: AnswerReading, fixed: Any = None) -> Verdict:
    keep = set(_fixed(fixed, t.value))
    sv, tv = s.value, t.value
    svars = sorted(getattr(sv, "free_symbols", set()) - keep, key=lambda v: v.name)
    tvars = sorted(getattr(tv, "free_symbols", set()) - keep, key=lambda v: v.name)
    if len(svars) != len(tvars) or len(svars) > _MAX_SUBST_VARIABLES:
        if len(svars) > _MAX_SUBST_VARIABLES:
            raise InputError(f"SubstEquiv tries every renaming: at most "
                             f"{_MAX_SUBST_VARIABLES} variables")
        return _verdict("SubstEquiv", False, s, t, "ATSubstEquiv_false.",
                        "no renaming of the variables makes them equal (a different number "
                        "of variables)", "not-equivalent")
    # the identity first, then every other renaming
    perms = itertools.permutations(tvars)
    for perm in itertools.chain([tuple(tvars)] if svars == tvars else [], perms):
        sub = dict(zip(svars, perm))
        if _equal(sv.xreplace(sub), tv):
            if all(a == b for a, b in sub.items()):
                return _verdict("SubstEquiv", True, s, t, "ATSubstEquiv_true.")
            text = ",".join(f"{a} = {b}" for a, b in sub.items())
            return _verdict("SubstEquiv", True, s, t, f"ATSubstEquiv_Subst [{text}].",
                            notes=(f"right after renaming the variables: {text}",))
    return _verdict("SubstEquiv", False, s, t, "ATSubstEquiv_false.",
                    "no renaming of the variables makes them equal", "not-equivalent")


# -- the registry -----------------------------------------------------------------------------


def _flag(value: Any, what: str) -> bool:
    from ..coerce import as_flag

    return as_flag(value, what)


ANSWER_TESTS: Mapping[str, AnswerTest] = MappingProxyType({t.name: t for t in (
    AnswerTest("AlgEquiv", "equal wherever both are defined", ("domain",),
               lambda s, t, raw, domain="real": _alg_equiv(s, t, domain)),
    AnswerTest("CasEqual", "the same expression tree as written", (),
               lambda s, t, raw: _cas_equal(s, t)),
    AnswerTest("EqualComAss", "equal up to commutativity and associativity of + and *", (),
               lambda s, t, raw: _equal_com_ass(s, t)),
    AnswerTest("FacForm", "equivalent and factored over the rationals", ("variable",),
               lambda s, t, raw, variable=None: _fac_form(s, t, variable)),
    AnswerTest("Expanded", "written expanded", (),
               lambda s, t, raw: _expanded(s, t)),
    AnswerTest("PartFrac", "equivalent and in partial fractions", ("variable",),
               lambda s, t, raw, variable=None: _part_frac(s, t, variable)),
    AnswerTest("NumRelative", "numbers within a relative tolerance", ("tol",),
               lambda s, t, raw, tol=None: _numeric("NumRelative", s, t, tol, True)),
    AnswerTest("NumAbsolute", "numbers within an absolute tolerance", ("tol",),
               lambda s, t, raw, tol=None: _numeric("NumAbsolute", s, t, tol, False)),
    AnswerTest("NumSigFigs", "written to n significant figures and accurate to them",
               ("sigfigs", "accuracy"),
               lambda s, t, raw, sigfigs=None, accuracy=None: _num_sig_figs(
                   s, t, raw, sigfigs, accuracy)),
    AnswerTest("Diff", "equivalent derivatives (integrated instead is named)", ("variable",),
               lambda s, t, raw, variable=None: _diff(s, t, variable)),
    AnswerTest("Int", "an antiderivative of the same function, with + c",
               ("variable", "noconst"),
               lambda s, t, raw, variable=None, noconst=False: _integral(
                   s, t, variable, _flag(noconst, "noconst"))),
    AnswerTest("AddConst", "the teacher's answer plus a constant of integration",
               ("variable", "fixed", "nonstrict"),
               lambda s, t, raw, variable=None, fixed=None, nonstrict=False: _add_const(
                   s, t, variable, fixed, _flag(nonstrict, "nonstrict"))),
    AnswerTest("SubstEquiv", "equivalent after renaming the variables", ("fixed",),
               lambda s, t, raw, fixed=None: _subst_equiv(s, t, fixed)),
)})

_BY_LOWER = {k.lower(): k for k in ANSWER_TESTS}


def answer_test(name: str, student: Any, teacher: Any, **options: Any) -> Verdict:
    """Run the answer test ``name`` (STACK's names: see :data:`ANSWER_TESTS`) on a student's
    answer against the teacher's.

    Parameters
    ----------
    name : str
        ``"AlgEquiv"``, ``"CasEqual"``, ``"EqualComAss"``, ``"FacForm"``, ``"Expanded"``,
        ``"PartFrac"``, ``"NumRelative"``, ``"NumAbsolute"``, ``"NumSigFigs"``, ``"Diff"``,
        ``"Int"``, ``"AddConst"``, ``"SubstEquiv"`` (case does not matter).
    student, teacher : SymPy object, text or LaTeX
        The answers (text and LaTeX read by :func:`symtaylor.parse_answer`).
    **options
        The test's options: ``domain`` (AlgEquiv), ``variable`` (FacForm, PartFrac, Diff,
        Int, AddConst; default the teacher's one symbol), ``tol`` (NumRelative, NumAbsolute;
        default ``0.05``), ``sigfigs`` and ``accuracy`` (NumSigFigs), ``noconst`` (Int),
        ``fixed`` and ``nonstrict`` (AddConst, SubstEquiv takes ``fixed``).

    Returns
    -------
    Verdict
        ``correct``, ``score`` (0 or 1; NumRelative/NumAbsolute on lists: the share of right
        entries), ``answer_note`` (STACK-style), ``mistakes`` (``kind``: ``not-equivalent``,
        ``form``, ``not-factored``, ``not-expanded``, ``not-partial-fractions``,
        ``tolerance``, ``sig-figs``, ``integrated``, ``differentiated``, ``no-constant``,
        ``weird-constant``, ``log-abs``, ``wrong-case``, ``variable``, ``not-a-number``,
        ``shape``, ``unreadable``) and ``notes`` (how a text answer was read, remarks).

    Raises
    ------
    InputError
        Unknown test or option, a bad option value, a teacher's answer that cannot be read.

    Examples
    --------
    >>> answer_test("EqualComAss", "1 + 2*x", "x*2 + 1").correct
    True
    >>> answer_test("EqualComAss", "x + x", "2*x").answer_note
    'ATEqualComAss (AlgEquiv-true).'
    >>> answer_test("Int", "x^3/3", "x^3/3", variable="x").reasons
    ('the constant of integration is missing (+ c)',)
    >>> answer_test("SubstEquiv", "X^2 + 1", "x^2 + 1").answer_note
    'ATSubstEquiv_Subst [X = x].'
    """
    if not isinstance(name, str) or name.lower() not in _BY_LOWER:
        raise InputError(f"unknown answer test {clip(repr(name), 40)} (known: "
                         f"{', '.join(ANSWER_TESTS)})")
    test = ANSWER_TESTS[_BY_LOWER[name.lower()]]
    unknown = sorted(set(options) - set(test.options))
    if unknown:
        allowed = ", ".join(test.options) or "none"
        raise InputError(f"{test.name} has no option {', '.join(unknown)} (options: {allowed})")
    t = _reading(teacher, "teacher")
    try:
        s = _reading(student, "student")
    except _StudentError as exc:
        return Verdict(False, f"{test.name}: the answer against {_show(t.value)}", t.value,
                       student if isinstance(student, str) else None,
                       (Mistake("whole answer", t.value, student, "unreadable",
                                f"the answer could not be read: {exc.message}"),),
                       answer_note=f"AT{test.name}_STACKERROR_SAns.")
    try:
        return test.run(s, t, student, **options)
    except (TypeError, ValueError, ArithmeticError, NotImplementedError, RecursionError,
            sp.PolynomialError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{test.name} could not compare these answers: "
                         f"{clip(str(exc)) or type(exc).__name__}") from None
