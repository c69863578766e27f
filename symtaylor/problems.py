"""Reference problem catalogues: NIST StRD nonlinear regression and Moré–Garbow–Hillstrom.

The data ship inside the package, in ``symtaylor/data/nist_strd/`` and ``symtaylor/data/mgh/``
(package data, read with :mod:`importlib.resources`; their README files give provenance and
caveats), so an installed package needs no other folder. ``$SYMTAYLOR_SHARED`` may point at
another copy (a folder holding ``data/<catalogue>/`` or ``<catalogue>/``), which then wins.

* :func:`nist_problem` / :func:`nist_problems`: the 19 Lower and Average difficulty StRD
  datasets (NIST, public domain): model, data, two starts, certified values (kept as the
  11-digit decimal strings from the files) and certified residual sum of squares.
* :func:`mgh_problem` / :func:`mgh_problems`: the 35 MGH problems in 41 entries
  (J. J. Moré, B. S. Garbow, K. E. Hillstrom, ACM TOMS 7(1), 1981), with ``f*`` as printed in
  the paper and the values the standard start is known to lead to instead (MINPACK's result).
* :func:`lre`: the log relative error NIST uses to score answers.

Formulas are parsed with :func:`symtaylor.parse` (no ``eval``/``sympify``).

Examples
--------
>>> p = nist_problem("Misra1a")
>>> p.params, p.n_obs, p.certified_values[0]
((b1, b2), 14, '2.3894212918E+02')
>>> p.residual
-b1*(1 - exp(-b2*x)) + y
>>> q = mgh_problem("rosenbrock")
>>> q.residuals, q.x0, q.fstar
((-10*x1**2 + 10*x2, 1 - x1), (-1.2, 1.0), 0.0)
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from .errors import InputError
from .parsing import clip as _clip
from .parsing import parse

if TYPE_CHECKING:  # pragma: no cover
    from importlib.resources.abc import Traversable

__all__ = [
    "CATALOGUES",
    "MGHProblem",
    "NISTProblem",
    "lre",
    "mgh_names",
    "mgh_problem",
    "mgh_problems",
    "nist_names",
    "nist_problem",
    "nist_problems",
    "shared_data_dir",
]


#: The catalogues shipped in ``symtaylor/data/``.
CATALOGUES = ("nist_strd", "mgh")


def shared_data_dir(kind: str) -> Traversable:
    """The folder of one catalogue (``"nist_strd"`` or ``"mgh"``).

    ``$SYMTAYLOR_SHARED/data/<kind>`` or ``$SYMTAYLOR_SHARED/<kind>`` when the variable is set
    (an override; a variable naming neither is an error, not silently ignored), else the copy
    shipped in the package, ``symtaylor/data/<kind>``.

    Examples
    --------
    >>> d = shared_data_dir("mgh")
    >>> (d / "problems.json").is_file()
    True
    """
    if kind not in CATALOGUES:
        raise InputError(f"unknown reference catalogue {_clip(kind)!r}; known: "
                         f"{', '.join(CATALOGUES)}")
    return _data_dir(kind, _override())


def _override() -> str:
    return os.environ.get("SYMTAYLOR_SHARED", "")


def _data_dir(kind: str, override: str) -> Traversable:
    if override:
        candidates = [Path(override) / "data" / kind, Path(override) / kind]
        for c in candidates:
            if c.is_dir():
                return c
        raise InputError(f"SYMTAYLOR_SHARED={_clip(override)!r} has no {kind!r} catalogue "
                         f"(looked in {', '.join(map(str, candidates))}); unset it to use the "
                         "copy shipped with symtaylor")
    return resources.files("symtaylor") / "data" / kind


def _read_text(kind: str, name: str, override: str) -> str:
    return (_data_dir(kind, override) / name).read_text(encoding="utf-8")


def _key(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise InputError(f"{what} must be given by name (a str), not {type(name).__name__}")
    return name


# The caches are keyed by the override, so setting or unsetting SYMTAYLOR_SHARED takes effect.


def lre(estimate: float, certified: str | float) -> float:
    """Log relative error ``-log10(|estimate - c| / |c|)`` (NIST's score), capped at 11 digits
    (the certified values have 11 significant digits).

    Examples
    --------
    >>> round(lre(2.389421291e2, "2.3894212918E+02"), 2)
    9.48
    >>> lre(1.0, "1.0")
    11.0
    """
    c = float(Decimal(certified)) if isinstance(certified, str) else float(certified)
    err = abs(float(estimate) - c)
    if not math.isfinite(err):
        return 0.0
    if err == 0.0:
        return 11.0
    rel = err / abs(c) if c != 0.0 else err
    return float(min(11.0, max(0.0, -math.log10(rel))))


# -- NIST StRD ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NISTProblem:
    """One NIST StRD nonlinear regression dataset.

    ``residual`` is ``response - model`` in the parameters and the data symbols; ``data`` maps
    each data symbol (``x``, ``y``; Nelson ``x1, x2, y``) to its column.
    """

    name: str
    difficulty: str
    model: sp.Expr
    residual: sp.Expr
    params: tuple[sp.Symbol, ...]
    data: dict[sp.Symbol, np.ndarray] = field(repr=False)
    start1: tuple[float, ...]
    start2: tuple[float, ...]
    certified_values: tuple[str, ...]
    certified_std_dev: tuple[str, ...]
    certified_rss: str
    n_obs: int

    def start(self, which: int) -> tuple[float, ...]:
        """Start 1 (far) or 2 (near)."""
        if which not in (1, 2):
            raise InputError(f"NIST starts are 1 and 2, not {which!r}")
        return self.start1 if which == 1 else self.start2

    @property
    def certified(self) -> np.ndarray:
        """The certified parameter values as floats."""
        return np.array([float(Decimal(v)) for v in self.certified_values])


@lru_cache(maxsize=4)
def _nist_models(override: str) -> dict:
    return json.loads(_read_text("nist_strd", "models.json", override))


def nist_names() -> tuple[str, ...]:
    """The dataset names, in the file's order.

    Examples
    --------
    >>> len(nist_names()), nist_names()[0]
    (19, 'Chwirut1')
    """
    return tuple(_nist_models(_override()))


def nist_problem(name: str) -> NISTProblem:
    """Load one dataset by name (e.g. ``"Misra1a"``; case-insensitive).

    Parameters
    ----------
    name : str
        One of :func:`nist_names`.

    Returns
    -------
    NISTProblem

    Examples
    --------
    >>> p = nist_problem("misra1a")
    >>> p.name, p.difficulty, p.certified_rss
    ('Misra1a', 'Lower', '1.2455138894E-01')
    """
    name = _key(name, "a NIST StRD dataset")
    override = _override()
    models = _nist_models(override)
    key = {k.lower(): k for k in models}.get(name.lower())
    if key is None:
        raise InputError(f"unknown NIST StRD dataset {_clip(name)!r}; known: "
                         f"{', '.join(models)}")
    return _nist_problem(key, override)


@lru_cache(maxsize=64)
def _nist_problem(key: str, override: str) -> NISTProblem:
    m = _nist_models(override)[key]
    lines = _read_text("nist_strd", m["file"], override).splitlines()
    lo, hi = m["data_lines"]
    rows = np.array([[float(v) for v in ln.split()] for ln in lines[lo - 1:hi] if ln.strip()])
    data = {sp.Symbol(col, real=True): rows[:, j].copy()
            for j, col in enumerate(m["data_columns"])}
    params = tuple(sp.Symbol(p, real=True) for p in m["params"])
    table = {s.name: s for s in (*data, *params)}
    model = parse(m["formula"], table)
    response = parse(m["response"], table)
    return NISTProblem(
        name=key, difficulty=m["difficulty"], model=model, residual=response - model,
        params=params, data=data, start1=tuple(m["start1"]), start2=tuple(m["start2"]),
        certified_values=tuple(m["certified_values"]),
        certified_std_dev=tuple(m["certified_std_dev"]),
        certified_rss=m["certified_rss"], n_obs=int(m["n_obs"]),
    )


def nist_problems() -> tuple[NISTProblem, ...]:
    """All 19 datasets."""
    return tuple(nist_problem(n) for n in nist_names())


# -- Moré–Garbow–Hillstrom -------------------------------------------------------------------

# Entries whose standard start is documented (data README) to lead to another minimum:
# the f values a solver may legitimately reach from x0, besides f*.
_ALSO_FROM_X0 = {
    # MINPACK (and every standard start) ends at the local minimum 48.9842...
    "freudenstein_roth": (48.98425367924,),
    # LM from x0 stops at a non-zero local minimum (computed: 2.795056e-5).
    "trigonometric_n10": (2.795056e-5,),
    # MINPACK reaches 0, other LM codes the f = 1 minimum (0,...,0,n+1).
    "brown_almost_linear_n10": (1.0,),
}


@dataclass(frozen=True)
class MGHProblem:
    """One Moré–Garbow–Hillstrom entry: ``f = sum(r_i^2)`` (no 1/2 factor), in real symbols.

    ``fstar`` is the paper's value (``fstar_text`` as printed); ``targets`` are the values a
    run from ``x0`` may end at: ``fstar`` and, where the data README documents that the standard
    start leads elsewhere, MINPACK's result.
    """

    key: str
    number: int
    name: str
    n: int
    m: int
    variables: tuple[sp.Symbol, ...]
    residuals: tuple[sp.Expr, ...] = field(repr=False)
    x0: tuple[float, ...]
    fstar: float
    fstar_text: str
    targets: tuple[float, ...]
    notes: str = ""

    @property
    def objective(self) -> sp.Expr:
        """``sum(r_i**2)`` as one expression."""
        return sp.Add(*[r**2 for r in self.residuals])


@lru_cache(maxsize=4)
def _mgh_data(override: str) -> dict:
    return json.loads(_read_text("mgh", "problems.json", override))


def mgh_names() -> tuple[str, ...]:
    """The entry keys, in the paper's order.

    Examples
    --------
    >>> len(mgh_names()), mgh_names()[0]
    (41, 'rosenbrock')
    """
    return tuple(_mgh_data(_override()))


def _fstar(text: str) -> float:
    if "/" in text:
        a, b = text.split("/")
        return float(sp.Rational(int(a), int(b)))
    return float(text)


def mgh_problem(key: str) -> MGHProblem:
    """Load one MGH entry by key (e.g. ``"rosenbrock"``, ``"watson_n9"``).

    Parameters
    ----------
    key : str
        One of :func:`mgh_names`.

    Returns
    -------
    MGHProblem

    Examples
    --------
    >>> q = mgh_problem("powell_singular")
    >>> q.number, q.n, q.m, q.x0
    (13, 4, 4, (3.0, -1.0, 0.0, 1.0))
    """
    key = _key(key, "an MGH entry")
    override = _override()
    d = _mgh_data(override)
    if key not in d:
        raise InputError(f"unknown MGH entry {_clip(key)!r}; known: {', '.join(d)}")
    return _mgh_problem(key, override)


@lru_cache(maxsize=64)
def _mgh_problem(key: str, override: str) -> MGHProblem:
    e = _mgh_data(override)[key]
    # Real symbols: the solvers work over the reals and would otherwise substitute them (which
    # re-evaluates every Abs/sign/Piecewise: seconds for Gulf's 99 residuals).
    variables = tuple(sp.Symbol(v, real=True) for v in e["variables"])
    table = {v.name: v for v in variables}
    residuals = tuple(parse(r, table) for r in e["residuals"])
    fstar = _fstar(e["fstar"])
    return MGHProblem(
        key=key, number=int(e["number"]), name=e["name"], n=int(e["n"]), m=int(e["m"]),
        variables=variables, residuals=residuals, x0=tuple(float(v) for v in e["x0"]),
        fstar=fstar, fstar_text=e["fstar"], targets=(fstar, *_ALSO_FROM_X0.get(key, ())),
        notes=e.get("notes", ""),
    )


def mgh_problems() -> tuple[MGHProblem, ...]:
    """All 41 entries."""
    return tuple(mgh_problem(k) for k in mgh_names())
