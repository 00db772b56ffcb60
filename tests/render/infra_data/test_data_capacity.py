"""Capacity check: the seed's own numbers do not fit, and every check can fail and pass."""

from __future__ import annotations

from pathlib import Path

from mgctl.config.platform import Platform
from mgctl.manifests import Finding, Severity
from mgctl.validate.capacity import (
    check_capacity,
    check_cluster,
    check_disks,
    check_loki_volume,
    check_object_store,
    check_offsite,
    check_prometheus,
)

from .conftest import platform_from


def _errors(findings: list[Finding], path: str) -> list[str]:
    return [f.message for f in findings if f.path == path and f.severity is Severity.ERROR]


def test_seed_logs_do_not_fit_the_seed_object_store(seed: Platform) -> None:
    [message] = _errors(check_capacity(seed), "objectStore.size")
    # 100 GB/day x 30 d / 10 x 1.1 = 330 GB = 307 GiB of chunks alone on a 100 Gi store
    assert "logs 307 GiB (100G/day x 30d / compression 10 + index)" in message
    assert "Velero 600 GiB" in message  # 20Gi/day x 30 d (daily-full ttl)
    assert "database backups 370 GiB" in message  # 2 x 10Gi x (31 fulls + 30 x 0.2 WAL) / 2
    assert "needs ~1,277 GiB" in message
    assert "objectStore.size is 100Gi (100 GiB)" in message
    assert "short by 1,177 GiB" in message


def test_seed_loki_volume_cannot_hold_the_wal(seed: Platform) -> None:
    [message] = _errors(check_capacity(seed), "observability.lokiVolume")
    # 100 GB/day / 24 x 3 h = 12.5 GB = 12 GiB WAL + 1 GiB cache on a 10 Gi volume
    assert "100G/day needs ~13 GiB locally (3 h of WAL = 12 GiB + 1 GiB" in message
    assert "lokiVolume is 10Gi" in message


def test_object_store_fits_when_sized(tmp_path: Path) -> None:
    platform = platform_from(tmp_path, {"objectStore": {"type": "seaweedfs", "size": "2000Gi"}})
    assert check_object_store(platform) == []


def test_object_store_near_full_is_a_warning(tmp_path: Path) -> None:
    platform = platform_from(tmp_path, {"objectStore": {"type": "seaweedfs", "size": "1200Gi"}})
    [finding] = check_object_store(platform)
    assert finding.severity is Severity.WARNING
    assert "nearly full" in finding.message


def test_external_object_store_is_not_sized(tmp_path: Path) -> None:
    platform = platform_from(
        tmp_path,
        {"objectStore": {"type": "external", "endpoint": "https://s3.example.com", "size": "1Gi"}},
    )
    assert check_object_store(platform) == []


def test_loki_volume_fits_for_the_example(example: Platform) -> None:
    assert _errors(check_loki_volume(example), "observability.lokiVolume") == []


def test_loki_ingestion_limit_below_peak_warns(tmp_path: Path) -> None:
    obs = {"logs": {"perDay": "1000Gi", "ingestionRateMb": 10}, "lokiVolume": "200Gi"}
    findings = check_loki_volume(platform_from(tmp_path, {"observability": obs}))
    [warning] = [f for f in findings if f.path == "observability.logs.ingestionRateMb"]
    assert warning.severity is Severity.WARNING
    assert "35.6 MB/s" in warning.message  # 1000 GiB / 86400 s x 3


def test_prometheus_retention_exceeds_volume(tmp_path: Path) -> None:
    obs = {"metrics": {"perDay": "5Gi", "retention": "30d", "storage": "50Gi"}}
    [finding] = check_prometheus(platform_from(tmp_path, {"observability": obs}))
    assert "5Gi/day x 30d = 150 GiB" in finding.message
    assert "retentionSize is 45 GiB (90% of 50Gi)" in finding.message
    assert "keep only 9.0 days" in finding.message


def test_prometheus_example_fits(example: Platform) -> None:
    assert check_prometheus(example) == []


def test_cluster_requests_exceed_small_node(tmp_path: Path) -> None:
    cluster = {
        "nodes": [{"name": "n1", "cpu": "2", "memory": "4Gi", "storage": "2000Gi"}],
        "loadBalancer": {"addresses": ["192.168.1.240-192.168.1.250"]},
    }
    findings = check_cluster(platform_from(tmp_path, {"cluster": cluster}))
    messages = {f.message.split(" requested")[0]: f.message for f in findings}
    assert set(messages) == {"CPU", "memory"}
    assert "exceeds the nodes' 2.00 cores" in messages["CPU"]
    assert "exceeds the nodes' 4.0 GiB" in messages["memory"]
    assert "prometheus 2.0 GiB" in messages["memory"]


def test_cluster_requests_count_sidecars_and_autoscaling(tmp_path: Path, example: Platform) -> None:
    from mgctl.validate.capacity import service_pods

    broker = next(p for p in service_pods(example) if p.name == "service/broker")
    assert round(broker.cpu, 3) == 0.3  # 200m + ccxt-proxy 100m
    assert broker.memory == 768 * 2**20
    services = [s.model_dump(by_alias=True) for s in example.services]
    services[0]["autoscaling"] = {"enabled": True, "minReplicas": 2, "maxReplicas": 5}
    scaled = platform_from(tmp_path, {"services": services})
    engine = next(p for p in service_pods(scaled) if p.name == "service/engine")
    assert engine.count == 5


def test_cluster_fits_for_the_example(example: Platform) -> None:
    assert check_cluster(example) == []


def test_disks_multiply_by_longhorn_replicas(tmp_path: Path) -> None:
    cluster = {
        "nodes": [{"name": "n1", "cpu": "8", "memory": "64Gi", "storage": "1500Gi"}],
        "loadBalancer": {"addresses": ["192.168.1.240-192.168.1.250"]},
        "storageReplicas": 2,
    }
    store = {"type": "seaweedfs", "size": "1000Gi"}
    [finding] = check_disks(platform_from(tmp_path, {"cluster": cluster, "objectStore": store}))
    assert finding.severity is Severity.ERROR
    assert "x storageReplicas 2 = 2,252 GiB vs node storage 1,500 GiB" in finding.message
    assert "seaweedfs-volume 1,000 GiB" in finding.message


def test_disks_fit_for_the_example(example: Platform) -> None:
    assert check_disks(example) == []


def test_external_object_store_quota_is_checked(tmp_path: Path) -> None:
    store = {"type": "external", "endpoint": "https://s3.example.com", "quota": "100Gi"}
    [finding] = check_object_store(platform_from(tmp_path, {"objectStore": store}))
    assert finding.path == "objectStore.quota" and finding.severity is Severity.ERROR
    assert "quota is 100Gi" in finding.message and "short by" in finding.message
    store["quota"] = "5000Gi"
    assert check_object_store(platform_from(tmp_path, {"objectStore": store})) == []


def _offsite(quota: str | None) -> dict[str, object]:
    target: dict[str, object] = {
        "endpoint": "https://s3.other.example.com",
        "bucket": "offsite-db",
        "accessKeyKey": "OFFSITE_ACCESS_KEY_ID",
        "secretKeyKey": "OFFSITE_SECRET_ACCESS_KEY",
    }
    if quota is not None:
        target["quota"] = quota
    return {"objectStore": {"type": "seaweedfs", "size": "5000Gi", "offsite": target}}


def test_offsite_copy_is_sized_against_its_quota(tmp_path: Path) -> None:
    [finding] = check_offsite(platform_from(tmp_path, _offsite("10Gi")))
    assert finding.path == "objectStore.offsite.quota" and finding.severity is Severity.ERROR
    assert "database backups" in finding.message and "lifecycle rule" in finding.message
    assert check_offsite(platform_from(tmp_path, _offsite("5000Gi"))) == []
    [unset] = check_offsite(platform_from(tmp_path, _offsite(None)))
    assert unset.severity is Severity.WARNING
