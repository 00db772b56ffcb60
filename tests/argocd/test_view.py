"""The example as Argo CD sees it: bootstrap/root.yaml down to every Application."""

from __future__ import annotations

from pathlib import Path

from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.view import ViewError, load_view

from .support import CHARTS, INFRA, example, view


def test_every_application_is_found_and_rendered(rendered: Path) -> None:
    seen = view(rendered)
    names = {a.app.name for a in seen.apps}
    assert "root" in names and "traefik" in names and "cert-manager-config" in names
    # the services ApplicationSet expanded over mg-deploy (the library is excluded)
    assert {s.name for s in example().services} <= names
    assert "_library" not in names
    assert seen.problems == []
    assert all(a.problems == [] for a in seen.apps)
    assert seen.parent["traefik"] == "root"
    broker = seen.app("broker")
    assert broker is not None and broker.app.generated_by == "services"


def test_charts_see_the_crds_of_the_steady_cluster(rendered: Path) -> None:
    seen = view(rendered)
    versions = seen.cluster.api_versions()
    assert "monitoring.coreos.com/v1/ServiceMonitor" in versions
    assert "traefik.io/v1alpha1/Middleware" in versions


def test_renders_are_deterministic_and_cached(rendered: Path, tmp_path: Path) -> None:
    first = RenderCache(tmp_path)
    load_view(
        rendered / INFRA,
        rendered / "mg-deploy",
        charts=CHARTS,
        kubernetes_version="1.35",
        cache=first,
    )
    again = RenderCache(tmp_path)
    load_view(
        rendered / INFRA,
        rendered / "mg-deploy",
        charts=CHARTS,
        kubernetes_version="1.35",
        cache=again,
    )
    assert first.misses > 20 and again.misses == 0 and again.hits == first.misses


def test_without_a_root_application(tree: Path) -> None:
    (tree / INFRA / "bootstrap" / "root.yaml").write_text("apiVersion: v1\nkind: List\nitems: []\n")
    try:
        view(tree)
    except ViewError as exc:
        assert "holds no Application" in str(exc)
    else:
        raise AssertionError("no error")
