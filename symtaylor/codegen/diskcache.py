"""The on-disk cache of compiled modules: a second process skips derivation and code generation.

A compiled module is stored under a key that is the SHA-256 of everything its source depends
on: the ``srepr`` of the coerced expressions (symbols with their assumptions), the variables,
parameters and data symbols, the options and backend, the symtaylor version and a hash of the
code generator's own source files (a new generator never reads an old entry). Each entry is two
files in the cache directory: ``<key>.py`` (the generated source, so that ``inspect`` and
Numba's ``cache=True`` find it) and ``<key>.json`` (the function name, the identifiers the
sanitizer issued, small metadata such as the Hessian's sparsity pattern, and an HMAC-SHA256 of
all of it and the source under a per-user random key).

Safety:

* the directory is ``$SYMTAYLOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/symtaylor``, else
  ``~/.cache/symtaylor``; created ``0700``; the cache is not used when the directory or its key
  file (``0600``) belongs to another user or is writable (readable, for the key) by others;
* an entry whose HMAC does not match (corrupt, partial, planted by someone without the key) is
  ignored and rewritten; the source then still runs only through
  :func:`~symtaylor.codegen.load._load`, which checks its identifiers against the ones stored;
* files are written to a temporary name and moved into place (``os.replace``): a reader sees a
  whole entry or none; deleting the directory at any time is safe;
* nothing read from the cache is ``eval``'d, unpickled or parsed as SymPy: the metadata is JSON
  of strings and integers.

Switched off by ``SYMTAYLOR_CACHE=0`` in the environment or ``cache=False`` in a call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy as sp

from .._version import __version__
from .load import _load
from .names import _Namer

__all__ = ["cache_dir", "clear", "enabled"]

_FORMAT = "symtaylor-codegen-cache-1"
_CODEGEN_HASH: list[str] = []


def cache_dir() -> Path:
    """Where the cache lives (not created here)."""
    env = os.environ.get("SYMTAYLOR_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "symtaylor"


def enabled(cache: bool | None = None) -> bool:
    """Whether a call uses the cache: ``cache`` when given, else not ``SYMTAYLOR_CACHE=0``."""
    if cache is not None:
        from ..coerce import as_flag  # a clear InputError for anything but a flag

        return as_flag(cache, "cache")
    return os.environ.get("SYMTAYLOR_CACHE", "1").strip().lower() not in ("0", "false", "no",
                                                                           "off", "")


def _codegen_hash() -> str:
    if not _CODEGEN_HASH:
        h = hashlib.sha256()
        for p in sorted(Path(__file__).resolve().parent.glob("*.py")):
            h.update(p.name.encode())
            h.update(p.read_bytes())
        _CODEGEN_HASH.append(h.hexdigest())
    return _CODEGEN_HASH[0]


def _text(obj: Any) -> str:
    """A deterministic text of a key part (``srepr`` for SymPy objects)."""
    if isinstance(obj, sp.Basic | sp.MatrixBase):
        return sp.srepr(obj)
    if isinstance(obj, (list, tuple)):
        inner = ",".join(_text(o) for o in obj)
        return f"{type(obj).__name__}({inner})"
    if isinstance(obj, dict):
        return "dict(" + ",".join(f"{_text(k)}:{_text(v)}" for k, v in obj.items()) + ")"
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return repr(obj)
    raise TypeError(f"no cache key for a {type(obj).__name__}")


def key(*parts: Any) -> str | None:
    """The cache key of a compilation (None when a part has no deterministic text)."""
    try:
        text = _text((_FORMAT, __version__, _codegen_hash(), *parts))
    except (TypeError, RecursionError):
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _private(path: Path, mode_mask: int) -> bool:
    """Whether ``path`` is ours and none of the ``mode_mask`` bits are set."""
    try:
        st = path.lstat()
    except OSError:
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not (st.st_mode & mode_mask) and not stat.S_ISLNK(st.st_mode)


def _directory() -> Path | None:
    d = cache_dir()
    try:
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return d if d.is_dir() and _private(d, 0o022) else None


def _secret(d: Path) -> bytes | None:
    """The per-user HMAC key (32 random bytes, ``0600``), made on first use."""
    p = d / "key"
    if not p.exists():
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(32))
        except FileExistsError:
            pass
        except OSError:
            return None
    if not _private(p, 0o077):
        return None
    try:
        data = p.read_bytes()
    except OSError:
        return None
    return data if len(data) == 32 else None


def _mac(secret: bytes, k: str, source: str, record: dict) -> str:
    body = json.dumps({**record, "key": k}, sort_keys=True).encode() + b"\0" + source.encode(
        "utf-8", "surrogatepass")
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def store(k: str, source: str, label: str, names: set[str], meta: dict) -> str | None:
    """Write an entry; returns the path of its source file (None when the cache is unusable)."""
    d = _directory()
    secret = _secret(d) if d is not None else None
    if secret is None or d is None:
        return None
    record = {"label": label, "names": sorted(names), "meta": meta}
    try:
        py = d / f"{k}.py"
        _write(py, source.encode("utf-8", "surrogatepass"))
        record["mac"] = _mac(secret, k, source, record)
        _write(d / f"{k}.json", json.dumps(record).encode())
    except OSError:
        return None
    return str(py)


@dataclass(frozen=True)
class Hit:
    source: str
    namespace: dict
    meta: dict


def load(k: str | None) -> Hit | None:
    """The loaded entry ``k``, or None (missing, unreadable, or failing its HMAC)."""
    if k is None:
        return None
    d = _directory()
    secret = _secret(d) if d is not None else None
    if secret is None or d is None:
        return None
    py = d / f"{k}.py"
    try:
        record = json.loads((d / f"{k}.json").read_text("utf-8"))
        source = py.read_text("utf-8")
        mac = record.pop("mac")
        ok = isinstance(mac, str) and hmac.compare_digest(mac, _mac(secret, k, source, record))
        label, names, meta = record["label"], record["names"], record["meta"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not ok or not isinstance(label, str) or not all(isinstance(n, str) for n in names):
        return None
    namer = _Namer()
    namer.taken = set(names)
    return Hit(source, _load(source, label, namer, filename=str(py)), meta)


def clear() -> int:
    """Delete every entry (not the key); returns how many files were removed."""
    d = cache_dir()
    n = 0
    if d.is_dir():
        for p in d.glob("*.py"):
            for q in (p, p.with_suffix(".json")):
                try:
                    q.unlink()
                    n += 1
                except OSError:
                    pass
    return n
