"""mgctl doctor: one table answering "is my platform healthy?"."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mgctl.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    OutputFormat,
    OutputOption,
    console,
    err_console,
    exits_on_bad_input,
    load_or_exit,
    plural,
)
from mgctl.cluster.doctor.model import Context, Row
from mgctl.cluster.doctor.run import run_doctor
from mgctl.cluster.kubectl import Kubectl
from mgctl.tools.binaries import ToolNotFound, find

COLORS = {"ok": "green", "warn": "yellow", "fail": "red"}


def rows_table(rows: list[Row]) -> Table:
    table = Table(title="mgctl doctor")
    for column in ("area", "name", "status", "detail", "what to do next"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(  # Text: details quote API messages, never rich markup
            Text(row.area), Text(row.name), Text(row.status, style=COLORS[row.status]),
            Text(row.detail), Text(row.next_step),
        )  # fmt: skip
    return table


@exits_on_bad_input
def doctor(
    config: Path | None = typer.Option(
        None, "--config", "-c", help="platform.yaml: RPO, expected components, schedules."
    ),
    kubeconfig: Path | None = typer.Option(None, "--kubeconfig", help="Kubeconfig file."),
    context: str | None = typer.Option(None, "--context", help="Kubeconfig context."),
    output: OutputFormat = OutputOption,
    only_problems: bool = typer.Option(False, "--problems", help="Show warn/fail rows only."),
) -> None:
    """Is the platform healthy? Exit 1 when any row fails.

    Covers Argo CD Applications, External Secrets, certificates, PostgreSQL (backups, WAL),
    Kafka, Velero, Longhorn, nodes, MetalLB and Tailscale; each failing row says what to do.
    """
    platform = load_or_exit(config) if config is not None else None
    try:
        binary = str(find("kubectl"))
    except ToolNotFound as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc
    kubectl = Kubectl(binary, kubeconfig=str(kubeconfig) if kubeconfig else None, context=context)
    rows = run_doctor(kubectl, Context(platform=platform))
    shown = [r for r in rows if r.status != "ok"] if only_problems else rows
    failures = sum(r.status == "fail" for r in rows)
    if output is OutputFormat.json:
        typer.echo(json.dumps({"rows": [r.to_dict() for r in shown], "failures": failures},
                              indent=2))  # fmt: skip
    else:
        console.print(rows_table(shown))
        warnings = sum(r.status == "warn" for r in rows)
        console.print(
            f"{plural(len(rows), 'check')}: {failures} failing, {plural(warnings, 'warning')}"
        )
    raise typer.Exit(EXIT_FINDINGS if failures else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
