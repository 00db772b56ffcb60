"""NetworkPolicy content: default deny both ways, DNS always, 443/Postgres/Kafka per flag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import build_service_chart, by_kind, one, render, schema_errors

IMAGE = {"repository": "shykhov/mg.svc", "tag": "1.0.0"}
DNS_RULE = {
    "to": [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}
SAME_NAMESPACE_RULE: dict[str, Any] = {"to": [{"podSelector": {}}]}
HTTPS_RULE = {
    "to": [
        {
            "ipBlock": {
                "cidr": "0.0.0.0/0",
                "except": [
                    "10.0.0.0/8",
                    "172.16.0.0/12",
                    "192.168.0.0/16",
                    "100.64.0.0/10",
                    "169.254.0.0/16",
                ],
            }
        }
    ],
    "ports": [{"protocol": "TCP", "port": 443}],
}


def _namespace_rule(namespace: str, *ports: int) -> dict[str, Any]:
    return {
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}],
        "ports": [{"protocol": "TCP", "port": port} for port in ports],
    }


def _policy(tmp_path: Path, network_policy: dict[str, Any] | None) -> dict[str, Any]:
    values: dict[str, Any] = {"image": IMAGE}
    if network_policy is not None:
        values["networkPolicy"] = network_policy
    policy = one(render(build_service_chart(tmp_path, "svc", values)), "NetworkPolicy")
    assert not schema_errors(policy)
    return policy


@pytest.mark.parametrize(
    ("network_policy", "expected_egress"),
    [
        # absent section: enabled, same namespace, the seed's Kafka + Postgres, no internet
        (
            None,
            [
                DNS_RULE,
                SAME_NAMESPACE_RULE,
                _namespace_rule("kafka", 9092, 9093),
                _namespace_rule("databases", 5432),
            ],
        ),
        (
            {"enabled": True, "egress": {"kafka": False, "postgres": False}},
            [DNS_RULE, SAME_NAMESPACE_RULE],
        ),
        (
            {"egress": {"kafka": False, "postgres": False, "sameNamespace": False}},
            [DNS_RULE],
        ),
        (
            {"egress": {"kafka": False, "sameNamespace": False}},
            [DNS_RULE, _namespace_rule("databases", 5432)],
        ),
        (
            {"egress": {"postgres": False, "sameNamespace": False}},
            [DNS_RULE, _namespace_rule("kafka", 9092, 9093)],
        ),
        (
            {
                "egress": {
                    "kafkaNamespace": "streaming",
                    "databaseNamespace": "pg",
                    "sameNamespace": False,
                }
            },
            [DNS_RULE, _namespace_rule("streaming", 9092, 9093), _namespace_rule("pg", 5432)],
        ),
        (
            {
                "allowExternalHTTPS": True,
                "egress": {"kafka": False, "postgres": False, "sameNamespace": False},
            },
            [DNS_RULE, HTTPS_RULE],
        ),
        (
            {
                "allowExternalHTTPS": False,
                "egress": {"kafka": False, "postgres": False, "sameNamespace": False},
            },
            [DNS_RULE],
        ),
    ],
)
def test_egress(
    tmp_path: Path, network_policy: dict[str, Any] | None, expected_egress: list[Any]
) -> None:
    policy = _policy(tmp_path, network_policy)
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert policy["spec"]["egress"] == expected_egress


def test_default_ingress_same_namespace_traefik_monitoring_on_http_port(tmp_path: Path) -> None:
    policy = _policy(tmp_path, {"enabled": True})
    assert policy["spec"]["podSelector"] == {
        "matchLabels": {"app.kubernetes.io/name": "svc", "app.kubernetes.io/instance": "svc"}
    }
    assert policy["spec"]["ingress"] == [
        {"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 8080}]},
        {
            "from": [
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}
                for ns in ("traefik", "monitoring")
            ],
            "ports": [{"protocol": "TCP", "port": 8080}],
        },
    ]


def test_extra_rules_are_appended(tmp_path: Path) -> None:
    extra_in = {"from": [{"namespaceSelector": {}}], "ports": [{"protocol": "TCP", "port": 50051}]}
    extra_out = {"to": [{"ipBlock": {"cidr": "198.51.100.7/32"}}]}
    policy = _policy(
        tmp_path,
        {
            "ingressFromNamespaces": ["gateway"],
            "extraIngress": [extra_in],
            "extraEgress": [extra_out],
        },
    )
    assert policy["spec"]["ingress"][1]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateway"}}}
    ]
    assert policy["spec"]["ingress"][-1] == extra_in
    assert policy["spec"]["egress"][-1] == extra_out


def test_disabled_renders_no_policy(tmp_path: Path) -> None:
    values = {"image": IMAGE, "networkPolicy": {"enabled": False, "allowExternalHTTPS": True}}
    assert not by_kind(render(build_service_chart(tmp_path, "svc", values)), "NetworkPolicy")
