"""Fixtures: the example rendered with its CI files, on disk as git repositories, and the
source repository's workflows; `lint` runs the real linters installed from the lint-tools extra."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mgctl.config import load_platform
from mgctl.config.platform import Platform
from mgctl.render.ci.source_build import source_workflows
from mgctl.render.filemap import FileMap
from mgctl.render.platform_render import render_all
from mgctl.render.writer import write_files

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "examples" / "mg" / "platform.yaml"
BIN = Path(sys.executable).parent


def tool_env() -> dict[str, str]:
    """PATH with the venv's bin first: actionlint runs the venv's shellcheck on `run:` scripts."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def lint(tool: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    binary = BIN / tool
    assert binary.is_file(), f"{binary} missing: install the lint-tools extra (make demo)"
    return subprocess.run(
        [str(binary), *args], cwd=cwd, env=tool_env(), capture_output=True, text=True, timeout=300
    )


def git_init(repo: Path) -> None:
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "render"],
    ):
        subprocess.run(argv, cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="session")
def platform() -> Platform:
    return load_platform(EXAMPLE)


@pytest.fixture(scope="session")
def rendered(platform: Platform) -> FileMap:
    return render_all(platform)


@pytest.fixture(scope="session")
def source_files(platform: Platform) -> FileMap:
    return source_workflows(platform)


@pytest.fixture(scope="session")
def repos(tmp_path_factory: pytest.TempPathFactory, rendered: FileMap) -> Path:
    """OUT/mg-deploy and OUT/mg-infrastructure as git repositories, platform.yaml in place."""
    out = tmp_path_factory.mktemp("render")
    write_files(out, rendered)
    (out / "mg-infrastructure" / ".mgctl" / "platform.yaml").write_text(
        EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8"
    )
    for repo in ("mg-deploy", "mg-infrastructure"):
        git_init(out / repo)
    return out


@pytest.fixture(scope="session")
def source_repo(tmp_path_factory: pytest.TempPathFactory, source_files: FileMap) -> Path:
    repo = tmp_path_factory.mktemp("mg-central")
    for rel, text in source_files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    git_init(repo)
    return repo
