"""Read a chart archive without unpacking it: Chart.yaml, default values, templates.

Helm loads a packaged chart from the `.tgz` directly, and so does everything here: members are
read once into memory (a platform chart is at most a few MB) and parsed on demand.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from mgctl.manifests import load_yaml


class ChartArchiveError(ValueError):
    """The file is not a Helm chart archive."""


@dataclass(frozen=True)
class ChartFiles:
    """One chart (the archive's top chart or one of its subcharts) and its files."""

    root: str  # path inside the archive, e.g. "traefik" or "kube-prometheus-stack/charts/grafana"
    files: dict[str, bytes] = field(repr=False)  # path relative to root -> bytes

    @cached_property
    def metadata(self) -> dict[str, Any]:
        data = self._yaml("Chart.yaml")
        if not isinstance(data, dict):
            raise ChartArchiveError(f"{self.root}/Chart.yaml is not a mapping")
        return data

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", PurePosixPath(self.root).name))

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", ""))

    @property
    def app_version(self) -> str:
        return str(self.metadata.get("appVersion", ""))

    @cached_property
    def values(self) -> dict[str, Any]:
        data = self._yaml("values.yaml") if "values.yaml" in self.files else {}
        return data if isinstance(data, dict) else {}

    @cached_property
    def schema(self) -> bytes | None:
        return self.files.get("values.schema.json")

    def templates(self) -> dict[str, str]:
        """Template files (`templates/**`), path relative to the chart root -> text."""
        return {
            path: data.decode("utf-8", "replace")
            for path, data in self.files.items()
            if path.startswith("templates/")
        }

    def dependencies(self) -> list[dict[str, Any]]:
        deps = self.metadata.get("dependencies") or []
        return [d for d in deps if isinstance(d, dict)]

    def _yaml(self, name: str) -> Any:
        try:
            return load_yaml(self.files[name].decode("utf-8"))
        except KeyError as exc:
            raise ChartArchiveError(f"{self.root} has no {name}") from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ChartArchiveError(f"{self.root}/{name} is not valid YAML: {exc}") from exc


class ChartArchive:
    """A packaged chart: its top chart and every subchart under `charts/` (unpacked or .tgz)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with tarfile.open(path, "r:*") as archive:
                members = {
                    m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
                    for m in archive
                    if m.isfile()
                }
        except (tarfile.TarError, OSError) as exc:
            raise ChartArchiveError(f"{path} is not a chart archive: {exc}") from exc
        self.charts = _split_charts(members, str(path))
        if not self.charts:
            raise ChartArchiveError(f"{path} holds no Chart.yaml")
        self.top = self.charts[0]

    @property
    def app_version(self) -> str:
        return self.top.app_version

    def subchart(self, name: str) -> ChartFiles | None:
        """The top chart's direct subchart `name` (its directory name or Chart.yaml name)."""
        prefix = f"{self.top.root}/charts/"
        for chart in self.charts[1:]:
            rest = chart.root.removeprefix(prefix)
            if chart.root.startswith(prefix) and "/" not in rest and name in (rest, chart.name):
                return chart
        return None


def _split_charts(members: dict[str, bytes], source: str) -> list[ChartFiles]:
    """Chart roots (directories holding a Chart.yaml), outermost first; nested .tgz subcharts
    are opened in memory."""
    roots = sorted(
        (name.removesuffix("/Chart.yaml") for name in members if name.endswith("/Chart.yaml")),
        key=lambda root: (root.count("/"), root),
    )
    charts: list[ChartFiles] = []
    for root in roots:
        inner = {
            name[len(root) + 1 :]: data
            for name, data in members.items()
            if name.startswith(root + "/")
            and not any(
                other != root and other.startswith(root + "/") and name.startswith(other + "/")
                for other in roots
            )
        }
        charts.append(ChartFiles(root, inner))
    for chart in list(charts):
        for name, data in chart.files.items():
            if name.startswith("charts/") and name.endswith(".tgz") and name.count("/") == 1:
                charts += _nested(chart.root, name, data, source)
    return charts


def _nested(root: str, name: str, data: bytes, source: str) -> list[ChartFiles]:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            members = {
                f"{root}/charts/{m.name}": archive.extractfile(m).read()  # type: ignore[union-attr]
                for m in archive
                if m.isfile()
            }
    except tarfile.TarError as exc:
        raise ChartArchiveError(f"{source}: subchart {name} is not an archive: {exc}") from exc
    return _split_charts(members, source)


@lru_cache(maxsize=64)
def open_archive(path: Path) -> ChartArchive:
    """One ChartArchive per archive file per process (checks read the same charts)."""
    return ChartArchive(path)


@lru_cache(maxsize=64)
def top_metadata(path: Path) -> dict[str, Any]:
    """The archive's own Chart.yaml, read without unpacking the rest (helm packages it
    first, so this stops after the first member or two)."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                top_file = member.isfile() and member.name.count("/") == 1
                if top_file and member.name.endswith("/Chart.yaml"):
                    handle = archive.extractfile(member)
                    assert handle is not None
                    data = load_yaml(handle.read().decode("utf-8"))
                    if isinstance(data, dict):
                        return data
    except (tarfile.TarError, OSError, UnicodeDecodeError) as exc:
        raise ChartArchiveError(f"{path} is not a chart archive: {exc}") from exc
    return ChartArchive(path).top.metadata
