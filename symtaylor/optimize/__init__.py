"""Numeric optimization on compiled derivations (work in progress: see symtaylor.solvers)."""
