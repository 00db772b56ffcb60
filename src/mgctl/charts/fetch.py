"""`mgctl charts fetch`: download every pinned chart into the cache, verified.

Each chart is pulled with the real `helm pull` (HTTP repositories through their index.yaml,
OCI registries through the distribution API, as Argo CD's repo-server does) into a temporary
directory beside the cache, checked against its pinned digests, then renamed into place: the
cache never holds an unverified archive. `mirrors` redirect a repository URL (an air-gapped
mirror, or a loopback server in tests); `plain_http` is for OCI mirrors without TLS.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mgctl.catalog import ChartPin
from mgctl.charts.cache import ChartCache, ChartCacheError, check_archive
from mgctl.tools import helm
from mgctl.tools.command import CommandError

UNVERIFIED = ".unverified"  # refused downloads, kept for review beside the cache
# helm's errors when the repository host cannot be reached at all (no network, no DNS)
UNREACHABLE = (
    "no such host",
    "server misbehaving",
    "Temporary failure in name resolution",
    "network is unreachable",
    "i/o timeout",
)


@dataclass(frozen=True)
class Fetched:
    pin: ChartPin
    path: Path
    status: str  # "cached" (already there, verified) or "downloaded"
    verified_by: str


class FetchError(RuntimeError):
    """A chart could not be downloaded or did not verify."""


def source_url(pin: ChartPin, mirrors: Mapping[str, str]) -> str:
    return mirrors.get(pin.repo_url, pin.repo_url).rstrip("/")


def _pull(pin: ChartPin, url: str, into: Path, plain_http: bool) -> Path:
    if url.startswith("oci://"):
        helm.pull(f"{url}/{pin.chart}", pin.version, into, plain_http=plain_http, home=into)
    else:
        helm.pull(pin.chart, pin.version, into, repo=url, home=into)
    pulled = into / pin.ref.archive_name
    if not pulled.is_file():
        found = ", ".join(p.name for p in into.glob("*.tgz")) or "nothing"
        raise FetchError(f"helm pull of {pin.chart} {pin.version} wrote {found}")
    return pulled


def fetch_one(
    pin: ChartPin, cache: ChartCache, mirrors: Mapping[str, str], plain_http: bool
) -> Fetched:
    target = cache.path(pin)
    if target.is_file():
        try:
            verified = check_archive(target, pin)
            return Fetched(pin, target, "cached", verified.by)
        except ChartCacheError:
            pass  # replaced below by a verified download
    url = source_url(pin, mirrors)
    cache.root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=cache.root) as tmp:
        try:
            pulled = _pull(pin, url, Path(tmp), plain_http)
        except CommandError as exc:
            raise FetchError(_pull_failure(pin, url, exc)) from exc
        try:
            verified = check_archive(pulled, pin)
        except ChartCacheError as exc:
            kept = cache.root / UNVERIFIED / pulled.name
            kept.parent.mkdir(exist_ok=True)
            pulled.replace(kept)
            raise FetchError(
                f"downloaded from {url}: {exc}. The archive is kept for review as {kept} "
                "(never used: the cache holds only verified archives)"
            ) from exc
        pulled.replace(target)
    return Fetched(pin, target, "downloaded", verified.by)


def _pull_failure(pin: ChartPin, url: str, exc: CommandError) -> str:
    detail = (exc.stderr or str(exc)).strip().removeprefix("Error: ")
    message = f"cannot download {pin.chart} {pin.version} from {url}: {detail}"
    if any(marker in detail for marker in UNREACHABLE):
        message += (
            ". The repository cannot be reached from this machine. Fix: pass --mirror "
            f"{pin.repo_url}=URL for a reachable mirror, or --charts DIR (or MGCTL_CHARTS) "
            "for a directory that already holds the pinned archives"
        )
    return message


def fetch_charts(
    pins: Iterable[ChartPin],
    cache: ChartCache,
    mirrors: Mapping[str, str] | None = None,
    plain_http: bool = False,
    on_done: Callable[[Fetched], None] | None = None,
) -> list[Fetched]:
    """Fetch every pin; stops at the first failure (the rest would fail the same way offline)."""
    done = []
    for pin in pins:
        result = fetch_one(pin, cache, mirrors or {}, plain_http)
        done.append(result)
        if on_done is not None:
            on_done(result)
    return done


def remove_stale_downloads(cache: ChartCache) -> None:
    """Temporary directories an interrupted fetch left behind."""
    for leftover in cache.root.glob(".fetch-*") if cache.root.is_dir() else []:
        shutil.rmtree(leftover, ignore_errors=True)
