"""Fast internal engines behind the SymPy-facing API (results identical to the general routes).

* :mod:`symtaylor.engines.flint_series`: one-variable Taylor expansions with rational constants
  in python-flint's truncated series (C), used by :func:`symtaylor.taylor` when it applies, and
  the canonical assembly of Taylor polynomials (``_build_univariate``, ``_build_polynomial``);
* :mod:`symtaylor.engines.flint_mseries`: several-variable expansions at a rational point, the
  first pass in ``fmpq`` and the exact constants (``exp(1/2)``, ``sin(1/3)``, ``log(9/4)``) as
  generators of the ``fmpq_mpoly`` ring the general engine uses (the same ring elements).
"""
