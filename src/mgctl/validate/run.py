"""`validate_tree`: find mg-deploy/ and mg-infrastructure/ and run every check on them.

With mg-infrastructure present, everything is judged as Argo CD would apply it: the view of
`mgctl.argocd.view` (bootstrap/root.yaml down, every ApplicationSet expanded, every source
rendered from the chart cache or the local repositories) and the checks of
`mgctl.validate.applied`; mg-deploy's charts are also linted. With mg-deploy alone, its charts
are rendered and checked by the conventions the ApplicationSets apply (release and namespace
= directory name), against the CRD schemas of `--schemas`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.view import ROOT_FILE, ViewError, load_view
from mgctl.charts.cache import ChartCache
from mgctl.config.platform import Platform
from mgctl.manifests import Finding, load_manifest_file
from mgctl.validate import capacity, secrets_scan
from mgctl.validate.applied.run import check_view
from mgctl.validate.applied.stream import AppChecks
from mgctl.validate.deploy_repo import (
    ChartDone,
    discover_charts,
    lint_deploy_charts,
    validate_deploy_repo,
)
from mgctl.validate.report import Report
from mgctl.validate.schemas import SchemaRegistry
from mgctl.validate.units import UnitResult

DEPLOY = "mg-deploy"
INFRA = "mg-infrastructure"
DEFAULT_KUBERNETES_VERSION = "1.35"
SCHEMAS_ENV = "MGCTL_SCHEMAS"


class ValidationSetupError(ValueError):
    """The inputs cannot be validated (nothing to validate, no schemas, bad config)."""


def default_schema_dir() -> Path:
    env = os.environ.get(SCHEMAS_ENV)
    return Path(env) if env else Path.home() / ".cache" / "mgctl" / "schemas"


def find_repos(out_dir: Path) -> tuple[Path | None, Path | None]:
    """(mg-deploy dir, mg-infrastructure dir) under out_dir, or out_dir itself being one."""
    if not out_dir.is_dir():
        raise ValidationSetupError(f"{out_dir} is not a directory. Fix: pass the render output dir")
    deploy = out_dir / DEPLOY if (out_dir / DEPLOY).is_dir() else None
    infra = out_dir / INFRA if (out_dir / INFRA).is_dir() else None
    if out_dir.name == DEPLOY or (not deploy and not infra and (out_dir / "services").is_dir()):
        deploy = out_dir
    elif out_dir.name == INFRA:
        infra = out_dir
    if deploy is None and infra is None:
        raise ValidationSetupError(
            f"neither {DEPLOY}/ nor {INFRA}/ found in {out_dir}. "
            f"Fix: pass the directory `mgctl render -o` wrote, or one of the two repositories"
        )
    return deploy, infra


def schema_dirs_or_error(schema_dirs: Sequence[Path], required: bool = True) -> list[Path]:
    """The CRD schema dirs, each required to exist and hold YAML (a typo is not ignored)."""
    missing = [d for d in schema_dirs if not (d.is_dir() and any(d.rglob("*.yaml")))]
    if missing or (required and not schema_dirs):
        shown = ", ".join(map(str, missing or schema_dirs)) or "(none)"
        raise ValidationSetupError(
            f"no CRD schemas in {shown}: custom resources cannot be validated. "
            "Fix: run `mgctl schemas fetch`, or pass --schemas DIR (e.g. ../shared/crds)"
        )
    return list(schema_dirs)


def _secret_scan(roots: list[Path], display_root: Path, use_kingfisher: bool) -> list[Finding]:
    files = secrets_scan.repo_files(roots)
    display = {path: str(path.relative_to(display_root)) for path in files}
    own = secrets_scan.scan_files(files, display)
    scanner = (
        secrets_scan.run_kingfisher(roots, display_root, secrets_scan.kingfisher_binary())
        if use_kingfisher
        else []
    )
    return secrets_scan.merge_secret_findings(own, scanner)


def validate_tree(
    out_dir: Path,
    platform: Platform | None = None,
    *,
    schema_dirs: Sequence[Path] | None = None,
    kubernetes_version: str | None = None,
    jobs: int = 2,
    on_chart_done: ChartDone | None = None,
    on_charts_found: Callable[[int], None] | None = None,
    use_kingfisher: bool = True,
    registry: SchemaRegistry | None = None,
    charts: ChartCache | None = None,
    render_cache: RenderCache | None = None,
) -> Report:
    """Validate the rendered repositories under `out_dir`.

    Raises ValidationSetupError (CLI exit 2) when there is nothing to validate, or (mg-deploy
    alone) no schemas. `registry` lets callers (tests, benchmarks) reuse loaded schemas;
    `charts` is the chart cache (default: $MGCTL_CHARTS or ~/.cache/mgctl/charts).
    """
    started = time.perf_counter()
    shown_root, out_dir = out_dir, out_dir.resolve()
    deploy, infra = find_repos(out_dir)
    version = kubernetes_version or (
        platform.project.kubernetes_version if platform is not None else DEFAULT_KUBERNETES_VERSION
    )
    dirs = schema_dirs_or_error(
        list(schema_dirs) if schema_dirs else ([] if infra else [default_schema_dir()]),
        required=infra is None,
    )
    if registry is None:
        registry = SchemaRegistry(version, dirs)
    display_root = out_dir if out_dir.name not in (DEPLOY, INFRA) else out_dir.parent
    report = Report(root=shown_root, kubernetes_version=registry.kubernetes_version)
    roots = [d for d in (deploy, infra) if d is not None]
    with ThreadPoolExecutor(max_workers=1) as background:  # beside the helm processes
        secrets = background.submit(_secret_scan, roots, display_root, use_kingfisher)
        if infra is not None:
            sibling = infra.parent / DEPLOY
            _validate_platform(
                report,
                infra,
                deploy or (sibling if sibling.is_dir() else None),
                registry,
                charts or ChartCache(),
                render_cache,
                jobs,
                on_chart_done,
                on_charts_found,
            )
        elif deploy is not None:
            prefix = str(deploy.relative_to(display_root))
            if on_charts_found:
                on_charts_found(len(discover_charts(deploy, prefix)))
            report.units += validate_deploy_repo(deploy, registry, prefix, jobs, on_chart_done)
        if platform is not None:
            report.repo_findings += capacity.check_capacity(platform)
        report.repo_findings += secrets.result()
    if not use_kingfisher:
        report.notes.append("kingfisher secret scan skipped (built-in secret patterns still ran)")
    report.seconds = time.perf_counter() - started
    return report


def _validate_platform(
    report: Report,
    infra: Path,
    deploy: Path | None,
    registry: SchemaRegistry,
    charts: ChartCache,
    render_cache: RenderCache | None,
    jobs: int,
    on_chart_done: ChartDone | None,
    on_charts_found: Callable[[int], None] | None,
) -> None:
    """The platform as Argo CD applies it, plus `helm lint` of the mg-deploy charts."""
    with ThreadPoolExecutor(max_workers=1) as linter:
        lint = (
            linter.submit(
                lint_deploy_charts,
                deploy,
                deploy.name,
                registry.kubernetes_version,
                jobs=1,
                cache=render_cache,
            )
            if deploy is not None
            else None
        )
        checks = AppChecks(registry, render_cache)
        try:
            view = load_view(
                infra,
                deploy,
                charts=charts,
                kubernetes_version=registry.kubernetes_version,
                jobs=jobs,
                cache=render_cache,
                on_app=checks.seen,
            )
        except ViewError as exc:
            report.repo_findings.append(
                Finding(check="argocd-render", file=f"{infra.name}/{ROOT_FILE}", message=str(exc))
            )
            return
        finally:
            early = checks.finish()
        if on_charts_found:
            on_charts_found(len(view.apps))
        applied = check_view(view, registry, early, render_cache)
        lint_by_chart = lint.result() if lint is not None else {}
    report.units.append(_bootstrap_unit(infra, registry))
    for rendered, unit in zip(view.apps, applied.units, strict=True):
        unit.findings = _lint_of(rendered, lint_by_chart) + unit.findings
        report.units.append(unit)
        if on_chart_done is not None:
            on_chart_done(unit)
    report.repo_findings += applied.findings
    report.notes.append(
        f"{len(view.apps)} Applications rendered as Argo CD would; "
        f"{view.cluster.major}.{view.cluster.minor} API with {len(view.cluster.custom)} CRDs"
    )


def _lint_of(rendered: RenderedApp, lint: dict[str, list[Finding]]) -> list[Finding]:
    found = []
    for source in rendered.sources:
        if source.kind == "local-chart":
            found += [f.in_application(rendered.app.name) for f in lint.pop(source.label, [])]
    return found


def _bootstrap_unit(infra: Path, registry: SchemaRegistry) -> UnitResult:
    """bootstrap/root.yaml: what `mgctl bootstrap` applies itself."""
    manifests, findings = load_manifest_file(infra / ROOT_FILE, f"{infra.name}/{ROOT_FILE}")
    for manifest in manifests:
        findings += registry.validate(manifest)
    return UnitResult("bootstrap", objects=len(manifests), findings=findings, manifests=manifests)
