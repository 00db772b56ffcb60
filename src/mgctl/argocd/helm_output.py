"""`helm template` output as objects, each attributed to the template that rendered it.

Helm prefixes every document with `# Source: <chart>/templates/<file>`; CRDs (from `crds/`
with --include-crds, or templates) are summarized rather than parsed whole (see `crds`).
"""

from __future__ import annotations

import re

from mgctl.argocd.crds import is_crd_text, summarize
from mgctl.manifests import (
    Manifest,
    ManifestError,
    load_yaml_documents,
    manifest_of,
    object_problem,
)

# a literal newline first rather than `^` under re.M: the regex engine then skims for it in
# C, several times faster over megabytes of CRDs (the text is searched with a newline before)
_SEPARATOR = re.compile(r"\n---[ \t]*(?=\n|$)")
_SOURCE = "# Source: "


class OutputProblem(ValueError):
    """A rendered document is not YAML or not a Kubernetes object (the sync would fail)."""


def split_documents(text: str) -> list[str]:
    """The non-empty documents of a multi-document YAML text, as text."""
    return [chunk for chunk in _SEPARATOR.split("\n" + text) if chunk.strip()]


def split_output(output: str, display: str) -> list[Manifest]:
    """Objects of one render; each `source` is `<display>/<template path inside the chart>`
    (helm's `# Source:` path without the chart's own name)."""
    manifests: list[Manifest] = []
    for index, chunk in enumerate(_SEPARATOR.split("\n" + output)):
        if not chunk.strip():
            continue
        template = _template_of(chunk)
        source = f"{display}/{template.split('/', 1)[-1] if template else '(rendered)'}"
        manifests += parse_chunk(chunk, source, index)
    return manifests


def _template_of(chunk: str) -> str | None:
    """The path of the first `# Source: <path>` line."""
    at = chunk.find(_SOURCE)
    while at > 0 and chunk[at - 1] != "\n":
        at = chunk.find(_SOURCE, at + 1)
    rest = chunk[at + len(_SOURCE) :] if at != -1 else ""
    return rest.split(None, 1)[0] if rest and not rest[0].isspace() else None


def parse_chunk(chunk: str, source: str, index: int) -> list[Manifest]:
    if is_crd_text(chunk):
        summary = summarize(chunk, source)
        return [manifest_of(summary.body, source, index, full_text=chunk)]
    try:
        documents = load_yaml_documents(chunk, source)
    except ManifestError as exc:
        raise OutputProblem(str(exc)) from exc
    manifests = []
    for doc in documents:
        if doc is None:
            continue
        problem = object_problem(doc)
        if problem:
            raise OutputProblem(f"{source}: {problem}")
        if str(doc["kind"]).endswith("List") and isinstance(doc.get("items"), list):
            manifests += [
                manifest_of(item, source, index)
                for item in doc["items"]
                if isinstance(item, dict) and not object_problem(item)
            ]
        else:
            manifests.append(manifest_of(doc, source, index))
    return manifests
