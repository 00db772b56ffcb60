"""The cheap CRD summary agrees with a full parse for every CRD the platform's charts
render, and the cluster it describes serves what Argo CD would pass to helm."""

from __future__ import annotations

from pathlib import Path

from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.crds import summarize, summarize_body
from mgctl.manifests import load_yaml_documents

from .support import view


def test_summaries_match_full_parses(rendered: Path) -> None:
    crds = [
        obj
        for app in view(rendered).apps
        for obj in app.objects
        if obj.kind == "CustomResourceDefinition"
    ]
    assert len(crds) > 140
    for obj in crds:
        assert obj.full_text is not None
        whole = summarize_body(load_yaml_documents(obj.full_text, obj.source)[0])
        lazy = summarize(obj.full_text, obj.source)
        assert (lazy.group, lazy.kind, lazy.plural, lazy.namespaced, lazy.served) == (
            whole.group,
            whole.kind,
            whole.plural,
            whole.namespaced,
            whole.served,
        ), obj.source


def test_flow_style_versions_fall_back_to_a_full_parse() -> None:
    text = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata: {name: widgets.example.com}\n"
        "spec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n"
        "  scope: Cluster\n  versions: [{name: v1, served: true, storage: true},"
        " {name: v0, served: false, storage: false}]\n"
    )
    summary = summarize(text, "x")
    assert (summary.kind, summary.namespaced, summary.served) == ("Widget", False, ("v1",))


def test_cluster_api_versions_as_argo_cd_lists_them() -> None:
    cluster = ClusterInfo.for_version("1.35")
    versions = cluster.api_versions()
    assert "apps/v1" in versions and "apps/v1/Deployment" in versions and "v1/Pod" in versions
    assert not any("alpha" in v for v in versions)
    assert cluster.kube_version == "1.35.0"
    assert not cluster.is_namespaced("", "Namespace")
    assert cluster.is_namespaced("example.com", "Unknown")  # IsNamespacedOrUnknown
