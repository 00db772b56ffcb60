"""Builders for the Argo CD objects mg-infrastructure is made of: Application, AppProject,
ApplicationSet. Plain dicts in, plain dicts out; every policy choice (sync options, retry,
PSS labels on created namespaces) lives here once.
"""

from __future__ import annotations

from typing import Any

from mgctl.catalog import ChartRef
from mgctl.render.infra.component import PodSecurityLevel

ARGOCD_NAMESPACE = "argocd"
IN_CLUSTER = "https://kubernetes.default.svc"
API_VERSION = "argoproj.io/v1alpha1"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
PROVIDES_CRDS = "mgctl.io/provides-crds"  # "group/Kind,group/Kind": CRDs the Application installs
CLUSTER_RESOURCES = "mgctl.io/cluster-resources"  # "group/Kind,…": cluster-scoped kinds it creates
# "ns,…": namespaces the chart deploys into besides the destination (e.g. namespaceOverride)
EXTRA_NAMESPACES = "mgctl.io/extra-namespaces"
VALUES_REF = "values"

RETRY: dict[str, Any] = {
    "limit": 10,
    "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"},
}


def pss_labels(level: PodSecurityLevel) -> dict[str, str]:
    """Pod Security Admission labels: enforce the level, warn and audit at restricted."""
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    }


def sync_policy(
    *, server_side_apply: bool = True, create_namespace: bool = False
) -> dict[str, Any]:
    options = ["PrunePropagationPolicy=foreground", "PruneLast=true"]
    if server_side_apply:
        options.append("ServerSideApply=true")
    if create_namespace:
        options.append("CreateNamespace=true")
    return {
        "automated": {"prune": True, "selfHeal": True},
        "syncOptions": options,
        "retry": RETRY,
    }


def metadata(
    name: str,
    wave: int,
    *,
    provides_crds: tuple[str, ...] = (),
    cluster_resources: tuple[str, ...] = (),
    extra_namespaces: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    annotations = {SYNC_WAVE: str(wave)}
    if provides_crds:
        annotations[PROVIDES_CRDS] = ",".join(sorted(provides_crds))
    if cluster_resources:
        annotations[CLUSTER_RESOURCES] = ",".join(sorted(cluster_resources))
    if extra_namespaces:
        annotations[EXTRA_NAMESPACES] = ",".join(sorted(set(extra_namespaces)))
    meta: dict[str, Any] = {"name": name, "namespace": ARGOCD_NAMESPACE}
    if labels:
        meta["labels"] = labels
    meta["annotations"] = annotations
    meta["finalizers"] = ["resources-finalizer.argocd.argoproj.io"]
    return meta


def argocd_chart_location(chart: ChartRef) -> tuple[str, str]:
    """(repoURL, chart) as an Argo CD Helm source spells them. An OCI chart is
    `repoURL: <registry host>` + `chart: <path>/<name>`: Argo CD rejects the `oci://` scheme on
    Helm OCI sources (it reads them as plain OCI artifacts) and treats a bare host as an OCI
    Helm registry without a repository Secret."""
    if chart.repo_url.startswith("oci://"):
        host, _, path = chart.repo_url.removeprefix("oci://").rstrip("/").partition("/")
        return host, f"{path}/{chart.chart}" if path else chart.chart
    return chart.repo_url, chart.chart


def chart_sources(
    chart: ChartRef, release_name: str, values_repo: str, revision: str, values_path: str
) -> list[dict[str, Any]]:
    """An upstream chart at an exact version, its values file taken from this repository."""
    repo_url, chart_name = argocd_chart_location(chart)
    return [
        {
            "repoURL": repo_url,
            "chart": chart_name,
            "targetRevision": chart.version,
            "helm": {
                "releaseName": release_name,
                "valueFiles": [f"${VALUES_REF}/{values_path}"],
            },
        },
        {"repoURL": values_repo, "targetRevision": revision, "ref": VALUES_REF},
    ]


def directory_source(
    repo: str, revision: str, path: str, include: str | None = None
) -> dict[str, Any]:
    directory: dict[str, Any] = {"recurse": True}
    if include:
        directory["include"] = include
    return {"repoURL": repo, "targetRevision": revision, "path": path, "directory": directory}


def application(
    meta: dict[str, Any],
    *,
    project: str,
    namespace: str,
    sources: list[dict[str, Any]],
    server_side_apply: bool = True,
    ignore_differences: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"project": project}
    if len(sources) == 1:
        spec["source"] = sources[0]
    else:
        spec["sources"] = sources
    spec["destination"] = {"server": IN_CLUSTER, "namespace": namespace}
    spec["syncPolicy"] = sync_policy(server_side_apply=server_side_apply)
    if ignore_differences:
        spec["ignoreDifferences"] = ignore_differences
    return {"apiVersion": API_VERSION, "kind": "Application", "metadata": meta, "spec": spec}


def app_project(
    name: str,
    description: str,
    *,
    source_repos: list[str],
    namespaces: list[str],
    cluster_kinds: list[str],
    wave: int,
) -> dict[str, Any]:
    """Least privilege: listed repos, one destination per namespace, exact cluster kinds."""
    whitelist = []
    for entry in sorted(set(cluster_kinds)):
        group, _, kind = entry.rpartition("/")
        whitelist.append({"group": group, "kind": kind})
    return {
        "apiVersion": API_VERSION,
        "kind": "AppProject",
        "metadata": {
            "name": name,
            "namespace": ARGOCD_NAMESPACE,
            "annotations": {SYNC_WAVE: str(wave)},
        },
        "spec": {
            "description": description,
            "sourceRepos": sorted(set(source_repos)),
            "destinations": [
                {"server": IN_CLUSTER, "namespace": ns} for ns in sorted(set(namespaces))
            ],
            "clusterResourceWhitelist": whitelist,
            "namespaceResourceBlacklist": [
                {"group": "", "kind": "ResourceQuota"},
                {"group": "", "kind": "LimitRange"},
            ],
        },
    }


def git_directory_appset(
    name: str,
    *,
    wave: int,
    repo: str,
    revision: str,
    directories: str,
    exclude: list[str],
    project: str,
    namespace: str,
    pod_security: PodSecurityLevel,
    labels: dict[str, str],
    helm_value_files: list[str] | None = None,
) -> dict[str, Any]:
    """One Application per directory under `directories` (Go templates, missing keys fail)."""
    dir_rules: list[dict[str, Any]] = [{"path": directories}]
    dir_rules += [{"path": path, "exclude": True} for path in exclude]
    source: dict[str, Any] = {
        "repoURL": repo,
        "targetRevision": revision,
        "path": "{{ .path.path }}",
    }
    if helm_value_files is not None:
        source["helm"] = {"releaseName": "{{ .path.basename }}", "valueFiles": helm_value_files}
    policy = sync_policy(create_namespace=True)
    policy["managedNamespaceMetadata"] = {"labels": pss_labels(pod_security)}
    return {
        "apiVersion": API_VERSION,
        "kind": "ApplicationSet",
        "metadata": {
            "name": name,
            "namespace": ARGOCD_NAMESPACE,
            "annotations": {SYNC_WAVE: str(wave)},
        },
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {"git": {"repoURL": repo, "revision": revision, "directories": dir_rules}}
            ],
            "template": {
                "metadata": {"name": "{{ .path.basename }}", "labels": labels},
                "spec": {
                    "project": project,
                    "source": source,
                    "destination": {"server": IN_CLUSTER, "namespace": namespace},
                    "syncPolicy": policy,
                },
            },
        },
    }
