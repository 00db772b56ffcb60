"""The pull-request workflow of mg-deploy and mg-infrastructure: its shape (least privilege,
pins, the sibling checkout) and its steps run for real: the drift check with the real mgctl
render, the diff step against an `mgctl diff` stand-in per exit code, the sticky comment with
node."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
from pathlib import Path

import pytest

from mgctl import __version__
from mgctl.config.platform import Platform
from mgctl.render.ci import layout
from mgctl.render.ci.pins import action_pins
from mgctl.render.filemap import FileMap
from mgctl.render.platform_render import render_all

from .workflow_steps import load, run_github_script, run_step, step

WORKFLOW = layout.PULL_REQUEST_WORKFLOW
SIBLING = {"mg-deploy": "mg-infrastructure", "mg-infrastructure": "mg-deploy"}
PLATFORM = "mg-infrastructure/.mgctl/platform.yaml"


@pytest.mark.parametrize("repo", ["mg-deploy", "mg-infrastructure"])
def test_least_privilege_and_pins(rendered: FileMap, repo: str) -> None:
    text = rendered[f"{repo}/{WORKFLOW}"]
    workflow = load(text)
    assert workflow["permissions"] == {}
    check, comment = workflow["jobs"]["check"], workflow["jobs"]["comment"]
    assert check["permissions"] == {"contents": "read"}
    assert comment["permissions"] == {"pull-requests": "write"}
    assert check["environment"] == layout.CHECK_ENVIRONMENT
    assert "environment" not in comment
    assert "secrets." not in str(comment), "the job that writes to the PR holds no secret"
    assert "pull_request_target" not in text
    pins = {pin.repo: pin for pin in action_pins().values()}
    for job in (check, comment):
        for candidate in job["steps"]:
            if "uses" not in candidate:
                continue
            name, _, sha = candidate["uses"].partition("@")
            assert sha == pins[name].sha
            assert f"{name}@{sha} # {pins[name].version}" in text
            if name == "actions/checkout":
                assert candidate["with"]["persist-credentials"] is False


@pytest.mark.parametrize("repo", ["mg-deploy", "mg-infrastructure"])
def test_sibling_checkout_and_mgctl_calls(rendered: FileMap, repo: str) -> None:
    workflow = load(rendered[f"{repo}/{WORKFLOW}"])
    sibling = SIBLING[repo]
    paired = step(workflow, "check", "paired")
    assert paired["with"]["repository"] == f"mshykhov/{sibling}"
    assert paired["with"]["ref"] == "${{ github.head_ref }}"
    assert paired["continue-on-error"] is True
    fallback = step(workflow, "check", f"Check out {sibling} (main)")
    assert fallback["if"] == "steps.paired.outcome != 'success'"
    assert fallback["with"]["path"] == f"head/{sibling}"
    base = step(workflow, "check", f"Check out {sibling} (main) for the base side")
    assert base["with"] == {**fallback["with"], "path": f"base/{sibling}"}
    assert step(workflow, "check", "Check out the base branch")["with"]["ref"] == (
        "${{ github.event.pull_request.base.sha }}"
    )
    install = step(workflow, "check", f"Install mgctl {__version__}")["run"]
    assert f'"${{MGCTL_REQUIREMENT:-mgctl[validate-tools]=={__version__}}}"' in install
    validate = step(workflow, "check", "mgctl validate")["run"]
    assert validate == f'mgctl validate head -c "head/{PLATFORM}"'
    assert "mgctl diff base head --output markdown" in step(workflow, "check", "diff")["run"]


def test_no_workflow_off_github(platform: Platform) -> None:
    moved = platform.model_copy(deep=True)
    moved.git.deploy.url = "git@gitlab.com:team/mg-deploy.git"
    files = render_all(moved)
    assert not any(path.endswith(WORKFLOW) for path in files)
    assert "mg-deploy/renovate.json" in files


def _fake_mgctl(bin_dir: Path, exit_code: int, markdown: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "mgctl"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' '{markdown}'\nexit {exit_code}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(("exit_code", "ok"), [(0, True), (1, True), (2, False)])
def test_diff_step_outputs(rendered: FileMap, tmp_path: Path, exit_code: int, ok: bool) -> None:
    """`mgctl diff` exits 0 (no change) or 1 (changes): both are a result to post; 2 fails."""
    script = step(load(rendered[f"mg-deploy/{WORKFLOW}"]), "check", "diff")["run"]
    _fake_mgctl(tmp_path / "bin", exit_code, "| app | object | change |")
    env = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    proc, outputs = run_step(script, tmp_path, env)
    if not ok:
        assert proc.returncode == exit_code
        assert "::error::mgctl diff failed (exit 2)" in proc.stdout
        return
    assert proc.returncode == 0, proc.stderr
    assert outputs["exit"] == str(exit_code)
    assert outputs["markdown"].strip() == "| app | object | change |"


def test_diff_step_truncates_to_a_comment(rendered: FileMap, tmp_path: Path) -> None:
    script = step(load(rendered[f"mg-deploy/{WORKFLOW}"]), "check", "diff")["run"]
    _fake_mgctl(tmp_path / "bin", 1, "x" * 70_000)
    env = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    proc, outputs = run_step(script, tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    assert len(outputs["markdown"]) <= 60_001


def _workspace(repos: Path, tmp_path: Path) -> Path:
    workspace = tmp_path / "workspace"
    for side in ("head", "base"):
        for repo in ("mg-deploy", "mg-infrastructure"):
            shutil.copytree(repos / repo, workspace / side / repo, symlinks=True)
    return workspace


@pytest.mark.parametrize("repo", ["mg-deploy", "mg-infrastructure"])
def test_drift_check_passes_on_a_fresh_render(
    rendered: FileMap, repos: Path, tmp_path: Path, repo: str
) -> None:
    workspace = _workspace(repos, tmp_path)
    script = step(
        load(rendered[f"{repo}/{WORKFLOW}"]), "check", "Generated files match platform.yaml"
    )
    proc, _ = run_step(script["run"], workspace)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_drift_check_fails_when_platform_yaml_changed_without_a_render(
    rendered: FileMap, repos: Path, tmp_path: Path
) -> None:
    workspace = _workspace(repos, tmp_path)
    config = workspace / "head" / PLATFORM
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("name: engine\n", "name: engine\n    replicas: 3\n", 1))
    script = step(
        load(rendered[f"mg-deploy/{WORKFLOW}"]), "check", "Generated files match platform.yaml"
    )
    proc, _ = run_step(script["run"], workspace)
    assert proc.returncode == 1
    assert "services/engine/values.yaml" in proc.stdout
    assert "::error::mg-deploy differs from what" in proc.stdout


def test_drift_check_fails_on_a_hand_edit(rendered: FileMap, repos: Path, tmp_path: Path) -> None:
    workspace = _workspace(repos, tmp_path)
    values = workspace / "head" / "mg-infrastructure" / "base" / "traefik" / "values.yaml"
    values.write_text(values.read_text(encoding="utf-8") + "# tuned by hand\n", encoding="utf-8")
    script = step(
        load(rendered[f"mg-infrastructure/{WORKFLOW}"]),
        "check",
        "Generated files match platform.yaml",
    )
    proc, _ = run_step(script["run"], workspace)
    assert proc.returncode == 2  # the render refuses to overwrite the hand edit, and names it
    assert "base/traefik/values.yaml" in proc.stdout + proc.stderr


def _comment_step(rendered: FileMap, repo: str = "mg-deploy") -> tuple[str, str]:
    workflow = load(rendered[f"{repo}/{WORKFLOW}"])
    script = step(workflow, "comment", "Create or update the mgctl diff comment")["with"]["script"]
    marker = re.search(r'const marker = "([^"]+)"', script)
    assert marker
    return script, marker.group(1)


ENV = {"DIFF": "| engine | apps/Deployment/engine | image |", "DIFF_EXIT": "1"}
STATE = {"repo": {"owner": "mshykhov", "repo": "mg-deploy"}, "number": 7}


def test_comment_is_created_once(rendered: FileMap, tmp_path: Path) -> None:
    script, marker = _comment_step(rendered)
    calls = run_github_script(script, tmp_path, {**STATE, "comments": []}, ENV)
    assert [c[0] for c in calls] == ["list", "create"]
    body = calls[1][1]["body"]
    assert body.startswith(marker) and ENV["DIFF"] in body
    assert calls[1][1]["issue_number"] == 7


def test_comment_is_updated_in_place(rendered: FileMap, tmp_path: Path) -> None:
    script, marker = _comment_step(rendered)
    comments = [
        {"id": 1, "user": {"login": "alice"}, "body": f"{marker} quoted by a human"},
        {"id": 2, "user": {"login": "github-actions[bot]"}, "body": f"{marker}\nold diff"},
    ]
    calls = run_github_script(script, tmp_path, {**STATE, "comments": comments}, ENV)
    assert [c[0] for c in calls] == ["list", "update"]
    assert calls[1][1]["comment_id"] == 2


def test_comment_says_when_nothing_changes(rendered: FileMap, tmp_path: Path) -> None:
    script, _ = _comment_step(rendered, "mg-infrastructure")
    env = {"DIFF": "", "DIFF_EXIT": "0"}
    calls = run_github_script(script, tmp_path, {**STATE, "comments": []}, env)
    assert "No change to what Argo CD applies." in calls[1][1]["body"]


def test_markers_differ_per_repository(rendered: FileMap) -> None:
    assert (
        _comment_step(rendered, "mg-deploy")[1] != _comment_step(rendered, "mg-infrastructure")[1]
    )


def test_diff_step_with_the_real_mgctl(rendered: FileMap, repos: Path, tmp_path: Path) -> None:
    """The step as generated, running this mgctl on base/ and head/ checkouts: an image bump
    in head is posted as a change (exit 1 recorded, the job goes on)."""
    workspace = _workspace(repos, tmp_path)
    values = workspace / "head/mg-deploy/services/engine/values.yaml"
    values.write_text(values.read_text(encoding="utf-8").replace("tag: v1.0.0", "tag: v1.2.0"))
    script = step(load(rendered[f"mg-deploy/{WORKFLOW}"]), "check", "diff")["run"]
    charts = Path(__file__).resolve().parents[3].parent / "shared" / "charts"
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "MGCTL_CHARTS": str(charts),
    }
    proc, outputs = run_step(script, workspace, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs["exit"] == "1"
    assert "Application engine" in outputs["markdown"]
    assert "shykhov/mg.engine:v1.2.0" in outputs["markdown"]
