"""How much of the config's validation the editor schema (`mgctl schema`) carries: every
invalid fixture of the corpus goes through the real check-jsonschema with the exported schema.
The fixtures it does not reject must be exactly the documented exceptions in
docs/config-rules.md, and the figure there must be the measured one."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mgctl.config.schema import platform_schema_json
from mgctl.config.yaml_input import InputRefused, compose_and_load

ROOT = Path(__file__).parents[2]
INVALID = sorted((Path(__file__).parent / "fixtures" / "invalid").glob("*.yaml"))
VALID = sorted((Path(__file__).parent / "fixtures" / "valid").glob("*.yaml"))
DOC = ROOT / "docs" / "config-rules.md"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"  # extra test-tools
EXCEPTION_ROW = re.compile(r"^\| `([\w.-]+\.yaml)` \| (accepts|hangs|crashes) \|")
FIGURE = re.compile(r"\*\*(\d+) of (\d+)\*\* invalid fixtures")


def _check(schema: Path, files: list[Path], timeout: float) -> str | dict[str, object]:
    try:
        done = subprocess.run(
            [str(CHECK_JSONSCHEMA), "--schemafile", str(schema), "-o", "JSON", *map(str, files)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "hangs"
    try:
        report: dict[str, object] = json.loads(done.stdout)
    except ValueError:
        return "crashes"
    return report


def _rejected(report: dict[str, object]) -> set[str]:
    entries = [*report.get("errors", []), *report.get("parse_errors", [])]  # type: ignore[misc]
    return {Path(e["filename"]).name for e in entries}


def _yaml_is_sound(path: Path) -> bool:
    try:
        compose_and_load(path.read_bytes())
    except InputRefused:
        return False
    return True


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "platform.schema.json"
    path.write_text(platform_schema_json(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def outcome(schema: Path) -> dict[str, str]:
    """fixture name -> rejects | accepts | hangs | crashes."""
    result: dict[str, str] = {}
    batch = [p for p in INVALID if _yaml_is_sound(p)]
    report = _check(schema, batch, timeout=120)
    assert isinstance(report, dict), f"check-jsonschema {report} on the corpus"
    rejected = _rejected(report)
    result.update({p.name: "rejects" if p.name in rejected else "accepts" for p in batch})
    for path in INVALID:
        if path in batch:
            continue
        single = _check(schema, [path], timeout=10)  # one by one: these may hang or crash it
        if isinstance(single, str):
            result[path.name] = single
        else:
            result[path.name] = "rejects" if path.name in _rejected(single) else "accepts"
    return result


def test_valid_configs_pass_the_schema(schema: Path) -> None:
    report = _check(schema, [ROOT / "examples" / "mg" / "platform.yaml", *VALID], timeout=60)
    assert isinstance(report, dict) and report["status"] == "ok", report


def test_the_documented_exceptions_are_exactly_the_fixtures_the_schema_lets_through(
    outcome: dict[str, str],
) -> None:
    documented = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = EXCEPTION_ROW.match(line)
        if match:
            documented[match.group(1)] = match.group(2)
    measured = {name: how for name, how in outcome.items() if how != "rejects"}
    assert measured == documented, "update the table in docs/config-rules.md"


def test_the_documented_figure_is_the_measured_one(outcome: dict[str, str]) -> None:
    figure = FIGURE.search(DOC.read_text(encoding="utf-8"))
    assert figure, "docs/config-rules.md states **N of M** invalid fixtures"
    rejected = sum(how == "rejects" for how in outcome.values())
    assert (int(figure.group(1)), int(figure.group(2))) == (rejected, len(outcome))
