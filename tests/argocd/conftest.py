"""Fixtures: the example rendered once per session; each test gets a private copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import SHARED, copy_tree, example, write


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (SHARED / "charts").is_dir():
        pytest.fail(f"{SHARED / 'charts'} is missing: the tests use ../shared/charts in place")
    return write(example(), tmp_path_factory.mktemp("example"))


@pytest.fixture
def tree(rendered: Path, tmp_path: Path) -> Path:
    return copy_tree(rendered, tmp_path / "out")


@pytest.fixture(scope="session")
def render_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("renders")
