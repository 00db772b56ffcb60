"""One platform component in mg-infrastructure: an upstream chart and/or plain manifests,
installed by one Argo CD Application at a sync wave.

Every component module under `components/` exposes `build(platform) -> list[Component]`.
`infra.repository` lays each out as `base/<name>/` and writes its Application(s):
- `base/<name>/values.yaml`       the chart values (multi-source `$values` reference)
- `base/<name>/manifests/*.yaml`  plain manifests, synced by a second Application
                                  `<name>-config` one wave after the chart (their CRDs exist then)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from mgctl.catalog import ChartRef

PodSecurityLevel = Literal["restricted", "baseline", "privileged"]

# Cluster-scoped kinds most charts create: the RBAC of their controller, and their CRDs.
CLUSTER_RBAC = (
    "rbac.authorization.k8s.io/ClusterRole",
    "rbac.authorization.k8s.io/ClusterRoleBinding",
)
CRDS_AND_RBAC = ("apiextensions.k8s.io/CustomResourceDefinition", *CLUSTER_RBAC)


@dataclass(frozen=True)
class Namespace:
    name: str
    pod_security: PodSecurityLevel = "restricted"
    reason: str = ""  # why a level below restricted is needed; written as a comment


@dataclass
class Component:
    name: str
    namespace: str
    sync_wave: int
    chart: ChartRef | None = None
    release_name: str | None = None  # default: name
    values: dict[str, Any] | None = None
    manifests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # file stem -> docs
    provides_crds: tuple[str, ...] = ()  # "group/Kind" this component installs
    namespaces: tuple[Namespace, ...] = ()
    cluster_resources: tuple[str, ...] = ()  # "group/Kind" cluster-scoped kinds it creates
    server_side_apply: bool = True
    ignore_differences: list[dict[str, Any]] = field(default_factory=list)
    description: str = ""
    seed_deviation: str = ""  # for the component table in the docs
