"""Where pinned chart archives live, and whether the one there is the one that was pinned.

The cache is a flat directory of archives named as `helm pull` names them
(`<chart>-<version>.tgz`): `--charts DIR`, else `$MGCTL_CHARTS`, else `~/.cache/mgctl/charts`.
`mgctl charts fetch` fills it; `../shared/charts` has the same layout and is used in place.
"""

from __future__ import annotations

import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from mgctl.catalog import ChartPin
from mgctl.charts.digest import content_digest, sha256_file

CHARTS_ENV = "MGCTL_CHARTS"


def default_cache_dir() -> Path:
    env = os.environ.get(CHARTS_ENV)
    return Path(env) if env else Path.home() / ".cache" / "mgctl" / "charts"


class ChartCacheError(ValueError):
    """A pinned chart is missing from the cache or is not the archive that was pinned."""


@dataclass(frozen=True)
class Verified:
    path: Path
    by: str  # "sha256" or "content": which pinned digest the archive matched


class ChartCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_cache_dir()
        self._verified: dict[Path, Verified] = {}

    def path(self, pin: ChartPin) -> Path:
        return self.root / pin.ref.archive_name

    def require_dir(self) -> None:
        """A missing cache is one setup error, not a finding for every chart in it."""
        if not self.root.is_dir():
            raise ChartCacheError(
                f"the chart cache {self.root} is not a directory. Fix: `mgctl charts fetch "
                f"--charts {self.root}` fills it, or pass --charts DIR (or set {CHARTS_ENV}) to "
                "a directory holding the pinned charts"
            )

    def verify(self, pin: ChartPin) -> Verified:
        """The cached archive of `pin`, after checking it against the pinned digests."""
        path = self.path(pin)
        known = self._verified.get(path)
        if known is not None:
            return known
        if not path.is_file():
            raise ChartCacheError(
                f"chart {pin.chart} {pin.version} ({pin.key}) is not in the chart cache "
                f"{self.root}: no {path.name}. Fix: run `mgctl charts fetch`, or pass "
                f"--charts DIR (or set {CHARTS_ENV}) to a directory holding it"
            )
        verified = check_archive(path, pin)
        self._verified[path] = verified
        return verified

    def unverified(self, pin: ChartPin) -> Path:
        """The cached archive of a chart version the catalog does not pin (no digest to
        check it against): it must be there, that is all that can be said."""
        path = self.path(pin)
        if not path.is_file():
            location = pin.repo_url if pin.ref.is_oci else f"--repo {pin.repo_url} "
            pull = (
                f"helm pull {pin.repo_url}/{pin.chart} --version {pin.version}"
                if pin.ref.is_oci
                else f"helm pull {pin.chart} {location}--version {pin.version}"
            )
            raise ChartCacheError(
                f"chart {pin.chart} {pin.version} (an unpinned version of {pin.key}) is not in "
                f"the chart cache {self.root}: no {path.name}. Fix: `{pull} -d {self.root}` "
                "and review it (mgctl has no digest for it), or drop the version override"
            )
        return path


def check_archive(path: Path, pin: ChartPin) -> Verified:
    """Which pinned digest `path` matches; ChartCacheError when neither does."""
    actual = sha256_file(path)
    if actual == pin.sha256:
        return Verified(path, "sha256")
    try:
        files = content_digest(path)
    except (tarfile.TarError, EOFError, OSError):
        files = "(not a chart archive)"
    if files == pin.content:
        return Verified(path, "content")
    raise ChartCacheError(
        f"{path} is not the pinned {pin.chart} {pin.version}: sha256 {actual} (pinned "
        f"{pin.sha256}), content digest {files} (pinned {pin.content}). Fix: delete it and run "
        "`mgctl charts fetch`; if upstream re-published the chart, review it before re-pinning "
        "in data/catalog.yaml"
    )
