"""Property: any subset of values keys (top level and one level down) renders or fails by name."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import build_service_chart, check_objects, full_values, render, render_error

FULL = full_values()
OPTIONAL_KEYS = sorted(k for k in FULL if k != "image")


@st.composite
def value_subsets(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {"image": FULL["image"]}
    for key in draw(st.lists(st.sampled_from(OPTIONAL_KEYS), unique=True)):
        value = FULL[key]
        if isinstance(value, dict) and value:
            subkeys = draw(st.lists(st.sampled_from(sorted(value)), unique=True))
            value = {sub: value[sub] for sub in subkeys}
        values[key] = value
    return values


def _expected_failure(values: dict[str, Any]) -> str | None:
    secret = values.get("externalSecret") or {}
    if secret.get("enabled") and not secret.get("keys"):
        return "mg-library: values.externalSecret.keys must list at least one"
    ingress = values.get("ingress") or {}
    if ingress.get("enabled") and not ingress.get("host"):
        return "mg-library: values.ingress.host is required"
    return None


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(values=value_subsets())
def test_any_subset_of_values_renders(values: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        chart = build_service_chart(Path(tmp), "svc", values)
        expected = _expected_failure(values)
        if expected:
            assert expected in render_error(chart)
        else:
            check_objects(render(chart))
