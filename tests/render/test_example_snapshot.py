"""Snapshot of the rendered example: a change to any generated file shows up as a reviewable diff.

Update after an intended change:
  MGCTL_UPDATE_SNAPSHOTS=1 pytest tests/render/test_example_snapshot.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mgctl.config import load_platform
from mgctl.render.platform_render import render_all

ROOT = Path(__file__).parents[2]
SNAPSHOT = Path(__file__).parent / "snapshots" / "example"
# The library chart is shipped verbatim from src/mgctl/render/library_chart; not duplicated here.
SKIPPED_PREFIX = "mg-deploy/_library/"


def _rendered() -> dict[str, str]:
    files = render_all(load_platform(ROOT / "examples" / "mg" / "platform.yaml"))
    return {p: t for p, t in files.items() if not p.startswith(SKIPPED_PREFIX)}


def _on_disk() -> dict[str, str]:
    return {
        str(p.relative_to(SNAPSHOT)): p.read_text(encoding="utf-8")
        for p in sorted(SNAPSHOT.rglob("*"))
        if p.is_file()
    }


def test_rendered_example_matches_the_snapshot() -> None:
    rendered = _rendered()
    if os.environ.get("MGCTL_UPDATE_SNAPSHOTS") == "1":
        for old in SNAPSHOT.rglob("*"):
            if old.is_file() and str(old.relative_to(SNAPSHOT)) not in rendered:
                old.unlink()
        for path, text in rendered.items():
            target = SNAPSHOT / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        pytest.skip("snapshot updated")
    on_disk = _on_disk()
    assert sorted(rendered) == sorted(on_disk), "files added or removed"
    changed = [p for p in rendered if rendered[p] != on_disk[p]]
    assert not changed, f"changed since the snapshot: {changed}"
