"""Overrides instead of hand edits, judged as Argo CD would apply them with the upstream
charts: raw mg-library values per service, chart values per component, components switched
off (each disable their dependencies allow), and a chart version the catalog does not pin."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from mgctl import catalog
from mgctl.charts.cache import ChartCache
from mgctl.config.components import table
from mgctl.manifests import Severity
from mgctl.tools import binaries
from mgctl.tools.command import Command

from .support import CHARTS, judge, only, view, write
from .test_day2_platforms import objects, one, platform_from

ENGINE_VALUES: dict[str, Any] = {
    "terminationGracePeriodSeconds": 60,
    "podAnnotations": {"example.com/owner": "trading"},
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
    "initContainers": [
        {
            "name": "migrate",
            "image": "shykhov/mg.engine-migrations:v1.0.0",
            "resources": {
                "requests": {"cpu": "50m", "memory": "64Mi"},
                "limits": {"cpu": "200m", "memory": "128Mi"},
            },
        }
    ],
    "probes": {"readiness": {"successThreshold": 2}},
}


def overrides(data: dict[str, Any]) -> None:
    engine = next(s for s in data["services"] if s["name"] == "engine")
    engine["values"] = ENGINE_VALUES
    data["auth"]["service"]["values"] = {"terminationGracePeriodSeconds": 15}
    data["components"] = {
        "traefik": {"values": {"deployment": {"replicas": 2}}},
        "loki": {"values": {"loki": {"limits_config": {"max_query_series": 1000}}}},
    }


def test_service_and_component_values_apply_with_zero_findings(
    tmp_path: Path, render_cache: Path
) -> None:
    tree = write(platform_from(overrides, tmp_path), tmp_path / "out")
    assert [f.format() for f in judge(tree, render_cache)] == []
    seen = view(tree, cache_dir=render_cache)
    pod = one(seen, "engine", "Deployment")["spec"]
    assert pod["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    spec = pod["template"]["spec"]
    assert spec["terminationGracePeriodSeconds"] == 60
    assert pod["template"]["metadata"]["annotations"]["example.com/owner"] == "trading"
    assert [c["name"] for c in spec["initContainers"]] == ["migrate"]
    assert spec["initContainers"][0]["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    readiness = spec["containers"][0]["readinessProbe"]
    assert readiness["successThreshold"] == 2
    assert readiness["httpGet"]["path"] == "/actuator/health/readiness"  # merged, not replaced
    auth = one(seen, "auth-service", "Deployment")["spec"]["template"]["spec"]
    assert auth["terminationGracePeriodSeconds"] == 15
    assert one(seen, "traefik", "Deployment")["spec"]["replicas"] == 2
    loki_config = next(
        o.body for o in objects(seen, "loki") if o.kind == "ConfigMap" and o.name == "loki"
    )
    assert "max_query_series: 1000" in loki_config["data"]["config.yaml"]


def test_a_component_values_typo_is_found_by_validate(tmp_path: Path, render_cache: Path) -> None:
    def typo(data: dict[str, Any]) -> None:
        data["components"] = {"reloader": {"values": {"reloader": {"deploymnet": {"a": 1}}}}}

    tree = write(platform_from(typo, tmp_path), tmp_path / "out")
    (finding,) = judge(tree, render_cache)
    assert (finding.check, finding.path) == ("values-key", "reloader.deploymnet.a")


def _no_databases_ingresses_or_auth(data: dict[str, Any]) -> None:
    data["databases"] = []
    del data["auth"]
    for service in data["services"]:
        service.pop("database", None)
        service.pop("ingress", None)


# Each variant switches off components whose dependents it also removes; together they switch
# off every component that can be switched off.
VARIANTS: dict[str, tuple[list[str], Any]] = {
    "optional-extras": (
        ["reloader", "argocd-image-updater", "velero", "alloy", "loki"],
        None,
    ),
    "no-monitoring-stack": (["kube-prometheus-stack"], None),
    "no-ingress-no-databases": (
        ["traefik", "metallb", "cert-manager", "cloudnative-pg", "plugin-barman-cloud"],
        _no_databases_ingresses_or_auth,
    ),
    "other-storage": (
        ["longhorn"],
        lambda data: data["cluster"].update(storageClass="local-path"),
    ),
    "no-kafka-tailscale-seaweedfs": (
        ["strimzi", "tailscale", "seaweedfs"],
        lambda data: _without_kafka_tailscale_seaweedfs(data),
    ),
    "no-external-secrets": (
        [
            "external-secrets",
            "kube-prometheus-stack",
            "longhorn",
            "seaweedfs",
            "tailscale",
            "velero",
            "cert-manager",
            "cloudnative-pg",
            "plugin-barman-cloud",
            "traefik",
            "metallb",
        ],
        lambda data: _nothing_needs_external_secrets(data),
    ),
}


def _without_kafka_tailscale_seaweedfs(data: dict[str, Any]) -> None:
    data["kafka"]["enabled"] = False
    data["tailscale"]["enabled"] = False
    data["objectStore"].update(type="external", endpoint="https://s3.eu-central-1.amazonaws.com")
    for service in data["services"]:
        service.get("egress", {}).pop("kafka", None)


def _nothing_needs_external_secrets(data: dict[str, Any]) -> None:
    _no_databases_ingresses_or_auth(data)
    _without_kafka_tailscale_seaweedfs(data)
    data["cluster"]["storageClass"] = "local-path"
    data["registry"]["pullSecret"] = None
    for service in data["services"]:
        service.pop("secrets", None)


def test_the_variants_cover_every_component_that_can_be_disabled() -> None:
    disabled = {name for names, _ in VARIANTS.values() for name in names}
    always = {name for name, info in table().items() if info.required}
    always.add("prometheus-operator-crds")  # the platform's alert rules are PrometheusRules
    assert disabled | always == set(table())


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_disabled_components_leave_a_platform_with_zero_findings(
    variant: str, tmp_path: Path, render_cache: Path
) -> None:
    names, change = VARIANTS[variant]

    def apply(data: dict[str, Any]) -> None:
        if change is not None:
            change(data)
        data["components"] = {name: {"enabled": False} for name in names}

    tree = write(platform_from(apply, tmp_path), tmp_path / "out")
    assert [f.format() for f in judge(tree, render_cache)] == []
    seen = view(tree, cache_dir=render_cache)
    for name in names:
        assert seen.app(name) is None, name
    assert not (tree / "mg-infrastructure" / "base" / names[0]).exists()


def _repackaged(chart_key: str, version: str, into: Path) -> None:
    """A chart version the catalog does not pin: the pinned archive with another version
    number, packaged by the real helm (what `helm pull` of another release would leave)."""
    pin = catalog.chart(chart_key)
    work = into.parent / "repackage"
    with tarfile.open(CHARTS.path(pin)) as archive:
        archive.extractall(work, filter="data")
    chart_yaml = work / pin.chart / "Chart.yaml"
    data = yaml.safe_load(chart_yaml.read_text(encoding="utf-8"))
    data["version"] = version
    chart_yaml.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    helm = str(binaries.find("helm"))
    Command([helm, "package", str(work / pin.chart), "-d", str(into)], timeout=120).run()


def _cache_with(tmp_path: Path, *extra: tuple[str, str]) -> ChartCache:
    root = tmp_path / "charts"
    root.mkdir()
    for archive in CHARTS.root.glob("*.tgz"):
        (root / archive.name).symlink_to(archive)
    for chart_key, version in extra:
        _repackaged(chart_key, version, root)
    return ChartCache(root)


def test_an_unpinned_component_version_is_rendered_and_called_unverified(
    tmp_path: Path, render_cache: Path
) -> None:
    def bump(data: dict[str, Any]) -> None:
        data["components"] = {"reloader": {"version": "2.2.17"}}

    tree = write(platform_from(bump, tmp_path), tmp_path / "out")
    application = yaml.safe_load(
        (tree / "mg-infrastructure/base/reloader/application.yaml").read_text()
    )
    assert application["spec"]["sources"][0]["targetRevision"] == "2.2.17"
    findings = judge(tree, render_cache, _cache_with(tmp_path, ("reloader", "2.2.17")))
    (finding,) = findings
    assert finding.severity is Severity.WARNING
    assert (finding.check, finding.application) == ("argocd-render", "reloader")
    assert "chart reloader 2.2.17 is not the version mgctl's catalog pins (2.2.16" in (
        finding.message
    )
    assert "UNVERIFIED" in finding.message


def test_an_unpinned_version_missing_from_the_cache_is_an_error(
    tmp_path: Path, render_cache: Path
) -> None:
    def bump(data: dict[str, Any]) -> None:
        data["components"] = {"reloader": {"version": "2.2.17"}}

    tree = write(platform_from(bump, tmp_path), tmp_path / "out")
    findings = only(judge(tree, render_cache), "argocd-render")
    assert [(f.severity, f.application) for f in findings] == [(Severity.ERROR, "reloader")]
    assert (
        "helm pull reloader --repo https://stakater.github.io/stakater-charts --version 2.2.17"
        in findings[0].message
    )
