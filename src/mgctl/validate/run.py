"""`validate_tree`: find mg-deploy/ and mg-infrastructure/ and run every check on them."""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

from mgctl.manifests import Finding
from mgctl.validate import secrets_scan
from mgctl.validate.deploy_repo import ChartDone, discover_charts, validate_deploy_repo
from mgctl.validate.infra_repo import check_infra_unit, load_infra_unit
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


def schema_dirs_or_error(schema_dirs: Sequence[Path]) -> list[Path]:
    """The CRD schema dirs, each required to exist and hold YAML (a typo is not ignored)."""
    missing = [d for d in schema_dirs if not (d.is_dir() and any(d.rglob("*.yaml")))]
    if missing or not schema_dirs:
        shown = ", ".join(map(str, missing or schema_dirs)) or "(none)"
        raise ValidationSetupError(
            f"no CRD schemas in {shown}: custom resources cannot be validated. "
            "Fix: run `mgctl schemas fetch`, or pass --schemas DIR (e.g. ../shared/crds)"
        )
    return list(schema_dirs)


def _optional_module(name: str) -> ModuleType | None:
    """The infra checks live in modules another part of mgctl provides; absent = skipped."""
    try:
        return importlib.import_module(f"mgctl.validate.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"mgctl.validate.{name}":
            return None
        raise


def _infra_checks(
    infra: Path,
    deploy: Path | None,
    infra_unit: UnitResult,
    schema_root: Path,
    deploy_units: list[UnitResult],
) -> list[Finding]:
    findings: list[Finding] = []
    graph = _optional_module("graph")
    if graph is not None:
        rendered = [(u.name.split("/", 1)[1], u.manifests) for u in deploy_units if "/" in u.name]
        findings += graph.check_infrastructure(infra, deploy, infra_unit.manifests, rendered)
    chart_values = _optional_module("chart_values")
    if chart_values is not None:
        findings += chart_values.check_chart_values(infra, schema_root)
    return findings


def _capacity_checks(platform: Any) -> list[Finding]:
    capacity = _optional_module("capacity")
    return list(capacity.check_capacity(platform)) if capacity is not None else []


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
    config: Path | None = None,
    *,
    schema_dirs: Sequence[Path] | None = None,
    kubernetes_version: str | None = None,
    jobs: int = 2,
    on_chart_done: ChartDone | None = None,
    on_charts_found: Callable[[int], None] | None = None,
    use_kingfisher: bool = True,
    registry: SchemaRegistry | None = None,
    chart_schema_root: Path | None = None,
    infra_checks: bool = True,
) -> Report:
    """Validate the rendered repositories under `out_dir`.

    Raises ValidationSetupError (CLI exit 2) when there is nothing to validate or no schemas.
    `registry` lets callers (tests, benchmarks) reuse loaded schemas across runs;
    `infra_checks=False` skips the graph/chart-values/capacity checks (engine-only runs).
    """
    started = time.perf_counter()
    shown_root, out_dir = out_dir, out_dir.resolve()
    deploy, infra = find_repos(out_dir)
    platform = _load_platform(config) if config is not None else None
    version = kubernetes_version or (
        platform.project.kubernetes_version if platform is not None else DEFAULT_KUBERNETES_VERSION
    )
    dirs = schema_dirs_or_error(list(schema_dirs) if schema_dirs else [default_schema_dir()])
    if registry is None:
        registry = SchemaRegistry(version, dirs)
    display_root = out_dir if out_dir.name not in (DEPLOY, INFRA) else out_dir.parent
    report = Report(root=shown_root, kubernetes_version=registry.kubernetes_version)
    roots = [d for d in (deploy, infra) if d is not None]
    # CRDs of mg-infrastructure serve kinds for both repositories: registered before any check.
    infra_unit = (
        load_infra_unit(infra, registry, str(infra.relative_to(display_root)))
        if infra is not None
        else None
    )
    with ThreadPoolExecutor(max_workers=2) as background:  # beside the helm processes
        secrets = background.submit(_secret_scan, roots, display_root, use_kingfisher)
        infra_checked = (
            background.submit(check_infra_unit, infra_unit, registry)
            if infra_unit is not None
            else None
        )
        if deploy is not None:
            prefix = str(deploy.relative_to(display_root))
            if on_charts_found:
                on_charts_found(len(discover_charts(deploy, prefix)))
            report.units += validate_deploy_repo(deploy, registry, prefix, jobs, on_chart_done)
        if infra_checked is not None:
            report.units.insert(0, infra_checked.result())
        if infra_checks and infra is not None and infra_unit is not None:
            schema_root = chart_schema_root or _chart_schema_root(dirs)
            # validating mg-infrastructure alone: its Applications still point into a sibling
            # mg-deploy, which the graph check reads (without validating it)
            sibling = infra.parent / DEPLOY
            graph_deploy = deploy or (sibling if sibling.is_dir() else None)
            deploy_units = [u for u in report.units if u is not infra_unit]
            report.repo_findings += _infra_checks(
                infra, graph_deploy, infra_unit, schema_root, deploy_units
            )
        if infra_checks and platform is not None:
            report.repo_findings += _capacity_checks(platform)
        report.repo_findings += secrets.result()
    if not use_kingfisher:
        report.notes.append("kingfisher secret scan skipped (built-in secret patterns still ran)")
    report.seconds = time.perf_counter() - started
    return report


def _chart_schema_root(schema_dirs: list[Path]) -> Path:
    """chart-schemas/ beside the CRD dir (layout of the fetched cache and of ../shared)."""
    for directory in schema_dirs:
        for candidate in (directory / "chart-schemas", directory.parent / "chart-schemas"):
            if candidate.is_dir():
                return candidate
    return schema_dirs[0] / "chart-schemas"


def _load_platform(config: Path) -> Any:
    from mgctl.config import load_platform

    return load_platform(config)
