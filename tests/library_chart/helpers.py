"""Test helpers for the mg-library chart: build a service chart, run real helm, check objects.

Checks applied to every rendered object:
- built-in kinds: the Kubernetes 1.35 JSON schema in strict mode (unknown fields are errors),
  via the `kubernetes_validate` package;
- custom resources: the upstream CRD's openAPIV3Schema from /work/shared/crds, made strict
  (additionalProperties: false wherever `properties` is given without additionalProperties or
  x-kubernetes-preserve-unknown-fields);
- pod templates: Pod Security Standards "restricted".
"""

from __future__ import annotations

import copy
import functools
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from mgctl.tools import binaries
from mgctl.tools.command import Command, CommandError

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
LIBRARY_DIR = REPO / "src" / "mgctl" / "render" / "library_chart"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
K8S_VERSION = "1.35"

CRD_FILES = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): (
        "prometheus-operator/v0.93.0/monitoring.coreos.com_servicemonitors.yaml"
    ),
    ("external-secrets.io/v1", "ExternalSecret"): (
        "external-secrets/v2.9.0/external-secrets.io_externalsecrets.yaml"
    ),
    ("traefik.io/v1alpha1", "IngressRoute"): (
        "traefik/helm-chart-v41.3.0/traefik.io_ingressroutes.yaml"
    ),
    ("cert-manager.io/v1", "Certificate"): "cert-manager/v1.21.1/cert-manager.io_certificates.yaml",
}

SERVICE_CHART_YAML = """\
apiVersion: v2
name: {name}
description: test service chart built on mg-library
type: application
version: 0.1.0
{app_version}dependencies:
  - name: mg-library
    version: 1.0.0
    repository: file://../../_library
"""


def helm(*args: str, check: bool = True) -> Any:
    """Run the real helm binary; returns subprocess.CompletedProcess."""
    return Command([str(binaries.find("helm")), *args], timeout=120).run(check=check)


def load_values(fixture: str) -> dict[str, Any]:
    data = yaml.safe_load((FIXTURES / fixture).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def full_values() -> dict[str, Any]:
    """The seed engine values with every library section switched on (tag pinned)."""
    values: dict[str, Any] = yaml.safe_load(
        (FIXTURES / "seed-engine.values.yaml").read_text(encoding="utf-8")
    )
    values["image"]["tag"] = "1.0.0"
    values["autoscaling"]["enabled"] = True
    values["pdb"]["enabled"] = True
    values["ingress"] = {
        "enabled": True,
        "host": "engine.example.com",
        "paths": ["/"],
        "auth": True,
        "middleware": {"name": "auth0-auth", "namespace": "traefik"},
        "entryPoints": ["websecure"],
        "tls": {"enabled": True, "clusterIssuer": "letsencrypt-production"},
    }
    values["networkPolicy"]["egress"] = {"postgres": True, "kafka": True}
    values["sidecars"] = [{"name": "proxy", "image": "busybox:1.37"}]
    values["initContainers"] = [{"name": "init", "image": "busybox:1.37"}]
    return values


def build_service_chart(
    root: Path,
    name: str,
    values: dict[str, Any] | str,
    *,
    app_version: str | None = "1.0.0",
    dependency_build: bool = False,
) -> Path:
    """Lay out <root>/_library and <root>/services/<name> the way the renderer does.

    `values` (a dict, or YAML text kept byte-for-byte) becomes the chart's values.yaml, so both
    `helm lint` and `helm template` see it. The dependency is made available by copying the
    library into charts/mg-library (fast) or by `helm dependency build` (the real file:// path).
    """
    library = root / "_library"
    if not library.exists():
        shutil.copytree(LIBRARY_DIR, library)
    chart = root / "services" / name
    (chart / "templates").mkdir(parents=True)
    version_line = f'appVersion: "{app_version}"\n' if app_version is not None else ""
    (chart / "Chart.yaml").write_text(
        SERVICE_CHART_YAML.format(name=name, app_version=version_line), encoding="utf-8"
    )
    text = values if isinstance(values, str) else yaml.safe_dump(values, sort_keys=False)
    (chart / "values.yaml").write_text(text, encoding="utf-8")
    shutil.copy(LIBRARY_DIR / "values.schema.json", chart / "values.schema.json")
    for template in sorted((LIBRARY_DIR / "service-templates").glob("*.yaml")):
        shutil.copy(template, chart / "templates" / template.name)
    if dependency_build:
        helm("dependency", "build", str(chart))
    else:
        shutil.copytree(library, chart / "charts" / "mg-library")
    return chart


class UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate mapping keys (which PyYAML silently overwrites and
    Kubernetes clients treat differently): a template emitting a key twice is a bug."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise AssertionError(f"duplicate key {key!r} {key_node.start_mark}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def render(chart: Path, *extra: str, namespace: str = "trading") -> list[dict[str, Any]]:
    """`helm template` the chart (release = chart dir name); returns the parsed objects."""
    out = helm("template", chart.name, str(chart), "--namespace", namespace, *extra).stdout
    return [doc for doc in yaml.load_all(out, Loader=UniqueKeyLoader) if doc]


def render_error(chart: Path, *extra: str) -> str:
    """`helm template` expected to fail; returns its stderr."""
    proc = helm("template", chart.name, str(chart), *extra, check=False)
    assert proc.returncode != 0, f"helm template unexpectedly succeeded:\n{proc.stdout}"
    return str(proc.stderr)


def lint(chart: Path) -> str:
    try:
        return str(helm("lint", "--strict", str(chart)).stdout)
    except CommandError as exc:
        raise AssertionError(f"{exc}\n{exc.stdout}") from exc


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(objects, kind)
    assert len(found) == 1, f"expected exactly one {kind}, got {len(found)}"
    return found[0]


# --- schemas ---------------------------------------------------------------------------


def _strictify(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_strictify(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strictify(value) for key, value in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator:
    relative = CRD_FILES[(api_version, kind)]
    crd = yaml.safe_load((SHARED / "crds" / relative).read_text(encoding="utf-8"))
    version = api_version.split("/")[1]
    assert crd["spec"]["names"]["kind"] == kind
    for served in crd["spec"]["versions"]:
        if served["name"] == version:
            assert served.get("served", False), f"{kind} {api_version} is not served"
            schema = _strictify(copy.deepcopy(served["schema"]["openAPIV3Schema"]))
            return jsonschema.Draft202012Validator(schema)
    raise AssertionError(f"{relative} has no version {version}")


def schema_errors(obj: dict[str, Any]) -> list[str]:
    """Strict schema errors for one object (empty list = valid)."""
    key = (obj.get("apiVersion", ""), obj.get("kind", ""))
    if key in CRD_FILES:
        validator = crd_validator(*key)
        return [
            f"{obj['kind']}/{obj['metadata']['name']}: {'.'.join(map(str, e.path))}: {e.message}"
            for e in validator.iter_errors(obj)
        ]
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        return [f"{obj['kind']}/{obj['metadata']['name']}: {path}: {exc.message}"]
    return []


# --- Pod Security Standards: restricted ---------------------------------------------------

ALLOWED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}


def _containers(pod_spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in pod_spec.get(field) or []:
            yield f"{field}[{container.get('name')}]", container


def pss_restricted_violations(pod_spec: dict[str, Any]) -> list[str]:
    """Violations of the PSS 'restricted' profile (baseline + restricted controls)."""
    problems: list[str] = []
    pod_sc = pod_spec.get("securityContext") or {}
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(flag):
            problems.append(f"pod: {flag} is true")
    for volume in pod_spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUME_TYPES:
            problems.append(f"volume {volume.get('name')}: type {sorted(kinds)} not allowed")
    for sysctl in pod_sc.get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            problems.append(f"pod: unsafe sysctl {sysctl.get('name')}")
    if pod_sc.get("runAsUser") == 0:
        problems.append("pod: runAsUser 0")
    pod_seccomp = (pod_sc.get("seccompProfile") or {}).get("type")
    if pod_seccomp is not None and pod_seccomp not in ("RuntimeDefault", "Localhost"):
        problems.append(f"pod: seccompProfile {pod_seccomp}")
    for name, container in _containers(pod_spec):
        sc = container.get("securityContext") or {}
        if sc.get("privileged"):
            problems.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation must be false")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            problems.append(f"{name}: capabilities must drop ALL")
        extra = set(caps.get("add") or []) - {"NET_BIND_SERVICE"}
        if extra:
            problems.append(f"{name}: adds capabilities {sorted(extra)}")
        run_as_non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
        if run_as_non_root is not True:
            problems.append(f"{name}: runAsNonRoot must be true (pod or container)")
        if sc.get("runAsUser") == 0:
            problems.append(f"{name}: runAsUser 0")
        seccomp = (sc.get("seccompProfile") or {}).get("type", pod_seccomp)
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile must be RuntimeDefault or Localhost")
        if sc.get("procMount") not in (None, "Default"):
            problems.append(f"{name}: procMount {sc.get('procMount')}")
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                problems.append(f"{name}: hostPort {port['hostPort']}")
    return problems


def check_objects(objects: list[dict[str, Any]]) -> None:
    """Every object passes strict schemas; every pod template passes PSS restricted."""
    errors: list[str] = []
    for obj in objects:
        errors += schema_errors(obj)
        if obj.get("kind") == "Deployment":
            pod_spec = obj["spec"]["template"]["spec"]
            errors += [f"Deployment PSS: {p}" for p in pss_restricted_violations(pod_spec)]
    assert not errors, "\n".join(errors)


def render_checked(root: Path, values: dict[str, Any] | str, name: str = "svc") -> Any:
    """Build, lint (strict) and render a service chart, then check every object."""
    chart = build_service_chart(root, name, values)
    lint(chart)
    objects = render(chart)
    check_objects(objects)
    return objects
