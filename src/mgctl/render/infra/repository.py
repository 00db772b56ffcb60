"""mg-infrastructure/: the platform repository Argo CD syncs, rendered from platform.yaml.

Layout (see docs/infrastructure.md):
- bootstrap/root.yaml      the `platform` AppProject + the root Application (app of apps)
- projects/                AppProjects `platform` and `applications`
- applicationsets/         `services` and `databases` over mg-deploy directories
- image-updaters/          the ImageUpdater CR for the services
- base/<name>/             values.yaml + application.yaml (+ manifests/ and application-config.yaml)
- security/                namespaces + RBAC (cluster/), platform ExternalSecrets (secrets/),
                           the tailnet ACL policy (tailscale-acl.json)

Components come from every module in `components/` exposing `build(platform)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from mgctl.catalog import chart_repositories
from mgctl.config.platform import Platform
from mgctl.render.filemap import FileMap, to_yaml, to_yaml_documents
from mgctl.render.infra import argocd_objects as argo
from mgctl.render.infra import components as components_package
from mgctl.render.infra.component import Component
from mgctl.render.infra.components import image_updater, security, tailscale
from mgctl.render.infra.overrides import enabled_components
from mgctl.render.service_layout import SERVICES_DIR

ROOT = "mg-infrastructure"
PLATFORM_PROJECT = "platform"
APPLICATIONS_PROJECT = "applications"
PROJECTS_WAVE = -20
APPSETS_WAVE = 20
ROOT_INCLUDE = (
    "{projects/*.yaml,applicationsets/*.yaml,image-updaters/*.yaml,base/*/application*.yaml}"
)
LIBRARY_DIR = "services/_library"
DATABASES_DIR = "databases"
DATABASES_NAMESPACE = "databases"
NO_CASCADE = {"argocd"}  # deleting Argo CD's own Application must never delete Argo CD


@dataclass(frozen=True)
class LaidOut:
    """A component and the files it became."""

    component: Component
    module: ModuleType
    manifest_dir: str
    applications: list[dict[str, Any]]


def component_modules() -> list[ModuleType]:
    """Every module in components/ that exposes build(platform), in name order."""
    return components_package.all_modules()


def collect_components(platform: Platform) -> list[tuple[ModuleType, Component]]:
    out: list[tuple[ModuleType, Component]] = []
    seen: dict[str, str] = {}
    for module in component_modules():
        for component in enabled_components(platform, module.build(platform)):
            if component.name in seen:
                raise ValueError(
                    f"component {component.name!r} is built by both {seen[component.name]} "
                    f"and {module.__name__}"
                )
            seen[component.name] = module.__name__
            out.append((module, component))
    return out


def _manifest_dir(module: ModuleType, component: Component) -> str:
    dirs: dict[str, str] = getattr(module, "MANIFEST_DIRS", {})
    return dirs.get(component.name, f"base/{component.name}/manifests")


def _documents_text(docs: list[dict[str, Any]]) -> str:
    """YAML documents; a Namespace below `restricted` carries its reason as a comment."""
    parts = []
    for doc in docs:
        reason = doc.get("metadata", {}).get("annotations", {}).get(security.REASON_ANNOTATION)
        text = to_yaml(doc)
        if doc.get("kind") == "Namespace" and reason:
            text = f"# Pod Security below restricted: {reason}\n{text}"
        parts.append(text)
    return "---\n".join(parts)


def _applications(
    platform: Platform, component: Component, manifest_dir: str, chart_namespaces: tuple[str, ...]
) -> list[dict[str, Any]]:
    infra = platform.git.infrastructure
    apps = []
    has_manifests = any(component.manifests.values())

    def meta(
        name: str,
        wave: int,
        crds: tuple[str, ...],
        kinds: tuple[str, ...],
        extra: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        data = argo.metadata(
            name, wave, provides_crds=crds, cluster_resources=kinds, extra_namespaces=extra
        )
        if component.name in NO_CASCADE:
            del data["finalizers"]
        return data

    if component.chart is not None:
        sources = argo.chart_sources(
            component.chart,
            component.release_name or component.name,
            infra.url,
            infra.branch,
            f"base/{component.name}/values.yaml",
        )
        apps.append(
            argo.application(
                meta(
                    component.name,
                    component.sync_wave,
                    component.provides_crds,
                    component.cluster_resources,
                    tuple(ns for ns in chart_namespaces if ns != component.namespace),
                ),
                project=PLATFORM_PROJECT,
                namespace=component.namespace,
                sources=sources,
                server_side_apply=component.server_side_apply,
                ignore_differences=component.ignore_differences,
            )
        )
    if has_manifests:
        with_chart = component.chart is not None
        name = f"{component.name}-config" if with_chart else component.name
        wave = component.sync_wave + 1 if with_chart else component.sync_wave
        crds = () if with_chart else component.provides_crds
        kinds = () if with_chart else component.cluster_resources
        apps.append(
            argo.application(
                meta(name, wave, crds, kinds),
                project=PLATFORM_PROJECT,
                namespace=component.namespace,
                sources=[argo.directory_source(infra.url, infra.branch, manifest_dir)],
                server_side_apply=component.server_side_apply,
            )
        )
    return apps


def _has_application(component: Component) -> bool:
    return component.chart is not None or any(component.manifests.values())


def _chart_namespaces(
    collected: list[tuple[ModuleType, Component]], module: ModuleType, component: Component
) -> tuple[str, ...]:
    """Namespaces a chart deploys into: its component's, plus those of namespace-only
    components (no chart, no manifests) of the same module - e.g. a subchart's
    namespaceOverride."""
    names = [ns.name for ns in component.namespaces]
    for other_module, other in collected:
        if other_module is module and not _has_application(other):
            names += [other.namespace, *(ns.name for ns in other.namespaces)]
    return tuple(dict.fromkeys(names))


def lay_out(platform: Platform) -> list[LaidOut]:
    collected = collect_components(platform)
    laid = []
    for module, component in collected:
        manifest_dir = _manifest_dir(module, component)
        chart_namespaces = _chart_namespaces(collected, module, component)
        apps = _applications(platform, component, manifest_dir, chart_namespaces)
        laid.append(LaidOut(component, module, manifest_dir, apps))
    return laid


def _component_files(item: LaidOut) -> FileMap:
    component = item.component
    files: FileMap = {}
    base = f"base/{component.name}"
    if component.chart is not None:
        files[f"{base}/values.yaml"] = to_yaml(component.values or {})
    for stem, docs in component.manifests.items():
        if stem.startswith("application"):
            # the root Application includes base/*/application*.yaml: never a manifest
            raise ValueError(f"component {component.name}: manifest file name {stem!r} is reserved")
        if docs:
            files[f"{item.manifest_dir}/{stem}.yaml"] = _documents_text(docs)
    for app in item.applications:
        suffix = "-config" if app["metadata"]["name"].endswith("-config") else ""
        files[f"{base}/application{suffix}.yaml"] = to_yaml(app)
    return files


def _cluster_kinds(laid: list[LaidOut]) -> list[str]:
    kinds = {kind for item in laid for kind in item.component.cluster_resources}
    return sorted(kinds)


def _platform_namespaces(laid: list[LaidOut]) -> list[str]:
    """Every namespace a platform Application deploys into: destinations, the namespaces
    named in its manifests and the extra namespaces of its chart."""
    names = {argo.ARGOCD_NAMESPACE}
    for item in laid:
        for app in item.applications:
            names.add(app["spec"]["destination"]["namespace"])
            extra = app["metadata"]["annotations"].get(argo.EXTRA_NAMESPACES, "")
            names.update(ns for ns in extra.split(",") if ns)
        for docs in item.component.manifests.values():
            for doc in docs:
                namespace = doc.get("metadata", {}).get("namespace")
                if namespace:
                    names.add(namespace)
    return sorted(names)


def _chart_repos(laid: list[LaidOut]) -> list[str]:
    """The Argo CD repoURLs of the charts in use; each must come from the catalog."""
    charts = [item.component.chart for item in laid if item.component.chart]
    unknown = {c.repo_url for c in charts} - set(chart_repositories())
    if unknown:
        raise ValueError(f"chart repositories not in the catalog: {sorted(unknown)}")
    return sorted({argo.argocd_chart_location(c)[0] for c in charts})


def platform_project(platform: Platform, laid: list[LaidOut]) -> dict[str, Any]:
    return argo.app_project(
        PLATFORM_PROJECT,
        "Platform components of mg-infrastructure (charts pinned in mgctl's catalog)",
        source_repos=[platform.git.infrastructure.url, *_chart_repos(laid)],
        namespaces=_platform_namespaces(laid),
        cluster_kinds=_cluster_kinds(laid),
        wave=PROJECTS_WAVE,
    )


def applications_project(platform: Platform) -> dict[str, Any]:
    namespaces = [*security.service_namespaces(platform)]
    if platform.databases:
        namespaces.append(DATABASES_NAMESPACE)
    return argo.app_project(
        APPLICATIONS_PROJECT,
        "The team's services and databases from mg-deploy",
        source_repos=[platform.git.deploy.url],
        namespaces=namespaces,
        cluster_kinds=["/Namespace"],  # CreateNamespace=true with managedNamespaceMetadata
        wave=PROJECTS_WAVE,
    )


def _part_of(platform: Platform) -> dict[str, str]:
    return {"app.kubernetes.io/part-of": platform.project.name}


def services_appset(platform: Platform) -> dict[str, Any]:
    deploy = platform.git.deploy
    labels = {
        **_part_of(platform),
        image_updater.SERVICE_LABEL: image_updater.SERVICE_LABEL_VALUE,
        "environment": platform.project.environment,
    }
    return argo.git_directory_appset(
        "services",
        wave=APPSETS_WAVE,
        repo=deploy.url,
        revision=deploy.branch,
        directories=f"{SERVICES_DIR}/*",
        exclude=[LIBRARY_DIR],
        project=APPLICATIONS_PROJECT,
        namespace="{{ .path.basename }}",
        pod_security="restricted",
        labels=labels,
        helm_value_files=["values.yaml"],
    )


def databases_appset(platform: Platform) -> dict[str, Any]:
    """One Application per database directory. When a directory goes (a database removed or
    renamed in platform.yaml) the controller deletes its Application; with
    `preserveResourcesOnDeletion` the Applications it generates carry no
    resources-finalizer (applicationset/utils/utils.go `RenderTemplateParams`; existing ones
    lose it on the next reconcile, applicationset_controller.go `createOrUpdateInCluster`), so
    that deletion never cascades to the Cluster and its volumes. The objects also carry
    Prune=false,Delete=false themselves (render/database_charts.py)."""
    deploy = platform.git.deploy
    appset = argo.git_directory_appset(
        "databases",
        wave=APPSETS_WAVE,
        repo=deploy.url,
        revision=deploy.branch,
        directories=f"{DATABASES_DIR}/*",
        exclude=[],
        project=APPLICATIONS_PROJECT,
        namespace=DATABASES_NAMESPACE,
        pod_security="restricted",
        labels={**_part_of(platform), "mgctl.io/component": "database"},
    )
    appset["spec"]["syncPolicy"] = {"preserveResourcesOnDeletion": True}
    return appset


def root_application(platform: Platform) -> dict[str, Any]:
    infra = platform.git.infrastructure
    meta = argo.metadata("root", 0)
    del meta["annotations"]
    # No cascade: removing the root Application must not remove the platform.
    del meta["finalizers"]
    return argo.application(
        meta,
        project=PLATFORM_PROJECT,
        namespace=argo.ARGOCD_NAMESPACE,
        sources=[argo.directory_source(infra.url, infra.branch, ".", include=ROOT_INCLUDE)],
    )


def render_infrastructure(platform: Platform) -> FileMap:
    laid = lay_out(platform)
    project = platform_project(platform, laid)
    files: FileMap = {
        "bootstrap/root.yaml": to_yaml_documents([project, root_application(platform)]),
        "projects/platform.yaml": to_yaml(project),
        "projects/applications.yaml": to_yaml(applications_project(platform)),
        "applicationsets/services.yaml": to_yaml(services_appset(platform)),
    }
    if platform.databases:
        files["applicationsets/databases.yaml"] = to_yaml(databases_appset(platform))
    if platform.services and platform.component_enabled(image_updater.NAME):
        files["image-updaters/services.yaml"] = to_yaml(image_updater.image_updater(platform))
    if platform.tailscale.enabled:
        files["security/tailscale-acl.json"] = tailscale.acl_policy_json(platform)
    for item in laid:
        files.update(_component_files(item))
    return {f"{ROOT}/{path}": text for path, text in sorted(files.items())}
