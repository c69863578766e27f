"""Run a closed-form update ``x -> x_next`` as a fixed-point iteration: :func:`iterate`.

The update is a :class:`~symtaylor.steps.Step` (compiled with :meth:`Step.compile
<symtaylor.steps.Step.compile>`), a :class:`~symtaylor.codegen.update.CompiledUpdate`, or a
vector of expressions in ``variables``. The loop is :func:`symtaylor.codegen.loop.fixed_point`
(the one the exported solvers run); its end is reported honestly as a
:class:`~symtaylor.optimize.Result`: converged (``XTOL``, ``F_CHANGE``) only when the iterates
settled and, when the objective is known, the gradient there is small relative to the
problem's scale and no descent direction was found (else ``SLOW`` or ``SADDLE``); otherwise
``CYCLE`` (a 2-cycle), ``DIVERGED``, ``NON_FINITE``, ``MAX_ITER``, ``STALLED`` or ``CALLBACK``.

Examples
--------
>>> from symtaylor import newton_step
>>> r = iterate(newton_step("x**4 - 2*x**2 + 1/2", "x"), [2.0])
>>> r.success, r.status.name, round(float(r.x[0]), 12)
(True, 'XTOL', 1.0)
>>> iterate(newton_step("x**4/4 - x**2 + 2*x", "x"), [0.0]).status.name   # 0 -> 1 -> 0 -> ...
'CYCLE'
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from .codegen.compiled import CompiledFunction
from .codegen.loop import check_end, fixed_point
from .codegen.update import CompiledUpdate, compile_update
from .coerce import _show, as_data, as_expr, as_flag, as_number, as_order, as_point, as_variables
from .errors import InputError
from .latex import Derivation, Row
from .optimize.result import History, IterationState, Result, Status

__all__ = ["iterate"]

_BY_KEY = {s.key: s for s in Status}
_CONVERGED = ("xtol", "f_change", "stalled")
#: Adaptive damping: the start value (when params gives none), the factor on a refused step
#: and on an accepted one.
DAMPING_START, DAMPING_UP, DAMPING_DOWN = 1e-3, 10.0, 0.1


def _tol(value: Any, what: str, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if type(value) is float and value >= 0 and math.isfinite(value):
        return value
    v = float(as_number(value, what))
    if not v >= 0:
        raise InputError(f"{what} must be a non-negative number, got {_show(value)}")
    return v


def _compiled(update: Any, variables: Any, f: Any, data: Any) -> tuple[CompiledUpdate, Any]:
    """The compiled update and the derivation to report."""
    from .steps import Step

    if isinstance(update, Step):
        if data is not None:
            raise InputError("data= applies to an update expression, not to a Step")
        _same_variables(variables, update.variables, "the Step's")
        cu = update.compile() if f is None else update.compile(objective=f)
        return cu, getattr(update, "outline", None) or update.derivation
    if isinstance(update, CompiledUpdate):
        if f is not None or data is not None:
            raise InputError("f= and data= apply when compiling: give them to compile_update")
        derivation = update.derivation
        if derivation is None:
            derivation = Derivation("Fixed-point iteration",
                                    (Row(r"x_{k+1}", update.expression),))
        _same_variables(variables, update.variables, "the compiled update's")
        return update, derivation
    if isinstance(update, CompiledFunction):
        return _wrapped(update, variables, f, data)
    cols = as_data(data, "data") if data is not None else None
    cu = compile_update(update, variables, objective=f, data=cols)
    rows = (Row(r"x_{k+1}", cu.expression),)
    return cu, Derivation("Fixed-point iteration", rows)


def _wrapped(fn: CompiledFunction, variables: Any, f: Any, data: Any
             ) -> tuple[CompiledUpdate, Any]:
    """A :func:`~symtaylor.compile_numpy` function of the update (``compile_numpy(
    newton_step(f).update, "x")``) as a compiled update; ``f`` compiled beside it."""
    n = len(fn.variables)
    if fn.shape not in ((n,), (n, 1)) or fn.data or data is not None:
        raise InputError(f"a compiled update maps x to x_next: shape ({n},) without data, got "
                         f"{fn.name} of shape {fn.shape}" + (" with data" if fn.data else ""))
    _same_variables(variables, fn.variables, "the compiled function's")
    funcs: dict[str, Any] = {"update": fn.function}
    fexpr = None
    if f is not None:
        from .codegen import compile_objective

        fexpr = as_expr(f, fn.variables)
        obj = compile_objective(fexpr, fn.variables, params=fn.params)
        funcs.update(objective=obj.f.function, objective_grad=obj.grad.function,
                     objective_hess=obj.hess.function)
    expr = fn.expression if isinstance(fn.expression, sp.MatrixBase) else sp.Matrix(
        list(fn.expression) if isinstance(fn.expression, (list, tuple)) else [fn.expression])
    names = tuple(s.name for s in fn.params)
    cu = CompiledUpdate("update", fn.variables, fn.params, names, fn.source, expr, fexpr, None,
                        funcs)
    return cu, Derivation("Fixed-point iteration", (Row(r"x_{k+1}", expr),))


def _same_variables(variables: Any, have: tuple, whose: str) -> None:
    """``variables=`` (optional for a compiled update) must name its variables, in order."""
    if variables is not None and [v.name for v in as_variables(variables)] != [
            v.name for v in have]:
        raise InputError(f"variables= differs from {whose} variables "
                         f"({', '.join(v.name for v in have)})")


def iterate(
    update: Any,
    x0: Any,
    *,
    variables: Any = None,
    f: Any = None,
    params: Mapping[Any, Any] | None = None,
    max_iter: int = 1000,
    xtol: float = 1e-12,
    ftol: float | None = None,
    callback: Callable[[IterationState], Any] | None = None,
    damping: str | None = None,
    data: Mapping[Any, Any] | None = None,
    history: bool = True,
) -> Result:
    """Iterate a closed-form update ``x <- update(x)`` from ``x0``.

    Parameters
    ----------
    update : Step, CompiledUpdate, CompiledFunction, or a vector of expressions
        A :class:`~symtaylor.Step` (its objective is known: ``step.model.value``), a compiled
        update (:meth:`Step.compile`, or ``compile_numpy(step.update, ...)``, whose
        parameters are given by their symbols' names), or expressions for ``x_next`` in
        ``variables``.
    x0 : starting point (sequence, mapping or text ``"1, 2"``).
    variables : the variables of an update expression (in order).
    f : the objective, optional (a Step's own is used when not given): evaluated along the
        run and used to check the end point (gradient, Hessian, flat directions).
    params : ``{name: number}``: values of the update's symbolic parameters (``lr``,
        ``damping`` or the symbols' names).
    max_iter : iteration limit.
    xtol : converged when the estimated distance to the fixed point (from the observed
        contraction of the steps) is below ``xtol * max(1, ||x||)``.
    ftol : also converged when ``|f_k - f_{k+1}| <= ftol * max(|f_k|, |f_{k+1}|, 1)`` (as
        SciPy's L-BFGS-B; needs ``f``); the end check then asks the gradient to be small to
        ``sqrt(ftol)`` (relative) instead of ``1e-8``.
    callback : called with an :class:`~symtaylor.optimize.IterationState` after every
        iteration (``grad_norm`` is nan: not computed along the run); return True to stop.
    damping : ``"adaptive"``: the ``damping`` parameter (Levenberg-Marquardt, damped Newton)
        is raised (x10) after a step that does not lower f, which is refused, and lowered
        (x0.1) after one that does; its start is ``params["damping"]`` (default 1e-3).
    data : ``{symbol or name: 1-D array}``: the update and ``f`` are per-sample expressions
        in the data symbols, averaged over the samples (gradient descent on a mean loss).
    history : keep the iterates.

    Returns
    -------
    Result
        ``nit`` counts accepted steps; ``nfev`` evaluations of f; ``njev``/``nhev`` the
        gradient and Hessian evaluations of the end checks.

    Examples
    --------
    >>> from symtaylor import gradient_step, levenberg_marquardt_step
    >>> r = iterate(gradient_step("x**4 - 2*x**2 + 1/2", "x"), [2.0], params={"lr": 0.01})
    >>> r.status.name, round(float(r.x[0]), 9), r.nit > 100
    ('XTOL', 1.0, True)
    >>> iterate(["x - lr*2*(x - 3)"], [0.0], variables="x", params={"lr": 1.5}).status.name
    'DIVERGED'
    >>> lm = levenberg_marquardt_step(["x - 1", "10*(y - x**2)"], "x y")
    >>> r = iterate(lm, [-1.2, 1.0], damping="adaptive")
    >>> r.success, np.round(r.x, 10).tolist()
    (True, [1.0, 1.0])
    """
    max_iter = as_order(max_iter, "max_iter", minimum=1)
    xtol = _tol(xtol, "xtol")
    ftol = _tol(ftol, "ftol", allow_none=True)
    keep = as_flag(history, "history")
    if callback is not None and (not callable(callback) or isinstance(callback, type)):
        raise InputError(f"callback must be a function or None, got {_show(callback)}")
    if damping is not None and not (isinstance(damping, str) and damping == "adaptive"):
        raise InputError(f"damping must be None or 'adaptive', got {_show(damping)}")
    cu, derivation = _compiled(update, variables, f, data)
    adaptive = damping == "adaptive"
    if adaptive:
        if "damping" not in cu.keywords:
            raise InputError("damping='adaptive' needs an update with a symbolic damping "
                             "parameter: levenberg_marquardt_step(r, x) or "
                             "newton_step(f, x, damping='lambda')")
        if not cu.has_objective:
            raise InputError("damping='adaptive' needs the objective: give f=")
    if ftol is not None and not cu.has_objective:
        raise InputError("ftol needs the objective: give f=")
    values = cu.param_values(params, missing_ok=("damping",) if adaptive else ())
    x = _start(x0, len(cu.variables), cu.variables)
    step, fobj, grad, hess = cu.bound(values, "damping" if adaptive else None)
    monitor = None
    if callback is not None:
        def monitor(nit: int, xk: np.ndarray, fk: float, s: float) -> bool:
            return bool(callback(IterationState(nit, xk.copy(), fk, math.nan, s)))
    damp = (values.get("damping", DAMPING_START), DAMPING_UP, DAMPING_DOWN) if adaptive \
        else None
    if damp is not None and not damp[0] > 0:
        raise InputError(f"adaptive damping starts at params['damping'] > 0, got {damp[0]}")
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        g0 = float(np.linalg.norm(grad(x))) if grad is not None else math.nan
        out = _run(step, x, fobj, max_iter, xtol, ftol, damp, monitor, keep)
        fx = float(fobj(out["x"])) if fobj is not None else math.nan
        status, detail = out["status"], out["detail"]
        gn, min_eig, njev, nhev = math.nan, None, int(grad is not None), 0
        if status in _CONVERGED and fobj is not None and math.isfinite(fx):
            rtol = max(1e-8, math.sqrt(ftol)) if status == "f_change" and ftol else 1e-8
            ok, kind, why, gn, min_eig = check_end(out["x"], fx, out["f0"], g0, grad, hess, fobj,
                                                   rtol=rtol)
            njev, nhev = njev + 1, 1
            if not ok:
                status, detail = kind, f"{why}; {detail}" if detail else why
            elif status == "stalled":
                status = "roundoff"
        elif grad is not None and np.all(np.isfinite(out["x"])):
            gn, njev = float(np.linalg.norm(grad(out["x"]))), njev + 1
    wall = time.perf_counter() - t0
    st = _BY_KEY[status]
    if cu.has_objective is False and st.success:
        detail += "; no objective given: a fixed point of the update, not checked as a minimum"
    message = f"{st.message} ({detail})" if detail else st.message
    hist = None
    if keep:
        hist = History(np.array(out["xs"]), np.array(out["fs"]),
                       np.full(len(out["fs"]), math.nan), np.array(out["steps"]))
    return Result(
        x=out["x"], fun=fx, grad_norm=gn, success=st.success, status=st, message=message,
        nit=out["nit"], nfev=out["nfev"] + (fobj is not None), njev=njev, nhev=nhev,
        history=hist, derivation=derivation, wall_time=wall, method=cu.method,
        hess_min_eig=min_eig, variables=cu.variables,
    )


def _start(x0: Any, n: int, variables: Any) -> np.ndarray:
    """``x0`` as a float array: a float64 array or a list of Python floats as it is (the hot
    path), anything else through :func:`symtaylor.as_point` (text, mappings, exact numbers)."""
    if type(x0) is np.ndarray and x0.dtype == np.float64 and x0.shape == (n,):
        x = x0.copy()
    elif isinstance(x0, (list, tuple)) and len(x0) == n and all(type(v) is float for v in x0):
        x = np.array(x0, dtype=float)
    else:
        x = np.array([float(as_number(v, "x0")) for v in as_point(x0, variables)], dtype=float)
    if not np.isfinite(x).all():
        raise InputError("x0 must be finite")
    return x


def _run(step: Any, x: np.ndarray, fobj: Any, max_iter: int, xtol: float, ftol: float | None,
         damp: Any, monitor: Any, keep: bool) -> dict:
    try:
        return fixed_point(step, x, fobj, max_iter=max_iter, xtol=xtol, ftol=ftol,
                           damping=damp, monitor=monitor, keep=keep)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise InputError(f"the update failed: {exc}") from None
