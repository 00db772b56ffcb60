"""Split `helm template` output into manifests attributed to their template files."""

from __future__ import annotations

import re

from mgctl.manifests import Finding, Manifest, parse_manifests

_SEPARATOR = re.compile(r"^---[ \t]*$", re.M)
_SOURCE = re.compile(r"^# Source: (?P<path>\S+)", re.M)


def split_rendered(output: str, chart_display: str) -> tuple[list[Manifest], list[Finding]]:
    """Manifests of a rendered chart; each `source` is `<chart_display>/templates/<file>`."""
    manifests: list[Manifest] = []
    findings: list[Finding] = []
    for chunk in _SEPARATOR.split(output):
        if not chunk.strip():
            continue
        source = _SOURCE.search(chunk)
        template_path = source.group("path").split("/", 1)[-1] if source else "(rendered)"
        display = f"{chart_display}/{template_path}"
        found, problems = parse_manifests(chunk, display)
        manifests += found
        findings += problems
    return manifests, findings
