"""Compiled updates: :func:`compile_update` turns a closed-form update ``x -> x_next`` (a
:class:`~symtaylor.steps.Step`'s ``.update``, or any vector of expressions in the variables)
into one generated NumPy module, :class:`CompiledUpdate`, with the objective, its gradient and
Hessian when the objective is known; :func:`solver_source` writes the standalone solver module
(that module, the loop of :mod:`symtaylor.codegen.loop` and a ``__main__``).

Every identifier in the generated source comes from the sanitizer (the module's
:class:`~symtaylor.codegen.names._Namer`); the call-time keywords of the parameters are the
step's own keys (``lr``, ``damping``) or the sanitizer's names of the symbols.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..coerce import _show, as_expr, as_exprs, as_number, as_variables
from ..errors import InputError
from . import loop as _loop_module
from .cse import _cse
from .emit import _function_source, _header, _module_source
from .ir import _Function
from .load import _load
from .module import _Module
from .plan import _output, _Planner
from .text import _short, _vars_text

__all__ = ["CompiledUpdate", "compile_update", "solver_source"]

_NAMES = ("update", "objective", "objective_grad", "objective_hess")


@dataclass(frozen=True, eq=False)
class CompiledUpdate:
    """A compiled update ``x -> x_next``; call it as ``u(x, **params)`` (batch-first: ``x`` of
    shape ``(..., n)`` gives ``(..., n)``).

    Attributes
    ----------
    method : str
        What the update is (``"newton"``, ``"gradient"``, ..., or ``"update"``).
    variables : tuple of Symbol
        ``x[..., i]`` is ``variables[i]``.
    params : tuple of Symbol
        The symbolic parameters, given at call time by the keywords in :attr:`keywords`.
    keywords : tuple of str
        The call-time keyword of each parameter (``lr``, ``damping``, or the symbol's name).
    source : str
        A standalone Python module (``math`` and ``numpy`` only) defining ``update`` and, when
        the objective is known, ``objective``, ``objective_grad`` and ``objective_hess``.
    expression : sympy.Matrix
        The update, ``n x 1``.
    objective_expr : sympy.Expr or None
        The objective whose minimizer the update looks for, when known.
    """

    method: str
    variables: tuple[sp.Symbol, ...]
    params: tuple[sp.Symbol, ...]
    keywords: tuple[str, ...]
    source: str = field(repr=False)
    expression: sp.Matrix = field(repr=False)
    objective_expr: sp.Expr | None = field(repr=False)
    derivation: Any = field(repr=False)
    functions: Mapping[str, Callable[..., Any]] = field(repr=False)
    data: tuple[sp.Symbol, ...] = field(default=(), repr=False)
    stacked_data: np.ndarray | None = field(default=None, repr=False)

    @property
    def has_objective(self) -> bool:
        return self.objective_expr is not None

    def param_values(self, params: Mapping[Any, Any] | None, *, missing_ok: Sequence[str] = ()
                     ) -> dict[str, float]:
        """The parameter values by keyword (each a real number); the symbol's own name is
        accepted for its keyword. Unknown names and missing values are an InputError."""
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            raise InputError(f"params must be a mapping {{name: number}}, got {_show(params)}")
        alias = {s.name: k for s, k in zip(self.params, self.keywords)}
        out: dict[str, float] = {}
        for key, value in params.items():
            name = key.name if isinstance(key, sp.Symbol) else key
            if not isinstance(name, str):
                raise InputError(f"parameter names must be text or Symbols, got {_show(key)}")
            kw = name if name in self.keywords else alias.get(name)
            if kw is None:
                known = ", ".join(self.keywords) or "none"
                raise InputError(f"unknown parameter {_show(name)}; this update takes: {known}")
            out[kw] = float(as_number(value, kw))
        absent = [k for k in self.keywords if k not in out and k not in missing_ok]
        if absent:
            raise InputError(f"the update needs values for {', '.join(absent)} "
                             f"(e.g. {absent[0]}=0.1)")
        return out

    def _args(self, values: Mapping[str, float]) -> tuple[Any, ...]:
        return tuple(values[k] for k in self.keywords)

    def _call(self, name: str, x: Any, values: Mapping[str, float]) -> Any:
        fn = self.functions.get(name)
        if fn is None:
            raise InputError(f"this update has no {name.replace('_', ' ')}: give the objective")
        args = self._args(values)
        try:
            if self.stacked_data is not None:
                return self.functions[f"_{name}_stacked"](x, *args, self.stacked_data)
            return fn(x, *args)
        except (ValueError, TypeError) as exc:
            raise InputError(f"{name}: {exc}") from None

    def __call__(self, x: Any, **params: Any) -> np.ndarray:
        """The next iterate(s) from ``x`` (shape ``(..., n)``)."""
        return self._call("update", x, self.param_values(params))

    def f(self, x: Any, **params: Any) -> Any:
        """The objective at ``x`` (when known)."""
        return self._call("objective", x, self.param_values(params))

    def bound(self, values: Mapping[str, float], free: str | None = None
              ) -> tuple[Callable[..., Any], ...]:
        """``(step, objective, grad, hess)`` as functions of one point ``x`` with the parameter
        values fixed (``None`` where the objective is unknown). With ``free``, ``step`` takes
        that parameter as its second argument (``step(x, lam)``): adaptive damping."""
        vals = dict(values)
        idx = self.keywords.index(free) if free is not None else -1
        stack = () if self.stacked_data is None else (self.stacked_data,)
        pick = ((lambda n: self.functions[f"_{n}_stacked"]) if stack
                else (lambda n: self.functions[n]))
        if free is not None:
            vals.setdefault(free, 0.0)
        args = list(self._args(vals))
        upd = pick("update")
        if idx >= 0:
            def step(x: np.ndarray, lam: float) -> Any:
                args[idx] = lam
                return upd(x, *args, *stack)
        else:
            fixed = tuple(args)

            def step(x: np.ndarray) -> Any:
                return upd(x, *fixed, *stack)
        if not self.has_objective:
            return step, None, None, None
        fargs = tuple(args)
        fo, fg, fh = pick("objective"), pick("objective_grad"), pick("objective_hess")
        return (step, lambda x: fo(x, *fargs, *stack), lambda x: fg(x, *fargs, *stack),
                lambda x: fh(x, *fargs, *stack))

    def __repr__(self) -> str:
        names = ", ".join(s.name for s in self.variables)
        kws = ", ".join(self.keywords)
        return (f"CompiledUpdate({self.method}: x[{names}] -> x_next"
                f"{'; ' + kws if kws else ''}: {_short(list(self.expression), 60)})")

    def latex(self) -> str:
        lhs = sp.Matrix(self.variables)
        return rf"{sp.latex(lhs)} \leftarrow {sp.latex(self.expression)}"

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


def _matrix(update: Any, variables: Any) -> tuple[sp.Matrix, tuple[sp.Symbol, ...]]:
    if isinstance(update, sp.MatrixBase):
        if 1 not in update.shape:
            raise InputError(f"the update must be a vector, got a {update.rows}x{update.cols} "
                             "matrix")
        entries = list(update)
    elif isinstance(update, (list, tuple)):
        entries = list(update)
    else:
        entries = [update]
    if not entries:
        raise InputError("empty update")
    exprs = as_exprs(entries, variables) if variables is not None else as_exprs(entries)
    if variables is None:
        free: set[sp.Symbol] = set().union(*(e.free_symbols for e in exprs))
        if len(free) != len(exprs):
            raise InputError("pass variables=...: the update's variables cannot be told from "
                             "its parameters")
        syms = tuple(sorted(free, key=lambda s: s.name))
    else:
        syms = as_variables(variables)
    if len(syms) != len(exprs):
        raise InputError(f"the update has {len(exprs)} entries for {len(syms)} variables")
    return sp.Matrix(exprs), syms


def compile_update(
    update: Any,
    variables: Any = None,
    *,
    objective: Any = None,
    data: Mapping[sp.Symbol, np.ndarray] | None = None,
    method: str = "update",
    derivation: Any = None,
    keywords: Mapping[sp.Symbol, str] | None = None,
    residuals: Sequence[Any] = (),
) -> CompiledUpdate:
    """Compile an update ``x -> x_next`` (and its objective, gradient and Hessian).

    Parameters
    ----------
    update : vector of expressions in ``variables`` (and parameters)
    variables : the variables, in order
    objective : the objective the update minimizes, optional
    data : ``{symbol: 1-D array}``: the update and the objective are means over the samples of
        per-sample expressions in the data symbols
    keywords : call-time keyword for some parameter symbols (a Step's ``lr``, ``damping``)
    residuals : when the objective is ``sum(r_i**2)/2``, its residuals (derivatives per residual)

    Examples
    --------
    >>> import numpy as np
    >>> u = compile_update(["x - lr*(2*x - 4)"], "x", objective="(x - 2)**2")
    >>> u(np.array([0.0]), lr=0.25), u.keywords
    (array([1.]), ('lr',))
    >>> u(np.array([[0.0], [4.0]]), lr=0.5).tolist()
    [[2.0], [2.0]]
    """
    upd, syms = _matrix(update, variables)
    fexpr = None if objective is None else as_expr(objective, syms)
    dsyms: tuple[sp.Symbol, ...] = ()
    arrays: list[np.ndarray] = []
    if data:
        by_name = {s.name: s for e in [*upd, *([fexpr] if fexpr is not None else [])]
                   for s in e.free_symbols}
        for s, a in data.items():
            dsyms += (by_name.get(s.name, s),)
            arrays.append(np.asarray(a, dtype=float))
    free: set[sp.Symbol] = set().union(*(e.free_symbols for e in upd))
    if fexpr is not None:
        free |= fexpr.free_symbols
    params = tuple(sorted(free - set(syms) - set(dsyms), key=lambda s: s.name))
    reduce = "mean"
    names = list(_NAMES if fexpr is not None else _NAMES[:1])
    mod = _Module(syms, params, dsyms, reduce, names)
    n = len(syms)
    values = list(upd)
    fvals: list[sp.Expr] = []
    if fexpr is not None:
        g, h = _derivatives(fexpr, syms, residuals)
        fvals = [fexpr, *g, *h]
    prepared = mod.prepare([*values, *fvals])
    outs = [_output((n,), [(i,) for i in range(n)], prepared[:n])]
    if fexpr is not None:
        rest = prepared[n:]
        outs.append(_output((), [()], rest[:1]))
        outs.append(_output((n,), [(i,) for i in range(n)], rest[1:n + 1]))
        outs.append(_output((n, n), [(i, j) for i in range(n) for j in range(n)],
                            rest[n + 1:]))
    planner = _Planner(mod)
    outs = _cse(mod, [planner.plan(o) for o in outs])
    vtxt = _vars_text(syms)
    what = _short(list(upd), 60)
    what_f = _short(fexpr, 60) if fexpr is not None else ""
    xs = (("x", tuple(mod.sym(s) for s in syms)),)
    summaries = [f"The next iterate {what} from x = ({vtxt}).",
                 f"The objective {what_f}." if fexpr is not None else "",
                 "Gradient of the objective.", "Hessian of the objective."]
    funcs = [_Function(nm, sm, (o,), xs) for nm, sm, o in zip(names, summaries, outs)]
    lines = [f"the update x -> {what} with x[..., :] = ({vtxt})"]
    if fexpr is not None:
        lines.append(f"objective {what_f}, its gradient and Hessian")
    if dsyms:
        lines.append(f"means over the data ({', '.join(map(str, dsyms))})")
    header = _header("update", mod.argnames, lines, mod.namer)
    src = _module_source(header, [_function_source(mod, fn) for fn in funcs])
    ns = _load(src, "update", mod.namer)
    kws = _keywords(params, keywords or {}, mod)
    fns = {k: v for k, v in ns.items() if callable(v) and (
        k in names or (k.startswith("_") and k.endswith("_stacked")))}
    stacked = np.array(arrays, dtype=float) if arrays else None
    return CompiledUpdate(method, syms, params, kws, src, upd, fexpr, derivation, fns, dsyms,
                          stacked)


def _derivatives(fexpr: sp.Expr, syms: tuple[sp.Symbol, ...], residuals: Sequence[Any]
                 ) -> tuple[list[sp.Expr], list[sp.Expr]]:
    """The gradient and the Hessian (row-major) of ``fexpr``; for ``sum(r_i**2)/2`` from the
    residuals (``sum r_i grad r_i`` and ``sum grad r_i grad r_i^T + r_i hess r_i``, derived
    per residual: seconds faster than differentiating the expanded sum)."""
    n = len(syms)
    if residuals:
        rs = [as_expr(r, syms) for r in residuals]
        if sp.expand(sum((r**2 for r in rs), sp.S.Zero) / 2 - fexpr) == 0:
            jac = [[sp.diff(r, v) for v in syms] for r in rs]
            grad = [sp.Add(*(r * row[i] for r, row in zip(rs, jac))) for i in range(n)]
            hess = [sp.Add(*(row[i] * row[j] + r * sp.diff(row[i], syms[j])
                             for r, row in zip(rs, jac)))
                    for i in range(n) for j in range(n)]
            return grad, hess
    from ..calculus import gradient, hessian

    return list(gradient(fexpr, syms)), list(hessian(fexpr, syms))


def _keywords(params: tuple[sp.Symbol, ...], given: Mapping[sp.Symbol, str], mod: _Module
              ) -> tuple[str, ...]:
    """The call-time keyword of each parameter: the given one (a Step's ``lr``), unless two
    would clash, else the sanitizer's name of the symbol."""
    issued = [mod.names[mod.sym(s)] for s in params]
    out = []
    for s, name in zip(params, issued):
        kw = given.get(s)
        out.append(kw if kw is not None and kw.isidentifier() and kw not in issued else name)
    if len(set(out)) != len(out):
        out = issued
    return tuple(out)


# -- the standalone solver ----------------------------------------------------------------------

_MAIN = '''

# -- the solver ---------------------------------------------------------------------------------

KEYWORDS = {keywords}
DEFAULTS = {defaults}
DAMPING = {damping}
HAS_OBJECTIVE = {has_objective}


def solve(x0, max_iter=1000, xtol=1e-12, ftol=None, **params):
    """Run the update from x0 (a sequence of numbers); parameters by keyword."""
    values = dict(DEFAULTS)
    for key, value in params.items():
        if key not in KEYWORDS:
            raise ValueError("unknown parameter " + repr(key) + "; known: " + repr(KEYWORDS))
        values[key] = float(value)
    missing = [k for k in KEYWORDS if k not in values and not (DAMPING and k == DAMPING[0])]
    if missing:
        raise ValueError("missing parameter values: " + ", ".join(missing))
    x0 = np.array(x0, dtype=float).reshape(-1)
    damping = None
    free = -1
    if DAMPING:
        free = KEYWORDS.index(DAMPING[0])
        values.setdefault(DAMPING[0], 0.0)
        damping = (float(params.get(DAMPING[0], DAMPING[1])), DAMPING[2], DAMPING[3])
    args = [values[k] for k in KEYWORDS]
    if free >= 0:
        def step(x, lam):
            args[free] = lam
            return update(x, *args)
    else:
        def step(x):
            return update(x, *args)
    fobj = grad = hess = None
    if HAS_OBJECTIVE:
        def fobj(x):
            return objective(x, *args)

        def grad(x):
            return objective_grad(x, *args)

        def hess(x):
            return objective_hess(x, *args)
    with np.errstate(all="ignore"):
        g0 = math.nan if grad is None else _fp_norm(grad(x0))
        out = fixed_point(step, x0, fobj, max_iter=max_iter, xtol=xtol, ftol=ftol,
                          damping=damping, keep=False)
        if fobj is not None:
            out["f"] = float(fobj(out["x"]))
        out["grad_norm"] = math.nan
        if out["status"] in ("xtol", "f_change", "stalled") and fobj is not None:
            rtol = max(1e-8, math.sqrt(ftol)) if out["status"] == "f_change" else 1e-8
            ok, kind, detail, gn, _ = check_end(out["x"], out["f"], out["f0"], g0, grad, hess,
                                                fobj, rtol=rtol)
            out["grad_norm"] = gn
            if not ok:
                out["status"], out["detail"] = kind, detail
            elif out["status"] == "stalled":
                out["status"] = "roundoff"
    out["success"] = out["status"] in ("xtol", "f_change", "roundoff")
    return out


def _main(argv=None):
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(description="Run the exported update from a start point.")
    parser.add_argument("--x0", required=True, help="start point, e.g. '2' or '-1.2,1'")
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--xtol", type=float, default=1e-12)
    parser.add_argument("--ftol", type=float, default=None)
    for key in KEYWORDS:
        parser.add_argument("--" + key, type=float, default=None)
    argv = list(sys.argv[1:] if argv is None else argv)
    for i in range(len(argv) - 1):  # '--x0 -1.2,1': a value that starts with '-'
        if argv[i] == "--x0":
            argv[i:i + 2] = ["--x0=" + argv[i + 1]]
            break
    args = parser.parse_args(argv)
    x0 = [float(v) for v in args.x0.replace(" ", ",").split(",") if v]
    params = {{k: getattr(args, k) for k in KEYWORDS if getattr(args, k) is not None}}
    out = solve(x0, max_iter=args.max_iter, xtol=args.xtol, ftol=args.ftol, **params)
    print(json.dumps({{"x": [float(v) for v in out["x"]], "f": out["f"], "nit": out["nit"],
                      "status": out["status"], "success": out["success"],
                      "detail": out["detail"]}}))
    return 0 if out["success"] else 1


if __name__ == "__main__":
    raise SystemExit(_main())
'''


def solver_source(cu: CompiledUpdate, defaults: Mapping[str, float] | None = None,
                  damping: tuple[str, float, float, float] | None = None) -> str:
    """The standalone solver module: the update module, the loop, ``solve`` and ``__main__``.

    ``damping`` is ``(keyword, start, up, down)`` for adaptive damping. Literal values are
    written with ``repr`` of floats and of the sanitizer-issued keywords only.
    """
    if cu.stacked_data is not None:
        raise InputError("an update over data cannot be exported (the data would have to be "
                         "written into the module)")
    defaults = {k: float(v) for k, v in (defaults or {}).items() if k in cu.keywords}
    if damping is not None:
        damping = (str(damping[0]), float(damping[1]), float(damping[2]), float(damping[3]))
        if damping[0] not in cu.keywords:
            raise InputError(f"no parameter {damping[0]!r} to damp")
    for k in (*cu.keywords, *defaults):
        if not (isinstance(k, str) and k.isidentifier()):  # pragma: no cover - sanitized
            raise InputError(f"parameter keyword {_show(k)} is not an identifier")
    loop = inspect.getsource(_loop_module)
    loop = loop[loop.index("import math"):]  # the module docstring stays in symtaylor
    main = _MAIN.format(keywords=repr(tuple(cu.keywords)), defaults=repr(defaults),
                        damping=repr(damping), has_objective=repr(cu.has_objective))
    return cu.source.rstrip("\n") + "\n\n\n# -- the fixed-point loop (symtaylor.codegen.loop) " \
        + "-" * 40 + "\n\n" + loop.rstrip("\n") + "\n" + main


def write_solver(cu: CompiledUpdate, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`solver_source` to ``path``; return the path."""
    if not isinstance(path, (str, Path)):
        raise InputError(f"path must be a file name, got {_show(path)}")
    p = Path(path)
    p.write_text(solver_source(cu, **kwargs), encoding="utf-8")
    return p


# -- Steps -----------------------------------------------------------------------------------------


def compile_step(step: Any, objective: Any = None) -> CompiledUpdate:
    """:meth:`Step.compile <symtaylor.steps.Step.compile>`: the step's update with its own
    objective (``step.model.value``, when it is a function of the variables) or ``objective``;
    cached on the step."""
    cache = step.__dict__.setdefault("_compiled_updates", {})
    key = None if objective is None else as_expr(objective, step.variables)
    if key in cache:
        return cache[key]
    fexpr = key
    if fexpr is None and step.model is not None and (
            step.model.value.free_symbols & set(step.variables)):
        fexpr = step.model.value
    keywords = {v: k for k, v in step.parameters.items() if isinstance(v, sp.Symbol)}
    outline = step.__dict__.get("outline") or getattr(step, "outline", None)
    residuals = getattr(step, "residuals", ()) if key is None else ()
    cu = compile_update(step.update, step.variables, objective=fexpr, method=step.method,
                        derivation=outline, keywords=keywords, residuals=residuals)
    cache[key] = cu
    return cu


def export_step(step: Any, path: str | Path, params: Mapping[Any, Any] | None = None,
                damping: str | None = None) -> Path:
    """:meth:`Step.export_solver <symtaylor.steps.Step.export_solver>`."""
    cu = compile_step(step)
    if damping is None and step.method == "levenberg-marquardt" and "damping" in cu.keywords:
        damping = "adaptive"
    if damping is not None and not (isinstance(damping, str) and damping == "adaptive"):
        raise InputError(f"damping must be None or 'adaptive', got {_show(damping)}")
    adaptive = damping == "adaptive"
    if adaptive and ("damping" not in cu.keywords or not cu.has_objective):
        raise InputError("damping='adaptive' needs a step with a symbolic damping parameter")
    values = cu.param_values(params, missing_ok=cu.keywords)
    damp = None
    if adaptive:
        from ..iterate import DAMPING_DOWN, DAMPING_START, DAMPING_UP

        damp = ("damping", values.pop("damping", DAMPING_START), DAMPING_UP, DAMPING_DOWN)
        if not damp[1] > 0:
            raise InputError(f"adaptive damping starts at a positive number, got {damp[1]}")
    return write_solver(cu, path, defaults=values, damping=damp)
