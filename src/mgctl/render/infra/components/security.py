"""security/: Namespaces with Pod Security labels, the developer RBAC, and the platform's
ExternalSecrets that belong to no single component (registry pull secrets, repo credentials).

`security/cluster/` syncs first of all (wave -10) so every namespace exists with its PSS labels
before anything runs in it. `security/secrets/` syncs once the Doppler stores exist.
No secret value is written here: every Secret comes from Doppler through ESO.
"""

from __future__ import annotations

import json
from typing import Any

from mgctl.config.platform import Platform
from mgctl.render.infra import components
from mgctl.render.infra.argocd_objects import ARGOCD_NAMESPACE, pss_labels
from mgctl.render.infra.component import CLUSTER_RBAC, Component, Namespace, PodSecurityLevel
from mgctl.render.infra.components.external_secrets import external_secret
from mgctl.render.infra.overrides import enabled_components
from mgctl.render.service_layout import service_namespace

CLUSTER_NAME = "security"
SECRETS_NAME = "security-secrets"
CLUSTER_WAVE = -10
SECRETS_WAVE = 2
# Where repository.py lays out these components' manifests (instead of base/<name>/manifests).
MANIFEST_DIRS = {CLUSTER_NAME: "security/cluster", SECRETS_NAME: "security/secrets"}
REASON_ANNOTATION = "mgctl.io/pod-security-reason"
DEVELOPER_GROUP = "developers"
_LEVEL_ORDER: dict[PodSecurityLevel, int] = {"privileged": 0, "baseline": 1, "restricted": 2}


def service_namespaces(platform: Platform) -> list[str]:
    """Each service runs in a namespace named like it (the services ApplicationSet)."""
    return [service_namespace(s) for s in platform.deployed_services]


def _merge(found: dict[str, Namespace], namespace: Namespace) -> None:
    current = found.get(namespace.name)
    if current is None or _LEVEL_ORDER[namespace.pod_security] < _LEVEL_ORDER[current.pod_security]:
        found[namespace.name] = namespace


def platform_namespaces(platform: Platform) -> list[Namespace]:
    """Every namespace of the platform with its Pod Security level (the least restrictive one
    any component asks for), services' namespaces restricted. Bootstrap applies these before
    installing Argo CD; security/cluster/namespaces.yaml holds the same list."""
    found: dict[str, Namespace] = {}
    for module in components.all_modules():
        if module.__name__ == __name__:
            continue
        for component in enabled_components(platform, module.build(platform)):
            for namespace in component.namespaces:
                _merge(found, namespace)
    for name in service_namespaces(platform):
        _merge(found, Namespace(name))
    return sorted(found.values(), key=lambda ns: ns.name)


def namespace_manifest(namespace: Namespace) -> dict[str, Any]:
    annotations = {
        # Never delete a namespace (and everything in it) because this Application changed.
        "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
    }
    if namespace.reason:
        annotations[REASON_ANNOTATION] = namespace.reason
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": namespace.name,
            "labels": pss_labels(namespace.pod_security),
            "annotations": annotations,
        },
    }


def developer_rbac() -> list[dict[str, Any]]:
    read = ["get", "list", "watch"]
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "developer"},
        "rules": [
            {
                "apiGroups": [""],
                "resources": [
                    "pods",
                    "pods/log",
                    "services",
                    "endpoints",
                    "configmaps",
                    "events",
                    "namespaces",
                    "persistentvolumeclaims",
                    "serviceaccounts",
                ],
                "verbs": read,
            },
            {
                "apiGroups": ["apps"],
                "resources": ["deployments", "replicasets", "statefulsets", "daemonsets"],
                "verbs": read,
            },
            {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": read},
            {
                "apiGroups": ["networking.k8s.io"],
                "resources": ["ingresses", "networkpolicies"],
                "verbs": read,
            },
            {
                "apiGroups": ["autoscaling"],
                "resources": ["horizontalpodautoscalers"],
                "verbs": read,
            },
            # Debugging. WebSocket exec/port-forward (kubectl >= 1.31) is authorised as `get`.
            {
                "apiGroups": [""],
                "resources": ["pods/exec", "pods/portforward"],
                "verbs": ["get", "create"],
            },
            # Which Secrets exist and where their values come from, without the values: the
            # ExternalSecrets name each Secret and its Doppler keys. No `secrets` rule at all:
            # `list` (and `watch`) return every Secret's data, so the seed's "list without
            # reading" cannot be had. Exceptions are namespace-scoped Roles
            # (docs/infrastructure.md, Developer RBAC).
            {
                "apiGroups": ["external-secrets.io"],
                "resources": ["externalsecrets"],
                "verbs": read,
            },
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "developers"},
        "subjects": [
            {"kind": "Group", "name": DEVELOPER_GROUP, "apiGroup": "rbac.authorization.k8s.io"}
        ],
        "roleRef": {
            "kind": "ClusterRole",
            "name": "developer",
            "apiGroup": "rbac.authorization.k8s.io",
        },
    }
    return [role, binding]


def registry_pull_secret(platform: Platform, namespace: str) -> dict[str, Any]:
    registry = platform.registry
    assert registry.pull_secret is not None
    config = {"auths": {registry.server: {"auth": "{{ .auth }}"}}}
    return external_secret(
        platform,
        registry.pull_secret,
        namespace,
        {"auth": registry.doppler_key},
        template={
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": json.dumps(config)},
        },
        refresh="24h",
    )


def repository_credentials(platform: Platform) -> list[dict[str, Any]]:
    """For each repository whose deploy key the team keeps in Doppler
    (`git.<repo>.deployKeyDopplerKey`): keep the bootstrap-created repository Secret's key in
    sync with Doppler (Merge: the Secret must exist, Argo CD needs it before ESO runs). None
    when bootstrap's Secrets are the only copies."""
    secrets = []
    repos = [platform.git.deploy, platform.git.infrastructure]
    if repos[0].url == repos[1].url:
        repos = repos[:1]  # two branches of one repository: one Secret (bootstrap's targets)
    for repo in repos:
        if not repo.deploy_key_doppler_key:
            continue
        secret = external_secret(
            platform, repo.secret, ARGOCD_NAMESPACE, {"sshPrivateKey": repo.deploy_key_doppler_key}
        )
        secret["spec"]["target"] = {"name": repo.secret, "creationPolicy": "Merge"}
        secrets.append(secret)
    return secrets


def pull_secret_namespaces(platform: Platform) -> list[str]:
    # argocd: the Image Updater reads registry credentials from there.
    return [ARGOCD_NAMESPACE, *service_namespaces(platform)]


def build(platform: Platform) -> list[Component]:
    namespaces = [namespace_manifest(ns) for ns in platform_namespaces(platform)]
    secrets: dict[str, list[dict[str, Any]]] = {}
    # Optional: a missing Doppler key would leave the ExternalSecret Degraded and stop the
    # root Application's waves, so each is rendered only when its key is configured.
    repository = repository_credentials(platform)
    if repository:
        secrets["repository-credentials"] = repository
    if platform.registry.pull_secret:
        secrets["registry-credentials"] = [
            registry_pull_secret(platform, ns) for ns in pull_secret_namespaces(platform)
        ]
    return [
        Component(
            name=CLUSTER_NAME,
            namespace=ARGOCD_NAMESPACE,
            sync_wave=CLUSTER_WAVE,
            manifests={"namespaces": namespaces, "rbac": developer_rbac()},
            cluster_resources=(
                "/Namespace",
                *CLUSTER_RBAC,
            ),
            description="Namespaces with Pod Security labels; developer RBAC",
            seed_deviation="Seed: PSS labels on four hand-listed namespaces, none on those Argo CD "
            "creates. Now every namespace is labelled (here or by managedNamespaceMetadata).",
        ),
        Component(
            name=SECRETS_NAME,
            namespace=ARGOCD_NAMESPACE,
            sync_wave=SECRETS_WAVE,
            manifests=secrets,
            description="Registry pull secrets and Argo CD repository credentials via ESO",
            seed_deviation="Seed: literal Secrets with placeholder keys in git. Now ESO only.",
        ),
    ]
