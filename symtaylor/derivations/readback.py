r"""Reading a derivation's LaTeX back: SymPy's LaTeX parser (lark backend) with three rules
added for forms the derivations print and SymPy's grammar has no rule for.

SymPy's grammar (``sympy/parsing/latex/lark/grammar/latex.lark``) and transformer are used
unchanged; ``readback.lark`` is appended to the grammar and a subclass of SymPy's
``TransformToSymPyExpr`` turns the three new rules into SymPy objects:

- an interval premise ``0 < \alpha < \frac{2}{L}`` (also with ``\le``): the conjunction
  ``And(0 < alpha, alpha < 2/L)``;
- a transpose followed by its factors, ``g^{T}(y - x)``, ``s^{T} y``, ``g^{T} H g``: the
  scalar :class:`~symtaylor.derivations.record.TransposeProduct` ``(g, y - x)``, factors in
  their order, or the matrix product ``g.T*(y - x)`` when the names are matrices (SymPy's
  grammar reads ``g^{T}`` only as the power ``g**T`` and a factor after it as a syntax
  error);
- the gradient or Hessian of a named function at a point, ``\nabla f(x)``,
  ``\nabla^{2} f(x)``: the undefined functions ``\nabla f`` and ``\nabla^{2} f`` applied to
  the point.

The parser is Earley with ``ambiguity="explicit"`` as SymPy builds it, so :func:`readings`
returns every complete reading of an ambiguous form (``f(x)`` is a call and the product
``f x``); a reader picks the one that matches.

Nothing here evaluates text: the parse tree is transformed node by node into SymPy objects.

Examples
--------
>>> [str(r) for r in readings(r"0 < \alpha < \frac{2}{L}")]
['(0 < alpha) & (alpha < 2/L)']
>>> readings(r"s^{T} B_{plus} s")
[TransposeProduct(s, B_{plus}, s)]
>>> readings(r"\nabla f(y) - \nabla f(x)")
[-\nabla f(x) + \nabla f(y)]
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import sympy as sp

from ..errors import OptionalDependencyError
from .record import TransposeProduct

__all__ = ["parser", "readings"]

#: at most this many readings of one ambiguous parse are transformed
MAX_READINGS = 64
#: longer text is not parsed (Earley parsing is cubic in the length: about a second at 450
#: characters); :func:`readings` returns no reading
MAX_LENGTH = 1000
#: text with more one-letter names applied to a parenthesis (``f(x)``, each read two ways) is
#: not parsed: lark builds the explicit-ambiguity tree in time that grows about 1.7-fold per
#: call beyond 14 (3.6 s at 18 when measured)
MAX_CALLS = 16


@functools.lru_cache(maxsize=1)
def parser() -> tuple[Any, Any]:
    """The lark parser (SymPy's LaTeX grammar with ``readback.lark`` appended, built with the
    options SymPy's ``LarkLaTeXParser`` uses) and its transformer class, built once.

    Raises
    ------
    OptionalDependencyError
        When ``lark`` is not installed.
    """
    try:
        import lark
        import sympy.parsing.latex.lark as sympy_lark
        from sympy.parsing.latex.lark.transformer import TransformToSymPyExpr
    except ImportError as exc:  # pragma: no cover - lark is a core dependency
        raise OptionalDependencyError("reading LaTeX back needs lark: pip install lark") \
            from exc

    grammar_dir = Path(sympy_lark.__file__).parent / "grammar"
    grammar = (grammar_dir / "latex.lark").read_text(encoding="utf-8") + "\n" + \
        importlib.resources.files("symtaylor.derivations").joinpath("readback.lark").read_text(
            encoding="utf-8")
    earley = lark.Lark(grammar, source_path=str(grammar_dir) + "/", parser="earley",
                       start="latex_string", lexer="auto", ambiguity="explicit",
                       propagate_positions=False, maybe_placeholders=False,
                       keep_all_tokens=True)

    class _Transformer(TransformToSymPyExpr):  # type: ignore[misc, valid-type]
        #: parsed name -> the object it stands for (a MatrixSymbol), set per reading
        table: Mapping[str, Any] = {}

        def adjacent_expressions(self, tokens: list[Any]) -> Any:
            a, b = tokens[0], tokens[1]
            if getattr(a, "is_Matrix", False) or getattr(b, "is_Matrix", False):
                return sp.MatMul(a, b, evaluate=True)  # a product of matrices, in order
            return super().adjacent_expressions(tokens)

        def chain(self, tokens: list[Any]) -> Any:
            a, op1, b, op2, c = tokens
            rel = {"LT": sp.Lt, "LTE": sp.Le}
            return sp.And(rel[op1.type](a, b), rel[op2.type](b, c))

        def transpose_product(self, tokens: list[Any]) -> Any:
            u, factors = tokens[0], tokens[5:]  # u ^ { T } factor...
            if any(getattr(t, "is_Matrix", False) for t in (u, *factors)):
                return sp.MatMul(sp.Transpose(u), *factors, evaluate=True)  # matrices
            return TransposeProduct(u, *factors)

        def nabla_applied(self, tokens: list[Any]) -> Any:
            call = tokens[-1]
            order = int(tokens[3]) if len(tokens) == 6 else 1
            if len(tokens) == 6 and order < 2:
                raise ValueError(f"\\nabla^{{{order}}} is not a derivative order")
            name = r"\nabla f" if order == 1 else rf"\nabla^{{{order}}} f"
            name = name.replace(" f", " " + call.func.__name__)
            return sp.Function(name)(*call.args)

    for token_type in _SYMBOL_TOKENS:
        setattr(_Transformer, token_type, _typed(getattr(TransformToSymPyExpr, token_type)))
    return earley, _Transformer


#: the token types SymPy's transformer turns into a Symbol
_SYMBOL_TOKENS = ("SYMBOL", "GREEK_SYMBOL_WITH_PRIMES", "LATIN_SYMBOL_WITH_LATIN_SUBSCRIPT",
                  "GREEK_SYMBOL_WITH_LATIN_SUBSCRIPT", "LATIN_SYMBOL_WITH_GREEK_SUBSCRIPT",
                  "GREEK_SYMBOL_WITH_GREEK_SUBSCRIPT")


def _typed(base: Any) -> Any:
    """A token method: SymPy's Symbol for the token, replaced by the object the reader's
    table gives for its name (a matrix or a vector the document declares)."""

    def method(self: Any, token: Any) -> Any:
        out = base(token) if isinstance(base, type) else base(self, token)
        return self.table.get(getattr(out, "name", None), out) if self.table else out

    return method


def readings(tex: str, symbols: Mapping[str, Any] | None = None) -> list[Any]:
    r"""Every SymPy object the parser reads ``tex`` as (empty when it reads none).

    Parameters
    ----------
    tex : str
        One side of a row, or a relation, as the derivations print it.
    symbols : mapping of str to SymPy object, optional
        What a name stands for, as a document's list of symbols says: ``{"B": MatrixSymbol(
        "B", n, n), "s": MatrixSymbol("s", n, 1)}`` makes ``B s`` the matrix product
        ``B*s`` in that order and ``B^{T}`` its transpose (SymPy's transformer handles
        matrices; without a table every name is a commutative scalar symbol).

    Returns
    -------
    list
        The transformed readings, at most :data:`MAX_READINGS`, in the parser's order,
        enumerated lazily; a reading the transformer cannot turn into SymPy is left out. Text
        longer than :data:`MAX_LENGTH` characters or with more than :data:`MAX_CALLS` calls
        ``f(x)``, or that the parser refuses, has none.

    Examples
    --------
    >>> readings(r"g^{T}(y - x)")
    [TransposeProduct(g, -x + y)]
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> B, s = sp.MatrixSymbol("B", n, n), sp.MatrixSymbol("s", n, 1)
    >>> readings(r"s^{T} B s", {"B": B, "s": s})
    [s.T*B*s]
    >>> U, C = sp.MatrixSymbol("U", n, 2), sp.MatrixSymbol("C", 2, 2)
    >>> readings(r"B + U C U^{T}", {"B": B, "U": U, "C": C})
    [B + U*C*U.T]

    ``\left`` and ``\right`` are dropped before parsing (SymPy's lexer would also read
    ``\left(`` as ``\le ft(``):

    >>> readings(r"g^{T}\left(y - x\right)")
    [TransposeProduct(g, -x + y)]
    >>> readings(r"\frac{1}{2")
    []
    """
    import itertools

    if len(tex) > MAX_LENGTH:
        return []
    # \left and \right only size a delimiter (SymPy's grammar ignores them), but its lexer
    # can also read \left as \le ft: each one doubles the readings, so drop them first
    tex = _SIZING.sub("", tex)
    if len(_CALL.findall(tex)) > MAX_CALLS:
        return []
    earley, transformer_class = parser()
    transformer = transformer_class()
    transformer.table = dict(symbols or {})
    out = []
    try:
        tree = earley.parse(tex)
        for t in itertools.islice(_disambiguated(tree), MAX_READINGS):
            try:
                back = transformer.transform(t)
            except Exception:  # a reading the transformer cannot turn into SymPy
                continue
            if isinstance(back, sp.Basic | sp.MatrixBase):
                out.append(back)
    except RecursionError:  # a side nested or chained beyond Python's recursion limit
        return out
    except Exception:  # the parser's own errors (lark's UnexpectedInput and kin)
        return []
    return out


#: a one-letter name applied to a parenthesis, ``f(x)``: the grammar reads it as a call and as
#: a product, and lark's explicit-ambiguity tree doubles with each one
_CALL = re.compile(r"(?:(?<![\\A-Za-z])[A-Za-z]|\\(?:var)?(?:alpha|beta|gamma|delta|epsilon|"
                   r"zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|upsilon|phi|"
                   r"chi|psi|omega))(?:_\{[^{}]*\}|_[A-Za-z0-9])?'*\(")
_SIZING = re.compile(r"\\(?:left|right)(?![A-Za-z])\.?")


def _disambiguated(tree: Any) -> Iterator[Any]:
    """The complete readings of an Earley tree with ``_ambig`` nodes, one at a time (lark's
    ``CollapseAmbiguities`` builds all of them first: 2^k for k ambiguous calls)."""
    from lark import Tree

    if not isinstance(tree, Tree):
        yield tree
        return
    if tree.data == "_ambig":
        for alternative in tree.children:
            yield from _disambiguated(alternative)
        return
    for children in _combinations(tree.children):
        yield Tree(tree.data, children)


def _combinations(children: list[Any]) -> Iterator[list[Any]]:
    if not children:
        yield []
        return
    for first in _disambiguated(children[0]):
        for rest in _combinations(children[1:]):
            yield [first, *rest]
