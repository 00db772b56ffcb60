"""The one module that runs `helm` (v4): read a release, install or upgrade one chart.

Bootstrap uses helm for exactly one release, Argo CD, with the chart version and values file
of Argo CD's own self-managing Application, so that the Application adopts what helm installed
without a diff. Server-side apply is forced (`--server-side=true --force-conflicts`) because
Argo CD's ApplicationSet CRD is larger than the 262 KB client-side apply annotation limit, and
`--take-ownership` lets helm adopt the CRDs bootstrap applied before it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgctl.cluster.runner import Runner, command_runner


class HelmError(RuntimeError):
    pass


@dataclass(frozen=True)
class HelmRelease:
    """What `helm upgrade --install` installs: a pinned chart with one values file."""

    name: str
    namespace: str
    repo_url: str
    chart: str
    version: str
    values_file: Path
    timeout: str = "10m"

    def chart_args(self) -> list[str]:
        if self.repo_url.startswith("oci://"):
            return [f"{self.repo_url.rstrip('/')}/{self.chart}", "--version", self.version]
        return [self.chart, "--repo", self.repo_url, "--version", self.version]


@dataclass(frozen=True)
class ReleaseStatus:
    name: str
    namespace: str
    status: str  # deployed, failed, pending-install, ...
    chart_version: str
    revision: int


@dataclass
class Helm:
    binary: str = "helm"
    kubeconfig: str | None = None
    context: str | None = None
    runner: Runner = field(default_factory=command_runner)

    def argv(self, *args: str) -> list[str]:
        base = [self.binary, *args]
        if self.kubeconfig:
            base.append(f"--kubeconfig={self.kubeconfig}")
        if self.context:
            base.append(f"--kube-context={self.context}")
        return base

    def run(self, *args: str) -> str:
        argv = self.argv(*args)
        proc = self.runner(argv, None)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout or "").strip()
            raise HelmError(f"helm failed (exit {proc.returncode}): {' '.join(argv)}\n{detail}")
        return proc.stdout

    def version(self) -> tuple[int, int] | None:
        out = self.runner([self.binary, "version", "--template", "{{.Version}}"], None).stdout
        match = re.match(r"v?(\d+)\.(\d+)", out.strip())
        return (int(match.group(1)), int(match.group(2))) if match else None

    def status(self, name: str, namespace: str) -> ReleaseStatus | None:
        """The release's state from `helm list` (helm 4's `status -o json` omits the chart)."""
        out = self.run(
            "list", "--namespace", namespace, "--filter", f"^{name}$",
            "--deployed", "--failed", "--pending", "-o", "json",
        )  # fmt: skip
        rows = json.loads(out or "[]")
        for row in rows if isinstance(rows, list) else []:
            if row.get("name") != name:
                continue
            chart = str(row.get("chart", ""))
            return ReleaseStatus(
                name=name,
                namespace=str(row.get("namespace", namespace)),
                status=str(row.get("status", "unknown")),
                chart_version=chart.rsplit("-", 1)[-1] if "-" in chart else "",
                revision=int(row.get("revision") or 0),
            )
        return None

    def user_values(self, name: str, namespace: str) -> dict[str, Any]:
        out = json.loads(self.run("get", "values", name, "--namespace", namespace, "-o", "json"))
        return out if isinstance(out, dict) else {}

    def upgrade_install_args(self, release: HelmRelease) -> list[str]:
        return [
            "upgrade", "--install", release.name, *release.chart_args(),
            "--namespace", release.namespace,
            "--values", str(release.values_file),
            "--server-side=true", "--force-conflicts", "--take-ownership",
            "--wait", "--timeout", release.timeout,
        ]  # fmt: skip

    def upgrade_install(self, release: HelmRelease) -> str:
        return self.run(*self.upgrade_install_args(release))
