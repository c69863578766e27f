"""Progress of long scans and certifications (issue 18, section 3): branch and bound.

Lines (boxes evaluated, boxes left, the current bound) go to stderr on a terminal only
(``progress=None``), always with ``progress=True``, never with ``progress=False``; the result is
the same either way. Truth: the closed-form maxima (``max |sin x - x + x^3/6|`` on ``[-1, 1]`` is
``sin(1) - 5/6`` at ``x = 1``; the Hessian of ``x^4 + x^2 y^2 + y^4`` has ``L = 18`` on the unit
box) and the quiet run's own result.
"""

from __future__ import annotations

import io
import itertools
import math
import re

import pytest
import sympy as sp

from symtaylor import convergence_bounds, taylor
from symtaylor.enclosure import bound_abs
from symtaylor.errors import InputError
from symtaylor.optimize import run

x = sp.Symbol("x")
REMAINDER = sp.sin(x) - x + x**3 / 6  # max |.| on [-1, 1]: sin(1) - 5/6, at x = +-1
TRUE_MAX = math.sin(1.0) - 5.0 / 6.0
LINE = re.compile(r"boxes(?: done:| stopped:)? (\d+) evaluated, (\d+) left \(budget \d+\), "
                  r"bound (\S+) \(attained (\S+)\)")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thresholds at 0: every box that is due prints (the real ones are 2 s and 1 s)."""
    monkeypatch.setattr(run, "AUTO_AFTER", 0.0)
    monkeypatch.setattr(run, "AUTO_EVERY", 0.0)


def _lines(text: str) -> list[tuple[int, int, float, float]]:
    return [(int(m[1]), int(m[2]), float(m[3]), float(m[4])) for m in LINE.finditer(text)]


def test_bound_abs_shows_boxes_left_on_a_terminal(fast: None, monkeypatch) -> None:
    quiet = bound_abs(REMAINDER, [x], {x: (-1, 1)}, rtol=1e-6, progress=False)
    term = _Terminal()
    monkeypatch.setattr(run.sys, "stderr", term)
    shown = bound_abs(REMAINDER, [x], {x: (-1, 1)}, rtol=1e-6)  # None: a terminal -> on
    assert shown == quiet
    assert quiet.lower <= TRUE_MAX <= quiet.upper <= TRUE_MAX * (1 + 1e-6) + 1e-15
    lines = _lines(term.getvalue())
    assert len(lines) >= 3 and "boxes done:" in term.getvalue().splitlines()[-1]
    done = [ln[0] for ln in lines]
    assert done == sorted(done) and done[-1] == shown.boxes  # the count grows to the result's
    assert all(left >= 1 for _, left, _, _ in lines)
    # every bound printed is a rigorous upper bound of the true maximum, never increasing,
    # and every attained value is below it
    bounds = [b for _, _, b, _ in lines]
    assert all(b >= TRUE_MAX * (1 - 1e-6) for b in bounds)
    assert all(b1 >= b2 * (1 - 1e-6) for b1, b2 in itertools.pairwise(bounds))
    assert all(a <= TRUE_MAX * (1 + 1e-6) for _, _, _, a in lines)


def test_quiet_off_a_terminal_and_when_asked(fast: None, monkeypatch) -> None:
    pipe = io.StringIO()  # not a terminal
    monkeypatch.setattr(run.sys, "stderr", pipe)
    bound_abs(REMAINDER, [x], {x: (-1, 1)}, rtol=1e-6)
    convergence_bounds("x**4 + y**2", region={"x": (-1, 1), "y": (-1, 1)})
    assert pipe.getvalue() == ""
    term = _Terminal()
    monkeypatch.setattr(run.sys, "stderr", term)
    bound_abs(REMAINDER, [x], {x: (-1, 1)}, rtol=1e-6, progress=False)
    convergence_bounds("x**4 + y**2", region={"x": (-1, 1), "y": (-1, 1)}, progress=False)
    assert term.getvalue() == ""


def test_progress_true_prints_off_a_terminal(monkeypatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(run.sys, "stderr", pipe)
    b = bound_abs(REMAINDER, [x], {x: (-1, 1)}, rtol=1e-6, progress=True)
    lines = _lines(pipe.getvalue())
    # real thresholds: the first line at once, then the closing one with the final count
    assert lines and lines[-1][0] == b.boxes and lines[-1][2] == pytest.approx(b.upper)


def test_short_search_on_a_terminal_stays_quiet(monkeypatch) -> None:
    term = _Terminal()  # real thresholds (2 s): a search of milliseconds prints nothing
    monkeypatch.setattr(run.sys, "stderr", term)
    bound_abs(REMAINDER, [x], {x: (-1, 1)}, rtol=1e-3)
    assert term.getvalue() == ""


def test_certifications_show_progress(fast: None, monkeypatch) -> None:
    term = _Terminal()
    monkeypatch.setattr(run.sys, "stderr", term)
    c = convergence_bounds("x**4 + x**2*y**2 + y**4", region={"x": (-1, 1), "y": (-1, 1)})
    # the Hessian [[12x^2 + 2y^2, 4xy], [4xy, 12y^2 + 2x^2]] is largest at the corners: 18
    assert 18 <= c.L <= 18 * 1.05
    closing = [ln for ln in term.getvalue().splitlines() if "boxes done:" in ln]
    # L's search and mu's; a search decided at its first box (count 1) prints nothing
    assert 1 <= len(closing) <= 2
    assert sum(ln[0] for ln in _lines("\n".join(closing))) == c.boxes - (2 - len(closing))
    term.seek(0)
    term.truncate()
    cert = taylor("exp(x)", "x", at=0, order=1).certify((0, 1), rtol=1e-4)
    true = math.e - 2  # max of e^x - 1 - x on [0, 1], at x = 1
    assert cert.attained <= true * (1 + 1e-14) and true <= cert.upper
    lines = _lines(term.getvalue())
    assert lines and lines[-1][0] == cert.boxes


def test_bad_progress_is_refused() -> None:
    with pytest.raises(InputError, match="progress"):
        bound_abs(REMAINDER, [x], {x: (-1, 1)}, progress="bars")
    with pytest.raises(InputError, match="progress"):
        convergence_bounds("x**4 + y**2", region={"x": (-1, 1), "y": (-1, 1)}, progress=2)
