"""Every check on what Argo CD would apply, with per-Application results."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding
from mgctl.validate.applied import (
    data_safety,
    duplicates,
    namespaces,
    per_app,
    project,
    references,
    render_problems,
    waves,
)
from mgctl.validate.applied.per_app import Early
from mgctl.validate.schemas import SchemaRegistry
from mgctl.validate.units import UnitResult


@dataclass
class AppliedResult:
    units: list[UnitResult] = field(default_factory=list)  # one per Application
    findings: list[Finding] = field(default_factory=list)  # across Applications


def check_view(
    view: ArgoView,
    registry: SchemaRegistry,
    early: dict[str, Early] | None = None,
    cache: RenderCache | None = None,
) -> AppliedResult:
    """`early`: per-Application results computed while the view rendered (see stream.py),
    reused where their inputs are still the final ones; `cache`: the check cache."""
    for rendered in view.apps:
        registry.add_crds(rendered.objects)
    found = namespaces.collect(view)
    result = AppliedResult()
    with ThreadPoolExecutor(max_workers=1) as pool:  # the cross-Application checks meanwhile
        cross = pool.submit(_cross_checks, view)
        app_findings: list[Finding] = []
        for rendered in view.apps:
            done = (early or {}).get(rendered.app.name)
            if done is None or not done.still_valid(rendered, found):
                done = per_app.check(rendered, registry, found, view.cluster, cache, final=True)
            result.units.append(done.unit)
            app_findings += done.findings
        result.findings = cross.result() + app_findings
    result.findings += found.findings + namespaces.unlabelled(view, found)
    return result


def _cross_checks(view: ArgoView) -> list[Finding]:
    return [
        *render_problems.check(view),
        *project.check(view),
        *project.least_privilege(view),
        *waves.check(view),
        *duplicates.check(view),
        *references.check(view),
        *data_safety.check(view),
    ]
