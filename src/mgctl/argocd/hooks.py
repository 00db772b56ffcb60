"""Rendered objects Argo CD never applies during a sync.

gitops-engine pkg/sync/hook: an object with `argocd.argoproj.io/hook` is an Argo CD hook (type
`Skip` alone means "never apply"); otherwise a `helm.sh/hook` makes it a hook whose Helm types
map to PreSync (pre-install, pre-upgrade) or PostSync (post-install, post-upgrade). A Helm hook
of no mapped type (test, test-success, test-failure, pre-rollback, post-rollback) runs in no
phase. PreDelete/PostDelete hooks (controller/hook.go) run when the Application is deleted and
are kept: they still pass the AppProject and admission.
"""

from __future__ import annotations

from mgctl.manifests import Manifest

ARGO_HOOK = "argocd.argoproj.io/hook"
HELM_HOOK = "helm.sh/hook"
ARGO_TYPES = frozenset({"PreSync", "Sync", "PostSync", "SyncFail", "Skip"})
HELM_TYPES = frozenset({"pre-install", "pre-upgrade", "post-install", "post-upgrade"})
DELETE_TYPES = frozenset({"PreDelete", "PostDelete", "pre-delete", "post-delete"})


def _csv(value: object) -> list[str]:
    return [part.strip() for part in str(value).split(",") if part.strip()]


def never_applied(obj: Manifest) -> bool:
    annotations = (obj.body.get("metadata") or {}).get("annotations") or {}
    if not isinstance(annotations, dict):
        return False
    if ARGO_HOOK in annotations:
        types = [t for t in _csv(annotations[ARGO_HOOK]) if t in ARGO_TYPES | DELETE_TYPES]
        return types == ["Skip"] or not types
    if HELM_HOOK in annotations:
        value = _csv(annotations[HELM_HOOK])
        if value == ["crd-install"]:
            return False  # Helm's own marker for CRDs, not a hook
        return not any(t in HELM_TYPES | DELETE_TYPES for t in value)
    return False
