"""Nodes: Ready, memory/disk/PID pressure, cordoned."""

from __future__ import annotations

from mgctl.cluster.doctor.model import Context, Objects, Row, condition

AREA = "Nodes"
NODES = "nodes"
RESOURCES = (NODES,)
PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure")


def check(objects: Objects, ctx: Context) -> list[Row]:
    rows = []
    for node in objects.get(NODES, []):
        name = node["metadata"]["name"]
        ready = condition(node, "Ready")
        pressure = [p for p in PRESSURES if (condition(node, p) or {}).get("status") == "True"]
        if ready is None or ready.get("status") != "True":
            rows.append(
                Row(
                    AREA,
                    name,
                    "fail",
                    f"not Ready ({(ready or {}).get('reason', '?')})",
                    f"`kubectl describe node {name}`; on the node: `journalctl -u k3s -n 200`",
                )
            )
        elif pressure:
            rows.append(
                Row(
                    AREA,
                    name,
                    "fail",
                    f"Ready but {', '.join(pressure)}",
                    "free disk/memory on the node (`df -h /var/lib`, `crictl rmi "
                    "--prune`) or lower requests; pods are being evicted",
                )
            )
        elif (node.get("spec") or {}).get("unschedulable"):
            rows.append(
                Row(
                    AREA,
                    name,
                    "warn",
                    "Ready, cordoned",
                    f"`kubectl uncordon {name}` when maintenance is over",
                )
            )
        else:
            rows.append(Row(AREA, name, "ok", "Ready, no pressure"))
    if not rows:
        rows.append(Row(AREA, "nodes", "fail", "no nodes", "join a node"))
    return rows
