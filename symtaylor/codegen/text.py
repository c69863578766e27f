"""User text in generated source and in messages: escaped, cut short, summarised.

:func:`_comment` and :func:`_docstring` make text safe inside a ``#`` comment or a docstring of
generated source (one line, quotes and backslashes escaped, no ``coding:`` cookie); :func:`_short`
summarises an expression for a header, a docstring or a ``repr`` without printing a huge one in
full.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sympy as sp


def _comment(text: str) -> str:
    """``text`` made safe inside a ``#`` comment of generated source: one line (line breaks and
    every other non-printable character escaped as in ``repr``), and no ``coding:`` cookie (on
    the first two lines of a file such a comment would change how Python decodes it)."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                       for c in text)
    return re.sub(r"coding([:=])", r"coding \1", text)


def _docstring(text: str) -> str:
    """``text`` made safe inside a triple-quoted docstring: as :func:`_comment`, with
    backslashes and double quotes escaped too (the string cannot be closed or run on)."""
    return _comment(text.replace("\\", "\\\\").replace('"', '\\"'))


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (the last three ``...``)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _vars_text(syms: Sequence[sp.Symbol]) -> str:
    """``x0, x1, ...`` for a header: at most 8 names (the first three and the last)."""
    names = [str(s) for s in syms]
    return ", ".join(names if len(names) <= 8 else [*names[:3], "...", names[-1]])


def _short(obj: Any, limit: int = 70) -> str:
    """``obj`` (an expression, a list, a matrix) as text of at most ``limit`` characters,
    without printing a huge expression in full first."""
    if isinstance(obj, sp.MatrixBase) and obj.rows * obj.cols > 36:
        return f"a {obj.rows}x{obj.cols} matrix"  # printing all entries takes seconds
    if isinstance(obj, (list, tuple)) and len(obj) > 12:
        head = ", ".join(_short(e, limit) for e in obj[:3])
        s = f"[{head}, ... ({len(obj)} entries)]"
        return s if len(s) <= limit else f"a vector of {len(obj)} entries"
    if isinstance(obj, sp.Basic) and not _small(obj):
        # printing a huge expression in full only to cut it takes seconds: print its head terms
        if isinstance(obj, sp.Add | sp.Mul):
            sep = " + " if isinstance(obj, sp.Add) else "*"
            parts = [str(a) for a in obj.args[:6] if _small(a, 40)]
            if parts:
                s = sep.join(parts) + sep + "..."
                return s if len(s) <= limit else s[: limit - 3] + "..."
        return f"an expression in {', '.join(sorted(map(str, obj.free_symbols))[:4])}, ..."
    s = str(obj)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _small(e: sp.Basic, budget: int = 400) -> bool:
    """Whether ``e`` has fewer than ``budget`` nodes (stops counting early)."""
    for k, _ in enumerate(sp.preorder_traversal(e)):
        if k >= budget:
            return False
    return True
