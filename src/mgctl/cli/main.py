"""The `mgctl` entry point: wires each command group's `register` into one typer app."""

from __future__ import annotations

import importlib

import typer

from mgctl import __version__
from mgctl.cli.common import install_json_errors, tidy_help

app = typer.Typer(
    name="mgctl",
    help="Generate, validate and operate a GitOps platform for small teams on k3s.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# One module per command group; each exposes register(app).
COMMAND_MODULES = (
    "render",
    "validate",
    "schema",
    "schemas",
    "bootstrap",
    "doctor",
    "dr",
    "tools",
    "ci",
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


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"mgctl.cli.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"mgctl.cli.{_name}":
            raise
        continue
    _module.register(app)
install_json_errors(app)
tidy_help()


if __name__ == "__main__":
    app()
