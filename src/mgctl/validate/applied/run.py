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
from mgctl.validate.applied.stream import Early
from mgctl.validate.schemas import SchemaRegistry
from mgctl.validate.units import UnitResult


@dataclass
class AppliedResult:
    units: list[UnitResult] = field(default_factory=list)  # one per Application
    findings: list[Finding] = field(default_factory=list)  # across Applications


def check_view(
    view: ArgoView, registry: SchemaRegistry, early: dict[str, Early] | None = None
) -> AppliedResult:
    """`early`: per-Application results computed while the view rendered (see stream.py),
    reused where their inputs are still the final ones."""
    for rendered in view.apps:
        registry.add_crds(rendered.objects)
    found = namespaces.collect(view)
    result = AppliedResult()
    with ThreadPoolExecutor(max_workers=1) as pool:  # the cross-Application checks meanwhile
        cross = pool.submit(_cross_checks, view)
        per_app: list[Finding] = []
        for rendered in view.apps:
            done = (early or {}).get(rendered.app.name)
            if done is not None and done.still_valid(rendered, found):
                result.units.append(done.unit)
                per_app += done.findings
            else:
                result.units.append(objects.check_app(rendered, registry, found, view.cluster))
                per_app += values_keys.check_app(rendered) + images.check_app(rendered)
        result.findings = cross.result() + per_app
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
