"""A tag Image Updater wrote back to mg-deploy shadows platform.yaml's: `mgctl render` says so,
and the offline Argo CD model deploys the written-back tag, as Argo CD does."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mgctl.cli.main import app

from .support import EXAMPLE, view

WRITE_BACK = """helm:
  parameters:
  - name: image.repository
    value: shykhov/mg.engine
    forcestring: true
  - name: image.tag
    value: {tag}
    forcestring: true
"""
runner = CliRunner()


def _render(out: Path) -> dict[str, list[str]]:
    result = runner.invoke(app, ["render", "-c", str(EXAMPLE), "-o", str(out),
                                 "--output", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload: dict[str, list[str]] = json.loads(result.stdout)
    return payload


def test_a_written_back_tag_is_noted_and_is_what_argo_cd_deploys(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _render(out)["notes"] == []
    chart = out / "mg-deploy" / "services" / "engine"
    (chart / ".argocd-source-engine.yaml").write_text(WRITE_BACK.format(tag="v1.2.4"))

    result = runner.invoke(app, ["render", "-c", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        "note: services[0].image.tag v1.0.0 of engine is shadowed: "
        "mg-deploy/services/engine/.argocd-source-engine.yaml (Image Updater's write-back) sets "
        "image.tag v1.2.4, which Argo CD deploys." in " ".join(result.stderr.split())
    )
    assert (chart / ".argocd-source-engine.yaml").is_file(), "a render never touches it"

    engine = view(out).app("engine")
    assert engine is not None and engine.problems == []
    (deployment,) = [o for o in engine.objects if o.kind == "Deployment"]
    (container,) = deployment.body["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "shykhov/mg.engine:v1.2.4"


def test_no_note_once_platform_yaml_records_the_running_tag(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _render(out)
    chart = out / "mg-deploy" / "services" / "engine"
    (chart / ".argocd-source-engine.yaml").write_text(WRITE_BACK.format(tag="v1.0.0"))
    assert _render(out)["notes"] == []
