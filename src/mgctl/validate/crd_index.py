"""Find CustomResourceDefinitions in YAML files fast, and parse each one only when it is needed.

Pinned CRD files are large (16 MB for the whole set; some single CRDs are ~1.5 MB), and parsing
all of them with PyYAML takes seconds. The index reads each file as text, splits documents and
parses only the head of each CRD document (everything before `spec.versions`, where group and
names live). The full document, with the openAPIV3Schema of each version, is parsed the first
time an object of that kind is validated.

What the scan finds per file (group, kind and character span of each CRD document) is cached in
`~/.cache/mgctl/crd-index.json` (or `$XDG_CACHE_HOME`), keyed by path, size and mtime, so later
runs only stat the files. The converted schemas of each CRD document are cached as JSON in
`~/.cache/mgctl/crd-schemas/` (keyed by file, stamp, span and the conversion code), so a kind's
schema costs a JSON load instead of a YAML parse after the first run.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgctl.manifests import ManifestError, load_yaml_documents
from mgctl.validate import crd_schema
from mgctl.validate.crd_schema import strict_json_schema

_DOCUMENT_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$", re.M)
_CRD_KIND = re.compile(r"^kind:[ \t]*['\"]?CustomResourceDefinition['\"]?[ \t]*$", re.M)
_VERSIONS_KEY = re.compile(r"^  versions:[ \t]*$", re.M)
# Cached converted schemas are only reused by the same conversion code.
_CONVERSION_ID = hashlib.sha1(
    Path(crd_schema.__file__).read_bytes(), usedforsecurity=False
).hexdigest()[:12]


@dataclass
class CrdSource:
    """One CRD document: its file, character span and file stamp, or (once parsed) its body."""

    file: Path
    span: tuple[int, int] | None
    body: dict[str, Any] | None = None
    stamp: tuple[int, int] | None = None  # size, mtime_ns of the file when indexed
    text: str | None = None  # a CRD document held in memory (rendered output), parsed on use
    _fingerprint: str | None = field(default=None, repr=False, compare=False)

    def fingerprint(self) -> str:
        """Identifies the document's content: its text, the parsed body, or the file stamp."""
        if self._fingerprint is None:
            if self.text is not None:
                content = self.text.encode()
            elif self.span is None or self.stamp is None:
                content = json.dumps(self.body, sort_keys=True, default=str).encode()
            else:
                content = f"{self.file}|{self.stamp}|{self.span}".encode()
            self._fingerprint = hashlib.sha256(content).hexdigest()
        return self._fingerprint

    def load(self) -> dict[str, Any]:
        if self.body is None:
            if self.text is not None:
                text = self.text
            else:
                assert self.span is not None
                text = self.file.read_text(encoding="utf-8")[self.span[0] : self.span[1]]
            docs = load_yaml_documents(text, str(self.file))
            body = docs[0] if docs else None
            if not isinstance(body, dict):
                raise ManifestError(f"{self.file}: CRD document is not a mapping")
            self.body = body
        return self.body

    def served_schemas(self, cache_dir: Path | None) -> dict[str, dict[str, Any]]:
        """version -> strict JSON Schema (see crd_schema) of each served version; from the cache
        when this exact file content was converted before."""
        cached = self._cache_path(cache_dir)
        if cached is not None:
            try:
                loaded: dict[str, dict[str, Any]] = json.loads(cached.read_text(encoding="utf-8"))
                return loaded
            except (OSError, ValueError):
                pass
        schemas = {}
        for version in (self.load().get("spec") or {}).get("versions") or []:
            if version.get("served", True):
                openapi = (version.get("schema") or {}).get("openAPIV3Schema") or {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                }
                schemas[str(version.get("name"))] = strict_json_schema(openapi)
        if cached is not None:
            _write_atomic(cached, json.dumps(schemas))
        return schemas

    def _cache_path(self, cache_dir: Path | None) -> Path | None:
        if cache_dir is None:
            return None
        if self.text is not None:
            key = f"{_CONVERSION_ID}|text|{hashlib.sha256(self.text.encode()).hexdigest()}"
        elif self.span is None or self.stamp is None:
            return None
        else:
            key = f"{_CONVERSION_ID}|{self.file}|{self.stamp}|{self.span}"
        return cache_dir / f"{hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()}.json"


@dataclass
class CrdDefinition:
    """All CRD documents seen for one (group, kind); versions merged, first definition wins."""

    group: str
    kind: str
    sources: list[CrdSource] = field(default_factory=list)
    cache_dir: Path | None = None
    _schemas: dict[str, dict[str, Any]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_source(self, source: CrdSource) -> None:
        with self._lock:
            self.sources.append(source)
            self._schemas = None

    def schemas(self) -> dict[str, dict[str, Any]]:
        """served version name -> strict JSON Schema of the custom resource."""
        with self._lock:
            if self._schemas is None:
                merged: dict[str, dict[str, Any]] = {}
                for source in self.sources:
                    for name, schema in source.served_schemas(self.cache_dir).items():
                        merged.setdefault(name, schema)
                self._schemas = merged
            return self._schemas

    def versions(self) -> list[str]:
        return list(self.schemas())

    def fingerprint(self) -> str:
        """Changes whenever the schemas this definition serves could."""
        with self._lock:
            sources = list(self.sources)
        return hashlib.sha256(
            f"{_CONVERSION_ID}|{'|'.join(s.fingerprint() for s in sources)}".encode()
        ).hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only cache only costs speed


Entry = tuple[str, str, int, int]  # group, kind, start, end of the document in the file


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "mgctl"


def cache_file() -> Path:
    return cache_root() / "crd-index.json"


class CrdIndex:
    """(group, kind) -> CrdDefinition for every CRD under some directories (recursive)."""

    def __init__(self, dirs: Iterable[Path] = (), use_cache: bool = True) -> None:
        self._definitions: dict[tuple[str, str], CrdDefinition] = {}
        self.files: list[Path] = []
        self._cache_path = cache_file() if use_cache else None
        self._schema_cache = cache_root() / "crd-schemas" if use_cache else None
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
                CrdSource(path, (int(start), int(end)), stamp=(stamp[0], stamp[1]))
            )

    def add_body(self, body: dict[str, Any], origin: str) -> None:
        """Register a CRD object found among validated manifests."""
        spec = body.get("spec") or {}
        names = spec.get("names") or {}
        if spec.get("group") and names.get("kind"):
            source = CrdSource(Path(origin), None, body)
            self._definition(str(spec["group"]), str(names["kind"])).add_source(source)

    def add_text(self, group: str, kind: str, text: str, origin: str) -> None:
        """Register a CRD document held as text (parsed only when its kind is validated)."""
        self._definition(group, kind).add_source(CrdSource(Path(origin), None, text=text))

    def _read_cache(self) -> dict[str, Any]:
        if self._cache_path is None:
            return {}
        try:
            data = json.loads(self._cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_cache(self) -> None:
        if self._cache_path is not None and self._cache_dirty:
            _write_atomic(self._cache_path, json.dumps(self._cache))

    def _definition(self, group: str, kind: str) -> CrdDefinition:
        key = (group, kind)
        if key not in self._definitions:
            self._definitions[key] = CrdDefinition(group, kind, cache_dir=self._schema_cache)
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
