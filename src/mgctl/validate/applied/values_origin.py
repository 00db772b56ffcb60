"""Which values key put a value into a rendered object: the chart's defaults and the values
files of the source, searched for the exact value (e.g. the namespace `kube-system` that
cert-manager's `global.leaderElection.namespace` defaults to)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from mgctl.argocd.repo_server import RenderedApp
from mgctl.charts.archive import ChartArchive, ChartArchiveError, open_archive
from mgctl.manifests import load_yaml


def _leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def user_values(rendered: RenderedApp) -> list[tuple[str, dict[str, Any]]]:
    """(display file, values) of every values file and inline values of the app's helm sources."""
    found = []
    for source in rendered.sources:
        for values_file in source.values_files:
            try:
                text = values_file.path.read_text(encoding="utf-8")
                data = load_yaml(text) or {}
            except (OSError, yaml.YAMLError):
                continue
            if isinstance(data, dict):
                found.append((values_file.display, data))
        if source.inline_values:
            found.append((f"Application {rendered.app.name} helm.values", source.inline_values))
    return found


def values_keys_holding(rendered: RenderedApp, value: str) -> list[str]:
    """Values keys (user values first, then the chart's defaults) whose value is `value`."""
    keys = [
        f"{display}: {key}"
        for display, data in user_values(rendered)
        for key, leaf in _leaves(data)
        if leaf == value
    ]
    if keys:
        return keys
    for source in rendered.sources:
        if source.kind == "chart" and source.chart_path is not None:
            try:
                archive = open_archive(source.chart_path)
            except ChartArchiveError:
                continue
            for chart in archive.charts:
                prefix = _subchart_prefix(archive, chart.root)
                keys += [
                    f"{prefix}{key} (chart default)"
                    for key, leaf in _leaves(chart.values)
                    if leaf == value
                ]
    return keys


def _subchart_prefix(archive: ChartArchive, root: str) -> str:
    """`grafana.` for kube-prometheus-stack/charts/grafana, "" for the top chart."""
    rest = root.removeprefix(archive.top.root)
    parts = [p for p in rest.split("/") if p and p != "charts"]
    return "".join(f"{p}." for p in parts)
