"""Turn a CRD's structural `openAPIV3Schema` into a strict JSON Schema (draft 2020-12).

The rules mirror what the API server does with a structural schema:
- unknown fields are pruned by the server, so here they are errors wherever an object declares
  `properties` and neither `additionalProperties` nor `x-kubernetes-preserve-unknown-fields`;
- `x-kubernetes-int-or-string` accepts an integer or a string;
- `x-kubernetes-embedded-resource` objects also accept apiVersion, kind and metadata;
- null values are pruned by the server before validation (`prune_nulls`), so they are not errors;
- OpenAPI v3.0 boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric 2020-12 form;
- `pattern`s are Go RE2: an inline `(?i)` after the start (invalid in Python) makes the whole
  pattern case-insensitive; a pattern Python cannot compile or would read differently (POSIX
  classes) is dropped (never a false error).
"""

from __future__ import annotations

import re
from typing import Any

OBJECT_META_REF = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

_COPIED = (
    "type",
    "enum",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "required",
    "multipleOf",
    "minProperties",
    "maxProperties",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def strict_json_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """The root schema for a custom resource: converted, with metadata as strict ObjectMeta."""
    root = convert(openapi)
    properties = dict(root.get("properties") or {})
    properties["metadata"] = {"$ref": OBJECT_META_REF}
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    root["properties"] = properties
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return root


def convert(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {key: node[key] for key in _COPIED if key in node}
    if isinstance(node.get("pattern"), str):
        pattern = python_pattern(node["pattern"])
        if pattern is None:
            del out["pattern"]
        else:
            out["pattern"] = pattern
    _convert_exclusive_bounds(node, out)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        if "anyOf" not in node:
            out["type"] = ["integer", "string"]
    properties = node.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {name: convert(sub) for name, sub in properties.items()}
    if isinstance(node.get("items"), dict):
        out["items"] = convert(node["items"])
    additional = node.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = convert(additional)
    elif isinstance(additional, bool):
        out["additionalProperties"] = additional
    for key in _SCHEMA_LISTS:
        if isinstance(node.get(key), list):
            out[key] = [convert(sub) for sub in node[key] if isinstance(sub, dict)]
    if isinstance(node.get("not"), dict):
        out["not"] = convert(node["not"])
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    if node.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def python_pattern(go_pattern: str) -> str | None:
    """A Python `re` equivalent of a Go RE2 pattern, or None when there is none."""
    if "[[:" in go_pattern:  # POSIX classes: Python reads them as nested sets, not classes
        return None
    try:
        re.compile(go_pattern)
        return go_pattern
    except re.error:
        pass
    if "(?i)" in go_pattern:
        candidate = "(?i)" + go_pattern.replace("(?i)", "")
        try:
            re.compile(candidate)
            return candidate
        except re.error:
            return None
    return None


def _convert_exclusive_bounds(node: dict[str, Any], out: dict[str, Any]) -> None:
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(flag)
        if value is True and bound in node:
            out[flag] = node[bound]
            out.pop(bound, None)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[flag] = value


def prune_nulls(value: Any) -> Any:
    """A copy without null map entries (the API server drops them for custom resources)."""
    if isinstance(value, dict):
        return {key: prune_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [prune_nulls(item) for item in value]
    return value
