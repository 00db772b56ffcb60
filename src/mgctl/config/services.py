"""A microservice: what becomes one chart under mg-deploy/services/<name>/."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from mgctl.config.base import Cpu, EnvName, Hostname, Model, Name, Size


class ResourceAmounts(Model):
    cpu: Cpu
    memory: Size


class Resources(Model):
    requests: ResourceAmounts = ResourceAmounts(cpu="100m", memory="256Mi")
    limits: ResourceAmounts = ResourceAmounts(cpu="500m", memory="512Mi")


class Image(Model):
    repository: str = Field(
        min_length=1, description="Repository without tag, e.g. shykhov/mg.engine"
    )
    tag: str | None = Field(
        default=None,
        description="Initial tag; the image updater manages it afterwards. Never 'latest'.",
    )

    @field_validator("repository")
    @classmethod
    def _no_tag_in_repository(cls, value: str) -> str:
        last = value.rsplit("/", 1)[-1]
        if ":" in last or "@" in last:
            raise ValueError(
                f"{value!r} includes a tag or digest; put the repository here "
                "and the tag in image.tag"
            )
        return value

    @field_validator("tag")
    @classmethod
    def _pinned_tag(cls, value: str | None) -> str | None:
        if value is not None and (value == "" or value == "latest"):
            raise ValueError(
                f"tag {value!r} is not reproducible; use a version tag such as v1.2.3, or omit it "
                "and let the image updater set it"
            )
        return value


class Probe(Model):
    enabled: bool = True
    type: Literal["httpGet", "tcpSocket", "grpc"] = "httpGet"
    path: str | None = None
    port: str | int = "http"
    initial_delay_seconds: int | None = Field(default=None, ge=0)
    period_seconds: int | None = Field(default=None, ge=1)
    timeout_seconds: int | None = Field(default=None, ge=1)
    failure_threshold: int | None = Field(default=None, ge=1)


class Probes(Model):
    """Defaults are the seed's Spring Boot actuator endpoints."""

    liveness: Probe = Probe(path="/actuator/health/liveness")
    readiness: Probe = Probe(path="/actuator/health/readiness")
    startup: Probe = Probe(path="/actuator/health/liveness", failure_threshold=30)


class ContainerPort(Model):
    name: Name = Field(max_length=15)
    port: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"


class Sidecar(Model):
    name: Name
    image: str = Field(min_length=1, description="Full image reference with a pinned tag")
    ports: list[ContainerPort] = []
    env: dict[EnvName, str] = {}
    resources: Resources = Resources()
    security_context: dict[str, Any] = Field(
        default={},
        description="Merged over the restricted defaults, e.g. {readOnlyRootFilesystem: false}",
    )
    volume_mounts: list[dict[str, Any]] = []

    @field_validator("image")
    @classmethod
    def _pinned(cls, value: str) -> str:
        name = value.rsplit("/", 1)[-1]
        if "@" in name:
            return value
        if ":" not in name or name.endswith(":latest"):
            raise ValueError(
                f"{value!r} has no pinned tag; write e.g. {value.split(':')[0]}:v1.0.0"
            )
        return value


class Ingress(Model):
    host: Hostname
    paths: list[str] = ["/"]
    auth: Literal["required", "public"] = Field(
        default="required", description="required: through the Auth0 ForwardAuth middleware"
    )
    tls: bool = True

    @field_validator("paths")
    @classmethod
    def _absolute(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not path.startswith("/"):
                raise ValueError(f"path {path!r} must start with '/'")
        return paths


class Egress(Model):
    databases: list[Name] = Field(default=[], description="Names from the top-level databases list")
    kafka: bool = False
    external_https: bool = Field(
        default=False, description="Port 443 to the internet (exchange APIs)"
    )


class Autoscaling(Model):
    enabled: bool = False
    min_replicas: int = Field(default=1, ge=1)
    max_replicas: int = Field(default=3, ge=1)
    target_cpu: int | None = Field(default=80, ge=1, le=100)
    target_memory: int | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Autoscaling:
        if self.max_replicas < self.min_replicas:
            raise ValueError(
                f"maxReplicas ({self.max_replicas}) is below minReplicas ({self.min_replicas})"
            )
        return self


class Pdb(Model):
    enabled: bool = False
    min_available: int | None = Field(default=None, ge=0)
    max_unavailable: int | None = Field(default=1, ge=0)


class Metrics(Model):
    enabled: bool = True
    path: str = "/actuator/prometheus"
    port: str = "http"
    interval: str = "30s"


class TmpDir(Model):
    enabled: bool = True
    size_limit: Size = "100Mi"


class Scheduling(Model):
    node_selector: dict[str, str] = {}
    tolerations: list[dict[str, Any]] = []
    affinity: dict[str, Any] = {}
    topology_spread_constraints: list[dict[str, Any]] = []


class Build(Model):
    """How the source repository's CI builds the image (`mgctl ci source`)."""

    context: str | None = Field(
        default=None,
        description="Build context in the source repository (default services/<name>)",
    )
    dockerfile: str = Field(default="Dockerfile", description="Relative to the context")
    test_target: str | None = Field(
        default="test", description="Dockerfile stage that runs the tests; null: no test stage"
    )

    @field_validator("context", "dockerfile")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        if value is not None and (
            not value or value.startswith("/") or ".." in value.split("/") or "\\" in value
        ):
            raise ValueError(
                f"{value!r} must be a relative path inside the source repository, e.g. services/api"
            )
        return value.rstrip("/") if value else value


class Service(Model):
    name: Name
    image: Image
    port: int = Field(default=8080, ge=1, le=65535)
    extra_ports: list[ContainerPort] = Field(
        default=[], description="More named ports of the main container, e.g. metrics"
    )
    replicas: int = Field(default=1, ge=0)
    environment: str | None = Field(
        default=None,
        description="Doppler environment for this service; default: project.environment",
    )
    spring_profile: str = "kubernetes"
    resources: Resources = Resources()
    probes: Probes = Probes()
    env: dict[EnvName, str] = {}
    secrets: dict[EnvName, str] = Field(
        default={}, description="Environment variable name -> Doppler secret key"
    )
    database: Name | None = Field(
        default=None,
        description="Database this service uses: DB_* env, credentials and egress are derived",
    )
    sidecars: list[Sidecar] = []
    ingress: Ingress | None = None
    egress: Egress = Egress()
    allow_from: list[Name] = Field(
        default=[],
        description="More namespaces allowed to call this service (traefik is implied by ingress)",
    )
    autoscaling: Autoscaling = Autoscaling()
    pdb: Pdb = Pdb()
    metrics: Metrics = Metrics()
    tmp_dir: TmpDir = TmpDir()
    volumes: list[dict[str, Any]] = []
    volume_mounts: list[dict[str, Any]] = []
    scheduling: Scheduling = Scheduling()
    build: Build | None = Field(
        default=Build(),
        description="Source-repository CI of the image; null: built elsewhere (no workflow)",
    )
