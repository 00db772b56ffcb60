"""platform.yaml `components.<name>`: which components are on, and their overrides."""

from __future__ import annotations

import dataclasses

from mgctl.catalog import ChartRef
from mgctl.config.platform import Platform
from mgctl.render.infra.component import Component
from mgctl.render.merge import deep_merge


def enabled_components(platform: Platform, built: list[Component]) -> list[Component]:
    """A module's components as platform.yaml `components` wants them: a disabled chart
    component is gone, with the chart-less companions of its module (its secrets, its config)
    once no chart of the module is left; `version` and `values` overrides applied."""
    charts = [c for c in built if c.chart is not None]
    kept_charts = [c for c in charts if platform.component_enabled(c.name)]
    out = []
    for component in built:
        if component.chart is None:
            if charts and not kept_charts:
                continue
            out.append(component)
        elif platform.component_enabled(component.name):
            out.append(_overridden(platform, component))
    return out


def _overridden(platform: Platform, component: Component) -> Component:
    override = platform.component(component.name)
    assert component.chart is not None
    chart = component.chart
    if override.version is not None:
        chart = ChartRef(chart.repo_url, chart.chart, override.version)
    values = deep_merge(component.values or {}, override.values)
    return dataclasses.replace(component, chart=chart, values=values)
