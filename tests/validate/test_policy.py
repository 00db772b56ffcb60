"""Platform policy: image tags, resources, probes, NetworkPolicy coverage, secrets."""

from __future__ import annotations

from typing import Any

import pytest

from mgctl.validate.policy import check_manifests, image_problem, selector_matches

from .builders import clean_set, manifests_of, pod_spec, secure_container


def policy_findings(docs: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(f.check, f.path, f.message) for f in check_manifests(manifests_of(docs), "api")]


def test_clean_set_passes() -> None:
    assert policy_findings(clean_set()) == []


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("nginx:1.27.3", True),
        ("registry:5000/team/app:v2", True),
        ("ghcr.io/a/b@sha256:" + "a" * 64, True),
        ("nginx", False),
        ("nginx:latest", False),
        ("registry:5000/team/app", False),
        ("", False),
    ],
)
def test_image_tags(image: str, pinned: bool) -> None:
    assert (image_problem(image) == "") is pinned


def test_latest_tag_is_a_finding() -> None:
    docs = clean_set()
    pod_spec(docs[0])["containers"][0]["image"] = "ghcr.io/acme/api:latest"
    assert [f[:2] for f in policy_findings(docs)] == [
        ("image-tag", "spec.template.spec.containers[0].image")
    ]


def test_missing_limits_is_a_finding() -> None:
    docs = clean_set()
    del pod_spec(docs[0])["containers"][0]["resources"]["limits"]["memory"]
    assert policy_findings(docs) == [
        (
            "resources",
            "spec.template.spec.containers[0].resources.limits",
            "container 'api' has no limits for memory: set resources.limits.memory",
        )
    ]


def test_missing_probes_on_main_container_but_not_on_sidecar() -> None:
    docs = clean_set()
    sidecar = secure_container("proxy", "ghcr.io/acme/proxy:0.3.0")
    del sidecar["livenessProbe"], sidecar["readinessProbe"]
    pod_spec(docs[0])["containers"].append(sidecar)
    assert policy_findings(docs) == []
    del pod_spec(docs[0])["containers"][0]["readinessProbe"]
    assert [f[:2] for f in policy_findings(docs)] == [
        ("probes", "spec.template.spec.containers[0].readinessProbe")
    ]


def test_missing_network_policy_is_a_finding() -> None:
    docs = [d for d in clean_set() if d["kind"] != "NetworkPolicy"]
    (finding,) = policy_findings(docs)
    assert finding[0] == "network-policy"
    assert "no NetworkPolicy in namespace api selects the pod labels" in finding[2]


def test_network_policy_in_another_namespace_does_not_count() -> None:
    docs = clean_set()
    docs[2]["metadata"]["namespace"] = "other"
    assert [f[0] for f in policy_findings(docs)] == ["network-policy"]


def test_label_selector_semantics() -> None:
    labels = {"app": "api", "tier": "web"}
    assert selector_matches({}, labels)
    assert selector_matches({"matchLabels": {"app": "api"}}, labels)
    assert not selector_matches({"matchLabels": {"app": "db"}}, labels)
    expr = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]}
    assert selector_matches(expr, labels)
    expr = {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}
    assert not selector_matches(expr, labels)


def test_plain_secret_is_a_finding() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "api"},
        "stringData": {"password": "hunter2"},
    }
    (finding,) = policy_findings([*clean_set(), secret])
    assert finding[:2] == ("secret-literal", "stringData")
    assert "ExternalSecret" in finding[2]


def test_literal_password_env_is_a_finding_but_secret_ref_is_not() -> None:
    docs = clean_set()
    env = [
        {"name": "DB_PASSWORD", "value": "hunter2"},
        {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
        {"name": "LOG_LEVEL", "value": "info"},
        {"name": "TOKEN_FILE", "value": "/var/run/token"},
    ]
    pod_spec(docs[0])["containers"][0]["env"] = env
    assert [f[:2] for f in policy_findings(docs)] == [
        ("secret-literal", "spec.template.spec.containers[0].env[0].value")
    ]


def _worker_set() -> list[dict[str, Any]]:
    """A worker: no Service routes to it."""
    docs = [d for d in clean_set() if d["kind"] != "Service"]
    main = pod_spec(docs[0])["containers"][0]
    del main["ports"], main["readinessProbe"]
    main["livenessProbe"] = {"exec": {"command": ["/bin/healthy"]}}
    return docs


def _disable(doc: dict[str, Any], kinds: str) -> None:
    doc["spec"]["template"]["metadata"]["annotations"] = {"mgctl.io/disabled-probes": kinds}


def test_a_worker_no_service_routes_to_needs_no_readiness_probe() -> None:
    assert policy_findings(_worker_set()) == []


def test_a_worker_still_needs_a_liveness_probe() -> None:
    docs = _worker_set()
    del pod_spec(docs[0])["containers"][0]["livenessProbe"]
    (finding,) = policy_findings(docs)
    assert finding[:2] == ("probes", "spec.template.spec.containers[0].livenessProbe")
    assert "or disable it on purpose (probes.liveness.enabled: false" in finding[2]


def test_a_probe_disabled_on_purpose_is_a_warning_not_an_error() -> None:
    docs = clean_set()
    del pod_spec(docs[0])["containers"][0]["livenessProbe"]
    del pod_spec(docs[0])["containers"][0]["readinessProbe"]
    _disable(docs[0], "liveness,readiness,startup")
    found = check_manifests(manifests_of(docs), "api")
    assert [(f.severity, f.path) for f in found] == [
        ("warning", "spec.template.spec.containers[0].livenessProbe"),
        ("warning", "spec.template.spec.containers[0].readinessProbe"),
    ]
    assert "a hung process is never restarted" in found[0].message
    assert "sends requests to pods that are not ready" in found[1].message


def test_a_metrics_only_service_does_not_ask_for_readiness() -> None:
    """A worker's Service that a ServiceMonitor scrapes carries no traffic."""
    docs = _worker_set()
    labels = {"app.kubernetes.io/name": "api"}
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "api", "namespace": "api", "labels": labels},
        "spec": {"selector": labels, "ports": [{"name": "metrics", "port": 9100}]},
    }
    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "api", "namespace": "api"},
        "spec": {"selector": {"matchLabels": labels}, "endpoints": [{"port": "metrics"}]},
    }
    assert policy_findings([*docs, service, monitor]) == []
    (finding,) = policy_findings([*docs, service])  # without the monitor it is traffic
    assert finding[:2] == ("probes", "spec.template.spec.containers[0].readinessProbe")
