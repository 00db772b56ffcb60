"""Bootstrap's imperative steps. Each one reads the cluster to decide whether it is done.

State lives only in the cluster: a step is skipped when the cluster already holds what it
would create, so a re-run is a no-op and a run interrupted anywhere resumes at the first step
that is not done. After applying, a step observes again and fails loudly if still not done.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from mgctl.cluster.helm import Helm, HelmRelease
from mgctl.cluster.kubectl import Kubectl, ResourceTypeMissing, apply_argv_tail
from mgctl.cluster.plan import PlannedCommand, PlannedObject, PlanStep
from mgctl.cluster.rendered import Crd
from mgctl.cluster.secrets import BootstrapSecret, SecretResolver
from mgctl.cluster.waiting import APPLICATIONS, Waiter

CRDS = "customresourcedefinitions.apiextensions.k8s.io"
PSS_PREFIX = "pod-security.kubernetes.io/"
_CRD_FIELDS = (
    '{{define "crd"}}crd {{.metadata.name}}{{"\\n"}}'
    '{{range .spec.versions}}{{if .served}}served {{.name}}{{"\\n"}}{{end}}{{end}}'
    '{{range .status.conditions}}{{if eq .type "Established"}}Established {{.status}} '
    '{{.message}}{{"\\n"}}{{end}}{{end}}{{end}}'
)
# one kubectl call for all CRDs, only the fields needed (each object is megabytes of schema);
# kubectl returns a List for several names and the object itself for one
CRD_FIELDS = (
    _CRD_FIELDS + '{{if .items}}{{range .items}}{{template "crd" .}}{{end}}'
    '{{else}}{{template "crd" .}}{{end}}'
)
Say = Callable[[str], None]


@dataclass(frozen=True)
class Observation:
    done: bool
    detail: str


class StepFailed(RuntimeError):
    pass


class Step(ABC):
    key: str
    title: str
    why: str
    fix: str = "fix the cause above, then re-run `mgctl bootstrap`: it resumes at this step"

    @abstractmethod
    def planned(self) -> PlanStep: ...

    @abstractmethod
    def observe(self) -> Observation: ...

    @abstractmethod
    def apply(self, say: Say) -> None: ...

    def _plan(self, commands: list[PlannedCommand], objects: list[PlannedObject]) -> PlanStep:
        return PlanStep(self.key, self.title, self.why, tuple(commands), tuple(objects))


def _apply_cmd(kubectl: Kubectl, stdin: str, note: str = "") -> PlannedCommand:
    return PlannedCommand(tuple(kubectl.argv(*apply_argv_tail())), stdin, note)


@dataclass
class NamespacesStep(Step):
    kubectl: Kubectl
    namespaces: list[dict[str, Any]]
    key: str = "namespaces"
    title: str = "Namespaces with Pod Security labels"
    why: str = "Pod Security must be enforced before the first pod; bootstrap Secrets need them"

    def planned(self) -> PlanStep:
        objects = []
        for ns in self.namespaces:
            labels = ns["metadata"].get("labels") or {}
            level = labels.get(f"{PSS_PREFIX}enforce", "unset")
            objects.append(
                PlannedObject(
                    "Namespace", ns["metadata"]["name"], None, f"pod-security enforce={level}"
                )
            )
        stdin = f"{len(self.namespaces)} Namespace manifests"
        return self._plan([_apply_cmd(self.kubectl, stdin)], objects)

    def observe(self) -> Observation:
        live = {n["metadata"]["name"]: n for n in self.kubectl.list_cluster("namespaces")}
        missing, drifted = [], []
        for ns in self.namespaces:
            name = ns["metadata"]["name"]
            if name not in live:
                missing.append(name)
                continue
            want = {
                k: v
                for k, v in (ns["metadata"].get("labels") or {}).items()
                if k.startswith(PSS_PREFIX)
            }
            have = live[name]["metadata"].get("labels") or {}
            if any(have.get(k) != v for k, v in want.items()):
                drifted.append(name)
        if not missing and not drifted:
            return Observation(True, f"{len(self.namespaces)} namespaces present with PSS labels")
        parts = ([f"missing: {', '.join(missing)}"] if missing else []) + (
            [f"PSS labels differ: {', '.join(drifted)}"] if drifted else []
        )
        return Observation(False, "; ".join(parts))

    def apply(self, say: Say) -> None:
        self.kubectl.apply(self.namespaces)


@dataclass
class CrdsStep(Step):
    kubectl: Kubectl
    crds: list[Crd]
    timeout: float = 120
    interval: float = 2
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    key: str = "crds"
    title: str = "CRDs Argo CD needs before it can sync (server-side apply, wait Established)"
    why: str = (
        "Argo CD's ApplicationSet CRD exceeds the 262 KB client-side apply limit; "
        "the root Application and its children are custom resources"
    )

    def planned(self) -> PlanStep:
        sources = sorted({c.source for c in self.crds})
        objects = [
            PlannedObject(
                "CustomResourceDefinition",
                c.name,
                None,
                f"{c.group}/{c.kind} {','.join(c.versions)}",
            )
            for c in self.crds
        ]
        wait = PlannedCommand(
            tuple(self.kubectl.argv(*self._read_args())),
            note=f"poll every {self.interval:.0f}s until each is Established "
            f"(timeout {self.timeout:.0f}s)",
        )
        stdin = f"{len(self.crds)} CRDs from {', '.join(sources)}"
        return self._plan([_apply_cmd(self.kubectl, stdin), wait], objects)

    def _read_args(self) -> list[str]:
        names = [c.name for c in self.crds]
        return ["get", CRDS, *names, "--ignore-not-found", "-o", f"go-template={CRD_FIELDS}"]

    def _live(self) -> dict[str, tuple[set[str], str]]:
        """CRD name -> (served versions, 'STATUS message' of Established) for existing CRDs."""
        out = self.kubectl.run(*self._read_args())
        live: dict[str, tuple[set[str], str]] = {}
        current = ""
        for line in out.splitlines():
            word, _, rest = line.partition(" ")
            if word == "crd":
                current = rest
                live[current] = (set(), "")
            elif word == "served" and current:
                live[current][0].add(rest)
            elif word == "Established" and current:
                live[current] = (live[current][0], rest)
        return live

    def _states(self) -> dict[str, str]:
        """CRD name -> '' when established with every wanted version, else why not."""
        live = self._live()
        states: dict[str, str] = {}
        for crd in self.crds:
            if crd.name not in live:
                states[crd.name] = "missing"
                continue
            served, established = live[crd.name]
            status, _, message = established.partition(" ")
            if status != "True":
                states[crd.name] = f"not Established ({message or 'no condition yet'})"
            elif not set(crd.versions) <= served:
                states[crd.name] = f"serves {sorted(served)}, want {list(crd.versions)}"
            else:
                states[crd.name] = ""
        return states

    def observe(self) -> Observation:
        bad = {n: s for n, s in self._states().items() if s}
        if not bad:
            return Observation(True, f"{len(self.crds)} CRDs Established")
        return Observation(False, "; ".join(f"{n}: {s}" for n, s in bad.items()))

    def apply(self, say: Say) -> None:
        self.kubectl.apply([c.body for c in self.crds])
        deadline = self.clock() + self.timeout
        while True:
            bad = {n: s for n, s in self._states().items() if s}
            if not bad:
                return
            if self.clock() >= deadline:
                raise StepFailed(
                    "CRDs not Established after "
                    f"{self.timeout:.0f}s: "
                    + "; ".join(f"{n}: {s}" for n, s in bad.items())
                    + f". Fix: `kubectl get crd NAME -o yaml` shows the conditions; {self.fix}"
                )
            self.sleep(self.interval)


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
            _apply_cmd(
                self.kubectl,
                f"Secret {s.namespace}/{s.name} (values never shown)",
                "only if missing or incomplete",
            )
            for s in self.secrets
        ]
        return self._plan(commands, objects)

    def missing(self) -> list[tuple[BootstrapSecret, str]]:
        out = []
        for secret in self.secrets:
            shape = self.kubectl.secret_shape(secret.name, secret.namespace)
            if shape is None:
                out.append((secret, "missing"))
                continue
            keys, labels = shape
            lacking = [k for k in secret.keys if k not in keys]
            wrong = [k for k, v in secret.labels.items() if labels.get(k) != v]
            if lacking or wrong:
                out.append((secret, f"keys missing {lacking}, labels differ {wrong}"))
        return out

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


def _normalized(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True))


@dataclass
class ArgoCdStep(Step):
    helm: Helm
    release: HelmRelease
    key: str = "argocd"
    title: str = "Argo CD via helm, same chart version and values as its own Application"
    why: str = (
        "a different version or values than the self-managing Application would make "
        "Argo CD fight itself after the first sync"
    )

    def planned(self) -> PlanStep:
        r = self.release
        obj = PlannedObject(
            "HelmRelease",
            r.name,
            r.namespace,
            f"chart {r.chart} {r.version} from {r.repo_url}; values {r.values_file.name}",
        )
        cmd = PlannedCommand(tuple(self.helm.argv(*self.helm.upgrade_install_args(r))))
        return self._plan([cmd], [obj])

    def observe(self) -> Observation:
        r = self.release
        status = self.helm.status(r.name, r.namespace)
        if status is None:
            return Observation(False, f"no helm release {r.namespace}/{r.name}")
        if status.status != "deployed":
            return Observation(False, f"release {r.name} is {status.status}")
        if status.chart_version != r.version:
            return Observation(False, f"release has chart {status.chart_version}, want {r.version}")
        want = _normalized(yaml.safe_load(r.values_file.read_text()) or {})
        if _normalized(self.helm.user_values(r.name, r.namespace)) != want:
            return Observation(False, f"release values differ from {r.values_file}")
        return Observation(True, f"release {r.name} deployed, chart {r.version}, same values")

    def apply(self, say: Say) -> None:
        r = self.release
        status = self.helm.status(r.name, r.namespace)
        if status is not None and status.status.startswith("pending-"):
            undo = (
                f"helm -n {r.namespace} uninstall {r.name}"
                if status.status == "pending-install"
                else f"helm -n {r.namespace} rollback {r.name}"
            )
            raise StepFailed(
                f"helm release {r.namespace}/{r.name} is {status.status} (an earlier run was "
                f"interrupted; helm refuses to upgrade it). Fix: `{undo}` (Argo CD's CRDs are "
                "kept), then re-run `mgctl bootstrap`"
            )
        say(f"helm upgrade --install {r.name} (waits for Argo CD to be ready)…")
        self.helm.upgrade_install(r)


def _contains(live: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(live, dict) and all(_contains(live.get(k), v) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(live, list)
            and len(live) == len(want)
            and all(_contains(a, b) for a, b in zip(live, want, strict=True))
        )
    return bool(live == want)


def _resource(doc: dict[str, Any]) -> str:
    """kubectl's fully qualified resource name for an Argo CD object."""
    group = str(doc.get("apiVersion", "")).rsplit("/", 1)[0]
    return f"{str(doc.get('kind')).lower()}s.{group}"


@dataclass
class RootAppStep(Step):
    kubectl: Kubectl
    docs: list[dict[str, Any]]  # bootstrap/root.yaml: the AppProject(s) and the root Application
    key: str = "root-app"
    title: str = "The root Application (app of apps) and its AppProject"
    why: str = "from here on Argo CD installs everything else from git, wave by wave"

    def planned(self) -> PlanStep:
        objects = []
        for doc in self.docs:
            spec = doc.get("spec") or {}
            detail = (
                f"{(spec.get('source') or {}).get('repoURL', '')} "
                f"path {(spec.get('source') or {}).get('path', '?')}"
                if doc.get("kind") == "Application"
                else ""
            )
            objects.append(
                PlannedObject(
                    str(doc.get("kind")),
                    doc["metadata"]["name"],
                    doc["metadata"].get("namespace", "argocd"),
                    detail,
                )
            )
        return self._plan([_apply_cmd(self.kubectl, "bootstrap/root.yaml")], objects)

    def observe(self) -> Observation:
        try:
            for doc in self.docs:
                meta = doc["metadata"]
                label = f"{doc.get('kind')} {meta['name']}"
                live = self.kubectl.get(_resource(doc), meta["name"], meta.get("namespace"))
                if live is None:
                    return Observation(False, f"{label} missing")
                if not _contains(live.get("spec"), doc.get("spec")):
                    return Observation(False, f"{label} differs from bootstrap/root.yaml")
        except ResourceTypeMissing:
            return Observation(False, "Argo CD CRDs not installed")
        return Observation(True, f"{len(self.docs)} objects of bootstrap/root.yaml applied")

    def apply(self, say: Say) -> None:
        self.kubectl.apply(self.docs)


@dataclass
class WaitStep(Step):
    waiter: Waiter
    key: str = "wait"
    title: str = "Wait until every Application is Synced and Healthy (per sync wave)"
    why: str = "bootstrap is done only when the platform actually runs"

    def planned(self) -> PlanStep:
        cmd = PlannedCommand(
            tuple(
                self.waiter.kubectl.argv(
                    "get", APPLICATIONS, "-n", self.waiter.namespace, "-o", "json"
                )
            ),
            note=f"poll every {self.waiter.interval:.0f}s, live table per wave, "
            f"timeout {self.waiter.timeout:.0f}s",
        )
        return self._plan(
            [cmd],
            [
                PlannedObject(
                    "Application",
                    "*",
                    self.waiter.namespace,
                    "every Application: Synced and Healthy",
                )
            ],
        )

    def observe(self) -> Observation:
        apps = self.waiter.poll()
        waiting = [a.name for a in apps if not a.ready]
        if apps and not waiting:
            return Observation(True, f"{len(apps)} Applications Synced and Healthy")
        return Observation(
            False, f"waiting on: {', '.join(waiting)}" if apps else "no Applications yet"
        )

    def apply(self, say: Say) -> None:
        apps = self.waiter.wait()
        say(f"{len(apps)} Applications Synced and Healthy")


@dataclass(frozen=True)
class StepOutcome:
    key: str
    title: str
    action: str  # "already done", "applied", "would apply"
    detail: str


@dataclass
class Bootstrapper:
    steps: list[Step]
    say: Say = print
    outcomes: list[StepOutcome] = field(default_factory=list)

    def observe_all(self) -> dict[str, Observation]:
        return {step.key: step.observe() for step in self.steps}

    def run(self) -> list[StepOutcome]:
        for number, step in enumerate(self.steps, 1):
            before = step.observe()
            if before.done:
                self._record(step, "already done", before.detail)
                self.say(f"{number}. {step.title}: already done ({before.detail})")
                continue
            self.say(f"{number}. {step.title}: {before.detail} → applying")
            try:
                step.apply(self.say)
            except StepFailed:
                raise
            except Exception as exc:
                raise StepFailed(
                    f"step {number} ({step.title}) failed:\n{exc}\n{step.fix}"
                ) from exc
            after = step.observe()
            if not after.done:
                raise StepFailed(
                    f"step {number} ({step.title}) ran but the cluster still shows: "
                    f"{after.detail}. {step.fix}"
                )
            self._record(step, "applied", after.detail)
        return self.outcomes

    def _record(self, step: Step, action: str, detail: str) -> None:
        self.outcomes.append(StepOutcome(step.key, step.title, action, detail))
