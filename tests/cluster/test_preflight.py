"""Preflight against the fake API server with the real kubectl: actionable failures."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from mgctl.cluster.kubectl import Kubectl
from mgctl.cluster.preflight import check_cluster, check_versions
from mgctl.cluster.preflight_inputs import check_git
from mgctl.cluster.preflight_model import Check, failed
from mgctl.config import Platform
from mgctl.tools.binaries import find

from .fakeapi import FakeApiServer, FakeCluster
from .harness import STATES_DIR


def run_preflight(tmp_path: Path, cluster: FakeCluster, platform: Platform) -> list[Check]:
    with FakeApiServer(cluster) as server:
        kubeconfig = server.kubeconfig(tmp_path / "kubeconfig")
        checks: list[Check] = check_cluster(
            Kubectl(str(find("kubectl")), kubeconfig=str(kubeconfig)), platform
        )
        return checks


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_prepared_k3s_passes(tmp_path: Path, platform: Platform) -> None:
    cluster = FakeCluster()
    cluster.add_file(STATES_DIR / "node-k3s.yaml")
    checks = run_preflight(tmp_path, cluster, platform)
    assert failed(checks) == [], checks
    names = by_name(checks)
    assert names["k3s servicelb disabled"].status == "ok"
    assert names["k3s traefik disabled"].status == "ok"
    assert names["nodes ready"].detail == "1 node(s) Ready"


def test_default_k3s_fails_with_the_fix(tmp_path: Path, platform: Platform) -> None:
    cluster = FakeCluster()
    cluster.add_file(STATES_DIR / "k3s-defaults.yaml")
    checks = by_name(run_preflight(tmp_path, cluster, platform))
    lb, traefik = checks["k3s servicelb disabled"], checks["k3s traefik disabled"]
    assert lb.status == traefik.status == "fail"
    assert "svclb-traefik-1f3b2c8d" in lb.detail
    assert "traefik" in traefik.detail
    assert "disable: [traefik, servicelb]" in lb.fix


def test_node_not_ready_and_old_version(tmp_path: Path, platform: Platform) -> None:
    cluster = FakeCluster(version="v1.33.4+k3s1")
    cluster.add_file(STATES_DIR / "node-k3s.yaml")
    node = cluster.get("", "nodes", "node-1")
    assert node is not None
    node["status"]["conditions"][-1] = {
        "type": "Ready",
        "status": "False",
        "reason": "KubeletNotReady",
    }
    checks = by_name(run_preflight(tmp_path, cluster, platform))
    assert checks["nodes ready"].status == "fail"
    assert "node-1" in checks["nodes ready"].detail
    assert checks["kubernetes version"].status == "fail"
    assert "1.35–1.37" in checks["kubernetes version"].fix


def test_unreachable_cluster(tmp_path: Path, platform: Platform) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    server = FakeApiServer(FakeCluster())
    server.kubeconfig(kubeconfig)
    server.httpd.server_close()  # nothing listens on that port now
    kubectl = Kubectl(str(find("kubectl")), kubeconfig=str(kubeconfig), request_timeout="3s")
    checks = check_cluster(kubectl, platform)
    assert [c.name for c in checks] == ["cluster reachable"]
    assert checks[0].status == "fail"
    assert "--kubeconfig" in checks[0].fix


@pytest.mark.parametrize(
    ("client", "server", "status"),
    [("v1.35.2", "v1.36.4+k3s1", "ok"), ("v1.33.0", "v1.36.4+k3s1", "fail")],
)
def test_kubectl_skew(client: str, server: str, status: str, platform: Platform) -> None:
    checks = by_name(check_versions({"gitVersion": client}, {"gitVersion": server}, platform))
    assert checks.get("kubectl version skew", Check("", "ok", "")).status == status


def test_git_access_uses_each_repository_key_file_not_its_content(
    tmp_path: Path, platform: Platform
) -> None:
    files = {}
    for role in ("deploy", "infrastructure"):
        key = tmp_path / f"{role}_key"
        key.write_text(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecretbody\n"
            "-----END OPENSSH PRIVATE KEY-----\n"
        )
        key.chmod(0o600)
        files[f"MGCTL_GIT_SSH_KEY_{role.upper()}_FILE"] = str(key)
    seen: list[list[str]] = []

    def runner(argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        seen.append(list(argv))
        if "mg-deploy" in argv[3]:
            return subprocess.CompletedProcess(list(argv), 0, "abc\trefs/heads/main\n", "")
        return subprocess.CompletedProcess(
            list(argv), 128, "", "git@github.com: Permission denied (publickey)."
        )

    if shutil.which("git") is None:
        pytest.skip("git is not installed here")
    checks = check_git(platform, files, runner=runner)
    assert [(c.name, c.status) for c in checks] == [
        ("git access (mg-deploy)", "ok"),
        ("git access (mg-infrastructure)", "fail"),
    ]
    assert "Permission denied" in checks[1].detail
    assert "MGCTL_GIT_SSH_KEY_INFRASTRUCTURE_FILE" in checks[1].fix
    assert "deploy key of mg-infrastructure (Allow write access: leave it unticked" in checks[1].fix
    assert all("secretbody" not in " ".join(a) for a in seen)
    # a repository whose Secret is in the cluster is not checked again
    skipped = check_git(
        platform, files, runner=runner, secrets_in_cluster=frozenset({"repo-deploy"})
    )
    assert [c.status for c in skipped] == ["skip", "fail"]


def test_git_check_skipped_without_key_file(platform: Platform) -> None:
    assert [c.status for c in check_git(platform, {})] == ["skip", "skip"]


def test_cidr_mismatch_is_reported(tmp_path: Path, platform: Platform) -> None:
    cluster = FakeCluster()
    cluster.add_file(STATES_DIR / "node-k3s.yaml")
    node = cluster.get("", "nodes", "node-1")
    assert node is not None
    node["metadata"]["annotations"]["k3s.io/node-args"] = (
        '["server","--disable","traefik,servicelb","--cluster-cidr","10.52.0.0/16"]'
    )
    node["spec"] = {"podCIDR": "10.52.0.0/24"}
    checks = by_name(run_preflight(tmp_path, cluster, platform))
    cidr = checks["pod/service CIDRs"]
    assert cidr.status == "fail"
    assert "--cluster-cidr=10.52.0.0/16 but platform.yaml says 10.42.0.0/16" in cidr.detail
    assert "outside 10.42.0.0/16" in cidr.detail
    assert checks["k3s traefik disabled"].status == "ok"  # comma-separated --disable


@pytest.mark.parametrize(
    ("output", "status"), [("v4.1.0", "ok"), ("v3.17.2", "fail"), ("", "fail")]
)
def test_helm_4_required(output: str, status: str) -> None:
    from mgctl.cluster.helm import Helm
    from mgctl.cluster.preflight import check_helm

    def runner(argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(list(argv), 0, output, "")

    check = check_helm(Helm("helm", runner=runner))[0]
    assert check.status == status
    if status == "fail":
        assert "helm >= 4.0" in check.fix


def test_real_helm_passes() -> None:
    from mgctl.cluster.helm import Helm
    from mgctl.cluster.preflight import check_helm

    assert check_helm(Helm(str(find("helm"))))[0].status == "ok"


def test_validate_findings_fail_preflight(tmp_path: Path) -> None:
    """The recorded render holds only what bootstrap reads, so validate reports missing files."""
    from mgctl.charts.cache import ChartCache
    from mgctl.cluster.preflight import check_rendered
    from mgctl.config.loader import load_platform

    from .conftest import EXAMPLE, RECORDED
    from .harness import SHARED_CRDS

    charts = ChartCache(SHARED_CRDS.parent / "charts")
    platform = load_platform(EXAMPLE)
    check = check_rendered(RECORDED, platform, EXAMPLE, [SHARED_CRDS], charts)[0]
    assert check.status == "fail"
    assert "does not exist" in check.detail
    assert f"mgctl validate {RECORDED}" in check.fix
    nothing = check_rendered(tmp_path, platform, EXAMPLE, [SHARED_CRDS], charts)[0]
    assert nothing.status == "fail"
    assert "mgctl render" in nothing.fix
