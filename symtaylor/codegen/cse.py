"""Common-subexpression elimination over every expression of a module's outputs.

One :func:`sympy.cse` over all outputs of a bundle (``f``, its gradient and its Hessian share
work) and over the templates of rerolled sums; the temporaries become
:class:`~symtaylor.codegen.ir._Temp` definitions ``t0, t1, ...``. Then :func:`_exp_powers`
writes ``exp(2*u)`` as ``t**2`` where ``t = exp(u)`` is a temporary already.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from .ir import _Output, _Sum, _Temp
from .module import _Module
from .prepare import _nodes, _rename


def _cse(mod: _Module, outputs: list[_Output], enabled: bool = True) -> list[_Output]:
    """The outputs with their expressions (and the module's rerolled sums) written with
    common subexpressions; each function later computes only the temporaries it needs."""
    sums = {s: d.expr for s, d in mod.defs.items() if isinstance(d, _Sum)}
    exprs = [it.expr for o in outputs for it in o.items] + list(sums.values())
    if enabled and exprs:
        # temporaries t0, t1, ... claimed as drawn; plain Symbols, as in new_symbol (SymPy's
        # CSE is ~1.7x slower with Dummies)
        names = mod.namer.counter("t")
        temps, reduced = sp.cse(exprs, symbols=(sp.Symbol(n) for n in names), order="none")
    else:
        temps, reduced = [], exprs
    it = iter(reduced)
    outputs = [o.map_exprs(lambda _: next(it)) for o in outputs]
    for s in sums:
        mod.defs[s] = _Sum(next(it))
    for s, d in temps:
        mod.names[s] = s.name
        mod.defs[s] = _Temp(d)
    return _exp_powers(mod, outputs)


def _exp_powers(mod: _Module, outputs: list[_Output]) -> list[_Output]:
    """``exp(k*u)`` (|k| = 2..4) becomes ``t**k`` where a temporary ``t = exp(+-u)`` exists:
    SymPy writes ``exp(u)**2`` as ``exp(2*u)``, which CSE cannot see (a logistic Hessian's
    ``s*(1 - s)`` would cost a second ``np.exp``)."""
    known: dict[tuple[sp.Expr, int], sp.Symbol] = {}
    for s, d in mod.defs.items():
        if isinstance(d, _Temp) and isinstance(d.expr, sp.exp):
            c, u = d.expr.args[0].as_coeff_Mul()
            if c in (1, -1):
                known[(u, int(c))] = s
    if not known:
        return outputs
    rewritten = {s: d for s, d in mod.defs.items() if isinstance(d, _Sum | _Temp)}
    exprs = [it.expr for o in outputs for it in o.items] + [d.expr for d in rewritten.values()]
    swap = {}
    for a in _nodes(*exprs):
        if isinstance(a, sp.exp):
            c, u = a.args[0].as_coeff_Mul()
            if c.is_Integer and 2 <= abs(c) <= 4:
                k, sgn = int(abs(c)), int(c) // int(abs(c))
                if (u, sgn) in known:
                    swap[a] = known[(u, sgn)] ** k
                elif (u, -sgn) in known:
                    swap[a] = known[(u, -sgn)] ** -k
    if not swap:
        return outputs
    memo: dict = {}
    outputs = [o.map_exprs(lambda e: _rename(e, swap, memo)) for o in outputs]
    for s, d in rewritten.items():
        mod.defs[s] = replace(d, expr=_rename(d.expr, swap, memo))
    return outputs
