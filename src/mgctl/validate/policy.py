"""Platform policy on rendered objects: pinned images, resources, probes, NetworkPolicy coverage,
no Secret objects and no literal secrets in env."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from mgctl.manifests import Finding, Manifest
from mgctl.validate.workloads import ContainerRef, PodTemplate, containers, pod_template

IMAGE_CHECK = "image-tag"
RESOURCES_CHECK = "resources"
PROBES_CHECK = "probes"
NETPOL_CHECK = "network-policy"
SECRET_CHECK = "secret-literal"

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
        findings += probes(template)
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


def probes(template: PodTemplate) -> list[Finding]:
    if template.manifest.kind not in LONG_RUNNING:
        return []
    findings = []
    for c in main_containers(template):
        for probe in ("livenessProbe", "readinessProbe"):
            if not isinstance(c.body.get(probe), dict):
                findings.append(
                    template.manifest.finding(
                        PROBES_CHECK,
                        f"{c.path}.{probe}",
                        f"main container {c.name!r} has no {probe}: add an httpGet/tcpSocket/"
                        "exec/grpc probe",
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
