"""Restart on secret change: checksum of the rendered ExternalSecret spec + Reloader annotation."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest

from .helpers import build_service_chart, helm, one, render

BASE: dict[str, Any] = {
    "image": {"repository": "shykhov/mg.svc", "tag": "1.0.0"},
    "environment": "production",
    "externalSecret": {
        "enabled": True,
        "refreshInterval": "1h",
        "keys": [
            {"secretKey": "DB_PASSWORD", "remoteKey": "SVC_DB_PASSWORD"},
            {"secretKey": "API_KEY", "remoteKey": "SVC_API_KEY"},
        ],
    },
}


def _checksum(root: Path, values: dict[str, Any]) -> str:
    objects = render(build_service_chart(root, "svc", values))
    annotations = one(objects, "Deployment")["spec"]["template"]["metadata"]["annotations"]
    checksum: str = annotations["checksum/external-secret"]
    return checksum


def _changed(mutation: str) -> dict[str, Any]:
    values = copy.deepcopy(BASE)
    es = values["externalSecret"]
    if mutation == "remote key renamed":
        es["keys"][1]["remoteKey"] = "SVC_API_KEY_V2"
    elif mutation == "secret key renamed":
        es["keys"][0]["secretKey"] = "DATABASE_PASSWORD"
    elif mutation == "key added":
        es["keys"].append({"secretKey": "EXTRA", "remoteKey": "SVC_EXTRA"})
    elif mutation == "key removed":
        es["keys"].pop()
    elif mutation == "environment (store) changed":
        values["environment"] = "staging"
    elif mutation == "refresh interval changed":
        es["refreshInterval"] = "5m"
    elif mutation == "unrelated: replicas":
        values["replicaCount"] = 3
    elif mutation == "unrelated: env":
        values["env"] = [{"name": "LOG_LEVEL", "value": "debug"}]
    elif mutation == "unrelated: image tag":
        values["image"]["tag"] = "2.0.0"
    elif mutation == "unrelated: pod annotations":
        values["podAnnotations"] = {"team": "trading"}
    else:
        raise AssertionError(mutation)
    return values


@pytest.mark.parametrize(
    ("mutation", "rolls"),
    [
        ("remote key renamed", True),
        ("secret key renamed", True),
        ("key added", True),
        ("key removed", True),
        ("environment (store) changed", True),
        ("refresh interval changed", True),
        ("unrelated: replicas", False),
        ("unrelated: env", False),
        ("unrelated: image tag", False),
        ("unrelated: pod annotations", False),
    ],
)
def test_checksum_follows_external_secret_spec(tmp_path: Path, mutation: str, rolls: bool) -> None:
    before = _checksum(tmp_path / "a", BASE)
    after = _checksum(tmp_path / "b", _changed(mutation))
    assert (before != after) is rolls


def test_checksum_is_sha256_of_the_rendered_spec_not_the_name(tmp_path: Path) -> None:
    chart = build_service_chart(tmp_path, "svc", BASE)
    out = helm("template", "svc", str(chart)).stdout
    documents = [d for d in out.split("\n---\n") if "kind: ExternalSecret" in d]
    assert len(documents) == 1
    lines = documents[0].split("\n")
    spec_lines = lines[lines.index("spec:") + 1 :]
    spec_text = "\n".join(line[2:] for line in spec_lines).strip()
    deployment = one(render(chart), "Deployment")
    checksum = deployment["spec"]["template"]["metadata"]["annotations"]["checksum/external-secret"]
    assert checksum == hashlib.sha256(spec_text.encode()).hexdigest()
    # the seed hashed the object's name
    assert checksum != hashlib.sha256(b"svc").hexdigest()


def test_reloader_annotation_targets_the_synced_secret(tmp_path: Path) -> None:
    objects = render(build_service_chart(tmp_path, "svc", BASE))
    deployment = one(objects, "Deployment")
    target = one(objects, "ExternalSecret")["spec"]["target"]["name"]
    assert target == "svc-secrets"
    assert deployment["metadata"]["annotations"]["secret.reloader.stakater.com/reload"] == target
    main = deployment["spec"]["template"]["spec"]["containers"][0]
    assert main["envFrom"] == [{"secretRef": {"name": target}}]
