"""What the repo-server or the ApplicationSet controller would fail on, as findings: a chart
not in the cache or not pinned, helm errors (values rejected by the chart's schema, template
failures), missing paths or value files, generators that match nothing. A warning: a chart
version mgctl's catalog does not pin (components.<name>.version), rendered unverified."""

from __future__ import annotations

from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding, Severity

CHECK = "argocd-render"


def _app_file(rendered: RenderedApp) -> str:
    origin = rendered.app.origin
    return origin.source if origin else rendered.app.name


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
            findings.append(
                Finding(
                    check=CHECK,
                    severity=Severity.WARNING,
                    file=_app_file(rendered),
                    kind="Application",
                    name=rendered.app.name,
                    path=where,
                    application=rendered.app.name,
                    message=warning,
                )
            )
        for index, problem in rendered.problems:
            where = f"spec.sources[{index}]" if len(sources) > 1 else "spec.source"
            findings.append(
                Finding(
                    check=CHECK,
                    file=_app_file(rendered),
                    kind="Application",
                    name=rendered.app.name,
                    path=where,
                    application=rendered.app.name,
                    message=problem,
                )
            )
    return findings
