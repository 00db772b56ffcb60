"""The built-in Kubernetes API of one version: its kinds, their JSON schemas and their scope.

Schemas are the strict ones bundled in the `kubernetes-validate` package
(`kubernetes_validate/kubernetes-json-schema/v1.N.0-local-strict/_definitions.json`: one file
holding every definition, each top-level kind tagged with `x-kubernetes-group-version-kind`).
Which built-in kinds are cluster-scoped: `data/cluster_scoped_kinds.yaml`.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
_VERSION_DIR = re.compile(r"^v(\d+)\.(\d+)\.0-local-strict$")
# alpha APIs are off unless enabled, and new beta APIs are off by default since 1.24 (KEP-3136)
_PRERELEASE = re.compile(r"^v\d+(alpha|beta)\d+$")


class UnsupportedKubernetesVersion(ValueError):
    pass


def bundled_versions() -> list[tuple[int, int]]:
    """Kubernetes minor versions whose strict schemas kubernetes-validate bundles."""
    root = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
    found = []
    for entry in root.iterdir():
        match = _VERSION_DIR.match(entry.name)
        if match:
            found.append((int(match.group(1)), int(match.group(2))))
    return sorted(found)


def parse_kubernetes_version(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", text.strip())
    if not match:
        raise UnsupportedKubernetesVersion(
            f"Kubernetes version {text!r} is not MAJOR.MINOR (e.g. 1.35)"
        )
    return int(match.group(1)), int(match.group(2))


@lru_cache(maxsize=4)
def builtin_definitions(major: int, minor: int) -> dict[str, Any]:
    available = bundled_versions()
    if (major, minor) not in available:
        names = ", ".join(f"{a}.{b}" for a, b in available)
        raise UnsupportedKubernetesVersion(
            f"no bundled Kubernetes {major}.{minor} schemas (kubernetes-validate has {names}). "
            "Fix: pass --kube-version with one of those, or upgrade kubernetes-validate"
        )
    path = resources.files("kubernetes_validate").joinpath(
        f"kubernetes-json-schema/v{major}.{minor}.0-local-strict/_definitions.json"
    )
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def served_builtins(definitions: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(apiVersion, kind) -> definition name, for kinds the API server serves."""
    served: dict[tuple[str, str], str] = {}
    for name, schema in definitions["$defs"].items():
        gvks = schema.get("x-kubernetes-group-version-kind") or []
        if len(gvks) != 1:  # shared types such as DeleteOptions/WatchEvent are not objects
            continue
        gvk = gvks[0]
        api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
        served[(api_version, gvk["kind"])] = name
    return served


@cache
def cluster_scoped_builtins() -> frozenset[str]:
    """`group/Kind` of every cluster-scoped built-in kind."""
    text = resources.files("mgctl").joinpath("data/cluster_scoped_kinds.yaml").read_text("utf-8")
    return frozenset(str(entry) for entry in yaml.safe_load(text))


def builtin_served(major: int, minor: int) -> frozenset[tuple[str, str]]:
    """(apiVersion, Kind) of every built-in kind a default API server serves (GA versions)."""
    served = set()
    for api_version, kind in served_builtins(builtin_definitions(major, minor)):
        version = api_version.rpartition("/")[2]
        if not _PRERELEASE.match(version) and not kind.endswith("List"):
            served.add((api_version, kind))
    return frozenset(served)
