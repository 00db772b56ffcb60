"""The auth-service mgctl runs for `auth`: its config.yaml (see auth-service/README.md),
mounted by the library chart's configFiles at /etc/mg-auth where the image's entrypoint reads
it, the pod settings its image needs, and where Traefik's ForwardAuth finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mgctl.config import names
from mgctl.config.platform import Platform
from mgctl.config.project import Auth, AuthRule
from mgctl.render.filemap import to_yaml
from mgctl.render.service_layout import service_namespace

AUTH_SERVICE = names.AUTH_SERVICE
CONFIG_DIR = "/etc/mg-auth"
CONFIG_FILE = "config.yaml"
VERIFY_PATH = "/verify"
IMAGE_UID = 65532  # the distroless nonroot user the image runs as (auth-service/Dockerfile)
CLUSTER_DOMAIN = "cluster.local"


@dataclass(frozen=True)
class AuthEndpoint:
    name: str
    namespace: str
    port: int

    @property
    def verify_url(self) -> str:
        return f"http://{self.name}.{self.namespace}.svc.{CLUSTER_DOMAIN}:{self.port}{VERIFY_PATH}"


def auth_endpoint(platform: Platform) -> AuthEndpoint | None:
    """Where the auth-service really is: the Service its chart renders (name, namespace and
    port of `platform.auth_service`). Traefik's middleware takes its address from here."""
    service = platform.auth_service
    if service is None or service.port is None:
        return None
    return AuthEndpoint(service.name, service_namespace(service), service.port)


def _rule(rule: AuthRule) -> dict[str, Any]:
    out: dict[str, Any] = {"name": rule.name, "host": rule.host, "path_prefix": rule.path_prefix}
    if rule.methods is not None:
        out["methods"] = rule.methods
    if rule.auth is not None:
        out["auth"] = rule.auth
    if rule.roles_any is not None:
        out["roles_any"] = rule.roles_any
    if rule.permissions_all is not None:
        out["permissions_all"] = rule.permissions_all
    return out


def auth_config(auth: Auth) -> dict[str, Any]:
    issuer = f"https://{auth.tenant}/"
    namespace = auth.claim_namespace
    config: dict[str, Any] = {
        "issuers": [issuer],
        "audience": auth.audience,
        "jwks_url": f"{issuer}.well-known/jwks.json",
        "claims": {
            "roles": f"{namespace}roles",
            "email": f"{namespace}email",
            "permissions": "permissions",
        },
        "allow_m2m": auth.allow_m2m,
        "leeway_seconds": 30,
        "rules": [_rule(r) for r in auth.rules],
    }
    if auth.allowed_client_ids is not None:
        config["allowed_client_ids"] = auth.allowed_client_ids
    return config


def auth_service_values(platform: Platform) -> dict[str, Any]:
    """Values added to the auth-service chart: its config file and where it is mounted, the
    image's UID/GID, and its replicas spread over the nodes (one node going down must not
    take every verifier with it)."""
    if platform.auth is None:
        return {}
    return {
        "configFiles": {CONFIG_FILE: to_yaml(auth_config(platform.auth))},
        "configMountPath": CONFIG_DIR,
        "podSecurityContext": {
            "runAsUser": IMAGE_UID,
            "runAsGroup": IMAGE_UID,
            "fsGroup": IMAGE_UID,
        },
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {
                    "matchLabels": {
                        "app.kubernetes.io/name": AUTH_SERVICE,
                        "app.kubernetes.io/instance": AUTH_SERVICE,
                    }
                },
            }
        ],
    }
