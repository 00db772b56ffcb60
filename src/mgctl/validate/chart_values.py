"""Every platform Application's values file against its upstream chart's values.schema.json.

For each Application under `base/*/application.yaml` with a chart source and a `$values/…`
values file in this repository: `schema_root/<chart>/<version>/values.schema.json`, when it
exists, must accept the values (charts without a published schema are skipped).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from mgctl.manifests import Finding, json_path

CHECK = "chart-values"


def _sources(spec: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(spec.get("sources"), list):
        return [s for s in spec["sources"] if isinstance(s, dict)]
    return [spec["source"]] if isinstance(spec.get("source"), dict) else []


def _value_files(source: dict[str, Any]) -> list[str]:
    """Values files of this repository (`$ref/path`), as paths relative to the repo root."""
    files = []
    for entry in (source.get("helm") or {}).get("valueFiles") or []:
        text = str(entry)
        if text.startswith("$") and "/" in text:
            files.append(text.split("/", 1)[1])
    return files


def _ignore_required(*_: Any) -> Iterator[ValidationError]:
    return iter(())


def _validator(schema: dict[str, Any]) -> Any:
    """The chart's schema, minus `required`: Helm validates these values merged over the
    chart's defaults, which supply every required key (we do not have the chart here)."""
    cls = validators.validator_for(schema, default=Draft7Validator)
    lenient = validators.extend(cls, {"required": _ignore_required})
    return lenient(schema)


def _describe(error: ValidationError) -> str:
    where = json_path(error.absolute_path) or "(top level)"
    return f"{where}: {error.message}"


def check_file(values_path: Path, schema_path: Path, display: str, chart: str) -> list[Finding]:
    try:
        values = yaml.safe_load(values_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        return [Finding(check=CHECK, file=display, message=f"not valid YAML: {exc}")]
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    errors = sorted(_validator(schema).iter_errors(values), key=lambda e: list(e.absolute_path))
    findings = []
    for error in errors:
        specific = best_match([error])
        findings.append(
            Finding(
                check=CHECK,
                file=display,
                path=json_path(specific.absolute_path),
                message=f"rejected by the {chart} values.schema.json: {_describe(specific)}",
            )
        )
    return findings


def check_chart_values(infra_dir: Path, schema_root: Path) -> list[Finding]:
    findings: list[Finding] = []
    for app_file in sorted(infra_dir.glob("base/*/application*.yaml")):
        try:
            docs = [d for d in yaml.safe_load_all(app_file.read_text(encoding="utf-8")) if d]
        except yaml.YAMLError:
            continue  # reported by the manifest checks
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") != "Application":
                continue
            for source in _sources(doc.get("spec") or {}):
                if "chart" not in source:
                    continue
                # An OCI chart is `<path>/<name>` on a registry host: the schema is the name's.
                chart = str(source["chart"]).rsplit("/", 1)[-1]
                version = str(source.get("targetRevision", ""))
                schema = schema_root / chart / version / "values.schema.json"
                if not schema.is_file():
                    continue
                for rel in _value_files(source):
                    values = infra_dir / rel
                    display = f"{infra_dir.name}/{rel}"
                    if not values.is_file():
                        continue  # graph.source-path reports missing values files
                    findings += check_file(values, schema, display, f"{chart} {version}")
    return findings
