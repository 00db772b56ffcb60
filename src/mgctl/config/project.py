"""Who the platform belongs to, where its repositories live and which cluster it runs on."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator

from mgctl.config.base import HOSTNAME, Cpu, EnvName, Hostname, Model, Name, Size

SUPPORTED_KUBERNETES = ("1.35", "1.36", "1.37")
EnvironmentName = Literal["development", "staging", "production"]


class DopplerEnvironment(Model):
    config: str = Field(min_length=1, description="Doppler config name, e.g. prd")
    token_secret: Name = Field(
        default="",
        validate_default=False,
        description="Secret in external-secrets holding the service token "
        "(default doppler-token-<environment>)",
    )


class Project(Model):
    name: Name = "mg-central"
    prefix: Name = "mg"
    kubernetes_version: str = Field(default="1.35", description="Minor version: 1.35–1.37")
    environment: EnvironmentName = Field(
        default="production", description="The environment this cluster serves"
    )
    doppler_project: str = "mg-central"
    environments: dict[EnvironmentName, DopplerEnvironment] = {
        "development": DopplerEnvironment(config="dev", token_secret="doppler-token-development"),
        "staging": DopplerEnvironment(config="stg", token_secret="doppler-token-staging"),
        "production": DopplerEnvironment(config="prd", token_secret="doppler-token-production"),
    }

    @field_validator("kubernetes_version")
    @classmethod
    def _supported(cls, value: str) -> str:
        if value not in SUPPORTED_KUBERNETES:
            raise ValueError(
                f"Kubernetes {value!r} is not supported; "
                f"use one of {', '.join(SUPPORTED_KUBERNETES)}"
            )
        return value

    @model_validator(mode="after")
    def _token_secrets(self) -> Project:
        for name, env in self.environments.items():
            if not env.token_secret:
                env.token_secret = f"doppler-token-{name}"
        seen: dict[str, str] = {}
        for name, env in self.environments.items():
            if env.token_secret in seen:
                raise ValueError(
                    f"environments.{name}.tokenSecret {env.token_secret!r} is also used by "
                    f"{seen[env.token_secret]}: each Doppler config needs its own service token"
                )
            seen[env.token_secret] = name
        return self

    @model_validator(mode="after")
    def _own_environment_listed(self) -> Project:
        if self.environment not in self.environments:
            listed = ", ".join(self.environments) or "none"
            raise ValueError(
                f"environment {self.environment!r} has no entry in environments (listed: {listed})"
            )
        return self


class GitRepository(Model):
    url: str = Field(pattern=r"^(git@[^:]+:.+\.git|ssh://.+|https://.+)$")
    branch: str = "main"


class GitRepositories(Model):
    deploy: GitRepository
    infrastructure: GitRepository
    deploy_key_secret: Name = Field(
        default="mg-repos-ssh", description="Argo CD repo-creds Secret (created by bootstrap)"
    )
    deploy_key_doppler_key: EnvName | None = Field(
        default=None,
        description="Doppler key holding the deploy key; set it to let ESO own the repo-creds "
        "Secret instead of bootstrap",
    )


class Registry(Model):
    server: str = Field(default="https://index.docker.io/v1/", description="dockerconfigjson key")
    pull_secret: Name | None = Field(default="dockerhub-credentials")
    doppler_key: EnvName = Field(
        default="DOCKER_REGISTRY_AUTH", description="Doppler key holding base64(user:token)"
    )


class Node(Model):
    name: Name
    cpu: Cpu
    memory: Size
    storage: Size = Field(description="Disk given to Longhorn on this node")


class LoadBalancer(Model):
    mode: Literal["l2-range", "single-ip"] = "l2-range"
    addresses: list[str] = Field(min_length=1)

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            parts = value.split("-")
            try:
                if len(parts) == 2:
                    ipaddress.ip_address(parts[0].strip())
                    ipaddress.ip_address(parts[1].strip())
                else:
                    ipaddress.ip_network(value, strict=True)
            except ValueError as exc:
                raise ValueError(
                    f"{value!r} is not an address range (a.b.c.d-a.b.c.e) or CIDR ({exc})"
                ) from exc
        return values

    @model_validator(mode="after")
    def _single(self) -> LoadBalancer:
        if self.mode == "single-ip":
            net = (
                ipaddress.ip_network(self.addresses[0], strict=False)
                if "-" not in self.addresses[0]
                else None
            )
            if len(self.addresses) != 1 or net is None or net.num_addresses != 1:
                raise ValueError(
                    "single-ip mode takes exactly one /32 (or /128) address, e.g. 203.0.113.10/32"
                )
        return self


class Cluster(Model):
    nodes: list[Node] = Field(min_length=1)
    pod_cidr: str = "10.42.0.0/16"
    service_cidr: str = "10.43.0.0/16"
    load_balancer: LoadBalancer
    storage_class: Name = "longhorn"
    storage_replicas: int = Field(default=1, ge=1, le=3, description="Longhorn replicas per volume")

    @field_validator("pod_cidr", "service_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a CIDR ({exc})") from exc
        return value


class Tls(Model):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="ACME account e-mail")
    default_issuer: Literal["letsencrypt-staging", "letsencrypt-production"] = (
        "letsencrypt-production"
    )


class Tailscale(Model):
    enabled: bool = True
    tailnet: str = Field(default="tailnet-xxxx.ts.net", description="Your tailnet's DNS name")
    oauth_from_doppler: bool = Field(
        default=True, description="TS_OAUTH_CLIENT_ID/SECRET via ESO instead of a bootstrap secret"
    )
    tags: list[str] = ["tag:k8s-operator"]
    infra_tag: str = "tag:k8s-infra"


class AuthRule(Model):
    """One row of the auth-service rule table (first match wins, no match = 403)."""

    name: Name
    host: str = Field(description="Exact host or *.suffix")
    path_prefix: str = "/"
    methods: list[str] | None = None
    auth: Literal["anonymous", "preflight", "authenticated"] | None = None
    roles_any: list[str] | None = None
    permissions_all: list[str] | None = None

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not HOSTNAME.match(value.lower()):
            raise ValueError(
                f"{value!r} is not a host: use app.example.com or *.example.com "
                "(no scheme, no port)"
            )
        return value.lower()

    @field_validator("path_prefix")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or "//" in value or (value != "/" and value.endswith("/")):
            raise ValueError(f"{value!r}: start with '/', no '//' and no trailing '/'")
        return value

    @model_validator(mode="after")
    def _one_decision(self) -> AuthRule:
        needs = self.roles_any is not None or self.permissions_all is not None
        if (self.auth is not None) == needs:
            raise ValueError(
                "give either auth (anonymous|preflight|authenticated) or rolesAny/permissionsAll "
                "(both must hold when both are given)"
            )
        return self


class Auth(Model):
    tenant: Hostname = Field(description="Auth0 tenant or custom domain, e.g. mg.eu.auth0.com")
    audience: str = Field(min_length=1, description="Auth0 API identifier")
    claim_namespace: str = Field(
        default="https://mg-central.example.com/",
        pattern=r"^https?://[^\s/]+/(\S*/)?$",
        description="URL prefix of the custom claims set by the post-login Action, ending in /",
    )
    allow_m2m: bool = False
    allowed_client_ids: list[str] | None = None
    rules: list[AuthRule] = []
