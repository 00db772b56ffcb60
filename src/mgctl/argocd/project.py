"""The AppProject rules Argo CD applies, as its code applies them.

- sources: `IsSourcePermitted` (pkg/apis/application/v1alpha1/app_project_types.go): URLs
  normalized, gobwas glob with `/` separators, `!` patterns deny;
- destinations: `isDestinationMatched`: server or name, and namespace, each a glob, `!` deny;
- resources: `IsGroupKindNamePermitted`: namespaced kinds pass the namespace whitelist (nil =
  all) and not the blacklist; cluster-scoped kinds need the cluster whitelist (empty = none)
  and not the blacklist; kinds and groups match with Go `filepath.Match`.
The controller checks every object it syncs (controller/sync.go `validateSyncPermissions`):
a refused object fails the whole sync operation.
"""

from __future__ import annotations

from mgctl.argocd.globs import BadPattern, go_path_match, gobwas_match
from mgctl.argocd.models import AppProject, ResourceRef
from mgctl.argocd.repos import normalize_git_url

IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
IN_CLUSTER_NAME = "in-cluster"


def _glob(pattern: str, value: str, allow_negation: bool, separators: str = "") -> bool:
    """app_project_types.go `globMatch`."""
    if allow_negation and pattern.startswith("!"):
        return not gobwas_match(pattern[1:], value, separators)
    if pattern == "*":
        return True
    return gobwas_match(pattern, value, separators)


def source_permitted(project: AppProject, repo_url: str) -> bool:
    source = normalize_git_url(repo_url)
    matched_any = False
    for pattern in project.spec.source_repos:
        deny = pattern.startswith("!")
        normalized = ("!" if deny else "") + normalize_git_url(pattern.removeprefix("!"))
        if _glob(normalized, source, True, "/"):
            matched_any = True
        elif deny:
            return False
    return matched_any


def destination_permitted(
    project: AppProject,
    namespace: str,
    server: str = IN_CLUSTER_SERVER,
    name: str = IN_CLUSTER_NAME,
) -> bool:
    matched_any = False
    for item in project.spec.destinations:
        name_ok = bool(name) and _glob(item.name, name, True)
        server_ok = bool(server) and _glob(item.server, server, True)
        namespace_ok = _glob(item.namespace, namespace, True)
        if (server_ok or name_ok) and namespace_ok:
            matched_any = True
        elif (
            (not name_ok and item.name.startswith("!"))
            or (not server_ok and item.server.startswith("!") and namespace_ok)
            or (not namespace_ok and item.namespace.startswith("!") and server_ok)
        ):
            return False
    return matched_any


def _match(pattern: str, value: str) -> bool:
    try:
        return go_path_match(pattern, value)
    except BadPattern:
        return False


def _in_list(group: str, kind: str, items: list[ResourceRef], name: str | None = None) -> bool:
    for item in items:
        if not (_match(item.kind, kind) and _match(item.group, group)):
            continue
        if name is None or not item.name or _match(item.name, name):
            return True
    return False


def resource_permitted(
    project: AppProject, group: str, kind: str, name: str, namespaced: bool
) -> bool:
    spec = project.spec
    if namespaced:
        whitelist = spec.namespace_resource_whitelist
        allowed = whitelist is None or (len(whitelist) != 0 and _in_list(group, kind, whitelist))
        return allowed and not _in_list(group, kind, spec.namespace_resource_blacklist)
    cluster = spec.cluster_resource_whitelist or []
    allowed = _in_list(group, kind, cluster, name)
    return allowed and not _in_list(group, kind, spec.cluster_resource_blacklist, name)
