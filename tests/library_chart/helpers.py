"""Test helpers for the mg-library chart: build a service chart, run real helm, check objects.

Checks applied to every rendered object:
- built-in kinds: the Kubernetes 1.35 JSON schema in strict mode (unknown fields are errors);
- custom resources: the pinned upstream CRDs from ../shared/crds, strict;
- pod templates: Pod Security Standards "restricted";
all through the product's own checks (`mgctl.validate.schemas`, `mgctl.validate.pss`), which
tests/validate proves against hand-made violations.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

import yaml

from mgctl.manifests import Manifest
from mgctl.tools import binaries
from mgctl.tools.command import Command, CommandError
from mgctl.validate import pss
from mgctl.validate.schemas import SchemaRegistry

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
LIBRARY_DIR = REPO / "src" / "mgctl" / "render" / "library_chart"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
K8S_VERSION = "1.35"

SERVICE_CHART_YAML = """\
apiVersion: v2
name: {name}
description: test service chart built on mg-library
type: application
version: 0.1.0
{app_version}dependencies:
  - name: mg-library
    version: 1.0.0
    repository: file://../../_library
"""


def helm(*args: str, check: bool = True) -> Any:
    """Run the real helm binary; returns subprocess.CompletedProcess."""
    return Command([str(binaries.find("helm")), *args], timeout=120).run(check=check)


def load_values(fixture: str) -> dict[str, Any]:
    data = yaml.safe_load((FIXTURES / fixture).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def full_values() -> dict[str, Any]:
    """The seed engine values with every library section switched on (tag pinned)."""
    values: dict[str, Any] = yaml.safe_load(
        (FIXTURES / "seed-engine.values.yaml").read_text(encoding="utf-8")
    )
    values["image"]["tag"] = "1.0.0"
    values["autoscaling"]["enabled"] = True
    values["pdb"]["enabled"] = True
    values["ingress"] = {
        "enabled": True,
        "host": "engine.example.com",
        "paths": ["/"],
        "auth": True,
        "middleware": {"name": "auth0-auth", "namespace": "traefik"},
        "entryPoints": ["websecure"],
        "tls": {"enabled": True, "clusterIssuer": "letsencrypt-production"},
    }
    values["networkPolicy"]["egress"] = {"postgres": True, "kafka": True}
    values["sidecars"] = [{"name": "proxy", "image": "busybox:1.37"}]
    values["initContainers"] = [{"name": "init", "image": "busybox:1.37"}]
    return values


def build_service_chart(
    root: Path,
    name: str,
    values: dict[str, Any] | str,
    *,
    app_version: str | None = "1.0.0",
    dependency_build: bool = False,
) -> Path:
    """Lay out <root>/_library and <root>/services/<name> the way the renderer does.

    `values` (a dict, or YAML text kept byte-for-byte) becomes the chart's values.yaml, so both
    `helm lint` and `helm template` see it. The dependency is made available by copying the
    library into charts/mg-library (fast) or by `helm dependency build` (the real file:// path).
    """
    library = root / "_library"
    if not library.exists():
        shutil.copytree(LIBRARY_DIR, library)
    chart = root / "services" / name
    (chart / "templates").mkdir(parents=True)
    version_line = f'appVersion: "{app_version}"\n' if app_version is not None else ""
    (chart / "Chart.yaml").write_text(
        SERVICE_CHART_YAML.format(name=name, app_version=version_line), encoding="utf-8"
    )
    text = values if isinstance(values, str) else yaml.safe_dump(values, sort_keys=False)
    (chart / "values.yaml").write_text(text, encoding="utf-8")
    shutil.copy(LIBRARY_DIR / "values.schema.json", chart / "values.schema.json")
    for template in sorted((LIBRARY_DIR / "service-templates").glob("*.yaml")):
        shutil.copy(template, chart / "templates" / template.name)
    if dependency_build:
        helm("dependency", "build", str(chart))
    else:
        shutil.copytree(library, chart / "charts" / "mg-library")
    return chart


class UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate mapping keys (which PyYAML silently overwrites and
    Kubernetes clients treat differently): a template emitting a key twice is a bug."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise AssertionError(f"duplicate key {key!r} {key_node.start_mark}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def render(chart: Path, *extra: str, namespace: str = "trading") -> list[dict[str, Any]]:
    """`helm template` the chart (release = chart dir name); returns the parsed objects."""
    out = helm("template", chart.name, str(chart), "--namespace", namespace, *extra).stdout
    return [doc for doc in yaml.load_all(out, Loader=UniqueKeyLoader) if doc]


def render_error(chart: Path, *extra: str) -> str:
    """`helm template` expected to fail; returns its stderr."""
    proc = helm("template", chart.name, str(chart), *extra, check=False)
    assert proc.returncode != 0, f"helm template unexpectedly succeeded:\n{proc.stdout}"
    return str(proc.stderr)


def lint(chart: Path) -> str:
    try:
        return str(helm("lint", "--strict", str(chart)).stdout)
    except CommandError as exc:
        raise AssertionError(f"{exc}\n{exc.stdout}") from exc


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(objects, kind)
    assert len(found) == 1, f"expected exactly one {kind}, got {len(found)}"
    return found[0]


# --- schemas and Pod Security: the product's own checks (mgctl.validate) -------------------


@functools.cache
def registry() -> SchemaRegistry:
    """Kubernetes 1.35 (strict) plus the pinned CRDs in ../shared/crds."""
    return SchemaRegistry(K8S_VERSION, [SHARED / "crds"])


def as_manifest(obj: dict[str, Any]) -> Manifest:
    meta = obj.get("metadata") or {}
    return Manifest(
        api_version=str(obj.get("apiVersion", "")),
        kind=str(obj.get("kind", "")),
        name=str(meta.get("name", "")),
        namespace=meta.get("namespace"),
        source="rendered",
        doc_index=0,
        body=obj,
    )


def schema_errors(obj: dict[str, Any]) -> list[str]:
    """Strict schema errors for one object (empty list = valid)."""
    return [str(f) for f in registry().validate(as_manifest(obj))]


def pss_restricted_violations(pod_spec: dict[str, Any]) -> list[str]:
    """Violations of the PSS 'restricted' profile (baseline + restricted controls)."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": pod_spec}
    return [str(f) for f in pss.check_manifest(as_manifest(pod), pss.Level.RESTRICTED)]


def check_objects(objects: list[dict[str, Any]]) -> None:
    """Every object passes strict schemas; every pod template passes PSS restricted."""
    errors: list[str] = []
    for obj in objects:
        errors += schema_errors(obj)
        errors += [str(f) for f in pss.check_manifest(as_manifest(obj), pss.Level.RESTRICTED)]
    assert not errors, "\n".join(errors)


def render_checked(root: Path, values: dict[str, Any] | str, name: str = "svc") -> Any:
    """Build, lint (strict) and render a service chart, then check every object."""
    chart = build_service_chart(root, name, values)
    lint(chart)
    objects = render(chart)
    check_objects(objects)
    return objects
