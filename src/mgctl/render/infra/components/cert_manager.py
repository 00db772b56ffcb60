"""cert-manager and the Let's Encrypt ClusterIssuers (HTTP-01 through Traefik)."""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace

NAME = "cert-manager"
NAMESPACE = "cert-manager"
SYNC_WAVE = 0
INGRESS_CLASS = "traefik"
ACME_SERVERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-production": "https://acme-v02.api.letsencrypt.org/directory",
}


def cluster_issuer(name: str, server: str, email: str) -> dict[str, Any]:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": {"name": name},
        "spec": {
            "acme": {
                "server": server,
                "email": email,
                "privateKeySecretRef": {"name": f"{name}-account-key"},
                "solvers": [{"http01": {"ingress": {"ingressClassName": INGRESS_CLASS}}}],
            }
        },
    }


def values() -> dict[str, Any]:
    return {
        # the chart defaults its leader-election Roles and RoleBindings to kube-system
        # (values.yaml global.leaderElection.namespace), which the platform AppProject does
        # not allow: Argo CD would refuse the whole sync and wave 0 would never finish
        "global": {"leaderElection": {"namespace": NAMESPACE}},
        "crds": {"enabled": True, "keep": True},
        "prometheus": {"enabled": True, "servicemonitor": {"enabled": False}},
    }


def build(platform: Platform) -> list[Component]:
    issuers = [cluster_issuer(n, s, platform.tls.email) for n, s in ACME_SERVERS.items()]
    return [
        Component(
            name=NAME,
            namespace=NAMESPACE,
            sync_wave=SYNC_WAVE,
            chart=catalog.chart("cert-manager").ref,
            values=values(),
            manifests={"cluster-issuers": issuers},
            provides_crds=(
                "cert-manager.io/Certificate",
                "cert-manager.io/CertificateRequest",
                "cert-manager.io/Issuer",
                "cert-manager.io/ClusterIssuer",
                "acme.cert-manager.io/Order",
                "acme.cert-manager.io/Challenge",
            ),
            namespaces=(Namespace(NAMESPACE),),
            cluster_resources=(
                *CRDS_AND_RBAC,
                "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
                "admissionregistration.k8s.io/MutatingWebhookConfiguration",
                "cert-manager.io/ClusterIssuer",
            ),
            description="TLS certificates from Let's Encrypt; also needed by the Barman plugin",
            seed_deviation="Seed: unpinned, installCRDs. Now crds.enabled + crds.keep, pinned.",
        )
    ]
