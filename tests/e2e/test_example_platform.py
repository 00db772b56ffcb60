"""The bundled example, end to end through the CLI: render, then validate with zero findings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SHARED_CHARTS = ROOT.parent / "shared" / "charts"
EXAMPLE = ROOT / "examples" / "mg" / "platform.yaml"
MGCTL = [sys.executable, "-m", "mgctl.cli.main"]

pytestmark = pytest.mark.xdist_group("example-e2e")


def _mgctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MGCTL, *args], capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example")
    result = _mgctl("render", "-c", str(EXAMPLE), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_example_validates_with_zero_findings(rendered: Path) -> None:
    result = _mgctl(
        "validate",
        str(rendered),
        "-c",
        str(EXAMPLE),
        "--charts",
        str(SHARED_CHARTS),
        "--output",
        "json",
    )
    report = json.loads(result.stdout)
    assert report["findings"] == [], result.stdout
    assert result.returncode == 0
    units = {u["name"] for u in report["units"]}
    assert {"bootstrap", "app root", "app traefik", "app cert-manager"} <= units
    assert {f"app {s}" for s in ("engine", "broker", "frontend", "auth-service")} <= units
    assert sum(u["objects"] for u in report["units"]) > 600


def test_a_broken_edit_is_found_and_exits_1(rendered: Path, tmp_path: Path) -> None:
    broken = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(rendered), str(broken)], check=True)
    values = broken / "mg-deploy" / "services" / "engine" / "values.yaml"
    values.write_text(values.read_text().replace("tag: v1.0.0", "tag: latest"))
    result = _mgctl("validate", str(broken), "--charts", str(SHARED_CHARTS), "--output", "json")
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    assert any("latest" in f["message"] for f in findings)


def test_config_errors_exit_2_and_write_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "platform.yaml"
    bad.write_text(EXAMPLE.read_text().replace("replicas: 1\n  storage", "replicaz: 1\n  storage"))
    out = tmp_path / "out"
    result = _mgctl("render", "-c", str(bad), "-o", str(out))
    assert result.returncode == 2
    assert "unknown key 'replicaz'; did you mean 'replicas'?" in result.stderr
    assert not out.exists()
