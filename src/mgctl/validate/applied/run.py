"""Every check on what Argo CD would apply, with per-Application results."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding
from mgctl.validate.applied import (
    data_safety,
    duplicates,
    images,
    namespaces,
    objects,
    project,
    references,
    render_problems,
    values_keys,
    waves,
)
from mgctl.validate.schemas import SchemaRegistry
from mgctl.validate.units import UnitResult


@dataclass
class AppliedResult:
    units: list[UnitResult] = field(default_factory=list)  # one per Application
    findings: list[Finding] = field(default_factory=list)  # across Applications


def check_view(view: ArgoView, registry: SchemaRegistry) -> AppliedResult:
    for rendered in view.apps:
        registry.add_crds(rendered.objects)
    found = namespaces.collect(view)
    result = AppliedResult()
    with ThreadPoolExecutor(max_workers=1) as pool:  # the cross-Application checks meanwhile
        cross = pool.submit(_cross_checks, view)
        result.units = [
            objects.check_app(rendered, registry, found, view.cluster) for rendered in view.apps
        ]
        result.findings = cross.result()
    result.findings += found.findings + namespaces.unlabelled(view, found)
    return result


def _cross_checks(view: ArgoView) -> list[Finding]:
    return [
        *render_problems.check(view),
        *project.check(view),
        *project.least_privilege(view),
        *waves.check(view),
        *duplicates.check(view),
        *values_keys.check(view),
        *images.check(view),
        *references.check(view),
        *data_safety.check(view),
    ]
