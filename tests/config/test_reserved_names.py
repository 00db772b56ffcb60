"""The config's tables of what the platform owns agree with what the render produces."""

from __future__ import annotations

from pathlib import Path

import yaml

from mgctl.config import load_platform, names
from mgctl.config.data import Kafka
from mgctl.render.auth_service_config import auth_endpoint
from mgctl.render.infra.components import strimzi, traefik
from mgctl.render.infra.repository import lay_out
from mgctl.render.platform_render import render_all

EXAMPLE = Path(__file__).parents[2] / "examples" / "mg" / "platform.yaml"


def _rendered_namespaces_and_applications() -> tuple[set[str], set[str]]:
    platform = load_platform(EXAMPLE)
    namespaces: set[str] = set()
    applications: set[str] = set()
    for path, text in render_all(platform).items():
        if not path.endswith(".yaml") or "/templates/" in path:
            continue
        for doc in yaml.safe_load_all(text):
            if not isinstance(doc, dict) or not isinstance(doc.get("metadata"), dict):
                continue
            meta = doc["metadata"]
            if doc.get("kind") == "Namespace":
                namespaces.add(meta["name"])
            if meta.get("namespace"):
                namespaces.add(meta["namespace"])
            if doc.get("kind") == "Application":
                applications.add(meta["name"])
                namespaces.add(doc["spec"]["destination"]["namespace"])
    for item in lay_out(platform):
        namespaces.update(ns.name for ns in item.component.namespaces)
    services = {s.name for s in platform.services}
    return namespaces - services, applications


def test_every_namespace_the_render_uses_is_reserved() -> None:
    namespaces, _ = _rendered_namespaces_and_applications()
    missing = {ns for ns in namespaces if names.namespace_owner(ns) is None}
    assert not missing, f"add to config/tables/reserved-names.yaml: {sorted(missing)}"


def test_every_platform_application_is_reserved() -> None:
    _, applications = _rendered_namespaces_and_applications()
    missing = applications - set(names.platform_applications())
    assert not missing, f"add to config/tables/reserved-names.yaml: {sorted(missing)}"


def test_kube_and_default_are_reserved() -> None:
    for name in ("kube-system", "kube-public", "kube-node-lease", "kube-anything", "default"):
        assert names.namespace_owner(name) is not None
    assert names.namespace_owner("api") is None


def test_the_auth_service_address_is_the_one_traefik_calls() -> None:
    platform = load_platform(EXAMPLE)
    endpoint = auth_endpoint(platform)
    assert endpoint is not None
    (middleware,) = traefik.build(platform)[0].manifests["middlewares"]
    assert middleware["spec"]["forwardAuth"]["address"] == endpoint.verify_url
    assert endpoint.verify_url == (
        f"http://{names.AUTH_SERVICE}.{names.AUTH_SERVICE}.svc.cluster.local:"
        f"{names.AUTH_SERVICE_PORT}/verify"
    )


def test_min_insync_replicas_is_the_one_strimzi_renders() -> None:
    for replicas in range(1, 7):
        kafka = Kafka(replicas=replicas)
        rendered = strimzi.replication(replicas)
        assert (kafka.replication_factor, kafka.min_insync_replicas) == (
            rendered["factor"],
            rendered["min_isr"],
        )
