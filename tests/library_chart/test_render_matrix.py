"""Render matrix: every library option on and off, each rendered with real helm and checked.

Each case = values on top of a minimal base, plus assertions on what the option changes. Every
rendered object also passes strict Kubernetes 1.35 / CRD schemas and PSS restricted
(helpers.render_checked), and `helm lint --strict` with values.schema.json.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .helpers import by_kind, one, render_checked

Objects = list[dict[str, Any]]
BASE: dict[str, Any] = {"image": {"repository": "shykhov/mg.svc", "tag": "1.2.3"}}


def merged(overrides: dict[str, Any]) -> dict[str, Any]:
    values = copy.deepcopy(BASE)
    values.update(copy.deepcopy(overrides))
    return values


def pod(objects: Objects) -> dict[str, Any]:
    spec: dict[str, Any] = one(objects, "Deployment")["spec"]["template"]["spec"]
    return spec


def main(objects: Objects) -> dict[str, Any]:
    container: dict[str, Any] = pod(objects)["containers"][0]
    return container


def egress_ports(objects: Objects) -> set[int]:
    policy = one(objects, "NetworkPolicy")
    return {p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", [])}


def kinds(objects: Objects) -> list[str]:
    return sorted(o["kind"] for o in objects)


def route(objects: Objects) -> dict[str, Any]:
    routes: list[dict[str, Any]] = one(objects, "IngressRoute")["spec"]["routes"]
    return routes[0]


SECRET_KEYS = [{"secretKey": "API_KEY", "remoteKey": "SVC_API_KEY"}]
Check = Callable[[Objects], None]


def _assert(condition: bool) -> None:
    assert condition


CASES: list[tuple[str, dict[str, Any], Check]] = [
    (
        "minimal",
        {},
        lambda o: _assert(
            kinds(o) == ["Deployment", "NetworkPolicy", "Service", "ServiceAccount"]
            and main(o)["image"] == "shykhov/mg.svc:1.2.3"
            and one(o, "Deployment")["spec"]["replicas"] == 1
        ),
    ),
    (
        "replicas-0",
        {"replicaCount": 0},
        lambda o: _assert(one(o, "Deployment")["spec"]["replicas"] == 0),
    ),
    (
        "image-registry",
        {"image": {"registry": "ghcr.io", "repository": "mg/svc", "tag": "9"}},
        lambda o: _assert(main(o)["image"] == "ghcr.io/mg/svc:9"),
    ),
    (
        "autoscaling-cpu",
        {"autoscaling": {"enabled": True, "targetCPUUtilizationPercentage": 70}},
        lambda o: _assert(
            "replicas" not in one(o, "Deployment")["spec"]
            and one(o, "HorizontalPodAutoscaler")["spec"]["metrics"][0]["resource"]["name"] == "cpu"
            and one(o, "HorizontalPodAutoscaler")["spec"]["maxReplicas"] == 3
        ),
    ),
    (
        "autoscaling-cpu-memory-behavior",
        {
            "autoscaling": {
                "enabled": True,
                "minReplicas": 2,
                "maxReplicas": 5,
                "targetCPUUtilizationPercentage": 70,
                "targetMemoryUtilizationPercentage": 80,
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
            }
        },
        lambda o: _assert(
            len(one(o, "HorizontalPodAutoscaler")["spec"]["metrics"]) == 2
            and one(o, "HorizontalPodAutoscaler")["spec"]["minReplicas"] == 2
        ),
    ),
    (
        "autoscaling-no-targets",
        {"autoscaling": {"enabled": True}},
        lambda o: _assert("metrics" not in one(o, "HorizontalPodAutoscaler")["spec"]),
    ),
    (
        "autoscaling-off",
        {"autoscaling": {"enabled": False, "maxReplicas": 4}},
        lambda o: _assert(not by_kind(o, "HorizontalPodAutoscaler")),
    ),
    (
        "pdb-minAvailable",
        {"pdb": {"enabled": True, "minAvailable": 1}},
        lambda o: _assert(
            one(o, "PodDisruptionBudget")["spec"]["minAvailable"] == 1
            and "maxUnavailable" not in one(o, "PodDisruptionBudget")["spec"]
        ),
    ),
    (
        "pdb-minAvailable-0",
        {"pdb": {"enabled": True, "minAvailable": 0}},
        lambda o: _assert(one(o, "PodDisruptionBudget")["spec"]["minAvailable"] == 0),
    ),
    (
        "pdb-maxUnavailable-percent",
        {"pdb": {"enabled": True, "maxUnavailable": "50%"}},
        lambda o: _assert(one(o, "PodDisruptionBudget")["spec"]["maxUnavailable"] == "50%"),
    ),
    (
        "pdb-default",
        {"pdb": {"enabled": True}},
        lambda o: _assert(one(o, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1),
    ),
    (
        # the seed's values carry maxUnavailable: 1; adding minAvailable must keep rendering,
        # and minAvailable wins as in the seed's library
        "pdb-both-min-available-wins",
        {"pdb": {"enabled": True, "minAvailable": 2, "maxUnavailable": 1}},
        lambda o: _assert(
            one(o, "PodDisruptionBudget")["spec"]["minAvailable"] == 2
            and "maxUnavailable" not in one(o, "PodDisruptionBudget")["spec"]
        ),
    ),
    (
        "pdb-off",
        {"pdb": {"enabled": False, "minAvailable": 1}},
        lambda o: _assert(not by_kind(o, "PodDisruptionBudget")),
    ),
    (
        "metrics-on",
        {
            "metrics": {
                "enabled": True,
                "interval": "15s",
                "labels": {"release": "kps", "app.kubernetes.io/part-of": "trading"},
            }
        },
        lambda o: _assert(
            one(o, "ServiceMonitor")["spec"]["endpoints"][0]
            == {
                "port": "http",
                "path": "/actuator/prometheus",
                "interval": "15s",
                "scrapeTimeout": "10s",
            }
            and one(o, "ServiceMonitor")["metadata"]["labels"]["release"] == "kps"
            and one(o, "ServiceMonitor")["metadata"]["labels"]["app.kubernetes.io/part-of"]
            == "trading"
        ),
    ),
    (
        "metrics-named-port",
        {
            "metrics": {"enabled": True, "port": "metrics", "path": "/metrics"},
            "extraPorts": [{"name": "metrics", "containerPort": 9090}],
            "service": {"extraPorts": [{"name": "metrics", "port": 9090}]},
        },
        lambda o: _assert(
            one(o, "ServiceMonitor")["spec"]["endpoints"][0]["port"] == "metrics"
            and one(o, "Service")["spec"]["ports"][1]["targetPort"] == "metrics"
            and {"protocol": "TCP", "port": "metrics"}
            in one(o, "NetworkPolicy")["spec"]["ingress"][1]["ports"]
        ),
    ),
    (
        "metrics-off",
        {"metrics": {"enabled": False}},
        lambda o: _assert(not by_kind(o, "ServiceMonitor")),
    ),
    (
        "networkpolicy-off",
        {"networkPolicy": {"enabled": False}},
        lambda o: _assert(not by_kind(o, "NetworkPolicy")),
    ),
    (
        "networkpolicy-no-postgres",
        {"networkPolicy": {"egress": {"postgres": False}}},
        lambda o: _assert(egress_ports(o) == {53, 9092, 9093}),
    ),
    (
        "networkpolicy-no-kafka",
        {"networkPolicy": {"egress": {"kafka": False}}},
        lambda o: _assert(egress_ports(o) == {53, 5432}),
    ),
    (
        "networkpolicy-dns-only",
        {"networkPolicy": {"egress": {"kafka": False, "postgres": False}}},
        lambda o: _assert(egress_ports(o) == {53}),
    ),
    (
        "networkpolicy-no-same-namespace",
        {"networkPolicy": {"egress": {"sameNamespace": False}}},
        lambda o: _assert(
            {"to": [{"podSelector": {}}]} not in one(o, "NetworkPolicy")["spec"]["egress"]
        ),
    ),
    (
        "networkpolicy-same-namespace-default",
        {"networkPolicy": {"enabled": True}},
        lambda o: _assert(
            {"to": [{"podSelector": {}}]} in one(o, "NetworkPolicy")["spec"]["egress"]
        ),
    ),
    (
        "networkpolicy-https",
        {"networkPolicy": {"allowExternalHTTPS": True}},
        lambda o: _assert(egress_ports(o) == {53, 443, 5432, 9092, 9093}),
    ),
    (
        "networkpolicy-namespaces-extra",
        {
            "networkPolicy": {
                "ingressFromNamespaces": ["traefik"],
                "egress": {"kafkaNamespace": "streaming", "databaseNamespace": "pg"},
                "extraIngress": [
                    {
                        "from": [{"podSelector": {"matchLabels": {"app": "x"}}}],
                        "ports": [{"protocol": "TCP", "port": 50051}],
                    }
                ],
                "extraEgress": [
                    {
                        "to": [{"ipBlock": {"cidr": "203.0.113.10/32"}}],
                        "ports": [{"protocol": "TCP", "port": 8443}],
                    }
                ],
            }
        },
        lambda o: _assert(
            egress_ports(o) == {53, 5432, 8443, 9092, 9093}
            and len(one(o, "NetworkPolicy")["spec"]["ingress"]) == 3
        ),
    ),
    (
        "networkpolicy-no-namespaces",
        {"networkPolicy": {"ingressFromNamespaces": []}},
        lambda o: _assert(len(one(o, "NetworkPolicy")["spec"]["ingress"]) == 1),
    ),
    (
        "externalsecret-on",
        {"externalSecret": {"enabled": True, "keys": SECRET_KEYS}},
        lambda o: _assert(
            one(o, "ExternalSecret")["spec"]["secretStoreRef"]["name"] == "doppler-development"
            and "checksum/external-secret"
            in one(o, "Deployment")["spec"]["template"]["metadata"]["annotations"]
            and main(o)["envFrom"] == [{"secretRef": {"name": "svc-secrets"}}]
        ),
    ),
    (
        "externalsecret-no-reload",
        {"externalSecret": {"enabled": True, "reloadOnChange": False, "keys": SECRET_KEYS}},
        lambda o: _assert(
            "annotations" not in one(o, "Deployment")["metadata"]
            and "annotations" not in one(o, "Deployment")["spec"]["template"]["metadata"]
        ),
    ),
    (
        "externalsecret-remoteref-store",
        {
            "environment": "staging",
            "externalSecret": {
                "enabled": True,
                "secretStoreName": "vault",
                "refreshInterval": "15m",
                "keys": [{"secretKey": "DSN", "remoteRef": {"key": "DB", "property": "dsn"}}],
            },
        },
        lambda o: _assert(
            one(o, "ExternalSecret")["spec"]["data"][0]["remoteRef"]
            == {"key": "DB", "property": "dsn"}
            and one(o, "ExternalSecret")["spec"]["secretStoreRef"]["name"] == "vault"
            and one(o, "ExternalSecret")["spec"]["refreshInterval"] == "15m"
        ),
    ),
    (
        "externalsecret-off",
        {"externalSecret": {"enabled": False, "keys": SECRET_KEYS}},
        lambda o: _assert(not by_kind(o, "ExternalSecret") and "envFrom" not in main(o)),
    ),
    (
        "ingress-protected",
        {"ingress": {"enabled": True, "host": "app.example.com"}},
        lambda o: _assert(
            route(o)["match"] == "Host(`app.example.com`) && PathPrefix(`/`)"
            and route(o)["middlewares"] == [{"name": "auth0-auth", "namespace": "traefik"}]
            and route(o)["services"] == [{"name": "svc", "port": 8080}]
            and one(o, "IngressRoute")["spec"]["entryPoints"] == ["websecure"]
            and one(o, "IngressRoute")["spec"]["tls"] == {"secretName": "svc-tls"}
            and one(o, "Certificate")["spec"]["secretName"] == "svc-tls"
            and one(o, "Certificate")["spec"]["dnsNames"] == ["app.example.com"]
            and one(o, "Certificate")["spec"]["issuerRef"]["name"] == "letsencrypt-production"
        ),
    ),
    (
        "ingress-public-paths",
        {
            "ingress": {
                "enabled": True,
                "host": "api.example.com",
                "auth": False,
                "paths": ["/api", "/ws"],
                "entryPoints": ["web", "websecure"],
                "tls": {"clusterIssuer": "letsencrypt-staging"},
            }
        },
        lambda o: _assert(
            [r["match"] for r in one(o, "IngressRoute")["spec"]["routes"]]
            == [
                "Host(`api.example.com`) && PathPrefix(`/api`)",
                "Host(`api.example.com`) && PathPrefix(`/ws`)",
            ]
            and all("middlewares" not in r for r in one(o, "IngressRoute")["spec"]["routes"])
            and one(o, "Certificate")["spec"]["issuerRef"]["name"] == "letsencrypt-staging"
        ),
    ),
    (
        "ingress-no-tls-custom-middleware",
        {
            "ingress": {
                "enabled": True,
                "host": "app.example.com",
                "tls": {"enabled": False},
                "middleware": {"name": "oauth", "namespace": "auth"},
            }
        },
        lambda o: _assert(
            "tls" not in one(o, "IngressRoute")["spec"]
            and not by_kind(o, "Certificate")
            and route(o)["middlewares"] == [{"name": "oauth", "namespace": "auth"}]
        ),
    ),
    (
        "ingress-off",
        {"ingress": {"enabled": False, "host": "app.example.com"}},
        lambda o: _assert(not by_kind(o, "IngressRoute") and not by_kind(o, "Certificate")),
    ),
    (
        "tmpdir-off",
        {"tmpDir": {"enabled": False}},
        lambda o: _assert("volumes" not in pod(o) and "volumeMounts" not in main(o)),
    ),
    (
        "tmpdir-with-mounts",
        {
            "tmpDir": {"enabled": True, "sizeLimit": "1Gi"},
            "volumes": [{"name": "config", "configMap": {"name": "svc-config"}}],
            "volumeMounts": [{"name": "config", "mountPath": "/config", "readOnly": True}],
        },
        lambda o: _assert(
            [m["name"] for m in main(o)["volumeMounts"]] == ["config", "tmp"]
            and pod(o)["volumes"][0] == {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}
            and pod(o)["volumes"][1]["name"] == "config"
        ),
    ),
    (
        "sidecar-with-ports-and-mounts",
        {
            "volumes": [{"name": "shared", "emptyDir": {}}],
            "sidecars": [
                {
                    "name": "proxy",
                    "image": "envoyproxy/envoy:v1.36.2",
                    "ports": [{"name": "admin", "containerPort": 9901}],
                    "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
                    "args": ["--config-path", "/shared/envoy.yaml"],
                    "readinessProbe": {"tcpSocket": {"port": 9901}},
                }
            ],
        },
        lambda o: _assert(
            pod(o)["containers"][1]["volumeMounts"] == [{"name": "shared", "mountPath": "/shared"}]
            and pod(o)["containers"][1]["securityContext"]["readOnlyRootFilesystem"] is True
            and pod(o)["containers"][1]["readinessProbe"] == {"tcpSocket": {"port": 9901}}
        ),
    ),
    (
        "sidecar-without-ports",
        {"sidecars": [{"name": "logger", "image": "busybox:1.37"}]},
        lambda o: _assert("ports" not in pod(o)["containers"][1]),
    ),
    (
        "sidecar-any-container-field",
        {
            "sidecars": [
                {
                    "name": "agent",
                    "image": "busybox:1.37",
                    "workingDir": "/work",
                    "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
                    "terminationMessagePolicy": "FallbackToLogsOnError",
                }
            ]
        },
        lambda o: _assert(
            pod(o)["containers"][1]["workingDir"] == "/work"
            and pod(o)["containers"][1]["lifecycle"] == {"preStop": {"sleep": {"seconds": 5}}}
        ),
    ),
    (
        "initcontainers",
        {
            "initContainers": [
                {
                    "name": "migrate",
                    "image": "shykhov/mg.migrate:1.0",
                    "command": ["/migrate"],
                    "securityContext": {"runAsUser": 1001},
                }
            ]
        },
        lambda o: _assert(
            pod(o)["initContainers"][0]["securityContext"]
            == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
                "runAsUser": 1001,
            }
        ),
    ),
    (
        "serviceaccount-existing",
        {"serviceAccount": {"create": False, "name": "shared-sa"}},
        lambda o: _assert(
            not by_kind(o, "ServiceAccount") and pod(o)["serviceAccountName"] == "shared-sa"
        ),
    ),
    (
        "serviceaccount-default",
        {"serviceAccount": {"create": False}},
        lambda o: _assert(pod(o)["serviceAccountName"] == "default"),
    ),
    (
        "serviceaccount-automount",
        {"serviceAccount": {"automount": True, "name": "svc-api", "annotations": {"a": "b"}}},
        lambda o: _assert(
            pod(o)["automountServiceAccountToken"] is True
            and one(o, "ServiceAccount")["metadata"]["name"] == "svc-api"
        ),
    ),
    (
        "probes-disabled",
        {"probes": {k: {"enabled": False} for k in ("liveness", "readiness", "startup")}},
        lambda o: _assert(not {"livenessProbe", "readinessProbe", "startupProbe"} & set(main(o))),
    ),
    (
        "probe-tcpsocket",
        {"probes": {"liveness": {"type": "tcpSocket", "initialDelaySeconds": 0}}},
        lambda o: _assert(
            main(o)["livenessProbe"]["tcpSocket"] == {"port": "http"}
            and main(o)["livenessProbe"]["initialDelaySeconds"] == 0
            and "httpGet" in main(o)["readinessProbe"]
        ),
    ),
    (
        "probe-grpc-exec",
        {
            "probes": {
                "readiness": {"type": "grpc", "port": 50051, "service": "ready"},
                "startup": {"type": "exec", "command": ["cat", "/tmp/started"]},
            }
        },
        lambda o: _assert(
            main(o)["readinessProbe"]["grpc"] == {"port": 50051, "service": "ready"}
            and main(o)["startupProbe"]["exec"]["command"] == ["cat", "/tmp/started"]
        ),
    ),
    (
        "probe-custom-http",
        {
            "probes": {"readiness": {"path": "/ready", "port": 9090, "successThreshold": 2}},
            "extraPorts": [{"name": "mgmt", "containerPort": 9090}],
        },
        lambda o: _assert(
            main(o)["readinessProbe"]["httpGet"] == {"path": "/ready", "port": 9090}
            and main(o)["readinessProbe"]["successThreshold"] == 2
        ),
    ),
    (
        "pullsecrets-strings",
        {"imagePullSecrets": ["regcred", "other"]},
        lambda o: _assert(pod(o)["imagePullSecrets"] == [{"name": "regcred"}, {"name": "other"}]),
    ),
    (
        "pullsecrets-maps",
        {"imagePullSecrets": [{"name": "regcred"}]},
        lambda o: _assert(pod(o)["imagePullSecrets"] == [{"name": "regcred"}]),
    ),
    (
        "pullsecrets-global-wins",
        {"global": {"imagePullSecrets": ["global-cred"]}, "imagePullSecrets": [{"name": "local"}]},
        lambda o: _assert(pod(o)["imagePullSecrets"] == [{"name": "global-cred"}]),
    ),
    (
        "pullsecrets-none",
        {"imagePullSecrets": []},
        lambda o: _assert("imagePullSecrets" not in pod(o)),
    ),
    (
        "springprofile-empty",
        {"springProfile": "", "env": [{"name": "A", "value": "1"}]},
        lambda o: _assert(main(o)["env"] == [{"name": "A", "value": "1"}]),
    ),
    (
        "springprofile-custom",
        {"springProfile": "prod"},
        lambda o: _assert(main(o)["env"] == [{"name": "SPRING_PROFILES_ACTIVE", "value": "prod"}]),
    ),
    (
        "springprofile-from-env",
        {"env": [{"name": "SPRING_PROFILES_ACTIVE", "value": "a,b"}]},
        lambda o: _assert(main(o)["env"] == [{"name": "SPRING_PROFILES_ACTIVE", "value": "a,b"}]),
    ),
    (
        "security-overrides",
        {
            "podSecurityContext": {"runAsUser": 2000},
            "securityContext": {
                "readOnlyRootFilesystem": False,
                "capabilities": {"add": ["NET_BIND_SERVICE"]},
            },
        },
        lambda o: _assert(
            pod(o)["securityContext"]["runAsUser"] == 2000
            and pod(o)["securityContext"]["runAsNonRoot"] is True
            and main(o)["securityContext"]
            == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": False,
                "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
            }
        ),
    ),
    (
        "scheduling",
        {
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [
                {
                    "key": "dedicated",
                    "operator": "Equal",
                    "value": "trading",
                    "effect": "NoSchedule",
                }
            ],
            "affinity": {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 100,
                            "podAffinityTerm": {
                                "topologyKey": "kubernetes.io/hostname",
                                "labelSelector": {"matchLabels": {"a": "b"}},
                            },
                        }
                    ]
                }
            },
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": {"a": "b"}},
                }
            ],
            "priorityClassName": "trading-critical",
            "terminationGracePeriodSeconds": 0,
            "strategy": {"type": "Recreate"},
        },
        lambda o: _assert(
            pod(o)["terminationGracePeriodSeconds"] == 0
            and pod(o)["priorityClassName"] == "trading-critical"
            and one(o, "Deployment")["spec"]["strategy"] == {"type": "Recreate"}
        ),
    ),
    (
        "command-args-envfrom-annotations",
        {
            "command": ["java"],
            "args": ["-jar", "/app.jar"],
            "envFrom": [{"configMapRef": {"name": "svc-config"}}],
            "podAnnotations": {"team": "trading"},
            "podLabels": {"tier": "backend"},
            "deploymentAnnotations": {"argocd.argoproj.io/sync-wave": "2"},
        },
        lambda o: _assert(
            main(o)["command"] == ["java"]
            and main(o)["envFrom"][0]["configMapRef"]["name"] == "svc-config"
            and one(o, "Deployment")["spec"]["template"]["metadata"]["labels"]["tier"] == "backend"
            and one(o, "Deployment")["metadata"]["annotations"]
            == {"argocd.argoproj.io/sync-wave": "2"}
        ),
    ),
    (
        "service-ports",
        {
            "service": {
                "type": "ClusterIP",
                "port": 9000,
                "annotations": {"a": "b"},
                "extraPorts": [{"name": "grpc", "port": 50051, "targetPort": 50051}],
            },
            "extraPorts": [{"name": "grpc", "containerPort": 50051}],
        },
        lambda o: _assert(
            [p["port"] for p in one(o, "Service")["spec"]["ports"]] == [9000, 50051]
            and main(o)["ports"][0]["containerPort"] == 9000
            and main(o)["livenessProbe"]["httpGet"]["port"] == "http"
        ),
    ),
    (
        "name-overrides",
        {"nameOverride": "trader", "fullnameOverride": "mg-trader"},
        lambda o: _assert(
            one(o, "Deployment")["metadata"]["name"] == "mg-trader"
            and one(o, "Deployment")["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
            == "trader"
        ),
    ),
]


EXEC_LIVENESS = {"type": "exec", "command": ["/bin/healthy", "--max-lag", "30s"]}
WORKER: dict[str, Any] = {
    "service": {"http": False},
    "probes": {
        "liveness": EXEC_LIVENESS,
        "readiness": {"enabled": False},
        "startup": {"enabled": False},
    },
    "metrics": {"enabled": False},
    "command": ["/app/consumer"],
    "args": ["--topic", "opportunities"],
}
METRICS_PORT = {"name": "metrics", "containerPort": 9100}


def with_worker(overrides: dict[str, Any]) -> dict[str, Any]:
    values = copy.deepcopy(WORKER)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(values.get(key), dict):
            values[key] = {**values[key], **value}
        else:
            values[key] = value
    return values


def ingress_rules(objects: Objects) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = one(objects, "NetworkPolicy")["spec"]["ingress"]
    return rules


# A worker: service.http false (no port, no Service), command/args, non-HTTP probes.
WORKER_CASES: list[tuple[str, dict[str, Any], Check]] = [
    (
        "worker-no-ports",
        {},
        lambda o: _assert(
            kinds(o) == ["Deployment", "NetworkPolicy", "ServiceAccount"]
            and "ports" not in main(o)
            and main(o)["command"] == ["/app/consumer"]
            and main(o)["args"] == ["--topic", "opportunities"]
            and main(o)["livenessProbe"]["exec"]["command"][0] == "/bin/healthy"
            and "readinessProbe" not in main(o)
            and "startupProbe" not in main(o)
            and ingress_rules(o) == []
            and one(o, "Deployment")["spec"]["template"]["metadata"]["annotations"][
                "mgctl.io/disabled-probes"
            ]
            == "readiness,startup"
        ),
    ),
    (
        "worker-metrics-port",
        {
            "extraPorts": [METRICS_PORT],
            "service": {"http": False, "extraPorts": [{"name": "metrics", "port": 9100}]},
            "metrics": {"enabled": True, "port": "metrics", "path": "/metrics"},
        },
        lambda o: _assert(
            [p["name"] for p in one(o, "Service")["spec"]["ports"]] == ["metrics"]
            and [p["name"] for p in main(o)["ports"]] == ["metrics"]
            and one(o, "ServiceMonitor")["spec"]["endpoints"][0]["port"] == "metrics"
            and [r["ports"] for r in ingress_rules(o)] == [[{"protocol": "TCP", "port": "metrics"}]]
        ),
    ),
    (
        "worker-grpc-liveness",
        {
            "extraPorts": [{"name": "grpc", "containerPort": 50051}],
            "probes": {"liveness": {"type": "grpc", "port": 50051, "service": "liveness"}},
        },
        lambda o: _assert(
            main(o)["livenessProbe"]["grpc"] == {"port": 50051, "service": "liveness"}
        ),
    ),
    (
        "worker-tcp-liveness-and-readiness",
        {
            "extraPorts": [{"name": "admin", "containerPort": 7070}],
            "probes": {
                "liveness": {"type": "tcpSocket", "port": "admin"},
                "readiness": {"type": "exec", "command": ["/bin/ready"], "periodSeconds": 2},
            },
        },
        lambda o: _assert(
            main(o)["livenessProbe"]["tcpSocket"] == {"port": "admin"}
            and main(o)["readinessProbe"]["exec"]["command"] == ["/bin/ready"]
            and main(o)["readinessProbe"]["periodSeconds"] == 2
            and not by_kind(o, "Service")
        ),
    ),
]


@pytest.mark.parametrize(
    ("overrides", "check"),
    [(c[1], c[2]) for c in WORKER_CASES],
    ids=[c[0] for c in WORKER_CASES],
)
def test_worker_matrix(tmp_path: Path, overrides: dict[str, Any], check: Check) -> None:
    objects = render_checked(tmp_path, merged(with_worker(overrides)))
    check(objects)


@pytest.mark.parametrize(
    ("overrides", "check"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_render_matrix(tmp_path: Path, overrides: dict[str, Any], check: Check) -> None:
    objects = render_checked(tmp_path, merged(overrides))
    check(objects)


def test_everything_on(tmp_path: Path) -> None:
    values: dict[str, Any] = {}
    for _, overrides, _ in CASES:
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(values.get(key), dict):
                values[key] = {**values[key], **value}
            else:
                values[key] = value
    values.update(
        {
            "autoscaling": {"enabled": True, "targetCPUUtilizationPercentage": 70},
            "pdb": {"enabled": True, "maxUnavailable": 1},
            "metrics": {"enabled": True},
            "networkPolicy": {"enabled": True, "allowExternalHTTPS": True},
            "externalSecret": {"enabled": True, "keys": SECRET_KEYS},
            "ingress": {"enabled": True, "host": "app.example.com"},
            "probes": {},
            "serviceAccount": {"create": True},
            "tmpDir": {"enabled": True},
            "sidecars": [{"name": "proxy", "image": "envoyproxy/envoy:v1.36.2"}],
        }
    )
    objects = render_checked(tmp_path, merged(values))
    assert kinds(objects) == [
        "Certificate",
        "Deployment",
        "ExternalSecret",
        "HorizontalPodAutoscaler",
        "IngressRoute",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
    ]
