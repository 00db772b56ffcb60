"""Loki, monolithic, on the object store: tsdb schema v13, retention by the compactor."""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.config.units import parse_duration
from mgctl.render.infra.component import CLUSTER_RBAC, Component
from mgctl.render.infra.components import seaweedfs

NAMESPACE = "monitoring"
SERVICE_URL = "http://loki.monitoring.svc:3100"
PUSH_URL = f"{SERVICE_URL}/loki/api/v1/push"
RESOURCES = {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "4Gi"}}
SCHEMA_FROM = "2024-01-01"


def _hours(duration: str) -> str:
    return f"{parse_duration(duration) // 3600}h"


def values(platform: Platform) -> dict[str, Any]:
    logs = platform.observability.logs
    bucket = platform.object_store.buckets.loki
    host, insecure = seaweedfs.s3_host(platform)
    return {
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,
            "commonConfig": {"replication_factor": 1},
            "storage": {
                "type": "s3",
                # the chart reads chunks and ruler only (templates/_helpers.tpl); Monolithic
                # mode has no admin API bucket
                "bucketNames": {"chunks": bucket, "ruler": bucket},
                "s3": {
                    "endpoint": host,
                    "region": platform.object_store.region,
                    # expanded by Loki itself (-config.expand-env=true) from extraEnvFrom
                    "accessKeyId": "${" + seaweedfs.ACCESS_KEY + "}",
                    "secretAccessKey": "${" + seaweedfs.SECRET_KEY + "}",
                    "s3ForcePathStyle": True,
                    "insecure": insecure,
                },
            },
            "schemaConfig": {
                "configs": [
                    {
                        "from": SCHEMA_FROM,
                        "store": "tsdb",
                        "object_store": "s3",
                        "schema": "v13",
                        "index": {"prefix": "index_", "period": "24h"},
                    }
                ]
            },
            "limits_config": {
                "retention_period": _hours(logs.retention),
                "ingestion_rate_mb": logs.ingestion_rate_mb,
                "ingestion_burst_size_mb": logs.ingestion_rate_mb * 2,
                "per_stream_rate_limit": f"{max(3, logs.ingestion_rate_mb // 2)}MB",
                "per_stream_rate_limit_burst": f"{max(6, logs.ingestion_rate_mb)}MB",
                "max_query_lookback": _hours(logs.retention),
            },
            "compactor": {
                "retention_enabled": True,
                "delete_request_store": "s3",
                "retention_delete_delay": "2h",
                "working_directory": "/var/loki/compactor",
            },
        },
        "singleBinary": {
            "replicas": 1,
            "extraArgs": ["-config.expand-env=true"],
            "extraEnvFrom": [{"secretRef": {"name": seaweedfs.CREDENTIALS_SECRET}}],
            "persistence": {
                "enabled": True,
                "size": platform.observability.loki_volume,
                "storageClass": platform.cluster.storage_class,
            },
            "resources": RESOURCES,
        },
        "backend": {"replicas": 0},
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "gateway": {"enabled": False},
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
        "monitoring": {"serviceMonitor": {"enabled": True}},
    }


def build(platform: Platform) -> list[Component]:
    """Loki's S3 keys are an ExternalSecret of `monitoring-secrets` (same namespace)."""
    return [
        Component(
            name="loki",
            namespace=NAMESPACE,
            sync_wave=5,
            chart=catalog.chart("loki").ref,
            values=values(platform),
            cluster_resources=(*CLUSTER_RBAC,),
            description="Logs: Loki monolithic, tsdb v13 on S3, compactor retention",
            seed_deviation=(
                "chart moved to grafana-community; SingleBinary is now Monolithic; chunks on "
                "SeaweedFS/external S3 instead of MinIO; credentials via ESO env, not literals"
            ),
        ),
    ]
