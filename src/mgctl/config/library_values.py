"""`services[].values` (and `auth.service.values`) checked at load time against the values
schema of mg-library, the chart they are merged into (render/library_chart/values.schema.json,
which helm applies again on every render). The override is a part of the values, so keys the
schema requires are not required of it; everything else is: unknown keys, types, enums.

Keys platform.yaml has its own field for are refused with that field: mgctl's checks, the
capacity check and Image Updater read platform.yaml, never the raw override."""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources
from typing import Any

import jsonschema

# library values key -> the platform.yaml key of a service that sets it
PLATFORM_KEYS = {
    "replicaCount": "replicas",
    "image.repository": "image.repository",
    "image.tag": "image.tag",
    "environment": "environment",
    "nameOverride": "name",
    "fullnameOverride": "name",
    "service.port": "port",
    "service.http": "port (null: no http port)",
    "springProfile": "springProfile",
    "command": "command",
    "args": "args",
}


def without_required(node: Any) -> Any:
    """A JSON schema with every `required` list dropped (a property named `required` is a
    schema, not a list, and stays): types, enums and unknown keys still count. For values that
    are merged over defaults which meet `required`."""
    if isinstance(node, dict):
        return {
            k: without_required(v)
            for k, v in node.items()
            if not (k == "required" and isinstance(v, list))
        }
    if isinstance(node, list):
        return [without_required(v) for v in node]
    return node


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    # the library chart's own schema file (package data of mgctl.render, read, not imported)
    text = resources.files("mgctl.render").joinpath("library_chart/values.schema.json")
    schema = without_required(json.loads(text.read_text(encoding="utf-8")))
    return jsonschema.Draft7Validator(schema)


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            return _inline(definitions[ref.removeprefix("#/definitions/")], definitions)
        return {k: _inline(v, definitions) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, definitions) for v in node]
    return node


@functools.cache
def editor_schema() -> dict[str, Any]:
    """The same rules as JSON Schema for `mgctl schema`: the library's schema (references
    inlined, nothing required) and the keys platform.yaml has its own field for refused."""
    schema = _validator().schema
    inlined: dict[str, Any] = _inline(schema, schema.get("definitions", {}))
    out = {k: v for k, v in inlined.items() if k not in ("$schema", "title", "definitions")}
    top = [k for k in PLATFORM_KEYS if "." not in k]
    nested: dict[str, list[str]] = {}
    for key in PLATFORM_KEYS:
        if "." in key:
            section, _, leaf = key.partition(".")
            nested.setdefault(section, []).append(leaf)
    out["not"] = {"anyOf": [{"required": [key]} for key in top]}
    for section, leaves in nested.items():
        prop = dict(out["properties"][section])
        prop["not"] = {"anyOf": [{"required": [leaf]} for leaf in leaves]}
        out["properties"] = {**out["properties"], section: prop}
    out["description"] = "Raw mg-library values merged last (docs/library-chart.md)"
    return out


def _flat_keys(values: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        keys.append(path)
        if isinstance(value, dict):
            keys += _flat_keys(value, f"{path}.")
    return keys


def _schema_at(path: list[str | int]) -> dict[str, Any]:
    node: Any = _validator().schema
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part, {})
        for alternative in node.get("oneOf", []):  # {"oneOf": [null, {"$ref": ...}]}
            ref = alternative.get("$ref", "")
            if ref.startswith("#/definitions/"):
                node = _validator().schema["definitions"][ref.removeprefix("#/definitions/")]
    return node if isinstance(node, dict) else {}


def problems(values: dict[str, Any]) -> list[str]:
    """`values.<path>: <message>` per problem, paths as platform.yaml spells them."""
    found = []
    for key in _flat_keys(values):
        if key in PLATFORM_KEYS:
            found.append(
                f"values.{key}: platform.yaml has its own key for this: set the service's "
                f"{PLATFORM_KEYS[key]} (mgctl's checks read that one, not the raw values)"
            )
    errors = sorted(_validator().iter_errors(values), key=lambda e: list(e.absolute_path))
    for error in errors:
        path = [str(p) if isinstance(p, str) else p for p in error.absolute_path]
        where = "values" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = list(_schema_at(path).get("properties", {}))
            for extra in sorted(set(error.instance) - set(allowed)):
                close = difflib.get_close_matches(extra, allowed, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                found.append(
                    f"{where}.{extra}: mg-library has no key {extra!r} here{hint} "
                    "(docs/library-chart.md lists them)"
                )
            continue
        found.append(f"{where}: {_message(error)} (mg-library's values schema)")
    return found


def _message(error: jsonschema.ValidationError) -> str:
    """A oneOf of [null, a type] reads as the type that was expected."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        types = [
            str(e.validator_value)
            for e in error.context
            if e.validator == "type" and e.validator_value != "null"
        ]
        if types:
            named = [f"{'an' if t[0] in 'aeiou' else 'a'} {t}" for t in types]
            return f"{error.instance!r} is not {' or '.join(named)}"
        deeper = [e for e in error.context if e.validator != "type"]
        if deeper:
            return str(deeper[0].message)
    return str(error.message)
