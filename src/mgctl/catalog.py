"""Every pinned upstream component of the platform, read from `data/catalog.yaml`.

One place to bump a version: the data file. A chart entry names the repository, chart, exact
version and the digests of the archive that was verified; its app version is never restated
here, it is the chart's own `appVersion` (see `mgctl.charts.archive`). `crd_dir` names the
upstream CRD copy (`<project>/<tag>` under shared/crds) that `mgctl schemas fetch` downloads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

# An exact chart version (what a pin and a platform.yaml components.<name>.version are):
# Argo CD resolves anything else, a range, to whatever is newest when it syncs.
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$")


@dataclass(frozen=True)
class ChartRef:
    repo_url: str  # https://… Helm repo, or oci://registry/path (without the chart name)
    chart: str
    version: str  # exact, never a range

    @property
    def archive_name(self) -> str:
        """The file name `helm pull` gives the archive."""
        return f"{self.chart}-{self.version}.tgz"

    @property
    def is_oci(self) -> bool:
        return self.repo_url.startswith("oci://")


@dataclass(frozen=True)
class ChartPin:
    key: str
    ref: ChartRef
    sha256: str
    content: str
    crd_dir: str | None = None
    image: str | None = None  # repository of the component's main image
    image_tag: str | None = None  # set where mgctl runs a newer release than the chart
    image_tag_reason: str = ""

    @property
    def repo_url(self) -> str:
        return self.ref.repo_url

    @property
    def chart(self) -> str:
        return self.ref.chart

    @property
    def version(self) -> str:
        return self.ref.version


@dataclass(frozen=True)
class ImagePin:
    key: str
    repository: str
    tag: str

    @property
    def image(self) -> str:
        return f"{self.repository}:{self.tag}"


class CatalogError(ValueError):
    """data/catalog.yaml is malformed (a packaging bug, not a user error)."""


def _chart_pin(key: str, data: dict[str, Any]) -> ChartPin:
    try:
        ref = ChartRef(str(data["repo"]), str(data["chart"]), str(data["version"]))
        return ChartPin(
            key=key,
            ref=ref,
            sha256=str(data["sha256"]),
            content=str(data["content"]),
            crd_dir=data.get("crds"),
            image=data.get("image"),
            image_tag=data.get("image_tag"),
            image_tag_reason=" ".join(str(data.get("image_tag_reason", "")).split()),
        )
    except KeyError as exc:
        raise CatalogError(f"data/catalog.yaml: charts.{key} has no {exc.args[0]!r}") from exc


@cache
def _load() -> tuple[dict[str, ChartPin], dict[str, ImagePin]]:
    text = resources.files("mgctl").joinpath("data/catalog.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    charts = {key: _chart_pin(key, value) for key, value in data["charts"].items()}
    images = {
        key: ImagePin(key, str(value["repository"]), str(value["tag"]))
        for key, value in data["images"].items()
    }
    return charts, images


def charts() -> dict[str, ChartPin]:
    return _load()[0]


def images() -> dict[str, ImagePin]:
    return _load()[1]


def chart(key: str) -> ChartPin:
    return charts()[key]


def image(key: str) -> ImagePin:
    return images()[key]


def chart_repositories() -> list[str]:
    """Every Helm/OCI repository URL a platform Application may pull a chart from."""
    return sorted({pin.repo_url for pin in charts().values()})
