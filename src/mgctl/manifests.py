"""Kubernetes objects read from YAML, and the `Finding` every check reports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Finding(BaseModel):
    """One problem: which check saw it, where, and what to change."""

    model_config = ConfigDict(frozen=True)

    check: str
    severity: Severity = Severity.ERROR
    file: str
    kind: str = ""
    name: str = ""
    path: str = ""
    message: str
    application: str = ""  # the Argo CD Application that applies the object, when known

    @property
    def object_ref(self) -> str:
        return f"{self.kind}/{self.name}" if self.kind else ""

    def in_application(self, name: str) -> Finding:
        return self if self.application else self.model_copy(update={"application": name})

    def format(self) -> str:
        parts = [f"app {self.application}"] if self.application else []
        parts.append(self.file)
        if self.kind:
            parts.append(self.object_ref)
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.format()


class Manifest(BaseModel):
    """One Kubernetes object and where it came from."""

    model_config = ConfigDict(frozen=True)

    api_version: str
    kind: str
    name: str
    namespace: str | None
    source: str
    doc_index: int
    body: dict[str, Any] = Field(repr=False)
    # a CRD read from rendered output keeps its full text here and only a summary in `body`
    # (see mgctl.argocd.crds); None for every object parsed whole
    full_text: str | None = Field(None, repr=False, exclude=True)

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    def finding(self, check: str, path: str, message: str, **extra: Any) -> Finding:
        return Finding(
            check=check,
            file=self.source,
            kind=self.kind,
            name=self.name,
            path=path,
            message=message,
            **extra,
        )


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that also accepts the `=` scalar (tag:yaml.org,2002:value) some CRDs use."""


def _construct_value(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:value", _construct_value)


class ManifestError(ValueError):
    """The text is not YAML, or a document is not a Kubernetes object."""


def load_yaml(text: str) -> Any:
    """One YAML document with libyaml's parser (raises yaml.YAMLError)."""
    return yaml.load(text, Loader=_Loader)


def load_yaml_documents(text: str, source: str) -> list[Any]:
    """All documents of a multi-document YAML text (empty documents included as None)."""
    try:
        return list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise ManifestError(f"{source}: not valid YAML: {exc}") from exc


def parse_manifests(text: str, source: str) -> tuple[list[Manifest], list[Finding]]:
    """Kubernetes objects of a multi-document YAML text; non-objects become findings."""
    manifests: list[Manifest] = []
    findings: list[Finding] = []
    try:
        documents = load_yaml_documents(text, source)
    except ManifestError as exc:
        return [], [Finding(check="yaml", file=source, message=str(exc).split(": ", 1)[1])]
    for index, doc in enumerate(documents):
        if doc is None:
            continue
        problem = object_problem(doc)
        if problem:
            findings.append(
                Finding(check="yaml", file=source, path=f"document[{index}]", message=problem)
            )
            continue
        if str(doc["kind"]).endswith("List") and isinstance(doc.get("items"), list):
            for item in doc["items"]:
                if isinstance(item, dict) and not object_problem(item):
                    manifests.append(manifest_of(item, source, index))
            continue
        manifests.append(manifest_of(doc, source, index))
    return manifests, findings


def load_manifest_file(
    path: Path, display: str | None = None
) -> tuple[list[Manifest], list[Finding]]:
    return parse_manifests(path.read_text(encoding="utf-8"), display or str(path))


def object_problem(doc: Any) -> str:
    """Why a parsed YAML document is not a Kubernetes object ("" when it is one)."""
    if not isinstance(doc, dict):
        return f"document is a {type(doc).__name__}, not a Kubernetes object (mapping)"
    missing = [key for key in ("apiVersion", "kind") if not isinstance(doc.get(key), str)]
    if missing:
        return f"missing {' and '.join(missing)}: every Kubernetes object needs apiVersion and kind"
    return ""


def manifest_of(
    doc: dict[str, Any], source: str, index: int, full_text: str | None = None
) -> Manifest:
    """The Manifest of one parsed Kubernetes object."""
    raw_metadata = doc.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    name = metadata.get("name") or metadata.get("generateName") or ""
    namespace = metadata.get("namespace")
    return Manifest(
        api_version=doc["apiVersion"],
        kind=doc["kind"],
        name=str(name),
        namespace=str(namespace) if namespace else None,
        source=source,
        doc_index=index,
        body=doc,
        full_text=full_text,
    )


def json_path(parts: Iterable[str | int]) -> str:
    """`spec.template.spec.containers[0].image` from path elements."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def walk_strings(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, str]]:
    """(field path, string) for every string inside a nested dict/list."""
    if isinstance(value, str):
        yield json_path(path), value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk_strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_strings(item, (*path, index))
