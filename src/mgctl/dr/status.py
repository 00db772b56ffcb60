"""`mgctl dr status`: are the backups there and fresh enough to meet the RPO?

For every database: the Barman catalog in the object store (newest DONE base backup, its size,
newest archived WAL). Targets: the newest archived WAL is at most `backups.rpo` old, and the
newest base backup at most one ScheduledBackup interval (+ grace) old. With cluster access:
Velero's newest Completed backup per configured schedule, at most one schedule interval
(+ grace) old.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dateutil import parser as dateparser

from mgctl.config import Platform
from mgctl.config.data import Database, DatabaseCredentials
from mgctl.config.units import parse_duration
from mgctl.dr.catalog import read_catalog
from mgctl.dr.cron import max_interval_seconds
from mgctl.dr.s3 import S3Error, S3Store
from mgctl.render import backup_layout as layout
from mgctl.tools.command import Command, CommandError

# A scheduled backup may start late and take a while: allow this much beyond the interval.
GRACE = timedelta(hours=1)


@dataclass
class DatabaseStatus:
    database: str
    catalog: str
    base_backups: int = 0
    last_backup_id: str | None = None
    last_backup_end: str | None = None
    last_backup_stored_bytes: int | None = None
    last_backup_age_seconds: float | None = None
    backup_max_age_seconds: int = 0
    wal_files: int = 0
    last_wal: str | None = None
    last_wal_time: str | None = None
    last_wal_age_seconds: float | None = None
    rpo_seconds: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class VeleroScheduleStatus:
    schedule: str
    last_backup: str | None = None
    last_completed: str | None = None
    age_seconds: float | None = None
    max_age_seconds: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class StatusReport:
    at: str
    endpoint: str
    databases: list[DatabaseStatus]
    velero: list[VeleroScheduleStatus] | None = None
    velero_error: str | None = None

    @property
    def ok(self) -> bool:
        return (
            all(d.ok for d in self.databases)
            and all(v.ok for v in self.velero or [])
            and self.velero_error is None
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "endpoint": self.endpoint,
            "ok": self.ok,
            "databases": [{**asdict(d), "ok": d.ok} for d in self.databases],
            "velero": None
            if self.velero is None
            else [{**asdict(v), "ok": v.ok} for v in self.velero],
            "veleroError": self.velero_error,
        }


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((now - then).total_seconds(), 1)


def database_status(
    platform: Platform,
    store: S3Store,
    now: datetime,
    bucket: str | None = None,
    extra: list[str] | None = None,
) -> list[DatabaseStatus]:
    """`bucket` defaults to objectStore.buckets.databases (the off-site bucket for --offsite).
    `extra`: catalogs of databases no longer in platform.yaml (renamed or removed: their
    Clusters keep archiving), judged with the default backup schedule."""
    bucket = bucket or platform.object_store.buckets.databases
    rpo = parse_duration(platform.backups.rpo)
    results: list[DatabaseStatus] = []
    for db in [*platform.databases, *_former_databases(platform, extra or [])]:
        prefix = layout.catalog_prefix(db)
        status = DatabaseStatus(
            database=db.name,
            catalog=f"s3://{bucket}/{prefix}",
            rpo_seconds=rpo,
            backup_max_age_seconds=max_interval_seconds(db.backup.schedule)
            + int(GRACE.total_seconds()),
        )
        results.append(status)
        try:
            catalog = read_catalog(store, bucket, prefix)
        except S3Error as exc:
            status.problems.append(f"cannot read the catalog: {exc}")
            continue
        status.base_backups = len(catalog.backups)
        status.wal_files = catalog.wal_count
        last = catalog.last_backup
        if last is None:
            failed = [b.backup_id for b in catalog.backups if not b.done]
            status.problems.append(
                "no completed base backup" + (f" (not DONE: {', '.join(failed)})" if failed else "")
            )
        else:
            status.last_backup_id = last.backup_id
            status.last_backup_end = last.end_time.isoformat() if last.end_time else None
            status.last_backup_stored_bytes = last.stored_bytes
            status.last_backup_age_seconds = _age(now, last.end_time)
            age = status.last_backup_age_seconds or 0.0
            if age > status.backup_max_age_seconds:
                status.problems.append(
                    f"newest base backup is {_human(age)} old; schedule "
                    f"{db.backup.schedule!r} allows {_human(status.backup_max_age_seconds)}"
                )
        if catalog.last_wal_time is None:
            status.problems.append("no archived WAL: continuous archiving is not working")
        else:
            status.last_wal = catalog.last_wal
            status.last_wal_time = catalog.last_wal_time.isoformat()
            status.last_wal_age_seconds = _age(now, catalog.last_wal_time)
            wal_age = status.last_wal_age_seconds or 0.0
            if wal_age > rpo:
                status.problems.append(
                    f"newest archived WAL is {_human(wal_age)} old, over the RPO of "
                    f"{_human(rpo)}: a failure now would lose more than the RPO"
                )
    return results


def _former_databases(platform: Platform, names: list[str]) -> list[Database]:
    current = {db.name for db in platform.databases}
    former = []
    for name in dict.fromkeys(names):
        if name in current:
            continue
        former.append(
            Database(
                name=name,
                database="app",
                owner="app",
                credentials=DatabaseCredentials(username_key="UNUSED", password_key="UNUSED"),
            )
        )
    return former


def fetch_velero_backups(kubeconfig: Path | None, kubectl: Path, namespace: str = "velero") -> Any:
    argv = [str(kubectl)]
    if kubeconfig is not None:
        argv += ["--kubeconfig", str(kubeconfig)]
    argv += ["get", "backups.velero.io", "-n", namespace, "-o", "json"]
    try:
        return json.loads(Command(argv, timeout=60).run().stdout)
    except CommandError as exc:
        raise RuntimeError(f"cannot list Velero backups: {exc}") from exc


def _schedule_matches(label: str, schedule: str) -> bool:
    # The velero chart names Schedules "<release>-<key>"; plain manifests use the key itself.
    return label == schedule or label.endswith("-" + schedule)


def velero_status(platform: Platform, backups: Any, now: datetime) -> list[VeleroScheduleStatus]:
    items: list[dict[str, Any]] = list(backups.get("items", []))
    results: list[VeleroScheduleStatus] = []
    for schedule in platform.backups.velero_schedules:
        status = VeleroScheduleStatus(
            schedule=schedule.name,
            max_age_seconds=max_interval_seconds(schedule.schedule) + int(GRACE.total_seconds()),
        )
        results.append(status)
        completed: list[tuple[datetime, str]] = []
        phases: dict[str, int] = {}
        for item in items:
            meta = item.get("metadata", {})
            label = (meta.get("labels") or {}).get("velero.io/schedule-name", "")
            if not _schedule_matches(label, schedule.name):
                continue
            phase = (item.get("status") or {}).get("phase", "Unknown")
            phases[phase] = phases.get(phase, 0) + 1
            finished = (item.get("status") or {}).get("completionTimestamp")
            if phase == "Completed" and finished:
                completed.append((dateparser.parse(finished), meta.get("name", "?")))
        if not completed:
            seen = ", ".join(f"{n} {p}" for p, n in sorted(phases.items())) or "none"
            status.problems.append(f"no Completed backup from this schedule (seen: {seen})")
            continue
        when, name = max(completed)
        status.last_backup = name
        status.last_completed = when.isoformat()
        status.age_seconds = _age(now, when)
        if (status.age_seconds or 0.0) > status.max_age_seconds:
            status.problems.append(
                f"newest Completed backup is {_human(status.age_seconds or 0.0)} old; schedule "
                f"{schedule.schedule!r} allows {_human(status.max_age_seconds)}"
            )
    return results


def _human(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def format_status(report: StatusReport) -> str:
    lines = [f"Backup status at {report.at} (object store {report.endpoint})"]
    for d in report.databases:
        mark = "ok" if d.ok else "MISSED"
        backup = (
            f"base backup {d.last_backup_id} ended {d.last_backup_end} "
            f"({_human(d.last_backup_age_seconds or 0)} ago, "
            f"{(d.last_backup_stored_bytes or 0) / 2**20:,.1f} MiB stored)"
            if d.last_backup_id
            else "no base backup"
        )
        wal = (
            f"last WAL {d.last_wal} at {d.last_wal_time} "
            f"({_human(d.last_wal_age_seconds or 0)} ago)"
            if d.last_wal
            else "no WAL"
        )
        lines.append(f"  [{mark}] {d.database}  {d.catalog}")
        lines.append(f"        {backup}; {d.base_backups} base backup(s)")
        lines.append(f"        {wal}; {d.wal_files} WAL file(s); RPO {_human(d.rpo_seconds)}")
        lines += [f"        problem: {p}" for p in d.problems]
    if report.velero_error:
        lines.append(f"  [MISSED] velero: {report.velero_error}")
    elif report.velero is None:
        lines.append("  velero: not checked (no --kubeconfig)")
    else:
        for v in report.velero:
            mark = "ok" if v.ok else "MISSED"
            last = (
                f"{v.last_backup} completed {v.last_completed} ({_human(v.age_seconds or 0)} ago)"
                if v.last_backup
                else "no completed backup"
            )
            lines.append(f"  [{mark}] velero schedule {v.schedule}: {last}")
            lines += [f"        problem: {p}" for p in v.problems]
    lines.append("all targets met" if report.ok else "TARGETS MISSED")
    return "\n".join(lines)
