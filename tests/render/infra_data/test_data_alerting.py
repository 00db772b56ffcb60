"""Alert rules proven with `promtool test rules` (each fires and stays quiet), and the
Alertmanager config rendered like ESO does, then checked by `amtool check-config`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from mgctl.config.platform import Platform
from mgctl.render.infra.components import alerting

from .helpers import crd_errors

PROMTOOL = shutil.which("promtool")
AMTOOL = shutil.which("amtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed")
needs_amtool = pytest.mark.skipif(AMTOOL is None, reason="amtool not installed")


@dataclass
class Case:
    alert: str
    series: dict[str, str]  # series selector -> promtool values
    eval_time: str
    fires: list[dict[str, str]] = field(default_factory=list)  # labels of each firing alert
    rule_contains: str = ""  # picks one rule when several share the alert name


def _case(alert: str, series: dict[str, str], at: str, **labels: str) -> Case:
    return Case(alert, series, at, [labels] if labels else [])


DB = 'namespace="databases",pod="postgres-engine-1"'
CASES = [
    Case(
        "VeleroBackupTooOld",
        {'velero_backup_last_successful_timestamp{schedule="velero-hourly-apps"}': "0x300"},
        "3h",
        [{"schedule": "velero-hourly-apps"}],
        'schedule="velero-hourly-apps"',
    ),
    Case(
        "VeleroBackupTooOld",
        {'velero_backup_last_successful_timestamp{schedule="velero-hourly-apps"}': "0+60x300"},
        "3h",
        [],
        'schedule="velero-hourly-apps"',
    ),
    Case(
        "VeleroBackupTooOld",
        {'velero_backup_last_successful_timestamp{schedule="velero-daily-full"}': "0x1700"},
        "26h",
        [{"schedule": "velero-daily-full"}],
        'schedule="velero-daily-full"',
    ),
    Case(
        "VeleroBackupTooOld",
        {'velero_backup_last_successful_timestamp{schedule="velero-daily-full"}': "0x1700"},
        "24h",
        [],
        'schedule="velero-daily-full"',
    ),
    _case(
        "VeleroBackupFailed",
        {'velero_backup_failure_total{schedule="velero-daily-full"}': "0 0 1 1 1 1"},
        "5m",
        schedule="velero-daily-full",
    ),
    _case(
        "VeleroBackupFailed",
        {'velero_backup_failure_total{schedule="velero-daily-full"}': "0x6"},
        "5m",
    ),
    _case(
        "VeleroBackupPartiallyFailed",
        {'velero_backup_partial_failure_total{schedule="velero-hourly-apps"}': "0 1 1 1"},
        "3m",
        schedule="velero-hourly-apps",
    ),
    _case(
        "VeleroBackupPartiallyFailed",
        {'velero_backup_partial_failure_total{schedule="velero-hourly-apps"}': "1x4"},
        "3m",
    ),
    _case(
        "PostgresBaseBackupTooOld",
        {f"barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{{{DB}}}": "3600x1700"},
        "27h",
        namespace="databases",
        cluster="postgres-engine",
    ),
    _case(
        "PostgresBaseBackupTooOld",
        {f"barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{{{DB}}}": "60+60x1700"},
        "27h",
    ),
    _case(
        "PostgresWALArchiveBehindRPO",
        {
            f"cnpg_pg_stat_archiver_seconds_since_last_archival{{{DB}}}": "0+60x100",
            f'cnpg_collector_pg_wal_archive_status{{{DB},value="ready"}}': "3x100",
        },
        "70m",
        namespace="databases",
        pod="postgres-engine-1",
    ),
    _case(
        "PostgresWALArchiveBehindRPO",
        {
            f"cnpg_pg_stat_archiver_seconds_since_last_archival{{{DB}}}": "0+60x100",
            f'cnpg_collector_pg_wal_archive_status{{{DB},value="ready"}}': "0x100",
        },
        "70m",
    ),
    _case(
        "PostgresWALArchivingFailing",
        {f"cnpg_pg_stat_archiver_failed_count{{{DB}}}": "0 0 1 1 1 1 1 1 1 1"},
        "8m",
        namespace="databases",
        pod="postgres-engine-1",
    ),
    _case(
        "PostgresWALArchivingFailing", {f"cnpg_pg_stat_archiver_failed_count{{{DB}}}": "4x10"}, "8m"
    ),
    _case(
        "PostgresInstanceDown",
        {f"cnpg_collector_up{{{DB}}}": "0x10"},
        "6m",
        namespace="databases",
        pod="postgres-engine-1",
    ),
    _case("PostgresInstanceDown", {f"cnpg_collector_up{{{DB}}}": "1x10"}, "6m"),
    _case(
        "PostgresReplicationLagHigh",
        {f"cnpg_pg_replication_lag{{{DB}}}": "400x20"},
        "11m",
        namespace="databases",
        pod="postgres-engine-1",
    ),
    _case("PostgresReplicationLagHigh", {f"cnpg_pg_replication_lag{{{DB}}}": "10x20"}, "11m"),
    _case(
        "KafkaUnderReplicatedPartitions",
        {
            'kafka_topic_partition_under_replicated_partition{namespace="kafka",'
            'topic="opportunities",partition="0"}': "1x20"
        },
        "11m",
        namespace="kafka",
        topic="opportunities",
    ),
    _case(
        "KafkaUnderReplicatedPartitions",
        {
            'kafka_topic_partition_under_replicated_partition{namespace="kafka",'
            'topic="opportunities",partition="0"}': "0x20"
        },
        "11m",
    ),
    _case(
        "KafkaOfflinePartitions",
        {'kafka_controller_kafkacontroller_offlinepartitionscount{namespace="kafka"}': "2x5"},
        "2m",
        namespace="kafka",
    ),
    _case(
        "KafkaOfflinePartitions",
        {'kafka_controller_kafkacontroller_offlinepartitionscount{namespace="kafka"}': "0x5"},
        "2m",
    ),
    _case(
        "KafkaBrokersMissing", {'kafka_brokers{namespace="kafka"}': "0x10"}, "6m", namespace="kafka"
    ),
    _case("KafkaBrokersMissing", {'kafka_brokers{namespace="kafka"}': "1x10"}, "6m"),
    _case(
        "CertificateExpiringSoon",
        {
            'certmanager_certificate_expiration_timestamp_seconds{namespace="traefik",'
            'name="app-tls"}': "864000x70"
        },
        "61m",
        namespace="traefik",
        name="app-tls",
    ),
    _case(
        "CertificateExpiringSoon",
        {
            'certmanager_certificate_expiration_timestamp_seconds{namespace="traefik",'
            'name="app-tls"}': "2592000x70"
        },
        "61m",
    ),
    _case(
        "CertificateNotReady",
        {
            'certmanager_certificate_ready_status{namespace="traefik",name="app-tls",'
            'condition="False"}': "1x20"
        },
        "16m",
        namespace="traefik",
        name="app-tls",
    ),
    _case(
        "CertificateNotReady",
        {
            'certmanager_certificate_ready_status{namespace="traefik",name="app-tls",'
            'condition="False"}': "0x20"
        },
        "16m",
    ),
    _case(
        "LonghornVolumeDegraded",
        {'longhorn_volume_robustness{volume="pvc-1"}': "2x15"},
        "11m",
        volume="pvc-1",
    ),
    _case("LonghornVolumeDegraded", {'longhorn_volume_robustness{volume="pvc-1"}': "1x15"}, "11m"),
    _case(
        "LonghornVolumeFaulted",
        {'longhorn_volume_robustness{volume="pvc-1"}': "3x5"},
        "3m",
        volume="pvc-1",
    ),
    _case("LonghornVolumeFaulted", {'longhorn_volume_robustness{volume="pvc-1"}': "2x5"}, "3m"),
    _case(
        "LokiDiscardingSamples",
        {'loki_discarded_samples_total{namespace="monitoring",reason="rate_limited"}': "0+10x30"},
        "20m",
        namespace="monitoring",
        reason="rate_limited",
    ),
    _case(
        "LokiDiscardingSamples",
        {'loki_discarded_samples_total{namespace="monitoring",reason="rate_limited"}': "5x30"},
        "20m",
    ),
    _case(
        "LokiRequestErrors",
        {
            'loki_request_duration_seconds_count{namespace="monitoring",route="push",'
            'status_code="500"}': "0+10x30",
            'loki_request_duration_seconds_count{namespace="monitoring",route="push",'
            'status_code="204"}': "0+10x30",
        },
        "20m",
        namespace="monitoring",
        route="push",
    ),
    _case(
        "LokiRequestErrors",
        {
            'loki_request_duration_seconds_count{namespace="monitoring",route="push",'
            'status_code="500"}': "0+1x30",
            'loki_request_duration_seconds_count{namespace="monitoring",route="push",'
            'status_code="204"}': "0+100x30",
        },
        "20m",
    ),
    _case(
        "ExternalSecretNotReady",
        {
            'externalsecret_status_condition{namespace="monitoring",name="grafana-admin",'
            'condition="Ready",status="False"}': "1x20"
        },
        "16m",
        namespace="monitoring",
        name="grafana-admin",
    ),
    _case(
        "ExternalSecretNotReady",
        {
            'externalsecret_status_condition{namespace="monitoring",name="grafana-admin",'
            'condition="Ready",status="False"}': "0x20"
        },
        "16m",
    ),
    _case(
        "ExternalSecretSyncErrors",
        {'externalsecret_sync_calls_error{namespace="velero",name="velero-credentials"}': "0+1x40"},
        "25m",
        namespace="velero",
        name="velero-credentials",
    ),
    _case(
        "ExternalSecretSyncErrors",
        {'externalsecret_sync_calls_error{namespace="velero",name="velero-credentials"}': "3x40"},
        "25m",
    ),
]


def _rule(platform: Platform, case: Case) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [
        r
        for group in alerting.rule_groups(platform)
        for r in group["rules"]
        if r["alert"] == case.alert and case.rule_contains in r["expr"]
    ]
    assert len(rules) == 1, f"{case.alert}: {len(rules)} rules match"
    return rules[0]


def _annotations(rule: dict[str, Any], labels: dict[str, str]) -> dict[str, str]:
    """The rule's annotations with {{ $labels.x }} filled in (the only template they use)."""

    def fill(text: str) -> str:
        filled = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m.group(1)], text)
        assert "{{" not in filled, f"annotation uses more than $labels: {text!r}"
        return filled

    return {k: fill(v) for k, v in rule["annotations"].items()}


def _expected(platform: Platform, case: Case) -> list[dict[str, Any]]:
    rule = _rule(platform, case)
    return [
        {
            "exp_labels": {**labels, **rule["labels"]},
            "exp_annotations": _annotations(rule, labels),
        }
        for labels in case.fires
    ]


def test_every_rule_has_a_firing_and_a_quiet_case(example: Platform) -> None:
    alerts = {r["alert"] for g in alerting.rule_groups(example) for r in g["rules"]}
    fired = {c.alert for c in CASES if c.fires}
    quiet = {c.alert for c in CASES if not c.fires}
    assert alerts == fired == quiet


def test_prometheus_rule_matches_the_crd(example: Platform) -> None:
    assert crd_errors(alerting.prometheus_rule(example)) == []


@needs_promtool
def test_promtool_rules(example: Platform, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": alerting.rule_groups(example)}))
    check = subprocess.run(
        [str(PROMTOOL), "check", "rules", str(rules)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    tests = [
        {
            "interval": "1m",
            "input_series": [{"series": s, "values": v} for s, v in case.series.items()],
            "alert_rule_test": [
                {
                    "eval_time": case.eval_time,
                    "alertname": case.alert,
                    "exp_alerts": _expected(example, case),
                }
            ],
        }
        for case in CASES
    ]
    unit = tmp_path / "tests.yaml"
    unit.write_text(
        yaml.safe_dump({"rule_files": [rules.name], "evaluation_interval": "1m", "tests": tests})
    )
    result = subprocess.run(
        [str(PROMTOOL), "test", "rules", str(unit)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_catches_a_wrong_expectation(example: Platform, tmp_path: Path) -> None:
    """The harness can fail: a quiet case claimed to fire is reported."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": alerting.rule_groups(example)}))
    quiet = next(c for c in CASES if c.alert == "PostgresInstanceDown" and not c.fires)
    wrong = Case(quiet.alert, quiet.series, quiet.eval_time, [{"namespace": "databases"}])
    test = {
        "interval": "1m",
        "input_series": [{"series": s, "values": v} for s, v in wrong.series.items()],
        "alert_rule_test": [
            {"eval_time": wrong.eval_time, "alertname": wrong.alert, "exp_alerts": [{}]}
        ],
    }
    unit = tmp_path / "tests.yaml"
    unit.write_text(yaml.safe_dump({"rule_files": [rules.name], "tests": [test]}))
    result = subprocess.run(
        [str(PROMTOOL), "test", "rules", str(unit)], capture_output=True, text=True
    )
    assert result.returncode != 0


# --- Alertmanager ---------------------------------------------------------------------------

RAW = re.compile(r"\{\{\s*`(.*?)`\s*\}\}", re.S)
ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)


def eso_render(template: str, data: dict[str, str]) -> str:
    """What ESO's v2 engine makes of the forms our templates use: `{{ .KEY }}`,
    `{{ .KEY | toJson }}` and raw strings `{{ `...` }}`; anything else fails the test."""
    raws: list[str] = []

    def keep_raw(match: re.Match[str]) -> str:
        raws.append(match.group(1))
        return f"\x00{len(raws) - 1}\x00"

    def action(match: re.Match[str]) -> str:
        body = match.group(1).strip()
        var = re.fullmatch(r"\.(\w+)(\s*\|\s*toJson)?", body)
        assert var, f"unsupported ESO template action {body!r}"
        value = data[var.group(1)]
        return json.dumps(value) if var.group(2) else value

    text = ACTION.sub(action, RAW.sub(keep_raw, template))
    return re.sub("\x00(\\d+)\x00", lambda m: raws[int(m.group(1))], text)


def _rendered_config(example: Platform) -> str:
    secret = alerting.alertmanager_secret(example)
    template = secret["spec"]["target"]["template"]["data"]["alertmanager.yaml"]
    return eso_render(
        template, {"TELEGRAM_BOT_TOKEN": "123456:ABC-test_token", "TELEGRAM_CHAT_ID": "-1001234567"}
    )


def test_alertmanager_secret_reads_telegram_keys_from_doppler(example: Platform) -> None:
    secret = alerting.alertmanager_secret(example)
    assert secret["apiVersion"] == "external-secrets.io/v1"
    assert secret["spec"]["target"]["template"]["engineVersion"] == "v2"
    assert {d["remoteRef"]["key"] for d in secret["spec"]["data"]} == {
        example.observability.telegram.bot_token_key,
        example.observability.telegram.chat_id_key,
    }
    assert secret["spec"]["secretStoreRef"]["name"] == "doppler-production"
    assert crd_errors(secret) == []


def test_rendered_alertmanager_config_types(example: Platform) -> None:
    config = yaml.safe_load(_rendered_config(example))
    telegram = next(r for r in config["receivers"] if r["name"] == "telegram")
    target = telegram["telegram_configs"][0]
    assert target["chat_id"] == -1001234567  # an int, as Alertmanager requires
    assert target["bot_token"] == "123456:ABC-test_token"
    assert target["message"].startswith("{{ range .Alerts -}}")


@needs_amtool
def test_amtool_accepts_rendered_config(example: Platform, tmp_path: Path) -> None:
    config = tmp_path / "alertmanager.yaml"
    config.write_text(_rendered_config(example))
    result = subprocess.run(
        [str(AMTOOL), "check-config", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_amtool
def test_amtool_rejects_a_string_chat_id(example: Platform, tmp_path: Path) -> None:
    config = tmp_path / "alertmanager.yaml"
    config.write_text(_rendered_config(example).replace("chat_id: -1001234567", "chat_id: abc"))
    result = subprocess.run(
        [str(AMTOOL), "check-config", str(config)], capture_output=True, text=True
    )
    assert result.returncode != 0


@needs_amtool
def test_telegram_message_is_a_valid_alertmanager_template(
    example: Platform, tmp_path: Path
) -> None:
    config = yaml.safe_load(_rendered_config(example))
    message = config["receivers"][1]["telegram_configs"][0]["message"]
    template = tmp_path / "telegram.tmpl"
    template.write_text('{{ define "telegram.message" }}' + message + "{{ end }}")
    result = subprocess.run(
        [
            str(AMTOOL),
            "template",
            "render",
            f"--template.glob={template}",
            '--template.text={{ template "telegram.message" . }}',
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # amtool renders example alerts whose status is the placeholder "alertstatus"
    assert result.stdout.count("<b>ALERTSTATUS</b>") == 2


def test_cron_interval() -> None:
    assert alerting.cron_interval_seconds("0 * * * *") == 3600
    assert alerting.cron_interval_seconds("*/15 * * * *") == 900
    assert alerting.cron_interval_seconds("0 */6 * * *") == 6 * 3600
    assert alerting.cron_interval_seconds("0 3 * * *") == 86400
    assert alerting.cron_interval_seconds("0 3,15 * * *") == 12 * 3600
    assert alerting.cron_interval_seconds("0 3 * * 0") == 7 * 86400
