"""Longhorn volumes: robustness (healthy, degraded, faulted)."""

from __future__ import annotations

from mgctl.cluster.doctor.model import Context, Objects, Row, disabled_row, missing_type

AREA = "Longhorn"
VOLUMES = "volumes.longhorn.io"
RESOURCES = (VOLUMES,)


def check(objects: Objects, ctx: Context) -> list[Row]:
    if ctx.disabled("longhorn"):
        return [disabled_row(AREA, "longhorn")]
    if VOLUMES not in objects:
        return [missing_type(AREA, VOLUMES, ctx.platform is not None, "longhorn")]
    rows = []
    for vol in objects[VOLUMES]:
        name = vol["metadata"]["name"]
        status = vol.get("status") or {}
        robustness = str(status.get("robustness") or "unknown")
        state = str(status.get("state") or "unknown")
        pvc = ((status.get("kubernetesStatus") or {}).get("pvcName")) or ""
        label = f"{name}" + (f" ({pvc})" if pvc else "")
        detail = f"{state}, {robustness}"
        if robustness == "healthy" or (state == "detached" and robustness == "unknown"):
            rows.append(Row(AREA, label, "ok", detail))
        elif robustness == "degraded":
            rows.append(
                Row(
                    AREA,
                    label,
                    "warn",
                    detail,
                    "a replica is rebuilding or missing: check node disks in the Longhorn "
                    "UI; with 1 node, set cluster.storageReplicas: 1",
                )
            )
        else:
            rows.append(
                Row(
                    AREA,
                    label,
                    "fail",
                    detail,
                    "no healthy replica: `kubectl -n longhorn-system describe volume "
                    f"{name}`; salvage from the Longhorn UI or restore from backup "
                    "(docs/runbook)",
                )
            )
    return rows
