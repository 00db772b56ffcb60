"""CustomResourceDefinitions in rendered output, read cheaply.

A platform renders ~140 CRDs (11 MB of YAML; one is 1.4 MB). Checks need only each CRD's head
(metadata, group, names, scope) and which versions it serves; the openAPIV3Schema is needed
only for kinds that have objects to validate. `summarize` parses the head and scans the
`versions` list line by line (block YAML as every chart emits it); anything else is parsed
whole. The full document stays available as text for the schema registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mgctl.manifests import Manifest, ManifestError, load_yaml_documents

CRD_KIND = re.compile(r"^kind:[ \t]*['\"]?CustomResourceDefinition['\"]?[ \t]*$", re.M)
# Patterns that start with a literal newline, not `^` under re.M: the engine then looks for
# the literal first, which skims megabytes of schema several times faster. A CRD document
# never starts with these spec-level lines, so the first line needs no `^` case.
_VERSIONS = re.compile(r"\n  versions:[ \t]*(?=\n|$)")
_SPEC_KEY = re.compile(r"\n  (?P<key>[A-Za-z]+):")
_SCOPE = re.compile(r"^  scope:[ \t]*['\"]?(?P<scope>\w+)['\"]?[ \t]*$", re.M)


@dataclass(frozen=True)
class CrdSummary:
    name: str
    group: str
    kind: str
    plural: str
    namespaced: bool
    served: tuple[str, ...]  # served version names
    body: dict[str, Any]  # head: metadata + spec without versions' schemas


def is_crd_text(text: str) -> bool:
    return "CustomResourceDefinition" in text and CRD_KIND.search(text) is not None


_FIRST_LINE = re.compile(r"^( *)- ", re.M)
_COMMENT_OR_BLANK = re.compile(r"^[ \t]*(#.*)?$")


def _scan_versions(block: str) -> list[dict[str, Any]] | None:
    """[{name, served, storage}] from the block YAML of `spec.versions`, or None.

    Only lines at the list's own indentation matter: `<D>- key: v` starts an item and
    `<D+2>key: v` continues it (D = the first item's indentation). One regex per block finds
    them, so a 400 KB schema is skimmed in C, not walked line by line (see _VERSIONS)."""
    first = _FIRST_LINE.search(block)
    if first is None or not all(
        _COMMENT_OR_BLANK.match(line) for line in block[: first.start()].splitlines()
    ):
        return None
    dash = len(first.group(1))
    lines = re.compile(
        rf"\n {{{dash}}}(?:(?P<item>- )|  )(?P<key>[A-Za-z]+):[ \t]*(?P<value>[^\n]*)"
    )
    items: list[dict[str, Any]] = []
    for match in lines.finditer("\n" + block):
        if match.group("item"):
            items.append({})
        key = match.group("key")
        if key in ("name", "served", "storage") and items:
            value = match.group("value").split(" #", 1)[0].strip().strip("'\"")
            items[-1][key] = value == "true" if key != "name" else value
    return items if items and all("name" in item for item in items) else None


def summarize_body(body: dict[str, Any]) -> CrdSummary:
    """The summary of a CRD parsed whole."""
    spec = body.get("spec") or {}
    versions = [
        {k: v.get(k) for k in ("name", "served", "storage")}
        for v in spec.get("versions") or []
        if isinstance(v, dict)
    ]
    names = spec.get("names") or {}
    head = {
        **body,
        "spec": {**{k: v for k, v in spec.items() if k != "versions"}, "versions": versions},
    }
    return CrdSummary(
        name=str((body.get("metadata") or {}).get("name", "")),
        group=str(spec.get("group", "")),
        kind=str(names.get("kind", "")),
        plural=str(names.get("plural", "")),
        namespaced=spec.get("scope") != "Cluster",
        served=tuple(str(v["name"]) for v in versions if v.get("served", True)),
        body=head,
    )


def summary_of(manifest: Manifest) -> CrdSummary:
    """The summary of a CRD manifest, read lazily (its body is already the summary's) or
    whole."""
    return summarize_body(manifest.body)


def summarize(text: str, source: str) -> CrdSummary:
    """Group, kind, scope and served versions of one CRD document."""
    versions_at = _VERSIONS.search(text)
    body: dict[str, Any] | None = None
    versions: list[dict[str, Any]] | None = None
    if versions_at is not None:
        following = _SPEC_KEY.search(text, versions_at.end())
        block = text[versions_at.end() : following.start() if following else len(text)]
        versions = _scan_versions(block)
        head_text = text[: versions_at.start()] + (text[following.start() :] if following else "")
        try:
            docs = load_yaml_documents(head_text, source)
            body = next((d for d in docs if isinstance(d, dict)), None)
        except ManifestError:
            body = None
    if body is None or versions is None:
        docs = load_yaml_documents(text, source)
        full = next((d for d in docs if isinstance(d, dict)), {})
        versions = [
            {k: v.get(k) for k in ("name", "served", "storage")}
            for v in (full.get("spec") or {}).get("versions") or []
            if isinstance(v, dict)
        ]
        body = {
            **full,
            "spec": {k: v for k, v in (full.get("spec") or {}).items() if k != "versions"},
        }
    spec = body.setdefault("spec", {}) if isinstance(body.get("spec"), dict) else {}
    body["spec"] = spec
    spec["versions"] = versions
    names = spec.get("names") or {}
    scope = spec.get("scope")
    if scope is None:
        found = _SCOPE.search(text)
        scope = found.group("scope") if found else "Namespaced"
    return CrdSummary(
        name=str((body.get("metadata") or {}).get("name", "")),
        group=str(spec.get("group", "")),
        kind=str(names.get("kind", "")),
        plural=str(names.get("plural", "")),
        namespaced=scope != "Cluster",
        served=tuple(str(v["name"]) for v in versions if v.get("served", True)),
        body=body,
    )
