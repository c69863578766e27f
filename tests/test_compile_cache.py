"""The on-disk cache of compiled modules (issue 15 s.3, symtaylor.codegen.diskcache).

A hit gives the same functions as a fresh compilation (truth: the fresh compile with the cache
off) without deriving; a corrupt, partial or planted entry is never run and is rewritten; the
switches turn it off; the directory and key are private. Every test points the cache at
tmp_path.
"""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest
import sympy as sp

import symtaylor.codegen.objective as objective_module
from symtaylor.codegen import compile_numpy, compile_objective, diskcache

F = "(1 - x)^2 + 100*(y - x^2)^2 + log(1 + exp(x*y))"
PTS = np.array([[0.3, -0.7], [1.2, 0.4], [-0.9, 0.25]])


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("SYMTAYLOR_CACHE_DIR", str(d))
    monkeypatch.delenv("SYMTAYLOR_CACHE", raising=False)
    return d


def _entries(d):
    return sorted(p.name for p in d.glob("*.py")) if d.exists() else []


def _no_derivation(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("derived again on a cache hit")

    monkeypatch.setattr(objective_module, "_derivatives", refuse)


BIG = " + ".join(f"100*(x{i + 1} - x{i}^2)^2 + log(1 + exp(x{i}*x{i + 1}))" for i in range(13))
BIG_VARS = ", ".join(f"x{i}" for i in range(14))


def test_hit_equals_fresh_and_skips_the_derivation(cache, monkeypatch):
    fresh = compile_objective(BIG, BIG_VARS, cache=False)
    assert _entries(cache) == []
    compile_objective(BIG, BIG_VARS)
    assert len(_entries(cache)) == 1
    pts = np.random.default_rng(0).uniform(-1, 1, (3, 14))
    with monkeypatch.context() as m:
        _no_derivation(m)
        hit = compile_objective(BIG, BIG_VARS)
        v = np.linspace(-1, 1, 14)
        for name in ("f", "grad", "hess"):
            np.testing.assert_array_equal(getattr(hit, name)(pts), getattr(fresh, name)(pts))
        np.testing.assert_array_equal(hit.hvp(pts, v), fresh.hvp(pts, v))
        assert hit.source == fresh.source and hit.hess_pattern == fresh.hess_pattern
        assert hit.grad.source == fresh.grad.source and hit.hess_nnz == fresh.hess_nnz
        assert (hit.grad.expression - fresh.grad.expression).is_zero_matrix
    # the Hessian's expressions, not stored, are derived when asked for
    np.testing.assert_array_equal(hit.hess_sparse(pts[0]).toarray(), fresh.hess(pts[0]))


def test_small_hit_shows_what_a_fresh_compile_shows(cache):
    fresh = compile_objective(F, "x, y", cache=False)
    compile_objective(F, "x, y")
    hit = compile_objective(F, "x, y")
    assert hit.hess.expression == fresh.hess.expression and hit.hess_upper == fresh.hess_upper
    np.testing.assert_array_equal(hit.hess(PTS), fresh.hess(PTS))


def test_compile_numpy_hit_and_distinct_keys(cache):
    a = compile_numpy(["x*y", "sin(x)"], "x, y")
    b = compile_numpy(["x*y", "sin(x)"], "x, y")
    assert len(_entries(cache)) == 1 and a.source == b.source
    np.testing.assert_array_equal(a(PTS), b(PTS))
    compile_numpy(["x*y", "cos(x)"], "x, y")
    compile_numpy(["x*y", "sin(x)"], [sp.Symbol("x", positive=True), sp.Symbol("y")])
    compile_numpy(["x*y", "sin(x)"], "x, y", name="g")
    assert len(_entries(cache)) == 4


@pytest.mark.parametrize("damage", ["truncate-json", "garbage-json", "edit-source",
                                    "drop-source"])
def test_damaged_entries_are_ignored_and_rewritten(cache, damage, marker):
    fresh = compile_objective(F, "x, y", cache=False)
    compile_objective(F, "x, y")
    (py,) = cache.glob("*.py")
    js = py.with_suffix(".json")
    if damage == "truncate-json":
        js.write_bytes(js.read_bytes()[:50])
    elif damage == "garbage-json":
        js.write_text("[1, 2")
    elif damage == "edit-source":  # a planted module: the HMAC does not match, it never runs
        py.write_text(f"open({str(marker)!r}, 'w').write('ran')\n" + py.read_text())
    else:
        py.unlink()
    again = compile_objective(F, "x, y")
    np.testing.assert_array_equal(again.hess(PTS), fresh.hess(PTS))
    assert not marker.exists()
    record = json.loads(js.read_text())
    assert py.read_text() == fresh.source and set(record) >= {"mac", "names", "label"}


def test_a_planted_entry_with_a_forged_mac_never_runs(cache, marker):
    compile_numpy("x + 1", "x")
    (py,) = cache.glob("*.py")
    js = py.with_suffix(".json")
    record = json.loads(js.read_text())
    py.write_text(f"open({str(marker)!r}, 'w').write('ran')\ndef f(x):\n    return x\n")
    record["mac"] = "0" * 64
    js.write_text(json.dumps(record))
    fn = compile_numpy("x + 1", "x")
    assert float(fn(np.array([1.0]))) == 2.0 and not marker.exists()


def test_switches_turn_it_off(cache, monkeypatch):
    compile_numpy("x**2", "x", cache=False)
    compile_objective("x**2", "x", cache=False)
    monkeypatch.setenv("SYMTAYLOR_CACHE", "0")
    compile_numpy("x**3", "x")
    assert not cache.exists() or _entries(cache) == []
    assert diskcache.enabled(True) and not diskcache.enabled()


def test_directory_and_key_are_private(cache):
    compile_numpy("x**2", "x")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache / "key").stat().st_mode) == 0o600


def test_a_shared_key_is_not_trusted(cache, marker):
    compile_numpy("x**2", "x")
    os.chmod(cache / "key", 0o644)  # readable by others: anyone could forge entries
    assert diskcache.load(diskcache.key("anything")) is None
    fn = compile_numpy("x**2", "x")  # still compiles, without the cache
    assert float(fn(np.array([3.0]))) == 9.0


def test_default_location_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("SYMTAYLOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert diskcache.cache_dir() == tmp_path / "symtaylor"


def test_clear_removes_entries(cache):
    compile_numpy("x**2", "x")
    compile_numpy("x**4", "x")
    assert diskcache.clear() == 4 and _entries(cache) == []
