"""Objects made comparable: namespace as Argo CD applies it, Secret data redacted, noise
stripped; and the field-level difference of two objects."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mgctl.argocd.cluster_info import ClusterInfo
from mgctl.argocd.repo_server import RenderedApp
from mgctl.manifests import Manifest, load_yaml_documents

# Labels that change with every chart release without changing what runs (stripped unless
# --keep-noise): the chart name-version label helm charts stamp on every object.
NOISE_LABELS = ("helm.sh/chart", "chart")
REDACTED_KINDS = {("", "Secret")}

Key = tuple[str, str, str, str]  # group, kind, namespace, name


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any


def object_key(obj: Manifest, rendered: RenderedApp, cluster: ClusterInfo) -> Key:
    namespaced = cluster.is_namespaced(obj.group, obj.kind)
    namespace = (obj.namespace or rendered.app.namespace) if namespaced else ""
    return obj.group, obj.kind, namespace or "", obj.name


def show_key(key: Key) -> str:
    group, kind, namespace, name = key
    return f"{group + '/' if group else ''}{kind} {namespace + '/' if namespace else ''}{name}"


def _redact(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return f"<redacted sha256:{hashlib.sha256(text.encode()).hexdigest()[:12]}>"


def comparable(obj: Manifest, strip_noise: bool) -> dict[str, Any]:
    """The object as compared: the full body (CRDs included), Secret values redacted (a change
    still shows, by digest), noise labels removed, status dropped."""
    body: dict[str, Any] = (
        load_yaml_documents(obj.full_text, obj.source)[0] if obj.full_text else obj.body
    )
    body = json.loads(json.dumps(body, default=str))  # a private copy
    body.pop("status", None)
    if (obj.group, obj.kind) in REDACTED_KINDS:
        for field in ("data", "stringData"):
            if isinstance(body.get(field), dict):
                body[field] = {k: _redact(v) for k, v in body[field].items()}
    if strip_noise:
        for where in ("metadata",):
            labels = (body.get(where) or {}).get("labels")
            if isinstance(labels, dict):
                for label in NOISE_LABELS:
                    labels.pop(label, None)
        _strip_template_labels(body)
    return body


def _strip_template_labels(body: dict[str, Any]) -> None:
    template = (
        ((body.get("spec") or {}).get("template") or {})
        if isinstance(body.get("spec"), dict)
        else {}
    )
    labels = (template.get("metadata") or {}).get("labels") if isinstance(template, dict) else None
    if isinstance(labels, dict):
        for label in NOISE_LABELS:
            labels.pop(label, None)


def _named(items: list[Any]) -> dict[str, Any] | None:
    """A list of mappings with unique `name`s (containers, env, ports, volumes) by name."""
    if not items or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        return None
    names = [i["name"] for i in items]
    return dict(zip(names, items, strict=True)) if len(set(names)) == len(names) else None


def field_changes(before: Any, after: Any, path: str = "") -> Iterator[Change]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in before:
                yield Change(sub, None, after[key])
            elif key not in after:
                yield Change(sub, before[key], None)
            elif before[key] != after[key]:
                yield from field_changes(before[key], after[key], sub)
        return
    if isinstance(before, list) and isinstance(after, list):
        old, new = _named(before), _named(after)
        if old is not None and new is not None:
            for name in [*old, *(n for n in new if n not in old)]:
                sub = f"{path}[name={name}]"
                if name not in new:
                    yield Change(sub, old[name], None)
                elif name not in old:
                    yield Change(sub, None, new[name])
                elif old[name] != new[name]:
                    yield from field_changes(old[name], new[name], sub)
            return
        if len(before) == len(after):
            for index, (a, b) in enumerate(zip(before, after, strict=True)):
                if a != b:
                    yield from field_changes(a, b, f"{path}[{index}]")
            return
    yield Change(path, before, after)
