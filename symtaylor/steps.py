"""Closed-form optimization steps: each the minimizer of a truncated Taylor model.

- ``gradient_step``: minimizes ``f + g.d + ||d||^2/(2 alpha)``; ``x+ = x - alpha g``.
- ``newton_step``: minimizes ``f + g.d + d.(H + lambda I).d/2``; ``x+ = x - (H + lambda I)^-1 g``.
- ``gauss_newton_step``: minimizes ``||r + J d||^2/2``; ``x+ = x - (J^T J)^-1 J^T r``.
- ``levenberg_marquardt_step``: adds ``lambda d.D.d/2`` (``D = I`` or ``diag(J^T J)``).
- ``cauchy_point`` / ``dogleg_step``: the Newton model within a trust region of radius Delta.

Every step is a :class:`Step` record: ``.update`` (the next iterate as exact expressions in the
current variables, simplified), ``.direction``, ``.model`` (the quadratic Taylor model), the
``.derivation`` and ``.latex()``. The quasi-Newton updates (BFGS on ``B`` and on its inverse,
DFP, SR1) are :class:`QuasiNewtonUpdate` records whose secant condition can be checked exactly.

Examples
--------
>>> newton_step("x**4 - 2*x**2 + 1/2", "x").update[0]
2*x**3/(3*x**2 - 1)
>>> gradient_step("(x - 3)**2", "x", lr=sp.Rational(1, 10)).at(0)
(3/5,)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import sympy as sp

from .calculus import degree_bound, gradient, hessian, jacobian
from .coerce import (
    ExprLike,
    MatrixLike,
    NumberLike,
    PointLike,
    VariablesLike,
    VectorLike,
    _show,
    as_expr,
    as_exprs,
    as_matrix,
    as_number,
    as_point,
    as_positive_int,
    as_variables,
    as_vector,
)
from .errors import InputError, UnsupportedFunctionError
from .latex import Derivation, Row, display

__all__ = [
    "STEPS",
    "QuadraticModel",
    "QuasiNewtonUpdate",
    "Step",
    "bfgs_inverse_update",
    "bfgs_update",
    "cauchy_point",
    "dfp_inverse_update",
    "dfp_update",
    "dogleg_step",
    "gauss_newton_step",
    "generic_secant_data",
    "gradient_step",
    "levenberg_marquardt_step",
    "newton_step",
    "sr1_update",
]


#: Default symbolic parameters: learning rate, damping, trust-region radius.
ALPHA, LAMBDA, DELTA = sp.Symbol("alpha"), sp.Symbol("lambda"), sp.Symbol("Delta")

#: The methods whose full derivation :mod:`symtaylor.derivations.steps` builds.
_DERIVED = frozenset({"gradient", "newton", "damped-newton", "gauss-newton",
                      "levenberg-marquardt"})


# -- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuadraticModel:
    """The model ``m(d) = value + gradient.d + d.hessian.d / 2`` in the displacement ``d``.

    It is the order-2 Taylor polynomial of ``f`` about the current point ``x`` (for Gauss-Newton,
    of ``||r||^2/2`` with ``J^T J`` in place of the Hessian). Entries are expressions in ``x``.
    """

    variables: tuple[sp.Symbol, ...]
    displacement: tuple[sp.Symbol, ...]
    value: sp.Expr
    gradient: sp.Matrix
    hessian: sp.Matrix

    @property
    def expr(self) -> sp.Expr:
        """The model as one expression in ``x`` and ``d``."""
        d = sp.Matrix(self.displacement)
        return self.value + (self.gradient.T * d)[0] + (d.T * self.hessian * d)[0] / 2

    def latex(self) -> str:
        d = sp.Matrix(self.displacement)
        return (
            r"m(d) = f + \nabla f^{T} d + \tfrac{1}{2} d^{T} B d,\quad "
            rf"\nabla f = {sp.latex(self.gradient)},\ B = {sp.latex(self.hessian)},\ "
            rf"d = {sp.latex(d)}"
        )

    def _repr_latex_(self) -> str:
        return display(self.latex())


@dataclass(frozen=True)
class Step:
    """A closed-form optimization step.

    Attributes
    ----------
    method : str
    variables : tuple of Symbol
    update : sympy.Matrix
        ``n x 1``: the next iterate as expressions in the current variables (and parameters).
    direction : sympy.Matrix
        ``n x 1``: ``update - x``.
    model : QuadraticModel or None
    outline : symtaylor.latex.Derivation
        The short outline of the step (unchecked rows, cheap to build).
    parameters : dict
        The step's parameters (``lr``, ``damping``, ``radius``), numbers or Symbols.
    residuals : tuple of Expr
        The residuals (Gauss-Newton and Levenberg-Marquardt steps), else empty.
    derivation : symtaylor.derivations.Derivation
        The full derivation, every row checked (built on first use; for the gradient, Newton,
        Gauss-Newton and Levenberg-Marquardt steps, the outline otherwise, and the outline
        too when the entries have degree above ``MAX_STEP_DEGREE``). Callable too:
        ``step.derivation()`` is the same object.
    """

    method: str
    variables: tuple[sp.Symbol, ...]
    update: sp.Matrix
    direction: sp.Matrix
    model: QuadraticModel | None
    outline: Derivation
    parameters: dict[str, Any] = field(default_factory=dict)
    residuals: tuple[sp.Expr, ...] = field(default=(), repr=False, compare=False)

    @functools.cached_property
    def derivation(self) -> Any:
        """The full, checked derivation (see :mod:`symtaylor.derivations`)."""
        if self.method not in _DERIVED or self._huge():
            return self.outline
        from .derivations.steps import step_derivation

        return step_derivation(self)

    def _huge(self) -> bool:
        """Whether the checked derivation would expand polynomials above ``MAX_STEP_DEGREE``
        (its rows are proved with ``cancel``): then the outline is the derivation."""
        parts = list(self.update) + list(self.direction)
        if self.model is not None:
            parts += list(self.model.gradient) + list(self.model.hessian)
        parts += list(self.residuals)
        return max((degree_bound(e, self.variables) for e in parts), default=0) > MAX_STEP_DEGREE

    def at(self, point: PointLike) -> tuple[sp.Expr, ...]:
        """The next iterate from a given point (exact when the point is exact).

        A Python float is kept a Float; pass Rationals or strings for exact output.
        """
        pt = as_point(point, self.variables)
        sub = dict(zip(self.variables, pt))
        if self.method in _SOLVES and self.model is not None:
            _check_regular(self.model.hessian.xreplace(sub), pt)
        out = tuple(_compact(e.xreplace(sub)) if e.free_symbols else e for e in self.update)
        if any(e.has(sp.zoo, sp.oo, -sp.oo, sp.nan) for e in out):
            raise InputError(f"the {self.method} step is undefined at {pt}: {out}")
        return out

    def latex(self) -> str:
        """The full derivation (every row checked) as ``align*`` blocks."""
        return self.derivation.latex()

    def _repr_latex_(self) -> str:
        return display(self.latex())

    def __repr__(self) -> str:
        upd = ", ".join(f"{v} -> {e}" for v, e in zip(self.variables, self.update))
        params = "".join(f", {k}={v}" for k, v in self.parameters.items())
        return f"Step({self.method}: {upd}{params})"

    #: What :func:`symtaylor.as_expr` says when given a Step (compile_numpy(step), minimize(step)).
    _not_an_expression: ClassVar[str] = (
        "a Step is an update rule x -> x_next, not an objective: run it with "
        "symtaylor.iterate(step, x0), compile it with step.compile(), or minimize the "
        "objective itself (step.update holds the update's expressions)")

    def compile(self, objective: ExprLike | None = None) -> Any:
        """The update compiled to NumPy, ``u(x, **params) -> x_next`` (batch-first), with the
        step's objective, its gradient and Hessian; ``.source`` is standalone NumPy code. Run
        it with :func:`symtaylor.iterate`. See :mod:`symtaylor.codegen.update`.

        >>> u = newton_step("x**4 - 2*x**2 + 1/2", "x").compile()
        >>> float(u([2.0])[0]), u.keywords
        (1.4545454545454546, ())
        """
        from .codegen.update import compile_step

        return compile_step(self, objective)

    def export_solver(self, path: Any, params: Mapping[str, Any] | None = None,
                      damping: str | None = None) -> Any:
        """Write a standalone solver module (NumPy only): the compiled update, the loop of
        :func:`symtaylor.iterate` and a ``__main__`` (``python path --x0 2 [--lr 0.01]``).
        ``params`` are default parameter values; ``damping="adaptive"`` (the default for a
        Levenberg-Marquardt step) adapts the ``damping`` parameter. Returns the path."""
        from .codegen.update import export_step

        return export_step(self, path, params, damping)


# -- helpers ---------------------------------------------------------------------------------


def _compact(e: sp.Expr) -> sp.Expr:
    """A short closed form of ``e``: the shortest of cancel / factor (and simplify if small)."""
    if not isinstance(e, sp.Basic):
        e = as_expr(e)
    ops = sp.count_ops(e)
    if not e.free_symbols:
        if e.is_Float or e.is_Rational:
            return e
        return sp.simplify(e) if ops < 60 else e
    cands = [e]
    if degree_bound(e, tuple(e.free_symbols)) > MAX_STEP_DEGREE:
        return e  # cancel/factor would expand a polynomial of that degree
    if ops > 80 and e.atoms(sp.Function):
        # cancel/factor treat exp(...), log(...) as generators: minutes on a 3-variable
        # logistic Newton step, for little gain. Keep the expression as derived.
        return e
    try:
        c = sp.cancel(sp.together(e))
        cands.append(c)
        if degree_bound(c, tuple(c.free_symbols)) <= MAX_FACTOR_DEGREE:
            cands.append(sp.factor(c))
    except sp.PolynomialError:  # pragma: no cover - non-commutative or odd objects
        pass
    if ops < 60:
        cands.append(sp.simplify(e))
    if not e.has(sp.nan, sp.zoo):  # simplify(-abs(y)*sign(y)/sign(y)**2) gives
        # Piecewise((nan, Eq(y, 0)), (-y, True)): keep the forms without nan
        cands = [c for c in cands if not c.has(sp.nan, sp.zoo)] or [e]
    return min(cands, key=lambda z: (sp.count_ops(z), len(str(z))))


#: ``_compact`` factors only up to this degree: factoring is Zassenhaus' algorithm, fast for
#: small degrees (a dense degree-100 polynomial in ``x`` and ``alpha``: 0.24 s) and then steep
#: (degree 398: 16 s; the gradient step on ``x + x**2 + ... + x**399`` took 23 s, 22 of them
#: in two calls of ``factor``).
MAX_FACTOR_DEGREE = 120


def _compact_matrix(m: sp.Matrix) -> sp.Matrix:
    return m.applyfunc(_compact)


def _param(value: NumberLike, name: str, sign: str = "") -> sp.Expr:
    """lr / damping / radius: a real number (kept exact: 0.1 stays Float) or a symbolic
    parameter (a Symbol, an expression, text). ``sign="positive"`` refuses values known to be
    ``<= 0`` (lr, radius), ``"non-negative"`` those known to be ``< 0`` (damping)."""
    if isinstance(value, str) and value.strip() == "lambda":
        e: sp.Expr = LAMBDA  # the printed name of the default damping; a Python keyword
    else:
        e = as_number(value, name, symbolic=True)
    if (sign == "positive" and e.is_nonpositive) or (sign == "non-negative" and e.is_negative):
        raise InputError(f"{name} must be {sign}, got {e}")
    return e


def _no_clash(param: sp.Expr, name: str, syms: Sequence[sp.Symbol], exprs: Sequence[sp.Expr]
              ) -> None:
    """Refuse a parameter that shares a name with a variable (``gradient_step("alpha**2",
    "alpha")``: the default learning rate ``alpha`` would be mixed up with the variable and the
    update silently wrong), and a default-named parameter (``alpha``, ``lambda``, ``Delta``)
    that shares its name with a symbol of the objective (``f = alpha*x**2``). Names are
    compared, not symbols: ``Symbol("alpha", real=True)`` prints like ``alpha``."""
    if not isinstance(param, sp.Basic) or not param.free_symbols:
        return
    mine = {s.name for s in param.free_symbols}  # type: ignore[attr-defined]
    clash = sorted(mine & {v.name for v in syms})
    where = "a variable"
    if not clash and param in (ALPHA, LAMBDA, DELTA):
        clash = sorted(mine & {s.name for e in exprs for s in e.free_symbols})  # type: ignore
        where = "a symbol of the objective"
    if clash:
        raise InputError(
            f"{name} {_show(str(param))} has the name of {where} ({', '.join(clash)}): the "
            f"step would mix them up. Pass {name}= a number or a symbol of another name "
            f"(e.g. {name}={_OTHER.get(name, 'eta')!r})")


_OTHER = {"lr": "eta", "damping": "mu", "radius": "r"}


#: Functions whose derivative depends on whether the argument is real (``d|x|/dx`` is
#: ``sign(x)`` for real ``x``, a mess of ``re``/``im`` for a complex one).
_REAL_SENSITIVE = (sp.Abs, sp.sign, sp.re, sp.im, sp.arg, sp.conjugate)


def _realify(exprs: Sequence[sp.Expr], syms: tuple[sp.Symbol, ...]
             ) -> tuple[list[sp.Expr], tuple[sp.Symbol, ...]]:
    """The steps are over the reals: when an expression uses a function whose derivative
    depends on realness (``Abs``, ``sign``, ``re``, ``im``, ``arg``, ``conjugate``), every
    symbol with no sign/realness assumption is replaced by a real symbol of the same name
    (else ``abs(x)`` would be differentiated as a function of a complex ``x``)."""
    if not any(e.has(*_REAL_SENSITIVE) for e in exprs):
        return list(exprs), syms
    free: set[sp.Symbol] = set(syms).union(*(e.free_symbols for e in exprs))
    sub = {s: sp.Symbol(s.name, real=True) for s in free
           if isinstance(s, sp.Symbol) and s.is_real is None and s.is_commutative}
    if not sub:
        return list(exprs), syms
    return [e.xreplace(sub) for e in exprs], tuple(sub.get(s, s) for s in syms)


def _smooth(what: str, entries: Any) -> None:
    """Refuse derivatives with ``DiracDelta`` (``sign``, ``Heaviside``, or the second derivative
    of ``abs``): the objective is not differentiable that often, and the step would divide by
    a distribution."""
    for e in entries:
        if isinstance(e, sp.Basic) and e.has(sp.DiracDelta):
            raise UnsupportedFunctionError(
                f"the {what} has DiracDelta ({_show(str(e))}): the objective is not "
                "differentiable that often (abs, sign, Heaviside, Max/Min); "
                + ("use a gradient step (it needs only the gradient)" if "Hessian" in what
                   or "Jacobian" in what else "use a smooth objective"))


def _displacement(variables: Sequence[sp.Symbol]) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(f"Delta_{v.name}") for v in variables)


def _solve(a: sp.Matrix, b: sp.Matrix, what: str) -> sp.Matrix:
    """Exact solution of ``a z = b``; a clear error if ``a`` is singular."""
    n = a.rows
    if n == 1:
        if a[0, 0] == 0:
            raise InputError(f"{what} is zero: the model has no unique minimizer. {_HINT}")
        return b / a[0, 0]
    small = n <= 6 and (not a.atoms(sp.Function) or sum(sp.count_ops(e) for e in a) < 200)
    det = sp.cancel(a.det(method="berkowitz")) if small else None
    if det is not None and det == 0:
        raise InputError(f"{what} is singular: the model has no unique minimizer. {_HINT}")
    try:
        return a.LUsolve(b)
    except (ValueError, ZeroDivisionError, sp.matrices.exceptions.NonInvertibleMatrixError):
        raise InputError(f"{what} is singular: the model has no unique minimizer. {_HINT}") \
            from None


def _field(a: sp.Matrix, b: sp.Matrix) -> Any:
    """The augmented matrix ``[a | b]`` over an exact field of rational functions (``QQ(x, y)``),
    or None when the entries are not rational functions with exact coefficients (``exp``,
    floats)."""
    from sympy.polys.matrices import DomainMatrix

    try:
        dm = DomainMatrix.from_Matrix(a.row_join(b))
    except (sp.PolificationFailed, sp.PolynomialError, ValueError,
            NotImplementedError):  # pragma: no cover - odd entries
        return None
    k = dm.domain
    # rational functions of symbols only: with exp(x) or sin(x) as generators the field would
    # treat them as independent of x (and of each other: sin^2 + cos^2 = 1 is not seen)
    exact = k.is_ZZ or k.is_QQ or ((k.is_PolynomialRing or k.is_FractionField)
                                   and (k.domain.is_ZZ or k.domain.is_QQ)
                                   and all(isinstance(g, sp.Symbol) for g in k.symbols))
    return dm if exact else None


def _step_update(a: sp.Matrix, b: sp.Matrix, syms: tuple[sp.Symbol, ...], what: str
                 ) -> tuple[sp.Matrix, sp.Matrix]:
    """``(direction, update)`` with ``direction = -a^-1 b`` and ``update = x + direction``,
    simplified.

    For rational-function entries with exact coefficients the system is solved in the field of
    rational functions (fraction-free elimination; every entry comes out in lowest terms), so
    no expression-level ``cancel`` of a nested LU solution is needed: Newton on a 4-variable
    Rosenbrock function takes 0.1 s instead of 25 s.
    """
    degree = max(degree_bound(e, syms) for e in list(a) + list(b))
    if degree > MAX_STEP_DEGREE:
        return _huge_step(a, b, syms, what, degree)
    dm = _field(a, b)
    if dm is None:
        direction = _compact_matrix(-_solve(a, b, what))
        return direction, _compact_matrix(_vec(syms) + direction)
    n = a.rows
    ring = dm.domain
    if ring.is_Field:  # QQ or rational functions: Gauss-Jordan in the field
        rref, pivots = dm.rref()
        k = ring
        col = [rref[i, n].element for i in range(n)]
    else:  # ZZ or polynomials: fraction-free elimination, one division at the end
        rref, den, pivots = dm.rref_den(method="FF")
        k = ring.get_field()
        kden = k.convert_from(den, ring)
        col = [k.convert_from(rref[i, n].element, ring) / kden for i in range(n)]
    if tuple(pivots) != tuple(range(n)):
        raise InputError(f"{what} is singular: the model has no unique minimizer. {_HINT}")
    dirs = [-c for c in col]

    direction, update = [], []
    for v, d in zip(syms, dirs):
        de = k.to_sympy(d)
        if sp.count_ops(de) <= 120:  # small: the shortest closed form, as for any other step
            de = _compact(de)
            direction.append(de)
            update.append(_compact(v + de))
        else:  # large: the lowest-terms fraction as it is (cancel/factor would take minutes)
            direction.append(de)
            try:  # one fraction in lowest terms
                update.append(k.to_sympy(k.from_sympy(v) + d))
            except (sp.CoercionFailed, ValueError):  # v is not a generator of the field
                update.append(v + de)
    return sp.Matrix(direction), sp.Matrix(update)


_HINT = "Try damping > 0 (Levenberg-Marquardt / damped Newton) or a gradient step."

#: Above this degree (read off the expression tree, nothing expanded) the entries of the model
#: are never expanded: ``(x + 1)**1000000`` would need a million-term polynomial (minutes, then
#: a MemoryError). One variable: the quotient ``-g/h`` as SymPy forms it (powers of a common
#: base combine at once); several variables: refused up front.
MAX_STEP_DEGREE = 2000


def _huge_step(a: sp.Matrix, b: sp.Matrix, syms: tuple[sp.Symbol, ...], what: str,
               degree: int) -> tuple[sp.Matrix, sp.Matrix]:
    if a.rows == 1 and a[0, 0] != 0:
        de = -b[0, 0] / a[0, 0]
        if degree_bound(de, syms) <= MAX_STEP_DEGREE:
            de = _compact(de)
            return sp.Matrix([de]), sp.Matrix([_compact(syms[0] + de)])
        return sp.Matrix([de]), sp.Matrix([syms[0] + de])
    raise InputError(
        f"the step's entries have degree up to {degree} (above {MAX_STEP_DEGREE}): solving "
        f"with {what} exactly would expand polynomials of that degree. Use a numeric solver "
        "(symtaylor.minimize) or evaluate the step at a point of a smaller model."
    )

#: the steps that solve a linear system with the model Hessian (undefined where it is singular)
_SOLVES = ("newton", "damped-newton", "gauss-newton", "levenberg-marquardt")


def _check_regular(h: sp.Matrix, pt: Sequence[sp.Expr]) -> None:
    """Refuse a point where the model Hessian is singular (``newton_step('x**3').at(0)``: the
    simplified update ``x/2`` would say 0, but the step is undefined there).

    Rational entries: the exact rank. Otherwise the determinant at 50 digits (mpmath LU on
    the entries evaluated to 50 digits): nonsingular when it is not tiny against the product
    of the row norms, singular (to 50 digits) when it is; a symbolic determinant of
    transcendental entries can take minutes, so it is never formed."""
    if h.free_symbols or h.has(sp.zoo, sp.nan):
        return
    if all(e.is_Rational for e in h):
        from sympy.polys.matrices import DomainMatrix

        singular = DomainMatrix.from_Matrix(h).convert_to(sp.QQ).rank() < h.rows
    elif h.rows <= 200:
        import mpmath

        with mpmath.workdps(50):
            try:
                vals = [[mpmath.mpmathify(sp.N(h[i, j], 50)) for j in range(h.cols)]
                        for i in range(h.rows)]
            except (TypeError, ValueError):  # not a real/complex number: nothing to decide
                return
            if not all(mpmath.isfinite(v) for row in vals for v in row):
                return
            scale = mpmath.mpf(1)
            for row in vals:
                scale *= mpmath.sqrt(mpmath.fsum(abs(v) ** 2 for v in row))
            if scale == 0:
                singular = True
            else:
                try:
                    det = mpmath.det(mpmath.matrix(vals))
                except ZeroDivisionError:
                    det = mpmath.mpf(0)
                singular = abs(det) <= mpmath.mpf(10) ** -40 * scale
    else:
        return
    if singular:
        raise InputError(f"the model Hessian is singular at {tuple(pt)}: the step is undefined "
                         f"there. {_HINT}")


def _setup(f: Any, variables: Any) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    expr = as_expr(f, variables)
    (expr,), syms = _realify([expr], as_variables(variables, expr))
    return expr, syms


def _vec(variables: Sequence[sp.Symbol]) -> sp.Matrix:
    return as_vector(list(variables), "variables")


# -- steps -----------------------------------------------------------------------------------


def gradient_step(f: ExprLike, variables: VariablesLike = None, lr: NumberLike = ALPHA
                  ) -> Step:
    """Gradient descent ``x+ = x - lr * grad f`` as the minimizer of the linear Taylor model plus
    the step-length penalty ``||d||^2 / (2 lr)``.

    (Minimizing the linear model over a ball ``||d|| <= r`` instead gives the same direction,
    normalised: ``d = -r g/||g||``.) Descent is guaranteed for ``lr < 2/L`` (see
    :func:`symtaylor.bounds.convergence_bounds`), not only for ``lr <= 1/L``.

    Examples
    --------
    >>> s = gradient_step("x^2 + 10*y^2", "x, y", lr=sp.Rational(1, 20))
    >>> s.update.T
    Matrix([[9*x/10, 0]])
    >>> gradient_step("x^2", "x").update[0]
    -2*alpha*x + x
    """
    expr, syms = _setup(f, variables)
    alpha = _param(lr, "lr", "positive")
    _no_clash(alpha, "lr", syms, [expr])
    g = gradient(expr, syms)
    _smooth("gradient", g)
    d = _displacement(syms)
    dv = sp.Matrix(d)
    model = (g.T * dv)[0] + (dv.T * dv)[0] / (2 * alpha)
    direction = _compact_matrix(-alpha * g)
    update = _compact_matrix(_vec(syms) + direction)
    rows = (
        Row("m(d)", sp.Symbol("f") + model, ":=",
            "first-order Taylor model plus step-length penalty"),
        Row(r"\nabla f + d/\alpha", sp.zeros(len(syms), 1), "=",
            "stationary point of the model"),
        Row("d", direction, "=", "steepest descent, step alpha"),
        Row(r"x_{+}", update, "="),
    )
    qm = QuadraticModel(syms, d, expr, g, sp.eye(len(syms)) / alpha)
    return Step("gradient", syms, update, direction, qm, Derivation("Gradient step", rows),
                {"lr": alpha})


def newton_step(f: ExprLike, variables: VariablesLike = None, damping: NumberLike = 0
                ) -> Step:
    """Newton's step ``x+ = x - (H + damping*I)^(-1) grad f``: the minimizer of the order-2
    Taylor model (damped: plus ``damping*||d||^2/2``).

    A quadratic objective with positive definite Hessian lands on its exact minimizer in one
    step.

    Raises
    ------
    InputError
        If ``H + damping*I`` is singular (no unique model minimizer).

    Examples
    --------
    >>> newton_step("x**4 - 2*x**2 + 1/2", "x").update[0]
    2*x**3/(3*x**2 - 1)
    >>> newton_step("(x - 1)^2 + 10*(y + 2)^2 + x*y", "x, y").update.T
    Matrix([[80/39, -82/39]])
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> newton_step("x^2", "x", damping=lam).update[0]
    lambda*x/(lambda + 2)
    """
    expr, syms = _setup(f, variables)
    lam = _param(damping, "damping", "non-negative")
    _no_clash(lam, "damping", syms, [expr])
    g = gradient(expr, syms)
    h = hessian(expr, syms)
    _smooth("gradient", g)
    _smooth("Hessian", h)
    n = len(syms)
    hd = h + lam * sp.eye(n) if lam != 0 else h
    d = _displacement(syms)
    model = QuadraticModel(syms, d, expr, g, hd)
    direction, update = _step_update(hd, g, syms, "the (damped) Hessian")
    hname = r"\nabla^2 f + \lambda I" if lam != 0 else r"\nabla^2 f"
    rows = (
        Row("m(d)", r"f + \nabla f^{T} d + \tfrac{1}{2} d^{T} (" + hname + ") d", ":=",
            "second-order Taylor model" + (" plus damping" if lam != 0 else "")),
        Row(r"\nabla f", g, "="),
        Row(hname, hd, "="),
        Row("(" + hname + ") d", -g, "=", "the model's stationary point"),
        Row("d", direction, "="),
        Row(r"x_{+}", update, "=", "simplified"),
    )
    params = {"damping": lam} if lam != 0 else {}
    name = "damped Newton" if lam != 0 else "Newton"
    return Step(name.lower().replace(" ", "-"), syms, update, direction, model,
                Derivation(f"{name} step", rows), params)


_SCALINGS: Mapping[str, Callable[[sp.Matrix], sp.Matrix]] = {
    "identity": lambda jtj: sp.eye(jtj.rows),
    "levenberg": lambda jtj: sp.eye(jtj.rows),
    "marquardt": lambda jtj: sp.diag(*[jtj[i, i] for i in range(jtj.rows)]),
}


def _least_squares(residuals: Any, variables: Any) -> tuple[list[sp.Expr], tuple[sp.Symbol, ...]]:
    rs = as_exprs(residuals, variables)
    if variables is None:
        free: set[sp.Symbol] = set().union(*(r.free_symbols for r in rs))
        syms = tuple(sorted(free, key=lambda s: s.name))
        if not syms:
            raise InputError("the residuals have no free symbols: pass variables=...")
    else:
        syms = as_variables(variables, sp.Tuple(*rs))
    return _realify(rs, syms)


def gauss_newton_step(residuals: Any, variables: VariablesLike = None) -> Step:
    """Gauss-Newton: ``x+ = x - (J^T J)^(-1) J^T r``, the minimizer of ``||r + J d||^2 / 2``.

    Examples
    --------
    >>> gauss_newton_step(["x - 1", "10*(y - x^2)"], "x, y").update.T
    Matrix([[1, x*(2 - x)]])
    >>> gauss_newton_step(["2*a + b - 3", "a - b", "a + 2*b - 4"], "a, b").update.T
    Matrix([[1, 4/3]])
    """
    return levenberg_marquardt_step(residuals, variables, 0)


def levenberg_marquardt_step(
    residuals: Any, variables: VariablesLike = None, damping: NumberLike = LAMBDA,
    scaling: str = "identity",
) -> Step:
    """Levenberg-Marquardt: ``x+ = x - (J^T J + damping*D)^(-1) J^T r``.

    ``scaling="identity"`` (Levenberg) uses ``D = I``; ``scaling="marquardt"`` uses
    ``D = diag(J^T J)`` (Marquardt's scale-invariant variant). ``damping=0`` is Gauss-Newton.

    Examples
    --------
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> levenberg_marquardt_step(["x - 1"], "x", lam).update[0]
    x + (1 - x)/(lambda + 1)
    >>> levenberg_marquardt_step(["2*x - 2"], "x", 1, scaling="marquardt").update[0]
    (x + 1)/2
    """
    rs, syms = _least_squares(residuals, variables)
    lam = _param(damping, "damping", "non-negative")
    _no_clash(lam, "damping", syms, rs)
    if isinstance(scaling, str):
        scaling = scaling.strip().lower()  # "Marquardt" as "marquardt"
    if not isinstance(scaling, str) or scaling not in _SCALINGS:
        raise InputError(f"unknown scaling {_show(scaling)}; valid: {', '.join(_SCALINGS)}")
    r = sp.Matrix(rs)
    j = jacobian(rs, syms)
    _smooth("Jacobian", j)
    if scaling == "marquardt" and lam != 0:
        zero = [v for k, v in enumerate(syms) if all(e == 0 for e in j[:, k])]
        if zero:
            raise InputError(
                "column(s) of J for " + ", ".join(map(str, zero)) + " are zero (no residual "
                "depends on them): D = diag(J^T J) has a zero there, so J^T J + damping*D is "
                "singular for every damping. Use scaling='identity' or drop those variables.")
    jtj, jtr = j.T * j, j.T * r
    if max(degree_bound(e, syms) for e in list(jtj) + list(jtr)) <= MAX_STEP_DEGREE:
        jtj, jtr = jtj.applyfunc(sp.expand), jtr.applyfunc(sp.expand)
    scale = _SCALINGS[scaling](jtj)
    a = jtj + lam * scale if lam != 0 else jtj
    d = _displacement(syms)
    half_ss = sum((ri**2 for ri in rs), sp.S.Zero) / 2
    model = QuadraticModel(syms, d, half_ss, jtr, a)
    direction, update = _step_update(a, jtr, syms,
                                     "J^T J" + (" + damping*D" if lam != 0 else ""))
    gn = lam == 0
    aname = r"J^{T} J" if gn else (r"J^{T} J + \lambda " + ("I" if scaling != "marquardt"
                                                           else r"\operatorname{diag}(J^{T} J)"))
    rows = (
        Row("m(d)", r"\tfrac{1}{2}\lVert r + J d\rVert^{2}" +
            ("" if gn else r" + \tfrac{\lambda}{2} d^{T} D d"), ":=",
            "linearised residuals" + ("" if gn else " plus damping")),
        Row("J", j, "="),
        Row(aname, a, "="),
        Row(r"J^{T} r", jtr, "="),
        Row("(" + aname + ") d", -jtr, "=", "normal equations"),
        Row("d", direction, "="),
        Row(r"x_{+}", update, "="),
    )
    if gn:
        return Step("gauss-newton", syms, update, direction, model,
                    Derivation("Gauss-Newton step", rows), residuals=tuple(rs))
    return Step("levenberg-marquardt", syms, update, direction, model,
                Derivation("Levenberg-Marquardt step", rows),
                {"damping": lam, "scaling": scaling}, residuals=tuple(rs))


# -- trust region pieces --------------------------------------------------------------------


def _model_at(f: Any, variables: Any, at: Any) -> tuple[sp.Expr, tuple[sp.Symbol, ...],
                                                         sp.Matrix, sp.Matrix, dict]:
    expr, syms = _setup(f, variables)
    g = gradient(expr, syms)
    b = hessian(expr, syms)
    sub: dict = {}
    if at is not None:
        sub = dict(zip(syms, as_point(at, syms)))
        g = g.xreplace(sub).applyfunc(sp.simplify)
        b = b.xreplace(sub).applyfunc(sp.simplify)
    else:
        degree = max(degree_bound(e, syms) for e in list(g) + list(b))
        if degree > MAX_STEP_DEGREE:
            raise InputError(
                f"the model's entries have degree up to {degree} (above {MAX_STEP_DEGREE}): "
                "the symbolic trust-region step would expand polynomials of that degree. "
                "Give the point (at=...)."
            )
    return expr, syms, g, b, sub


def _norm(v: sp.Matrix) -> sp.Expr:
    return sp.sqrt(sp.expand((v.T * v)[0]))


def cauchy_point(f: ExprLike, variables: VariablesLike = None, radius: NumberLike = DELTA,
                 at: PointLike | None = None) -> Step:
    """The Cauchy point: the minimizer of the quadratic model along ``-grad f`` within the
    trust region ``||d|| <= radius`` (Nocedal & Wright, Algorithm 4.2).

    ``d = -tau * radius * g/||g||`` with ``tau = 1`` if ``g.B.g <= 0`` else
    ``min(||g||^3 / (radius * g.B.g), 1)``. With ``at`` the model is taken at that point and
    the result is exact numbers; ``update`` is then the new point.

    Examples
    --------
    >>> cauchy_point("x^2 + 10*y^2", "x, y", radius=10, at=(1, 1)).direction.T
    Matrix([[-101/1001, -1010/1001]])
    >>> cauchy_point("x^2 + 10*y^2", "x, y", radius=1, at=(1, 1)).direction.T
    Matrix([[-sqrt(101)/101, -10*sqrt(101)/101]])
    >>> cauchy_point("3*x + 4*y", "x, y", radius=5, at=(0, 0)).direction.T   # linear model
    Matrix([[-3, -4]])
    """
    expr, syms, g, b, sub = _model_at(f, variables, at)
    delta = _param(radius, "radius", "positive")
    _no_clash(delta, "radius", syms, [expr])
    gn = _norm(g)
    if gn == 0:
        raise InputError("the gradient is zero: the Cauchy point is the current point")
    gbg = sp.expand((g.T * b * g)[0])
    if gbg.free_symbols:
        tau = sp.Piecewise((1, gbg <= 0), (sp.Min(gn**3 / (delta * gbg), 1), True))
    elif gbg <= 0:  # no positive curvature along -g (a linear model too): go to the boundary
        tau = sp.Integer(1)
    else:
        tau = sp.Min(gn**3 / (delta * gbg), 1)
    # simplify is for numbers and radicals; on a symbolic Piecewise/Min it takes seconds for
    # nothing (a quadratic in two variables: 1.5 s), so a symbolic tau is kept as derived
    tidy = sp.simplify if not tau.has(sp.Piecewise, sp.Min) else (lambda e: e)
    direction = (-tau * delta / gn * g).applyfunc(tidy)
    base = as_vector([sub[s] for s in syms], "at") if sub else _vec(syms)
    update = (base + direction).applyfunc(tidy)
    rows = (
        Row("g", g, "="), Row("B", b, "="),
        Row(r"\tau", tau, "=", "minimizer of m(-t g) on the trust region"),
        Row("p^{C}", direction, "=", "Cauchy point"),
    )
    return Step("cauchy", syms, update, direction, QuadraticModel(syms, _displacement(syms),
                expr.xreplace(sub) if sub else expr, g, b), Derivation("Cauchy point", rows),
                {"radius": delta})


def dogleg_step(f: ExprLike, variables: VariablesLike, radius: NumberLike, at: PointLike
                ) -> Step:
    """The dogleg step for a trust region of the given radius at the point ``at``
    (Nocedal & Wright, section 4.1): the full Newton step if it fits, else the steepest-descent
    (Cauchy) segment, else the point of the dogleg path on the boundary. Needs a positive
    definite model Hessian at ``at``.

    Examples
    --------
    >>> dogleg_step("x^2 + 10*y^2", "x, y", radius=10, at=(1, 1)).update.T
    Matrix([[0, 0]])
    >>> d = dogleg_step("x^2 + 10*y^2", "x, y", radius=sp.Rational(1, 2), at=(1, 1)).direction
    >>> sp.sqrt((d.T*d)[0]).equals(sp.Rational(1, 2))
    True
    """
    expr, syms, g, b, sub = _model_at(f, variables, at)
    delta = as_number(radius, "radius")  # numbers only: the legs are chosen by comparisons
    if not delta > 0:
        raise InputError(f"radius must be positive, got {delta}")
    free = sorted(map(str, g.free_symbols | b.free_symbols))
    if free:
        raise InputError("dogleg needs a numeric model at the point: give numbers for at= and "
                         f"for the parameters {_show(free)}")
    from .calculus import Definiteness, definiteness

    if definiteness(b).kind is not Definiteness.POSITIVE_DEFINITE:
        raise InputError("dogleg needs a positive definite model Hessian at the point; "
                         "use cauchy_point or a damped Newton step")
    pb = -b.LUsolve(g)
    gg = (g.T * g)[0]
    pu = -(gg / (g.T * b * g)[0]) * g
    if sp.simplify(_norm(pb) - delta) <= 0:
        p, leg = pb, "full Newton step fits"
    elif sp.simplify(_norm(pu) - delta) >= 0:
        p, leg = -delta / _norm(g) * g, "steepest-descent leg reaches the boundary"
    else:
        t = sp.Symbol("t", positive=True)
        seg = pu + (t - 1) * (pb - pu)
        eq = sp.expand((seg.T * seg)[0] - delta**2)
        roots = [r for r in sp.solve(eq, t) if r.is_real and 1 <= r <= 2]
        p, leg = seg.subs(t, roots[0]), "dogleg path crosses the boundary"
    direction = p.applyfunc(sp.simplify)
    base = sp.Matrix([sub[s] for s in syms])
    update = (base + direction).applyfunc(sp.simplify)
    rows = (Row("p^{B}", pb, "=", "Newton step"), Row("p^{U}", pu, "=", "unconstrained Cauchy"),
            Row("p", direction, "=", leg))
    return Step("dogleg", syms, update, direction,
                QuadraticModel(syms, _displacement(syms), expr.xreplace(sub), g, b),
                Derivation("Dogleg step", rows), {"radius": delta})


#: The steps by name (the CLI's ``symtaylor step NAME``).
STEPS: Mapping[str, Callable[..., Step]] = {
    "gradient": gradient_step,
    "newton": newton_step,
    "gauss-newton": gauss_newton_step,
    "lm": levenberg_marquardt_step,
}


# -- quasi-Newton updates --------------------------------------------------------------------


@dataclass(frozen=True)
class QuasiNewtonUpdate:
    """A quasi-Newton update of a Hessian approximation ``B`` (or inverse ``H``).

    Attributes
    ----------
    name : str
    matrix : sympy.Matrix
        The updated matrix.
    previous, s, y : sympy.Matrix
        The old matrix, the step ``s = x+ - x`` and the gradient change ``y = g+ - g``.
    inverse : bool
        True if ``matrix`` approximates the inverse Hessian (secant ``H+ y = s``).
    formula : str
        The update rule in LaTeX.
    """

    name: str
    matrix: sp.Matrix
    previous: sp.Matrix
    s: sp.Matrix
    y: sp.Matrix
    inverse: bool
    formula: str

    @property
    def secant_residual(self) -> sp.Matrix:
        """``B+ s - y`` (or ``H+ y - s``), simplified: zero iff the secant condition holds."""
        res = self.matrix * self.y - self.s if self.inverse else self.matrix * self.s - self.y
        return res.applyfunc(lambda e: sp.cancel(sp.together(e)))

    def secant_holds(self) -> bool:
        """Whether the secant condition holds exactly (symbolically)."""
        return bool(self.secant_residual.is_zero_matrix)

    @functools.cached_property
    def derivation(self) -> Any:
        """The checked derivation (``derive("bfgs"|"dfp"|"sr1", form, b=, s=, y=)``: the secant
        condition, symmetry and the inverse form proved on generic data, then this update and
        its secant condition); ``record.derivation()`` is the same object."""
        from .derivations.quasi_newton import record_derivation

        return record_derivation(self)

    def latex(self) -> str:
        """The secant condition, the rule, the data, the updated matrix and the secant condition
        checked on it (``align*``)."""
        from .derivations.quasi_newton import record_derivation

        return record_derivation(self, full=False).latex()

    def _repr_latex_(self) -> str:
        from .derivations.quasi_newton import record_derivation

        return record_derivation(self, full=False)._repr_latex_()

    def __repr__(self) -> str:
        return f"QuasiNewtonUpdate({self.name}: {self.matrix.tolist()})"


def _qn_inputs(b: MatrixLike, s: VectorLike, y: VectorLike, name: str = "b"
               ) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """The matrix and the two vectors of a quasi-Newton update, each entry coerced on its own
    (lists of text too; ``sympy.Matrix`` of user text would sympify it)."""
    bm = as_matrix(b, name)
    sv, yv = as_vector(s, "s"), as_vector(y, "y")
    n = sv.rows
    if bm.shape != (n, n) or yv.shape != (n, 1):
        raise InputError(f"shapes do not match: {name} {bm.shape}, s {sv.shape}, y {yv.shape}")
    return bm, sv, yv


def _nonzero(den: sp.Expr, what: str) -> None:
    if sp.simplify(den) == 0:
        raise InputError(f"{what} is zero: the update is undefined (skip it or reset B)")


def bfgs_update(b: MatrixLike, s: VectorLike, y: VectorLike) -> QuasiNewtonUpdate:
    """BFGS on the Hessian approximation:
    ``B+ = B - B s s^T B / (s^T B s) + y y^T / (y^T s)``.

    Examples
    --------
    >>> u = bfgs_update(sp.eye(2), [1, 0], [2, 1])
    >>> u.matrix, u.secant_holds()
    (Matrix([
    [2,   1],
    [1, 3/2]]), True)
    """
    bm, sv, yv = _qn_inputs(b, s, y)
    ys = (yv.T * sv)[0]
    sbs = (sv.T * bm * sv)[0]
    _nonzero(ys, "y^T s")
    _nonzero(sbs, "s^T B s")
    bs = bm * sv
    new = bm - bs * bs.T / sbs + yv * yv.T / ys
    return QuasiNewtonUpdate("BFGS", new, bm, sv, yv, False,
                             r"B_{+} = B - \frac{B s s^{T} B}{s^{T} B s} + \frac{y y^{T}}{y^{T} s}")


def bfgs_inverse_update(h: MatrixLike, s: VectorLike, y: VectorLike) -> QuasiNewtonUpdate:
    """BFGS on the inverse approximation:
    ``H+ = (I - rho s y^T) H (I - rho y s^T) + rho s s^T`` with ``rho = 1/(y^T s)``.

    Examples
    --------
    >>> bfgs_inverse_update(sp.eye(2), [1, 0], [2, 1]).secant_holds()
    True
    """
    hm, sv, yv = _qn_inputs(h, s, y, "h")
    ys = (yv.T * sv)[0]
    _nonzero(ys, "y^T s")
    rho = 1 / ys
    i = sp.eye(sv.rows)
    new = (i - rho * sv * yv.T) * hm * (i - rho * yv * sv.T) + rho * sv * sv.T
    return QuasiNewtonUpdate(
        "BFGS (inverse)", new, hm, sv, yv, True,
        r"H_{+} = (I - \rho s y^{T}) H (I - \rho y s^{T}) + \rho s s^{T},\ \rho = 1/(y^{T} s)")


def dfp_update(b: MatrixLike, s: VectorLike, y: VectorLike) -> QuasiNewtonUpdate:
    """DFP on the Hessian approximation:
    ``B+ = (I - rho y s^T) B (I - rho s y^T) + rho y y^T`` with ``rho = 1/(y^T s)``.

    Examples
    --------
    >>> dfp_update(sp.eye(2), [1, 0], [2, 1]).secant_holds()
    True
    """
    bm, sv, yv = _qn_inputs(b, s, y)
    ys = (yv.T * sv)[0]
    _nonzero(ys, "y^T s")
    rho = 1 / ys
    i = sp.eye(sv.rows)
    new = (i - rho * yv * sv.T) * bm * (i - rho * sv * yv.T) + rho * yv * yv.T
    return QuasiNewtonUpdate(
        "DFP", new, bm, sv, yv, False,
        r"B_{+} = (I - \rho y s^{T}) B (I - \rho s y^{T}) + \rho y y^{T},\ \rho = 1/(y^{T} s)")


def dfp_inverse_update(h: MatrixLike, s: VectorLike, y: VectorLike) -> QuasiNewtonUpdate:
    """DFP on the inverse approximation (its original form):
    ``H+ = H - H y y^T H / (y^T H y) + s s^T / (y^T s)``.

    Examples
    --------
    >>> dfp_inverse_update(sp.eye(2), [1, 0], [2, 1]).secant_holds()
    True
    """
    hm, sv, yv = _qn_inputs(h, s, y, "h")
    ys = (yv.T * sv)[0]
    yhy = (yv.T * hm * yv)[0]
    _nonzero(ys, "y^T s")
    _nonzero(yhy, "y^T H y")
    hy = hm * yv
    new = hm - hy * hy.T / yhy + sv * sv.T / ys
    return QuasiNewtonUpdate("DFP (inverse)", new, hm, sv, yv, True,
                             r"H_{+} = H - \frac{H y y^{T} H}{y^{T} H y} + \frac{s s^{T}}{y^{T} s}")


def sr1_update(b: MatrixLike, s: VectorLike, y: VectorLike) -> QuasiNewtonUpdate:
    """Symmetric rank-one: ``B+ = B + (y - B s)(y - B s)^T / ((y - B s)^T s)``.

    Raises ``InputError`` when the denominator vanishes (the usual SR1 skip rule applies).

    Examples
    --------
    >>> sr1_update(sp.eye(2), [1, 0], [2, 1]).matrix
    Matrix([
    [2, 1],
    [1, 2]])
    """
    bm, sv, yv = _qn_inputs(b, s, y)
    v = yv - bm * sv
    den = (v.T * sv)[0]
    _nonzero(den, "(y - B s)^T s")
    new = bm + v * v.T / den
    return QuasiNewtonUpdate("SR1", new, bm, sv, yv, False,
                             r"B_{+} = B + \frac{(y - B s)(y - B s)^{T}}{(y - B s)^{T} s}")


def generic_secant_data(n: int) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """A generic symmetric ``B`` (entries ``b_ij = b_ji``) and vectors ``s``, ``y`` of size ``n``,
    for checking the updates' secant condition symbolically.

    Examples
    --------
    >>> b, s, y = generic_secant_data(2)
    >>> bfgs_update(b, s, y).secant_holds()
    True
    """
    n = as_positive_int(n, "n")
    b = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"b{min(i, j) + 1}{max(i, j) + 1}"))
    s = sp.Matrix(sp.symbols(f"s1:{n + 1}"))
    y = sp.Matrix(sp.symbols(f"y1:{n + 1}"))
    return b, s, y
