"""Read every family's resources with kubectl and run its checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from mgctl.cluster.doctor import (
    applications,
    certificates,
    cnpg,
    external_secrets,
    kafka,
    longhorn,
    metallb,
    nodes,
    tailscale,
    velero,
)
from mgctl.cluster.doctor.model import Context, Objects, Row
from mgctl.cluster.kubectl import Kubectl, KubectlError, ResourceTypeMissing

FAMILIES: tuple[ModuleType, ...] = (
    nodes, applications, external_secrets, certificates, cnpg, kafka, velero, longhorn,
    metallb, tailscale,
)  # fmt: skip
NAMESPACED_ONLY = {"deployments.apps": "tailscale", "applications.argoproj.io": "argocd"}


@dataclass
class Fetcher:
    kubectl: Kubectl

    def __call__(self, resource: str) -> list[dict[str, Any]] | None:
        """Items of one resource type; None when the type is not served (CRD missing)."""
        try:
            return self.kubectl.get_list(resource, NAMESPACED_ONLY.get(resource))
        except ResourceTypeMissing:
            return None


def collect(fetch: Callable[[str], Sequence[dict[str, Any]] | None]) -> Objects:
    objects: Objects = {}
    for family in FAMILIES:
        for resource in family.RESOURCES:
            if resource in objects:
                continue
            items = fetch(resource)
            if items is not None:
                objects[resource] = [dict(i) for i in items]
    return objects


def diagnose(objects: Objects, ctx: Context) -> list[Row]:
    rows: list[Row] = []
    for family in FAMILIES:
        rows += family.check(objects, ctx)
    return rows


def run_doctor(kubectl: Kubectl, ctx: Context) -> list[Row]:
    try:
        objects = collect(Fetcher(kubectl))
    except KubectlError as exc:
        return [
            Row(
                "Cluster",
                "API server",
                "fail",
                str(exc).splitlines()[-1],
                "check --kubeconfig/--context and that the API server is reachable",
            )
        ]
    return diagnose(objects, ctx)
