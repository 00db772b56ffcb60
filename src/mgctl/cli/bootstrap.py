"""mgctl bootstrap: from an empty k3s cluster to a platform Argo CD manages from git."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mgctl.cli.common import (
    CHARTS_HELP,
    EXIT_FINDINGS,
    EXIT_USAGE,
    ConfigOption,
    OutputFormat,
    chart_cache_or_exit,
    console,
    err_console,
    exits_on_bad_input,
    load_or_exit,
)
from mgctl.cluster.bootstrap import Tools, access_info, admin_password, build_plan, build_steps
from mgctl.cluster.deploy_keys import DeployKeyTarget
from mgctl.cluster.helm import Helm
from mgctl.cluster.kubectl import Kubectl, KubectlError
from mgctl.cluster.plan import Plan
from mgctl.cluster.preflight import PreflightInputs, run_preflight
from mgctl.cluster.preflight_model import Check, failed
from mgctl.cluster.rendered import NOT_FETCHED, RenderedTreeError, load_rendered
from mgctl.cluster.secrets import SecretInputError, SecretResolver
from mgctl.cluster.steps import Bootstrapper, Step, StepFailed
from mgctl.cluster.steps_secrets import SecretsStep
from mgctl.cluster.waiting import Waiter
from mgctl.config import Platform
from mgctl.tools.binaries import ToolNotFound, find
from mgctl.validate.run import default_schema_dir

TEMP_RENDER = "OUT"


@contextmanager
def rendered_dir(platform: Platform, out: Path | None) -> Iterator[Path]:
    """`out` as given, or a temporary render of the config removed afterwards."""
    if out is not None:
        yield out
        return
    from mgctl.render.platform_render import render_to

    with tempfile.TemporaryDirectory(prefix="mgctl-bootstrap-") as tmp:
        render_to(platform, Path(tmp))
        yield Path(tmp)


def _tool(name: str, missing: list[str]) -> str:
    """The binary, or its bare name (recorded in `missing`: preflight refuses it)."""
    try:
        return str(find(name))
    except ToolNotFound:
        missing.append(name)
        return name


def print_checks(checks: list[Check]) -> None:
    table = Table(title="preflight")
    for column in ("check", "status", "detail", "what to do"):
        table.add_column(column, overflow="fold")
    colors = {"ok": "green", "warn": "yellow", "fail": "red", "skip": "dim"}
    for c in checks:
        table.add_row(Text(c.name), Text(c.status, style=colors[c.status]), Text(c.detail),
                      Text(c.fix))  # fmt: skip
    console.print(table)


def _wait_for_key(target: DeployKeyTarget) -> None:
    typer.prompt(
        f"Press Enter once this key is a deploy key of {target.repository} "
        f"({'write access ticked' if target.write else 'read-only'})",
        default="",
        show_default=False,
    )


def _states(steps: list[Step], strict: bool = True) -> dict[str, str]:
    """Each step's state as read from the cluster (`strict`: reading errors propagate)."""
    states: dict[str, str] = {}
    for step in steps:
        try:
            obs = step.observe()
        except Exception as exc:
            if strict:
                raise
            states[step.key] = f"unknown: {str(exc).splitlines()[-1] if str(exc) else exc}"
            continue
        states[step.key] = "done" if obs.done else f"to do: {obs.detail}"
    return states


@exits_on_bad_input
def bootstrap(
    config: Path = ConfigOption,
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Rendered repositories (default: render the config to a temp dir).",
    ),
    kubeconfig: Path | None = typer.Option(None, "--kubeconfig", help="Kubeconfig file."),
    context: str | None = typer.Option(None, "--context", help="Kubeconfig context."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the complete ordered plan; change nothing."
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="No questions; a missing secret is an error, not a prompt."
    ),
    charts: Path | None = typer.Option(None, "--charts", help=CHARTS_HELP),
    schemas: list[Path] | None = typer.Option(
        None, "--schemas", help="Pinned CRD dir (repeatable; default: `mgctl schemas fetch` cache)."
    ),
    timeout: int = typer.Option(1800, "--timeout", help="Seconds to wait for Synced+Healthy."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", help="Plan format."),
    skip_validate: bool = typer.Option(
        False, "--skip-validate", help="Do not run `mgctl validate` on the rendered repositories."
    ),
    show_admin_password: bool = typer.Option(
        False, "--show-admin-password", help="Print Argo CD's initial admin password at the end."
    ),
) -> None:
    """Install Argo CD and the bootstrap Secrets, apply the root Application, wait for health.

    Idempotent: every step reads the cluster first; re-running resumes where it stopped.

    Secrets: $MGCTL_DOPPLER_TOKEN_<ENV>, $MGCTL_GIT_SSH_KEY_DEPLOY and _INFRASTRUCTURE (one
    deploy key per repository), $MGCTL_TAILSCALE_CLIENT_ID and _SECRET, or <VAR>_FILE naming a
    0600 file, or a hidden TTY prompt. A deploy key not given is generated in memory and its
    public half printed with its repository. See docs/bootstrap-runbook.md.
    """
    platform = load_or_exit(config)
    schema_dirs = list(schemas) if schemas else [default_schema_dir()]
    kc = str(kubeconfig) if kubeconfig else None
    missing_tools: list[str] = []
    tools = Tools(
        Kubectl(_tool("kubectl", missing_tools), kubeconfig=kc, context=context),
        Helm(_tool("helm", missing_tools), kubeconfig=kc, context=context),
    )
    if missing_tools and not dry_run:
        err_console.print(
            f"[bold red]error:[/] {', '.join(missing_tools)} not found: run `mgctl tools "
            "install` (or set MGCTL_KUBECTL / MGCTL_HELM)",
            highlight=False,
        )
        raise typer.Exit(EXIT_USAGE)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    resolver = SecretResolver(
        interactive=interactive,
        assume_yes=yes,
        after_generate=_wait_for_key if interactive and not yes else None,
        say=lambda text: console.print(text, highlight=False, markup=False, soft_wrap=True),
    )
    waiter = Waiter(tools.kubectl, timeout=timeout, console=console)
    with rendered_dir(platform, out) as tree:
        # a temporary render is gone when bootstrap ends: never print its paths
        shown = str(out) if out is not None else TEMP_RENDER
        try:
            rendered = load_rendered(tree, schema_dirs, placeholders=dry_run)
            steps = build_steps(platform, rendered, tools, resolver, waiter)
        except (RenderedTreeError, SecretInputError) as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(EXIT_USAGE) from exc
        plan = build_plan(steps, rendered, temporary=out is None)
        if out is None:
            plan = plan.shown_at(str(tree), TEMP_RENDER)
        inputs = PreflightInputs(
            kubectl=tools.kubectl,
            helm=tools.helm,
            missing_tools=tuple(missing_tools),
            tree=tree,
            shown=shown,
            config=config,
            schema_dirs=schema_dirs,
            unfetched_crds=tuple(c.name for c in rendered.crds if c.source == NOT_FETCHED),
            charts=chart_cache_or_exit(charts),
            validate=not skip_validate,
            secrets=next(s for s in steps if isinstance(s, SecretsStep)),
            resolver=resolver,
        )
        checks = [_shown(c, str(tree), shown) for c in run_preflight(platform, inputs)]
        if dry_run:
            _dry_run(plan, steps, output, checks)
            return
        print_checks(checks)
        if failed(checks):
            err_console.print("[bold red]preflight failed[/]: fix the rows marked fail, re-run.")
            raise typer.Exit(EXIT_FINDINGS)
        if not yes and sys.stdin.isatty():
            states = _states(steps, strict=False)
            console.print(plan.render_text(states), highlight=False, markup=False, soft_wrap=True)
            typer.confirm("Apply the steps marked 'to do'?", abort=True)
        runner = Bootstrapper(
            steps, say=lambda t: console.print(t, highlight=False, markup=False, soft_wrap=True)
        )
        try:
            runner.run()
        except (StepFailed, SecretInputError, KubectlError) as exc:
            err_console.print(
                f"[bold red]bootstrap stopped:[/] {escape(str(exc))}", highlight=False
            )
            raise typer.Exit(EXIT_FINDINGS) from exc
        console.print("[bold green]bootstrap complete[/]")
        for line in access_info(platform, rendered, tools.kubectl):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
        if show_admin_password:
            password = admin_password(tools.kubectl, rendered.argocd.namespace)
            shown_password = password or "(secret already deleted)"
            console.print(f"admin password: {shown_password}", markup=False, highlight=False)


def _shown(check: Check, root: str, shown: str) -> Check:
    if root == shown:
        return check
    fix = check.fix.replace(root, shown)
    return Check(check.name, check.status, check.detail.replace(root, shown), fix)


def _dry_run(plan_obj: Plan, steps: list[Step], output: OutputFormat, checks: list[Check]) -> None:
    """The plan and the preflight the real run would do; exit 1 when it would refuse."""
    try:
        states: dict[str, str] | None = _states(steps)
        note = "state read from the cluster (nothing was changed)"
    except (KubectlError, OSError) as exc:
        states = None
        note = f"cluster not reachable, state not read: {str(exc).splitlines()[-1]}"
    except Exception as exc:  # helm errors and the like: still print the plan
        states = None
        note = f"cluster state not read: {str(exc).splitlines()[-1] if str(exc) else exc}"
    refused = failed(checks)
    verdict = (
        f"the real run would stop at preflight: {len(refused)} check(s) fail "
        f"({', '.join(c.name for c in refused)})"
        if refused
        else "preflight passes: the real run would go ahead"
    )
    if output is OutputFormat.json:
        data = plan_obj.to_dict(states)
        data["cluster"] = note
        data["preflight"] = [
            {"name": c.name, "status": c.status, "detail": c.detail, "fix": c.fix} for c in checks
        ]
        data["wouldRefuse"] = bool(refused)
        typer.echo(json.dumps(data, indent=2))
    else:
        console.print("Bootstrap plan (dry run: nothing is changed)\n", style="bold")
        print_checks(checks)
        console.print(plan_obj.render_text(states), highlight=False, markup=False, soft_wrap=True)
        console.print(f"note: {note}", highlight=False, markup=False, soft_wrap=True)
        style = "bold red" if refused else "bold green"
        console.print(f"[{style}]dry run:[/] {escape(verdict)}", highlight=False)
    if refused:
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("bootstrap")(bootstrap)
