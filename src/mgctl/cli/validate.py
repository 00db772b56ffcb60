"""mgctl validate: lint, render and check mg-deploy/ and mg-infrastructure/."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mgctl.argocd.render_cache import RenderCache
from mgctl.charts.cache import ChartCache
from mgctl.cli.common import (
    CHARTS_HELP,
    OutputFormat,
    OutputOption,
    chart_cache_or_exit,
    console,
    err_console,
    exits_on_bad_input,
    fail,
    load_or_exit,
)
from mgctl.config import Platform
from mgctl.tools.binaries import ToolNotFound
from mgctl.validate.report import Report, print_report
from mgctl.validate.run import ValidationSetupError, default_schema_dir, validate_tree
from mgctl.validate.schemas import UnsupportedKubernetesVersion
from mgctl.validate.units import UnitResult


@exits_on_bad_input
def validate(
    out: Path = typer.Argument(..., help="Render output dir (or mg-deploy/, mg-infrastructure/)."),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="platform.yaml: Kubernetes version and capacity checks."
    ),
    schemas: list[Path] | None = typer.Option(
        None,
        "--schemas",
        help="Extra CRD schema dir (repeatable). The platform's CRDs come from its charts; "
        "mg-deploy validated alone needs these (default: $MGCTL_SCHEMAS or "
        f"{default_schema_dir()}, filled by `mgctl schemas fetch`).",
    ),
    charts: Path | None = typer.Option(None, "--charts", help=CHARTS_HELP),
    kube_version: str | None = typer.Option(
        None, "--kube-version", help="Kubernetes MAJOR.MINOR (default: config, else 1.35)."
    ),
    output: OutputFormat = OutputOption,
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Charts rendered in parallel."),
    no_kingfisher: bool = typer.Option(
        False, "--no-kingfisher", help="Skip the kingfisher secret scanner (built-in patterns run)."
    ),
) -> None:
    """Validate rendered repositories. Exit 0: no errors, 1: findings, 2: usage/config error."""
    try:
        platform = load_or_exit(config) if config is not None else None
        report = _run(
            out,
            platform,
            schemas,
            chart_cache_or_exit(charts),
            kube_version,
            output,
            jobs,
            not no_kingfisher,
        )
    except (ValidationSetupError, UnsupportedKubernetesVersion, ToolNotFound) as exc:
        fail(str(exc))
    if output is OutputFormat.json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        print_report(report, console)
    raise typer.Exit(report.exit_code)


def _run(
    out: Path,
    platform: Platform | None,
    schemas: list[Path] | None,
    charts: ChartCache,
    kube_version: str | None,
    output: OutputFormat,
    jobs: int,
    use_kingfisher: bool,
) -> Report:
    progress = Progress(
        TextColumn("[bold]validating[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=output is OutputFormat.json or not err_console.is_terminal,
    )
    task = progress.add_task("applications", total=None)

    def charts_found(count: int) -> None:
        progress.update(task, total=count)

    def chart_done(unit: UnitResult) -> None:
        progress.update(task, advance=1, description=unit.name)

    with progress:
        return validate_tree(
            out,
            platform,
            schema_dirs=schemas or None,
            charts=charts,
            render_cache=RenderCache.from_environment(),
            kubernetes_version=kube_version,
            jobs=jobs,
            on_chart_done=chart_done,
            on_charts_found=charts_found,
            use_kingfisher=use_kingfisher,
        )


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
