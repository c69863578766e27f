"""The state of one generated module while it is built.

A :class:`_Module` holds what the planner (:mod:`~symtaylor.codegen.plan`), the CSE
(:mod:`~symtaylor.codegen.cse`) and the emitter (:mod:`~symtaylor.codegen.emit`) share: the
variables, parameters and data symbols (made real by :func:`~symtaylor.codegen.prepare._realify`)
and the identifiers the :class:`~symtaylor.codegen.names._Namer` gave them, the named
definitions (:class:`~symtaylor.codegen.ir._Definitions`) and the index constants.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

import sympy as sp

from ..errors import CodegenError, InputError
from ..parsing import as_expr
from .ir import _Definitions
from .names import _Namer
from .prepare import _realify
from .stable import _stable


def _progression(idx: Sequence[int]) -> tuple[int, int, int] | None:
    """``(start, stop, step)`` when ``idx`` is an increasing arithmetic progression."""
    if len(idx) < 2:
        return None
    step = idx[1] - idx[0]
    if step <= 0 or any(b - a != step for a, b in pairwise(idx)):
        return None
    return idx[0], idx[-1] + 1, step


class _Module:
    """Symbols, identifiers, definitions and index constants of one generated module.

    Parameters
    ----------
    variables, params, data : tuple of Symbol
        ``x[..., i]`` is ``variables[i]``; parameters and data arrays follow ``x``.
    reduce : {"sum", "mean"}
        How the data form reduces over the samples.
    functions : iterable of str
        The names of the generated functions (module-level names no symbol may take).
    """

    def __init__(
        self,
        variables: tuple[sp.Symbol, ...],
        params: tuple[sp.Symbol, ...],
        data: tuple[sp.Symbol, ...],
        reduce: str,
        functions: Iterable[str] = (),
    ) -> None:
        self.variables, self.params, self.data, self.reduce = variables, params, data, reduce
        allsyms = (*variables, *params, *data)
        if len(set(allsyms)) != len(allsyms):
            raise InputError(f"a symbol appears twice among variables, params and data: {allsyms}")
        self.allsyms = allsyms
        # every identifier of the module comes from the namer; the functions (and their
        # one-point and stacked-data twins) are module-level names no symbol may take
        self.namer = _Namer(f"{p}{f}{q}" for f in functions
                            for p, q in (("", ""), ("_", "_point"), ("_", "_stacked")))
        self.names: dict[sp.Basic, str] = {}
        self.real: dict[sp.Symbol, sp.Symbol] = {}
        self.defs = _Definitions()
        self.consts: dict[str, str] = {}  # index constants: text -> name
        self.stack_name = ""
        self.product_names: list[str] = []  # prod0, prod1, ...: shared by the functions

    def prepare(self, exprs: list[sp.Expr]) -> list[sp.Expr]:
        """The expressions made real and numerically stable, with every symbol named; a symbol
        that is not a
        variable, a parameter or data is refused."""
        # SymPy objects already (as_expr ran in the facades); numbers go through as_expr too
        exprs = [e if isinstance(e, sp.Basic) else as_expr(e) for e in exprs]
        exprs, back = _realify(exprs, self.allsyms)
        exprs = _stable(exprs)  # overflow- and cancellation-free forms (codegen.stable)
        for r, s in back.items():
            self.real[s] = r
        for s in self.allsyms:
            key = self.sym(s)
            if key not in self.names:
                self.names[key] = self.namer.symbol(s.name)
        self.argnames = [self.name(s) for s in (*self.params, *self.data)]
        if self.data:
            self.stack()  # the stacked data arrays
        self.var_index = {self.sym(s): i for i, s in enumerate(self.variables)}
        self.data_index = {self.sym(s): i for i, s in enumerate(self.data)}
        known = set(self.names)
        for e in exprs:
            extra = e.free_symbols - known
            if extra:
                raise CodegenError(
                    f"expression {e} has symbol(s) {', '.join(sorted(map(str, extra)))} that are "
                    "neither variables nor params; pass them in params= (or data=)"
                )
        return self._factor_contents(exprs)

    def _factor_contents(self, exprs: list[sp.Expr]) -> list[sp.Expr]:
        """Sums whose terms share a symbol, or an integer factor where that saves products,
        written ``s*(...)`` or ``c*(...)``: ``-200*x0**2 + 200*x1`` is ``200*(x1 - x0**2)``
        (one product, and the sum is then a common subexpression of the extended Rosenbrock
        gradient's two entries), ``2*x0 - 400*x0*t`` is ``x0*(2 - 400*t)``.

        The integer factor is a positive placeholder symbol printed as the integer (SymPy
        would distribute a number over the sum again); the value is the same to round-off."""
        memo: dict[sp.Basic, sp.Basic] = {}
        consts: dict[int, sp.Symbol] = {}
        own = set(self.names)  # the variables, params and data (not the placeholders below)

        def factor_symbol(e: sp.Expr) -> sp.Expr:
            """``s*a + s*b + c`` as ``s*(a + b) + c`` for the symbol ``s`` that is a factor
            of the most terms (at least two): one product per such term less."""
            count: dict[sp.Basic, int] = {}
            for t in e.args:
                for f in set(sp.Mul.make_args(t)):
                    if f in own:
                        count[f] = count.get(f, 0) + 1
            if not count:
                return e
            sym = max(count, key=lambda f: (count[f], str(f)))
            if count[sym] < 2:
                return e
            inner = []
            for t in e.args:
                fs = list(sp.Mul.make_args(t))
                if sym not in fs:
                    continue
                fs.remove(sym)
                c = sp.Mul(*(f for f in fs if f.is_Number))
                rest = [f for f in fs if not f.is_Number]
                if len(rest) == 1 and rest[0].is_Add and c.is_Integer and abs(c) != 1:
                    # -400*(x1 - x0**2) stays a product (SymPy distributes a number over a
                    # sum): the sum may be shared with other entries
                    inner.append(sp.sign(c) * constant(abs(int(c))) * rest[0])
                else:
                    inner.append(sp.Mul(*fs))
            others = [t for t in e.args if sym not in sp.Mul.make_args(t)]
            return sp.Add(sym * walk(sp.Add(*inner)), *others)

        def constant(k: int) -> sp.Symbol:
            sym = consts.get(k)
            if sym is None:
                sym = consts[k] = sp.Dummy(f"c{k}", positive=True)
                self.names[sym] = str(k)
            return sym

        def walk(e: sp.Basic) -> sp.Basic:
            hit = memo.get(e)
            if hit is not None:
                return hit
            out = e
            if e.args and not isinstance(e, sp.Piecewise | sp.Min | sp.Max):
                args = [walk(a) for a in e.args]
                if any(a is not b for a, b in zip(args, e.args)):
                    out = e.func(*args)
            if out.is_Add:
                out = factor_symbol(out)
            if out.is_Add:
                c, prim = out.primitive()
                terms = [t for t in out.args if not t.is_Number]
                before = sum(abs(t.as_coeff_Mul()[0]) != 1 for t in terms)
                after = 1 + sum(abs(t.as_coeff_Mul()[0]) != 1 for t in prim.args
                                if not t.is_Number)
                if c.is_Integer and 1 < c < 2**53 and len(terms) > 1 and after < before:
                    out = constant(int(c)) * prim
            memo[e] = out
            return out

        return [walk(e) if isinstance(e, sp.Basic) else e for e in exprs]

    # -- symbols and names ---------------------------------------------------------------------

    def sym(self, s: sp.Symbol) -> sp.Symbol:
        """The symbol that stands for ``s`` in the prepared expressions (its real twin)."""
        return self.real.get(s, s)

    def name(self, s: sp.Symbol) -> str:
        """The identifier of the variable, parameter or data symbol ``s`` in the code."""
        return self.names[self.sym(s)]

    def var_sym(self, i: int) -> sp.Symbol:
        return self.sym(self.variables[i])

    def data_sym(self, k: int) -> sp.Symbol:
        return self.sym(self.data[k])

    def new_symbol(self, base: str) -> sp.Symbol:
        """A placeholder for a generated definition, printed as a fresh name like ``base``.

        A plain Symbol, not a Dummy (SymPy's cache then serves rebuilt expressions again): it
        cannot equal a symbol of the expressions, which were all named first (so the name is
        not theirs) and made real (this one has no assumptions)."""
        s = sp.Symbol(self.namer.fresh(base))
        self.names[s] = s.name
        return s

    def stack(self) -> str:
        """The name of the stacked data arrays (``D``), claimed on first use."""
        if not self.stack_name:
            self.stack_name = self.namer.fresh("D")
        return self.stack_name

    def product_name(self, k: int) -> str:
        """The name of the ``k``-th matrix product over the samples of a function (``prod0``,
        ...; the functions of a module share them)."""
        if k == len(self.product_names):
            self.product_names.append(self.namer.fresh(f"prod{k}"))
        return self.product_names[k]

    # -- what an expression depends on ---------------------------------------------------------

    def has_var(self, e: sp.Expr) -> bool:
        """Whether ``e`` (written with definitions) depends on the variables ``x``."""
        return self.defs.reaches(e, self.var_index.keys(), "uses_x")

    def has_data(self, e: sp.Expr) -> bool:
        """Whether ``e`` (written with definitions) depends on a data symbol."""
        return bool(self.data) and self.defs.reaches(e, self.data_index.keys(), "uses_data")

    # -- index constants -----------------------------------------------------------------------

    def index_text(self, idx: Sequence[int], array: bool = False) -> str:
        """``a:b`` (or ``a:b:step``) for a progression, else the name of an index constant
        ``_I0 = np.array([...])`` (always a constant with ``array``: fancy indexing)."""
        prog = None if array else _progression(idx)
        if prog is not None:
            a, b, step = prog
            return f"{a}:{b}" if step == 1 else f"{a}:{b}:{step}"
        text = "[" + ", ".join(map(str, idx)) + "]"
        name = self.consts.get(text)
        if name is None:
            name = self.consts[text] = f"_I{len(self.consts)}"  # "_": never a symbol's name
            self.namer.taken.add(name)
        return name
