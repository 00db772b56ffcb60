"""Validate an mg-deploy tree: every `services/*/` and `databases/*/` chart is linted, rendered
and checked (schemas, Pod Security Standards, policy), charts in parallel. Directories there
without a Chart.yaml are plain manifests (Argo CD applies them as is) and get the same checks."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from mgctl.validate import helm, policy, pss
from mgctl.validate.manifests import Finding, Manifest, Severity, load_manifest_file
from mgctl.validate.rendered import split_rendered
from mgctl.validate.schemas import SchemaRegistry

DATABASES_NAMESPACE = "databases"
CHART_GROUPS = ("services", "databases")


@dataclass(frozen=True)
class ChartTarget:
    chart_dir: Path
    group: str  # services | databases
    display: str  # e.g. mg-deploy/services/api

    @property
    def release(self) -> str:
        return self.chart_dir.name

    @property
    def namespace(self) -> str:
        return self.chart_dir.name if self.group == "services" else DATABASES_NAMESPACE

    @property
    def pss_level(self) -> pss.Level:
        return pss.Level.BASELINE if self.group == "databases" else pss.Level.RESTRICTED


@dataclass
class UnitResult:
    """Outcome for one validated unit (a chart, or a repo of plain manifests)."""

    name: str
    objects: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    manifests: list[Manifest] = field(default_factory=list, repr=False)


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


def validate_deploy_repo(
    deploy_dir: Path,
    registry: SchemaRegistry,
    display_prefix: str = "mg-deploy",
    jobs: int = 2,
    on_chart_done: ChartDone | None = None,
) -> list[UnitResult]:
    """One result per chart, in discovery order."""
    targets = discover_charts(deploy_dir, display_prefix)
    kube_version = registry.kubernetes_version
    with (
        ExitStack() as stack,
        ThreadPoolExecutor(max_workers=max(1, jobs)) as pool,
        ThreadPoolExecutor(max_workers=1) as lint_pool,  # one helm lint beside the templates
    ):
        prepared: list[Path | None] = []
        failures: dict[int, Finding] = {}
        for index, target in enumerate(targets):
            try:
                prepared.append(stack.enter_context(helm.prepared_chart(target.chart_dir)))
            except helm.HelmError as exc:
                prepared.append(None)
                failures[index] = Finding(
                    check="helm-dependency", file=f"{target.display}/Chart.yaml", message=exc.detail
                )
        ready = [p for p in prepared if p is not None]
        lint_future = lint_pool.submit(helm.lint_many, ready, kube_version)
        futures: list[Future[UnitResult]] = []
        for index, target in enumerate(targets):
            future = pool.submit(
                _render_and_check, target, prepared[index], failures.get(index), registry
            )
            if on_chart_done is not None:
                future.add_done_callback(_notify(on_chart_done))
            futures.append(future)
        plain = [
            pool.submit(validate_manifest_dir, target, registry)
            for target in discover_manifest_dirs(deploy_dir, display_prefix)
        ]
        results = [future.result() for future in futures]
        lint_by_dir = {str(r.chart): r for r in lint_future.result()}
        for index, result in enumerate(results):
            chart = prepared[index]
            if chart is not None and str(chart) in lint_by_dir:
                result.findings = _lint_findings(lint_by_dir[str(chart)], targets[index]) + (
                    result.findings
                )
    return results + [future.result() for future in plain]


def _notify(callback: ChartDone) -> Callable[[Future[UnitResult]], None]:
    def done(future: Future[UnitResult]) -> None:
        if future.exception() is None:
            callback(future.result())

    return done


def _render_and_check(
    target: ChartTarget, prepared: Path | None, failure: Finding | None, registry: SchemaRegistry
) -> UnitResult:
    started = time.perf_counter()
    result = UnitResult(target.display)
    if prepared is None:
        assert failure is not None
        result.findings.append(failure)
        return result
    try:
        output = helm.template(
            prepared, target.release, target.namespace, kube_version=registry.kubernetes_version
        )
    except helm.HelmError as exc:
        result.findings.append(
            Finding(check="helm-template", file=f"{target.display}/Chart.yaml", message=exc.detail)
        )
        result.seconds = time.perf_counter() - started
        return result
    manifests, problems = split_rendered(output, target.display)
    result.manifests = manifests
    result.objects = len(manifests)
    result.findings += problems
    result.findings += check_rendered(manifests, registry, target.namespace, target.pss_level)
    result.seconds = time.perf_counter() - started
    return result


_LINT_LOCATION = re.compile(r"^(?P<file>[\w./-]+/?): (?P<text>.*)$")


def _lint_findings(lint: helm.LintResult, target: ChartTarget) -> list[Finding]:
    findings = []
    for severity, messages in ((Severity.ERROR, lint.errors), (Severity.WARNING, lint.warnings)):
        for message in messages:
            match = _LINT_LOCATION.match(message)
            where = (
                f"{target.display}/{match.group('file').rstrip('/')}" if match else target.display
            )
            text = match.group("text") if match else message
            findings.append(Finding(check="helm-lint", severity=severity, file=where, message=text))
    return findings
