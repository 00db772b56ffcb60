"""Observability, alerting and backup settings: what sizes the platform's own storage."""

from __future__ import annotations

from pydantic import Field

from mgctl.config.base import Duration, EnvName, Model, Name, Size


class Logs(Model):
    per_day: Size = Field(default="50Gi", description="Raw log volume ingested per day")
    retention: Duration = "30d"
    compression_ratio: float = Field(
        default=10.0, ge=1, description="Raw bytes per stored byte in Loki chunks (typ. 5-15)"
    )
    ingestion_rate_mb: int = Field(default=10, ge=1, description="Loki per-tenant MB/s")


class Metrics(Model):
    retention: Duration = "15d"
    storage: Size = "50Gi"
    per_day: Size = Field(default="2Gi", description="Prometheus TSDB growth per day")


class Telegram(Model):
    bot_token_key: EnvName = "TELEGRAM_BOT_TOKEN"
    chat_id_key: EnvName = "TELEGRAM_CHAT_ID"


class Observability(Model):
    logs: Logs = Logs()
    metrics: Metrics = Metrics()
    loki_volume: Size = Field(default="10Gi", description="Loki's local volume (WAL, index cache)")
    grafana_password_key: EnvName = "GRAFANA_ADMIN_PASSWORD"
    telegram: Telegram = Telegram()


class VeleroSchedule(Model):
    name: Name
    schedule: str = Field(description="Cron, five fields")
    ttl: Duration
    included_namespaces: list[str] = ["*"]
    excluded_namespaces: list[str] = []


class Backups(Model):
    rpo: Duration = "1h"
    rto: Duration = "4h"
    velero_schedules: list[VeleroSchedule] = [
        VeleroSchedule(
            name="daily-full",
            schedule="0 3 * * *",
            ttl="30d",
            excluded_namespaces=["kube-system", "velero", "seaweedfs", "monitoring", "cnpg-system"],
        ),
        VeleroSchedule(name="hourly-apps", schedule="0 * * * *", ttl="7d", included_namespaces=[]),
    ]
    velero_daily_size: Size = Field(
        default="20Gi", description="Volume data one daily backup adds (Kopia deduplicates)"
    )
