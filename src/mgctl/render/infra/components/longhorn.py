"""Longhorn block storage: the default StorageClass and the S3 backup target.

Backups go to the object store (`objectStore.s3_endpoint`), bucket `objectStore.buckets.longhorn`,
with credentials synced from Doppler by ESO (`longhorn-secrets`, one wave
before the chart).
"""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace
from mgctl.render.infra.components.external_secrets import external_secret

NAME = "longhorn"
NAMESPACE = "longhorn-system"
SYNC_WAVE = 3
SECRETS_WAVE = 2
CHART_STORAGE_CLASS = "longhorn"  # the StorageClass the chart itself creates
BACKUP_SECRET = "longhorn-backup-s3"
BACKUP_CRON = "30 2 * * *"  # before the 03:00 Velero and database backups
BACKUP_RETAIN = 7
UI_SERVICE = "longhorn-frontend"
UI_PORT = 80
PRIVILEGED_REASON = (
    "longhorn-manager, instance managers and the CSI plugin run privileged with host paths "
    "(iSCSI, /dev, /var/lib/longhorn)"
)


def backup_target(platform: Platform) -> str:
    store = platform.object_store
    return f"s3://{store.buckets.longhorn}@{store.region}/"


def backup_credentials(platform: Platform) -> dict[str, Any]:
    store = platform.object_store
    return external_secret(
        platform,
        BACKUP_SECRET,
        NAMESPACE,
        {"access_key": store.access_key_key, "secret_key": store.secret_key_key},
        template={
            "type": "Opaque",
            "data": {
                "AWS_ACCESS_KEY_ID": "{{ .access_key }}",
                "AWS_SECRET_ACCESS_KEY": "{{ .secret_key }}",
                "AWS_ENDPOINTS": store.s3_endpoint,
            },
        },
    )


def values(platform: Platform) -> dict[str, Any]:
    replicas = platform.cluster.storage_replicas
    return {
        # The pre-upgrade checker is a Helm hook Job that Argo CD runs on every sync and
        # that fails outside `helm upgrade` (Longhorn docs: install with Argo CD).
        "preUpgradeChecker": {"jobEnabled": False},
        "persistence": {
            "defaultClass": platform.cluster.storage_class == CHART_STORAGE_CLASS,
            "defaultClassReplicaCount": replicas,
            "defaultFsType": "ext4",
            "reclaimPolicy": "Retain",
        },
        "defaultSettings": {
            "defaultReplicaCount": replicas,
            "storageOverProvisioningPercentage": 100,
            "storageMinimalAvailablePercentage": 15,
        },
        "defaultBackupStore": {
            "backupTarget": backup_target(platform),
            "backupTargetCredentialSecret": BACKUP_SECRET,
            "pollInterval": 300,
        },
    }


BACKUP_GROUP = "mgctl-backup"


def recurring_backup() -> dict[str, Any]:
    """Daily incremental block-level backups (last BACKUP_RETAIN kept) for volumes that opt in
    with the label `recurring-job-group.longhorn.io/mgctl-backup: enabled`.

    Not the `default` group: that would back the object store's own volume up into itself and
    duplicate what Velero's Kopia file-system backup and the databases' Barman backups already
    keep. Opt-in suits a volume that needs fast whole-volume restores."""
    return {
        "apiVersion": "longhorn.io/v1beta2",
        "kind": "RecurringJob",
        "metadata": {"name": "daily-backup", "namespace": NAMESPACE},
        "spec": {
            "name": "daily-backup",
            "task": "backup",
            "cron": BACKUP_CRON,
            "retain": BACKUP_RETAIN,
            "concurrency": 1,
            "groups": [BACKUP_GROUP],
            "labels": {},
        },
    }


def extra_storage_class(platform: Platform) -> list[dict[str, Any]]:
    """A StorageClass named as in platform.yaml when that is not the chart's `longhorn`."""
    if platform.cluster.storage_class == CHART_STORAGE_CLASS:
        return []
    return [
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": platform.cluster.storage_class,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            "provisioner": "driver.longhorn.io",
            "allowVolumeExpansion": True,
            "reclaimPolicy": "Retain",
            "volumeBindingMode": "Immediate",
            "parameters": {
                "numberOfReplicas": str(platform.cluster.storage_replicas),
                "staleReplicaTimeout": "30",
                "fsType": "ext4",
            },
        }
    ]


def build(platform: Platform) -> list[Component]:
    namespace = Namespace(NAMESPACE, "privileged", PRIVILEGED_REASON)
    storage = extra_storage_class(platform)
    return [
        Component(
            name="longhorn-secrets",
            namespace=NAMESPACE,
            sync_wave=SECRETS_WAVE,
            manifests={"external-secrets": [backup_credentials(platform)]},
            namespaces=(namespace,),
            description="S3 credentials of the Longhorn backup target, from Doppler",
        ),
        Component(
            name=NAME,
            namespace=NAMESPACE,
            sync_wave=SYNC_WAVE,
            chart=catalog.chart("longhorn").ref,
            values=values(platform),
            manifests={"recurring-jobs": [recurring_backup()], "storage-class": storage},
            provides_crds=tuple(
                f"longhorn.io/{kind}"
                for kind in (
                    "BackingImage",
                    "BackingImageDataSource",
                    "BackingImageManager",
                    "Backup",
                    "BackupBackingImage",
                    "BackupTarget",
                    "BackupVolume",
                    "Engine",
                    "EngineImage",
                    "InstanceManager",
                    "Node",
                    "Orphan",
                    "RecurringJob",
                    "Replica",
                    "Setting",
                    "ShareManager",
                    "Snapshot",
                    "SupportBundle",
                    "SystemBackup",
                    "SystemRestore",
                    "Volume",
                    "VolumeAttachment",
                )
            ),
            namespaces=(namespace,),
            cluster_resources=(
                *CRDS_AND_RBAC,
                # the chart's own StorageClass and CSIDriver are created by longhorn-manager at
                # run time, not by Argo CD; only mgctl's extra StorageClass is synced
                *(["storage.k8s.io/StorageClass"] if extra_storage_class(platform) else []),
                "scheduling.k8s.io/PriorityClass",
            ),
            description="Replicated block storage, default StorageClass, volume backups to S3",
            seed_deviation="Seed: v1.7.2 raw manifests, no backup target. Now chart 1.12 "
            "(upgrade one minor at a time), defaultBackupStore on the object store.",
        ),
    ]
