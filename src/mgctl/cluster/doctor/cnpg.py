"""CloudNativePG Clusters: phase, primary, last base backup and WAL archiving against the RPO.

Backups go through the Barman Cloud plugin: the last successful base backup is in the
ObjectStore's `status.serverRecoveryWindow[<server>].lastSuccessfulBackupTime` (the Cluster's
own `lastSuccessfulBackup` is only set by the deprecated in-tree barmanObjectStore, used as a
fallback). WAL archiving health is the Cluster's `ContinuousArchiving` condition: when it is
False, the time since it changed is how long WAL has not been archived, compared with the RPO.
"""

from __future__ import annotations

from typing import Any

from mgctl.cluster.doctor.model import (
    Context,
    Objects,
    Row,
    age,
    condition,
    disabled_row,
    missing_type,
    name_of,
    parse_time,
)

AREA = "PostgreSQL"
CLUSTERS = "clusters.postgresql.cnpg.io"
STORES = "objectstores.barmancloud.cnpg.io"
RESOURCES = (CLUSTERS, STORES)
PLUGIN = "barman-cloud.cloudnative-pg.io"
HEALTHY = "Cluster in healthy state"
BACKUP_PERIOD = 86400  # the rendered ScheduledBackups run daily


def _plugin(cluster: dict[str, Any]) -> dict[str, Any] | None:
    for plugin in (cluster.get("spec") or {}).get("plugins") or []:
        if plugin.get("name") == PLUGIN:
            return dict(plugin.get("parameters") or {})
    return None


def last_backup(cluster: dict[str, Any], stores: list[dict[str, Any]]) -> Any:
    meta = cluster.get("metadata") or {}
    params = _plugin(cluster)
    if params is not None:
        server = params.get("serverName") or meta.get("name")
        for store in stores:
            smeta = store.get("metadata") or {}
            if (smeta.get("name"), smeta.get("namespace")) == (
                params.get("barmanObjectName"),
                meta.get("namespace"),
            ):
                window = (store.get("status") or {}).get("serverRecoveryWindow") or {}
                return (window.get(server) or {}).get("lastSuccessfulBackupTime")
        return None
    return (cluster.get("status") or {}).get("lastSuccessfulBackup")


def check(objects: Objects, ctx: Context) -> list[Row]:
    if ctx.disabled("cloudnative-pg"):
        return [disabled_row(AREA, "cloudnative-pg")]
    expected = bool(ctx.platform and ctx.platform.databases)
    if CLUSTERS not in objects:
        return [missing_type(AREA, CLUSTERS, expected, "cloudnative-pg")]
    stores = objects.get(STORES, [])
    rows: list[Row] = []
    rpo = ctx.rpo_seconds
    for cluster in objects[CLUSTERS]:
        name = name_of(cluster)
        ns, short = name.split("/")[0], name.split("/")[-1]
        status = cluster.get("status") or {}
        phase = str(status.get("phase") or "unknown")
        primary = status.get("currentPrimary") or "none"
        ready = f"{status.get('readyInstances', 0)}/{status.get('instances', '?')} ready"
        describe = (
            f"`kubectl -n {ns} describe cluster {short}` and the operator log "
            "(`kubectl -n cnpg-system logs deploy/cnpg-cloudnative-pg`)"
        )
        if phase != HEALTHY:
            rows.append(Row(AREA, name, "fail", f"{phase}; primary {primary}; {ready}", describe))
        else:
            rows.append(Row(AREA, name, "ok", f"{phase}; primary {primary}; {ready}"))
        backup = parse_time(last_backup(cluster, stores))
        created = parse_time((cluster.get("metadata") or {}).get("creationTimestamp"))
        limit = BACKUP_PERIOD + max(rpo, 3600)
        fix_backup = (
            f"check the ScheduledBackup and the latest Backup in {ns} "
            f"(`kubectl -n {ns} get backups`), object store credentials and reachability"
        )
        if backup is None:
            young = created is not None and (ctx.now - created).total_seconds() < limit
            rows.append(
                Row(
                    AREA,
                    f"{name} backup",
                    "warn" if young else "fail",
                    "no successful base backup yet",
                    fix_backup,
                )
            )
        else:
            seconds = (ctx.now - backup).total_seconds()
            rows.append(
                Row(
                    AREA,
                    f"{name} backup",
                    "fail" if seconds > limit else "ok",
                    f"last base backup {age(seconds)} ago (daily schedule)",
                    fix_backup if seconds > limit else "",
                )
            )
        archiving = condition(cluster, "ContinuousArchiving")
        if archiving is None:
            rows.append(
                Row(
                    AREA,
                    f"{name} WAL",
                    "fail",
                    "WAL archiving not configured/reported",
                    "the Cluster needs the barman-cloud plugin with isWALArchiver: true",
                )
            )
        elif archiving.get("status") == "True":
            rows.append(Row(AREA, f"{name} WAL", "ok", "WAL archiving working"))
        else:
            since = parse_time(archiving.get("lastTransitionTime"))
            seconds = (ctx.now - since).total_seconds() if since else float("inf")
            over = seconds > rpo
            rows.append(
                Row(
                    AREA,
                    f"{name} WAL",
                    "fail" if over else "warn",
                    f"WAL archiving failing for {age(seconds) if since else 'unknown time'} "
                    f"(RPO {age(rpo)}): {archiving.get('message') or archiving.get('reason')}",
                    f"fix the object store (credentials, bucket, space): "
                    f"`kubectl -n {ns} logs {primary} -c plugin-barman-cloud`",
                )
            )
    return rows
