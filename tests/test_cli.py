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
