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
linear in ``n`` instead of cubic: see ``benchmarks/bench_calculus.py``.

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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy as sp

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
    "Definiteness",
    "DefinitenessResult",
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
    return [d.xreplace(back) for d in cached]


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


def _term_hessian(term: sp.Expr, syms: tuple[sp.Symbol, ...]) -> dict[tuple[int, int], sp.Expr]:
    """The upper triangle ``{(a, b): d2 term / d syms[a] d syms[b]}`` (non-zero entries only).

    Same shortcuts as :func:`_term_partials`: a cached template per term shape, or the chain
    rule ``phi''(u) grad u grad u^T + phi'(u) hess u`` through an inner argument ``u`` (for a
    logistic term ``u`` is linear, so its Hessian costs one univariate second derivative).
    """
    k = len(syms)
    if k >= 3:  # many variables: the chain rule beats a template
        found = _inner_argument(term, syms)
        if found is not None:
            return _chain_hessian(*found, syms)
    slots = tuple(_slot(i, s) for i, s in enumerate(syms))
    template = term.xreplace(dict(zip(syms, slots)))
    cached = _HESS_TEMPLATES.get((template, slots))
    if cached is None and k == 2:
        found = _inner_argument(term, syms)
        if found is not None:
            return _chain_hessian(*found, syms)
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
    return {ab: e.xreplace(back) for ab, e in cached.items()}


def _chain_hessian(u: sp.Expr, outer: sp.Expr, slot: sp.Dummy, syms: tuple[sp.Symbol, ...]
                   ) -> dict[tuple[int, int], sp.Expr]:
    d1 = outer.diff(slot)
    d2 = d1.diff(slot)
    gu = _partials(u, syms)
    out: dict[tuple[int, int], sp.Expr] = {}
    if d2 != 0:
        d2u = d2.xreplace({slot: u})
        for a in range(len(syms)):
            for b in range(a, len(syms)):
                if gu[a] != 0 and gu[b] != 0:
                    out[(a, b)] = d2u * gu[a] * gu[b]
    if d1 != 0:
        d1u = d1.xreplace({slot: u})
        for ab, e in _sum_hessian(u, syms).items():
            out[ab] = out[ab] + d1u * e if ab in out else d1u * e
    return out


def _sum_hessian(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> dict[tuple[int, int], sp.Expr]:
    """Upper-triangle Hessian entries of ``expr``, accumulated term by term."""
    index = {v: i for i, v in enumerate(variables)}
    acc: dict[tuple[int, int], list[sp.Expr]] = defaultdict(list)
    for term in _terms(expr):
        mine = tuple(sorted((s for s in term.free_symbols if s in index), key=index.__getitem__))
        if not mine:
            continue
        for (a, b), e in _term_hessian(term, mine).items():
            acc[(index[mine[a]], index[mine[b]])].append(e)
    out = {}
    for ij, parts in acc.items():
        e = sp.Add(*parts)
        if e != 0:
            out[ij] = e
    return out


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
    return sp.Matrix(len(syms), 1, list(_gradient_cached(expr, syms)))


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
    return sp.Matrix(sp.SparseMatrix(n, n, data))


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
    rows = [list(_gradient_cached(e, syms)) for e in exprs]
    return sp.Matrix(rows)


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


def _sign_kind(values: Sequence[sp.Expr]) -> Definiteness | None:
    pos = all(v.is_positive for v in values)
    neg = all(v.is_negative for v in values)
    if pos:
        return Definiteness.POSITIVE_DEFINITE
    if neg:
        return Definiteness.NEGATIVE_DEFINITE
    if any(v.is_positive for v in values) and any(v.is_negative for v in values):
        return Definiteness.INDEFINITE
    if all(v.is_nonnegative for v in values):
        return Definiteness.POSITIVE_SEMIDEFINITE
    if all(v.is_nonpositive for v in values):
        return Definiteness.NEGATIVE_SEMIDEFINITE
    return None


def _leading_minors(m: sp.Matrix) -> tuple[sp.Expr, ...]:
    return tuple(sp.factor(m[:k, :k].det(method="berkowitz")) for k in range(1, m.rows + 1))


def definiteness(matrix: MatrixLike) -> DefinitenessResult:
    """Classify a symmetric matrix as positive/negative (semi)definite or indefinite.

    Exact eigenvalues are used when the matrix has no free symbols and SymPy finds them;
    otherwise Sylvester's criterion on the leading principal minors, which for a symbolic
    matrix yields the conditions for positive definiteness.

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
    minors = _leading_minors(m)
    if not m.free_symbols and m.rows <= 2:
        try:
            evs = m.eigenvals(multiple=True)
        except (sp.polys.polyerrors.PolynomialError, NotImplementedError):  # pragma: no cover
            evs = None
        if evs:
            kind = _sign_kind([sp.nsimplify(e) if e.is_Float else e for e in evs])
            if kind is not None:
                return DefinitenessResult(kind, "eigenvalues", tuple(evs), minors)
    if not m.free_symbols:
        # Exact numeric matrix: the real roots of the characteristic polynomial, isolated
        # exactly (CRootOf), have decidable signs (radical forms of cubic roots often do not).
        roots = sp.real_roots(m.charpoly(sp.Dummy("lambda")))
        kind = _sign_kind(roots) if len(roots) == m.rows else None
        if kind is not None:
            return DefinitenessResult(kind, "eigenvalues", tuple(roots), minors)
    kind = _sign_kind(minors)
    if kind is Definiteness.POSITIVE_DEFINITE:
        return DefinitenessResult(kind, "sylvester", None, minors)
    neg_minors = [(-1) ** (k + 1) * d for k, d in enumerate(minors)]
    if all(v.is_positive for v in neg_minors):
        return DefinitenessResult(Definiteness.NEGATIVE_DEFINITE, "sylvester", None, minors)
    conditions = tuple(sp.Gt(d, 0) for d in minors if not d.is_positive)
    if any(minors[k].is_negative for k in range(1, len(minors), 2)):
        # a negative leading minor of even order: the matrix has eigenvalues of both signs
        return DefinitenessResult(Definiteness.INDEFINITE, "sylvester", None, minors)
    return DefinitenessResult(Definiteness.UNDECIDED, "sylvester", None, minors, conditions)


# -- critical points -------------------------------------------------------------------------


@dataclass(frozen=True)
class CriticalPoint:
    """A solution of ``grad f = 0`` and its classification by the Hessian there.

    ``kind`` is ``"minimum"``, ``"maximum"``, ``"saddle"`` or ``"degenerate"`` (singular
    Hessian: the second-order test is inconclusive).
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


def _order_key(v: sp.Expr) -> tuple[float, float]:
    try:
        z = complex(sp.N(v))
        return (z.real, z.imag)
    except (TypeError, ValueError):  # pragma: no cover - symbolic solution
        return (float("inf"), 0.0)


_KINDS = {
    Definiteness.POSITIVE_DEFINITE: "minimum",
    Definiteness.NEGATIVE_DEFINITE: "maximum",
    Definiteness.INDEFINITE: "saddle",
}


def critical_points(f: ExprLike, variables: VariablesLike = None,
                    timeout: float | None = 20.0) -> tuple[CriticalPoint, ...]:
    """Real solutions of ``grad f = 0`` (where SymPy's ``solve`` can find them), classified.

    Parameters
    ----------
    f, variables : the objective and its variables
    timeout : float or None
        Seconds SymPy may spend (it can take forever on innocent-looking systems); the work
        runs in a forked process that is stopped at the deadline. None: no limit, in-process.

    Raises
    ------
    UnsupportedFunctionError
        If SymPy cannot solve the system, or not within ``timeout``.

    Examples
    --------
    >>> [(c.point, c.kind) for c in critical_points("x^4 - 2*x^2 + 1/2", "x")]
    [({x: -1}, 'minimum'), ({x: 0}, 'maximum'), ({x: 1}, 'minimum')]
    >>> [c.kind for c in critical_points("x^2 - y^2", "x, y")]
    ['saddle']
    """
    expr, syms = _setup(f, variables)
    if timeout is None:
        return _critical_points(expr, syms)
    timeout = float(as_number(timeout, "timeout"))
    if timeout <= 0:
        raise InputError(f"timeout must be a positive number of seconds (or None), got {timeout}")
    import multiprocessing
    import queue

    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - no fork (Windows): no deadline either
        return _critical_points(expr, syms)
    results = ctx.Queue()
    proc = ctx.Process(target=_critical_points_worker, args=(expr, syms, results), daemon=True)
    proc.start()
    try:
        status, payload = results.get(timeout=timeout)
    except queue.Empty:
        proc.terminate()
        proc.join()
        raise UnsupportedFunctionError(
            f"SymPy did not solve grad f = 0 for {expr} within {timeout:g} s. Try a numeric "
            "solver (symtaylor.solvers) or a larger timeout."
        ) from None
    proc.join()
    if status == "error":
        raise payload
    return payload


def _critical_points_worker(expr: sp.Expr, syms: tuple[sp.Symbol, ...], results: Any) -> None:
    try:
        results.put(("ok", _critical_points(expr, syms)))
    except Exception as exc:  # reported in the parent
        results.put(("error", exc if isinstance(exc, SymTaylorError) else
                     UnsupportedFunctionError(f"solving grad f = 0 failed: {exc}")))


def _critical_points(expr: sp.Expr, syms: tuple[sp.Symbol, ...]) -> tuple[CriticalPoint, ...]:
    grad = list(_gradient_cached(expr, syms))
    try:
        sols = sp.solve(grad, list(syms), dict=True)
    except NotImplementedError as exc:
        raise UnsupportedFunctionError(
            f"SymPy cannot solve grad f = 0 for {expr}: {exc}. Try a numeric solver."
        ) from None
    h = hessian(expr, syms)
    out = []
    for sol in sols:
        if any(v.free_symbols & set(syms) for v in sol.values()) or len(sol) < len(syms):
            raise UnsupportedFunctionError(
                f"grad f = 0 has a continuum of solutions ({sol}); no isolated critical points"
            )
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
    return tuple(out)
