"""Code-shape measures of issue 12: largest modules, functions over 100 lines, McCabe over 15.

Run ``python benchmarks/code_shape.py [folder]`` (default ``symtaylor``); needs ruff for the
McCabe count. Before the layout change (commit 603d5ea): largest module codegen.py with 1,947
lines, 7 functions over 100 lines, 11 functions with McCabe over 15.
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys


def main(folder: str = "symtaylor") -> None:
    root = pathlib.Path(folder)
    files = sorted(root.rglob("*.py"))
    sizes = sorted(((len(p.read_text().splitlines()), str(p)) for p in files), reverse=True)
    long = []
    for p in files:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if n > 100:
                    long.append((n, f"{p}:{node.name}"))
    print("largest modules:", ", ".join(f"{name} ({n})" for n, name in sizes[:5]))
    print(f"functions over 100 lines: {len(long)}",
          ", ".join(f"{name} ({n})" for n, name in sorted(long, reverse=True)))
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "C901", "--config",
         "lint.mccabe.max-complexity=15", "--output-format", "concise", str(root)],
        capture_output=True, text=True, check=False).stdout
    lines = [line for line in out.splitlines() if "C901" in line]
    print(f"McCabe over 15: {len(lines)}")
    for line in lines:
        print("  " + line)


if __name__ == "__main__":
    main(*sys.argv[1:2])
