"""Fixtures: the real pinned CRDs from ../shared/crds and one schema registry per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgctl.validate.schemas import SchemaRegistry

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
CRDS = SHARED / "crds"


@pytest.fixture(scope="session")
def crd_dir() -> Path:
    if not CRDS.is_dir():
        pytest.fail(f"{CRDS} is missing: the tests read the pinned CRDs from ../shared/crds")
    return CRDS


@pytest.fixture(scope="session")
def registry(crd_dir: Path) -> SchemaRegistry:
    return SchemaRegistry("1.35", [crd_dir])
