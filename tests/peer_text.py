"""Reading a peer's own test file (SymPy's, installed with it) for the peer-suite tests.

The file is trusted peer text, read only in the tests: its module-level statements of the
given kinds run in a namespace, then each test function's assignments run in a copy of it, so
the calls inside the function can be evaluated where their names are defined.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any


def _run(nodes: list[ast.stmt], path: str, ns: dict[str, Any]) -> None:
    for node in nodes:
        try:
            exec(compile(ast.Module([node], []), path, "exec"), ns)  # trusted peer text
        except Exception:  # a statement the test module needs more context for
            pass


def function_scopes(path: str, base: dict[str, Any], module_kinds: tuple[type, ...]
                    ) -> Iterator[tuple[ast.FunctionDef, dict[str, Any], str]]:
    """``(test function, its namespace, the file's source)`` for every top-level function of
    ``path``; ``base`` gets the module-level statements of ``module_kinds`` first."""
    with open(path, encoding="utf-8") as fh:
        src = fh.read()
    tree = ast.parse(src)
    _run([n for n in tree.body if isinstance(n, module_kinds)], path, base)
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef):
            ns = dict(base)
            _run([s for s in fn.body if isinstance(s, ast.Assign)], path, ns)
            yield fn, ns, src
