"""Generated YAML means the same to Helm as to mgctl: every string survives a round trip
through the real helm binary (values.yaml -> .Values -> toJson), look-alikes included."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgctl.render.filemap import to_yaml, yaml11_ambiguous
from mgctl.tools.binaries import find

# What YAML 1.1 (Helm's go-yaml v2) or YAML 1.2 would read as a boolean, null, number,
# timestamp or merge key when written plain.
LOOKALIKES = [
    *[
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
    ],
    *["~", "null", "Null", "NULL", ".inf", ".Inf", "-.inf", "+.INF", ".nan", ".NaN", "<<", "="],
    *[
        "0",
        "1",
        "-1",
        "+1",
        "010",
        "08",
        "0o17",
        "0O17",
        "0x1F",
        "0b101",
        "-0b11",
        "1_000",
        "1__",
        "12e3",
        "1e3",
        "1E3",
        "1e+3",
        "-1.5e-3",
    ],
    *[
        "1.",
        ".5",
        "1.0",
        "+.5",
        "1:20",
        "-1:20:30",
        "190:20:30.15",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
    ],
    "2001-12-14 21:59:43.10",
    "2001-1-2",
    "99999999999999999999",
    "",
    " ",
    "-",
    "- x",
    "a: b",
    "#x",
    "x #y",
    "@x",
    "`x",
    "!x",
    "&x",
    "*x",
    "%x",
    "|",
    ">",
    "'",
    '"',
    "\\",
    "\t",
    "a\nb",
    "a\n",
    "\n",
    "trailing ",
    " leading",
    "ünïcode ✓",
    "\x85",
    "\u2028",
    "\ufeff",
    "a" * 150 + " " + "b" * 150,
]
CHART_YAML = "apiVersion: v2\nname: roundtrip\nversion: 0.1.0\n"
TEMPLATE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: roundtrip\n"
    "data:\n  values: {{ toJson .Values | quote }}\n"
)


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("roundtrip")
    (root / "templates").mkdir()
    (root / "Chart.yaml").write_text(CHART_YAML, encoding="utf-8")
    (root / "templates" / "values.yaml").write_text(TEMPLATE, encoding="utf-8")
    return root


def helm_values(chart: Path, values: dict[str, Any]) -> Any:
    """What helm's .Values holds after reading `values` as mgctl writes them."""
    (chart / "values.yaml").write_text(to_yaml(values), encoding="utf-8")
    done = subprocess.run(
        [str(find("helm")), "template", "roundtrip", str(chart)],
        capture_output=True,
        text=True,
        check=True,
    )
    config_map = yaml.safe_load(done.stdout)
    return json.loads(config_map["data"]["values"])


def _as_values(strings: list[str]) -> dict[str, Any]:
    return {
        "asValues": {f"k{i}": s for i, s in enumerate(strings)},
        "asKeys": {s: "x" for s in strings},
        "asList": strings,
        "nested": [{"name": s, "value": s} for s in strings[:20]],
    }


def test_lookalikes_survive_helm(chart: Path) -> None:
    values = _as_values(LOOKALIKES)
    assert helm_values(chart, values) == values


def test_lookalikes_are_quoted() -> None:
    text = to_yaml({"v": [s for s in LOOKALIKES if yaml11_ambiguous(s)]})
    for line in text.splitlines()[1:]:
        assert line.startswith(("- '", '- "')), line


_CHARACTERS = st.characters(codec="utf-8", exclude_categories=["Cs"])
_TOKENS = (
    st.sampled_from(LOOKALIKES)
    | st.text(_CHARACTERS, max_size=12)
    | st.from_regex(r"[-+0-9.eE_:xXoObB ]{1,10}", fullmatch=True)
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, min_size=40, max_size=120, unique=True))
def test_generated_strings_survive_helm(chart: Path, strings: list[str]) -> None:
    values = _as_values(strings)
    assert helm_values(chart, values) == values


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOKENS, max_size=30))
def test_generated_strings_survive_pyyaml(strings: list[str]) -> None:
    values = _as_values(strings)
    assert yaml.safe_load(to_yaml(values)) == values
