"""Argo CD's objects as typed models (the fields mgctl reads; everything else is kept).

Parsed leniently from the rendered YAML: Argo CD's CRD schema is checked by the schema check,
so a model never refuses a document the API server would accept; it only gives the fields
names and defaults (pkg/apis/application/v1alpha1/types.go).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mgctl.manifests import Finding, Manifest

SYNC_WAVE = "argocd.argoproj.io/sync-wave"
API_GROUP = "argoproj.io"
# Deleting an Application that carries it deletes its resources first (cascade); the
# "/foreground" and "/background" variants name the propagation policy.
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class HelmParameter(_Model):
    name: str
    value: str = ""
    force_string: bool = Field(False, alias="forceString")


class HelmSource(_Model):
    release_name: str = Field("", alias="releaseName")
    value_files: list[str] = Field(default_factory=list, alias="valueFiles")
    values: str = ""
    values_object: dict[str, Any] | None = Field(None, alias="valuesObject")
    parameters: list[HelmParameter] = Field(default_factory=list)
    file_parameters: list[dict[str, Any]] = Field(default_factory=list, alias="fileParameters")
    namespace: str = ""
    skip_crds: bool = Field(False, alias="skipCrds")
    skip_tests: bool = Field(False, alias="skipTests")
    skip_schema_validation: bool = Field(False, alias="skipSchemaValidation")
    ignore_missing_value_files: bool = Field(False, alias="ignoreMissingValueFiles")
    kube_version: str = Field("", alias="kubeVersion")
    api_versions: list[str] = Field(default_factory=list, alias="apiVersions")


class DirectorySource(_Model):
    recurse: bool = False
    include: str = ""
    exclude: str = ""


class Source(_Model):
    repo_url: str = Field("", alias="repoURL")
    target_revision: str = Field("", alias="targetRevision")
    path: str | None = None
    chart: str | None = None
    ref: str | None = None
    name: str | None = None
    helm: HelmSource | None = None
    directory: DirectorySource | None = None
    kustomize: dict[str, Any] | None = None
    plugin: dict[str, Any] | None = None

    @property
    def is_ref_only(self) -> bool:
        """A `ref` source without a path or chart only provides files to `$ref/...`."""
        return bool(self.ref) and self.path is None and self.chart is None


class Destination(_Model):
    server: str = ""
    name: str = ""
    namespace: str = ""


class ManagedNamespaceMetadata(_Model):
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class SyncPolicy(_Model):
    automated: dict[str, Any] | None = None
    sync_options: list[str] = Field(default_factory=list, alias="syncOptions")
    managed_namespace_metadata: ManagedNamespaceMetadata | None = Field(
        None, alias="managedNamespaceMetadata"
    )

    def has_option(self, option: str) -> bool:
        return option in self.sync_options


class ApplicationSpec(_Model):
    project: str = "default"
    source: Source | None = None
    sources: list[Source] = Field(default_factory=list)
    destination: Destination = Field(default_factory=Destination)
    sync_policy: SyncPolicy = Field(default_factory=SyncPolicy, alias="syncPolicy")

    def all_sources(self) -> list[Source]:
        """`sources` when set (Argo CD ignores `source` then), else `[source]`."""
        if self.sources:
            return list(self.sources)
        return [self.source] if self.source is not None else []


class ObjectMeta(_Model):
    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    finalizers: list[str] = Field(default_factory=list)


def wave_of(annotations: dict[str, str]) -> int:
    """`argocd.argoproj.io/sync-wave` as Argo CD reads it (a bad value counts as 0)."""
    try:
        return int(str(annotations.get(SYNC_WAVE, "0")).strip())
    except ValueError:
        return 0


class _ArgoObject(_Model):
    """What Application, AppProject and ApplicationSet share: metadata and where it came from."""

    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    # the manifest it was read from, or the ApplicationSet that generated it
    origin: Manifest | None = Field(None, exclude=True)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def wave(self) -> int:
        return wave_of(self.metadata.annotations)


class Application(_ArgoObject):
    spec: ApplicationSpec = Field(default_factory=ApplicationSpec)
    generated_by: str = Field("", exclude=True)

    @property
    def namespace(self) -> str:
        """The destination namespace (where namespaced objects without one land)."""
        return self.spec.destination.namespace

    def finding(self, check: str, path: str, message: str, **extra: Any) -> Finding:
        """A finding about this Application, in the file it came from."""
        return Finding(
            check=check,
            file=self.origin.source if self.origin else self.name,
            kind="Application",
            name=self.name,
            path=path,
            application=self.name,
            message=message,
            **extra,
        )


class ResourceRef(_Model):
    group: str = ""
    kind: str = ""
    name: str = ""


class AppProjectSpec(_Model):
    source_repos: list[str] = Field(default_factory=list, alias="sourceRepos")
    destinations: list[Destination] = Field(default_factory=list)
    cluster_resource_whitelist: list[ResourceRef] | None = Field(
        None, alias="clusterResourceWhitelist"
    )
    cluster_resource_blacklist: list[ResourceRef] = Field(
        default_factory=list, alias="clusterResourceBlacklist"
    )
    namespace_resource_whitelist: list[ResourceRef] | None = Field(
        None, alias="namespaceResourceWhitelist"
    )
    namespace_resource_blacklist: list[ResourceRef] = Field(
        default_factory=list, alias="namespaceResourceBlacklist"
    )
    source_namespaces: list[str] = Field(default_factory=list, alias="sourceNamespaces")


class AppProject(_ArgoObject):
    spec: AppProjectSpec = Field(default_factory=AppProjectSpec)


class ApplicationSetSpec(_Model):
    go_template: bool = Field(False, alias="goTemplate")
    go_template_options: list[str] = Field(default_factory=list, alias="goTemplateOptions")
    generators: list[dict[str, Any]] = Field(default_factory=list)
    template: dict[str, Any] = Field(default_factory=dict)
    template_patch: str | None = Field(None, alias="templatePatch")
    sync_policy: dict[str, Any] = Field(default_factory=dict, alias="syncPolicy")

    @property
    def missingkey_error(self) -> bool:
        return "missingkey=error" in self.go_template_options

    @property
    def preserves_resources(self) -> bool:
        """`syncPolicy.preserveResourcesOnDeletion` (ApplicationSetSyncPolicy)."""
        return self.sync_policy.get("preserveResourcesOnDeletion") is True


class ApplicationSet(_ArgoObject):
    spec: ApplicationSetSpec = Field(default_factory=ApplicationSetSpec)


def is_argo(manifest: Manifest, kind: str) -> bool:
    return manifest.group == API_GROUP and manifest.kind == kind


def application_from(manifest: Manifest) -> Application:
    return Application.model_validate({**manifest.body, "origin": manifest})


def project_from(manifest: Manifest) -> AppProject:
    return AppProject.model_validate({**manifest.body, "origin": manifest})


def appset_from(manifest: Manifest) -> ApplicationSet:
    return ApplicationSet.model_validate({**manifest.body, "origin": manifest})
