"""DR fixtures: the example platform, the pinned CRDs, and one real drill run through the CLI
(`mgctl dr drill postgres --keep`) whose SeaweedFS catalog the `dr status` tests reopen.
Real PostgreSQL, SeaweedFS and barman-cloud; no mocks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from mgctl.config import Platform, load_platform
from mgctl.dr.seaweedfs import SeaweedFS, find_weed
from mgctl.validate.schemas import SchemaRegistry

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "mg" / "platform.yaml"
CRDS = REPO_ROOT.parent / "shared" / "crds"
FIXTURES = Path(__file__).parent / "fixtures"

# Small but real: every phase of the drill runs, in one to two minutes on two busy cores.
DRILL_ROWS = 3_000
DRILL_ARGS = [
    "--rows", str(DRILL_ROWS), "--load-seconds", "10", "--load-rate", "500",
    "--archive-timeout", "2s",
]  # fmt: skip


@pytest.fixture(scope="session")
def example() -> Platform:
    return load_platform(EXAMPLE)


@pytest.fixture(scope="session")
def registry() -> SchemaRegistry:
    if not CRDS.is_dir():
        pytest.fail(f"{CRDS} is missing: the tests read the pinned CRDs from ../shared/crds")
    return SchemaRegistry("1.35", [CRDS])


@pytest.fixture(scope="session")
def velero_backups() -> Any:
    return json.loads((FIXTURES / "velero-backups.json").read_text())


def write_platform(
    tmp: Path, edit: dict[str, Any] | None = None, only_first_db: bool = False
) -> Path:
    """A copy of the example platform.yaml, optionally with top-level keys replaced."""
    data = yaml.safe_load(EXAMPLE.read_text())
    if only_first_db:
        keep = data["databases"][0]["name"]
        data["databases"] = data["databases"][:1]
        for service in data.get("services", []):
            if service.get("database") not in (None, keep):
                service.pop("database")
    data.update(edit or {})
    path = tmp / "platform.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@dataclass
class Drilled:
    report: dict[str, Any]
    stderr: str
    seaweedfs: SeaweedFS
    platform: Platform


def hidden_clone(tmp: Path) -> tuple[Path, Path]:
    """mgctl as `make drill` runs it from a clone under a 0700 directory (/root, `mktemp -d`):
    a venv inside a 0700 directory whose site-packages are this environment's (symlinked, so
    nothing is installed), with `weed` beside its python. Root reaches it; any other user,
    such as the drill's PostgreSQL user, cannot. Returns (its python, the 0700 directory)."""
    hidden = tmp / "clone-parent"
    hidden.mkdir(mode=0o700)
    hidden.chmod(0o700)
    venv = hidden / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    ours = Path(sysconfig.get_paths()["purelib"])
    theirs = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    theirs = theirs / "site-packages"
    for entry in ours.iterdir():
        (theirs / entry.name).symlink_to(entry)
    (venv / "bin" / "weed").symlink_to(find_weed())
    return venv / "bin" / "python", hidden


@pytest.fixture(scope="session")
def drilled(example: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drilled]:
    """The drill through the CLI in a process of its own, from a 0700 clone with that clone as
    its working directory: as root (the CI) that is the `make drill` case the unprivileged
    PostgreSQL user cannot read."""
    python, clone = hidden_clone(tmp_path_factory.mktemp("drill"))
    args = ["drill", "postgres", "-c", str(EXAMPLE), *DRILL_ARGS, "--keep", "--output", "json"]
    result = subprocess.run(
        [str(python), "-m", "mgctl.cli.main", "dr", *args],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    workdir = Path(report["kept_workdir"])
    try:
        with SeaweedFS(workdir / "seaweedfs") as store:  # reopen the drill's object store
            yield Drilled(report, result.stderr, store, example)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
