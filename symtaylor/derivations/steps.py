r"""Derivations of the closed-form steps: ``gradient-step``, ``newton``, ``damped-newton``,
``gauss-newton``, ``levenberg-marquardt``.

Each is built from the engine's own :class:`symtaylor.steps.Step` (its gradient, Hessian,
Jacobian, direction and update) and every ``=`` row is proved against an independent
computation: the gradient against ``Derivative(f, x).doit()``, the direction by substitution
into the model's stationarity equations, the update as ``x + p``.

Floats (``lr=0.1``, ``damping=0.5``, ``0.1*x**2``) are read as the decimals they denote
(``1/10``), as ``loss-after-step`` does, and the statement says so: rows of float arithmetic
are equal only up to rounding, which no exact route proves. (The engine's ``Step`` keeps the
floats.) A parameter named like a variable (``derive("gradient-step", "alpha**2", "alpha")``)
is refused with an ``InputError``; pass ``lr=`` (``damping=``) a symbol of another name.

Examples
--------
>>> from symtaylor.derivations import derive
>>> d = derive("newton", "(x - 1)^2 + 10*(y + 2)^2 + x*y", "x, y")
>>> d.result.T
Matrix([[80/39, -82/39]])
>>> sorted({r.check for r in d.rows})
['assumed', 'exact']
>>> derive("gradient-step", "(x - 3)^2", "x", lr=sp.Rational(1, 10)).result
Matrix([[(4*x + 3)/5]])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sympy as sp

from ..calculus import degree_bound
from ..coerce import exact_decimals
from ..steps import (
    ALPHA,
    LAMBDA,
    MAX_FACTOR_DEGREE,
    Step,
    gradient_step,
    levenberg_marquardt_step,
    newton_step,
)
from .checks import UncheckedStepError, define, equal, inequality, solves, theorem
from .record import Derivation, Row, Section
from .registry import register

__all__ = [
    "damped_newton_derivation",
    "gauss_newton_derivation",
    "gradient_step_derivation",
    "levenberg_marquardt_derivation",
    "newton_derivation",
    "step_derivation",
]


# -- helpers -----------------------------------------------------------------------------------


def _fresh(name: str, taken: set[str]) -> sp.Symbol:
    """A symbol printed as ``name`` unless that name is taken by the problem's own symbols
    (then ``name`` with a prime-like suffix)."""
    cand = name
    k = 0
    while cand in taken:
        k += 1
        cand = f"{name}_{{{k}}}" if "_" not in name else name + "'" * k
    taken.add(cand)
    return sp.Symbol(cand)


def _taken(*objs: Any) -> set[str]:
    names: set[str] = set()
    for o in objs:
        if isinstance(o, sp.Basic | sp.MatrixBase):
            names |= {s.name for s in o.free_symbols}
        elif isinstance(o, Iterable):
            names |= {s.name for s in o if isinstance(s, sp.Symbol)}
    return names


def _tex(expr: Any) -> str:
    return sp.latex(expr)


def _param_text(value: Any, greek: str) -> str:
    """``$\\alpha$`` for the symbol itself, else ``$\\alpha = 1/10$``."""
    if isinstance(value, sp.Symbol) and value.name == greek:
        return f"$\\{greek}$"
    return f"$\\{greek} = {_tex(value)}$"


def _floats(step: Step) -> list[sp.Float]:
    """The floats of the step's inputs (objective or residuals, parameters)."""
    parts: list[Any] = [*step.parameters.values(), *step.residuals]
    if step.model is not None and not step.residuals:
        parts.append(step.model.value)
    found: set[sp.Float] = set()
    for p in parts:
        if isinstance(p, sp.Basic | sp.MatrixBase):
            found |= p.atoms(sp.Float)
    return sorted(found, key=lambda fl: (abs(fl), fl))


def _float_note(floats: Sequence[sp.Float]) -> str:
    shown = [f"${sp.latex(fl)}$ as ${sp.latex(exact_decimals(fl))}$" for fl in floats[:4]]
    more = f" (and {len(floats) - 4} more)" if len(floats) > 4 else ""
    return (" Floats are read as the decimals they denote (" + ", ".join(shown) + more
            + "), so that every row is proved in exact arithmetic.")


def _exact_step(step: Step) -> tuple[Step, str]:
    """The step rebuilt with exact numbers when it has floats (``lr=0.1``, ``0.5*x**2``): a
    float step's rows are equal only up to rounding, which no exact route proves. Returns the
    step and the note for the statement."""
    floats = _floats(step)
    if not floats and not any(isinstance(p, sp.Basic | sp.MatrixBase) and p.has(sp.Float)
                              for p in (step.update, step.direction)):
        return step, ""
    syms = step.variables
    if step.method == "gradient":
        assert step.model is not None
        new = gradient_step(exact_decimals(step.model.value), syms,
                            lr=exact_decimals(step.parameters["lr"]))
    elif step.method in ("newton", "damped-newton"):
        assert step.model is not None
        new = newton_step(exact_decimals(step.model.value), syms,
                          damping=exact_decimals(step.parameters.get("damping", 0)))
    else:
        new = levenberg_marquardt_step([exact_decimals(r) for r in step.residuals], syms,
                                       exact_decimals(step.parameters.get("damping", 0)),
                                       step.parameters.get("scaling", "identity"))
    return new, _float_note(floats) if floats else ""


def _col(syms: Sequence[sp.Symbol]) -> sp.Matrix:
    return sp.Matrix(list(syms))


def _displacement(syms: Sequence[sp.Symbol], taken: set[str]) -> sp.Matrix:
    if len(syms) == 1:
        return sp.Matrix([_fresh("p", taken)])
    return sp.Matrix([_fresh(f"p_{{{sp.latex(v)}}}", taken) for v in syms])


def _derivatives(expr: sp.Expr, syms: Sequence[sp.Symbol]) -> sp.Matrix:
    return sp.Matrix([sp.Derivative(expr, v) for v in syms])


def _second_derivatives(expr: sp.Expr, syms: Sequence[sp.Symbol]) -> sp.Matrix:
    n = len(syms)
    return sp.Matrix(n, n, lambda i, j: sp.Derivative(expr, syms[i], syms[j]))


def _vars_def(syms: Sequence[sp.Symbol]) -> tuple[str, str]:
    if len(syms) == 1:
        return (_tex(syms[0]), "the variable, the current iterate")
    return ("x", "the current iterate $x = (" + ", ".join(_tex(v) for v in syms) + ")^{T}$")


def _where(syms: Sequence[sp.Symbol]) -> str:
    return ", ".join(_tex(v) for v in syms)


def _factored(e: sp.Expr) -> sp.Expr:
    """``factor(cancel(e))``, the factoring skipped above ``MAX_FACTOR_DEGREE`` (the damped
    curvature ``lambda + 2 + 6x + ... + 399*398 x^397``: 40 s in ``factor``)."""
    c = sp.cancel(e)
    if degree_bound(c, tuple(c.free_symbols)) > MAX_FACTOR_DEGREE:
        return c
    return sp.factor(c)


def _curvature(b: sp.Matrix, bname: str, what: str) -> tuple[list[Row], str]:
    """Rows for the curvature condition: the stationary point of the model ``m(p) = ... +
    p^T B p / 2`` is its unique minimizer iff ``B`` is positive definite (Sylvester: all leading
    principal minors positive). Constant minors are decided exactly; otherwise the condition is
    stated for the current point."""
    n = b.rows
    minors = [_factored(b[:k, :k].det(method="berkowitz")) for k in range(1, n + 1)]
    rows: list[Row] = []
    if all(not m.free_symbols for m in minors):
        if all(m > 0 for m in minors):
            for k, m in enumerate(minors, 1):
                lhs = sp.Symbol(f"M_{{{k}}}") if n > 1 else b[0, 0]
                rows.append(inequality(lhs, ">", 0,
                                       f"leading principal minor {k} of {what}" if n > 1
                                       else f"the curvature {what}",
                                       where={lhs: m}))
            rows.append(theorem(r"M_{k} > 0" if n > 1 else f"{bname} > 0", f"{bname} \\succ 0",
                "the stationary point is the model's unique minimizer",
                "Sylvester's criterion" if n > 1 else "second-derivative test"))
            return rows, "positive definite everywhere: the step goes to the model's minimum"
        k = next(i for i, m in enumerate(minors) if not m > 0)
        lhs = sp.Symbol(f"M_{{{k + 1}}}") if n > 1 else b[0, 0]
        rows.append(inequality(lhs, "<=", 0, f"leading principal minor {k + 1} of {what}"
                               if n > 1 else f"the curvature {what}", where={lhs: minors[k]}))
        rows.append(theorem(f"M_{{{k + 1}}} \\le 0", f"{bname} \\not\\succ 0",
                            "not a minimum: the step goes to a saddle point or a maximum "
                            "of the model", "Sylvester's criterion"))
        return rows, "not positive definite: the step does not minimize the model"
    conds = sp.And(*[sp.StrictGreaterThan(m, 0) for m in minors], evaluate=False) if n > 1 \
        else sp.StrictGreaterThan(minors[0], 0)
    rows.append(theorem(conds, f"{bname} \\succ 0",
                        "where this holds, the stationary point is the model's unique minimizer",
                        "Sylvester's criterion" if n > 1 else "second-derivative test"))
    return rows, "positive definite where the leading principal minors are positive"


def _common_defs(syms: Sequence[sp.Symbol], dvec: sp.Matrix, xnew: sp.Symbol
                 ) -> list[tuple[str, str]]:
    defs = [_vars_def(syms)]
    if dvec.rows == 1:
        defs.append((_tex(dvec[0]), "the step (displacement) $x_{new} - x$"))
    else:
        defs.append(("p = (" + ", ".join(_tex(c) for c in dvec) + ")^{T}",
                     "the step (displacement) $x_{new} - x$"))
    defs.append((_tex(xnew), "the next iterate $x + p$"))
    return defs


# -- gradient step -----------------------------------------------------------------------------


@register("gradient-step")
def gradient_step_derivation(f: Any, variables: Any = None, lr: Any = ALPHA) -> Derivation:
    r"""Gradient descent from the first-order Taylor model plus a step-length penalty:
    ``m(p) = f + g^T p + ||p||^2/(2 alpha)``, minimized at ``p = -alpha g``; the predicted
    decrease of the linear model is ``alpha ||g||^2``.

    ``derive("gradient-step", f, variables, lr=alpha)``; ``result`` is the update (a column).

    Examples
    --------
    >>> from symtaylor.derivations import derive
    >>> d = derive("gradient-step", "x^2 + 10*y^2", "x, y", lr=sp.Rational(1, 20))
    >>> d.result.T
    Matrix([[9*x/10, 0]])
    """
    step = gradient_step(f, variables, lr=lr)
    return _gradient(step)


def _decrease(m1: sp.Symbol, expr: sp.Expr, alpha: sp.Expr, g: sp.Matrix,
              syms: Sequence[sp.Symbol]) -> Row:
    """The row ``m_1 <= f``: ``f - m_1 = alpha * sum g_i^2`` (kept a sum of squares, not
    expanded: ``(2x + y)^2 + (x + 2y)^2`` is seen to be nonnegative, ``5x^2 + 8xy + 5y^2`` is
    not), over the reals, for ``alpha > 0``. If the gradient is real only for positive
    variables (``sqrt(x)``: ``g^2 = 1/(4x)``), those variables are taken positive and the row
    says so; failing that, the row is the theorem "a sum of squares of reals is nonnegative",
    stated (``assumed``) for a real gradient, never marked proved."""
    pos = (alpha,) if isinstance(alpha, sp.Symbol) else ()
    why = "the linear model predicts a decrease α‖g‖² " + ("for α > 0" if pos else "(α > 0)")
    where = {m1: expr - alpha * sp.Add(*[gi**2 for gi in g])}
    try:
        return inequality(m1, "<=", expr, why, where=where, positive=pos)
    except UncheckedStepError:
        pass
    dom = tuple(v for v in syms if v.is_positive is None and any(
        p.base == v and not p.exp.is_integer for p in expr.atoms(sp.Pow)))
    if dom:
        try:
            return inequality(m1, "<=", expr, why + ", and " + ", ".join(
                f"{v} > 0" for v in dom) + " (where f and its gradient are real)",
                where=where, positive=pos + dom)
        except UncheckedStepError:
            pass
    return theorem(r"\nabla f(x) \in \mathbb{R}^{" + str(len(syms)) + "}",
                   f"{_tex(m1)} \\le f", "f − m₁ = α‖g‖², α > 0 times a sum of squares: a "
                   "decrease wherever the gradient is real", "a sum of squares of reals is "
                   "nonnegative")


#: ``||g||^2`` is expanded when the gradient has at most this many terms in all.
_EXPAND_TERMS = 60


def _gradient(step: Step) -> Derivation:
    step, note = _exact_step(step)
    syms = step.variables
    model = step.model
    assert model is not None
    expr, g = model.value, model.gradient
    alpha = step.parameters["lr"]
    taken = _taken(expr, syms, alpha)
    gs, xnew, m1 = _fresh("g", taken), _fresh("x_{new}", taken), _fresh("m_{1}", taken)
    grad_m = _fresh("m_{p}", taken)
    dvec = _displacement(syms, taken)
    x = _col(syms)
    mexpr = expr + (g.T * dvec)[0] + (dvec.T * dvec)[0] / (2 * alpha)
    # ||g||^2 expanded, unless that squares long sums (x + x^2 + ... + x^399: the expansion
    # and its proof by expand took 2 x 12 s); then kept as the sum of squares g_i^2, which
    # the linear model's value matches term by term
    small = sum(len(sp.Add.make_args(gi)) for gi in g) <= _EXPAND_TERMS
    gg = sp.expand((g.T * g)[0]) if small else sp.Add(*[gi**2 for gi in g])
    predicted = expr - alpha * gg if small else sp.Add(expr, *[-alpha * gi**2 for gi in g])
    norm2 = sp.Symbol(r"\left\lVert g\right\rVert^{2}")
    rows = [
        define("m(p)", r"f(x) + g^{T} p + \frac{1}{2 \alpha} \left\lVert p\right\rVert^{2}",
               "first-order Taylor model plus the step-length penalty"),
        equal(gs, g, "the gradient ∇f(x): differentiate f", where={gs: _derivatives(expr, syms)}),
        equal(grad_m, g + dvec / alpha, "differentiate the model in p",
              where={grad_m: _derivatives(mexpr, list(dvec))}),
        solves(g + dvec / alpha, dvec, step.direction,
               "stationary point; the minimizer, the model being strictly convex for α > 0",
               name=grad_m),
        equal(xnew, step.update, "x_new = x + p = x − α∇f(x)", where={xnew: x + step.direction}),
    ]
    pred = [
        define(m1, r"f(x) + g^{T} p", "the linear model at the step"),
        equal(m1, predicted, "predicted value: f − α‖∇f‖²",
              where={m1: expr + (g.T * step.direction)[0]}),
    ]
    if isinstance(alpha, sp.Symbol) or (alpha.is_number and alpha > 0):
        pred.append(_decrease(m1, expr, alpha, g, syms))
    defs = _common_defs(syms, dvec, xnew) + [
        ("f", f"the objective $f = {_tex(expr)}$"),
        (_tex(gs), r"the gradient $\nabla f(x)$"),
        (r"\alpha", "the learning rate" + ("" if isinstance(alpha, sp.Symbol)
                                           else f", here $\\alpha = {_tex(alpha)}$")),
        ("m(p)", "the model of $f(x + p)$ that the step minimizes"),
        (_tex(grad_m), "$\\nabla_{p} m$, the gradient of the model in $p$"),
        (_tex(m1), "the first-order model's value at the step"),
        (_tex(norm2), "$g^{T} g$"),
    ]
    return Derivation(
        "gradient-step", "Gradient step from the first-order Taylor model",
        f"Minimize $f = {_tex(expr)}$ over ${_where(syms)}$ by one gradient step with learning "
        f"rate {_param_text(alpha, 'alpha')}: minimize the first-order Taylor model of $f$ about "
        "the current point plus a penalty that keeps the step short." + note,
        tuple(rows), step.update, tuple(defs),
        (Section("Predicted decrease", tuple(pred)),),
        f"The update is $x_{{new}} = x - \\alpha \\nabla f(x)$; the first-order model predicts "
        f"the decrease $\\alpha \\lVert \\nabla f(x)\\rVert^{{2}} = {_tex(alpha * gg)}$.")


# -- Newton ------------------------------------------------------------------------------------


@register("newton")
def newton_derivation(f: Any, variables: Any = None, damping: Any = 0) -> Derivation:
    r"""Newton's step from the second-order Taylor model ``m(p) = f + g^T p + p^T B p/2``
    (``B = H``, or ``H + lambda I`` when damped): its stationary point ``B p = -g``, the update
    ``x + p`` and the curvature condition (``B`` positive definite) for a minimum.

    ``derive("newton", f, variables, damping=0)``; ``result`` is the update (a column).

    Examples
    --------
    >>> from symtaylor.derivations import derive
    >>> derive("newton", "x**4 - 2*x**2 + 1/2", "x").result
    Matrix([[2*x**3/(3*x**2 - 1)]])
    """
    return _newton(newton_step(f, variables, damping=damping))


@register("damped-newton")
def damped_newton_derivation(f: Any, variables: Any = None, damping: Any = LAMBDA
                             ) -> Derivation:
    r"""The damped Newton step ``(H + lambda I) p = -g`` (Levenberg's damping of the model,
    ``m(p) + lambda ||p||^2 / 2``); see :func:`newton_derivation`.

    Examples
    --------
    >>> from symtaylor.derivations import derive
    >>> derive("damped-newton", "x^2", "x").result
    Matrix([[lambda*x/(lambda + 2)]])
    """
    return _newton(newton_step(f, variables, damping=damping))


def _newton(step: Step) -> Derivation:
    step, note = _exact_step(step)
    syms = step.variables
    model = step.model
    assert model is not None
    expr, g, b = model.value, model.gradient, model.hessian
    lam = step.parameters.get("damping", 0)
    damped = lam != 0
    n = len(syms)
    taken = _taken(expr, syms, lam)
    gs, hs, xnew = _fresh("g", taken), _fresh("H", taken), _fresh("x_{new}", taken)
    bs = _fresh("B", taken) if damped else hs
    grad_m = _fresh("m_{p}", taken)
    dvec = _displacement(syms, taken)
    x = _col(syms)
    h_true = _second_derivatives(expr, syms)
    mexpr = expr + (g.T * dvec)[0] + (dvec.T * b * dvec)[0] / 2
    bname = "B" if damped else "H"
    rows = [
        define("m(p)", r"f(x) + g^{T} p + \tfrac{1}{2} p^{T} " + bname + " p",
               "second-order Taylor model" + (" plus the damping λ‖p‖²/2" if damped else "")),
        equal(gs, g, "the gradient ∇f(x)", where={gs: _derivatives(expr, syms)}),
        equal(hs, model.hessian - (lam * sp.eye(n) if damped else sp.zeros(n, n)),
              "the Hessian ∇²f(x)", where={hs: h_true}),
    ]
    if damped:
        rows.append(equal(bs, b, "damped curvature H + λI", where={bs: h_true + lam * sp.eye(n)}))
    rows += [
        equal(grad_m, g + b * dvec, "differentiate the model in p",
              where={grad_m: _derivatives(mexpr, list(dvec))}),
        solves(g + b * dvec, dvec, step.direction, "the model's stationary point: "
               + bname + " p = −g", name=grad_m),
        equal(xnew, step.update, "x_new = x + p, simplified", where={xnew: x + step.direction}),
    ]
    curv, verdict = _curvature(b, bname, ("H + λI" if damped else "the Hessian"))
    defs = _common_defs(syms, dvec, xnew) + [
        ("f", f"the objective $f = {_tex(expr)}$"),
        (_tex(gs), r"the gradient $\nabla f(x)$"),
        (_tex(hs), r"the Hessian $\nabla^{2} f(x)$"),
    ]
    if damped:
        defs += [(r"\lambda", "the damping" + ("" if isinstance(lam, sp.Symbol)
                                              else f", here $\\lambda = {_tex(lam)}$")),
                 (_tex(bs), r"the damped curvature $H + \lambda I$"), ("I", "the identity")]
    defs += [("m(p)", "the quadratic model of $f(x + p)$"),
             (_tex(grad_m), "$\\nabla_{p} m$, the gradient of the model in $p$")]
    if n > 1:
        defs.append((r"M_{k}", f"the $k$-th leading principal minor of ${bname}$"))
    defs.append((bname + r" \succ 0", f"${bname}$ is positive definite"))
    name = "Damped Newton" if damped else "Newton"
    return Derivation(
        "damped-newton" if damped else "newton", f"{name} step from the second-order model",
        f"Minimize $f = {_tex(expr)}$ over ${_where(syms)}$ by one {name.lower()} step: "
        "minimize the second-order Taylor model of $f$ about the current point"
        + (" plus the damping $\\tfrac{\\lambda}{2}\\lVert p\\rVert^{2}$ with "
           + _param_text(lam, "lambda") if damped else "") + "." + note,
        tuple(rows), step.update, tuple(defs),
        (Section("Curvature condition for a minimum", tuple(curv)),),
        f"The curvature matrix ${bname}$ is {verdict}.")


# -- Gauss-Newton and Levenberg-Marquardt ------------------------------------------------------


@register("gauss-newton")
def gauss_newton_derivation(residuals: Any, variables: Any = None) -> Derivation:
    r"""Gauss-Newton from the linearised residuals: ``r(x + p) ~ r + J p``, the model
    ``||r + J p||^2 / 2``, the normal equations ``J^T J p = -J^T r`` and the update.

    Examples
    --------
    >>> from symtaylor.derivations import derive
    >>> derive("gauss-newton", ["x - 1", "10*(y - x^2)"], "x, y").result.T
    Matrix([[1, x*(2 - x)]])
    """
    return _least_squares(levenberg_marquardt_step(residuals, variables, 0), residuals)


@register("levenberg-marquardt")
def levenberg_marquardt_derivation(residuals: Any, variables: Any = None, damping: Any = LAMBDA,
                                   scaling: str = "identity") -> Derivation:
    r"""Levenberg-Marquardt: the Gauss-Newton model plus ``lambda p^T D p / 2`` with ``D = I``
    (``scaling="identity"``) or ``D = diag(J^T J)`` (``"marquardt"``), the damped normal
    equations ``(J^T J + lambda D) p = -J^T r`` and the update.

    Examples
    --------
    >>> from symtaylor.derivations import derive
    >>> d = derive("levenberg-marquardt", ["2*x - 2"], "x", 1, scaling="marquardt")
    >>> d.result
    Matrix([[(x + 1)/2]])
    """
    return _least_squares(levenberg_marquardt_step(residuals, variables, damping, scaling),
                          residuals)


def _least_squares(step: Step, _given: Any) -> Derivation:
    step, note = _exact_step(step)
    syms = step.variables
    model = step.model
    assert model is not None
    n = len(syms)
    lam = step.parameters.get("damping", 0)
    gn = lam == 0
    scaling = step.parameters.get("scaling", "identity")
    a, jtr = model.hessian, model.gradient
    # the residuals as the engine read them: J^T r and the half sum of squares pin them down,
    # but the step keeps them only through the model; recompute from the value's terms
    rs = _residuals_of(step)
    rvec = sp.Matrix(rs)
    taken = _taken(rvec, syms, lam)
    rsym, jsym, asym, bsym = (_fresh("r", taken), _fresh("J", taken), _fresh("A", taken),
                              _fresh("b", taken))
    dsym = _fresh("D", taken)
    xnew, grad_m = _fresh("x_{new}", taken), _fresh("m_{p}", taken)
    dvec = _displacement(syms, taken)
    x = _col(syms)
    jac = rvec.jacobian(list(syms))
    jtj = (jac.T * jac).applyfunc(sp.expand)
    dmat = sp.eye(n) if scaling != "marquardt" else sp.diag(*[jtj[i, i] for i in range(n)])
    mexpr = ((rvec + jac * dvec).T * (rvec + jac * dvec))[0] / 2
    if not gn:
        mexpr += lam * (dvec.T * dmat * dvec)[0] / 2
    rows = [
        define(rsym, rvec, "the residuals r(x); minimize F(x) = ½‖r(x)‖²"),
        equal(jsym, jac, "the Jacobian J_ij = ∂r_i/∂x_j",
              where={jsym: sp.Matrix(len(rs), n, lambda i, j: sp.Derivative(rs[i], syms[j]))}),
        define("m(p)", r"\tfrac{1}{2}\left\lVert r + J p\right\rVert^{2}"
               + ("" if gn else r" + \tfrac{\lambda}{2} p^{T} D p"),
               "linearised residuals r(x + p) ≈ r + J p" + ("" if gn else ", plus damping")),
    ]
    if not gn:
        if scaling == "marquardt":
            rows.append(equal(dsym, dmat, "Marquardt's scaling D = diag(JᵀJ)",
                              where={dsym: sp.diag(*[(jac.T * jac)[i, i] for i in range(n)])}))
        else:
            rows.append(equal(dsym, dmat, "Levenberg's scaling D = I", where={dsym: sp.eye(n)}))
    rows += [
        equal(asym, a, "JᵀJ" + ("" if gn else " + λD"),
              where={asym: jac.T * jac + (lam * dmat if not gn else sp.zeros(n, n))}),
        equal(bsym, jtr, "Jᵀr, the gradient of F", where={bsym: jac.T * rvec}),
        equal(grad_m, jtr + a * dvec, "differentiate the model in p: A p + b",
              where={grad_m: _derivatives(mexpr, list(dvec))}),
        solves(jtr + a * dvec, dvec, step.direction,
               "normal equations " + ("JᵀJ p = −Jᵀr" if gn else "(JᵀJ + λD) p = −Jᵀr"),
               name=grad_m),
        equal(xnew, step.update, "x_new = x + p", where={xnew: x + step.direction}),
    ]
    defs = _common_defs(syms, dvec, xnew) + [
        (_tex(rsym), "the vector of residuals $r(x)$, $F(x) = \\tfrac{1}{2}\\lVert r(x)"
                     "\\rVert^{2}$ the objective"),
        (_tex(jsym), "the Jacobian of the residuals, $J_{ij} = \\partial r_i/\\partial x_j$"),
        ("m(p)", "the model of $F(x + p)$ from the linearised residuals"),
        (_tex(asym), "the normal-equations matrix $J^{T} J" + ("" if gn else r" + \lambda D")
         + "$"),
        (_tex(bsym), "$J^{T} r$, the gradient of $F$"),
        (_tex(grad_m), "$\\nabla_{p} m$, the gradient of the model in $p$"),
    ]
    if not gn:
        defs += [(r"\lambda", "the damping" + ("" if isinstance(lam, sp.Symbol)
                                              else f", here $\\lambda = {_tex(lam)}$")),
                 (_tex(dsym), "the damping matrix: "
                  + ("$\\operatorname{diag}(J^{T} J)$ (Marquardt's scale-invariant choice)"
                     if scaling == "marquardt" else "the identity $I$ (Levenberg)"))]
    name = "Gauss-Newton" if gn else "Levenberg-Marquardt"
    return Derivation(
        "gauss-newton" if gn else "levenberg-marquardt", f"{name} step from linearised residuals",
        f"Minimize $F = \\tfrac{{1}}{{2}}\\lVert r\\rVert^{{2}}$ over ${_where(syms)}$ with "
        "residuals $r = (" + ", ".join(_tex(e) for e in rs) + f")$ by one {name} step"
        + ("" if gn else " with damping " + _param_text(lam, "lambda")) + "." + note,
        tuple(rows), step.update, tuple(defs), (),
        "The matrix $A$ is positive semidefinite (a sum of outer products"
        + ("" if gn else " plus $\\lambda D$") + "), so the stationary point of the model is "
        "a minimizer; it is unique when $A$ is nonsingular.")


def _residuals_of(step: Step) -> list[sp.Expr]:
    if not step.residuals:  # pragma: no cover - levenberg_marquardt_step always keeps them
        raise AttributeError("the step does not carry its residuals")
    return list(step.residuals)


# -- from a Step record ------------------------------------------------------------------------


def step_derivation(step: Step, residuals: Any = None) -> Derivation:
    """The full derivation of a :class:`symtaylor.steps.Step` record (gradient, Newton, damped
    Newton, Gauss-Newton, Levenberg-Marquardt)."""
    if step.method == "gradient":
        return _gradient(step)
    if step.method in ("newton", "damped-newton"):
        return _newton(step)
    if step.method in ("gauss-newton", "levenberg-marquardt"):
        return _least_squares(step, residuals)
    raise NotImplementedError(f"no full derivation for a {step.method} step")
