"""Acceptance sweep of issue 11: hostile input through every public parameter.

The contract: every public function, given hostile text, lists/dicts of hostile text or
Symbols with hostile names in any one parameter, either returns (treating text as plain
symbol names is fine) or raises an exception that is both a :class:`symtaylor.SymTaylorError`
and a :class:`ValueError`; nothing is executed (no marker file appears); and it answers within
a second.

Three sweeps, each collecting every failure into one report:

* ``test_every_parameter_refuses_hostile_input``: each function of ``symtaylor.__all__`` x each
  parameter of its signature x the payload corpus (all code payloads, plus a fixed sample of
  the others; ``SYMTAYLOR_HOSTILE_FULL=1`` runs the full cross product), one parameter
  replaced in an otherwise valid call.
* ``test_result_methods_refuse_hostile_input``: the same for the public methods of the result
  objects (``TaylorExpansion.remainder_bound(region)``, ``Step.at(point)``, ...).
* ``test_hostile_symbol_names_are_plain_names``: the variable ``x`` of a valid call renamed to
  a hostile Symbol name (code, ``ｏｕｔ``, ``float``, ``np``, ...): no side effect, the allowed
  errors only, and when it returns, the same answer as with ``x`` (generated code and the
  exported module included).

No subprocesses: calls run in this process under a ``SIGALRM`` deadline of 5 s and must
finish within 1 s (a slow call is timed twice, so that a loaded machine does not fail it).
"""

from __future__ import annotations

import contextlib
import faulthandler
import inspect
import itertools
import os
import runpy
import signal
import sys
import time
import warnings
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hostile_payloads import (
    CODE_PAYLOADS,
    CODE_SYMBOL_NAME,
    CODE_TEXTS,
    HOSTILE_NAMES,
    MARKER,
    OTHER_PAYLOADS,
    Payload,
    fullwidth,
)

import symtaylor
from symtaylor import SymTaylorError

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")

TIME_LIMIT = 1.0  # seconds: the contract ("within a second")
HARD_TIMEOUT = 5.0  # seconds: a call is interrupted here
WATCHDOG = 60.0  # seconds: a call stuck in C code ends the process with a traceback
FULL = os.environ.get("SYMTAYLOR_HOSTILE_FULL", "") not in ("", "0")
OTHERS_PER_PARAMETER = len(OTHER_PAYLOADS) if FULL else 3


# -- running one call -------------------------------------------------------------------------


class _Timeout(BaseException):
    """Raised by the SIGALRM handler (a BaseException: ``except Exception`` does not eat it)."""


_ARMED = False
_EVENTS: list[str] = []
_SPAWN_EVENTS = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
                 "os.startfile", "pty.spawn")


def _audit(event: str, args: tuple) -> None:
    """Record process spawns and writes of the marker while a hostile call runs."""
    if not _ARMED:
        return
    if event in _SPAWN_EVENTS or (event == "open" and args and MARKER in str(args[0])):
        _EVENTS.append(f"{event}{args!r}"[:200])


_HOOK_INSTALLED = False


def _install_audit_hook() -> None:
    global _HOOK_INSTALLED
    if not _HOOK_INSTALLED:  # audit hooks cannot be removed: one, gated by _ARMED
        sys.addaudithook(_audit)
        _HOOK_INSTALLED = True


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    def on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(WATCHDOG, exit=True)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)


def _allowed(exc: BaseException) -> bool:
    return isinstance(exc, SymTaylorError) and isinstance(exc, ValueError)


def _describe(exc: BaseException) -> str:
    name = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ("builtins", None):
        name = f"{module}.{name}"
    message = " ".join(str(exc).split())
    return f"{name}: {message[:110]}" if message else name


class Outcome:
    """What one call did: ``problems`` is empty when it met the contract."""

    def __init__(self) -> None:
        self.result: Any = None
        self.returned = False
        self.exception: BaseException | None = None
        self.elapsed = 0.0
        self.problems: list[str] = []


def _marker_exists() -> bool:
    return os.path.exists(MARKER)


def _once(call: Callable[[], Any], exercise: Callable[[Any], Any] | None) -> Outcome:
    global _ARMED
    out = Outcome()
    if _marker_exists():
        os.remove(MARKER)
    _EVENTS.clear()
    start = time.perf_counter()
    _ARMED = True
    try:
        with warnings.catch_warnings(), _deadline(HARD_TIMEOUT):
            warnings.simplefilter("ignore")
            try:
                out.result = call()
                out.returned = True
                if exercise is not None:
                    with contextlib.suppress(Exception):  # only side effects count here
                        exercise(out.result)
            except _Timeout:
                raise
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # SystemExit, RecursionError, ... are findings too
                out.exception = exc
    except _Timeout:
        out.problems.append(f"timeout (> {HARD_TIMEOUT:g} s, interrupted)")
    finally:
        _ARMED = False
        out.elapsed = time.perf_counter() - start
    if _marker_exists() or _EVENTS:
        what = "marker file created" if _marker_exists() else "no marker"
        out.problems.append(f"SIDE EFFECT ({what}; {'; '.join(_EVENTS[:2]) or 'no events'})")
        if _marker_exists():
            os.remove(MARKER)
    if out.exception is not None and not _allowed(out.exception):
        out.problems.append(f"wrong exception {_describe(out.exception)}")
    return out


def run_hostile(call: Callable[[], Any], exercise: Callable[[Any], Any] | None = None) -> Outcome:
    """Run ``call`` under the deadline and report what broke the contract."""
    out = _once(call, exercise)
    if out.elapsed > TIME_LIMIT and not any(p.startswith("timeout") for p in out.problems):
        again = _once(call, exercise)  # a loaded machine gets a second chance
        if again.elapsed > TIME_LIMIT:
            out.problems.append(f"slow ({out.elapsed:.2f} s, then {again.elapsed:.2f} s)")
        out.problems.extend(p for p in again.problems if p not in out.problems)
    return out


@pytest.fixture
def hostile_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """cwd is an empty tmp dir (where a payload would create MARKER); the audit hook is on."""
    _install_audit_hook()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _report(title: str, failures: list[tuple[str, str, str, str]], counts: str) -> str:
    """Failures ``(function, parameter, payload kind, problem)`` grouped by all but the kind."""
    grouped: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for func, param, kind, problem in failures:
        grouped[(func, param, _problem_class(problem))].append((kind, problem))
    lines = [f"{title}: {len(failures)} failing calls in {len(grouped)} groups ({counts})"]
    for (func, param, _), items in sorted(grouped.items()):
        kinds = [k for k, _ in items]
        shown = ", ".join(kinds[:6]) + (f", ... (+{len(kinds) - 6})" if len(kinds) > 6 else "")
        lines.append(f"  {func} / {param} [{shown}]: {items[0][1]}")
    return "\n".join(lines)


def _problem_class(problem: str) -> str:
    """'SIDE EFFECT', 'timeout', 'slow', 'wrong result' or 'wrong exception <type>'."""
    for head in ("SIDE EFFECT", "timeout", "slow", "wrong result"):
        if problem.startswith(head):
            return head
    return problem.split(":")[0]


# -- valid baseline calls ---------------------------------------------------------------------

x, y, t, yy, b1, b2 = sp.symbols("x y t yy b1 b2")
_TS = np.linspace(0.0, 4.0, 12)
_YS = 3.0 * np.exp(-0.7 * _TS)


def _rosen(v: Any) -> float:
    return float((1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2)


def _rosen_grad(v: Any) -> np.ndarray:
    return np.array([-2 * (1 - v[0]) - 400 * v[0] * (v[1] - v[0] ** 2),
                     200 * (v[1] - v[0] ** 2)])


def _rosen_hess(v: Any) -> np.ndarray:
    return np.array([[2 - 400 * v[1] + 1200 * v[0] ** 2, -400 * v[0]], [-400 * v[0], 200.0]])


#: Keyword arguments of one valid call of every public function (fresh objects per call).
BASELINES: dict[str, Callable[[], dict[str, Any]]] = {
    "as_expr": lambda: dict(f="x^2 + y", variables="x, y", symbols={"x": x}),
    "as_exprs": lambda: dict(fs=["x - 1", "10*(y - x^2)"], variables="x, y"),
    "as_point": lambda: dict(at="0, 1/3", variables=(x, y), exact=False),
    "as_data": lambda: dict(data={"x": [0, 1, 2], "y": (1.0, 2.0, 2.5)}, what="data"),
    "as_matrix": lambda: dict(value=[[1, 2], [2, 4]], what="matrix", variables=None,
                              square=True, shape=(2, 2), exact=False),
    "as_number": lambda: dict(value="2/6", what="value", exact=False, finite=True,
                              symbolic=False),
    "as_order": lambda: dict(value=3, what="order", minimum=0, maximum=10),
    "as_region": lambda: dict(region=(0, "1/2"), variables=[x], what="region",
                              allow_extra=False),
    "as_vector": lambda: dict(value=[1, "1/2"], what="vector", variables=None, length=2,
                              exact=False),
    "as_variables": lambda: dict(variables="x, y", expr=x + y),
    "bfgs_inverse_update": lambda: dict(h=sp.eye(2), s=[1, 0], y=[2, 1]),
    "bfgs_update": lambda: dict(b=sp.eye(2), s=[1, 0], y=[2, 1]),
    "derive": lambda: dict(kind="newton-convergence"),
    "dfp_inverse_update": lambda: dict(h=sp.eye(2), s=[1, 0], y=[2, 1]),
    "dfp_update": lambda: dict(b=sp.eye(2), s=[1, 0], y=[2, 1]),
    "sr1_update": lambda: dict(b=sp.eye(2), s=[1, 0], y=[2, 1]),
    "cauchy_point": lambda: dict(f="x^2 + 10*y^2", variables="x, y", radius=10, at=(1, 1)),
    "check_condition_number": lambda: dict(f="x**2 + 10*y**2", variables="x, y", answer="10",
                                           region=None),
    "check_fd_optimal_step": lambda: dict(f="exp(x)", variable="x", at=1, derivative=1,
                                          scheme="central", accuracy=2, answer="(3*eps)^(1/3)"),
    "check_fd_truncation": lambda: dict(f="exp(x)", variable="x", at=1, derivative=1,
                                        scheme="central", accuracy=2, answer="E*h^2/6"),
    "check_gauss_newton_step": lambda: dict(residuals=["x - 1", "x^2 - 2"], variables="x",
                                            answer="7/5", at=1),
    "check_lm_step": lambda: dict(residuals=["x - 1", "y"], variables="x, y", damping=1,
                                  answer="1/2, 0", scaling="identity", at=(0, 0)),
    "check_optimal_step": lambda: dict(f="x**2 + 10*y**2", variables="x, y", answer="1/11",
                                       region=None),
    "check_quasi_newton_update": lambda: dict(kind="bfgs", B=[[1, 0], [0, 1]], s=[1, 0],
                                              y=[2, 1], answer="2, 1; 1, 3/2"),
    "check_rate": lambda: dict(f="x**2 + 10*y**2", variables="x, y", lr="1/20", answer="9/10",
                               region=None),
    "check_remainder": lambda: dict(f="exp(x)", variables="x", at=0, order=2,
                                    answer="exp(xi)*x^3/6"),
    "check_remainder_bound": lambda: dict(f="exp(x)", variables="x", at=0, order=2,
                                          region=(-0.5, 0.5), answer="exp(1/2)/48"),
    "check_stencil_weights": lambda: dict(derivative=1, scheme="central", accuracy=2,
                                          answer="-1/2, 0, 1/2", offsets=None),
    "check_gradient": lambda: dict(f="x^2*y", variables="x, y", answer=["2*x*y", "x^2"]),
    "check_gradient_step": lambda: dict(f="(x - 3)^2", variables="x", answer="0.6", lr="0.1",
                                        at=0),
    "check_hessian": lambda: dict(f="x^2*y", variables="x, y",
                                  answer=[["2*y", "2*x"], ["2*x", "0"]]),
    "check_jacobian": lambda: dict(residuals=["x - 1", "10*(y - x^2)"], variables="x, y",
                                   answer="1, 0; -20*x, 10"),
    "check_max_step": lambda: dict(f="x**2 + 10*y**2", variables="x, y", claimed="1/20",
                                   region={"x": (-1, 1), "y": (-1, 1)}),
    "check_newton_step": lambda: dict(f="x^2 + 10*y^2", variables="x, y", answer="0, 0",
                                      damping=0, at=(1, 1), tol=1e-12),
    "check_step_size": lambda: dict(f="x**2 + 10*y**2", variables="x, y", alpha="0.075",
                                    region={"x": (-1, 1), "y": (-1, 1)}),
    "check_taylor": lambda: dict(f="sin(x)", variables="x", at=0, order=3, answer="x - x^3/6"),
    "compile_numpy": lambda: dict(exprs="a*exp(b*s) - v", variables="a, b", params="s",
                                  name="residual", data="v", reduce="sum", cse=True),
    "compile_objective": lambda: dict(f="(1 - x)^2 + 100*(y - x^2)^2", variables="x, y",
                                      params="p", name="rosen", data="d", reduce="mean"),
    "to_scipy": lambda: dict(f="(1 - x)^2 + 100*(y - x^2)^2 + p", variables="x, y", params="p"),
    "convergence_bounds": lambda: dict(f="x**2 + x*y + y**2", variables="x, y",
                                       region={"x": (-1, 1), "y": (-1, 1)}, rtol=0.05,
                                       max_boxes=200),
    "critical_point_set": lambda: dict(f="x^4 - 2*x^2 + 1/2", variables="x", timeout=10.0),
    "critical_points": lambda: dict(f="x^4 - 2*x^2 + 1/2", variables="x", timeout=10.0),
    "definiteness": lambda: dict(matrix=sp.Matrix([[2, 1], [1, 2]])),
    "descent_lemma": lambda: dict(L=4, alpha=sp.Rational(1, 8)),
    "dogleg_step": lambda: dict(f="x^2 + 10*y^2", variables="x, y", radius=10, at=(1, 1)),
    "equivalent": lambda: dict(a="sin(x)^2 + cos(x)^2", b="1", domain="real"),
    "answer_test": lambda: dict(name="AlgEquiv", student="(x+1)^2", teacher="x^2 + 2*x + 1"),
    "parse_answer": lambda: dict(text=r"\frac{x^2}{2} + e^{x}", symbols={"y": y}),
    "read_answer": lambda: dict(text="2x + x²", symbols={"y": y}),
    "fd_check_gradient": lambda: dict(fun=_rosen, grad=_rosen_grad, x=[-1.2, 1.0], step=None,
                                      safety=10.0, refine=True),
    "fd_check_hessian": lambda: dict(grad=_rosen_grad, hess=_rosen_hess, x=[-1.2, 1.0],
                                     step=None, safety=10.0, refine=True),
    "fd_error": lambda: dict(f="exp(x)", variable="x", at=1, derivative=2, scheme="central",
                             accuracy=2, steps=[1e-1, 1e-2, 1e-3], offsets=None),
    "fornberg_weights": lambda: dict(offsets=[-1, 0, 1], derivative=1),
    "gauss_newton_step": lambda: dict(residuals=["x - 1", "10*(y - x^2)"], variables="x, y"),
    "gradient": lambda: dict(f="x^2*y + y^3", variables="x, y"),
    "gradient_step": lambda: dict(f="x^2 + 10*y^2", variables="x, y", lr=sp.Rational(1, 20)),
    "gradient_step_prediction": lambda: dict(f="x^2 + 10*y^2", variables="x, y", at=(1, 1),
                                             lr=sp.Rational(1, 40),
                                             region={"x": (-1, 2), "y": (-1, 2)}),
    "hessian": lambda: dict(f="x^3 + x*y", variables="x, y"),
    "iterate": lambda: dict(update=["x/2 + 1"], x0=[0.0], variables="x", f="(x - 2)**2",
                            params=None, max_iter=50, xtol=1e-12, ftol=None,
                            callback=lambda state: None, damping=None, data=None,
                            history=True),
    "jacobian": lambda: dict(residuals=["x - 1", "10*(y - x^2)"], variables="x, y"),
    "least_squares": lambda: dict(residuals="b1*exp(-b2*t) - yy", variables="b1, b2",
                                  x0=[1.0, 0.1], data={"t": _TS, "yy": _YS}, method="lm",
                                  ftol=1e-12, xtol=1e-12, gtol=0.0, max_nfev=200, max_iter=50,
                                  scale=True, callback=lambda state: None, progress=False,
                                  history=True),
    "levenberg_marquardt_step": lambda: dict(residuals=["2*x - 2"], variables="x", damping=1,
                                             scaling="marquardt"),
    # two tiny fits as Dask tasks (the threaded local scheduler; the fits are compiled once)
    "map_fits": lambda: dict(fit="minimize", jobs=[{"f": "(x - 1)**2 + y**2", "variables": "x, y",
                                                    "x0": [0.0, 1.0]},
                                                   {"f": "(x - 1)**2 + y**2", "variables": "x, y",
                                                    "x0": [2.0, -1.0]}], progress=False),
    "minimize": lambda: dict(f="(x - 1)**2 + 3*(y + 2)**2 + x*y/4 + c*d", variables="x, y",
                             x0=[2.0, 1.0], method="trust-region", lr=None, line_search=None,
                             data={"c": [0.5, 1.0], "d": [1.0, 2.0]}, reduce="mean",
                             gtol=1e-8, max_iter=50, subproblem="exact", delta0=1.0,
                             memory=5, region={"x": (-3, 3), "y": (-3, 3)},
                             check_second_order=True, callback=lambda state: None,
                             progress=False, history=True),
    "newton_step": lambda: dict(f="(x - 1)^2 + 10*(y + 2)^2 + x*y", variables="x, y",
                                damping=0),
    "parse": lambda: dict(text="x^2 + sin(y)", symbols={"y": y}),
    "predict_loss_after_step": lambda: dict(value=2, grad_norm=sp.Rational(1, 2), lambda_max=4,
                                            lr=sp.Rational(1, 10), L=4),
    "stencil": lambda: dict(derivative=1, scheme="central", accuracy=4, offsets=None),
    "taylor": lambda: dict(f="exp(x)*y", variables="x, y", at=(0, 1), order=3),
}


def _public_functions() -> dict[str, Callable[..., Any]]:
    """Every callable of ``symtaylor.__all__`` that is not a class (lru_cache wrappers too)."""
    return {name: obj for name in symtaylor.__all__
            if callable(obj := getattr(symtaylor, name)) and not inspect.isclass(obj)}


def _eval_point(fn: Any) -> tuple[Any, ...]:
    """Arguments for a CompiledFunction: a batch of points, ones for params and data."""
    n = len(fn.variables)
    xs = np.linspace(0.3, 1.7, 4 * n).reshape(4, n)
    return (xs, *[0.5] * len(fn.params), *[np.array([1.0, 2.0, 3.0])] * len(fn.data))


def _exercise(result: Any) -> Any:
    """Use what a call returned (generated code may run lazily): call compiled functions."""
    from symtaylor import CompiledFunction, CompiledObjective

    items = result if isinstance(result, tuple) else (result,)
    values = []
    for item in items:
        if isinstance(item, CompiledObjective):
            for part in (item.f, item.grad, item.hess):
                values.append(part(*_eval_point(part)))
        elif isinstance(item, CompiledFunction):
            values.append(item(*_eval_point(item)))
    return values


def _others(key: str) -> list[Payload]:
    """The sample of OTHER_PAYLOADS for one parameter: fixed by its name (adding a parameter
    elsewhere does not change it), consecutive from an offset, so all are used across many."""
    start = zlib.crc32(key.encode())
    return [OTHER_PAYLOADS[(start + i) % len(OTHER_PAYLOADS)]
            for i in range(OTHERS_PER_PARAMETER)]


def _payload_plan() -> Iterator[tuple[str, list[Payload]]]:
    """(function, parameter) x payloads: all code payloads, and a fixed sample of others."""
    for name, fn in sorted(_public_functions().items()):
        for param in inspect.signature(fn).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            key = f"{name}:{param.name}"
            yield key, [*CODE_PAYLOADS, *_others(key)]


def test_corpus_code_payloads_are_live(hostile_dir: Path) -> None:
    """Every code text creates the marker when Python evaluates it (the corpus has no duds)."""
    dead = []
    for kind, text in CODE_TEXTS.items():
        with contextlib.suppress(Exception):
            eval(text, {"x": 1})  # the very thing the library must never do
        if not _marker_exists():
            dead.append(kind)
        else:
            os.remove(MARKER)
    code = compile(f"a = 1\nvalue = {CODE_SYMBOL_NAME}", "<naive-codegen>", "exec")
    exec(code, {})  # what naive code generation from the Symbol's name would run
    if not _marker_exists():
        dead.append("Symbol(code name)")
    else:
        os.remove(MARKER)
    assert not dead, f"payloads that do not run code even under eval: {dead}"


def test_baselines_cover_every_public_function(hostile_dir: Path) -> None:
    """The baseline table names every public function and each baseline call succeeds."""
    functions = _public_functions()
    missing = sorted(set(functions) - set(BASELINES))
    stale = sorted(set(BASELINES) - set(functions))
    assert not missing, f"add a valid baseline call to BASELINES for: {missing}"
    assert not stale, f"BASELINES names functions that are not public: {stale}"
    broken = []
    for name, fn in sorted(functions.items()):
        params = inspect.signature(fn).parameters
        unknown = set(BASELINES[name]()) - set(params)
        if unknown:
            broken.append(f"{name}: baseline passes unknown parameters {sorted(unknown)}")
            continue
        out = run_hostile(lambda fn=fn, name=name: fn(**BASELINES[name]()), _exercise)
        if not out.returned or out.problems:
            why = _describe(out.exception) if out.exception else "; ".join(out.problems)
            broken.append(f"{name}: baseline call failed: {why}")
    assert not broken, "\n".join(broken)


def test_every_parameter_refuses_hostile_input(hostile_dir: Path, record_property: Any) -> None:
    """functions x parameters x payloads: no side effect, the allowed errors, within 1 s."""
    functions = _public_functions()
    failures: list[tuple[str, str, str, str]] = []
    n_params = n_calls = 0
    kinds: set[str] = set()
    for key, payloads in _payload_plan():
        name, param = key.split(":")
        if name not in BASELINES:
            continue  # reported by test_baselines_cover_every_public_function
        fn = functions[name]
        n_params += 1
        for kind, make in payloads:
            kinds.add(kind)
            n_calls += 1

            def call(fn: Any = fn, name: str = name, param: str = param,
                     make: Callable[[], Any] = make) -> Any:
                return fn(**{**BASELINES[name](), param: make()})

            for problem in run_hostile(call, _exercise).problems:
                failures.append((name, param, kind, problem))
    counts = (f"{len(functions)} functions x {n_params} parameters x {len(kinds)} payload kinds "
              f"({len(CODE_PAYLOADS)} code payloads for every parameter, "
              f"{OTHERS_PER_PARAMETER} of {len(OTHER_PAYLOADS)} others) = {n_calls} calls")
    print(f"\nhostile parameter sweep: {counts}")
    record_property("counts", counts)
    if failures:
        pytest.fail(_report("hostile parameter sweep", failures, counts), pytrace=False)


# -- public methods of the result objects -----------------------------------------------------

#: (class, method) -> (a factory of (instance, baseline args, baseline kwargs)).
MethodBaseline = Callable[[], tuple[Any, tuple[Any, ...], dict[str, Any]]]


def _taylor() -> Any:
    return symtaylor.taylor("exp(x)*y", "x, y", at=(0, 1), order=3)


def _compiled() -> Any:
    return symtaylor.compile_numpy("a*exp(b*s) - v", "a, b", params="s", data="v")


def _objective() -> Any:
    return symtaylor.compile_objective("(1 - x)^2 + 100*(y - x^2)^2 + p*d", "x, y",
                                       params="p", data="d")


_BOX = {"x": (-0.1, 0.1), "y": (0.9, 1.1)}

METHOD_BASELINES: dict[str, MethodBaseline] = {
    "TaylorExpansion.__call__": lambda: (_taylor(), (0.1, 1.0), {}),
    "TaylorExpansion.certify": lambda: (_taylor(), (), dict(region=dict(_BOX), rtol=0.1,
                                                            max_boxes=50)),
    "TaylorExpansion.remainder_bound": lambda: (_taylor(), (), dict(region=dict(_BOX),
                                                                    rtol=0.1, max_boxes=50)),
    "TaylorExpansion.error_table": lambda: (_taylor(), (), dict(points=[(0.1, 1.0)],
                                                                steps=None)),
    "Step.at": lambda: (symtaylor.newton_step("x^2 + 10*y^2", "x, y"), (), dict(point=(1, 1))),
    "Verdict.latex": lambda: (symtaylor.check_taylor("cos(x)", "x", 0, 2, "1 - x^2"), (),
                              dict(wrap=True)),
    "Derivation.document": lambda: (symtaylor.derive("newton", "x^2", "x"), (),
                                    dict(title="Newton")),
    "Handout.document": lambda: (symtaylor.Handout("h", (symtaylor.derive("newton", "x^2",
                                                                           "x"),)), (),
                                 dict(title="Notes")),
    "Step.compile": lambda: (symtaylor.newton_step("x^2 + 10*y^2", "x, y"), (),
                             dict(objective=None)),
    "Stencil.truncation_term": lambda: (symtaylor.stencil(1, "central", 2), (), dict(terms=1)),
    "CompiledFunction.__call__": lambda: (_compiled(), (np.array([1.0, 0.5]), 0.5,
                                                        np.array([1.0, 2.0])), {}),
    "CompiledFunction.bind": lambda: (_compiled(), (np.array([1.0, 2.0]),), {}),
    "CompiledObjective.bind": lambda: (_objective(), (np.array([1.0, 2.0]),), {}),
    "CompiledObjective.hess_sparse": lambda: (_objective(), (np.array([1.0, 1.0]), 0.5,
                                                             np.array([1.0, 2.0])), {}),
}

#: Public methods not swept, with the reason.
METHOD_SKIPS = {
    "CompiledFunction.export": "a file path: OSError is the natural error (the exported "
                               "module is checked by the symbol-name sweep)",
    "CompiledObjective.export": "a file path (as CompiledFunction.export)",
    "Step.export_solver": "a file path (as CompiledFunction.export; the module is the "
                          "compiled update's, run by tests/test_iterate.py)",
    "FDErrorReport.plot": "a file path / matplotlib axes (optional dependency)",
    "Derivation.to_pdf": "a file path (OSError is the natural error); pdflatex runs with "
                         "-no-shell-escape on our own escaped source (tests/test_derivations.py)",
    "Handout.to_pdf": "a file path (as Derivation.to_pdf)",
}


def _public_methods() -> dict[str, inspect.Signature]:
    """``Class.method`` -> signature, for methods of public result classes with parameters."""
    out = {}
    for cname in symtaylor.__all__:
        cls = getattr(symtaylor, cname)
        if not inspect.isclass(cls) or issubclass(cls, BaseException | Enum):
            continue
        for mname, member in inspect.getmembers(cls):
            if mname.startswith("_") and mname != "__call__":
                continue
            if not (inspect.isfunction(member) or inspect.ismethod(member)):
                continue
            params = [p for p in inspect.signature(member).parameters.values()
                      if p.name not in ("self", "cls")]
            if params and f"{cname}.{mname}" not in METHOD_SKIPS:
                out[f"{cname}.{mname}"] = inspect.signature(member)
    return out


def _method_calls(key: str, sig: inspect.Signature) -> Iterator[tuple[str, Callable]]:
    """(parameter, call-with-payload) for each parameter of a method."""
    mname = key.split(".")[1]
    make = METHOD_BASELINES[key]
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    for i, p in enumerate(params):
        def call(payload: Any, i: int = i, p: inspect.Parameter = p) -> Any:
            obj, args, kwargs = make()
            bound = getattr(obj, mname)
            if p.kind is p.VAR_POSITIONAL:  # the payload as one more / the only variadic arg
                return bound(*args[:i], payload)
            if p.kind is p.POSITIONAL_ONLY or (p.kind is p.POSITIONAL_OR_KEYWORD
                                               and i < len(args)):
                new = list(args) + [None] * max(0, i + 1 - len(args))
                new[i] = payload
                return bound(*new, **kwargs)
            return bound(*args, **{**kwargs, p.name: payload})

        yield p.name, call


def test_result_methods_refuse_hostile_input(hostile_dir: Path, record_property: Any) -> None:
    """Public methods of result objects x parameters x payloads, as for the functions."""
    methods = _public_methods()
    missing = sorted(set(methods) - set(METHOD_BASELINES))
    assert not missing, f"add baselines to METHOD_BASELINES (or METHOD_SKIPS) for {missing}"
    failures: list[tuple[str, str, str, str]] = []
    n_params = n_calls = 0
    for key, sig in sorted(methods.items()):
        obj, args, kwargs = METHOD_BASELINES[key]()
        base = run_hostile(lambda obj=obj, key=key, a=args, k=kwargs:
                           getattr(obj, key.split(".")[1])(*a, **k))
        if not base.returned or base.problems:
            failures.append((key, "<baseline>", "-", "; ".join(base.problems) or
                             _describe(base.exception)))  # type: ignore[arg-type]
            continue
        for pname, call in _method_calls(key, sig):
            n_params += 1
            for kind, make in [*CODE_PAYLOADS, *_others(f"{key}:{pname}")]:
                n_calls += 1
                out = run_hostile(lambda call=call, make=make: call(make()), _exercise)
                failures.extend((key, pname, kind, problem) for problem in out.problems)
    counts = f"{len(methods)} methods x {n_params} parameters = {n_calls} calls"
    print(f"\nhostile result-method sweep: {counts}")
    record_property("counts", counts)
    if failures:
        pytest.fail(_report("hostile result-method sweep", failures, counts), pytrace=False)


# -- hostile Symbol names through whole valid calls -------------------------------------------


def _num(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=float)


def _run_exported(compiled: Any, args: tuple[Any, ...]) -> list[np.ndarray]:
    """Export the generated module, run it as a file and call its functions."""
    path = compiled.export(Path.cwd() / f"exported_{next(_EXPORTS)}.py")
    namespace = runpy.run_path(str(path))
    parts = ([compiled.f, compiled.grad, compiled.hess] if hasattr(compiled, "grad")
             else [compiled])
    return [_num(namespace[part.name](*args)) for part in parts]


_EXPORTS = itertools.count()


def _codegen_key(compiled: Any) -> list[np.ndarray]:
    parts = ([compiled.f, compiled.grad, compiled.hess] if hasattr(compiled, "grad")
             else [compiled])
    args = _eval_point(parts[0])
    single = (args[0][0], *args[1:])
    values = [_num(p(*a)) for p in parts for a in (args, single)]
    return values + _run_exported(compiled, args)


#: name -> builder(X) of (kwargs, key): the valid call with the variable X (x in the
#: reference run), and what must not change when X has a hostile name.
Renamed = Callable[[sp.Symbol], tuple[dict[str, Any], Callable[[Any], Any]]]

_ident: Callable[[Any], Any] = lambda r: r  # noqa: E731

RENAMED: dict[str, Renamed] = {
    "as_expr": lambda X: (dict(f=X**2 + y, variables=[X, y]), _ident),
    "as_exprs": lambda X: (dict(fs=[X - 1, 10 * (y - X**2)], variables=[X, y]), _ident),
    "as_point": lambda X: (dict(at={X: 1, y: 2}, variables=(X, y)), _ident),
    "as_variables": lambda X: (dict(variables=[X, y], expr=X + y), _ident),
    "bfgs_update": lambda X: (dict(b=sp.diag(X**2 + 1, 1), s=[1, 0], y=[2, 1]),
                              lambda r: r.matrix),
    "sr1_update": lambda X: (dict(b=sp.diag(X**2 + 1, 1), s=[1, 0], y=[2, 1]),
                             lambda r: r.matrix),
    "cauchy_point": lambda X: (dict(f=X**2 + 10 * y**2, variables=[X, y], radius=10,
                                    at=(1, 1)), lambda r: r.direction),
    "check_gradient": lambda X: (dict(f=X**2 * y, variables=[X, y],
                                      answer=[2 * X * y, X**2]), lambda r: r.correct),
    "check_hessian": lambda X: (dict(f=X**2 * y, variables=[X, y],
                                     answer=[[2 * y, 2 * X], [2 * X, 0]]), lambda r: r.correct),
    "check_jacobian": lambda X: (dict(residuals=[X - 1, 10 * (y - X**2)], variables=[X, y],
                                      answer=[[1, 0], [-20 * X, 10]]), lambda r: r.correct),
    "check_gradient_step": lambda X: (dict(f=(X - 3)**2, variables=[X], answer=0.6,
                                           lr=sp.Rational(1, 10), at=0), lambda r: r.correct),
    "check_max_step": lambda X: (dict(f=X**2 + 10 * y**2, variables=[X, y],
                                      claimed=sp.Rational(1, 10)), lambda r: r.correct),
    "check_newton_step": lambda X: (dict(f=X**2 + 10 * y**2, variables=[X, y], answer=[0, 0],
                                         at=(1, 1)), lambda r: r.correct),
    "check_step_size": lambda X: (dict(f=X**2 + 10 * y**2, variables=[X, y],
                                       alpha=sp.Rational(3, 40)), lambda r: r.correct),
    "check_taylor": lambda X: (dict(f=sp.sin(X), variables=[X], at=0, order=3,
                                    answer=X - X**3 / 6), lambda r: r.correct),
    "compile_numpy": lambda X: (dict(exprs=[[X * y, sp.exp(X)], [X - y, X**2]],
                                     variables=[X, y]), _codegen_key),
    "compile_numpy (X a param)": lambda X: (dict(exprs=[y * X, sp.exp(y) + X], variables=[y],
                                                 params=[X]), _codegen_key),
    "compile_numpy (X data)": lambda X: (dict(exprs=[y * X, sp.exp(y) - X], variables=[y],
                                              data=[X]), _codegen_key),
    "compile_objective": lambda X: (dict(f=(1 - X)**2 + 100 * (y - X**2)**2,
                                         variables=[X, y]), _codegen_key),
    "compile_objective (X data)": lambda X: (dict(f=(y - X)**2, variables=[y], data=[X]),
                                             _codegen_key),
    "to_scipy": lambda X: (dict(f=(1 - X)**2 + 100 * (y - X**2)**2, variables=[X, y]),
                           lambda r: [_num(g(np.array([0.3, 0.8]))) for g in r]),
    "convergence_bounds": lambda X: (dict(f=X**2 + X * y + y**2, variables=[X, y]),
                                     lambda r: (r.L, r.mu)),
    "critical_point_set": lambda X: (dict(f=X**4 - 2 * X**2, variables=[X]),
                                     lambda r: [(tuple(c.point.values()), c.kind)
                                                for c in r.points] + [r.complete]),
    "critical_points": lambda X: (dict(f=X**4 - 2 * X**2, variables=[X]),
                                  lambda r: [(tuple(c.point.values()), c.kind) for c in r]),
    "definiteness": lambda X: (dict(matrix=sp.Matrix([[X**2 + 1, 0], [0, 2]])),
                               lambda r: r.kind),
    "descent_lemma": lambda X: (dict(L=X**2 + 1), lambda r: r.max_step),
    "dogleg_step": lambda X: (dict(f=X**2 + 10 * y**2, variables=[X, y], radius=10, at=(1, 1)),
                              lambda r: r.update),
    "equivalent": lambda X: (dict(a=sp.sin(X)**2 + sp.cos(X)**2, b=1), _ident),
    "fd_error": lambda X: (dict(f=sp.exp(X), variable=X, at=1, derivative=2,
                                steps=[1e-1, 1e-2]),
                           lambda r: [row.approximation for row in r.rows]),
    "gauss_newton_step": lambda X: (dict(residuals=[X - 1, 10 * (y - X**2)], variables=[X, y]),
                                    lambda r: r.update),
    "gradient": lambda X: (dict(f=X**2 * y + y**3, variables=[X, y]), _ident),
    "gradient_step": lambda X: (dict(f=X**2 + 10 * y**2, variables=[X, y],
                                     lr=sp.Rational(1, 20)), lambda r: r.update),
    "gradient_step_prediction": lambda X: (dict(f=X**2 + 10 * y**2, variables=[X, y],
                                                at=(1, 1), lr=sp.Rational(1, 40)),
                                           lambda r: (r.value, r.actual)),
    "hessian": lambda X: (dict(f=X**3 + X * y, variables=[X, y]), _ident),
    "jacobian": lambda X: (dict(residuals=[X - 1, 10 * (y - X**2)], variables=[X, y]), _ident),
    "least_squares": lambda X: (dict(residuals=b1 * sp.exp(-X * t) - yy, variables=[b1, X],
                                     x0=[1.0, 0.1], data={t: _TS, yy: _YS}),
                                lambda r: np.round(r.x, 8)),
    "least_squares (X data)": lambda X: (dict(residuals=b1 * sp.exp(-b2 * X) - yy,
                                              variables=[b1, b2], x0=[1.0, 0.1],
                                              data={X: _TS, yy: _YS}),
                                         lambda r: np.round(r.x, 8)),
    "levenberg_marquardt_step": lambda X: (dict(residuals=[X - 1], variables=[X], damping=1),
                                           lambda r: r.update),
    "minimize": lambda X: (dict(f=(X - 1)**2 + 3 * (y + 2)**2 + X * y / 4, variables=[X, y],
                                x0=[2.0, 1.0]), lambda r: np.round(r.x, 8)),
    "minimize (float**2 + 1)": lambda X: (dict(f=X**2 + 1, variables=[X], x0=[1.0]),
                                          lambda r: np.round(r.x, 8)),
    "minimize (X data)": lambda X: (dict(f=(y - X)**2, variables=[y], x0=[0.0],
                                         data={X: [1.0, 2.0, 6.0]}),
                                    lambda r: np.round(r.x, 8)),
    "newton_step": lambda X: (dict(f=X**4 - 2 * X**2 + y**2, variables=[X, y]),
                              lambda r: r.update),
    "predict_loss_after_step": lambda X: (dict(value=X, grad_norm=sp.Rational(1, 2),
                                               lambda_max=4, lr=sp.Rational(1, 10)),
                                          lambda r: r.predicted),
    "taylor": lambda X: (dict(f=sp.exp(X) * y, variables=[X, y], at=(0, 1), order=3),
                         lambda r: (r.polynomial,
                                    r.remainder_bound({X: (-0.1, 0.1), y: (0.9, 1.1)}))),
}


#: name -> builder(names) for variables given as text ("ｘ, y") and the function as a
#: callable (the library makes the Symbols): the numbers must not change.
TEXT_RENAMED: dict[str, Callable[[str], tuple[dict[str, Any], Callable[[Any], Any]]]] = {
    "compile_numpy": lambda names: (dict(exprs=lambda a, b: [a - 2 * b, a * b**2],
                                         variables=names), _codegen_key),
    "compile_objective": lambda names: (dict(f=lambda a, b: (1 - a)**2 + 100 * (b - a**2)**2,
                                             variables=names), _codegen_key),
    "to_scipy": lambda names: (dict(f=lambda a, b: (1 - a)**2 + 100 * (b - a**2)**2,
                                    variables=names),
                               lambda r: [_num(g(np.array([0.3, 0.8]))) for g in r]),
    "minimize": lambda names: (dict(f=lambda a, b: (a - 1)**2 + 3 * (b + 2)**2 + a * b / 4,
                                    variables=names, x0=[2.0, 1.0]),
                               lambda r: np.round(r.x, 8)),
    "taylor": lambda names: (dict(f=lambda a, b: sp.exp(a) * b, variables=names, at=(0, 1),
                                  order=3), lambda r: _num(r(0.1, 0.9))),
}

#: Text names for TEXT_RENAMED (the second variable is always "y").
TEXT_NAMES = [fullwidth("x"), fullwidth("out"), "out", "float", fullwidth("np"), "np", "math",
              "lambda", "ValueError"]


def _same(a: Any, b: Any) -> bool:
    """Equal up to renaming (already undone) and float round-off."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    if isinstance(a, sp.Basic | sp.MatrixBase) or isinstance(b, sp.Basic | sp.MatrixBase):
        if a == b:
            return True
        try:
            diff = sp.simplify(sp.sympify(a) - sp.sympify(b))  # our own objects, not user text
            return bool(diff == 0 or (isinstance(diff, sp.MatrixBase) and diff.is_zero_matrix))
        except Exception:
            return False
    if isinstance(a, np.ndarray | float | int) and isinstance(b, np.ndarray | float | int):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12,
                                                       equal_nan=True))
    return bool(a == b)


def _rename_back(value: Any, back: dict[sp.Symbol, sp.Symbol]) -> Any:
    if isinstance(value, list | tuple):
        return type(value)(_rename_back(v, back) for v in value)
    if isinstance(value, sp.Basic | sp.MatrixBase):
        return value.xreplace(back)
    if isinstance(value, dict):
        return {_rename_back(k, back): _rename_back(v, back) for k, v in value.items()}
    return value


def test_hostile_symbol_names_are_plain_names(hostile_dir: Path, record_property: Any) -> None:
    """The variable renamed to each hostile name: no side effect, the allowed errors only, and
    a result (when returned) equal to the one with the plain name ``x``."""
    failures: list[tuple[str, str, str, str]] = []
    reference: dict[str, Any] = {}
    n_calls = 0
    ref_symbol = sp.Symbol("x")
    for label, build in sorted(RENAMED.items()):
        fn = getattr(symtaylor, label.split(" ")[0])
        kwargs, key = build(ref_symbol)
        base = run_hostile(lambda fn=fn, kwargs=kwargs: fn(**kwargs))
        if not base.returned or base.problems:
            failures.append((label, "<baseline>", "x", "; ".join(base.problems) or
                             _describe(base.exception)))  # type: ignore[arg-type]
            continue
        try:
            reference[label] = key(base.result)
        except Exception as exc:
            failures.append((label, "<baseline>", "x", f"key failed: {_describe(exc)}"))
            continue
        for name in HOSTILE_NAMES:
            X = sp.Symbol(name)
            kind = "Symbol(code name)" if name == CODE_SYMBOL_NAME else f"Symbol({name!r})"
            n_calls += 1
            got: list[Any] = []

            def call(fn: Any = fn, build: Renamed = build, X: sp.Symbol = X,
                     got: list[Any] = got) -> Any:
                kwargs, key = build(X)
                result = fn(**kwargs)
                got.append(key(result))  # generated code, the exported module: all run here
                return result

            out = run_hostile(call)
            failures.extend((label, "x renamed", kind, p) for p in out.problems)
            if out.returned and got and not out.problems:
                value = _rename_back(got[-1], {X: ref_symbol})
                if not _same(value, reference[label]):
                    failures.append((label, "x renamed", kind,
                                     f"wrong result: {str(value)[:80]} instead of "
                                     f"{str(reference[label])[:80]}"))
    for label, build in sorted(TEXT_RENAMED.items()):
        fn = getattr(symtaylor, label)
        kwargs, key = build("x, y")
        base = run_hostile(lambda fn=fn, kwargs=kwargs: fn(**kwargs))
        if not base.returned or base.problems:
            failures.append((label, "text names", "x, y", "; ".join(base.problems) or
                             _describe(base.exception)))  # type: ignore[arg-type]
            continue
        want = key(base.result)
        for name in TEXT_NAMES:
            n_calls += 1
            got = []

            def call(fn: Any = fn, build: Any = build, name: str = name,
                     got: list[Any] = got) -> Any:
                kwargs, key = build(f"{name}, y")
                result = fn(**kwargs)
                got.append(key(result))
                return result

            out = run_hostile(call)
            kind = f"variables={name + ', y'!r} (callable)"
            failures.extend((label, "text names", kind, p) for p in out.problems)
            if out.returned and got and not out.problems and not _same(got[-1], want):
                failures.append((label, "text names", kind, f"wrong result: {str(got[-1])[:80]} "
                                 f"instead of {str(want)[:80]}"))
    counts = (f"{len(RENAMED)} calls x {len(HOSTILE_NAMES)} hostile Symbol names + "
              f"{len(TEXT_RENAMED)} calls x {len(TEXT_NAMES)} text names = {n_calls} calls")
    print(f"\nhostile symbol-name sweep: {counts}")
    record_property("counts", counts)
    if failures:
        pytest.fail(_report("hostile symbol-name sweep", failures, counts), pytrace=False)


# -- complex arrays (issue 11: they silently lost their imaginary part) -----------------------


def _complex_cases() -> dict[str, tuple[Callable[[], Any], complex | None]]:
    """label -> (call, the complex answer when computing in complex is acceptable)."""
    z = np.array([1.0 + 2.0j, 0.5 + 0.0j])
    fn = symtaylor.compile_numpy("x**2 + y", "x, y")
    obj = symtaylor.compile_objective("x**2 + y", "x, y")
    par = symtaylor.compile_numpy("x*s", "x", params="s")
    return {
        "compile_numpy(...)(complex x)": (lambda: fn(z), (1 + 2j) ** 2 + 0.5),
        "compile_objective(...).f(complex x)": (lambda: obj.f(z), (1 + 2j) ** 2 + 0.5),
        "compile_numpy(...)(x, complex param)": (lambda: par(np.array([2.0]), 1j), 2j),
        "least_squares(data=complex)": (lambda: symtaylor.least_squares(
            "b*t - v", "b", [1.0], data={"t": [1.0, 2.0], "v": [1j, 2.0]}), None),
        "minimize(x0=complex)": (lambda: symtaylor.minimize("x**2", "x", [1 + 1j]), None),
        "minimize(data=complex)": (lambda: symtaylor.minimize(
            "(x - d)**2", "x", [0.0], data={"d": [1j, 2.0]}), None),
    }


def test_complex_arrays_are_refused_or_computed_in_complex(hostile_dir: Path) -> None:
    """A complex array either raises the allowed error or is computed in complex."""
    failures = []
    for label, (call, answer) in _complex_cases().items():
        out = run_hostile(call)
        failures.extend(f"{label}: {p}" for p in out.problems)
        if out.returned:
            value = np.asarray(out.result if answer is not None else None)
            if answer is None or not np.allclose(value.ravel()[:1], answer):
                failures.append(f"{label}: returned {str(out.result)[:80]} (the imaginary part "
                                "was dropped, or complex input was accepted)")
    if failures:
        pytest.fail("complex input:\n  " + "\n  ".join(failures), pytrace=False)
