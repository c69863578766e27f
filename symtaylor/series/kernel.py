r"""Truncated power-series arithmetic, generic over the coefficient ring.

A series is a dict ``{key: coefficient}`` with ``key = (total degree, e_1, ..., e_m)``: the
exponents of ``h_1 .. h_m`` prefixed by their sum, so truncation by total degree reads
``key[0]`` only. The coefficients may be anything with ``+`` and ``*``: exact ring elements
(:mod:`symtaylor.series.domain`) or ``arb`` balls; the kernel never looks inside them.

Examples
--------
>>> one, h = (0, 0), (1, 1)              # the keys of 1 and h (one variable)
>>> p = {one: 1, h: 1}                   # 1 + h
>>> sorted(_pow_int(p, 3, 2, one).items())   # (1 + h)**3 truncated at degree 2
[((0, 0), 1), ((1, 1), 3), ((2, 2), 3)]
>>> sorted(_compose([1, 1, 1], {h: 2}, 2, one).items())   # 1 + u + u**2 at u = 2h
[((0, 0), 1), ((1, 1), 2), ((2, 2), 4)]
>>> list(_multi_indices(2, 2))
[(2, 0), (1, 1), (0, 2)]
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import Any

from flint import fmpq, fmpq_poly

#: ``(total degree, e_1, ..., e_m)``
Key = tuple[int, ...]
#: ``{key: coefficient}``; absent keys are zero
Series = dict[Key, Any]


def _add(p: Series, q: Series) -> Series:
    out = dict(p)
    for k, c in q.items():
        v = out.get(k)
        out[k] = c if v is None else v + c
    return out


def _scale(p: Series, c: Any) -> Series:
    return {k: c * v for k, v in p.items()}


def _as_poly(p: Series) -> fmpq_poly | None:
    """A univariate series with ``fmpq`` coefficients as a python-flint polynomial (else
    ``None``): its products run in C (``mul_low``), the fast path of long expansions."""
    coeffs: dict[int, Any] = {}
    for k, c in p.items():
        if len(k) != 2 or type(c) is not fmpq:
            return None
        coeffs[k[0]] = c
    if not coeffs:
        return fmpq_poly([])
    dense = [fmpq(0)] * (max(coeffs) + 1)
    for k, c in coeffs.items():
        dense[k] = c
    return fmpq_poly(dense)


def _from_poly(poly: fmpq_poly) -> Series:
    return {(k, k): c for k, c in enumerate(poly.coeffs()) if c}


#: below this many terms the dict loops beat the conversions to and from ``fmpq_poly``
_DENSE = 8


def _mul(p: Series, q: Series, order: int) -> Series:
    if len(p) >= _DENSE and len(q) >= _DENSE:
        a, b = _as_poly(p), _as_poly(q)
        if a is not None and b is not None:
            return _from_poly(a.mul_low(b, order + 1))
    if len(p) > len(q):
        p, q = q, p
    qs = sorted(q.items(), key=lambda kv: kv[0][0])
    out: Series = {}
    add = operator.add
    for ka, ca in p.items():
        room = order - ka[0]
        if room < 0:
            continue
        for kb, cb in qs:
            if kb[0] > room:
                break
            k = tuple(map(add, ka, kb))
            v = out.get(k)
            out[k] = ca * cb if v is None else v + ca * cb
    return out


def _pow_int(p: Series, n: int, order: int, one: Key) -> Series:
    result: Series | None = None
    base = p
    while n:
        if n & 1:
            result = base if result is None else _mul(result, base, order)
        n >>= 1
        if n:
            base = _mul(base, base, order)
    return result if result is not None else {one: 1}


def _compose(d: Sequence[Any], p1: Series, order: int, zero: Key) -> Series:
    """``sum_k d[k] * p1**k`` truncated (p1 has no constant term), by Horner's rule."""
    n = min(order, len(d) - 1)
    if n >= _DENSE and len(zero) == 2 and all(type(c) is fmpq for c in d[:n + 1]):
        u = _as_poly(p1)
        if u is not None:
            out = fmpq_poly([d[n]])
            for k in range(n - 1, -1, -1):
                out = out.mul_low(u, order + 1) + d[k]
            return _from_poly(out)
    acc: Series = {zero: d[n]}
    for k in range(n - 1, -1, -1):
        acc = _mul(acc, p1, order)
        acc[zero] = acc[zero] + d[k] if zero in acc else d[k]
    return acc


def _split(p: Series, zero: Key, none: Any) -> tuple[Any, Series]:
    """The constant term (``none`` if absent) and the rest."""
    c0 = p.get(zero, none)
    return c0, {k: v for k, v in p.items() if k != zero}


def _multi_indices(m: int, total: int) -> Iterator[tuple[int, ...]]:
    """The multi-indices of ``m`` entries summing to ``total``, lexicographically descending."""
    if m == 1:
        yield (total,)
        return
    for first in range(total, -1, -1):
        for rest in _multi_indices(m - 1, total - first):
            yield (first, *rest)
