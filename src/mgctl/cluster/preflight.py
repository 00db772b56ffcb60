"""Checks before bootstrap touches anything. Each failure says what to do about it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgctl.charts.cache import ChartCache
from mgctl.cluster.helm import Helm
from mgctl.cluster.kubectl import Kubectl, KubectlError
from mgctl.cluster.preflight_inputs import check_git, check_secret_inputs
from mgctl.cluster.preflight_k3s import check_cidrs, check_k3s
from mgctl.cluster.preflight_model import Check, failed
from mgctl.cluster.secrets import (
    SecretInputError,
    SecretResolver,
)
from mgctl.cluster.steps_secrets import SecretsStep
from mgctl.config import Platform
from mgctl.validate.run import ValidationSetupError, validate_tree

SUPPORTED_MINORS = (35, 37)  # Kubernetes 1.35-1.37
MIN_HELM = (4, 0)


def _minor(version: Mapping[str, Any]) -> tuple[int, int] | None:
    match = re.match(r"v?(\d+)\.(\d+)", str(version.get("gitVersion", "")))
    return (int(match.group(1)), int(match.group(2))) if match else None


def check_versions(
    client: Mapping[str, Any], server: Mapping[str, Any], platform: Platform
) -> list[Check]:
    checks: list[Check] = []
    s, c = _minor(server), _minor(client)
    git = str(server.get("gitVersion", "?"))
    low, high = SUPPORTED_MINORS
    if s is None or s[0] != 1 or not low <= s[1] <= high:
        checks.append(
            Check(
                "kubernetes version",
                "fail",
                f"server is {git}",
                f"use Kubernetes 1.{low}–1.{high} (k3s: INSTALL_K3S_CHANNEL=stable "
                "or INSTALL_K3S_VERSION=v1.36.4+k3s1)",
            )
        )
    else:
        wanted = platform.project.kubernetes_version
        same = wanted == f"{s[0]}.{s[1]}"
        checks.append(
            Check(
                "kubernetes version",
                "ok" if same else "warn",
                f"server {git}" + ("" if same else f"; platform.yaml says {wanted}"),
                ""
                if same
                else f'set project.kubernetesVersion: "{s[0]}.{s[1]}" so validation '
                "uses this cluster's API",
            )
        )
    if s and c and abs(s[1] - c[1]) > 1:
        checks.append(
            Check(
                "kubectl version skew",
                "fail",
                f"kubectl {client.get('gitVersion')} vs server {git}",
                "use a kubectl within one minor version of the server "
                "(`mgctl tools install` or MGCTL_KUBECTL=/path/to/kubectl)",
            )
        )
    return checks


def check_nodes(nodes: list[dict[str, Any]], platform: Platform) -> list[Check]:
    if not nodes:
        return [Check("nodes", "fail", "the cluster has no nodes", "join a node (k3s agent)")]
    not_ready = []
    for node in nodes:
        conds = {c.get("type"): c for c in (node.get("status") or {}).get("conditions") or []}
        if (conds.get("Ready") or {}).get("status") != "True":
            not_ready.append(node["metadata"]["name"])
    checks = [
        Check(
            "nodes ready",
            "fail" if not_ready else "ok",
            f"not Ready: {', '.join(not_ready)}" if not_ready else f"{len(nodes)} node(s) Ready",
            "check `kubectl describe node NAME` and `journalctl -u k3s` on the node"
            if not_ready
            else "",
        )
    ]
    configured = {n.name for n in platform.cluster.nodes}
    live = {n["metadata"]["name"] for n in nodes}
    if configured != live:
        checks.append(
            Check(
                "nodes match platform.yaml",
                "warn",
                f"cluster has {sorted(live)}, platform.yaml lists {sorted(configured)}",
                "update cluster.nodes (capacity checks and Longhorn disks use it)",
            )
        )
    return checks


def check_helm(helm: Helm) -> list[Check]:
    """Bootstrap needs helm 4 (`--server-side`) with `--take-ownership` (helm >= 3.17)."""
    version = helm.version()
    if version is None or version < MIN_HELM:
        shown = "unknown" if version is None else f"{version[0]}.{version[1]}"
        return [
            Check(
                "helm version",
                "fail",
                f"{helm.binary} is version {shown}",
                "bootstrap needs helm >= 4.0 (server-side apply): `mgctl tools install` "
                "or MGCTL_HELM=/path/to/helm",
            )
        ]
    return [Check("helm version", "ok", f"{version[0]}.{version[1]}")]


def check_cluster(kubectl: Kubectl, platform: Platform) -> list[Check]:
    try:
        client, server = kubectl.versions()
    except KubectlError as exc:
        return [
            Check(
                "cluster reachable",
                "fail",
                str(exc).splitlines()[-1],
                "check --kubeconfig/--context (or $KUBECONFIG), that the API server is "
                "up and reachable (VPN/tailnet), then `kubectl get nodes`",
            )
        ]
    checks = [Check("cluster reachable", "ok", str(server.get("gitVersion", "")))]
    checks += check_versions(client, server, platform)
    nodes = kubectl.list_cluster("nodes")
    checks += check_nodes(nodes, platform)
    checks += check_k3s(kubectl, nodes)
    checks += check_cidrs(nodes, platform)
    return checks


def check_rendered(
    out: Path,
    platform: Platform,
    config: Path,
    schema_dirs: list[Path],
    charts: ChartCache,
    shown: str | None = None,
) -> list[Check]:
    """`mgctl validate` on the render (`shown`: how to name `out` to the user)."""
    where = shown or str(out)
    try:
        report = validate_tree(out, platform, schema_dirs=schema_dirs, charts=charts)
    except ValidationSetupError as exc:
        return [
            Check(
                "mgctl validate",
                "fail",
                str(exc),
                "run `mgctl charts fetch` (or pass --charts DIR); render with "
                "`mgctl render -c platform.yaml -o OUT`",
            )
        ]
    except Exception as exc:  # a validator that cannot run must not look like a pass
        return [
            Check(
                "mgctl validate",
                "fail",
                f"validation could not run: {exc}",
                f"run `mgctl validate {where} -c {config}` to see the error; "
                "`--skip-validate` skips this check",
            )
        ]
    errors = report.errors
    if errors:
        first = "; ".join(f"{e.file}: {e.message}" for e in errors[:3])
        return [
            Check(
                "mgctl validate",
                "fail",
                f"{len(errors)} error(s): {first}",
                f"run `mgctl validate {where} -c {config}` and fix the config",
            )
        ]
    return [Check("mgctl validate", "ok", f"{where}: no errors ({len(report.warnings)} warnings)")]


@dataclass(frozen=True)
class PreflightInputs:
    """What preflight judges: the tools, the render (`shown` names it to the user), the
    Secrets bootstrap writes and where their values come from."""

    kubectl: Kubectl
    helm: Helm
    missing_tools: tuple[str, ...]
    tree: Path
    shown: str
    config: Path
    schema_dirs: list[Path]
    unfetched_crds: tuple[str, ...]
    charts: ChartCache
    validate: bool
    secrets: SecretsStep
    resolver: SecretResolver


def run_preflight(platform: Platform, inputs: PreflightInputs) -> list[Check]:
    """Every check, read-only: what a real run refuses shows as a `fail` row. The dry run
    runs the same list (it changes nothing either way)."""
    checks = [
        Check(
            f"{tool} found",
            "fail",
            f"no {tool} binary",
            "`mgctl tools install`, or MGCTL_KUBECTL / MGCTL_HELM=/path/to/binary",
        )
        for tool in inputs.missing_tools
    ]
    if "helm" not in inputs.missing_tools:
        checks += check_helm(inputs.helm)
    cluster_ok = False
    if "kubectl" not in inputs.missing_tools:
        cluster = check_cluster(inputs.kubectl, platform)
        cluster_ok = not failed(cluster)
        checks += cluster
    if inputs.unfetched_crds:
        checks.append(
            Check(
                "pinned CRDs",
                "fail",
                f"not in {', '.join(map(str, inputs.schema_dirs))}: "
                + ", ".join(inputs.unfetched_crds),
                "`mgctl schemas fetch`, or pass --schemas DIR",
            )
        )
    if inputs.validate:
        checks += check_rendered(
            inputs.tree,
            platform,
            inputs.config,
            inputs.schema_dirs,
            inputs.charts,
            inputs.shown,
        )
    missing = None
    if cluster_ok:
        try:
            missing = set(inputs.secrets.missing_names())
        except KubectlError:
            missing = None
    checks += check_secret_inputs(inputs.secrets.secrets, inputs.resolver, missing)
    present = (
        frozenset(s.name for s in inputs.secrets.secrets) - (missing or set())
        if (missing is not None)
        else frozenset()
    )
    try:
        checks += check_git(platform, inputs.resolver.environ, secrets_in_cluster=present)
    except SecretInputError as exc:
        checks.append(Check("git access", "fail", str(exc), "chmod 600 the key file"))
    return checks
