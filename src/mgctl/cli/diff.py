"""mgctl diff: what a change does to the cluster, object by object, without a cluster."""

from __future__ import annotations

import enum
from contextlib import ExitStack
from pathlib import Path

import typer

from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.view import ViewError, load_view
from mgctl.cli.common import (
    CHARTS_HELP,
    EXIT_FINDINGS,
    EXIT_OK,
    chart_cache_or_exit,
    exits_on_bad_input,
    fail,
    load_or_exit,
)
from mgctl.diff import report
from mgctl.diff.compare import compare
from mgctl.diff.sources import SideError, resolve
from mgctl.kube_api import UnsupportedKubernetesVersion
from mgctl.validate.run import DEFAULT_KUBERNETES_VERSION


class DiffFormat(enum.StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@exits_on_bad_input
def diff(
    base: str = typer.Argument(..., help="Render output dir, or git:REV of the repositories."),
    head: str = typer.Argument(..., help="Render output dir, or git:REV of the repositories."),
    repos: Path = typer.Option(
        Path("."), "--repos", help="Where mg-deploy/ and mg-infrastructure/ are, for git:REV."
    ),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="platform.yaml (its Kubernetes version)."
    ),
    charts: Path | None = typer.Option(None, "--charts", help=CHARTS_HELP),
    keep_noise: bool = typer.Option(
        False,
        "--keep-noise",
        help="Also show helm.sh/chart-style labels that change with every chart release.",
    ),
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Charts rendered in parallel."),
    output: DiffFormat = typer.Option(
        DiffFormat.text, "--output", help="text, markdown (a PR comment) or json."
    ),
) -> None:
    """Render what Argo CD would apply on both sides and print the objects that change,
    grouped by Application. Exit 0: nothing changes, 1: something does, 2: error."""
    platform = load_or_exit(config) if config is not None else None
    version = platform.project.kubernetes_version if platform else DEFAULT_KUBERNETES_VERSION
    cache = RenderCache.from_environment()
    chart_cache = chart_cache_or_exit(charts)
    views = []
    with ExitStack() as stack:
        try:
            for side in (base, head):
                root = resolve(side, repos, stack)
                deploy = root / "mg-deploy"
                views.append(
                    load_view(
                        root / "mg-infrastructure",
                        deploy if deploy.is_dir() else None,
                        charts=chart_cache,
                        kubernetes_version=version,
                        jobs=jobs,
                        cache=cache,
                    )
                )
        except (SideError, ViewError, UnsupportedKubernetesVersion) as exc:
            fail(str(exc))
        result = compare(views[0], views[1], strip_noise=not keep_noise)
    render = {
        DiffFormat.text: report.text,
        DiffFormat.markdown: report.markdown,
        DiffFormat.json: report.as_json,
    }[output]
    typer.echo(render(result), nl=False)
    raise typer.Exit(EXIT_FINDINGS if result.changed else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
