"""The one exception hierarchy of symtaylor.

Every error symtaylor raises on purpose derives from :class:`SymTaylorError`. Errors caused by
bad input are also :class:`ValueError`, so ``except ValueError`` keeps working for callers that
do not know symtaylor.

Examples
--------
>>> import symtaylor
>>> try:
...     symtaylor.parse("x.__class__")
... except symtaylor.ParseError as exc:
...     print(exc)
unsupported attribute access at column 1: x.__class__
"""

from __future__ import annotations

__all__ = [
    "CertificationError",
    "CodegenError",
    "InputError",
    "NotAnalyticError",
    "ParseError",
    "SolverError",
    "SymTaylorError",
    "UnsupportedFunctionError",
]


class SymTaylorError(Exception):
    """Base class of every error symtaylor raises on purpose."""


class InputError(SymTaylorError, ValueError):
    """An argument is malformed: wrong variables, a point of the wrong length, a bad option."""


class ParseError(InputError):
    """User text was refused or could not be parsed.

    Parameters
    ----------
    message : str
        What is wrong.
    text : str, optional
        The whole input text.
    column : int, optional
        1-based column of the offending part, when known.
    fragment : str, optional
        The offending part of the text.
    """

    def __init__(
        self,
        message: str,
        text: str | None = None,
        column: int | None = None,
        fragment: str | None = None,
    ) -> None:
        self.reason = message
        self.text = text
        self.column = column
        self.fragment = fragment
        where = f" at column {column}" if column is not None else ""
        what = f": {fragment}" if fragment else ""
        super().__init__(f"{message}{where}{what}")


class NotAnalyticError(SymTaylorError, ValueError):
    """A function has no Taylor expansion at the requested point (not analytic there)."""


class UnsupportedFunctionError(SymTaylorError, ValueError):
    """An expression uses a function this operation cannot handle (the message names it)."""


class CodegenError(SymTaylorError, ValueError):
    """An expression could not be compiled to NumPy code."""


class CertificationError(SymTaylorError, ValueError):
    """A rigorous bound could not be certified (e.g. the enclosure is unbounded on the region)."""


class SolverError(SymTaylorError, ValueError):
    """A numeric solver was misconfigured (an unknown method, a bad option): an input error, so
    also a :class:`ValueError`. Failures to converge are reported in the result's status, not
    raised."""


class OptionalDependencyError(SymTaylorError, ImportError):
    """An optional extra is needed (e.g. matplotlib for plots); the message says what to install."""


__all__.append("OptionalDependencyError")


class PrecisionWarning(UserWarning):
    """A result will carry less precision than the caller may expect (e.g. JAX computing in
    float32 because ``jax_enable_x64`` is off); the message says how to get float64."""


__all__.append("PrecisionWarning")
