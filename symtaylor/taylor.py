"""Compatibility module: the Taylor engine lives in :mod:`symtaylor.series`.

``from symtaylor.taylor import TaylorExpansion, taylor`` keeps working; new code imports from
``symtaylor`` (the function ``taylor`` and the records) or from :mod:`symtaylor.series`.

Examples
--------
>>> from symtaylor.taylor import TaylorExpansion, taylor
>>> isinstance(taylor("sin(x)", "x", at=0, order=3), TaylorExpansion)
True
"""

from .series import (
    MAX_ORDER,
    Coefficients,
    ErrorRow,
    ErrorTable,
    RemainderCertificate,
    TaylorExpansion,
    taylor,
)

__all__ = [
    "MAX_ORDER",
    "Coefficients",
    "ErrorRow",
    "ErrorTable",
    "RemainderCertificate",
    "TaylorExpansion",
    "taylor",
]
