"""The root of platform.yaml, its cross-field rules and the values derived from it."""

from __future__ import annotations

import difflib
from collections import Counter

from pydantic import Field, model_validator

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
        for label, names in (
            ("services", [s.name for s in self.services]),
            ("databases", [d.name for d in self.databases]),
            ("kafka.topics", [t.name for t in self.kafka.topics]),
            ("cluster.nodes", [n.name for n in self.cluster.nodes]),
        ):
            for name, count in Counter(names).items():
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
            ports = [service.port] + [p.port for s in service.sidecars for p in s.ports]
            for port, count in Counter(ports).items():
                if count > 1:
                    errors.append(
                        f"services[{i}].port: port {port} is used by more than one "
                        "container of the pod"
                    )
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
