"""docs/infrastructure.md states what the code renders: versions and sync waves."""

from __future__ import annotations

import re

from mgctl import catalog
from mgctl.render.infra.repository import lay_out

from .helpers import REPO_ROOT, example_platform

DOC = (REPO_ROOT / "docs" / "infrastructure.md").read_text(encoding="utf-8")
CORE_CHARTS = (
    "argo-cd",
    "argocd-image-updater",
    "external-secrets",
    "cert-manager",
    "metallb",
    "traefik",
    "longhorn",
    "tailscale-operator",
    "reloader",
    "prometheus-operator-crds",
)


def test_component_table_names_the_pinned_versions() -> None:
    for key in CORE_CHARTS:
        entry = catalog.chart(key)
        assert f"{entry.chart}` {entry.version}" in DOC, key


def test_sync_wave_table_matches_the_rendered_applications() -> None:
    rendered: dict[int, set[str]] = {}
    for item in lay_out(example_platform()):
        for app in item.applications:
            wave = int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
            rendered.setdefault(wave, set()).add(app["metadata"]["name"])
    documented: dict[int, set[str]] = {}
    for wave, rest in re.findall(r"^\| (-?\d+) \| (.*) \|$", DOC, flags=re.MULTILINE):
        documented[int(wave)] = set(re.findall(r"`([a-z0-9-]+)`", rest))
    for wave, names in rendered.items():
        assert names <= documented.get(wave, set()), (wave, names - documented.get(wave, set()))
