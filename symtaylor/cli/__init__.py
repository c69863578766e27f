"""The ``symtaylor`` command line: one subcommand per capability.

Each module ``symtaylor/cli/<name>.py`` (not starting with ``_``) is a subcommand. It defines

* ``NAME`` (the subcommand, e.g. ``"taylor"``) and ``HELP`` (one line);
* ``add_arguments(parser)`` to declare its options;
* ``run(args) -> Output``: the human-readable text and a JSON-able payload.

The driver adds ``--json`` to every subcommand. Exit status: the subcommand's (0, or 1 when an
answer is wrong or a run did not converge), 2 on bad input (any
:class:`~symtaylor.errors.SymTaylorError`, or a malformed command line), 1 on other failures,
141 when the reader of the output went away (``symtaylor ... | head``: no traceback).

Errors are one line on stderr, ``symtaylor: error: <message>``; with ``--json`` they are a JSON
object ``{"error": <message>, "type": <exception class>}`` on **stdout**, where the caller
reads the result, and the status is still 2. Messages echo at most a short, clipped part of the
input.

Values may start with ``-``: ``--at -1,2``, ``--x0 -1.2,1``, ``--answer '-x*ln(x)'`` and a
leading ``-x^2`` expression are read as values, not as options.

Examples
--------
>>> main(["parse", "x/(lambda + 1)"])
x/(lambda + 1)
LaTeX: \\frac{x}{\\lambda + 1}
symbols: lambda, x
0
>>> main(["step", "newton", "x**4 - 2*x**2", "--at", "-2"])  # doctest: +ELLIPSIS
Newton step in (x):
  x -> 2*x**3/(3*x**2 - 1)
from (-2): (-16/11)
...
0
>>> main(["parse", "x +", "--json"])
{"error": "invalid syntax", "type": "ParseError"}
2
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import pkgutil
import re
import sys
import traceback
from collections.abc import Iterator, Sequence
from types import ModuleType

from .._version import __version__
from ..errors import SymTaylorError
from ..parsing import clip
from ._common import Output, to_jsonable

__all__ = ["Output", "build_parser", "main"]

#: Exit status when stdout is closed early (128 + SIGPIPE, what a shell reports for ``yes | head``).
EXIT_BROKEN_PIPE = 141
_MESSAGE_LIMIT = 600  # an error line, at most (messages already clip what they echo)
_LONG_OPTION = re.compile(r"--[A-Za-z][\w-]*(=|$)")


class _UsageError(Exception):
    """A malformed command line (argparse's ``error``), raised instead of exiting."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are raised, so :func:`main` reports them (as JSON with
    ``--json``) and returns 2 instead of exiting from inside a library call. Subparsers inherit
    the class."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(self, message)


def _command_modules() -> list[ModuleType]:
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"{__name__}.{info.name}"))
    return sorted(mods, key=lambda m: getattr(m, "ORDER", 50))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every discovered subcommand.

    Examples
    --------
    >>> p = build_parser()
    >>> p.parse_args(["parse", "x^2"]).expression
    'x^2'
    """
    parser = _Parser(
        prog="symtaylor",
        description="symtaylor: exact Taylor models, certified bounds, closed-form optimization "
        "steps, compiled NumPy solvers. Expressions are parsed safely (no eval); '^' is power.",
    )
    parser.add_argument("--version", action="version", version=f"symtaylor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true",
                        help="print machine-readable JSON (errors too: {\"error\", \"type\"})")
    for mod in _command_modules():
        p = sub.add_parser(
            mod.NAME,
            help=mod.HELP,
            description=getattr(mod, "DESCRIPTION", mod.HELP),
            parents=[common],
        )
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


# -- values that start with '-' ---------------------------------------------------------------


def _options(parser: argparse.ArgumentParser) -> tuple[frozenset[str], frozenset[str]]:
    """Every option string of the parser and its subparsers, and those that take one value."""
    every: set[str] = set()
    valued: set[str] = set()
    stack, seen = [parser], set()
    while stack:
        p = stack.pop()
        if id(p) in seen:
            continue
        seen.add(id(p))
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
            every.update(action.option_strings)
            if action.option_strings and action.nargs is None:
                valued.update(action.option_strings)
    return frozenset(every), frozenset(valued)


def _option_name(token: str, every: frozenset[str]) -> str | None:
    """The option ``token`` names: itself, or the long option it abbreviates uniquely."""
    if token in every:
        return token
    if token.startswith("--") and len(token) > 2:
        hits = [o for o in every if o.startswith(token)]
        if len(hits) == 1:
            return hits[0]
    return None


def _values_first(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """``argv`` with values that start with ``-`` protected from argparse, which would take
    them for options ("expected one argument"): the value of an option is attached to it
    (``--at -1,2`` -> ``--at=-1,2``), and a positional expression gets a leading space that
    the parser drops (``-x^2`` -> `` -x^2``). A token that is itself an option, or ``--``, is
    left alone."""
    every, valued = _options(parser)
    short_valued = {o for o in valued if not o.startswith("--")}
    out: list[str] = []
    i, seen_command = 0, False
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            out.extend(argv[i:])
            break
        name = _option_name(tok, every)
        if name in valued and i + 1 < len(argv):
            nxt = argv[i + 1]
            if nxt.startswith("-") and nxt != "--" and _option_name(nxt, every) is None:
                out.append(f"{tok}={nxt}")
            else:
                out += [tok, nxt]
            i += 2
            continue
        if seen_command and name is None and _is_value(tok, short_valued):
            out.append(" " + tok)  # a positional value such as -x^2, -1 or ---x
        else:
            out.append(tok)
            seen_command = seen_command or not tok.startswith("-")
        i += 1
    return out


def _is_value(tok: str, short_valued: set[str]) -> bool:
    """A token starting with '-' that no option could be: not ``-d2`` (a short option with its
    value), not ``--name`` (an unknown option stays an error)."""
    if len(tok) < 2 or not tok.startswith("-"):
        return False
    if tok.startswith("--"):
        return not _LONG_OPTION.match(tok)
    return tok[:2] not in short_valued


def _unpad(args: argparse.Namespace) -> None:
    for key, value in vars(args).items():
        if isinstance(value, str) and value.startswith(" -"):
            setattr(args, key, value[1:])
        elif isinstance(value, list):
            setattr(args, key, [v[1:] if isinstance(v, str) and v.startswith(" -") else v
                                for v in value])


# -- output ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _long_integers() -> Iterator[None]:
    """Let ``str`` print integers of any length while the command runs (Python refuses more
    than 4300 digits by default: ``symtaylor parse 10**5000`` ended in a traceback). The
    parser bounds exact numbers (100,000 digits), so printing stays fast. Restored after."""
    get = getattr(sys, "get_int_max_str_digits", None)
    if get is None:  # Python < 3.11 has no limit
        yield
        return
    old = get()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(old)


def _silence_stdout() -> None:
    """After EPIPE: point stdout at devnull so the interpreter's final flush cannot fail again
    (the recipe of Python's signal documentation, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # captured or replaced stdout
        pass


def _write(text: str, stream: object) -> None:
    print(text, file=stream)  # type: ignore[call-overload]
    stream.flush()  # type: ignore[attr-defined]


def _one_line(message: str) -> str:
    return clip(" ".join(str(message).split("\n")), _MESSAGE_LIMIT)


def _fail(message: str, kind: str, as_json: bool, status: int = 2,
          parser: argparse.ArgumentParser | None = None) -> int:
    message = _one_line(message)
    if as_json:
        _write(json.dumps({"error": message, "type": kind}), sys.stdout)
    else:
        if parser is not None:
            parser.print_usage(sys.stderr)
        prog = parser.prog if parser is not None else "symtaylor"
        _write(f"{prog}: error: {message}", sys.stderr)
    return status


def _wants_json(argv: Sequence[str], every: frozenset[str]) -> bool:
    for tok in argv:
        if tok == "--":
            return False
        if _option_name(tok, every) == "--json":
            return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Examples
    --------
    >>> main(["parse", "-x^2 + 1", "--json"])  # doctest: +NORMALIZE_WHITESPACE
    {
      "expression": "1 - x**2",
      "latex": "1 - x^{2}",
      "symbols": [
        "x"
      ]
    }
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with _long_integers():
            return _main(argv)
    except BrokenPipeError:  # the reader (head, less) closed the pipe: stop quietly
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _main(argv: list[str]) -> int:
    parser = build_parser()
    every, _ = _options(parser)
    as_json = _wants_json(argv, every)
    try:
        args = parser.parse_args(_values_first(argv, parser))
    except _UsageError as exc:
        return _fail(exc.message, "UsageError", as_json, parser=exc.parser)
    except SystemExit as exc:  # --help and --version print, then exit
        sys.stdout.flush()
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    _unpad(args)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        sys.stdout.flush()
        return 0
    try:
        out: Output = args._run(args)
        text = json.dumps(to_jsonable(out.data), indent=2) if args.json else out.text
    except SymTaylorError as exc:
        return _fail(str(exc), type(exc).__name__, as_json)
    except KeyboardInterrupt:  # pragma: no cover
        return _fail("interrupted", "KeyboardInterrupt", as_json, status=130)
    except Exception as exc:
        if not as_json:
            raise  # a bug: the traceback is what a report needs
        traceback.print_exc()
        return _fail(f"internal error: {type(exc).__name__}: {exc}", type(exc).__name__,
                     as_json, status=1)
    _write(text, sys.stdout)
    return out.status
