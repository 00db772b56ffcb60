"""A render killed (SIGKILL) or interrupted (Ctrl-C) at any phase of the writer's transaction
is repaired by the next plain `mgctl render`: the result equals a clean render byte for byte.

Each case runs the real CLI in a subprocess that kills itself at a named phase of
mgctl.render.writer (MGCTL_WRITER_KILL_AT), then reruns it plainly."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mgctl.render.writer import JOURNAL, KILL_AT_ENV, KILL_SIGNAL_ENV, PHASES, STATE_FILE

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "mg" / "platform.yaml"
REPOS = ("mg-deploy", "mg-infrastructure")
# Per-file phases are also hit in the middle and at the end of their run.
CASES = [
    *[(phase, 1) for phase in PHASES],
    ("staged-file", 6),
    ("installed-file", 2),
    ("installed-file", 9),
    ("removed-file", 7),
    ("removed-file", 14),
    ("repo-created", 2),
]


def _configs(tmp: Path) -> tuple[Path, Path]:
    """`before`: the example plus a service and other values; `after`: the example."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["services"].append(
        {"name": "old-api", "image": {"repository": "acme/old-api", "tag": "v1.0.0"}}
    )
    data["services"][0]["replicas"] = 2
    data["kafka"]["topics"].append({"name": "old-topic"})
    before = tmp / "before.yaml"
    before.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return before, EXAMPLE


def mgctl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mgctl.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def tree(root: Path) -> dict[str, str]:
    """Every file and directory under root (hidden ones included) -> content hash."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
    return out


def assert_record_consistent(out: Path) -> None:
    for repo in REPOS:
        state = json.loads((out / repo / STATE_FILE).read_text(encoding="utf-8"))["files"]
        on_disk = {
            str(p.relative_to(out / repo)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (out / repo).rglob("*")
            if p.is_file() and str(p.relative_to(out / repo)) != STATE_FILE
        }
        assert state == on_disk, f"{repo}: rendered.json disagrees with the files"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("scenario")
    before, after = _configs(tmp)
    assert mgctl("render", "-c", str(before), "-o", str(tmp / "base")).returncode == 0
    clean = tmp / "clean"
    shutil.copytree(tmp / "base", clean)
    assert mgctl("render", "-c", str(after), "-o", str(clean)).returncode == 0
    fresh = tmp / "fresh"
    assert mgctl("render", "-c", str(after), "-o", str(fresh)).returncode == 0
    return {"before": before, "after": after, "base": tmp / "base", "clean": clean, "fresh": fresh}


def _killed_then_rerun(
    scenario: dict[str, Path], out: Path, phase: str, nth: int, reached: bool = True
) -> None:
    config = str(scenario["after"])
    killed = mgctl("render", "-c", config, "-o", str(out), env={KILL_AT_ENV: f"{phase}:{nth}"})
    assert killed.returncode == (-signal.SIGKILL if reached else 0), killed.stderr
    rerun = mgctl("render", "-c", config, "-o", str(out))
    assert rerun.returncode == 0, rerun.stderr
    assert "edited by hand" not in rerun.stderr


@pytest.mark.parametrize(("phase", "nth"), CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_killed_over_an_existing_render(
    scenario: dict[str, Path], tmp_path: Path, phase: str, nth: int
) -> None:
    out = tmp_path / "out"
    shutil.copytree(scenario["base"], out)
    _killed_then_rerun(scenario, out, phase, nth, reached=phase != "repo-created")
    assert tree(out) == tree(scenario["clean"])
    assert_record_consistent(out)
    assert not (out / "mg-deploy" / "services" / "old-api").exists()


@pytest.mark.parametrize(
    ("phase", "nth"),
    [("staged-file", 1), ("committed", 1), ("repo-created", 1), ("repo-created", 2)],
)
def test_killed_while_creating_the_repositories(
    scenario: dict[str, Path], tmp_path: Path, phase: str, nth: int
) -> None:
    out = tmp_path / "out"
    _killed_then_rerun(scenario, out, phase, nth)
    assert tree(out) == tree(scenario["fresh"])


def test_a_kill_inside_the_repair_is_repaired_too(
    scenario: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(scenario["base"], out)
    config = str(scenario["after"])
    first = mgctl("render", "-c", config, "-o", str(out), env={KILL_AT_ENV: "installed-file:3"})
    assert first.returncode == -signal.SIGKILL
    second = mgctl("render", "-c", config, "-o", str(out), env={KILL_AT_ENV: "installed-file:3"})
    assert second.returncode == -signal.SIGKILL  # killed again, this time while repairing
    assert mgctl("render", "-c", config, "-o", str(out)).returncode == 0
    assert tree(out) == tree(scenario["clean"])


def test_ctrl_c_before_the_commit_point_changes_nothing(
    scenario: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(scenario["base"], out)
    before = tree(out)
    env = {KILL_AT_ENV: "staged-file:10", KILL_SIGNAL_ENV: "INT"}
    done = mgctl("render", "-c", str(scenario["after"]), "-o", str(out), env=env)
    assert done.returncode == 130
    assert "interrupted before any file changed" in done.stderr
    assert tree(out) == before, "no staging left behind, no repository touched"


def test_ctrl_c_after_the_commit_point_says_what_it_left(
    scenario: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(scenario["base"], out)
    env = {KILL_AT_ENV: "installed-file:5", KILL_SIGNAL_ENV: "INT"}
    done = mgctl("render", "-c", str(scenario["after"]), "-o", str(out), env=env)
    assert done.returncode == 130
    assert str(out / JOURNAL) in done.stderr
    assert "files moved in" in done.stderr and "re-run `mgctl render`" in done.stderr
    rerun = mgctl("render", "-c", str(scenario["after"]), "-o", str(out))
    assert rerun.returncode == 0 and "repaired: finished the interrupted render" in rerun.stderr
    assert tree(out) == tree(scenario["clean"])


@pytest.fixture
def unwritable() -> Iterator[list[Path]]:
    """Directories made unwritable even for root (chattr +i), restored afterwards."""
    made: list[Path] = []
    yield made
    for path in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        else:
            path.chmod(0o755)


def _make_unwritable(path: Path, made: list[Path]) -> None:
    if os.geteuid() != 0:
        path.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(path)], check=False).returncode != 0:
        pytest.skip("running as root where chattr +i is not permitted")
    made.append(path)


def test_if_one_repository_cannot_be_written_neither_changes(
    scenario: dict[str, Path], tmp_path: Path, unwritable: list[Path]
) -> None:
    out = tmp_path / "out"
    shutil.copytree(scenario["base"], out)
    before = tree(out)
    _make_unwritable(out / "mg-infrastructure" / "base" / "strimzi" / "manifests", unwritable)
    done = mgctl("render", "-c", str(scenario["after"]), "-o", str(out))
    assert done.returncode == 2
    assert "nothing was changed in any repository" in done.stderr
    assert "no permission to write" in done.stderr
    assert tree(out) == before


def test_a_file_where_a_repository_belongs_changes_nothing(
    scenario: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(scenario["base"], out)
    shutil.rmtree(out / "mg-infrastructure")
    (out / "mg-infrastructure").write_text("not a directory\n")
    before = tree(out)
    done = mgctl("render", "-c", str(scenario["after"]), "-o", str(out))
    assert done.returncode == 2 and "is a file; it must be the mg-infrastructure" in done.stderr
    assert tree(out) == before


def test_a_second_render_into_the_same_directory_waits_its_turn(
    scenario: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(scenario["base"], out)
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        done = mgctl("render", "-c", str(scenario["after"]), "-o", str(out))
    finally:
        os.close(fd)
    assert done.returncode == 2 and "another mgctl render is writing here" in done.stderr
