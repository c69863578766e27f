r"""Kinds ``secant``, ``bfgs``, ``dfp``, ``sr1``: the secant condition and the quasi-Newton
updates that satisfy it, in the Hessian form ``B`` or the inverse form ``H``.

Each update comes from the engine's own function (:func:`~symtaylor.steps.bfgs_update`,
:func:`~symtaylor.steps.bfgs_inverse_update`, :func:`~symtaylor.steps.dfp_update`,
:func:`~symtaylor.steps.dfp_inverse_update`, :func:`~symtaylor.steps.sr1_update`; SR1 on ``H``
is SR1 with ``s`` and ``y`` swapped) applied to generic ``2 x 2`` data with symbol entries
(a symmetric ``B`` or ``H``, vectors ``s`` and ``y``). Proved exactly on that data, entry by
entry: the secant condition ``B_+ s = y`` (or ``H_+ y = s``), the symmetry of the update, the
low-rank form ``B + U C U^T`` that Sherman-Morrison-Woodbury inverts, and that the two forms
are inverse to each other, ``B_+ H_+ = I`` when ``H = B^{-1}``. The Woodbury formula itself is
checked on exact rational samples (the route says so). With concrete ``b``, ``s``, ``y`` the
update of that data is added, with its secant condition proved.

Examples
--------
>>> from symtaylor.derivations import derive
>>> d = derive("bfgs", form="B")
>>> [r.route.split(",")[0] for r in d.all_rows() if r.check == "exact"][:1]
["exact arithmetic in the field QQ(entries' symbols)"]
>>> derive("sr1", form="H", b=[[1, 0], [0, 1]], s=[1, 0], y=[2, 1]).result
Matrix([
[ 2/3, -1/3],
[-1/3,  2/3]])
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sympy as sp

from ..coerce import MatrixLike, VectorLike, _show, exact_decimals
from ..errors import InputError
from ..steps import (
    QuasiNewtonUpdate,
    _qn_inputs,
    bfgs_inverse_update,
    bfgs_update,
    dfp_inverse_update,
    dfp_update,
    generic_secant_data,
    sr1_update,
)
from ._proofs import _all_zero, generic_symmetric, generic_vector, matrix_equal
from .checks import UncheckedStepError, approx, define
from .record import Derivation, Row, Section
from .registry import register

__all__ = ["bfgs_derivation", "dfp_derivation", "record_derivation", "secant_derivation",
           "sr1_derivation"]

GENERIC = "2 x 2 symmetric matrix and 2-vectors s, y with symbol entries"


def _sr1_inverse(h: MatrixLike, s: VectorLike, y: VectorLike) -> QuasiNewtonUpdate:
    """SR1 on the inverse: SR1 is self-dual, ``H+ = H + (s - H y)(s - H y)^T/((s - H y)^T y)``
    is :func:`~symtaylor.steps.sr1_update` with ``s`` and ``y`` swapped."""
    u = sr1_update(h, y, s)
    return QuasiNewtonUpdate("SR1 (inverse)", u.matrix, u.previous, u.y, u.s, True,
                             r"H_{+} = H + \frac{(s - H y)(s - H y)^{T}}{(s - H y)^{T} y}")


#: name -> (B-form update, H-form update, display name, rank of the correction)
_UPDATES: dict[str, tuple[Callable[..., QuasiNewtonUpdate], Callable[..., QuasiNewtonUpdate],
                          str, int]] = {
    "bfgs": (bfgs_update, bfgs_inverse_update, "BFGS", 2),
    "dfp": (dfp_update, dfp_inverse_update, "DFP", 2),
    "sr1": (sr1_update, _sr1_inverse, "SR1", 1),
}

DEFINITIONS = (
    ("s", r"the step $x_{+} - x$"),
    ("y", r"the change of the gradient $\nabla f(x_{+}) - \nabla f(x)$"),
    ("B", r"the current approximation of the Hessian (symmetric), $H = B^{-1}$"),
    (r"B_{+}, H_{+}", "the updated approximations"),
    (r"\rho", r"$1/(y^{T} s)$"),
)


_N = sp.Symbol("n", integer=True, positive=True)
#: the matrices and vectors of the rows, as matrix symbols: the sides print as ``B_{+} s``,
#: ``B_{+}^{T}``, ``B + U C U^{T}`` (products in their order) and read back as such
_MATRICES: dict[str, sp.MatrixSymbol] = {
    **{nm: sp.MatrixSymbol(nm, _N, _N) for nm in ("A", "B", "H", "B_{+}", "H_{+}")},
    **{nm: sp.MatrixSymbol(nm, _N, 1) for nm in ("s", "y")},
    "U": sp.MatrixSymbol("U", _N, 2), "C": sp.MatrixSymbol("C", 2, 2),
}


def _identity(lhs: sp.MatrixExpr, rhs: sp.MatrixExpr, why: str,
              bindings: dict[Any, sp.Matrix], size: str) -> Row:
    """An ``=`` row between matrix expressions in named matrix symbols, proved by binding each
    name to an explicit matrix (``B_{+} :=`` the engine's update of a generic ``B``, ``s``,
    ``y`` generic vectors, ...) and comparing the two explicit sides entry by entry. The
    bindings are the row's ``where``: a test can bind and compare again on its own."""
    value, target = (sp.Matrix(e.xreplace(bindings).doit()) for e in (lhs, rhs))
    route = _all_zero(value - target) if value.shape == target.shape else None
    if route is None:
        raise UncheckedStepError(f"could not prove the matrix identity ({why})")
    return Row(lhs, "=", rhs, why, "exact",
               f"{route}, entry by entry, with the names bound to generic {size}",
               tuple(bindings.items()))


def _formula(u: QuasiNewtonUpdate) -> str:
    """The update's right-hand side in LaTeX (the record's formula after ``= ``)."""
    return u.formula.split("=", 1)[1].strip()


def _secant_rows() -> tuple[Row, ...]:
    """The secant condition: exact for quadratics, the H form equivalent."""
    A = generic_symmetric("a", 2)
    c = generic_vector("c", 2)
    x, xp = generic_vector("x", 2), generic_vector("u", 2)

    def grad(v: sp.Matrix) -> sp.Matrix:
        return A * v + c

    B = generic_symmetric("b", 2)
    s = generic_vector("s", 2)
    m = _MATRICES
    # under (S): B+ a generic symmetric matrix, s a generic step, y = B+ s
    under_s = {m["B_{+}"]: B, m["H_{+}"]: B.inv(), m["s"]: s, m["y"]: B * s}
    return (
        define(sp.Symbol("s"), r"x_{+} - x", "the step"),
        define(sp.Symbol("y"), r"\nabla f(x_{+}) - \nabla f(x)", "the change of the gradient"),
        _identity(m["y"], m["A"] * m["s"], "f = x^T A x/2 + c^T x: exactly",
                  {m["y"]: grad(xp) - grad(x), m["A"]: A, m["s"]: xp - x},
                  "2 x 2 symmetric A, 2-vectors x, x+, c with symbols"),
        approx("y", r"\nabla^{2} f(x_{+})\, s", "in general: the curvature along the step"),
        define(r"\text{(S)}", r"B_{+} s = y", "the secant condition asked of B+"),
        _identity(m["H_{+}"] * m["y"], m["s"], "(S) with H+ = B+⁻¹: multiply by H+", under_s,
                  GENERIC),
        _identity(m["s"].T * m["B_{+}"] * m["s"], m["s"].T * m["y"],
                  "so B+ positive definite needs the curvature condition y^T s > 0", under_s,
                  GENERIC),
    )


@register("secant")
def secant_derivation() -> Derivation:
    """The secant condition ``B_+ s = y`` (``derive("secant")``): exact for quadratics, its
    inverse form ``H_+ y = s`` and the curvature condition.

    Returns
    -------
    Derivation
        ``result`` is the condition ``Eq(B_+ s, y)`` in matrix symbols.
    """
    n = sp.Symbol("n", integer=True, positive=True)
    Bp, s, y = sp.MatrixSymbol("B_{+}", n, n), sp.MatrixSymbol("s", n, 1), \
        sp.MatrixSymbol("y", n, 1)
    return Derivation(
        "secant", "The secant condition",
        "A quasi-Newton method replaces the Hessian by a matrix $B_{+}$ built from the last step "
        "$s$ and gradient change $y$. Which condition should $B_{+}$ satisfy?",
        _secant_rows(), sp.Eq(Bp * s, y, evaluate=False), DEFINITIONS, (),
        "The secant condition $B_{+} s = y$ (equivalently $H_{+} y = s$) makes the model's "
        "gradient agree with $\\nabla f$ at both ends of the step.")


@lru_cache(maxsize=4)
def _generic_pair(kind: str) -> tuple[QuasiNewtonUpdate, QuasiNewtonUpdate]:
    """Both forms of the update on generic 2 x 2 data (``H = B^{-1}``), from the engine."""
    fb, fh, _, _ = _UPDATES[kind]
    b, s, y = generic_secant_data(2)
    return fb(b, s, y), fh(b.inv(), s, y)


def _update_rows(kind: str, form: str) -> tuple[tuple[Row, ...], tuple[Section, ...], Any]:
    fb, fh, title, rank = _UPDATES[kind]
    b, s, y = generic_secant_data(2)
    H = b.inv()
    ub, uh = _generic_pair(kind)
    main, other = (ub, uh) if form == "B" else (uh, ub)
    M, Ms = ("B", r"B_{+}") if form == "B" else ("H", r"H_{+}")
    m = _MATRICES
    cond = (m["B_{+}"] * m["s"], m["y"]) if form == "B" else (m["H_{+}"] * m["y"], m["s"])
    # every name bound to an explicit matrix: B and H = B^-1 generic, B+ and H+ the engine's
    # two updates of them (symtaylor.steps), s and y generic
    bound: dict[Any, sp.Matrix] = {m["B"]: b, m["H"]: H, m["B_{+}"]: ub.matrix,
                                   m["H_{+}"]: uh.matrix, m["s"]: s, m["y"]: y,
                                   sp.Identity(_N): sp.eye(2)}
    rows = [
        define(sp.Symbol(Ms), _formula(main), f"the {title} update of {M}"),
        _identity(cond[0], cond[1], "the secant condition holds", bound,
                  f"{GENERIC}, updates from symtaylor.steps"),
        _identity(m[Ms].T, m[Ms], "the update is symmetric", bound, GENERIC),
    ]
    # the low-rank form and the inverse
    Bm = b if form == "B" else H
    inv_rows: list[Row] = []
    if rank == 1:
        v = (y - Bm * s) if form == "B" else (s - Bm * y)
        w = s if form == "B" else y
        den = (v.T * w)[0]
        inv_rows.append(matrix_equal(
            m[Ms], M + r" + \frac{v v^{T}}{v^{T} " + ("s" if form == "B" else "y") + "}",
            "a rank-one correction, v = " + ("y − Bs" if form == "B" else "s − Hy"),
            main.matrix - (Bm + v * v.T / den), sp.zeros(2, 2), GENERIC))
    else:
        U, Cm = _low_rank(kind, form, Bm, s, y)
        u_tex, c_tex = _low_rank_latex(kind, form)
        inv_rows.append(define(sp.Symbol("U"), u_tex, "the two directions of the correction"))
        inv_rows.append(define(sp.Symbol("C"), c_tex, "their weights"))
        inv_rows.append(_identity(m[Ms], m[M] + m["U"] * m["C"] * m["U"].T,
                                  "a rank-two correction", {**bound, m["U"]: U, m["C"]: Cm},
                                  GENERIC))
        _woodbury_check(kind, form, fb, fh)
    other_s = r"H_{+}" if form == "B" else r"B_{+}"
    inv_rows.append(define(sp.Symbol(other_s), _formula(other),
                           "the inverse form (Sherman–Morrison–Woodbury)"))
    inv_rows.append(_identity(m["B_{+}"] * m["H_{+}"], sp.Identity(_N),
                              "the two forms are inverse (H = B⁻¹)", bound, GENERIC))
    prose = ("Sherman–Morrison–Woodbury, $(M + U C U^{T})^{-1} = M^{-1} - M^{-1} U (C^{-1} + "
             "U^{T} M^{-1} U)^{-1} U^{T} M^{-1}$, turns the low-rank correction into the other "
             "form (this formula was checked in exact rational arithmetic on samples with "
             "$n = 2, 3, 4$); the last row proves the two forms inverse.")
    return tuple(rows), (Section("The inverse form", tuple(inv_rows), prose),), main


def _low_rank(kind: str, form: str, Bm: sp.Matrix, s: sp.Matrix, y: sp.Matrix
              ) -> tuple[sp.Matrix, sp.Matrix]:
    """``U`` and ``C`` of the rank-two correction ``M+ = M + U C U^T``."""
    if (kind == "bfgs" and form == "B") or (kind == "dfp" and form == "H"):
        u, v = (s, y) if form == "B" else (y, s)
        Mu = Bm * u
        return Mu.row_join(v), sp.diag(-1 / (u.T * Mu)[0], 1 / (v.T * u)[0])
    # (I - rho u v^T) M (I - rho v u^T) + rho u u^T, u, v = (s, y) for H-BFGS, (y, s) for B-DFP
    u, v = (s, y) if kind == "bfgs" else (y, s)
    rho = 1 / (v.T * u)[0]
    Mv = Bm * v
    vMv = (v.T * Mv)[0]
    # = M - rho (u v^T M + M v u^T) + (rho^2 v^T M v + rho) u u^T
    U = u.row_join(Mv)
    C = sp.Matrix([[rho**2 * vMv + rho, -rho], [-rho, 0]])
    return U, C


def _low_rank_latex(kind: str, form: str) -> tuple[str, str]:
    """LaTeX of ``U`` and ``C`` (see :func:`_low_rank`)."""
    M = "B" if form == "B" else "H"
    if (kind == "bfgs" and form == "B") or (kind == "dfp" and form == "H"):
        u, v = ("s", "y") if form == "B" else ("y", "s")
        return (rf"\begin{{bmatrix}} {M} {u} & {v} \end{{bmatrix}}",
                rf"\operatorname{{diag}}\left(-\frac{{1}}{{{u}^{{T}} {M} {u}}}, "
                rf"\frac{{1}}{{{v}^{{T}} {u}}}\right)")
    u, v = ("s", "y") if kind == "bfgs" else ("y", "s")
    return (rf"\begin{{bmatrix}} {u} & {M} {v} \end{{bmatrix}}",
            rf"\begin{{bmatrix}} \rho^{{2}} {v}^{{T}} {M} {v} + \rho & -\rho \\ -\rho & 0 "
            rf"\end{{bmatrix}},\ \rho = \frac{{1}}{{{v}^{{T}} {u}}}")


def _woodbury_check(kind: str, form: str, fb: Callable[..., QuasiNewtonUpdate],
                    fh: Callable[..., QuasiNewtonUpdate]) -> None:
    """``(M + U C U^T)^{-1} = M^{-1} - M^{-1} U (C^{-1} + U^T M^{-1} U)^{-1} U^T M^{-1}``
    equals the other form: checked exactly on rational samples (the prose says so; the
    symbolic proof of the inverse is the row ``B_+ H_+ = I``)."""
    samples = (
        (sp.Matrix([[2, 1], [1, 3]]), sp.Matrix([1, 2]), sp.Matrix([3, 1])),
        (sp.Matrix([[5, -1, 0], [-1, 2, 1], [0, 1, 4]]), sp.Matrix([1, -1, 2]),
         sp.Matrix([2, 1, 5])),
        (sp.Matrix([[3, 1, 0, 1], [1, 4, 1, 0], [0, 1, 2, 0], [1, 0, 0, 5]]),
         sp.Matrix([sp.Rational(1, 2), 1, -1, 2]), sp.Matrix([1, 3, -2, 7])),
    )
    for B, s, y in samples:
        H = B.inv()
        Bm, Hm = (B, H) if form == "B" else (H, B)
        main = (fb(B, s, y) if form == "B" else fh(H, s, y)).matrix
        other = (fh(H, s, y) if form == "B" else fb(B, s, y)).matrix
        U, C = _low_rank(kind, form, Bm, s, y)
        smw = Hm - Hm * U * (C.inv() + U.T * Hm * U).inv() * U.T * Hm
        if not ((smw - other).is_zero_matrix and (main - (Bm + U * C * U.T)).is_zero_matrix):
            raise AssertionError("Woodbury check failed")  # pragma: no cover - a bug


def _concrete(kind: str, form: str, b: Any, s: Any, y: Any) -> tuple[Section, sp.Matrix]:
    fb, fh, title, _ = _UPDATES[kind]
    # floats read as the decimals they denote (0.1 is 1/10): the update is proved exactly
    bm, sv, yv = (v.applyfunc(exact_decimals) for v in _qn_inputs(b, s, y, "b"))
    if not (bm - bm.T).is_zero_matrix:
        raise InputError(f"b must be symmetric (B and H approximate a Hessian and its "
                         f"inverse); b - b^T = {_show((bm - bm.T).tolist())}")
    u = (fb if form == "B" else fh)(bm, sv, yv)
    k = sv.rows
    Ms = r"B_{+}" if form == "B" else r"H_{+}"
    named = {nm: sp.MatrixSymbol(nm, k, 1) for nm in ("s", "y")}
    named[Ms] = sp.MatrixSymbol(Ms, k, k)
    cond = (named[Ms] * named["s"], named["y"]) if form == "B" else \
        (named[Ms] * named["y"], named["s"])
    prev = sp.Symbol("B" if form == "B" else "H")
    rows = (
        define(prev, bm, "given"), define(sp.Symbol("s"), sv, "given"),
        define(sp.Symbol("y"), yv, "given"),
        define(sp.Symbol(Ms), u.matrix, f"{title} (symtaylor.steps)"),
        _identity(cond[0], cond[1], "the secant condition holds",
                  {named[Ms]: u.matrix, named["s"]: sv, named["y"]: yv}, "the given data"),
    )
    return Section("For the given data", rows), u.matrix


def _builder(kind: str) -> Callable[..., Derivation]:
    title = _UPDATES[kind][2]

    def build(form: str = "B", *, b: MatrixLike | None = None, s: VectorLike | None = None,
              y: VectorLike | None = None) -> Derivation:
        if not isinstance(form, str) or form.strip().upper() not in ("B", "H"):
            raise InputError(f"form must be 'B' (Hessian) or 'H' (inverse), got {_show(form)}")
        form = form.strip().upper()
        if (b is None) != (s is None) or (s is None) != (y is None):
            raise InputError("give all of b, s and y (the matrix, the step, the gradient "
                             "change), or none")
        rows, sections, main = _generic(kind, form)
        result: Any = main.matrix
        if b is not None:
            sec, result = _concrete(kind, form, b, s, y)
            sections = sections + (sec,)
        M = "B" if form == "B" else "H"
        problem = (f"Update the {'Hessian' if form == 'B' else 'inverse Hessian'} "
                   f"approximation ${M}$ by {title} from the step $s$ and the gradient change "
                   f"$y$, and check the secant condition, symmetry and the inverse form.")
        return Derivation(kind, f"The {title} update ({M} form)", problem, rows, result,
                          DEFINITIONS, sections,
                          f"The {title} update satisfies the secant condition and stays "
                          "symmetric; its two forms are inverse to each other.")

    build.__name__ = f"{kind}_derivation"
    build.__doc__ = (
        f"""The {title} update derived and checked (``derive("{kind}", form="B"|"H")``).

        Parameters
        ----------
        form : {{"B", "H"}}
            Update the Hessian approximation ``B`` or its inverse ``H``.
        b, s, y : optional
            Concrete data (the matrix of that form, symmetric; the step; the gradient
            change). Floats are read as the decimals they print as (``0.1`` is ``1/10``), so
            the update is exact and proved exactly.

        Returns
        -------
        Derivation
            ``result`` is the updated matrix (generic ``2 x 2`` symbols, or of the data).
        """)
    return build


@lru_cache(maxsize=8)
def _generic(kind: str, form: str) -> tuple[tuple[Row, ...], tuple[Section, ...], Any]:
    """The checked rows on generic data (cached: they do not depend on the input)."""
    rows, sections, main = _update_rows(kind, form)
    pre = (define(r"\text{(S)}", r"B_{+} s = y \iff H_{+} y = s", "the secant condition"),)
    return pre + rows, sections, main


bfgs_derivation = register("bfgs")(_builder("bfgs"))
dfp_derivation = register("dfp")(_builder("dfp"))
sr1_derivation = register("sr1")(_builder("sr1"))


#: QuasiNewtonUpdate.name -> (kind, form)
_NAMES = {"BFGS": ("bfgs", "B"), "BFGS (inverse)": ("bfgs", "H"), "DFP": ("dfp", "B"),
          "DFP (inverse)": ("dfp", "H"), "SR1": ("sr1", "B"), "SR1 (inverse)": ("sr1", "H")}


def record_derivation(u: QuasiNewtonUpdate, full: bool = True) -> Derivation:
    """The derivation of an update record: with ``full`` the kind's generic proofs (secant
    condition, symmetry, inverse form) and the record's data; else only the data: the rule,
    the updated matrix and its secant condition, proved."""
    if u.name not in _NAMES:
        raise InputError(f"no derivation for the update {u.name!r}")
    kind, form = _NAMES[u.name]
    if full:
        return DERIVATIONS_BY_KIND[kind](form, b=u.previous, s=u.s, y=u.y)
    sec, _ = _concrete(kind, form, u.previous, u.s, u.y)
    M = r"B_{+}" if form == "B" else r"H_{+}"
    rule = define(sp.Symbol(M), _formula(u), f"the {_UPDATES[kind][2]} update")
    secant = define(r"\text{(S)}", r"B_{+} s = y" if form == "B" else r"H_{+} y = s",
                    "the secant condition")
    return Derivation(kind, f"The {_UPDATES[kind][2]} update ({form} form)",
                      "One quasi-Newton update of the given data.",
                      (secant, rule) + sec.rows, u.matrix, DEFINITIONS)


DERIVATIONS_BY_KIND = {"bfgs": bfgs_derivation, "dfp": dfp_derivation, "sr1": sr1_derivation}
