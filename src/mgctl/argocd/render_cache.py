"""Rendered sources kept on disk, keyed by everything that decides them.

A helm source's key (see `RepoServer._cache_key`) covers the chart (the pinned archive's
content digest, or every file of a local chart and its `file://` dependencies), each values
file's bytes, release name, namespace, parameters, Kubernetes version, API versions, flags and
the helm binary; a directory source's key covers every file's path and bytes and the
include/exclude/recurse options. Both also cover the code that turns text into objects
(`PARSER_ID`), and what is kept is the parsed objects, so a hit costs neither helm nor YAML.
`~/.cache/mgctl/renders` (or `$XDG_CACHE_HOME/mgctl/renders`); `MGCTL_RENDER_CACHE=off`
disables it. Entries are written atomically; the oldest are dropped past `MAX_BYTES`.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from pathlib import Path
from typing import Any

from mgctl import manifests
from mgctl.argocd import crds, helm_output, hooks

# entries are only reused by the same parsing code
PARSER_ID = hashlib.sha256(
    b"".join(Path(str(m.__file__)).read_bytes() for m in (manifests, crds, helm_output, hooks))
).hexdigest()[:16]

ENV = "MGCTL_RENDER_CACHE"
MAX_BYTES = 512 * 1024 * 1024


def _base() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "mgctl"


def default_root() -> Path:
    return _base() / "renders"


def facts_root() -> Path:
    """Facts derived from pinned chart archives (keyed by the archive's content digest)."""
    return _base() / "chart-facts"


class RenderCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_root()
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._bytes: int | None = None  # the entries' total size, once counted

    @classmethod
    def for_chart_facts(cls) -> RenderCache | None:
        """Off when the render cache is off (`MGCTL_RENDER_CACHE=off`)."""
        if os.environ.get(ENV, "").lower() in ("off", "0", "false", "no"):
            return None
        return cls(facts_root())

    @classmethod
    def from_environment(cls) -> RenderCache | None:
        value = os.environ.get(ENV, "")
        if value.lower() in ("off", "0", "false", "no"):
            return None
        return cls(Path(value) if value and value.lower() not in ("on", "1") else None)

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(f"{PARSER_ID}|{key}".encode()).hexdigest()
        return self.root / digest[:2] / f"{digest}.pickle"

    def contains(self, key: str) -> bool:
        return self._path(key).is_file()

    def get(self, key: str) -> Any | None:
        try:
            value = pickle.loads(self._path(key).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            with self._lock:
                self.misses += 1
            return None
        with self._lock:
            self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.write_bytes(data)
            tmp.replace(path)
            self._account(len(data))
        except OSError:
            pass  # a read-only cache only costs speed

    def _account(self, added: int) -> None:
        """Counts the entries once per instance, then adds what it writes; trims past the
        limit (an overwritten entry counts twice until the next count: trimming early is
        harmless)."""
        with self._lock:
            if self._bytes is None:
                self._bytes = sum(p.stat().st_size for p in self.root.glob("*/*.pickle"))
            else:
                self._bytes += added
            over = self._bytes > MAX_BYTES
        if over:
            self._trim()

    def _trim(self) -> None:
        entries = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.root.glob("*/*.pickle")]
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= MAX_BYTES:
                break
            path.unlink(missing_ok=True)
            total -= size
        with self._lock:
            self._bytes = total
