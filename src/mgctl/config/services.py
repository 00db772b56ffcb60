"""A microservice: what becomes one chart under mg-deploy/services/<name>/."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, JsonValue, field_validator, model_validator
from pydantic.json_schema import WithJsonSchema

from mgctl.config import library_values, units
from mgctl.config.base import (
    IMAGE_REFERENCE,
    REPOSITORY,
    TAG,
    Cpu,
    EnvName,
    Hostname,
    Model,
    Name,
    PortName,
    RepoPath,
    ServiceName,
    Size,
)

ENV_MAP: dict[str, JsonValue] = {"additionalProperties": False}
# checked by library_values.problems (in the model validators, for their paths and lines)
LibraryValues = Annotated[dict[str, Any], WithJsonSchema(library_values.editor_schema())]


class ResourceAmounts(Model):
    cpu: Cpu
    memory: Size


class Resources(Model):
    requests: ResourceAmounts = ResourceAmounts(cpu="100m", memory="256Mi")
    limits: ResourceAmounts = ResourceAmounts(cpu="500m", memory="512Mi")

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> Resources:
        """The API server refuses a container whose limit is below its request."""
        low = []
        if units.parse_cpu(self.limits.cpu) < units.parse_cpu(self.requests.cpu):
            low.append(f"limits.cpu {self.limits.cpu} is below requests.cpu {self.requests.cpu}")
        if units.parse_bytes(self.limits.memory) < units.parse_bytes(self.requests.memory):
            low.append(
                f"limits.memory {self.limits.memory} is below requests.memory "
                f"{self.requests.memory}"
            )
        if low:
            raise ValueError(
                "; ".join(low) + ": Kubernetes refuses a limit below its request; raise the "
                "limit or lower the request"
            )
        return self


# The tag schemes an allow-tags pattern is derived from (image.tag -> Image Updater allowTags).
TAG_SCHEMES = (("v1.2.3", r"^v\d+\.\d+\.\d+$"), ("1.2.3", r"^\d+\.\d+\.\d+$"))
# Python `re` constructs Go's RE2 refuses (regexp/syntax: no lookaround, no backreferences).
RE2_UNSUPPORTED = (
    ("(?=", "a lookahead"),
    ("(?!", "a negative lookahead"),
    ("(?<=", "a lookbehind"),
    ("(?<!", "a negative lookbehind"),
    ("(?P=", "a backreference"),
)


PRERELEASE = r"(-[0-9A-Za-z.-]+)?"
SCHEME_TAG = re.compile(r"^v?\d+\.\d+\.\d+" + PRERELEASE + "$")  # either scheme
# What Image Updater's semver strategy can parse: Masterminds/semver v3.4 NewVersion (loose:
# optional v, minor and patch, leading zeros coerced); it skips every other tag
# (registry-scanner/pkg/image/version.go GetNewestVersionFromTags).
LOOSE_SEMVER = re.compile(
    r"^v?\d+(\.\d+)?(\.\d+)?(?P<pre>-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
UpdateStrategy = Literal["semver", "newest-build", "alphabetical"]


def tag_scheme(tag: str | None) -> str | None:
    """The allow-tags pattern of the scheme `tag` follows, or None. A pre-release
    (v1.3.0-rc.1) follows its release's scheme: the pattern admits stable releases only, so
    Image Updater moves such a service on to the next release of that scheme."""
    if tag is None:
        return None
    return next(
        (p for _, p in TAG_SCHEMES if re.match(p.removesuffix("$") + PRERELEASE + "$", tag)),
        None,
    )


class Image(Model):
    model_config = ConfigDict(
        json_schema_extra={
            # without allowTags, the tag follows a scheme allow-tags are derived from
            "if": {"not": {"required": ["allowTags"]}},
            "then": {
                "properties": {
                    "tag": {"anyOf": [{"type": "null"}, {"pattern": SCHEME_TAG.pattern}]}
                }
            },
        }
    )

    repository: str = Field(
        json_schema_extra={"pattern": REPOSITORY.pattern},
        description="Repository without tag, e.g. shykhov/mg.engine",
    )
    tag: str | None = Field(
        default=None,
        json_schema_extra={
            "type": ["string", "null"],
            "pattern": r"^(?!latest$)" + TAG.pattern.removeprefix("^"),
        },
        description="Initial tag; the image updater manages it afterwards. Never 'latest'.",
    )
    allow_tags: str | None = Field(
        default=None,
        json_schema_extra={"pattern": r"^(?!.*\(\?(=|!|<=|<!|P=))"},
        description="The tags Image Updater may roll out, a regular expression (RE2); default "
        "from the tag's scheme: v1.2.3 -> ^v\\d+\\.\\d+\\.\\d+$, 1.2.3 -> "
        "^\\d+\\.\\d+\\.\\d+$",
    )

    update_strategy: UpdateStrategy = Field(
        default="semver",
        description="How Image Updater picks among the allowed tags: semver (the highest "
        "version; pre-releases never), newest-build (the most recently built), alphabetical",
    )

    @property
    def allow_tags_pattern(self) -> str:
        """The allow-tags regular expression Image Updater (and the release workflow) uses."""
        if self.allow_tags is not None:
            return self.allow_tags
        return tag_scheme(self.tag) or TAG_SCHEMES[0][1]

    @field_validator("allow_tags")
    @classmethod
    def _re2_pattern(cls, value: str | None) -> str | None:
        if value is None:
            return None
        for construct, name in RE2_UNSUPPORTED:
            if construct in value:
                raise ValueError(
                    f"{value!r} uses {name} ({construct}), which Go's RE2 (Image Updater) "
                    "does not support"
                )
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _tag_is_allowed(self) -> Image:
        """A tag Image Updater's filter refuses is never updated, without a word."""
        if self.tag is None:
            return self
        if self.allow_tags is None and tag_scheme(self.tag) is None:
            raise ValueError(
                f"tag: {self.tag!r} is neither v1.2.3 nor 1.2.3, the schemes Image Updater's "
                "allow-tags are derived from, so it would never be updated: use a semantic "
                "version tag, or give image.allowTags (a regular expression the tags match, "
                "e.g. '^\\d{8}-[0-9a-f]{7}$', with updateStrategy: newest-build)"
            )
        if self.allow_tags is not None and not re.search(self.allow_tags, self.tag):
            raise ValueError(
                f"tag: {self.tag!r} does not match allowTags {self.allow_tags!r}: Image "
                "Updater would never move it; fix one of them"
            )
        version = LOOSE_SEMVER.match(self.tag)
        # with allowTags given, the tag shows what it admits; a derived pattern admits
        # releases only, whatever pre-release the service starts from
        prerelease = self.allow_tags is not None and version is not None and version["pre"]
        if self.update_strategy == "semver" and (version is None or prerelease):
            what = "a pre-release" if prerelease else "not a version"
            raise ValueError(
                f"updateStrategy: semver never picks a tag that is {what}, such as "
                f"{self.tag!r} (Image Updater skips unparsable tags and its default constraint "
                "excludes pre-releases), so nothing would ever be rolled out: set "
                "updateStrategy: newest-build (the most recently built tag allowTags admits) "
                "or alphabetical"
            )
        return self

    @field_validator("repository")
    @classmethod
    def _no_tag_in_repository(cls, value: str) -> str:
        return cls.check_repository(value)

    @field_validator("tag", mode="plain")
    @classmethod
    def _pinned_tag(cls, value: object) -> str | None:
        return cls.check_tag(value)

    @staticmethod
    def check_repository(value: str) -> str:
        last = value.rsplit("/", 1)[-1]
        if ":" in last or "@" in last:
            raise ValueError(
                f"{value!r} includes a tag or digest; put the repository here "
                "and the tag in image.tag"
            )
        if not REPOSITORY.match(value):
            raise ValueError(
                f"{value!r} is not an image repository: lowercase path components "
                "(a-z, 0-9, '.', '_', '-') separated by '/', e.g. ghcr.io/acme/api"
            )
        return value

    @staticmethod
    def check_tag(value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError(
                f'tag {value!r} is not a string: YAML read a number; quote it ("{value}")'
            )
        if value in ("", "latest"):
            raise ValueError(
                f"tag {value!r} is not reproducible; use a version tag such as v1.2.3, or omit it "
                "and let the image updater set it"
            )
        if not TAG.match(value):
            raise ValueError(
                f"tag {value!r} is not an image tag: up to 128 of A-Z a-z 0-9 '_' '.' '-', "
                "not starting with '.' or '-'"
            )
        return value


ProbeType = Literal["httpGet", "tcpSocket", "grpc", "exec"]


def _of_type(*types: str) -> dict[str, JsonValue]:
    """JSON Schema: the probe's type is one of `types` (an absent type is httpGet)."""
    rule: dict[str, JsonValue] = {"properties": {"type": {"enum": list(types)}}}
    return rule if "httpGet" in types else {**rule, "required": ["type"]}


def _only_for(field: str, probe_type: str) -> dict[str, JsonValue]:
    return {"if": {"not": _of_type(probe_type)}, "then": {"not": {"required": [field]}}}


# The editor schema's copy of Probe._fields_of_its_type.
_PROBE_HANDLER_RULES: list[JsonValue] = [
    {"if": _of_type("exec"), "then": {"required": ["command"]}},
    _only_for("command", "exec"),
    _only_for("service", "grpc"),
    _only_for("path", "httpGet"),
    {
        "if": _of_type("grpc"),
        "then": {"properties": {"port": {"anyOf": [{"type": "integer"}, {"const": "http"}]}}},
    },
]
# A worker's liveness probe is given: exec, grpc or tcpSocket, or off (Service._port_rules).
_WORKER_LIVENESS: dict[str, JsonValue] = {
    "required": ["probes"],
    "properties": {
        "ingress": {"type": "null"},
        "probes": {
            "required": ["liveness"],
            "properties": {
                "liveness": {
                    "anyOf": [
                        {"properties": {"enabled": {"const": False}}, "required": ["enabled"]},
                        _of_type("exec", "grpc", "tcpSocket"),
                    ]
                }
            },
        },
    },
}


class Probe(Model):
    """One kubelet probe of the main container: an HTTP GET, a TCP connect, a gRPC health
    check or a command (exec)."""

    model_config = ConfigDict(json_schema_extra={"allOf": _PROBE_HANDLER_RULES})

    enabled: bool = True
    type: ProbeType = "httpGet"
    path: str | None = Field(default=None, description="httpGet only")
    port: PortName | int = Field(
        default="http",
        description="A port name of the main container or a number; grpc takes a number "
        "('http' = the service's port)",
    )
    command: list[str] | None = Field(
        default=None, min_length=1, description="exec only: the command the kubelet runs"
    )
    service: str | None = Field(default=None, description="grpc only: the health service name")
    initial_delay_seconds: int | None = Field(default=None, ge=0)
    period_seconds: int | None = Field(default=None, ge=1)
    timeout_seconds: int | None = Field(default=None, ge=1)
    failure_threshold: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _fields_of_its_type(self) -> Probe:
        """The kubelet reads only the handler of the probe's type; a field of another handler
        would be silently ignored."""
        if self.type == "exec" and not self.command:
            raise ValueError(
                "command: an exec probe needs the command to run, e.g. command: [/app/healthcheck]"
            )
        misplaced = [
            key
            for key, used_by in (("command", "exec"), ("service", "grpc"), ("path", "httpGet"))
            if getattr(self, key) is not None and self.type != used_by
        ]
        if misplaced:
            raise ValueError(
                f"{misplaced[0]}: only a probe of type "
                f"{dict(command='exec', service='grpc', path='httpGet')[misplaced[0]]} uses it "
                f"(this one is {self.type}); remove it or change the type"
            )
        if self.type == "grpc" and isinstance(self.port, str) and self.port != "http":
            raise ValueError(
                f"port: a grpc probe takes a port number, not the name {self.port!r} (Kubernetes "
                "GRPCAction.port is an integer)"
            )
        return self


class Probes(Model):
    """Defaults are the seed's Spring Boot actuator endpoints. A service without a port (a
    worker) has no actuator: its readiness and startup probes are off unless given, and its
    liveness probe must be given (exec, grpc or tcpSocket)."""

    liveness: Probe = Probe(path="/actuator/health/liveness")
    readiness: Probe = Probe(path="/actuator/health/readiness")
    startup: Probe = Probe(path="/actuator/health/liveness", failure_threshold=30)


class ContainerPort(Model):
    name: PortName
    port: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"


class Sidecar(Model):
    name: Name
    image: str = Field(
        json_schema_extra={
            "pattern": r"^(?!.*:latest(@|$))(?=[^:@]*(/[^:@/]*)*[:@][^/]*$)"
            + IMAGE_REFERENCE.pattern.removeprefix("^")
        },
        description="Full image reference with a pinned tag",
    )
    ports: list[ContainerPort] = []
    env: dict[EnvName, str] = Field(default={}, json_schema_extra=ENV_MAP)
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
        if "@" not in name and (":" not in name or name.endswith(":latest")):
            raise ValueError(
                f"{value!r} has no pinned tag; write e.g. {value.split(':')[0]}:v1.0.0"
            )
        if not IMAGE_REFERENCE.match(value):
            raise ValueError(
                f"{value!r} is not an image reference: [registry/]lowercase/path:tag"
                "[@sha256:digest]"
            )
        return value


class Ingress(Model):
    host: Hostname
    paths: list[str] = Field(default=["/"], json_schema_extra={"items": {"pattern": "^/"}})
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
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {"enabled": {"const": True}},
                "required": ["enabled"],
                "not": {"required": ["minAvailable"]},
            },
            "then": {"properties": {"maxUnavailable": {"minimum": 1}}},
        }
    )

    enabled: bool = False
    min_available: int | None = Field(default=None, ge=0)
    max_unavailable: int | None = Field(default=1, ge=0)


class Metrics(Model):
    """Prometheus scraping through a ServiceMonitor. A service without a port scrapes an
    extraPorts port (or has metrics off, its default)."""

    enabled: bool = True
    path: str = "/actuator/prometheus"
    port: PortName = Field(default="http", description="'http' or the name of an extraPorts port")
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

    context: RepoPath | None = Field(
        default=None,
        description="Build context in the source repository (default services/<name>)",
    )
    dockerfile: RepoPath = Field(default="Dockerfile", description="Relative to the context")
    test_target: str | None = Field(
        default="test", description="Dockerfile stage that runs the tests; null: no test stage"
    )


class Service(Model):
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"port": {"type": "null"}}, "required": ["port"]},
            "then": _WORKER_LIVENESS,
        }
    )

    name: ServiceName
    image: Image
    port: int | None = Field(
        default=8080,
        ge=1,
        le=65535,
        description="The main container's port 'http' (Service, probes, ingress); null: a "
        "worker with no port, no Service and no ingress",
    )
    command: list[str] | None = Field(
        default=None, description="The main container's command (the image's ENTRYPOINT)"
    )
    args: list[str] | None = Field(
        default=None, description="The main container's arguments (the image's CMD)"
    )
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
    env: dict[EnvName, str] = Field(default={}, json_schema_extra=ENV_MAP)
    secrets: dict[EnvName, str] = Field(
        default={},
        json_schema_extra=ENV_MAP,
        description="Environment variable name -> Doppler secret key",
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
    values: LibraryValues = Field(
        default={},
        description="Raw mg-library values (docs/library-chart.md) deep-merged last over the "
        "generated values.yaml: maps merge key by key, lists and scalars replace",
    )

    @property
    def is_worker(self) -> bool:
        """No port: nothing connects to it (a Kafka consumer, a scheduler)."""
        return self.port is None

    def _worker_defaults(self) -> None:
        """The actuator defaults assume an HTTP port; a worker gets readiness, startup and
        metrics off unless the file gives them (its liveness probe must be given)."""
        given = self.probes.model_fields_set if "probes" in self.model_fields_set else set()
        off = {kind: Probe(enabled=False) for kind in ("readiness", "startup") if kind not in given}
        if off:
            self.probes = self.probes.model_copy(update=off)
        if "metrics" not in self.model_fields_set:
            self.metrics = Metrics(enabled=False)

    def _port_rules(self) -> list[str]:
        """Probes, metrics and ingress name ports the main container really has."""
        errors = []
        names = (["http"] if self.port is not None else []) + [p.name for p in self.extra_ports]
        listed = ", ".join(names) or "none"
        for kind in ("liveness", "readiness", "startup"):
            probe: Probe = getattr(self.probes, kind)
            if not probe.enabled:
                continue
            if self.is_worker and kind == "liveness" and probe.type == "httpGet":
                errors.append(
                    "probes.liveness: a service without a port (port: null) has no 'http' for "
                    "the default HTTP GET: give probes.liveness {type: exec, command: [...]} "
                    "(or grpc/tcpSocket on an extraPorts port), or enabled: false to run "
                    "without one"
                )
            elif self.is_worker and probe.type == "grpc" and probe.port == "http":
                errors.append(
                    f"probes.{kind}.port: a service without a port has no 'http' for the grpc "
                    "probe: give the port number it serves gRPC health on"
                )
            elif (
                probe.type in ("httpGet", "tcpSocket")
                and isinstance(probe.port, str)
                and probe.port not in names
            ):
                errors.append(
                    f"probes.{kind}.port: the main container has no port named "
                    f"{probe.port!r} (its ports: {listed}); the kubelet would fail the "
                    "probe forever: name one of them or give a number"
                )
        if self.metrics.enabled and self.metrics.port not in names:
            errors.append(
                f"metrics.port: the main container has no port named {self.metrics.port!r} "
                f"(its ports: {listed}): name an extraPorts port, e.g. metrics, or set "
                "metrics.enabled: false"
            )
        if self.is_worker and self.ingress is not None:
            errors.append(
                "ingress: a service without a port (port: null) has nothing to route to: give "
                "it a port or remove the ingress"
            )
        return errors

    @model_validator(mode="after")
    def _pod_rules(self) -> Service:
        """What the API server and the eviction API apply to the one pod of this service."""
        if self.is_worker:
            self._worker_defaults()
        errors: list[str] = self._port_rules() + library_values.problems(self.values)
        both = sorted(set(self.env) & set(self.secrets))
        if both:
            errors.append(
                f"secrets: {', '.join(both)} also set in env; a container gets one value per "
                "variable (env would silently win): keep one"
            )
        containers = [self.name] + [s.name for s in self.sidecars]
        for name in sorted({n for n in containers if containers.count(n) > 1}):
            errors.append(
                f"sidecars: container name {name!r} is used twice in the pod (the main "
                "container is named after the service); rename the sidecar"
            )
        ports = [("http", self.port)] if self.port is not None else []
        ports += [(p.name, p.port) for p in self.extra_ports]
        ports += [(p.name, p.port) for s in self.sidecars for p in s.ports]
        numbers = [number for _, number in ports]
        for number in sorted({n for n in numbers if numbers.count(n) > 1}):
            errors.append(f"port: port {number} is used by more than one container of the pod")
        names = [name for name, _ in ports]
        for name in sorted({n for n in names if names.count(n) > 1}):
            errors.append(
                f"extraPorts: port name {name!r} is used twice in the pod "
                "('http' is the main port); rename one"
            )
        if self.pdb.enabled:
            replicas = self.autoscaling.min_replicas if self.autoscaling.enabled else self.replicas
            if self.pdb.min_available is not None and self.pdb.min_available >= replicas:
                errors.append(
                    f"pdb.minAvailable: {self.pdb.min_available} of {replicas} replica(s) must "
                    "stay up, so no pod can ever be evicted and node drains hang; lower it "
                    "below the replica count or disable the PDB"
                )
            elif self.pdb.min_available is None and self.pdb.max_unavailable == 0:
                errors.append(
                    "pdb.maxUnavailable: 0 forbids every eviction, so node drains hang; "
                    "use 1 or disable the PDB"
                )
        if errors:
            raise ValueError("\n".join(errors))
        return self
