"""Values keys an upstream chart neither defaults nor reads (a typo, or a key the chart dropped).

A key path of the user's values is read when the chart (or the subchart it is addressed to)
- defaults it in values.yaml, or defaults an ancestor to an empty map (`podAnnotations: {}`:
  free-form below), or
- names it, an ancestor or a descendant in a template: `.Values.a.b`, `$.Values.a.b`,
  `index .Values "a" "b"` (an ancestor used whole, as in `toYaml .Values.a`, reads everything
  below it).
`global` is shared with every subchart and not checked. Helm ignores unknown keys silently,
so this is the only place a dead key shows up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.view import ArgoView
from mgctl.charts.archive import ChartArchive, ChartArchiveError, ChartFiles, open_archive
from mgctl.charts.digest import sha256_file
from mgctl.manifests import Finding
from mgctl.validate.applied.values_origin import user_values

CHECK = "values-key"
_DOTTED = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
# `dig "a" "b" <default> .Values.x` reads x.a.b, not all of x
_DIG = re.compile(
    r"(?<![\w.])dig((?:\s+(?:\"[^\"]*\"|[\w.()]+))+?)\s+\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)*)"
)
_TOKEN = re.compile(r"\"[^\"]*\"|[\w.()]+")
_INDEX = re.compile(r"index\s+\$?\.Values((?:\s+\"[^\"]+\")+)")
_INDEX_KEY = re.compile(r"\"([^\"]+)\"")

KeyPath = tuple[str, ...]


def _references(chart: ChartFiles) -> frozenset[KeyPath]:
    found: set[KeyPath] = set()
    texts = list(chart.templates().values())
    # charts also `tpl` strings of their own values.yaml (loki's whole config is one)
    texts.append(chart.files.get("values.yaml", b"").decode("utf-8", "replace"))
    for text in texts:
        dug: set[int] = set()
        digs = _DIG.finditer(text) if "dig " in text else iter(())
        for match in digs:
            tokens = _TOKEN.findall(match.group(1))[:-1]  # the last one is the default
            keys = [t.strip('"') for t in tokens if t.startswith('"')]
            base = [p for p in match.group(2).split(".") if p]
            found.add((*base, *keys))
            dug.add(match.start(2) - len(".Values"))
        for match in _DOTTED.finditer(text):
            if match.start() not in dug:
                found.add(tuple(match.group(1).strip(".").split(".")))
        for match in _INDEX.finditer(text):
            found.add(tuple(_INDEX_KEY.findall(match.group(1))))
    return frozenset(found)


@dataclass(frozen=True)
class ChartKeys:
    """What a chart defaults and reads, and its subcharts by values key (picklable: kept in
    the chart-facts cache by the archive's digest)."""

    defaults: dict[str, Any]
    references: frozenset[KeyPath]
    subcharts: dict[str, ChartKeys] = field(default_factory=dict)


def chart_keys(archive: ChartArchive, chart: ChartFiles | None = None) -> ChartKeys:
    chart = chart or archive.top
    subcharts = {key: chart_keys(archive, sub) for key, sub in _subcharts(archive, chart).items()}
    return ChartKeys(chart.values, _references(chart), subcharts)


def _keys_of(path: Path, digest: str) -> ChartKeys:
    facts = RenderCache.for_chart_facts()
    key = f"values-keys|{digest}"
    cached = facts.get(key) if facts is not None else None
    if isinstance(cached, ChartKeys):
        return cached
    keys = chart_keys(open_archive(path))
    if facts is not None:
        facts.put(key, keys)
    return keys


def _leaf_paths(values: Any, prefix: KeyPath = ()) -> Iterator[KeyPath]:
    if isinstance(values, dict) and values:
        for key, item in values.items():
            yield from _leaf_paths(item, (*prefix, str(key)))
    else:
        yield prefix


def _defaulted(defaults: Any, path: KeyPath) -> bool:
    node = defaults
    for part in path:
        if isinstance(node, dict) and not node:
            return True  # an empty map default is free-form
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _read(references: frozenset[KeyPath], path: KeyPath) -> bool:
    for ref in references:
        shorter = min(len(ref), len(path))
        if ref[:shorter] == path[:shorter]:
            return True
    return False


def _subcharts(archive: ChartArchive, chart: ChartFiles) -> dict[str, ChartFiles]:
    """Values key -> subchart (dependency alias or name) of `chart`."""
    found = {}
    for dependency in chart.dependencies():
        name = str(dependency.get("name", ""))
        key = str(dependency.get("alias") or name)
        for candidate in archive.charts:
            if candidate.root.startswith(f"{chart.root}/charts/") and candidate.name == name:
                found[key] = candidate
    return found


def _merged(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merged(base.get(key), value)
        return out
    return override if override is not None else base


def unread_keys(keys: ChartKeys, values: dict[str, Any]) -> list[str]:
    return _unread(keys, keys.defaults, values, ())


def _unread(
    keys: ChartKeys, defaults: dict[str, Any], values: dict[str, Any], prefix: KeyPath
) -> list[str]:
    unread = []
    for key, item in values.items():
        if key == "global":
            continue
        if key in keys.subcharts and isinstance(item, dict):
            sub = keys.subcharts[key]
            # the parent's values.yaml section for a subchart defaults it too
            sub_defaults = _merged(sub.defaults, defaults.get(key))
            unread += _unread(sub, sub_defaults, item, (*prefix, key))
            continue
        for path in _leaf_paths(item, (str(key),)):
            if not (_defaulted(defaults, path) or _read(keys.references, path)):
                unread.append(".".join((*prefix, *path)))
    return unread


def check(view: ArgoView) -> list[Finding]:
    return [f for rendered in view.apps for f in check_app(rendered)]


def check_app(rendered: RenderedApp) -> list[Finding]:
    findings = []
    for source in rendered.sources:
        if source.kind != "chart" or source.chart_path is None:
            continue
        try:
            digest = (
                source.pin.content
                if source.pin is not None and source.pin.content
                else (sha256_file(source.chart_path))
            )
            keys = _keys_of(source.chart_path, digest)
        except (ChartArchiveError, OSError):
            continue
        for display, values in user_values(rendered):
            for key in unread_keys(keys, values):
                findings.append(
                    Finding(
                        check=CHECK,
                        file=display,
                        path=key,
                        application=rendered.app.name,
                        message=f"{source.label} neither defaults nor reads this key (helm "
                        "ignores it): fix the spelling or move it where the chart reads it",
                    )
                )
    return findings
