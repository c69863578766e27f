"""The two public entry points, :func:`minimize` and :func:`least_squares`.

Each coerces its input once, compiles the exact derivation (cached: see
:mod:`~symtaylor.optimize.objective` and :mod:`~symtaylor.optimize.residuals`), looks the method
up in :data:`~symtaylor.optimize.METHODS`, runs its core on counted callables
(:mod:`~symtaylor.optimize.counting`), lets :mod:`~symtaylor.optimize.diagnosis` decide what
the end point may be called, and returns a frozen :class:`~symtaylor.optimize.Result`. No
method name appears here: every method fact is in the registry.

Examples
--------
>>> r = minimize("theta1**2 + 10*theta2**2", "theta1 theta2", [5, 5], method="newton")
>>> r.success, r.nit, r.x.tolist(), r.nhev
(True, 1, [0.0, 0.0], 2)
>>> minimize("x**2", "x", [1.0], method="bfgs", maxiter=5)
Traceback (most recent call last):
...
symtaylor.errors.SolverError: unknown option 'maxiter' for method 'bfgs'; it accepts: data, ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..codegen.text import _short
from ..coerce import _show, as_flag, as_order
from ..errors import SolverError, SymTaylorError
from ..latex import Derivation, Row
from .cache import cached
from .counting import Counted
from .dask_data import DaskObjective, DaskResiduals, dask_columns, first_chunk, is_dask_data
from .diagnosis import diagnose, diagnose_least_squares
from .inputs import start_point
from .methods import method_options, resolve
from .objective import Problem, SumOfSquares, build_objective
from .residuals import Residuals, build_residuals
from .result import IterationState, Result
from .run import Run, run_options
from .spec import Method, Prepared
from .stopping import finite

__all__ = ["least_squares", "minimize"]


def _short_text(expr: sp.Expr, limit: int = 120) -> str:
    """``expr`` as text of at most ``limit`` characters, cached (printing a large sum costs ms;
    codegen's ``_short`` prints only the head terms of huge expressions)."""
    text, _ = cached(("text", expr, limit), lambda: _short(expr, limit))
    return text


def _tolerance(value: Any, label: str) -> float:
    """A finite, non-negative int or float (not a bool: ``gtol=True`` is a mistake; not inf:
    every gradient would "converge" at the start)."""
    if not (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0):
        raise SolverError(f"{label} must be a finite non-negative number, not {_show(value)}")
    return float(value)


def minimize(
    f: Any,
    variables: Any = None,
    x0: Any = None,
    method: str = "newton",
    *,
    lr: float | str | None = None,
    line_search: str | None = None,
    data: Mapping[Any, Any] | None = None,
    reduce: str = "sum",
    gtol: float = 1e-8,
    max_iter: int | None = None,
    subproblem: str | None = None,
    delta0: float | None = None,
    memory: int | None = None,
    region: Mapping[Any, tuple[float, float]] | None = None,
    check_second_order: bool | None = None,
    callback: Callable[[IterationState], Any] | None = None,
    progress: bool | int | str | None = None,
    history: bool = True,
    warm_start: str | None = None,
    **options: Any,
) -> Result:
    """Minimize ``f`` over ``variables`` from ``x0``.

    Parameters
    ----------
    f : expression, text or callable (see :func:`symtaylor.as_expr`).
    variables : the variables (default: free symbols that are not data, sorted by name).
    x0 : starting point (sequence, mapping, or text ``"1, 2"``).
    method : ``"newton"`` (default), ``"gradient-descent"``, ``"trust-region"``, ``"bfgs"``,
        ``"l-bfgs"`` (aliases: ``"trust-exact"``, ``"dogleg"``, ``"lbfgs"``, ``"gd"``); see
        :data:`symtaylor.optimize.METHODS`.
    lr : gradient descent step: a number, or ``"1/L"`` (from
        :func:`~symtaylor.bounds.convergence_bounds`; over ``region``, default the box
        ``x0 +- max(1, |x0|)``). Default ``"1/L"``. With ``line_search="armijo"`` it is the first
        trial step (default 1).
    line_search : ``None`` (fixed step) or ``"armijo"`` (gradient descent only; the other
        methods always use their own line search or trust region).
    data : ``{symbol or name: 1-D array}``: ``f`` is then a per-sample expression in the data
        symbols and the objective is its ``reduce`` (``"sum"`` or ``"mean"``) over the samples.
        Dask arrays (or a Dask DataFrame, or its columns) are evaluated chunk by chunk, one
        fused pass over the data per point (:mod:`~symtaylor.optimize.dask_data`), on the
        current ``distributed`` Client or Dask's local scheduler; ``Result.data_passes``
        counts the passes.
    gtol : stop when ``||grad f||_2 <= gtol``.
    max_iter : iteration limit (default 10000 for gradient descent, else 1000).
    subproblem, delta0 : trust-region subproblem (``"exact"``, the default, or ``"dogleg"``)
        and first radius (default 1).
    memory : L-BFGS pairs kept (default 10).
    check_second_order : compute the smallest Hessian eigenvalue at the end (at any size: Lanczos
        above 400 variables), probe f along ``-g`` and that eigenvector, and refuse to call a
        saddle, a maximum or a point f keeps falling from a minimum (default True; False
        leaves only the first-order test ``||g|| <= gtol``).
    callback : called with an :class:`IterationState` after every iteration; return True to stop.
    progress : None (default): on a terminal, a line (iteration, f, ||g||, step) about once a
        second once the run has lasted 2 s; nothing when stderr is not a terminal. True (every
        10 iterations) or an int: print progress lines to stderr anyway. False: never.
        ``"tasks"``: as None, and with data on Dask the cluster's task progress of each pass
        (``distributed.progress`` under a Client, else ``dask.diagnostics.ProgressBar``).
    history : keep the per-iteration :class:`History`.
    warm_start : None (default) or ``"chunk"`` (data on Dask only): first fit, with the same
        method, on the data's first chunk computed into memory, then start the full-data
        iteration from that point (for a convex sum, within ~1/sqrt(chunk rows) of the
        optimum: fewer full passes). ``Result.data_passes`` counts the chunk as its fraction
        of the data. Opt-in: on a non-convex objective the chunk's minimum may lie in the
        basin of another local minimum than the one reached from ``x0``; a first chunk that
        is not representative of the data (rows sorted by label) saves fewer passes or
        costs more (logistic with an intercept, first chunk all y = 0: the chunk fit
        succeeds far out on a ray where f tends to 0, 31 passes against 7 cold); a
        chunk fit that fails (an unbounded or empty chunk) leaves ``x0`` as the start.
        Methods with a Hessian only (a quasi-Newton fit would restart from an empty
        curvature memory).
    **options : refused by name (:class:`~symtaylor.SolverError` naming the accepted ones).

    Returns
    -------
    Result

    Examples
    --------
    >>> r = minimize("x**4 - 2*x**2 + 1/2", "x", [2.0], method="newton")
    >>> r.success, round(float(r.x[0]), 12), r.nit < 10
    (True, 1.0, True)
    >>> g = minimize("x**4 - 2*x**2 + 1/2", "x", [2.0], method="gradient-descent", lr=0.01)
    >>> g.success, round(float(g.x[0]), 6), g.nit > r.nit
    (True, 1.0, True)
    >>> m = minimize("-x**2 - y**2", "x y", [0, 0], method="bfgs")
    >>> m.success, m.status.name
    (False, 'SADDLE')
    """
    spec, presets = resolve(method, "minimize")
    given = method_options(spec, presets, {
        "lr": lr, "line_search": line_search, "subproblem": subproblem, "delta0": delta0,
        "memory": memory, "region": region}, options, minimize)
    max_iter = as_order(spec.max_iter if max_iter is None else max_iter, "max_iter")
    callback, progress, history = run_options(callback, progress, history)
    if check_second_order is not None:
        check_second_order = as_flag(check_second_order, "check_second_order")
    gtol = _tolerance(gtol, "gtol")
    if warm_start is not None and not (isinstance(warm_start, str) and warm_start == "chunk"):
        raise SolverError(f"warm_start must be None or 'chunk', not {_show(warm_start)}")
    if is_dask_data(data):
        obj = _dask_objective(f, variables, data, reduce, spec.hessian, progress)
    elif warm_start is not None:
        raise SolverError("warm_start='chunk' needs data given as Dask arrays")
    else:
        obj = build_objective(f, variables, data, reduce)
    x = start_point(x0, obj.variables)
    if warm_start == "chunk":
        if not spec.hessian:
            raise SolverError(
                f"warm_start='chunk' is for methods with a Hessian, not {spec.name!r}: a "
                "quasi-Newton method starts the full-data fit with an empty curvature "
                "memory, and measured it then needed more passes than without the warm start")
        assert isinstance(obj, DaskObjective)
        x = _chunk_start(spec, obj, f, variables, data, reduce, x, given, gtol=gtol,
                         max_iter=max_iter)
    second_order = True if check_second_order is None else check_second_order
    return _minimize(spec, obj, x, spec.keywords(given, obj, x),
                     Run(callback, progress, history), gtol=gtol, max_iter=max_iter,
                     second_order=second_order)


def _minimize(spec: Method, obj: Problem, x: np.ndarray, prepared: Prepared, run: Run, *,
              gtol: float, max_iter: int, second_order: bool) -> Result:
    """Run the method's core on counted callables, diagnose the end point, report."""
    problem = Counted(f=obj.f, grad=obj.grad, hess=obj.hess)
    if isinstance(obj, DaskObjective):  # the post-run probes: several points in one pass
        problem.f.prefetch = obj.prefetch  # type: ignore[union-attr]
    with np.errstate(all="ignore"):
        out = spec.core(problem, x, run.record, gtol=gtol, max_iter=max_iter,
                        **prepared.keywords)
        wall = run.elapsed()
        verdict = diagnose(problem, out, x, gtol=gtol, second_order=second_order,
                           lower_bound=obj.const if isinstance(obj, SumOfSquares) else None,
                           f_start=run.fs[0] if run.keep and run.fs else None,
                           iterates=run.xs if run.keep else None,
                           certified_box=prepared.certified_box)
    g_final = out.g if out.g is not None else problem.grad(out.x)
    gnorm = float(np.linalg.norm(g_final))
    rows = [*obj.rows(), *prepared.rows, Row("x_{k+1}", spec.update)]
    return Result(
        x=out.x, fun=float(out.f), grad_norm=gnorm,
        success=verdict.status.success, status=verdict.status,
        message=_seen(verdict.status, verdict.message, float(out.f), gnorm, out.nit),
        nit=out.nit, nfev=problem.nfev, njev=problem.njev, nhev=problem.nhev,
        history=run.history(),
        derivation=Derivation(f"{spec.name} on f = {_short_text(obj.expr)}", tuple(rows)),
        wall_time=wall, method=spec.name, compile_time=obj.compile_time,
        hess_min_eig=verdict.hess_min_eig, variables=obj.variables,
        data_passes=getattr(obj, "passes", None),
    )


def _chunk_start(spec: Method, obj: DaskObjective, f: Any, variables: Any, data: Any,
                 reduce: str, x: np.ndarray, given: Any, *, gtol: float,
                 max_iter: int) -> np.ndarray:
    """The warm start: ``spec``'s fit of the first chunk (in memory, no post-run checks)
    from ``x``. ``x`` itself is kept when the chunk is empty, when its fit raises or does
    not succeed, or when it ends at a non-finite point (an unbounded chunk fit would start
    the full-data fit far away). The chunk read is added to ``obj``'s passes as its
    fraction of the rows."""
    syms, cols = dask_columns(data)
    blocks, fraction = first_chunk(cols)
    obj.extra_passes += fraction
    if not blocks or blocks[0].size == 0:
        return x
    try:
        sub = build_objective(f, variables, dict(zip(syms, blocks)), reduce)
        out = _minimize(spec, sub, x, spec.keywords(given, sub, x), Run(None, False, False),
                        gtol=gtol, max_iter=max_iter, second_order=False)
    except SymTaylorError:
        return x
    if not out.success or not np.all(np.isfinite(out.x)):
        return x
    return out.x


def _placeholder(syms: tuple[sp.Symbol, ...]) -> dict[sp.Symbol, np.ndarray]:
    """One-sample in-memory columns standing in for Dask data while parsing and compiling."""
    return {s: np.zeros(1) for s in syms}


def _dask_objective(f: Any, variables: Any, data: Any, reduce: str, hessian: bool,
                    progress: Any) -> DaskObjective:
    syms, cols = dask_columns(data)
    if not isinstance(reduce, str) or reduce not in ("sum", "mean"):
        raise SolverError(f"reduce must be 'sum' or 'mean', not {_show(reduce)}")
    # compiled as a sum: the chunks' partial sums add up; a mean divides by N at the end
    template = build_objective(f, variables, _placeholder(syms), "sum")
    return DaskObjective(template, cols, reduce, hessian, tasks=progress == "tasks")


def _seen(status: Any, message: str, f: float, gnorm: float, nit: int) -> str:
    """A failure's message with what was seen at the end (f, ||g||, iterations) when the core
    gave no detail of its own: a failure always says where it stopped."""
    if status.success or message != status.message:
        return message
    return f"{message} (stopped at f = {f:.6g}, ||g|| = {gnorm:.3g} after {nit} iterations)"


def least_squares(
    residuals: Any,
    variables: Any = None,
    x0: Any = None,
    data: Mapping[Any, Any] | None = None,
    method: str = "lm",
    *,
    ftol: float = 1e-15,
    xtol: float = 1e-15,
    gtol: float = 0.0,
    max_nfev: int | None = None,
    max_iter: int | None = None,
    scale: bool | None = None,
    callback: Callable[[IterationState], Any] | None = None,
    progress: bool | int | str | None = None,
    history: bool = True,
    **options: Any,
) -> Result:
    """Minimize ``sum(r_i^2)`` over ``variables`` from ``x0``.

    Parameters
    ----------
    residuals : a list of expressions, or ONE expression in data symbols with ``data``.
    variables, x0 : as for :func:`minimize`.
    data : ``{symbol or name: 1-D array}`` (curve fitting: ``residuals = model - y``); Dask
        arrays or DataFrame columns as for :func:`minimize` (one pass per point for ``r^T r``,
        ``J^T r``, ``J^T J``; ``residuals`` of the result is then a lazy Dask array).
    method : ``"lm"`` (Levenberg–Marquardt, MINPACK logic) or ``"gauss-newton"``.
    ftol, xtol : relative reduction of the sum of squares / relative step below which the run
        has converged (MINPACK's tests for ``lm``).
    gtol : ``lm``: largest cosine between ``r`` and a Jacobian column (MINPACK); Gauss–Newton:
        gradient norm.
    max_nfev : ``lm`` evaluation budget (default ``200 (n + 1)``); max_iter : Gauss–Newton
        (default 200).
    scale : Moré's variable scaling in ``lm`` (default True).
    callback, progress, history : as for :func:`minimize`.
    **options : refused by name (:class:`~symtaylor.SolverError` naming the accepted ones).

    Returns
    -------
    Result
        ``fun`` is ``sum(r_i^2)`` (the residual sum of squares, no 1/2), ``residuals`` the
        final residual vector, ``grad_norm`` the norm of ``2 J^T r``.

    Examples
    --------
    >>> import sympy as sp
    >>> b1, b2, x, y = sp.symbols("b1 b2 x y")
    >>> xs = np.linspace(0, 4, 20); ys = 3.0 * np.exp(-0.7 * xs)
    >>> r = least_squares(b1 * sp.exp(-b2 * x) - y, [b1, b2], [1, 0.1], data={x: xs, y: ys})
    >>> r.success, np.round(r.x, 10).tolist(), r.fun < 1e-20
    (True, [3.0, 0.7], True)
    """
    spec, presets = resolve(method, "least-squares")
    given = method_options(spec, presets, {"max_nfev": max_nfev, "scale": scale}, options,
                           least_squares)
    if max_iter is not None:  # checked for every method; used by those with a limit
        max_iter = as_order(max_iter, "max_iter")
    callback, progress, history = run_options(callback, progress, history)
    tolerances = {k: _tolerance(v, k) for k, v in (("ftol", ftol), ("xtol", xtol),
                                                   ("gtol", gtol))}
    dask = is_dask_data(data)
    if dask:
        syms, cols = dask_columns(data)
        res = DaskResiduals(build_residuals(residuals, variables, _placeholder(syms)), cols,
                            tasks=progress == "tasks")
    else:
        res = build_residuals(residuals, variables, data)
    x = start_point(x0, res.variables)
    prepared = spec.keywords(given, res, x)
    if spec.max_iter is not None:
        tolerances["max_iter"] = spec.max_iter if max_iter is None else max_iter
    problem = Counted(fun=res.fun, jac=res.jac)
    run = Run(callback, progress, history)
    with np.errstate(all="ignore"):
        out = spec.core(problem, x, run.record if run.watched else None, **tolerances,
                        **prepared.keywords)
        wall = run.elapsed()
        fun, gnorm = _fun_and_grad_norm(out.fvec, out.jac)
        verdict = diagnose_least_squares(problem, out, tolerances["gtol"] if "max_iter" in
                                         tolerances else 0.0)  # lm's gtol is a cosine
    samples = (res.samples if dask else res.data[0].size) if data is not None else None
    deriv, _ = cached(("lsq-derivation", spec.name, tuple(res.exprs), res.variables, samples),
                      lambda: _lsq_derivation(spec.name, spec.update, res, samples))
    return Result(
        x=out.x, fun=fun, grad_norm=gnorm, success=verdict.status.success,
        status=verdict.status, message=_seen(verdict.status, verdict.message, fun, gnorm,
                                             out.nit), nit=out.nit, nfev=problem.nfev,
        njev=problem.njev, nhev=0, history=run.history(), derivation=deriv, wall_time=wall,
        method=spec.name, compile_time=res.compile_time,
        residuals=res.residuals_at(out.x) if dask else out.fvec, variables=res.variables,
        data_passes=res.passes if dask else None,
    )


def _fun_and_grad_norm(r: np.ndarray, J: np.ndarray) -> tuple[float, float]:
    """``sum(r_i^2)`` and ``||2 J^T r||`` (inf and the norm of what is finite on overflow)."""
    fun = float(r @ r)
    if math.isfinite(fun):
        g = J.T @ r
        gnorm = 2.0 * math.sqrt(float(g @ g))
        if not math.isfinite(gnorm):
            gnorm = float(2.0 * np.linalg.norm(g))  # overflow in g @ g, or a nan in J
        return fun, gnorm
    return math.inf, float(2.0 * np.linalg.norm(J.T @ r)) if finite(r, J) else math.nan


def _lsq_derivation(name: str, update: str, res: Residuals, samples: int | None) -> Derivation:
    nres = len(res.exprs)
    title = f"{name} on {nres} residual{'s' if nres > 1 else ''}"
    if samples is not None:
        title += f" over {samples} samples"
    r_row, _ = cached(("row", tuple(res.exprs)), lambda: sp.Matrix(res.exprs).T)
    rows = [Row("r", r_row), Row("J", res.jac_exprs), Row("x_{k+1}", update)]
    return Derivation(title, tuple(rows))
