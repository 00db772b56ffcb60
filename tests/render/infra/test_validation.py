"""The rendered mg-infrastructure passes every check; each graph check catches its breakage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mgctl.manifests import Finding, Manifest, load_manifest_file
from mgctl.render.infra.components import traefik
from mgctl.validate.chart_values import check_chart_values
from mgctl.validate.graph import check_infrastructure
from mgctl.validate.infra_repo import check_infra_manifests
from mgctl.validate.schemas import SchemaRegistry

from .conftest import infra_manifests
from .helpers import SHARED, edit

WAVE = "argocd.argoproj.io/sync-wave"


def graph(tree: Path) -> list[Finding]:
    return check_infrastructure(
        tree / "mg-infrastructure", tree / "mg-deploy", infra_manifests(tree)
    )


def checks(findings: list[Finding]) -> list[str]:
    return [f.check for f in findings]


def only(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check]


def test_manifests_pass_strict_schemas_and_pss(tree: Path, registry: SchemaRegistry) -> None:
    manifests = infra_manifests(tree)
    assert len(manifests) > 50
    assert check_infra_manifests(manifests, registry) == []


def test_strict_schema_rejects_an_unknown_field(tree: Path, registry: SchemaRegistry) -> None:
    def typo(docs: list[dict[str, Any]]) -> None:
        docs[0]["spec"]["forwardAuth"]["trustForwardHeaders"] = False

    edit(tree / "mg-infrastructure/base/traefik/manifests/middlewares.yaml", typo)
    assert checks(check_infra_manifests(infra_manifests(tree), registry)) == ["schema"]


def test_graph_is_clean(tree: Path) -> None:
    assert graph(tree) == []


def test_chart_values_match_upstream_schemas(tree: Path) -> None:
    assert check_chart_values(tree / "mg-infrastructure", SHARED / "chart-schemas") == []


def test_chart_values_negative(tree: Path) -> None:
    values = tree / "mg-infrastructure/base/traefik/values.yaml"
    data = yaml.safe_load(values.read_text())
    data["ingressClass"]["isDefault"] = True  # the key is isDefaultClass
    values.write_text(yaml.safe_dump(data))
    findings = check_chart_values(tree / "mg-infrastructure", SHARED / "chart-schemas")
    assert [f.file for f in findings] == ["mg-infrastructure/base/traefik/values.yaml"]
    assert "isDefault" in findings[0].message


def _app(tree: Path, rel: str) -> Path:
    return tree / "mg-infrastructure" / rel


def test_crd_order_custom_resource_in_same_wave_as_provider(tree: Path) -> None:
    def same_wave(docs: list[dict[str, Any]]) -> None:
        docs[0]["metadata"]["annotations"][WAVE] = str(traefik.SYNC_WAVE)

    edit(_app(tree, "base/traefik/application-config.yaml"), same_wave)
    findings = only(graph(tree), "graph.crd-order")
    assert [f.kind for f in findings] == ["Middleware"]
    assert f"not after its CRD provider traefik (wave {traefik.SYNC_WAVE})" in findings[0].message


def test_crd_order_kind_without_provider(tree: Path) -> None:
    def forget(docs: list[dict[str, Any]]) -> None:
        del docs[0]["metadata"]["annotations"]["mgctl.io/provides-crds"]

    edit(_app(tree, "base/metallb/application.yaml"), forget)
    findings = only(graph(tree), "graph.crd-order")
    assert sorted(f.kind for f in findings) == ["IPAddressPool", "L2Advertisement"]
    assert all("no Application installs" in f.message for f in findings)


def test_source_path_missing_directory(tree: Path) -> None:
    def move(docs: list[dict[str, Any]]) -> None:
        docs[0]["spec"]["source"]["path"] = "base/traefik/manifest"

    edit(_app(tree, "base/traefik/application-config.yaml"), move)
    findings = only(graph(tree), "graph.source-path")
    assert len(findings) == 1 and "'base/traefik/manifest' does not exist" in findings[0].message


def test_source_path_missing_values_file(tree: Path) -> None:
    (tree / "mg-infrastructure/base/longhorn/values.yaml").unlink()
    findings = only(graph(tree), "graph.source-path")
    assert [f.name for f in findings] == ["longhorn"]
    assert "base/longhorn/values.yaml" in findings[0].message


def test_source_path_appset_directory_without_values(tree: Path) -> None:
    (tree / "mg-deploy/services/engine/values.yaml").unlink()
    findings = only(graph(tree), "graph.source-path")
    assert len(findings) == 1 and "services/engine" in findings[0].message


def test_source_path_generator_matching_nothing(tree: Path) -> None:
    def elsewhere(docs: list[dict[str, Any]]) -> None:
        docs[0]["spec"]["generators"][0]["git"]["directories"][0]["path"] = "apps/*"

    edit(_app(tree, "applicationsets/services.yaml"), elsewhere)
    findings = only(graph(tree), "graph.source-path")
    assert any("matches no directory" in f.message for f in findings)


def test_namespace_without_pss_labels(tree: Path) -> None:
    def drop(docs: list[dict[str, Any]]) -> None:
        docs[:] = [d for d in docs if d["metadata"]["name"] != "reloader"]

    edit(tree / "mg-infrastructure/security/cluster/namespaces.yaml", drop)
    findings = only(graph(tree), "graph.namespace-pss")
    assert [f.name for f in findings] == ["reloader"]


def test_appset_without_managed_namespace_metadata(tree: Path) -> None:
    def unmanaged(docs: list[dict[str, Any]]) -> None:
        del docs[0]["spec"]["template"]["spec"]["syncPolicy"]["managedNamespaceMetadata"]

    edit(_app(tree, "applicationsets/databases.yaml"), unmanaged)
    findings = only(graph(tree), "graph.namespace-pss")
    assert findings and all("'databases'" in f.message for f in findings)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["destinations"].pop(), "does not allow namespace"),
        (
            lambda s: s["destinations"].append(
                {"server": "https://kubernetes.default.svc", "namespace": "kube-system"}
            ),
            "allows namespace 'kube-system', which no Application uses",
        ),
        (lambda s: s["sourceRepos"].append("*"), "wildcard"),
        (lambda s: s["sourceRepos"].remove("https://charts.jetstack.io"), "does not allow"),
        (
            lambda s: s["clusterResourceWhitelist"].append({"group": "", "kind": "Node"}),
            "allows cluster-scoped /Node",
        ),
        (
            lambda s: s["clusterResourceWhitelist"].remove(
                {"group": "networking.k8s.io", "kind": "IngressClass"}
            ),
            "does not allow cluster-scoped networking.k8s.io/IngressClass",
        ),
    ],
)
def test_project_scope(tree: Path, change: Any, expected: str) -> None:
    edit(_app(tree, "projects/platform.yaml"), lambda docs: change(docs[0]["spec"]))
    findings = only(graph(tree), "graph.project-scope")
    assert findings and all(f.name == "platform" for f in findings)
    assert any(expected in f.message for f in findings), [f.message for f in findings]


def test_project_scope_unknown_project(tree: Path) -> None:
    def rename(docs: list[dict[str, Any]]) -> None:
        docs[0]["spec"]["project"] = "infra"

    edit(_app(tree, "base/reloader/application.yaml"), rename)
    messages = [f.message for f in only(graph(tree), "graph.project-scope")]
    assert "reloader: AppProject 'infra' is not in the repository" in messages


@pytest.mark.parametrize("version", ["^41.3.0", "41.x", "*", "latest", "HEAD", ">=41.0.0", ""])
def test_chart_pin(tree: Path, version: str) -> None:
    def unpin(docs: list[dict[str, Any]]) -> None:
        docs[0]["spec"]["sources"][0]["targetRevision"] = version

    edit(_app(tree, "base/traefik/application.yaml"), unpin)
    findings = only(graph(tree), "graph.chart-pin")
    assert [f.name for f in findings] == ["traefik"]


def test_project_scope_counts_a_charts_extra_namespaces(tree: Path) -> None:
    """A chart deploying outside its destination (namespaceOverride) declares it in
    `mgctl.io/extra-namespaces`; without it the project allows an unused namespace."""
    for path in sorted((tree / "mg-infrastructure/base").glob("*/application.yaml")):
        annotations = yaml.safe_load(path.read_text())["metadata"]["annotations"]
        if "mgctl.io/extra-namespaces" in annotations:
            break
    else:
        pytest.skip("no chart of this render deploys outside its destination namespace")
    extra = annotations["mgctl.io/extra-namespaces"].split(",")

    def drop(docs: list[dict[str, Any]]) -> None:
        del docs[0]["metadata"]["annotations"]["mgctl.io/extra-namespaces"]

    edit(path, drop)
    messages = [f.message for f in only(graph(tree), "graph.project-scope")]
    for namespace in extra:
        assert f"allows namespace {namespace!r}, which no Application uses" in messages


def test_missing_root_application(tree: Path) -> None:
    def only_project(docs: list[dict[str, Any]]) -> None:
        docs[:] = [d for d in docs if d["kind"] == "AppProject"]

    edit(tree / "mg-infrastructure/bootstrap/root.yaml", only_project)
    findings = graph(tree)
    assert [f.file for f in findings] == ["mg-infrastructure/bootstrap/root.yaml"]
    assert "no root Application" in findings[0].message


def test_crd_order_of_a_root_level_object_uses_its_own_wave(tree: Path) -> None:
    """Objects the root Application syncs itself (app of apps) are ordered by their own
    sync-wave: the ImageUpdater CR must come after the image updater's chart."""

    def too_early(docs: list[dict[str, Any]]) -> None:
        docs[0]["metadata"]["annotations"][WAVE] = "3"

    edit(_app(tree, "image-updaters/services.yaml"), too_early)
    findings = only(graph(tree), "graph.crd-order")
    assert [(f.kind, f.name) for f in findings] == [("ImageUpdater", "services")]
    assert "synced by root at wave 3" in findings[0].message


def _database_units(tree: Path) -> list[tuple[str, list[Manifest]]]:
    units = []
    for directory in sorted((tree / "mg-deploy" / "databases").iterdir()):
        manifests = []
        for file in sorted(directory.glob("*.yaml")):
            found, _ = load_manifest_file(file, f"mg-deploy/databases/{directory.name}/{file.name}")
            manifests += found
        units.append((f"databases/{directory.name}", manifests))
    return units


def _deploy_graph(tree: Path) -> list[Finding]:
    return check_infrastructure(
        tree / "mg-infrastructure", tree / "mg-deploy", infra_manifests(tree), _database_units(tree)
    )


def test_graph_checks_mg_deploy_custom_resources(tree: Path) -> None:
    assert _deploy_graph(tree) == []


def test_graph_catches_an_mg_deploy_kind_nobody_installs(tree: Path) -> None:
    def forget_cluster(docs: list[dict[str, Any]]) -> None:
        annotations = docs[0]["metadata"]["annotations"]
        kinds = annotations["mgctl.io/provides-crds"].split(",")
        annotations["mgctl.io/provides-crds"] = ",".join(
            k for k in kinds if k != "postgresql.cnpg.io/Cluster"
        )

    edit(tree / "mg-infrastructure/base/cloudnative-pg/application.yaml", forget_cluster)
    findings = only(_deploy_graph(tree), "graph.crd-order")
    assert findings and all("postgresql.cnpg.io/Cluster" in f.message for f in findings)
    assert "mg-deploy/databases/postgres-" in findings[0].message


def test_graph_catches_an_applicationset_before_its_crds(tree: Path) -> None:
    def too_early(docs: list[dict[str, Any]]) -> None:
        docs[0]["metadata"]["annotations"][WAVE] = "-30"

    edit(tree / "mg-infrastructure/applicationsets/databases.yaml", too_early)
    findings = only(_deploy_graph(tree), "graph.crd-order")
    assert any("move the ApplicationSet to a later wave" in f.message for f in findings)
