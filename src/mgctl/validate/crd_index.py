"""Find CustomResourceDefinitions in YAML files fast, and parse each one only when it is needed.

Pinned CRD files are large (16 MB for the whole set; some single CRDs are ~1.5 MB), and parsing
all of them with PyYAML takes seconds. The index reads each file as text, splits documents and
parses only the head of each CRD document (everything before `spec.versions`, where group and
names live). The full document, with the openAPIV3Schema of each version, is parsed the first
time an object of that kind is validated.
"""

from __future__ import annotations

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
    """One CRD document: where it is, and (once parsed) its body."""

    file: Path
    text: str | None
    body: dict[str, Any] | None = None

    def load(self) -> dict[str, Any]:
        if self.body is None:
            assert self.text is not None
            docs = load_yaml_documents(self.text, str(self.file))
            body = docs[0] if docs else None
            if not isinstance(body, dict):
                raise ManifestError(f"{self.file}: CRD document is not a mapping")
            self.body = body
            self.text = None
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


class CrdIndex:
    """(group, kind) -> CrdDefinition for every CRD under some directories (recursive)."""

    def __init__(self, dirs: Iterable[Path] = ()) -> None:
        self._definitions: dict[tuple[str, str], CrdDefinition] = {}
        self.files: list[Path] = []
        for directory in dirs:
            self.add_directory(directory)

    def add_directory(self, directory: Path) -> None:
        for path in sorted(directory.rglob("*.yaml")) + sorted(directory.rglob("*.yml")):
            self.add_file(path)

    def add_file(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        if "CustomResourceDefinition" not in text:
            return
        self.files.append(path)
        for document in _DOCUMENT_SEPARATOR.split(text):
            if _CRD_KIND.search(document):
                self._add_document(path, document)

    def add_body(self, body: dict[str, Any], origin: str) -> None:
        """Register a CRD object found among validated manifests."""
        spec = body.get("spec") or {}
        names = spec.get("names") or {}
        if spec.get("group") and names.get("kind"):
            source = CrdSource(Path(origin), None, body)
            self._definition(str(spec["group"]), str(names["kind"])).add_source(source)

    def _add_document(self, path: Path, document: str) -> None:
        head_end = _VERSIONS_KEY.search(document)
        head_text = document[: head_end.start()] if head_end else document
        try:
            docs = load_yaml_documents(head_text, str(path))
        except ManifestError:
            docs = load_yaml_documents(document, str(path))
        head = docs[0] if docs else None
        spec = head.get("spec") if isinstance(head, dict) else None
        names = spec.get("names") if isinstance(spec, dict) else None
        if not (isinstance(names, dict) and spec and spec.get("group") and names.get("kind")):
            return
        source = CrdSource(path, document)
        self._definition(str(spec["group"]), str(names["kind"])).add_source(source)

    def _definition(self, group: str, kind: str) -> CrdDefinition:
        key = (group, kind)
        if key not in self._definitions:
            self._definitions[key] = CrdDefinition(group, kind)
        return self._definitions[key]

    def get(self, group: str, kind: str) -> CrdDefinition | None:
        return self._definitions.get((group, kind))

    def kinds(self) -> list[tuple[str, str]]:
        return sorted(self._definitions)
