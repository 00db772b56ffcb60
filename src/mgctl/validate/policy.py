"""Platform policy on rendered objects: pinned images, resources, probes, NetworkPolicy coverage,
no Secret objects and no literal secrets in env."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from mgctl.manifests import Finding, Manifest, Severity
from mgctl.validate.workloads import ContainerRef, PodTemplate, containers, pod_template

IMAGE_CHECK = "image-tag"
RESOURCES_CHECK = "resources"
PROBES_CHECK = "probes"
NETPOL_CHECK = "network-policy"
SECRET_CHECK = "secret-literal"
DISABLED_PROBES = "mgctl.io/disabled-probes"
MONITORING_GROUP = "monitoring.coreos.com"

LONG_RUNNING = frozenset(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"])
SECRET_ENV_WORDS = frozenset(["PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN", "KEY", "APIKEY"])
NOT_SECRET_ENV_WORDS = frozenset(["PUBLIC", "FILE", "PATH", "NAME", "REF", "URL", "ID", "DIR"])


def check_manifests(manifests: Sequence[Manifest], default_namespace: str | None) -> list[Finding]:
    """All policy checks over one rendered set (a chart, or a repo of plain manifests)."""
    findings: list[Finding] = []
    templates = [t for t in (pod_template(m) for m in manifests) if t is not None]
    for template in templates:
        findings += image_tags(template)
        findings += resources(template)
        findings += probes(template, manifests, default_namespace)
        findings += env_literals(template)
    findings += network_policy_coverage(templates, manifests, default_namespace)
    for manifest in manifests:
        findings += secret_objects(manifest)
    return findings


def mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else an empty one (rendered YAML may hold anything)."""
    return value if isinstance(value, dict) else {}


# -- images ------------------------------------------------------------------------------
def image_problem(image: str) -> str:
    """Why an image reference is not pinned, or "" when it is (tag other than latest, or digest)."""
    if not image.strip():
        return "image is empty"
    if "@sha256:" in image or "@sha512:" in image:
        return ""
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"image {image!r} has no tag (means :latest)"
    tag = last.rsplit(":", 1)[1]
    if tag in ("", "latest"):
        return f"image {image!r} uses tag {tag or 'empty'!r}"
    return ""


def image_tags(template: PodTemplate) -> list[Finding]:
    findings = []
    for c in containers(template):
        image = c.body.get("image")
        problem = "image is missing" if image is None else image_problem(str(image))
        if problem:
            findings.append(
                template.manifest.finding(
                    IMAGE_CHECK,
                    f"{c.path}.image",
                    f"container {c.name!r}: {problem}: pin a version tag or a digest",
                )
            )
    return findings


# -- resources ---------------------------------------------------------------------------
def resources(template: PodTemplate) -> list[Finding]:
    findings = []
    for c in containers(template, ("containers", "initContainers")):
        block = mapping(c.body.get("resources"))
        for section in ("requests", "limits"):
            values = mapping(block.get(section))
            missing = [r for r in ("cpu", "memory") if values.get(r) in (None, "", 0, "0")]
            if missing:
                findings.append(
                    template.manifest.finding(
                        RESOURCES_CHECK,
                        f"{c.path}.resources.{section}",
                        f"container {c.name!r} has no {section} for {' and '.join(missing)}: "
                        f"set resources.{section}.{missing[0]}",
                    )
                )
    return findings


# -- probes ------------------------------------------------------------------------------
def main_containers(template: PodTemplate) -> list[ContainerRef]:
    """Containers named like the workload/app, else the first container. Sidecars are exempt."""
    regular = list(containers(template, ("containers",)))
    labels = template.metadata.get("labels") or {}
    names = {
        template.manifest.name,
        str(labels.get("app.kubernetes.io/name", "")),
        str(labels.get("app", "")),
    } - {""}
    named = [c for c in regular if c.name in names]
    return named or regular[:1]


def disabled_probes(template: PodTemplate) -> set[str]:
    """The probe kinds switched off on purpose (mg-library writes DISABLED_PROBES from
    `probes.<kind>.enabled: false`)."""
    annotations = mapping(template.metadata.get("annotations"))
    return {k.strip() for k in str(annotations.get(DISABLED_PROBES, "")).split(",") if k.strip()}


def _service_selects(service: Manifest, labels: dict[str, Any]) -> bool:
    """A Service's selector is a plain map; an empty one selects nothing (manual endpoints)."""
    selector = mapping(mapping(service.body.get("spec")).get("selector"))
    return bool(selector) and all(str(labels.get(k)) == str(v) for k, v in selector.items())


def _scraped_ports(service: Manifest, monitors: list[Manifest]) -> set[str]:
    """The Service ports a ServiceMonitor of the set scrapes (by name)."""
    labels = mapping(mapping(service.body.get("metadata")).get("labels"))
    ports: set[str] = set()
    for monitor in monitors:
        spec = mapping(monitor.body.get("spec"))
        if selector_matches(spec.get("selector"), labels):
            for endpoint in spec.get("endpoints") or []:
                if isinstance(endpoint, dict) and endpoint.get("port"):
                    ports.add(str(endpoint["port"]))
    return ports


def serves_traffic(
    template: PodTemplate, manifests: Sequence[Manifest], default_namespace: str | None
) -> bool:
    """A Service of the set routes to the pod on a port that is not only scraped for metrics:
    the case where a pod that is not ready would receive requests."""
    namespace = template.manifest.namespace or default_namespace
    labels = mapping(template.metadata.get("labels"))
    same = [m for m in manifests if (m.namespace or default_namespace) == namespace]
    monitors = [m for m in same if m.kind == "ServiceMonitor" and m.group == MONITORING_GROUP]
    for service in same:
        if service.kind != "Service" or service.group != "":
            continue
        if not _service_selects(service, labels):
            continue
        ports = {
            str(port.get("name") or port.get("port"))
            for port in mapping(service.body.get("spec")).get("ports") or []
            if isinstance(port, dict)
        }
        if ports - _scraped_ports(service, monitors):
            return True
    return False


def probes(
    template: PodTemplate,
    manifests: Sequence[Manifest] = (),
    default_namespace: str | None = None,
) -> list[Finding]:
    """Every long-running main container has a liveness probe (a hung process is restarted)
    and, when a Service sends it traffic, a readiness probe. A probe switched off on purpose
    (`probes.<kind>.enabled: false`, named by DISABLED_PROBES) is a warning, never an error:
    the decision is visible and validate still passes. A worker no Service routes to needs no
    readiness probe."""
    if template.manifest.kind not in LONG_RUNNING:
        return []
    wanted = ["livenessProbe"]
    if serves_traffic(template, manifests, default_namespace):
        wanted.append("readinessProbe")
    disabled = disabled_probes(template)
    findings = []
    for c in main_containers(template):
        for probe in wanted:
            if isinstance(c.body.get(probe), dict):
                continue
            kind = probe.removesuffix("Probe")
            if kind in disabled:
                consequence = (
                    "a hung process is never restarted"
                    if kind == "liveness"
                    else "its Service sends requests to pods that are not ready yet"
                )
                findings.append(
                    template.manifest.finding(
                        PROBES_CHECK,
                        f"{c.path}.{probe}",
                        f"main container {c.name!r} runs with its {kind} probe disabled "
                        f"(probes.{kind}.enabled: false): {consequence}",
                        severity=Severity.WARNING,
                    )
                )
                continue
            findings.append(
                template.manifest.finding(
                    PROBES_CHECK,
                    f"{c.path}.{probe}",
                    f"main container {c.name!r} has no {probe}: add an httpGet/tcpSocket/"
                    f"exec/grpc probe, or disable it on purpose (probes.{kind}.enabled: false, "
                    f"which mg-library records as the pod annotation {DISABLED_PROBES})",
                )
            )
    return findings


# -- NetworkPolicy -----------------------------------------------------------------------
def selector_matches(selector: Any, labels: dict[str, Any]) -> bool:
    """Kubernetes LabelSelector semantics (empty selector matches everything)."""
    if not isinstance(selector, dict):
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if str(labels.get(key)) != str(value) or key not in labels:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = [str(v) for v in expression.get("values") or []]
        present = key in labels
        if operator == "In" and not (present and str(labels[key]) in values):
            return False
        if operator == "NotIn" and present and str(labels[key]) in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def network_policy_coverage(
    templates: Iterable[PodTemplate], manifests: Sequence[Manifest], default_namespace: str | None
) -> list[Finding]:
    policies: dict[str | None, list[Any]] = {}
    for m in manifests:
        if m.kind == "NetworkPolicy" and m.group == "networking.k8s.io":
            spec = mapping(m.body.get("spec"))
            policies.setdefault(m.namespace or default_namespace, []).append(
                spec.get("podSelector")
            )
    findings = []
    for template in templates:
        namespace = template.manifest.namespace or default_namespace
        labels = template.metadata.get("labels") or {}
        if template.manifest.kind == "Pod":
            labels = (template.manifest.body.get("metadata") or {}).get("labels") or {}
        if not any(selector_matches(sel, labels) for sel in policies.get(namespace, [])):
            findings.append(
                template.manifest.finding(
                    NETPOL_CHECK,
                    template.field("metadata.labels"),
                    f"no NetworkPolicy in namespace {namespace or '(unset)'} selects the pod "
                    f"labels {dict(labels)}: add a NetworkPolicy whose podSelector matches them",
                )
            )
    return findings


# -- secrets in objects ------------------------------------------------------------------
def secret_objects(manifest: Manifest) -> list[Finding]:
    if manifest.kind != "Secret" or manifest.group != "":
        return []
    findings = []
    for section in ("data", "stringData"):
        values = manifest.body.get(section)
        if isinstance(values, dict) and values:
            keys = ", ".join(sorted(map(str, values)))
            findings.append(
                manifest.finding(
                    SECRET_CHECK,
                    section,
                    f"Secret with literal {section} ({keys}) in Git: deliver it through an "
                    "ExternalSecret (External Secrets Operator) instead",
                )
            )
    return findings


def _secret_like_env_name(name: str) -> bool:
    words = set(re.split(r"[^A-Z0-9]+", name.upper())) - {""}
    return bool(words & SECRET_ENV_WORDS) and not words & NOT_SECRET_ENV_WORDS


def env_literals(template: PodTemplate) -> list[Finding]:
    findings = []
    for c in containers(template):
        for index, env in enumerate(c.body.get("env") or []):
            if not isinstance(env, dict):
                continue
            name, value = str(env.get("name", "")), env.get("value")
            if isinstance(value, str) and value.strip() and _secret_like_env_name(name):
                if re.fullmatch(r"\$\([A-Za-z_][A-Za-z0-9_]*\)", value.strip()):
                    continue  # a reference to another env var
                findings.append(
                    template.manifest.finding(
                        SECRET_CHECK,
                        f"{c.path}.env[{index}].value",
                        f"container {c.name!r} env {name} has a literal value: use "
                        "valueFrom.secretKeyRef (Secret created by an ExternalSecret)",
                    )
                )
    return findings
