"""The catalog's pins agree with the upstream CRDs and chart schemas kept in ../shared."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from mgctl.catalog import CATALOG, chart_repositories
from mgctl.render.infra.repository import collect_components
from mgctl.validate.manifests import load_yaml_documents

from .helpers import SHARED, example_platform

EXACT = re.compile(r"^v?\d+\.\d+\.\d+$")


@cache
def crd_kinds(crd_dir: str) -> frozenset[str]:
    kinds = set()
    for path in sorted((SHARED / "crds" / crd_dir).glob("*.yaml")):
        for doc in load_yaml_documents(path.read_text(encoding="utf-8"), str(path)):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                spec = doc["spec"]
                kinds.add(f"{spec['group']}/{spec['names']['kind']}")
    return frozenset(kinds)


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_entry_is_pinned_and_its_crds_exist(key: str) -> None:
    entry = CATALOG[key]
    assert EXACT.match(entry.version), entry.version
    if entry.crd_dir is not None:
        assert crd_kinds(entry.crd_dir), f"no CRDs in {SHARED / 'crds' / entry.crd_dir}"


def test_chart_schemas_in_shared_match_pinned_versions() -> None:
    """A values.schema.json kept for a chart we pin is for the pinned version."""
    charts = {e.chart: e.version for e in CATALOG.values() if e.kind == "chart"}
    for schema_dir in sorted((SHARED / "chart-schemas").iterdir()):
        # chart-schemas/loki is the old grafana/loki chart (7.3.0); the pinned chart is
        # grafana-community's loki 18.x, which publishes no schema there
        if schema_dir.name in charts and schema_dir.name != "loki":
            versions = [p.name for p in schema_dir.iterdir()]
            assert charts[schema_dir.name] in versions, (schema_dir.name, versions)


def test_provided_crds_exist_upstream() -> None:
    """Every `provides_crds` entry is a CRD the pinned release really ships."""
    by_location = {(e.repo_url, e.chart): e for e in CATALOG.values() if e.kind == "chart"}
    for _, component in collect_components(example_platform()):
        if component.chart is None or not component.provides_crds:
            continue
        entry = by_location[(component.chart.repo_url, component.chart.chart)]
        assert entry.crd_dir is not None, component.name
        missing = set(component.provides_crds) - crd_kinds(entry.crd_dir)
        assert not missing, (component.name, sorted(missing))


def test_every_chart_comes_from_the_catalog() -> None:
    pinned = {(e.repo_url, e.chart, e.version) for e in CATALOG.values()}
    for _, component in collect_components(example_platform()):
        if component.chart is not None:
            ref = component.chart
            assert (ref.repo_url, ref.chart, ref.version) in pinned, component.name
    assert "oci://quay.io/strimzi-helm" in chart_repositories()


def test_image_entries_are_not_charts() -> None:
    plugin = CATALOG["velero-plugin-for-aws"]
    assert plugin.image == "docker.io/velero/velero-plugin-for-aws:v1.14.0"
    with pytest.raises(ValueError, match="is an image"):
        _ = plugin.ref


def test_shared_data_present() -> None:
    assert Path(SHARED / "crds").is_dir() and Path(SHARED / "chart-schemas").is_dir()
