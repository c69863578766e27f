"""Exact derivatives: gradient, Hessian, Jacobian; definiteness; critical points.

The derivatives are exact SymPy expressions, computed the fast way:

* a sum is split into its terms once and each term is differentiated only with respect to the
  variables it contains (SymPy's own ``diff`` of a sum of ``n`` terms walks all ``n`` terms
  for each of the ``n`` variables);
* the Hessian is accumulated term by term (each term's small Hessian in its own variables),
  fills the lower triangle by symmetry, and is cached;
* each term's derivatives come from a cached template (terms of one shape are differentiated
  once) or, for ``phi(u(x))`` with all variables inside ``u``, from the chain rule (a logistic
  term costs one univariate derivative instead of one ``diff`` per variable pair).

For the extended Rosenbrock function (a sum of ``n`` small terms) this makes the Hessian
linear in ``n`` instead of cubic: see ``benchmarks/bench_calculus.py``. Terms of a shape seen
before are rebuilt from a plan (the canonical argument order of each sum and product for their
variables' relative order) without re-evaluation. A product of linear factors, each variable in
its own factor, gets its derivatives by the product rule built directly; other products whose
exact derivatives SymPy would take minutes to build (:data:`MAX_PRODUCT_WORK`) are refused at
once with :class:`~symtaylor.errors.UnsupportedFunctionError`. Every result is the same SymPy
tree as SymPy's own ``diff`` gives.

Examples
--------
>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> hessian("(1 - x)^2 + 100*(y - x^2)^2", [x, y])
Matrix([
[1200*x**2 - 400*y + 2, -400*x],
[              -400*x,    200]])
>>> definiteness(sp.Matrix([[2, 1], [1, 2]])).kind
<Definiteness.POSITIVE_DEFINITE: 'positive definite'>
"""

from __future__ import annotations

import enum
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cmp_to_key, lru_cache
from typing import Any

import sympy as sp
from sympy.core.add import _addsort
from sympy.core.basic import _args_sortkey as _ARGS_KEY
from sympy.core.mul import _keep_coeff, _mulsort
from sympy.core.parameters import global_parameters

from .coerce import (
    ExprLike,
    MatrixLike,
    VariablesLike,
    as_expr,
    as_exprs,
    as_matrix,
    as_number,
    as_variables,
)
from .errors import InputError, SymTaylorError, UnsupportedFunctionError
from .latex import display

__all__ = [
    "CriticalPoint",
    "CriticalPointSet",
    "Definiteness",
    "DefinitenessResult",
    "critical_point_set",
    "critical_points",
    "definiteness",
    "gradient",
    "hessian",
    "jacobian",
]


# -- derivatives ---------------------------------------------------------------------------------


def _terms(expr: sp.Expr) -> tuple[sp.Expr, ...]:
    """The terms of a sum; a constant times a sum is distributed (``(a + b)/n``)."""
    if expr.is_Mul:
        coeff, rest = expr.as_coeff_Mul()
        if coeff is not sp.S.One and rest.is_Add:
            return tuple(coeff * t for t in rest.args)
    return sp.Add.make_args(expr)


# Fixed placeholder symbols for term templates (Dummy: they can never clash with user names).
# A slot carries the assumptions of the symbol it stands for (d|x|/dx depends on x being real).
_SLOTS: dict[tuple[int, tuple], sp.Dummy] = {}


def _slot(k: int, sym: sp.Symbol) -> sp.Dummy:
    key = (k, tuple(sorted(sym.assumptions0.items())))
    slot = _SLOTS.get(key)
    if slot is None:
        slot = _SLOTS[key] = sp.Dummy(f"s{k}", **sym.assumptions0)
    return slot


def _term_partials(term: sp.Expr, syms: list[sp.Symbol]) -> list[sp.Expr]:
    """Partials of one term in ``syms`` (the variables it contains).

    Two shortcuts around SymPy's ``diff`` (which re-walks the whole term for every variable):

    * templates: the term's variables are renamed to fixed slots, so every term of the same
      shape (the ``n`` terms of an extended Rosenbrock function have one shape) is
      differentiated once; renaming back with ``xreplace`` is ~100x cheaper than ``diff``;
    * the chain rule through an inner argument: a term ``phi(u(x))`` whose variables all sit
      inside one subexpression ``u`` (a logistic term ``log(1 + exp(-a.x))``) costs one
      univariate derivative ``phi'`` plus the partials of ``u``, not one ``diff`` per variable.
    """
    if len(syms) >= 3:  # many variables: one univariate derivative beats a template
        product = _separable_product(term, syms)
        if product is not None:
            q, factors, where = product
            return [_product_entry(q * slope, factors, (i,)) for i, slope in where]
        _refuse_large_product(term, syms, second=False)
        chained = _chain_rule(term, syms)
        if chained is not None:
            return chained
    slots = tuple(_slot(k, s) for k, s in enumerate(syms))
    template = term.xreplace(dict(zip(syms, slots)))
    back = dict(zip(slots, syms))
    cached = _TEMPLATES.get((template, slots))
    if cached is None:
        cached = tuple(template.diff(s) for s in slots)
        if len(_TEMPLATES) < 4096:
            _TEMPLATES[(template, slots)] = cached
    return [_rename(d, back) if _polynomial(d) else d.xreplace(back) for d in cached]


_TEMPLATES: dict[tuple[sp.Expr, tuple[sp.Dummy, ...]], tuple[sp.Expr, ...]] = {}
# Placeholders for an inner argument u, carrying what is known about u (d|u|/du = sign(u) only
# for real u, as SymPy itself differentiates Abs of a real symbol).
_OUTER = sp.Dummy("u")
_OUTER_REAL = sp.Dummy("u", real=True)
_OUTER_POSITIVE = sp.Dummy("u", positive=True)


def _placeholder(node: sp.Expr) -> sp.Dummy:
    if node.is_positive:
        return _OUTER_POSITIVE
    return _OUTER_REAL if node.is_real else _OUTER


def _chain_rule(term: sp.Expr, syms: list[sp.Symbol]) -> list[sp.Expr] | None:
    """``phi'(u) * grad u`` if every variable of ``term`` sits inside one proper
    subexpression ``u`` (the largest such), else None."""
    found = _inner_argument(term, syms)
    if found is None:
        return None
    u, outer, slot = found
    d_outer = outer.diff(slot).xreplace({slot: u})
    return [d_outer * du for du in _partials(u, syms)]


_HESS_TEMPLATES: dict[tuple[sp.Expr, tuple[sp.Dummy, ...]], dict[tuple[int, int], sp.Expr]] = {}


def _is_linear(node: sp.Expr, mine: set[sp.Symbol]) -> bool:
    """``node`` is ``c + sum a_i x_i`` with numbers ``c, a_i`` (checked structurally)."""
    for arg in node.args:
        if arg.is_number or arg in mine:
            continue
        if arg.is_Mul and len(arg.args) == 2 and arg.args[0].is_number and arg.args[1] in mine:
            continue
        return False
    return True


def _inner_argument(term: sp.Expr, syms: Sequence[sp.Symbol]
                    ) -> tuple[sp.Expr, sp.Expr, sp.Dummy] | None:
    """``(u, phi, slot)`` with ``term = phi(u)`` (``phi`` in the placeholder ``slot``) when every
    variable of ``term`` sits inside one proper subexpression ``u``, else None.

    A linear ``u = a.x + c`` is preferred (then ``grad u`` is constant and ``hess u = 0``: a
    ridge term's Hessian is ``phi''(u) a a^T``); otherwise the largest such ``u``.
    """
    mine = set(syms)
    largest = None
    for node in sp.preorder_traversal(term):
        if node is term or not (node.is_Add or node.is_Mul) or not mine <= node.free_symbols:
            continue
        linear = node.is_Add and _is_linear(node, mine)
        if largest is not None and not linear:
            continue
        slot = _placeholder(node)
        outer = term.xreplace({node: slot})
        if outer.free_symbols & mine or outer == slot:
            if largest is None:
                return None
            continue
        if linear:
            return node, outer, slot
        largest = (node, outer, slot)
    return largest


class _Binds(Exception):
    """The term has a node that binds symbols (its free symbols are not its leaves')."""


_PLAIN_FREE: dict[type, bool] = {}


def _scan(e: sp.Basic, index: dict[sp.Symbol, int], seen: dict[sp.Symbol, int]) -> Any:
    """The shape of a term (:func:`_shape`) with each variable (a key of ``index``) numbered by
    its first appearance, collecting them in ``seen`` in that order: one walk gives the
    term's variables (``free_symbols`` walks the tree too) and its template key."""
    if e.is_Symbol:
        if e in index:
            k = seen.get(e)
            if k is None:
                k = seen[e] = len(seen)
            return k
        return e
    if not e.args:
        return (type(e), e)
    cls = type(e)
    plain = _PLAIN_FREE.get(cls)
    if plain is None:
        owner = next(c for c in cls.__mro__ if "free_symbols" in c.__dict__)
        plain = _PLAIN_FREE[cls] = owner is sp.Basic
    if not plain:
        raise _Binds
    return (cls, *[_scan(a, index, seen) for a in e.args])


def _term_hessian(term: sp.Expr, syms: tuple[sp.Symbol, ...], key: Any = None
                  ) -> dict[tuple[int, int], sp.Expr]:
    """The upper triangle ``{(a, b): d2 term / d syms[a] d syms[b]}`` (non-zero entries only).

    Same shortcuts as :func:`_term_partials`: a cached template per term shape, or the chain
    rule ``phi''(u) grad u grad u^T + phi'(u) hess u`` through an inner argument ``u`` (for a
    logistic term ``u`` is linear, so its Hessian costs one univariate second derivative).
    """
    k = len(syms)
    if k >= 3:  # many variables: the chain rule beats a template
        product = _separable_product(term, syms)
        if product is not None:
            q, factors, where = product
            return {(a, b): _product_entry(q * where[a][1] * where[b][1], factors,
                                           (where[a][0], where[b][0]))
                    for a in range(k) for b in range(a + 1, k)}
        _refuse_large_product(term, syms, second=True)
        found = _inner_argument(term, syms)
        if found is not None:
            return _chain_hessian(*found, syms)
    slots = tuple(_slot(i, s) for i, s in enumerate(syms))
    if key is None:
        position = {s: i for i, s in enumerate(syms)}
        key = (_shape(term, position), None)
    shape = (key, slots)
    plans = _HESS_SHAPES.get(shape)
    if plans is not None:  # a term of a shape seen before: rebuild the entries from plans
        perm = _order(syms)
        built = plans.get(perm)
        if built is not None:
            back = dict(zip(slots, syms))
            return {ab: _build(plan, syms) if plan is not None else
                    (_rename(e, back) if _polynomial(e) else e.xreplace(back))
                    for ab, (plan, e) in built.items()}
    template = term.xreplace(dict(zip(syms, slots)))
    cached = _HESS_TEMPLATES.get((template, slots))
    if cached is None and k == 2:  # the chain rule on the template, cached like the rest
        found = _inner_argument(template, slots)
        if found is not None:
            cached = _chain_hessian(*found, slots)
            if len(_HESS_TEMPLATES) < 4096:
                _HESS_TEMPLATES[(template, slots)] = cached
    if cached is None:
        firsts = [template.diff(s) for s in slots]
        cached = {}
        for a in range(k):
            for b in range(a, k):
                if slots[b] in firsts[a].free_symbols:
                    e = firsts[a].diff(slots[b])
                    if e != 0:
                        cached[(a, b)] = e
        if len(_HESS_TEMPLATES) < 4096:
            _HESS_TEMPLATES[(template, slots)] = cached
    back = dict(zip(slots, syms))
    out, made = {}, {}
    slotset = set(slots)
    for ab, e in cached.items():
        if _polynomial(e) and e.free_symbols <= slotset:
            out[ab], plan = _rename_plan(e, back, slots)
        else:
            out[ab], plan = (_rename(e, back) if _polynomial(e) else e.xreplace(back)), None
        made[ab] = (plan, e)
    if len(_HESS_SHAPES) < 4096:
        _HESS_SHAPES.setdefault(shape, {})[_order(syms)] = made
    return out


#: ``{(shape, slots): {order of the variables: {(a, b): (plan, template entry)}}}``: how the
#: entries of a term shape are rebuilt for variables in a given relative order
_HESS_SHAPES: dict[tuple, dict[tuple[int, ...], dict]] = {}


def _shape(e: sp.Basic, position: dict[sp.Symbol, int]) -> Any:
    """A hashable description of ``e`` with the variables replaced by their positions: two
    terms of equal shape become the same template under :func:`_slot` renaming (so they share
    its derivatives), found without building the template (``xreplace`` re-evaluates)."""
    if e.is_Symbol:
        k = position.get(e)
        return e if k is None else k
    if not e.args:
        return (type(e), e)
    return (type(e), *[_shape(a, position) for a in e.args])


def _order(syms: Sequence[sp.Symbol]) -> tuple[int, ...]:
    """The positions of ``syms`` in SymPy's canonical order (``Basic.compare``): renamings
    that keep it keep the canonical order of every sum and product of the renamed symbols."""
    if len(syms) == 2:
        return (0, 1) if syms[0].compare(syms[1]) < 0 else (1, 0)
    return tuple(sorted(range(len(syms)), key=cmp_to_key(lambda i, j: syms[i].compare(syms[j]))))


def _rename_plan(e: sp.Expr, back: dict[sp.Symbol, sp.Symbol], slots: tuple[sp.Dummy, ...]
                 ) -> tuple[sp.Expr, tuple]:
    """:func:`_rename` of a polynomial in the slots only, and the plan of the result: the
    arguments of every sum and product in their canonical order, which :func:`_build`
    replays for any variables in the same relative order (:func:`_order`) without sorting."""
    if e.is_Symbol:
        return back[e], ("s", slots.index(e))
    if e.is_Rational:
        return e, ("c", e)
    pairs = [_rename_plan(a, back, slots) for a in e.args]
    args = [a for a, _ in pairs]
    if e.is_Pow:
        return sp.Pow(args[0], args[1], evaluate=False), ("p", pairs[0][1], args[1])
    numbers = [i for i, a in enumerate(args) if a.is_Number]
    rest = [i for i, a in enumerate(args) if not a.is_Number]
    rest.sort(key=lambda i: _ARGS_KEY(args[i]))
    order = numbers + rest
    cls = sp.Add if e.is_Add else sp.Mul
    return (cls._from_args([args[i] for i in order]),
            ("a" if e.is_Add else "m", tuple(pairs[i][1] for i in order)))


def _build(plan: tuple, syms: Sequence[sp.Symbol]) -> sp.Expr:
    """The expression of a :func:`_rename_plan` plan for the variables ``syms``."""
    tag = plan[0]
    if tag == "s":
        return syms[plan[1]]
    if tag == "c":
        return plan[1]
    if tag == "p":
        return sp.Pow(_build(plan[1], syms), plan[2], evaluate=False)
    args = [_build(p, syms) for p in plan[1]]
    return (sp.Add if tag == "a" else sp.Mul)._from_args(args)


#: A product whose Hessian SymPy's ``diff`` would build with more than this many factor
#: slots (``k^2 m^2 / 2`` for ``k`` variables spread over ``m`` factors; ~10 us each, so ~10 s at
#: the limit: a product of 30 factors chained through 30 variables took 4 s) is refused
#: up front (UnsupportedFunctionError) instead of running for minutes.
MAX_PRODUCT_WORK = 1_000_000


def _linear_slope(f: sp.Expr, syms: set[sp.Symbol]) -> tuple[sp.Symbol, sp.Rational] | None:
    """``(x, a)`` when ``f`` is ``x`` or ``a x + b`` (rational ``a != 0``, ``b``, one variable
    ``x`` of ``syms`` and no other symbol), else None."""
    if f.is_Symbol:
        return (f, sp.S.One) if f in syms else None
    if not f.is_Add:
        return None
    var, slope = None, None
    for t in f.args:
        if t.is_Rational:
            continue
        if t.is_Symbol:
            v, a = t, sp.S.One
        elif t.is_Mul and len(t.args) == 2 and t.args[0].is_Rational and t.args[1].is_Symbol:
            v, a = t.args[1], t.args[0]
        else:
            return None
        if var is not None or v not in syms:
            return None
        var, slope = v, a
    return None if var is None else (var, slope)


_Separable = tuple[sp.Rational, list[sp.Expr], list[tuple[int, sp.Rational]]]


def _separable_product(term: sp.Expr, syms: Sequence[sp.Symbol]) -> _Separable | None:
    """``(q, factors, where)`` when ``term = q * prod(factors)`` is a product of at least four
    factors, each variable in exactly one factor and that factor linear in it (``x_i + c_i``,
    ``a x_i + b``; the other factors free of the variables), ``where[i] = (position of x_i's
    factor, its slope)``; else None.

    Then ``d term/d x_i = q a_i prod_{l != l_i} f_l`` and ``d2 term/d x_i d x_j = q a_i a_j
    prod_{l != l_i, l_j} f_l`` (``i != j``; the diagonal vanishes): SymPy's ``diff`` gives these
    same products (its multinomial rule makes ``m`` products of ``m`` factors per derivative,
    ``k^2 m^2`` work for the Hessian), which :func:`_product_entry` builds directly in their
    canonical form.
    """
    args = term.args
    q = args[0] if args[0].is_Rational else sp.S.One
    factors = list(args[1:] if args[0].is_Number else args)
    if args[0].is_Number and not args[0].is_Rational:
        return None
    if len(factors) < 4 or not all(f.is_commutative for f in factors):
        return None
    mine = set(syms)
    found: dict[sp.Symbol, tuple[int, sp.Rational]] = {}
    for pos, f in enumerate(factors):
        if f.free_symbols.isdisjoint(mine):
            continue
        lin = _linear_slope(f, mine)
        if lin is None or lin[0] in found:
            return None
        found[lin[0]] = (pos, lin[1])
    if len(found) != len(syms):
        return None  # pragma: no cover - syms are the term's variables
    return q, factors, [found[v] for v in syms]


def _product_entry(q: sp.Rational, factors: list[sp.Expr], drop: tuple[int, ...]) -> sp.Expr:
    """``q * prod(factors without the positions drop)``, canonical: the factors keep their
    sorted order, the rational goes first (at least two factors remain, so SymPy's
    ``Rational * Add`` distribution does not apply)."""
    rest = list(factors)
    for pos in sorted(drop, reverse=True):
        del rest[pos]
    if q != 1:
        rest.insert(0, q)
    return sp.Mul._from_args(rest, True)  # every factor is commutative (checked)


def _refuse_large_product(term: sp.Expr, syms: Sequence[sp.Symbol], second: bool) -> None:
    """Refuse a product of many factors whose derivatives (first, or ``second`` too) SymPy's
    ``diff`` would take minutes to build (see :data:`MAX_PRODUCT_WORK`)."""
    if not term.is_Mul:
        return
    m = sum(1 for f in term.args if not f.free_symbols.isdisjoint(syms))
    k = len(syms)
    work = (k * k // 2 if second else k) * m * m
    if work > MAX_PRODUCT_WORK:
        raise UnsupportedFunctionError(
            f"the derivatives of a product of {m} factors in {len(syms)} variables would take "
            f"too long to build exactly (about {work:.1e} factor operations, the limit is "
            f"{MAX_PRODUCT_WORK:.0e}); fast only when each variable sits in one linear factor. "
            "Expand or split the product, or differentiate numerically (symtaylor.finite_diff).")


_POLYNOMIAL: dict[sp.Expr, bool] = {}


def _polynomial(e: sp.Expr) -> bool:
    """``e`` is built of symbols, rationals, sums, products and integer powers only (cached)."""
    known = _POLYNOMIAL.get(e)
    if known is None:
        known = all(n.is_Symbol or n.is_Rational or n.is_Add or n.is_Mul
                    or (n.is_Pow and n.args[1].is_Integer and not n.args[0].is_Number)
                    for n in sp.preorder_traversal(e))
        if len(_POLYNOMIAL) < 8192:
            _POLYNOMIAL[e] = known
    return known


def _rename(e: sp.Expr, back: dict[sp.Symbol, sp.Symbol]) -> sp.Expr:
    """``e.xreplace(back)`` for a polynomial ``e`` (:func:`_polynomial`) and an injective
    renaming of symbols: the same tree, built without re-evaluating. Renaming changes nothing
    but the canonical order of the arguments of sums and products (no like terms can merge, no
    number appears), so each ``Add``/``Mul`` is re-sorted as SymPy sorts it, its number first."""
    if e.is_Symbol:
        return back.get(e, e)
    if e.is_Rational:
        return e
    args = [_rename(a, back) for a in e.args]
    if e.is_Pow:
        return sp.Pow(args[0], args[1], evaluate=False)
    numbers = [a for a in args if a.is_Number]
    rest = [a for a in args if not a.is_Number]
    if e.is_Add:
        _addsort(rest)
        return sp.Add._from_args(numbers + rest)
    _mulsort(rest)
    return sp.Mul._from_args(numbers + rest)


@lru_cache(maxsize=1024)
def _outer_derivatives(outer: sp.Expr, slot: sp.Dummy) -> tuple[sp.Expr, sp.Expr]:
    """``phi'`` and ``phi''`` of an outer function in its placeholder (terms of one outer
    shape, e.g. the ``log(1 + exp(-u))`` of every logistic term, share them)."""
    d1 = outer.diff(slot)
    return d1, d1.diff(slot)


def _plain_linear(e: sp.Expr) -> bool:
    """``e`` is a symbol, ``q*s`` or a sum of such (rational ``q``, commutative symbols
    ``s``), with no constant term: ``exp`` of it evaluates to itself (``exp.eval`` only
    rewrites ``exp`` of numbers, logs, multiples of ``I*pi`` and sums with such terms)."""
    for t in (e.args if e.is_Add else (e,)):
        if t.is_Mul and len(t.args) == 2 and t.args[0].is_Rational:
            t = t.args[1]
        if not (t.is_Symbol and t.is_commutative):
            return False
    return True


def _plug(e: sp.Expr, slot: sp.Dummy, u: sp.Expr) -> sp.Expr:
    """``e.xreplace({slot: u})``, the same tree, rebuilt the same way (every node evaluated)
    except that ``exp`` of a plain linear form (:func:`_plain_linear`) is made directly: its
    evaluation would return it unchanged after costly assumption queries (a logistic term's
    ``phi''(u)`` has ``exp(u)`` and ``exp(2 u)``)."""
    if e is slot:
        return u
    if slot not in e.free_symbols:
        return e
    args = [_plug(a, slot, u) for a in e.args]
    if type(e) is sp.exp and _plain_linear(args[0]):
        return sp.exp(args[0], evaluate=False)
    if e.is_Mul:
        made = _product_of_powers(args)
        if made is not None:
            return made
    if (e.is_Pow and args[1].is_Integer and args[0].is_Add and args[1] not in (0, 1)
            and not args[0].is_number and all(_finite_leaves(a) for a in args[0].args)):
        # Pow's evaluation of (sum)**k: only Add._eval_power could change it, and it does so
        # only for a number or for two terms one of which is infinite
        return sp.Pow(args[0], args[1], evaluate=False)
    return e.func(*args)


def _times_rational(e: sp.Expr, q: sp.Expr) -> sp.Expr:
    """``e * q``, the same tree: for a rational ``q`` and a sum ``e`` it is what ``Mul.flatten``
    does with two such arguments (``Add(*[_keep_coeff(q, t) for t in e.args])``), without the
    general entry (cache lookups of ``Mul``)."""
    if (q.is_Rational and q != 0 and q != 1 and e.is_Add and e.is_commutative
            and global_parameters.distribute and e.as_coeff_Mul()[0] is sp.S.One):
        return sp.Add(*[_keep_coeff(q, t) for t in e.args])
    return e * q


def _finite_leaves(e: sp.Expr) -> bool:
    """``e`` is a rational, or ``exp`` of a plain linear form (:func:`_plain_linear`) in symbols
    not declared infinite: its ``is_infinite`` is not True."""
    if e.is_Rational:
        return True
    return (type(e) is sp.exp and _plain_linear(e.args[0])
            and not any(s.is_infinite for s in e.args[0].free_symbols))


def _product_of_powers(args: list[sp.Expr]) -> sp.Expr | None:
    """``Mul(*args)``, the same tree, when the arguments are a rational (at most one, first or
    not) and factors with distinct non-number bases that are sums' powers or ``exp`` of plain
    linear forms (``Mul.flatten`` then only multiplies the rational in and sorts): None
    otherwise."""
    coeff = sp.S.One
    rest = []
    bases = set()
    for a in args:
        if a.is_Rational:
            coeff = coeff * a
            continue
        if type(a) is sp.exp and _plain_linear(a.args[0]):
            base = sp.E
        elif a.is_Pow and a.args[0].is_Add and a.args[1].is_Integer and not a.args[0].is_number:
            base = a.args[0]
        else:
            return None
        if base in bases:
            return None
        bases.add(base)
        rest.append(a)
    if coeff == 0 or not rest:
        return None
    _mulsort(rest)
    if coeff != 1:
        rest.insert(0, coeff)
    return rest[0] if len(rest) == 1 else sp.Mul._from_args(rest)


def _chain_hessian(u: sp.Expr, outer: sp.Expr, slot: sp.Dummy, syms: tuple[sp.Symbol, ...]
                   ) -> dict[tuple[int, int], sp.Expr]:
    d1, d2 = _outer_derivatives(outer, slot)
    gu = _partials(u, syms)
    out: dict[tuple[int, int], sp.Expr] = {}
    if d2 != 0:
        d2u = _plug(d2, slot, u)
        # (d2u * ga) * gb, evaluated in that order as before; equal factors share the work
        firsts: dict[sp.Expr, sp.Expr] = {}
        seconds: dict[tuple[sp.Expr, sp.Expr], sp.Expr] = {}
        for a in range(len(syms)):
            ga = gu[a]
            if ga == 0:
                continue
            da = firsts.get(ga)
            if da is None:
                da = firsts[ga] = _times_rational(d2u, ga)
            for b in range(a, len(syms)):
                gb = gu[b]
                if gb != 0:
                    e = seconds.get((ga, gb))
                    if e is None:
                        e = seconds[(ga, gb)] = _times_rational(da, gb)
                    out[(a, b)] = e
    if d1 != 0:
        d1u = _plug(d1, slot, u)
        for ab, e in _sum_hessian(u, syms).items():
            out[ab] = out[ab] + d1u * e if ab in out else d1u * e
    return out


def _sum_hessian(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> dict[tuple[int, int], sp.Expr]:
    """Upper-triangle Hessian entries of ``expr``, accumulated term by term."""
    index = {v: i for i, v in enumerate(variables)}
    acc: dict[tuple[int, int], list[sp.Expr]] = defaultdict(list)
    for term in _terms(expr):
        seen: dict[sp.Symbol, int] = {}
        try:
            shape = _scan(term, index, seen)
        except _Binds:  # bound variables (Integral, Subs, ...): SymPy's free_symbols decides
            shape, seen = None, dict.fromkeys(s for s in term.free_symbols if s in index)
        if not seen:
            continue
        mine = tuple(sorted(seen, key=index.__getitem__))
        key = None
        if shape is not None:
            rank = {s: i for i, s in enumerate(mine)}
            key = (shape, tuple(rank[s] for s in seen))
        for (a, b), e in _term_hessian(term, mine, key).items():
            acc[(index[mine[a]], index[mine[b]])].append(e)
    out = {}
    for ij, parts in acc.items():
        e = parts[0] if len(parts) == 1 else _sum_polynomials(parts)
        if e != 0:
            out[ij] = e
    return out


def _monomial(t: sp.Expr) -> bool:
    """A commutative symbol, or an integer power of one."""
    if t.is_Pow:
        t = t.args[0] if t.args[1].is_Integer else t
    return bool(t.is_Symbol and t.is_commutative)


def _sum_polynomials(parts: list[sp.Expr]) -> sp.Expr:
    """``Add(*parts)``, the same tree, for polynomials with rational coefficients (sums of
    rationals and ``q * monomials`` in commutative symbols) without SymPy's general
    ``Add.flatten`` (which rebuilds ``q * x**2`` through ``Mul``'s machinery): like terms are
    collected, rebuilt as ``Add.flatten`` does (``q`` in front of the monomial's factors), sorted
    by ``Add``'s own key, the rational first. Other parts: ``Add(*parts)``."""
    coeff = sp.S.Zero
    terms: dict[sp.Expr, sp.Expr] = {}
    for p in parts:
        for t in (p.args if p.is_Add else (p,)):
            if t.is_Rational:
                coeff += t
                continue
            if t.is_Mul:
                c = t.args[0]
                if c.is_Rational:
                    factors = t.args[1:]
                    m = factors[0] if len(factors) == 1 else sp.Mul._from_args(factors)
                else:
                    c, factors, m = sp.S.One, t.args, t
                if not all(_monomial(f) for f in factors):
                    return sp.Add(*parts)
            elif _monomial(t):
                c, m = sp.S.One, t
            else:
                return sp.Add(*parts)
            terms[m] = terms[m] + c if m in terms else c
    out = []
    for m, c in terms.items():
        if c == 0:
            continue
        if c == 1:
            out.append(m)
        else:
            out.append(sp.Mul._from_args((c, *m.args) if m.is_Mul else (c, m)))
    _addsort(out)
    if coeff != 0:
        out.insert(0, coeff)
    if not out:
        return sp.S.Zero
    return out[0] if len(out) == 1 else sp.Add._from_args(out)


def _partials(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> list[sp.Expr]:
    """All first partials of ``expr`` in ``variables``, differentiating each term of a sum only
    with respect to the variables it contains."""
    index = {v: i for i, v in enumerate(variables)}
    buckets: dict[int, list[sp.Expr]] = defaultdict(list)
    for term in _terms(expr):
        mine = sorted((s for s in term.free_symbols if s in index), key=index.__getitem__)
        if not mine:
            continue
        for s, d in zip(mine, _term_partials(term, mine)):
            buckets[index[s]].append(d)
    return [sp.Add(*buckets[i]) if i in buckets else sp.S.Zero for i in range(len(variables))]


@lru_cache(maxsize=256)
def _gradient_cached(expr: sp.Expr, variables: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, ...]:
    return tuple(_partials(expr, variables))


@lru_cache(maxsize=64)
def _hessian_cached(
    expr: sp.Expr, variables: tuple[sp.Symbol, ...]
) -> tuple[tuple[int, int, sp.Expr], ...]:
    return tuple((i, j, e) for (i, j), e in sorted(_sum_hessian(expr, variables).items()))


def _dense(rows: int, cols: int, data: dict[tuple[int, int], sp.Expr]) -> sp.Matrix:
    """``sp.Matrix(sp.SparseMatrix(rows, cols, data))``, the same object built directly: the
    non-zero entries go straight into the matrix's sparse internal form (SymPy's own route
    walks all ``rows * cols`` entries, 0.3 s for a 1000 x 1000 Hessian)."""
    dod: dict[int, dict[int, sp.Expr]] = defaultdict(dict)
    types: set[type] = set()
    count = 0
    for (i, j), e in data.items():
        if e != 0:
            dod[i][j] = e
            types.add(type(e))
            count += 1
    if count < rows * cols:
        types.add(type(sp.S.Zero))
    cls = sp.MutableDenseMatrix
    return cls._fromrep(cls._dod_to_DomainMatrix(rows, cols, dod, types))


def _enumerate_2d(rows: Sequence[Sequence[sp.Expr]], transpose: bool = False
                 ) -> list[tuple[tuple[int, int], sp.Expr]]:
    """``[((i, j), rows[i][j])]`` (``(j, i)`` when ``transpose``)."""
    if transpose:
        return [((j, i), e) for i, row in enumerate(rows) for j, e in enumerate(row)]
    return [((i, j), e) for i, row in enumerate(rows) for j, e in enumerate(row)]


def _unique(syms: tuple[sp.Symbol, ...]) -> tuple[sp.Symbol, ...]:
    """``syms``, refusing a repeated variable (``"x, x"``: the derivatives would be ambiguous)."""
    if len(set(syms)) != len(syms):
        raise InputError(f"repeated variable in {list(syms)}")
    return syms


def _setup(f: Any, variables: Any) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    if isinstance(f, sp.MatrixBase | list | tuple):
        raise InputError("expected a scalar expression; for a vector of residuals use jacobian")
    expr = as_expr(f, variables)
    syms = _unique(as_variables(variables, expr))
    return expr, syms


def gradient(f: ExprLike, variables: VariablesLike = None) -> sp.Matrix:
    """The gradient of a scalar expression as an ``n x 1`` column Matrix (exact).

    Parameters
    ----------
    f : str, sympy.Expr, number or callable
    variables : Symbols, names or ``"x, y"``; default: the free symbols of ``f`` sorted by name

    Examples
    --------
    >>> gradient("x^2*y + y^3", "x, y")
    Matrix([
    [       2*x*y],
    [x**2 + 3*y**2]])
    """
    expr, syms = _setup(f, variables)
    return _dense(len(syms), 1, dict(_enumerate_2d([_gradient_cached(expr, syms)], True)))


def hessian(f: ExprLike, variables: VariablesLike = None) -> sp.Matrix:
    """The Hessian of a scalar expression as a symmetric ``n x n`` Matrix (exact, sparse-aware).

    Only the entries that can be non-zero are differentiated (an entry ``(i, j)`` needs
    ``x_j`` in the free symbols of the ``i``-th gradient entry) and the lower triangle is filled
    by symmetry. Results are cached, so a second call with the same input is free.

    Examples
    --------
    >>> hessian("x^3 + x*y", "x, y")
    Matrix([
    [6*x, 1],
    [  1, 0]])
    """
    expr, syms = _setup(f, variables)
    n = len(syms)
    data: dict[tuple[int, int], sp.Expr] = {}
    for i, j, hij in _hessian_cached(expr, syms):
        data[(i, j)] = hij
        data[(j, i)] = hij
    return _dense(n, n, data)


def jacobian(residuals: Any, variables: VariablesLike = None) -> sp.Matrix:
    """The Jacobian ``m x n`` of a vector of expressions (residuals) in the variables.

    Examples
    --------
    >>> jacobian(["x - 1", "10*(y - x^2)"], "x, y")
    Matrix([
    [     1,  0],
    [-20*x, 10]])
    """
    exprs = as_exprs(residuals, variables)
    if variables is None:
        free: set[sp.Symbol] = set().union(*(e.free_symbols for e in exprs))
        syms = tuple(sorted(free, key=lambda s: s.name))
        if not syms:
            raise InputError("the residuals have no free symbols: pass variables=...")
    else:
        syms = _unique(as_variables(variables, sp.Tuple(*exprs)))
    rows = [_gradient_cached(e, syms) for e in exprs]
    if not rows:
        return sp.Matrix(rows)
    return _dense(len(rows), len(syms), dict(_enumerate_2d(rows)))


# -- definiteness ----------------------------------------------------------------------------


class Definiteness(enum.Enum):
    """Definiteness of a symmetric matrix; each member's value is its readable message."""

    POSITIVE_DEFINITE = "positive definite"
    POSITIVE_SEMIDEFINITE = "positive semidefinite (singular)"
    NEGATIVE_DEFINITE = "negative definite"
    NEGATIVE_SEMIDEFINITE = "negative semidefinite (singular)"
    INDEFINITE = "indefinite"
    UNDECIDED = "undecided (depends on symbols: see the conditions)"


@dataclass(frozen=True)
class DefinitenessResult:
    """Definiteness of a matrix, with the evidence.

    Attributes
    ----------
    kind : Definiteness
    method : str
        ``"eigenvalues"`` (exact eigenvalues) or ``"sylvester"`` (leading principal minors).
    eigenvalues : tuple or None
        Exact eigenvalues with multiplicity when SymPy found them.
    minors : tuple
        Leading principal minors (Sylvester's criterion: all > 0 iff positive definite).
    conditions : tuple
        For symbolic matrices: the inequalities under which the matrix is positive definite.
    """

    kind: Definiteness
    method: str
    eigenvalues: tuple[sp.Expr, ...] | None
    minors: tuple[sp.Expr, ...]
    conditions: tuple[sp.Basic, ...] = ()

    def latex(self) -> str:
        if self.eigenvalues is not None:
            ev = ", ".join(sp.latex(e) for e in self.eigenvalues)
            return rf"\lambda \in \{{{ev}\}} \Rightarrow \text{{{self.kind.value}}}"
        minors = ", ".join(sp.latex(m) for m in self.minors)
        return rf"\Delta_k = {minors} \Rightarrow \text{{{self.kind.value}}}"

    def _repr_latex_(self) -> str:
        return display(self.latex())


def definiteness(matrix: MatrixLike) -> DefinitenessResult:
    """Classify a symmetric matrix as positive/negative (semi)definite or indefinite.

    Exact eigenvalues are used when the matrix has no free symbols and SymPy finds them;
    otherwise Sylvester's criterion on the leading principal minors, which for a symbolic
    matrix yields the conditions for positive definiteness. Larger matrices are decided with
    bounded work (:mod:`symtaylor.matrix_definiteness`): rational entries exactly over QQ
    (inertia by Descartes' rule on the characteristic polynomial), other numbers at 60 digits,
    symbolic ones refused (InputError) when their minors would be too large.

    Examples
    --------
    >>> definiteness(sp.Matrix([[1, 2], [2, 1]])).kind.value
    'indefinite'
    >>> a = sp.Symbol("a")
    >>> r = definiteness(sp.Matrix([[a, 1], [1, 2]]))
    >>> r.kind.name, r.conditions
    ('UNDECIDED', (a > 0, 2*a - 1 > 0))
    >>> definiteness([[2, "-1"], ["-1", 2]]).kind.name    # entries as text: parsed safely
    'POSITIVE_DEFINITE'
    """
    m = as_matrix(matrix, "matrix")  # entries coerced one by one: never sympy.Matrix(text)
    if not m.is_square:
        raise InputError(f"definiteness needs a square matrix, got {m.rows}x{m.cols}")
    if not (m - m.T).is_zero_matrix:
        raise InputError("definiteness needs a symmetric matrix")
    # bounded work; not named definiteness.py: importing a submodule of that name would
    # replace the function symtaylor.definiteness with the module
    from .matrix_definiteness import decide

    return decide(m)


# -- critical points -------------------------------------------------------------------------


def degree_bound(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> int:
    """An upper bound on the degree of ``expr`` once expanded, read off its tree (nothing is
    expanded): ``(x + 1)**1000000`` has degree 1000000. A function of the variables
    (``exp(x)``) counts as one generator of degree 1, as ``expand``/``cancel`` treat it.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> degree_bound((x + 1)**10**6 * y + sp.exp(x)**3, [x, y])
    1000001
    """
    mine = set(variables)
    memo: dict[sp.Basic, int] = {}

    def deg(e: sp.Basic) -> int:
        if e in memo:
            return memo[e]
        if not (e.free_symbols & mine):
            out = 0
        elif e.is_Symbol:
            out = 1
        elif e.is_Add:
            out = max(deg(a) for a in e.args)
        elif e.is_Mul:
            out = sum(deg(a) for a in e.args)
        elif e.is_Pow and e.exp.is_Rational:
            k = abs(e.exp)
            out = deg(e.base) * int(k.p if k.is_Integer else -(-k.p // k.q))
        else:  # a function of the variables, or a symbolic exponent: one generator
            out = 1
        memo[e] = out
        return out

    return deg(expr)


#: Limits of the exact (complete) method for polynomial and rational objectives: beyond them
#: critical_points refuses at once instead of running into the timeout (or out of memory).
MAX_CRITICAL_VARIABLES = 6
MAX_CRITICAL_DEGREE = 60
MAX_CRITICAL_TERMS = 200_000


@dataclass(frozen=True)
class CriticalPoint:
    """A solution of ``grad f = 0`` and its classification by the Hessian there.

    ``kind`` is ``"minimum"``, ``"maximum"``, ``"saddle"`` or ``"degenerate"`` (singular
    Hessian without eigenvalues of both signs: the second-order test is inconclusive).
    """

    point: dict[sp.Symbol, sp.Expr]
    value: sp.Expr
    kind: str
    hessian: sp.Matrix

    def latex(self) -> str:
        pt = ", ".join(f"{sp.latex(k)} = {sp.latex(v)}" for k, v in self.point.items())
        return rf"\left({pt}\right):\ f = {sp.latex(self.value)}\ \text{{({self.kind})}}"

    def _repr_latex_(self) -> str:
        return display(self.latex())


@dataclass(frozen=True)
class CriticalPointSet:
    """The critical points of ``f`` and whether the list is proven complete.

    Attributes
    ----------
    f : sympy.Expr
    variables : tuple of Symbol
    points : tuple of CriticalPoint
        The same tuple :func:`critical_points` returns (sorted by coordinates).
    complete : bool
        True only when the method proves that ``points`` are *all* the real critical points
        (polynomial and rational ``f`` with rational coefficients). False: there may be more
        (SymPy's ``solve`` on a transcendental system; periodic functions have infinitely many).
    method : str
        How the points were found.
    enclosures : tuple or None
        For the exact method: per point, a certified box ``((lo, hi), ...)`` of Rationals per
        variable; the exact coordinate is the only root of its minimal polynomial in it.
    dimension : int or None
        Dimension of the complex solution set of ``grad f = 0``: ``0`` finitely many, ``>= 1`` a
        continuum (curves, surfaces: ``points`` is then not a finite list of all of them),
        ``-1`` none; None when not known.
    note : str
        Why the list is or is not complete, in words.
    """

    f: sp.Expr
    variables: tuple[sp.Symbol, ...]
    points: tuple[CriticalPoint, ...]
    complete: bool
    method: str
    enclosures: tuple[tuple[tuple[sp.Rational, sp.Rational], ...], ...] | None = None
    dimension: int | None = None
    note: str = ""

    def __repr__(self) -> str:
        pts = ", ".join("(" + ", ".join(str(v) for v in c.point.values()) + f"): {c.kind}"
                        for c in self.points)
        state = "complete" if self.complete else "not proven complete"
        return f"CriticalPointSet({len(self.points)} points, {state}: [{pts}])"

    def latex(self) -> str:
        rows = [c.latex() for c in self.points] or [r"\text{no real critical points}"]
        state = (r"\text{complete list}" if self.complete
                 else r"\text{not proven complete: }\text{" + _latex_text(self.note) + "}")
        return r"\begin{align*}" + r" \\ ".join(f"&{r}" for r in rows + [state]) + \
            r"\end{align*}"

    def _repr_latex_(self) -> str:
        return display(self.latex())


def _latex_text(text: str) -> str:
    out = text
    for ch in "\\{}$&#^_%~":
        out = out.replace(ch, "\\" + ch if ch not in "\\^~" else " ")
    return out


_KINDS = {
    Definiteness.POSITIVE_DEFINITE: "minimum",
    Definiteness.NEGATIVE_DEFINITE: "maximum",
    Definiteness.INDEFINITE: "saddle",
}


def _order_key(v: sp.Expr) -> tuple[float, float]:
    try:
        z = complex(sp.N(v))
        return (z.real, z.imag)
    except (TypeError, ValueError):  # pragma: no cover - symbolic solution
        return (float("inf"), 0.0)


def critical_points(f: ExprLike, variables: VariablesLike = None,
                    timeout: float | None = 20.0) -> tuple[CriticalPoint, ...]:
    """Real solutions of ``grad f = 0``, classified: all of them for polynomial and rational
    ``f`` with rational coefficients; for other ``f`` those SymPy's ``solve`` finds (which may
    not be all: :func:`critical_point_set` says which case you are in).

    Parameters
    ----------
    f, variables : the objective and its variables
    timeout : float or None
        Seconds the work may take (SymPy can take forever on innocent-looking systems); it
        runs in a forked process that is stopped at the deadline. None: no limit, in-process.

    Returns
    -------
    tuple of CriticalPoint
        Sorted by coordinates. Exact: Integers and Rationals, radicals, or ``CRootOf`` (the
        ``k``-th real root of an irreducible polynomial); Floats when ``f`` has Floats.

    Raises
    ------
    UnsupportedFunctionError
        If the critical points form a continuum (no finite list), ``f`` is not differentiable
        (``floor``), the system is too large (more than ``MAX_CRITICAL_VARIABLES`` variables, a
        degree above ``MAX_CRITICAL_DEGREE``, or more complex solutions than
        ``symtaylor.polysystems.MAX_SOLUTIONS``), or the work exceeds ``timeout``.

    Examples
    --------
    >>> [(c.point, c.kind) for c in critical_points("x^4 - 2*x^2 + 1/2", "x")]
    [({x: -1}, 'minimum'), ({x: 0}, 'maximum'), ({x: 1}, 'minimum')]
    >>> [c.kind for c in critical_points("x^2 - y^2", "x, y")]
    ['saddle']
    >>> critical_points("x^6/6 - x^2/2 - x", "x")[0].point
    {x: CRootOf(x**5 - x - 1, 0)}
    """
    found = critical_point_set(f, variables, timeout)
    if found.dimension is not None and found.dimension > 0:
        raise UnsupportedFunctionError(
            f"grad f = 0 has a continuum of solutions (dimension {found.dimension} over the "
            f"complex numbers) for {found.f}: no finite list of critical points. "
            "critical_point_set(...) reports it without raising."
        )
    return found.points


def critical_point_set(f: ExprLike, variables: VariablesLike = None,
                       timeout: float | None = 20.0) -> CriticalPointSet:
    """The critical points of ``f`` as a record that says whether the list is complete.

    For ``f`` a polynomial or a rational function with rational coefficients (Floats are read
    as the decimals they show) the method is complete: a Groebner basis, a shape basis and
    exact real-root isolation (:mod:`symtaylor.polysystems`) find every real critical point,
    with exact coordinates and a certified box each, and classify each by the exact signs of
    its Hessian's characteristic polynomial (Descartes' rule is exact for real-rooted
    polynomials). Otherwise SymPy's ``solve`` is used and ``complete`` is False.

    Parameters
    ----------
    f, variables, timeout : as for :func:`critical_points`

    Returns
    -------
    CriticalPointSet
        ``points`` (the tuple :func:`critical_points` returns), ``complete``, ``method``,
        ``enclosures``, ``dimension`` (a continuum of critical points is reported here, with
        ``complete=False`` and no points, rather than raised), ``note``.

    Raises
    ------
    UnsupportedFunctionError
        ``f`` is not differentiable, the system is too large, or the deadline passed.

    Examples
    --------
    >>> r = critical_point_set("x**5 - x + y**5 - y + x*y**3", "x, y")
    >>> r.complete, len(r.points), r.points[-1].kind
    (True, 4, 'saddle')
    >>> [float(v) for v in r.points[-1].point.values()]
    [0.6928783839462633, -0.5341319560520732]
    >>> s = critical_point_set("sin(x) + cos(y)", "x, y")
    >>> s.complete, len(s.points)
    (False, 4)
    >>> critical_point_set("x^2*y^2", "x, y").dimension
    1
    """
    expr, syms = _setup(f, variables)
    if timeout is None:
        return _critical_point_set(expr, syms)
    timeout = float(as_number(timeout, "timeout"))
    if timeout <= 0:
        raise InputError(f"timeout must be a positive number of seconds (or None), got {timeout}")
    import multiprocessing
    import queue

    try:
        ctx = multiprocessing.get_context(_start_method())
    except ValueError:  # pragma: no cover - no fork (Windows): no deadline either
        return _critical_point_set(expr, syms)
    results = ctx.Queue()
    proc = ctx.Process(target=_critical_points_worker, args=(expr, syms, results), daemon=True)
    proc.start()
    try:
        status, payload = results.get(timeout=timeout)
    except queue.Empty:
        proc.terminate()
        proc.join()
        raise UnsupportedFunctionError(
            f"grad f = 0 was not solved for {expr} within {timeout:g} s. Try a numeric "
            "solver (symtaylor.solvers) or a larger timeout."
        ) from None
    proc.join()
    if status == "error":
        raise payload
    return payload


#: Libraries that run native threads of their own: forking a process that holds them can
#: deadlock the child (Python warns "os.fork() is incompatible with multithreaded code").
_THREADED = ("jax", "jaxlib", "torch", "tensorflow")


def _start_method() -> str:
    """``fork`` (cheap: the child has everything already), or ``forkserver`` once a library
    with native threads is loaded: its children fork from a clean single-threaded server
    (which preloads this module), so no lock held by another thread is inherited."""
    import multiprocessing
    import sys

    if not any(name in sys.modules for name in _THREADED):
        return "fork"
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return "fork"
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return "forkserver"


def _critical_points_worker(expr: sp.Expr, syms: tuple[sp.Symbol, ...], results: Any) -> None:
    try:
        results.put(("ok", _critical_point_set(expr, syms)))
    except Exception as exc:  # reported in the parent
        results.put(("error", exc if isinstance(exc, SymTaylorError) else
                     UnsupportedFunctionError(f"solving grad f = 0 failed: {exc}")))


def _critical_point_set(expr: sp.Expr, syms: tuple[sp.Symbol, ...]) -> CriticalPointSet:
    grad = _gradient_cached(expr, syms)
    bad = sorted({str(d.expr) for g in grad for d in g.atoms(sp.Derivative)})
    if bad:
        raise UnsupportedFunctionError(
            f"f = {expr} is not differentiable everywhere: its gradient keeps the unevaluated "
            f"derivatives of {', '.join(bad)}, so grad f = 0 cannot be solved (for a piecewise "
            "constant f every point where it is differentiable is critical)."
        )
    rational = _rational_parts(expr, syms) if all(map(_sign_assumptions_only, syms)) else None
    if rational is not None:
        return _exact_critical_points(expr, syms, *rational)
    return _solved_critical_points(expr, syms)


# assumptions the exact method honours (by the sign of each coordinate); a variable declared
# integer, rational, ... goes to SymPy's solve
_SIGN_FILTERS = {
    "positive": lambda sgn: sgn > 0,
    "negative": lambda sgn: sgn < 0,
    "nonnegative": lambda sgn: sgn >= 0,
    "nonpositive": lambda sgn: sgn <= 0,
    "nonzero": lambda sgn: sgn != 0,
}
_HARMLESS = {"commutative", "real", "complex", "extended_real", "finite", "hermitian",
             "extended_positive", "extended_negative", "extended_nonnegative",
             "extended_nonpositive", "extended_nonzero"} | set(_SIGN_FILTERS)


def _sign_assumptions_only(sym: sp.Symbol) -> bool:
    return {k for k, v in sym.assumptions0.items() if v} <= _HARMLESS


def _allowed(sym: sp.Symbol, sign: int) -> bool:
    return all(test(sign) for name, test in _SIGN_FILTERS.items() if getattr(sym, f"is_{name}"))


def _rational_parts(expr: sp.Expr, syms: tuple[sp.Symbol, ...]
                    ) -> tuple[sp.Poly, sp.Poly] | None:
    """``(P, Q)`` with ``f = P/Q`` over QQ (Floats read as decimals), or None when ``f`` is not
    a rational function of the variables with rational coefficients; refuses a system beyond
    the exact method's limits."""
    from .coerce import exact_decimals

    e = exact_decimals(expr)
    if not e.free_symbols <= set(syms) or not e.is_rational_function(*syms):
        return None
    n, degree = len(syms), degree_bound(e, syms)
    # the expanded numerator has up to binomial(n + degree, n) terms: bound that too
    if (n > MAX_CRITICAL_VARIABLES or degree > MAX_CRITICAL_DEGREE
            or math.comb(n + degree, n) > MAX_CRITICAL_TERMS):
        raise UnsupportedFunctionError(
            f"critical points of a rational function of degree up to {degree} in {n} "
            f"variables: beyond the exact method's limits (degree {MAX_CRITICAL_DEGREE}, "
            f"{MAX_CRITICAL_VARIABLES} variables, {MAX_CRITICAL_TERMS} possible terms). Try a "
            "numeric solver (symtaylor.minimize)."
        )
    num, den = sp.fraction(sp.cancel(sp.together(e)))
    try:
        return sp.Poly(num, *syms, domain=sp.QQ), sp.Poly(den, *syms, domain=sp.QQ)
    except (sp.PolynomialError, sp.CoercionFailed):  # e.g. sqrt(2) in a coefficient
        return None


def _exact_critical_points(expr: sp.Expr, syms: tuple[sp.Symbol, ...], p: sp.Poly,
                           q: sp.Poly) -> CriticalPointSet:
    from .polysystems import real_solutions

    floats = expr.has(sp.Float)
    pe, qe = p.as_expr(), q.as_expr()
    # grad (P/Q) = (Q grad P - P grad Q)/Q^2; the domain Q != 0 is the equation t*Q = 1
    if q.is_ground:
        system, gens = list(_gradient_cached(pe, syms)), syms
    else:
        t = sp.Dummy("t")
        gp, gq = _gradient_cached(pe, syms), _gradient_cached(qe, syms)
        system = [sp.expand(qe * a - pe * b) for a, b in zip(gp, gq)] + [sp.expand(t * qe - 1)]
        gens = (*syms, t)
    sols = real_solutions(system, gens)
    method = ("exact: Groebner basis, shape basis and real-root isolation over QQ "
              "(symtaylor.polysystems); classification by exact signs")
    if sols.dimension > 0:
        return CriticalPointSet(
            expr, syms, (), False, method, None, sols.dimension,
            f"grad f = 0 has a positive-dimensional solution set (dimension {sols.dimension} "
            "over the complex numbers): the critical points are not a finite list")
    # at a critical point the Hessian of P/Q is (Q H_P - P H_Q)/Q^2: same inertia as m
    hp = hessian(pe, syms)
    m = hp if q.is_ground else q.as_expr() * hp - pe * hessian(qe, syms)
    lam = sp.Dummy("lambda")
    charpoly = [sp.expand(c) for c in m.charpoly(lam).all_coeffs()]  # det(lam I - m)
    value = pe if q.is_ground else pe * gens[-1]  # P/Q = P*t on the solutions
    h = hessian(expr, syms)
    points, boxes = [], []
    for s in sols.solutions:
        if not all(_allowed(v, sols.sign(v, s)) for v in syms if v.assumptions0):
            continue  # outside the variables' declared signs (x positive: x > 0)
        signs = [sols.sign(c, s) for c in charpoly]
        coords = s.coordinates[: len(syms)]
        if floats:
            coords = tuple(sp.Float(sp.N(c, 20), 15) for c in coords)
        point = dict(zip(syms, coords))
        v = sols.value(value, s, sp.Symbol("x"))
        if floats:
            v = sp.Float(sp.N(v, 20), 15)
        points.append(CriticalPoint(point, v, _inertia_kind(signs), h.xreplace(point)))
        boxes.append(s.box[: len(syms)])
    note = (f"all {len(points)} real critical points of the {sols.count} complex ones "
            "(counted with multiplicity)" if sols.dimension == 0 else "no complex critical point")
    return CriticalPointSet(expr, syms, tuple(points), True, method, tuple(boxes),
                            sols.dimension, note)


def _inertia_kind(signs: Sequence[int]) -> str:
    """The kind of a critical point from the signs of ``det(lam I - H)``'s coefficients (highest
    first). Its roots are real (H is symmetric), so Descartes' rule counts them exactly."""
    low = signs[::-1]  # c_0, c_1, ..., c_n
    zeros = next(k for k, c in enumerate(low) if c != 0)

    def variations(seq: Sequence[int]) -> int:
        nz = [c for c in seq if c != 0]
        return sum(1 for a, b in itertools.pairwise(nz) if a != b)

    positive = variations(low)
    negative = variations([c * (-1) ** k for k, c in enumerate(low)])
    if zeros == 0 and negative == 0:
        return "minimum"
    if zeros == 0 and positive == 0:
        return "maximum"
    if positive and negative:
        return "saddle"
    return "degenerate"


_PERIODIC = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)


def _solved_critical_points(expr: sp.Expr, syms: tuple[sp.Symbol, ...]) -> CriticalPointSet:
    grad = list(_gradient_cached(expr, syms))
    try:
        sols = sp.solve(grad, list(syms), dict=True)
    except NotImplementedError as exc:
        raise UnsupportedFunctionError(
            f"SymPy cannot solve grad f = 0 for {expr}: {exc}. Try a numeric solver."
        ) from None
    h = hessian(expr, syms)
    out = []
    continuum = 0
    for sol in sols:
        if any(v.free_symbols & set(syms) for v in sol.values()) or len(sol) < len(syms):
            free = set(syms) - set(sol)
            for v in sol.values():
                free |= v.free_symbols & set(syms)
            continuum = max(continuum, len(free))
            continue
        if not all(v.is_real is not False for v in sol.values()):
            continue
        point = {s: sp.simplify(sol[s]) for s in syms}
        hp = h.subs(point)
        try:
            d = definiteness(hp)
            kind = _KINDS.get(d.kind, "degenerate")
        except InputError:  # pragma: no cover - a Hessian is symmetric
            kind = "degenerate"
        out.append(CriticalPoint(point, sp.simplify(expr.subs(point)), kind, hp))
    out.sort(key=lambda c: tuple(_order_key(c.point[s]) for s in syms))
    if not expr.free_symbols <= set(syms):
        why = "f has parameters (" + ", ".join(
            sorted(map(str, expr.free_symbols - set(syms)))) + ")"
    else:
        why = "f is not a polynomial or rational function with rational coefficients"
    note = f"{why}: SymPy's solve found these, and it is not a complete method"
    if expr.has(*_PERIODIC):
        note += ("; f has trigonometric functions: solve gives at most one period of what may "
                 "be infinitely many critical points")
    if continuum:
        note += f"; solve reported a continuum of solutions (dimension {continuum})"
    return CriticalPointSet(expr, syms, tuple(out), False, "sympy.solve", None,
                            continuum or None, note)
