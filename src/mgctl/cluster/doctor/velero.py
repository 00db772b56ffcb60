"""Velero: the last successful backup of each Schedule, against its period and the RPO."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mgctl.cluster.doctor.model import (
    Context,
    Objects,
    Row,
    age,
    disabled_row,
    missing_type,
    parse_time,
)

AREA = "Velero"
SCHEDULES = "schedules.velero.io"
BACKUPS = "backups.velero.io"
RESOURCES = (SCHEDULES, BACKUPS)
SCHEDULE_LABEL = "velero.io/schedule-name"


def cron_period(expr: str) -> int:
    """The interval of a 5-field cron in seconds (hourly, daily, weekly; else daily)."""
    fields = expr.split()
    if len(fields) != 5:
        return 86400
    minute, hour, dom, _, dow = fields
    if minute == "*":
        return 60
    if hour == "*":
        return 3600
    if hour.startswith("*/") and hour[2:].isdigit():
        return 3600 * int(hour[2:])
    if dow != "*" and dom == "*":
        return 7 * 86400
    return 86400


def latest(backups: list[dict[str, Any]], schedule: str) -> tuple[datetime | None, str | None]:
    """(completion of the newest Completed backup, phase of the newest backup)."""
    mine = [
        b
        for b in backups
        if ((b.get("metadata") or {}).get("labels") or {}).get(SCHEDULE_LABEL) == schedule
    ]

    def started(b: dict[str, Any]) -> str:
        return str((b.get("status") or {}).get("startTimestamp") or "")

    mine.sort(key=started)
    newest_phase = (mine[-1].get("status") or {}).get("phase") if mine else None
    done = [
        parse_time((b.get("status") or {}).get("completionTimestamp"))
        for b in mine
        if (b.get("status") or {}).get("phase") == "Completed"
    ]
    good = [d for d in done if d is not None]
    return (max(good) if good else None), newest_phase


def check(objects: Objects, ctx: Context) -> list[Row]:
    if ctx.disabled("velero"):
        return [disabled_row(AREA, "velero")]
    if SCHEDULES not in objects:
        return [missing_type(AREA, SCHEDULES, ctx.platform is not None, "velero")]
    rows = []
    live = {s["metadata"]["name"]: s for s in objects[SCHEDULES]}
    wanted = [s.name for s in ctx.platform.backups.velero_schedules] if ctx.platform else []
    for name in wanted:
        if not any(n == name or n.endswith(f"-{name}") for n in live):
            rows.append(
                Row(
                    AREA,
                    name,
                    "fail",
                    "Schedule missing in the cluster",
                    "check the velero Application (schedules come from its values)",
                )
            )
    rpo = ctx.rpo_seconds
    for name, schedule in sorted(live.items()):
        spec = schedule.get("spec") or {}
        status = schedule.get("status") or {}
        if status.get("phase") not in (None, "Enabled"):
            rows.append(
                Row(
                    AREA,
                    name,
                    "fail",
                    f"Schedule {status.get('phase')}: "
                    f"{'; '.join(status.get('validationErrors') or [])}",
                    "fix the schedule in the velero values and let Argo CD sync",
                )
            )
            continue
        period = cron_period(str(spec.get("schedule", "")))
        limit = period + max(rpo, 3600) if period > rpo else rpo + period
        done, newest = latest(objects.get(BACKUPS, []), name)
        fix = (
            "`velero backup describe --details` for the newest backup of this schedule; check "
            "the BackupStorageLocation (`kubectl -n velero get bsl`) and node-agent pods"
        )
        created = parse_time((schedule.get("metadata") or {}).get("creationTimestamp"))
        if done is None:
            young = created is not None and (ctx.now - created).total_seconds() < limit
            rows.append(
                Row(
                    AREA,
                    name,
                    "warn" if young else "fail",
                    f"no successful backup yet (newest: {newest or 'none'})",
                    fix,
                )
            )
            continue
        seconds = (ctx.now - done).total_seconds()
        detail = f"last success {age(seconds)} ago (every {age(period)}, RPO {age(rpo)})"
        if newest not in (None, "Completed", "InProgress", "New"):
            detail += f"; newest backup {newest}"
        if seconds > limit:
            rows.append(Row(AREA, name, "fail", detail, fix))
        elif newest in ("Failed", "PartiallyFailed", "FailedValidation"):
            rows.append(Row(AREA, name, "warn", detail, fix))
        else:
            rows.append(Row(AREA, name, "ok", detail))
    return rows
