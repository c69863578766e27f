"""Loading generated source: checked, run once, registered for ``inspect`` and tracebacks.

:func:`_load` is the one place in symtaylor that executes code (``# generated-source-exec``):
the module text the generator wrote itself. Before it runs, :func:`_check_source` reads the
module's symbol tables and refuses any name the :class:`~symtaylor.codegen.names._Namer` did
not issue. The source is registered in :mod:`linecache` (so ``inspect.getsource`` shows it) and
dropped from there when the functions are garbage-collected (``weakref.finalize``, as SymPy's
``lambdify`` does).
"""

from __future__ import annotations

import itertools
import linecache
import os
import symtable
import sys
import types
import weakref
from typing import Any

from ..errors import CodegenError
from .names import _Namer
from .tables import _HELPERS
from .text import _cut


def _identifiers(source: str | types.CodeType, label: str = "") -> tuple[set[str], set[str]]:
    """The names a module binds or reads (variables, arguments, functions, imports; not
    attribute names), from its symbol tables; and the names its code objects use that start
    with ``_`` (globals and attributes: ``_real``, but also ``__class__`` or ``__import__``).

    ``source`` is the text, or its compiled code (then only the second set is computed).
    """
    names: set[str] = set()
    if isinstance(source, str):
        tables = [symtable.symtable(source, label or "<generated>", "exec")]
        while tables:
            t = tables.pop()
            names.update(t.get_identifiers())
            tables.extend(t.get_children())
        return names, set()
    private: set[str] = set()
    codes = [source]
    while codes:
        c = codes.pop()
        private.update(n for n in c.co_names if n.startswith("_"))
        codes.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return names, private


# Names the generator writes besides the namer's: the helpers' own, and the builtins it uses.
_HELPER_NAMES = frozenset(n for h in _HELPERS.values() for n in _identifiers(h)[0])
_CODE_BUILTINS = frozenset({"float", "type", "abs", "bool", "ValueError", "ArithmeticError"})


def _check_source(source: str, code: types.CodeType, namer: _Namer, label: str) -> None:
    """Defence in depth: refuse generated code that reads or binds a name the namer did not
    issue (a builtin such as ``exec``, a module it imports, a user's name as written), or
    reaches a private name or attribute that is not the generator's own (``__class__``).

    Costs about one more parse of the source (the symbol tables), not an AST walk (3x more)."""
    allowed = namer.taken | _HELPER_NAMES | _CODE_BUILTINS
    bad = (_identifiers(source, label)[0] | _identifiers(code)[1]) - allowed
    if bad:
        shown = ", ".join(sorted(repr(_cut(b, 30)) for b in bad)[:8])
        raise CodegenError(f"internal error: the code generated for {label} uses names it did not "
                           f"issue ({shown}); it was not run")


_COUNTER = itertools.count()


def _load(source: str, label: str, namer: _Namer, filename: str | None = None
          ) -> dict[str, Any]:
    """Run generated source (after :func:`_check_source`) and return its namespace.

    ``filename``: the file of the disk cache holding the same source (Numba's ``cache=True``
    needs one); by default a ``<symtaylor-codegen-...>`` pseudo-file."""
    filename = filename or f"<symtaylor-codegen-{label}-{next(_COUNTER)}>"
    try:
        code = compile(source, filename, "exec")  # generated-source-exec
    except (SyntaxError, RecursionError, MemoryError) as exc:  # pragma: no cover - a bug
        raise CodegenError(f"generated code for {label} does not compile: {exc}") from None
    _check_source(source, code, namer, label)
    namespace: dict[str, Any] = {"__name__": f"symtaylor_generated_{label}"}
    if filename is not None and "\nimport numba\n" in source:
        # Numba's cache=True records the module of a kernel and imports it again when it loads
        # the cached machine code: a module named after the cache file, in sys.modules
        module = types.ModuleType(f"symtaylor_cached_{os.path.basename(filename)[:-3]}")
        sys.modules[module.__name__] = module
        namespace = module.__dict__
        namespace["__file__"] = filename
    # every identifier in the source was issued by the namer and every comment, docstring and
    # literal was written or escaped by the generator: no user text reaches exec
    exec(code, namespace)  # generated-source-exec
    # registered so that inspect.getsource and tracebacks show the generated code; dropped when
    # the functions are (they share one globals dict, so any one of them outlives the others)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    weakref.finalize(namespace[label], linecache.cache.pop, filename, None)
    return namespace
