"""The S3 object store that replaces the seed's MinIO: SeaweedFS in the cluster, or an external
S3 endpoint from config. Also the ExternalSecret helpers every object-store client shares.

Buckets: `objectStore.buckets` (velero, databases, loki). With `type: external` nothing is
installed here; every client points at `objectStore.endpoint` and the buckets must exist there.
`objectStore.offsite` is the DR engineer's second barman ObjectStore; nothing is replicated here.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CLUSTER_RBAC, Component, Namespace

NAMESPACE = "seaweedfs"
S3_CONFIG_SECRET = "seaweedfs-s3-config"
CREDENTIALS_SECRET = "object-store-credentials"  # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
ACCESS_KEY = "AWS_ACCESS_KEY_ID"
SECRET_KEY = "AWS_SECRET_ACCESS_KEY"
FILER_SIZE = "10Gi"  # filer metadata store (leveldb)
MASTER_SIZE = "1Gi"  # raft log, topology

RESOURCES: dict[str, dict[str, dict[str, str]]] = {
    "master": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
    "volume": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
    "filer": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
}


def secret_store(platform: Platform) -> dict[str, str]:
    """The ClusterSecretStore of this cluster's environment (created by the core engineer)."""
    return {"kind": "ClusterSecretStore", "name": f"doppler-{platform.project.environment}"}


def external_secret(
    platform: Platform,
    *,
    name: str,
    namespace: str,
    keys: dict[str, str],
    template: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An ExternalSecret (external-secrets.io/v1) reading `keys` (secret key -> Doppler key).

    With `template`, the target Secret's data is rendered by ESO's v2 template engine from those
    keys (`{{ .SECRET_KEY }}`); without it the keys are copied as they are.
    """
    target: dict[str, Any] = {"name": name, "creationPolicy": "Owner", "deletionPolicy": "Retain"}
    if template is not None:
        target["template"] = {"engineVersion": "v2", "data": template}
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": secret_store(platform),
            "target": target,
            "data": [
                {"secretKey": key, "remoteRef": {"key": remote}} for key, remote in keys.items()
            ],
        },
    }


def credentials_secret(
    platform: Platform, namespace: str, template: dict[str, str] | None = None
) -> dict[str, Any]:
    """The object store's access key pair as `object-store-credentials` in `namespace`."""
    store = platform.object_store
    return external_secret(
        platform,
        name=CREDENTIALS_SECRET,
        namespace=namespace,
        keys={ACCESS_KEY: store.access_key_key, SECRET_KEY: store.secret_key_key},
        template=template,
    )


def s3_host(platform: Platform) -> tuple[str, bool]:
    """(host[:port], insecure) of the S3 endpoint, for clients that want no scheme (Loki)."""
    url = urlparse(platform.object_store.s3_endpoint)
    return url.netloc, url.scheme == "http"


def _s3_identities_template() -> str:
    config = {
        "identities": [
            {
                "name": "platform",
                "credentials": [
                    {
                        "accessKey": f"__{ACCESS_KEY}__",
                        "secretKey": f"__{SECRET_KEY}__",
                    }
                ],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    text = json.dumps(config, indent=2)
    for key in (ACCESS_KEY, SECRET_KEY):  # values JSON-quoted by ESO (sprig toJson)
        text = text.replace(f'"__{key}__"', "{{ ." + key + " | toJson }}")
    return text


def _pvc(size: str, storage_class: str) -> dict[str, str]:
    return {"type": "persistentVolumeClaim", "size": size, "storageClass": storage_class}


def values(platform: Platform) -> dict[str, Any]:
    store = platform.object_store
    sc = platform.cluster.storage_class
    buckets = [
        store.buckets.velero,
        store.buckets.databases,
        store.buckets.loki,
        store.buckets.longhorn,
    ]
    return {
        "master": {
            "replicas": 1,
            "defaultReplication": "000",  # one copy: Longhorn replicates the volume
            "data": _pvc(MASTER_SIZE, sc),
            "logs": {"type": "emptyDir"},
            "resources": RESOURCES["master"],
        },
        "volume": {
            "replicas": 1,
            "dataDirs": [{"name": "data1", **_pvc(store.size, sc), "maxVolumes": 0}],
            "logs": {"type": "emptyDir"},
            "resources": RESOURCES["volume"],
        },
        "filer": {
            "replicas": 1,
            "data": _pvc(FILER_SIZE, sc),
            "logs": {"type": "emptyDir"},
            "resources": RESOURCES["filer"],
            "s3": {
                "enabled": True,
                "port": 8333,
                "enableAuth": True,
                "existingConfigSecret": S3_CONFIG_SECRET,
                "createBuckets": [{"name": b, "anonymousRead": False} for b in buckets],
            },
        },
    }


def build(platform: Platform) -> list[Component]:
    store = platform.object_store
    if store.type == "external":
        return []
    s3_config = external_secret(
        platform,
        name=S3_CONFIG_SECRET,
        namespace=NAMESPACE,
        keys={ACCESS_KEY: store.access_key_key, SECRET_KEY: store.secret_key_key},
        template={"seaweedfs_s3_config": _s3_identities_template()},
    )
    namespace = Namespace(
        NAMESPACE,
        "baseline",
        reason="the SeaweedFS chart sets no seccompProfile/capabilities on its pods",
    )
    return [
        Component(
            name="seaweedfs-secrets",
            namespace=NAMESPACE,
            sync_wave=2,
            manifests={"external-secrets": [s3_config]},
            namespaces=(namespace,),
            description="S3 identities of SeaweedFS, from Doppler",
        ),
        Component(
            name="seaweedfs",
            namespace=NAMESPACE,
            sync_wave=4,
            chart=catalog.chart("seaweedfs").ref,
            values=values(platform),
            cluster_resources=(*CLUSTER_RBAC,),
            description="In-cluster S3 (master, volume, filer with S3 gateway) and its buckets",
            seed_deviation=(
                "MinIO's community edition is unmaintained (no images since 2025-10); "
                "SeaweedFS is Apache-2.0 and serves S3 from its filer"
            ),
        ),
    ]
