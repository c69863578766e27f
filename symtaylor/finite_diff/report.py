"""The records of a finite-difference error analysis: one :class:`FDRow` per scanned step and
the :class:`FDErrorReport` (predicted terms, optimal step, the scan), with its text, LaTeX and
plot."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InputError, OptionalDependencyError
from ..latex import Row, align, display
from .stencils import EPS, Stencil, _x

__all__ = ["FDErrorReport", "FDRow"]


@dataclass(frozen=True)
class FDRow:
    """One step of a scan (all errors absolute, in float).

    Attributes
    ----------
    h : float
        The step.
    approximation : float
        The stencil evaluated in float64 (nodes ``x + o_i*h`` in float64, sum from the largest
        offset down, divided by ``h**d``: the textbook formula evaluated as written).
    error : float
        ``|approximation - f^(d)(x)|`` against the exact derivative at high precision.
    truncation_error : float
        ``|D_h f(x) - f^(d)(x)|`` with the stencil evaluated in mpmath at >= 50 digits.
    roundoff_error : float
        ``|approximation - D_h f(x)|``: what float64 added.
    truncation_estimate, roundoff_estimate : float
        The models ``|C h^p f^(d+p)(x)|`` and ``eps * sum|w_i| * |f| / h^d``.
    dominated_by : str
        ``"truncation"`` or ``"round-off"`` (the larger measured part), or ``"undefined"`` when
        a node lies outside the domain of ``f``.
    """

    h: float
    approximation: float
    error: float
    truncation_error: float
    roundoff_error: float
    truncation_estimate: float
    roundoff_estimate: float
    dominated_by: str

    # Read-only mapping access too (row["h"], dict(row), row.get("error")): the contract
    # allows "records or dicts".
    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self.__dataclass_fields__

    def keys(self) -> Iterable[str]:
        return self.__dataclass_fields__.keys()

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.__dataclass_fields__ else default

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


_IMAGE_SUFFIXES = frozenset({"png", "pdf", "svg", "svgz", "jpg", "jpeg", "eps", "ps", "tif",
                             "tiff", "webp", "pgf", "raw", "rgba"})


def _check_plot_path(path: Any) -> None:
    """Refuse a plot path that is not a file name (matplotlib would write ``./.png`` for
    ``"."``)."""
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"plot path must be a file name, got a {type(path).__name__}")
    p = Path(path)
    stem = p.name[: -len(p.suffix)] if p.suffix else p.name
    bare_suffix = stem.startswith(".") and stem[1:].lower() in _IMAGE_SUFFIXES  # ".png"
    if p.is_dir() or p.name in ("", ".", "..") or not stem.strip(".") or bare_suffix or str(
            path).endswith(("/", os.sep)):
        raise InputError(f"plot path {str(path)[:80]!r} is a directory or has no file name; "
                         "give a file such as 'fd_error.png'")


@dataclass(frozen=True)
class FDErrorReport:
    r"""Truncation vs round-off of a finite-difference derivative, predicted and measured.

    Attributes
    ----------
    expression : sympy.Expr
    variable : sympy.Symbol
    at : sympy.Expr
        The point as given (exact when given exactly). The float64 scan and its truth both use
        ``float(at)`` so the measured errors are those of the float computation.
    stencil : Stencil
    exact_derivative : sympy.Expr
        ``f^(d)(at)``, exact.
    truncation_term : sympy.Expr
        The leading non-vanishing truncation term at the point, in the symbol ``h``
        (``E*h**2/12`` for the central second difference of ``exp`` at 1).
    next_truncation_term : sympy.Expr
        The term after it (``0`` if the expansion stops, e.g. for polynomials).
    roundoff_term : sympy.Expr
        The round-off model ``eps*sum|w_i|*|f(at)|/h**d`` with ``eps = 2**-52``.
    optimal_step : float
        Predicted ``h*`` minimising ``|truncation_term| + roundoff_term`` (``inf`` when the
        stencil is exact for ``f``).
    optimal_step_exact : sympy.Expr
        ``h*`` in closed form.
    predicted_min_error : float
        The model's total error at ``h*``.
    rows : tuple of FDRow
        The scan, in the order of the steps.
    observed_optimal_step : float
        The scanned step with the smallest measured error.
    min_error : float
        That smallest measured error.
    """

    expression: sp.Expr
    variable: sp.Symbol
    at: sp.Expr
    stencil: Stencil
    exact_derivative: sp.Expr
    truncation_term: sp.Expr
    next_truncation_term: sp.Expr
    roundoff_term: sp.Expr
    optimal_step: float
    optimal_step_exact: sp.Expr
    predicted_min_error: float
    rows: tuple[FDRow, ...]
    observed_optimal_step: float
    min_error: float
    eps: float = field(default=float(EPS))

    @property
    def truncation_dominated(self) -> tuple[float, ...]:
        """The steps whose measured error is mostly truncation."""
        return tuple(r.h for r in self.rows if r.dominated_by == "truncation")

    @property
    def roundoff_dominated(self) -> tuple[float, ...]:
        """The steps whose measured error is mostly round-off."""
        return tuple(r.h for r in self.rows if r.dominated_by == "round-off")

    def table(self) -> str:
        """The scan as a plain-text table."""
        head = (f"{'h':>10} | {'approx':>22} | {'error':>9} | {'truncation':>10} | "
                f"{'round-off':>9} | dominated by")
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(
                f"{r.h:>10.3g} | {r.approximation!r:>22} | {r.error:>9.2e} | "
                f"{r.truncation_error:>10.2e} | {r.roundoff_error:>9.2e} | {r.dominated_by}"
            )
        return "\n".join(lines)

    def summary(self) -> str:
        d = self.stencil.derivative
        return "\n".join([
            f"d^{d}/d{self.variable}^{d} {self.expression} at {self.variable} = {self.at}: "
            f"exact {self.exact_derivative} = {float(self.exact_derivative):.17g}",
            f"stencil: {self.stencil.scheme}, offsets {list(map(str, self.stencil.offsets))}, "
            f"weights {list(map(str, self.stencil.weights))}",
            f"truncation = "
            f"{sp.sstr(self.truncation_term + self.next_truncation_term, order='rev-lex')}"
            f"{' + ...' if self.next_truncation_term != 0 else ' (no further non-zero term)'}",
            f"round-off  ~ {self.roundoff_term}",
            f"predicted optimal step h* = {self.optimal_step:.3g} "
            f"(total error {self.predicted_min_error:.3g})",
            f"observed optimal step   h = {self.observed_optimal_step:.3g} "
            f"(error {self.min_error:.3g})",
            f"truncation-dominated steps: {_steps_text(self.truncation_dominated)}",
            f"round-off-dominated steps:  {_steps_text(self.roundoff_dominated)}",
        ])

    def __repr__(self) -> str:
        return f"FDErrorReport(\n{self.summary()}\n{self.table()}\n)"

    @cached_property
    def derivation(self) -> Any:
        """The checked derivation (a :class:`symtaylor.derivations.Derivation`): the stencil's
        moments, its Taylor expansion at the point, the round-off model, ``h*`` minimising the
        total, certified values; ``record.derivation()`` is the same object."""
        from ..derivations.finite_difference import fd_derivation_from_report

        return fd_derivation_from_report(self)

    def latex(self) -> str:
        d = self.stencil.derivative
        v = self.variable
        fd = sp.Derivative(sp.Function("f")(v), (v, d))
        return align([
            Row(sp.Symbol("f"), self.expression, "=", f"at {v} = {self.at}"),
            Row(fd, self.stencil.formula().subs(_x, v), "~",
                f"{self.stencil.scheme} stencil"),
            Row(r"D_h f - " + sp.latex(fd),
                sp.latex(self.truncation_term + self.next_truncation_term, order="rev-lex")
                + (r" + \dots" if self.next_truncation_term != 0 else ""), "=",
                "truncation, from the Taylor series"),
            Row(r"\text{round-off}", self.roundoff_term, "~", "eps = 2**(-52)"),
            Row(r"h^{*}", self.optimal_step_exact, "=",
                "minimises truncation plus round-off"),
            Row("", sp.Float(self.optimal_step, 4), "~"),
            Row(r"E_{\text{total}}(h^{*})", sp.Float(self.predicted_min_error, 4), "~",
                "predicted minimal error"),
            Row(r"h_{\text{observed}}", sp.Float(self.observed_optimal_step, 4), "=",
                f"error {self.min_error:.3g} in float64"),
        ])

    def _repr_latex_(self) -> str:
        return display(self.latex())

    def plot(self, path: str | None = None, ax: Any = None) -> Any:
        """Log-log plot of the measured error against ``h`` with both asymptotes.

        Needs the ``plot`` extra (matplotlib). Saves to ``path`` when given (a file name: a
        directory or a name without a stem, such as ``"."`` or ``".png"``, is refused);
        returns the figure.
        """
        if path is not None:
            _check_plot_path(path)
        try:
            from matplotlib.figure import Figure
        except ImportError:
            raise OptionalDependencyError(
                "plotting needs matplotlib: pip install 'symtaylor[plot]'"
            ) from None
        if ax is None:
            fig = Figure(figsize=(6.4, 4.6))
            ax = fig.subplots()
        else:
            fig = ax.figure
        rows = [r for r in self.rows if r.dominated_by != "undefined"]
        hs = np.array([r.h for r in rows])
        tiny = 1e-300  # zero errors cannot be shown on a log axis
        ax.loglog(hs, [max(r.error, tiny) for r in rows], "o-", label="measured total error")
        ax.loglog(hs, [max(r.truncation_error, tiny) for r in rows], "s--", ms=3,
                  label="measured truncation (mpmath)")
        ax.loglog(hs, [r.truncation_estimate for r in rows], ":",
                  label=f"truncation ~ ${sp.latex(self.truncation_term)}$")
        ax.loglog(hs, [r.roundoff_estimate for r in rows], ":",
                  label=f"round-off ~ ${sp.latex(self.roundoff_term.evalf(3))}$")
        if math.isfinite(self.optimal_step):
            ax.axvline(self.optimal_step, color="grey", lw=0.8,
                       label=f"predicted h* = {self.optimal_step:.2g}")
        ax.set_xlabel("step h")
        ax.set_ylabel("absolute error")
        d = self.stencil.derivative
        ax.set_title(f"{self.stencil.scheme} difference for d^{d}/d{self.variable}^{d} "
                     f"{self.expression} at {self.at}")
        positive = [r.error for r in rows if r.error > 0]
        if positive:
            ax.set_ylim(bottom=min(positive) / 10)
        ax.legend(fontsize="small")
        if path is not None:
            fig.savefig(path, dpi=120, bbox_inches="tight")
        return fig


def _steps_text(hs: Sequence[float]) -> str:
    if not hs:
        return "none"
    if len(hs) <= 4:
        return ", ".join(f"{v:.3g}" for v in hs)
    return f"{len(hs)} steps from {max(hs):.3g} to {min(hs):.3g}"
