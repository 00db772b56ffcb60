"""What a new user sees: JSON errors with --output json, whole lines when piped, tidy help
texts (no `<bool>`, `<list[Path]>` or `{out}`), help for every --output, no plural slips."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperOption
from typer.main import get_command
from typer.testing import CliRunner

from mgctl.cli.common import plural
from mgctl.cli.main import app

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "mg" / "platform.yaml"
runner = CliRunner()


def _commands(typer_app: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [(*prefix, info.name or "") for info in typer_app.registered_commands]
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            found += _commands(group.typer_instance, (*prefix, group.name or ""))
    return found


def _callbacks(typer_app: typer.Typer) -> list[object]:
    found: list[object] = [info.callback for info in typer_app.registered_commands]
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            found += _callbacks(group.typer_instance)
    return found


def test_every_command_with_output_emits_json_errors() -> None:
    wrapped = [c for c in _callbacks(app) if "output" in inspect.signature(c).parameters]  # type: ignore[arg-type]
    assert len(wrapped) >= 8
    assert all(hasattr(c, "__wrapped__") for c in wrapped)


def test_config_error_as_json(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["render", "-c", str(missing), "-o", str(tmp_path / "out"),
                                 "--output", "json"])  # fmt: skip
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["exitCode"] == 2
    assert str(missing) in error["message"] and "cannot read the file" in error["message"]
    assert "is not a valid platform config" in result.stderr  # people still see it


def test_usage_error_as_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "absent"), "--output", "json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["exitCode"] == 2


def test_results_are_not_wrapped_in_an_error(tmp_path: Path) -> None:
    """A failing command that printed its JSON result keeps just that (one document)."""
    result = runner.invoke(
        app,
        ["schemas", "fetch", "--dest", str(tmp_path), "--base-url",
         "http://mgctl-test.invalid", "--output", "json"],
    )  # fmt: skip
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert "error" not in document and document["failed"]


def test_success_unchanged(tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", "-c", str(EXAMPLE), "-o", str(tmp_path),
                                 "--output", "json"])  # fmt: skip
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)) == {
        "written", "unchanged", "removed", "repaired", "removedDatabases", "notes",
    }  # fmt: skip


def test_piped_output_is_never_hard_wrapped() -> None:
    """Through a pipe (not a terminal) each line is whole, whatever its length."""
    proc = subprocess.run(
        [sys.executable, "-m", "mgctl.cli.main", "schemas", "list"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},  # no COLUMNS, no terminal
    )
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) > 80
    assert all(line.rstrip().endswith(("file)", "files)")) for line in lines)


@pytest.mark.parametrize("command", _commands(app), ids=" ".join)
def test_help_texts(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "<list[" not in result.output
    usage = next(line for line in result.output.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage
    click_command = get_command(app)
    for name in command:
        click_command = click_command.commands[name]  # type: ignore[attr-defined]
    for param in click_command.params:
        if "--output" in getattr(param, "opts", []):
            assert isinstance(param, TyperOption), param
            assert param.help, f"{' '.join(command)} --output has no help"


def test_help_shapes() -> None:
    result = runner.invoke(app, ["validate", "--help"], env={"COLUMNS": "200"})
    assert "Usage: mgctl validate [OPTIONS] OUT" in result.output
    assert "<path>..." in result.output  # --schemas, repeatable
    result = runner.invoke(app, ["dr", "restore-plan", "--help"], env={"COLUMNS": "200"})
    assert "Usage: mgctl dr restore-plan [OPTIONS] DATABASE" in result.output


def test_plural() -> None:
    assert plural(1, "check") == "1 check"
    assert plural(2, "check") == "2 checks"
    assert plural(0, "file") == "0 files"
    assert plural(1, "warning") == "1 warning"


def test_schemas_list_counts_files() -> None:
    result = runner.invoke(app, ["schemas", "list"])
    assert "(1 files)" not in result.stdout
    assert "(1 file)" in result.stdout
