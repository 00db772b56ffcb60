"""Config variants: load balancer modes, Tailscale OAuth source, storage class, no tailnet."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml

from argocd.support import judge, write
from mgctl.config.platform import Platform
from mgctl.render.infra import repository
from mgctl.render.infra.component import Component
from mgctl.render.infra.components import security
from mgctl.render.infra.repository import render_infrastructure

from .helpers import example_platform

R = "mg-infrastructure"


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("renders")


def assert_clean(platform: Platform, out: Path, renders: Path) -> None:
    """The variant, rendered whole and seen as Argo CD applies it, has no finding."""
    write(platform, out)
    assert [f.format() for f in judge(out, renders)] == []


def docs(files: dict[str, str], rel: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(files[f"{R}/{rel}"]) if d]


def test_l2_range_pool(files: dict[str, str]) -> None:
    pool, advert = docs(files, "base/metallb/manifests/address-pool.yaml")
    assert pool["kind"] == "IPAddressPool" and pool["metadata"]["name"] == "default-pool"
    assert pool["spec"]["addresses"] == ["192.168.1.240-192.168.1.250"]
    assert advert["kind"] == "L2Advertisement"
    assert advert["spec"]["ipAddressPools"] == ["default-pool"]


def test_single_ip_pool_validates(tmp_path: Path, renders: Path) -> None:
    def single(data: dict[str, Any]) -> None:
        data["cluster"]["loadBalancer"] = {"mode": "single-ip", "addresses": ["203.0.113.10/32"]}

    platform = example_platform(single)
    files = render_infrastructure(platform)
    pool, advert = docs(files, "base/metallb/manifests/address-pool.yaml")
    assert pool["metadata"]["name"] == "single-ip-pool"
    assert pool["spec"]["addresses"] == ["203.0.113.10/32"]
    assert advert["metadata"]["name"] == "single-ip"
    assert advert["spec"]["ipAddressPools"] == ["single-ip-pool"]
    assert_clean(platform, tmp_path, renders)


def test_tailscale_oauth_from_bootstrap_secret() -> None:
    def bootstrap(data: dict[str, Any]) -> None:
        data["tailscale"]["oauthFromDoppler"] = False

    files = render_infrastructure(example_platform(bootstrap))
    assert f"{R}/base/tailscale-secrets/application.yaml" not in files
    assert f"{R}/base/tailscale/application.yaml" in files


def test_without_tailscale(tmp_path: Path, renders: Path) -> None:
    def off(data: dict[str, Any]) -> None:
        data["tailscale"]["enabled"] = False

    platform = example_platform(off)
    files = render_infrastructure(platform)
    assert not any("/tailscale" in path for path in files)
    assert_clean(platform, tmp_path, renders)


def test_custom_storage_class_and_replicas(tmp_path: Path, renders: Path) -> None:
    def storage(data: dict[str, Any]) -> None:
        data["cluster"]["storageClass"] = "fast"
        data["cluster"]["storageReplicas"] = 2

    platform = example_platform(storage)
    files = render_infrastructure(platform)
    (storage_class,) = docs(files, "base/longhorn/manifests/storage-class.yaml")
    assert storage_class["metadata"]["name"] == "fast"
    assert storage_class["parameters"]["numberOfReplicas"] == "2"
    values = yaml.safe_load(files[f"{R}/base/longhorn/values.yaml"])
    assert values["persistence"]["defaultClass"] is False
    assert_clean(platform, tmp_path, renders)


def test_platform_namespaces_cover_every_component(files: dict[str, str]) -> None:
    platform = example_platform()
    names = {ns.name for ns in security.platform_namespaces(platform)}
    for path, text in files.items():
        if path.endswith("application.yaml") or path.endswith("application-config.yaml"):
            app = yaml.safe_load(text)
            assert app["spec"]["destination"]["namespace"] in names, path


def test_repository_credentials_only_with_a_doppler_key(files: dict[str, str]) -> None:
    """One ExternalSecret per repository whose deploy key is kept in Doppler, merged into
    that repository's own Secret."""
    assert f"{R}/security/secrets/repository-credentials.yaml" not in files
    platform = example_platform()
    deploy = platform.git.deploy.model_copy(update={"deploy_key_doppler_key": "MG_DEPLOY_KEY"})
    git = platform.git.model_copy(update={"deploy": deploy})
    with_key = render_infrastructure(platform.model_copy(update={"git": git}))
    (secret,) = docs(with_key, "security/secrets/repository-credentials.yaml")
    assert secret["metadata"] == {"name": "repo-deploy", "namespace": "argocd"}
    assert secret["spec"]["target"] == {"name": "repo-deploy", "creationPolicy": "Merge"}
    assert secret["spec"]["data"] == [
        {"secretKey": "sshPrivateKey", "remoteRef": {"key": "MG_DEPLOY_KEY"}}
    ]
    infra = platform.git.infrastructure.model_copy(
        update={"deploy_key_doppler_key": "MG_INFRA_KEY"}
    )
    both = render_infrastructure(
        platform.model_copy(update={"git": git.model_copy(update={"infrastructure": infra})})
    )
    names = [
        s["metadata"]["name"] for s in docs(both, "security/secrets/repository-credentials.yaml")
    ]
    assert names == ["repo-deploy", "repo-infrastructure"]


def test_manifest_named_like_an_application_is_refused() -> None:
    """The root Application syncs base/*/application*.yaml; a manifest there would leak in."""
    module = types.ModuleType("fake_component")

    def build(_: Platform) -> list[Component]:
        docs = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}]
        return [Component("fake", "fake", 1, manifests={"application-extra": docs})]

    module.build = build  # type: ignore[attr-defined]
    with (
        mock.patch.object(repository, "component_modules", return_value=[module]),
        pytest.raises(ValueError, match="'application-extra' is reserved"),
    ):
        render_infrastructure(example_platform())
