"""Where each repository an Application names lives on this machine.

Git repositories are the rendered mg-infrastructure and mg-deploy directories (matched by
normalized URL, as util/git `NormalizeGitURL` compares them); Helm charts come from the chart
cache, pinned and verified.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from mgctl import catalog
from mgctl.catalog import EXACT_VERSION, ChartPin, ChartRef
from mgctl.charts.cache import ChartCache

_SSH = re.compile(r"^(ssh://)?([^/:]*?)@[^@]+$")


def normalize_git_url(url: str) -> str:
    """util/git NormalizeGitURL: lower-case, scp-style SSH to a path, no `.git` suffix."""
    repo = url.strip().lower()
    if _SSH.match(repo) and not repo.startswith("ssh://"):
        repo = "ssh://" + repo.replace(":", "/", 1)
    repo = repo.removesuffix(".git")
    return repo.removeprefix("ssh://")


def is_helm_oci_repo(repo_url: str) -> bool:
    """util/helm IsHelmOciRepo: a repoURL without a scheme (no host once parsed) is OCI."""
    return bool(repo_url) and urlparse(repo_url).netloc == ""


def chart_ref(repo_url: str, chart: str, version: str) -> ChartRef:
    """The catalog's form of an Application's chart source (`oci://host/path` + chart name)."""
    if is_helm_oci_repo(repo_url) or repo_url.startswith("oci://"):
        host = repo_url.removeprefix("oci://").rstrip("/")
        path, _, name = chart.rpartition("/")
        return ChartRef(f"oci://{host}/{path}" if path else f"oci://{host}", name, version)
    return ChartRef(repo_url.rstrip("/"), chart, version)


class RepositoryNotLocal(LookupError):
    pass


@dataclass
class LocalRepos:
    git: dict[str, Path] = field(default_factory=dict)  # normalized URL -> directory
    charts: ChartCache = field(default_factory=ChartCache)

    def add_git(self, url: str, directory: Path) -> None:
        self.git[normalize_git_url(url)] = directory

    def git_dir(self, url: str) -> Path:
        directory = self.git.get(normalize_git_url(url))
        if directory is None:
            known = ", ".join(sorted(self.git)) or "none"
            raise RepositoryNotLocal(
                f"repository {url} is not one of the rendered repositories ({known})"
            )
        return directory

    def has_git(self, url: str) -> bool:
        return normalize_git_url(url) in self.git


def pinned(ref: ChartRef) -> ChartPin | None:
    for pin in catalog.charts().values():
        if pin.ref == ref:
            return pin
    return None


@dataclass(frozen=True)
class ResolvedChart:
    """The archive a chart source renders from. `verified`: pinned in the catalog and checked
    against its digests; otherwise another version of a pinned chart (platform.yaml
    `components.<name>.version`), taken from the chart cache as it is."""

    pin: ChartPin
    path: Path
    verified: bool


def same_chart(ref: ChartRef) -> ChartPin | None:
    """The catalog's pin of the chart `ref` names (same repository and chart), any version."""
    for pin in catalog.charts().values():
        if (pin.ref.repo_url, pin.ref.chart) == (ref.repo_url, ref.chart):
            return pin
    return None


def resolve_chart(ref: ChartRef, charts: ChartCache) -> ResolvedChart | None:
    """None when the catalog does not know the chart at all (the repo-server emulation
    refuses it: nothing would vouch for the archive Argo CD pulls)."""
    pin = pinned(ref)
    if pin is not None:
        return ResolvedChart(pin, charts.verify(pin).path, verified=True)
    other = same_chart(ref)
    if other is None or not EXACT_VERSION.match(ref.version):
        return None  # a range resolves to whatever is newest when Argo CD syncs
    unpinned = dataclasses.replace(other, ref=ref, sha256="", content="")
    return ResolvedChart(unpinned, charts.unverified(unpinned), verified=False)
