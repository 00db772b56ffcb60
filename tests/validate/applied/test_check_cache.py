"""Per-Application check results are reused only while everything they depend on is unchanged:
the render, the namespace policy they read, the CRDs of the kinds they use, mgctl itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from argocd.support import INFRA, edit, edit_values, view
from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RenderedApp
from mgctl.manifests import manifest_of
from mgctl.validate.applied import check_cache, objects, stream
from mgctl.validate.applied.run import check_view
from mgctl.validate.schemas import SchemaRegistry


class Checked:
    """Which Applications were really checked (not taken from the cache), as validate runs
    the checks: streaming while the view renders, then `check_view`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        real = objects.check_app

        def counting(rendered: RenderedApp, *args: Any) -> Any:
            self.names.append(rendered.app.name)
            return real(rendered, *args)

        monkeypatch.setattr(objects, "check_app", counting)

    def run(self, tree: Path, renders: Path, checks: Path) -> dict[str, list[str]]:
        """Findings by Application."""
        self.names = []
        registry = SchemaRegistry("1.35", [])
        app_checks = stream.AppChecks(registry, RenderCache(checks))
        try:
            seen = view(tree, cache_dir=renders, on_app=app_checks.seen)
        finally:
            early = app_checks.finish()
        result = check_view(seen, registry, early, RenderCache(checks))
        by_app: dict[str, list[str]] = {}
        for rendered, unit in zip(seen.apps, result.units, strict=True):
            by_app[rendered.app.name] = sorted(f.format() for f in unit.findings)
            assert unit.manifests is rendered.objects or unit.manifests == rendered.objects
        for finding in result.findings:
            if finding.application:
                by_app.setdefault(finding.application, []).append(finding.format())
        return {name: sorted(found) for name, found in by_app.items()}


def test_nothing_changed_nothing_is_checked_again(
    tree: Path, render_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_values(tree / INFRA / "base/traefik/values.yaml", lambda v: v.update(hostNetwork=True))
    checked = Checked(monkeypatch)
    first = checked.run(tree, render_cache, tmp_path / "checks")
    assert "traefik" in checked.names
    again = checked.run(tree, render_cache, tmp_path / "checks")
    assert checked.names == []
    assert again == first  # the finding comes back from the cache too
    assert any("hostNetwork" in f for f in again["traefik"])


def test_a_changed_values_file_re_checks_that_application_only(
    tree: Path, render_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = Checked(monkeypatch)
    first = checked.run(tree, render_cache, tmp_path / "checks")
    assert first.get("traefik", []) == []
    edit_values(tree / INFRA / "base/traefik/values.yaml", lambda v: v.update(hostNetwork=True))
    again = checked.run(tree, render_cache, tmp_path / "checks")
    assert checked.names == ["traefik"]
    assert any("hostNetwork" in f for f in again["traefik"])


def test_a_namespace_label_change_re_checks_what_runs_there(
    tree: Path, render_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = Checked(monkeypatch)
    checked.run(tree, render_cache, tmp_path / "checks")

    def baseline(docs: list[dict[str, Any]]) -> None:
        for doc in docs:
            if doc["kind"] == "Namespace" and doc["metadata"]["name"] == "traefik":
                doc["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = "baseline"

    edit(tree / INFRA / "security/cluster/namespaces.yaml", baseline)
    checked.run(tree, render_cache, tmp_path / "checks")
    # the namespace's Application (a new render) and every Application with pods there
    assert "security" in checked.names and "traefik" in checked.names
    assert "cert-manager" not in checked.names


def _crd(description: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "description": description}},
                }
            ],
        },
    }


def test_the_key_follows_the_crd_of_each_kind_used(
    tree: Path, render_cache: Path, tmp_path: Path
) -> None:
    rendered = next(a for a in view(tree, cache_dir=render_cache).apps if a.app.name == "traefik")
    widget = manifest_of(
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}, "w.yaml", 0
    )
    rendered.sources[0].objects.append(widget)
    cluster = ClusterInfo.for_version("1.35")
    keys = []
    for description in ("one", "one", "two"):
        registry = SchemaRegistry("1.35", [])
        registry.add_crds([manifest_of(_crd(description), "crd.yaml", 0)])
        keys.append(check_cache.app_key(rendered, registry, cluster))
    assert keys[0] == keys[1] and keys[1] != keys[2]
    without = check_cache.app_key(rendered, SchemaRegistry("1.35", []), cluster)
    assert without not in keys  # the kind not served at all is part of the key too


def test_a_source_that_did_not_render_is_never_cached(tree: Path, render_cache: Path) -> None:
    rendered = next(a for a in view(tree, cache_dir=render_cache).apps if a.app.name == "traefik")
    rendered.sources[0].kind = "error"
    cluster = ClusterInfo.for_version("1.35")
    assert check_cache.app_key(rendered, SchemaRegistry("1.35", []), cluster) is None
