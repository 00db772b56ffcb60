"""What Argo CD knows about the destination cluster: its version and its API resources.

The controller passes the cluster's version and every served `group/version` and
`group/version/Kind` to the repo-server (controller/state.go → `argo.APIResourcesToStrings(..,
true)` in util/argo/argo.go), and decides per kind whether it is namespaced
(controller/state.go `DeduplicateTargetObjects`). Offline, the cluster is the platform's steady
state: the built-in GA kinds of the configured Kubernetes version plus every CRD the platform's
charts install.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mgctl.argocd.crds import CrdSummary
from mgctl.kube_api import builtin_served, cluster_scoped_builtins, parse_kubernetes_version


@dataclass
class ClusterInfo:
    major: int
    minor: int
    served: set[tuple[str, str]] = field(default_factory=set)  # (apiVersion, Kind)
    cluster_scoped: set[str] = field(default_factory=set)  # group/Kind
    custom: dict[str, CrdSummary] = field(default_factory=dict)  # group/Kind -> its CRD

    @classmethod
    def for_version(cls, kubernetes_version: str) -> ClusterInfo:
        major, minor = parse_kubernetes_version(kubernetes_version)
        return cls(major, minor, set(builtin_served(major, minor)), set(cluster_scoped_builtins()))

    def with_crds(self, crds: list[CrdSummary]) -> ClusterInfo:
        """The built-in API of this version plus exactly `crds` (what one chart depends on)."""
        cluster = ClusterInfo.for_version(f"{self.major}.{self.minor}")
        for crd in crds:
            cluster.add_crd(crd)
        return cluster

    @property
    def kube_version(self) -> str:
        """As the repo-server passes it to helm (k8s ParseGeneric(..).String())."""
        return f"{self.major}.{self.minor}.0"

    def add_crd(self, crd: CrdSummary) -> None:
        key = f"{crd.group}/{crd.kind}"
        self.custom.setdefault(key, crd)
        for version in crd.served:
            self.served.add((f"{crd.group}/{version}", crd.kind))
        if not crd.namespaced:
            self.cluster_scoped.add(key)

    def is_namespaced(self, group: str, kind: str) -> bool:
        """Unknown kinds count as namespaced (kube.IsNamespacedOrUnknown)."""
        return f"{group}/{kind}" not in self.cluster_scoped

    def api_versions(self) -> tuple[str, ...]:
        """Every served group/version and group/version/Kind, sorted."""
        strings = set()
        for api_version, kind in self.served:
            strings.add(api_version)
            strings.add(f"{api_version}/{kind}")
        return tuple(sorted(strings))
