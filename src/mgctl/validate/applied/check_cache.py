"""Per-Application check results kept beside the renders, so re-validating after one change
re-checks only the Applications whose inputs changed.

An Application's result (objects, values keys, component images; see stream.py) is a function
of: its rendered sources (each source's render cache key, label and values file names), its
definition, the schema each kind it uses validates against (the bundled built-in schema, or the
fingerprint of the CRD documents defining it), whether each kind is namespaced, the Pod
Security policy of each namespace it reads, and mgctl itself (`checks_id`: every file of the
package by size and mtime, and the versions of the libraries that judge). The key covers all
but the policies, which are known only once the check ran: the entry records the ones it
read, and is reused only when they are the final ones (see per_app). Sources that failed
to render are never cached.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import metadata
from pathlib import Path

import mgctl
from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RenderedApp
from mgctl.manifests import Finding
from mgctl.validate import pss
from mgctl.validate.applied.namespaces import Namespaces
from mgctl.validate.schemas import SchemaRegistry
from mgctl.validate.units import UnitResult

JUDGING_LIBRARIES = ("kubernetes-validate", "jsonschema", "PyYAML")
_PACKAGE_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".txt", ".tpl", ".j2")


@cache
def checks_id() -> str:
    """Identifies mgctl's code and data (every package file's name, size and mtime: stat
    calls, not reads) and the judging libraries' versions."""
    root = Path(mgctl.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in _PACKAGE_SUFFIXES and "__pycache__" not in path.parts:
            info = path.stat()
            digest.update(f"{path.relative_to(root)}|{info.st_size}|{info.st_mtime_ns}\n".encode())
    for library in JUDGING_LIBRARIES:
        digest.update(f"{library}=={metadata.version(library)}".encode())
    return digest.hexdigest()


@dataclass
class CachedChecks:
    unit: UnitResult  # without its manifests: the render has them
    findings: list[Finding]
    used: dict[str, pss.NamespacePolicy] = field(default_factory=dict)

    def still_valid(self, namespaces: Namespaces) -> bool:
        return all(namespaces.policy(ns) == policy for ns, policy in self.used.items())


def app_key(rendered: RenderedApp, registry: SchemaRegistry, cluster: ClusterInfo) -> str | None:
    """The key of an Application's check result; None when a source did not render."""
    sources = []
    for source in rendered.sources:
        if source.kind == "error" or (source.kind != "ref" and not source.key):
            return None
        sources.append(
            [source.kind, source.label, source.key, [v.display for v in source.values_files]]
        )
    kinds = sorted({(obj.api_version, obj.kind, obj.group) for obj in rendered.objects})
    parts = {
        "code": checks_id(),
        "app": rendered.app.model_dump(mode="json", by_alias=True),
        "sources": sources,
        "kinds": [
            [api, kind, registry.kind_fingerprint(api, kind), cluster.is_namespaced(group, kind)]
            for api, kind, group in kinds
        ],
        "kube": registry.kubernetes_version,
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return "checks|" + hashlib.sha256(text.encode()).hexdigest()


def lookup(cache: RenderCache, key: str) -> CachedChecks | None:
    found = cache.get(key)
    return found if isinstance(found, CachedChecks) else None


def store(
    cache: RenderCache,
    key: str,
    unit: UnitResult,
    findings: list[Finding],
    used: dict[str, pss.NamespacePolicy],
) -> None:
    cache.put(key, CachedChecks(replace(unit, manifests=[]), findings, dict(used)))
