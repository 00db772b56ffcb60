"""Which git tags of the source repository publish an image: exactly those whose image tag the
service's Argo CD Image Updater allow-tags pattern accepts, so every pushed image is one Image
Updater will roll out, and no tag it would ignore is ever pushed.

A monorepo holds many services, so a release tag names its service: `<service>/<image tag>`,
e.g. `engine/v1.4.2` publishes `shykhov/mg.engine:v1.4.2`.
"""

from __future__ import annotations

import re

from mgctl.config.services import Service
from mgctl.render.infra.components import image_updater

_REGEXP_PREFIX = "regexp:"


def allow_tags(service: Service) -> str:
    """The Image Updater `allowTags` value for this service, as the ImageUpdater CR carries it
    (`image_updater.allow_tags`): the one place the CI reads it."""
    return image_updater.allow_tags(service)


def image_tag_pattern(service: Service) -> str:
    """The allow-tags regular expression (Go RE2 syntax; the workflow checks it with Python's
    `re`, which agrees on the subset these patterns use - tested)."""
    value = allow_tags(service)
    if not value.startswith(_REGEXP_PREFIX):
        raise ValueError(
            f"services.{service.name}: Image Updater allow-tags {value!r} is not a 'regexp:' "
            "pattern; the build workflow needs one to decide which git tags publish an image"
        )
    pattern = value.removeprefix(_REGEXP_PREFIX)
    re.compile(pattern)
    return pattern


def git_tag_prefix(service: Service) -> str:
    return f"{service.name}/"


def published_image_tag(service: Service, git_tag: str) -> str | None:
    """The image tag a git tag publishes, or None when the tag publishes nothing. The workflow's
    shell step implements the same rule; tests run both on the same tags."""
    prefix = git_tag_prefix(service)
    if not git_tag.startswith(prefix):
        return None
    version = git_tag.removeprefix(prefix)
    return version if re.search(image_tag_pattern(service), version) else None
