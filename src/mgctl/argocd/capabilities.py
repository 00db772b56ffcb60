"""Which API groups a chart installs CRDs for, and which ones its templates test for.

Argo CD renders every chart with the API versions the cluster serves, CRDs included; offline
those CRDs are known only once the charts that install them are rendered. A chart's output
can depend on a CRD group only through `.Capabilities.APIVersions`, so the groups a chart
tests for are the `group/version` literals in its files that use `.Capabilities.APIVersions`
(directly or through a helper). Rendering charts that install a group before the charts
that test for it gives every chart the API versions it would see on the cluster, rendering
each chart once (a chart that tests for a group it installs itself is rendered twice).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mgctl.charts.archive import ChartArchive
from mgctl.tools import helm

_CRD_GROUP = re.compile(r"^\s*group:\s*['\"]?([a-z0-9.-]+\.[a-z0-9-]+)['\"]?\s*$", re.M)
_GROUP_VERSION = re.compile(r"['\"]([a-z0-9-]+(?:\.[a-z0-9-]+)+)/v\d+(?:alpha\d+|beta\d+)?")


@dataclass(frozen=True)
class ChartCapabilities:
    provides: frozenset[str]  # CRD groups the chart's files define
    tests_for: frozenset[str]  # groups its `.Capabilities.APIVersions` checks name
    size: int = 0  # bytes of templates and CRDs: how long helm will take, roughly


def scan(texts: Iterable[str]) -> ChartCapabilities:
    provides: set[str] = set()
    tests_for: set[str] = set()
    size = 0
    for text in texts:
        size += len(text)
        if "CustomResourceDefinition" in text:
            provides.update(_CRD_GROUP.findall(text))
        if "Capabilities.APIVersions" in text:
            tests_for.update(_GROUP_VERSION.findall(text))
    return ChartCapabilities(frozenset(provides), frozenset(tests_for), size)


def of_archive(archive: ChartArchive) -> ChartCapabilities:
    texts = []
    for chart in archive.charts:
        for name, data in chart.files.items():
            if name.startswith(("templates/", "crds/")):
                texts.append(data.decode("utf-8", "replace"))
    return scan(texts)


def of_directory(chart_dir: Path) -> ChartCapabilities:
    texts = []
    for directory in (chart_dir, *(dep for _, dep in helm.local_dependencies(chart_dir))):
        for sub in ("templates", "crds"):
            texts += [
                p.read_text(encoding="utf-8", errors="replace")
                for p in sorted((directory / sub).rglob("*"))
                if p.is_file()
            ]
    return scan(texts)
