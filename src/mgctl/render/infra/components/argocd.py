"""Argo CD, self-managed: the same chart version and values bootstrap installs with Helm."""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CRDS_AND_RBAC, Component, Namespace

NAME = "argocd"
NAMESPACE = "argocd"
RELEASE_NAME = "argocd"  # with the chart's nameOverride "argocd": services argocd-server, …
VALUES_PATH = "base/argocd/values.yaml"
SYNC_WAVE = -5
SERVER_SERVICE = "argocd-server"

# Argo CD >= 1.8 no longer assesses the health of Application resources, so an app-of-apps
# would not wait for a child Application between sync waves. This restores it (Argo CD docs,
# "Sync Waves and Phases" / app-of-apps health).
APPLICATION_HEALTH_LUA = """hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
"""


def values(platform: Platform) -> dict[str, Any]:
    return {
        "global": {"domain": f"argocd.{platform.tailscale.tailnet}"},
        "crds": {"install": True, "keep": True},
        "configs": {
            "cm": {
                "application.resourceTrackingMethod": "annotation",
                "resource.customizations.health.argoproj.io_Application": APPLICATION_HEALTH_LUA,
                "exec.enabled": False,
                "admin.enabled": True,
            },
            "params": {
                # TLS ends at the Tailscale ingress proxy; argocd-server is reachable only
                # inside the cluster and through the tailnet.
                "server.insecure": True,
            },
        },
        "dex": {"enabled": False},
    }


def build(platform: Platform) -> list[Component]:
    return [
        Component(
            name=NAME,
            namespace=NAMESPACE,
            sync_wave=SYNC_WAVE,
            chart=catalog.chart("argo-cd").ref,
            release_name=RELEASE_NAME,
            values=values(platform),
            provides_crds=(
                "argoproj.io/Application",
                "argoproj.io/ApplicationSet",
                "argoproj.io/AppProject",
            ),
            namespaces=(Namespace(NAMESPACE),),
            cluster_resources=(*CRDS_AND_RBAC,),
            description="GitOps engine; syncs both repositories",
            seed_deviation="Seed: v2.13.2 raw manifests. Now the argo-cd chart, installed once by "
            "bootstrap and then managed by itself with the same version and values.",
        )
    ]
