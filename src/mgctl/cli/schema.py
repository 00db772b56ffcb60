"""mgctl schema: the JSON Schema of platform.yaml for editors."""

from __future__ import annotations

from pathlib import Path

import typer

from mgctl.cli.common import exits_on_bad_input
from mgctl.config.schema import platform_schema_json


@exits_on_bad_input
def schema(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to a file instead of stdout."),
) -> None:
    """Print the JSON Schema of platform.yaml (for yaml-language-server and editors)."""
    text = platform_schema_json()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)
