"""Argo CD via helm (same chart and values as its own Application), then waiting for health."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from mgctl.cluster.helm import Helm, HelmError, HelmRelease
from mgctl.cluster.plan import PlannedCommand, PlannedObject, PlanStep
from mgctl.cluster.steps import Observation, Say, Step, StepFailed
from mgctl.cluster.waiting import APPLICATIONS, Waiter


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
        try:
            self.helm.upgrade_install(r)
        except HelmError as exc:
            if "has no deployed releases" not in str(exc):
                raise
            raise StepFailed(
                f"{exc}\nThe first install of {r.name} failed, so helm cannot upgrade it. Fix: "
                f"`helm -n {r.namespace} uninstall {r.name}` (Argo CD's CRDs are kept), then "
                "re-run `mgctl bootstrap`"
            ) from exc


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
