"""Findings from helm's own errors: located at the template helm names (library templates at
their source), and helm lint messages as findings."""

from __future__ import annotations

import os
import re

from mgctl.manifests import Finding, Severity
from mgctl.tools import helm
from mgctl.validate.units import ChartTarget

_TEMPLATE_REF = re.compile(
    r"(?:^|[\s(\"])[\w.-]+/(?P<file>(?:charts/(?P<dep>[\w.-]+)/)?templates/[\w./-]+?"
    r"\.(?:yaml|yml|tpl|txt|json))(?::(?P<line>\d+))?"
)


def error_location(target: ChartTarget, detail: str) -> tuple[str, str]:
    """(display file, "line N") of the last template a helm error names; a template of a local
    dependency (charts/mg-library/...) is shown at its source (e.g. mg-deploy/_library/...)."""
    matches = list(_TEMPLATE_REF.finditer(detail))
    match = matches[-1] if matches else None  # the innermost template: the root cause
    if not match:
        return f"{target.display}/Chart.yaml", ""
    relative = match.group("file")
    dependency = match.group("dep")
    if dependency:
        local = dict(helm.local_dependencies(target.chart_dir))
        if dependency in local:
            inside = relative.split("/", 2)[2]
            source = os.path.relpath(local[dependency] / inside, target.chart_dir.resolve())
            relative = source
    display = os.path.normpath(f"{target.display}/{relative}")
    return display, f"line {match.group('line')}" if match.group("line") else ""


_LINT_LOCATION = re.compile(r"^(?P<file>[\w./-]+/?): (?P<text>.*)$")


def lint_findings(lint: helm.LintResult, target: ChartTarget, rendered: bool) -> list[Finding]:
    """Findings from helm lint. Template errors are located like helm template errors; when the
    chart did not render, they repeat the helm-template finding and are left out."""
    findings = []
    for severity, messages in ((Severity.ERROR, lint.errors), (Severity.WARNING, lint.warnings)):
        for message in messages:
            match = _LINT_LOCATION.match(message)
            location = match.group("file").rstrip("/") if match else ""
            text = match.group("text") if match else message
            if location == "templates":
                if not rendered:
                    continue
                where, line = error_location(target, text)
            else:
                where, line = (f"{target.display}/{location}" if location else target.display), ""
            findings.append(
                Finding(check="helm-lint", severity=severity, file=where, path=line, message=text)
            )
    return findings
