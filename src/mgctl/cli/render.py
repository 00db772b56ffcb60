"""mgctl render: platform.yaml -> mg-deploy/ and mg-infrastructure/."""

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
)
from mgctl.render.platform_render import render_to
from mgctl.render.writer import RenderConflict


def render(
    config: Path = ConfigOption,
    out: Path = typer.Option(..., "--out", "-o", help="Directory receiving both repositories."),
    force: bool = typer.Option(
        False, "--force", help="Overwrite generated files that were edited by hand."
    ),
    output: OutputFormat = OutputOption,
) -> None:
    """Write OUT/mg-deploy and OUT/mg-infrastructure from the platform config."""
    platform = load_or_exit(config)
    with console.status("rendering…"):
        try:
            result = render_to(platform, out, force=force)
        except RenderConflict as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(EXIT_USAGE) from exc
    if output is OutputFormat.json:
        typer.echo(
            json.dumps(
                {
                    "written": result.written,
                    "unchanged": result.unchanged,
                    "removed": result.removed,
                },
                indent=2,
            )
        )
        return
    console.print(
        f"rendered into {out}: {len(result.written)} written, {len(result.unchanged)} unchanged, "
        f"{len(result.removed)} removed"
    )


def register(app: typer.Typer) -> None:
    app.command("render")(render)
