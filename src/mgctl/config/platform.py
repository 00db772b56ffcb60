"""The root of platform.yaml, its cross-field rules and the values derived from it."""

from __future__ import annotations

import difflib
from collections import Counter

from pydantic import Field, model_validator

from mgctl import catalog
from mgctl.config import names
from mgctl.config.base import Model
from mgctl.config.components import (
    ComponentOverride,
    component_errors,
    components_schema,
)
from mgctl.config.components import table as components_table
from mgctl.config.data import Database, Kafka, ObjectStore
from mgctl.config.operations import Backups, Observability
from mgctl.config.project import (
    Auth,
    AuthRule,
    AuthService,
    AuthServiceImage,
    Cluster,
    GitRepositories,
    Project,
    Registry,
    Tailscale,
    Tls,
)
from mgctl.config.services import (
    ContainerPort,
    Egress,
    Image,
    Metrics,
    Pdb,
    Probe,
    Probes,
    Service,
)


def did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class Platform(Model):
    project: Project = Project()
    git: GitRepositories
    registry: Registry = Registry()
    cluster: Cluster
    tls: Tls
    auth: Auth | None = None
    tailscale: Tailscale = Tailscale()
    object_store: ObjectStore = ObjectStore()
    observability: Observability = Observability()
    backups: Backups = Backups()
    kafka: Kafka = Kafka()
    databases: list[Database] = []
    services: list[Service] = Field(default=[], description="The team's microservices")
    components: dict[str, ComponentOverride] = Field(
        default={},
        json_schema_extra=components_schema(),
        description="Overrides of the platform's chart components, by name: "
        + ", ".join(sorted(components_table())),
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Platform:
        errors: list[str] = []
        for label, used in (
            ("services", [s.name for s in self.services]),
            ("databases", [d.name for d in self.databases]),
            ("kafka.topics", [t.name for t in self.kafka.topics]),
            ("cluster.nodes", [n.name for n in self.cluster.nodes]),
        ):
            for name, count in Counter(used).items():
                if count > 1:
                    errors.append(
                        f"{label}: name {name!r} is used {count} times; names must be unique"
                    )
        db_names = [d.name for d in self.databases]
        for i, service in enumerate(self.services):
            wanted = ([service.database] if service.database else []) + service.egress.databases
            for db in wanted:
                if db not in db_names:
                    field = "database" if db == service.database else "egress.databases"
                    errors.append(
                        f"services[{i}].{field}: database {db!r} is not in databases"
                        f"{did_you_mean(db, db_names)}"
                    )
            env = service.environment or self.project.environment
            if env not in self.project.environments:
                errors.append(
                    f"services[{i}].environment: environment {env!r} is not in "
                    f"project.environments{did_you_mean(env, list(self.project.environments))}"
                )
            if service.egress.kafka and not self.kafka.enabled:
                errors.append(f"services[{i}].egress.kafka: egress.kafka needs kafka.enabled")
            ports = [service.port] if service.port is not None else []
            ports += [p.port for s in service.sidecars for p in s.ports]
            for port, count in Counter(ports).items():
                if count > 1:
                    errors.append(
                        f"services[{i}].port: port {port} is used by more than one "
                        "container of the pod"
                    )
        errors += _name_collisions(self)
        errors += _auth_wiring(self)
        errors += component_errors(self)
        if not errors:  # the rule reads databases and environments the checks above verified
            errors += _database_environments(self)
        hosts = [s.ingress.host for s in self.services if s.ingress]
        for host, count in Counter(hosts).items():
            if count > 1:
                last = max(
                    i for i, s in enumerate(self.services) if s.ingress and s.ingress.host == host
                )
                errors.append(
                    f"services[{last}].ingress.host: ingress host {host!r} is used by "
                    f"{count} services"
                )
        if errors:
            raise ValueError("\n".join(errors))
        return self

    # Derived values: computed here once so every generator agrees.
    def component(self, name: str) -> ComponentOverride:
        return self.components.get(name) or ComponentOverride()

    def component_enabled(self, name: str) -> bool:
        return self.component(name).enabled

    def service_environment(self, service: Service) -> str:
        return service.environment or self.project.environment

    def database(self, name: str) -> Database:
        return next(d for d in self.databases if d.name == name)

    def database_users(self, db: Database) -> list[Service]:
        """The services that use the database (`database` or `egress.databases`)."""
        return [s for s in self.services if db in self.service_databases(s)]

    def database_environment(self, db: Database) -> str:
        """The Doppler environment the database's owner credentials come from: that of the
        services using it (one, by the rule in `_database_environments`), else the
        cluster's own."""
        users = self.database_users(db)
        return self.service_environment(users[0]) if users else self.project.environment

    def service_databases(self, service: Service) -> list[Database]:
        names = dict.fromkeys(
            ([service.database] if service.database else []) + service.egress.databases
        )
        return [self.database(n) for n in names]

    @property
    def auth_service(self) -> Service | None:
        """The auth-service mgctl runs when `auth` is configured (never one of `services`)."""
        return None if self.auth is None else builtin_auth_service(self.auth.service)

    @property
    def deployed_services(self) -> list[Service]:
        """Every chart under mg-deploy/services: the team's services, then the auth-service."""
        auth = self.auth_service
        return [*self.services, *([auth] if auth is not None else [])]


def _name_collisions(platform: Platform) -> list[str]:
    """A service is a namespace and an Argo CD Application, a database an Application."""
    errors = []
    for i, service in enumerate(platform.services):
        owner = names.namespace_owner(service.name)
        if service.name == names.AUTH_SERVICE:
            errors.append(
                f"services[{i}]: mgctl now runs the {names.AUTH_SERVICE} itself whenever the "
                "auth section is given (pinned image, config from auth, 2 replicas): remove "
                "this entry, and move replicas, resources or image to auth.service "
                "(docs/deviations.md, migrating)"
            )
        elif owner is not None:
            errors.append(
                f"services[{i}].name: {service.name!r} is a namespace the platform uses ({owner}); "
                "each service gets the namespace of its name, so choose another, "
                f"e.g. '{service.name}-app'"
            )
        elif names.application_taken(service.name):
            errors.append(
                f"services[{i}].name: {service.name!r} is the name of a platform Argo CD "
                f"Application; choose another, e.g. '{service.name}-app'"
            )
    service_names = {s.name for s in platform.services}
    for i, db in enumerate(platform.databases):
        if names.application_taken(db.name):
            errors.append(
                f"databases[{i}].name: {db.name!r} is the name of a platform Argo CD "
                f"Application; choose another, e.g. 'postgres-{db.name}'"
            )
        if db.name in service_names:
            errors.append(
                f"databases[{i}].name: {db.name!r} is also a service's name; both become Argo "
                f"CD Applications of that name in argocd: rename one, e.g. 'postgres-{db.name}'"
            )
    return errors


def _database_environments(platform: Platform) -> list[str]:
    """A service reads the database's credentials from the store of its own environment, and
    the database's owner secret is made from one store: every user must be in that one."""
    errors = []
    for i, db in enumerate(platform.databases):
        by_env: dict[str, list[str]] = {}
        for service in platform.database_users(db):
            by_env.setdefault(platform.service_environment(service), []).append(service.name)
        if len(by_env) > 1:
            shown = "; ".join(f"{env}: {', '.join(names)}" for env, names in sorted(by_env.items()))
            errors.append(
                f"databases[{i}]: {db.name} is used by services of different environments "
                f"({shown}); its owner credentials come from one environment's Doppler store "
                "and a service reads them from its own: give each environment its own database"
            )
    return errors


def builtin_auth_service(settings: AuthService) -> Service:
    """The auth-service as one more service chart: mg_auth's ports (8080 for Traefik's
    ForwardAuth, 9100 metrics), its probes (/healthz, /readyz), egress to the Auth0 JWKS,
    callable from Traefik only, a PDB; the pinned image unless auth.service.image is given.
    The config file, UID/GID 65532 and pod spreading are added by the renderer
    (render/auth_service_config.py)."""
    pin = catalog.image(names.AUTH_SERVICE)
    image = settings.image or AuthServiceImage(repository=pin.repository, tag=pin.tag)
    return Service(
        name=names.AUTH_SERVICE,
        image=Image(repository=image.repository, tag=image.tag),
        port=names.AUTH_SERVICE_PORT,
        extra_ports=[ContainerPort(name="metrics", port=names.AUTH_SERVICE_METRICS_PORT)],
        replicas=settings.replicas,
        spring_profile="",
        resources=settings.resources,
        probes=Probes(
            liveness=Probe(path="/healthz"),
            readiness=Probe(path="/readyz"),
            startup=Probe(path="/healthz", failure_threshold=30),
        ),
        metrics=Metrics(enabled=True, path="/metrics", port="metrics"),
        egress=Egress(external_https=True),  # the Auth0 JWKS
        allow_from=["traefik"],  # Traefik's ForwardAuth middleware calls /verify
        pdb=Pdb(enabled=True, max_unavailable=1),
        build=None,  # built and published by mgctl's own release workflow
        values=settings.values,
    )


def _auth_wiring(platform: Platform) -> list[str]:
    """Traefik's ForwardAuth middleware calls the auth-service mgctl runs for `auth`, whose
    rule table answers 403 to any request no rule covers."""
    errors = []
    for i, service in enumerate(platform.services):
        ingress = service.ingress
        if ingress is None or ingress.auth != "required":
            continue
        if platform.auth is None:
            errors.append(
                f"services[{i}].ingress.auth: 'required' sends every request through Traefik's "
                f"ForwardAuth to the {names.AUTH_SERVICE}, which mgctl runs only when the "
                "top-level auth section is given: add auth (tenant, audience, rules; "
                "docs/auth-service.md) or set ingress.auth: public"
            )
            continue
        for j, path in enumerate(ingress.paths):
            if not any(_rule_covers(rule, ingress.host, path) for rule in platform.auth.rules):
                where = "host" if path == "/" else f"paths[{j}]"
                errors.append(
                    f"services[{i}].ingress.{where}: no auth.rules entry covers "
                    f"{ingress.host}{path}, so the auth-service answers 403 to every request "
                    f"there: add one to auth.rules, e.g. {{ name: {service.name}, host: "
                    f"{ingress.host}, pathPrefix: {path.rstrip('/') or '/'}, auth: "
                    "authenticated }, or set ingress.auth: public"
                )
    return errors


def _rule_covers(rule: AuthRule, host: str, path: str) -> bool:
    """Whether requests routed by PathPrefix(path) on host can match the rule (mg_auth
    rules.py: exact host or `*.suffix`, segment-boundary path prefix). A preflight rule only
    answers CORS preflights, so it covers no real request."""
    if rule.auth == "preflight":
        return False
    if rule.host.startswith("*."):
        suffix = rule.host[1:]
        if not (host.endswith(suffix) and len(host) > len(suffix)):
            return False
    elif rule.host != host:
        return False
    prefix = rule.path_prefix
    return prefix == "/" or path == prefix or path.startswith(prefix + "/")
