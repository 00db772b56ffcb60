"""A chart cache the user names must exist: a mistyped --charts or $MGCTL_CHARTS is a usage
error (exit 2, the path and the fix), not a finding for every chart the platform pins."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgctl.cli.main import app

runner = CliRunner()


def commands(rendered: Path, tmp_path: Path) -> dict[str, list[str]]:
    return {
        "validate": ["validate", str(rendered)],
        "apps render": ["apps", "render", str(rendered), "-o", str(tmp_path / "apps")],
        "diff": ["diff", str(rendered), str(rendered)],
    }


@pytest.mark.parametrize("command", ["validate", "apps render", "diff"])
def test_a_named_chart_cache_that_is_not_a_directory_is_exit_2(
    rendered: Path, tmp_path: Path, command: str
) -> None:
    typo = tmp_path / "chrats"
    result = runner.invoke(app, [*commands(rendered, tmp_path)[command], "--charts", str(typo)])
    assert result.exit_code == 2, result.output
    assert f"the chart cache {typo} is not a directory" in result.stderr
    assert "mgctl charts fetch" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "apps").exists()  # nothing half-written


def test_the_same_for_the_environment_variable(
    rendered: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MGCTL_CHARTS", str(tmp_path / "nope"))
    result = runner.invoke(app, commands(rendered, tmp_path)["validate"])
    assert result.exit_code == 2
    assert f"the chart cache {tmp_path / 'nope'} is not a directory" in result.stderr


def test_a_file_is_not_a_chart_cache(rendered: Path, tmp_path: Path) -> None:
    file = tmp_path / "charts.tgz"
    file.write_bytes(b"")
    result = runner.invoke(app, [*commands(rendered, tmp_path)["diff"], "--charts", str(file)])
    assert result.exit_code == 2
    assert "is not a directory" in result.stderr
