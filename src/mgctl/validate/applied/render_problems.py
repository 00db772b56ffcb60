"""What the repo-server or the ApplicationSet controller would fail on, as findings: a chart
not in the cache or not pinned, helm errors (values rejected by the chart's schema, template
failures), missing paths or value files, generators that match nothing. A warning: a chart
version mgctl's catalog does not pin (components.<name>.version), rendered unverified."""

from __future__ import annotations

from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding, Severity

CHECK = "argocd-render"


def check(view: ArgoView) -> list[Finding]:
    findings = [
        Finding(
            check=CHECK,
            file=p.manifest.source if p.manifest else p.where,
            kind=p.manifest.kind if p.manifest else "",
            name=p.manifest.name if p.manifest else "",
            message=f"{p.where}: {p.message}",
        )
        for p in view.problems
    ]
    for rendered in view.apps:
        sources = rendered.app.spec.all_sources()
        for index, warning in rendered.warnings:
            where = f"spec.sources[{index}]" if len(sources) > 1 else "spec.source"
            findings.append(rendered.app.finding(CHECK, where, warning, severity=Severity.WARNING))
        for index, problem in rendered.problems:
            where = f"spec.sources[{index}]" if len(sources) > 1 else "spec.source"
            findings.append(rendered.app.finding(CHECK, where, problem))
    return findings
