"""`mgctl dr restore-plan`: the recovery Cluster validates against the pinned CNPG CRD and points
at the catalog the platform writes; steps come in order with a check each."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from mgctl.cli.dr import dr_app
from mgctl.config import Platform, load_platform
from mgctl.dr.restore_plan import (
    build_plan,
    format_plan,
    newest_velero_backups,
    parse_recovery_target,
    parse_target,
)
from mgctl.manifests import parse_manifests
from mgctl.validate.schemas import SchemaRegistry

from .conftest import EXAMPLE, write_platform
from .test_database_charts import OFFSITE

PLAN_ARGS = ["restore-plan", "postgres-engine", "--to", "2026-11-26T11:45:30Z"]
PLAN_ARGS += ["-c", str(EXAMPLE)]
TARGET = datetime(2026, 11, 26, 11, 45, 30, tzinfo=UTC)


def _valid(doc: dict[str, Any], registry: SchemaRegistry) -> None:
    (manifest,), findings = parse_manifests(yaml.safe_dump(doc), "plan")
    assert findings == []
    assert registry.validate(manifest) == []


def test_recovery_cluster_validates_and_reads_the_rendered_catalog(
    example: Platform, registry: SchemaRegistry
) -> None:
    plan = build_plan(example, "postgres-engine", TARGET)
    cluster = plan.cluster
    _valid(cluster, registry)
    spec = cluster["spec"]
    assert cluster["metadata"]["name"] == "postgres-engine"
    # committed as cluster.yaml afterwards: protected like the rendered Cluster
    assert cluster["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-options": "Prune=false,Delete=false"
    }
    recovery = spec["bootstrap"]["recovery"]
    assert recovery["recoveryTarget"] == {"targetTime": "2026-11-26T11:45:30.000000+00:00"}
    assert recovery["source"] == "origin"
    assert recovery["database"] == "engine" and recovery["owner"] == "engine"
    (origin,) = spec["externalClusters"]
    assert origin["plugin"]["parameters"] == {
        "barmanObjectName": "postgres-engine-store",
        "serverName": "postgres-engine",
    }
    (archiver,) = spec["plugins"]
    assert archiver["isWALArchiver"] is True
    assert archiver["parameters"]["serverName"] == "postgres-engine-r202611261145"


def test_steps_are_ordered_and_each_has_a_check(example: Platform) -> None:
    plan = build_plan(example, "postgres-engine", TARGET)
    titles = [s.title for s in plan.steps]
    assert titles[0] == "Confirm the catalog covers the target"
    order = ["Freeze GitOps", "Stop the writers", "Remove the damaged", "Create the recovered",
             "Verify the data", "Take a base backup", "Restore the services' volumes",
             "Make git match"]  # fmt: skip
    positions = [next(i for i, t in enumerate(titles) if t.startswith(o)) for o in order]
    assert positions == sorted(positions)
    assert all(s.check and s.commands for s in plan.steps)
    stop = next(s for s in plan.steps if s.title == "Stop the writers")
    assert stop.commands == ["kubectl -n engine scale deployment/engine --replicas=0"]


def test_velero_backup_is_picked_by_time(
    example: Platform, velero_backups: Any, registry: SchemaRegistry
) -> None:
    chosen = newest_velero_backups(example, velero_backups, TARGET, ["engine"])
    assert chosen == {
        "daily-full": "velero-daily-full-20261125030000",
        "hourly-apps": "velero-hourly-apps-20261126110000",
    }
    plan = build_plan(example, "postgres-engine", TARGET, velero_backups=velero_backups)
    velero = next(s for s in plan.steps if s.title.startswith("Restore the services"))
    assert "--from-backup velero-daily-full-20261125030000" in velero.commands[0]
    assert "--include-namespaces engine" in velero.commands[0]
    assert velero.commands[0].startswith("velero restore create postgres-engine-202611261145 ")
    assert velero.check.startswith("velero restore describe postgres-engine-202611261145")
    backup_step = next(s for s in plan.steps if s.title.startswith("Take a base backup"))
    backup = yaml.safe_load(backup_step.commands[0].split("\n", 1)[1].rsplit("EOF", 1)[0])
    _valid(backup, registry)


def test_offsite_recovery_reads_the_offsite_store(tmp_path: Path, registry: SchemaRegistry) -> None:
    platform = load_platform(
        write_platform(tmp_path, {"objectStore": {"type": "seaweedfs", "offsite": OFFSITE}})
    )
    plan = build_plan(platform, "postgres-broker", TARGET, offsite=True)
    _valid(plan.cluster, registry)
    origin = plan.cluster["spec"]["externalClusters"][0]["plugin"]["parameters"]
    assert origin["barmanObjectName"] == "postgres-broker-offsite"


def test_offsite_without_config_is_refused(example: Platform) -> None:
    with pytest.raises(ValueError, match=r"objectStore\.offsite is not configured"):
        build_plan(example, "postgres-engine", TARGET, offsite=True)


def test_target_parsing() -> None:
    assert parse_target("2026-11-26T11:45:30Z") == TARGET
    assert parse_target("2026-11-26 11:45:30") == TARGET
    with pytest.raises(ValueError, match="not a timestamp"):
        parse_target("yesterday")


def test_cli_prints_plan_and_manifest() -> None:
    runner = CliRunner()
    result = runner.invoke(dr_app, PLAN_ARGS)
    assert result.exit_code == 0, result.output
    assert "kubectl apply --server-side -f postgres-engine-recovery.yaml" in result.stdout
    assert "targetTime: '2026-11-26T11:45:30.000000+00:00'" in result.stdout
    result = runner.invoke(dr_app, [*PLAN_ARGS, "--output", "json"])
    assert json.loads(result.stdout)["cluster"]["kind"] == "Cluster"
    bad = runner.invoke(dr_app, ["restore-plan", "nope", "--to", "2026-11-26", "-c", str(EXAMPLE)])
    assert bad.exit_code == 2 and "not in platform.yaml" in bad.output


EXTERNAL = {
    "type": "external",
    "endpoint": "https://s3.eu-central-1.wasabisys.com",
    "region": "eu-central-1",
    "buckets": {"velero": "mg-velero", "databases": "mg-db", "loki": "mg-loki"},
}


def _status_step(plan: Any) -> Any:
    return next(s for s in plan.steps if s.title == "Confirm the catalog covers the target")


def test_external_store_is_read_at_its_own_endpoint(tmp_path: Path) -> None:
    platform = load_platform(write_platform(tmp_path, {"objectStore": EXTERNAL}))
    plan = build_plan(platform, "postgres-engine", TARGET)
    step = _status_step(plan)
    text = "\n".join([*step.commands, step.check])
    assert "port-forward" not in text and "127.0.0.1" not in text
    assert "--endpoint https://s3.eu-central-1.wasabisys.com" in step.commands[-1]
    assert "s3://mg-db/postgres-engine/postgres-engine/" in step.check
    assert plan.catalog_endpoint == "https://s3.eu-central-1.wasabisys.com"
    assert "catalog read at https://s3.eu-central-1.wasabisys.com" in format_plan(plan)


def test_in_cluster_store_is_read_through_a_port_forward(example: Platform) -> None:
    step = _status_step(build_plan(example, "postgres-engine", TARGET))
    assert step.commands[0] == "kubectl -n seaweedfs port-forward svc/seaweedfs-s3 8333:8333 &"
    assert "--endpoint http://127.0.0.1:8333" in step.commands[1]
    assert "AWS_ACCESS_KEY_ID=<S3_ACCESS_KEY_ID>" in step.commands[1]


def test_offsite_status_reads_the_offsite_target(tmp_path: Path) -> None:
    platform = load_platform(
        write_platform(tmp_path, {"objectStore": {"type": "seaweedfs", "offsite": OFFSITE}})
    )
    step = _status_step(build_plan(platform, "postgres-broker", TARGET, offsite=True))
    assert len(step.commands) == 1  # no port-forward: the copy is external
    assert "--endpoint https://s3.eu-central-2.wasabisys.com --offsite" in step.commands[0]
    assert "<OFFSITE_S3_ACCESS_KEY_ID>" in step.commands[0]
    assert "s3://mg-offsite-db/postgres-broker/postgres-broker/" in step.check


def test_latest_replays_every_archived_wal(example: Platform, registry: SchemaRegistry) -> None:
    assert parse_recovery_target("latest") is None
    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    plan = build_plan(example, "postgres-engine", None, now=now)
    _valid(plan.cluster, registry)
    recovery = plan.cluster["spec"]["bootstrap"]["recovery"]
    assert "recoveryTarget" not in recovery  # a target past the last commit fails recovery
    assert plan.target == "latest"
    assert plan.new_server_name == "postgres-engine-r202612010930"


def test_rename_restores_the_new_name_from_the_old_catalog(
    example: Platform, registry: SchemaRegistry
) -> None:
    plan = build_plan(example, "postgres-engine", None, source_database="engine-db")
    _valid(plan.cluster, registry)
    assert plan.cluster["metadata"]["name"] == "postgres-engine"
    origin = plan.cluster["spec"]["externalClusters"][0]["plugin"]["parameters"]
    assert origin == {"barmanObjectName": "engine-db-store", "serverName": "engine-db"}
    titles = [s.title for s in plan.steps]
    store = next(s for s in plan.steps if s.title.startswith("Make sure the ObjectStore"))
    assert store.manifest is not None
    source_store = yaml.safe_load(store.manifest)
    _valid(source_store, registry)
    configuration = source_store["spec"]["configuration"]
    assert source_store["metadata"]["name"] == "engine-db-store"
    assert configuration["destinationPath"] == "s3://db-backups/engine-db"
    assert configuration["s3Credentials"]["accessKeyId"]["name"] == "postgres-engine-s3"
    assert "--catalog engine-db" in _status_step(plan).commands[-1]
    removal = next(s for s in plan.steps if s.title.startswith("Archive engine-db's last WAL"))
    assert "exec engine-db-1" in removal.commands[0]
    assert removal.commands[1] == "kubectl -n databases delete cluster postgres-engine --wait=true"
    assert titles[-1].startswith("Retire the old cluster engine-db")
    assert "-l app.kubernetes.io/name=engine-db" in plan.steps[-1].commands[0]


def test_cli_rename_and_latest() -> None:
    result = CliRunner().invoke(
        dr_app,
        ["restore-plan", "postgres-engine", "--to", "latest", "--from-database", "engine-db",
         "-c", str(EXAMPLE), "--output", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sourceDatabase"] == "engine-db" and data["target"] == "latest"
