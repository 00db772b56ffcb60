"""`mgctl apps render`: one directory per Application, objects as Argo CD applies them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from mgctl.cli.main import app

from .support import CHARTS, load_docs

runner = CliRunner()


def render(rendered: Path, into: Path, *extra: str) -> object:
    return runner.invoke(
        app,
        ["apps", "render", str(rendered), "-o", str(into), "--charts", str(CHARTS.root), *extra],
    )


def test_every_application_gets_a_directory(rendered: Path, tmp_path: Path) -> None:
    into = tmp_path / "apps"
    result = render(rendered, into, "--output", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    data = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert data["problems"] == 0 and data["applications"] > 40
    summary = (into / "applications.txt").read_text()
    assert summary.startswith("root\twave 0\tparent -")
    broker = yaml.safe_load((into / "broker" / "application.yaml").read_text())
    assert broker["kind"] == "Application"
    assert broker["spec"]["source"]["path"] == "services/broker"
    objects = load_docs(into / "cert-manager" / "manifests.yaml")
    kinds = [o["kind"] for o in objects]
    # sync order: ServiceAccounts before Deployments, CRDs whole (not summaries)
    assert kinds.index("ServiceAccount") < kinds.index("Deployment")
    crd = next(o for o in objects if o["kind"] == "CustomResourceDefinition")
    assert crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    # a namespaced object without a namespace lands in the destination's
    assert all(
        o["metadata"].get("namespace") == "cert-manager"
        for o in objects
        if o["kind"] in ("ServiceAccount", "Deployment")
    )
    assert "namespace" not in crd["metadata"]


def test_it_replaces_its_own_output_and_nothing_else(rendered: Path, tmp_path: Path) -> None:
    into = tmp_path / "apps"
    assert render(rendered, into).exit_code == 0  # type: ignore[attr-defined]
    (into / "stale").mkdir()
    assert render(rendered, into).exit_code == 0  # type: ignore[attr-defined]
    assert not (into / "stale").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    refused = render(rendered, other)
    assert refused.exit_code == 2  # type: ignore[attr-defined]
    assert "was not written by `mgctl apps render`" in refused.output  # type: ignore[attr-defined]
    assert (other / "notes.txt").read_text() == "mine"
