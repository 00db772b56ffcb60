"""Day-2 shapes of platform.yaml, each rendered whole, seen as Argo CD applies it (upstream
charts from ../shared/charts) and judged: a worker, the built-in auth-service behind a
protected frontend, and a platform without auth. Zero findings is the bar; the assertions
then look at what Argo CD would apply, not at generated files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mgctl.argocd.view import ArgoView
from mgctl.config.loader import load_platform
from mgctl.config.platform import Platform
from mgctl.manifests import Manifest

from .support import EXAMPLE, judge, view, write

WORKER: dict[str, Any] = {
    "name": "consumer",
    "image": {"repository": "shykhov/mg.consumer", "tag": "v2.3.0"},
    "port": None,
    "command": ["/app/consumer"],
    "args": ["--topic", "opportunities"],
    "extraPorts": [{"name": "metrics", "port": 9100}],
    "probes": {"liveness": {"type": "exec", "command": ["/app/healthy", "--max-lag", "30s"]}},
    "metrics": {"port": "metrics", "path": "/metrics"},
    "egress": {"kafka": True},
}


def platform_from(change: Callable[[dict[str, Any]], None], tmp: Path) -> Platform:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(data)
    path = tmp / "platform.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_platform(path)


STAGING: dict[str, Any] = {
    "name": "reporting-staging",
    "image": {"repository": "shykhov/mg.reporting", "tag": "v0.9.0"},
    "environment": "staging",
    "database": "postgres-reporting",
}
STAGING_DB: dict[str, Any] = {
    "name": "postgres-reporting",
    "database": "reporting",
    "owner": "reporting",
    "credentials": {"usernameKey": "REPORTING_DB_USER", "passwordKey": "REPORTING_DB_PASSWORD"},
}


PLAIN_SEMVER: dict[str, Any] = {
    "name": "pricer",
    "image": {"repository": "shykhov/mg.pricer", "tag": "1.4.2"},
}


BUILD_TAGGED: dict[str, Any] = {
    "name": "ledger",
    "image": {
        "repository": "shykhov/mg.ledger",
        "tag": "20260105-3f9c2ab",
        "allowTags": r"^\d{8}-[0-9a-f]{7}$",
        "updateStrategy": "newest-build",
    },
}


def day2(data: dict[str, Any]) -> None:
    data["services"] += [WORKER, STAGING, PLAIN_SEMVER, BUILD_TAGGED]
    data["databases"].append(STAGING_DB)


@pytest.fixture(scope="module")
def judged(
    tmp_path_factory: pytest.TempPathFactory, render_cache: Path
) -> tuple[Platform, ArgoView, list[str]]:
    tmp = tmp_path_factory.mktemp("day2")
    platform = platform_from(day2, tmp)
    tree = write(platform, tmp / "out")
    findings = [f.format() for f in judge(tree, render_cache)]
    return platform, view(tree, cache_dir=render_cache), findings


def objects(seen: ArgoView, app: str) -> list[Manifest]:
    rendered = seen.app(app)
    assert rendered is not None, f"no Application {app}"
    found: list[Manifest] = rendered.objects
    return found


def one(seen: ArgoView, app: str, kind: str) -> dict[str, Any]:
    found: dict[str, Any]
    (found,) = [o.body for o in objects(seen, app) if o.kind == kind]
    return found


def test_the_day2_platform_has_zero_findings(
    judged: tuple[Platform, ArgoView, list[str]],
) -> None:
    assert judged[2] == []


def test_a_worker_runs_its_command_with_an_exec_probe_and_no_service_port(
    judged: tuple[Platform, ArgoView, list[str]],
) -> None:
    seen = judged[1]
    pod = one(seen, "consumer", "Deployment")["spec"]["template"]
    (main,) = pod["spec"]["containers"]
    assert main["command"] == ["/app/consumer"]
    assert main["args"] == ["--topic", "opportunities"]
    assert main["livenessProbe"]["exec"]["command"] == ["/app/healthy", "--max-lag", "30s"]
    assert "readinessProbe" not in main and "startupProbe" not in main
    assert [p["name"] for p in main["ports"]] == ["metrics"]
    service = one(seen, "consumer", "Service")
    assert [p["name"] for p in service["spec"]["ports"]] == ["metrics"]
    assert one(seen, "consumer", "ServiceMonitor")["spec"]["endpoints"][0]["port"] == "metrics"
    assert not [o for o in objects(seen, "consumer") if o.kind == "IngressRoute"]
    (rule,) = one(seen, "consumer", "NetworkPolicy")["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": "metrics"}]


def test_the_auth_service_is_rendered_without_being_listed(
    judged: tuple[Platform, ArgoView, list[str]],
) -> None:
    platform, seen, _ = judged
    assert "auth-service" not in {s.name for s in platform.services}
    deployment = one(seen, "auth-service", "Deployment")
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    assert {pod["securityContext"][k] for k in ("runAsUser", "runAsGroup", "fsGroup")} == {65532}
    (container,) = pod["containers"]
    assert container["image"] == "ghcr.io/mshykhov/mg-auth-service:v0.1.0"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/etc/mg-auth" in mounts
    assert pod["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"
    assert one(seen, "auth-service", "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    config = yaml.safe_load(one(seen, "auth-service", "ConfigMap")["data"]["config.yaml"])
    assert config["issuers"] == ["https://mg-central.eu.auth0.com/"]
    assert config["rules"][0]["name"] == "frontend-preflight"


def test_the_middleware_points_at_the_auth_service_that_is_rendered(
    judged: tuple[Platform, ArgoView, list[str]],
) -> None:
    seen = judged[1]
    address = one(seen, "traefik-config", "Middleware")["spec"]["forwardAuth"]["address"]
    service = one(seen, "auth-service", "Service")
    rendered = seen.app("auth-service")
    assert rendered is not None
    port = next(p["port"] for p in service["spec"]["ports"] if p["name"] == "http")
    host = f"{service['metadata']['name']}.{rendered.app.namespace}.svc.cluster.local"
    assert address == f"http://{host}:{port}/verify"


def test_auth_service_overrides(tmp_path: Path, render_cache: Path) -> None:
    def override(data: dict[str, Any]) -> None:
        data["auth"]["service"] = {
            "replicas": 3,
            "resources": {
                "requests": {"cpu": "250m", "memory": "96Mi"},
                "limits": {"cpu": "1", "memory": "192Mi"},
            },
            "image": {"repository": "ghcr.io/acme/mg-auth-service", "tag": "v0.2.0-rc.1"},
        }

    tree = write(platform_from(override, tmp_path), tmp_path / "out")
    assert [f.format() for f in judge(tree, render_cache)] == []
    deployment = one(view(tree, cache_dir=render_cache), "auth-service", "Deployment")
    assert deployment["spec"]["replicas"] == 3
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "ghcr.io/acme/mg-auth-service:v0.2.0-rc.1"
    assert container["resources"]["requests"] == {"cpu": "250m", "memory": "96Mi"}


def test_without_auth_there_is_no_auth_service_and_no_middleware(
    tmp_path: Path, render_cache: Path
) -> None:
    def public(data: dict[str, Any]) -> None:
        del data["auth"]
        for service in data["services"]:
            if service.get("ingress"):
                service["ingress"]["auth"] = "public"

    tree = write(platform_from(public, tmp_path), tmp_path / "out")
    assert [f.format() for f in judge(tree, render_cache)] == []
    seen = view(tree, cache_dir=render_cache)
    assert seen.app("auth-service") is None
    assert seen.app("traefik-config") is None
    route = one(seen, "frontend", "IngressRoute")
    assert "middlewares" not in route["spec"]["routes"][0]


def test_a_staging_database_takes_its_credentials_from_the_staging_store(
    judged: tuple[Platform, ArgoView, list[str]],
) -> None:
    seen = judged[1]

    def stores(app: str) -> dict[str, str]:
        return {
            o.name: o.body["spec"]["secretStoreRef"]["name"]
            for o in objects(seen, app)
            if o.kind == "ExternalSecret"
        }

    database = stores("postgres-reporting")
    assert database["postgres-reporting-credentials"] == "doppler-staging"  # the owner
    assert set(database.values()) - {"doppler-staging"} == {"doppler-production"}  # S3 keys
    assert stores("reporting-staging") == {"reporting-staging": "doppler-staging"}
    assert stores("postgres-engine")["postgres-engine-credentials"] == "doppler-production"


def test_a_service_tagged_without_v_gets_allow_tags_without_v(
    judged: tuple[Platform, ArgoView, list[str]],
) -> None:
    seen = judged[1]
    (container,) = one(seen, "pricer", "Deployment")["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "shykhov/mg.pricer:1.4.2"
    updater = one(seen, "root", "ImageUpdater")
    settings = {
        ref["namePattern"]: ref["images"][0]["commonUpdateSettings"]
        for ref in updater["spec"]["applicationRefs"]
    }
    allow = {name: s["allowTags"] for name, s in settings.items()}
    assert allow["pricer"] == r"regexp:^\d+\.\d+\.\d+$"
    assert allow["engine"] == r"regexp:^v\d+\.\d+\.\d+$"
    assert settings["ledger"] == {
        "updateStrategy": "newest-build",
        "allowTags": r"regexp:^\d{8}-[0-9a-f]{7}$",
    }
    assert "auth-service" not in allow  # pinned by mgctl's catalog, never rolled by the updater


def test_a_probe_disabled_on_purpose_is_one_warning_not_a_failure(
    tmp_path: Path, render_cache: Path
) -> None:
    def no_readiness(data: dict[str, Any]) -> None:
        frontend = next(s for s in data["services"] if s["name"] == "frontend")
        frontend["probes"]["readiness"] = {"enabled": False}

    tree = write(platform_from(no_readiness, tmp_path), tmp_path / "out")
    (finding,) = judge(tree, render_cache)
    assert (finding.check, finding.severity, finding.application) == (
        "probes",
        "warning",
        "frontend",
    )
    assert "readiness probe disabled (probes.readiness.enabled: false)" in finding.message
