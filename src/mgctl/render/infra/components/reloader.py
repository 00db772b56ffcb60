"""Stakater Reloader: rolls Deployments when a ConfigMap/Secret they reference changes
(ESO refreshes secrets from Doppler; pods only see new values after a restart)."""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.render.infra.component import CLUSTER_RBAC, Component, Namespace
from mgctl.render.security_contexts import restricted_container, restricted_pod

NAME = "reloader"
NAMESPACE = "reloader"
SYNC_WAVE = 3


def values() -> dict[str, Any]:
    return {
        "reloader": {
            # Only workloads annotated reloader.stakater.com/auto: "true" are restarted.
            "autoReloadAll": False,
            # sets the container's readOnlyRootFilesystem and mounts an emptyDir at /tmp
            # (templates/deployment.yaml), so containerSecurityContext leaves it out
            "readOnlyRootFileSystem": True,
            "deployment": {
                "securityContext": restricted_pod(65534),
                "containerSecurityContext": {
                    k: v for k, v in restricted_container().items() if k != "readOnlyRootFilesystem"
                },
            },
        }
    }


def build(platform: Platform) -> list[Component]:
    return [
        Component(
            name=NAME,
            namespace=NAMESPACE,
            sync_wave=SYNC_WAVE,
            chart=catalog.chart("reloader").ref,
            values=values(),
            namespaces=(Namespace(NAMESPACE),),
            cluster_resources=(*CLUSTER_RBAC,),
            description="Restarts workloads when their Secrets/ConfigMaps change",
            seed_deviation="Not in the seed: ESO refreshes Secrets, but pods read env at start.",
        )
    ]
