"""DR fixtures: the example platform, the pinned CRDs, and one real drill run through the CLI
(`mgctl dr drill postgres --keep`) whose SeaweedFS catalog the `dr status` tests reopen.
Real PostgreSQL, SeaweedFS and barman-cloud; no mocks."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from mgctl.cli.dr import dr_app
from mgctl.config import Platform, load_platform
from mgctl.dr.seaweedfs import SeaweedFS
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


@pytest.fixture(scope="session")
def drilled(example: Platform) -> Iterator[Drilled]:
    result = CliRunner().invoke(
        dr_app,
        ["drill", "postgres", "-c", str(EXAMPLE), *DRILL_ARGS, "--keep", "--output", "json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    workdir = Path(report["kept_workdir"])
    try:
        with SeaweedFS(workdir / "seaweedfs") as store:  # reopen the drill's object store
            yield Drilled(report, result.stderr, store, example)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
