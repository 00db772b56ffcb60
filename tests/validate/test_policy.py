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
