"""The record of one run: history, callback, progress lines and the wall clock.

A numeric core reports each iterate through a *monitor*, ``monitor(nit, x, f, grad_norm,
step) -> bool`` (True asks it to stop); :meth:`Run.record` is the monitor the facades pass.
Evaluation counts are not kept here: :mod:`symtaylor.optimize.counting` counts them.

Examples
--------
>>> run = Run(callback=None, progress=False, keep_history=True)
>>> run.record(0, np.zeros(2), 1.0, 2.0, 0.0)
False
>>> run.history()
History(1 iterates)
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from ..coerce import _show, as_flag, as_order
from ..errors import InputError
from .result import History, IterationState

__all__ = ["Monitor", "Progress", "Run", "progress_flag", "run_options", "silent"]

#: ``monitor(nit, x, f, grad_norm, step) -> bool``: called after each iteration; True stops.
Monitor = Callable[[int, np.ndarray, float, float, float], bool]


def silent(*_: Any) -> bool:
    """The monitor of a run nobody watches: never asks to stop."""
    return False


#: ``progress=None`` (the default) prints on a terminal only, once a run has lasted this many
#: seconds, then at most once per ``AUTO_EVERY`` seconds.
AUTO_AFTER = 2.0
AUTO_EVERY = 1.0


def run_options(callback: Any, progress: Any, history: Any
                ) -> tuple[Callable[[IterationState], Any] | None, bool | int | str | None, bool]:
    """``callback`` (None or a function), ``progress`` (None: automatic, a flag, every how
    many iterations, or ``"tasks"``) and ``history`` (a flag), checked."""
    if callback is not None and (not callable(callback) or isinstance(callback, sp.Basic)):
        raise InputError(f"callback must be a function or None, got {_show(callback)}")
    if not (progress is None or progress is True or progress is False
            or (isinstance(progress, str) and progress == "tasks")):
        if isinstance(progress, str):
            raise InputError(f"progress must be None, True, False, an iteration count or "
                             f"'tasks', not {_show(progress)}")
        progress = as_order(progress, "progress")
    return callback, progress, as_flag(history, "history")


def _on_terminal() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def progress_flag(progress: Any, what: str = "progress") -> bool | None:
    """``progress`` of a long computation checked: None (automatic), True or False."""
    if progress is None:
        return None
    try:
        return as_flag(progress, what)
    except InputError:
        raise InputError(f"{what} must be None (on a terminal only), True or False, not "
                         f"{_show(progress)}") from None


class Progress:
    """The one progress printer: rate-limited lines on stderr.

    ``progress=None``: on only when stderr is a terminal, and only once the work has lasted
    ``AUTO_AFTER`` seconds; True: on from the start; False: never. Then at most one line per
    ``AUTO_EVERY`` seconds (:meth:`show` returns whether it printed), each ending with the
    seconds elapsed; :meth:`done` prints a closing line when anything was shown (always with
    True).

    Examples
    --------
    >>> p = Progress(False)
    >>> p.show("boxes 10 left"), p.shown
    (False, 0)
    """

    def __init__(self, progress: bool | None) -> None:
        self.on = progress is True or (progress is None and _on_terminal())
        self.wait = 0.0 if progress is True else None  # None: AUTO_AFTER, read when asked
        self.forced = progress is True
        self.t0 = time.perf_counter()
        self._last = -math.inf
        self.shown = 0

    def due(self) -> bool:
        """Whether a line would be printed now (cheap: call it before building the line)."""
        if not self.on:
            return False
        now = time.perf_counter()
        wait = AUTO_AFTER if self.wait is None else self.wait
        return now - self.t0 >= wait and now - self._last >= AUTO_EVERY

    def show(self, text: str, force: bool = False) -> bool:
        """Print ``text`` (with the seconds elapsed) if a line is due (or ``force``)."""
        if not (self.on and (force or self.due())):
            return False
        now = time.perf_counter()
        self._last = now
        self.shown += 1
        print(f"{text}  ({now - self.t0:.0f} s)", file=sys.stderr, flush=True)
        return True

    def done(self, text: str) -> None:
        """The closing line: printed when a line was shown before (or progress=True)."""
        if self.on and (self.shown or self.forced):
            self.show(text, force=True)


class Run:
    """History, callback, progress and the wall clock of one run."""

    def __init__(self, callback: Callable[[IterationState], Any] | None,
                 progress: bool | int | str | None, keep_history: bool) -> None:
        self.callback = callback
        # None / "tasks": automatic (a terminal, a long run); True: every 10 iterations; k
        auto = progress is None or isinstance(progress, str)
        self._ticker = Progress(None if auto else False)
        self.auto = self._ticker.on
        self.every = 0 if progress is None or isinstance(progress, str) else (
            int(progress) if not isinstance(progress, bool) else (10 if progress else 0))
        self.keep = keep_history
        self.xs: list[np.ndarray] = []
        self.fs: list[float] = []
        self.gs: list[float] = []
        self.steps: list[float] = []
        self.t0 = time.perf_counter()

    @property
    def watched(self) -> bool:
        """Whether anything looks at the iterates (a core may then skip reporting them)."""
        return self.keep or self.callback is not None or bool(self.every) or self.auto

    def record(self, nit: int, x: np.ndarray, f: float, gnorm: float, step: float) -> bool:
        """Store one iterate; True when the callback asks to stop."""
        if self.keep:
            self.xs.append(np.array(x, dtype=float))
            self.fs.append(float(f))
            self.gs.append(float(gnorm))
            self.steps.append(float(step))
        if self.every and nit % self.every == 0:
            print(f"  iter {nit:6d}  f = {f: .10e}  |g| = {gnorm:.3e}  step = {step:.3e}",
                  file=sys.stderr)
        elif self.auto and self._ticker.due():
            self._ticker.show(f"  iter {nit:6d}  f = {f: .10e}  |g| = {gnorm:.3e}  "
                              f"step = {step:.3e}")
        if self.callback is not None:
            return bool(self.callback(IterationState(nit, np.array(x), float(f), float(gnorm),
                                                     float(step))))
        return False

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.t0

    def history(self) -> History | None:
        if not self.keep:
            return None
        return History(np.array(self.xs), np.array(self.fs), np.array(self.gs),
                       np.array(self.steps))
