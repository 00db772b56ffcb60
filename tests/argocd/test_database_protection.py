"""Databases are never deleted by a change to platform.yaml.

Asserted three ways: on the rendered objects (sync options, the ApplicationSet policy), on the
view of what Argo CD applies (the Applications the databases ApplicationSet generates carry no
resources-finalizer, the Cluster objects carry Prune=false,Delete=false, and the deletion model
keeps them), and on `mgctl render` of a rename (the warning, the manual steps, and the previous
render's policy keeping the old Cluster)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from mgctl.argocd.deletion import when_application_deleted, when_removed_from_git
from mgctl.argocd.models import RESOURCES_FINALIZER
from mgctl.argocd.view import ArgoView
from mgctl.cli.main import app
from mgctl.validate.applied import data_safety

from .support import DEPLOY, EXAMPLE, INFRA, edit, load_docs, view

SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
KEPT_FILES = ("cluster.yaml", "backup.yaml", "external-secrets.yaml")


def _clusters(seen: ArgoView) -> list[tuple[Any, Any]]:
    return [
        (rendered.app, obj)
        for rendered in seen.apps
        for obj in rendered.objects
        if (obj.group, obj.kind) == ("postgresql.cnpg.io", "Cluster")
    ]


def test_rendered_database_objects_are_never_pruned_or_deleted(rendered: Path) -> None:
    databases = rendered / DEPLOY / "databases"
    names = sorted(p.name for p in databases.iterdir())
    assert names == ["postgres-broker", "postgres-engine"]
    for name in names:
        for file in KEPT_FILES:
            for doc in load_docs(databases / name / file):
                options = doc["metadata"]["annotations"][SYNC_OPTIONS]
                assert options == "Prune=false,Delete=false", (name, file, doc["kind"])
    (appset,) = load_docs(rendered / INFRA / "applicationsets" / "databases.yaml")
    assert appset["spec"]["syncPolicy"] == {"preserveResourcesOnDeletion": True}


def test_argo_view_keeps_every_cluster(rendered: Path) -> None:
    seen = view(rendered)
    clusters = _clusters(seen)
    assert sorted(obj.name for _, obj in clusters) == ["postgres-broker", "postgres-engine"]
    for application, cluster in clusters:
        assert application.generated_by == "databases"
        assert RESOURCES_FINALIZER not in application.metadata.finalizers
        assert cluster.body["metadata"]["annotations"][SYNC_OPTIONS] == "Prune=false,Delete=false"
        assert when_application_deleted(application, cluster) == "kept"
        assert when_removed_from_git(application, cluster) == "kept"
    services = seen.app("engine")
    assert services is not None and RESOURCES_FINALIZER in services.app.metadata.finalizers
    assert data_safety.check(seen) == []


def test_judge_fails_a_cluster_argo_cd_would_delete(tree: Path) -> None:
    """Without the protections (a hand edit, an older render) the check names the Cluster."""
    appset = tree / INFRA / "applicationsets" / "databases.yaml"
    edit(appset, lambda docs: docs[0]["spec"].pop("syncPolicy"))
    cluster_file = tree / DEPLOY / "databases" / "postgres-engine" / "cluster.yaml"
    edit(cluster_file, lambda docs: docs[0]["metadata"].pop("annotations"))
    seen = view(tree)
    engine = next(a for a, obj in _clusters(seen) if obj.name == "postgres-engine")
    assert RESOURCES_FINALIZER in engine.metadata.finalizers  # the controller adds it
    (finding,) = data_safety.check(seen)
    assert finding.name == "postgres-engine" and finding.application == "postgres-engine"
    assert "when ApplicationSet databases drops Application postgres-engine" in finding.message
    assert "no longer rendered (prune)" in finding.message
    assert "Prune=false,Delete=false" in finding.message


def _renamed(tmp_path: Path) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["databases"][0]["name"] = "engine-main"
    for service in data["services"]:
        if service.get("database") == "postgres-engine":
            service["database"] = "engine-main"
    config = tmp_path / "renamed.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return config


def _render(config: Path, out: Path, *extra: str) -> Any:
    return CliRunner().invoke(app, ["render", "-c", str(config), "-o", str(out), *extra])


def test_rename_warns_and_the_old_cluster_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _render(EXAMPLE, out).exit_code == 0
    before = view(out)  # what Argo CD has applied from the previous render
    config = _renamed(tmp_path)
    result = _render(config, out)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stderr.split())
    assert "database 'postgres-engine' is no longer in platform.yaml" in text
    assert "Nothing deletes it" in text and "DANGER" not in text
    assert "New in this render: 'engine-main'. A renamed database starts EMPTY." in text
    assert "kubectl apply -f -" in text and '"kind":"Backup"' in text
    assert (
        f"mgctl dr restore-plan engine-main --from-database postgres-engine --to latest -c {config}"
    ) in text
    assert "-l app.kubernetes.io/name=postgres-engine" in text
    databases = out / DEPLOY / "databases"
    assert sorted(p.name for p in databases.iterdir()) == ["engine-main", "postgres-broker"]
    # the Application the rename removes deletes nothing: the old Cluster stays
    gone = next(r for r in before.apps if r.app.name == "postgres-engine")
    (cluster,) = [o for o in gone.objects if o.kind == "Cluster"]
    assert when_application_deleted(gone.app, cluster) == "kept"
    # and the new render protects the new name the same way
    after = view(out)
    assert {obj.name for _, obj in _clusters(after)} == {"engine-main", "postgres-broker"}
    assert data_safety.check(after) == []


def test_rename_as_json(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _render(EXAMPLE, out).exit_code == 0
    result = _render(_renamed(tmp_path), out, "--output", "json")
    assert result.exit_code == 0, result.output
    (gone,) = json.loads(result.stdout)["removedDatabases"]
    assert gone["database"] == "postgres-engine" and gone["protected"] is True
    assert gone["possiblyRenamedTo"] == ["engine-main"]
    assert gone["catalog"] == "s3://db-backups/postgres-engine/postgres-engine/"


def test_removal_without_a_previous_protection_says_danger(tmp_path: Path) -> None:
    """A render from before the protection existed: pushing the removal deletes the database."""
    removed = "postgres-broker"
    out = tmp_path / "out"
    assert _render(EXAMPLE, out).exit_code == 0
    edit(
        out / INFRA / "applicationsets" / "databases.yaml", lambda d: d[0]["spec"].pop("syncPolicy")
    )
    edit(
        out / DEPLOY / "databases" / removed / "cluster.yaml",
        lambda docs: docs[0]["metadata"].pop("annotations"),
    )
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["databases"] = [d for d in data["databases"] if d["name"] != removed]
    for service in data["services"]:
        if service.get("database") == removed:
            service.pop("database")
    config = tmp_path / "removed.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = _render(config, out, "--force")  # the edits above are hand edits
    assert result.exit_code == 0, result.output
    text = " ".join(result.stderr.split())
    assert f"database '{removed}' is no longer in platform.yaml" in text
    assert "DANGER" in text and f"annotate clusters.postgresql.cnpg.io {removed}" in text
    assert "New in this render" not in text


def test_first_render_and_unchanged_rerender_warn_about_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _render(EXAMPLE, out)
    again = _render(EXAMPLE, out)
    assert first.exit_code == again.exit_code == 0
    assert "no longer in platform.yaml" not in first.output + again.output
