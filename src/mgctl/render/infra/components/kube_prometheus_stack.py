"""kube-prometheus-stack: Prometheus sized from config, Grafana (admin password via ESO, Loki
datasource), Alertmanager on the ESO-rendered Telegram config, k3s control plane handled.

k3s runs the scheduler, controller-manager, kube-proxy and (embedded) etcd inside the one k3s
process, their metrics bound to 127.0.0.1: the chart's Services/ServiceMonitors for them would
only ever show targets down. They are disabled with their default rules; the apiserver, kubelet
and cAdvisor (served by the k3s process on the usual ports) stay scraped. Re-enabling needs
`--kube-controller-manager-arg=bind-address=0.0.0.0` (and the like) on every server plus
`endpoints: [<node IPs>]`; docs/observability-and-data.md shows how.

CRDs come from the `prometheus-operator-crds` chart (core component, wave 0): `crds.enabled`
is false here so Argo CD never has to apply the CRDs of a major upgrade client-side.
"""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.config.units import parse_bytes, parse_duration
from mgctl.render.infra.component import CLUSTER_RBAC, Component, Namespace
from mgctl.render.infra.components import alerting, loki, seaweedfs

NAMESPACE = "monitoring"
FULLNAME = "kube-prometheus-stack"
NODE_EXPORTER_NAMESPACE = "node-exporter"
GRAFANA_SECRET = "grafana-admin"
GRAFANA_STORAGE = "10Gi"
ALERTMANAGER_STORAGE = "5Gi"
RETENTION_FRACTION = 0.9
RESOURCES: dict[str, dict[str, dict[str, str]]] = {
    "prometheus": {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"memory": "4Gi"}},
    "alertmanager": {"requests": {"cpu": "20m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
    "grafana": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
    "operator": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
    "kube-state-metrics": {
        "requests": {"cpu": "50m", "memory": "128Mi"},
        "limits": {"memory": "256Mi"},
    },
    "node-exporter": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
}
SELECTORS = (
    "serviceMonitorSelectorNilUsesHelmValues",
    "podMonitorSelectorNilUsesHelmValues",
    "ruleSelectorNilUsesHelmValues",
    "probeSelectorNilUsesHelmValues",
    "scrapeConfigSelectorNilUsesHelmValues",
)


def retention_size(storage: str) -> str:
    """~90 % of the volume, in Prometheus' units (MB/GB are powers of two there)."""
    mib = int(parse_bytes(storage) * RETENTION_FRACTION) // 2**20
    return f"{mib // 1024}GB" if mib % 1024 == 0 else f"{mib}MB"


def _pvc(size: str, storage_class: str) -> dict[str, Any]:
    return {
        "volumeClaimTemplate": {
            "spec": {
                "storageClassName": storage_class,
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
            }
        }
    }


def _prometheus(platform: Platform) -> dict[str, Any]:
    metrics = platform.observability.metrics
    spec: dict[str, Any] = {
        "retention": f"{parse_duration(metrics.retention) // 86400}d"
        if parse_duration(metrics.retention) % 86400 == 0
        else f"{parse_duration(metrics.retention) // 3600}h",
        "retentionSize": retention_size(metrics.storage),
        "storageSpec": _pvc(metrics.storage, platform.cluster.storage_class),
        "resources": RESOURCES["prometheus"],
    }
    spec.update(dict.fromkeys(SELECTORS, False))
    return {"prometheusSpec": spec}


def _grafana(platform: Platform) -> dict[str, Any]:
    return {
        "admin": {
            "existingSecret": GRAFANA_SECRET,
            "userKey": "admin-user",
            "passwordKey": "admin-password",
        },
        "persistence": {
            "enabled": True,
            "storageClassName": platform.cluster.storage_class,
            "size": GRAFANA_STORAGE,
        },
        # the volume is group-owned through the pod's fsGroup (472); the chart's root
        # init-chown-data container would need Pod Security baseline
        "initChownData": {"enabled": False},
        "ingress": {"enabled": False},  # reached through Tailscale
        "sidecar": {
            "dashboards": {"enabled": True, "searchNamespace": "ALL"},
            "datasources": {"enabled": True},
        },
        "additionalDataSources": [
            {
                "name": "Loki",
                "type": "loki",
                "uid": "loki",
                "url": loki.SERVICE_URL,
                "access": "proxy",
                "jsonData": {"maxLines": 5000},
            }
        ]
        if platform.component_enabled("loki")
        else [],
        "resources": RESOURCES["grafana"],
    }


def _alertmanager(platform: Platform) -> dict[str, Any]:
    return {
        "alertmanagerSpec": {
            "useExistingSecret": True,
            "configSecret": alerting.CONFIG_SECRET,
            "storage": _pvc(ALERTMANAGER_STORAGE, platform.cluster.storage_class),
            "resources": RESOURCES["alertmanager"],
        }
    }


def values(platform: Platform) -> dict[str, Any]:
    k3s_off = {"enabled": False}
    return {
        "fullnameOverride": FULLNAME,  # Services kube-prometheus-stack-{prometheus,grafana,...}
        "crds": {"enabled": False},
        "defaultRules": {
            "rules": {
                "etcd": False,
                "kubeControllerManager": False,
                "kubeProxy": False,
                "kubeSchedulerAlerting": False,
                "kubeSchedulerRecording": False,
            }
        },
        "kubeScheduler": k3s_off,
        "kubeControllerManager": k3s_off,
        "kubeProxy": k3s_off,
        "kubeEtcd": k3s_off,
        # the chart would create its CoreDNS Service in kube-system (outside the platform
        # project's destinations); k3s' kube-dns Service already exposes metrics: see coredns
        "coreDns": {"enabled": False},
        "prometheus": _prometheus(platform),
        "alertmanager": _alertmanager(platform),
        "grafana": _grafana(platform),
        "prometheusOperator": {"resources": RESOURCES["operator"]},
        "kube-state-metrics": {"resources": RESOURCES["kube-state-metrics"]},
        "prometheus-node-exporter": {
            "namespaceOverride": NODE_EXPORTER_NAMESPACE,
            "resources": RESOURCES["node-exporter"],
        },
    }


def coredns_monitor() -> dict[str, Any]:
    """Scrapes k3s' CoreDNS through its own kube-dns Service (port `metrics`, 9153)."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "coredns", "namespace": NAMESPACE},
        "spec": {
            "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "namespaceSelector": {"matchNames": ["kube-system"]},
            "endpoints": [
                {
                    "port": "metrics",
                    "interval": "30s",
                    "relabelings": [{"targetLabel": "job", "replacement": "coredns"}],
                }
            ],
        },
    }


def grafana_secret(platform: Platform) -> dict[str, Any]:
    return seaweedfs.external_secret(
        platform,
        name=GRAFANA_SECRET,
        namespace=NAMESPACE,
        keys={"GRAFANA_ADMIN_PASSWORD": platform.observability.grafana_password_key},
        template={"admin-user": "admin", "admin-password": "{{ .GRAFANA_ADMIN_PASSWORD }}"},
    )


def build(platform: Platform) -> list[Component]:
    namespaces = (
        # restricted: Grafana's init-chown-data container (root, CHOWN) is off, its volume
        # is made writable by fsGroup instead; node-exporter runs in its own namespace
        Namespace(NAMESPACE),
        Namespace(
            NODE_EXPORTER_NAMESPACE,
            "privileged",
            reason="node-exporter needs hostNetwork, hostPID and hostPath mounts of /proc, /sys, /",
        ),
    )
    return [
        Component(
            # holds the namespace only (no chart, no manifests): the node-exporter subchart
            # deploys there (namespaceOverride), so it must be a destination of the project
            name=NODE_EXPORTER_NAMESPACE,
            namespace=NODE_EXPORTER_NAMESPACE,
            sync_wave=4,
            namespaces=(namespaces[1],),
            description="Namespace of kube-prometheus-stack's node-exporter DaemonSet",
        ),
        Component(
            name="monitoring-secrets",
            namespace=NAMESPACE,
            sync_wave=2,
            manifests={
                "external-secrets": [
                    grafana_secret(platform),
                    alerting.alertmanager_secret(platform),
                    seaweedfs.credentials_secret(platform, NAMESPACE),
                ]
            },
            namespaces=namespaces,
            description="Grafana admin, Alertmanager config (Telegram), Loki's S3 keys via ESO",
        ),
        Component(
            name="kube-prometheus-stack",
            namespace=NAMESPACE,
            sync_wave=4,
            chart=catalog.chart("kube-prometheus-stack").ref,
            values=values(platform),
            manifests={"service-monitors": [coredns_monitor()]},
            cluster_resources=(
                *CLUSTER_RBAC,
                "admissionregistration.k8s.io/MutatingWebhookConfiguration",
                "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
            ),
            description="Prometheus, Alertmanager, Grafana, operator, kube-state-metrics",
            seed_deviation=(
                "CRDs from prometheus-operator-crds; k3s control-plane jobs disabled; "
                "Alertmanager config from an ExternalSecret template instead of a plain Secret; "
                "retention/size from config"
            ),
        ),
    ]
