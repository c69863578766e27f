"""The identifiers of generated source, from one sanitizer (:class:`_Namer`).

Generated source never contains a user's name as written. Every identifier comes from a
:class:`_Namer`: ASCII, a valid identifier, not a keyword, soft keyword or builtin, not a name
the generated code uses itself (:data:`_GENERATOR_NAMES`), unique. User *text* (comments,
docstrings) is escaped by :mod:`symtaylor.codegen.text`; :mod:`symtaylor.codegen.load` checks
the finished module against the namer's names before it runs (defence in depth).
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import re
import unicodedata
from collections.abc import Iterable, Iterator

from ..errors import CodegenError

_BUILTINS = frozenset(dir(builtins))

# Names the generated functions use themselves; a user's symbol never gets one of these.
_GENERATOR_NAMES = frozenset({"np", "math", "x", "v", "out", "out0", "out1", "out2", "shape", "nd",
                              "blk", "xt"})

_NAME_LIMIT = 32  # longer names are cut (then made unique): readable code, bounded size


def _translit(c: str) -> str:
    """An ASCII spelling of one non-ASCII character: a Greek (or other) letter by its Unicode
    name (``θ`` is ``theta``, ``Θ`` is ``Theta``), anything else ``_``."""
    if c.isalpha():
        words = unicodedata.name(c, "").split()
        if "LETTER" in words and words[-1].isascii() and words[-1].isalpha():
            word = words[-1].lower()
            return word if "SMALL" in words or "CAPITAL" not in words else word.capitalize()
    return "_"


def _ascii_base(name: str) -> str:
    """The readable ASCII core of a symbol name, before it is made unique.

    NFKC first, as Python does for identifiers (full-width ``ｘ`` and mathematical ``𝐱`` are
    ``x``, ``x₁`` is ``x1``), then letters transliterated and every other character ``_``.
    """
    text = unicodedata.normalize("NFKC", name)
    chars = [c if c.isascii() and (c.isalnum() or c == "_") else _translit(c) for c in text]
    base = re.sub(r"_+", "_", "".join(chars)).strip("_")[:_NAME_LIMIT].rstrip("_")
    if not base or base[0].isdigit():  # user names never start with "_": those are ours
        base = "s" + base
    return base


class _Namer:
    """The identifiers of one generated module.

    Every identifier in generated source is issued (or reserved) here, so that the set of names
    the code may contain is known: :meth:`symbol` maps a user's symbol name to a readable, safe
    identifier (``x1``, ``theta1`` and ``b1`` are kept as they are); :meth:`fresh` gives the
    generator a new name (CSE temporaries ``t0, t1, ...``) that no symbol has. An issued name is
    ASCII, ``str.isidentifier()``, not a keyword or soft keyword, not a builtin, not one of the
    generator's own names, and different from every other issued name (names are ASCII, so
    they are also unique after the NFKC normalisation Python applies to identifiers).

    Parameters
    ----------
    reserved : iterable of str
        Module-level names (the generated functions), in addition to the generator's own.

    Examples
    --------
    >>> n = _Namer(["f"])
    >>> [n.symbol(s) for s in ["theta1", "x", "ｘ", "float", "a\\n#", "f", "θ", "x, y"]]
    ['theta1', 'x_1', 'x_2', 'float_1', 'a', 'f_1', 'theta', 'x_y']
    >>> n.fresh("t0"), n.renamed["x_2"]
    ('t0', 'ｘ')
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.taken: set[str] = set(_GENERATOR_NAMES) | set(reserved)
        self.renamed: dict[str, str] = {}  # identifier -> the original name, when they differ

    def _free(self, cand: str) -> bool:
        return not (cand in self.taken or cand in _BUILTINS or keyword.iskeyword(cand)
                    or keyword.issoftkeyword(cand))

    def fresh(self, base: str) -> str:
        """``base`` if it is free, else ``base_1``, ``base_2``, ... (the first free one)."""
        cand, k = base, 0
        while not self._free(cand):
            k += 1
            cand = f"{base}_{k}"
        if not (cand.isascii() and cand.isidentifier()):  # pragma: no cover - callers' bases
            raise CodegenError(f"internal error: {cand!r} is not a safe identifier")
        self.taken.add(cand)
        return cand

    def symbol(self, name: str) -> str:
        """A new identifier for the symbol called ``name``."""
        ident = self.fresh(_ascii_base(name))
        if ident != name:
            self.renamed[ident] = name
        return ident

    def counter(self, prefix: str) -> Iterator[str]:
        """``prefix0, prefix1, ...``, skipping taken names (each claimed as it is drawn)."""
        for i in itertools.count():
            cand = f"{prefix}{i}"
            if self._free(cand):
                self.taken.add(cand)
                yield cand
