"""Which objects Argo CD deletes when an Application goes away or an object leaves git.

Read from Argo CD v3.4.4:
- An Application is deleted with its resources only when it carries a propagation-policy
  finalizer (`resources-finalizer.argocd.argoproj.io`, or its `/foreground`, `/background`
  forms: pkg/apis/application/v1alpha1/types.go `CascadedDeletion`). An ApplicationSet adds
  that finalizer to what it generates unless `preserveResourcesOnDeletion` (see `appset`).
- On that cascade, an object is deleted unless its `argocd.argoproj.io/sync-options`
  annotation, or else the Application's `syncOptions`, says `Delete=false`, unless it is a CRD,
  and unless it carries `helm.sh/resource-policy: keep` (controller/appcontroller.go
  `shouldBeDeleted`); `Delete=confirm` waits for a person to confirm.
- An object that is no longer rendered is pruned by a sync with pruning unless its annotation,
  or else the Application's `syncOptions`, says `Prune=false` (gitops-engine
  pkg/sync/sync_context.go `isPruningDisabled`); `Prune=confirm` waits for a confirmation
  (`objRequiresPruneConfirmation`). Automated sync prunes only with `automated.prune: true`.
"""

from __future__ import annotations

from typing import Literal

from mgctl.argocd.models import RESOURCES_FINALIZER, Application
from mgctl.manifests import Manifest

SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
HELM_RESOURCE_POLICY = "helm.sh/resource-policy"
CASCADE_FINALIZERS = (
    RESOURCES_FINALIZER,
    f"{RESOURCES_FINALIZER}/foreground",
    f"{RESOURCES_FINALIZER}/background",
)

Fate = Literal["deleted", "kept", "awaits confirmation"]


def annotation_options(annotations: dict[str, str], key: str = SYNC_OPTIONS) -> list[str]:
    """resource/annotations.go `GetAnnotationCSVs`: comma-separated, trimmed, deduplicated."""
    seen: list[str] = []
    for item in str(annotations.get(key, "")).split(","):
        value = item.strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def _option(options: list[str], name: str) -> str | None:
    """`GetAnnotationOptionValue` / `SyncOptions.GetOptionValue`: the first `name=value`."""
    prefix = f"{name}="
    for item in options:
        if item.startswith(prefix):
            return item[len(prefix) :]
    return None


def _annotations(obj: Manifest) -> dict[str, str]:
    meta = obj.body.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return {str(k): str(v) for k, v in annotations.items()} if isinstance(annotations, dict) else {}


def object_option(app: Application, obj: Manifest, name: str) -> str | None:
    """The object's own sync option, else the Application's (`Delete`, `Prune`)."""
    value = _option(annotation_options(_annotations(obj)), name)
    if value is None:
        value = _option(app.spec.sync_policy.sync_options, name)
    return value


def cascades(app: Application) -> bool:
    return any(f in CASCADE_FINALIZERS for f in app.metadata.finalizers)


def when_application_deleted(app: Application, obj: Manifest) -> Fate:
    """What deleting `app` does to `obj`."""
    if not cascades(app) or obj.kind == "CustomResourceDefinition":
        return "kept"
    if HELM_RESOURCE_POLICY in _annotations(obj) and "keep" in annotation_options(
        _annotations(obj), HELM_RESOURCE_POLICY
    ):
        return "kept"
    option = object_option(app, obj, "Delete")
    if option == "false":
        return "kept"
    return "awaits confirmation" if option == "confirm" else "deleted"


def when_removed_from_git(app: Application, obj: Manifest) -> Fate:
    """What a sync with pruning does to `obj` once the Application no longer renders it."""
    option = object_option(app, obj, "Prune")
    if option == "false":
        return "kept"
    return "awaits confirmation" if option == "confirm" else "deleted"
