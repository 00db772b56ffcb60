"""Capacity check from platform.yaml: does what the config keeps fit what it provisions?

Formulas (docs/observability-and-data.md explains the constants):
- logs in S3     = logs.perDay x retention days / compressionRatio x (1 + LOKI_INDEX_OVERHEAD)
- Velero in S3   = backups.veleroDailySize x the longest schedule ttl in days
- DB backups     = sum(storage x (full backups kept + retention days x WAL_PER_DAY)) / compression,
                   full backups kept = retention / ScheduledBackup interval + 1
- object store   = the three above vs objectStore.size / SEAWEEDFS_REPLICATION (in cluster)
                   or objectStore.quota (external S3, when given)
- off-site copy  = the database backups again vs objectStore.offsite.quota
- Loki volume    = logs.perDay / 24 x LOKI_WAL_HOURS + LOKI_LOCAL_BASE vs lokiVolume
- Prometheus     = metrics.perDay x retention days vs retentionSize (90 % of metrics.storage)
- cluster        = requests of the platform pods set here + services (x replicas, sidecars
                   included, DaemonSets x nodes) vs the nodes' cpu/memory
- disks          = all PVCs x cluster.storageReplicas vs the nodes' storage
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mgctl.config.platform import Platform
from mgctl.config.units import GIB, format_gib, parse_bytes, parse_cpu, parse_duration
from mgctl.manifests import Finding, Severity

CHECK = "capacity"
LOKI_INDEX_OVERHEAD = 0.10  # tsdb index + compactor marks, relative to the chunks
LOKI_WAL_HOURS = 3  # max_chunk_age 2h + replay margin: raw lines held in the WAL
LOKI_LOCAL_BASE = GIB  # tsdb shipper cache, compactor working directory
WAL_PER_DAY = 0.2  # WAL archived per day, as a fraction of the database volume
DB_COMPRESSION = {
    "gzip": 2.0,
    "bzip2": 2.5,
    "xz": 2.5,
    "zstd": 2.5,
    "lz4": 1.5,
    "snappy": 1.5,
    None: 1.0,
}
SEAWEEDFS_REPLICATION = 1  # defaultReplication "000": one copy (Longhorn replicates the disk)
WARN_FRACTION = 0.85


@dataclass(frozen=True)
class Pods:
    name: str
    cpu: float  # cores per pod
    memory: int  # bytes per pod
    count: int


def _days(duration: str) -> float:
    return parse_duration(duration) / 86400


def _gib(n_bytes: float) -> str:
    return format_gib(n_bytes)


def _finding(path: str, message: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(check=CHECK, severity=severity, file="platform.yaml", path=path, message=message)


def _pods(name: str, resources: dict[str, Any], count: int) -> Pods:
    requests = resources.get("requests", {})
    return Pods(
        name,
        parse_cpu(requests.get("cpu", "0")),
        parse_bytes(requests.get("memory", "0")),
        count,
    )


# --- object store -------------------------------------------------------------------------


def log_bytes(platform: Platform) -> float:
    logs = platform.observability.logs
    raw = parse_bytes(logs.per_day) * _days(logs.retention)
    return raw / logs.compression_ratio * (1 + LOKI_INDEX_OVERHEAD)


def velero_bytes(platform: Platform) -> float:
    schedules = platform.backups.velero_schedules
    longest = max((_days(s.ttl) for s in schedules), default=0.0)
    return parse_bytes(platform.backups.velero_daily_size) * longest


def database_backup_bytes(platform: Platform) -> float:
    from mgctl.render.infra.components.alerting import cron_interval_seconds

    total = 0.0
    for db in platform.databases:
        fields = db.backup.schedule.split()
        interval_days = cron_interval_seconds(" ".join(fields[-5:])) / 86400
        retention = _days(db.backup.retention)
        fulls = retention / interval_days + 1
        volume = parse_bytes(db.storage)
        total += volume * (fulls + retention * WAL_PER_DAY) / DB_COMPRESSION[db.backup.compression]
    return total


def _against(path: str, what: str, need: float, have: float, detail: str) -> list[Finding]:
    if need > have:
        return [_finding(path, f"{what} too small: {detail}; short by {_gib(need - have)}")]
    if need > have * WARN_FRACTION:
        return [_finding(path, f"{what} nearly full: {detail}", Severity.WARNING)]
    return []


def check_offsite(platform: Platform) -> list[Finding]:
    """The off-site copy holds the database catalog again (rclone copy never deletes, so the
    bucket needs a lifecycle rule expiring objects after retention + one backup interval)."""
    offsite = platform.object_store.offsite
    if offsite is None:
        return []
    need = database_backup_bytes(platform)
    keep = max((_days(db.backup.retention) for db in platform.databases), default=0.0)
    detail = (
        f"needs ~{_gib(need)} of database backups "
        f"(lifecycle rule: expire after ~{keep + 1:.0f} days)"
    )
    if offsite.quota is None:
        return [
            _finding(
                "objectStore.offsite.quota",
                f"off-site bucket {offsite.bucket!r} {detail}; set quota to have it checked",
                Severity.WARNING,
            )
        ]
    have = parse_bytes(offsite.quota)
    return _against(
        "objectStore.offsite.quota",
        "off-site bucket",
        need,
        have,
        f"{detail}, quota is {offsite.quota} ({_gib(have)})",
    )


def check_object_store(platform: Platform) -> list[Finding]:
    store = platform.object_store
    logs, velero, dbs = log_bytes(platform), velero_bytes(platform), database_backup_bytes(platform)
    need = logs + velero + dbs
    if store.type != "seaweedfs":
        if store.quota is None:
            return []
        quota = parse_bytes(store.quota)
        return _against(
            "objectStore.quota",
            "external object store",
            need,
            quota,
            f"needs ~{_gib(need)} = logs {_gib(logs)} + Velero {_gib(velero)} + database "
            f"backups {_gib(dbs)}, but objectStore.quota is {store.quota} ({_gib(quota)})",
        )
    have = parse_bytes(store.size) / SEAWEEDFS_REPLICATION
    detail = (
        f"needs ~{_gib(need)} = logs {_gib(logs)} ({platform.observability.logs.per_day}/day x "
        f"{platform.observability.logs.retention} / compression "
        f"{platform.observability.logs.compression_ratio:g} + index) + Velero {_gib(velero)} + "
        f"database backups {_gib(dbs)}, but objectStore.size is {store.size} ({_gib(have)})"
    )
    return _against("objectStore.size", "object store", need, have, detail)


# --- Loki, Prometheus -----------------------------------------------------------------------


def check_loki_volume(platform: Platform) -> list[Finding]:
    obs = platform.observability
    per_day = parse_bytes(obs.logs.per_day)
    need = per_day / 24 * LOKI_WAL_HOURS + LOKI_LOCAL_BASE
    have = parse_bytes(obs.loki_volume)
    findings: list[Finding] = []
    if need > have:
        findings.append(
            _finding(
                "observability.lokiVolume",
                f"Loki volume too small: {obs.logs.per_day}/day needs ~{_gib(need)} locally "
                f"({LOKI_WAL_HOURS} h of WAL = {_gib(per_day / 24 * LOKI_WAL_HOURS)} + "
                f"{_gib(LOKI_LOCAL_BASE)} index cache/compactor), lokiVolume is "
                f"{obs.loki_volume}",
            )
        )
    peak_mib_s = per_day / 86400 / 2**20 * 3
    if peak_mib_s > obs.logs.ingestion_rate_mb:
        findings.append(
            _finding(
                "observability.logs.ingestionRateMb",
                f"Loki ingestion limit {obs.logs.ingestion_rate_mb} MB/s is below 3x the "
                f"average rate of {obs.logs.per_day}/day ({peak_mib_s:.1f} MB/s): "
                "bursts will be discarded",
                Severity.WARNING,
            )
        )
    return findings


def check_prometheus(platform: Platform) -> list[Finding]:
    from mgctl.render.infra.components.kube_prometheus_stack import RETENTION_FRACTION

    metrics = platform.observability.metrics
    need = parse_bytes(metrics.per_day) * _days(metrics.retention)
    have = parse_bytes(metrics.storage) * RETENTION_FRACTION
    if need <= have:
        return []
    return [
        _finding(
            "observability.metrics.storage",
            f"Prometheus volume too small: {metrics.per_day}/day x {metrics.retention} = "
            f"{_gib(need)}, but retentionSize is {_gib(have)} ({RETENTION_FRACTION:.0%} of "
            f"{metrics.storage}); size-based retention would keep only "
            f"{have / parse_bytes(metrics.per_day):.1f} days",
        )
    ]


# --- cluster --------------------------------------------------------------------------------


def platform_pods(platform: Platform) -> list[Pods]:
    from mgctl.render.infra.components import (
        alloy,
        cloudnative_pg,
        kube_prometheus_stack,
        loki,
        seaweedfs,
        strimzi,
        velero,
    )

    nodes = len(platform.cluster.nodes)
    kps = kube_prometheus_stack.RESOURCES
    by_component = {  # the pods of each component platform.yaml may switch off
        "kube-prometheus-stack": [
            _pods("prometheus", kps["prometheus"], 1),
            _pods("alertmanager", kps["alertmanager"], 1),
            _pods("grafana", kps["grafana"], 1),
            _pods("prometheus-operator", kps["operator"], 1),
            _pods("kube-state-metrics", kps["kube-state-metrics"], 1),
            _pods("node-exporter", kps["node-exporter"], nodes),
        ],
        "loki": [_pods("loki", loki.RESOURCES, 1)],
        "alloy": [_pods("alloy", alloy.RESOURCES, nodes)],
        "velero": [
            _pods("velero", velero.RESOURCES, 1),
            _pods("velero-node-agent", velero.NODE_AGENT_RESOURCES, nodes),
        ],
        "cloudnative-pg": [_pods("cnpg-operator", cloudnative_pg.RESOURCES, 1)],
        "plugin-barman-cloud": [_pods("barman-cloud-plugin", cloudnative_pg.PLUGIN_RESOURCES, 1)],
    }
    pods = [
        pod
        for component, component_pods in by_component.items()
        if platform.component_enabled(component)
        for pod in component_pods
    ]
    if platform.object_store.type == "seaweedfs":
        pods += [_pods(f"seaweedfs-{k}", v, 1) for k, v in seaweedfs.RESOURCES.items()]
    if platform.kafka.enabled:
        pods += [
            _pods("strimzi-operator", strimzi.OPERATOR_RESOURCES, 1),
            _pods("kafka", strimzi.KAFKA_RESOURCES, platform.kafka.replicas),
            _pods("kafka-exporter", strimzi.EXPORTER_RESOURCES, 1),
            _pods("entity-operator", strimzi.ENTITY_RESOURCES, 2),  # topic + user containers
        ]
    for db in platform.databases:
        pods.append(
            _pods(f"postgres/{db.name}", db.resources.model_dump(by_alias=True), db.instances)
        )
    return pods


def service_pods(platform: Platform) -> list[Pods]:
    pods = []
    for service in platform.deployed_services:
        count = (
            service.autoscaling.max_replicas if service.autoscaling.enabled else service.replicas
        )
        cpu = parse_cpu(service.resources.requests.cpu) + sum(
            parse_cpu(s.resources.requests.cpu) for s in service.sidecars
        )
        memory = parse_bytes(service.resources.requests.memory) + sum(
            parse_bytes(s.resources.requests.memory) for s in service.sidecars
        )
        pods.append(Pods(f"service/{service.name}", cpu, memory, count))
    return pods


def _compare(path: str, what: str, need: float, have: float, fmt: str, parts: str) -> list[Finding]:
    if need > have:
        return [
            _finding(
                path,
                f"{what} requested {fmt.format(need)} exceeds the nodes' "
                f"{fmt.format(have)} ({parts})",
            )
        ]
    if need > have * WARN_FRACTION:
        return [
            _finding(
                path,
                f"{what} requested {fmt.format(need)} is above "
                f"{WARN_FRACTION:.0%} of the nodes' {fmt.format(have)} ({parts})",
                Severity.WARNING,
            )
        ]
    return []


def _largest(pods: Iterable[Pods], key: str) -> str:
    ranked = sorted(pods, key=lambda p: getattr(p, key) * p.count, reverse=True)[:4]
    if key == "cpu":
        return ", ".join(f"{p.name} {p.cpu * p.count:g}" for p in ranked)
    return ", ".join(f"{p.name} {p.memory * p.count / GIB:.1f} GiB" for p in ranked)


def check_cluster(platform: Platform) -> list[Finding]:
    pods = platform_pods(platform) + service_pods(platform)
    nodes = platform.cluster.nodes
    cpu_need = sum(p.cpu * p.count for p in pods)
    mem_need = sum(p.memory * p.count for p in pods)
    cpu_have = sum(parse_cpu(n.cpu) for n in nodes)
    mem_have = sum(parse_bytes(n.memory) for n in nodes)
    return _compare(
        "cluster.nodes",
        "CPU",
        cpu_need,
        cpu_have,
        "{:.2f} cores",
        "largest: " + _largest(pods, "cpu"),
    ) + _compare(
        "cluster.nodes",
        "memory",
        mem_need / GIB,
        mem_have / GIB,
        "{:.1f} GiB",
        "largest: " + _largest(pods, "memory"),
    )


def volumes(platform: Platform) -> dict[str, int]:
    """Every PVC the platform provisions, by name, in bytes (before Longhorn replication)."""
    from mgctl.render.infra.components import kube_prometheus_stack as kps
    from mgctl.render.infra.components import seaweedfs

    obs = platform.observability
    sizes = {
        "prometheus": parse_bytes(obs.metrics.storage),
        "alertmanager": parse_bytes(kps.ALERTMANAGER_STORAGE),
        "grafana": parse_bytes(kps.GRAFANA_STORAGE),
        "loki": parse_bytes(obs.loki_volume),
    }
    if platform.object_store.type == "seaweedfs":
        sizes["seaweedfs-volume"] = parse_bytes(platform.object_store.size)
        sizes["seaweedfs-filer"] = parse_bytes(seaweedfs.FILER_SIZE)
        sizes["seaweedfs-master"] = parse_bytes(seaweedfs.MASTER_SIZE)
    if platform.kafka.enabled:
        sizes["kafka"] = parse_bytes(platform.kafka.storage) * platform.kafka.replicas
    for db in platform.databases:
        sizes[f"postgres/{db.name}"] = parse_bytes(db.storage) * db.instances
    return sizes


def check_disks(platform: Platform) -> list[Finding]:
    sizes = volumes(platform)
    replicas = platform.cluster.storage_replicas
    need = sum(sizes.values()) * replicas
    have = sum(parse_bytes(n.storage) for n in platform.cluster.nodes)
    listed = ", ".join(f"{k} {_gib(v)}" for k, v in sorted(sizes.items(), key=lambda i: -i[1]))
    detail = (
        f"volumes {_gib(sum(sizes.values()))} x storageReplicas {replicas} = {_gib(need)} vs "
        f"node storage {_gib(have)} ({listed})"
    )
    if need > have:
        return [_finding("cluster.nodes", f"disks too small: {detail}")]
    if need > have * WARN_FRACTION:
        return [_finding("cluster.nodes", f"disks nearly full: {detail}", Severity.WARNING)]
    return []


def check_capacity(platform: Platform) -> list[Finding]:
    return (
        check_object_store(platform)
        + check_offsite(platform)
        + check_loki_volume(platform)
        + check_prometheus(platform)
        + check_cluster(platform)
        + check_disks(platform)
    )
