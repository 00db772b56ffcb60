"""DR fixtures: the example platform, the pinned CRDs, and one real drill whose catalog stays in
a SeaweedFS for the `dr status` tests (real PostgreSQL, SeaweedFS and barman-cloud; no mocks)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from mgctl.config import Platform, load_platform
from mgctl.dr.drill import DrillOptions, DrillReport, run_drill
from mgctl.dr.seaweedfs import SeaweedFS
from mgctl.validate.schemas import SchemaRegistry

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "mg" / "platform.yaml"
CRDS = REPO_ROOT.parent / "shared" / "crds"

# Small but real: every phase of the drill runs, in about a minute on two cores.
SMALL = DrillOptions(
    rows=3_000, load_seconds=4, load_rows_per_second=1_000, after_target_rows=200,
    archive_timeout="2s",
)


@pytest.fixture(scope="session")
def example() -> Platform:
    return load_platform(EXAMPLE)


@pytest.fixture(scope="session")
def registry() -> SchemaRegistry:
    if not CRDS.is_dir():
        pytest.fail(f"{CRDS} is missing: the tests read the pinned CRDs from ../shared/crds")
    return SchemaRegistry("1.35", [CRDS])


def write_platform(tmp: Path, edit: dict[str, object] | None = None, only_first_db: bool = False) -> Path:
    """A copy of the example platform.yaml with top-level keys replaced."""
    data = yaml.safe_load(EXAMPLE.read_text())
    if only_first_db:
        data["databases"] = data["databases"][:1]
        for service in data.get("services", []):
            if service.get("database") and service["database"] != data["databases"][0]["name"]:
                service.pop("database")
    data.update(edit or {})
    path = tmp / "platform.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@dataclass
class DrilledStore:
    seaweedfs: SeaweedFS
    report: DrillReport
    platform: Platform


@pytest.fixture(scope="session")
def drilled(tmp_path_factory: pytest.TempPathFactory, example: Platform) -> Iterator[DrilledStore]:
    workdir = tmp_path_factory.mktemp("seaweedfs")
    workdir.chmod(0o755)
    with SeaweedFS(workdir) as store:
        report = run_drill(example, SMALL, lambda message: None, seaweedfs=store)
        yield DrilledStore(store, report, example)
