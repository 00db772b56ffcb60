"""mg-deploy/databases/<name>/: one CloudNativePG cluster per `databases[]` entry, plain manifests.

Per database: the Cluster (WAL archiving and base backups through the Barman Cloud plugin), its
ObjectStore and ScheduledBackup, a PodMonitor (CNPG 1.30 deprecates `enablePodMonitor`), the
ExternalSecrets for the owner's credentials and the S3 keys, and, when `objectStore.offsite` is
set, an off-site copy: a CronJob that mirrors the catalog prefix to the external bucket with
rclone, plus a second ObjectStore on that bucket that a recovery can read from. A cluster has
exactly one WAL archiver, so a second archiving ObjectStore is not possible; the copy keeps the
barman layout, so the off-site catalog restores like the primary one.

Nothing a database needs to keep running and backed up is ever deleted by Argo CD: those
objects carry `argocd.argoproj.io/sync-options: Prune=false,Delete=false` (gitops-engine
`sync_context.go` `isPruningDisabled` skips pruning them; controller `appcontroller.go`
`shouldBeDeleted` skips them when their Application is deleted with cascade), and the
databases ApplicationSet preserves resources when it drops an Application. Removing or renaming
a database in platform.yaml therefore leaves the old Cluster running; `mgctl render` says so
and prints what to do (docs/disaster-recovery.md, "Renaming or removing a database").
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlparse

from mgctl.config import Platform
from mgctl.config.data import Database, ObjectStore, S3Target
from mgctl.config.units import parse_duration
from mgctl.render import backup_layout as layout
from mgctl.render.filemap import FileMap, to_yaml_documents
from mgctl.render.infra.components import external_secrets as external_secrets_component
from mgctl.render.security_contexts import restricted_container
from mgctl.render.service_layout import service_namespace

IMAGE = "ghcr.io/cloudnative-pg/postgresql"
RCLONE_IMAGE = "rclone/rclone:1.71.0"
OFFSITE_SCHEDULE = "*/15 * * * *"
OPERATOR_NAMESPACE = "cnpg-system"
MONITORING_NAMESPACE = "monitoring"
VELERO_EXCLUDED_VOLUMES = "pgdata,pg-wal,scratch-data,shm"
ACCESS_KEY = "ACCESS_KEY_ID"
SECRET_KEY = "ACCESS_SECRET_KEY"
REGION_KEY = "REGION"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
NEVER_DELETED = "Prune=false,Delete=false"
# The resource types of the objects rendered with NEVER_DELETED (for `kubectl delete` by hand)
KEPT_RESOURCES = (
    "clusters.postgresql.cnpg.io,scheduledbackups.postgresql.cnpg.io,"
    "objectstores.barmancloud.cnpg.io,externalsecrets.external-secrets.io,"
    "podmonitors.monitoring.coreos.com,networkpolicies.networking.k8s.io"
)


def image(db: Database) -> str:
    """CNPG's current images: PostgreSQL major + 'standard' flavour + Debian trixie base."""
    return f"{IMAGE}:{db.postgres_version}-standard-trixie"


def retention_policy(duration: str) -> str:
    """platform.yaml durations (s/m/h/d/w; m = minutes) -> the plugin's `<n>d` (m = months)."""
    days = max(1, math.ceil(parse_duration(duration) / 86400))
    return f"{days}d"


def _labels(db: Database) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": db.name,
        "app.kubernetes.io/component": "database",
        "app.kubernetes.io/managed-by": "mgctl",
    }


def _meta(name: str, db: Database, keep: bool = True) -> dict[str, Any]:
    """`keep`: an object the running database needs (the Cluster and what archives, backs up,
    monitors and fences it); Argo CD never prunes or deletes it. The off-site copy is not kept:
    turning it off must remove it, and its data lives in the external bucket."""
    meta: dict[str, Any] = {"name": name, "namespace": layout.NAMESPACE, "labels": _labels(db)}
    if keep:
        meta["annotations"] = {SYNC_OPTIONS: NEVER_DELETED}
    return meta


def cluster_spec(platform: Platform, db: Database) -> dict[str, Any]:
    """The Cluster spec shared by the rendered cluster and restore plans (minus bootstrap)."""
    return {
        "instances": db.instances,
        "imageName": image(db),
        "postgresql": {
            "parameters": {**db.parameters, "archive_timeout": layout.ARCHIVE_TIMEOUT},
        },
        "storage": {"storageClass": platform.cluster.storage_class, "size": db.storage},
        "resources": db.resources.model_dump(by_alias=True),
        # Barman, not Velero, backs PostgreSQL up: a file copy of a running data directory is
        # not a consistent backup, and Velero's Kopia would copy every volume of the pod.
        "inheritedMetadata": {
            "annotations": {"backup.velero.io/backup-volumes-excludes": VELERO_EXCLUDED_VOLUMES}
        },
    }


def archiver_plugin(db: Database, server_name: str | None = None) -> dict[str, Any]:
    parameters = {"barmanObjectName": layout.object_store_name(db)}
    if server_name is not None:
        parameters["serverName"] = server_name
    return {"name": layout.PLUGIN, "isWALArchiver": True, "parameters": parameters}


def cluster(platform: Platform, db: Database) -> dict[str, Any]:
    spec = cluster_spec(platform, db)
    spec["bootstrap"] = {
        "initdb": {
            "database": db.database,
            "owner": db.owner,
            "secret": {"name": layout.credentials_secret(db)},
        }
    }
    spec["plugins"] = [archiver_plugin(db)]
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": _meta(db.name, db),
        "spec": spec,
    }


def _s3_configuration(
    destination: str, endpoint: str, secret: str, compression: str | None
) -> dict[str, Any]:
    configuration: dict[str, Any] = {
        "destinationPath": destination,
        "endpointURL": endpoint,
        "s3Credentials": {
            "accessKeyId": {"name": secret, "key": ACCESS_KEY},
            "secretAccessKey": {"name": secret, "key": SECRET_KEY},
            "region": {"name": secret, "key": REGION_KEY},
        },
        "wal": {"maxParallel": layout.WAL_MAX_PARALLEL},
        "data": {"jobs": layout.DATA_JOBS},
    }
    if compression:
        configuration["wal"]["compression"] = compression
        configuration["data"]["compression"] = layout.data_compression(compression)
    return configuration


def object_store(store: ObjectStore, db: Database) -> dict[str, Any]:
    return {
        "apiVersion": "barmancloud.cnpg.io/v1",
        "kind": "ObjectStore",
        "metadata": _meta(layout.object_store_name(db), db),
        "spec": {
            "configuration": _s3_configuration(
                layout.destination_path(store.buckets.databases, db),
                store.s3_endpoint,
                layout.s3_secret(db),
                db.backup.compression,
            ),
            "retentionPolicy": retention_policy(db.backup.retention),
        },
    }


def offsite_object_store(offsite: S3Target, db: Database) -> dict[str, Any]:
    """Read side of the off-site copy: what a recovery names when the primary store is gone.
    No cluster archives to it, so the plugin applies no retention here: use a lifecycle rule
    on the external bucket (see docs/disaster-recovery.md)."""
    return {
        "apiVersion": "barmancloud.cnpg.io/v1",
        "kind": "ObjectStore",
        "metadata": _meta(layout.offsite_object_store_name(db), db, keep=False),
        "spec": {
            "configuration": _s3_configuration(
                layout.destination_path(offsite.bucket, db),
                offsite.endpoint,
                layout.offsite_s3_secret(db),
                db.backup.compression,
            ),
            "retentionPolicy": retention_policy(db.backup.retention),
        },
    }


def scheduled_backup(db: Database) -> dict[str, Any]:
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "ScheduledBackup",
        "metadata": _meta(f"{db.name}-daily", db),
        "spec": {
            "schedule": db.backup.schedule,
            "immediate": True,
            "backupOwnerReference": "self",
            "cluster": {"name": db.name},
            "method": "plugin",
            "pluginConfiguration": {"name": layout.PLUGIN},
        },
    }


def pod_monitor(db: Database) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": _meta(db.name, db),
        "spec": {
            "selector": {"matchLabels": {"cnpg.io/cluster": db.name}},
            "podMetricsEndpoints": [{"port": "metrics"}],
        },
    }


def _from_namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def database_network_policy(platform: Platform, db: Database) -> dict[str, Any]:
    """Who may connect to the PostgreSQL pods: the services that use this database, the
    cluster's own instances (replication), the CNPG operator (instance manager status, 8000)
    and Prometheus (9187). Ingress only: the instances still reach the API server and the
    object store, whose addresses a policy here cannot know."""
    clients = [service_namespace(s) for s in platform.database_users(db)]
    own_pods = {"podSelector": {"matchLabels": {"cnpg.io/cluster": db.name}}}
    postgres = [{"protocol": "TCP", "port": 5432}]
    ingress: list[dict[str, Any]] = [{"from": [own_pods], "ports": postgres}]
    if clients:
        ingress.append({"from": [_from_namespace(n) for n in clients], "ports": postgres})
    ingress += [
        {
            "from": [_from_namespace(OPERATOR_NAMESPACE)],
            "ports": [{"protocol": "TCP", "port": 8000}],
        },
        {
            "from": [_from_namespace(MONITORING_NAMESPACE)],
            "ports": [{"protocol": "TCP", "port": 9187}],
        },
    ]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(db.name, db),
        "spec": {
            "podSelector": {"matchLabels": {"cnpg.io/cluster": db.name}},
            "policyTypes": ["Ingress"],
            "ingress": ingress,
        },
    }


def _external_secret(
    store: str,
    db: Database,
    name: str,
    secret_type: str,
    data: dict[str, str],
    static: dict[str, str] | None = None,
    keep: bool = True,
) -> dict[str, Any]:
    template: dict[str, Any] = {"type": secret_type}
    if static:
        template["data"] = {
            **{key: "{{ ." + key + " }}" for key in data},
            **static,
        }
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": _meta(name, db, keep),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": store},
            "target": {"name": name, "creationPolicy": "Owner", "template": template},
            "data": [
                {"secretKey": key, "remoteRef": {"key": remote}} for key, remote in data.items()
            ],
        },
    }


def external_secrets(platform: Platform, db: Database) -> list[dict[str, Any]]:
    """The owner's credentials from the store of the environment its services run in (where
    they read the same keys); the object store's keys are the platform's (its own store)."""
    store = platform.object_store
    platform_store = external_secrets_component.platform_store(platform)
    docs = [
        _external_secret(
            external_secrets_component.store_name(platform.database_environment(db)),
            db,
            layout.credentials_secret(db),
            "kubernetes.io/basic-auth",
            {"username": db.credentials.username_key, "password": db.credentials.password_key},
        ),
        _external_secret(
            platform_store,
            db,
            layout.s3_secret(db),
            "Opaque",
            {ACCESS_KEY: store.access_key_key, SECRET_KEY: store.secret_key_key},
            static={REGION_KEY: store.region},
        ),
    ]
    if store.offsite is not None:
        docs.append(
            _external_secret(
                platform_store,
                db,
                layout.offsite_s3_secret(db),
                "Opaque",
                {
                    ACCESS_KEY: store.offsite.access_key_key,
                    SECRET_KEY: store.offsite.secret_key_key,
                },
                static={REGION_KEY: store.offsite.region},
                keep=False,
            )
        )
    return docs


def _rclone_env(remote: str, endpoint: str, secret: str) -> list[dict[str, Any]]:
    prefix = f"RCLONE_CONFIG_{remote.upper()}_"

    def from_secret(key: str) -> dict[str, Any]:
        return {"secretKeyRef": {"name": secret, "key": key}}

    return [
        {"name": prefix + "TYPE", "value": "s3"},
        {"name": prefix + "PROVIDER", "value": "Other"},
        {"name": prefix + "ENDPOINT", "value": endpoint},
        {"name": prefix + "FORCE_PATH_STYLE", "value": "true"},
        {"name": prefix + "ACCESS_KEY_ID", "valueFrom": from_secret(ACCESS_KEY)},
        {"name": prefix + "SECRET_ACCESS_KEY", "valueFrom": from_secret(SECRET_KEY)},
        {"name": prefix + "REGION", "valueFrom": from_secret(REGION_KEY)},
    ]


def offsite_copy(platform: Platform, db: Database, offsite: S3Target) -> dict[str, Any]:
    """Every 15 minutes, copy new catalog objects (base backups, WAL) to the external bucket.
    `rclone copy` never deletes: a wiped or encrypted primary cannot take the copy with it."""
    store = platform.object_store
    source = f"src:{store.buckets.databases}/{db.name}"
    target = f"dst:{offsite.bucket}/{db.name}"
    container = {
        "name": "rclone",
        "image": RCLONE_IMAGE,
        "args": ["copy", source, target, "--transfers=4", "--checkers=8", "--stats-one-line", "-v"],
        "env": [
            *_rclone_env("src", store.s3_endpoint, layout.s3_secret(db)),
            *_rclone_env("dst", offsite.endpoint, layout.offsite_s3_secret(db)),
            {"name": "RCLONE_CACHE_DIR", "value": "/tmp/rclone"},
            {"name": "HOME", "value": "/tmp"},
        ],
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "securityContext": restricted_container(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            **_meta(f"{db.name}-offsite-copy", db, keep=False),
            "labels": _copy_labels(db),
        },
        "spec": {
            "schedule": OFFSITE_SCHEDULE,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 1,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": 3000,
                    "template": {
                        "metadata": {"labels": _copy_labels(db)},
                        "spec": {
                            "restartPolicy": "Never",
                            "securityContext": {
                                "runAsNonRoot": True,
                                "runAsUser": 65534,
                                "runAsGroup": 65534,
                                "seccompProfile": {"type": "RuntimeDefault"},
                            },
                            "containers": [container],
                            "volumes": [{"name": "tmp", "emptyDir": {}}],
                        },
                    },
                }
            },
        },
    }


def _copy_labels(db: Database) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": f"{db.name}-offsite-copy",
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/part-of": db.name,
        "app.kubernetes.io/managed-by": "mgctl",
    }


def _port(url: str) -> int:
    parsed = urlparse(url)
    return parsed.port or (443 if parsed.scheme == "https" else 80)


def offsite_copy_network_policy(
    platform: Platform, db: Database, offsite: S3Target
) -> dict[str, Any]:
    """The copy job talks to DNS, the primary object store and the off-site endpoint only."""
    store = platform.object_store
    egress: list[dict[str, Any]] = [
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                    },
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]
    if store.type == "seaweedfs":
        egress.append(
            {
                "to": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "seaweedfs"}
                        }
                    }
                ],
                "ports": [{"protocol": "TCP", "port": _port(store.s3_endpoint)}],
            }
        )
    else:
        egress.append(
            {
                "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                "ports": [{"protocol": "TCP", "port": _port(store.s3_endpoint)}],
            }
        )
    egress.append(
        {
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
            "ports": [{"protocol": "TCP", "port": _port(offsite.endpoint)}],
        }
    )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            **_meta(f"{db.name}-offsite-copy", db, keep=False),
            "labels": _copy_labels(db),
        },
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": f"{db.name}-offsite-copy"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [],
            "egress": egress,
        },
    }


def render_database(platform: Platform, db: Database) -> FileMap:
    base = f"mg-deploy/databases/{db.name}"
    files: FileMap = {
        f"{base}/cluster.yaml": to_yaml_documents(
            [cluster(platform, db), pod_monitor(db), database_network_policy(platform, db)]
        ),
        f"{base}/backup.yaml": to_yaml_documents(
            [object_store(platform.object_store, db), scheduled_backup(db)]
        ),
        f"{base}/external-secrets.yaml": to_yaml_documents(external_secrets(platform, db)),
    }
    offsite = platform.object_store.offsite
    if offsite is not None:
        files[f"{base}/offsite.yaml"] = to_yaml_documents(
            [
                offsite_object_store(offsite, db),
                offsite_copy(platform, db, offsite),
                offsite_copy_network_policy(platform, db, offsite),
            ]
        )
    return files


def render_databases(platform: Platform) -> FileMap:
    files: FileMap = {}
    for db in platform.databases:
        files.update(render_database(platform, db))
    return files
