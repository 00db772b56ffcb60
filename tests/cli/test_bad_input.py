"""Every traceback class of bad input (issue 10) ends in exit 2 and a message naming the
problem, for each command that reads platform.yaml or writes a path."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgctl.cli.main import app

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "config" / "fixtures"
MINIMAL = FIXTURES / "valid" / "minimal.yaml"
INVALID = FIXTURES / "invalid"

# (fixture, the message) for the classes that used to end in a traceback or a wrong exit code
BAD_CONFIGS = [
    ("yaml-not-utf8.yaml", "not UTF-8: byte 0xe9 at byte offset 89"),
    ("yaml-binary.yaml", "binary content (a NUL byte"),
    ("yaml-utf16.yaml", "UTF-16 encoded; save it as UTF-8"),
    ("yaml-alias-bomb.yaml", "aliases expand this document to more than 100,000 nodes"),
    ("yaml-duplicate-key.yaml", "duplicate key 'tls' (line 9 repeats line 8)"),
    ("yaml-deep-nesting.yaml", "nested more than 64 levels deep"),
    ("cron-not-cron.yaml", "'every night' has 2 field(s)"),
    ("velero-six-field-cron.yaml", "did you mean '0 3 * * *'?"),
]


def _repositories(tmp: Path) -> str:
    """A directory validate accepts as a render output (it reads the config after that)."""
    for repo in ("mg-deploy", "mg-infrastructure"):
        (tmp / "tree" / repo).mkdir(parents=True, exist_ok=True)
    return str(tmp / "tree")


# Each command that reads -c, with arguments that would otherwise get it going.
COMMANDS = {
    "render": lambda config, tmp: ["render", "-c", config, "-o", str(tmp / "out")],
    "validate": lambda config, tmp: ["validate", _repositories(tmp), "-c", config],
    "bootstrap": lambda config, tmp: ["bootstrap", "--dry-run", "-c", config],
    "doctor": lambda config, tmp: ["doctor", "-c", config],
    "dr status": lambda config, tmp: ["dr", "status", "-c", config],
    "dr restore-plan": lambda config, tmp: [
        "dr",
        "restore-plan",
        "db",
        "--to",
        "2026-01-01",
        "-c",
        config,
    ],
    "dr drill": lambda config, tmp: ["dr", "drill", "postgres", "-c", config],
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback: {result.exception!r}"
    )
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize(("fixture", "message"), BAD_CONFIGS, ids=[f for f, _ in BAD_CONFIGS])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_bad_config_is_exit_2_with_the_reason(
    command: str, fixture: str, message: str, tmp_path: Path
) -> None:
    code, output = run(*COMMANDS[command](str(INVALID / fixture), tmp_path))
    assert code == 2
    assert message in output and fixture in output


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_missing_config_or_a_directory_is_exit_2(command: str, tmp_path: Path) -> None:
    code, output = run(*COMMANDS[command](str(tmp_path / "absent.yaml"), tmp_path))
    assert code == 2 and "cannot read the file: No such file or directory" in output
    code, output = run(*COMMANDS[command](str(tmp_path), tmp_path))
    assert code == 2 and "cannot read the file: Is a directory" in output


def test_render_into_a_file_is_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    code, output = run("render", "-c", str(MINIMAL), "-o", str(target))
    assert code == 2 and "is a file; -o takes a directory" in output
    assert target.read_text() == "x"


def test_render_where_a_repository_is_a_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "mg-deploy").write_text("x")
    code, output = run("render", "-c", str(MINIMAL), "-o", str(tmp_path))
    assert code == 2 and "nothing was changed in any repository" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mg-deploy"]


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody may write to, root included (chattr +i when running as root)."""
    path = tmp_path / "read-only"
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(path)], check=False).returncode != 0:
        pytest.skip("running as root where chattr +i is not permitted")
    yield path
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=False)
    path.chmod(0o755)


def test_render_into_a_read_only_directory_is_exit_2(read_only_dir: Path) -> None:
    code, output = run("render", "-c", str(MINIMAL), "-o", str(read_only_dir))
    assert code == 2 and "no permission to create mg-deploy" in output
    assert not any(read_only_dir.iterdir())
    code, output = run("render", "-c", str(MINIMAL), "-o", str(read_only_dir / "sub"))
    assert code == 2 and "cannot create" in output


def test_schema_into_a_read_only_directory_is_exit_2(read_only_dir: Path) -> None:
    code, output = run("schema", "-o", str(read_only_dir / "schema.json"))
    assert code == 2 and "schema.json" in output


def test_validate_a_file_or_nothing_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    for target in (tmp_path / "a-file", tmp_path / "absent"):
        code, output = run("validate", str(target))
        assert code == 2 and "is not a directory" in output


def test_bootstrap_from_a_directory_that_is_no_render_is_exit_2(tmp_path: Path) -> None:
    code, output = run("bootstrap", "--dry-run", "-c", str(MINIMAL), "-o", str(tmp_path))
    assert code == 2 and "root.yaml not found" in output
