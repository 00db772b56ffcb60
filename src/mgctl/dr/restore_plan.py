"""`mgctl dr restore-plan DATABASE --to TIMESTAMP|latest`: the ordered restore runbook.

Postgres comes back by point-in-time recovery: a new Cluster (same name, so services, Secrets
and the `<name>-rw` Service stay valid) bootstrapped from the ObjectStore catalog with a
`recoveryTarget` (none for `latest`: the end of the archived WAL), archiving to a fresh
serverName so the old catalog stays untouched. Volume data of the services' namespaces comes
back from Velero (the newest Completed backup before the target). Every step carries a check
that must pass before the next one.

`--from-database OLD` restores DATABASE from the catalog of another database: the way to carry
the data over when a database was renamed in platform.yaml (the old Cluster is kept running by
its Prune=false,Delete=false sync options; `mgctl render` prints this command).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mgctl.config import Platform
from mgctl.config.data import Database
from mgctl.config.units import parse_duration
from mgctl.dr.drill import choose_database
from mgctl.render import backup_layout as layout
from mgctl.render.database_charts import (
    KEPT_RESOURCES,
    NEVER_DELETED,
    SYNC_OPTIONS,
    archiver_plugin,
    cluster_spec,
    object_store,
    offsite_object_store,
)
from mgctl.render.filemap import to_yaml

ORIGIN = "origin"
LATEST = "latest"
SEAWEEDFS_FORWARD = "kubectl -n seaweedfs port-forward svc/seaweedfs-s3 8333:8333 &"
SEAWEEDFS_LOCAL = "http://127.0.0.1:8333"


@dataclass
class Step:
    title: str
    why: str
    commands: list[str]
    check: str
    manifest: str | None = None


@dataclass
class RestorePlan:
    database: str
    target: str
    new_server_name: str
    source_object_store: str
    cluster: dict[str, Any]
    catalog_endpoint: str
    source_database: str
    steps: list[Step] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "sourceDatabase": self.source_database,
            "target": self.target,
            "newServerName": self.new_server_name,
            "sourceObjectStore": self.source_object_store,
            "catalogEndpoint": self.catalog_endpoint,
            "cluster": self.cluster,
            "steps": [s.__dict__ for s in self.steps],
        }


def parse_target(text: str) -> datetime:
    """ISO 8601 / RFC 3339; no zone means UTC (as CNPG's targetTime)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(
            f"{text!r} is not a timestamp; use ISO 8601, e.g. 2026-11-26T14:30:00Z"
        ) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_recovery_target(text: str) -> datetime | None:
    """`latest` (None: replay every archived WAL) or a timestamp (`parse_target`).

    A time after the newest archived commit is not "latest": PostgreSQL 13+ stops with
    "recovery ended before configured recovery target was reached"."""
    return None if text.strip().lower() == LATEST else parse_target(text)


def recovery_cluster(
    platform: Platform,
    db: Database,
    target: datetime | None,
    new_server_name: str,
    source_object_store: str,
    source_server_name: str | None = None,
) -> dict[str, Any]:
    spec = cluster_spec(platform, db)
    recovery: dict[str, Any] = {
        "source": ORIGIN,
        "database": db.database,
        "owner": db.owner,
        "secret": {"name": layout.credentials_secret(db)},
    }
    if target is not None:
        recovery["recoveryTarget"] = {
            "targetTime": target.astimezone(UTC).isoformat(timespec="microseconds")
        }
    spec["bootstrap"] = {"recovery": recovery}
    spec["externalClusters"] = [
        {
            "name": ORIGIN,
            "plugin": {
                "name": layout.PLUGIN,
                "parameters": {
                    "barmanObjectName": source_object_store,
                    "serverName": source_server_name or layout.server_name(db),
                },
            },
        }
    ]
    spec["plugins"] = [archiver_plugin(db, server_name=new_server_name)]
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {
            "name": db.name,
            "namespace": layout.NAMESPACE,
            "labels": {
                "app.kubernetes.io/name": db.name,
                "app.kubernetes.io/component": "database",
                "app.kubernetes.io/managed-by": "mgctl",
            },
            "annotations": {SYNC_OPTIONS: NEVER_DELETED},  # as the rendered Cluster
        },
        "spec": spec,
    }


def first_backup(db: Database, stamp: str) -> dict[str, Any]:
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Backup",
        "metadata": {"name": f"{db.name}-after-restore-{stamp}", "namespace": layout.NAMESPACE},
        "spec": {
            "cluster": {"name": db.name},
            "method": "plugin",
            "pluginConfiguration": {"name": layout.PLUGIN},
        },
    }


def newest_velero_backups(
    platform: Platform, backups: Any, target: datetime, namespaces: list[str]
) -> dict[str, str]:
    """Per schedule covering any of `namespaces`: the newest Completed backup started before
    the target (the state closest to, not after, the database's target)."""
    chosen: dict[str, str] = {}
    for schedule in platform.backups.velero_schedules:
        best: tuple[datetime, str] | None = None
        for item in backups.get("items", []):
            meta = item.get("metadata", {})
            label = (meta.get("labels") or {}).get("velero.io/schedule-name", "")
            status = item.get("status") or {}
            if not (label == schedule.name or label.endswith("-" + schedule.name)):
                continue
            if status.get("phase") != "Completed" or not status.get("startTimestamp"):
                continue
            started = datetime.fromisoformat(status["startTimestamp"].replace("Z", "+00:00"))
            if started <= target and (best is None or started > best[0]):
                best = (started, meta.get("name", ""))
        if best is not None:
            chosen[schedule.name] = best[1]
    return chosen


def build_plan(
    platform: Platform,
    database: str,
    target: datetime | None,
    offsite: bool = False,
    velero_backups: Any | None = None,
    source_database: str | None = None,
    now: datetime | None = None,
) -> RestorePlan:
    """`target` None: recover to the end of the archived WAL (`--to latest`). `source_database`:
    the catalog to recover from, when it is another database's (a rename)."""
    db = choose_database(platform, database)
    if offsite and platform.object_store.offsite is None:
        raise ValueError("--offsite: objectStore.offsite is not configured in platform.yaml")
    source_db = _source_database(db, source_database)
    renamed = source_db.name != db.name
    when = target or now or datetime.now(UTC)
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M")
    new_server = f"{db.name}-r{stamp}"
    source = (
        layout.offsite_object_store_name(source_db)
        if offsite
        else layout.object_store_name(source_db)
    )
    target_text = target.astimezone(UTC).isoformat(timespec="microseconds") if target else LATEST
    services = sorted(
        s.name for s in platform.services if s.database == db.name or db.name in s.egress.databases
    )
    ns = layout.NAMESPACE
    cluster = recovery_cluster(platform, db, target, new_server, source, source_db.name)
    endpoint = _catalog_endpoint(platform, offsite)
    plan = RestorePlan(db.name, target_text, new_server, source, cluster, endpoint, source_db.name)
    q = shlex.quote

    bucket = (
        platform.object_store.offsite.bucket
        if offsite and platform.object_store.offsite
        else platform.object_store.buckets.databases
    )
    catalog = f"s3://{bucket}/{layout.catalog_prefix(source_db)}"
    covers = (
        f"last_backup_end is before {target_text} and last_wal_time is after it"
        if target
        else "it has a completed base backup and last_wal_time is recent (recovery replays "
        "every archived WAL)"
    )
    plan.steps.append(
        Step(
            "Confirm the catalog covers the target",
            "PITR needs a base backup that ended before the target and archived WAL past it.",
            _status_commands(platform, offsite, source_db.name if renamed else None),
            f"databases[{source_db.name}]: {covers} (catalog {catalog} at {endpoint})",
        )
    )
    if renamed:
        plan.steps.append(_source_store_step(platform, db, source_db, offsite, source))
    apps = [db.name, *services]
    plan.steps.append(
        Step(
            "Freeze GitOps for the database and its services",
            "Argo CD self-heal would otherwise recreate the old cluster and scale writers back.",
            [
                "kubectl -n argocd patch application root --type json "
                '-p \'[{"op":"remove","path":"/spec/syncPolicy/automated"}]\'',
                "kubectl -n argocd patch applicationset databases services --type json "
                '-p \'[{"op":"remove","path":"/spec/template/spec/syncPolicy/automated"}]\'',
            ],
            "kubectl -n argocd get application "
            + " ".join(apps)
            + " -o jsonpath='{range .items[*]}{.metadata.name}: {.spec.syncPolicy.automated}"
            "{\"\\n\"}{end}'   # every line ends with ': ' (no automated sync)",
        )
    )
    if services:
        plan.steps.append(
            Step(
                "Stop the writers",
                "Nothing may write to the old cluster while it is replaced.",
                [f"kubectl -n {q(s)} scale deployment/{q(s)} --replicas=0" for s in services],
                " && ".join(
                    f'test -z "$(kubectl -n {q(s)} get deployment {q(s)} '
                    "-o jsonpath='{.status.replicas}')\""
                    for s in services
                ),
            )
        )
    switch_wal = (
        f"kubectl -n {ns} exec {source_db.name}-1 -c postgres -- psql -Atc "
        '"SELECT pg_walfile_name(pg_switch_wal())"   # if the primary still runs: '
        "archive the open WAL segment, then wait until dr status shows it"
    )
    if renamed:
        plan.steps.append(
            Step(
                f"Archive {source_db.name}'s last WAL, remove the new, empty {db.name}",
                f"{db.name} was created empty by the rename; it is replaced by a recovery of "
                f"{source_db.name}'s catalog. {source_db.name} itself keeps running (its sync "
                "options keep Argo CD from deleting it) until you retire it at the end.",
                [
                    switch_wal,
                    f"kubectl -n {ns} delete cluster {db.name} --wait=true",
                ],
                f'test -z "$(kubectl -n {ns} get pods,pvc -l cnpg.io/cluster={db.name} -o name)"',
            )
        )
    else:
        plan.steps.append(
            Step(
                "Remove the damaged cluster (its WAL is already in the catalog)",
                "The recovered cluster takes the same name so Services, Secrets and clients keep "
                f"working; it archives to serverName {new_server}, leaving the old catalog "
                "intact.",
                [
                    switch_wal,
                    f"kubectl -n {ns} get cluster {db.name} -o yaml > "
                    f"{db.name}-before-restore.yaml",
                    f"kubectl -n {ns} delete cluster {db.name} --wait=true",
                ],
                f'test -z "$(kubectl -n {ns} get pods,pvc -l cnpg.io/cluster={db.name} -o name)"',
            )
        )
    manifest_file = f"{db.name}-recovery.yaml"
    replay = f"replays WAL up to {target_text}" if target else "replays every archived WAL"
    plan.steps.append(
        Step(
            f"Create the recovered cluster (PITR to {target_text})",
            f"CNPG restores the newest base backup before the target from {source} "
            f"(serverName {source_db.name}) and {replay}, then promotes.",
            [f"kubectl apply --server-side -f {manifest_file}   # the manifest below"],
            f"kubectl -n {ns} wait cluster/{db.name} --for=condition=Ready --timeout="
            f"{max(1, _hours(platform.backups.rto))}h",
            manifest=to_yaml(cluster),
        )
    )
    stopped = (
        f"the log's 'recovery stopping before commit ... time' is at or just after {target_text}"
        if target
        else "the log shows 'archive recovery complete'"
    )
    plan.steps.append(
        Step(
            "Verify the data",
            "Recovery must have stopped at the target and the database must accept writes.",
            [
                f"kubectl -n {ns} exec {db.name}-1 -c postgres -- psql -d {q(db.database)} -Atc "
                '"SELECT pg_is_in_recovery(), now()"',
                f"kubectl -n {ns} logs {db.name}-1 -c postgres | grep -E "
                "'recovery stopping before|archive recovery complete|selected new timeline'",
            ],
            f"pg_is_in_recovery is f; {stopped}; your own newest-row query shows the expected "
            "state",
        )
    )
    plan.steps.append(
        Step(
            "Take a base backup of the new timeline",
            "The new serverName has WAL but no base backup yet: the RPO clock restarts now.",
            [f"kubectl apply -f - <<'EOF'\n{to_yaml(first_backup(db, stamp))}EOF"],
            f"kubectl -n {ns} get backup {db.name}-after-restore-{stamp} "
            "-o jsonpath='{.status.phase}'   # completed",
        )
    )
    velero = _velero_step(platform, db, services, when, stamp, velero_backups)
    if velero is not None:
        plan.steps.append(velero)
    plan.steps.append(
        Step(
            "Make git match, then unfreeze",
            "Auto-sync must not revert the recovered cluster to the rendered initdb spec.",
            [
                f"cp {manifest_file} mg-deploy/databases/{db.name}/cluster.yaml   # keep the "
                "PodMonitor document from the rendered file; commit and push",
                "kubectl -n argocd patch application root --type merge -p "
                '\'{"spec":{"syncPolicy":{"automated":{"prune":true,"selfHeal":true}}}}\'',
            ],
            "kubectl -n argocd get application "
            + " ".join(apps)
            + " -o jsonpath='{range .items[*]}{.metadata.name}: {.status.sync.status}/"
            '{.status.health.status}{"\\n"}{end}\'   # all Synced/Healthy, services scaled up',
        )
    )
    if renamed:
        plan.steps.append(_retire_step(source_db, bucket))
    return plan


def _source_database(db: Database, source: str | None) -> Database:
    """The database whose catalog is read: `db` itself, or the old name of a renamed one."""
    if source is None or source == db.name:
        return db
    return db.model_copy(update={"name": source})


def _catalog_endpoint(platform: Platform, offsite: bool) -> str:
    """Where `dr status` reads the catalog from a workstation: the in-cluster SeaweedFS only
    through a port-forward, any external store at its own endpoint."""
    store = platform.object_store
    if offsite and store.offsite is not None:
        return store.offsite.endpoint
    if store.type == "seaweedfs":
        return SEAWEEDFS_LOCAL
    return store.s3_endpoint


def _status_commands(platform: Platform, offsite: bool, catalog: str | None) -> list[str]:
    store = platform.object_store
    keys = (
        (store.offsite.access_key_key, store.offsite.secret_key_key)
        if offsite and store.offsite is not None
        else (store.access_key_key, store.secret_key_key)
    )
    endpoint = _catalog_endpoint(platform, offsite)
    commands = []
    if store.type == "seaweedfs" and not offsite:
        commands.append(SEAWEEDFS_FORWARD)
    status = (
        f"AWS_ACCESS_KEY_ID=<{keys[0]}> AWS_SECRET_ACCESS_KEY=<{keys[1]}> "
        f"mgctl dr status -c platform.yaml --endpoint {endpoint}"
    )
    if offsite:
        status += " --offsite"
    if catalog is not None:
        status += f" --catalog {shlex.quote(catalog)}"
    commands.append(status + " --output json")
    return commands


def _source_store_step(
    platform: Platform, db: Database, source_db: Database, offsite: bool, store_name: str
) -> Step:
    """The old database's ObjectStore is kept with its Cluster (sync options); if it was
    deleted, this one reads the same catalog with the new database's S3 credentials."""
    store = platform.object_store
    if offsite and store.offsite is not None:
        manifest = offsite_object_store(store.offsite, source_db)
        manifest["spec"]["configuration"]["s3Credentials"] = offsite_object_store(
            store.offsite, db
        )["spec"]["configuration"]["s3Credentials"]
    else:
        manifest = object_store(store, source_db)
        manifest["spec"]["configuration"]["s3Credentials"] = object_store(store, db)["spec"][
            "configuration"
        ]["s3Credentials"]
    ns = layout.NAMESPACE
    return Step(
        f"Make sure the ObjectStore {store_name} still reads {source_db.name}'s catalog",
        f"The recovery reads {source_db.name}'s catalog through this ObjectStore; it is kept "
        f"with {source_db.name}'s Cluster unless someone deleted it.",
        [
            f"kubectl -n {ns} get objectstores.barmancloud.cnpg.io {store_name} || "
            f"kubectl apply --server-side -f {store_name}.yaml   # the manifest below",
        ],
        f"kubectl -n {ns} get objectstores.barmancloud.cnpg.io {store_name} "
        "-o jsonpath='{.spec.configuration.destinationPath}'   # "
        + manifest["spec"]["configuration"]["destinationPath"],
        manifest=to_yaml(manifest),
    )


def _retire_step(source_db: Database, bucket: str) -> Step:
    ns = layout.NAMESPACE
    name = source_db.name
    return Step(
        f"Retire the old cluster {name} (only after the checks above pass)",
        "Argo CD no longer manages it and never deletes it: its sync options say "
        "Prune=false,Delete=false. Deleting the Cluster deletes its volumes; the catalog in "
        "the bucket stays (nothing applies its retention any more: delete it by hand when "
        "no longer needed).",
        [
            f"kubectl -n {ns} delete {KEPT_RESOURCES} -l app.kubernetes.io/name={name}",
            f"# later, when its backups are no longer wanted: delete s3://{bucket}/{name}/",
        ],
        f'test -z "$(kubectl -n {ns} get pods,pvc -l cnpg.io/cluster={name} -o name)"',
    )


def _velero_step(
    platform: Platform,
    db: Database,
    services: list[str],
    when: datetime,
    stamp: str,
    velero_backups: Any | None,
) -> Step | None:
    if not services:
        return None
    q = shlex.quote
    velero_cmds: list[str] = []
    restore_name = f"{db.name}-{stamp}"
    chosen = (
        newest_velero_backups(platform, velero_backups, when, services)
        if (velero_backups is not None)
        else {}
    )
    for schedule in platform.backups.velero_schedules:
        covered = [
            n
            for n in services
            if (
                "*" in schedule.included_namespaces
                or n in schedule.included_namespaces
                or not schedule.included_namespaces
            )
            and n not in schedule.excluded_namespaces
        ]
        if not covered:
            continue
        source_flag = (
            f"--from-backup {q(chosen[schedule.name])}"
            if schedule.name in chosen
            else f"--from-schedule {q(_velero_schedule_name(schedule.name))}"
        )
        velero_cmds.append(
            f"velero restore create {restore_name} {source_flag} "
            f"--include-namespaces {','.join(covered)} --existing-resource-policy=update "
            "--wait"
        )
        break  # the first (most complete) schedule covering the namespaces is enough
    return Step(
        "Restore the services' volumes and state with Velero (only if they were lost)",
        "Git (Argo CD) recreates manifests; Velero brings back PVC data (Kopia) and "
        "objects not in git. The database namespace is never restored by Velero: its "
        "data came from PITR above."
        + (
            ""
            if velero_backups is not None
            else " Without --kubeconfig the newest backup of the schedule is used; "
            "pass --kubeconfig to pick the newest one before the target."
        ),
        velero_cmds or ["# no Velero schedule covers these namespaces"],
        f"velero restore describe {restore_name}   # Phase: Completed, Errors: 0",
    )


def _hours(duration: str) -> int:
    return -(-parse_duration(duration) // 3600)


def _velero_schedule_name(name: str) -> str:
    """The velero chart names Schedule objects <release>-<key>; the release is `velero`."""
    return f"velero-{name}"


def format_plan(plan: RestorePlan) -> str:
    source = (
        f"{plan.source_database}'s catalog through ObjectStore {plan.source_object_store}"
        if plan.source_database != plan.database
        else f"source ObjectStore {plan.source_object_store}"
    )
    lines = [
        f"Restore plan for {plan.database} to {plan.target} ({source}; new WAL archive "
        f"serverName {plan.new_server_name}; catalog read at {plan.catalog_endpoint})",
    ]
    for i, step in enumerate(plan.steps, 1):
        lines.append(f"\n{i}. {step.title}")
        lines.append(f"   why:   {step.why}")
        for cmd in step.commands:
            lines.append(f"   run:   {cmd}")
        lines.append(f"   check: {step.check}")
        if step.manifest:
            lines.append("   manifest:")
            lines += [f"     {line}" for line in step.manifest.splitlines()]
    return "\n".join(lines)
