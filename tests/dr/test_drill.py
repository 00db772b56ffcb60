"""The drill, for real: PostgreSQL archives to SeaweedFS with barman-cloud, is restored to a point
in time and compared row by row (conftest runs it once through the CLI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgctl.cli.dr import dr_app
from mgctl.config import Platform
from mgctl.dr.barman_cloud import BarmanError, copy_distributions, requirement_closure
from mgctl.dr.catalog import read_catalog
from mgctl.dr.drill import (
    DrillFailed,
    _compare,
    archived_end_lsn,
    choose_database,
    wal_segment_start,
)
from mgctl.dr.postgres_server import OsUser

from .conftest import DRILL_ROWS, Drilled, write_platform

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dr-drill")]
SEG = 16 * 2**20


def test_restore_has_exactly_the_rows_committed_before_the_target(drilled: Drilled) -> None:
    report = drilled.report
    assert report["rows_before_backup"] == DRILL_ROWS
    assert report["rows_during_load"] > 0
    assert report["rows_after_target"] > 0
    # rows after the target exist in the source but not in the restore (checked row by row)
    assert report["rows_verified"] == DRILL_ROWS + report["rows_during_load"]


def test_catalog_layout_and_values_come_from_platform_yaml(drilled: Drilled) -> None:
    report, platform = drilled.report, drilled.platform
    db = platform.databases[0]
    bucket = platform.object_store.buckets.databases
    assert report["destination_path"] == f"s3://{bucket}/{db.name}"
    assert report["server_name"] == db.name
    assert report["wal_compression"] == db.backup.compression
    assert report["retention"] == db.backup.retention
    assert report["cluster_endpoint"] == platform.object_store.s3_endpoint
    assert "the cluster uses http://seaweedfs-s3.seaweedfs.svc:8333" in " ".join(report["notes"])
    catalog = read_catalog(drilled.seaweedfs.store(), bucket, f"{db.name}/{db.name}/")
    assert [b.backup_id for b in catalog.backups if b.done] == [report["backup_id"]]
    assert catalog.backups[0].stored_bytes == report["backup_bytes"] > 0
    assert catalog.wal_count > 0
    assert catalog.last_wal is not None and catalog.last_wal.endswith(".gz")  # gzip from config


def test_rpo_and_rto_are_measured(drilled: Drilled) -> None:
    report = drilled.report
    samples = report["rpo_samples"]
    assert len(samples) >= 10
    assert any(s["last_archived_wal"] != "(none)" for s in samples)
    # archive_timeout 2s switches segments under load, so rows written during the load get
    # archived during it: some samples see an exposure shorter than the time since load start
    assert any(s["exposure_seconds"] < s["at_seconds"] - 0.5 for s in samples), samples
    assert 0 < report["rpo_max_seconds"] <= samples[-1]["at_seconds"] + 0.5
    assert report["rto_seconds"] >= report["restore_seconds"] + report["replay_seconds"] - 0.5
    # the bound covers a quiet database: a segment waits up to archive_timeout, then uploads
    assert report["rpo_bound_seconds"] >= 2 + report["archive_seconds"] - 0.01
    assert report["archive_seconds"] > 0
    assert report["rpo_bound_seconds"] >= report["rpo_max_seconds"]
    assert report["rpo_met"] is True and report["rto_met"] is True
    assert "drill: verifying every row" in drilled.stderr


def test_comparison_names_missing_extra_and_changed_rows() -> None:
    expected = ["1\tbase\taaa\tt1", "2\tbase\tbbb\tt2", "3\tload\tccc\tt3"]
    actual = ["1\tbase\taaa\tt1", "2\tbase\tXXX\tt2", "4\tafter-target\tddd\tt4"]
    with pytest.raises(DrillFailed) as failure:
        _compare(expected, actual)
    message = str(failure.value)
    assert "missing ids ['3'] (1)" in message
    assert "unexpected ids ['4'] (1)" in message
    assert "changed ids ['2'] (1)" in message
    _compare(expected, list(expected))


def test_wal_names_map_to_lsns() -> None:
    assert wal_segment_start("000000010000000000000003", 16 * 2**20) == 3 * 16 * 2**20
    assert wal_segment_start("000000010000000200000001", 16 * 2**20) == 2 * 2**32 + 16 * 2**20


@pytest.mark.parametrize(
    ("name", "previous", "expected"),
    [
        ("000000010000000000000007", 0, 8 * SEG),
        ("000000010000000000000007.00000028.backup", 0, 7 * SEG),
        ("000000010000000000000007.00000028.backup", 8 * SEG, 8 * SEG),
        ("00000002.history", 8 * SEG, 8 * SEG),
        ("", 0, 0),
    ],
)
def test_archived_end_handles_backup_and_history_files(
    name: str, previous: int, expected: int
) -> None:
    assert archived_end_lsn(name, SEG, previous) == expected


def test_unknown_database_is_refused(example: Platform, tmp_path: Path) -> None:
    with pytest.raises(DrillFailed, match="postgres-broker"):
        choose_database(example, "nope")
    assert choose_database(example, None).name == example.databases[0].name
    result = CliRunner().invoke(
        dr_app, ["drill", "postgres", "-c", str(write_platform(tmp_path)), "--database", "nope"]
    )
    assert result.exit_code == 1
    assert "database 'nope' is not in platform.yaml" in result.stderr


def test_make_drill_as_root_from_a_0700_clone(drilled: Drilled) -> None:
    """The session's drill ran from a venv under a 0700 directory (conftest.hidden_clone),
    with that directory as its working directory: PostgreSQL and barman-cloud, as the
    unprivileged drill user, never needed to read it."""
    if os.geteuid() != 0:
        pytest.skip("as an ordinary user PostgreSQL runs as that user: nothing to prove")
    notes = " ".join(drilled.report["notes"])
    assert "running as root: PostgreSQL and barman-cloud run as system user 'mgdrill'" in notes
    assert "clone-parent/venv/bin/python is not executable by 'mgdrill'" in notes
    assert "with a copy of barman 3.19.1, boto3 " in notes


def test_the_barman_closure_follows_its_extras() -> None:
    cloud = {d.metadata["Name"].lower() for d in requirement_closure("barman", {"cloud"})}
    assert {"barman", "boto3", "botocore", "s3transfer", "psycopg2", "python-dateutil"} <= cloud
    bare = {d.metadata["Name"].lower() for d in requirement_closure("barman", set())}
    assert "boto3" not in bare and "barman" in bare
    with pytest.raises(BarmanError, match="not installed beside mgctl"):
        requirement_closure("no-such-distribution-mgctl", set())


def test_the_copy_is_importable_by_anyone(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    copied = copy_distributions(requirement_closure("barman", {"cloud"}), site)
    assert any(c.startswith("barman ") for c in copied)
    for path in [site, *site.rglob("*")]:
        mode = path.stat().st_mode
        assert mode & 0o004, path  # readable by others
        if path.is_dir():
            assert mode & 0o001, path  # searchable by others
    python = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not python.exists():
        pytest.skip(f"{python} is not installed")
    found = subprocess.run(
        [str(python), "-S", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "import barman.clients.cloud_walarchive, boto3; print(boto3.__file__)", str(site)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert found.startswith(str(site))


def test_a_temp_dir_the_drill_user_cannot_reach_is_named(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root switches to the drill user")
    user, _ = OsUser.for_postgres()
    private = tmp_path / "private"
    (private / "inner").mkdir(parents=True)
    private.chmod(0o700)
    (private / "inner").chmod(0o755)
    assert not user.can_enter(private / "inner")
    assert user.can_enter(Path("/tmp"))
