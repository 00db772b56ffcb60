"""Tailscale operator: the operator Deployment, Connectors/ProxyGroups Ready, tailnet Ingresses."""

from __future__ import annotations

from mgctl.cluster.doctor.model import (
    Context,
    Objects,
    Row,
    cond_text,
    condition,
    disabled_row,
    missing_type,
    name_of,
)

AREA = "Tailscale"
DEPLOYMENTS = "deployments.apps"
CONNECTORS = "connectors.tailscale.com"
PROXYGROUPS = "proxygroups.tailscale.com"
INGRESSES = "ingresses.networking.k8s.io"
RESOURCES = (DEPLOYMENTS, CONNECTORS, PROXYGROUPS, INGRESSES)
NAMESPACE = "tailscale"
OPERATOR = "operator"


def check(objects: Objects, ctx: Context) -> list[Row]:
    if ctx.disabled("tailscale"):
        return [disabled_row(AREA, "tailscale")]
    if ctx.platform is not None and not ctx.platform.tailscale.enabled:
        return []
    if CONNECTORS not in objects:
        return [missing_type(AREA, CONNECTORS, ctx.platform is not None, "tailscale")]
    rows = []
    operator = [
        d
        for d in objects.get(DEPLOYMENTS, [])
        if d["metadata"].get("namespace") == NAMESPACE and d["metadata"]["name"] == OPERATOR
    ]
    if not operator:
        rows.append(
            Row(
                AREA,
                "operator",
                "fail",
                "operator Deployment not found in tailscale",
                "check the tailscale Application in Argo CD",
            )
        )
    else:
        available = condition(operator[0], "Available")
        if (available or {}).get("status") == "True":
            rows.append(Row(AREA, "operator", "ok", "Available"))
        else:
            rows.append(
                Row(
                    AREA,
                    "operator",
                    "fail",
                    f"not Available: {cond_text(available)}",
                    "OAuth client rejected? `kubectl -n tailscale logs deploy/operator`; "
                    "the client needs Devices Core, Auth Keys, Services write scopes and "
                    "tag:k8s-operator",
                )
            )
    for resource, kind, ready_type in (
        (CONNECTORS, "Connector", "ConnectorReady"),
        (PROXYGROUPS, "ProxyGroup", "ProxyGroupReady"),
    ):
        for obj in objects.get(resource, []):
            ready = condition(obj, ready_type)
            ok = (ready or {}).get("status") == "True"
            rows.append(
                Row(
                    AREA,
                    f"{kind} {name_of(obj)}",
                    "ok" if ok else "fail",
                    "Ready" if ok else f"not Ready: {cond_text(ready)}",
                    ""
                    if ok
                    else f"`kubectl describe {kind.lower()} "
                    f"{obj['metadata']['name']}`; check ACL tags in the tailnet policy",
                )
            )
    for ing in objects.get(INGRESSES, []):
        if (ing.get("spec") or {}).get("ingressClassName") != "tailscale":
            continue
        lb = ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        host = next((i.get("hostname") for i in lb if i.get("hostname")), None)
        rows.append(
            Row(
                AREA,
                f"ingress {name_of(ing)}",
                "ok" if host else "warn",
                f"https://{host}" if host else "no tailnet hostname yet",
                ""
                if host
                else "the operator is still creating the proxy, or the "
                "tailnet has no HTTPS certificates enabled (admin console → DNS)",
            )
        )
    return rows
