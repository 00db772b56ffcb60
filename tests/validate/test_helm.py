"""The helm wrapper with the real helm binary: local library dependency without writing the repo."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from mgctl.argocd.render_cache import RenderCache
from mgctl.tools import helm
from mgctl.validate.deploy_repo import lint_deploy_charts

from .trees import snapshot, write, write_library, write_service


def test_template_supplies_the_library_without_touching_the_repo(tmp_path: Path) -> None:
    deploy = tmp_path / "mg-deploy"
    write_library(deploy)
    chart = write_service(deploy, "api")
    before = snapshot(tmp_path)
    output = helm.template(chart, "api", "api", kube_version="1.35")
    assert "kind: Deployment" in output and "# Source: api/templates/all.yaml" in output
    assert snapshot(tmp_path) == before, "validation wrote into the validated repo"
    assert not (chart / "charts").exists() and not (chart / "Chart.lock").exists()


def test_values_files_are_applied(tmp_path: Path) -> None:
    deploy = tmp_path / "mg-deploy"
    write_library(deploy)
    chart = write_service(deploy, "api")
    extra = write(tmp_path / "prod.yaml", "image:\n  repository: ghcr.io/acme/app\n  tag: 9.9.9\n")
    assert "ghcr.io/acme/app:9.9.9" in helm.template(chart, "api", "api", [extra])


def test_lint_reports_errors_per_chart(tmp_path: Path) -> None:
    deploy = tmp_path / "mg-deploy"
    write_library(deploy)
    good = write_service(deploy, "api")
    bad = write_service(deploy, "broken")
    write(bad / "templates/bad.yaml", "{{ .Values.missing.field }}\n")
    with helm.prepared_chart(good) as ready_good, helm.prepared_chart(bad) as ready_bad:
        results = helm.lint_many([ready_good, ready_bad])
    assert results[0].errors == []
    assert results[1].errors and "nil pointer" in " ".join(results[1].errors)
    assert helm.lint(good).errors == []


def test_template_error_names_the_template(tmp_path: Path) -> None:
    deploy = tmp_path / "mg-deploy"
    write_library(deploy)
    chart = write_service(deploy, "api")
    write(chart / "templates/bad.yaml", '{{ fail "replicas must be > 0" }}\n')
    with pytest.raises(helm.HelmError, match=r"api/templates/bad.yaml.*replicas must be > 0"):
        helm.template(chart, "api", "api")


def test_missing_local_dependency_is_explained(tmp_path: Path) -> None:
    chart = write_service(tmp_path / "mg-deploy", "api")  # no _library written
    with pytest.raises(helm.HelmError, match=r"no Chart.yaml.*file://"):
        helm.template(chart, "api", "api")


def test_lint_results_are_cached_by_the_charts_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy = tmp_path / "mg-deploy"
    write_library(deploy)
    write_service(deploy, "api")
    broken = write_service(deploy, "broken")
    write(broken / "templates/bad.yaml", "{{ .Values.missing.field }}\n")
    cache = RenderCache(tmp_path / "cache")
    first = lint_deploy_charts(deploy, "mg-deploy", "1.35", cache=cache)
    assert first["mg-deploy/services/api"] == [] and first["mg-deploy/services/broken"]

    linted: list[list[Path]] = []
    real = helm.lint_many

    def counting(charts: Sequence[Path], kube_version: str | None = None) -> list[helm.LintResult]:
        linted.append(list(charts))
        results: list[helm.LintResult] = real(charts, kube_version)
        return results

    monkeypatch.setattr(helm, "lint_many", counting)
    assert lint_deploy_charts(deploy, "mg-deploy", "1.35", cache=cache) == first
    assert linted == []  # nothing changed: no helm lint at all
    write(broken / "templates/bad.yaml", "")  # the fix: the template goes
    again = lint_deploy_charts(deploy, "mg-deploy", "1.35", cache=cache)
    assert len(linted) == 1 and len(linted[0]) == 1  # only the changed chart
    assert again["mg-deploy/services/broken"] == [] and again["mg-deploy/services/api"] == []
