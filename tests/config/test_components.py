"""The table of platform components (config/tables/components.yaml) is the render's: every
chart component the example renders is listed with its catalog key, nothing else is, and
what a component needs names components that exist."""

from __future__ import annotations

from pathlib import Path

from mgctl import catalog
from mgctl.config import load_platform
from mgctl.config.components import table
from mgctl.render.infra.repository import collect_components

EXAMPLE = Path(__file__).parents[2] / "examples" / "mg" / "platform.yaml"


def test_the_table_lists_exactly_the_chart_components_with_their_pins() -> None:
    rendered = {
        component.name: component.chart
        for _, component in collect_components(load_platform(EXAMPLE))
        if component.chart is not None
    }
    assert set(rendered) == set(table())
    for name, chart in rendered.items():
        assert chart == catalog.chart(table()[name].chart_key).ref, name


def test_needs_name_components() -> None:
    for name, info in table().items():
        assert set(info.needs) <= set(table()) - {name}, name


def test_the_auth_service_pin_is_the_release_of_this_mgctl() -> None:
    """release.yml publishes the auth-service image at the mgctl version's tag."""
    import tomllib

    pyproject = tomllib.loads((EXAMPLE.parents[2] / "pyproject.toml").read_text())
    assert catalog.image("auth-service").tag == f"v{pyproject['project']['version']}"
