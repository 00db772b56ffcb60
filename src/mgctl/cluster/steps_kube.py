"""Steps that server-side apply objects with kubectl: namespaces, CRDs, the root Application."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mgctl.cluster.kubectl import Kubectl, ResourceTypeMissing
from mgctl.cluster.plan import PlannedCommand, PlannedObject, PlanStep
from mgctl.cluster.rendered import Crd
from mgctl.cluster.steps import Observation, Say, Step, StepFailed, apply_cmd

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
        return self._plan([apply_cmd(self.kubectl, stdin)], objects)

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
        files = sorted({c.source for c in self.crds if c.versions})
        objects = [
            PlannedObject(
                "CustomResourceDefinition",
                c.name,
                None,
                f"{c.group}/{c.kind} {','.join(c.versions)}"
                if c.versions
                else f"{c.group}/{c.kind}; pinned file not fetched",
            )
            for c in self.crds
        ]
        wait = PlannedCommand(
            tuple(self.kubectl.argv(*self._read_args())),
            note=f"poll every {self.interval:.0f}s until each is Established "
            f"(timeout {self.timeout:.0f}s)",
        )
        where = ", ".join(files) if files else "the pinned schema dir (`mgctl schemas fetch`)"
        stdin = f"{len(self.crds)} CRDs from {where}"
        return self._plan([apply_cmd(self.kubectl, stdin), wait], objects)

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
        return self._plan([apply_cmd(self.kubectl, "bootstrap/root.yaml")], objects)

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
