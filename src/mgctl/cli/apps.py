"""mgctl apps: the Applications Argo CD would sync, rendered offline."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mgctl.argocd.export import ExportRefused, write_view
from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.view import ViewError, load_view
from mgctl.cli.common import (
    CHARTS_HELP,
    OutputFormat,
    OutputOption,
    chart_cache_or_exit,
    console,
    exits_on_bad_input,
    fail,
    load_or_exit,
)
from mgctl.kube_api import UnsupportedKubernetesVersion
from mgctl.validate.run import DEFAULT_KUBERNETES_VERSION, ValidationSetupError, find_repos

apps_app = typer.Typer(help="What Argo CD would apply, rendered offline.")


@apps_app.command("render")
@exits_on_bad_input
def render(
    out: Path = typer.Argument(..., help="Render output dir (holding mg-infrastructure/)."),
    into: Path = typer.Option(
        ...,
        "--output-dir",
        "-o",
        help="Directory to write, one subdirectory per Application (replaced as a whole).",
    ),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="platform.yaml (its Kubernetes version)."
    ),
    charts: Path | None = typer.Option(None, "--charts", help=CHARTS_HELP),
    kube_version: str | None = typer.Option(
        None, "--kube-version", help="Kubernetes MAJOR.MINOR (default: config, else 1.35)."
    ),
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Charts rendered in parallel."),
    output: OutputFormat = OutputOption,
) -> None:
    """Render every Application from bootstrap/root.yaml down (ApplicationSets expanded,
    upstream charts from the chart cache) and write what each would apply."""
    platform = load_or_exit(config) if config is not None else None
    version = kube_version or (
        platform.project.kubernetes_version if platform else DEFAULT_KUBERNETES_VERSION
    )
    try:
        deploy, infra = find_repos(out)
        if infra is None:
            fail(f"{out} holds no mg-infrastructure/: nothing for Argo CD to apply")
        view = load_view(
            infra,
            deploy
            or (infra.parent / "mg-deploy" if (infra.parent / "mg-deploy").is_dir() else None),
            charts=chart_cache_or_exit(charts),
            kubernetes_version=version,
            jobs=jobs,
            cache=RenderCache.from_environment(),
        )
        written = write_view(view, into)
    except (ValidationSetupError, ViewError, ExportRefused, UnsupportedKubernetesVersion) as exc:
        fail(str(exc))
    problems = sum(len(a.problems) for a in view.apps) + len(view.problems)
    if output is OutputFormat.json:
        typer.echo(
            json.dumps(
                {"applications": written, "problems": problems, "directory": str(into)}, indent=2
            )
        )
    else:
        console.print(
            f"{written} Applications written to {into} ({problems} render problems; "
            f"see {into / 'applications.txt'})",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(apps_app, name="apps")
