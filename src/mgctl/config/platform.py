"""The root of platform.yaml, its cross-field rules and the values derived from it."""

from __future__ import annotations

import difflib
from collections import Counter

from pydantic import Field, model_validator

from mgctl.config import names
from mgctl.config.base import Model
from mgctl.config.data import Database, Kafka, ObjectStore
from mgctl.config.operations import Backups, Observability
from mgctl.config.project import Auth, Cluster, GitRepositories, Project, Registry, Tailscale, Tls
from mgctl.config.services import Service


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
    def service_environment(self, service: Service) -> str:
        return service.environment or self.project.environment

    def database(self, name: str) -> Database:
        return next(d for d in self.databases if d.name == name)

    def service_databases(self, service: Service) -> list[Database]:
        names = dict.fromkeys(
            ([service.database] if service.database else []) + service.egress.databases
        )
        return [self.database(n) for n in names]

    @property
    def auth_service(self) -> Service | None:
        return next((s for s in self.services if s.name == "auth-service"), None)


def _name_collisions(platform: Platform) -> list[str]:
    """A service is a namespace and an Argo CD Application, a database an Application."""
    errors = []
    for i, service in enumerate(platform.services):
        owner = names.namespace_owner(service.name)
        if owner is not None:
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


def _auth_wiring(platform: Platform) -> list[str]:
    """Traefik's ForwardAuth middleware calls the auth-service; it must exist and listen."""
    errors = []
    auth_index = next(
        (i for i, s in enumerate(platform.services) if s.name == names.AUTH_SERVICE), None
    )
    if auth_index is None:
        for i, service in enumerate(platform.services):
            if service.ingress and service.ingress.auth == "required":
                errors.append(
                    f"services[{i}].ingress.auth: 'required' sends every request through "
                    f"Traefik's ForwardAuth to the {names.AUTH_SERVICE} service, and there is "
                    f"none: add a service named {names.AUTH_SERVICE} (docs/auth-service.md) or "
                    "set auth: public"
                )
        return errors
    service = platform.services[auth_index]
    if service.port != names.AUTH_SERVICE_PORT:
        errors.append(
            f"services[{auth_index}].port: Traefik's ForwardAuth calls {names.AUTH_SERVICE} on "
            f"port {names.AUTH_SERVICE_PORT}; set port: {names.AUTH_SERVICE_PORT}"
        )
    if platform.auth is None:
        errors.append(
            f"services[{auth_index}]: {names.AUTH_SERVICE} needs the top-level auth section "
            "(tenant, audience, rules) to verify tokens; add it"
        )
    return errors
