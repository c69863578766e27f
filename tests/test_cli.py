"""The command line: help, version, JSON output, and one-line errors with non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from symtaylor import __version__
from symtaylor.cli import main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symtaylor", *args], capture_output=True, text=True, timeout=120
    )


def test_module_help_lists_commands() -> None:
    proc = _run("--help")
    assert proc.returncode == 0
    assert "usage: symtaylor" in proc.stdout
    assert "parse" in proc.stdout


def test_version() -> None:
    proc = _run("--version")
    assert proc.returncode == 0
    assert __version__ in proc.stdout


def test_parse_command_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "x^2 + sin(y)/2"]) == 0
    assert "x**2 + sin(y)/2" in capsys.readouterr().out
    assert main(["parse", "x^2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["expression"] == "x**2"
    assert data["symbols"] == ["x"]


def test_bad_input_is_one_line_on_stderr_and_exit_2() -> None:
    proc = _run("parse", "__import__('os').system('echo hacked')")
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("symtaylor: error: only calls of named functions")


# -- values that start with "-" -----------------------------------------------------------------


def _json(capsys: pytest.CaptureFixture[str], argv: list[str], status: int = 0) -> dict:
    assert main([*argv, "--json"]) == status
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("argv", "key", "want"),
    [
        (["step", "newton", "x**2 + x", "--at", "-1"], "next", ["-1/2"]),
        (["step", "newton", "x**2 + x", "--at=-1"], "next", ["-1/2"]),
        (["step", "newton", "x**2 + y**2", "--at", "-1,2"], "next", ["0", "0"]),
        (["step", "gradient", "x^2", "--lr", "1/10", "--at", "-1"], "next", ["-4/5"]),
        (["step", "lm", "x - 1", "-10*(y - x^2)", "--at", "-1,2"], "variables", ["x", "y"]),
        (["taylor", "exp(x)", "--at", "-1", "--order", "1"], "at", ["-1"]),
        (["taylor", "-x^2", "--at", "-1"], "expression", "-x**2"),
        (["taylor", "exp(x)", "--at", "-1", "--bound", "-1.5:-0.5"], "order", 2),
        (["taylor", "exp(x)", "--at", "-1", "--bound", "x=-1.5:-0.5", "--vars", "x"], "at",
         ["-1"]),
        (["hessian", "x^3*y", "--at", "-1,-2"], "gradient", ["-6", "-1"]),
        (["hessian", "-x^2"], "hessian", [["-2"]]),
        (["bounds", "-x^2 + 2*x^2", "--vars", "x"], "L", "2"),
        (["minimize", "(x + 1)^2 + (y - 2)^2", "--x0", "-1,2"], "x", {"x": -1.0, "y": 2.0}),
        (["minimize", "(x + 1)^2", "--x0=-3"], "success", True),
        (["minimize", "x - 1; -10*(y - x^2)", "--least-squares", "--x0", "-1.2,1"], "success",
         True),
        (["fd-error", "exp(x)", "--at", "-1", "-d", "2", "--steps", "1e-2,1e-3"], "at", "-1"),
        (["fd-error", "exp(-x)", "--at", "-1/2", "--steps", "1e-3"], "expression", "exp(-x)"),
        (["parse", "-x^2"], "expression", "-x**2"),
        (["parse", "---x"], "expression", "-x"),
        (["parse", "-1"], "expression", "-1"),
    ],
)
def test_values_starting_with_minus(capsys, argv, key, want) -> None:
    data = _json(capsys, argv)
    assert data[key] == want


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["check", "taylor", "x*exp(-x)", "--at", "-1", "--order", "1",
          "--answer", "-exp(1) + 2*exp(1)*(x + 1)"], 0),  # f(-1) = -e, f'(-1) = 2e
        (["check", "newton", "x**4", "--answer", "-x/3 + x"], 0),
        (["check", "newton", "x**2", "--at", "-1", "--answer", "0"], 0),
        (["check", "gradient-step", "x^2", "--at", "-1", "--lr", "0.1", "--answer", "-0.8"], 0),
        (["check", "step-size", "x^2", "--alpha", "-0.1"], 1),  # negative: wrong, not malformed
        (["check", "gradient", "-x^2", "--answer", "-2*x"], 0),
        (["check", "hessian", "-x^2", "--answer", "-2"], 0),
        (["check", "gradient", "x^2", "--ans", "-2*x"], 1),  # an abbreviated option
    ],
)
def test_check_values_starting_with_minus(capsys, argv, status) -> None:
    data = _json(capsys, argv, status)
    assert data["correct"] is (status == 0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["step", "gradient", "x^2", "--lr", "-1/10", "--at", "-1"], "lr must be positive"),
        (["step", "newton", "x**4", "--damping", "-1/2"], "damping must be non-negative"),
        (["check", "newton", "x**2", "--damping", "-1", "--answer", "-x"],
         "damping must be non-negative"),
        (["check", "gradient-step", "x^2", "--lr", "-0.1", "--answer", "x + 0.2*x"],
         "lr must be positive, got -1/10"),
    ],
)
def test_negative_step_parameters_are_read_then_refused(capsys, argv, message) -> None:
    """A negative --lr/--damping is read as a value (not an option) and refused by the step:
    an ascent step or a negative damping is not a descent method (exit 2, InputError)."""
    err = _json(capsys, argv, 2)
    assert err["type"] == "InputError" and message in err["error"]


def test_an_option_after_an_option_is_not_taken_as_its_value(capsys) -> None:
    assert main(["step", "newton", "x**2", "--at", "--json"]) == 2
    err = json.loads(capsys.readouterr().out)
    assert err["type"] == "UsageError" and "--at" in err["error"]


def test_double_dash_ends_options(capsys) -> None:
    assert main(["parse", "--", "-x"]) == 0
    assert capsys.readouterr().out.startswith("-x\n")


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["parse", "x +"], "ParseError"),
        (["parse", "__import__('os')"], "ParseError"),
        (["taylor", "x", "--at", "1,2,3"], "InputError"),
        (["minimize", "x^2", "--x0", "1", "--method", "nope"], "SolverError"),
        (["nope"], "UsageError"),
        (["taylor"], "UsageError"),
        (["taylor", "x", "--order", "two"], "UsageError"),
    ],
)
def test_json_errors_are_an_object_on_stdout_with_status_2(capsys, argv, kind) -> None:
    assert main([*argv, "--json"]) == 2
    captured = capsys.readouterr()
    err = json.loads(captured.out)
    assert set(err) == {"error", "type"}
    assert err["type"] == kind
    assert err["error"]
    assert captured.err == ""


def test_text_errors_stay_one_line_on_stderr(capsys) -> None:
    assert main(["parse", "x +"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "symtaylor: error: invalid syntax\n"


def test_help_returns_instead_of_exiting(capsys) -> None:
    assert main(["--help"]) == 0
    assert "usage: symtaylor" in capsys.readouterr().out
    assert main(["parse", "-h"]) == 0
    assert "expression" in capsys.readouterr().out


def test_rejections_echo_a_clipped_input(capsys) -> None:
    text = "[" + "1," * 8000 + "]"
    assert main(["parse", text]) == 2
    err = capsys.readouterr().err
    assert len(err) < 300
    assert "(16002 characters)" in err
    assert main(["parse", text, "--json"]) == 2
    assert len(json.loads(capsys.readouterr().out)["error"]) < 300
    assert main(["nope" * 5000]) == 2  # argparse's own echo (invalid choice) is clipped too
    assert len(capsys.readouterr().err) < 1000


def test_parser_giving_up_says_why(capsys) -> None:
    assert main(["parse", "-" * 19000 + "x"]) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err
    assert not err.strip().endswith(":")


def test_integers_longer_than_4300_digits_print(capsys) -> None:
    limit = sys.get_int_max_str_digits()
    assert main(["parse", "10**5000"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1" + "0" * 5000 + "\n")
    data = _json(capsys, ["parse", "10**5000 + x"])
    assert data["expression"] == "x + 1" + "0" * 5000
    assert sys.get_int_max_str_digits() == limit  # restored: no global state left changed


def test_lambda_in_results_parses_back(capsys) -> None:
    from symtaylor import parse

    data = _json(capsys, ["step", "lm", "x - 1", "10*(y - x^2)"])
    for text in data["update"]:
        assert "lambda" in {s.name for s in parse(text).free_symbols}
        assert main(["parse", text]) == 0
        capsys.readouterr()
    assert main(["parse", "lambda + 1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["symbols"] == ["lambda"]


def test_broken_pipe_ends_quietly() -> None:
    # ~200 KB of output: more than a pipe holds, so the writer is still writing when the
    # reader goes away (as with `symtaylor parse ... | head -c 10`)
    big = "*".join(["10**9999"] * 10)
    proc = subprocess.Popen(
        [sys.executable, "-m", "symtaylor", "parse", big],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    status = proc.wait(timeout=120)
    assert head == b"1000000000"
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert err == ""
    assert status == 141


def test_broken_pipe_through_a_shell_pipe() -> None:
    big = "*".join(["10**9999"] * 10)
    proc = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m symtaylor parse "{big}" | head -c 10; '
         'echo " ${PIPESTATUS[0]}"'],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.stdout == "1000000000 141\n"
    assert proc.stderr == ""
