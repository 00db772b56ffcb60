"""The bootstrap plan for the example platform: order, objects, commands, no secret values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from mgctl import catalog
from mgctl.cluster.bootstrap import Tools, build_plan, build_steps
from mgctl.cluster.helm import Helm
from mgctl.cluster.kubectl import Kubectl
from mgctl.cluster.plan import Plan
from mgctl.cluster.rendered import RenderedInfra
from mgctl.cluster.secrets import SecretResolver
from mgctl.cluster.waiting import Waiter
from mgctl.config import Platform

from .conftest import EXAMPLE, RECORDED
from .harness import SHARED_CRDS
from .test_resume import TOKENS

SNAPSHOT = Path(__file__).parent / "snapshots" / "plan-example.txt"
UPDATE = os.environ.get("MGCTL_UPDATE_SNAPSHOTS") == "1"


def example_plan(platform: Platform, rendered: RenderedInfra) -> Plan:
    kubectl = Kubectl("kubectl", kubeconfig="~/.kube/mg.yaml", context="mg")
    tools = Tools(kubectl, Helm("helm", kubeconfig="~/.kube/mg.yaml", context="mg"))
    resolver = SecretResolver(environ=dict(TOKENS), interactive=False)
    waiter = Waiter(kubectl, console=Console(quiet=True))
    return build_plan(build_steps(platform, rendered, tools, resolver, waiter), rendered)


def normalized(text: str) -> str:
    return text.replace(str(RECORDED), "<OUT>").replace(str(SHARED_CRDS), "<SCHEMAS>")


def test_plan_snapshot(platform: Platform, rendered: RenderedInfra) -> None:
    text = normalized(example_plan(platform, rendered).render_text())
    if UPDATE or not SNAPSHOT.exists():
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text(), (
        "bootstrap plan changed; review `git diff` after MGCTL_UPDATE_SNAPSHOTS=1 pytest "
        "tests/cluster/test_plan.py"
    )


def test_plan_order_objects_and_no_secret_values(
    platform: Platform, rendered: RenderedInfra
) -> None:
    plan = example_plan(platform, rendered)
    assert [s.key for s in plan.steps] == [
        "namespaces",
        "crds",
        "secrets",
        "argocd",
        "root-app",
        "wait",
    ]
    by_key = {s.key: s for s in plan.steps}
    namespaces = {o.name for o in by_key["namespaces"].objects}
    assert {"argocd", "external-secrets", "tailscale", "kafka"} <= namespaces
    assert all("enforce=" in o.detail for o in by_key["namespaces"].objects)
    crds = {o.name for o in by_key["crds"].objects}
    assert {
        "applications.argoproj.io",
        "applicationsets.argoproj.io",
        "appprojects.argoproj.io",
    } <= crds
    for step in ("namespaces", "crds", "secrets", "root-app"):
        for cmd in by_key[step].commands[:1]:
            assert cmd.argv[-6:] == (
                "apply",
                "--server-side",
                "--force-conflicts",
                "--field-manager=mgctl",
                "-f",
                "-",
            )
    secrets = {(o.namespace, o.name) for o in by_key["secrets"].objects}
    assert secrets == {
        ("external-secrets", "doppler-token-development"),
        ("external-secrets", "doppler-token-staging"),
        ("external-secrets", "doppler-token-production"),
        ("argocd", "repo-deploy"),
        ("argocd", "repo-infrastructure"),
    }
    helm = by_key["argocd"].commands[0].argv
    assert helm[:4] == ("helm", "upgrade", "--install", "argocd")
    assert helm[helm.index("--version") + 1] == catalog.chart("argo-cd").version
    assert helm[helm.index("--values") + 1] == str(
        RECORDED / "mg-infrastructure/base/argocd/values.yaml"
    )
    assert "--server-side=true" in helm
    root = [(o.kind, o.name) for o in by_key["root-app"].objects]
    assert root == [("AppProject", "platform"), ("Application", "root")]
    dumped = plan.render_text() + json.dumps(plan.to_dict())
    assert not any(token in dumped for token in TOKENS.values())


@pytest.mark.slow
def test_cli_dry_run_prints_full_plan_and_changes_nothing(tmp_path: Path) -> None:
    """`mgctl bootstrap --dry-run` for the example, rendering into a temp dir itself."""
    env = {
        **os.environ,
        **TOKENS,
        "KUBECONFIG": str(tmp_path / "absent-kubeconfig"),
        "HOME": str(tmp_path),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mgctl.cli.main",
            "bootstrap",
            "-c",
            str(EXAMPLE),
            "--dry-run",
            "--schemas",
            str(SHARED_CRDS),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    # no cluster and no chart cache here: the plan is printed, and the dry run says (exit 1)
    # that the real run would stop at preflight
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "the real run would stop at preflight" in out
    assert "cluster reachable" in out.split("would stop at preflight")[1]
    positions = [out.index(f"{n}. ") for n in range(1, 7)]
    assert positions == sorted(positions)
    for needle in (
        "Namespace argocd",
        "CustomResourceDefinition applicationsets.argoproj.io",
        "Secret external-secrets/doppler-token-production",
        "HelmRelease argocd/argocd",
        "Application argocd/root",
        "helm upgrade --install argocd argo-cd",
        "cluster not reachable",
    ):
        assert needle in out
    assert not any(token in out + proc.stderr for token in TOKENS.values())
