"""A bank of interview-style questions over the seed texts' topics, each with a canonical
answer derived by the engine, a checker naming the typical slips, a generator of fresh
variants and the derivation to show.

===============  ==============================================================================
``kinds``        :class:`Kind` and :data:`KINDS`: how to ask, answer, check and vary each kind
``question``     :class:`Question` (``.prompt``, ``.answer``, ``.check``, ``.variant``)
``bank``         :func:`bank` (the questions, with the seeds' Q1-Q5) and :func:`get`
===============  ==============================================================================

Examples
--------
>>> from symtaylor.questions import bank, get
>>> q = get("seed-Q4")
>>> q.answer
1/10
>>> v = q.check("1/20")
>>> v.correct, v.kinds
(False, ('one-over-L',))
>>> q.variant(7).check(q.variant(7).answer).correct
True
"""

from .bank import bank, get
from .kinds import KINDS, Kind
from .question import Question

__all__ = ["KINDS", "Kind", "Question", "bank", "get"]
