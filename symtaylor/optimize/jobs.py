"""Many independent fits as Dask tasks: :func:`map_fits`.

Multi-start fits and parameter sweeps are embarrassingly parallel: each job is one call of
:func:`~symtaylor.minimize` or :func:`~symtaylor.least_squares`, run as one Dask task (on the
current ``distributed`` Client when there is one, else on Dask's local scheduler), and the
results come back in the order of the jobs, equal to those of a loop. A task receives the
exact expression (or text) and compiles it once per worker process (cached).

Examples
--------
>>> starts = [{"x0": [x0]} for x0 in (-2.0, -0.5, 0.5, 2.0)]
>>> fits = map_fits("minimize", starts, f="x**4 - 2*x**2", variables="x", method="newton")
>>> [round(float(r.x[0]), 12) for r in fits]
[-1.0, -1.0, 1.0, 1.0]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sympy as sp

from ..coerce import _show, as_flag
from ..errors import InputError, OptionalDependencyError
from .dask_data import _client
from .facade import least_squares, minimize
from .result import Result

__all__ = ["map_fits"]

_FITS: dict[str, Callable[..., Result]] = {"minimize": minimize,
                                          "least_squares": least_squares,
                                          "least-squares": least_squares}


def _run(fit: Callable[..., Result], keywords: Mapping[str, Any]) -> Result:
    return fit(**keywords)


def map_fits(fit: str | Callable[..., Result], jobs: Iterable[Mapping[str, Any]], *,
             progress: bool = False, **common: Any) -> list[Result]:
    """Run ``fit(**common, **job)`` for every job as Dask tasks; the results in job order.

    Parameters
    ----------
    fit : ``"minimize"``, ``"least_squares"``, or either function.
    jobs : mappings of keyword arguments, one per fit (``{"x0": ...}`` for a multi-start,
        ``{"data": ...}`` for a sweep over data sets); a job's keys override ``common``.
    progress : show the cluster's task progress (``distributed.progress`` under a Client,
        else ``dask.diagnostics.ProgressBar``).
    **common : keyword arguments every job shares (``f=``/``residuals=``, ``variables=``,
        ``method=``...).

    Returns
    -------
    list of Result
        Equal to ``[fit(**common, **job) for job in jobs]``.

    Examples
    --------
    >>> fits = map_fits(minimize, [{"x0": [3.0]}, {"x0": [-3.0]}], f="(x**2 - 1)**2",
    ...                 variables="x")
    >>> [r.success for r in fits], sorted(round(float(r.x[0]), 10) for r in fits)
    ([True, True], [-1.0, 1.0])
    """
    if isinstance(fit, str):
        if fit not in _FITS:
            raise InputError(f"fit must be 'minimize' or 'least_squares', not {_show(fit)}")
        fit = _FITS[fit]
    if fit is not minimize and fit is not least_squares:
        raise InputError(f"fit must be symtaylor's minimize or least_squares, not {_show(fit)}")
    progress = as_flag(progress, "progress")
    if isinstance(jobs, Mapping | str | bytes | sp.Basic) or not isinstance(jobs, Iterable):
        raise InputError(f"jobs must be a sequence of mappings of keyword arguments, not "
                         f"{_show(jobs)}")
    jobs = list(jobs)
    for job in jobs:
        if not isinstance(job, Mapping) or not all(isinstance(k, str) for k in job):
            raise InputError(f"each job must be a mapping of keyword arguments, not "
                             f"{_show(job)}")
    try:
        import dask
    except ImportError:
        raise OptionalDependencyError("map_fits needs Dask: pip install 'symtaylor[dask]'"
                                      ) from None
    tasks = [dask.delayed(_run, pure=False)(fit, {**common, **job}) for job in jobs]
    if not tasks:
        return []
    client = _client()
    if client is not None:
        futures = client.compute(tasks)
        if progress:
            from distributed import progress as show

            show(futures)
        return list(client.gather(futures))
    if progress:
        from dask.diagnostics import ProgressBar

        with ProgressBar(out=sys.stderr):
            return list(dask.compute(*tasks))
    return list(dask.compute(*tasks))
