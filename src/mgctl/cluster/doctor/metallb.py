"""MetalLB: address pool usage (assigned vs available) and LoadBalancer Services pending."""

from __future__ import annotations

from mgctl.cluster.doctor.model import Context, Objects, Row, disabled_row, missing_type, name_of

AREA = "MetalLB"
POOLS = "ipaddresspools.metallb.io"
SERVICES = "services"
RESOURCES = (POOLS, SERVICES)
WARN_USAGE = 0.8


def check(objects: Objects, ctx: Context) -> list[Row]:
    if ctx.disabled("metallb"):
        return [disabled_row(AREA, "metallb")]
    if POOLS not in objects:
        return [missing_type(AREA, POOLS, ctx.platform is not None, "metallb")]
    rows = []
    for pool in objects[POOLS]:
        status = pool.get("status") or {}
        assigned = int(status.get("assignedIPv4") or 0)
        available = int(status.get("availableIPv4") or 0)
        total = assigned + available
        name = name_of(pool)
        if total == 0:
            rows.append(
                Row(
                    AREA,
                    f"pool {name}",
                    "warn",
                    "no usage reported yet",
                    "MetalLB >= 0.15 reports pool status; check the controller pod",
                )
            )
            continue
        detail = f"{assigned}/{total} addresses assigned"
        if available == 0:
            rows.append(
                Row(
                    AREA,
                    f"pool {name}",
                    "fail",
                    detail + " (full)",
                    "add addresses to cluster.loadBalancer.addresses, render, commit",
                )
            )
        elif assigned / total >= WARN_USAGE:
            rows.append(
                Row(
                    AREA,
                    f"pool {name}",
                    "warn",
                    detail,
                    "pool nearly full: add addresses to cluster.loadBalancer.addresses",
                )
            )
        else:
            rows.append(Row(AREA, f"pool {name}", "ok", detail))
    for svc in objects.get(SERVICES, []):
        spec = svc.get("spec") or {}
        if spec.get("type") != "LoadBalancer":
            continue
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        if not ingress:
            rows.append(
                Row(
                    AREA,
                    f"service {name_of(svc)}",
                    "fail",
                    "LoadBalancer IP pending",
                    "pool full or no L2Advertisement: `kubectl -n metallb-system logs "
                    "deploy/metallb-controller`",
                )
            )
    return rows
