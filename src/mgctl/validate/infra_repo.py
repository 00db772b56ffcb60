"""Validate an mg-infrastructure tree: its plain YAML manifests (Helm values files and charts
excluded) against schemas, Pod Security Standards and policy."""

from __future__ import annotations

import time
from pathlib import Path

from mgctl.manifests import Finding, Manifest, load_manifest_file
from mgctl.validate import policy, pss
from mgctl.validate.schemas import SchemaRegistry
from mgctl.validate.units import UnitResult

PSS_LABEL = "pod-security.kubernetes.io/enforce"
DEFAULT_LEVELS = {"databases": pss.Level.BASELINE}


NOT_MANIFESTS = frozenset(["kustomization.yaml", "kustomization.yml", "Chart.yaml", "Chart.lock"])


def manifest_files(infra_dir: Path) -> list[Path]:
    """Every `*.yaml`/`*.yml` except Helm values files (`values*.yaml`), files of Helm charts,
    kustomization files and hidden directories (`.github/`, `.mgctl/`, ...)."""
    chart_roots = [p.parent for p in infra_dir.rglob("Chart.yaml")]
    files = []
    for path in sorted([*infra_dir.rglob("*.yaml"), *infra_dir.rglob("*.yml")]):
        hidden = any(part.startswith(".") for part in path.relative_to(infra_dir).parts)
        if hidden or path.name.startswith("values") or path.name in NOT_MANIFESTS:
            continue
        if any(root == path.parent or root in path.parents for root in chart_roots):
            continue
        files.append(path)
    return files


def load_infra_manifests(
    infra_dir: Path, display_prefix: str
) -> tuple[list[Manifest], list[Finding]]:
    manifests: list[Manifest] = []
    findings: list[Finding] = []
    for path in manifest_files(infra_dir):
        display = f"{display_prefix}/{path.relative_to(infra_dir)}"
        found, problems = load_manifest_file(path, display)
        manifests += found
        findings += problems
    return manifests, findings


def namespace_levels(manifests: list[Manifest]) -> dict[str, pss.Level | None]:
    """PSS level per namespace from Namespace labels (`privileged` = not checked)."""
    levels: dict[str, pss.Level | None] = dict(DEFAULT_LEVELS)
    for manifest in manifests:
        if manifest.kind != "Namespace" or manifest.group != "":
            continue
        labels = (manifest.body.get("metadata") or {}).get("labels") or {}
        value = labels.get(PSS_LABEL)
        if value == "privileged":
            levels[manifest.name] = None
        elif value in ("baseline", "restricted"):
            levels[manifest.name] = pss.Level(value)
    return levels


def check_infra_manifests(manifests: list[Manifest], registry: SchemaRegistry) -> list[Finding]:
    levels = namespace_levels(manifests)
    findings: list[Finding] = []
    for manifest in manifests:
        findings += registry.validate(manifest)
        level = levels.get(manifest.namespace or "", pss.Level.RESTRICTED)
        if level is not None:
            findings += pss.check_manifest(manifest, level)
    findings += policy.check_manifests(manifests, None)
    return findings


def load_infra_unit(
    infra_dir: Path, registry: SchemaRegistry, display_prefix: str = "mg-infrastructure"
) -> UnitResult:
    """Parse the repository and register its CRDs (so every later check sees their kinds)."""
    started = time.perf_counter()
    manifests, findings = load_infra_manifests(infra_dir, display_prefix)
    registry.add_crds(manifests)
    return UnitResult(
        name=display_prefix,
        objects=len(manifests),
        findings=findings,
        seconds=time.perf_counter() - started,
        manifests=manifests,
    )


def check_infra_unit(unit: UnitResult, registry: SchemaRegistry) -> UnitResult:
    started = time.perf_counter()
    unit.findings += check_infra_manifests(unit.manifests, registry)
    unit.seconds += time.perf_counter() - started
    return unit


def validate_infra_repo(
    infra_dir: Path, registry: SchemaRegistry, display_prefix: str = "mg-infrastructure"
) -> UnitResult:
    return check_infra_unit(load_infra_unit(infra_dir, registry, display_prefix), registry)
