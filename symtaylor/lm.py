"""Compatibility shim: Levenberg–Marquardt lives in :mod:`symtaylor.optimize.lm`."""

from __future__ import annotations

from .optimize.lm import levenberg_marquardt, lm_parameter

__all__ = ["levenberg_marquardt", "lm_parameter"]
