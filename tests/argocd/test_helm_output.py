"""Splitting `helm template` output into objects attributed to their templates."""

from __future__ import annotations

import pytest

from mgctl.argocd.helm_output import OutputProblem, split_documents, split_output

OUTPUT = """---
# Source: chart/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: script
data:
  run.sh: |
    echo start
    ---
    echo still the same document
---{trailing}
# Source: chart/templates/sub/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
---
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
""".format(trailing="   ")  # a separator line may end in blanks


def test_documents_split_only_at_top_level_separators() -> None:
    objects = split_output(OUTPUT, "upstream/chart-1.0.0.tgz")
    assert [(o.kind, o.source) for o in objects] == [
        ("ConfigMap", "upstream/chart-1.0.0.tgz/templates/config.yaml"),
        ("Service", "upstream/chart-1.0.0.tgz/templates/sub/service.yaml"),
        ("ServiceAccount", "upstream/chart-1.0.0.tgz/(rendered)"),
    ]
    assert "still the same document" in objects[0].body["data"]["run.sh"]


def test_output_without_a_leading_separator() -> None:
    text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\nkind: x\n"
    assert len(split_documents(text)) == 2
    with pytest.raises(OutputProblem):
        split_output(text, "d")  # the second document is no Kubernetes object


def test_crd_versions_are_read_without_parsing_the_schema() -> None:
    crd = """---
# Source: chart/crds/widgets.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Cluster
  versions:
  - name: v1alpha1
    served: false
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          name:
            type: string
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
"""
    (obj,) = split_output(crd, "c")
    assert obj.full_text is not None and obj.full_text.strip().endswith("type: object")
    versions = obj.body["spec"]["versions"]
    assert versions == [
        {"name": "v1alpha1", "served": False, "storage": False},
        {"name": "v1", "served": True, "storage": True},
    ]
    assert obj.body["spec"]["scope"] == "Cluster"
