"""Find CustomResourceDefinitions in YAML files fast, and parse each one only when it is needed.

Pinned CRD files are large (16 MB for the whole set; some single CRDs are ~1.5 MB), and parsing
all of them with PyYAML takes seconds. The index reads each file as text, splits documents and
parses only the head of each CRD document (everything before `spec.versions`, where group and
names live). The full document, with the openAPIV3Schema of each version, is parsed the first
time an object of that kind is validated.

What the scan finds per file (group, kind and character span of each CRD document) is cached in
`~/.cache/mgctl/crd-index.json` (or `$XDG_CACHE_HOME`), keyed by path, size and mtime, so later
runs only stat the files.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgctl.validate.manifests import ManifestError, load_yaml_documents

_DOCUMENT_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$", re.M)
_CRD_KIND = re.compile(r"^kind:[ \t]*['\"]?CustomResourceDefinition['\"]?[ \t]*$", re.M)
_VERSIONS_KEY = re.compile(r"^  versions:[ \t]*$", re.M)


@dataclass
class CrdSource:
    """One CRD document: its file and character span there, or (once parsed) its body."""

    file: Path
    span: tuple[int, int] | None
    body: dict[str, Any] | None = None

    def load(self) -> dict[str, Any]:
        if self.body is None:
            assert self.span is not None
            text = self.file.read_text(encoding="utf-8")[self.span[0] : self.span[1]]
            docs = load_yaml_documents(text, str(self.file))
            body = docs[0] if docs else None
            if not isinstance(body, dict):
                raise ManifestError(f"{self.file}: CRD document is not a mapping")
            self.body = body
        return self.body


@dataclass
class CrdDefinition:
    """All CRD documents seen for one (group, kind); versions merged, first definition wins."""

    group: str
    kind: str
    sources: list[CrdSource] = field(default_factory=list)
    _versions: dict[str, dict[str, Any]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_source(self, source: CrdSource) -> None:
        with self._lock:
            self.sources.append(source)
            self._versions = None

    def versions(self) -> dict[str, dict[str, Any]]:
        """version name -> the CRD's `spec.versions[]` entry, for every served version."""
        with self._lock:
            if self._versions is None:
                merged: dict[str, dict[str, Any]] = {}
                for source in self.sources:
                    spec = source.load().get("spec") or {}
                    for version in spec.get("versions") or []:
                        name = str(version.get("name"))
                        if version.get("served", True) and name not in merged:
                            merged[name] = version
                self._versions = merged
            return self._versions


Entry = tuple[str, str, int, int]  # group, kind, start, end of the document in the file


def cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mgctl" / "crd-index.json"


class CrdIndex:
    """(group, kind) -> CrdDefinition for every CRD under some directories (recursive)."""

    def __init__(self, dirs: Iterable[Path] = (), use_cache: bool = True) -> None:
        self._definitions: dict[tuple[str, str], CrdDefinition] = {}
        self.files: list[Path] = []
        self._cache_path = cache_file() if use_cache else None
        self._cache = self._read_cache()
        self._cache_dirty = False
        for directory in dirs:
            self.add_directory(directory)
        self._write_cache()

    def add_directory(self, directory: Path) -> None:
        for path in sorted(directory.rglob("*.yaml")) + sorted(directory.rglob("*.yml")):
            self.add_file(path)

    def add_file(self, path: Path) -> None:
        path = path.resolve()
        stat = path.stat()
        stamp = [stat.st_size, stat.st_mtime_ns]
        cached = self._cache.get(str(path))
        if cached and cached.get("stamp") == stamp:
            entries = [tuple(e) for e in cached["entries"]]
        else:
            entries = scan_file(path)
            self._cache[str(path)] = {"stamp": stamp, "entries": entries}
            self._cache_dirty = True
        if entries:
            self.files.append(path)
        for group, kind, start, end in entries:
            self._definition(str(group), str(kind)).add_source(
                CrdSource(path, (int(start), int(end)))
            )

    def add_body(self, body: dict[str, Any], origin: str) -> None:
        """Register a CRD object found among validated manifests."""
        spec = body.get("spec") or {}
        names = spec.get("names") or {}
        if spec.get("group") and names.get("kind"):
            source = CrdSource(Path(origin), None, body)
            self._definition(str(spec["group"]), str(names["kind"])).add_source(source)

    def _read_cache(self) -> dict[str, Any]:
        if self._cache_path is None:
            return {}
        try:
            data = json.loads(self._cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_cache(self) -> None:
        if self._cache_path is None or not self._cache_dirty:
            return
        try:
            self._cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._cache_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._cache), encoding="utf-8")
            tmp.replace(self._cache_path)
        except OSError:
            pass  # a read-only home only costs speed

    def _definition(self, group: str, kind: str) -> CrdDefinition:
        key = (group, kind)
        if key not in self._definitions:
            self._definitions[key] = CrdDefinition(group, kind)
        return self._definitions[key]

    def get(self, group: str, kind: str) -> CrdDefinition | None:
        return self._definitions.get((group, kind))

    def kinds(self) -> list[tuple[str, str]]:
        return sorted(self._definitions)


def scan_file(path: Path) -> list[Entry]:
    """(group, kind, start, end) of each CRD document of a YAML file, from document heads."""
    text = path.read_text(encoding="utf-8")
    if "CustomResourceDefinition" not in text:
        return []
    bounds = [0, *(m.start() for m in _DOCUMENT_SEPARATOR.finditer(text)), len(text)]
    entries: list[Entry] = []
    for start, end in itertools.pairwise(bounds):
        document = text[start:end]
        if _CRD_KIND.search(document):
            found = _group_and_kind(path, document)
            if found:
                entries.append((found[0], found[1], start, end))
    return entries


def _group_and_kind(path: Path, document: str) -> tuple[str, str] | None:
    head_end = _VERSIONS_KEY.search(document)
    head_text = document[: head_end.start()] if head_end else document
    try:
        docs = load_yaml_documents(head_text, str(path))
    except ManifestError:
        docs = load_yaml_documents(document, str(path))
    head = next((d for d in docs if isinstance(d, dict)), None)
    spec = head.get("spec") if head else None
    names = spec.get("names") if isinstance(spec, dict) else None
    if (
        isinstance(names, dict)
        and isinstance(spec, dict)
        and spec.get("group")
        and names.get("kind")
    ):
        return str(spec["group"]), str(names["kind"])
    return None
