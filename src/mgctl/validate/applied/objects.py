"""Per-object checks on each Application's rendered objects, in the namespace each lands in.

- schema: strict Kubernetes schemas and the CRDs the platform installs (a CRD object rendered
  by an upstream chart is summarized, not validated against the apiextensions schema);
- Pod Security: each pod template at its namespace's enforce level and version;
- policy: every container image pinned everywhere; the platform's own rules (resources,
  probes, NetworkPolicy coverage, no Secret objects, no literal secrets) on what mgctl writes
  (directories and mg-deploy charts), not on upstream charts, which follow their own.
"""

from __future__ import annotations

import time

from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.repo_server import RenderedApp
from mgctl.manifests import Finding, Manifest
from mgctl.validate import policy, pss
from mgctl.validate.applied.namespaces import Namespaces
from mgctl.validate.schemas import SchemaRegistry
from mgctl.validate.units import UnitResult
from mgctl.validate.workloads import pod_template


def landing_namespace(obj: Manifest, rendered: RenderedApp, cluster: ClusterInfo) -> str | None:
    """Where Argo CD applies the object (DeduplicateTargetObjects): cluster-scoped kinds have
    none; namespaced ones without a namespace get the destination's."""
    if not cluster.is_namespaced(obj.group, obj.kind):
        return None
    return obj.namespace or rendered.app.namespace


def check_app(
    rendered: RenderedApp,
    registry: SchemaRegistry,
    namespaces: Namespaces,
    cluster: ClusterInfo,
) -> UnitResult:
    started = time.perf_counter()
    findings: list[Finding] = []
    upstream = any(source.kind == "chart" for source in rendered.sources)
    for obj in rendered.objects:
        if obj.full_text is None:
            findings += registry.validate(obj)
        namespace = landing_namespace(obj, rendered, cluster)
        template = pod_template(obj)
        if template is not None and namespace is not None:
            ns_policy = namespaces.policy(namespace)
            findings += pss.check_manifest(obj, ns_policy.level, ns_policy.version)
            if upstream:
                findings += policy.image_tags(template)
    if not upstream:
        findings += policy.check_manifests(rendered.objects, rendered.app.namespace or None)
    app = rendered.app.name
    return UnitResult(
        name=f"app {app}",
        objects=len(rendered.objects),
        findings=[f.in_application(app) for f in findings],
        seconds=time.perf_counter() - started,
        manifests=rendered.objects,
    )
