"""Checking gradients, Hessians and Jacobians entry by entry (sign errors, swapped entries,
factors of 2, an asymmetric Hessian, a transposed Jacobian)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from ..calculus import gradient, hessian, jacobian
from ..coerce import ExprLike, VariablesLike, as_exprs, as_variables
from .answers import _answer_matrix, _answer_vector, _setup
from .equality import _same, _same_matrix
from .reading import notes_how_read
from .records import Mistake, Verdict
from .slips import Slip, derivative_slips, first_slip, matrix_score

__all__ = ["check_gradient", "check_hessian", "check_jacobian"]


@notes_how_read
def check_gradient(f: ExprLike, variables: VariablesLike, answer: Any) -> Verdict:
    """Check a gradient given as a list of expressions (text ``"2*x*y, x^2"`` or a Matrix).

    Recognised slips: a sign error, entries swapped (the partial with respect to another
    variable), a factor 2 (one entry, or the whole gradient off by one constant factor), the
    chain, product and quotient rules misapplied, a second derivative instead of the first,
    an antiderivative instead of the derivative ("integrated instead of differentiating"), a
    wrong number of entries. ``score`` is the share of right entries.

    Examples
    --------
    >>> check_gradient("x^2*y", "x, y", ["2*x*y", "x^2"]).correct
    True
    >>> check_gradient("x^2*y", "x, y", "x^2, 2*x*y").kinds
    ('swapped',)
    >>> check_gradient("x^2 + y^2", "x, y", "x, y").reasons[0]
    'the whole gradient is off by a factor 1/2: it should be (2*x, 2*y)'
    >>> check_gradient("sin(x^2)", "x", "cos(x^2)").reasons
    ('d/dx should be 2*x*cos(x**2), not cos(x**2) (chain rule: the inner derivative is missing)',)
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
        factor = _common_factor(expected, given)
        if factor is not None:
            mistakes.append(Mistake(
                "whole answer", expected, given, "factor-2" if factor in (2, sp.Rational(1, 2))
                else "factor", f"the whole gradient is off by a factor {factor}: it should be "
                f"({', '.join(map(str, expected))})"))
        else:
            mistakes += [_entry_mistake(f"d/d{s}", expected[i], given[i], _partial_slips(
                expr, expected, syms, i), i, _integrated(expr, s, given[i]))
                for i, s in enumerate(syms) if not _same(expected[i], given[i])]
    return Verdict(not mistakes, f"gradient of {expr} in ({', '.join(map(str, syms))})",
                   expected, given, tuple(mistakes), score=matrix_score(expected, given, _same))


def _common_factor(expected: sp.Matrix, given: sp.Matrix) -> sp.Expr | None:
    """The constant ``c != 1`` with ``given = c * expected`` (two non-zero entries at least),
    or None."""
    nz = [(e, g) for e, g in zip(expected, given) if e != 0]
    if len(nz) < 2 or any(g == 0 for _, g in nz):
        return None
    c = sp.simplify(nz[0][1] / nz[0][0])
    if c.free_symbols or c == 1 or c == -1 or not c.is_number:
        return None
    if all(_same(g, c * e) for e, g in zip(expected, given)):
        return c
    return None


def _integrated(expr: sp.Expr, s: sp.Symbol, g: sp.Expr) -> Slip | None:
    """"Integrated instead of differentiating": ``d g/ds = f``."""
    if not g.has(s) or sp.diff(expr, s) == 0:
        return None
    if _same(sp.diff(g, s), expr):
        return Slip("integrated", lambda: g, f"that is an antiderivative of f in {s}: "
                    "integrated instead of differentiating")
    return None


def _entry_mistake(where: str, e: sp.Expr, g: sp.Expr, slips: list[Slip], key: Any,
                   found: Slip | None = None) -> Mistake:
    """The mistake of a wrong entry ``g`` (``e`` is right), with the first slip that explains
    it (``found``: one already recognised)."""
    line = f"{where} should be {e}, not {g}"
    slip = found or first_slip(slips, lambda c: _same(g, c),
                               errors=(TypeError, ValueError, ZeroDivisionError))
    if slip is None:
        return Mistake(where, e, g, None, line, key)
    return Mistake(where, e, g, slip.kind, f"{line} ({slip.why})", key)


def _partial_slips(expr: sp.Expr, expected: sp.Matrix, syms: Sequence[sp.Symbol], i: int
                   ) -> list[Slip]:
    """Slips in the ``i``-th partial derivative: its sign, a factor 2, the partial with respect
    to another variable, a misapplied chain/product/quotient rule, the second derivative."""
    e, s = expected[i], syms[i]
    slips = _entry_slips(e)
    slips += [Slip("swapped", lambda j=j: expected[j], f"that is d/d{t}: entries swapped")
              for j, t in enumerate(syms) if j != i]
    slips += derivative_slips(expr, s)
    slips.append(Slip("second-derivative", lambda: sp.diff(expr, s, 2),
                      f"that is the second derivative d^2f/d{s}^2: differentiated twice"))
    return slips


def _entry_slips(e: sp.Expr) -> list[Slip]:
    """Slips in one entry of a Hessian or Jacobian: its sign, a factor 2 either way."""
    if e == 0:
        return []
    return [Slip("sign", lambda: -e, "sign error"),
            Slip("factor-2", lambda: 2 * e, "off by a factor 2"),
            Slip("factor-2", lambda: e / 2, "off by a factor 2")]


def _matrix_mistakes(kind: str, expected: sp.Matrix, given: sp.Matrix, rows: Sequence[str],
                     cols: Sequence[str],
                     more: Any = None) -> list[Mistake]:
    """The wrong entries, each with the first slip that explains it (``more(i, j)``: the
    entry's own slips after the sign and factor-2 ones)."""
    return [_entry_mistake(f"{kind}[{rows[i]}, {cols[j]}]", expected[i, j], given[i, j],
                           _entry_slips(expected[i, j]) + (more(i, j) if more else []), (i, j))
            for i in range(expected.rows) for j in range(expected.cols)
            if not _same(expected[i, j], given[i, j])]


def _hessian_entry_slips(expr: sp.Expr, syms: Sequence[sp.Symbol], i: int, j: int
                         ) -> list[Slip]:
    """Slips in ``H[i, j]``: the first derivative left as it is, the product of the two first
    partials, and the chain/product/quotient rules misapplied in the second differentiation."""
    fi, fj = sp.diff(expr, syms[i]), sp.diff(expr, syms[j])
    slips = [Slip("first-derivative", lambda: fi, f"that is the first derivative df/d{syms[i]}: "
                  "differentiate it once more"),
             Slip("product-of-partials", lambda: fi * fj,
                  f"that is (df/d{syms[i]})*(df/d{syms[j]}): the second derivative is "
                  f"d/d{syms[j]}(df/d{syms[i]}), not a product of first derivatives")]
    return slips + derivative_slips(fi, syms[j])


@notes_how_read
def check_hessian(f: ExprLike, variables: VariablesLike, answer: Any) -> Verdict:
    """Check a Hessian given as rows (a nested list, text ``"2*y, 2*x; 2*x, 0"`` or a Matrix).

    Recognised slips: sign errors, entries off by a factor 2, an answer that is not symmetric,
    a first derivative left undifferentiated, a product of first partials for a mixed one, the
    chain/product/quotient rules misapplied. ``score`` is the share of right entries.

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
        mistakes += _matrix_mistakes(
            "H", expected, given, names, names,
            lambda i, j: _hessian_entry_slips(expr, syms, i, j))
    return Verdict(not mistakes, f"Hessian of {expr} in ({', '.join(names)})", expected, given,
                   tuple(mistakes), score=matrix_score(expected, given, _same))


@notes_how_read
def check_jacobian(residuals: Any, variables: VariablesLike, answer: Any) -> Verdict:
    """Check the Jacobian of residuals ``r_1..r_m`` (rows: residuals, columns: variables).

    Recognised slips: the transposed matrix (``J^T``: rows for variables), sign errors, a
    factor 2, the chain/product/quotient rules misapplied. ``score`` is the share of right
    entries (``0`` for a transposed or misshapen answer).

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
        mistakes += _matrix_mistakes("J", expected, given, rnames, names,
                                     lambda i, j: derivative_slips(res[i], syms[j]))
    return Verdict(not mistakes, f"Jacobian of ({', '.join(map(str, res))}) in "
                   f"({', '.join(names)})", expected, given, tuple(mistakes),
                   score=0.0 if transposed else matrix_score(expected, given, _same))
