"""mgctl schemas fetch: download the pinned upstream CRDs and chart values schemas that
`mgctl validate` checks against."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mgctl.cli.common import (
    EXIT_FINDINGS,
    OutputFormat,
    OutputOption,
    console,
    err_console,
    plural,
)
from mgctl.schemas_catalog import ALL_SOURCES, RAW_GITHUB, PinnedSource
from mgctl.validate.run import default_schema_dir
from mgctl.validate.schema_fetch import fetch_all

schemas_app = typer.Typer(help="Pinned upstream CRD schemas used by `mgctl validate`.")


@schemas_app.command("fetch")
def fetch(
    dest: Path | None = typer.Option(
        None, "--dest", help=f"Target dir (default: $MGCTL_SCHEMAS or {default_schema_dir()})."
    ),
    base_url: str = typer.Option(
        RAW_GITHUB, "--base-url", help="Mirror laid out like raw.githubusercontent.com."
    ),
    force: bool = typer.Option(False, "--force", help="Download even when files verify."),
    output: OutputFormat = OutputOption,
) -> None:
    """Download the pinned CRDs (DEST/<project>/<version>/) and chart values schemas
    (DEST/chart-schemas/<chart>/<version>/), verifying git blob ids."""
    target = dest or default_schema_dir()

    def report(source: PinnedSource, status: str) -> None:
        if output is OutputFormat.text:
            style = {"failed": "red", "fetched": "green"}.get(status, "dim")
            console.print(f"[{style}]{status:>10}[/] {source.local_dir}", highlight=False)

    result = fetch_all(target, base_url, ALL_SOURCES, force, report)
    if output is OutputFormat.json:
        typer.echo(
            json.dumps(
                {
                    "dest": str(target),
                    "fetched": result.fetched,
                    "up_to_date": result.up_to_date,
                    "failed": result.failed,
                },
                indent=2,
            )
        )
    for where, reason in result.failed.items():
        err_console.print(f"[bold red]error:[/] {where}: {reason}", highlight=False)
    if result.failed:
        raise typer.Exit(EXIT_FINDINGS)
    if output is OutputFormat.text:
        console.print(f"CRD schemas in {target}: use `mgctl validate OUT --schemas {target}`")


@schemas_app.command("list")
def list_sources() -> None:
    """Show the pinned sources (project, version, repository, tag, files)."""
    for source in ALL_SOURCES:
        files = plural(len(source.files), "file")
        console.print(
            f"{source.local_dir:45} {source.repo}@{source.tag} ({files})",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(schemas_app, name="schemas")
