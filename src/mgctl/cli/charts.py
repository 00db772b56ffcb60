"""mgctl charts: the pinned upstream charts, downloaded and verified into the chart cache."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mgctl import catalog
from mgctl.charts.archive import ChartArchive, ChartArchiveError
from mgctl.charts.cache import ChartCache, ChartCacheError
from mgctl.charts.fetch import Fetched, FetchError, fetch_charts, remove_stale_downloads
from mgctl.cli.common import (
    CHARTS_HELP,
    EXIT_FINDINGS,
    EXIT_USAGE,
    OutputFormat,
    OutputOption,
    console,
    err_console,
    exits_on_bad_input,
)

charts_app = typer.Typer(help="The pinned upstream Helm charts (the chart cache).")


def parse_mirrors(values: list[str]) -> dict[str, str]:
    mirrors = {}
    for value in values:
        original, sep, mirror = value.partition("=")
        if not sep or not original or not mirror:
            err_console.print(
                f"[bold red]error:[/] --mirror {value!r}: expected REPO_URL=MIRROR_URL, e.g. "
                "https://charts.jetstack.io=https://charts.example.internal/jetstack",
                highlight=False,
            )
            raise typer.Exit(EXIT_USAGE)
        mirrors[original.rstrip("/")] = mirror
    return mirrors


@charts_app.command("fetch")
@exits_on_bad_input
def fetch(
    charts: Path | None = typer.Option(None, "--charts", help=CHARTS_HELP),
    mirror: list[str] = typer.Option(
        [], "--mirror", help="REPO_URL=MIRROR_URL: pull that repository's charts from a mirror."
    ),
    plain_http: bool = typer.Option(
        False, "--plain-http", help="OCI mirrors over plain HTTP (loopback test registries)."
    ),
    output: OutputFormat = OutputOption,
) -> None:
    """Download every pinned chart (HTTP repositories and OCI registries) with `helm pull` and
    verify its pinned digest. Exit 0: all verified, 1: a download or digest failed."""
    cache = ChartCache(charts)
    remove_stale_downloads(cache)

    def done(result: Fetched) -> None:
        if output is OutputFormat.text:
            style = "green" if result.status == "downloaded" else "dim"
            console.print(
                f"[{style}]{result.status:>10}[/] {result.pin.chart} {result.pin.version} "
                f"(verified by {result.verified_by})",
                highlight=False,
            )

    pins = list(catalog.charts().values())
    try:
        results = fetch_charts(pins, cache, parse_mirrors(mirror), plain_http, done)
    except FetchError as exc:
        if output is OutputFormat.json:
            typer.echo(json.dumps({"cache": str(cache.root), "error": str(exc)}, indent=2))
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_FINDINGS) from exc
    if output is OutputFormat.json:
        payload = [
            {
                "key": r.pin.key,
                "chart": r.pin.chart,
                "version": r.pin.version,
                "status": r.status,
                "verified_by": r.verified_by,
                "path": str(r.path),
            }
            for r in results
        ]
        typer.echo(json.dumps({"cache": str(cache.root), "charts": payload}, indent=2))
    else:
        console.print(f"{len(results)} charts verified in {cache.root}", highlight=False)


@charts_app.command("list")
@exits_on_bad_input
def list_charts(
    charts: Path | None = typer.Option(None, "--charts", help=CHARTS_HELP),
    output: OutputFormat = OutputOption,
) -> None:
    """Every pinned chart: repository, version, the app version the chart runs (read from the
    cached archive) and whether the cache holds the pinned archive."""
    cache = ChartCache(charts)
    rows = []
    for pin in catalog.charts().values():
        try:
            path = cache.verify(pin).path
            app_version, status = ChartArchive(path).app_version, "ok"
        except (ChartCacheError, ChartArchiveError) as exc:
            app_version, status = "", "missing" if "not in the chart cache" in str(exc) else "bad"
        rows.append(
            {
                "key": pin.key,
                "repo": pin.repo_url,
                "chart": pin.chart,
                "version": pin.version,
                "app_version": app_version,
                "image_tag": pin.image_tag or "",
                "status": status,
            }
        )
    if output is OutputFormat.json:
        typer.echo(json.dumps({"cache": str(cache.root), "charts": rows}, indent=2))
    else:
        for row in rows:
            runs = row["app_version"] or "?"
            if row["image_tag"]:
                runs += f" → image {row['image_tag']}"
            console.print(
                f"{row['status']:>8}  {row['chart']:28} {row['version']:10} app {runs:22} "
                f"{row['repo']}",
                highlight=False,
                soft_wrap=True,
            )
    if any(row["status"] != "ok" for row in rows):
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.add_typer(charts_app, name="charts")
