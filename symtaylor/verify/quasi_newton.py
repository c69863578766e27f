"""Checking quasi-Newton updates (BFGS and DFP on ``B`` or on its inverse ``H``, SR1) entry by
entry, with the classic slips named: the signs of the rank-one terms, ``s`` and ``y`` swapped,
the symmetrization missing (``B s s^T`` for ``B s s^T B``), a term left out, the update of the
inverse applied to ``B`` (or another method's formula), swapped denominators, and the secant
condition the answer breaks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from ..coerce import MatrixLike, VectorLike, _show
from ..errors import InputError
from ..steps import (
    _qn_inputs,
    bfgs_inverse_update,
    bfgs_update,
    dfp_inverse_update,
    dfp_update,
    sr1_update,
)
from .answers import _answer_matrix, _decimals_note
from .equality import _same, _same_matrix
from .reading import notes_how_read
from .records import Mistake, Verdict
from .slips import Slip, first_slip, matrix_score

__all__ = ["QUASI_NEWTON_KINDS", "check_quasi_newton_update"]

M = sp.Matrix


def _difference(m: M, u: M, v: M) -> M:
    """``m - m u u^T m/(u^T m u) + v v^T/(v^T u)``: BFGS on B (u = s, v = y), DFP on H
    (u = y, v = s)."""
    mu = m * u
    return m - mu * mu.T / (u.T * m * u)[0] + v * v.T / (v.T * u)[0]


def _product(m: M, u: M, v: M) -> M:
    """``(I - rho u v^T) m (I - rho v u^T) + rho u u^T``, ``rho = 1/(v^T u)``: BFGS on H
    (u = s, v = y), DFP on B (u = y, v = s)."""
    rho = 1 / (v.T * u)[0]
    i = sp.eye(u.rows)
    return (i - rho * u * v.T) * m * (i - rho * v * u.T) + rho * u * u.T


def _sr1(m: M, u: M, v: M) -> M:
    """``m + w w^T/(w^T u)``, ``w = v - m u``: SR1 on B (u = s, v = y) or on H (u = y, v = s)."""
    w = v - m * u
    return m + w * w.T / (w.T * u)[0]


#: kind -> (the engine's update, the form, whether (u, v) = (y, s), the matrix's name).
QUASI_NEWTON_KINDS: dict[str, tuple[Callable[..., Any], str, bool, str]] = {
    "bfgs": (bfgs_update, "difference", False, "B"),
    "bfgs-inverse": (bfgs_inverse_update, "product", False, "H"),
    "dfp": (dfp_update, "product", True, "B"),
    "dfp-inverse": (dfp_inverse_update, "difference", True, "H"),
    "sr1": (sr1_update, "sr1", False, "B"),
}

_ALIASES = {"bfgs_inverse": "bfgs-inverse", "inverse-bfgs": "bfgs-inverse",
            "bfgs-inv": "bfgs-inverse", "dfp_inverse": "dfp-inverse",
            "inverse-dfp": "dfp-inverse", "dfp-inv": "dfp-inverse", "sr-1": "sr1"}

_FORMS: dict[str, Callable[[M, M, M], M]] = {"difference": _difference, "product": _product,
                                              "sr1": _sr1}


def _kind(kind: Any) -> str:
    if not isinstance(kind, str):
        raise InputError(f"kind must be one of {', '.join(QUASI_NEWTON_KINDS)}, got "
                         f"{_show(kind)}")
    k = kind.strip().lower().replace(" ", "-")
    k = _ALIASES.get(k, k)
    if k not in QUASI_NEWTON_KINDS:
        raise InputError(f"unknown quasi-Newton kind {_show(kind)}; valid: "
                         f"{', '.join(QUASI_NEWTON_KINDS)}")
    return k


def _slips(kind: str, m: M, s: M, y: M) -> list[Slip]:
    """The classic wrong updates of ``kind`` (most telling first)."""
    _, form, dual, name = QUASI_NEWTON_KINDS[kind]
    u, v = (y, s) if dual else (s, y)
    un, vn = ("y", "s") if dual else ("s", "y")
    right = _FORMS[form]
    out: list[Slip] = []
    if form == "difference":
        mu = m * u
        den, vu = (u.T * m * u)[0], (v.T * u)[0]
        a, b = mu * mu.T / den, v * v.T / vu
        t1 = f"{name} {un} {un}^T {name}/({un}^T {name} {un})"
        t2 = f"{vn} {vn}^T/({vn}^T {un})"
        out += [
            Slip("sign", lambda: m + a - b, f"both rank-one terms have the wrong sign: "
                                            f"-{t1} + {t2}"),
            Slip("sign", lambda: m + a + b, f"the term {t1} must be subtracted"),
            Slip("sign", lambda: m - a - b, f"the term {t2} must be added"),
            Slip("asymmetric", lambda: m - mu * u.T / den + b,
                 f"{name} {un} {un}^T instead of {name} {un} {un}^T {name}: the correction is "
                 "not symmetric"),
            Slip("asymmetric", lambda: m - u * mu.T / den + b,
                 f"{un} {un}^T {name} instead of {name} {un} {un}^T {name}: the correction is "
                 "not symmetric"),
            Slip("missing-term", lambda: m + b, f"the term -{t1} is missing"),
            Slip("missing-term", lambda: m - a, f"the term +{t2} is missing"),
            Slip("no-matrix", lambda: m - u * u.T / (u.T * u)[0] + b,
                 f"{un} {un}^T/({un}^T {un}): the {name} in {t1} is missing"),
            Slip("denominators", lambda: m - mu * mu.T / vu + v * v.T / den,
                 "the two denominators are swapped"),
        ]
    elif form == "product":
        rho = 1 / (v.T * u)[0]
        i = sp.eye(u.rows)
        left, rt = i - rho * u * v.T, i - rho * v * u.T
        out += [
            Slip("sign", lambda: left * m * rt - rho * u * u.T,
                 f"the term rho {un} {un}^T must be added"),
            Slip("sign", lambda: (i + rho * u * v.T) * m * (i + rho * v * u.T) + rho * u * u.T,
                 f"the factors are I - rho {un} {vn}^T and I - rho {vn} {un}^T (minus signs)"),
            Slip("asymmetric", lambda: left * m * left + rho * u * u.T,
                 f"the right factor must be the transpose of the left: I - rho {vn} {un}^T"),
            Slip("asymmetric", lambda: rt * m * left + rho * u * u.T,
                 f"the factors are in the wrong order: (I - rho {un} {vn}^T) {name} "
                 f"(I - rho {vn} {un}^T)"),
            Slip("missing-term", lambda: left * m * rt, f"the term + rho {un} {un}^T is missing"),
            Slip("missing-term", lambda: left * m + rho * u * u.T,
                 f"the right factor (I - rho {vn} {un}^T) is missing"),
        ]
    else:
        w = v - m * u
        out += [
            Slip("sign", lambda: m - w * w.T / (w.T * u)[0],
                 f"the rank-one term must be added (and its denominator is "
                 f"({vn} - {name} {un})^T {un})"),
            Slip("sign", lambda: m + (v + m * u) * (v + m * u).T / ((v + m * u).T * u)[0],
                 f"{vn} + {name} {un} instead of {vn} - {name} {un}"),
            Slip("denominators", lambda: m + w * w.T / (w.T * v)[0],
                 f"the denominator is ({vn} - {name} {un})^T {un}, not ({vn} - {name} {un})^T "
                 f"{vn}"),
            Slip("missing-term", lambda: m + w * w.T,
                 f"the denominator ({vn} - {name} {un})^T {un} is missing"),
        ]
    out.append(Slip("swapped", lambda: right(m, v, u), "s and y are swapped"))
    for other, (_, oform, odual, oname) in QUASI_NEWTON_KINDS.items():
        if other == kind:
            continue
        ou, ov = (y, s) if odual else (s, y)
        what = ("the update of the inverse H" if oname == "H" and name == "B" else
                "the update of B" if oname == "B" and name == "H" else f"the {other} update")
        out.append(Slip("other-formula", lambda f=_FORMS[oform], ou=ou, ov=ov: f(m, ou, ov),
                        f"that is the {other} formula ({what}) applied to {name}, not {kind}"))
    out.append(Slip("unchanged", lambda: m, f"that is {name} itself: the update is missing"))
    return out


@notes_how_read
def check_quasi_newton_update(kind: str, B: MatrixLike, s: VectorLike, y: VectorLike,
                              answer: Any) -> Verdict:
    """Check a quasi-Newton update of ``B`` (the Hessian approximation) or of its inverse,
    for the step ``s = x+ - x`` and the gradient change ``y = g+ - g``.

    ``kind`` is one of ``bfgs``, ``bfgs-inverse``, ``dfp``, ``dfp-inverse``, ``sr1`` (for the
    inverse kinds, ``B`` is the current inverse approximation ``H``). The truth is
    :func:`symtaylor.bfgs_update` and its siblings. Recognised slips: the signs of the rank-one
    terms, ``s`` and ``y`` swapped, a missing symmetrization (``B s s^T`` for
    ``B s s^T B``, or a product form whose right factor is not the transpose of the left), a
    term left out, ``s s^T/(s^T s)`` for ``B s s^T B/(s^T B s)``, swapped denominators, another
    kind's formula (the inverse update applied to ``B``, DFP for BFGS...), ``B`` unchanged;
    otherwise the answer is tested for symmetry and the secant condition. ``score`` is the
    share of right entries.

    Examples
    --------
    >>> check_quasi_newton_update("bfgs", [[1, 0], [0, 1]], [1, 0], [2, 1],
    ...                           "2, 1; 1, 3/2").correct
    True
    >>> check_quasi_newton_update("bfgs", [[1, 0], [0, 1]], [1, 0], [2, 1],
    ...                           "7/10, -2/5; -2/5, 4/5").kinds
    ('swapped',)
    """
    k = _kind(kind)
    engine, _, _, name = QUASI_NEWTON_KINDS[k]
    bm, sv, yv = _qn_inputs(B, s, y, "B")
    update = engine(bm, sv, yv)
    expected = update.matrix.applyfunc(sp.cancel)
    syms = tuple(sorted(bm.free_symbols | sv.free_symbols | yv.free_symbols,
                        key=lambda t: t.name))
    given = _answer_matrix(answer, syms or None)
    question = f"{update.name} update of {name}"
    mistakes: list[Mistake] = []
    if given.shape != expected.shape:
        mistakes.append(Mistake("shape", expected.shape, given.shape, "shape",
                                f"the update is {expected.rows} x {expected.cols}, not "
                                f"{given.rows} x {given.cols}"))
    elif not _same_matrix(expected, given):
        slip = first_slip(_slips(k, bm, sv, yv), lambda c: _same_matrix(c, given),
                          errors=(ZeroDivisionError, TypeError, ValueError, IndexError))
        if slip is not None:
            mistakes.append(slip.mistake("whole answer", expected, given))
        else:
            mistakes += _structure(k, name, given, sv, yv)
            mistakes += [Mistake(f"{name}+[{i + 1}, {j + 1}]", expected[i, j], given[i, j], None,
                                 f"{name}+[{i + 1}, {j + 1}] should be {expected[i, j]}, not "
                                 f"{given[i, j]}", (i, j))
                         for i in range(expected.rows) for j in range(expected.cols)
                         if not _same(expected[i, j], given[i, j])]
    notes = (_decimals_note(answer, zip(expected, given))
             if mistakes and given.shape == expected.shape else ())
    ys = (yv.T * sv)[0]
    if k != "sr1" and ys.is_number and ys < 0:
        notes += (f"y^T s = {ys} < 0 breaks the curvature condition: the update is not "
                  "positive definite (a line search satisfying the Wolfe conditions prevents "
                  "it; skip or damp the update)",)
    return Verdict(not mistakes, question, expected, given, tuple(mistakes), notes,
                   derivation=update, score=matrix_score(expected, given, _same))


def _structure(kind: str, name: str, given: M, s: M, y: M) -> list[Mistake]:
    """What a wrong update breaks: symmetry, the secant condition."""
    out = []
    if not _same_matrix(given, given.T):
        out.append(Mistake("whole answer", None, given, "asymmetric",
                           f"the answer is not symmetric, but every {kind} update of a "
                           f"symmetric {name} is"))
    inverse = name == "H"
    lhs = given * (y if inverse else s)
    rhs = s if inverse else y
    if not _same_matrix(lhs, rhs):
        cond = "H+ y = s" if inverse else "B+ s = y"
        out.append(Mistake("whole answer", rhs, lhs, "secant",
                           f"the answer breaks the secant condition {cond}: it gives "
                           f"({', '.join(map(str, lhs))}), not ({', '.join(map(str, rhs))})"))
    return out
