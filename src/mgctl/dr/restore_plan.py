"""`mgctl dr restore-plan DATABASE --to TIMESTAMP`: the ordered restore runbook for one database.

Postgres comes back by point-in-time recovery: a new Cluster (same name, so services, Secrets
and the `<name>-rw` Service stay valid) bootstrapped from the ObjectStore catalog with a
`recoveryTarget`, archiving to a fresh serverName so the old catalog stays untouched. Volume
data of the services' namespaces comes back from Velero (the newest Completed backup before the
target). Every step carries a check that must pass before the next one.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mgctl.config import Platform
from mgctl.config.data import Database
from mgctl.config.units import parse_duration
from mgctl.dr import layout
from mgctl.dr.drill import choose_database
from mgctl.render.database_charts import archiver_plugin, cluster_spec
from mgctl.render.filemap import to_yaml

ORIGIN = "origin"


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
    steps: list[Step] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "target": self.target,
            "newServerName": self.new_server_name,
            "sourceObjectStore": self.source_object_store,
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


def recovery_cluster(
    platform: Platform,
    db: Database,
    target: datetime,
    new_server_name: str,
    source_object_store: str,
) -> dict[str, Any]:
    spec = cluster_spec(platform, db)
    spec["bootstrap"] = {
        "recovery": {
            "source": ORIGIN,
            "database": db.database,
            "owner": db.owner,
            "secret": {"name": layout.credentials_secret(db)},
            "recoveryTarget": {
                "targetTime": target.astimezone(UTC).isoformat(timespec="microseconds")
            },
        }
    }
    spec["externalClusters"] = [
        {
            "name": ORIGIN,
            "plugin": {
                "name": layout.PLUGIN,
                "parameters": {
                    "barmanObjectName": source_object_store,
                    "serverName": layout.server_name(db),
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
    target: datetime,
    offsite: bool = False,
    velero_backups: Any | None = None,
) -> RestorePlan:
    db = choose_database(platform, database)
    if offsite and platform.object_store.offsite is None:
        raise ValueError("--offsite: objectStore.offsite is not configured in platform.yaml")
    stamp = target.astimezone(UTC).strftime("%Y%m%d%H%M")
    new_server = f"{db.name}-r{stamp}"
    source = layout.offsite_object_store_name(db) if offsite else layout.object_store_name(db)
    target_text = target.astimezone(UTC).isoformat(timespec="microseconds")
    services = sorted(
        s.name for s in platform.services if s.database == db.name or db.name in s.egress.databases
    )
    ns = layout.NAMESPACE
    cluster = recovery_cluster(platform, db, target, new_server, source)
    plan = RestorePlan(db.name, target_text, new_server, source, cluster)
    q = shlex.quote

    bucket = (
        platform.object_store.offsite.bucket
        if offsite and platform.object_store.offsite
        else platform.object_store.buckets.databases
    )
    plan.steps.append(
        Step(
            "Confirm the catalog covers the target",
            "PITR needs a base backup that ended before the target and archived WAL past it.",
            [
                "kubectl -n seaweedfs port-forward svc/seaweedfs-s3 8333:8333 &"
                if platform.object_store.type == "seaweedfs" and not offsite
                else "# the object store is external: use its endpoint directly",
                "mgctl dr status -c platform.yaml --output json"
                + (" --endpoint http://127.0.0.1:8333" if not offsite else ""),
            ],
            f"databases[{db.name}]: last_backup_end is before {target_text} and last_wal_time "
            f"is after it (catalog s3://{bucket}/{layout.catalog_prefix(db)})",
        )
    )
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
    plan.steps.append(
        Step(
            "Remove the damaged cluster (its WAL is already in the catalog)",
            "The recovered cluster takes the same name so Services, Secrets and clients keep "
            f"working; it archives to serverName {new_server}, leaving the old catalog intact.",
            [
                f"kubectl -n {ns} exec {db.name}-1 -c postgres -- psql -Atc "
                '"SELECT pg_walfile_name(pg_switch_wal())"   # if the primary still runs: '
                "archive the open WAL segment, then wait until dr status shows it",
                f"kubectl -n {ns} get cluster {db.name} -o yaml > {db.name}-before-restore.yaml",
                f"kubectl -n {ns} delete cluster {db.name} --wait=true",
            ],
            f'test -z "$(kubectl -n {ns} get pods,pvc -l cnpg.io/cluster={db.name} -o name)"',
        )
    )
    manifest_file = f"{db.name}-recovery.yaml"
    plan.steps.append(
        Step(
            f"Create the recovered cluster (PITR to {target_text})",
            f"CNPG restores the newest base backup before the target from {source} and "
            "replays WAL up to it, then promotes.",
            [f"kubectl apply --server-side -f {manifest_file}   # the manifest below"],
            f"kubectl -n {ns} wait cluster/{db.name} --for=condition=Ready --timeout="
            f"{max(1, _hours(platform.backups.rto))}h",
            manifest=to_yaml(cluster),
        )
    )
    plan.steps.append(
        Step(
            "Verify the data",
            "Recovery must have stopped at the target and the database must accept writes.",
            [
                f"kubectl -n {ns} exec {db.name}-1 -c postgres -- psql -d {q(db.database)} -Atc "
                '"SELECT pg_is_in_recovery(), now()"',
                f"kubectl -n {ns} logs {db.name}-1 -c postgres | grep -E "
                "'recovery stopping before|selected new timeline'",
            ],
            "pg_is_in_recovery is f; the log's 'recovery stopping before commit ... time' is "
            f"at or just after {target_text}; your own newest-row query shows the expected state",
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
    velero_cmds: list[str] = []
    restore_name = f"{db.name}-{stamp}"
    target_namespaces = services
    if target_namespaces:
        chosen = (
            newest_velero_backups(platform, velero_backups, target, target_namespaces)
            if (velero_backups is not None)
            else {}
        )
        for schedule in platform.backups.velero_schedules:
            covered = [
                n
                for n in target_namespaces
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
        plan.steps.append(
            Step(
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
        )
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
    return plan


def _hours(duration: str) -> int:
    return -(-parse_duration(duration) // 3600)


def _velero_schedule_name(name: str) -> str:
    """The velero chart names Schedule objects <release>-<key>; the release is `velero`."""
    return f"velero-{name}"


def format_plan(plan: RestorePlan) -> str:
    lines = [
        f"Restore plan for {plan.database} to {plan.target} (source ObjectStore "
        f"{plan.source_object_store}; new WAL archive serverName {plan.new_server_name})",
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
