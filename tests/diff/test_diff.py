"""`mgctl diff` on the example: both sides rendered as Argo CD applies them, compared per
Application and object, exit 0 / 1 / 2."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from argocd.support import CHARTS, INFRA, edit, edit_values
from mgctl.cli.main import app

runner = CliRunner()
WAVE = "argocd.argoproj.io/sync-wave"


@pytest.fixture
def head(rendered: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(rendered, tmp_path / "head"))


def diff(base: Path | str, head: Path | str, *extra: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        ["diff", str(base), str(head), "--charts", str(CHARTS.root), *extra],
        env={"MGCTL_RENDER_CACHE": "on"},
    )
    return result.exit_code, result.stdout


def as_json(base: Path | str, head: Path | str, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out = diff(base, head, "--output", "json", *extra)
    return code, json.loads(out)


def objects(data: dict[str, Any], application: str) -> list[dict[str, Any]]:
    (found,) = [a for a in data["applications"] if a["name"] == application]
    return list(found["objects"])


def test_identical_trees_exit_0(rendered: Path, head: Path) -> None:
    code, out = diff(rendered, head)
    assert code == 0 and out.startswith("no changes")


def test_an_image_bump(rendered: Path, head: Path) -> None:
    values = head / "mg-deploy/services/engine/values.yaml"
    values.write_text(values.read_text().replace("tag: v1.0.0", "tag: v1.1.0"))
    code, data = as_json(rendered, head)
    assert code == 1
    (deployment,) = objects(data, "engine")
    assert (deployment["kind"], deployment["status"]) == ("Deployment", "changed")
    (change,) = deployment["changes"]
    assert change["path"] == "spec.template.spec.containers[name=engine].image"
    assert change["after"].endswith(":v1.1.0")
    code, text = diff(rendered, head)
    assert "~ Application engine" in text and "-> shykhov/mg.engine:v1.1.0" in text


def test_a_values_change_of_an_upstream_chart(rendered: Path, head: Path) -> None:
    def more(values: dict[str, Any]) -> None:
        values.setdefault("deployment", {})["replicas"] = 3

    edit_values(head / INFRA / "base/traefik/values.yaml", more)
    code, data = as_json(rendered, head)
    assert code == 1
    changed = objects(data, "traefik")
    assert [(o["kind"], o["changes"][0]["path"]) for o in changed] == [
        ("Deployment", "spec.replicas")
    ]
    assert changed[0]["source"] == "traefik-41.3.0.tgz/templates/deployment.yaml"


def test_a_removed_service(rendered: Path, head: Path) -> None:
    shutil.rmtree(head / "mg-deploy/services/broker")
    code, data = as_json(rendered, head)
    assert code == 1
    (broker,) = [a for a in data["applications"] if a["name"] == "broker"]
    assert broker["status"] == "removed"
    assert broker["objects"] and {o["status"] for o in broker["objects"]} == {"removed"}


def test_a_sync_wave_change(rendered: Path, head: Path) -> None:
    def later(docs: list[dict[str, Any]]) -> None:
        docs[0]["metadata"]["annotations"][WAVE] = "7"

    edit(head / INFRA / "base/reloader/application.yaml", later)
    code, data = as_json(rendered, head)
    assert code == 1
    (application,) = objects(data, "root")
    assert (application["kind"], application["name"]) == ("Application", "reloader")
    assert application["changes"] == [
        {"path": f"metadata.annotations.{WAVE}", "before": "3", "after": "7"}
    ]


def test_secret_data_is_redacted(rendered: Path, head: Path) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "demo", "namespace": "argocd"},
        "stringData": {"k": "s3cret"},
    }
    (rendered_copy := head.parent / "base")
    shutil.copytree(rendered, rendered_copy)
    (rendered_copy / INFRA / "security/cluster/demo.yaml").write_text(yaml.safe_dump(secret))
    secret["stringData"] = {"k": "hunter2"}
    (head / INFRA / "security/cluster/demo.yaml").write_text(yaml.safe_dump(secret))
    code, out = diff(rendered_copy, head)
    assert code == 1
    assert "s3cret" not in out and "hunter2" not in out
    assert "stringData.k: <redacted sha256:" in out


def test_chart_labels_are_noise_unless_kept(rendered: Path, head: Path) -> None:
    # pretend a chart release that changed nothing but its chart label
    def relabel(values: dict[str, Any]) -> None:
        values.setdefault("commonLabels", {})["helm.sh/chart"] = "traefik-99"

    edit_values(head / INFRA / "base/traefik/values.yaml", relabel)
    quiet, _ = diff(rendered, head)
    loud, out = diff(rendered, head, "--keep-noise")
    assert (quiet, loud) == (0, 1)
    assert "helm.sh/chart" in out


def test_markdown_for_a_pr_comment(rendered: Path, head: Path) -> None:
    shutil.rmtree(head / "mg-deploy/services/broker")
    code, out = diff(rendered, head, "--output", "markdown")
    assert code == 1
    assert out.startswith("**") and "<details><summary><code>- Application broker" in out
    assert "```diff" in out


def test_git_revisions(rendered: Path, tmp_path: Path) -> None:
    repos = Path(shutil.copytree(rendered, tmp_path / "repos"))
    for repo in ("mg-deploy", "mg-infrastructure"):
        git = ["git", "-C", str(repos / repo), "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run([*git[:3], "init", "-q"], check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", "render"], check=True)
    values = repos / "mg-deploy/services/engine/values.yaml"
    values.write_text(values.read_text().replace("tag: v1.0.0", "tag: v2.0.0"))
    for repo in ("mg-deploy", "mg-infrastructure"):  # git:REV names a revision of both
        git = ["git", "-C", str(repos / repo), "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run([*git, "commit", "-qam", "bump", "--allow-empty"], check=True)
    code, data = as_json("git:HEAD~1", "git:HEAD", "--repos", str(repos))
    assert code == 1
    (deployment,) = objects(data, "engine")
    assert deployment["changes"][0]["after"].endswith(":v2.0.0")
    missing, _ = diff("git:nope", "git:HEAD", "--repos", str(repos))
    assert missing == 2


def test_a_side_that_is_not_a_render_is_a_usage_error(rendered: Path, tmp_path: Path) -> None:
    code, _ = diff(rendered, tmp_path / "nothing")
    assert code == 2
