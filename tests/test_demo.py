"""The quick-start showcase (``symtaylor demo``) runs and its numbers hold up independently."""

from __future__ import annotations

import json
import math

import pytest

from symtaylor.cli import main


def test_demo_json_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"taylor", "steps", "bounds", "codegen", "solvers", "fd", "verify"}
    t = data["taylor"]
    # certified, and tight: the true worst error of T5[sin] on [-1/2, 1/2] is at the ends
    true = abs(math.sin(0.5) - (0.5 - 0.5**3 / 6 + 0.5**5 / 120))
    assert t["true_max_error"] == pytest.approx(true, rel=1e-9)
    assert true <= t["bound"] <= 3 * true
    assert t["polynomial"] == "x**5/120 - x**3/6 + x"
    s = data["steps"]
    assert s["newton_update"] == "2*x**3/(3*x**2 - 1)"
    assert s["runs"]["newton"]["x"] == pytest.approx(1.0, abs=1e-8)
    assert s["runs"]["newton"]["nit"] < s["runs"]["gradient-descent"]["nit"]
    b = data["bounds"]
    assert (b["quadratic"]["L"], b["quadratic"]["mu"]) == ("20", "2")
    assert b["logistic"]["sampled_L"] <= b["logistic"]["L"] <= 2 * b["logistic"]["sampled_L"]
    assert data["codegen"]["max_abs_diff"] < 1e-9
    assert data["solvers"]["min_lre"] >= 6
    fd = data["fd"]
    # central second difference, error E h^2/12 + 4 eps E/h^2 (eps = 2^-52): h* = (48 eps)^(1/4)
    assert fd["optimal_step"] == pytest.approx((48 * 2.0**-52) ** 0.25, rel=0.05)
    assert 0.1 < fd["observed"] / fd["optimal_step"] < 10
    assert data["verify"]["correct"] is False


def test_demo_text_and_sections(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--only", "steps"]) == 0
    out = capsys.readouterr().out
    assert "2*x**3/(3*x**2 - 1)" in out and "== Taylor" not in out
    assert main(["demo", "--only", "nope"]) == 2
    assert "unknown demo section" in capsys.readouterr().err


def test_embedded_misra1a_is_the_nist_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from symtaylor.cli import demo
    from symtaylor.problems import nist_problem

    monkeypatch.delenv("SYMTAYLOR_SHARED", raising=False)
    p = nist_problem("Misra1a")  # the packaged copy, symtaylor/data/nist_strd
    cols = {str(k): v for k, v in p.data.items()}
    assert list(cols["x"]) == list(demo._MISRA1A_X)
    assert list(cols["y"]) == list(demo._MISRA1A_Y)
    assert p.start1 == demo._MISRA1A_START
    assert p.certified_values == demo._MISRA1A_CERTIFIED
