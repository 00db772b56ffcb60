"""Reading the rendered tree: include globs, the self-managing Argo CD Application, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mgctl.cluster.rendered import (
    RenderedTreeError,
    load_rendered,
    root_synced_kinds,
    source_files,
)

from .conftest import RECORDED
from .harness import SHARED_CRDS

INFRA = RECORDED / "mg-infrastructure"


def test_root_include_glob_selects_files() -> None:
    source = {"path": ".", "directory": {"recurse": True, "include":
              "{projects/*.yaml,applicationsets/*.yaml,image-updaters/*.yaml,"
              "base/*/application*.yaml}"}}  # fmt: skip
    files = {p.relative_to(INFRA).as_posix() for p in source_files(INFRA, source)}
    assert "projects/platform.yaml" in files
    assert "base/argocd/application.yaml" in files
    assert "image-updaters/services.yaml" in files
    assert "base/argocd/values.yaml" not in files
    assert "bootstrap/root.yaml" not in files
    assert "base/tailscale/manifests/ingresses.yaml" not in files


def test_kinds_synced_by_root_need_image_updater_crd() -> None:
    from mgctl.cluster.rendered import load_docs

    kinds = root_synced_kinds(INFRA, load_docs(INFRA / "bootstrap/root.yaml"))
    assert ("argocd-image-updater.argoproj.io", "ImageUpdater") in kinds
    assert ("argoproj.io", "Application") in kinds


def copy_tree(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(RECORDED, out)
    return out


def test_missing_root_says_render(tmp_path: Path) -> None:
    out = copy_tree(tmp_path)
    (out / "mg-infrastructure/bootstrap/root.yaml").unlink()
    with pytest.raises(RenderedTreeError, match="mgctl render"):
        load_rendered(out, [SHARED_CRDS])


def test_argocd_version_must_match_catalog(tmp_path: Path) -> None:
    out = copy_tree(tmp_path)
    app = out / "mg-infrastructure/base/argocd/application.yaml"
    app.write_text(app.read_text().replace("targetRevision: 10.1.1", "targetRevision: 9.0.0"))
    with pytest.raises(RenderedTreeError, match="same version"):
        load_rendered(out, [SHARED_CRDS])


def test_missing_schemas_say_fetch(tmp_path: Path) -> None:
    with pytest.raises(RenderedTreeError, match="mgctl schemas fetch"):
        load_rendered(RECORDED, [tmp_path])
