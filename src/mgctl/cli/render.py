"""mgctl render: platform.yaml -> mg-deploy/ and mg-infrastructure/."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from mgctl.cli.common import (
    EXIT_INTERRUPTED,
    ConfigOption,
    OutputFormat,
    OutputOption,
    console,
    err_console,
    fail,
    load_or_exit,
    usage_errors,
)
from mgctl.render.database_changes import gone_databases, warning_lines
from mgctl.render.platform_render import render_to
from mgctl.render.writer import OutputUnusable, RenderConflict, RenderInterrupted


def render(
    config: Path = ConfigOption,
    out: Path = typer.Option(..., "--out", "-o", help="Directory receiving both repositories."),
    force: bool = typer.Option(
        False, "--force", help="Overwrite generated files that were edited by hand."
    ),
    output: OutputFormat = OutputOption,
) -> None:
    """Write OUT/mg-deploy and OUT/mg-infrastructure from the platform config.

    Both repositories change together or not at all; an interrupted render (Ctrl-C, kill) is
    finished or undone by the next `mgctl render` into the same OUT (docs/rendering.md)."""
    platform = load_or_exit(config)
    gone = gone_databases(out, platform, str(config))
    with usage_errors():
        try:
            with console.status("rendering…"):
                result = render_to(platform, out, force=force)
        except (RenderConflict, OutputUnusable) as exc:
            fail(str(exc))
        except RenderInterrupted as exc:
            fail("render interrupted", EXIT_INTERRUPTED, exc.left)
        except KeyboardInterrupt:
            fail(
                "render interrupted; re-run `mgctl render` with the same -o: it repairs "
                "anything an interrupted render left",
                EXIT_INTERRUPTED,
            )
    for line in result.repaired:
        err_console.print(f"repaired: {line}", markup=False, highlight=False, soft_wrap=True)
    for database in gone:
        first, *rest = warning_lines(database)
        err_console.print(
            f"[bold yellow]warning:[/] {escape(first)}", highlight=False, soft_wrap=True
        )
        for line in rest:
            err_console.print(line, markup=False, highlight=False, soft_wrap=True)
    for line in result.notes:
        err_console.print(f"note: {line}", markup=False, highlight=False, soft_wrap=True)
    if output is OutputFormat.json:
        typer.echo(
            json.dumps(
                {
                    "written": result.written,
                    "unchanged": result.unchanged,
                    "removed": result.removed,
                    "repaired": result.repaired,
                    "removedDatabases": [database.to_json() for database in gone],
                    "notes": result.notes,
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
