"""Strimzi operator and the Kafka cluster in KRaft mode (kafka.strimzi.io/v1): one dual-role
KafkaNodePool, the seed's plain (9092) and tls (9093) listeners, and the topics from config."""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.data import KafkaTopic
from mgctl.config.platform import Platform
from mgctl.config.units import parse_duration
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace

NAMESPACE = "kafka"
CLUSTER = "kafka"
NODE_POOL = "dual-role"
OPERATOR_RESOURCES = {"requests": {"cpu": "200m", "memory": "384Mi"}, "limits": {"memory": "512Mi"}}
KAFKA_RESOURCES = {"requests": {"cpu": "200m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}
EXPORTER_RESOURCES = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}
ENTITY_RESOURCES = {"requests": {"cpu": "50m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
METRICS_ALLOW = [
    "kafka_server_replicamanager_.*",
    "kafka_controller_kafkacontroller_.*",
    "kafka_server_brokertopicmetrics_.*",
    "kafka_network_requestmetrics_.*",
    "kafka_log_log_size",
    "kafka_server_raft_.*",
]
STRIMZI_CRDS = (
    "kafka.strimzi.io/Kafka",
    "kafka.strimzi.io/KafkaConnect",
    "core.strimzi.io/StrimziPodSet",
    "kafka.strimzi.io/KafkaTopic",
    "kafka.strimzi.io/KafkaUser",
    "kafka.strimzi.io/KafkaNodePool",
    "kafka.strimzi.io/KafkaBridge",
    "kafka.strimzi.io/KafkaConnector",
    "kafka.strimzi.io/KafkaMirrorMaker2",
    "kafka.strimzi.io/KafkaRebalance",
)


def replication(replicas: int) -> dict[str, int]:
    """Replication factor and min ISR for the internal topics and the defaults."""
    factor = min(3, replicas)
    min_isr = max(1, factor - 1)
    return {"factor": factor, "min_isr": min_isr}


def kafka(platform: Platform) -> dict[str, Any]:
    rep = replication(platform.kafka.replicas)
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "Kafka",
        "metadata": {"name": CLUSTER, "namespace": NAMESPACE},
        "spec": {
            "kafka": {
                "version": platform.kafka.version,
                "listeners": [
                    {"name": "plain", "port": 9092, "type": "internal", "tls": False},
                    {"name": "tls", "port": 9093, "type": "internal", "tls": True},
                ],
                "config": {
                    "offsets.topic.replication.factor": rep["factor"],
                    "transaction.state.log.replication.factor": rep["factor"],
                    "transaction.state.log.min.isr": rep["min_isr"],
                    "default.replication.factor": rep["factor"],
                    "min.insync.replicas": rep["min_isr"],
                    "auto.create.topics.enable": False,
                },
                "metricsConfig": {
                    "type": "strimziMetricsReporter",
                    "values": {"allowList": METRICS_ALLOW},
                },
            },
            "entityOperator": {
                "topicOperator": {"resources": ENTITY_RESOURCES},
                "userOperator": {"resources": ENTITY_RESOURCES},
            },
            "kafkaExporter": {
                "topicRegex": ".*",
                "groupRegex": ".*",
                "resources": EXPORTER_RESOURCES,
            },
        },
    }


def node_pool(platform: Platform) -> dict[str, Any]:
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaNodePool",
        "metadata": {
            "name": NODE_POOL,
            "namespace": NAMESPACE,
            "labels": {"strimzi.io/cluster": CLUSTER},
        },
        "spec": {
            "replicas": platform.kafka.replicas,
            "roles": ["controller", "broker"],
            "storage": {
                "type": "jbod",
                "volumes": [
                    {
                        "id": 0,
                        "type": "persistent-claim",
                        "size": platform.kafka.storage,
                        "class": platform.cluster.storage_class,
                        "deleteClaim": False,
                        "kraftMetadata": "shared",
                    }
                ],
            },
            "resources": KAFKA_RESOURCES,
        },
    }


def topic(spec: KafkaTopic) -> dict[str, Any]:
    body: dict[str, Any] = {"partitions": spec.partitions, "replicas": spec.replicas}
    if spec.retention:
        body["config"] = {"retention.ms": parse_duration(spec.retention) * 1000}
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaTopic",
        "metadata": {
            "name": spec.name,
            "namespace": NAMESPACE,
            "labels": {"strimzi.io/cluster": CLUSTER},
        },
        "spec": body,
    }


def pod_monitor() -> dict[str, Any]:
    """Scrapes brokers (metrics reporter) and the Kafka exporter on port tcp-prometheus."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": "kafka-metrics", "namespace": NAMESPACE},
        "spec": {
            "selector": {
                "matchExpressions": [
                    {"key": "strimzi.io/kind", "operator": "In", "values": ["Kafka"]},
                    {"key": "strimzi.io/cluster", "operator": "In", "values": [CLUSTER]},
                ]
            },
            "namespaceSelector": {"matchNames": [NAMESPACE]},
            "podMetricsEndpoints": [{"port": "tcp-prometheus", "path": "/metrics"}],
        },
    }


def operator_values(platform: Platform) -> dict[str, Any]:
    return {"watchAnyNamespace": False, "resources": OPERATOR_RESOURCES}


def build(platform: Platform) -> list[Component]:
    if not platform.kafka.enabled:
        return []
    manifests: dict[str, list[dict[str, Any]]] = {
        "kafka": [node_pool(platform), kafka(platform)],
        "pod-monitor": [pod_monitor()],
    }
    if platform.kafka.topics:
        manifests["topics"] = [topic(t) for t in platform.kafka.topics]
    return [
        Component(
            name="strimzi",
            namespace=NAMESPACE,
            sync_wave=4,
            chart=catalog.chart("strimzi").ref,
            release_name="strimzi-kafka-operator",
            values=operator_values(platform),
            manifests=manifests,
            provides_crds=STRIMZI_CRDS,
            cluster_resources=(*CRDS_AND_RBAC,),
            namespaces=(
                Namespace(
                    NAMESPACE,
                    "baseline",
                    reason=(
                        "Strimzi's default pod security provider sets no seccompProfile; "
                        "the seed ran kafka at baseline too"
                    ),
                ),
            ),
            description="Kafka operator + KRaft cluster (dual-role node pool) and topics",
            seed_deviation=(
                "ZooKeeper removed: KRaft with a KafkaNodePool; kafka.strimzi.io/v1; "
                "metrics via the Strimzi metrics reporter instead of a JMX exporter ConfigMap"
            ),
        )
    ]
