"""Every pinned upstream component of the platform: chart repository, chart, exact version.

One place to bump a version. `crd_dir` names the upstream CRD copy under `shared/crds/`
(`<project>/<tag>`) that validation uses for this release; `None` when the component
installs no CRDs. Versions are exact (never ranges): see docs/infrastructure.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mgctl.render.infra.component import ChartRef


@dataclass(frozen=True)
class CatalogEntry:
    key: str
    repo_url: str  # Helm repo (https://…), OCI registry path (oci://… without chart), or image repo
    chart: str  # chart name, or the image name for kind "image"
    version: str  # exact chart version (or image tag)
    app_version: str
    crd_dir: str | None = None
    kind: Literal["chart", "image"] = "chart"

    @property
    def ref(self) -> ChartRef:
        if self.kind != "chart":
            raise ValueError(f"{self.key} is an image, not a chart")
        return ChartRef(repo_url=self.repo_url, chart=self.chart, version=self.version)

    @property
    def image(self) -> str:
        return f"{self.repo_url}/{self.chart}:{self.version}"


_ARGO = "https://argoproj.github.io/argo-helm"
_PROMETHEUS = "https://prometheus-community.github.io/helm-charts"

_ENTRIES = (
    # 10.9.1 moved Argo CD to v3.5.3 (10.9.2 is chart-only fixes); the CRDs kept for validation
    # are v3.5.1's, unchanged within the 3.5 patch line.
    CatalogEntry("argo-cd", _ARGO, "argo-cd", "10.9.2", "v3.5.3", "argo-cd/v3.5.1"),
    CatalogEntry(
        "argocd-image-updater",
        _ARGO,
        "argocd-image-updater",
        "1.2.2",
        "v1.3.0",
        "argocd-image-updater/v1.3.0",
    ),
    CatalogEntry(
        "external-secrets",
        "https://charts.external-secrets.io",
        "external-secrets",
        "2.9.0",
        "v2.9.0",
        "external-secrets/v2.9.0",
    ),
    CatalogEntry(
        "traefik",
        "https://traefik.github.io/charts",
        "traefik",
        "41.3.0",
        "v3.7.15",
        "traefik/helm-chart-v41.3.0",
    ),
    CatalogEntry(
        "cert-manager",
        "https://charts.jetstack.io",
        "cert-manager",
        "v1.21.1",
        "v1.21.1",
        "cert-manager/v1.21.1",
    ),
    CatalogEntry(
        "metallb",
        "https://metallb.github.io/metallb",
        "metallb",
        "0.16.1",
        "v0.16.1",
        "metallb/v0.16.1",
    ),
    CatalogEntry(
        "longhorn",
        "https://charts.longhorn.io",
        "longhorn",
        "1.12.1",
        "v1.12.1",
        "longhorn/v1.12.1",
    ),
    CatalogEntry(
        "tailscale-operator",
        "https://pkgs.tailscale.com/helmcharts",
        "tailscale-operator",
        "1.102.3",
        "v1.102.3",
        "tailscale/v1.102.3",
    ),
    CatalogEntry(
        "reloader", "https://stakater.github.io/stakater-charts", "reloader", "2.2.17", "v1.4"
    ),
    CatalogEntry(
        "kube-prometheus-stack",
        _PROMETHEUS,
        "kube-prometheus-stack",
        "88.6.4",
        "v0.93.1",
        "prometheus-operator/v0.93.0",
    ),
    CatalogEntry(
        "prometheus-operator-crds",
        _PROMETHEUS,
        "prometheus-operator-crds",
        "31.0.0",
        "v0.93.0",
        "prometheus-operator/v0.93.0",
    ),
    CatalogEntry(
        "loki", "https://grafana-community.github.io/helm-charts", "loki", "18.4.2", "3.7.3"
    ),
    CatalogEntry(
        "alloy",
        "https://grafana.github.io/helm-charts",
        "alloy",
        "1.11.1",
        "v1.18.0",
        "alloy/helm-chart-1.11.1",
    ),
    CatalogEntry(
        "seaweedfs", "https://seaweedfs.github.io/seaweedfs/helm", "seaweedfs", "4.0.448", "4.48"
    ),
    CatalogEntry(
        "velero",
        "https://vmware-tanzu.github.io/helm-charts",
        "velero",
        "12.1.0",
        "v1.18.1",
        "velero/v1.18.1",
    ),
    CatalogEntry(
        "velero-plugin-for-aws",
        "docker.io/velero",
        "velero-plugin-for-aws",
        "v1.14.0",
        "v1.14.0",
        kind="image",
    ),
    CatalogEntry(
        "cloudnative-pg",
        "https://cloudnative-pg.github.io/charts",
        "cloudnative-pg",
        "0.29.0",
        "1.30.0",
        "cloudnative-pg/v1.30.0",
    ),
    CatalogEntry(
        "plugin-barman-cloud",
        "https://cloudnative-pg.github.io/charts",
        "plugin-barman-cloud",
        "0.7.0",
        "v0.14.0",
        "plugin-barman-cloud/v0.14.0",
    ),
    CatalogEntry(
        "strimzi",
        "oci://quay.io/strimzi-helm",
        "strimzi-kafka-operator",
        "1.2.0",
        "1.2.0",
        "strimzi/1.2.0",
    ),
)

CATALOG: dict[str, CatalogEntry] = {entry.key: entry for entry in _ENTRIES}


def chart_repositories() -> list[str]:
    """Every Helm/OCI repository URL a platform Application may pull a chart from."""
    return sorted({e.repo_url for e in _ENTRIES if e.kind == "chart"})
