"""Fixtures: the example rendered (both repositories) on disk, and its manifests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mgctl.config.platform import Platform
from mgctl.render.deploy_repo import render_deploy
from mgctl.render.filemap import FileMap
from mgctl.render.infra.repository import render_infrastructure
from mgctl.validate.schemas import SchemaRegistry

from .helpers import SHARED, example_platform, write_tree


@pytest.fixture(scope="session")
def platform() -> Platform:
    return example_platform()


@pytest.fixture(scope="session")
def files(platform: Platform) -> FileMap:
    return render_infrastructure(platform)


def deploy_repository(platform: Platform) -> FileMap:
    """mg-deploy as `mgctl render` writes it (services, and databases/ once that generator
    exists) - the directories the ApplicationSets generate from."""
    files = render_deploy(platform)
    try:
        from mgctl.render.database_charts import render_databases
    except ImportError:
        return files
    return {**files, **render_databases(platform)}


@pytest.fixture(scope="session")
def rendered_tree(
    files: FileMap, platform: Platform, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("rendered")
    write_tree({**deploy_repository(platform), **files}, out)
    return out


@pytest.fixture
def tree(rendered_tree: Path, tmp_path: Path) -> Path:
    """A private copy each test may change."""
    copy = tmp_path / "out"
    shutil.copytree(rendered_tree, copy)
    return copy


@pytest.fixture(scope="session")
def registry() -> SchemaRegistry:
    crds = SHARED / "crds"
    if not crds.is_dir():
        pytest.fail(f"{crds} is missing: the tests read the pinned CRDs from ../shared/crds")
    return SchemaRegistry("1.35", [crds])
