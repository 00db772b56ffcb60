"""doctor's decisions for healthy and failing objects of every kind, and the CLI over the real
kubectl against the fake API server."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from mgctl.cli import doctor as doctor_cli
from mgctl.cluster.doctor.model import Context, Objects, Row
from mgctl.cluster.doctor.run import FAMILIES, diagnose, run_doctor
from mgctl.cluster.doctor.velero import cron_period
from mgctl.cluster.kubectl import Kubectl
from mgctl.config import Platform
from mgctl.tools.binaries import find

from .conftest import EXAMPLE
from .fakeapi import FakeApiServer, FakeCluster
from .harness import SHARED_CRDS

FIXTURES = Path(__file__).parent / "states" / "doctor"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SPECIAL = {"Ingress": "ingresses.networking.k8s.io", "Node": "nodes", "Service": "services"}
CRD_FILES = [
    "argo-cd/v3.5.1/application-crd.yaml",
    "external-secrets/v2.9.0/external-secrets.io_clustersecretstores.yaml",
    "external-secrets/v2.9.0/external-secrets.io_externalsecrets.yaml",
    "cert-manager/v1.21.1",
    "cloudnative-pg/v1.30.0/postgresql.cnpg.io_clusters.yaml",
    "plugin-barman-cloud/v0.14.0/barmancloud.cnpg.io_objectstores.yaml",
    "strimzi/1.2.0",
    "velero/v1.18.1/velero.io_schedules.yaml",
    "velero/v1.18.1/velero.io_backups.yaml",
    "longhorn/v1.12.1",
    "metallb/v0.16.1/metallb.io_ipaddresspools.yaml",
    "tailscale/v1.102.3/tailscale.com_connectors.yaml",
    "tailscale/v1.102.3/tailscale.com_proxygroups.yaml",
]


def resource(doc: dict[str, Any]) -> str:
    if doc["kind"] in SPECIAL:
        return SPECIAL[doc["kind"]]
    group = doc["apiVersion"].rsplit("/", 1)[0]
    return f"{doc['kind'].lower()}s.{group}"


def objects_from(name: str) -> Objects:
    objects: Objects = {r: [] for f in FAMILIES for r in f.RESOURCES}
    for doc in yaml.safe_load_all((FIXTURES / name).read_text()):
        objects[resource(doc)].append(doc)
    return objects


def rows_by_area(rows: list[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for row in rows:
        out.setdefault(row.area, []).append(row)
    return out


def test_healthy_platform_all_ok(platform: Platform) -> None:
    rows = diagnose(objects_from("healthy.yaml"), Context(platform, NOW))
    assert [r for r in rows if r.status != "ok"] == []
    areas = {r.area for r in rows}
    assert areas == {
        "Nodes",
        "Argo CD",
        "External Secrets",
        "cert-manager",
        "PostgreSQL",
        "Kafka",
        "Velero",
        "Longhorn",
        "MetalLB",
        "Tailscale",
    }
    detail = {(r.area, r.name): r.detail for r in rows}
    assert detail[("cert-manager", "frontend/app-example-com")] == "Ready, expires in 76 days"
    assert detail[("PostgreSQL", "engine/postgres-engine backup")].startswith(
        "last base backup 8h55m ago"
    )
    assert detail[("Velero", "hourly-apps")].startswith("last success 57m ago")
    assert detail[("MetalLB", "pool metallb-system/default-pool")] == "1/11 addresses assigned"


def test_failing_platform_every_kind_fails_with_next_step(platform: Platform) -> None:
    rows = diagnose(objects_from("failing.yaml"), Context(platform, NOW))
    problems = [r for r in rows if r.status != "ok"]
    assert all(r.next_step for r in problems), [r for r in problems if not r.next_step]
    by = {(r.area, r.name): r for r in rows}
    expect = {
        ("Nodes", "node-1"): ("fail", "DiskPressure"),
        ("Argo CD", "root"): ("fail", "unable to authenticate"),
        ("External Secrets", "store doppler-production"): ("fail", "Invalid Service token"),
        ("External Secrets", "engine/engine"): ("fail", "ENGINE_API_KEY not found"),
        ("cert-manager", "frontend/app-example-com"): ("fail", "expires in 4 days"),
        ("PostgreSQL", "broker/postgres-broker"): ("fail", "Waiting for the instances"),
        ("PostgreSQL", "engine/postgres-engine backup"): ("fail", "4d ago"),
        ("PostgreSQL", "engine/postgres-engine WAL"): ("fail", "failing for 2h30m (RPO 1h)"),
        ("PostgreSQL", "broker/postgres-broker WAL"): ("fail", "not configured"),
        ("Kafka", "Kafka kafka/kafka"): ("fail", "TimeoutException"),
        ("Kafka", "KafkaTopic kafka/opportunities"): ("fail", "InvalidReplicationFactor"),
        ("Velero", "hourly-apps"): ("fail", "last success 4h58m ago"),
        ("Velero", "daily-full"): ("fail", "Schedule missing"),
        ("Longhorn", "pvc-0c1d2e3f (postgres-engine-1)"): ("fail", "faulted"),
        ("Longhorn", "pvc-9a8b7c6d (data-kafka-dual-role-0)"): ("warn", "degraded"),
        ("MetalLB", "pool metallb-system/default-pool"): ("fail", "(full)"),
        ("MetalLB", "service seaweedfs/seaweedfs-s3"): ("fail", "pending"),
        ("Tailscale", "operator"): ("fail", "MinimumReplicasUnavailable"),
        ("Tailscale", "Connector cluster-routes"): ("fail", "not permitted"),
    }
    for key, (status, needle) in expect.items():
        assert key in by, f"no row {key}; rows: {sorted(by)}"
        assert by[key].status == status, by[key]
        assert needle in by[key].detail, by[key]
    assert "deploy key" in by[("Argo CD", "root")].next_step
    assert "newest backup PartiallyFailed" in by[("Velero", "hourly-apps")].detail


def test_wal_failing_shorter_than_rpo_is_a_warning(platform: Platform) -> None:
    early = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # 30 min after archiving began failing
    rows = diagnose(objects_from("failing.yaml"), Context(platform, early))
    wal = next(r for r in rows if r.name == "engine/postgres-engine WAL")
    assert wal.status == "warn"
    assert "30m" in wal.detail


def test_missing_crds_say_which_component(platform: Platform) -> None:
    rows = diagnose({"nodes": objects_from("healthy.yaml")["nodes"]}, Context(platform, NOW))
    missing = [r for r in rows if "is not installed" in r.detail]
    assert {r.area for r in missing} == {
        "Argo CD",
        "External Secrets",
        "cert-manager",
        "PostgreSQL",
        "Kafka",
        "Velero",
        "Longhorn",
        "MetalLB",
        "Tailscale",
    }
    assert all(r.status == "fail" for r in missing)
    assert all("Application" in r.next_step for r in missing)


def test_a_component_platform_yaml_switches_off_is_not_missing(platform: Platform) -> None:
    overrides = {"velero": {"enabled": False}, "metallb": {"enabled": False}}
    data = platform.model_dump(by_alias=True)
    data["components"] = overrides
    data["services"] = [s for s in data["services"] if not s.get("ingress")]
    data["auth"] = None
    data["components"]["traefik"] = {"enabled": False}
    without = Platform.model_validate(data)
    rows = diagnose({"nodes": objects_from("healthy.yaml")["nodes"]}, Context(without, NOW))
    by_area = {r.area: r for r in rows}
    assert by_area["Velero"].status == "ok" and by_area["MetalLB"].status == "ok"
    assert "components.velero.enabled: false" in by_area["Velero"].detail
    assert by_area["Longhorn"].status == "fail"  # still expected


@pytest.mark.parametrize(
    ("cron", "seconds"),
    [("0 * * * *", 3600), ("0 3 * * *", 86400), ("0 */6 * * *", 21600), ("0 3 * * 0", 604800)],
)
def test_cron_period(cron: str, seconds: int) -> None:
    assert cron_period(cron) == seconds


def serve(fixture: str) -> FakeCluster:
    cluster = FakeCluster()
    for entry in CRD_FILES:
        path = SHARED_CRDS / entry
        for file in sorted(path.glob("*.yaml")) if path.is_dir() else [path]:
            for doc in yaml.load_all(file.read_text(), Loader=yaml.CSafeLoader):
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    cluster.add(doc)
    cluster.add_file(FIXTURES / fixture)
    return cluster


def test_doctor_over_real_kubectl(
    tmp_path: Path, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    cluster = serve("healthy.yaml")
    with FakeApiServer(cluster) as server:
        kubectl = Kubectl(str(find("kubectl")), kubeconfig=str(server.kubeconfig(tmp_path / "kc")))
        rows = run_doctor(kubectl, Context(platform, NOW))
    assert [r for r in rows if r.status != "ok"] == []
    assert Counter(r.area for r in rows)["Velero"] == 2
    assert cluster.mutating_requests() == []


def test_doctor_cli_json_exit_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    app = typer.Typer()
    doctor_cli.register(app)

    @app.callback()
    def main() -> None:
        """test"""

    with FakeApiServer(serve("failing.yaml")) as server:
        kubeconfig = server.kubeconfig(tmp_path / "kc")
        result = CliRunner().invoke(
            app, ["doctor", "-c", str(EXAMPLE), "--kubeconfig", str(kubeconfig), "--output", "json"]
        )
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["failures"] >= 15
    failing = [r for r in data["rows"] if r["status"] == "fail"]
    assert all(r["next"] for r in failing)


def test_table_keeps_bracketed_api_messages(platform: Platform) -> None:
    from io import StringIO

    from rich.console import Console

    rows = diagnose(objects_from("failing.yaml"), Context(platform, NOW))
    out = StringIO()
    Console(file=out, width=400).print(doctor_cli.rows_table(rows))
    assert "attempted methods [none publickey]" in out.getvalue()


def test_age_formatting() -> None:
    from mgctl.cluster.doctor.model import age

    assert [age(s) for s in (45, 3420, 3600, 27000, 345600)] == ["45s", "57m", "1h", "7h30m", "4d"]


def test_doctor_cli_problems_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    app = typer.Typer()
    doctor_cli.register(app)

    @app.callback()
    def main() -> None:
        """test"""

    with FakeApiServer(serve("failing.yaml")) as server:
        kubeconfig = server.kubeconfig(tmp_path / "kc")
        result = CliRunner().invoke(app, ["doctor", "--kubeconfig", str(kubeconfig),
                                          "--output", "json", "--problems"])  # fmt: skip
    data = json.loads(result.output)
    assert result.exit_code == 1
    assert data["rows"] and all(r["status"] != "ok" for r in data["rows"])
