"""Tailscale operator, the subnet-router Connector and the tailnet-only Ingresses.

Admin UIs are never exposed publicly: each gets an Ingress of class `tailscale`, reachable as
`https://<host>.<tailnet>` from the tailnet only. The OAuth client (write scopes Devices Core,
Auth Keys, Services; tag `tag:k8s-operator`) is the Secret `operator-oauth`: from Doppler via
ESO when `tailscale.oauthFromDoppler`, otherwise created by bootstrap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace
from mgctl.render.infra.components import argocd, longhorn
from mgctl.render.infra.components.external_secrets import external_secret

NAME = "tailscale"
NAMESPACE = "tailscale"
SYNC_WAVE = 3
SECRETS_WAVE = 2
OAUTH_SECRET = "operator-oauth"  # the name the chart reads
OAUTH_CLIENT_ID_KEY = "TS_OAUTH_CLIENT_ID"
OAUTH_CLIENT_SECRET_KEY = "TS_OAUTH_CLIENT_SECRET"
CONNECTOR_TAG = "tag:k8s"
PRIVILEGED_REASON = (
    "the operator's proxy pods (ingress proxies, the Connector) need NET_ADMIN and a privileged "
    "init container that enables IP forwarding"
)

# Service names the observability charts create (kube-prometheus-stack with
# fullnameOverride "kube-prometheus-stack", SeaweedFS release "seaweedfs").
MONITORING_NAMESPACE = "monitoring"
KPS_PREFIX = "kube-prometheus-stack"


@dataclass(frozen=True)
class TailnetUi:
    host: str
    namespace: str
    service: str
    port: int


def tailnet_uis(platform: Platform) -> list[TailnetUi]:
    uis = [TailnetUi("argocd", argocd.NAMESPACE, argocd.SERVER_SERVICE, 80)]
    if platform.component_enabled("kube-prometheus-stack"):
        uis[:0] = [
            TailnetUi("grafana", MONITORING_NAMESPACE, f"{KPS_PREFIX}-grafana", 80),
            TailnetUi("prometheus", MONITORING_NAMESPACE, f"{KPS_PREFIX}-prometheus", 9090),
            TailnetUi("alertmanager", MONITORING_NAMESPACE, f"{KPS_PREFIX}-alertmanager", 9093),
        ]
    if platform.component_enabled(longhorn.NAME):
        uis.append(TailnetUi("longhorn", longhorn.NAMESPACE, longhorn.UI_SERVICE, longhorn.UI_PORT))
    if platform.object_store.type == "seaweedfs" and platform.component_enabled("seaweedfs"):
        uis.append(TailnetUi("seaweedfs", "seaweedfs", "seaweedfs-filer", 8888))
    return uis


def ingress(ui: TailnetUi, tag: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": f"{ui.host}-tailscale",
            "namespace": ui.namespace,
            "annotations": {"tailscale.com/tags": tag},
        },
        "spec": {
            "ingressClassName": "tailscale",
            "defaultBackend": {"service": {"name": ui.service, "port": {"number": ui.port}}},
            "tls": [{"hosts": [ui.host]}],
        },
    }


def connector(platform: Platform) -> dict[str, Any]:
    return {
        "apiVersion": "tailscale.com/v1alpha1",
        "kind": "Connector",
        "metadata": {"name": "k8s-subnet-router"},
        "spec": {
            "hostname": f"{platform.project.prefix}-k8s-subnet",
            "tags": [CONNECTOR_TAG],
            "subnetRouter": {
                "advertiseRoutes": [platform.cluster.pod_cidr, platform.cluster.service_cidr]
            },
        },
    }


def oauth_secret(platform: Platform) -> dict[str, Any]:
    return external_secret(
        platform,
        OAUTH_SECRET,
        NAMESPACE,
        {"client_id": OAUTH_CLIENT_ID_KEY, "client_secret": OAUTH_CLIENT_SECRET_KEY},
    )


def acl_policy(platform: Platform) -> dict[str, Any]:
    """Tailnet policy: members reach the admin UIs (443) and the cluster CIDRs; the operator
    owns the tags of the devices it creates; the Connector's routes are auto-approved."""
    ts = platform.tailscale
    routes = [platform.cluster.pod_cidr, platform.cluster.service_cidr]
    operator_tags = list(dict.fromkeys(ts.tags))
    return {
        "tagOwners": {
            **{tag: ["autogroup:admin"] for tag in operator_tags},
            ts.infra_tag: operator_tags,
            CONNECTOR_TAG: operator_tags,
        },
        "grants": [
            {"src": ["autogroup:member"], "dst": [ts.infra_tag], "ip": ["tcp:443"]},
            {"src": ["autogroup:admin"], "dst": routes, "ip": ["*"]},
        ],
        "autoApprovers": {"routes": {route: [CONNECTOR_TAG] for route in routes}},
        "ssh": [],
    }


def acl_policy_json(platform: Platform) -> str:
    return json.dumps(acl_policy(platform), indent=2) + "\n"


def values(platform: Platform) -> dict[str, Any]:
    ts = platform.tailscale
    return {
        "operatorConfig": {
            "hostname": f"{platform.project.prefix}-k8s-operator",
            "defaultTags": list(ts.tags),
        },
        "proxyConfig": {"defaultTags": ts.infra_tag},
        "apiServerProxyConfig": {"mode": "false"},
    }


def build(platform: Platform) -> list[Component]:
    if not platform.tailscale.enabled:
        return []
    namespace = Namespace(NAMESPACE, "privileged", PRIVILEGED_REASON)
    components = []
    if platform.tailscale.oauth_from_doppler:
        components.append(
            Component(
                name="tailscale-secrets",
                namespace=NAMESPACE,
                sync_wave=SECRETS_WAVE,
                manifests={"external-secrets": [oauth_secret(platform)]},
                namespaces=(namespace,),
                description="Tailscale operator OAuth client, from Doppler",
            )
        )
    ingresses = [ingress(ui, platform.tailscale.infra_tag) for ui in tailnet_uis(platform)]
    components.append(
        Component(
            name=NAME,
            namespace=NAMESPACE,
            sync_wave=SYNC_WAVE,
            chart=catalog.chart("tailscale-operator").ref,
            release_name="tailscale-operator",
            values=values(platform),
            manifests={"connector": [connector(platform)], "ingresses": ingresses},
            provides_crds=tuple(
                f"tailscale.com/{kind}"
                for kind in (
                    "Connector",
                    "DNSConfig",
                    "ProxyClass",
                    "ProxyGroup",
                    "Recorder",
                )
            ),
            namespaces=(namespace,),
            cluster_resources=(
                *CRDS_AND_RBAC,
                "networking.k8s.io/IngressClass",
                "tailscale.com/Connector",
            ),
            description="Tailnet access to admin UIs and cluster CIDRs; no public admin ports",
            seed_deviation="Seed: OAuth via --set on the CLI, scopes devices/routes/dns. Now the "
            "OAuth client from Doppler (or a bootstrap secret), scopes Devices Core, Auth Keys, "
            "Services; ACL as grants with least privilege instead of `*:*`.",
        )
    )
    return components
