"""k3s-specific preflight: bundled Traefik/ServiceLB disabled, CIDRs as in platform.yaml.

k3s records each server's flags (config file included) in the node annotation
`k3s.io/node-args`; the bundled components also leave objects behind in kube-system
(`traefik` Deployment and HelmCharts, `svclb-*` DaemonSets), which are checked either way.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from mgctl.cluster.kubectl import Kubectl, ResourceTypeMissing
from mgctl.cluster.preflight_model import Check
from mgctl.config import Platform

K3S_ARGS = "k3s.io/node-args"


def _server_args(nodes: list[dict[str, Any]]) -> list[list[str]]:
    """The k3s server flags of each server node (k3s records them in an annotation)."""
    found = []
    for node in nodes:
        raw = ((node.get("metadata") or {}).get("annotations") or {}).get(K3S_ARGS)
        try:
            args = [str(a) for a in json.loads(raw)] if raw else []
        except (ValueError, TypeError):
            continue
        if args and args[0] == "server":
            found.append(args)
    return found


def _flag_values(args: list[str], flag: str) -> list[str]:
    values = []
    for i, arg in enumerate(args):
        if arg.startswith(f"{flag}="):
            values.append(arg.split("=", 1)[1])
        elif arg == flag and i + 1 < len(args):
            values.append(args[i + 1])
    return values


def _k3s_disabled(nodes: list[dict[str, Any]]) -> set[str] | None:
    """Components disabled with --disable on the k3s servers, or None if not k3s."""
    servers = _server_args(nodes)
    if not servers:
        return None
    disabled: set[str] = set()
    for args in servers:
        for value in _flag_values(args, "--disable"):
            disabled |= {v.strip() for v in value.split(",")}
    return disabled


def check_cidrs(nodes: list[dict[str, Any]], platform: Platform) -> list[Check]:
    """k3s --cluster-cidr/--service-cidr and node pod CIDRs must match platform.yaml."""
    pod = ipaddress.ip_network(platform.cluster.pod_cidr)
    svc = ipaddress.ip_network(platform.cluster.service_cidr)
    problems = []
    for args in _server_args(nodes):
        for flag, want in (("--cluster-cidr", pod), ("--service-cidr", svc)):
            for value in _flag_values(args, flag):
                if ipaddress.ip_network(value.split(",")[0], strict=False) != want:
                    problems.append(f"k3s {flag}={value} but platform.yaml says {want}")
    for node in nodes:
        cidr = (node.get("spec") or {}).get("podCIDR")
        if cidr and not ipaddress.ip_network(cidr, strict=False).subnet_of(pod):  # type: ignore[arg-type]
            problems.append(f"node {node['metadata']['name']} pod CIDR {cidr} is outside {pod}")
    if problems:
        return [
            Check(
                "pod/service CIDRs",
                "fail",
                "; ".join(problems),
                "set cluster.podCidr/serviceCidr to the cluster's values (network policies "
                "and MetalLB depend on them), render again",
            )
        ]
    return [Check("pod/service CIDRs", "ok", f"pods {pod}, services {svc}")]


def check_k3s(kubectl: Kubectl, nodes: list[dict[str, Any]]) -> list[Check]:
    fix_both = (
        "add to /etc/rancher/k3s/config.yaml on every server: `disable: [traefik, "
        "servicelb]`, restart k3s (`systemctl restart k3s`), then remove leftovers: "
        "`kubectl -n kube-system delete helmchart traefik traefik-crd --ignore-not-found`"
    )
    checks: list[Check] = []
    disabled = _k3s_disabled(nodes)
    daemonsets = kubectl.get_list("daemonsets.apps", "kube-system")
    svclb = sorted(
        d["metadata"]["name"] for d in daemonsets if d["metadata"]["name"].startswith("svclb-")
    )
    deployments = kubectl.get_list("deployments.apps", "kube-system")
    traefik = [d["metadata"]["name"] for d in deployments if d["metadata"]["name"] == "traefik"]
    try:
        charts = kubectl.get_list("helmcharts.helm.cattle.io", "kube-system")
    except ResourceTypeMissing:
        charts = []
    traefik += [
        f"HelmChart {c['metadata']['name']}"
        for c in charts
        if c["metadata"]["name"] in ("traefik", "traefik-crd")
    ]
    for component, found, reason in (
        ("servicelb", svclb, "MetalLB assigns LoadBalancer addresses"),
        ("traefik", traefik, "Argo CD manages Traefik"),
    ):
        flag_ok = disabled is None or component in disabled
        if found or not flag_ok:
            what = (
                f"bundled objects present: {', '.join(found)}"
                if found
                else f"k3s runs without --disable={component}"
            )
            checks.append(
                Check(f"k3s {component} disabled", "fail", f"{what} ({reason})", fix_both)
            )
        else:
            checks.append(
                Check(
                    f"k3s {component} disabled",
                    "ok",
                    "no bundled objects" + ("" if disabled is None else f"; --disable={component}"),
                )
            )
    if disabled is None:
        checks.append(
            Check(
                "k3s flags",
                "warn",
                "nodes carry no k3s.io/node-args annotation (not k3s?): flags could not be read",
                "make sure no other LoadBalancer controller or ingress controller runs",
            )
        )
    return checks
