r"""Reading a derivation's LaTeX back: SymPy's LaTeX parser (lark backend) with three rules
added for forms the derivations print and SymPy's grammar has no rule for.

SymPy's grammar (``sympy/parsing/latex/lark/grammar/latex.lark``) and transformer are used
unchanged; ``readback.lark`` is appended to the grammar and a subclass of SymPy's
``TransformToSymPyExpr`` turns the three new rules into SymPy objects:

- an interval premise ``0 < \alpha < \frac{2}{L}`` (also with ``\le``): the conjunction
  ``And(0 < alpha, alpha < 2/L)``;
- a transpose followed by its factors, ``g^{T}(y - x)``, ``s^{T} y``, ``g^{T} H g``: the
  scalar :class:`~symtaylor.derivations.record.TransposeProduct` ``(g, y - x)``, factors in
  their order (SymPy's grammar reads ``g^{T}`` only as the power ``g**T`` and a factor after
  it as a syntax error);
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
[s^T B_{plus} s]
>>> readings(r"\nabla f(y) - \nabla f(x)")
[-\nabla f(x) + \nabla f(y)]
"""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path
from typing import Any

import sympy as sp

from ..errors import OptionalDependencyError
from .record import TransposeProduct

__all__ = ["parser", "readings"]

#: at most this many readings of one ambiguous parse are transformed
MAX_READINGS = 64


@functools.lru_cache(maxsize=1)
def parser() -> tuple[Any, Any]:
    """The lark parser (SymPy's LaTeX grammar with ``readback.lark`` appended, built with the
    options SymPy's ``LarkLaTeXParser`` uses) and its transformer, built once.

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
        def chain(self, tokens: list[Any]) -> Any:
            a, op1, b, op2, c = tokens
            rel = {"LT": sp.Lt, "LTE": sp.Le}
            return sp.And(rel[op1.type](a, b), rel[op2.type](b, c))

        def transpose_product(self, tokens: list[Any]) -> Any:
            u, factors = tokens[0], tokens[5:]  # u ^ { T } factor...
            return TransposeProduct(u, *factors)

        def nabla_applied(self, tokens: list[Any]) -> Any:
            call = tokens[-1]
            order = int(tokens[3]) if len(tokens) == 6 else 1
            name = r"\nabla f" if order == 1 else rf"\nabla^{{{order}}} f"
            name = name.replace(" f", " " + call.func.__name__)
            return sp.Function(name)(*call.args)

    return earley, _Transformer()


def readings(tex: str) -> list[Any]:
    r"""Every SymPy object the parser reads ``tex`` as (empty when it reads none).

    Parameters
    ----------
    tex : str
        One side of a row, or a relation, as the derivations print it.

    Returns
    -------
    list
        The transformed readings, at most :data:`MAX_READINGS`, in the parser's order; a
        reading the transformer cannot turn into SymPy is left out.

    Examples
    --------
    >>> readings(r"g^{T}(y - x)")
    [g^T(-x + y)]

    ``\left(`` after a symbol is also read as ``\le ft(`` (SymPy's grammar ignores ``\left``
    and has ``\le``), so a reader picks among the readings:

    >>> [r for r in readings(r"g^{T}\left(y - x\right)") if isinstance(r, TransposeProduct)]
    [g^T(-x + y)]
    >>> readings(r"\frac{1}{2")
    []
    """
    from lark.visitors import CollapseAmbiguities

    earley, transformer = parser()
    try:
        tree = earley.parse(tex)
    except Exception:  # the parser's own errors (lark's UnexpectedInput and kin)
        return []
    out = []
    for t in CollapseAmbiguities().transform(tree)[:MAX_READINGS]:
        try:
            back = transformer.transform(t)
        except Exception:  # a reading the transformer cannot turn into SymPy
            continue
        if isinstance(back, sp.Basic | sp.MatrixBase):
            out.append(back)
    return out
