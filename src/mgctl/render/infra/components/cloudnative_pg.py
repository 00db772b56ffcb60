"""The CloudNativePG operator and the Barman Cloud plugin (its `ObjectStore` replaces the
deprecated in-tree `barmanObjectStore`). The Cluster/ObjectStore/ScheduledBackup objects per
database are rendered into mg-deploy by the DR engineer."""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace

NAMESPACE = "cnpg-system"
RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
PLUGIN_RESOURCES = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}

CNPG_CRDS = (
    "postgresql.cnpg.io/Backup",
    "postgresql.cnpg.io/Cluster",
    "postgresql.cnpg.io/ClusterImageCatalog",
    "postgresql.cnpg.io/Database",
    "postgresql.cnpg.io/DatabaseRole",
    "postgresql.cnpg.io/FailoverQuorum",
    "postgresql.cnpg.io/ImageCatalog",
    "postgresql.cnpg.io/Pooler",
    "postgresql.cnpg.io/Publication",
    "postgresql.cnpg.io/ScheduledBackup",
    "postgresql.cnpg.io/Subscription",
)


def operator_values(platform: Platform) -> dict[str, Any]:
    return {
        "crds": {"create": True},
        "config": {"clusterWide": True},
        "monitoring": {
            "podMonitorEnabled": True,
            "grafanaDashboard": {"create": True},
        },
        "resources": RESOURCES,
    }


def plugin_values(platform: Platform) -> dict[str, Any]:
    return {"crds": {"create": True}, "resources": PLUGIN_RESOURCES}


def build(platform: Platform) -> list[Component]:
    namespace = Namespace(NAMESPACE, "restricted")
    return [
        Component(
            name="cloudnative-pg",
            namespace=NAMESPACE,
            sync_wave=3,
            chart=catalog.chart("cloudnative-pg").ref,
            values=operator_values(platform),
            provides_crds=CNPG_CRDS,
            cluster_resources=(
                *CRDS_AND_RBAC,
                "admissionregistration.k8s.io/MutatingWebhookConfiguration",
                "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
            ),
            namespaces=(namespace,),
            description="PostgreSQL operator (CloudNativePG), metrics PodMonitor on",
            seed_deviation="chart 0.22 -> 0.29 (operator 1.30)",
        ),
        Component(
            name="plugin-barman-cloud",
            namespace=NAMESPACE,
            sync_wave=4,
            chart=catalog.chart("plugin-barman-cloud").ref,
            values=plugin_values(platform),
            provides_crds=("barmancloud.cnpg.io/ObjectStore",),
            cluster_resources=(*CRDS_AND_RBAC,),
            description="Barman Cloud CNPG-I plugin: WAL archive and base backups to S3",
            seed_deviation=(
                "in-tree barmanObjectStore is deprecated since CNPG 1.26 and removed in 1.31; "
                "the plugin needs cert-manager"
            ),
        ),
    ]
