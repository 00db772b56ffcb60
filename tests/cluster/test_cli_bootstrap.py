"""`mgctl bootstrap` end to end against the fake API server (real kubectl and helm processes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mgctl.cli import bootstrap as bootstrap_cli
from mgctl.cli import common
from mgctl.config import Platform

from .conftest import EXAMPLE, RECORDED
from .fakeapi import FakeApiServer, FakeCluster
from .harness import SHARED_CRDS, States
from .test_resume import TOKENS


def app() -> typer.Typer:
    root = typer.Typer()
    bootstrap_cli.register(root)

    @root.callback()
    def main() -> None:
        """mgctl (test)."""

    return root


@pytest.fixture
def kube_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for console in (common.console, common.err_console):  # wide tables: no wrapped cells
        monkeypatch.setattr(console, "width", 250)
    monkeypatch.setenv("HELM_CACHE_HOME", str(tmp_path / "helm-cache"))
    monkeypatch.setenv("HELM_CONFIG_HOME", str(tmp_path / "helm-config"))
    for role in ("", "_DEPLOY", "_INFRASTRUCTURE"):
        for suffix in ("", "_FILE"):
            monkeypatch.delenv(f"MGCTL_GIT_SSH_KEY{role}{suffix}", raising=False)
    return tmp_path


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for env, token in TOKENS.items():
        monkeypatch.setenv(env, token)


def invoke(kubeconfig: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app(),
        [
            "bootstrap",
            "-c",
            str(EXAMPLE),
            "--out",
            str(RECORDED),
            "--schemas",
            str(SHARED_CRDS),
            "--kubeconfig",
            str(kubeconfig),
            "--skip-validate",
            *extra,
        ],
    )
    return result.exit_code, result.output


def test_rerun_on_healthy_platform_is_a_no_op(
    kube_env: Path, platform: Platform, states: States
) -> None:
    cluster = FakeCluster()
    states.load(cluster, "synced")
    with FakeApiServer(cluster) as server:
        code, out = invoke(server.kubeconfig(kube_env / "kubeconfig"), "--yes")
    assert code == 0, out
    assert out.count("already done") == 6
    assert cluster.mutating_requests() == []
    assert "bootstrap complete" in out
    assert "https://argocd.tailnet-xxxx.ts.net" in out
    assert "https://grafana.tailnet-xxxx.ts.net" in out
    assert "argocd-initial-admin-secret" in out
    assert "admin password:" not in out


def test_preflight_failure_stops_before_any_change(
    kube_env: Path, platform: Platform, states: States
) -> None:
    cluster = FakeCluster()
    cluster.add_file(Path(__file__).parent / "states" / "k3s-defaults.yaml")
    with FakeApiServer(cluster) as server:
        code, out = invoke(server.kubeconfig(kube_env / "kubeconfig"), "--yes")
    assert code == 1
    assert "preflight failed" in out
    assert "k3s servicelb disabled" in out
    assert cluster.mutating_requests() == []


def test_dry_run_reads_state_and_changes_nothing(
    kube_env: Path, platform: Platform, states: States, tokens: None
) -> None:
    cluster = FakeCluster()
    states.load(cluster, "crds")
    with FakeApiServer(cluster) as server:
        code, out = invoke(server.kubeconfig(kube_env / "kubeconfig"), "--dry-run")
    assert code == 0, out
    assert "1. Namespaces with Pod Security labels  [done]" in out
    assert "2. CRDs Argo CD needs before it can sync" in out
    assert "[to do: external-secrets/doppler-token-development: missing" in out
    assert "state read from the cluster" in out
    # preflight ran too: the cluster checks and where each missing value would come from
    assert "k3s servicelb disabled" in out
    assert "$MGCTL_DOPPLER_TOKEN_DEVELOPMENT" in out
    assert "secret input argocd/repo-deploy" in out
    assert "sshPrivateKey: generated in memory" in out
    assert "preflight passes: the real run would go ahead" in out
    assert cluster.mutating_requests() == []


def test_dry_run_shows_what_the_real_run_refuses(kube_env: Path, tokens: None) -> None:
    """k3s installed with its defaults: the dry run names the refusal and exits 1, changing
    nothing, exactly where the real run stops."""
    cluster = FakeCluster()
    cluster.add_file(Path(__file__).parent / "states" / "k3s-defaults.yaml")
    with FakeApiServer(cluster) as server:
        kubeconfig = server.kubeconfig(kube_env / "kubeconfig")
        dry_code, dry = invoke(kubeconfig, "--dry-run")
        real_code, real = invoke(kubeconfig, "--yes")
    assert dry_code == real_code == 1
    assert "k3s servicelb disabled" in dry and "k3s servicelb disabled" in real
    assert "the real run would stop at preflight" in dry
    assert "k3s servicelb disabled" in dry.split("would stop at preflight")[1]
    assert "1. Namespaces with Pod Security labels" in dry  # the plan is still shown
    assert cluster.mutating_requests() == []


def test_dry_run_without_values_names_the_variables(kube_env: Path, states: States) -> None:
    """--yes (or no terminal) without a Doppler token: the real run would stop at the
    Secrets step; the dry run says so up front."""
    cluster = FakeCluster()
    states.load(cluster, "crds")
    with FakeApiServer(cluster) as server:
        code, out = invoke(server.kubeconfig(kube_env / "kubeconfig"), "--dry-run", "--yes")
    assert code == 1
    assert "secret input external-secrets/doppler-token-development" in out
    assert "MGCTL_DOPPLER_TOKEN_DEVELOPMENT_FILE" in out
    assert cluster.mutating_requests() == []


def test_dry_run_of_a_temporary_render_validates_it_and_names_no_temp_dir(
    kube_env: Path, platform: Platform, states: States, tokens: None
) -> None:
    """Without --out bootstrap renders into a temporary directory, validates that render
    (upstream charts included) and prints its paths as OUT/..., never the deleted directory."""
    cluster = FakeCluster()
    states.load(cluster, "synced")
    with FakeApiServer(cluster) as server:
        result = CliRunner().invoke(
            app(),
            ["bootstrap", "-c", str(EXAMPLE), "--schemas", str(SHARED_CRDS),
             "--charts", str(SHARED_CRDS.parent / "charts"),
             "--kubeconfig", str(server.kubeconfig(kube_env / "kubeconfig")), "--dry-run",
             "--output", "json"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    checks = {c["name"]: c for c in data["preflight"]}
    assert checks["mgctl validate"]["status"] == "ok"
    assert checks["mgctl validate"]["detail"].startswith("OUT: no errors")
    helm = data["steps"][3]["commands"][0]["argv"]
    assert helm[helm.index("--values") + 1] == "OUT/mg-infrastructure/base/argocd/values.yaml"
    assert "Argo CD values: OUT/mg-infrastructure/base/argocd/values.yaml" in data["notes"]
    assert any("temporary directory that is removed" in n for n in data["notes"])
    assert "mgctl-bootstrap-" not in result.output  # tempfile prefix of the render
    assert data["wouldRefuse"] is False


def test_missing_secret_with_yes_fails_naming_variable(
    kube_env: Path, platform: Platform, states: States, monkeypatch: pytest.MonkeyPatch
) -> None:
    for env in ("DEVELOPMENT", "STAGING", "PRODUCTION"):
        monkeypatch.delenv(f"MGCTL_DOPPLER_TOKEN_{env}", raising=False)
        monkeypatch.delenv(f"MGCTL_DOPPLER_TOKEN_{env}_FILE", raising=False)
    cluster = FakeCluster()
    states.load(cluster, "crds")
    with FakeApiServer(cluster) as server:
        code, out = invoke(server.kubeconfig(kube_env / "kubeconfig"), "--yes")
    assert code == 1
    assert "MGCTL_DOPPLER_TOKEN_DEVELOPMENT" in out
    assert not [r for r in cluster.mutating_requests() if "/secrets/" in r.path]


def test_dry_run_json_plan(kube_env: Path, platform: Platform, states: States) -> None:
    cluster = FakeCluster()
    states.load(cluster, "argocd")
    with FakeApiServer(cluster) as server:
        code, out = invoke(
            server.kubeconfig(kube_env / "kubeconfig"), "--dry-run", "--output", "json"
        )
    assert code == 0, out
    plan = json.loads(out)
    assert [(s["key"], s["state"].split(":")[0]) for s in plan["steps"]] == [
        ("namespaces", "done"), ("crds", "done"), ("secrets", "done"), ("argocd", "done"),
        ("root-app", "to do"), ("wait", "to do"),
    ]  # fmt: skip
    helm = plan["steps"][3]["commands"][0]["argv"]
    assert helm[1:4] == ["upgrade", "--install", "argocd"]
    assert plan["wouldRefuse"] is False
    assert {c["name"]: c["status"] for c in plan["preflight"]}["secret inputs"] == "ok"
    assert cluster.mutating_requests() == []


def test_dry_run_without_fetched_schemas_still_plans(kube_env: Path, tokens: None) -> None:
    empty = kube_env / "no-schemas"
    empty.mkdir()
    args = ["bootstrap", "-c", str(EXAMPLE), "--out", str(RECORDED), "--schemas", str(empty),
            "--kubeconfig", str(kube_env / "absent"), "--skip-validate"]  # fmt: skip
    dry = CliRunner().invoke(app(), [*args, "--dry-run"])
    assert "applicationsets.argoproj.io  (argoproj.io/ApplicationSet; pinned file not" in dry.output
    assert "`mgctl schemas fetch`" in dry.output
    # what the real run refuses: the unfetched CRDs and the unreachable cluster
    assert dry.exit_code == 1
    assert "pinned CRDs" in dry.output and "cluster reachable" in dry.output
    real = CliRunner().invoke(app(), [*args, "--yes"])
    assert real.exit_code == 2
    assert "mgctl schemas fetch" in real.output
