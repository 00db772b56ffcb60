"""Rendered CNPG objects: shape, values from platform.yaml, and validity against the pinned CRDs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mgctl.config import Platform, load_platform
from mgctl.manifests import parse_manifests
from mgctl.render.database_charts import cluster, render_databases, retention_policy
from mgctl.validate.schemas import SchemaRegistry

from .conftest import write_platform

NAME_LABEL = "kubernetes.io/metadata.name"

OFFSITE = {
    "endpoint": "https://s3.eu-central-2.wasabisys.com",
    "region": "eu-central-2",
    "bucket": "mg-offsite-db",
    "accessKeyKey": "OFFSITE_S3_ACCESS_KEY_ID",
    "secretKeyKey": "OFFSITE_S3_SECRET_ACCESS_KEY",
}


def _docs(files: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    return {path: [d for d in yaml.safe_load_all(text) if d] for path, text in files.items()}


def _find(files: dict[str, str], kind: str, name: str) -> dict[str, Any]:
    for docs in _docs(files).values():
        for doc in docs:
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
    raise AssertionError(f"{kind}/{name} not rendered")


@pytest.fixture(scope="module")
def offsite_platform(tmp_path_factory: pytest.TempPathFactory) -> Platform:
    tmp = tmp_path_factory.mktemp("offsite")
    return load_platform(
        write_platform(tmp, {"objectStore": {"type": "seaweedfs", "offsite": OFFSITE}})
    )


def test_one_directory_of_plain_manifests_per_database(example: Platform) -> None:
    files = render_databases(example)
    assert sorted(files) == sorted(
        f"mg-deploy/databases/{db.name}/{f}"
        for db in example.databases
        for f in ("cluster.yaml", "backup.yaml", "external-secrets.yaml")
    )


@pytest.mark.parametrize("which", ["example", "offsite"])
def test_every_object_validates_against_the_pinned_schemas(
    which: str, example: Platform, offsite_platform: Platform, registry: SchemaRegistry
) -> None:
    platform = example if which == "example" else offsite_platform
    kinds = set()
    for path, text in render_databases(platform).items():
        manifests, findings = parse_manifests(text, path)
        assert findings == []
        for manifest in manifests:
            assert registry.is_served(manifest.api_version, manifest.kind), manifest.kind
            assert registry.validate(manifest) == [], (path, manifest.kind)
            kinds.add(manifest.kind)
    expected = {
        "Cluster",
        "PodMonitor",
        "NetworkPolicy",
        "ObjectStore",
        "ScheduledBackup",
        "ExternalSecret",
    }
    assert kinds == (expected | {"CronJob"} if which == "offsite" else expected)


def test_cluster_archives_through_the_plugin_with_config_values(example: Platform) -> None:
    db = example.databases[0]
    files = render_databases(example)
    cluster = _find(files, "Cluster", db.name)["spec"]
    assert (
        cluster["imageName"]
        == f"ghcr.io/cloudnative-pg/postgresql:{db.postgres_version}-standard-trixie"
    )
    assert cluster["storage"] == {"storageClass": example.cluster.storage_class, "size": db.storage}
    assert cluster["bootstrap"]["initdb"] == {
        "database": db.database,
        "owner": db.owner,
        "secret": {"name": f"{db.name}-credentials"},
    }
    assert cluster["plugins"] == [
        {
            "name": "barman-cloud.cloudnative-pg.io",
            "isWALArchiver": True,
            "parameters": {"barmanObjectName": f"{db.name}-store"},
        }
    ]
    assert "backup" not in cluster  # no deprecated in-tree barmanObjectStore
    assert "enablePodMonitor" not in cluster.get("monitoring", {})  # deprecated in 1.30
    store = _find(files, "ObjectStore", f"{db.name}-store")["spec"]
    config = store["configuration"]
    assert config["destinationPath"] == f"s3://{example.object_store.buckets.databases}/{db.name}"
    assert config["endpointURL"] == example.object_store.s3_endpoint
    assert config["wal"]["compression"] == db.backup.compression
    assert store["retentionPolicy"] == "30d"
    backup = _find(files, "ScheduledBackup", f"{db.name}-daily")["spec"]
    assert backup["schedule"] == db.backup.schedule
    assert backup["method"] == "plugin"


def test_secrets_come_from_the_environments_doppler_store(example: Platform) -> None:
    db = example.databases[0]
    files = render_databases(example)
    creds = _find(files, "ExternalSecret", f"{db.name}-credentials")["spec"]
    assert creds["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "doppler-production"}
    assert creds["target"]["template"]["type"] == "kubernetes.io/basic-auth"
    assert {d["remoteRef"]["key"] for d in creds["data"]} == {
        db.credentials.username_key,
        db.credentials.password_key,
    }
    s3 = _find(files, "ExternalSecret", f"{db.name}-s3")["spec"]
    assert {d["remoteRef"]["key"] for d in s3["data"]} == {
        example.object_store.access_key_key,
        example.object_store.secret_key_key,
    }


def test_offsite_adds_a_copy_job_and_a_recovery_object_store(offsite_platform: Platform) -> None:
    db = offsite_platform.databases[0]
    files = render_databases(offsite_platform)
    store = _find(files, "ObjectStore", f"{db.name}-offsite")["spec"]["configuration"]
    assert store["destinationPath"] == f"s3://{OFFSITE['bucket']}/{db.name}"
    assert store["endpointURL"] == OFFSITE["endpoint"]
    job = _find(files, "CronJob", f"{db.name}-offsite-copy")
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][:3] == [
        "copy",
        f"src:{offsite_platform.object_store.buckets.databases}/{db.name}",
        f"dst:{OFFSITE['bucket']}/{db.name}",
    ]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["RCLONE_CONFIG_DST_ENDPOINT"] == OFFSITE["endpoint"]
    assert env["RCLONE_CONFIG_SRC_ENDPOINT"] == offsite_platform.object_store.s3_endpoint
    policy = _find(files, "NetworkPolicy", f"{db.name}-offsite-copy")["spec"]
    pod_labels = job["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert {"protocol": "TCP", "port": 443} in policy["egress"][-1]["ports"]
    assert {"protocol": "TCP", "port": 8333} in policy["egress"][1]["ports"]  # seaweedfs-s3
    # still exactly one WAL archiver
    cluster = _find(files, "Cluster", db.name)["spec"]
    assert [p for p in cluster["plugins"] if p.get("isWALArchiver")] == cluster["plugins"]


@pytest.mark.parametrize(
    ("duration", "policy"), [("30d", "30d"), ("2w", "14d"), ("36h", "2d"), ("90m", "1d")]
)
def test_retention_is_expressed_in_days(duration: str, policy: str) -> None:
    assert retention_policy(duration) == policy


def test_written_paths_stay_inside_mg_deploy(example: Platform) -> None:
    for path in render_databases(example):
        assert Path(path).parts[:2] == ("mg-deploy", "databases")


def test_velero_does_not_copy_running_database_volumes() -> None:
    example = load_platform(Path(__file__).parents[2] / "examples" / "mg" / "platform.yaml")
    spec = cluster(example, example.databases[0])["spec"]
    excluded = spec["inheritedMetadata"]["annotations"]["backup.velero.io/backup-volumes-excludes"]
    assert {"pgdata", "pg-wal"} <= set(excluded.split(","))


def test_only_its_services_the_operator_and_prometheus_reach_a_database() -> None:
    example = load_platform(Path(__file__).parents[2] / "examples" / "mg" / "platform.yaml")
    docs = list(
        yaml.safe_load_all(
            render_databases(example)["mg-deploy/databases/postgres-engine/cluster.yaml"]
        )
    )
    (policy,) = [d for d in docs if d["kind"] == "NetworkPolicy"]
    assert policy["spec"]["podSelector"]["matchLabels"] == {"cnpg.io/cluster": "postgres-engine"}
    allowed = {
        (peer.get("namespaceSelector", {}).get("matchLabels", {}).get(NAME_LABEL), port["port"])
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
        for port in rule["ports"]
    }
    assert ("engine", 5432) in allowed and ("broker", 5432) not in allowed
    assert ("cnpg-system", 8000) in allowed and ("monitoring", 9187) in allowed
    assert (None, 5432) in allowed  # the cluster's own instances (replication)
    assert policy["spec"]["policyTypes"] == ["Ingress"]


def test_what_keeps_a_database_running_is_never_deleted_the_offsite_copy_is(
    offsite_platform: Platform,
) -> None:
    """A removed or renamed database keeps running and archiving: Argo CD never prunes or
    deletes its Cluster, ObjectStore, ScheduledBackup, credentials, PodMonitor and
    NetworkPolicy. Turning the off-site copy off removes the copy job (its data stays in the
    external bucket)."""
    options = "argocd.argoproj.io/sync-options"
    files = render_databases(offsite_platform)
    for path, docs in _docs(files).items():
        for doc in docs:
            annotations = doc["metadata"].get("annotations") or {}
            offsite = path.endswith("offsite.yaml") or doc["metadata"]["name"].endswith(
                "-offsite-s3"
            )
            if offsite:
                assert options not in annotations, (path, doc["kind"])
            else:
                assert annotations[options] == "Prune=false,Delete=false", (path, doc["kind"])
