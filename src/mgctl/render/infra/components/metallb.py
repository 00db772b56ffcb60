"""MetalLB: LoadBalancer IPs on bare metal, from `cluster.loadBalancer` (LAN range or one IP)."""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace

NAME = "metallb"
NAMESPACE = "metallb-system"
SYNC_WAVE = 0
SPEAKER_REASON = (
    "the MetalLB speaker runs with hostNetwork and NET_RAW to answer ARP for service IPs"
)


def pool_name(platform: Platform) -> str:
    return (
        "single-ip-pool" if platform.cluster.load_balancer.mode == "single-ip" else "default-pool"
    )


def address_pool(platform: Platform) -> list[dict[str, Any]]:
    lb = platform.cluster.load_balancer
    name = pool_name(platform)
    spec: dict[str, Any] = {"addresses": list(lb.addresses), "autoAssign": True}
    pool = {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "IPAddressPool",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": spec,
    }
    advert = {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "L2Advertisement",
        "metadata": {"name": name.removesuffix("-pool"), "namespace": NAMESPACE},
        "spec": {"ipAddressPools": [name]},
    }
    return [pool, advert]


def values() -> dict[str, Any]:
    return {"crds": {"enabled": True}, "speaker": {"frr": {"enabled": False}}}


def build(platform: Platform) -> list[Component]:
    return [
        Component(
            name=NAME,
            namespace=NAMESPACE,
            sync_wave=SYNC_WAVE,
            chart=catalog.chart("metallb").ref,
            values=values(),
            manifests={"address-pool": address_pool(platform)},
            provides_crds=(
                "metallb.io/IPAddressPool",
                "metallb.io/L2Advertisement",
                "metallb.io/BGPAdvertisement",
                "metallb.io/BGPPeer",
                "metallb.io/BFDProfile",
                "metallb.io/Community",
            ),
            namespaces=(Namespace(NAMESPACE, "privileged", SPEAKER_REASON),),
            cluster_resources=(
                *CRDS_AND_RBAC,
                "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
            ),
            description="LoadBalancer Services on bare metal (k3s: --disable servicelb)",
            seed_deviation="Seed: v0.14.8 raw manifests and an interactive IP prompt. Now the "
            "chart, the pool from platform.yaml (l2-range or single-ip).",
        )
    ]
