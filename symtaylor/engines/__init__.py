"""Fast internal engines behind the SymPy-facing API (results identical to the general routes).

* :mod:`symtaylor.engines.flint_series`: one-variable Taylor expansions with rational constants
  in python-flint's truncated series (C), used by :func:`symtaylor.taylor` when it applies.
"""
