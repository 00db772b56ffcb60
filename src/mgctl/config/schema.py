"""JSON Schema of platform.yaml, exported from the models for editors (yaml-language-server)."""

from __future__ import annotations

import json
from typing import Any

from mgctl.config.platform import Platform


def platform_schema() -> dict[str, Any]:
    schema = Platform.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mgctl platform.yaml"
    return schema


def platform_schema_json() -> str:
    return json.dumps(platform_schema(), indent=2, sort_keys=True) + "\n"
