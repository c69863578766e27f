"""``symtaylor quiz``: ask an interview question from :func:`symtaylor.questions.bank`, read an
answer (or ``--answer``), grade it and show the derivation.

Exit status 0 when the answer is right, 1 when it is wrong (2 on malformed input); ``--list``
prints the questions.
"""

from __future__ import annotations

import argparse
import random
import sys

from ..errors import InputError
from ..questions import bank, get
from ._common import Output

NAME = "quiz"
HELP = "answer an interview question (Taylor, Newton, BFGS, step sizes, rates, finite differences)"
DESCRIPTION = (
    "Ask a question from the bank (or a fresh variant of one with --seed), read the answer "
    "from --answer or standard input, grade it (which slips were made, partial credit) and show "
    "how the answer is derived. Exit status: 0 right, 1 wrong, 2 malformed input."
)
ORDER = 65


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--id", default=None, help="the question's id (see --list); 'id~N' is a "
                                              "variant")
    p.add_argument("--topic", default=None, help="pick among the questions of this topic")
    p.add_argument("--seed", type=int, default=None,
                   help="a fresh variant of the question with this seed (or pick one at random "
                        "with this seed when no --id is given)")
    p.add_argument("--answer", default=None, help="the answer (else it is read from stdin)")
    p.add_argument("--list", action="store_true", help="list the questions and exit")
    p.add_argument("--no-derivation", action="store_true", help="do not show the derivation")


def run(args: argparse.Namespace) -> Output:
    if args.list:
        qs = bank(args.topic)
        lines = [f"{q.id:24} [{q.topic}] {q.prompt}" for q in qs]
        return Output("\n".join(lines), {"questions": [
            {"id": q.id, "kind": q.kind, "topic": q.topic, "prompt": q.prompt,
             "source": q.source} for q in qs]})
    if args.id is not None:
        q = get(args.id)
        if args.seed is not None:
            q = q.variant(args.seed)
    else:
        qs = bank(args.topic)
        if not qs:
            raise InputError(f"no questions on {args.topic!r}")
        q = random.Random(args.seed).choice(qs)
        if args.seed is not None:
            q = q.variant(args.seed)
    answer = args.answer
    json_out = getattr(args, "json", False)
    if answer is None:
        if not json_out:
            print(f"[{q.id}] {q.prompt}", flush=True)
        answer = sys.stdin.readline().strip()
        if not answer:
            raise InputError("no answer given (type it, or pass --answer)")
    v = q.check(answer)
    lines = [f"[{q.id}] {q.prompt}", ("RIGHT" if v.correct else "WRONG") + f" (score {v.score:g})",
             f"answer:   {_show(v.expected)}"]
    if not v.correct:
        lines.append(f"given:    {_show(v.given)}")
        lines += [f"  - {r}" for r in v.reasons]
    lines += [f"note: {n}" for n in v.notes]
    derivation = "" if args.no_derivation else q.derivation_text()
    if derivation:
        lines += ["", "derivation:", derivation]
    data = {"id": q.id, "kind": q.kind, "topic": q.topic, "prompt": q.prompt,
            "source": q.source, "correct": v.correct, "score": v.score,
            "expected": _show(v.expected), "given": _show(v.given),
            "mistakes": [{"where": m.where, "kind": m.kind, "message": m.message}
                         for m in v.mistakes],
            "notes": list(v.notes), "derivation": derivation}
    return Output("\n".join(lines), data, status=0 if v.correct else 1)


def _show(value: object) -> str:
    from ..verify.records import _show as show

    return show(value)
