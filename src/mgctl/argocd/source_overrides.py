"""Parameter overrides committed beside an Application's manifests, as the repo-server merges
them (reposerver/repository/repository.go `mergeSourceParameters`): `.argocd-source.yaml`,
then `.argocd-source-<app>.yaml`, each read as YAML and applied to the source as a JSON merge
patch (RFC 7386: maps merge, null deletes, anything else replaces, lists included); afterwards
chart, path, repoURL and targetRevision are restored, so only tool settings change. Argo CD
Image Updater's git write-back commits its image parameters into the second file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mgctl.argocd.models import Source

REPO_FILE = ".argocd-source.yaml"
APP_FILE = ".argocd-source-{app}.yaml"
_KEPT = ("chart", "path", "repoURL", "targetRevision")


class OverrideProblem(ValueError):
    """An override file the repo-server cannot read (the Application shows ComparisonError)."""


@dataclass(frozen=True)
class Overridden:
    source: Source
    files: tuple[Path, ...]  # the override files that were applied, in order


def override_files(directory: Path, app_name: str) -> list[Path]:
    names = [REPO_FILE] + ([APP_FILE.format(app=app_name)] if app_name else [])
    return [directory / name for name in names if (directory / name).is_file()]


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def _go_field_names(helm: Any) -> Any:
    """Go's encoding/json matches struct fields case-insensitively: Image Updater writes
    `forcestring`, which Argo CD reads as `forceString`."""
    if not isinstance(helm, dict):
        return helm
    parameters = helm.get("parameters")
    if isinstance(parameters, list):
        fixed = []
        for parameter in parameters:
            if isinstance(parameter, dict):
                names = {"name": "name", "value": "value", "forcestring": "forceString"}
                parameter = {names.get(str(k).lower(), k): v for k, v in parameter.items()}
            fixed.append(parameter)
        helm = {**helm, "parameters": fixed}
    return helm


def apply_overrides(source: Source, directory: Path, app_name: str) -> Overridden:
    files = override_files(directory, app_name)
    if not files:
        return Overridden(source, ())
    data: Any = source.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    for path in files:
        try:
            patch = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise OverrideProblem(f"{path.name}: {exc}") from exc
        if patch is not None and not isinstance(patch, dict):
            raise OverrideProblem(f"{path.name}: not a mapping of source fields")
        data = merge_patch(data, patch or {})
    original = source.model_dump(by_alias=True)
    for key in _KEPT:
        if original.get(key) is None:
            data.pop(key, None)
        else:
            data[key] = original[key]
    if "helm" in data:
        data["helm"] = _go_field_names(data["helm"])
    try:
        return Overridden(Source.model_validate(data), tuple(files))
    except ValueError as exc:
        raise OverrideProblem(f"{files[-1].name}: {exc}") from exc
