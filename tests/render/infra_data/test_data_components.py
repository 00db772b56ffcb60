"""The observability & data components: values against the upstream chart schemas, manifests
against the upstream CRDs, and what config drives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import Component
from mgctl.render.infra.components import (
    alerting,
    alloy,
    cloudnative_pg,
    kube_prometheus_stack,
    loki,
    seaweedfs,
    strimzi,
    velero,
)

from .conftest import platform_from
from .helpers import chart_schema_errors, crd_errors

MODULES = (kube_prometheus_stack, alerting, loki, alloy, seaweedfs, velero, cloudnative_pg, strimzi)


def _components(platform: Platform) -> list[Component]:
    return [c for m in MODULES for c in m.build(platform)]


def _by_name(platform: Platform) -> dict[str, Component]:
    return {c.name: c for c in _components(platform)}


def _manifests(platform: Platform) -> list[tuple[Component, dict[str, Any]]]:
    return [(c, d) for c in _components(platform) for docs in c.manifests.values() for d in docs]


# --- schemas --------------------------------------------------------------------------------


def test_custom_resources_match_upstream_crds(example: Platform) -> None:
    checked = set()
    for _, doc in _manifests(example):
        assert crd_errors(doc) == [], f"{doc['kind']}/{doc['metadata']['name']}"
        checked.add(doc["kind"])
    assert {"ExternalSecret", "Kafka", "KafkaNodePool", "KafkaTopic", "PodMonitor"} <= checked


def test_crd_check_rejects_unknown_fields(example: Platform) -> None:
    node_pool = strimzi.node_pool(example)
    node_pool["spec"]["replica"] = 1
    assert any("replica" in e for e in crd_errors(node_pool))


@pytest.mark.parametrize(
    ("chart", "component"),
    [
        ("velero", "velero"),
        ("cloudnative-pg", "cloudnative-pg"),
        ("plugin-barman-cloud", "plugin-barman-cloud"),
        ("loki", "loki"),
    ],
)
def test_values_match_chart_schema(example: Platform, chart: str, component: str) -> None:
    values = _by_name(example)[component].values
    assert values is not None
    version = {"loki": "7.3.0"}.get(
        chart, catalog.chart(chart).version
    )  # newest loki schema copied
    assert chart_schema_errors(chart, version, values) == []


def test_chart_schema_check_rejects_bad_values(example: Platform) -> None:
    values = velero.values(example)
    values["deployNodeAgent"] = "yes"
    assert chart_schema_errors("velero", "12.1.0", values)


def test_velero_schedules_match_the_schedule_crd(example: Platform) -> None:
    for schedule in velero.values(example)["schedules"].values():
        body = {k: v for k, v in schedule.items() if k != "disabled"}  # chart-only key
        obj = {"apiVersion": "velero.io/v1", "kind": "Schedule", "spec": body}
        assert crd_errors(obj) == []


# --- waves, namespaces ----------------------------------------------------------------------


def _manifest_wave(component: Component) -> int:
    wave: int = component.sync_wave + 1 if component.chart else component.sync_wave
    return wave


def test_crd_providers_sync_before_their_users(example: Platform) -> None:
    providers = {
        crd: c.sync_wave for c in _components(example) for crd in c.provides_crds
    }  # core providers: monitoring CRDs wave 0, ESO wave 0 (stores wave 1)
    providers |= {
        f"monitoring.coreos.com/{kind}": 0
        for kind in ("PodMonitor", "PrometheusRule", "ServiceMonitor")
    }
    providers |= {"external-secrets.io/ExternalSecret": 1}
    for component, doc in _manifests(example):
        group = doc["apiVersion"].rpartition("/")[0]
        wave = providers[f"{group}/{doc['kind']}"]
        assert _manifest_wave(component) > wave, f"{component.name}: {doc['kind']}"


def test_secrets_exist_before_their_consumers(example: Platform) -> None:
    components = _by_name(example)
    for secrets, consumer in [
        ("monitoring-secrets", "kube-prometheus-stack"),
        ("monitoring-secrets", "loki"),
        ("seaweedfs-secrets", "seaweedfs"),
        ("velero-secrets", "velero"),
    ]:
        assert components[secrets].sync_wave < components[consumer].sync_wave
    assert components["seaweedfs"].sync_wave < components["loki"].sync_wave
    assert components["loki"].sync_wave < components["alloy"].sync_wave


def test_pod_security_exceptions_carry_reasons(example: Platform) -> None:
    levels = {}
    for component in _components(example):
        for namespace in component.namespaces:
            levels[namespace.name] = namespace.pod_security
            if namespace.pod_security != "restricted":
                assert len(namespace.reason) > 20, namespace.name
    assert levels["alloy"] == "privileged"  # hostPath /var/log
    assert levels["velero"] == "privileged"  # node-agent hostPath
    assert levels["node-exporter"] == "privileged"
    assert levels["cnpg-system"] == "restricted"


def test_every_external_secret_uses_v1_and_the_environment_store(example: Platform) -> None:
    secrets = [d for _, d in _manifests(example) if d["kind"] == "ExternalSecret"]
    assert len(secrets) == 5
    for secret in secrets:
        assert secret["apiVersion"] == "external-secrets.io/v1"
        assert secret["spec"]["secretStoreRef"] == {
            "kind": "ClusterSecretStore",
            "name": "doppler-production",
        }


# --- kube-prometheus-stack ------------------------------------------------------------------


def test_prometheus_sized_from_config(tmp_path: Path) -> None:
    obs = {"metrics": {"retention": "30d", "storage": "200Gi", "perDay": "5Gi"}}
    values = kube_prometheus_stack.values(platform_from(tmp_path, {"observability": obs}))
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "30d"
    assert spec["retentionSize"] == "180GB"
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "200Gi"
    assert claim["storageClassName"] == "longhorn"
    assert spec["serviceMonitorSelectorNilUsesHelmValues"] is False
    assert spec["podMonitorSelectorNilUsesHelmValues"] is False
    assert spec["ruleSelectorNilUsesHelmValues"] is False


def test_retention_size_not_whole_gigabytes() -> None:
    assert kube_prometheus_stack.retention_size("50Gi") == "45GB"
    assert kube_prometheus_stack.retention_size("15Gi") == "13824MB"


def test_k3s_control_plane_and_crds(example: Platform) -> None:
    values = kube_prometheus_stack.values(example)
    for target in ("kubeScheduler", "kubeControllerManager", "kubeProxy", "kubeEtcd"):
        assert values[target] == {"enabled": False}
    assert values["crds"] == {"enabled": False}
    assert values["defaultRules"]["rules"]["etcd"] is False


def test_grafana_password_from_eso_and_loki_datasource(example: Platform) -> None:
    grafana = kube_prometheus_stack.values(example)["grafana"]
    assert grafana["admin"]["existingSecret"] == "grafana-admin"
    [datasource] = grafana["additionalDataSources"]
    assert datasource["type"] == "loki"
    assert datasource["url"] == "http://loki.monitoring.svc:3100"
    secret = kube_prometheus_stack.grafana_secret(example)
    assert secret["spec"]["data"] == [
        {"secretKey": "GRAFANA_ADMIN_PASSWORD", "remoteRef": {"key": "GRAFANA_ADMIN_PASSWORD"}}
    ]
    assert set(secret["spec"]["target"]["template"]["data"]) == {"admin-user", "admin-password"}


def test_alertmanager_uses_the_eso_secret(example: Platform) -> None:
    spec = kube_prometheus_stack.values(example)["alertmanager"]["alertmanagerSpec"]
    assert spec["configSecret"] == alerting.CONFIG_SECRET
    assert spec["useExistingSecret"] is True


# --- Loki, Alloy ----------------------------------------------------------------------------


def test_loki_monolithic_tsdb_v13_on_s3(example: Platform) -> None:
    values = loki.values(example)
    assert values["deploymentMode"] == "Monolithic"
    [schema] = values["loki"]["schemaConfig"]["configs"]
    assert (schema["store"], schema["schema"], schema["object_store"]) == ("tsdb", "v13", "s3")
    s3 = values["loki"]["storage"]["s3"]
    assert s3["endpoint"] == "seaweedfs-s3.seaweedfs.svc:8333"
    assert s3["insecure"] is True
    assert s3["accessKeyId"] == "${AWS_ACCESS_KEY_ID}"
    assert values["loki"]["storage"]["bucketNames"]["chunks"] == "loki-chunks"
    assert "-config.expand-env=true" in values["singleBinary"]["extraArgs"]
    assert values["singleBinary"]["persistence"]["size"] == "10Gi"


def test_loki_retention_and_limits_from_config(tmp_path: Path) -> None:
    obs = {"logs": {"retention": "14d", "ingestionRateMb": 16}}
    values = loki.values(platform_from(tmp_path, {"observability": obs}))
    limits = values["loki"]["limits_config"]
    assert limits["retention_period"] == "336h"
    assert limits["ingestion_rate_mb"] == 16
    assert limits["ingestion_burst_size_mb"] == 32
    assert values["loki"]["compactor"]["retention_enabled"] is True
    assert values["loki"]["compactor"]["delete_request_store"] == "s3"


def test_alloy_pipeline() -> None:
    config = alloy.alloy_config()
    assert config.count("{") == config.count("}")
    for label in ("app", "namespace", "pod", "container"):
        assert f'target_label  = "{label}"' in config
    assert "stage.cri { }" in config
    assert 'firstline     = "^\\\\d{4}-\\\\d{2}-\\\\d{2}"' in config
    assert 'url = "http://loki.monitoring.svc:3100/loki/api/v1/push"' in config
    assert "${" not in config and "@" not in config


def test_alloy_is_a_daemonset_reading_var_log(example: Platform) -> None:
    values = alloy.values(example)
    assert values["controller"]["type"] == "daemonset"
    assert values["alloy"]["mounts"]["varlog"] is True


# --- object store ---------------------------------------------------------------------------


def test_seaweedfs_buckets_and_credentials(example: Platform) -> None:
    values = seaweedfs.values(example)
    s3 = values["filer"]["s3"]
    assert [b["name"] for b in s3["createBuckets"]] == [
        "velero-backups",
        "db-backups",
        "loki-chunks",
        "longhorn-backups",
    ]
    assert s3["enableAuth"] is True
    assert s3["existingConfigSecret"] == seaweedfs.S3_CONFIG_SECRET
    assert values["volume"]["dataDirs"][0]["size"] == example.object_store.size
    assert all(values[p]["logs"] == {"type": "emptyDir"} for p in ("master", "volume", "filer"))
    secret = _by_name(example)["seaweedfs-secrets"].manifests["external-secrets"][0]
    template = secret["spec"]["target"]["template"]["data"]["seaweedfs_s3_config"]
    assert '"accessKey": {{ .AWS_ACCESS_KEY_ID | toJson }}' in template


def test_external_object_store(tmp_path: Path) -> None:
    store = {"type": "external", "endpoint": "https://s3.eu-central-1.wasabisys.com"}
    platform = platform_from(tmp_path, {"objectStore": store})
    names = _by_name(platform)
    assert "seaweedfs" not in names and "seaweedfs-secrets" not in names
    s3 = loki.values(platform)["loki"]["storage"]["s3"]
    assert (s3["endpoint"], s3["insecure"]) == ("s3.eu-central-1.wasabisys.com", False)
    [location] = velero.values(platform)["configuration"]["backupStorageLocation"]
    assert location["config"]["s3Url"] == "https://s3.eu-central-1.wasabisys.com"


# --- Velero ---------------------------------------------------------------------------------


def test_velero_seed_schedules_and_fs_backup(example: Platform) -> None:
    values = velero.values(example)
    daily = values["schedules"]["daily-full"]
    hourly = values["schedules"]["hourly-apps"]
    assert (daily["schedule"], daily["template"]["ttl"]) == ("0 3 * * *", "720h0m0s")
    assert (hourly["schedule"], hourly["template"]["ttl"]) == ("0 * * * *", "168h0m0s")
    services = ["auth-service", "broker", "engine", "frontend"]
    assert hourly["template"]["includedNamespaces"] == services
    assert "seaweedfs" in daily["template"]["excludedNamespaces"]
    assert values["deployNodeAgent"] is True
    assert values["configuration"]["defaultVolumesToFsBackup"] is True
    [plugin] = values["initContainers"]
    assert re.fullmatch(r"docker\.io/velero/velero-plugin-for-aws:v1\.14\.\d+", plugin["image"])
    [location] = values["configuration"]["backupStorageLocation"]
    assert location["config"]["s3ForcePathStyle"] == "true"
    assert location["bucket"] == "velero-backups"
    assert values["metrics"]["serviceMonitor"]["enabled"] is True


def test_velero_credentials_file_template(example: Platform) -> None:
    secret = _by_name(example)["velero-secrets"].manifests["external-secrets"][0]
    cloud = secret["spec"]["target"]["template"]["data"]["cloud"]
    assert cloud.splitlines() == [
        "[default]",
        "aws_access_key_id={{ .AWS_ACCESS_KEY_ID }}",
        "aws_secret_access_key={{ .AWS_SECRET_ACCESS_KEY }}",
    ]


# --- CNPG, Strimzi ------------------------------------------------------------------------


def test_cnpg_operator_and_plugin(example: Platform) -> None:
    components = _by_name(example)
    assert "barmancloud.cnpg.io/ObjectStore" in components["plugin-barman-cloud"].provides_crds
    assert "postgresql.cnpg.io/Cluster" in components["cloudnative-pg"].provides_crds
    cnpg_values = components["cloudnative-pg"].values
    assert cnpg_values is not None
    assert cnpg_values["monitoring"]["podMonitorEnabled"] is True
    assert components["cloudnative-pg"].sync_wave < components["plugin-barman-cloud"].sync_wave


def test_kafka_kraft_from_config(tmp_path: Path) -> None:
    kafka = {
        "version": "4.2.0",
        "replicas": 3,
        "storage": "50Gi",
        "topics": [{"name": "trades", "partitions": 6, "replicas": 3, "retention": "2d"}],
    }
    platform = platform_from(tmp_path, {"kafka": kafka})
    cluster = strimzi.kafka(platform)["spec"]["kafka"]
    assert cluster["config"]["default.replication.factor"] == 3
    assert cluster["config"]["min.insync.replicas"] == 2
    assert [(x["name"], x["port"], x["tls"]) for x in cluster["listeners"]] == [
        ("plain", 9092, False),
        ("tls", 9093, True),
    ]
    pool = strimzi.node_pool(platform)["spec"]
    assert pool["replicas"] == 3 and pool["roles"] == ["controller", "broker"]
    assert pool["storage"]["volumes"][0]["size"] == "50Gi"
    [topic] = _by_name(platform)["strimzi"].manifests["topics"]
    assert topic["spec"]["config"]["retention.ms"] == 2 * 86400 * 1000
    assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "kafka"


def test_single_node_kafka_replication(example: Platform) -> None:
    config = strimzi.kafka(example)["spec"]["kafka"]["config"]
    assert config["offsets.topic.replication.factor"] == 1
    assert config["min.insync.replicas"] == 1


def test_kafka_disabled_renders_nothing(tmp_path: Path, example: Platform) -> None:
    services = [s.model_dump(by_alias=True, exclude_defaults=True) for s in example.services]
    for service in services:
        service.get("egress", {}).pop("kafka", None)
    platform = platform_from(tmp_path, {"kafka": {"enabled": False}, "services": services})
    assert strimzi.build(platform) == []
    groups = [g["name"] for g in alerting.rule_groups(platform)]
    assert "platform-kafka" not in groups


def test_backup_age_alerts_name_the_chart_schedules(example: Platform) -> None:
    """The chart prefixes each Schedule with the release fullname; the alerts match that."""
    exprs = [
        r["expr"]
        for g in alerting.rule_groups(example)
        for r in g["rules"]
        if r["alert"] == "VeleroBackupTooOld"
    ]
    names = [velero.schedule_object_name(s) for s in example.backups.velero_schedules]
    assert names == ["velero-daily-full", "velero-hourly-apps"]
    assert [f'schedule="{n}"' in e for n, e in zip(names, exprs, strict=True)] == [True, True]


def test_components_lay_out_in_the_infrastructure_repository(example: Platform) -> None:
    from mgctl.render.infra.repository import lay_out

    apps = {
        app["metadata"]["name"]: app
        for item in lay_out(example)
        for app in item.applications
        if item.component.name in _by_name(example)
    }
    assert {"kube-prometheus-stack", "loki", "alloy", "velero", "strimzi-config"} <= set(apps)
    wave = "argocd.argoproj.io/sync-wave"
    assert apps["strimzi-config"]["metadata"]["annotations"][wave] == "5"


def test_node_exporter_namespace_is_a_project_destination(example: Platform) -> None:
    """The subchart deploys into `node-exporter`; a chart-less component declares it."""
    from mgctl.render.infra.repository import _platform_namespaces, lay_out

    holder = _by_name(example)["node-exporter"]
    assert holder.chart is None and not holder.manifests
    values = kube_prometheus_stack.values(example)
    assert values["prometheus-node-exporter"]["namespaceOverride"] == holder.namespace
    assert "node-exporter" in _platform_namespaces(lay_out(example))


def test_coredns_scraped_without_a_kube_system_destination(example: Platform) -> None:
    assert kube_prometheus_stack.values(example)["coreDns"] == {"enabled": False}
    monitor = kube_prometheus_stack.coredns_monitor()
    assert monitor["metadata"]["namespace"] == "monitoring"
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["kube-system"]}
    assert crd_errors(monitor) == []
