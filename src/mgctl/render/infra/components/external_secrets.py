"""External Secrets Operator and one Doppler ClusterSecretStore per environment.

The Doppler service token of each environment is a Secret created by bootstrap (never in git):
`project.environments[env].tokenSecret` in namespace external-secrets, key `dopplerToken`.
"""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace

NAME = "external-secrets"
NAMESPACE = "external-secrets"
SYNC_WAVE = 0
TOKEN_KEY = "dopplerToken"
STORE_KIND = "ClusterSecretStore"


def store_name(environment: str) -> str:
    return f"doppler-{environment}"


def platform_store(platform: Platform) -> str:
    """The store of the environment this cluster serves: platform secrets come from it."""
    return store_name(platform.project.environment)


def cluster_secret_store(platform: Platform, environment: str) -> dict[str, Any]:
    env = platform.project.environments[environment]  # type: ignore[index]
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": STORE_KIND,
        "metadata": {"name": store_name(environment)},
        "spec": {
            "provider": {
                "doppler": {
                    "project": platform.project.doppler_project,
                    "config": env.config,
                    "auth": {
                        "secretRef": {
                            "dopplerToken": {
                                "name": env.token_secret,
                                "namespace": NAMESPACE,
                                "key": TOKEN_KEY,
                            }
                        }
                    },
                }
            }
        },
    }


def external_secret(
    platform: Platform,
    name: str,
    namespace: str,
    data: dict[str, str],
    *,
    template: dict[str, Any] | None = None,
    refresh: str = "1h",
) -> dict[str, Any]:
    """ExternalSecret from this cluster's Doppler store; `data`: secret key -> Doppler key."""
    target: dict[str, Any] = {"name": name, "creationPolicy": "Owner"}
    if template:
        target["template"] = template
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "refreshInterval": refresh,
            "secretStoreRef": {"kind": STORE_KIND, "name": platform_store(platform)},
            "target": target,
            "data": [
                {"secretKey": key, "remoteRef": {"key": remote}} for key, remote in data.items()
            ],
        },
    }


def values() -> dict[str, Any]:
    return {
        "crds": {"createClusterSecretStore": True, "createClusterExternalSecret": True},
        "serviceMonitor": {"enabled": False},
    }


def build(platform: Platform) -> list[Component]:
    stores = [cluster_secret_store(platform, env) for env in platform.project.environments]
    return [
        Component(
            name=NAME,
            namespace=NAMESPACE,
            sync_wave=SYNC_WAVE,
            chart=catalog.chart("external-secrets").ref,
            values=values(),
            manifests={"cluster-secret-stores": stores},
            provides_crds=(
                "external-secrets.io/ExternalSecret",
                "external-secrets.io/ClusterSecretStore",
                "external-secrets.io/SecretStore",
                "external-secrets.io/ClusterExternalSecret",
                "external-secrets.io/PushSecret",
                "external-secrets.io/ClusterPushSecret",
            ),
            namespaces=(Namespace(NAMESPACE),),
            cluster_resources=(
                *CRDS_AND_RBAC,
                "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
                "external-secrets.io/ClusterSecretStore",
            ),
            description="Syncs secrets from Doppler into Kubernetes Secrets",
            seed_deviation="Seed: external-secrets.io/v1beta1 (not served since 0.17) and one "
            "token for all stores; now v1, one token Secret per environment, namespace set.",
        )
    ]
