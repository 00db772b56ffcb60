"""validate_tree end to end on small real trees (real helm, real pinned CRDs), and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgctl.cli.main import app
from mgctl.config.loader import load_platform
from mgctl.validate.run import ValidationSetupError, find_repos, validate_tree
from mgctl.validate.schemas import SchemaRegistry

from .conftest import CRDS, REPO_ROOT
from .test_secrets_scan import pem_private_key
from .trees import clean_tree, snapshot, write, write_plain_database, write_service


def run(root: Path, registry: SchemaRegistry, crd_dir: Path) -> list[str]:
    """mg-deploy validated alone (the charts by the ApplicationSets' conventions); the whole
    platform as Argo CD applies it is tested in tests/validate/applied."""
    report = validate_tree(
        root / "mg-deploy", schema_dirs=[crd_dir], registry=registry, use_kingfisher=False
    )
    return [f.format() for f in report.findings]


def test_clean_tree_has_zero_findings(
    tmp_path: Path, registry: SchemaRegistry, crd_dir: Path
) -> None:
    root = clean_tree(tmp_path)
    before = snapshot(root)
    report = validate_tree(
        root / "mg-deploy", schema_dirs=[crd_dir], registry=registry, use_kingfisher=False
    )
    assert [f.format() for f in report.findings] == []
    assert report.exit_code == 0
    units = {u.name: u.objects for u in report.units}
    assert units == {
        "mg-deploy/services/api": 4,
        "mg-deploy/services/worker": 4,
        "mg-deploy/databases/postgres-api": 1,
    }
    assert snapshot(root) == before


def test_findings_point_at_the_rendered_template(
    tmp_path: Path, registry: SchemaRegistry, crd_dir: Path
) -> None:
    root = clean_tree(tmp_path)
    deploy = root / "mg-deploy"
    write_service(deploy, "old-eso", externalSecretApiVersion="external-secrets.io/v1beta1")
    write_service(deploy, "floating", image={"repository": "ghcr.io/acme/app", "tag": "latest"})
    write_service(deploy, "open", networkPolicy=False)
    write_service(deploy, "unbounded", resources={"requests": {"cpu": "100m", "memory": "1Gi"}})
    write_service(deploy, "rooted", podSecurityContext={"runAsUser": 0})
    findings = run(root, registry, crd_dir)
    tpl = "mg-deploy/services/{}/templates/all.yaml"
    expected = [
        f"{tpl.format('old-eso')}: ExternalSecret/old-eso: apiVersion: apiVersion "
        "external-secrets.io/v1beta1 kind ExternalSecret is not served",
        f"{tpl.format('floating')}: Deployment/floating: spec.template.spec.containers[0].image: "
        "container 'floating': image 'ghcr.io/acme/app:latest' uses tag 'latest'",
        f"{tpl.format('open')}: Deployment/open: spec.template.metadata.labels: "
        "no NetworkPolicy in namespace open selects the pod labels",
        f"{tpl.format('unbounded')}: Deployment/unbounded: "
        "spec.template.spec.containers[0].resources.limits: container 'unbounded' has no limits",
        f"{tpl.format('rooted')}: Deployment/rooted: spec.template.spec.securityContext.runAsUser: "
        "runAsUser 0 is root",
    ]
    for prefix in expected:
        assert any(f.startswith(prefix) for f in findings), (prefix, findings)
    assert not any("/services/api/" in f or "/services/worker/" in f for f in findings)


def test_helm_template_failure_is_a_finding(
    tmp_path: Path, registry: SchemaRegistry, crd_dir: Path
) -> None:
    root = clean_tree(tmp_path)
    chart = write_service(root / "mg-deploy", "broken")
    write(chart / "templates/bad.yaml", '{{ fail "set image.tag" }}\n')
    (finding,) = [f for f in run(root, registry, crd_dir) if "broken" in f]
    assert finding.startswith("mg-deploy/services/broken/templates/bad.yaml: line 1: execution")
    assert "set image.tag" in finding


def test_helm_error_in_the_library_points_at_the_library_source(
    tmp_path: Path, registry: SchemaRegistry, crd_dir: Path
) -> None:
    root = clean_tree(tmp_path)
    write(
        root / "mg-deploy/_library/templates/_broken.tpl",
        '{{- define "mg.broken" -}}\n{{ .Values.nope.deeper }}\n{{- end }}\n',
    )
    chart = write_service(root / "mg-deploy", "uses-broken")
    write(chart / "templates/b.yaml", '{{ include "mg.broken" . }}\n')
    (finding,) = [f for f in run(root, registry, crd_dir) if "uses-broken" in f or "_broken" in f]
    assert finding.startswith("mg-deploy/_library/templates/_broken.tpl: line 2: "), finding


def test_a_single_repository_can_be_validated(
    tmp_path: Path, registry: SchemaRegistry, crd_dir: Path
) -> None:
    root = clean_tree(tmp_path)
    deploy, infra = find_repos(root / "mg-deploy")
    assert (deploy, infra) == (root / "mg-deploy", None)
    report = validate_tree(
        root / "mg-deploy", schema_dirs=[crd_dir], registry=registry, use_kingfisher=False
    )
    assert next(u.name for u in report.units) == "mg-deploy/services/api"


def test_nothing_to_validate_or_no_schemas_are_setup_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationSetupError, match="neither mg-deploy/ nor mg-infrastructure/"):
        validate_tree(tmp_path, schema_dirs=[tmp_path])
    clean_tree(tmp_path)
    with pytest.raises(ValidationSetupError, match="mgctl schemas fetch"):
        validate_tree(tmp_path, schema_dirs=[tmp_path / "empty"])
    with pytest.raises(ValidationSetupError, match="typo"):
        validate_tree(tmp_path, schema_dirs=[CRDS, tmp_path / "typo"])


runner = CliRunner()


def test_cli_exit_codes_and_json(tmp_path: Path, crd_dir: Path) -> None:
    deploy = clean_tree(tmp_path / "out") / "mg-deploy"
    args = ["validate", str(deploy), "--schemas", str(crd_dir)]
    clean = runner.invoke(app, [*args, "--output", "json"])
    assert clean.exit_code == 0, clean.output
    data = json.loads(clean.output)
    assert data["errors"] == 0 and len(data["units"]) == 3
    write_service(deploy, "floating", image={"repository": "x", "tag": "latest"})
    dirty = runner.invoke(app, args)
    assert dirty.exit_code == 1
    assert "mg-deploy/services/floating/templates/all.yaml: Deployment/floating:" in dirty.output
    missing = runner.invoke(app, ["validate", str(tmp_path / "nope"), "--schemas", str(crd_dir)])
    assert missing.exit_code == 2
    bad_version = runner.invoke(app, [*args, "--kube-version", "1.99"])
    assert bad_version.exit_code == 2


def test_cli_runs_kingfisher_over_the_repositories(tmp_path: Path, crd_dir: Path) -> None:
    root = clean_tree(tmp_path / "out")
    write(root / "mg-infrastructure/notes.txt", "deploy key:\n" + pem_private_key())
    result = runner.invoke(
        app, ["validate", str(root), "--schemas", str(crd_dir), "--output", "json"]
    )
    assert result.exit_code == 1
    data = json.loads(result.output)
    files = {(f["check"], f["file"]) for f in data["findings"]}
    assert ("secret-literal", "mg-infrastructure/notes.txt") in files


def test_plain_manifest_directories_in_mg_deploy_are_checked(
    tmp_path: Path, registry: SchemaRegistry, crd_dir: Path
) -> None:
    root = clean_tree(tmp_path)
    write_plain_database(root / "mg-deploy", "postgres-good")
    write_plain_database(root / "mg-deploy", "postgres-bad", instances="two")
    report = validate_tree(
        root / "mg-deploy", schema_dirs=[crd_dir], registry=registry, use_kingfisher=False
    )
    units = {u.name: u.objects for u in report.units}
    assert units["mg-deploy/databases/postgres-good"] == 1
    assert [f.format() for f in report.findings] == [
        "mg-deploy/databases/postgres-bad/cluster.yaml: Cluster/postgres-bad: spec.instances: "
        "expected integer, got str 'two'"
    ]


def test_kubernetes_version_comes_from_the_config(tmp_path: Path, crd_dir: Path) -> None:
    root = clean_tree(tmp_path / "out")
    config = tmp_path / "platform.yaml"
    example = REPO_ROOT / "examples" / "mg" / "platform.yaml"
    text = example.read_text(encoding="utf-8")
    assert 'kubernetesVersion: "1.35"' in text
    config.write_text(text.replace('kubernetesVersion: "1.35"', 'kubernetesVersion: "1.36"'))
    report = validate_tree(
        root / "mg-deploy", load_platform(config), schema_dirs=[crd_dir], use_kingfisher=False
    )
    assert report.kubernetes_version == "1.36"
    assert report.errors == []


def test_cli_invalid_config_is_a_usage_error(tmp_path: Path, crd_dir: Path) -> None:
    deploy = clean_tree(tmp_path / "out") / "mg-deploy"
    config = write(tmp_path / "platform.yaml", "project:\n  kubernetesVersion: '1.20'\n")
    result = runner.invoke(
        app, ["validate", str(deploy), "--schemas", str(crd_dir), "-c", str(config)]
    )
    assert result.exit_code == 2
    assert "kubernetesVersion" in result.output


def test_progress_callbacks_see_every_chart(
    tmp_path: Path, registry: SchemaRegistry, crd_dir: Path
) -> None:
    root = clean_tree(tmp_path)
    found: list[int] = []
    done: list[str] = []
    validate_tree(
        root / "mg-deploy",
        schema_dirs=[crd_dir],
        registry=registry,
        use_kingfisher=False,
        on_charts_found=found.append,
        on_chart_done=lambda unit: done.append(unit.name),
    )
    assert found == [3]
    assert sorted(done) == [
        "mg-deploy/databases/postgres-api",
        "mg-deploy/services/api",
        "mg-deploy/services/worker",
    ]
