r"""The registry of solver methods: :data:`METHODS`, ``{name: Method}``.

Everything known about a method is in its :class:`~symtaylor.optimize.spec.Method` entry, and
everything that depends on the methods is derived from here: the facades' dispatch
(:func:`resolve`, :func:`method_options`), the error for an unknown method (it lists the valid
names) or option (it names the option and the accepted ones, as SciPy's
``_check_unknown_options`` does), the documentation tables (:func:`method_table`) and the test
catalogues (``tests/test_mgh.py`` crosses MGH with every entry).

Examples
--------
>>> [m for m in METHODS if METHODS[m].kind == "minimize"]
['gradient-descent', 'newton', 'trust-region', 'bfgs', 'l-bfgs']
>>> resolve("dogleg", "minimize")[0].name, dict(resolve("dogleg", "minimize")[1])
('trust-region', {'subproblem': 'dogleg'})
>>> METHODS["gradient-descent"].max_iter, METHODS["l-bfgs"].options["memory"].default
(10000, 10)
>>> resolve("simplex", "minimize")
Traceback (most recent call last):
...
symtaylor.errors.SolverError: unknown method 'simplex'; valid methods: gradient-descent, newton,
trust-region, bfgs, l-bfgs (aliases: gd, gradient_descent, trust-exact, trust_region, dogleg, ...)
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ..coerce import _show, as_flag, as_number, as_positive_int
from ..errors import InputError, SolverError
from .gauss_newton import run_gauss_newton
from .gradient_descent import prepare as prepare_gradient_descent
from .gradient_descent import run_gradient_descent
from .lm import run_lm
from .newton import run_newton
from .quasi_newton import run_quasi_newton
from .spec import Kind, Method, Option
from .trust_region import SUBPROBLEMS, run_trust_region

__all__ = ["KINDS", "METHODS", "method_options", "method_table", "names", "resolve"]

#: The facade of each kind of problem.
KINDS: Mapping[str, str] = MappingProxyType({"minimize": "minimize",
                                             "least-squares": "least_squares"})


# The smallest normal float: a smaller radius has lost precision already.
_TINY = sys.float_info.min

# -- option checks --------------------------------------------------------------------------------


def _line_search(value: Any) -> Any:
    if not (isinstance(value, str) and value == "armijo"):
        raise SolverError(f"line_search must be None or 'armijo', not {_show(value)}")
    return value


def _subproblem(value: Any) -> str:
    if not (isinstance(value, str) and value in SUBPROBLEMS):
        raise SolverError(f"subproblem must be 'exact' or 'dogleg', not {_show(value)}")
    return value


def _delta0(value: Any) -> float:
    """A positive, finite, normal float (nan, inf, 0 or a subnormal radius is refused up front:
    the radius halves and doubles from it, so such a start never recovers)."""
    try:
        delta0 = float(as_number(value, "delta0"))
    except (InputError, TypeError, ValueError, OverflowError):
        raise SolverError(f"delta0 must be a positive finite number, not {_show(value)}") \
            from None
    if not (math.isfinite(delta0) and delta0 >= _TINY):
        raise SolverError(f"delta0 must be a positive finite number of at least {_TINY:.3g}, "
                          f"not {_show(value)}")
    return delta0


# -- the registry -------------------------------------------------------------------------------

_QUASI_NEWTON = r"x_k - t_k H_k \nabla f(x_k)"

METHODS: Mapping[str, Method] = MappingProxyType({m.name: m for m in (
    Method(
        "gradient-descent", "minimize", run_gradient_descent,
        update=r"x_k - \alpha \nabla f(x_k)",
        summary="fixed step `lr` (a number, or `\"1/L\"` from `convergence_bounds`, the "
        "default); `line_search=\"armijo\"` backtracks from `lr` instead",
        max_iter=10000,
        options={
            "lr": Option(None, "the step: a number or '1/L' (certified over `region`, default "
                         "the box x0 +- max(1, |x0|)); with line_search='armijo' the first "
                         "trial step (default 1)", strict=True),
            "line_search": Option(None, "None (fixed step) or 'armijo'", _line_search),
            "region": Option(None, "{variable: (lo, hi)}: where L is certified for lr='1/L'"),
        },
        aliases={"gd": {}, "gradient_descent": {}},
        prepare=prepare_gradient_descent),
    Method(
        "newton", "minimize", run_newton,
        update=r"x_k - t_k \left(\nabla^2 f(x_k)\right)^{-1} \nabla f(x_k)",
        summary="exact Hessian; the full Newton step (a Cholesky solve) where the Hessian is "
        "positive definite and the step lies in the trust radius, else backtracking along the "
        "trust-region path (shifted Cholesky solves; the exact Moré–Sorensen step where the "
        "Hessian is indefinite): uses negative curvature, never stops at a saddle",
        max_iter=1000, hessian=True),
    Method(
        "trust-region", "minimize", run_trust_region,
        update=r"x_k + \arg\min_{\Vert p \Vert \le \Delta_k} m_k(p)",
        summary="exact Moré–Sorensen subproblem (hard case included) or Powell's dogleg",
        max_iter=1000, hessian=True,
        options={
            "subproblem": Option("exact", "'exact' or 'dogleg'", _subproblem),
            "delta0": Option(None, "first trust radius (default 1)", _delta0),
        },
        aliases={"trust-exact": {}, "trust_region": {}, "dogleg": {"subproblem": "dogleg"}}),
    Method(
        "bfgs", "minimize", run_quasi_newton, update=_QUASI_NEWTON,
        summary="dense inverse-Hessian BFGS, strong Wolfe line search",
        max_iter=1000, fixed={"memory": None}),
    Method(
        "l-bfgs", "minimize", run_quasi_newton, update=_QUASI_NEWTON,
        summary="limited-memory BFGS (two-loop recursion), strong Wolfe line search",
        max_iter=1000,
        options={"memory": Option(10, "pairs (s, y) kept",
                                  lambda v: as_positive_int(v, "memory"))},
        aliases={"lbfgs": {}, "l_bfgs": {}}),
    Method(
        "lm", "least-squares", run_lm,
        update=r"x_k - \left(J^T J + \lambda_k D^T D\right)^{-1} J^T r",
        summary="Levenberg–Marquardt after MINPACK's `lmder` (Moré's scaling, `lmpar`, its "
        "stopping tests), LAPACK QR + SVD",
        max_iter=None,
        options={
            "max_nfev": Option(None, "residual evaluations allowed (default 200 (n + 1))",
                               lambda v: as_positive_int(v, "max_nfev")),
            "scale": Option(True, "Moré's variable scaling", lambda v: as_flag(v, "scale")),
        },
        aliases={"levenberg-marquardt": {}}),
    Method(
        "gauss-newton", "least-squares", run_gauss_newton,
        update=r"x_k - t_k \left(J^T J\right)^{-1} J^T r",
        summary="`lstsq` step, Armijo line search, convergence tests on the full step",
        max_iter=200,
        options={
            "max_nfev": Option(None, "residual evaluations allowed (default: no limit but "
                               "max_iter)", lambda v: as_positive_int(v, "max_nfev")),
        },
        aliases={"gauss_newton": {}, "gn": {}}),
)})


# -- derived: names, resolution, options, docs ---------------------------------------------------


def names(kind: Kind, *, aliases: bool = False) -> tuple[str, ...]:
    """The methods of one kind in registry order (with ``aliases=True``, their aliases)."""
    specs = [m for m in METHODS.values() if m.kind == kind]
    return tuple(a for m in specs for a in m.aliases) if aliases else tuple(m.name for m in specs)


# name or alias -> (spec, the options the alias presets)
_BY_NAME: dict[str, tuple[Method, Mapping[str, Any]]] = {
    **{a: (m, p) for m in METHODS.values() for a, p in m.aliases.items()},
    **{m.name: (m, MappingProxyType({})) for m in METHODS.values()},
}


def resolve(method: Any, kind: Kind) -> tuple[Method, Mapping[str, Any]]:
    """``(spec, options the alias presets)`` for a method name or alias of ``kind``; an unknown
    name raises :class:`~symtaylor.SolverError` listing the valid ones."""
    key = str(method).strip().lower()
    hit = _BY_NAME.get(key)
    if hit is None:
        raise SolverError(f"unknown method {_show(method)}; {_valid(kind)}")
    if hit[0].kind != kind:
        spec = hit[0]
        raise SolverError(f"{spec.name!r} is a {spec.kind} method: call "
                          f"{KINDS[spec.kind]}(...) for it; {_valid(kind)}")
    return hit


def _valid(kind: Kind) -> str:
    return (f"valid methods: {', '.join(names(kind))} "
            f"(aliases: {', '.join(names(kind, aliases=True))})")


def _options_of(kind: Kind) -> dict[str, tuple[Option, list[str]]]:
    """Every option of the methods of ``kind``: ``{name: (option, methods that take it)}``."""
    out: dict[str, tuple[Option, list[str]]] = {}
    for m in METHODS.values():
        if m.kind == kind:
            for name, opt in m.options.items():
                out.setdefault(name, (opt, []))[1].append(m.name)
    return out


_KIND_OPTIONS = {kind: _options_of(kind) for kind in KINDS}


def method_options(spec: Method, presets: Mapping[str, Any], named: Mapping[str, Any],
                   unknown: Mapping[str, Any], facade: Callable[..., Any]
                   ) -> dict[str, Any]:
    """The method options of one call, checked: ``named`` (the facade's method-option
    keywords; None means the method's default) with the alias ``presets``; ``unknown`` (the
    facade's ``**options``) must be empty. Every option given is checked, whichever method
    takes it; a ``strict`` one given to a method that does not take it is refused."""
    if unknown:
        accepted = [p for p, q in inspect.signature(facade).parameters.items()
                    if q.kind is q.KEYWORD_ONLY and (p in spec.options or p not in
                                                     _KIND_OPTIONS[spec.kind])]
        many = "s" if len(unknown) > 1 else ""
        raise SolverError(f"unknown option{many} {', '.join(map(repr, unknown))} for method "
                          f"{spec.name!r}; it accepts: {', '.join(accepted)}")
    values = dict(named)
    kind_options = _KIND_OPTIONS[spec.kind]
    for name, value in values.items():
        if value is None:
            continue
        opt, takers = kind_options[name]
        if opt.strict and name not in spec.options:
            raise SolverError(f"{name} applies to {', '.join(takers)} only (method "
                              f"{spec.name!r})")
        values[name] = opt.check(value)
    for name, value in presets.items():  # (compared once checked: a plain value each)
        if values.get(name) is not None and values[name] != value:
            raise SolverError(f"the method name given means {spec.name} with {name}={value!r}, "
                              f"which contradicts {name}={_show(values[name])}")
        values[name] = value
    return values


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a pipe in a Markdown table cell is written \|


def method_table(kind: Kind) -> str:
    """The README's table of the methods of ``kind`` (a Markdown table, from the registry)."""
    lines = ["| method | aliases | update | options | iteration limit |",
             "|---|---|---|---|---|"]
    for m in METHODS.values():
        if m.kind != kind:
            continue
        aliases = ", ".join(f"`{a}`" + (" (" + ", ".join(f"{k}={v!r}" for k, v in p.items())
                                        + ")" if p else "") for a, p in m.aliases.items())
        opts = "; ".join(f"`{k}`: {o.help}" + ("" if o.default is None else
                                                f" (default `{o.default!r}`)")
                         for k, o in m.options.items())
        limit = "none (evaluation budget)" if m.max_iter is None else str(m.max_iter)
        cells = (f"`{m.name}`", aliases or "-", f"${m.update}$ — {m.summary}", opts or "-",
                 limit)
        lines.append("| " + " | ".join(map(_cell, cells)) + " |")
    return "\n".join(lines)
