"""`mgctl dr status` against the catalog the drill wrote (real SeaweedFS), and Velero's backups
from recorded JSON (validated against the pinned Velero CRD so the fixture's shape is real)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from mgctl.cli.dr import dr_app
from mgctl.config import Platform
from mgctl.dr.cron import max_interval_seconds
from mgctl.dr.status import velero_status
from mgctl.manifests import parse_manifests
from mgctl.validate.schemas import SchemaRegistry

from .conftest import EXAMPLE, Drilled, write_platform

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dr-drill")]


def _status(drilled: Drilled, config: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    creds = drilled.seaweedfs.credentials
    result = CliRunner().invoke(
        dr_app,
        ["status", "-c", str(config), "--endpoint", drilled.seaweedfs.endpoint, *extra],
        env={"AWS_ACCESS_KEY_ID": creds.access_key, "AWS_SECRET_ACCESS_KEY": creds.secret_key},
    )
    data = json.loads(result.stdout) if "--output" in extra else {}
    return result.exit_code, data, result.output


def test_fresh_catalog_meets_the_targets(drilled: Drilled, tmp_path: Path) -> None:
    config = write_platform(tmp_path, only_first_db=True)
    code, data, output = _status(drilled, config, "--output", "json")
    assert code == 0, output
    (db,) = data["databases"]
    assert db["ok"] is True and db["problems"] == []
    assert db["last_backup_id"] == drilled.report["backup_id"]
    assert db["last_backup_stored_bytes"] == drilled.report["backup_bytes"]
    assert db["wal_files"] > 0 and db["last_wal"].endswith(".gz")
    assert 0 <= db["last_wal_age_seconds"] < 3600
    assert db["catalog"] == "s3://db-backups/postgres-engine/postgres-engine/"
    assert data["velero"] is None


def test_stale_backup_and_wal_fail(drilled: Drilled, tmp_path: Path) -> None:
    """Two days later without new backups: both the base backup and the WAL archive are stale."""
    config = write_platform(tmp_path, only_first_db=True)
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    code, data, _ = _status(drilled, config, "--at", later, "--output", "json")
    assert code == 1
    problems = " ".join(data["databases"][0]["problems"])
    assert "newest base backup is" in problems and "allows 25.0h" in problems
    assert "over the RPO of 60m" in problems
    code, _, text = _status(drilled, config, "--at", later)
    assert code == 1 and "TARGETS MISSED" in text


def test_within_the_rpo_but_before_the_next_backup_passes(drilled: Drilled, tmp_path: Path) -> None:
    config = write_platform(tmp_path, only_first_db=True)
    soon = (datetime.now(UTC) + timedelta(minutes=50)).isoformat()
    code, _, output = _status(drilled, config, "--at", soon)
    assert code == 0, output
    assert "all targets met" in output


def test_database_without_backups_fails(drilled: Drilled, example: Platform) -> None:
    """The example's second database was never backed up into this store."""
    from .conftest import EXAMPLE

    code, data, _ = _status(drilled, EXAMPLE, "--output", "json")
    assert code == 1
    broker = next(d for d in data["databases"] if d["database"] == "postgres-broker")
    assert broker["problems"] == [
        "no completed base backup",
        "no archived WAL: continuous archiving is not working",
    ]
    engine = next(d for d in data["databases"] if d["database"] == "postgres-engine")
    assert engine["ok"] is True


def test_offsite_catalog_is_read_from_the_offsite_target(drilled: Drilled, tmp_path: Path) -> None:
    """Point objectStore.offsite at the drill's store: --offsite reads that bucket and endpoint."""
    offsite = {
        "endpoint": drilled.seaweedfs.endpoint,
        "bucket": "db-backups",
        "accessKeyKey": "OFFSITE_KEY",
        "secretKeyKey": "OFFSITE_SECRET",
    }
    config = write_platform(
        tmp_path, {"objectStore": {"type": "seaweedfs", "offsite": offsite}}, only_first_db=True
    )
    creds = drilled.seaweedfs.credentials
    result = CliRunner().invoke(
        dr_app,
        ["status", "-c", str(config), "--offsite", "--output", "json"],
        env={"AWS_ACCESS_KEY_ID": creds.access_key, "AWS_SECRET_ACCESS_KEY": creds.secret_key},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["endpoint"] == drilled.seaweedfs.endpoint
    assert data["databases"][0]["last_backup_id"] == drilled.report["backup_id"]
    missing = CliRunner().invoke(
        dr_app, ["status", "-c", str(write_platform(tmp_path)), "--offsite"]
    )
    assert missing.exit_code == 2 and "objectStore.offsite is not configured" in missing.output


def test_wrong_credentials_are_reported(drilled: Drilled, tmp_path: Path) -> None:
    config = write_platform(tmp_path, only_first_db=True)
    result = CliRunner().invoke(
        dr_app,
        ["status", "-c", str(config), "--endpoint", drilled.seaweedfs.endpoint],
        env={"AWS_ACCESS_KEY_ID": "WRONG", "AWS_SECRET_ACCESS_KEY": "wrong"},
    )
    assert result.exit_code == 1
    assert "cannot read the catalog" in result.output


def test_missing_credentials_are_a_usage_error(tmp_path: Path) -> None:
    config = write_platform(tmp_path)
    result = CliRunner().invoke(
        dr_app,
        ["status", "-c", str(config)],
        env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
    )
    assert result.exit_code == 2
    assert "AWS_ACCESS_KEY_ID" in result.output


def test_velero_fixture_matches_the_crd(velero_backups: Any, registry: SchemaRegistry) -> None:
    for item in velero_backups["items"]:
        (manifest,), findings = parse_manifests(json.dumps(item), "velero-backups.json")
        assert findings == []
        assert registry.validate(manifest) == []


def test_velero_last_completed_backup_per_schedule(velero_backups: Any, example: Platform) -> None:
    now = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    daily, hourly = velero_status(example, velero_backups, now)
    # the newest daily run PartiallyFailed: the last Completed one is 33 h old (> 24 h + 1 h)
    assert daily.schedule == "daily-full"
    assert daily.last_backup == "velero-daily-full-20261125030000"
    assert daily.problems and "allows 25.0h" in daily.problems[0]
    assert hourly.last_backup == "velero-hourly-apps-20261126120000"
    assert hourly.ok and hourly.age_seconds == 1771.0


def test_velero_schedule_without_backups(example: Platform) -> None:
    (daily, _) = velero_status(example, {"items": []}, datetime.now(UTC))
    assert daily.problems == ["no Completed backup from this schedule (seen: none)"]


@pytest.mark.parametrize(
    ("cron", "seconds"),
    [
        ("0 0 3 * * *", 86400),
        ("0 */15 * * * *", 900),
        ("0 3 * * *", 86400),
        ("0 * * * *", 3600),
        ("0 0 * * 0", 7 * 86400),
        ("0 0 1 * *", 31 * 86400),
        ("0 0 9 * * 1-5", 3 * 86400),
    ],
)
def test_cron_longest_gap(cron: str, seconds: int) -> None:
    assert max_interval_seconds(cron) == seconds


def test_cron_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="out of range"):
        max_interval_seconds("0 0 25 * * *")
    with pytest.raises(ValueError, match="5- or 6-field"):
        max_interval_seconds("daily")


def test_velero_through_kubectl_and_a_kubeconfig(
    drilled: Drilled, tmp_path: Path, velero_backups: Any
) -> None:
    """The real kubectl reads backups.velero.io from an API server (the cluster tests' fake one,
    serving the pinned Velero CRD and the recorded backups)."""
    from cluster.fakeapi import FakeApiServer, FakeCluster

    from .conftest import CRDS

    cluster = FakeCluster()
    cluster.add_file(CRDS / "velero" / "v1.18.1" / "velero.io_backups.yaml")
    cluster.add_yaml(json.dumps(velero_backups))
    config = write_platform(tmp_path, only_first_db=True)
    with FakeApiServer(cluster) as server:
        kubeconfig = server.kubeconfig(tmp_path / "kubeconfig")
        code, data, output = _status(
            drilled, config, "--kubeconfig", str(kubeconfig), "--at", "2026-11-26T12:30:00Z",
            "--output", "json",
        )  # fmt: skip
    assert code == 1, output
    daily, hourly = data["velero"]
    assert daily["last_backup"] == "velero-daily-full-20261125030000" and not daily["ok"]
    assert hourly["last_backup"] == "velero-hourly-apps-20261126120000" and hourly["ok"]
    assert data["databases"][0]["ok"]  # the S3 side is fine; only Velero misses its target


def test_unreachable_cluster_is_a_missed_target(drilled: Drilled, tmp_path: Path) -> None:
    config = write_platform(tmp_path, only_first_db=True)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\nclusters: [{name: x, cluster: {server: 'http://127.0.0.1:1'}}]\n"
        "users: [{name: x, user: {token: t}}]\n"
        "contexts: [{name: x, context: {cluster: x, user: x}}]\ncurrent-context: x\n"
    )
    code, data, _ = _status(drilled, config, "--kubeconfig", str(kubeconfig), "--output", "json")
    assert code == 1
    assert data["veleroError"].startswith("cannot list Velero backups")


def test_a_renamed_database_catalog_is_read_with_catalog(drilled: Drilled, tmp_path: Path) -> None:
    """After a rename platform.yaml no longer lists postgres-engine; its Cluster keeps running
    and archiving, and --catalog reads what `restore-plan --from-database` will restore."""
    data = yaml.safe_load(EXAMPLE.read_text())
    engine = data["databases"][0]
    data["databases"] = [{**engine, "name": "engine-main"}]
    for service in data["services"]:
        if service.get("database"):
            service["database"] = "engine-main"
    config = tmp_path / "renamed.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    code, report, output = _status(
        drilled, config, "--catalog", "postgres-engine", "--output", "json"
    )
    by_name = {db["database"]: db for db in report["databases"]}
    assert by_name["postgres-engine"]["ok"] is True, output
    assert by_name["postgres-engine"]["last_backup_id"] == drilled.report["backup_id"]
    assert by_name["engine-main"]["problems"]  # nothing archived under the new name yet
    assert code == 1
    bad, _, text = _status(drilled, config, "--catalog", "Not_A_Name")
    assert bad == 2 and "--catalog" in text
