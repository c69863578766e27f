"""Helpers shared by the subcommands: output record, option parsing, JSON conversion."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..errors import InputError
from ..parsing import parse

__all__ = ["Output", "parse_point", "parse_region", "to_jsonable"]


@dataclass(frozen=True)
class Output:
    """What a subcommand produced: text for people, ``data`` for ``--json``."""

    text: str
    data: dict[str, Any] = field(default_factory=dict)
    status: int = 0


def parse_region(text: str) -> dict[str, tuple[float, float]]:
    """``"x=-0.1:0.1,y=0:1"`` -> ``{"x": (-0.1, 0.1), "y": (0.0, 1.0)}`` (values parsed safely).

    >>> parse_region("x=-0.1:0.1, y=0:pi/4")
    {'x': (-0.1, 0.1), 'y': (0.0, 0.7853981633974483)}
    """
    region: dict[str, tuple[float, float]] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part or ":" not in part:
            raise InputError(f"region entry {part!r} is not of the form name=lo:hi")
        name, rng = part.split("=", 1)
        lo_s, hi_s = rng.split(":", 1)
        lo, hi = (_number(lo_s), _number(hi_s))
        if not lo <= hi:
            raise InputError(f"region entry {part!r} has lo > hi")
        region[name.strip()] = (lo, hi)
    if not region:
        raise InputError("empty region")
    return region


def parse_point(text: str) -> list[sp.Expr]:
    """``"0, pi/3"`` -> ``[0, pi/3]`` (each coordinate parsed safely, kept exact)."""
    return [parse(p) for p in text.split(",")]


def _number(text: str) -> float:
    expr = parse(text)
    if expr.free_symbols:
        raise InputError(f"{text!r} is not a number")
    value = float(expr)
    if not math.isfinite(value):
        raise InputError(f"{text!r} is not finite")
    return value


def to_jsonable(obj: Any) -> Any:
    """Convert results to JSON: SymPy objects become strings, NumPy arrays lists."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if hasattr(obj, "tolist"):
        return to_jsonable(obj.tolist())
    if isinstance(obj, sp.MatrixBase):
        return [[str(v) for v in row] for row in obj.tolist()]
    return str(obj)
