"""The source repository's CI (the seed's mg-central monorepo), written by `mgctl ci source`:
one reusable build workflow and, per service with a `build` section, a caller workflow that
passes it the service's context, Dockerfile, test stage, image and release-tag rule."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mgctl.config.platform import Platform
from mgctl.config.services import Build, Service
from mgctl.render.ci import layout
from mgctl.render.ci.pins import uses
from mgctl.render.ci.release_tags import git_tag_prefix, image_tag_pattern
from mgctl.render.ci.templates import render_template
from mgctl.render.filemap import FileMap

DOCKER_HUB = "docker.io"
EXAMPLE_TAGS = ("v1.0.0", "1.0.0")


@dataclass(frozen=True)
class ImageName:
    registry: str  # host[:port]
    path: str  # repository on that registry

    @classmethod
    def parse(cls, repository: str) -> ImageName:
        """Docker's rule: the first component is a registry when it has a '.' or ':' or is
        `localhost`; otherwise the image is on Docker Hub."""
        first, _, rest = repository.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            return cls(first, rest)
        return cls(DOCKER_HUB, repository)


def build_context(service: Service, build: Build) -> str:
    return build.context or f"services/{service.name}"


def _caller(service: Service, build: Build, branch: str) -> str:
    context = build_context(service, build)
    image = ImageName.parse(service.image.repository)
    pattern = image_tag_pattern(service)
    example = next((t for t in EXAMPLE_TAGS if _matches(pattern, t)), EXAMPLE_TAGS[0])
    return render_template(
        "build-caller.yml.j2",
        service=service.name,
        branch=branch,
        context=context,
        dockerfile=f"{context}/{build.dockerfile}",
        test_target=build.test_target or "",
        registry=image.registry,
        image=image.path,
        tag_prefix=git_tag_prefix(service),
        tag_pattern=pattern,
        example_tag=example,
        build_workflow=layout.BUILD_WORKFLOW,
        paths=[f"{context}/**", layout.caller_workflow(service.name), layout.BUILD_WORKFLOW],
    )


def _matches(pattern: str, tag: str) -> bool:
    return re.search(pattern, tag) is not None


def source_workflows(platform: Platform, branch: str = "main") -> FileMap:
    """Repository-relative paths -> workflow text. Empty when no service has a build."""
    files: FileMap = {}
    for service in platform.services:
        if service.build is not None:
            files[layout.caller_workflow(service.name)] = _caller(service, service.build, branch)
    if files:
        files[layout.BUILD_WORKFLOW] = render_template(
            "build-service.yml.j2",
            runner=layout.RUNNER,
            registry_environment=layout.REGISTRY_ENVIRONMENT,
            uses=uses(),
        )
    return dict(sorted(files.items()))
