"""The hostile-input corpus of issue 11, shared by the acceptance sweeps.

Every *code* payload creates the file :data:`MARKER` in the current directory if anything
evaluates it (``eval``/``exec``/``sympify``/``parse_expr``, or generated code built from a raw
symbol name). Tests run in a temporary directory and check that the file never appears.

Payloads are built by factories (fresh objects per call: a library that mutates a list it was
given cannot poison the next call). Each entry is ``(kind, factory)``; ``kind`` is a short
stable name used in failure reports.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

__all__ = [
    "CODE_PAYLOADS",
    "CODE_TEXTS",
    "HOSTILE_NAMES",
    "MARKER",
    "OTHER_PAYLOADS",
    "Payload",
    "fullwidth",
    "math_script",
]

#: The file a payload creates when it is executed (relative: tests chdir into a tmp dir).
MARKER = "symtaylor_hostile_marker"

Payload = tuple[str, Callable[[], object]]


def fullwidth(text: str) -> str:
    """ASCII letters and digits as their full-width forms (NFKC folds them back)."""
    return "".join(chr(ord(c) + 0xFEE0) if (c.isascii() and c.isalnum()) else c for c in text)


def math_script(text: str) -> str:
    """Lower-case ASCII letters as MATHEMATICAL BOLD SCRIPT letters (NFKC folds them back)."""
    return "".join(chr(0x1D4EA + ord(c) - ord("a")) if "a" <= c <= "z" else c for c in text)


_OPEN = f"open('{MARKER}','w')"
_TOUCH = f"__import__('os').system('touch {MARKER}')"

#: Text that creates MARKER if evaluated by Python (NFKC applies to identifiers in eval).
CODE_TEXTS: dict[str, str] = {
    "text:exec": f'exec("{_OPEN}")',
    "text:eval": f'eval("{_OPEN}")',
    "text:open": _OPEN,
    "text:__import__": _TOUCH,
    "text:lambda-call": f"(lambda: {_TOUCH})()",
    "text:fullwidth-exec": f'{fullwidth("exec")}("{_OPEN}")',
    "text:fullwidth-__import__": f"__{fullwidth('import')}__('os').{fullwidth('system')}"
                                 f"('touch {MARKER}')",
    "text:math-alnum-exec": f'{math_script("exec")}("{_OPEN}")',
    # 10**5 characters that run code (also a size probe): exec of a space-padded string
    "text:long-10**5": f'exec("{_OPEN}' + " " * (100_000 - len(f'exec("{_OPEN}")')) + '")',
}

_E, _I, _F, _M = (CODE_TEXTS[k] for k in
                  ("text:exec", "text:__import__", "text:fullwidth-exec", "text:math-alnum-exec"))

#: The Symbol name of issue 11 whose printed form is code in generated source.
CODE_SYMBOL_NAME = f'a\n__import__("os").system("touch {MARKER}")\n#'


def _code_symbol() -> sp.Symbol:
    return sp.Symbol(CODE_SYMBOL_NAME)


#: Payloads that run code (create MARKER) if mishandled. Every parameter gets all of them.
CODE_PAYLOADS: list[Payload] = [
    *((kind, (lambda t=text: t)) for kind, text in CODE_TEXTS.items()),
    ("list[text]", lambda: [_E, _I]),
    ("list[1, text]", lambda: [1, _E]),
    ("nested-list[text]", lambda: [[_E, _I], [_F, _M]]),
    ("nested-list[1, text]", lambda: [[1, _E], [_I, 1]]),
    ("pair(text, text)", lambda: (_E, _I)),
    ("pair('x', text)", lambda: ("x", _E)),
    ("dict{name: text}", lambda: {"x": _E, "y": _I}),
    ("dict{name: (text, 1)}", lambda: {"x": (_E, 1), "y": (_I, 1)}),
    ("dict{text: 1}", lambda: {_E: 1}),
    ("ndarray[str]", lambda: np.array([_E, _I])),
    ("ndarray[object text]", lambda: np.array([[1, _E], [_I, 1]], dtype=object)),
    ("Symbol(code name)", _code_symbol),
    ("[Symbol(code name)]", lambda: [_code_symbol()]),
    ("expr(Symbol(code name))", lambda: _code_symbol() ** 2 + 1),
    ("dict{Symbol(code name): (0, 1)}", lambda: {_code_symbol(): (0, 1)}),
]

#: Hostile Symbol names that are not code but break naive generated identifiers.
HOSTILE_NAMES: list[str] = [
    CODE_SYMBOL_NAME,
    fullwidth("x"),  # NFKC-equal to the generated functions' argument x
    fullwidth("out"),
    "out",
    "float",
    "np",
    fullwidth("np"),
    "math",
    "numpy",
    "mpmath",
    "ValueError",
    "lambda",
    "None",
]

#: Other hostile input: introspection, lambdas, huge numbers, Symbols with awkward names.
OTHER_PAYLOADS: list[Payload] = [
    ("text:__subclasses__", lambda: "().__class__.__base__.__subclasses__()"),
    ("text:lambda", lambda: "lambda: 0"),
    ("text:9**9**9**9", lambda: "9**9**9**9"),
    ("text:x*10**5", lambda: "x" * 100_000),
    ("list[__subclasses__, lambda]",
     lambda: ["().__class__.__base__.__subclasses__()", "lambda: 0"]),
    ("list[9**9**9**9]", lambda: ["9**9**9**9", "9**9**9**9"]),
    ("Symbol('ｏｕｔ')", lambda: sp.Symbol(fullwidth("out"))),
    ("Symbol('float')", lambda: sp.Symbol("float")),
    ("Symbol('np')", lambda: sp.Symbol("np")),
    ("Symbol('ｎｐ')", lambda: sp.Symbol(fullwidth("np"))),
    ("Symbol('ValueError')", lambda: sp.Symbol("ValueError")),
    ("[Symbol('float'), Symbol('np')]", lambda: [sp.Symbol("float"), sp.Symbol("np")]),
]
