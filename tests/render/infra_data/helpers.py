"""CRD and chart-schema validation of rendered objects, from the shared upstream copies."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from mgctl.config.library_values import without_required
from mgctl.manifests import load_yaml_documents
from mgctl.validate.crd_schema import convert, prune_nulls

from .conftest import CHART_SCHEMAS, CRDS

CRD_DIRS = (
    "strimzi/1.2.0",
    "prometheus-operator/v0.93.0",
    "external-secrets/v2.9.0",
    "velero/v1.18.1",
    "plugin-barman-cloud/v0.14.0",
)


@cache
def _crd_specs() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) -> openAPIV3Schema of the CRDs the data components use."""
    specs: dict[tuple[str, str, str], dict[str, Any]] = {}
    paths = [p for d in CRD_DIRS for p in sorted((CRDS / d).glob("*.yaml"))]
    for path in paths:
        for doc in load_yaml_documents(path.read_text(), str(path)):
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
            for version in doc["spec"]["versions"]:
                schema = version.get("schema", {}).get("openAPIV3Schema", {})
                specs[(group, version["name"], kind)] = schema
    return specs


def crd_errors(obj: dict[str, Any]) -> list[str]:
    """Validation errors of `obj`'s spec against its CRD (strict: unknown fields are errors)."""
    group, _, version = obj["apiVersion"].rpartition("/")
    schema = _crd_specs().get((group, version, obj["kind"]))
    if schema is None:
        return [f"no CRD served for {obj['apiVersion']} {obj['kind']}"]
    spec_schema = convert(schema["properties"]["spec"])
    validator = jsonschema.Draft202012Validator(spec_schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(prune_nulls(obj["spec"]))
    ]


def chart_schema_errors(chart: str, version: str, values: dict[str, Any]) -> list[str]:
    """Errors of our values against the chart's schema. Helm validates the chart defaults merged
    with our values, so `required` (always met by the defaults) is dropped here; types, enums
    and unknown keys (where the schema forbids them) still count."""
    path = CHART_SCHEMAS / chart / version / "values.schema.json"
    schema = without_required(json.loads(Path(path).read_text()))
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(values)
    ]
