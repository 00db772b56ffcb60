"""Observability, alerting and backup settings: what sizes the platform's own storage."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from mgctl.config import cron, names, units
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
    name: Name = Field(
        json_schema_extra={"maxLength": names.VELERO_SCHEDULE_MAX},
        description="Velero names the Schedule velero-<name>",
    )
    schedule: str = Field(
        json_schema_extra={"pattern": cron.schema_pattern(cron.VELERO)},
        description="Cron, five fields (UTC); @daily-style descriptors are expanded",
    )
    ttl: Duration = Field(
        json_schema_extra={"pattern": r"^[0-9]*[1-9][0-9]*(h|d|w)$"},
        description="Whole hours (h, d or w): Velero's TTL is rendered as <hours>h0m0s",
    )
    included_namespaces: list[str] = ["*"]
    excluded_namespaces: list[str] = []

    @field_validator("name")
    @classmethod
    def _label_fits(cls, value: str) -> str:
        if len(value) > names.VELERO_SCHEDULE_MAX:
            raise ValueError(
                f"{value!r} is {len(value)} characters; Velero labels every backup with "
                f"'{names.VELERO_SCHEDULE_PREFIX}{value}' (label values are at most "
                f"{names.LABEL_VALUE_MAX}), so schedule names are at most "
                f"{names.VELERO_SCHEDULE_MAX}"
            )
        return value

    @field_validator("schedule")
    @classmethod
    def _velero_cron(cls, value: str) -> str:
        return cron.normalise(value, cron.VELERO)

    @field_validator("ttl")
    @classmethod
    def _whole_hours(cls, value: str) -> str:
        seconds = units.parse_duration(value)
        if seconds % 3600:
            hours = max(1, round(seconds / 3600))
            raise ValueError(
                f"{value!r} is not a whole number of hours; Velero's TTL is rendered in hours "
                f"(a shorter one would become 0h, i.e. Velero's 30-day default): use {hours}h"
            )
        return value


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

    @model_validator(mode="after")
    def _unique_schedules(self) -> Backups:
        seen: set[str] = set()
        for i, schedule in enumerate(self.velero_schedules):
            if schedule.name in seen:
                raise ValueError(
                    f"veleroSchedules[{i}].name: {schedule.name!r} is used twice; the chart keys "
                    "schedules by name, so one would silently replace the other"
                )
            seen.add(schedule.name)
        return self
