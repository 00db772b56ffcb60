"""The rendered example passes every check on what Argo CD applies, and each check catches
the breakage it is for (one negative test per check)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from argocd.support import CHARTS, INFRA, edit, edit_values, judge, only
from mgctl import catalog
from mgctl.charts.cache import ChartCache
from mgctl.render.infra.components import traefik

WAVE = "argocd.argoproj.io/sync-wave"


def base(tree: Path, rel: str) -> Path:
    return tree / INFRA / "base" / rel


def test_the_example_has_zero_findings(rendered: Path, render_cache: Path) -> None:
    assert [f.format() for f in judge(rendered, render_cache)] == []


def test_a_values_change_that_breaks_the_namespace_level(tree: Path, render_cache: Path) -> None:
    edit_values(base(tree, "traefik/values.yaml"), lambda v: v.update(hostNetwork=True))
    findings = only(judge(tree, render_cache), "pss-restricted")
    assert [(f.application, f.kind, f.path) for f in findings] == [
        ("traefik", "Deployment", "spec.template.spec.hostNetwork")
    ]
    assert findings[0].file == "traefik-41.3.0.tgz/templates/deployment.yaml"


def test_a_chart_object_outside_the_project(tree: Path, render_cache: Path) -> None:
    """cert-manager's leader election namespace defaults to kube-system."""
    edit_values(base(tree, "cert-manager/values.yaml"), lambda v: v.pop("global"))
    findings = only(judge(tree, render_cache), "argocd-project")
    assert {(f.kind, f.application) for f in findings} == {
        ("Role", "cert-manager"),
        ("RoleBinding", "cert-manager"),
    }
    assert all(
        "namespace kube-system is not permitted in project 'platform'" in f.message
        for f in findings
    )
    assert "global.leaderElection.namespace (chart default)" in findings[0].message


def test_a_cluster_scoped_kind_the_project_does_not_whitelist(
    tree: Path, render_cache: Path
) -> None:
    def drop(docs: list[dict[str, Any]]) -> None:
        docs[0]["spec"]["clusterResourceWhitelist"].remove(
            {"group": "networking.k8s.io", "kind": "IngressClass"}
        )

    edit(tree / INFRA / "projects/platform.yaml", drop)
    findings = only(judge(tree, render_cache), "argocd-project")
    assert [(f.application, f.kind) for f in findings] == [
        ("tailscale", "IngressClass"),
        ("traefik", "IngressClass"),
    ]
    assert "networking.k8s.io:IngressClass (cluster-scoped) is not permitted" in findings[0].message


def test_a_source_repository_the_project_does_not_allow(tree: Path, render_cache: Path) -> None:
    def drop(docs: list[dict[str, Any]]) -> None:
        docs[0]["spec"]["sourceRepos"].remove("https://charts.jetstack.io")

    edit(tree / INFRA / "projects/platform.yaml", drop)
    findings = only(judge(tree, render_cache), "argocd-project")
    assert [f.application for f in findings] == ["cert-manager"]
    assert "https://charts.jetstack.io is not permitted" in findings[0].message


def test_an_ignored_values_key(tree: Path, render_cache: Path) -> None:
    def typo(values: dict[str, Any]) -> None:
        values["reloader"]["deploymnet"] = {"nodeSelector": {"a": "b"}}

    edit_values(base(tree, "reloader/values.yaml"), typo)
    findings = only(judge(tree, render_cache), "values-key")
    assert [(f.file, f.path, f.application) for f in findings] == [
        (
            "mg-infrastructure/base/reloader/values.yaml",
            "reloader.deploymnet.nodeSelector.a",
            "reloader",
        )
    ]


def test_a_pin_missing_from_the_cache(tree: Path, tmp_path: Path, render_cache: Path) -> None:
    partial = tmp_path / "charts"
    shutil.copytree(CHARTS.root, partial)
    (partial / catalog.chart("velero").ref.archive_name).unlink()
    findings = only(judge(tree, render_cache, ChartCache(partial)), "argocd-render")
    assert [f.application for f in findings] == ["velero"]
    assert "is not in the chart cache" in findings[0].message


def test_a_custom_resource_before_its_crd(tree: Path, render_cache: Path) -> None:
    def same_wave(docs: list[dict[str, Any]]) -> None:
        docs[0]["metadata"]["annotations"][WAVE] = str(traefik.SYNC_WAVE)

    edit(base(tree, "traefik/application-config.yaml"), same_wave)
    findings = only(judge(tree, render_cache), "sync-order")
    assert [(f.application, f.kind) for f in findings] == [("traefik-config", "Middleware")]
    assert "not after its CRD provider traefik" in findings[0].message


def test_a_custom_resource_nobody_installs(tree: Path, render_cache: Path) -> None:
    edit_values(base(tree, "cloudnative-pg/values.yaml"), lambda v: v["crds"].update(create=False))
    findings = only(judge(tree, render_cache), "sync-order")
    assert findings and all(
        "no Application installs the CRD of postgresql.cnpg.io/" in f.message for f in findings
    )
    assert {f.application for f in findings} >= {"postgres-engine", "postgres-broker"}


def test_the_same_object_from_two_applications(tree: Path, render_cache: Path) -> None:
    shutil.copy(
        base(tree, "cert-manager/manifests/cluster-issuers.yaml"),
        base(tree, "traefik/manifests/cluster-issuers.yaml"),
    )
    findings = only(judge(tree, render_cache), "shared-object")
    assert findings and all(f.application == "traefik-config" for f in findings)
    assert "also applied by Application cert-manager-config" in findings[0].message


def test_a_forward_auth_address_without_its_service(tree: Path, render_cache: Path) -> None:
    shutil.rmtree(tree / "mg-deploy" / "services" / "auth-service")
    findings = only(judge(tree, render_cache), "reference")
    assert [(f.application, f.kind, f.path) for f in findings] == [
        ("traefik-config", "Middleware", "spec.forwardAuth.address")
    ]
    assert "auth-service/auth-service is not rendered by any Application" in findings[0].message


def test_a_component_image_that_is_not_the_catalogs(tree: Path, render_cache: Path) -> None:
    edit_values(base(tree, "traefik/values.yaml"), lambda v: v["image"].update(tag="v3.7.11"))
    findings = only(judge(tree, render_cache), "component-image")
    assert [(f.application, f.kind) for f in findings] == [("traefik", "Deployment")]
    assert "docker.io/traefik:v3.7.15" in findings[0].message


def test_an_unpinned_image(tree: Path, render_cache: Path) -> None:
    def latest(values: dict[str, Any]) -> None:
        values.setdefault("image", {})["tag"] = "latest"

    edit_values(base(tree, "cloudnative-pg/values.yaml"), latest)
    findings = only(judge(tree, render_cache), "image-tag")
    assert [(f.application, f.kind) for f in findings] == [("cloudnative-pg", "Deployment")]
    assert "uses tag 'latest'" in findings[0].message


def test_a_namespace_without_pod_security_labels(tree: Path, render_cache: Path) -> None:
    def drop(docs: list[dict[str, Any]]) -> None:
        docs[:] = [d for d in docs if d["metadata"]["name"] != "reloader"]

    edit(tree / INFRA / "security/cluster/namespaces.yaml", drop)
    findings = only(judge(tree, render_cache), "namespace-pss")
    assert [(f.application, f.name) for f in findings] == [("reloader", "reloader")]


def test_enforce_version_is_honoured(tree: Path, render_cache: Path) -> None:
    """A sysctl that is safe from policy v1.32 passes at latest and fails at v1.31."""

    def sysctl(values: dict[str, Any]) -> None:
        values["podSecurityContext"]["sysctls"] = [
            {"name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"}
        ]

    edit_values(base(tree, "traefik/values.yaml"), sysctl)
    assert only(judge(tree, render_cache), "pss-restricted") == []

    def pin_version(docs: list[dict[str, Any]]) -> None:
        for doc in docs:
            if doc["metadata"]["name"] == "traefik":
                doc["metadata"]["labels"]["pod-security.kubernetes.io/enforce-version"] = "v1.31"

    edit(tree / INFRA / "security/cluster/namespaces.yaml", pin_version)
    findings = only(judge(tree, render_cache), "pss-restricted")
    assert [f.application for f in findings] == ["traefik"]


def test_a_provides_crds_claim_the_chart_does_not_keep(tree: Path, render_cache: Path) -> None:
    def claim(docs: list[dict[str, Any]]) -> None:
        annotations = docs[0]["metadata"]["annotations"]
        annotations["mgctl.io/provides-crds"] += ",traefik.io/Nonexistent"

    edit(base(tree, "traefik/application.yaml"), claim)
    findings = only(judge(tree, render_cache), "provides-crds")
    assert [f.application for f in findings] == ["traefik"]


def test_values_the_charts_schema_rejects(tree: Path, render_cache: Path) -> None:
    edit_values(base(tree, "traefik/values.yaml"), lambda v: v["ingressClass"].update(isDefault=1))
    findings = only(judge(tree, render_cache), "argocd-render")
    assert [f.application for f in findings] == ["traefik"]
    assert "isDefault" in findings[0].message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["sourceRepos"].append("*"), "wildcard"),
        (
            lambda s: s["clusterResourceWhitelist"].append({"group": "", "kind": "Node"}),
            "allows cluster-scoped /Node, which no Application creates",
        ),
        (
            lambda s: s["destinations"].append(
                {"server": "https://kubernetes.default.svc", "namespace": "unused"}
            ),
            "allows namespace 'unused', which no Application uses",
        ),
    ],
)
def test_projects_allow_nothing_more(
    tree: Path, render_cache: Path, change: Any, expected: str
) -> None:
    edit(tree / INFRA / "projects/platform.yaml", lambda docs: change(docs[0]["spec"]))
    messages = [f.message for f in only(judge(tree, render_cache), "project-scope")]
    assert any(expected in m for m in messages), messages


def test_synced_directories_get_the_platform_policy_and_schemas(
    tree: Path, render_cache: Path
) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "registry", "namespace": "argocd"},
        "data": {".dockerconfigjson": "e30="},
    }
    kafka = {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "Kafka",
        "metadata": {"name": "old", "namespace": "kafka"},
    }
    (tree / INFRA / "security/cluster/registry.yaml").write_text(yaml.safe_dump(secret))
    (base(tree, "strimzi/manifests/old.yaml")).write_text(yaml.safe_dump(kafka))
    findings = judge(tree, render_cache)
    secrets = only(findings, "secret-literal")
    assert [(f.application, f.kind) for f in secrets] == [("security", "Secret")]
    schemas = only(findings, "schema")
    assert [(f.application, f.kind, f.path) for f in schemas] == [
        ("strimzi-config", "Kafka", "apiVersion")
    ]
    assert "served: kafka.strimzi.io/v1" in schemas[0].message
