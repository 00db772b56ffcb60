"""The Prometheus Operator CRDs as their own chart, one wave before everything that uses them.

kube-prometheus-stack runs with `crds.enabled: false`: CRDs of a new major are applied
server-side by this Application instead of client-side by Helm hooks.
"""

from __future__ import annotations

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import Component, Namespace

NAME = "prometheus-operator-crds"
NAMESPACE = "monitoring"
SYNC_WAVE = 0
KINDS = (
    "Alertmanager",
    "AlertmanagerConfig",
    "PodMonitor",
    "Probe",
    "Prometheus",
    "PrometheusAgent",
    "PrometheusRule",
    "ScrapeConfig",
    "ServiceMonitor",
    "ThanosRuler",
)


def build(platform: Platform) -> list[Component]:
    return [
        Component(
            name=NAME,
            namespace=NAMESPACE,
            sync_wave=SYNC_WAVE,
            chart=catalog.chart(NAME).ref,
            values={},
            provides_crds=tuple(f"monitoring.coreos.com/{kind}" for kind in KINDS),
            namespaces=(Namespace(NAMESPACE),),
            cluster_resources=("apiextensions.k8s.io/CustomResourceDefinition",),
            description="CRDs of ServiceMonitor, PodMonitor, PrometheusRule, … (server-side)",
            seed_deviation="Seed: CRDs inside kube-prometheus-stack; majors need them applied "
            "server-side first, so they are a separate chart here.",
        )
    ]
