"""Which platform.yaml key carries the change a user made by hand to a generated file: the
render refuses hand edits (they would be lost, and nothing else reads them) and names the
override that keeps the change."""

from __future__ import annotations

from pathlib import PurePosixPath

from mgctl.config import names
from mgctl.config.components import table as components_table
from mgctl.config.platform import Platform
from mgctl.render.service_layout import DEPLOY_ROOT, SERVICES_DIR

INFRA_ROOT = "mg-infrastructure"


def _service_key(platform: Platform, service_name: str) -> str | None:
    if service_name == names.AUTH_SERVICE and platform.auth is not None:
        return "auth.service.values"
    for index, service in enumerate(platform.services):
        if service.name == service_name:
            return f"services[{index}].values ({service.name})"
    return None


def override_key(platform: Platform, path: str) -> str:
    """The platform.yaml key for a change to `path` (relative to OUT)."""
    parts = PurePosixPath(path).parts
    if parts[:2] == (DEPLOY_ROOT, SERVICES_DIR) and len(parts) >= 4:
        key = _service_key(platform, parts[2])
        if key is not None:
            if parts[3] == "values.yaml":
                return f"put it in {key}: raw mg-library values, merged last"
            return (
                f"the chart is mg-library's; set the value in {key} (docs/library-chart.md "
                "lists every key), templates are not overridable"
            )
    if parts[:2] == (DEPLOY_ROOT, "_library"):
        return (
            "mg-library is mgctl's; set the values per service in services[].values "
            "(docs/library-chart.md)"
        )
    if parts[:1] == (INFRA_ROOT,) and len(parts) >= 4 and parts[1] == "base":
        component = parts[2]
        key = f"components.{component}"
        if component in components_table():
            if parts[3] == "values.yaml":
                return f"put it in {key}.values: chart values, merged last"
            if parts[3].startswith("application"):
                return f"use {key}.version (the chart version) or {key}.enabled"
    return "move the change into platform.yaml (docs/config-reference.md)"
