"""Download the pinned schema files into `DEST/<project>/<version>/`, verified and atomic.

Each file is checked against its git blob id from the catalog. A project/version directory
appears only complete: files go into a temporary sibling directory that is renamed into place
after every file verified; a failure leaves the previous content untouched.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mgctl.schemas_catalog import ALL_SOURCES, RAW_GITHUB, PinnedFile, PinnedSource, verify_blob

TIMEOUT_SECONDS = 60


class FetchError(RuntimeError):
    pass


class HostNotFound(FetchError):
    """The mirror's host name does not resolve (offline, or a typo in --base-url): every other
    download would fail the same way, so fetching stops at the first one."""

    def __init__(self, url: str, host: str, reason: object) -> None:
        self.host = host
        super().__init__(
            f"{url}: cannot resolve {host} ({reason}). Offline? Use --base-url with a mirror "
            "laid out like raw.githubusercontent.com (https://... or file:///path/to/copy), or "
            "pass a local copy of the schemas to `mgctl validate --schemas DIR`"
        )


@dataclass
class FetchResult:
    fetched: list[str] = field(default_factory=list)  # project/version dirs written
    up_to_date: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # project/version -> reason


def _download(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "mgctl-schemas-fetch"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, socket.gaierror):
            host = urllib.parse.urlsplit(url).hostname or url
            raise HostNotFound(url, host, exc.reason) from exc
        raise FetchError(f"{url}: {exc}") from exc
    except (TimeoutError, OSError) as exc:
        raise FetchError(f"{url}: {exc}") from exc


def is_current(source: PinnedSource, dest: Path) -> bool:
    directory = dest / source.local_dir
    return all(
        (directory / f.name).is_file() and verify_blob((directory / f.name).read_bytes(), f.blob)
        for f in source.files
    )


def _fetch_file(source: PinnedSource, file: PinnedFile, base_url: str, into: Path) -> None:
    url = source.url(file, base_url)
    data = _download(url)
    if not verify_blob(data, file.blob):
        raise FetchError(
            f"{url}: checksum mismatch (git blob of the download is not {file.blob}; "
            f"{len(data)} bytes, expected {file.size}). The mirror serves different content"
        )
    (into / file.name).write_bytes(data)


def fetch_source(source: PinnedSource, dest: Path, base_url: str, workers: int = 4) -> None:
    """Download and verify one project/version, then move it into place atomically."""
    target = dest / source.local_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{source.version}.", dir=target.parent))
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_fetch_file, source, f, base_url, staging) for f in source.files]
            try:
                for future in futures:
                    future.result()
            except FetchError:
                pool.shutdown(cancel_futures=True)
                raise
        staging.chmod(0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{source.version}.old.", dir=target.parent))
            target.rename(old / "previous")
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def fetch_all(
    dest: Path,
    base_url: str = RAW_GITHUB,
    sources: Sequence[PinnedSource] = ALL_SOURCES,
    force: bool = False,
    on_source_done: Callable[[PinnedSource, str], None] | None = None,
) -> FetchResult:
    """Fetch every pinned source; a failing source is reported, the others still land."""
    result = FetchResult()
    for source in sources:
        if not force and is_current(source, dest):
            result.up_to_date.append(source.local_dir)
            status = "up to date"
        else:
            try:
                fetch_source(source, dest, base_url)
            except HostNotFound as exc:
                result.failed[source.local_dir] = str(exc)
                if on_source_done:
                    on_source_done(source, "failed")
                break
            except FetchError as exc:
                result.failed[source.local_dir] = str(exc)
                status = "failed"
            else:
                result.fetched.append(source.local_dir)
                status = "fetched"
        if on_source_done:
            on_source_done(source, status)
    return result
