"""A fresh render of the example still gives bootstrap everything it reads (the recorded render
in rendered/ is what the other tests use; this catches generator changes that break it)."""

from __future__ import annotations

from pathlib import Path

from mgctl import catalog
from mgctl.cluster.bootstrap import required_secrets
from mgctl.cluster.rendered import load_rendered
from mgctl.config import Platform

from .harness import SHARED_CRDS


def test_fresh_render_feeds_bootstrap(fresh_tree: Path, platform: Platform) -> None:
    rendered = load_rendered(fresh_tree, [SHARED_CRDS])
    pinned = catalog.chart("argo-cd")
    assert (rendered.argocd.chart, rendered.argocd.version) == (pinned.chart, pinned.version)
    assert rendered.argocd.values_file.is_file()
    assert any(d.get("kind") == "Application" for d in rendered.root_apps)
    required_secrets(platform, rendered)  # raises if a Secret's namespace is not rendered
    names = {c.name for c in rendered.crds}
    assert {
        "applications.argoproj.io",
        "applicationsets.argoproj.io",
        "appprojects.argoproj.io",
    } <= names
    for ns in rendered.namespaces:
        assert "pod-security.kubernetes.io/enforce" in ns["metadata"]["labels"], ns
