"""Rendering is deterministic, atomic, and never silently destroys a hand edit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mgctl.config import load_platform
from mgctl.render.platform_render import render_all, render_to
from mgctl.render.writer import RenderConflict, write_files

EXAMPLE = Path(__file__).parents[2] / "examples" / "mg" / "platform.yaml"


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def platform():  # type: ignore[no-untyped-def]
    return load_platform(EXAMPLE)


def test_rerun_is_byte_identical(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    render_to(platform, tmp_path / "a")
    render_to(platform, tmp_path / "b")
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")
    second = render_to(platform, tmp_path / "a")
    assert second.written == [] and second.removed == []


def test_hand_edit_stops_the_render_and_names_the_file(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    render_to(platform, tmp_path)
    values = tmp_path / "mg-deploy" / "services" / "engine" / "values.yaml"
    edited = values.read_text() + "replicaCount: 5\n"
    values.write_text(edited)
    before = _tree_digest(tmp_path)
    with pytest.raises(RenderConflict) as caught:
        render_to(platform, tmp_path)
    assert str(values) in str(caught.value)
    assert "platform.yaml" in str(caught.value) and "--force" in str(caught.value)
    assert "→ put it in services[0].values (engine): raw mg-library values" in str(caught.value)
    assert _tree_digest(tmp_path) == before, "a refused render writes nothing"
    render_to(platform, tmp_path, force=True)
    assert "replicaCount: 5" not in values.read_text()


def test_unmanaged_files_survive_and_removed_services_are_pruned(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    render_to(platform, tmp_path)
    deploy = tmp_path / "mg-deploy"
    (deploy / ".git").mkdir()
    (deploy / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    updater = deploy / "services" / "engine" / ".argocd-source-engine.yaml"
    updater.write_text("helm:\n  parameters: []\n")
    smaller = platform.model_copy(
        update={"services": [s for s in platform.services if s.name != "frontend"]}
    )
    result = render_to(smaller, tmp_path)
    assert not (deploy / "services" / "frontend").exists()
    assert any(r.startswith("mg-deploy/services/frontend/") for r in result.removed)
    assert (deploy / ".git" / "HEAD").exists() and updater.exists()


def test_a_foreign_file_in_the_way_is_a_conflict(tmp_path: Path, platform) -> None:  # type: ignore[no-untyped-def]
    chart = tmp_path / "mg-deploy" / "services" / "engine" / "Chart.yaml"
    chart.parent.mkdir(parents=True)
    chart.write_text("name: mine\n")
    with pytest.raises(RenderConflict):
        render_to(platform, tmp_path)
    assert chart.read_text() == "name: mine\n"


def test_unsafe_paths_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsafe path"):
        write_files(tmp_path, {"mg-deploy/ok.yaml": "a: 1\n", "mg-deploy/../escape": "x"})
    assert not any(tmp_path.iterdir())


def test_every_service_gets_a_chart(platform) -> None:  # type: ignore[no-untyped-def]
    files = render_all(platform)
    for service in platform.services:
        base = f"mg-deploy/services/{service.name}"
        for name in (
            "Chart.yaml",
            "values.yaml",
            "values.schema.json",
            "templates/deployment.yaml",
        ):
            assert f"{base}/{name}" in files
    assert "mg-deploy/_library/Chart.yaml" in files
    assert not any("service-templates" in path for path in files)


@pytest.mark.parametrize(
    ("rel", "key"),
    [
        ("mg-infrastructure/base/traefik/values.yaml", "put it in components.traefik.values"),
        ("mg-infrastructure/base/loki/application.yaml", "use components.loki.version"),
        ("mg-deploy/services/auth-service/values.yaml", "put it in auth.service.values"),
        ("mg-deploy/services/broker/templates/deployment.yaml", "services[1].values (broker)"),
        ("mg-deploy/_library/templates/_deployment.tpl", "services[].values"),
    ],
)
def test_the_refusal_names_the_override_key(tmp_path: Path, platform, rel: str, key: str) -> None:  # type: ignore[no-untyped-def]
    render_to(platform, tmp_path)
    edited = tmp_path / rel
    edited.write_text(edited.read_text() + "# tuned by hand\n")
    with pytest.raises(RenderConflict) as caught:
        render_to(platform, tmp_path)
    listing = str(caught.value)
    assert f"{edited}\n    → " in listing and key in listing
