"""The order Argo CD applies an Application's objects in (gitops-engine pkg/sync/sync_tasks.go):
phase (PreSync, Sync, PostSync, SyncFail hooks), then sync wave, then kind (data/
sync_kind_order.yaml; custom resources last), then name."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from mgctl.argocd.hooks import ARGO_HOOK, HELM_HOOK
from mgctl.argocd.models import wave_of
from mgctl.manifests import Manifest

PHASES = {"PreSync": -1, "Sync": 0, "PostSync": 1, "SyncFail": 2}
HELM_PHASES = {"pre-install": -1, "pre-upgrade": -1, "post-install": 1, "post-upgrade": 1}


@cache
def _kind_order() -> dict[str, int]:
    text = resources.files("mgctl").joinpath("data/sync_kind_order.yaml").read_text("utf-8")
    kinds = yaml.safe_load(text)
    return {kind: index - len(kinds) for index, kind in enumerate(kinds)}


def phase(obj: Manifest) -> int:
    annotations = (obj.body.get("metadata") or {}).get("annotations") or {}
    for hook in str(annotations.get(ARGO_HOOK, "")).split(","):
        if hook.strip() in PHASES:
            return PHASES[hook.strip()]
    for hook in str(annotations.get(HELM_HOOK, "")).split(","):
        if hook.strip() in HELM_PHASES:
            return HELM_PHASES[hook.strip()]
    return 0


def sort_key(obj: Manifest) -> tuple[int, int, int, str, str, str]:
    annotations = (obj.body.get("metadata") or {}).get("annotations") or {}
    return (
        phase(obj),
        wave_of(annotations if isinstance(annotations, dict) else {}),
        _kind_order().get(obj.kind, 0),
        obj.kind,
        obj.namespace or "",
        obj.name,
    )
