"""The on-disk render cache: round trip, and trimming past its size limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mgctl.argocd import render_cache
from mgctl.argocd.render_cache import RenderCache


def test_round_trip_and_miss(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    assert cache.get("absent") is None
    cache.put("key", {"objects": [1, 2]})
    assert cache.get("key") == {"objects": [1, 2]}
    assert (cache.hits, cache.misses) == (1, 1)


def test_oldest_entries_go_past_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = RenderCache(tmp_path)
    cache.put("first", b"x" * 4000)
    first = cache._path("first")
    os.utime(first, (1, 1))  # the oldest
    size = first.stat().st_size
    monkeypatch.setattr(render_cache, "MAX_BYTES", size * 2 + size // 2)
    cache.put("second", b"y" * 4000)
    assert cache.get("first") is not None  # 2 entries fit
    cache.put("third", b"z" * 4000)  # 3 do not: the oldest goes
    assert cache.get("first") is None
    assert cache.get("second") is not None and cache.get("third") is not None


def test_a_new_instance_counts_what_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    RenderCache(tmp_path).put("old", b"x" * 4000)
    old = RenderCache(tmp_path)._path("old")
    os.utime(old, (1, 1))
    monkeypatch.setattr(render_cache, "MAX_BYTES", old.stat().st_size + 10)
    later = RenderCache(tmp_path)
    later.put("new", b"y" * 4000)
    assert later.get("old") is None and later.get("new") is not None
