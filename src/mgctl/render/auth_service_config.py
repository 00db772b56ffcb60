"""The auth-service's config.yaml (see auth-service/README.md), rendered from platform.yaml `auth`.

Mounted by the library chart's configFiles at /etc/mg-auth, where the image's entrypoint reads it.
"""

from __future__ import annotations

from typing import Any

from mgctl.config.platform import Platform
from mgctl.config.project import Auth, AuthRule
from mgctl.render.filemap import to_yaml

AUTH_SERVICE = "auth-service"
CONFIG_DIR = "/etc/mg-auth"
CONFIG_FILE = "config.yaml"


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
    """Values added to the auth-service chart: its config file and where it is mounted."""
    if platform.auth is None:
        return {}
    return {
        "configFiles": {CONFIG_FILE: to_yaml(auth_config(platform.auth))},
        "configMountPath": CONFIG_DIR,
    }
