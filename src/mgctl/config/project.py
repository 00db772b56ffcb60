"""Who the platform belongs to, where its repositories live and which cluster it runs on."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from mgctl.config import library_values, names, network
from mgctl.config.base import (
    HOSTNAME,
    REPOSITORY,
    TAG,
    Cpu,
    EnvName,
    GitBranch,
    Hostname,
    Model,
    Name,
    Size,
    TailscaleTag,
)
from mgctl.config.services import Image, LibraryValues, ResourceAmounts, Resources

SUPPORTED_KUBERNETES = ("1.35", "1.36", "1.37")
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"({_OCTET}\.){{3}}{_OCTET}"
_IPV6 = r"[0-9a-fA-F:]*:[0-9a-fA-F:.]*"
CIDR = rf"^({_IPV4}/([0-9]|[12][0-9]|3[0-2])|{_IPV6}/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$"
# k3s gives each node a /24 (IPv6 /64) of the pod range; the API server's service range is
# at most /12 (IPv6 /108).
POD_CIDR = rf"^({_IPV4}/([0-9]|1[0-9]|2[0-4])|{_IPV6}/([0-9]|[1-5][0-9]|6[0-4]))$"
SERVICE_CIDR = rf"^({_IPV4}/(1[2-9]|2[0-9]|3[0-2])|{_IPV6}/(10[89]|11[0-9]|12[0-8]))$"
_ONE = rf"({_IPV4}|{_IPV6})"
POOL_ADDRESS = rf"^ *({_ONE}(/[0-9]{{1,3}})?|{_ONE} *- *{_ONE}) *$"
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
    prefix: Name = Field(
        default="mg",
        json_schema_extra={"maxLength": names.PREFIX_MAX},
        description="Names the Tailscale devices <prefix>-k8s-operator and <prefix>-k8s-subnet",
    )
    kubernetes_version: str = Field(
        default="1.35",
        json_schema_extra={"enum": list(SUPPORTED_KUBERNETES)},
        description="Minor version: 1.35–1.37",
    )
    environment: EnvironmentName = Field(
        default="production", description="The environment this cluster serves"
    )
    doppler_project: str = "mg-central"
    environments: dict[EnvironmentName, DopplerEnvironment] = {
        "development": DopplerEnvironment(config="dev", token_secret="doppler-token-development"),
        "staging": DopplerEnvironment(config="stg", token_secret="doppler-token-staging"),
        "production": DopplerEnvironment(config="prd", token_secret="doppler-token-production"),
    }

    @field_validator("prefix")
    @classmethod
    def _device_names_fit(cls, value: str) -> str:
        if len(value) > names.PREFIX_MAX:
            raise ValueError(
                f"{value!r} is {len(value)} characters; the Tailscale device "
                f"'{value}{names.TAILSCALE_SUFFIXES[0]}' must be a DNS label of at most "
                f"{names.LABEL_VALUE_MAX}, so the prefix is at most {names.PREFIX_MAX}"
            )
        return value

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
    branch: GitBranch = "main"
    secret: Name = Field(
        default="",
        validate_default=False,
        description="Argo CD repository Secret holding this repository's own deploy key, "
        "created by bootstrap (default repo-deploy / repo-infrastructure)",
    )
    deploy_key_doppler_key: EnvName | None = Field(
        default=None,
        description="Doppler key holding this repository's deploy key; ESO then keeps the "
        "Secret's key in sync with Doppler (rotate there)",
    )


# Keys of the one-key-for-both-repositories design, and what replaced each.
_REPLACED_GIT_KEYS = {
    "deployKeySecret": "git.deploy.secret and git.infrastructure.secret",
    "deployKeyDopplerKey": (
        "git.deploy.deployKeyDopplerKey and git.infrastructure.deployKeyDopplerKey "
        "(two Doppler keys)"
    ),
}


class GitRepositories(Model):
    """Each repository has its own deploy key: GitHub refuses a deploy key that is already on
    another repository, and only mg-deploy needs write access (Image Updater's write-back)."""

    deploy: GitRepository
    infrastructure: GitRepository

    @model_validator(mode="before")
    @classmethod
    def _no_shared_key(cls, data: object) -> object:
        if isinstance(data, dict):
            for key, replacement in _REPLACED_GIT_KEYS.items():
                if key in data:
                    raise ValueError(
                        f"{key}: one deploy key for both repositories is gone (GitHub refuses "
                        "a deploy key that is already on another repository); remove it and "
                        f"set {replacement} if the defaults do not suit"
                    )
        return data

    @model_validator(mode="after")
    def _one_key_per_repository(self) -> GitRepositories:
        for role, repo in (("deploy", self.deploy), ("infrastructure", self.infrastructure)):
            if not repo.secret:
                repo.secret = f"repo-{role}"
        if self.deploy.url == self.infrastructure.url:
            if self.deploy.branch == self.infrastructure.branch:
                raise ValueError(
                    f"infrastructure.branch: mg-deploy and mg-infrastructure are both "
                    f"{self.deploy.url} branch {self.deploy.branch!r}; give them two "
                    "repositories or two branches"
                )
            return self  # two branches of one repository: one Secret and key, deploy's
        if self.deploy.secret == self.infrastructure.secret:
            raise ValueError(
                f"infrastructure.secret: {self.deploy.secret!r} is also deploy.secret; each "
                "repository needs its own Argo CD repository Secret"
            )
        deploy_key, infra_key = (
            self.deploy.deploy_key_doppler_key,
            self.infrastructure.deploy_key_doppler_key,
        )
        if deploy_key is not None and deploy_key == infra_key:
            raise ValueError(
                f"infrastructure.deployKeyDopplerKey: {deploy_key!r} is also deploy's; GitHub "
                "refuses one deploy key on two repositories: keep two keys in Doppler"
            )
        return self


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
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"mode": {"const": "single-ip"}}, "required": ["mode"]},
            "then": {
                "properties": {
                    "addresses": {
                        "maxItems": 1,
                        "items": {"pattern": r"^ *[^-/ ]+(/(32|128))? *$"},
                    }
                }
            },
        }
    )

    mode: Literal["l2-range", "single-ip"] = "l2-range"
    addresses: list[str] = Field(
        min_length=1,
        json_schema_extra={"items": {"type": "string", "pattern": POOL_ADDRESS}},
        description="MetalLB pool: CIDRs, a-b ranges or single addresses (written as /32)",
    )

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        ranges = [network.parse_pool_address(value) for value in values]
        for i, a in enumerate(ranges):
            for b in ranges[:i]:
                if a.overlaps(b):
                    raise ValueError(
                        f"{a.text!r} overlaps {b.text!r}; MetalLB refuses overlapping ranges "
                        "in a pool: merge them"
                    )
        return [r.text for r in ranges]

    @model_validator(mode="after")
    def _single(self) -> LoadBalancer:
        if self.mode == "single-ip":
            ranges = [network.parse_pool_address(a) for a in self.addresses]
            if len(ranges) != 1 or ranges[0].size != 1:
                raise ValueError(
                    "single-ip mode takes exactly one /32 (or /128) address, e.g. 203.0.113.10/32"
                )
        return self


class Cluster(Model):
    nodes: list[Node] = Field(min_length=1)
    pod_cidr: str = Field(default="10.42.0.0/16", json_schema_extra={"pattern": POD_CIDR})
    service_cidr: str = Field(default="10.43.0.0/16", json_schema_extra={"pattern": SERVICE_CIDR})
    node_cidr: str | None = Field(
        default=None,
        json_schema_extra={"pattern": CIDR},
        description="The network the nodes' addresses are in (optional; checked against the "
        "pod, service and load-balancer ranges)",
    )
    load_balancer: LoadBalancer
    storage_class: Name = "longhorn"
    storage_replicas: int = Field(default=1, ge=1, le=3, description="Longhorn replicas per volume")

    @field_validator("pod_cidr", "service_cidr", "node_cidr")
    @classmethod
    def _cidr(cls, value: str | None) -> str | None:
        return None if value is None else str(network.parse_cidr(value))

    @model_validator(mode="after")
    def _ranges(self) -> Cluster:
        errors = _range_errors(self)
        if errors:
            raise ValueError("\n".join(errors))
        return self


def _range_errors(cluster: Cluster) -> list[str]:
    pods = network.parse_cidr(cluster.pod_cidr)
    services = network.parse_cidr(cluster.service_cidr)
    errors = []
    if pods.version != services.version:
        errors.append("serviceCidr: podCidr and serviceCidr must be the same IP family (k3s)")
        return errors
    # kube-apiserver: the service range is at most /12 (IPv4) or /108 (IPv6).
    widest = 12 if services.version == 4 else 108
    if services.prefixlen < widest:
        errors.append(
            f"serviceCidr: {services} is wider than the API server allows (at most /{widest}); "
            f"use e.g. {'10.43.0.0/16' if services.version == 4 else 'fd00:43::/112'}"
        )
    # k3s hands each node a /24 (IPv4) or /64 (IPv6) of the pod range.
    per_node = 24 if pods.version == 4 else 64
    needed = math.ceil(math.log2(len(cluster.nodes))) if len(cluster.nodes) > 1 else 0
    if pods.prefixlen > per_node - needed:
        errors.append(
            f"podCidr: {pods} cannot give {len(cluster.nodes)} node(s) a /{per_node} each "
            f"(k3s' node-cidr-mask-size); use a /{per_node - max(needed, 8)} such as 10.42.0.0/16"
        )
    named = [("podCidr", network.cidr_range(pods)), ("serviceCidr", network.cidr_range(services))]
    if cluster.node_cidr is not None:
        named.append(("nodeCidr", network.cidr_range(network.parse_cidr(cluster.node_cidr))))
    for i, (name, ranged) in enumerate(named):
        for other, other_range in named[:i]:
            if ranged.overlaps(other_range):
                errors.append(
                    f"{name}: {ranged.text} overlaps {other} {other_range.text}; pod, service and "
                    "node networks must be disjoint or traffic is routed to the wrong place"
                )
    for j, address in enumerate(cluster.load_balancer.addresses):
        pool = network.parse_pool_address(address)
        for name, ranged in named:
            if name != "nodeCidr" and pool.overlaps(ranged):
                errors.append(
                    f"loadBalancer.addresses[{j}]: {pool.text} overlaps {name} {ranged.text}; "
                    "load-balancer addresses must lie outside the cluster's pod and service "
                    "ranges (on the nodes' network)"
                )
        node_range = dict(named).get("nodeCidr")
        inside = node_range is not None and (
            int(node_range.first) <= int(pool.first) and int(pool.last) <= int(node_range.last)
        )
        if cluster.load_balancer.mode == "l2-range" and node_range is not None and not inside:
            errors.append(
                f"loadBalancer.addresses[{j}]: {pool.text} is not inside nodeCidr "
                f"{node_range.text}; MetalLB's L2 mode only answers ARP on the nodes' network"
            )
    return errors


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
    tags: list[TailscaleTag] = Field(default=["tag:k8s-operator"], min_length=1)
    infra_tag: TailscaleTag = "tag:k8s-infra"


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


class AuthServiceImage(Model):
    repository: str = Field(
        json_schema_extra={"pattern": REPOSITORY.pattern},
        description="e.g. ghcr.io/acme/mg-auth-service",
    )
    tag: str = Field(
        json_schema_extra={"pattern": r"^(?!latest$)" + TAG.pattern.removeprefix("^")},
        description="A released tag (never 'latest')",
    )

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        return Image.check_repository(value)

    @field_validator("tag", mode="plain")
    @classmethod
    def _tag(cls, value: object) -> str:
        tag = Image.check_tag(value)
        if tag is None:
            raise ValueError("tag is required: the auth-service image is pinned")
        return tag


class AuthService(Model):
    """The auth-service mgctl runs for `auth` (it is not listed in services): the pinned image
    from mgctl's catalog, config from `auth`, at least 2 replicas behind a PodDisruptionBudget,
    UID/GID 65532. These keys override it."""

    replicas: int = Field(
        default=2,
        json_schema_extra={"minimum": 2},
        description="At least 2: Traefik answers 500 to every protected request while no "
        "replica is reachable",
    )
    resources: Resources = Resources(
        requests=ResourceAmounts(cpu="100m", memory="64Mi"),
        limits=ResourceAmounts(cpu="1", memory="256Mi"),
    )
    image: AuthServiceImage | None = Field(
        default=None, description="Replaces the pinned image (mgctl's data/catalog.yaml)"
    )
    values: LibraryValues = Field(
        default={},
        description="Raw mg-library values merged last over the generated ones (as "
        "services[].values)",
    )

    @model_validator(mode="after")
    def _library_values(self) -> AuthService:
        found = library_values.problems(self.values)
        if found:
            raise ValueError("\n".join(found))
        return self

    @field_validator("replicas")
    @classmethod
    def _two_or_more(cls, value: int) -> int:
        if value < 2:
            raise ValueError(
                f"{value} replica(s): every request behind the ForwardAuth middleware fails "
                "(Traefik answers 500) while the only replica restarts, rolls out or is evicted "
                "by a node drain; run at least 2"
            )
        return value


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
    service: AuthService = AuthService()
