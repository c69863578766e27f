r"""Derivations a teacher hands out: step by step, every step machine-checked.

``symtaylor.derive(kind, *args, **options)`` returns a :class:`Derivation`: rows
``lhs relation rhs``, each with a justification and the engine's verdict (``"exact"``: SymPy
proved it by the route named in ``row.route``; ``"certified"``: ball arithmetic;
``"assumed"``: a hypothesis or a definition). It prints as an ``align*`` block (``.latex()``),
a standalone article (``.document()``, ``.to_pdf(path)``), Markdown (``.markdown()``) and text
(``.text()``). A :class:`Handout` puts several in one document.

Modules
-------
============================  ===============================================================
``record``                    ``Row``, ``Section``, ``Derivation``, ``Handout``, the printers,
                              ``compile_pdf`` (pdflatex), ``text_latex`` / ``prose_latex``
``checks``                    row constructors that prove as they build: ``equal``,
                              ``inequality``, ``implies``, ``equivalent``; ``certified``,
                              ``assumed``, ``define``, ``approx`` for rows needing no proof
``registry``                  ``DERIVATIONS``, ``register``, ``derive``, ``KIND_MODULES``
``taylor``                    kind ``taylor``
``steps``                     kinds ``gradient-step``, ``newton``, ``damped-newton``,
                              ``gauss-newton``, ``levenberg-marquardt``
``descent_lemma``, ``gd_rate``, ``newton_convergence``, ``quasi_newton``,
``finite_difference``, ``loss_after_step``: the other kinds (one module each)
``seeds``                     the problems of the seed texts, as data: ``seed_handout()``
============================  ===============================================================

How a kind module is written
----------------------------
A kind is a function decorated with ``@register("kind-name")`` in a module listed in
``registry.KIND_MODULES`` (imported when the package is imported; a listed module that does
not exist yet is skipped). Import from the submodules, not from the package::

    import sympy as sp
    from .checks import define, equal, inequality, implies, certified, assumed
    from .record import Derivation, Section
    from .registry import register

    @register("my-kind")
    def my_kind(f, variables=None, *, option=1) -> Derivation:
        expr, syms = ...                 # through symtaylor.coerce (never sympify user text)
        g = gradient(expr, syms)         # the engine's own results
        G = sp.Symbol(r"\nabla f")       # a named quantity: a Symbol with a LaTeX name
        rows = (
            define(sp.Symbol("m(d)"), ..., "second-order Taylor model"),
            equal(sp.Matrix([sp.Derivative(expr, v) for v in syms]), g, "differentiate"),
            equal(G, g, "the gradient", where={G: g}),   # 'where' substitutes definitions
        )
        return Derivation("my-kind", "Title", "Problem with $math$.", rows, result=...,
                          definitions=((r"\nabla f", "the gradient of $f$"), ...))

Rules the constructors and :class:`Derivation` enforce:

* every ``=`` row is proved (``equal`` raises :class:`UncheckedStepError` if it cannot; a
  ``Derivation`` refuses an ``=`` row whose check is ``"assumed"``);
* ``<= < >= >`` rows through ``inequality`` (proved) or ``certified`` (ball arithmetic: pass
  the route, e.g. ``"arb ball enclosure (branch and bound, 37 boxes)"``) or ``assumed``
  (a hypothesis, e.g. L-smoothness);
* ``=>`` / ``<=>`` rows through ``implies`` / ``equivalent`` (proved for statements in one
  variable, also with symbolic interval ends) or ``assumed``;
* ``:=`` rows are definitions (``define``), ``~`` rows model statements (``approx``).

Sides are SymPy objects (what a test re-verifies and a LaTeX parser reads back) or LaTeX
strings for things that are not expressions (``"m(d)"`` may also be ``sp.Symbol("m(d)")``).
``lhs=None`` (or ``chain=True``) continues the previous row. Justifications are plain text
(escaped for LaTeX; Unicode like ``α ‖ ≤`` is fine); the problem, the conclusion and the
meanings in ``definitions`` are prose with ``$...$`` math. ``definitions`` lists every symbol
the rows use as ``(latex symbol, meaning)``. ``result`` is the final object (the update as a
SymPy Matrix for steps, the polynomial for taylor, the bound for descent-lemma, ``h*`` for
finite-difference).

Examples
--------
>>> import sympy as sp
>>> from symtaylor.derivations import Derivation, define, equal
>>> x = sp.Symbol("x")
>>> d = Derivation("demo", "Square", "Expand $(x + 1)^2$.",
...                (equal((x + 1)**2, x**2 + 2*x + 1, "binomial"),), x**2 + 2*x + 1,
...                (("x", "a real number"),))
>>> d.rows[0].check, d.rows[0].route
('exact', 'sympy.expand(lhs - rhs) == 0')
"""

from .checks import (
    UncheckedStepError,
    approx,
    assumed,
    certified,
    define,
    equal,
    equivalent,
    implies,
    inequality,
    prove_equal,
)
from .record import (
    CHECKS,
    RELATIONS,
    Derivation,
    Handout,
    LatexCompileError,
    Row,
    Section,
    compile_pdf,
    math_latex,
    prose_latex,
    text_latex,
)
from .registry import DERIVATIONS, KIND_MODULES, derive, load_kinds, register

__all__ = [
    "CHECKS",
    "DERIVATIONS",
    "KIND_MODULES",
    "RELATIONS",
    "Derivation",
    "Handout",
    "LatexCompileError",
    "Row",
    "Section",
    "UncheckedStepError",
    "approx",
    "assumed",
    "certified",
    "compile_pdf",
    "define",
    "derive",
    "equal",
    "equivalent",
    "implies",
    "inequality",
    "load_kinds",
    "math_latex",
    "prose_latex",
    "prove_equal",
    "register",
    "text_latex",
]

load_kinds()
