from __future__ import annotations

from pathlib import Path

import pytest

from mgctl.cluster.rendered import RenderedInfra, load_rendered
from mgctl.config import Platform, load_platform
from mgctl.render.platform_render import render_to

from .harness import SHARED_CRDS, States

EXAMPLE = Path(__file__).parents[2] / "examples" / "mg" / "platform.yaml"


@pytest.fixture(scope="session")
def platform() -> Platform:
    return load_platform(EXAMPLE)


RECORDED = Path(__file__).parent / "rendered"


@pytest.fixture(scope="session")
def rendered_tree() -> Path:
    """The recorded render (see rendered/README.md); test_contract.py checks a fresh one."""
    return RECORDED


@pytest.fixture(scope="session")
def fresh_tree(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rendered")
    render_to(platform, out)
    return out


@pytest.fixture(scope="session")
def rendered(rendered_tree: Path) -> RenderedInfra:
    return load_rendered(rendered_tree, [SHARED_CRDS])


@pytest.fixture(scope="session")
def states(platform: Platform, rendered: RenderedInfra) -> States:
    return States(platform, rendered)
