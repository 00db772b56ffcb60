"""What every command shares: exit codes, the console, loading the config with readable errors."""

from __future__ import annotations

import enum
from pathlib import Path

import typer
from rich.console import Console

from mgctl.charts.cache import CHARTS_ENV, default_cache_dir
from mgctl.config import ConfigError, Platform, load_platform

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

console = Console()
err_console = Console(stderr=True)


class OutputFormat(enum.StrEnum):
    text = "text"
    json = "json"


CHARTS_HELP = (
    f"Chart cache dir (default: ${CHARTS_ENV} or {default_cache_dir()}; "
    "`mgctl charts fetch` fills it)."
)


ConfigOption = typer.Option(
    Path("platform.yaml"), "--config", "-c", help="The platform.yaml to read.", show_default=True
)


def load_or_exit(path: Path) -> Platform:
    try:
        return load_platform(path)
    except ConfigError as exc:
        err_console.print(f"[bold red]error:[/] {path} is not a valid platform config:")
        for issue in exc.issues:
            err_console.print(
                f"  {issue.render(exc.file)}", markup=False, highlight=False, soft_wrap=True
            )
        raise typer.Exit(EXIT_USAGE) from exc
