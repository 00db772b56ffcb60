"""Structural CRD schema -> strict JSON Schema conversion rules."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from mgctl.validate.crd_schema import convert, prune_nulls, python_pattern


def valid(schema: dict[str, Any], instance: Any) -> bool:
    return bool(Draft202012Validator(convert(schema)).is_valid(instance))


OBJECT = {"type": "object", "properties": {"a": {"type": "string"}}}


def test_declared_properties_make_unknown_fields_errors() -> None:
    assert valid(OBJECT, {"a": "x"})
    assert not valid(OBJECT, {"a": "x", "b": 1})


def test_preserve_unknown_fields_and_additional_properties_allow_them() -> None:
    assert valid({**OBJECT, "x-kubernetes-preserve-unknown-fields": True}, {"b": 1})
    assert valid({**OBJECT, "additionalProperties": {"type": "integer"}}, {"b": 1})
    assert not valid({**OBJECT, "additionalProperties": {"type": "integer"}}, {"b": "1"})


def test_int_or_string() -> None:
    schema = {"x-kubernetes-int-or-string": True}
    assert valid(schema, 80) and valid(schema, "http")
    assert not valid(schema, 1.5) and not valid(schema, {"port": 80})


def test_embedded_resource_accepts_type_meta_and_metadata() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-embedded-resource": True,
        "properties": {"spec": {"type": "object"}},
    }
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}
    assert valid(schema, pod)
    assert not valid(schema, {**pod, "extra": 1})


def test_openapi_boolean_exclusive_bounds() -> None:
    schema = {"type": "integer", "minimum": 0, "exclusiveMinimum": True}
    assert valid(schema, 1) and not valid(schema, 0)


def test_go_inline_flags_and_uncompilable_patterns() -> None:
    assert python_pattern("^(?i)(abort|warn)?$") == "(?i)^(abort|warn)?$"
    assert valid({"type": "string", "pattern": "^(?i)(abort|warn)?$"}, "WARN")
    assert python_pattern("^[[:alpha:]]+$") is None  # POSIX class: Python would misread it
    assert python_pattern("a(?P=missing)") is None
    assert valid({"type": "string", "pattern": "a(?P=missing)"}, "anything")


def test_nulls_are_pruned_from_maps_only() -> None:
    assert prune_nulls({"a": None, "b": [None, {"c": None}]}) == {"b": [None, {}]}
