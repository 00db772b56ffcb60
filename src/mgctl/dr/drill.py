"""`mgctl dr drill postgres`: prove that the Postgres backups restore, and measure RPO and RTO.

The same tools as the CloudNativePG Barman Cloud plugin, configured from the same platform.yaml
values that render the ObjectStore (bucket, destinationPath, serverName, compression, retention):
PostgreSQL archives WAL with barman-cloud-wal-archive into a local SeaweedFS, barman-cloud-backup
takes a base backup, and barman-cloud-restore + barman-cloud-wal-restore recover a fresh data
directory to a point in time. Every row is then compared with what was committed before the
target. Nothing leaves the machine: the object store is a SeaweedFS the drill starts itself.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mgctl.config import Platform
from mgctl.config.data import Database
from mgctl.config.units import parse_duration
from mgctl.dr.barman_cloud import (
    BarmanCloud,
    Interpreter,
    check_compression_available,
)
from mgctl.dr.catalog import read_catalog
from mgctl.dr.postgres_server import OsUser, PostgresServer
from mgctl.dr.processes import free_ports, wait_until
from mgctl.dr.seaweedfs import SeaweedFS
from mgctl.render import backup_layout as layout

Progress = Callable[[str], None]

TABLE = "drill_rows"
PAYLOAD_REPEAT = 8  # repeat(md5(id), 8): 256 bytes of payload per row


class DrillFailed(RuntimeError):
    """The restore did not give back exactly the committed data, or a target was missed."""


@dataclass(frozen=True)
class DrillOptions:
    database: str | None = None
    rows: int = 10_000
    load_seconds: float = 30.0
    load_rows_per_second: int = 5_000
    after_target_rows: int = 500
    archive_timeout: str = layout.ARCHIVE_TIMEOUT
    keep: bool = False


@dataclass
class RpoSample:
    at_seconds: float
    exposure_seconds: float
    last_archived_wal: str


@dataclass
class DrillReport:
    database: str
    database_name: str
    owner: str
    destination_path: str
    server_name: str
    wal_compression: str | None
    data_compression: str | None
    retention: str
    cluster_endpoint: str
    drill_endpoint: str
    postgres_version: str
    configured_postgres_major: int
    archive_timeout: str
    rows_before_backup: int
    rows_during_load: int
    rows_after_target: int
    database_bytes: int
    backup_id: str
    backup_bytes: int
    backup_seconds: float
    target_time: str
    rpo_target_seconds: int
    rto_target_seconds: int
    rpo_max_seconds: float
    rpo_p50_seconds: float
    archive_seconds: float
    rpo_bound_seconds: float
    load_rows_per_second: float
    load_wal_bytes_per_second: float
    restore_seconds: float
    replay_seconds: float
    rto_seconds: float
    rows_verified: int
    kept_workdir: str | None = None
    notes: list[str] = field(default_factory=list)
    rpo_samples: list[RpoSample] = field(default_factory=list)

    @property
    def rpo_met(self) -> bool:
        return self.rpo_bound_seconds <= self.rpo_target_seconds

    @property
    def rto_met(self) -> bool:
        return self.rto_seconds <= self.rto_target_seconds

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rpo_met"] = self.rpo_met
        data["rto_met"] = self.rto_met
        return data


def choose_database(platform: Platform, name: str | None) -> Database:
    if not platform.databases:
        raise DrillFailed("platform.yaml has no databases; nothing to drill")
    if name is None:
        return platform.databases[0]
    for db in platform.databases:
        if db.name == name:
            return db
    names = ", ".join(d.name for d in platform.databases)
    raise DrillFailed(f"database {name!r} is not in platform.yaml (databases: {names})")


def wal_segment_start(wal_name: str, segment_size: int) -> int:
    """WAL file name (TTTTTTTTXXXXXXXXYYYYYYYY) -> LSN of its first byte."""
    if len(wal_name) != 24:
        raise ValueError(f"{wal_name!r} is not a WAL segment name")
    log_id, seg = int(wal_name[8:16], 16), int(wal_name[16:24], 16)
    return log_id * 2**32 + seg * segment_size


_HEX24 = re.compile(r"^[0-9A-F]{24}")


def archived_end_lsn(name: str, segment_size: int, previous: int) -> int:
    """LSN up to which WAL is safe, given pg_stat_archiver.last_archived_wal. A segment covers
    its whole range; a backup history file (<segment>.<offset>.backup) only vouches for what
    precedes its segment; timeline .history files say nothing new."""
    match = _HEX24.match(name)
    if not match:
        return previous
    start = wal_segment_start(match.group(0), segment_size)
    if len(name) == 24:
        return max(previous, start + segment_size)
    if name.endswith(".backup"):
        return max(previous, start)
    return previous


def parse_lsn(lsn: str) -> int:
    high, low = lsn.split("/")
    return int(high, 16) * 2**32 + int(low, 16)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


_ROWS_SQL = (
    f"COPY (SELECT id, phase, md5(payload), written_at AT TIME ZONE 'UTC' FROM {TABLE} "
    "ORDER BY id) TO STDOUT;"
)
_NOW_SQL = "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US');"


def run_drill(
    platform: Platform,
    options: DrillOptions,
    progress: Progress,
    seaweedfs: SeaweedFS | None = None,
) -> DrillReport:
    """Run the drill; with `seaweedfs` given (already started) the catalog stays in it afterwards
    (tests read it with `dr status`), otherwise the drill starts and removes its own."""
    db = choose_database(platform, options.database)
    store_cfg = platform.object_store
    wal_comp = db.backup.compression
    data_comp = layout.data_compression(wal_comp)
    check_compression_available(wal_comp)
    check_compression_available(data_comp)
    bucket = store_cfg.buckets.databases
    destination = layout.destination_path(bucket, db)
    server_name = layout.server_name(db)
    retention_days = max(1, parse_duration(db.backup.retention) // 86400)
    notes: list[str] = [
        f"object store: a local SeaweedFS started by the drill; the cluster uses "
        f"{store_cfg.s3_endpoint} (objectStore endpoint), with the same bucket, path, "
        "serverName and compression",
    ]

    user, user_note = OsUser.for_postgres()
    if user_note:
        notes.append(user_note)
    workdir = Path(tempfile.mkdtemp(prefix="mgctl-drill-"))
    workdir.chmod(0o755)  # the PostgreSQL user must reach its data dirs inside
    if not user.can_enter(workdir):
        shutil.rmtree(workdir, ignore_errors=True)
        raise ValueError(  # a setup problem (exit 2), not a failed restore
            f"user {user.name!r} cannot reach {workdir}: a directory above it is not "
            f"searchable by other users. Fix: TMPDIR=/tmp (or another world-searchable "
            "directory) for the drill"
        )
    source: PostgresServer | None = None
    restored: PostgresServer | None = None
    own_seaweed = seaweedfs is None
    seaweed = seaweedfs or SeaweedFS(workdir / "seaweedfs")
    try:
        if own_seaweed:
            progress(f"starting SeaweedFS (S3) in {workdir}")
            seaweed.start()
        seaweed.store().ensure_bucket(bucket)
        interpreter = Interpreter.for_user(user, workdir, (wal_comp, data_comp))
        if interpreter.note:
            notes.append(interpreter.note)
        barman = BarmanCloud(
            interpreter=interpreter,
            user=user,
            endpoint=seaweed.endpoint,
            destination=destination,
            server_name=server_name,
            credentials_env=seaweed.credentials.env(),
            region=store_cfg.region,
        )
        source_port, restore_port = free_ports(2)
        source = PostgresServer(user, workdir / "source", source_port)
        pg_version = source.bindir.parent.name
        if pg_version.isdigit() and int(pg_version) != db.postgres_version:
            notes.append(
                f"local PostgreSQL is {pg_version}, the cluster runs {db.postgres_version}: "
                "barman-cloud and recovery work the same way on both"
            )
        progress(f"initdb + WAL archiving to {destination} (server {server_name})")
        source.initdb()
        source.configure(
            {
                "wal_level": "replica",
                "archive_mode": "on",
                "archive_command": barman.archive_command(wal_comp),
                "archive_timeout": options.archive_timeout,
                "max_wal_size": "1GB",
            }
        )
        source.start(env=barman.env_for_server())
        source.psql(
            f'CREATE ROLE "{db.owner}" LOGIN; CREATE DATABASE "{db.database}" OWNER "{db.owner}";'
        )
        segment_size = int(
            source.scalar("SELECT setting FROM pg_settings WHERE name = 'wal_segment_size';")
        )
        source.psql(
            f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, phase text NOT NULL, "
            "payload text NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp());"
            f'ALTER TABLE {TABLE} OWNER TO "{db.owner}";',
            db.database,
        )
        next_id = 1
        progress(f"writing {options.rows} rows")
        source.psql(_insert(next_id, options.rows, "base"), db.database)
        next_id += options.rows

        progress("base backup (barman-cloud-backup)")
        started = time.monotonic()
        barman.backup(
            "127.0.0.1", source_port, source.superuser, data_comp, "mgctl-drill", layout.DATA_JOBS
        )
        backup_seconds = time.monotonic() - started
        backups = barman.list_backups()
        if not backups:
            raise DrillFailed(f"barman-cloud-backup finished but {destination} lists no backup")
        backup = backups[-1]
        catalog = read_catalog(seaweed.store(), bucket, layout.catalog_prefix(db))
        stored = [b for b in catalog.backups if b.backup_id == str(backup["backup_id"])]
        if not stored or not stored[0].done:
            raise DrillFailed(
                f"backup {backup['backup_id']} is not DONE in the catalog at "
                f"s3://{bucket}/{layout.catalog_prefix(db)}"
            )
        backup_bytes = stored[0].stored_bytes
        pruned = barman.apply_retention(retention_days)
        if not barman.list_backups():
            raise DrillFailed(
                f"the retention policy RECOVERY WINDOW OF {retention_days} DAYS deleted the only "
                f"backup: {pruned}"
            )

        progress(f"steady write load for {options.load_seconds:.0f}s, sampling the WAL archive lag")
        samples, load_rows, wal_bytes, load_elapsed = _load_and_sample(
            source, db.database, next_id, options, segment_size
        )
        next_id += load_rows
        time.sleep(0.5)
        target_time = source.scalar(_NOW_SQL) + "+00"
        time.sleep(0.5)
        progress(f"target time {target_time}; writing {options.after_target_rows} rows after it")
        for i in range(5):
            count = options.after_target_rows // 5 + (1 if i < options.after_target_rows % 5 else 0)
            if count:
                source.psql(_insert(next_id, count, "after-target"), db.database)
                next_id += count
        last_wal = source.scalar("SELECT pg_walfile_name(pg_current_wal_lsn());")
        source.psql("SELECT pg_switch_wal();")
        archive_seconds = wait_until(
            lambda: _archived(source, last_wal), 120, f"WAL {last_wal} to be archived", 0.1
        )
        expected = [
            line
            for line in source.psql(_ROWS_SQL, db.database).splitlines()
            if line.split("\t")[1] != "after-target"
        ]
        after_in_source = int(
            source.scalar(
                f"SELECT count(*) FROM {TABLE} WHERE phase = 'after-target';", db.database
            )
        )
        if after_in_source != options.after_target_rows:
            raise DrillFailed(f"source has {after_in_source} rows after the target")
        database_bytes = int(source.scalar(f"SELECT pg_database_size('{db.database}');"))
        postgres_version = source.scalar("SHOW server_version;")
        timeout_seconds = source.setting_seconds("archive_timeout")
        progress("source server stopped (the failure); restoring into a fresh data directory")
        source.stop("immediate")

        restored = PostgresServer(user, workdir / "restored", restore_port, source.bindir)
        user.make_dir(restored.datadir)
        started = time.monotonic()
        barman.restore(str(backup["backup_id"]), restored.datadir)
        restore_seconds = time.monotonic() - started
        restored.configure(
            {
                "restore_command": barman.restore_command(
                    layout.WAL_MAX_PARALLEL, user.make_dir(workdir / "walrestore")
                ),
                "recovery_target_time": target_time,
                "recovery_target_action": "promote",
                "archive_mode": "off",
            }
        )
        signal_file = restored.datadir / "recovery.signal"
        signal_file.touch()
        shutil.chown(signal_file, user.name)
        replay_started = time.monotonic()
        restored.start(env=barman.env_for_server(), timeout=600)
        restored.wait_promoted(timeout=1800)
        replay_seconds = time.monotonic() - replay_started
        rto_seconds = time.monotonic() - started

        progress("verifying every row")
        actual = restored.psql(_ROWS_SQL, db.database).splitlines()
        _compare(expected, actual)
        owner = restored.scalar(
            f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{db.database}';"
        )
        if owner != db.owner:
            raise DrillFailed(f"restored database {db.database!r} is owned by {owner!r}")

        exposures = [s.exposure_seconds for s in samples]
        report = DrillReport(
            database=db.name,
            database_name=db.database,
            owner=db.owner,
            destination_path=destination,
            server_name=server_name,
            wal_compression=wal_comp,
            data_compression=data_comp,
            retention=db.backup.retention,
            cluster_endpoint=store_cfg.s3_endpoint,
            drill_endpoint=seaweed.endpoint,
            postgres_version=postgres_version,
            configured_postgres_major=db.postgres_version,
            archive_timeout=options.archive_timeout,
            rows_before_backup=options.rows,
            rows_during_load=load_rows,
            rows_after_target=options.after_target_rows,
            database_bytes=database_bytes,
            backup_id=str(backup["backup_id"]),
            backup_bytes=backup_bytes,
            backup_seconds=round(backup_seconds, 2),
            target_time=target_time,
            rpo_target_seconds=parse_duration(platform.backups.rpo),
            rto_target_seconds=parse_duration(platform.backups.rto),
            rpo_max_seconds=round(max(exposures, default=0.0), 2),
            rpo_p50_seconds=round(percentile(exposures, 0.5), 2),
            archive_seconds=round(archive_seconds, 2),
            # with few writes a segment is only switched by archive_timeout, then uploaded
            rpo_bound_seconds=round(
                max(max(exposures, default=0.0), timeout_seconds + archive_seconds), 2
            ),
            load_rows_per_second=round(load_rows / load_elapsed, 1),
            load_wal_bytes_per_second=round(wal_bytes / load_elapsed, 1),
            restore_seconds=round(restore_seconds, 2),
            replay_seconds=round(replay_seconds, 2),
            rto_seconds=round(rto_seconds, 2),
            rows_verified=len(actual),
            kept_workdir=str(workdir) if options.keep else None,
            notes=notes,
            rpo_samples=samples,
        )
        return report
    finally:
        for server in (restored, source):
            if server is not None:
                try:
                    server.stop("immediate")
                except Exception as exc:
                    progress(f"warning: could not stop PostgreSQL in {server.datadir}: {exc}")
        if own_seaweed:
            seaweed.stop()
        if options.keep:
            progress(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _insert(first_id: int, count: int, phase: str) -> str:
    last = first_id + count - 1
    return (
        f"INSERT INTO {TABLE} (id, phase, payload) SELECT g, '{phase}', "
        f"repeat(md5(g::text), {PAYLOAD_REPEAT}) FROM generate_series({first_id}, {last}) g;"
    )


def _archived(server: PostgresServer, wal_name: str) -> bool:
    """Whether `wal_name` (a segment) is archived: the archiver works in order, so any later
    segment, or a .backup file of a later segment, counts."""
    last = server.scalar("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver;")
    match = _HEX24.match(last)
    if not match:
        return False
    segment = match.group(0)
    return segment[8:] >= wal_name[8:] if len(last) == 24 else segment[8:] > wal_name[8:]


def _load_and_sample(
    server: PostgresServer,
    database: str,
    first_id: int,
    options: DrillOptions,
    segment_size: int,
) -> tuple[list[RpoSample], int, int, float]:
    """Insert a batch about every 100 ms; after each commit read pg_stat_archiver. A batch is
    safe once the segment holding its commit is archived; exposure = now - commit time of the
    newest safe batch (what a failure at that instant would lose)."""
    tick = 0.1
    commits: list[tuple[int, float]] = []  # (commit LSN, monotonic commit time)
    samples: list[RpoSample] = []
    start = time.monotonic()
    wal_sql = "SELECT wal_bytes FROM pg_stat_wal;"
    wal_before = int(server.scalar(wal_sql))
    next_id = first_id
    archived_end = 0
    while time.monotonic() - start < options.load_seconds:
        # keep the requested rate on average, whatever one round trip costs
        due = int(options.load_rows_per_second * (time.monotonic() - start + tick))
        batch = max(1, due - (next_id - first_id))
        out = server.psql(
            _insert(next_id, batch, "load") + " SELECT pg_current_wal_insert_lsn() || ' ' || "
            "coalesce((SELECT last_archived_wal FROM pg_stat_archiver), '');",
            database,
        )
        now = time.monotonic()
        next_id += batch
        lsn_text, _, archived_wal = out.splitlines()[-1].partition(" ")
        commits.append((parse_lsn(lsn_text), now))
        archived_end = archived_end_lsn(archived_wal, segment_size, archived_end)
        safe = [t for lsn, t in commits if lsn <= archived_end]
        exposure = now - (max(safe) if safe else start)
        samples.append(
            RpoSample(round(now - start, 2), round(exposure, 3), archived_wal or "(none)")
        )
        time.sleep(max(0.0, tick - (time.monotonic() - now)))
    elapsed = time.monotonic() - start
    time.sleep(0.6)  # pg_stat_wal is flushed by the backends at most every 500 ms
    return samples, next_id - first_id, int(server.scalar(wal_sql)) - wal_before, elapsed


def _compare(expected: list[str], actual: list[str]) -> None:
    if expected == actual:
        return
    expected_ids = {line.split("\t")[0]: line for line in expected}
    actual_ids = {line.split("\t")[0]: line for line in actual}
    missing = [i for i in expected_ids if i not in actual_ids]
    extra = [i for i in actual_ids if i not in expected_ids]
    changed = [i for i in expected_ids if i in actual_ids and expected_ids[i] != actual_ids[i]]
    raise DrillFailed(
        f"restored data differs from what was committed before the target: "
        f"{len(expected)} rows expected, {len(actual)} restored; missing ids {missing[:5]}"
        f"{'...' if len(missing) > 5 else ''} ({len(missing)}), unexpected ids {extra[:5]} "
        f"({len(extra)}), changed ids {changed[:5]} ({len(changed)})"
    )


def format_report(report: DrillReport) -> str:
    def mb(n: float) -> str:
        return f"{n / 2**20:,.1f} MiB"

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines = [
        f"PITR drill for {report.database} (database {report.database_name}, owner "
        f"{report.owner}) on PostgreSQL {report.postgres_version}",
        f"  catalog           {report.destination_path} serverName {report.server_name}; WAL "
        f"{report.wal_compression or 'uncompressed'}, "
        f"data {report.data_compression or 'uncompressed'}, "
        f"retention {report.retention}",
        f"  data              {report.rows_before_backup:,} rows before the base backup, "
        f"{report.rows_during_load:,} during the load, {report.rows_after_target:,} after the "
        f"target; database {mb(report.database_bytes)}",
        f"  base backup       {report.backup_id}, {mb(report.backup_bytes)} in "
        f"{report.backup_seconds:.1f}s",
        f"  target time       {report.target_time}",
        f"  verified          {report.rows_verified:,} rows identical, none after the target",
        f"  RPO (archive lag) max {report.rpo_max_seconds:.1f}s, median "
        f"{report.rpo_p50_seconds:.1f}s under {report.load_rows_per_second:,.0f} rows/s "
        f"({mb(report.load_wal_bytes_per_second)}/s WAL), archive_timeout "
        f"{report.archive_timeout}",
        f"  RPO bound         {report.rpo_bound_seconds:.1f}s = archive_timeout + one segment "
        f"upload ({report.archive_seconds:.1f}s), or the measured lag if larger; target "
        f"{report.rpo_target_seconds}s: {verdict(report.rpo_met)}",
        f"  RTO               {report.rto_seconds:.1f}s = restore {report.restore_seconds:.1f}s "
        f"+ WAL replay and promote {report.replay_seconds:.1f}s; target "
        f"{report.rto_target_seconds}s: {verdict(report.rto_met)}",
    ]
    lines += [f"  note: {note}" for note in report.notes]
    return "\n".join(lines)
