"""AppProject rules as app_project_types.go applies them."""

from __future__ import annotations

from typing import Any

import pytest

from mgctl.argocd.models import AppProject
from mgctl.argocd.project import destination_permitted, resource_permitted, source_permitted


def project(**spec: Any) -> AppProject:
    return AppProject.model_validate({"metadata": {"name": "p"}, "spec": spec})


@pytest.mark.parametrize(
    ("repos", "url", "allowed"),
    [
        (["git@github.com:Org/Repo.git"], "git@github.com:org/repo", True),  # normalized
        (["https://charts.jetstack.io"], "https://charts.jetstack.io", True),
        (["https://github.com/org/*"], "https://github.com/org/repo", True),
        (["https://github.com/org/*"], "https://github.com/org/a/b", False),
        (["*", "!https://evil.example/*"], "https://evil.example/x", False),
        (["quay.io"], "quay.io", True),
        ([], "https://charts.jetstack.io", False),
    ],
)
def test_source_repos(repos: list[str], url: str, allowed: bool) -> None:
    assert source_permitted(project(sourceRepos=repos), url) is allowed


def test_destinations_glob_and_deny() -> None:
    allowed = project(
        destinations=[
            {"server": "https://kubernetes.default.svc", "namespace": "team-*"},
            {"server": "*", "namespace": "!kube-system"},
        ]
    )
    assert destination_permitted(allowed, "team-a")
    assert not destination_permitted(allowed, "kube-system")
    exact = project(destinations=[{"server": "https://kubernetes.default.svc", "namespace": "a"}])
    assert not destination_permitted(exact, "b")
    by_name = project(destinations=[{"name": "in-cluster", "namespace": "a"}])
    assert destination_permitted(by_name, "a")


def test_resources() -> None:
    default = project()
    # namespaced: no whitelist means all; cluster-scoped: no whitelist means none
    assert resource_permitted(default, "apps", "Deployment", "x", namespaced=True)
    assert not resource_permitted(default, "", "Namespace", "x", namespaced=False)
    listed = project(
        clusterResourceWhitelist=[{"group": "rbac.authorization.k8s.io", "kind": "Cluster*"}],
        namespaceResourceBlacklist=[{"group": "", "kind": "ResourceQuota"}],
        namespaceResourceWhitelist=[],
    )
    assert resource_permitted(listed, "rbac.authorization.k8s.io", "ClusterRole", "r", False)
    assert not resource_permitted(listed, "", "ConfigMap", "c", namespaced=True)  # [] = none
    named = project(clusterResourceWhitelist=[{"group": "", "kind": "Namespace", "name": "t-*"}])
    assert resource_permitted(named, "", "Namespace", "t-1", namespaced=False)
    assert not resource_permitted(named, "", "Namespace", "other", namespaced=False)
    blacklisted = project(namespaceResourceBlacklist=[{"group": "", "kind": "ResourceQuota"}])
    assert not resource_permitted(blacklisted, "", "ResourceQuota", "q", namespaced=True)
