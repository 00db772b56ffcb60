"""Read a Barman Cloud catalog straight from S3: base backups (backup.info) and archived WAL.

Layout (barman-cloud, as the CNPG plugin writes it):
  <path>/<serverName>/base/<backup id>/backup.info   key=value metadata
  <path>/<serverName>/base/<backup id>/data.tar[.gz] the base backup
  <path>/<serverName>/wals/<timeline+log id>/<segment>[.gz|...]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dateutil import parser as dateparser

from mgctl.dr.s3 import S3Object, S3Store

_WAL = re.compile(r"^[0-9A-F]{24}(\.partial)?(\.[a-z0-9]+)?$")


@dataclass(frozen=True)
class BaseBackup:
    backup_id: str
    status: str
    begin_time: datetime | None
    end_time: datetime | None
    begin_wal: str
    end_wal: str
    timeline: int | None
    stored_bytes: int
    cluster_bytes: int | None
    name: str | None

    @property
    def done(self) -> bool:
        return self.status == "DONE"


@dataclass
class Catalog:
    bucket: str
    prefix: str
    backups: list[BaseBackup] = field(default_factory=list)
    wal_count: int = 0
    wal_bytes: int = 0
    last_wal: str | None = None
    last_wal_time: datetime | None = None

    @property
    def last_backup(self) -> BaseBackup | None:
        done = [b for b in self.backups if b.done and b.end_time is not None]
        return max(done, key=lambda b: b.end_time or datetime.min, default=None)

    @property
    def empty(self) -> bool:
        return not self.backups and self.wal_count == 0


def parse_backup_info(text: str) -> dict[str, str]:
    info: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            info[key.strip()] = value.strip()
    return info


def _time(value: str | None) -> datetime | None:
    if not value or value == "None":
        return None
    parsed: datetime = dateparser.parse(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def read_catalog(store: S3Store, bucket: str, prefix: str) -> Catalog:
    """`prefix` is `<path>/<serverName>/` inside `bucket`."""
    prefix = prefix.rstrip("/") + "/"
    catalog = Catalog(bucket=bucket, prefix=prefix)
    by_backup: dict[str, list[S3Object]] = {}
    last: S3Object | None = None
    for obj in store.iter_objects(bucket, prefix):
        rest = obj.key[len(prefix) :]
        parts = rest.split("/")
        if parts[0] == "base" and len(parts) >= 3:
            by_backup.setdefault(parts[1], []).append(obj)
        elif parts[0] == "wals" and len(parts) == 3 and _WAL.match(parts[2]):
            catalog.wal_count += 1
            catalog.wal_bytes += obj.size
            if last is None or (obj.last_modified, obj.key) > (last.last_modified, last.key):
                last = obj
    if last is not None:
        catalog.last_wal = last.key.rsplit("/", 1)[-1]
        catalog.last_wal_time = last.last_modified
    for backup_id, objects in sorted(by_backup.items()):
        info_obj = next((o for o in objects if o.key.endswith("/backup.info")), None)
        info = (
            parse_backup_info(store.get(bucket, info_obj.key).decode(errors="replace"))
            if info_obj
            else {}
        )
        catalog.backups.append(
            BaseBackup(
                backup_id=backup_id,
                status=info.get("status", "NO backup.info"),
                begin_time=_time(info.get("begin_time")),
                end_time=_time(info.get("end_time")),
                begin_wal=info.get("begin_wal", ""),
                end_wal=info.get("end_wal", ""),
                timeline=_int(info.get("timeline")),
                stored_bytes=sum(o.size for o in objects if o is not info_obj),
                cluster_bytes=_int(info.get("cluster_size")) or _int(info.get("size")),
                name=info.get("backup_name") if info.get("backup_name") != "None" else None,
            )
        )
    return catalog
