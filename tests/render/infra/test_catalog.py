"""The catalog's pins: exact, present in the chart cache (../shared/charts) with their digests,
and in agreement with the upstream CRDs and chart schemas kept in ../shared."""

from __future__ import annotations

import re

import pytest

from mgctl import catalog
from mgctl.charts.archive import ChartArchive
from mgctl.charts.cache import ChartCache, check_archive
from mgctl.charts.digest import content_digest, sha256_file
from mgctl.render.infra.repository import collect_components

from .helpers import SHARED, example_platform

EXACT = re.compile(r"^v?\d+\.\d+\.\d+$")
CACHE = ChartCache(SHARED / "charts")


@pytest.mark.parametrize("key", sorted(catalog.charts()))
def test_pin_is_exact_and_in_the_cache_with_both_digests(key: str) -> None:
    pin = catalog.chart(key)
    assert EXACT.match(pin.version), pin.version
    path = CACHE.path(pin)
    assert sha256_file(path) == pin.sha256
    assert content_digest(path) == pin.content
    assert check_archive(path, pin).by == "sha256"
    chart = ChartArchive(path).top
    assert (chart.name, chart.version) == (pin.chart, pin.version)
    if pin.crd_dir is not None:
        assert sorted((SHARED / "crds" / pin.crd_dir).glob("*.yaml")), pin.crd_dir


def test_image_tag_overrides_are_newer_than_the_chart_and_say_why() -> None:
    overridden = [pin for pin in catalog.charts().values() if pin.image_tag]
    assert [pin.key for pin in overridden] == ["traefik"]
    for pin in overridden:
        assert pin.image_tag_reason
        app = ChartArchive(CACHE.path(pin)).app_version
        assert app != pin.image_tag, f"{pin.key}: the chart already runs {app}"


def test_chart_schemas_in_shared_match_pinned_versions() -> None:
    """A values.schema.json kept for a chart we pin is for the pinned version."""
    charts = {pin.chart: pin.version for pin in catalog.charts().values()}
    for schema_dir in sorted((SHARED / "chart-schemas").iterdir()):
        # chart-schemas/loki is the old grafana/loki chart (7.3.0); the pinned chart is
        # grafana-community's loki 18.x, which publishes no schema there
        if schema_dir.name in charts and schema_dir.name != "loki":
            versions = [p.name for p in schema_dir.iterdir()]
            assert charts[schema_dir.name] in versions, (schema_dir.name, versions)


def test_every_chart_comes_from_the_catalog() -> None:
    pinned = {pin.ref for pin in catalog.charts().values()}
    for _, component in collect_components(example_platform()):
        if component.chart is not None:
            assert component.chart in pinned, component.name
    assert "oci://quay.io/strimzi-helm" in catalog.chart_repositories()


def test_image_pins() -> None:
    plugin = catalog.image("velero-plugin-for-aws")
    assert plugin.image == "docker.io/velero/velero-plugin-for-aws:v1.14.0"
