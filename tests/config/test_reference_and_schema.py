"""The generated docs and the editor schema stay in step with the models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from mgctl.config.reference import reference_markdown
from mgctl.config.schema import platform_schema

ROOT = Path(__file__).parents[2]


def test_config_reference_is_current() -> None:
    on_disk = (ROOT / "docs" / "config-reference.md").read_text(encoding="utf-8")
    assert on_disk == reference_markdown(), (
        "docs/config-reference.md is stale: python -m mgctl.config.reference > "
        "docs/config-reference.md"
    )


def test_editor_schema_accepts_the_example_and_rejects_unknown_keys() -> None:
    schema = platform_schema()
    validator = jsonschema.Draft202012Validator(schema)
    example = yaml.safe_load((ROOT / "examples" / "mg" / "platform.yaml").read_text())
    assert list(validator.iter_errors(example)) == []
    example["services"][0]["replics"] = 2
    errors = list(validator.iter_errors(example))
    assert any("replics" in e.message for e in errors)
    json.dumps(schema)
