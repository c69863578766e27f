r"""Row constructors that check as they build: no shipped derivation has an unchecked ``=`` row.

- :func:`equal` proves ``lhs = rhs`` exactly (after substituting the given definitions and
  evaluating unevaluated derivatives) by the first route that works: structural equality,
  ``expand``, ``cancel(together(.))``, ``simplify``; matrices elementwise. The route that
  succeeded is the row's ``route``. If no route proves it, :class:`UncheckedStepError` is raised:
  that is a bug in the builder, never something to ship.
- :func:`inequality` proves ``lhs <= rhs`` (``<``, ``>=``, ``>``): exact constants compared,
  the sign of the difference from the symbols' assumptions, a factorisation into nonnegative
  factors (squares times positive symbols), or, under a premise on one variable, the premise's
  solution set inside the claim's.
- :func:`implies` / :func:`equivalent` prove ``P => Q`` / ``P <=> Q`` for statements in one
  variable (solution sets compared; an open interval with symbolic ends is handled by the
  substitution ``v = (a + b s)/(1 + s)``, ``s > 0``).
- :func:`certified` records a ball-arithmetic result, :func:`assumed` a hypothesis,
  :func:`define` a definition (``:=``), :func:`approx` a model statement (``~``): none needs a
  proof, and each says so in its ``check`` and ``route``.

Examples
--------
>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> equal((x + 1)**2, x**2 + 2*x + 1, "expand the square").route
'sympy.expand(lhs - rhs) == 0'
>>> equal(sp.Derivative(x**3, x), 3*x**2, "power rule").route
'doit(), then lhs == rhs'
>>> L = sp.Symbol("L", positive=True)
>>> t = sp.Symbol("t", real=True)
>>> inequality(L * (t - 1)**2, ">=", 0, "a square times L > 0").route
'sympy: (lhs - rhs).is_nonnegative'
>>> inequality(L * (t**2 - 2*t + 1), ">=", 0, "a square times L > 0").route
'sympy.factor(lhs - rhs): a product of nonnegative factors'
>>> a = sp.Symbol("alpha", real=True)
>>> implies(sp.And(0 < a, a < 2 / L), a * (1 - L * a / 2) > 0, "descent").check
'exact'
>>> try:
...     equal(x, y, "wrong")
... except UncheckedStepError as e:
...     print(str(e)[:30])
could not prove x = y (wrong)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy as sp

from ..errors import SymTaylorError
from .record import Row

__all__ = [
    "UncheckedStepError",
    "approx",
    "assumed",
    "certified",
    "define",
    "equal",
    "equivalent",
    "implies",
    "inequality",
    "prove_equal",
    "solves",
    "theorem",
]

#: Expressions larger than this (``count_ops``) are not handed to ``simplify``.
SIMPLIFY_LIMIT = 400

Where = Mapping[Any, Any] | Iterable[tuple[Any, Any]]


class UncheckedStepError(SymTaylorError, AssertionError):
    """A derivation builder asked for a row the engine could not prove: a bug in the builder
    (a shipped derivation never contains such a row)."""


def _pairs(where: Where | None) -> tuple[tuple[Any, Any], ...]:
    if not where:
        return ()
    items = where.items() if isinstance(where, Mapping) else where
    return tuple((k, v) for k, v in items)


def _number(obj: Any) -> Any:
    """A Python number as SymPy (an int exactly, a float as its Float); anything else as is."""
    if isinstance(obj, int):
        return sp.Integer(obj)
    if isinstance(obj, float):
        return sp.Float(obj)
    return obj


def _as_column(value: Any, what: str) -> sp.MatrixBase:
    """``value`` as a column matrix: a SymPy matrix as is, one SymPy expression (or a Python
    number) as a 1x1 column; anything else refused (nothing here parses text)."""
    if isinstance(value, sp.MatrixBase):
        return value
    value = _number(value)
    if not isinstance(value, sp.Basic):
        raise UncheckedStepError(f"solves(): {what} must be SymPy, got {type(value).__name__}")
    return sp.Matrix(1, 1, [value])


def _resolve(obj: Any, where: tuple[tuple[Any, Any], ...]) -> Any:
    """``obj`` with the definitions substituted (to a fixed point) and derivatives evaluated."""
    obj = _number(obj)  # a Python number (builders only, never user text)
    if not isinstance(obj, sp.Basic | sp.MatrixBase):
        raise UncheckedStepError(f"cannot check a row side that is not SymPy: {obj!r}")
    sub = dict(where)
    for _ in range(len(sub) + 1):
        new = obj.xreplace(sub) if sub else obj
        if new == obj:
            break
        obj = new
    return obj


_HYPERBOLIC = sp.functions.elementary.hyperbolic.HyperbolicFunction

#: Above this size (``count_ops``) a difference with a symbolic denominator goes straight to
#: ``cancel``: ``expand`` only spreads the numerator over the denominator (Newton's update on
#: ``x + x**2 + ... + x**399``: 16 s in ``expand``, then 2 s in ``cancel`` to prove it).
EXPAND_FRACTION_LIMIT = 1000


def _big_fraction(d: sp.Expr) -> bool:
    """A large rational function (integer powers, no functions) with a symbolic denominator:
    ``cancel`` decides it, so ``expand`` is skipped."""
    pows = d.atoms(sp.Pow)
    if not any(p.exp.is_negative and p.base.free_symbols for p in pows):
        return False
    if d.atoms(sp.Function) or not all(p.exp.is_Integer for p in pows):
        return False
    return sp.count_ops(d) > EXPAND_FRACTION_LIMIT


_ROUTES = (
    ("lhs == rhs", lambda d: d == 0),
    ("sympy.expand(lhs - rhs) == 0", lambda d: not _big_fraction(d) and sp.expand(d) == 0),
    ("sympy.cancel(sympy.together(lhs - rhs)) == 0", lambda d: sp.cancel(sp.together(d)) == 0),
    ("sympy.simplify(lhs - rhs) == 0",
     lambda d: sp.count_ops(d) <= SIMPLIFY_LIMIT and sp.simplify(d) == 0),
    # tanh(x)*(exp(x) + exp(-x)) - (exp(x) - exp(-x)): simplify leaves it; in exp it cancels
    ("sympy.cancel(sympy.together((lhs - rhs).rewrite(sympy.exp))) == 0",
     lambda d: d.has(_HYPERBOLIC)
     and sp.cancel(sp.together(d.rewrite(sp.exp))) == 0),
)


def _scalar_route(a: sp.Expr, b: sp.Expr) -> int | None:
    if a == b:
        return 0
    d = a - b
    for i, (_, test) in enumerate(_ROUTES):
        try:
            if test(d):
                return i
        except (TypeError, ValueError, NotImplementedError, sp.PolynomialError):
            continue
    return None


def prove_equal(lhs: Any, rhs: Any, where: Where | None = None) -> str | None:
    """The name of a route proving ``lhs = rhs`` (after ``where``), or None if none does.

    >>> x = sp.Symbol("x")
    >>> prove_equal(sp.Matrix([x / x, 2]), sp.Matrix([1, 2]))
    'elementwise: lhs == rhs'
    >>> prove_equal(sp.sin(x)**2 + sp.cos(x)**2, 1)
    'sympy.simplify(lhs - rhs) == 0'
    """
    pairs = _pairs(where)
    a, b = _resolve(lhs, pairs), _resolve(rhs, pairs)
    prefix = ""
    if _has_unevaluated(a) or _has_unevaluated(b):
        a, b = a.doit(), b.doit()
        prefix = "doit(), then "
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        if not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)) or \
                a.shape != b.shape:
            return None
        worst = 0
        for x, y in zip(a, b):
            i = _scalar_route(x, y)
            if i is None:
                return None
            worst = max(worst, i)
        return prefix + "elementwise: " + _ROUTES[worst][0]
    if isinstance(a, sp.Basic) and isinstance(b, sp.Basic) and \
            (isinstance(a, sp.logic.boolalg.Boolean) or isinstance(b, sp.logic.boolalg.Boolean)):
        return prefix + "lhs == rhs" if a == b else None
    i = _scalar_route(a, b)
    return None if i is None else prefix + _ROUTES[i][0]


def _has_unevaluated(obj: Any) -> bool:
    return isinstance(obj, sp.Basic | sp.MatrixBase) and obj.has(sp.Derivative, sp.Subs,
                                                                  sp.UnevaluatedExpr, sp.Limit)


def equal(lhs: Any, rhs: Any, why: str = "", *, where: Where | None = None,
          chain: bool = False) -> Row:
    """An ``=`` row, proved exactly (raises :class:`UncheckedStepError` if it cannot be).

    ``where`` holds definitions ``{symbol: value}`` substituted into both sides before the
    comparison (a named quantity like ``x_{+}`` against its computed value); the row keeps
    them so the check can be repeated on its own.
    """
    pairs = _pairs(where)
    route = prove_equal(lhs, rhs, pairs)
    if route is None:
        raise UncheckedStepError(f"could not prove {lhs} = {rhs} ({why})")
    return Row(lhs, "=", rhs, why, "exact", route, pairs, chain)


# -- inequalities ------------------------------------------------------------------------------

_FLIP = {"<=": ">=", "<": ">", ">=": ">=", ">": ">"}


def _nonneg_factors(expr: sp.Expr, strict: bool) -> bool:
    """Whether ``factor(expr)`` is a product of factors that are each (strictly) positive or
    nonnegative: positive symbols, even powers, exp(...), sums of such."""
    f = sp.factor(expr)
    factors = f.args if f.is_Mul else (f,)
    for fac in factors:
        if strict:
            ok = fac.is_positive
        else:
            ok = fac.is_nonnegative or (fac.is_Pow and fac.exp.is_even and fac.base.is_real)
        if not ok:
            return False
    return True


def _as_real(expr: sp.Expr, positive: Iterable[sp.Symbol] = ()) -> sp.Expr:
    """``expr`` with the symbols in ``positive`` made positive and every other symbol without
    assumptions made real (derivations are over the reals)."""
    pos = set(positive)
    sub = {}
    for s in expr.free_symbols:
        if s in pos:
            sub[s] = sp.Dummy(s.name, positive=True)
        elif isinstance(s, sp.Symbol) and s.is_real is None:
            sub[s] = sp.Dummy(s.name, real=True)
    return expr.xreplace(sub) if sub else expr


def _prove_sign(diff: sp.Expr, strict: bool, given: Any = None) -> str | None:
    """A route proving ``diff > 0`` (strict) or ``diff >= 0``, or None."""
    diff = _number(diff)
    if not diff.free_symbols:
        try:
            truth = (diff > 0) if strict else (diff >= 0)
        except TypeError:
            return None
        return "exact comparison of constants" if truth is sp.true else None
    test = diff.is_positive if strict else diff.is_nonnegative
    if test:
        return "sympy: (lhs - rhs)." + ("is_positive" if strict else "is_nonnegative")
    try:
        if _nonneg_factors(diff, strict):
            return "sympy.factor(lhs - rhs): a product of " + \
                ("positive" if strict else "nonnegative") + " factors"
    except (sp.PolynomialError, TypeError, ValueError):
        pass
    if given is not None:
        claim = (diff > 0) if strict else (diff >= 0)
        route = _prove_implication(given, claim)
        if route is not None:
            return "under the premise: " + route
    return None


def inequality(lhs: Any, relation: str, rhs: Any, why: str = "", *,
               where: Where | None = None, given: Any = None, positive: Iterable[Any] = (),
               chain: bool = False) -> Row:
    """A ``<=``, ``<``, ``>=`` or ``>`` row, proved exactly (or :class:`UncheckedStepError`).

    Symbols without assumptions are taken as real (derivations are over the reals); the
    symbols in ``positive`` are taken as positive (say so in the justification, e.g. "for
    α > 0"). ``given`` is an optional premise (a SymPy relational or ``And``) in one variable
    under which the inequality is claimed.
    """
    if relation not in _FLIP:
        raise UncheckedStepError(f"not an inequality: {relation!r}")
    pairs = _pairs(where)
    a, b = _resolve(lhs, pairs), _resolve(rhs, pairs)
    if _has_unevaluated(a) or _has_unevaluated(b):
        a, b = a.doit(), b.doit()
    diff = (b - a) if relation in ("<=", "<") else (a - b)
    positive = tuple(positive)
    if given is None:
        diff = _as_real(_number(diff), positive)
    route = _prove_sign(diff, relation in ("<", ">"), given)
    if route is not None and positive:
        route += " (with " + ", ".join(f"{p} > 0" for p in positive) + ")"
    if route is None:
        raise UncheckedStepError(f"could not prove {lhs} {relation} {rhs} ({why})")
    return Row(lhs, relation, rhs, why, "exact", route, pairs, chain)


# -- implications ------------------------------------------------------------------------------


def _one_variable(*stmts: Any) -> sp.Symbol | None:
    free: set[sp.Symbol] = set()
    for s in stmts:
        free |= s.free_symbols
    if len(free) == 1:
        return next(iter(free))
    return None


def _interval_premise(premise: Any) -> tuple[sp.Symbol, sp.Expr, sp.Expr] | None:
    """``(v, a, b)`` if ``premise`` is ``a < v < b`` (an ``And`` of two strict relations)."""
    if not isinstance(premise, sp.And) or len(premise.args) != 2:
        return None
    lo = hi = v = None
    for rel in premise.args:
        if not isinstance(rel, sp.StrictLessThan | sp.StrictGreaterThan):
            return None
        small, big = (rel.lhs, rel.rhs) if isinstance(rel, sp.StrictLessThan) else \
            (rel.rhs, rel.lhs)
        if isinstance(big, sp.Symbol) and (v is None or v == big):
            v, lo = big, small
        elif isinstance(small, sp.Symbol) and (v is None or v == small):
            v, hi = small, big
        else:
            return None
    if v is None or lo is None or hi is None:
        return None
    return v, lo, hi


def _prove_implication(premise: Any, conclusion: Any) -> str | None:
    var = _one_variable(premise, conclusion)
    if var is not None:
        try:
            p_set = premise.as_set()
            c_set = conclusion.as_set()
            if p_set.is_subset(c_set):
                return "as_set(): premise set is a subset of the conclusion set"
        except (NotImplementedError, TypeError, ValueError):
            pass
    iv = _interval_premise(premise)
    if iv is not None and isinstance(conclusion, sp.core.relational.Relational):
        v, a, b = iv
        s = sp.Dummy("s", positive=True)
        sub = {v: (a + b * s) / (1 + s)}
        rel = conclusion.func
        diff = (conclusion.lhs - conclusion.rhs).xreplace(sub)
        if rel in (sp.StrictLessThan, sp.LessThan):
            diff = -diff
        strict = rel in (sp.StrictLessThan, sp.StrictGreaterThan)
        if rel in (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan):
            diff = sp.factor(sp.cancel(sp.together(diff)))
            if (b - a).is_positive and _nonneg_factors(diff, strict):
                return (f"substitute {v} = (a + b s)/(1 + s), s > 0 (onto a < {v} < b); the "
                        "factored difference is " + ("positive" if strict else "nonnegative"))
    return None


def implies(premise: Any, conclusion: Any, why: str = "", *, chain: bool = False) -> Row:
    """A ``=>`` row ``premise => conclusion``, proved (or :class:`UncheckedStepError`)."""
    route = _prove_implication(premise, conclusion)
    if route is None:
        raise UncheckedStepError(f"could not prove {premise} => {conclusion} ({why})")
    return Row(premise, "=>", conclusion, why, "exact", route, (), chain)


def equivalent(left: Any, right: Any, why: str = "", *, chain: bool = False) -> Row:
    """A ``<=>`` row: both implications proved (or :class:`UncheckedStepError`)."""
    one = _prove_implication(left, right)
    two = _prove_implication(right, left)
    if one is None or two is None:
        raise UncheckedStepError(f"could not prove {left} <=> {right} ({why})")
    route = one if one == two else f"=>: {one}; <=: {two}"
    return Row(left, "<=>", right, why, "exact", route, (), chain)


def solves(equations: Any, unknowns: Any, solution: Any, why: str = "", *,
           name: sp.Symbol | None = None) -> Row:
    """A ``<=>`` row ``equations = 0  <=>  unknowns = solution`` for a system linear in the
    unknowns, proved: the solution substituted makes every equation vanish (an exact route of
    :func:`prove_equal`) and the coefficient matrix is nonsingular (its determinant is not the
    zero rational function), so the solution is the only one.

    ``equations``, ``unknowns`` and ``solution`` are column matrices (or scalars). With
    ``name`` (a symbol standing for the equations' left side, e.g. ``\\nabla_{d} m``) the row
    shows ``name = 0`` and keeps ``(name, equations)`` in its ``where``.

    >>> x, d = sp.symbols("x d")
    >>> print(solves(2*d + 4*x, d, -2*x, "set the model's derivative to zero").route)
    substituting the solution: elementwise: lhs == rhs; the system is linear in d with
    determinant 2 (not identically zero), so the solution is unique
    """
    eqs = _as_column(equations, "equations")
    unk = _as_column(unknowns, "unknowns")
    sol = _as_column(solution, "solution")
    if not (eqs.shape == unk.shape == sol.shape and eqs.cols == 1):
        raise UncheckedStepError("solves(): equations, unknowns and solution must be columns "
                                 "of the same length")
    syms = list(unk)
    jac = eqs.jacobian(syms)
    if jac.free_symbols & set(syms):
        raise UncheckedStepError("solves(): the system is not linear in the unknowns")
    route = prove_equal(eqs.xreplace(dict(zip(syms, sol))), sp.zeros(*eqs.shape))
    if route is None:
        raise UncheckedStepError(f"could not prove that {list(sol)} solves {list(eqs)} ({why})")
    det = sp.cancel(jac.det(method="berkowitz")) if jac.rows <= 6 else jac.det()
    if det == 0:
        raise UncheckedStepError(f"the system {list(eqs)} is singular ({why})")
    if name is not None:
        lhs = sp.Eq(name, 0, evaluate=False)
    else:
        lhs = sp.Eq(eqs, sp.zeros(*eqs.shape), evaluate=False) if eqs.rows > 1 else \
            sp.Eq(eqs[0], 0, evaluate=False)
    rhs = sp.Eq(unk, sol, evaluate=False) if unk.rows > 1 else sp.Eq(unk[0], sol[0],
                                                                      evaluate=False)
    return Row(lhs, "<=>", rhs, why, "exact",
               f"substituting the solution: {route}; the system is linear in "
               f"{', '.join(map(str, syms))} with determinant {sp.sstr(det)} (not identically "
               "zero), so the solution is unique", ((name, eqs),) if name is not None else ())


def theorem(premise: Any, conclusion: Any, why: str, name: str, *, chain: bool = False) -> Row:
    """A ``=>`` row that applies a named theorem (Taylor's theorem, Sylvester's criterion):
    the instance is stated, the theorem itself is not machine-proved (check ``assumed``,
    route ``theorem: <name>``)."""
    return Row(premise, "=>", conclusion, why, "assumed", f"theorem: {name}", (), chain)


# -- rows that need no proof -------------------------------------------------------------------


def certified(lhs: Any, relation: str, rhs: Any, why: str = "",
              route: str = "arb ball enclosure", *, chain: bool = False) -> Row:
    """A row established by ball arithmetic (a rigorous enclosure, not a symbolic proof)."""
    return Row(lhs, relation, rhs, why, "certified", route, (), chain)


def assumed(lhs: Any, relation: str, rhs: Any, why: str = "hypothesis", *,
            chain: bool = False) -> Row:
    """A hypothesis, stated as such (never an ``=``: use :func:`define` for definitions)."""
    if relation == "=":
        raise UncheckedStepError("an '=' row cannot be assumed: prove it with equal() or "
                                 "state it as a definition with define()")
    return Row(lhs, relation, rhs, why, "assumed", "hypothesis", (), chain)


def define(lhs: Any, rhs: Any, why: str = "definition", *, chain: bool = False) -> Row:
    """A definition ``lhs := rhs`` (needs no proof; marked ``assumed``, route ``definition``)."""
    return Row(lhs, ":=", rhs, why, "assumed", "definition", (), chain)


def approx(lhs: Any, rhs: Any, why: str = "", route: str = "model (not an identity)", *,
           chain: bool = False) -> Row:
    """A model statement ``lhs ~ rhs`` (an approximation: marked ``assumed``)."""
    return Row(lhs, "~", rhs, why, "assumed", route, (), chain)
