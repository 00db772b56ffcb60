"""Test harness: the example platform rendered once, recorded cluster states at each bootstrap
step boundary, and tool wrappers whose processes are the real kubectl/helm talking to the fake
API server (every argv and stdin recorded).

The one command that cannot run here is `helm upgrade --install` (it downloads the chart and
needs a real cluster): the recording runner records it and simulates its effect on the fake
cluster (the release Secret helm writes), so the next `helm list` reads it back for real.
"""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mgctl.cluster.bootstrap import Tools
from mgctl.cluster.helm import Helm, HelmRelease
from mgctl.cluster.kubectl import Kubectl
from mgctl.cluster.rendered import RenderedInfra
from mgctl.cluster.runner import command_runner
from mgctl.cluster.secrets import bootstrap_secrets
from mgctl.config import Platform
from mgctl.tools.binaries import find

from .fakeapi import FakeApiServer, FakeCluster

STATES_DIR = Path(__file__).parent / "states"
SHARED_CRDS = Path("/work/shared/crds")
STATUS = yaml.safe_load((STATES_DIR / "application-status.yaml").read_text())

# Step boundaries, in bootstrap order: the cluster as it is after each step.
BOUNDARIES = ["empty", "namespaces", "crds", "secrets", "argocd", "root", "half-synced", "synced"]


@dataclass
class Call:
    argv: list[str]
    stdin: str | None


@dataclass
class RecordingRunner:
    """Runs the real binary, records argv and stdin; simulates `helm upgrade --install`."""

    cluster: FakeCluster
    env: dict[str, str]
    # simulates `helm upgrade --install`; may return the process result helm would give
    on_helm_install: Callable[[list[str]], subprocess.CompletedProcess[str] | None] | None = None
    calls: list[Call] = field(default_factory=list)

    def __call__(self, argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        self.calls.append(Call(list(argv), stdin))
        if Path(argv[0]).name == "helm" and argv[1:3] == ["upgrade", "--install"]:
            if self.on_helm_install is None:
                return subprocess.CompletedProcess(list(argv), 1, "", "no simulation configured")
            result = self.on_helm_install(list(argv))
            if result is not None:
                return result
            return subprocess.CompletedProcess(list(argv), 0, "Release has been upgraded.\n", "")
        done: subprocess.CompletedProcess[str] = command_runner(env=self.env, timeout=60)(
            argv, stdin
        )
        return done

    def argvs(self) -> list[str]:
        return [" ".join(c.argv) for c in self.calls]

    def mutations(self) -> list[Call]:
        return [
            c for c in self.calls if "apply" in c.argv or c.argv[1:3] == ["upgrade", "--install"]
        ]


def stdin_docs(text: str | None) -> list[dict[str, Any]]:
    """The manifests kubectl got on stdin (mgctl sends a stream of JSON documents)."""
    return [json.loads(chunk) for chunk in (text or "").split("\n---\n") if chunk.strip()]


def release_secret(
    release: HelmRelease, values: dict[str, Any], revision: int = 1, status: str = "deployed"
) -> dict[str, Any]:
    """The Secret helm 4 stores a release in (data.release = base64(gzip(json)))."""
    body = {
        "name": release.name,
        "namespace": release.namespace,
        "version": revision,
        "info": {
            "status": status,
            "first_deployed": "2026-11-26T10:00:00Z",
            "last_deployed": "2026-11-26T10:00:00Z",
            "description": "Install complete",
        },
        "chart": {
            "metadata": {
                "name": release.chart,
                "version": release.version,
                "apiVersion": "v2",
                "appVersion": "v3.5.1",
            },
            "values": {},
        },
        "config": values,
        "manifest": "",
    }
    payload = base64.b64encode(gzip.compress(json.dumps(body).encode())).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{release.name}.v{revision}",
            "namespace": release.namespace,
            "labels": {
                "owner": "helm",
                "name": release.name,
                "status": "deployed",
                "version": str(revision),
            },
        },
        "data": {"release": base64.b64encode(payload.encode()).decode()},
    }


def child_apps(rendered: RenderedInfra) -> list[dict[str, Any]]:
    """The Applications the root Application creates (base/*/application*.yaml)."""
    apps = []
    for path in sorted(rendered.root.glob("base/*/application*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "Application":
                apps.append(doc)
    return apps


def with_status(app: dict[str, Any], situation: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(app))
    out["status"] = json.loads(json.dumps(STATUS[situation]))
    return out


@dataclass
class States:
    """Builds the recorded cluster state at each bootstrap step boundary."""

    platform: Platform
    rendered: RenderedInfra

    def load(self, cluster: FakeCluster, boundary: str) -> None:
        cluster.add_file(STATES_DIR / "node-k3s.yaml")
        order = BOUNDARIES.index(boundary)
        if order >= 1:
            for ns in self.rendered.namespaces:
                cluster.add(json.loads(json.dumps(ns)))
        if order >= 2:
            for crd in self.rendered.crds:
                cluster.add(json.loads(json.dumps(crd.body)))
        if order >= 3:
            for secret in bootstrap_secrets(self.platform):
                cluster.add(
                    self.fake_secret(
                        secret.name,
                        secret.namespace,
                        secret.keys,
                        dict(secret.labels),
                        dict(secret.plain),
                    )
                )
        if order >= 4:
            self.install_argocd(cluster)
        if order >= 5:
            for doc in self.rendered.root_apps:
                cluster.add(json.loads(json.dumps(doc)))
        if order >= 6:
            self.argo_progress(cluster, "half" if boundary == "half-synced" else "all")

    @staticmethod
    def fake_secret(
        name: str,
        ns: str,
        keys: list[str],
        labels: dict[str, str],
        plain: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Secret values are placeholders; plain (non-secret) keys such as a repository URL
        hold what bootstrap writes."""
        values = {k: (plain or {}).get(k, "recorded-value") for k in keys}
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
        }

    def install_argocd(self, cluster: FakeCluster, argv: list[str] | None = None) -> None:
        release = self.rendered.argocd
        values = yaml.safe_load(release.values_file.read_text()) or {}
        cluster.add(release_secret(release, values))
        # helm installs Argo CD's CRDs as templates (crds.install: true)
        for crd in self.rendered.crds:
            if (
                crd.group == "argoproj.io"
                and cluster.get("apiextensions.k8s.io", "customresourcedefinitions", crd.name)
                is None
            ):
                cluster.add(json.loads(json.dumps(crd.body)))

    def argo_progress(self, cluster: FakeCluster, how: str) -> None:
        """What Argo CD does after the root app: children appear; `how` = half | all synced."""
        root = [d for d in self.rendered.root_apps if d.get("kind") == "Application"]
        for app in root:
            live = cluster.get("argoproj.io", "applications", app["metadata"]["name"], "argocd")
            cluster.add(with_status(live or app, "synced"))
        children = child_apps(self.rendered)
        median = sorted(
            int(a["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) for a in children
        )[len(children) // 2]
        for app in children:
            wave = int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
            if how == "all" or wave < median:
                situation = "synced"
            else:
                situation = "progressing" if wave == median else "out-of-sync"
            cluster.add(with_status(app, situation))


@contextmanager
def fake_cluster(
    tmp: Path, states: States, boundary: str = "empty"
) -> Iterator[tuple[FakeCluster, Tools, RecordingRunner]]:
    cluster = FakeCluster()
    states.load(cluster, boundary)
    with FakeApiServer(cluster) as server:
        kubeconfig = server.kubeconfig(tmp / "kubeconfig")
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp / "home"),
            "KUBECACHEDIR": str(tmp / "kube-cache"),
            "HELM_CACHE_HOME": str(tmp / "helm-cache"),
            "HELM_CONFIG_HOME": str(tmp / "helm-config"),
            "HELM_DATA_HOME": str(tmp / "helm-data"),
        }
        runner = RecordingRunner(cluster, env)

        def install(argv: list[str]) -> None:
            states.install_argocd(cluster, argv)

        runner.on_helm_install = install
        tools = Tools(
            Kubectl(str(find("kubectl")), kubeconfig=str(kubeconfig), runner=runner),
            Helm(str(find("helm")), kubeconfig=str(kubeconfig), runner=runner),
        )
        yield cluster, tools, runner
