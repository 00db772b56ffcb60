"""The bootstrap Secrets step: only missing or incomplete Secrets, values on stdin only."""

from __future__ import annotations

from dataclasses import dataclass

from mgctl.cluster.kubectl import Kubectl
from mgctl.cluster.plan import PlannedObject, PlanStep
from mgctl.cluster.secrets import BootstrapSecret, SecretResolver
from mgctl.cluster.steps import Observation, Say, Step, apply_cmd


@dataclass
class SecretsStep(Step):
    kubectl: Kubectl
    secrets: list[BootstrapSecret]
    resolver: SecretResolver
    key: str = "secrets"
    title: str = "Bootstrap Secrets (values via kubectl stdin only)"
    why: str = (
        "External Secrets needs the Doppler token and Argo CD needs git credentials "
        "before anything can be pulled from Doppler or git"
    )

    def planned(self) -> PlanStep:
        objects = [PlannedObject("Secret", s.name, s.namespace, s.describe()) for s in self.secrets]
        commands = [
            apply_cmd(
                self.kubectl,
                f"Secret {s.namespace}/{s.name} (values never shown)",
                "only if missing or incomplete",
            )
            for s in self.secrets
        ]
        return self._plan(commands, objects)

    def missing(self) -> list[tuple[BootstrapSecret, str]]:
        """Secrets absent or not as bootstrap would write them: a key missing, a label or a
        plain (non-secret) value such as a repository URL different. Values of secret keys
        are never read."""
        out = []
        for secret in self.secrets:
            shape = self.kubectl.secret_shape(secret.name, secret.namespace, tuple(secret.plain))
            if shape is None:
                out.append((secret, "missing"))
                continue
            lacking = [k for k in secret.keys if k not in shape.keys]
            wrong = [k for k, v in secret.labels.items() if shape.labels.get(k) != v]
            differ = [k for k, v in secret.plain.items() if shape.plain.get(k) != v]
            if lacking or wrong or differ:
                parts = [
                    *([f"keys missing {lacking}"] if lacking else []),
                    *([f"labels differ {wrong}"] if wrong else []),
                    *([f"{k} is {shape.plain.get(k)!r}, want {secret.plain[k]!r}" for k in differ]),
                ]
                out.append((secret, "; ".join(parts)))
        return out

    def missing_names(self) -> frozenset[str]:
        return frozenset(secret.name for secret, _ in self.missing())

    def observe(self) -> Observation:
        missing = self.missing()
        if not missing:
            return Observation(True, f"{len(self.secrets)} Secrets present with their keys")
        return Observation(False, "; ".join(f"{s.namespace}/{s.name}: {why}" for s, why in missing))

    def apply(self, say: Say) -> None:
        for secret, _ in self.missing():
            values = {item.key: self.resolver.value(item) for item in secret.values}
            self.kubectl.apply([secret.manifest(values)], secrets=secret.redactions(values))
            say(f"Secret {secret.namespace}/{secret.name} applied (keys {', '.join(secret.keys)})")
