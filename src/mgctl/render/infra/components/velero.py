"""Velero with the AWS plugin on the object store, Kopia file-system backup of volume data and
the schedules from `backups.veleroSchedules`."""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.operations import VeleroSchedule
from mgctl.config.platform import Platform
from mgctl.config.units import parse_duration
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace
from mgctl.render.infra.components import seaweedfs
from mgctl.render.service_layout import service_namespace

NAMESPACE = "velero"
VELERO_CRDS = tuple(
    f"velero.io/{kind}"
    for kind in (
        "BackupRepository",
        "Backup",
        "BackupStorageLocation",
        "DeleteBackupRequest",
        "DownloadRequest",
        "PodVolumeBackup",
        "PodVolumeRestore",
        "Restore",
        "Schedule",
        "ServerStatusRequest",
        "VolumeSnapshotLocation",
        "DataDownload",
        "DataUpload",
    )
)
CREDENTIALS_SECRET = "velero-credentials"
RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}
NODE_AGENT_RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "2Gi"}}

CLOUD_FILE = (
    "[default]\n"
    "aws_access_key_id={{ ." + seaweedfs.ACCESS_KEY + " }}\n"
    "aws_secret_access_key={{ ." + seaweedfs.SECRET_KEY + " }}\n"
)


def schedule_object_name(schedule: VeleroSchedule) -> str:
    """The chart names each Schedule `<fullname>-<key>` (fullname = release name "velero");
    Velero labels its metrics and backups with that name."""
    return f"{NAMESPACE}-{schedule.name}"


def included_namespaces(platform: Platform, schedule: VeleroSchedule) -> list[str]:
    """An empty list in config means the services' namespaces (one namespace per service)."""
    if schedule.included_namespaces:
        return list(schedule.included_namespaces)
    return sorted({service_namespace(s) for s in platform.deployed_services})


def _schedule(platform: Platform, schedule: VeleroSchedule) -> dict[str, Any]:
    template: dict[str, Any] = {
        "ttl": f"{parse_duration(schedule.ttl) // 3600}h0m0s",
        "includedNamespaces": included_namespaces(platform, schedule),
        "storageLocation": "default",
        "defaultVolumesToFsBackup": True,
        "snapshotVolumes": False,
    }
    if schedule.excluded_namespaces:
        template["excludedNamespaces"] = list(schedule.excluded_namespaces)
    return {
        "disabled": False,
        "schedule": schedule.schedule,
        "useOwnerReferencesInBackup": False,
        "template": template,
    }


def values(platform: Platform) -> dict[str, Any]:
    store = platform.object_store
    plugin = catalog.image("velero-plugin-for-aws")
    return {
        "upgradeCRDs": False,  # Argo CD applies the chart's crds/; the hook Job needs kubectl
        "cleanUpCRDs": False,
        "initContainers": [
            {
                "name": "velero-plugin-for-aws",
                "image": plugin.image,
                "imagePullPolicy": "IfNotPresent",
                "volumeMounts": [{"mountPath": "/target", "name": "plugins"}],
            }
        ],
        "configuration": {
            "backupStorageLocation": [
                {
                    "name": "default",
                    "provider": "aws",
                    "bucket": store.buckets.velero,
                    "default": True,
                    "credential": {"name": CREDENTIALS_SECRET, "key": "cloud"},
                    "config": {
                        "region": store.region,
                        "s3ForcePathStyle": "true",
                        "s3Url": store.s3_endpoint,
                    },
                }
            ],
            "volumeSnapshotLocation": [],
            "defaultVolumesToFsBackup": True,
        },
        "credentials": {"useSecret": True, "existingSecret": CREDENTIALS_SECRET},
        "backupsEnabled": True,
        "snapshotsEnabled": False,
        "deployNodeAgent": True,
        "nodeAgent": {"resources": NODE_AGENT_RESOURCES},
        "resources": RESOURCES,
        "schedules": {s.name: _schedule(platform, s) for s in platform.backups.velero_schedules},
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": True}},
    }


def build(platform: Platform) -> list[Component]:
    store = platform.object_store
    credentials = seaweedfs.external_secret(
        platform,
        name=CREDENTIALS_SECRET,
        namespace=NAMESPACE,
        keys={
            seaweedfs.ACCESS_KEY: store.access_key_key,
            seaweedfs.SECRET_KEY: store.secret_key_key,
        },
        template={"cloud": CLOUD_FILE},
    )
    return [
        Component(
            name="velero-secrets",
            namespace=NAMESPACE,
            sync_wave=2,
            manifests={"external-secrets": [credentials]},
            namespaces=(
                Namespace(
                    NAMESPACE,
                    "privileged",
                    reason=(
                        "the node-agent DaemonSet mounts /var/lib/kubelet/pods (hostPath) to "
                        "back volume data up with Kopia; baseline forbids hostPath"
                    ),
                ),
            ),
            description="Velero's AWS credentials file, rendered by ESO from Doppler",
        ),
        Component(
            name="velero",
            namespace=NAMESPACE,
            sync_wave=5,
            chart=catalog.chart("velero").ref,
            values=values(platform),
            provides_crds=VELERO_CRDS,
            cluster_resources=(*CRDS_AND_RBAC,),
            description="Cluster backups to S3 with Kopia file-system backup of volumes",
            seed_deviation=(
                "plugin-for-aws 1.14 (1.10 works only with Velero 1.14); volume data backed up "
                "with Kopia (the seed backed up manifests only); no VolumeSnapshotLocation"
            ),
        ),
    ]
