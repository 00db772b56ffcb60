"""Alertmanager -> Telegram, rendered by ESO from Doppler, and the platform's own alert rules.

The whole `alertmanager.yaml` is an ESO template (engine v2, Go templates): `{{ .TELEGRAM_* }}`
are ESO's variables; Alertmanager's own message template is wrapped in a Go raw string
(`{{ `...` }}`) so ESO emits it verbatim. chat_id is written unquoted: Alertmanager wants an int.
"""

from __future__ import annotations

from typing import Any

from mgctl.config import cron
from mgctl.config.platform import Platform
from mgctl.config.units import parse_duration
from mgctl.render.infra.component import Component
from mgctl.render.infra.components import seaweedfs, velero

NAMESPACE = "monitoring"
CONFIG_SECRET = "alertmanager-telegram"
BOT_TOKEN = "TELEGRAM_BOT_TOKEN"
CHAT_ID = "TELEGRAM_CHAT_ID"

TELEGRAM_MESSAGE = """\
{{ range .Alerts -}}
<b>{{ .Status | toUpper }}</b>: {{ .Labels.alertname }}
<b>Severity:</b> {{ .Labels.severity }}
<b>Namespace:</b> {{ .Labels.namespace }}
<b>Summary:</b> {{ .Annotations.summary }}
<b>Description:</b> {{ .Annotations.description }}
{{ end }}"""

ALERTMANAGER_TEMPLATE = """\
global:
  resolve_timeout: 5m
route:
  receiver: telegram
  group_by: ['alertname', 'namespace', 'severity']
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - receiver: 'null'
      matchers:
        - alertname = "Watchdog"
    - receiver: 'null'
      matchers:
        - alertname = "InfoInhibitor"
    - receiver: telegram
      matchers:
        - severity =~ "critical|warning"
receivers:
  - name: 'null'
  - name: telegram
    telegram_configs:
      - bot_token: '{{ .@BOT@ }}'
        chat_id: {{ .@CHAT@ }}
        api_url: https://api.telegram.org
        parse_mode: HTML
        send_resolved: true
        message: |-
@MESSAGE@
inhibit_rules:
  - source_matchers:
      - severity = critical
    target_matchers:
      - severity = warning
    equal: ['alertname', 'namespace']
"""


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.splitlines())


def alertmanager_template() -> str:
    """The ESO template text of alertmanager.yaml."""
    raw = "{{ `" + _indent(TELEGRAM_MESSAGE, 10).lstrip() + "` }}"
    return (
        ALERTMANAGER_TEMPLATE.replace("@BOT@", BOT_TOKEN)
        .replace("@CHAT@", CHAT_ID)
        .replace("@MESSAGE@", " " * 10 + raw)
    )


def alertmanager_secret(platform: Platform) -> dict[str, Any]:
    telegram = platform.observability.telegram
    return seaweedfs.external_secret(
        platform,
        name=CONFIG_SECRET,
        namespace=NAMESPACE,
        keys={BOT_TOKEN: telegram.bot_token_key, CHAT_ID: telegram.chat_id_key},
        template={"alertmanager.yaml": alertmanager_template()},
    )


def cron_interval_seconds(expression: str) -> int:
    """Longest gap between two runs of a five-field cron schedule, read as Velero does."""
    return cron.max_interval_seconds(expression, cron.VELERO)


def _alert(
    name: str, expr: str, duration: str, severity: str, summary: str, description: str
) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": name, "expr": expr}
    if duration:
        rule["for"] = duration
    rule["labels"] = {"severity": severity}
    rule["annotations"] = {"summary": summary, "description": description}
    return rule


def _seconds_text(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"


def velero_rules(platform: Platform, rpo: int) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for schedule in platform.backups.velero_schedules:
        limit = cron_interval_seconds(schedule.schedule) + rpo
        name = velero.schedule_object_name(schedule)
        rules.append(
            _alert(
                "VeleroBackupTooOld",
                f'time() - velero_backup_last_successful_timestamp{{schedule="{name}"}} > {limit}',
                "5m",
                "critical",
                "Velero schedule {{ $labels.schedule }} has no successful backup for "
                f"{_seconds_text(limit)}",
                "The last successful backup of schedule {{ $labels.schedule }} is older than "
                f"its interval plus the RPO ({platform.backups.rpo}).",
            )
        )
    rules += [
        _alert(
            "VeleroBackupFailed",
            'increase(velero_backup_failure_total{schedule!=""}[1h]) > 0',
            "",
            "warning",
            "Velero backup of schedule {{ $labels.schedule }} failed",
            "Run velero backup describe on the newest backup of {{ $labels.schedule }}.",
        ),
        _alert(
            "VeleroBackupPartiallyFailed",
            'increase(velero_backup_partial_failure_total{schedule!=""}[1h]) > 0',
            "",
            "warning",
            "Velero backup of schedule {{ $labels.schedule }} partially failed",
            "Some items or volumes of {{ $labels.schedule }} were not backed up.",
        ),
    ]
    return rules


def backup_rules(platform: Platform) -> list[dict[str, Any]]:
    rpo = parse_duration(platform.backups.rpo)
    rules: list[dict[str, Any]] = []
    if platform.component_enabled("velero"):  # components.velero.enabled
        rules += velero_rules(platform, rpo)
    if platform.databases:
        base_limit = 86400 + rpo
        rules += [
            _alert(
                "PostgresBaseBackupTooOld",
                "time() - max by (namespace, cluster) (label_replace("
                "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp > 0, "
                f'"cluster", "$1", "pod", "(.+)-[0-9]+")) > {base_limit}',
                "10m",
                "warning",
                "PostgreSQL {{ $labels.namespace }}/{{ $labels.cluster }} has no recent "
                "base backup",
                f"The newest base backup is older than a day plus the RPO "
                f"({platform.backups.rpo}).",
            ),
            _alert(
                "PostgresWALArchiveBehindRPO",
                f"(cnpg_pg_stat_archiver_seconds_since_last_archival > {rpo}) "
                "and on (namespace, pod) "
                '(cnpg_collector_pg_wal_archive_status{value="ready"} > 0)',
                "5m",
                "critical",
                "PostgreSQL {{ $labels.pod }} has not archived WAL for longer than the RPO",
                f"WAL files wait for archiving and the last archival is older than "
                f"{platform.backups.rpo}: point-in-time recovery would lose data.",
            ),
            _alert(
                "PostgresWALArchivingFailing",
                "increase(cnpg_pg_stat_archiver_failed_count[15m]) > 0",
                "5m",
                "warning",
                "PostgreSQL {{ $labels.pod }} fails to archive WAL",
                "Check the barman-cloud plugin sidecar logs of {{ $labels.pod }}.",
            ),
        ]
    return rules


def cnpg_rules() -> list[dict[str, Any]]:
    return [
        _alert(
            "PostgresInstanceDown",
            "cnpg_collector_up == 0",
            "5m",
            "critical",
            "PostgreSQL instance {{ $labels.pod }} is down",
            "The CNPG collector of {{ $labels.namespace }}/{{ $labels.pod }} reports the "
            "instance as not running.",
        ),
        _alert(
            "PostgresReplicationLagHigh",
            "cnpg_pg_replication_lag > 300",
            "10m",
            "warning",
            "PostgreSQL replica {{ $labels.pod }} lags more than 5 minutes",
            "Replica {{ $labels.namespace }}/{{ $labels.pod }} replays WAL too slowly.",
        ),
    ]


def kafka_rules(platform: Platform) -> list[dict[str, Any]]:
    return [
        _alert(
            "KafkaUnderReplicatedPartitions",
            "sum by (namespace, topic) (kafka_topic_partition_under_replicated_partition) > 0",
            "10m",
            "warning",
            "Kafka topic {{ $labels.topic }} has under-replicated partitions",
            "Some partitions of {{ $labels.topic }} have fewer in-sync replicas than wanted.",
        ),
        _alert(
            "KafkaOfflinePartitions",
            "max by (namespace) (kafka_controller_kafkacontroller_offlinepartitionscount) > 0",
            "1m",
            "critical",
            "Kafka in {{ $labels.namespace }} has offline partitions",
            "Partitions without a leader cannot be read or written.",
        ),
        _alert(
            "KafkaBrokersMissing",
            f"max by (namespace) (kafka_brokers) < {platform.kafka.replicas}",
            "5m",
            "critical",
            "Kafka in {{ $labels.namespace }} has fewer brokers than configured",
            f"kafka.replicas is {platform.kafka.replicas}.",
        ),
    ]


def certificate_rules() -> list[dict[str, Any]]:
    return [
        _alert(
            "CertificateExpiringSoon",
            "certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 86400",
            "1h",
            "warning",
            "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in under 14 days",
            "cert-manager renews 30 days ahead; renewal of {{ $labels.name }} is failing.",
        ),
        _alert(
            "CertificateNotReady",
            'max by (namespace, name) (certmanager_certificate_ready_status{condition="False"})'
            " == 1",
            "15m",
            "warning",
            "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready",
            "kubectl describe certificate -n {{ $labels.namespace }} {{ $labels.name }}",
        ),
    ]


def longhorn_rules() -> list[dict[str, Any]]:
    return [
        _alert(
            "LonghornVolumeDegraded",
            "longhorn_volume_robustness == 2",
            "10m",
            "warning",
            "Longhorn volume {{ $labels.volume }} is degraded",
            "Volume {{ $labels.volume }} runs with fewer healthy replicas than configured.",
        ),
        _alert(
            "LonghornVolumeFaulted",
            "longhorn_volume_robustness == 3",
            "2m",
            "critical",
            "Longhorn volume {{ $labels.volume }} is faulted",
            "Volume {{ $labels.volume }} has no healthy replica; its workload is down.",
        ),
    ]


def loki_rules() -> list[dict[str, Any]]:
    errors = 'loki_request_duration_seconds_count{status_code=~"5.."}'
    return [
        _alert(
            "LokiDiscardingSamples",
            "sum by (namespace, reason) (rate(loki_discarded_samples_total[5m])) > 0",
            "15m",
            "warning",
            "Loki discards log lines ({{ $labels.reason }})",
            "Lines are dropped at ingestion; raise observability.logs limits or fix the "
            "sender ({{ $labels.reason }}).",
        ),
        _alert(
            "LokiRequestErrors",
            f"100 * sum by (namespace, route) (rate({errors}[5m])) "
            "/ sum by (namespace, route) (rate(loki_request_duration_seconds_count[5m])) > 5",
            "15m",
            "warning",
            "Loki route {{ $labels.route }} fails more than 5% of requests",
            "Check the Loki logs and the object store.",
        ),
    ]


def external_secrets_rules() -> list[dict[str, Any]]:
    return [
        _alert(
            "ExternalSecretNotReady",
            'max by (namespace, name) (externalsecret_status_condition{condition="Ready", '
            'status="False"}) == 1',
            "15m",
            "warning",
            "ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} is not ready",
            "Its Secret is stale or missing: check the Doppler key and the store.",
        ),
        _alert(
            "ExternalSecretSyncErrors",
            "sum by (namespace, name) (increase(externalsecret_sync_calls_error[15m])) > 0",
            "15m",
            "warning",
            "ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} fails to sync",
            "ESO reports sync errors for {{ $labels.name }}.",
        ),
    ]


def rule_groups(platform: Platform) -> list[dict[str, Any]]:
    # the rules of a component platform.yaml disables (components.<name>.enabled) go with it
    groups: list[tuple[str, list[dict[str, Any]], str | None]] = [
        ("platform-backups", backup_rules(platform), None),
        ("platform-certificates", certificate_rules(), "cert-manager"),
        ("platform-longhorn", longhorn_rules(), "longhorn"),
        ("platform-loki", loki_rules(), "loki"),
        ("platform-external-secrets", external_secrets_rules(), "external-secrets"),
    ]
    if platform.databases:
        groups.append(("platform-cnpg", cnpg_rules(), None))
    if platform.kafka.enabled:
        groups.append(("platform-kafka", kafka_rules(platform), None))
    return [
        {"name": name, "rules": rules}
        for name, rules, component in groups
        if rules and (component is None or platform.component_enabled(component))
    ]


def prometheus_rule(platform: Platform) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "platform-alerts",
            "namespace": NAMESPACE,
            "labels": {"app.kubernetes.io/part-of": "mg-platform"},
        },
        "spec": {"groups": rule_groups(platform)},
    }


def build(platform: Platform) -> list[Component]:
    return [
        Component(
            name="platform-alerts",
            namespace=NAMESPACE,
            sync_wave=5,
            manifests={"prometheus-rules": [prometheus_rule(platform)]},
            description="Alert rules for the platform: backups vs RPO, CNPG, Kafka, certs, "
            "Longhorn, Loki, ESO",
        )
    ]
