"""Sync order: every custom resource is applied after its CRD exists.

Argo CD syncs an Application's objects wave by wave (`argocd.argoproj.io/sync-wave`), and the
root Application syncs the child Applications the same way, waiting for each wave to be healthy
(mgctl configures the Application health check). So each object has a position: the path of
(syncing Application, wave) from the root down. A custom resource is safe when the CRD it
needs is installed by the same Application (Argo CD applies CRDs first and skips the dry run of
their resources) or at an earlier position; objects of different Applications in the same wave
are applied concurrently. Argo CD's own CRDs are applied by `mgctl bootstrap` before anything.

Also checked: each Application's `mgctl.io/provides-crds` claim equals the CRDs it renders.
"""

from __future__ import annotations

from dataclasses import dataclass

from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.models import wave_of
from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.view import ArgoView
from mgctl.manifests import Finding, Manifest

CHECK = "sync-order"
CLAIM_CHECK = "provides-crds"
PROVIDES_CRDS = "mgctl.io/provides-crds"
BOOTSTRAP_GROUPS = frozenset({"argoproj.io"})  # applied by `mgctl bootstrap` before any sync


@dataclass(frozen=True)
class Step:
    syncer: str  # the Application whose sync applies this
    wave: int
    target: str  # the child Application, or "" for an object of `syncer` itself


Position = tuple[Step, ...]


def app_positions(view: ArgoView) -> dict[str, Position]:
    """Where each Application sits: the steps from the root Application down to it."""
    waves: dict[str, int] = {}
    for rendered in view.apps:
        app = rendered.app
        if app.generated_by:
            appset = next(
                (e.appset for e in view.expansions if e.appset.name == app.generated_by), None
            )
            waves[app.name] = appset.wave if appset is not None else 0
        else:
            waves[app.name] = app.wave
    positions: dict[str, Position] = {}

    def position(name: str) -> Position:
        if name not in positions:
            parent = view.parent.get(name)
            positions[name] = (
                () if parent is None else (*position(parent), Step(parent, waves[name], name))
            )
        return positions[name]

    for rendered in view.apps:
        position(rendered.app.name)
    return positions


def object_position(app_position: Position, rendered: RenderedApp, obj: Manifest) -> Position:
    annotations = (obj.body.get("metadata") or {}).get("annotations") or {}
    return (*app_position, Step(rendered.app.name, wave_of(annotations), ""))


def before(crd: Position, resource: Position) -> bool:
    """Is the CRD in place when the resource is applied?"""
    for a, b in zip(crd, resource, strict=False):
        if a == b:
            continue
        if a.syncer != b.syncer:
            return False
        if a.wave != b.wave:
            return a.wave < b.wave
        # same syncer, same wave: only the same Application orders CRDs first
        return a.target == b.target == ""
    return len(crd) <= len(resource)


def _is_custom(obj: Manifest, cluster: ClusterInfo) -> bool:
    return f"{obj.group}/{obj.kind}" in cluster.custom


def check(view: ArgoView) -> list[Finding]:
    positions = app_positions(view)
    providers: dict[str, list[tuple[str, Position]]] = {}
    for rendered in view.apps:
        for obj in rendered.objects:
            if obj.kind == "CustomResourceDefinition" and obj.group == "apiextensions.k8s.io":
                spec = obj.body.get("spec") or {}
                key = f"{spec.get('group')}/{(spec.get('names') or {}).get('kind')}"
                where = object_position(positions[rendered.app.name], rendered, obj)
                providers.setdefault(key, []).append((rendered.app.name, where))
    findings = []
    for rendered in view.apps:
        for obj in rendered.objects:
            group = obj.group
            if "." not in group or group.endswith(".k8s.io") or group in BOOTSTRAP_GROUPS:
                continue
            key = f"{group}/{obj.kind}"
            here = object_position(positions[rendered.app.name], rendered, obj)
            candidates = providers.get(key, [])
            if not candidates:
                findings.append(
                    obj.finding(
                        CHECK,
                        "kind",
                        f"no Application installs the CRD of {key}: the sync would fail "
                        "(add the component that provides it, or remove the object)",
                    ).in_application(rendered.app.name)
                )
            elif not any(before(where, here) for _, where in candidates):
                names = ", ".join(f"{name} ({_describe(where)})" for name, where in candidates)
                findings.append(
                    obj.finding(
                        CHECK,
                        "kind",
                        f"{key} is applied at {_describe(here)}, not after its CRD provider "
                        f"{names}: move it (or its Application) to a later sync wave",
                    ).in_application(rendered.app.name)
                )
    return findings + _claims(view, providers)


def _describe(position: Position) -> str:
    return " > ".join(
        f"{step.syncer} wave {step.wave}" + (f" ({step.target})" if step.target else "")
        for step in position
    )


def _claims(view: ArgoView, providers: dict[str, list[tuple[str, Position]]]) -> list[Finding]:
    installed: dict[str, set[str]] = {}
    for kind, entries in providers.items():
        for name, _ in entries:
            installed.setdefault(name, set()).add(kind)
    findings = []
    for rendered in view.apps:
        app = rendered.app
        claim = app.metadata.annotations.get(PROVIDES_CRDS)
        if claim is None:
            continue
        claimed = {k.strip() for k in claim.split(",") if k.strip()}
        missing = sorted(claimed - installed.get(app.name, set()))
        if missing:
            findings.append(
                app.finding(
                    CLAIM_CHECK,
                    f"metadata.annotations.{PROVIDES_CRDS}",
                    f"claims CRDs its chart does not install: {', '.join(missing)}",
                )
            )
    return findings
