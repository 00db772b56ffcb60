"""mgctl dr: a real Postgres PITR drill, backup status from the object store, restore plans."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from mgctl.cli.common import (
    EXIT_FINDINGS,
    EXIT_USAGE,
    ConfigOption,
    OutputFormat,
    OutputOption,
    console,
    err_console,
    exits_on_bad_input,
    load_or_exit,
)

dr_app = typer.Typer(
    help="Disaster recovery: restore drills, backup status, restore plans.",
    no_args_is_help=True,
)
drill_app = typer.Typer(help="Restore drills that run locally.", no_args_is_help=True)
dr_app.add_typer(drill_app, name="drill")


def register(app: typer.Typer) -> None:
    app.add_typer(dr_app, name="dr")


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


@drill_app.command("postgres")
@exits_on_bad_input
def drill_postgres(
    config: Path = ConfigOption,
    database: str | None = typer.Option(
        None, "--database", help="databases[].name to drill (default: the first)."
    ),
    rows: int = typer.Option(10_000, "--rows", min=1, help="Rows written before the base backup."),
    load_seconds: float = typer.Option(
        30.0, "--load-seconds", min=1, help="Duration of the steady write load (RPO sampling)."
    ),
    load_rate: int = typer.Option(
        5_000, "--load-rate", min=1, help="Rows per second during the load (~2 MiB/s of WAL)."
    ),
    archive_timeout: str | None = typer.Option(
        None,
        "--archive-timeout",
        help="PostgreSQL archive_timeout (default: the value the rendered Cluster sets, 5min).",
    ),
    keep: bool = typer.Option(False, "--keep", help="Keep the temp dir (data dirs, logs)."),
    output: OutputFormat = OutputOption,
) -> None:
    """Back up, break and restore a real PostgreSQL with barman-cloud and SeaweedFS; verify every
    row and report RPO/RTO. Exit 1 on any mismatch or missed target."""
    from mgctl.dr.barman_cloud import BarmanError
    from mgctl.dr.drill import DrillFailed, DrillOptions, format_report, run_drill
    from mgctl.dr.processes import ServerError
    from mgctl.dr.s3 import S3Error
    from mgctl.render import backup_layout as layout
    from mgctl.tools.command import CommandError

    platform = load_or_exit(config)
    options = DrillOptions(
        database=database,
        rows=rows,
        load_seconds=load_seconds,
        load_rows_per_second=load_rate,
        archive_timeout=archive_timeout or layout.ARCHIVE_TIMEOUT,
        keep=keep,
    )

    def progress(message: str) -> None:
        err_console.print(f"[dim]drill:[/] {message}", highlight=False, soft_wrap=True)

    try:
        report = run_drill(platform, options, progress)
    except DrillFailed as exc:
        err_console.print(f"[bold red]DRILL FAILED:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_FINDINGS) from exc
    except (ServerError, BarmanError, S3Error, CommandError, ValueError) as exc:
        err_console.print(f"[bold red]drill could not run:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc
    if output == OutputFormat.json:
        _print_json(report.to_json())
    else:
        console.print(format_report(report), highlight=False, markup=False, soft_wrap=True)
    if not (report.rpo_met and report.rto_met):
        err_console.print("[bold red]RPO/RTO target missed[/]")
        raise typer.Exit(EXIT_FINDINGS)


@dr_app.command("status")
@exits_on_bad_input
def status(
    config: Path = ConfigOption,
    endpoint: str | None = typer.Option(
        None,
        "--endpoint",
        help="S3 endpoint URL (default: objectStore's; for in-cluster SeaweedFS port-forward "
        "svc/seaweedfs-s3 and pass http://127.0.0.1:8333).",
    ),
    kubeconfig: Path | None = typer.Option(
        None, "--kubeconfig", help="Also check Velero's backups through this cluster."
    ),
    at: str | None = typer.Option(
        None, "--at", help="Evaluate the targets as of this ISO time instead of now."
    ),
    offsite: bool = typer.Option(
        False, "--offsite", help="Check the off-site copy (objectStore.offsite) instead."
    ),
    catalogs: list[str] | None = typer.Option(
        None,
        "--catalog",
        help="Also read the catalog of a database no longer in platform.yaml (renamed or "
        "removed, kept running by its sync options); repeatable.",
    ),
    output: OutputFormat = OutputOption,
) -> None:
    """Last base backup, last archived WAL and RPO compliance per database from the barman
    catalog (credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); Velero's last backup per
    schedule with --kubeconfig. Exit 1 when any target is missed."""
    from mgctl.dr.restore_plan import parse_target
    from mgctl.dr.s3 import S3Credentials, S3Store
    from mgctl.dr.status import (
        StatusReport,
        database_status,
        fetch_velero_backups,
        format_status,
        velero_status,
    )
    from mgctl.tools.binaries import ToolNotFound, find

    platform = load_or_exit(config)
    store_cfg = platform.object_store
    target = store_cfg.offsite
    if offsite and target is None:
        err_console.print("[bold red]error:[/] --offsite: objectStore.offsite is not configured")
        raise typer.Exit(EXIT_USAGE)
    keys = (
        (target.access_key_key, target.secret_key_key)
        if offsite and target
        else (store_cfg.access_key_key, store_cfg.secret_key_key)
    )
    access, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not access or not secret:
        err_console.print(
            "[bold red]error:[/] set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the object "
            f"store's keys (Doppler: {keys[0]}/{keys[1]})"
        )
        raise typer.Exit(EXIT_USAGE)
    try:
        now = parse_target(at) if at else datetime.now(UTC)
    except ValueError as exc:
        err_console.print(f"[bold red]error:[/] --at: {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    if offsite and target:
        url, region, bucket = endpoint or target.endpoint, target.region, target.bucket
    else:
        url, region, bucket = endpoint or store_cfg.s3_endpoint, store_cfg.region, None
    store = S3Store(url, S3Credentials(access, secret), region)
    try:
        databases = database_status(platform, store, now, bucket, extra=list(catalogs or []))
    except ValueError as exc:  # a --catalog that is no database name
        err_console.print(f"[bold red]error:[/] --catalog: {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc
    report = StatusReport(at=now.isoformat(timespec="seconds"), endpoint=url, databases=databases)
    if kubeconfig is not None:
        try:
            backups = fetch_velero_backups(kubeconfig, find("kubectl"))
            report.velero = velero_status(platform, backups, now)
        except (RuntimeError, ToolNotFound) as exc:
            report.velero_error = str(exc)
    if output == OutputFormat.json:
        _print_json(report.to_json())
    else:
        console.print(format_status(report), highlight=False, markup=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)


@dr_app.command("restore-plan")
@exits_on_bad_input
def restore_plan(
    database: str = typer.Argument(..., help="databases[].name to restore."),
    to: str = typer.Option(
        ...,
        "--to",
        help="Recovery target time, ISO 8601 (UTC if no zone), or 'latest' (every archived WAL).",
    ),
    config: Path = ConfigOption,
    from_database: str | None = typer.Option(
        None,
        "--from-database",
        help="Recover from this database's catalog instead (the old name of a renamed database).",
    ),
    offsite: bool = typer.Option(
        False, "--offsite", help="Recover from the off-site copy (objectStore.offsite)."
    ),
    kubeconfig: Path | None = typer.Option(
        None, "--kubeconfig", help="Pick Velero backups by time from this cluster."
    ),
    output: OutputFormat = OutputOption,
) -> None:
    """Print the ordered restore runbook: the CNPG recovery Cluster manifest and the Velero
    restore commands, with a check after every step."""
    from mgctl.dr.drill import DrillFailed
    from mgctl.dr.restore_plan import build_plan, format_plan, parse_recovery_target
    from mgctl.dr.status import fetch_velero_backups
    from mgctl.tools.binaries import ToolNotFound, find

    platform = load_or_exit(config)
    try:
        target = parse_recovery_target(to)
        backups = (
            fetch_velero_backups(kubeconfig, find("kubectl")) if kubeconfig is not None else None
        )
        plan = build_plan(
            platform,
            database,
            target,
            offsite=offsite,
            velero_backups=backups,
            source_database=from_database,
        )
    except (ValueError, DrillFailed, RuntimeError, ToolNotFound) as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc
    if output == OutputFormat.json:
        _print_json(plan.to_json())
    else:
        console.print(format_plan(plan), highlight=False, markup=False, soft_wrap=True)
