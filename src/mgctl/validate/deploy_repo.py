"""Validate an mg-deploy tree: every `services/*/` and `databases/*/` chart is linted, rendered
and checked (schemas, Pod Security Standards, policy), charts in parallel. Directories there
without a Chart.yaml are plain manifests (Argo CD applies them as is) and get the same checks."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import helm_identity, tree_digest
from mgctl.manifests import Finding, Manifest, load_manifest_file
from mgctl.tools import helm
from mgctl.validate import policy, pss
from mgctl.validate.helm_findings import error_location, lint_findings
from mgctl.validate.rendered import split_rendered
from mgctl.validate.schemas import SchemaRegistry
from mgctl.validate.units import ChartTarget, UnitResult

CHART_GROUPS = ("services", "databases")


ChartDone = Callable[[UnitResult], None]


def _unit_dirs(deploy_dir: Path) -> list[tuple[str, Path]]:
    return [
        (group, directory)
        for group in CHART_GROUPS
        for directory in sorted((deploy_dir / group).glob("*/"))
        if directory.is_dir() and not directory.name.startswith(("_", "."))
    ]


def discover_charts(deploy_dir: Path, display_prefix: str) -> list[ChartTarget]:
    """`services/*/` and `databases/*/` directories holding a Helm chart."""
    return [
        ChartTarget(directory, group, f"{display_prefix}/{group}/{directory.name}")
        for group, directory in _unit_dirs(deploy_dir)
        if (directory / "Chart.yaml").is_file()
    ]


def discover_manifest_dirs(deploy_dir: Path, display_prefix: str) -> list[ChartTarget]:
    """`services/*/` and `databases/*/` directories of plain manifests (no Chart.yaml)."""
    return [
        ChartTarget(directory, group, f"{display_prefix}/{group}/{directory.name}")
        for group, directory in _unit_dirs(deploy_dir)
        if not (directory / "Chart.yaml").is_file() and _yaml_files(directory)
    ]


def _yaml_files(directory: Path) -> list[Path]:
    """Manifest files of a plain directory (kustomization and hidden files excluded)."""
    return sorted(
        path
        for path in [*directory.rglob("*.yaml"), *directory.rglob("*.yml")]
        if not any(p.startswith(".") for p in path.relative_to(directory).parts)
        and path.name not in ("kustomization.yaml", "kustomization.yml")
    )


def validate_manifest_dir(target: ChartTarget, registry: SchemaRegistry) -> UnitResult:
    """A directory Argo CD applies as plain manifests (e.g. a CloudNativePG database)."""
    started = time.perf_counter()
    result = UnitResult(target.display)
    for path in _yaml_files(target.chart_dir):
        display = f"{target.display}/{path.relative_to(target.chart_dir)}"
        found, problems = load_manifest_file(path, display)
        result.manifests += found
        result.findings += problems
    result.objects = len(result.manifests)
    result.findings += check_rendered(
        result.manifests, registry, target.namespace, target.pss_level
    )
    result.seconds = time.perf_counter() - started
    return result


def check_rendered(
    manifests: Sequence[Manifest],
    registry: SchemaRegistry,
    namespace: str | None,
    level: pss.Level,
) -> list[Finding]:
    """Schema, PSS and policy findings for one rendered set of objects."""
    findings: list[Finding] = []
    for manifest in manifests:
        findings += registry.validate(manifest)
        findings += pss.check_manifest(manifest, level)
    findings += policy.check_manifests(manifests, namespace)
    return findings


LINT_BATCH = 10  # charts per `helm lint` process


@dataclass
class Rendered:
    """`helm template` output of one chart, or the findings why there is none."""

    target: ChartTarget
    output: str | None
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def validate_deploy_repo(
    deploy_dir: Path,
    registry: SchemaRegistry,
    display_prefix: str = "mg-deploy",
    jobs: int = 2,
    on_chart_done: ChartDone | None = None,
) -> list[UnitResult]:
    """One result per chart (discovery order), then one per plain-manifest directory.

    A pipeline: `jobs` threads only run helm (each template, and a `helm lint` per LINT_BATCH
    charts interleaved with them), so `jobs` helm processes are always busy; one more thread
    runs the Python checks on each rendered chart while helm renders the next ones."""
    targets = discover_charts(deploy_dir, display_prefix)
    kube_version = registry.kubernetes_version
    with (
        ExitStack() as stack,
        ThreadPoolExecutor(max_workers=max(1, jobs)) as helm_pool,
        ThreadPoolExecutor(max_workers=1) as check_pool,
    ):
        prepared = [_prepare(stack, target) for target in targets]
        renders: list[Future[Rendered]] = []
        lints: list[Future[list[helm.LintResult]]] = []
        for start in range(0, len(targets), LINT_BATCH):
            chunk = range(start, min(len(targets), start + LINT_BATCH))
            for index in chunk:
                renders.append(
                    helm_pool.submit(_render, targets[index], prepared[index], kube_version)
                )
            batch = [p for p in (prepared[i] for i in chunk) if isinstance(p, Path)]
            if batch:
                lints.append(helm_pool.submit(helm.lint_many, batch, kube_version))
        checks = []
        for render in renders:
            check = check_pool.submit(_check, render.result(), registry)
            if on_chart_done is not None:
                check.add_done_callback(_notify(on_chart_done))
            checks.append(check)
        plain = [
            check_pool.submit(validate_manifest_dir, target, registry)
            for target in discover_manifest_dirs(deploy_dir, display_prefix)
        ]
        results = [check.result() for check in checks]
        lint_by_dir = {str(r.chart): r for future in lints for r in future.result()}
        for target, chart, result in zip(targets, prepared, results, strict=True):
            if isinstance(chart, Path) and str(chart) in lint_by_dir:
                rendered = not any(f.check == "helm-template" for f in result.findings)
                lint = lint_findings(lint_by_dir[str(chart)], target, rendered)
                result.findings = lint + result.findings
        return results + [future.result() for future in plain]


def _prepare(stack: ExitStack, target: ChartTarget) -> Path | Finding:
    """The chart ready for helm (see helm.prepared_chart), or why it cannot be."""
    try:
        return stack.enter_context(helm.prepared_chart(target.chart_dir))
    except helm.HelmError as exc:
        return Finding(
            check="helm-dependency", file=f"{target.display}/Chart.yaml", message=exc.detail
        )


def _notify(callback: ChartDone) -> Callable[[Future[UnitResult]], None]:
    def done(future: Future[UnitResult]) -> None:
        if future.exception() is None:
            callback(future.result())

    return done


def _render(target: ChartTarget, prepared: Path | Finding, kube_version: str) -> Rendered:
    started = time.perf_counter()
    if isinstance(prepared, Finding):
        return Rendered(target, None, [prepared])
    try:
        output = helm.template(
            prepared, target.release, target.namespace, kube_version=kube_version
        )
    except helm.HelmError as exc:
        file, line = error_location(target, exc.detail)
        failure = Finding(check="helm-template", file=file, path=line, message=exc.detail)
        return Rendered(target, None, [failure], time.perf_counter() - started)
    return Rendered(target, output, [], time.perf_counter() - started)


def _check(rendered: Rendered, registry: SchemaRegistry) -> UnitResult:
    started = time.perf_counter()
    target = rendered.target
    result = UnitResult(target.display, findings=list(rendered.findings))
    if rendered.output is not None:
        manifests, problems = split_rendered(rendered.output, target.display)
        result.manifests = manifests
        result.objects = len(manifests)
        result.findings += problems
        result.findings += check_rendered(manifests, registry, target.namespace, target.pss_level)
    result.seconds = rendered.seconds + time.perf_counter() - started
    return result


def lint_deploy_charts(
    deploy_dir: Path,
    display_prefix: str,
    kube_version: str,
    jobs: int = 2,
    cache: RenderCache | None = None,
) -> dict[str, list[Finding]]:
    """`helm lint` of every mg-deploy chart (LINT_BATCH per helm process), findings by chart
    display path, cached by the chart's files (and its library's). The charts' rendering is
    judged with the rest of the platform."""
    found: dict[str, list[Finding]] = {}
    targets = []
    keys: dict[str, str] = {}
    for target in discover_charts(deploy_dir, display_prefix):
        key = f"lint|{tree_digest(target.chart_dir)}|{kube_version}|{helm_identity()}"
        hit = cache.get(key) if cache is not None else None
        if isinstance(hit, list):
            found[target.display] = hit
        else:
            targets.append(target)
            keys[target.display] = key
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        prepared = [_prepare(stack, target) for target in targets]
        batches = []
        for start in range(0, len(targets), LINT_BATCH):
            chunk = list(range(start, min(len(targets), start + LINT_BATCH)))
            dirs = [p for p in (prepared[i] for i in chunk) if isinstance(p, Path)]
            if dirs:
                batches.append(pool.submit(helm.lint_many, dirs, kube_version))
        by_dir = {str(r.chart): r for batch in batches for r in batch.result()}
        for target, chart in zip(targets, prepared, strict=True):
            if isinstance(chart, Finding):
                found[target.display] = [chart]
            elif str(chart) in by_dir:
                found[target.display] = lint_findings(by_dir[str(chart)], target, True)
                if cache is not None:
                    cache.put(keys[target.display], found[target.display])
    return found
