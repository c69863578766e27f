"""The ``symtaylor`` command line: one subcommand per capability.

Each module ``symtaylor/cli/<name>.py`` (not starting with ``_``) is a subcommand. It defines

* ``NAME`` (the subcommand, e.g. ``"taylor"``) and ``HELP`` (one line);
* ``add_arguments(parser)`` to declare its options;
* ``run(args) -> Output``: the human-readable text and a JSON-able payload.

The driver adds ``--json`` to every subcommand, prints errors as one line on stderr and exits
with status 2 on bad input (any :class:`~symtaylor.errors.SymTaylorError`), 1 on other failures.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from .._version import __version__
from ..errors import SymTaylorError
from ._common import Output, to_jsonable

__all__ = ["Output", "build_parser", "main"]


def _command_modules() -> list[ModuleType]:
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"{__name__}.{info.name}"))
    return sorted(mods, key=lambda m: getattr(m, "ORDER", 50))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every discovered subcommand."""
    parser = argparse.ArgumentParser(
        prog="symtaylor",
        description="symtaylor: exact Taylor models, certified bounds, closed-form optimization "
        "steps, compiled NumPy solvers. Expressions are parsed safely (no eval); '^' is power.",
    )
    parser.add_argument("--version", action="version", version=f"symtaylor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 0
    try:
        out: Output = args._run(args)
    except SymTaylorError as exc:
        print(f"symtaylor: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("symtaylor: interrupted", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(to_jsonable(out.data), indent=2))
    else:
        print(out.text)
    return out.status
