"""mgctl ci source: the source repository's build workflows (docs/delivery-pipeline.md).

mg-deploy and mg-infrastructure get their CI from `mgctl render`; the source repository is the
team's code, not a render target, so writing into it is this explicit command."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mgctl.cli.common import (
    EXIT_USAGE,
    ConfigOption,
    OutputFormat,
    OutputOption,
    console,
    err_console,
    load_or_exit,
    plural,
)
from mgctl.render.ci.source_build import source_workflows
from mgctl.render.writer import RenderConflict, write_files

ci_app = typer.Typer(help="CI of the source repository (mg-central).", no_args_is_help=True)


@ci_app.command("source")
def source(
    config: Path = ConfigOption,
    out: Path = typer.Option(
        ..., "--out", "-o", help="Root of the source repository (created when missing)."
    ),
    branch: str = typer.Option("main", "--branch", help="Its default branch."),
    force: bool = typer.Option(
        False, "--force", help="Overwrite generated workflows that were edited by hand."
    ),
    output: OutputFormat = OutputOption,
) -> None:
    """Write OUT/.github/workflows: a reusable build workflow and one caller per service
    (test, build with buildx, push tags that Image Updater accepts, SBOM and provenance)."""
    platform = load_or_exit(config)
    try:
        files = source_workflows(platform, branch)
    except ValueError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc
    if not files:
        err_console.print(
            "[bold red]error:[/] no service has a `build` section: nothing to write "
            f"(see services[].build in {config})",
            highlight=False,
        )
        raise typer.Exit(EXIT_USAGE)
    out = out.resolve()
    repo = out.name
    try:
        result = write_files(out.parent, {f"{repo}/{rel}": text for rel, text in files.items()},
                             force=force)  # fmt: skip
    except RenderConflict as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc
    if output is OutputFormat.json:
        typer.echo(json.dumps({"written": result.written, "unchanged": result.unchanged,
                               "removed": result.removed}, indent=2))  # fmt: skip
        return
    console.print(
        f"workflows in {out}/.github/workflows: {len(result.written)} written, "
        f"{len(result.unchanged)} unchanged, {len(result.removed)} removed "
        f"({plural(len(files) - 1, 'service')})",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(ci_app, name="ci")
