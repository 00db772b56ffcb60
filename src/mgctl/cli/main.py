"""The `mgctl` entry point: wires each command group's `register` into one typer app."""

from __future__ import annotations

import typer

from mgctl import __version__
from mgctl.cli import (
    apps,
    bootstrap,
    charts,
    ci,
    diff,
    doctor,
    dr,
    render,
    schema,
    schemas,
    tools,
    validate,
)
from mgctl.cli.common import install_json_errors, tidy_help

app = typer.Typer(
    name="mgctl",
    help="Generate, validate and operate a GitOps platform for small teams on k3s.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# One module per command group; each exposes register(app).
COMMAND_MODULES = (
    render,
    validate,
    apps,
    diff,
    schema,
    schemas,
    charts,
    bootstrap,
    doctor,
    dr,
    tools,
    ci,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mgctl {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """mgctl: platform.yaml -> model -> render -> validate -> cluster."""


for _module in COMMAND_MODULES:
    _module.register(app)
install_json_errors(app)
tidy_help()


if __name__ == "__main__":
    app()
