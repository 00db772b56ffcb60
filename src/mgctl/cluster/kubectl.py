"""The one module that runs `kubectl`.

Why kubectl and not a Python Kubernetes client: it is the binary the team already uses by hand
(same kubeconfig, contexts, auth plugins and error messages), server-side apply is done by the
API server exactly as `kubectl apply --server-side` does it (needed for Argo CD's >262 KB
ApplicationSet CRD), it adds no dependency, and tests exercise the real binary against a fake
API server over HTTP. Manifests, including Secrets, are always sent on stdin (`-f -`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mgctl.cluster.runner import Runner, command_runner, redact

FIELD_MANAGER = "mgctl"
_MISSING_TYPE = "the server doesn't have a resource type"


class KubectlError(RuntimeError):
    """kubectl failed; the message quotes the command (never stdin) and kubectl's stderr."""


class ResourceTypeMissing(KubectlError):
    """The API server does not serve the resource type (its CRD is not installed yet)."""


def apply_argv_tail(dry_run: bool = False) -> list[str]:
    tail = ["apply", "--server-side", "--force-conflicts", f"--field-manager={FIELD_MANAGER}"]
    if dry_run:
        tail.append("--dry-run=server")
    return [*tail, "-f", "-"]


def dump_manifests(docs: Sequence[Mapping[str, Any]]) -> str:
    """A YAML stream of JSON documents (JSON is YAML; fast for megabyte-sized CRDs)."""
    return "\n---\n".join(json.dumps(d) for d in docs) + "\n"


@dataclass
class SecretShape:
    keys: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)


@dataclass
class Kubectl:
    binary: str = "kubectl"
    kubeconfig: str | None = None
    context: str | None = None
    runner: Runner = field(default_factory=command_runner)
    request_timeout: str = "30s"

    def argv(self, *args: str) -> list[str]:
        base = [self.binary]
        if self.kubeconfig:
            base.append(f"--kubeconfig={self.kubeconfig}")
        if self.context:
            base.append(f"--context={self.context}")
        return [*base, f"--request-timeout={self.request_timeout}", *args]

    def run(self, *args: str, stdin: str | None = None, secrets: Sequence[str] = ()) -> str:
        argv = self.argv(*args)
        proc = self.runner(argv, stdin)
        if proc.returncode != 0:
            detail = redact((proc.stderr or proc.stdout or "").strip(), secrets)
            shown = " ".join(argv) + (" < (manifests on stdin)" if stdin is not None else "")
            cls = ResourceTypeMissing if _MISSING_TYPE in detail else KubectlError
            raise cls(f"kubectl failed (exit {proc.returncode}): {shown}\n{detail}")
        return proc.stdout

    # -- reading ---------------------------------------------------------------------
    def versions(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(clientVersion, serverVersion) from `kubectl version`; KubectlError if unreachable."""
        out = json.loads(self.run("version", "-o", "json") or "{}")
        server = out.get("serverVersion")
        if not isinstance(server, dict):
            raise KubectlError("kubectl version returned no serverVersion")
        return out.get("clientVersion") or {}, server

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """One object as JSON, or None when it does not exist. Not for Secrets (use keys)."""
        args = ["get", resource, name, "--ignore-not-found", "-o", "json"]
        if namespace:
            args += ["-n", namespace]
        out = self.run(*args).strip()
        return json.loads(out) if out else None

    def get_list(
        self, resource: str, namespace: str | None = None, selector: str | None = None
    ) -> list[dict[str, Any]]:
        """Objects of a type in one namespace, or in all namespaces when namespace is None."""
        args = ["get", resource, "-o", "json"]
        args += ["-n", namespace] if namespace else ["--all-namespaces"]
        if selector:
            args += ["-l", selector]
        out = json.loads(self.run(*args) or "{}")
        items = out.get("items") or []
        return [i for i in items if isinstance(i, dict)]

    def list_cluster(self, resource: str) -> list[dict[str, Any]]:
        out = json.loads(self.run("get", resource, "-o", "json") or "{}")
        return [i for i in out.get("items") or [] if isinstance(i, dict)]

    def secret_shape(
        self, name: str, namespace: str, plain: tuple[str, ...] = ()
    ) -> SecretShape | None:
        """A Secret's key names, labels and the values of the `plain` (non-secret) keys, or
        None. Other values never leave kubectl (its go-template prints only key names)."""
        shown = "".join(
            f'{{{{with index .data "{key}"}}}}plain\t{key}\t{{{{base64decode .}}}}'
            '{{"\\n"}}{{end}}'
            for key in plain
        )
        template = (
            '{{range $k, $v := .data}}key\t{{$k}}{{"\\n"}}{{end}}'
            '{{range $k, $v := .metadata.labels}}label\t{{$k}}\t{{$v}}{{"\\n"}}{{end}}'
            + shown
            + 'exists{{"\\n"}}'
        )
        out = self.run(
            "get",
            "secret",
            name,
            "-n",
            namespace,
            "--ignore-not-found",
            "-o",
            f"go-template={template}",
        )
        if "exists" not in out.splitlines():
            return None
        shape = SecretShape()
        for line in out.splitlines():
            parts = line.split("\t")
            if parts[0] == "key" and len(parts) == 2:
                shape.keys.add(parts[1])
            elif parts[0] == "label" and len(parts) == 3:
                shape.labels[parts[1]] = parts[2]
            elif parts[0] == "plain" and len(parts) == 3 and parts[1] in plain:
                shape.plain[parts[1]] = parts[2]
        return shape

    # -- writing ---------------------------------------------------------------------
    def apply(
        self,
        docs: Sequence[Mapping[str, Any]],
        *,
        dry_run: bool = False,
        secrets: Sequence[str] = (),
    ) -> str:
        """Server-side apply `docs` (sent on stdin), taking ownership of conflicting fields."""
        return self.run(*apply_argv_tail(dry_run), stdin=dump_manifests(docs), secrets=secrets)
