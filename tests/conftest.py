"""Test-suite configuration shared by every test file: hypothesis profiles and fixtures.

Hypothesis profiles (select one with ``python -m pytest --hypothesis-profile=NAME``):

* ``symtaylor`` (loaded by default): no deadline. Symbolic work varies by orders of magnitude
  from one example to the next (SymPy's caches, ``simplify``), so a per-example deadline only
  produces flaky failures; each test sets its own ``max_examples``.
* ``ci`` (loaded when the ``CI`` environment variable is set): the same, derandomized (every
  run tries the same examples, so a red CI run reproduces locally) and printing the
  reproduction blob of a failure.

Fixtures:

* ``marker``: a path in a fresh temporary folder that hostile input would create if it ever ran
  as code; the test fails if the file exists when the test ends.
* every test checks that it leaves mpmath's working precision as it found it (the design rule:
  raise precision with ``mp.workdps`` or ``try/finally``, never globally).

Random expressions and quadratic problems live in ``tests/strategies.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import mpmath
import pytest
from hypothesis import settings

settings.register_profile("symtaylor", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
# CI (the CI environment variable set, as .ci/run and most CI services do) runs derandomized:
# a red run reproduces locally and a green main stays green; a local run explores new examples
settings.load_profile("ci" if os.environ.get("CI") else "symtaylor")


@pytest.fixture
def marker(tmp_path: Path) -> Iterator[Path]:
    """A file that must never appear: payloads write it when they run as code."""
    path = tmp_path / "symtaylor_marker"
    yield path
    assert not path.exists(), f"input was executed as code: {path} was created"


@pytest.fixture(autouse=True)
def _mpmath_precision_restored() -> Iterator[None]:
    prec = mpmath.mp.prec
    yield
    leaked = mpmath.mp.prec
    mpmath.mp.prec = prec  # one leak must not change the tests that follow
    assert leaked == prec, f"mpmath precision left at {leaked} bits (was {prec})"
