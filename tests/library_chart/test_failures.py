"""`fail` messages name the offending values key; values.schema.json rejects typos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import build_service_chart, render_error

IMAGE = {"repository": "shykhov/mg.svc", "tag": "1.0.0"}
KEY = {"secretKey": "A", "remoteKey": "B"}
WORKER_PROBES = {
    "liveness": {"type": "exec", "command": ["/bin/healthy"]},
    "readiness": {"enabled": False},
    "startup": {"enabled": False},
}

# (case id, values, exact fragment of the template's fail message)
TEMPLATE_FAILURES: list[tuple[str, dict[str, Any], str]] = [
    ("empty-values", {}, "mg-library: values.image.repository is required"),
    ("image-without-repository", {"image": {"tag": "1"}}, "values.image.repository is required"),
    (
        "pull-secret-bad-item",
        {"image": IMAGE, "global": {"imagePullSecrets": [{"secret": "x"}]}},
        "mg-library: values.global.imagePullSecrets[0] must be a secret name or {name: ",
    ),
    (
        "ingress-host",
        {"image": IMAGE, "ingress": {"enabled": True}},
        "mg-library: values.ingress.host is required when ingress.enabled is true",
    ),
    (
        "ingress-path",
        {"image": IMAGE, "ingress": {"enabled": True, "host": "a.example.com", "paths": ["api"]}},
        "mg-library: values.ingress.paths[0] must be a path prefix starting with /",
    ),
    (
        "externalsecret-no-keys",
        {"image": IMAGE, "externalSecret": {"enabled": True}},
        "mg-library: values.externalSecret.keys must list at least one",
    ),
    (
        "externalsecret-remote-key",
        {"image": IMAGE, "externalSecret": {"enabled": True, "keys": [KEY, {"secretKey": "C"}]}},
        "mg-library: values.externalSecret.keys[1].remoteKey is required",
    ),
    (
        "externalsecret-secret-key",
        {"image": IMAGE, "externalSecret": {"enabled": True, "keys": [{"remoteKey": "C"}]}},
        "mg-library: values.externalSecret.keys[0].secretKey is required",
    ),
    (
        "sidecar-image",
        {"image": IMAGE, "sidecars": [{"name": "proxy"}]},
        "mg-library: values.sidecars[0].image is required",
    ),
    (
        "sidecar-name",
        {"image": IMAGE, "sidecars": [{"image": "busybox:1.37"}]},
        "mg-library: values.sidecars[0].name is required",
    ),
    (
        "sidecar-duplicate-name",
        {"image": IMAGE, "sidecars": [{"name": "svc", "image": "busybox:1.37"}]},
        'mg-library: values.sidecars[0].name "svc" is already used by the main container',
    ),
    (
        "sidecar-port-name-clash",
        {
            "image": IMAGE,
            "sidecars": [
                {"name": "p", "image": "b:1", "ports": [{"name": "http", "containerPort": 81}]}
            ],
        },
        'mg-library: values.sidecars[0].ports[0].name "http" is already used',
    ),
    (
        "pod-labels-selector",
        {"image": IMAGE, "podLabels": {"app.kubernetes.io/name": "other"}},
        'mg-library: values.podLabels must not set the selector label "app.kubernetes.io/name"',
    ),
    (
        "init-image",
        {"image": IMAGE, "initContainers": [{"name": "migrate"}]},
        "mg-library: values.initContainers[0].image is required",
    ),
    (
        "autoscaling-range",
        {"image": IMAGE, "autoscaling": {"enabled": True, "minReplicas": 4, "maxReplicas": 2}},
        "mg-library: values.autoscaling.minReplicas (4) must not exceed "
        "values.autoscaling.maxReplicas (2)",
    ),
    (
        "worker-default-liveness",
        {"image": IMAGE, "service": {"http": False}},
        "mg-library: values.probes.liveness: the main container serves no http port "
        "(values.service.http is false), so the default HTTP GET cannot run",
    ),
    (
        "worker-http-liveness",
        {"image": IMAGE, "service": {"http": False}, "probes": {"liveness": {"path": "/h"}}},
        "give probes.liveness.type exec (with command), grpc or tcpSocket",
    ),
    (
        "worker-readiness-on-http",
        {
            "image": IMAGE,
            "service": {"http": False},
            "probes": {"liveness": {"type": "exec", "command": ["true"]}},
        },
        'mg-library: values.probes.readiness.port: the main container has no port "http"',
    ),
    (
        "worker-tcp-on-http",
        {
            "image": IMAGE,
            "service": {"http": False},
            "probes": {"liveness": {"type": "tcpSocket"}},
        },
        'mg-library: values.probes.liveness.port: the main container has no port "http"',
    ),
    (
        "worker-grpc-without-port",
        {
            "image": IMAGE,
            "service": {"http": False},
            "probes": {"liveness": {"type": "grpc"}},
        },
        "mg-library: values.probes.liveness.port is required for a grpc probe when the main "
        "container has no http port",
    ),
    (
        "worker-ingress",
        {
            "image": IMAGE,
            "service": {"http": False},
            "probes": WORKER_PROBES,
            "ingress": {"enabled": True, "host": "a.example.com"},
        },
        "mg-library: values.ingress.enabled: the main container serves no http port",
    ),
    (
        "worker-metrics-on-http",
        {
            "image": IMAGE,
            "service": {"http": False},
            "probes": WORKER_PROBES,
            "metrics": {"enabled": True},
        },
        "mg-library: values.metrics.port: the main container serves no http port",
    ),
    (
        "metrics-port",
        {"image": IMAGE, "metrics": {"enabled": True, "port": "metrics"}},
        'mg-library: values.metrics.port "metrics" must name a Service port',
    ),
    (
        "probe-type",
        {"image": IMAGE, "probes": {"liveness": {"type": "http"}}},
        "mg-library: values.probes.liveness.type must be one of httpGet, tcpSocket, grpc, exec",
    ),
    (
        "grpc-named-port",
        {"image": IMAGE, "probes": {"readiness": {"type": "grpc", "port": "grpc"}}},
        "mg-library: values.probes.readiness.port must be a port number for a grpc probe",
    ),
    (
        "exec-command",
        {"image": IMAGE, "probes": {"startup": {"type": "exec"}}},
        "mg-library: values.probes.startup.command is required",
    ),
]


@pytest.mark.parametrize(
    ("values", "message"),
    [(c[1], c[2]) for c in TEMPLATE_FAILURES],
    ids=[c[0] for c in TEMPLATE_FAILURES],
)
def test_template_fail_names_key(tmp_path: Path, values: dict[str, Any], message: str) -> None:
    """Without values.schema.json, the templates themselves stop with a message naming the key."""
    chart = build_service_chart(tmp_path, "svc", values)
    (chart / "values.schema.json").unlink()
    assert message in render_error(chart)


def test_empty_tag_without_app_version_names_image_tag(tmp_path: Path) -> None:
    chart = build_service_chart(
        tmp_path, "svc", {"image": {"repository": "r", "tag": ""}}, app_version=None
    )
    assert "mg-library: values.image.tag is empty and the chart has no appVersion" in (
        render_error(chart)
    )


def test_empty_values_fail_names_image_repository_with_schema(tmp_path: Path) -> None:
    chart = build_service_chart(tmp_path, "svc", "")
    assert "values.image.repository is required" in render_error(chart)


# (case id, values, fragment of helm's schema error)
SCHEMA_FAILURES: list[tuple[str, dict[str, Any], str]] = [
    ("top-level-typo", {"image": IMAGE, "replicas": 2}, "additional properties 'replicas'"),
    ("nested-typo", {"image": IMAGE, "probes": {"liveness": {"enabeld": False}}}, "'enabeld'"),
    ("image-missing-repository", {"image": {"tag": "1"}}, "missing property 'repository'"),
    ("numeric-tag", {"image": {"repository": "r", "tag": 1.10}}, "/image/tag"),
    (
        "pull-secret-map-without-name",
        {"image": IMAGE, "imagePullSecrets": [{}]},
        "imagePullSecrets",
    ),
    ("bad-host", {"image": IMAGE, "ingress": {"enabled": True, "host": "a b"}}, "/ingress/host"),
    (
        "remote-key-typo",
        {"image": IMAGE, "externalSecret": {"keys": [{"secretKey": "A", "remotekey": "B"}]}},
        "'remotekey'",
    ),
    (
        "egress-flag-type",
        {"image": IMAGE, "networkPolicy": {"egress": {"kafka": "no"}}},
        "/networkPolicy/egress/kafka",
    ),
]


@pytest.mark.parametrize(
    ("values", "message"),
    [(c[1], c[2]) for c in SCHEMA_FAILURES],
    ids=[c[0] for c in SCHEMA_FAILURES],
)
def test_values_schema_rejects(tmp_path: Path, values: dict[str, Any], message: str) -> None:
    chart = build_service_chart(tmp_path, "svc", values)
    error = render_error(chart)
    assert "values don't meet the specifications of the schema" in error
    assert message in error
