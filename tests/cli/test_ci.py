"""mgctl ci source: writes the source repository's workflows through the render writer
(atomic, hand edits refused), names what it wrote, errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mgctl.cli.main import app

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "mg" / "platform.yaml"
runner = CliRunner()


def test_writes_then_leaves_alone(tmp_path: Path) -> None:
    repo = tmp_path / "mg-central"
    first = runner.invoke(app, ["ci", "source", "-c", str(EXAMPLE), "-o", str(repo)])
    assert first.exit_code == 0, first.output
    assert (repo / ".github/workflows/build-service.yml").is_file()
    assert (repo / ".github/workflows/build-frontend.yml").is_file()
    assert "3 services" in first.stdout  # the auth-service is mgctl's (built by its release)
    again = runner.invoke(app, ["ci", "source", "-c", str(EXAMPLE), "-o", str(repo),
                                "--output", "json"])  # fmt: skip
    assert again.exit_code == 0
    result = json.loads(again.stdout)
    assert result["written"] == [] and len(result["unchanged"]) == 4


def test_keeps_the_teams_files_and_refuses_hand_edits(tmp_path: Path) -> None:
    repo = tmp_path / "mg-central"
    (repo / "services" / "engine").mkdir(parents=True)
    (repo / "services" / "engine" / "Dockerfile").write_text("FROM scratch\n")
    assert runner.invoke(app, ["ci", "source", "-c", str(EXAMPLE), "-o", str(repo)]).exit_code == 0
    assert (repo / "services" / "engine" / "Dockerfile").read_text() == "FROM scratch\n"
    caller = repo / ".github/workflows/build-engine.yml"
    caller.write_text(caller.read_text() + "# edited\n")
    refused = runner.invoke(app, ["ci", "source", "-c", str(EXAMPLE), "-o", str(repo)])
    assert refused.exit_code == 2
    assert "build-engine.yml" in refused.stderr
    forced = runner.invoke(app, ["ci", "source", "-c", str(EXAMPLE), "-o", str(repo), "--force"])
    assert forced.exit_code == 0
    assert "# edited" not in caller.read_text()


def test_nothing_to_build_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "platform.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("    build: { context: frontend }", "    build: null")
    for name in ("engine", "broker"):
        text = text.replace(f"  - name: {name}\n", f"  - name: {name}\n    build: null\n", 1)
    config.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["ci", "source", "-c", str(config), "-o", str(tmp_path / "r"),
                                 "--output", "json"])  # fmt: skip
    assert result.exit_code == 2
    assert "no service has a `build` section" in json.loads(result.stdout)["error"]["message"]
    assert not (tmp_path / "r").exists()
