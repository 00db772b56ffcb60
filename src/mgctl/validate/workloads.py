"""Where the pod template of each workload kind lives, and its containers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mgctl.manifests import Manifest

# kind -> path from the object root to the pod template (metadata + spec): the kinds the Pod
# Security admission plugin evaluates (k8s.io/pod-security-admission admission/admission.go,
# DefaultPodSpecExtractor.ExtractPodSpec), v1 PodTemplate included.
POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
    "PodTemplate": ("template",),
}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


@dataclass(frozen=True)
class PodTemplate:
    manifest: Manifest
    path: str  # field path of the template ("spec.template", "template"), "" for a Pod
    metadata: dict[str, Any]
    spec: dict[str, Any]

    def field(self, *parts: str) -> str:
        prefix = f"{self.path}." if self.path else ""
        return prefix + ".".join(parts)


@dataclass(frozen=True)
class ContainerRef:
    list_name: str
    index: int
    body: dict[str, Any]
    path: str  # e.g. spec.template.spec.containers[0]

    @property
    def name(self) -> str:
        return str(self.body.get("name", ""))

    @property
    def security_context(self) -> dict[str, Any]:
        value = self.body.get("securityContext")
        return value if isinstance(value, dict) else {}


def pod_template(manifest: Manifest) -> PodTemplate | None:
    """The pod template of a workload object (apiVersion core/apps/batch only)."""
    if manifest.kind not in POD_TEMPLATE_PATHS or manifest.group not in ("", "apps", "batch"):
        return None
    node: Any = manifest.body
    for key in POD_TEMPLATE_PATHS[manifest.kind]:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return None
    spec = node.get("spec")
    metadata = node.get("metadata")
    return PodTemplate(
        manifest=manifest,
        path=".".join(POD_TEMPLATE_PATHS[manifest.kind]),
        metadata=metadata if isinstance(metadata, dict) else {},
        spec=spec if isinstance(spec, dict) else {},
    )


def containers(
    template: PodTemplate, lists: tuple[str, ...] = CONTAINER_LISTS
) -> Iterator[ContainerRef]:
    for list_name in lists:
        items = template.spec.get(list_name)
        if not isinstance(items, list):
            continue
        for index, body in enumerate(items):
            if isinstance(body, dict):
                yield ContainerRef(
                    list_name, index, body, template.field("spec", f"{list_name}[{index}]")
                )


def pod_security_context(template: PodTemplate) -> dict[str, Any]:
    value = template.spec.get("securityContext")
    return value if isinstance(value, dict) else {}
