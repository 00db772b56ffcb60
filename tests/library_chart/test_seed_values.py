"""The seed's two example values files render unchanged through mg-library and pass checks."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from .helpers import (
    FIXTURES,
    LIBRARY_DIR,
    build_service_chart,
    by_kind,
    check_objects,
    lint,
    one,
    render,
)

SEED_FILES = {"engine": "seed-engine.values.yaml", "broker": "seed-broker.values.yaml"}
EXPECTED_KINDS = {
    "engine": [
        "Deployment",
        "ExternalSecret",
        "NetworkPolicy",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
    ],
    # the broker's values omit metrics: no ServiceMonitor
    "broker": ["Deployment", "ExternalSecret", "NetworkPolicy", "Service", "ServiceAccount"],
}


def _render_seed(tmp_path: Path, name: str) -> list[dict]:  # type: ignore[type-arg]
    text = (FIXTURES / SEED_FILES[name]).read_text(encoding="utf-8")
    chart = build_service_chart(tmp_path, name, text)
    assert (chart / "values.yaml").read_text(encoding="utf-8") == text  # byte-for-byte
    lint(chart)
    return render(chart)


@pytest.mark.parametrize("name", sorted(SEED_FILES))
def test_seed_values_render_and_pass_schemas_and_pss(tmp_path: Path, name: str) -> None:
    objects = _render_seed(tmp_path, name)
    assert sorted(o["kind"] for o in objects) == EXPECTED_KINDS[name]
    check_objects(objects)


@pytest.mark.parametrize("name", sorted(SEED_FILES))
def test_seed_values_match_values_schema(name: str) -> None:
    schema = yaml.safe_load((LIBRARY_DIR / "values.schema.json").read_text(encoding="utf-8"))
    values = yaml.safe_load((FIXTURES / SEED_FILES[name]).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(values)


def test_seed_fixture_is_verbatim_copy_of_seed() -> None:
    seed = (
        Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_c80d169ff423c154.txt"
    ).read_text(encoding="utf-8")
    for fixture in SEED_FILES.values():
        assert (FIXTURES / fixture).read_text(encoding="utf-8") in seed


def test_engine_seed_bugs_are_fixed(tmp_path: Path) -> None:
    objects = _render_seed(tmp_path, "engine")
    deployment = one(objects, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    main = pod["containers"][0]
    assert main["name"] == "engine"
    # tag "" falls back to the chart's appVersion
    assert main["image"] == "shykhov/mg.engine:1.0.0"
    # seed rendered `name: {name: dockerhub-credentials}`
    assert pod["imagePullSecrets"] == [{"name": "dockerhub-credentials"}]
    # /tmp mount belongs to volumeMounts (seed put it under envFrom)
    assert {"name": "tmp", "mountPath": "/tmp"} in main["volumeMounts"]
    assert main["envFrom"] == [{"secretRef": {"name": "engine-secrets"}}]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "100Mi"}}]
    # the ServiceAccount the pod names exists and mounts no token
    account = one(objects, "ServiceAccount")
    assert pod["serviceAccountName"] == account["metadata"]["name"] == "engine"
    assert pod["automountServiceAccountToken"] is False
    assert account["automountServiceAccountToken"] is False
    assert main["env"][0] == {"name": "SPRING_PROFILES_ACTIVE", "value": "kubernetes"}
    assert [p for p in ("livenessProbe", "readinessProbe", "startupProbe") if p in main] == [
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
    ]
    # ExternalSecret on the served API, store chosen by environment
    secret = one(objects, "ExternalSecret")
    assert secret["apiVersion"] == "external-secrets.io/v1"
    assert secret["spec"]["secretStoreRef"] == {
        "kind": "ClusterSecretStore",
        "name": "doppler-production",
    }
    assert secret["spec"]["data"][0] == {
        "secretKey": "DB_PASSWORD",
        "remoteRef": {"key": "ENGINE_DB_PASSWORD"},
    }
    # restart on secret change: content checksum + Reloader
    pod_annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert len(pod_annotations["checksum/external-secret"]) == 64
    assert deployment["metadata"]["annotations"] == {
        "secret.reloader.stakater.com/reload": "engine-secrets"
    }
    monitor = one(objects, "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["port"] == "http"
    assert monitor["spec"]["endpoints"][0]["path"] == "/actuator/prometheus"


def test_broker_seed_sidecar(tmp_path: Path) -> None:
    objects = _render_seed(tmp_path, "broker")
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["containers"]] == ["broker", "ccxt-proxy"]
    sidecar = pod["containers"][1]
    # rendered as given; the :latest policy finding belongs to `mgctl validate`
    assert sidecar["image"] == "shykhov/mg.ccxt:latest"
    assert sidecar["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": False,
        "capabilities": {"drop": ["ALL"]},
    }
    assert sidecar["ports"] == [{"containerPort": 50051, "name": "grpc"}]
    policy = one(objects, "NetworkPolicy")
    assert any(
        rule.get("ports") == [{"protocol": "TCP", "port": 443}] for rule in policy["spec"]["egress"]
    )
    # the sidecar's grpc port is reached over localhost only: no ingress rule opens 50051
    opened = {p.get("port") for rule in policy["spec"]["ingress"] for p in rule.get("ports", [])}
    assert opened == {8080}
    assert not by_kind(objects, "ServiceMonitor")
