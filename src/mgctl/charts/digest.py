"""Digests of a chart archive: of its bytes, and of its files.

`helm package` writes tar timestamps, so the same chart packaged twice gives two archives with
different sha256 sums. The content digest covers what Helm reads: every regular file's path
and bytes, sorted by path, ignoring tar metadata.
"""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def content_digest(path: Path) -> str:
    """sha256 over `<sha256 of bytes>  <path>\\n` of every regular file, sorted by path."""
    files: list[tuple[str, str]] = []
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is not None:
                files.append((member.name, hashlib.sha256(handle.read()).hexdigest()))
    listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(files))
    return hashlib.sha256(listing.encode()).hexdigest()
