"""Fixtures for the observability & data components: the example config and variations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mgctl.config.loader import load_platform
from mgctl.config.platform import Platform

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
CRDS = SHARED / "crds"
CHART_SCHEMAS = SHARED / "chart-schemas"
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = REPO / "examples" / "mg" / "platform.yaml"


def platform_from(tmp_path: Path, changes: dict[str, Any], base: Path = EXAMPLE) -> Platform:
    """The example config with top-level sections replaced by `changes`."""
    data = yaml.safe_load(base.read_text())
    data.update(changes)
    path = tmp_path / "platform.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_platform(path)


@pytest.fixture(scope="session")
def example() -> Platform:
    return load_platform(EXAMPLE)


@pytest.fixture(scope="session")
def seed() -> Platform:
    return load_platform(FIXTURES / "seed-capacity.yaml")
