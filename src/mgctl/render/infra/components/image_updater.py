"""Argo CD Image Updater 1.x: the controller (chart) and one ImageUpdater CR for the services.

The CR lives in `image-updaters/services.yaml`, synced by the root Application after the
controller (and its CRD) is healthy. Since 1.2 the controller watches only its own namespace,
so controller and CR are both in `argocd`.
"""

from __future__ import annotations

from typing import Any

from mgctl import catalog
from mgctl.config.platform import Platform
from mgctl.config.services import Service
from mgctl.render.infra.argocd_objects import ARGOCD_NAMESPACE, SYNC_WAVE
from mgctl.render.infra.component import CRDS_AND_RBAC, Component

NAME = "argocd-image-updater"
CONTROLLER_WAVE = 3
CR_WAVE = 20
UPDATE_STRATEGY = "semver"
SERVICE_LABEL = "mgctl.io/component"
SERVICE_LABEL_VALUE = "service"


def values(platform: Platform) -> dict[str, Any]:
    """Chart 1.x values: the `config` keys are the argocd-image-updater-config ConfigMap's."""
    config: dict[str, Any] = {
        "log.level": "info",
        "git.user": "argocd-image-updater",
        "git.email": f"argocd-image-updater@{platform.project.name}.invalid",
    }
    if platform.registry.pull_secret:
        config["registries"] = [
            {
                "name": "Docker Hub",
                "prefix": "docker.io",
                "api_url": "https://registry-1.docker.io",
                "credentials": f"pullsecret:{ARGOCD_NAMESPACE}/{platform.registry.pull_secret}",
                "defaultns": "library",
                "default": True,
            }
        ]
    return {"crds": {"install": True, "keep": True}, "config": config}


def allow_tags(service: Service) -> str:
    """The service's Image Updater `allowTags`: its image.allowTags, else the pattern of its
    tag's scheme (v1.2.3 or 1.2.3). The source repository's release workflow publishes exactly
    the tags this accepts (render/ci/release_tags.py)."""
    return f"regexp:{service.image.allow_tags_pattern}"


def image_updater(platform: Platform) -> dict[str, Any]:
    """One applicationRef per service: its image, semver tags its allow-tags accept, git
    write-back to mg-deploy. The write-back target is the default `.argocd-source-<app>.yaml`
    beside the service chart (Helm parameters image.repository/image.tag), not values.yaml:
    mgctl renders values.yaml, and a render must never conflict with the updater's commits.
    The auth-service is not here: its image is pinned by mgctl's catalog."""
    refs = []
    for service in platform.services:
        refs.append(
            {
                "namePattern": service.name,
                "labelSelectors": {"matchLabels": {SERVICE_LABEL: SERVICE_LABEL_VALUE}},
                "images": [
                    {
                        "alias": "app",
                        "imageName": service.image.repository,
                        "commonUpdateSettings": {
                            "updateStrategy": service.image.update_strategy,
                            "allowTags": allow_tags(service),
                        },
                        "manifestTargets": {
                            "helm": {"name": "image.repository", "tag": "image.tag"}
                        },
                    }
                ],
            }
        )
    return {
        "apiVersion": "argocd-image-updater.argoproj.io/v1alpha1",
        "kind": "ImageUpdater",
        "metadata": {
            "name": "services",
            "namespace": ARGOCD_NAMESPACE,
            "annotations": {SYNC_WAVE: str(CR_WAVE)},
        },
        "spec": {
            "commonUpdateSettings": {"updateStrategy": UPDATE_STRATEGY},
            "writeBackConfig": {
                "method": "git",
                "gitConfig": {
                    "repository": platform.git.deploy.url,
                    "branch": platform.git.deploy.branch,
                },
            },
            "applicationRefs": refs,
        },
    }


def build(platform: Platform) -> list[Component]:
    return [
        Component(
            name=NAME,
            namespace=ARGOCD_NAMESPACE,
            sync_wave=CONTROLLER_WAVE,
            chart=catalog.chart("argocd-image-updater").ref,
            values=values(platform),
            provides_crds=("argocd-image-updater.argoproj.io/ImageUpdater",),
            cluster_resources=(*CRDS_AND_RBAC,),
            description="Bumps service image tags in mg-deploy (git write-back)",
            seed_deviation="Seed: Application annotations. 1.x configures through an "
            "ImageUpdater CR (annotations only with useAnnotations); installed in argocd.",
        )
    ]
