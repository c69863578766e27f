r"""Checking finite-difference claims: the leading truncation term ``C f^(d+p)(a) h^p`` of a
stencil at a point, the optimal step ``h* = (d B/(p A))^(1/(p+d))`` that balances it against
round-off ``B/h^d``, and the stencil's weights, against :func:`symtaylor.fd_error` and
:func:`symtaylor.stencil`.

The truncation term's sign follows the engine's convention ``D_h f - f^(d)``; the opposite
convention (``f^(d) - D_h f``) is accepted with a note. An optimal step may be written with
``eps`` (machine epsilon, ``2^-52``); a number within 25% of ``h*`` is right (the total error is
flat near its minimum), within a factor 3 gets half credit (the right order of magnitude).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sympy as sp

from ..coerce import ExprLike, NumberLike, OrderLike, PointLike, VariablesLike
from ..errors import InputError
from ..finite_diff import EPS, SCHEMES, fd_error, h, stencil
from .answers import _answer_expr, _answer_vector
from .equality import _same
from .reading import notes_how_read
from .records import Mistake, Verdict
from .slips import Slip, first_slip, part_score

__all__ = ["check_fd_optimal_step", "check_fd_truncation", "check_stencil_weights"]

_EPS_NAMES = ("eps", "epsilon", "ε", "u", "eps_mach")


def _report(f: ExprLike, variable: VariablesLike, at: PointLike, derivative: OrderLike,
            scheme: str, accuracy: OrderLike | None) -> Any:
    """The engine's analysis (one step scanned: only the derived terms are used)."""
    return fd_error(f, variable, at=at, derivative=derivative, scheme=scheme,
                    accuracy=accuracy, steps=[1e-2])


def _derivative_at(r: Any, k: int) -> sp.Expr:
    x = r.variable
    return sp.diff(r.expression, x, k).xreplace({x: r.at})


def _truncation_slips(r: Any, variable: VariablesLike, derivative: OrderLike, scheme: str,
                      accuracy: OrderLike | None) -> list[Slip]:
    st = r.stencil
    d, p = st.derivative, st.accuracy
    k, c = st.error_terms[0]
    fk = _derivative_at(r, k)
    term = c * fk * h**p
    out = [
        Slip("factorial", lambda: term * sp.factorial(k), f"forgot to divide by {k}!"),
        Slip("factorial", lambda: term * sp.factorial(k) / sp.factorial(k - 1),
             f"divided by {k - 1}! instead of {k}!"),
        Slip("power-of-h", lambda: term * h, f"h^{p + 1}: the term is O(h^{p})"),
        Slip("power-of-h", lambda: term / h if p > 1 else None, f"h^{p - 1}: the term is "
                                                                f"O(h^{p})"),
        Slip("power-of-h", lambda: term * h**d,
             f"h^{k}: the h^{k} of the Taylor term is divided by the h^{d} of the stencil, "
             f"leaving h^{p}"),
        Slip("derivative-order", lambda: c * _derivative_at(r, k - 1) * h**p,
             f"f^({k - 1}): the leading term carries f^({k}) = f^(d+p)"),
        Slip("derivative-order", lambda: c * _derivative_at(r, k + 1) * h**p,
             f"f^({k + 1}): the leading term carries f^({k}) = f^(d+p)"),
        Slip("factor-2", lambda: 2 * term, "off by a factor 2"),
        Slip("factor-2", lambda: term / 2, "off by a factor 2"),
    ]
    if len(st.error_terms) > 1:
        k2, c2 = st.error_terms[1]
        out.append(Slip("next-term", lambda: c2 * _derivative_at(r, k2) * h ** (k2 - d),
                        "that is the next truncation term, not the leading one"))
    for other in SCHEMES:
        if other != st.scheme:
            out.append(Slip("other-scheme", lambda o=other: _report(
                r.expression, r.variable, r.at, d, o, None).truncation_term,
                f"that is the truncation term of the {other} difference, not the {st.scheme}"))
    return out


@notes_how_read
def check_fd_truncation(f: ExprLike, variable: VariablesLike, at: PointLike,
                        derivative: OrderLike, scheme: str, accuracy: OrderLike | None,
                        answer: Any) -> Verdict:
    """Check the leading truncation term of a finite-difference derivative at a point: the
    first non-zero ``C_k f^(k)(a) h^(k-d)`` of ``D_h f - f^(d)`` (an expression in ``h``).

    The truth is :attr:`symtaylor.FDErrorReport.truncation_term`. An answer written at a
    general ``x`` is read at ``x = a`` (with a note); the opposite sign convention is accepted
    with a note. Recognised slips: a missing ``1/k!`` (or ``(k-1)!``), the power of ``h`` off
    (``h^(p+1)``, ``h^(p-1)``, ``h^(d+p)`` not divided by ``h^d``), the derivative's order off
    by one, a factor 2, the next term instead of the leading one, another scheme's term.

    Examples
    --------
    >>> check_fd_truncation("exp(x)", "x", 1, 1, "central", 2, "E*h^2/6").correct
    True
    >>> check_fd_truncation("exp(x)", "x", 1, 1, "central", 2, "E*h^2").kinds
    ('factorial',)
    >>> check_fd_truncation("exp(x)", "x", 1, 1, "forward", 1, "E*h^2/6").kinds
    ('next-term',)
    """
    r = _report(f, variable, at, derivative, scheme, accuracy)
    x = r.variable
    given = _answer_expr(answer, [x, h])
    extra = given.free_symbols - {x, h} - r.expression.free_symbols
    if extra:
        raise InputError(f"the answer has unexpected symbols {sorted(map(str, extra))} (write "
                         "it in h, at the point)")
    notes: list[str] = []
    read = given
    if given.has(x):
        read = given.xreplace({x: r.at})
        notes.append(f"read at {x} = {r.at}: {read}")
    expected = r.truncation_term
    st = r.stencil
    question = (f"leading truncation term of the {st.scheme} difference for "
                f"d^{st.derivative}/d{x}^{st.derivative} {r.expression} at {x} = {r.at}")
    if _same(expected, read):
        return Verdict(True, question, expected, given, notes=tuple(notes), derivation=r)
    if expected != 0 and _same(-expected, read):
        notes.append("the sign is that of f^(d) - D_h f; symtaylor writes D_h f - f^(d)")
        return Verdict(True, question, expected, given, notes=tuple(notes), derivation=r)
    slip = first_slip(_truncation_slips(r, variable, derivative, scheme, accuracy),
                      lambda c: _same(c, read) or _same(-c, read),
                      errors=(InputError, TypeError, ValueError, ZeroDivisionError))
    line = f"the leading truncation term is {expected}, not {read}"
    mistake = (Mistake("truncation term", expected, given, None, line) if slip is None
               else Mistake("truncation term", expected, given, slip.kind, f"{line}: {slip.why}"))
    return Verdict(False, question, expected, given, (mistake,), tuple(notes), derivation=r)


# -- the optimal step ----------------------------------------------------------------------------


def _step_value(answer: Any, x: sp.Symbol) -> tuple[sp.Expr, float]:
    """The claimed step (``eps`` allowed) as an exact expression and a float."""
    if answer is None:
        raise InputError("no answer given")
    e = _answer_expr(answer, ())
    sub = {}
    for s in e.free_symbols:
        if s.name in _EPS_NAMES:
            sub[s] = EPS
        else:
            raise InputError(f"the answer has the unknown symbol {s.name}; use numbers or eps")
    e = e.xreplace(sub)
    try:
        v = float(sp.N(e, 30))
    except (TypeError, ValueError):
        raise InputError(f"the step must be a real number, got {answer!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"the step must be a positive number, got {answer!r}")
    return e, v


@notes_how_read
def check_fd_optimal_step(f: ExprLike, variable: VariablesLike, at: PointLike,
                          derivative: OrderLike, scheme: str, accuracy: OrderLike | None,
                          answer: Any) -> Verdict:
    """Check the optimal step ``h* = (d B/(p A))^(1/(p+d))`` of a finite difference: the
    minimiser of ``A h^p + B/h^d`` with ``A h^p`` the leading truncation term and
    ``B = eps sum|w_i| |f(a)|`` the round-off factor (``eps = 2^-52``).

    The truth is :attr:`symtaylor.FDErrorReport.optimal_step_exact`. A number within 25% is
    right; within a factor 3, half credit. Recognised slips: the exponent ``1/(p+1)``, ``1/p``
    or ``1/(d+1)`` instead of ``1/(p+d)``, ``d/p`` inverted or left out (where truncation
    equals round-off, not where their sum is smallest), ``sum|w_i|`` left out, the bare
    scaling ``eps^(1/(p+d))`` (half credit), and ``sqrt(eps)`` (the forward-difference rule)
    for another stencil.

    Examples
    --------
    >>> check_fd_optimal_step("exp(x)", "x", 1, 1, "central", 2, "(3*eps)^(1/3)").correct
    True
    >>> check_fd_optimal_step("exp(x)", "x", 1, 1, "central", 2, "(3*eps)^(1/2)").kinds
    ('exponent',)
    """
    r = _report(f, variable, at, derivative, scheme, accuracy)
    st = r.stencil
    d, p = st.derivative, st.accuracy
    x = r.variable
    claim, cv = _step_value(answer, x)
    expected = r.optimal_step_exact
    question = (f"optimal step h* of the {st.scheme} difference for "
                f"d^{d}/d{x}^{d} {r.expression} at {x} = {r.at}")
    if expected == sp.oo:
        return Verdict(False, question, sp.oo, claim, (Mistake(
            "step", sp.oo, claim, "no-truncation", "the stencil is exact for this f (no "
            "truncation error): the larger h the better, there is no optimal step"),),
            derivation=r)
    hv = float(r.optimal_step)
    A = abs(st.error_terms[0][1] * _derivative_at(r, st.error_terms[0][0]))
    B = r.roundoff_term * h**d
    if _near(cv, hv, 0.25):  # the total error is flat near h*: within 25% is as good
        return Verdict(True, question, expected, claim,
                       notes=(f"h* = {expected} = {hv:.3g}",), derivation=r)

    def power(q: int, ratio: Any = None) -> Any:
        return ((d * B / (p * A)) if ratio is None else ratio) ** sp.Rational(1, q)

    slips = [Slip("exponent", lambda q=q: power(q) if q != p + d else None,
                  f"the exponent is 1/(p+d) = 1/{p + d}, not 1/{q} (p = {p}, d = {d})")
             for q in sorted({p + 1, p, d + 1, p + d + 1, 2} - {p + d})]
    slips += [
        Slip("balance", lambda: power(p + d, B / A),
             "(B/A)^(1/(p+d)) is where truncation equals round-off; the sum A h^p + B/h^d is "
             f"smallest at (d B/(p A))^(1/(p+d)) (d/p = {sp.Rational(d, p)})"),
        Slip("balance", lambda: power(p + d, p * B / (d * A)) if p != d else None,
             "p/d is inverted: h* = (d B/(p A))^(1/(p+d))"),
        Slip("weights-missing", lambda: power(p + d, d * B / st.abs_weight_sum / (p * A))
             if st.abs_weight_sum != 1 else None,
             f"the round-off factor is eps*sum|w_i|*|f(a)| with sum|w_i| = {st.abs_weight_sum}"),
    ]
    slip = first_slip(slips, lambda c: _near(float(c), cv, 1e-6), errors=(TypeError,
                                                                           ValueError))
    if slip is not None:
        return Verdict(False, question, expected, claim, (Mistake(
            "step", expected, claim, slip.kind, f"h* = {expected} = {hv:.3g}, not {cv:.3g}: "
            f"{slip.why}"),), derivation=r)
    scaling = float(EPS) ** (1 / (p + d))
    if _near(cv, scaling, 1e-6):
        return Verdict(False, question, expected, claim, (Mistake(
            "step", expected, claim, "scaling-only",
            f"eps^(1/{p + d}) = {cv:.3g} is the right scaling, but h* = (d B/(p A))^(1/(p+d)) "
            f"= {hv:.3g} also depends on f(a) and f^({d + p})(a)"),), derivation=r, score=0.5)
    if p + d != 2 and _near(cv, math.sqrt(float(EPS)), 1e-6):
        return Verdict(False, question, expected, claim, (Mistake(
            "step", expected, claim, "sqrt-eps",
            f"sqrt(eps) is the rule of thumb of the forward first difference (p + d = 2); here "
            f"p + d = {p + d}: h* ~ eps^(1/{p + d}), {hv:.3g}"),), derivation=r)
    near = _near(cv, hv, 2.0)
    return Verdict(False, question, expected, claim, (Mistake(
        "step", expected, claim, None,
        f"h* = {expected} = {hv:.3g}, not {cv:.3g}"
        + (" (the right order of magnitude)" if near else "")),),
        derivation=r, score=0.5 if near else 0.0)


def _near(a: float, b: float, rtol: float) -> bool:
    """``a`` within a relative ``rtol`` of ``b`` (for ``rtol >= 1``: within a factor
    ``1 + rtol``)."""
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0 or b <= 0:
        return a == b
    if rtol >= 1:
        return max(a / b, b / a) <= 1 + rtol
    return abs(a - b) <= rtol * abs(b)


# -- stencil weights -----------------------------------------------------------------------------


@notes_how_read
def check_stencil_weights(derivative: OrderLike, scheme: str, accuracy: OrderLike | None,
                          answer: Any, offsets: Sequence[NumberLike] | None = None) -> Verdict:
    """Check the weights ``w_i`` of a stencil ``sum w_i f(x + o_i h)/h^d`` (in the order of
    the offsets; the zero weight of a central first difference may be left out, with a note).

    The truth is :func:`symtaylor.stencil` (Fornberg's weights, exact). Recognised slips: all
    weights scaled by one constant (``1, -8, 0, 8, -1`` not divided by ``12``; the ``1/2`` of
    ``(f(x+h) - f(x-h))/(2h)`` left out), the order reversed, the sign, another accuracy's or
    another scheme's weights. ``score`` is the share of right weights.

    Examples
    --------
    >>> check_stencil_weights(1, "central", 2, "-1/2, 0, 1/2").correct
    True
    >>> check_stencil_weights(1, "central", 4, "1, -8, 0, 8, -1").kinds
    ('scaled',)
    """
    st = stencil(derivative, scheme, accuracy, offsets)
    expected = sp.Matrix(st.weights)
    given = _answer_vector(answer, [h])
    notes: list[str] = []
    question = (f"weights of the {st.scheme} stencil for d^{st.derivative}f (accuracy "
                f"{st.accuracy}, offsets {', '.join(map(str, st.offsets))})")
    nonzero = sp.Matrix([w for w in st.weights if w != 0])
    if given.shape != expected.shape and given.shape == nonzero.shape:
        notes.append("read as the weights of the nodes with a non-zero weight ("
                     + ", ".join(str(o) for o, w in zip(st.offsets, st.weights) if w != 0) + ")")
        expected_cmp = nonzero
    else:
        expected_cmp = expected
    if given.shape != expected_cmp.shape:
        slip = first_slip(_weight_slips(st, expected, given, own=False),
                          lambda c: _same_as(c, given), errors=(InputError, TypeError, ValueError))
        mistake = (slip.mistake("whole answer", expected, given) if slip is not None
                   else Mistake("shape", expected.rows, given.rows, "shape",
                                f"the stencil has {expected.rows} nodes "
                                f"({', '.join(map(str, st.offsets))}), not {given.rows} weights"))
        return Verdict(False, question, expected, given, (mistake,), derivation=st)
    right = sum(1 for e, g in zip(expected_cmp, given) if _same(e, g))
    score = part_score(right, expected_cmp.rows)
    if right == expected_cmp.rows:
        return Verdict(True, question, expected, given, notes=tuple(notes), derivation=st)
    slip = first_slip(_weight_slips(st, expected_cmp, given), lambda c: _same_as(c, given),
                      errors=(InputError, TypeError, ValueError))
    if slip is not None:
        mistakes = [slip.mistake("whole answer", expected, given)]
    else:
        mistakes = [Mistake(f"w[{o}]", e, g, None, f"the weight of f(x + {o} h) is {e}, not {g}",
                            i)
                    for i, (o, e, g) in enumerate(zip(
                        [o for o, w in zip(st.offsets, st.weights)
                         if w != 0 or expected_cmp is expected], expected_cmp, given))
                    if not _same(e, g)]
    return Verdict(False, question, expected, given, tuple(mistakes), tuple(notes),
                   derivation=st, score=score)


def _same_as(c: sp.Matrix, given: sp.Matrix) -> bool:
    """The candidate weights, with or without their zeros, are the given ones."""
    nz = sp.Matrix([w for w in c if w != 0])
    return any(m.shape == given.shape and all(_same(a, b) for a, b in zip(m, given))
               for m in (c, nz))


def _weight_slips(st: Any, expected: sp.Matrix, given: sp.Matrix, own: bool = True
                  ) -> list[Slip]:
    """The classic wrong weights (``own``: also those built from the right weights)."""
    def scaled() -> sp.Matrix | None:
        pairs = [(e, g) for e, g in zip(expected, given) if e != 0]
        if not pairs or pairs[0][1] == 0:
            return None
        c = pairs[0][1] / pairs[0][0]
        return None if c in (1, -1) else expected * c

    def other(**kw: Any) -> sp.Matrix:
        return sp.Matrix(stencil(st.derivative, **kw).weights)

    def factor_text() -> str:
        c = scaled()
        k = c[0] / expected[0] if c is not None and expected[0] != 0 else None
        return (f"every weight is multiplied by {k}: divide by it" if k is not None
                else "every weight is scaled by one constant")

    out = [
        Slip("scaled", scaled, factor_text()),
        Slip("reversed", lambda: sp.Matrix(list(expected)[::-1]),
             "the weights are in reverse order (they go with the offsets from left to right)"),
        Slip("sign", lambda: -expected, "every weight has the wrong sign"),
    ] if own else []
    if st.scheme in SCHEMES:
        step = 2 if st.scheme == "central" else 1
        for acc in (st.accuracy - step, st.accuracy + step):
            if acc >= 1:
                out.append(Slip("accuracy", lambda acc=acc: other(scheme=st.scheme, accuracy=acc),
                                f"those are the weights of accuracy {acc}, not {st.accuracy}"))
        for sch in SCHEMES:
            for acc in dict.fromkeys((None, st.accuracy)):
                if sch != st.scheme:
                    out.append(Slip("other-scheme",
                                    lambda sch=sch, acc=acc: other(scheme=sch, accuracy=acc),
                                    f"those are the {sch} weights, not the {st.scheme} ones"))
    return out
