"""Schema validation against the bundled Kubernetes schemas and the pinned upstream CRDs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mgctl.validate.crd_index import CrdIndex, cache_file
from mgctl.validate.schemas import (
    SchemaRegistry,
    UnsupportedKubernetesVersion,
    bundled_versions,
)

from .builders import clean_set, clone, deployment, external_secret, manifests_of


def findings_for(registry: SchemaRegistry, doc: dict[str, Any]) -> list[str]:
    (manifest,) = manifests_of([doc])
    return [f.format() for f in registry.validate(manifest)]


def test_clean_set_has_no_schema_findings(registry: SchemaRegistry) -> None:
    for manifest in manifests_of(clean_set()):
        assert registry.validate(manifest) == [], manifest.kind


def test_wrong_type_in_builtin_kind(registry: SchemaRegistry) -> None:
    doc = deployment()
    doc["spec"]["replicas"] = "two"
    assert findings_for(registry, doc) == [
        "test.yaml: Deployment/api: spec.replicas: expected integer, got str 'two'"
    ]


def test_unknown_field_in_builtin_kind_names_the_field(registry: SchemaRegistry) -> None:
    doc = deployment()
    doc["spec"]["template"]["spec"]["containers"][0]["imagePullPolice"] = "Always"
    (finding,) = findings_for(registry, doc)
    assert "spec.template.spec.containers[0].imagePullPolice: unknown field" in finding


def test_unknown_metadata_field(registry: SchemaRegistry) -> None:
    doc = deployment()
    doc["metadata"]["label"] = {"a": "b"}
    (finding,) = findings_for(registry, doc)
    assert "Deployment/api: metadata.label: unknown field 'label'" in finding


def test_unknown_field_in_crd_kind(registry: SchemaRegistry) -> None:
    doc = external_secret()
    doc["spec"]["target"]["creationPolicyy"] = "Owner"
    (finding,) = findings_for(registry, doc)
    assert "ExternalSecret/api: spec.target.creationPolicyy: unknown field" in finding


def test_wrong_enum_in_crd_kind(registry: SchemaRegistry) -> None:
    doc = external_secret()
    doc["spec"]["target"]["creationPolicy"] = "Sometimes"
    (finding,) = findings_for(registry, doc)
    assert "spec.target.creationPolicy: 'Sometimes' is not one of" in finding


def test_custom_resource_metadata_is_strict_object_meta(registry: SchemaRegistry) -> None:
    doc = external_secret()
    doc["metadata"]["lables"] = {"a": "b"}
    (finding,) = findings_for(registry, doc)
    assert "metadata.lables: unknown field" in finding


def test_eso_v1beta1_is_not_served(registry: SchemaRegistry) -> None:
    doc = external_secret()
    doc["apiVersion"] = "external-secrets.io/v1beta1"
    (finding,) = findings_for(registry, doc)
    assert (
        "apiVersion: apiVersion external-secrets.io/v1beta1 kind ExternalSecret is not served "
        "by Kubernetes 1.35 or any pinned CRD; served: external-secrets.io/v1" in finding
    )


def test_strimzi_v1beta2_is_not_served(registry: SchemaRegistry) -> None:
    doc = {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Kafka", "metadata": {"name": "k"}}
    (finding,) = findings_for(registry, doc)
    assert "kafka.strimzi.io/v1beta2 kind Kafka is not served" in finding


def test_removed_builtin_api_is_not_served(registry: SchemaRegistry) -> None:
    doc = {
        "apiVersion": "policy/v1beta1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "x"},
        "spec": {"minAvailable": 1},
    }
    (finding,) = findings_for(registry, doc)
    assert "policy/v1beta1 kind PodDisruptionBudget is not served by Kubernetes 1.35" in finding


def test_int_or_string_accepts_both(registry: SchemaRegistry) -> None:
    doc: dict[str, Any] = {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "IngressRoute",
        "metadata": {"name": "r", "namespace": "api"},
        "spec": {
            "entryPoints": ["websecure"],
            "routes": [
                {
                    "match": "Host(`a.example.com`)",
                    "kind": "Rule",
                    "services": [{"name": "api", "port": 80}, {"name": "b", "port": "http"}],
                }
            ],
        },
    }
    assert findings_for(registry, doc) == []
    doc["spec"]["routes"][0]["services"][0]["port"] = 1.5
    assert len(findings_for(registry, doc)) == 1


def test_crd_in_the_validated_set_serves_its_kind(crd_dir: Any) -> None:
    registry = SchemaRegistry("1.35", [])
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.acme.io"},
        "spec": {
            "group": "acme.io",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {"size": {"type": "integer"}},
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    widget = {"apiVersion": "acme.io/v1", "kind": "Widget", "metadata": {"name": "w"}}
    manifests = manifests_of([crd, {**widget, "spec": {"size": 3, "colour": "red"}}])
    assert "not served" in registry.validate(manifests[1])[0].message
    registry.add_crds(manifests)
    assert registry.validate(manifests[0]) == []
    (finding,) = registry.validate(manifests[1])
    assert finding.path == "spec.colour"


def test_null_values_in_custom_resources_are_pruned_like_the_api_server(
    registry: SchemaRegistry,
) -> None:
    doc = clone(external_secret())
    doc["spec"]["refreshInterval"] = None
    assert findings_for(registry, doc) == []


def test_unsupported_kubernetes_version_names_the_available_ones() -> None:
    with pytest.raises(UnsupportedKubernetesVersion, match=r"1\.35"):
        SchemaRegistry("1.99")
    assert (1, 35) in bundled_versions()


def test_crd_index_cache_is_reused_and_invalidated(
    tmp_path: Path, crd_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pinned = crd_dir / "external-secrets/v2.9.0/external-secrets.io_externalsecrets.yaml"
    local = tmp_path / "crds" / pinned.name
    local.parent.mkdir()
    local.write_bytes(pinned.read_bytes())
    first = CrdIndex([local.parent])
    assert cache_file().is_file()
    second = CrdIndex([local.parent])
    assert first.kinds() == second.kinds() == [("external-secrets.io", "ExternalSecret")]
    definition = second.get("external-secrets.io", "ExternalSecret")
    assert definition is not None and list(definition.versions()) == ["v1"]
    local.write_text(local.read_text().replace("kind: ExternalSecret", "kind: OtherSecret"))
    assert CrdIndex([local.parent]).kinds() == [("external-secrets.io", "OtherSecret")]
