"""Assemble bootstrap from the platform config and the rendered repositories.

`build_steps` returns the ordered, idempotent steps; `Plan` is what `--dry-run` prints. The
CLI (`mgctl.cli.bootstrap`) adds preflight, confirmation and output around these.
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from mgctl.cluster.helm import Helm
from mgctl.cluster.kubectl import Kubectl
from mgctl.cluster.plan import Plan
from mgctl.cluster.rendered import NOT_FETCHED, RenderedInfra, RenderedTreeError
from mgctl.cluster.secrets import BootstrapSecret, SecretResolver, bootstrap_secrets
from mgctl.cluster.steps import Step
from mgctl.cluster.steps_argocd import ArgoCdStep, WaitStep
from mgctl.cluster.steps_kube import CrdsStep, NamespacesStep, RootAppStep
from mgctl.cluster.steps_secrets import SecretsStep
from mgctl.cluster.waiting import Waiter
from mgctl.config import Platform

ADMIN_SECRET = "argocd-initial-admin-secret"


@dataclass
class Tools:
    kubectl: Kubectl
    helm: Helm


def required_secrets(platform: Platform, rendered: RenderedInfra) -> list[BootstrapSecret]:
    secrets = bootstrap_secrets(platform)
    have = {ns["metadata"]["name"] for ns in rendered.namespaces}
    lacking = sorted({s.namespace for s in secrets} - have)
    if lacking:
        raise RenderedTreeError(
            f"the rendered security/ namespaces lack {', '.join(lacking)}, where bootstrap "
            "Secrets go; re-run `mgctl render` with this mgctl version"
        )
    return secrets


def build_steps(
    platform: Platform,
    rendered: RenderedInfra,
    tools: Tools,
    resolver: SecretResolver,
    waiter: Waiter,
    crd_clock: Callable[[], float] | None = None,
    crd_sleep: Callable[[float], None] | None = None,
) -> list[Step]:
    crds = CrdsStep(tools.kubectl, rendered.crds)
    if crd_clock is not None:
        crds.clock = crd_clock
    if crd_sleep is not None:
        crds.sleep = crd_sleep
    return [
        NamespacesStep(tools.kubectl, rendered.namespaces),
        crds,
        SecretsStep(tools.kubectl, required_secrets(platform, rendered), resolver),
        ArgoCdStep(tools.helm, rendered.argocd),
        RootAppStep(tools.kubectl, rendered.root_apps),
        WaitStep(waiter),
    ]


def build_plan(steps: list[Step], rendered: RenderedInfra, temporary: bool = False) -> Plan:
    """`temporary`: the render lives in a directory removed when bootstrap ends."""
    missing = [c.name for c in rendered.crds if c.source == NOT_FETCHED]
    return Plan(
        steps=[s.planned() for s in steps],
        notes=[
            *(
                [
                    f"pinned CRD files not found for {', '.join(missing)}: {NOT_FETCHED} "
                    "before the real run"
                ]
                if missing
                else []
            ),
            *(
                [
                    "platform.yaml was rendered into a temporary directory that is removed "
                    "when bootstrap ends: OUT/... stands for `mgctl render -c platform.yaml "
                    "-o OUT` (pass --out OUT to bootstrap from that render; it must match what "
                    "is pushed to git)"
                ]
                if temporary
                else []
            ),
            "every step first reads the cluster and is skipped when already done; "
            "re-running resumes after an interruption",
            "Secret values come from environment variables, 0600 files or a TTY prompt and "
            "reach the cluster only on kubectl's stdin",
            f"Argo CD values: {rendered.argocd.values_file}",
        ],
    )


def tailnet_urls(platform: Platform, rendered: RenderedInfra) -> list[str]:
    tailnet = platform.tailscale.tailnet
    hosts = [h if "." in h else f"{h}.{tailnet}" for h in rendered.tailscale_hosts]
    return [f"https://{h}" for h in hosts]


def access_info(platform: Platform, rendered: RenderedInfra, kubectl: Kubectl) -> list[str]:
    ns = rendered.argocd.namespace
    lines = ["How to reach the platform:"]
    urls = tailnet_urls(platform, rendered)
    if platform.tailscale.enabled and urls:
        lines.append(f"  through Tailscale (tailnet {platform.tailscale.tailnet}):")
        lines += [f"    {u}" for u in urls]
    elif platform.tailscale.enabled:
        lines.append(
            f"  through Tailscale: https://argocd.{platform.tailscale.tailnet} and the "
            "Grafana/Prometheus hosts listed by `kubectl get ingress -A` (class tailscale)"
        )
    forward = shlex.join(kubectl.argv("-n", ns, "port-forward", "svc/argocd-server", "8080:80"))
    lines.append(f"  without Tailscale: {forward}  → http://localhost:8080")
    get_pw = shlex.join(
        kubectl.argv("-n", ns, "get", "secret", ADMIN_SECRET, "-o", "jsonpath={.data.password}")
    )
    lines.append(f"Argo CD initial admin password (user admin): {get_pw} | base64 -d")
    lines.append(
        "  then change it in the UI and delete that Secret "
        f"(`kubectl -n {ns} delete secret {ADMIN_SECRET}`)"
    )
    return lines


def admin_password(kubectl: Kubectl, namespace: str) -> str | None:
    out = kubectl.run(
        "-n", namespace, "get", "secret", ADMIN_SECRET, "--ignore-not-found",
        "-o", "jsonpath={.data.password}",
    )  # fmt: skip
    return base64.b64decode(out).decode() if out.strip() else None
