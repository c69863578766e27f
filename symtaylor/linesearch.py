"""Compatibility shim: the line searches live in :mod:`symtaylor.optimize.linesearch`."""

from __future__ import annotations

from .optimize.linesearch import LineSearchResult, armijo, wolfe

__all__ = ["LineSearchResult", "armijo", "wolfe"]
