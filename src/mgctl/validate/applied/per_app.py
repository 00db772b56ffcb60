"""One Application's own checks (objects, values keys, component images), through the check
cache, with the namespace policies they read recorded.

The streaming checks (stream.py) run them while helm still renders, with the namespace labels
known so far; `check_view` reuses such a result only when the final labels give the same
policies, else it checks again (`final=True`: a cached result must match the final policies
too) and caches that result, so the next run finds the right one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RenderedApp
from mgctl.manifests import Finding
from mgctl.validate import pss
from mgctl.validate.applied import check_cache, images, objects, values_keys
from mgctl.validate.applied.namespaces import Namespaces
from mgctl.validate.schemas import SchemaRegistry
from mgctl.validate.units import UnitResult


class _Recording(Namespaces):
    """Namespace policies that remember which ones a check read."""

    def __init__(self, source: Namespaces) -> None:
        super().__init__(source.policies, source.labelled_by, source.findings)
        self.used: dict[str, pss.NamespacePolicy] = {}

    def policy(self, namespace: str) -> pss.NamespacePolicy:
        value = super().policy(namespace)
        self.used[namespace] = value
        return value


@dataclass
class Early:
    rendered: RenderedApp
    unit: UnitResult
    findings: list[Finding]  # values keys and component images
    used: dict[str, pss.NamespacePolicy] = field(default_factory=dict)

    def still_valid(self, rendered: RenderedApp, final: Namespaces) -> bool:
        return rendered is self.rendered and all(
            final.policy(ns) == policy for ns, policy in self.used.items()
        )


def check(
    rendered: RenderedApp,
    registry: SchemaRegistry,
    namespaces: Namespaces,
    cluster: ClusterInfo,
    cache: RenderCache | None,
    *,
    final: bool,
) -> Early:
    """`final`: `namespaces` are the final policies (else a cached result is taken as it is,
    and judged against the final policies later, like any early result)."""
    key = check_cache.app_key(rendered, registry, cluster) if cache is not None else None
    if cache is not None and key is not None:
        hit = check_cache.lookup(cache, key)
        if hit is not None and (not final or hit.still_valid(namespaces)):
            unit = replace(hit.unit, manifests=rendered.objects)
            return Early(rendered, unit, hit.findings, hit.used)
    recording = _Recording(namespaces)
    unit = objects.check_app(rendered, registry, recording, cluster)
    found = values_keys.check_app(rendered) + images.check_app(rendered)
    if cache is not None and key is not None:
        check_cache.store(cache, key, unit, found, recording.used)
    return Early(rendered, unit, found, dict(recording.used))
